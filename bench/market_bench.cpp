// libsegs — benchmark (c): orders per second end to end through the market
// service, with persistence, next to the rate at which the same database
// takes raw inserts of rows of the same shape, measured in the same run.
//
//   segs-bench-market [--smoke] [--orders N] [--pg URL]
//
// Without --pg, SEGS_TEST_PG_URL (set by scripts/with-postgres.sh) selects
// the PostgreSQL server, so the test suite's smoke run covers both backends.
//
// The library side: a continuous market, 4 sellers and 4 buyers, limit orders
// of 0.1..1 kWh with prices drawn around a fixed mid so that about half of the
// orders trade. Each accepted order is committed as one journal entry before
// its call returns; the order, trade and slot rows it changed are written in
// batches (market_options::projection_batch rows). Two figures per run:
//   answered: orders/s until the last submit_many call returned;
//   with the tables written: until close_due_gates() had also written every
//   row still waiting (so the rows' cost is in the figure);
// and two ways in: submit_many, 1000 orders a call (one transaction: group
// commit), and submit, one order a call. The runs write the tables every
// batch (the default) and, to show what the journal alone costs, only after
// the run.
// The raw side: batched inserts (1000 rows a transaction, one prepared
// statement) into a WITHOUT ROWID table shaped like market_orders, with a
// 64 MiB page cache and with SQLite's default 2 MiB; on PostgreSQL, COPY of
// 1000 rows a transaction into a table of the same shape. The SQLite pragmas
// (WAL, synchronous=NORMAL) are the library's; the library's page cache is
// set to match with the URL option cache_mib.
#include <segs/segs.hpp>

#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct world {
  std::shared_ptr<segs::manual_clock> clock =
      std::make_shared<segs::manual_clock>(segs::from_micros(1'750'000'000'000'000));  // 2025-06-15
  std::unique_ptr<segs::grid> grid;
  std::vector<segs::principal> sellers, buyers;
  segs::timestamp slot{};

  world(const std::string& url, std::size_t projection_batch) {
    segs::options o;
    o.clock = clock;
    o.identity.argon2_opslimit = 1;
    o.identity.argon2_memlimit = 8192;
    o.market.projection_batch = projection_batch;
    o.regions.define["north"] = {.name = {}, .time_zone = "UTC", .currency = "EUR",
                                 .nominal_voltage_v = {}, .nominal_frequency_hz = {},
                                 .emission_factor_kg_per_kwh = {}};
    grid = segs::grid::open(url, o).value();
    for (int i = 0; i < 8; ++i) {
      segs::registration r;
      r.email = "bench" + std::to_string(i) + "@example.org";
      r.password = "Tr0ub4dor&3-horse";
      r.name = "Bench";
      r.role = i < 4 ? "prosumer" : "consumer";
      r.region = "north";
      r.department = "Engineering";
      (void)grid->identity().create_user(segs::principal::system(), r).value();
      auto t = grid->identity().login({r.email, *r.password}).value();
      auto p = grid->identity().authenticate(t.access_token).value();
      (i < 4 ? sellers : buyers).push_back(p);
    }
    const std::int64_t q = 15 * 60 * 1'000'000LL;
    slot = segs::from_micros((segs::to_micros(clock->now()) / q + 4) * q);  // an hour ahead
  }

  segs::order_spec random_order(std::mt19937_64& rng, bool sell) const {
    segs::order_spec o;
    o.side = sell ? segs::order_side::sell : segs::order_side::buy;
    o.quantity = segs::energy{100 + static_cast<std::int64_t>(rng() % 901)};
    // Mid 0.20; sells from 0.19 up, buys from 0.21 down: about half cross.
    const auto offset = static_cast<std::int64_t>(rng() % 200) * 100;
    o.price = segs::money{sell ? 190'000 + offset : 210'000 - offset};
    o.delivery_slot = slot;
    return o;
  }
};

struct library_result {
  double acked_rate = 0;    // orders/s through submit_many, until the last answer
  double written_rate = 0;  // the same orders, until their table rows were written too
  double single_rate = 0;   // orders/s through submit (0: not run)
  std::int64_t trades = 0;
};

// `batch`: market_options::projection_batch; `singles`: also time submit.
library_result run_library(const std::string& url, std::size_t orders, std::size_t batch, bool singles) {
  library_result out;
  world w(url, batch);
  std::mt19937_64 rng(7);
  {
    const std::size_t per_call = 1000;
    auto t0 = clock_type::now();
    for (std::size_t done = 0; done < orders; done += per_call) {
      const bool sell = (done / per_call) % 2 == 0;
      // submit_many acts for one principal: calls alternate between a
      // seller's batch of sells and a buyer's batch of buys.
      std::vector<segs::order_spec> specs;
      for (std::size_t i = 0; i < per_call; ++i) specs.push_back(w.random_order(rng, sell));
      const auto& who = sell ? w.sellers[(done / per_call) % 4] : w.buyers[(done / per_call) % 4];
      auto res = w.grid->market().submit_many(who, specs).value();
      for (auto& r : res)
        if (!r) throw std::runtime_error("refused: " + r.error().message);
    }
    const double acked = seconds_since(t0);
    // close_due_gates() writes the rows still waiting for their batch.
    (void)w.grid->market().close_due_gates().value();
    const double written = seconds_since(t0);
    out.acked_rate = static_cast<double>(orders) / acked;
    out.written_rate = static_cast<double>(orders) / written;
  }
  if (singles) {
    const std::size_t n = orders / 10;
    auto t0 = clock_type::now();
    for (std::size_t i = 0; i < n; ++i) {
      const bool sell = i % 2 == 0;
      const auto& who = sell ? w.sellers[i % 4] : w.buyers[i % 4];
      (void)w.grid->market().submit(who, w.random_order(rng, sell)).value();
    }
    out.single_rate = static_cast<double>(n) / seconds_since(t0);
  }
  const auto st = w.grid->market().stats(w.sellers[0], w.slot).value();
  out.trades = st.trade_count;
  // The run must have done what it claims: a market that traded.
  if (out.trades == 0 || st.volume.wh <= 0) throw std::runtime_error("the workload did not trade");
  return out;
}

constexpr const char* order_table =
    "(id TEXT PRIMARY KEY, region TEXT NOT NULL, seq BIGINT NOT NULL, priority BIGINT NOT NULL, "
    "slot_start BIGINT NOT NULL, user_id TEXT NOT NULL, side TEXT NOT NULL, order_type TEXT NOT NULL, "
    "time_in_force TEXT NOT NULL, post_only INTEGER NOT NULL, price BIGINT, quantity_wh BIGINT NOT NULL, "
    "filled_wh BIGINT NOT NULL, remaining_wh BIGINT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL, "
    "updated_at BIGINT NOT NULL)";

std::string fake_uuid(std::uint64_t i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "0190a1b2-%04x-7%03x-8%03x-%012llx", static_cast<unsigned>(i >> 32) & 0xffff,
                static_cast<unsigned>(i >> 20) & 0xfff, static_cast<unsigned>(i >> 8) & 0xfff,
                static_cast<unsigned long long>(i));
  return buf;
}

void sqlite_ok(int rc, sqlite3* db) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) throw std::runtime_error(sqlite3_errmsg(db));
}

double raw_sqlite(const std::string& path, std::size_t rows, bool big_cache) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  sqlite3* db = nullptr;
  sqlite_ok(sqlite3_open(path.c_str(), &db), db);
  sqlite_ok(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr), db);
  if (big_cache) sqlite_ok(sqlite3_exec(db, "PRAGMA cache_size=-65536", nullptr, nullptr, nullptr), db);
  sqlite_ok(sqlite3_exec(db, (std::string("CREATE TABLE t ") + order_table + " WITHOUT ROWID").c_str(), nullptr,
                         nullptr, nullptr),
            db);
  sqlite3_stmt* st = nullptr;
  sqlite_ok(sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, nullptr), db);
  const std::string user = fake_uuid(999'999);
  auto t0 = clock_type::now();
  for (std::size_t done = 0; done < rows; done += 1000) {
    sqlite_ok(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db);
    for (std::size_t i = done; i < done + 1000; ++i) {
      const auto id = fake_uuid(i);
      const auto n = static_cast<sqlite3_int64>(i);
      sqlite3_bind_text(st, 1, id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 2, "north", -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 3, n);
      sqlite3_bind_int64(st, 4, n);
      sqlite3_bind_int64(st, 5, 1'750'003'600'000'000);
      sqlite3_bind_text(st, 6, user.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 7, "sell", -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 8, "limit", -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 9, "gtc", -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 10, 0);
      sqlite3_bind_int64(st, 11, 200'000 + n % 100 * 100);
      sqlite3_bind_int64(st, 12, 500);
      sqlite3_bind_int64(st, 13, 0);
      sqlite3_bind_int64(st, 14, 500);
      sqlite3_bind_text(st, 15, "open", -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 16, 1'750'000'000'000'000 + n);
      sqlite3_bind_int64(st, 17, 1'750'000'000'000'000 + n);
      sqlite_ok(sqlite3_step(st), db);
      sqlite3_reset(st);
    }
    sqlite_ok(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db);
  }
  const double rate = static_cast<double>(rows) / seconds_since(t0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rate;
}

void pg_ok(PGresult* r, PGconn* c, ExecStatusType want = PGRES_COMMAND_OK) {
  const bool ok = PQresultStatus(r) == want;
  PQclear(r);
  if (!ok) throw std::runtime_error(PQerrorMessage(c));
}

double raw_copy(const std::string& url, std::size_t rows) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(c));
  pg_ok(PQexec(c, "DROP TABLE IF EXISTS segs_bench_raw"), c);
  pg_ok(PQexec(c, (std::string("CREATE TABLE segs_bench_raw ") + order_table).c_str()), c);
  const std::string user = fake_uuid(999'999);
  auto t0 = clock_type::now();
  std::string buf;
  for (std::size_t done = 0; done < rows; done += 1000) {
    pg_ok(PQexec(c, "BEGIN"), c);
    pg_ok(PQexec(c, "COPY segs_bench_raw FROM STDIN"), c, PGRES_COPY_IN);
    buf.clear();
    for (std::size_t i = done; i < done + 1000; ++i) {
      char line[400];
      const int n = std::snprintf(line, sizeof line,
                                  "%s\tnorth\t%zu\t%zu\t1750003600000000\t%s\tsell\tlimit\tgtc\t0\t%zu\t500\t0\t500\topen\t%zu\t%zu\n",
                                  fake_uuid(i).c_str(), i, i, user.c_str(), 200'000 + i % 100 * 100,
                                  1'750'000'000'000'000 + i, 1'750'000'000'000'000 + i);
      buf.append(line, static_cast<std::size_t>(n));
    }
    if (PQputCopyData(c, buf.data(), static_cast<int>(buf.size())) != 1 || PQputCopyEnd(c, nullptr) != 1)
      throw std::runtime_error(PQerrorMessage(c));
    pg_ok(PQgetResult(c), c);
    pg_ok(PQexec(c, "COMMIT"), c);
  }
  const double rate = static_cast<double>(rows) / seconds_since(t0);
  pg_ok(PQexec(c, "DROP TABLE segs_bench_raw"), c);
  PQfinish(c);
  return rate;
}

void report(const char* storage, const char* batch, const library_result& lib, const char* raw_label, double raw) {
  char single[32] = "";
  if (lib.single_rate > 0) std::snprintf(single, sizeof single, "%.0f", lib.single_rate);
  std::printf("| %s | %s | %.0f | %.0f | %s | %s %.0f | %.2f | %.2f |\n", storage, batch, lib.acked_rate,
              lib.written_rate, single, raw_label, raw, lib.acked_rate / raw, lib.written_rate / raw);
}

}  // namespace

int main(int argc, char** argv) {
  bool smoke = false;
  std::size_t orders = 200'000;
  std::string pg;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      smoke = true;
      orders = 4'000;
    } else if (std::strcmp(argv[i], "--orders") == 0 && i + 1 < argc) {
      orders = std::stoul(argv[++i]);
    } else if (std::strcmp(argv[i], "--pg") == 0 && i + 1 < argc) {
      pg = argv[++i];
    } else {
      std::fprintf(stderr, "usage: segs-bench-market [--smoke] [--orders N] [--pg URL]\n");
      return 2;
    }
  }
  orders = std::max<std::size_t>(1000, orders / 1000 * 1000);
  if (const char* env = std::getenv("SEGS_TEST_PG_URL"); pg.empty() && env && *env) pg = env;
  try {
    const auto dir = std::filesystem::temp_directory_path() / ("segs-bench-market-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::printf("## End to end with persistence (%zu orders%s)\n\n", orders, smoke ? ", smoke run" : "");
    std::printf(
        "| storage | tables written | submit_many orders/s, answered | with the tables written | submit orders/s | "
        "raw rows/s | answered / raw | written / raw |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
    const std::size_t deferred = std::numeric_limits<std::size_t>::max();
    const std::size_t default_batch = segs::options{}.market.projection_batch;
    const auto every = std::to_string(default_batch) + " rows";
    const auto sqlite = [&](const std::string& name, const char* params) {
      return "sqlite:" + (dir / name).string() + params;
    };
    const double raw64 = raw_sqlite((dir / "raw64.db").string(), orders, true);
    const double raw2 = raw_sqlite((dir / "raw2.db").string(), orders, false);
    report("SQLite file, 64 MiB cache", every.c_str(),
           run_library(sqlite("a.db", "?cache_mib=64"), orders, default_batch, true),
           "64 MiB cache", raw64);
    report("SQLite file, 64 MiB cache", "after the run", run_library(sqlite("b.db", "?cache_mib=64"), orders, deferred, false),
           "64 MiB cache", raw64);
    report("SQLite file, default cache", every.c_str(),
           run_library(sqlite("c.db", ""), orders, default_batch, true), "2 MiB cache", raw2);
    if (!pg.empty()) {
      // A schema of its own per run, so that each starts from an empty database.
      PGconn* c = PQconnectdb(pg.c_str());
      int n = 0;
      const auto in_schema = [&](auto&& fn) {
        const std::string schema = "segs_bench_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
        pg_ok(PQexec(c, ("CREATE SCHEMA " + schema).c_str()), c);
        const std::string url = pg + (pg.find('?') == std::string::npos ? "?" : "&") +
                                "options=-csearch_path%3D" + schema;
        fn(url);
        pg_ok(PQexec(c, ("DROP SCHEMA " + schema + " CASCADE").c_str()), c);
      };
      double copy = 0;
      in_schema([&](const std::string& url) { copy = raw_copy(url, orders); });
      in_schema([&](const std::string& url) {
        report("PostgreSQL", every.c_str(), run_library(url, orders, default_batch, true),
               "COPY", copy);
      });
      in_schema([&](const std::string& url) {
        report("PostgreSQL", "after the run", run_library(url, orders, deferred, false), "COPY", copy);
      });
      PQfinish(c);
    }
    std::filesystem::remove_all(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "segs-bench-market: %s\n", e.what());
    return 1;
  }
  return 0;
}
