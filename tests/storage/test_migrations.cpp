// The migration runner, run against every backend.
#include "storage/migrations.hpp"
#include "storage/util.hpp"

#include <atomic>
#include <barrier>
#include <regex>
#include <thread>
#include <vector>

using segs::errc;
using segs::storage::migrate;
using segs::storage::migration;
using segs_test::error_of;
using segs_test::fresh_database;
using segs_test::scalar;

namespace {

// CREATE TABLE without IF NOT EXISTS: applying a step twice fails loudly.
const std::vector<migration> kSetV2 = {
    {1, "0001_first", "CREATE TABLE m_one (id BIGINT PRIMARY KEY);\n"
                      "INSERT INTO m_one (id) VALUES (1);"},
    {2, "0002_second", "CREATE TABLE m_two (id BIGINT PRIMARY KEY, note TEXT NOT NULL);"},
};
const std::vector<migration> kSetV1(kSetV2.begin(), kSetV2.begin() + 1);
const std::vector<migration> kSetV3 = {
    kSetV2[0], kSetV2[1],
    {3, "0003_third", "CREATE TABLE m_three (id BIGINT PRIMARY KEY);\n"
                      "INSERT INTO m_three (id) VALUES (3);"},
};

}  // namespace

TEST_CASE("migrations: the embedded sets are in order and well named") {
  for (const char* dialect : {"sqlite", "postgres"}) {
    CAPTURE(dialect);
    auto set = segs::storage::embedded_migrations(dialect);
    REQUIRE_FALSE(set.empty());
    CHECK(set.front().version == 1);
    const std::regex name(R"(\d{4}_[a-z0-9_]+)");
    for (std::size_t i = 0; i < set.size(); ++i) {
      CHECK(std::regex_match(std::string(set[i].name), name));
      CHECK(std::stoi(std::string(set[i].name.substr(0, 4))) == set[i].version);
      CHECK_FALSE(set[i].sql.empty());
      if (i > 0) CHECK(set[i].version > set[i - 1].version);
    }
  }
  // Both dialects describe the same schema versions.
  auto a = segs::storage::embedded_migrations("sqlite");
  auto b = segs::storage::embedded_migrations("postgres");
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].name == b[i].name);
  CHECK(segs::storage::embedded_migrations("oracle").empty());
}

TEST_CASE("migrations: the embedded schema applies to a fresh database once") {
  fresh_database db;
  auto b = segs_test::open(db);
  auto set = segs::storage::embedded_migrations(b->dialect());
  CHECK(migrate(*b, set) == static_cast<int>(set.size()));
  CHECK(scalar(*b, "SELECT COUNT(*) FROM schema_migrations") == static_cast<std::int64_t>(set.size()));
  CHECK(scalar(*b, "SELECT MAX(version) FROM schema_migrations") == set.back().version);
  CHECK(migrate(*b, set) == 0);
  CHECK(migrate(*b, set, {.apply = false}) == 0);
}

TEST_CASE("migrations: fresh apply records version and name and checksum") {
  fresh_database db;
  auto b = segs_test::open(db);
  CHECK(migrate(*b, kSetV2) == 2);
  auto tx = b->begin(segs::storage::tx_mode::read);
  auto rows = tx->exec("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version").rows;
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].i64(0) == 1);
  CHECK(rows[0].text(1) == "0001_first");
  CHECK(rows[1].text(1) == "0002_second");
  CHECK(rows[0].text(2).size() == 64);  // hex SHA-256
  CHECK(rows[0].text(2) != rows[1].text(2));
  CHECK(rows[0].i64(3) > 1'600'000'000'000'000);  // microseconds since the epoch
  CHECK(tx->exec("SELECT id FROM m_one").rows.at(0).i64(0) == 1);
}

TEST_CASE("migrations: reopening applies only what is new") {
  fresh_database db;
  {
    auto b = segs_test::open(db);
    CHECK(migrate(*b, kSetV1) == 1);
    CHECK(migrate(*b, kSetV1) == 0);
    if (segs_test::shared_database()) {
      auto again = segs_test::open(db);
      CHECK(migrate(*again, kSetV1) == 0);
      CHECK(migrate(*again, kSetV3) == 2);
      CHECK(migrate(*b, kSetV3) == 0);
    } else {
      CHECK(migrate(*b, kSetV3) == 2);
    }
    CHECK(scalar(*b, "SELECT COUNT(*) FROM schema_migrations") == 3);
    CHECK(scalar(*b, "SELECT id FROM m_three") == 3);
  }
}

TEST_CASE("migrations: a migration changed after it was applied is refused") {
  fresh_database db;
  auto b = segs_test::open(db);
  REQUIRE(migrate(*b, kSetV2) == 2);
  std::vector<migration> edited = kSetV2;
  edited[0].sql = "CREATE TABLE m_one (id BIGINT PRIMARY KEY, extra TEXT);";
  auto e = error_of([&] { migrate(*b, edited); });
  CHECK(e.code == errc::schema_mismatch);
  CHECK(e.message.find("migration 0001_first was changed after it was applied") != std::string::npos);
  // Refused without touching anything, also in check-only mode.
  CHECK(error_of([&] { migrate(*b, edited, {.apply = false}); }).code == errc::schema_mismatch);
  CHECK(migrate(*b, kSetV2) == 0);
}

TEST_CASE("migrations: a database newer than the library is refused") {
  fresh_database db;
  auto b = segs_test::open(db);
  REQUIRE(migrate(*b, kSetV3) == 3);
  auto e = error_of([&] { migrate(*b, kSetV2); });
  CHECK(e.code == errc::schema_mismatch);
  CHECK(e.message == "database schema version 3 is newer than this library (2); upgrade libsegs");
  CHECK(error_of([&] { migrate(*b, kSetV2, {.apply = false}); }).code == errc::schema_mismatch);
}

TEST_CASE("migrations: apply=false refuses a database that is behind") {
  fresh_database db;
  auto b = segs_test::open(db);
  // A fresh database.
  CHECK(error_of([&] { migrate(*b, kSetV2, {.apply = false}); }).code == errc::schema_mismatch);
  REQUIRE(migrate(*b, kSetV1) == 1);
  auto e = error_of([&] { migrate(*b, kSetV2, {.apply = false}); });
  CHECK(e.code == errc::schema_mismatch);
  CHECK(e.message.find("0002_second") != std::string::npos);
  // Nothing was applied.
  CHECK(scalar(*b, "SELECT COUNT(*) FROM schema_migrations") == 1);
  CHECK(migrate(*b, kSetV1, {.apply = false}) == 0);
}

TEST_CASE("migrations: a failing migration leaves no trace of itself") {
  fresh_database db;
  auto b = segs_test::open(db);
  std::vector<migration> broken = kSetV2;
  broken[1].sql = "CREATE TABLE m_two (id BIGINT PRIMARY KEY);\nINSERT INTO no_such_table (x) VALUES (1);";
  CHECK_THROWS_AS(migrate(*b, broken), segs::exception);
  // The first step committed; the second rolled back, DDL included.
  CHECK(scalar(*b, "SELECT COUNT(*) FROM schema_migrations") == 1);
  CHECK(migrate(*b, kSetV2) == 1);
  CHECK(scalar(*b, "SELECT COUNT(*) FROM m_two") == 0);
}

namespace {

// Runs `set` from `threads` backends on the same fresh database at once;
// returns the number of steps they applied in total.
int migrate_concurrently(bool embedded, int threads) {
  fresh_database db;
  std::vector<std::unique_ptr<segs::storage::backend>> backends;
  for (int i = 0; i < threads; ++i) backends.push_back(segs_test::open(db));
  const std::span<const migration> set =
      embedded ? segs::storage::embedded_migrations(backends[0]->dialect()) : std::span<const migration>(kSetV3);
  std::barrier start(threads);
  std::atomic<int> applied{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        applied += migrate(*backends[static_cast<std::size_t>(i)], set);
      } catch (const std::exception& e) {
        ++errors;
        MESSAGE(e.what());
      }
    });
  }
  for (auto& t : pool) t.join();
  CHECK(errors.load() == 0);
  CHECK(scalar(*backends[0], "SELECT COUNT(*) FROM schema_migrations") == static_cast<std::int64_t>(set.size()));
  CHECK(migrate(*backends[1], set) == 0);
  return applied.load();
}

}  // namespace

TEST_CASE("migrations: concurrent migrators apply each migration exactly once") {
  if (!segs_test::shared_database()) return;  // each in-memory database is private
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    CHECK(migrate_concurrently(false, 2) == 3);
    CHECK(migrate_concurrently(false, 4) == 3);
  }
  const auto embedded = static_cast<int>(
      segs::storage::embedded_migrations(segs_test::current_backend() == "postgres" ? "postgres" : "sqlite").size());
  CHECK(migrate_concurrently(true, 2) == embedded);
}

TEST_CASE("migrations: 0007 re-keys stored telemetry by time block and totals each meter") {
  fresh_database db;
  auto b = segs_test::open(db);
  auto set = segs::storage::embedded_migrations(b->dialect());
  REQUIRE(set.size() >= 7);
  REQUIRE(set[6].name == "0007_telemetry_blocks");
  REQUIRE(migrate(*b, set.subspan(0, 6)) == 6);
  constexpr std::int64_t hour = 3'600'000'000, day = 86'400'000'000;
  {
    auto tx = b->begin(segs::storage::tx_mode::write);
    tx->exec(
        "INSERT INTO regions (code, name, time_zone, currency, nominal_voltage_v, nominal_frequency_hz, "
        "emission_factor_kg_per_kwh, created_at, updated_at) VALUES ('r1', 'R1', 'UTC', 'USD', 230, 50, 0.4, 0, 0)");
    for (int m = 1; m <= 3; ++m)
      tx->exec(
          "INSERT INTO meters (id, meter_id, region, meter_type, status, capacity_w, metadata, created_at, "
          "updated_at) VALUES ($1, $2, 'r1', 'smart_digital', 'active', 5000, '{}', 0, 0)",
          {"00000000-0000-4000-8000-00000000000" + std::to_string(m), "M" + std::to_string(m) + "xx"});
    // Meter 1: two readings, one before the epoch (the floor goes down);
    // meter 2: its raw readings dropped, its day kept; meter 3: nothing.
    const std::int64_t t1 = -hour / 2, t2 = 5 * hour + 900'000'000;
    for (auto [ts, c, p] : {std::tuple{t1, 100, 7}, std::tuple{t2, 250, 0}})
      tx->exec(
          "INSERT INTO meter_readings (meter, ts, consumed_wh, produced_wh, received_at) VALUES (1, $1, $2, $3, 0)",
          {ts, std::int64_t{c}, std::int64_t{p}});
    const char* agg = "0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, 0, 0, 0, 0, 0, 0";
    tx->exec(std::string("INSERT INTO meter_quarters VALUES (1, $1, ") + agg + ")", {t1 - 900'000'000});
    tx->exec(std::string("INSERT INTO meter_quarters VALUES (1, $1, ") + agg + ")", {t2 - 900'000'000});
    tx->exec("INSERT INTO meter_days (meter, start, day_end, consumed_wh, produced_wh, readings, power_n, "
             "power_sum, voltage_n, voltage_sum, current_n, current_sum, pf_n, pf_sum, freq_n, freq_sum) "
             "VALUES (1, $1, 0, 100, 7, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), (1, 0, $2, 250, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), "
             "(2, $3, $4, 40, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)",
             {-day, day, 3 * day, 4 * day});
    tx->commit();
  }
  REQUIRE(migrate(*b, set) == static_cast<int>(set.size()) - 6);
  CHECK(scalar(*b, "SELECT COUNT(*) FROM meter_readings") == 2);
  CHECK(scalar(*b, "SELECT block FROM meter_readings WHERE ts < 0") == -1);
  CHECK(scalar(*b, "SELECT block FROM meter_readings WHERE ts > 0") == 5);
  CHECK(scalar(*b, "SELECT MIN(block) FROM meter_quarters") == -1);
  CHECK(scalar(*b, "SELECT MAX(block) FROM meter_quarters") == 5);
  CHECK(scalar(*b, "SELECT block FROM meter_days WHERE start = -86400000000") == -1);
  CHECK(scalar(*b, "SELECT block FROM meter_days WHERE meter = 2") == 3);
  CHECK(scalar(*b, "SELECT COUNT(*) FROM meter_totals") == 2);
  CHECK(scalar(*b, "SELECT readings FROM meter_totals WHERE meter = 1") == 2);
  CHECK(scalar(*b, "SELECT consumed_wh FROM meter_totals WHERE meter = 1") == 350);
  CHECK(scalar(*b, "SELECT produced_wh FROM meter_totals WHERE meter = 1") == 7);
  CHECK(scalar(*b, "SELECT last_ts FROM meter_totals WHERE meter = 1") == 5 * hour + 900'000'000);
  CHECK(scalar(*b, "SELECT readings FROM meter_totals WHERE meter = 2") == 4);
  CHECK(scalar(*b, "SELECT COUNT(*) FROM meter_totals WHERE meter = 2 AND last_ts IS NULL") == 1);
}
