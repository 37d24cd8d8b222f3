// libsegs — telemetry benchmarks (issue 12, section 7): ingestion with every
// aggregate maintained, next to raw inserts of the same rows measured in the
// same run, and the latency of the stored-bucket queries.
//
//   segs-bench-telemetry [--smoke] [--meters N] [--days D] [--berlin]
//                        [--region-meters N] [--region-days D] [--samples N]
//                        [--batch N] [--phases] [--layouts]
//                        [--replica-pragma P] [--no-sqlite] [--no-queries]
//                        [--pg URL] [--dir DIR]
//
// Without --pg, SEGS_TEST_PG_URL (set by scripts/with-postgres.sh) selects
// the PostgreSQL server; --smoke (or SMOKE=1 in the environment) runs every
// scenario tiny, so the test suite's smoke run covers both backends.
//
// Ingest. N meters (default 1,000) in one region (UTC; --berlin adds a
// second run in Europe/Berlin), 15-minute readings of D days (default 31:
// March 2025, whose last Sunday is Berlin's spring-forward day) carrying
// energy and every instantaneous value. 99 % of them go in time order
// (timestamp by timestamp, meter by meter), in batches of 1,000 (--batch) through
// `telemetry().ingest` as the system principal; then the 1 % held back
// (chosen by a hash of meter and time) in random order, batches of 1,000:
// late readings at times not yet stored. The raw side, in the same run,
// just before: the same rows, built from the same `meter_reading` batches,
// appended in batches of 1,000 (one transaction each) through the same
// storage port (`transaction::append`: SQLite's prepared multi-row INSERTs,
// PostgreSQL's COPY) into a bare table with the columns of meter_readings,
// no key, no index, no aggregate. Each figure is rows per second of the
// time spent inside the calls (ingest / begin..commit); building the input
// batches is outside it on both sides. Also reported: resident memory
// (VmRSS before and after, VmHWM of the run: the peak is reset before it
// through /proc/self/clear_refs) and the database's bytes per reading
// (SQLite: the file after a TRUNCATE checkpoint, -wal included; PostgreSQL:
// pg_total_relation_size of the telemetry tables), with the raw table's,
// and the bytes written per in-order reading, library and raw (SQLite: this
// process's write(2) bytes from /proc/self/io, WAL and checkpoints included;
// PostgreSQL: the WAL the cluster generated, pg_current_wal_lsn).
// --layouts adds raw runs into tables keyed (meter, ts) like meter_readings
// and (ts, meter): what the clustering alone costs.
//
// Queries. On the ingest run's database: a meter's whole period of
// 15-minute buckets (history, quarter_hour) and of hours, for --samples
// random meters: the 15-minute buckets first from the quarter-hour rows,
// then, once grid::run_due_work has packed every settled day (the data is
// in the past; the time it took and the packed bytes are a row of their
// own), both from the packed days (docs/telemetry.md, "Packed days"). On a second database: a region of --region-meters
// (10,000) meters with --region-days (2) days of readings, ingested in time
// order (its rate is printed too); stats_of_region and top_consumers over
// the last UTC day, and realtime (the clock a minute after the last
// readings, so every meter reports). p50 and p99 of wall time per call.
//
// --phases: where an ingest batch's time goes. The bench replays the
// ingest workload on a fresh database through the store functions that
// `telemetry_service::ingest` calls (src/storage/stores/telemetry_store.hpp),
// in the same order and with the same in-memory grouping, with a clock
// read between steps; its overall rate is printed next to the library's
// so that the replica's fidelity can be judged. --replica-pragma P runs
// "PRAGMA P" at the start of each replica transaction (SQLite experiments,
// e.g. wal_autocheckpoint=16384); the library's own runs are unaffected.
#include "process_memory.hpp"
#include <segs/segs.hpp>

#include "storage/backend.hpp"
#include "storage/stores/telemetry_blocks.hpp"
#include "storage/stores/telemetry_store.hpp"
#include "telemetry/rules.hpp"
#include "telemetry/telemetry_impl.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <unistd.h>

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace store = segs::storage::telemetry;

double seconds_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// --- settings -------------------------------------------------------------------

struct settings {
  bool smoke = false;
  std::size_t meters = 1000;
  int days = 31;
  bool berlin = false;
  std::size_t region_meters = 10'000;
  int region_days = 2;
  std::size_t samples = 200;
  bool phases = false;
  bool layouts = false;
  std::string replica_pragma;  // e.g. "wal_autocheckpoint=16384": run in each replica transaction
  bool sqlite = true;
  bool queries = true;
  std::string pg;
  std::filesystem::path dir;
};

std::size_t batch_rows = 1000;  // --batch
// 2025-03-01T00:00:00Z: the month the readings cover.
constexpr std::int64_t month_start_us = 1'740'787'200'000'000;
constexpr std::int64_t quarter_us = 15 * 60 * 1'000'000LL;
constexpr std::int64_t day_us = 24 * 3600 * 1'000'000LL;

// --- process measurements ---------------------------------------------------------

using segs_bench::memory;
using segs_bench::mib;
using segs_bench::read_memory;
using segs_bench::reset_peak_memory;

// Bytes this process has passed to write(2) so far (SQLite writes its WAL,
// checkpoints and database file from the calling thread).
std::int64_t process_written() {
  std::ifstream in("/proc/self/io");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("wchar:", 0) == 0) return std::stoll(line.substr(6));
  return 0;
}

// --- the workload -------------------------------------------------------------------

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Readings of `meters` meters, one every 15 minutes over `days` days from
// month_start, deterministic in (meter, slot). A quarter of the meters are
// prosumers exporting in daylight.
struct workload {
  std::string prefix;  // serials are prefix + 6 digits
  std::size_t meters = 0;
  std::size_t slots = 0;
  std::uint64_t seed = 1;

  [[nodiscard]] std::string serial(std::size_t i) const {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%06zu", i);
    return prefix + buf;
  }
  [[nodiscard]] segs::timestamp time_of(std::size_t k) const {
    return segs::from_micros(month_start_us + static_cast<std::int64_t>(k + 1) * quarter_us);
  }
  [[nodiscard]] std::uint64_t hash(std::size_t i, std::size_t k) const {
    return mix(seed ^ mix(static_cast<std::uint64_t>(i) * 1'000'003ULL + k));
  }
  // 1 % of the readings arrive late.
  [[nodiscard]] bool late(std::size_t i, std::size_t k) const { return hash(i, k) % 100 == 0; }

  [[nodiscard]] segs::reading value(std::size_t i, std::size_t k) const {
    const std::uint64_t h = hash(i, k);
    segs::reading r;
    r.time = time_of(k);
    const auto consumed = static_cast<std::int64_t>(20 + h % 380);  // Wh in 15 minutes
    const std::size_t slot_of_day = k % 96;
    const bool sun = i % 4 == 0 && slot_of_day >= 28 && slot_of_day < 72;
    const auto produced = sun ? static_cast<std::int64_t>((h >> 12) % 300) : std::int64_t{0};
    r.consumed = segs::energy{consumed};
    r.produced = segs::energy{produced};
    const std::int64_t watts = (consumed - produced) * 4;  // mean power over the quarter
    r.power_kw = segs::milli{watts};
    r.peak_demand_kw = segs::milli{std::abs(watts) + static_cast<std::int64_t>((h >> 20) % 500)};
    r.voltage = segs::milli{225'000 + static_cast<std::int64_t>((h >> 24) % 10'000)};
    r.current = segs::milli{std::abs(watts) * 1000 / 230};
    r.power_factor = segs::milli{900 + static_cast<std::int64_t>((h >> 36) % 101)};
    r.frequency = segs::milli{49'950 + static_cast<std::int64_t>((h >> 44) % 101)};
    return r;
  }
  [[nodiscard]] segs::meter_reading row(std::size_t i, std::size_t k) const {
    return {serial(i), value(i, k), {}};
  }
};

// The batches of a run: the in-order ones, then the late ones.
struct batches {
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> in_order, late;
  std::size_t in_order_rows = 0, late_rows = 0;
};

batches plan(const workload& w, bool hold_back_late) {
  batches b;
  std::vector<std::pair<std::size_t, std::size_t>> cur, held;
  for (std::size_t k = 0; k < w.slots; ++k)
    for (std::size_t i = 0; i < w.meters; ++i) {
      if (hold_back_late && w.late(i, k)) {
        held.emplace_back(i, k);
        continue;
      }
      cur.emplace_back(i, k);
      if (cur.size() == batch_rows) b.in_order.push_back(std::move(cur)), cur.clear();
    }
  if (!cur.empty()) b.in_order.push_back(std::move(cur)), cur.clear();
  std::mt19937_64 rng(w.seed * 31 + 7);
  std::shuffle(held.begin(), held.end(), rng);
  for (auto& p : held) {
    cur.push_back(p);
    if (cur.size() == batch_rows) b.late.push_back(std::move(cur)), cur.clear();
  }
  if (!cur.empty()) b.late.push_back(std::move(cur));
  for (const auto& x : b.in_order) b.in_order_rows += x.size();
  for (const auto& x : b.late) b.late_rows += x.size();
  return b;
}

std::vector<segs::meter_reading> rows_of(const workload& w, const std::vector<std::pair<std::size_t, std::size_t>>& keys) {
  std::vector<segs::meter_reading> out;
  out.reserve(keys.size());
  for (const auto& [i, k] : keys) out.push_back(w.row(i, k));
  return out;
}

// --- databases --------------------------------------------------------------------

void pg_ok(PGresult* r, PGconn* c, ExecStatusType want = PGRES_COMMAND_OK) {
  const bool ok = PQresultStatus(r) == want;
  PQclear(r);
  if (!ok) throw std::runtime_error(PQerrorMessage(c));
}

// A place for one database: a SQLite file, or a fresh PostgreSQL schema
// (dropped with the target).
struct target {
  std::string label;   // "SQLite file" / "PostgreSQL"
  std::string url;     // for grid::open and open_backend
  std::filesystem::path file;  // SQLite only
  std::string schema;          // PostgreSQL only
  PGconn* admin = nullptr;     // PostgreSQL only, not owned

  ~target() {
    if (admin && !schema.empty()) {
      PGresult* r = PQexec(admin, ("DROP SCHEMA IF EXISTS " + schema + " CASCADE").c_str());
      PQclear(r);
    }
    if (!file.empty()) {
      std::error_code ec;
      for (const char* suffix : {"", "-wal", "-shm", ".lock"})
        std::filesystem::remove(file.string() + suffix, ec);
    }
  }
};

struct backend_kind {
  std::string label;
  bool is_pg = false;
  std::string pg_url;
  PGconn* admin = nullptr;
  std::filesystem::path dir;
  int n = 0;

  // Bytes the database has written: SQLite, this process's write(2) calls;
  // PostgreSQL, the WAL the cluster generated (pg_current_wal_lsn).
  std::int64_t written() const {
    if (!is_pg) return process_written();
    PGresult* r = PQexec(admin, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
    std::int64_t bytes = 0;
    if (PQresultStatus(r) == PGRES_TUPLES_OK) bytes = std::stoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return bytes;
  }

  std::unique_ptr<target> fresh(const std::string& name) {
    auto t = std::make_unique<target>();
    t->label = label;
    if (!is_pg) {
      t->file = dir / (name + ".db");
      t->url = "sqlite:" + t->file.string() + "?cache_mib=64";
      return t;
    }
    t->schema = "segs_bench_tel_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    t->admin = admin;
    pg_ok(PQexec(admin, ("CREATE SCHEMA " + t->schema).c_str()), admin);
    t->url = pg_url + (pg_url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
             t->schema;
    return t;
  }
};

// Bytes of the database (SQLite: after a TRUNCATE checkpoint, with any
// -wal; the grid must be closed) and, where the backend can tell, per table.
struct db_size {
  std::int64_t total = 0;
  std::vector<std::pair<std::string, std::int64_t>> tables;
};

std::int64_t file_bytes(const std::filesystem::path& p) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(p, ec);
  return ec ? 0 : static_cast<std::int64_t>(n);
}

db_size sqlite_size(const std::filesystem::path& file) {
  db_size s;
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db));
  sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  // dbstat is an optional SQLite feature: without it, only the total.
  if (sqlite3_prepare_v2(db, "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC", -1, &st,
                         nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW)
      s.tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), sqlite3_column_int64(st, 1));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  s.total = file_bytes(file) + file_bytes(file.string() + "-wal");
  return s;
}

db_size pg_size(PGconn* c, const std::string& schema, const std::vector<std::string>& tables) {
  db_size s;
  for (const auto& t : tables) {
    const std::string q = "SELECT pg_total_relation_size('" + schema + "." + t + "')";
    PGresult* r = PQexec(c, q.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      PQclear(r);
      throw std::runtime_error(PQerrorMessage(c));
    }
    const std::int64_t n = std::stoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    s.tables.emplace_back(t, n);
    s.total += n;
  }
  return s;
}

const std::vector<std::string> telemetry_tables{"meter_readings", "meter_quarters", "meter_days",
                                                "region_quarters"};

db_size size_of(const target& t, const std::vector<std::string>& pg_tables) {
  if (!t.schema.empty()) return pg_size(t.admin, t.schema, pg_tables);
  return sqlite_size(t.file);
}

// --- the raw side ------------------------------------------------------------------

constexpr std::array<std::string_view, 12> reading_columns{
    "meter", "ts", "consumed_wh", "produced_wh", "power", "peak_demand", "voltage", "current_ma",
    "power_factor", "frequency", "metadata", "received_at"};

constexpr const char* raw_table_ddl =
    "CREATE TABLE bench_raw_readings (meter BIGINT NOT NULL, ts BIGINT NOT NULL, consumed_wh BIGINT "
    "NOT NULL, produced_wh BIGINT NOT NULL, power BIGINT, peak_demand BIGINT, voltage BIGINT, "
    "current_ma BIGINT, power_factor BIGINT, frequency BIGINT, metadata TEXT, received_at BIGINT NOT "
    "NULL)";

segs::storage::value opt(const std::optional<segs::milli>& v) {
  return v ? segs::storage::value(v->value) : segs::storage::value(nullptr);
}

struct phase_rates {
  double in_order_seconds = 0, late_seconds = 0;
  std::size_t in_order_rows = 0, late_rows = 0;
  std::int64_t in_order_written = 0;  // bytes written by the in-order phase
  [[nodiscard]] double written_per_reading() const {
    return static_cast<double>(in_order_written) / static_cast<double>(in_order_rows);
  }
  [[nodiscard]] double in_order() const { return static_cast<double>(in_order_rows) / in_order_seconds; }
  [[nodiscard]] double late() const { return static_cast<double>(late_rows) / late_seconds; }
  [[nodiscard]] double overall() const {
    return static_cast<double>(in_order_rows + late_rows) / (in_order_seconds + late_seconds);
  }
};

struct raw_result {
  phase_rates rates;
  db_size size;
};

// The meter column holds the meter's index + 1 (what the library's seq is
// in a fresh database); received_at the bench clock.
// The "naive" comparator, when `naive_hours` is set: the raw rows
// plus one UPSERT per row into a bare (meter, hour) table of sums, count and
// power extremes, in the same transaction. One aggregate table where the
// library keeps four, and no checks: what per-row maintenance costs alone.
constexpr const char* naive_hours_ddl =
    "CREATE TABLE bench_naive_hours (meter BIGINT NOT NULL, hour BIGINT NOT NULL, consumed_wh BIGINT NOT "
    "NULL, produced_wh BIGINT NOT NULL, readings BIGINT NOT NULL, power_min BIGINT, power_max BIGINT, "
    "PRIMARY KEY (meter, hour))";
constexpr const char* naive_upsert =
    "INSERT INTO bench_naive_hours (meter, hour, consumed_wh, produced_wh, readings, power_min, power_max) "
    "VALUES ($1, $2, $3, $4, 1, $5, $5) ON CONFLICT (meter, hour) DO UPDATE SET consumed_wh = "
    "bench_naive_hours.consumed_wh + excluded.consumed_wh, produced_wh = bench_naive_hours.produced_wh + "
    "excluded.produced_wh, readings = bench_naive_hours.readings + 1, power_min = CASE WHEN "
    "bench_naive_hours.power_min IS NULL OR excluded.power_min < bench_naive_hours.power_min THEN "
    "excluded.power_min ELSE bench_naive_hours.power_min END, power_max = CASE WHEN "
    "bench_naive_hours.power_max IS NULL OR excluded.power_max > bench_naive_hours.power_max THEN "
    "excluded.power_max ELSE bench_naive_hours.power_max END";

raw_result run_raw(backend_kind& kind, const workload& w, const batches& b, segs::timestamp now,
                   const std::string& ddl = raw_table_ddl, bool naive_hours = false) {
  auto t = kind.fresh("raw");
  raw_result out;
  {
    auto be = segs::storage::open_backend(t->url, {});
    {
      auto tx = be->begin(segs::storage::tx_mode::write);
      tx->exec_script(ddl);
      if (naive_hours) tx->exec_script(naive_hours_ddl);
      tx->commit();
    }
    const std::int64_t received = segs::to_micros(now);
    std::unordered_map<std::string, std::int64_t> seq;
    for (std::size_t i = 0; i < w.meters; ++i) seq.emplace(w.serial(i), static_cast<std::int64_t>(i + 1));
    std::vector<segs::storage::value> values;
    auto append = [&](const std::vector<segs::meter_reading>& rows) {
      const auto t0 = clock_type::now();
      values.clear();
      values.reserve(rows.size() * reading_columns.size());
      for (const auto& row : rows) {
        const auto& r = row.values;
        values.emplace_back(seq.at(row.meter));
        values.emplace_back(segs::to_micros(r.time));
        values.emplace_back(r.consumed.wh);
        values.emplace_back(r.produced.wh);
        values.push_back(opt(r.power_kw));
        values.push_back(opt(r.peak_demand_kw));
        values.push_back(opt(r.voltage));
        values.push_back(opt(r.current));
        values.push_back(opt(r.power_factor));
        values.push_back(opt(r.frequency));
        values.push_back(r.metadata.empty() ? segs::storage::value(nullptr) : segs::storage::value(r.metadata));
        values.emplace_back(received);
      }
      auto tx = be->begin(segs::storage::tx_mode::write);
      tx->append("bench_raw_readings", reading_columns, values);
      if (naive_hours)
        for (std::size_t i = 0; i < rows.size(); ++i) {
          const auto* v = &values[i * reading_columns.size()];
          const std::int64_t hour = segs::to_micros(rows[i].values.time) / 3'600'000'000LL;
          tx->exec(naive_upsert, {v[0], hour, v[2], v[3], v[4]});
        }
      tx->commit();
      return seconds_between(t0, clock_type::now());
    };
    const auto written0 = kind.written();
    for (const auto& keys : b.in_order) out.rates.in_order_seconds += append(rows_of(w, keys));
    out.rates.in_order_written = kind.written() - written0;
    for (const auto& keys : b.late) out.rates.late_seconds += append(rows_of(w, keys));
    out.rates.in_order_rows = b.in_order_rows;
    out.rates.late_rows = b.late_rows;
  }
  out.size = size_of(*t, {"bench_raw_readings"});
  return out;
}

// --- the library side ----------------------------------------------------------------

struct grid_world {
  std::shared_ptr<segs::manual_clock> clock;
  std::unique_ptr<segs::grid> grid;

  grid_world(const std::string& url, segs::timestamp now, bool alert_rules = true) {
    clock = std::make_shared<segs::manual_clock>(now);
    segs::options o;
    o.clock = clock;
    o.alerts.evaluate_readings = alert_rules;
    o.identity.argon2_opslimit = 1;
    o.identity.argon2_memlimit = 8192;
    for (auto [code, zone] : {std::pair{"north", "UTC"}, std::pair{"berlin", "Europe/Berlin"},
                              std::pair{"metro", "UTC"}}) {
      segs::region_spec s;
      s.time_zone = zone;
      s.currency = "EUR";
      s.emission_factor_kg_per_kwh = 0.4;
      o.regions.define.emplace(code, s);
    }
    grid = segs::grid::open(url, o).value();
  }

  void create_meters(const workload& w, const std::string& region) {
    for (std::size_t i = 0; i < w.meters; ++i) {
      segs::meter_spec s;
      s.meter_id = w.serial(i);
      s.region = region;
      s.capacity_kw = segs::milli{15'000};
      s.meter_type = i % 4 == 0 ? segs::meter_kind::net_meter : segs::meter_kind::smart_digital;
      auto m = grid->telemetry().create_meter(segs::principal::system(), s);
      if (!m) throw std::runtime_error("create_meter: " + m.error().message);
    }
  }

  // Ingests one batch; every row must be accepted.
  double ingest(const std::vector<segs::meter_reading>& rows) {
    const auto t0 = clock_type::now();
    auto rep = grid->telemetry().ingest(segs::principal::system(), rows);
    const double s = seconds_between(t0, clock_type::now());
    if (!rep) throw std::runtime_error("ingest: " + rep.error().message);
    if (!rep->rejected.empty())
      throw std::runtime_error("ingest rejected row " + std::to_string(rep->rejected.front().index) + ": " +
                               rep->rejected.front().message);
    if (rep->accepted != static_cast<std::int64_t>(rows.size()) || rep->duplicates != 0)
      throw std::runtime_error("ingest accepted " + std::to_string(rep->accepted) + " of " +
                               std::to_string(rows.size()) + " rows");
    return s;
  }
};

// --- the replica of one ingest call, step by step (--phases) -------------------------

struct step_times {
  static constexpr std::array<const char*, 10> names{
      "begin",          "find_meters (meter lookup)", "zone of the region", "validate rows",
      "readings_in (repeat check)", "group deltas in memory", "append raw rows",
      "upsert meter_quarters", "upsert meter_days", "upsert region_quarters, meter_totals + commit"};
  std::array<double, 10> s{};
};

// What telemetry_service::impl::store_readings does for a batch of new
// readings of active, unsigned meters by the system principal (no
// corrections, no events), with the clock read between its steps.
void replica_batch(segs::storage::backend& be, const std::vector<segs::meter_reading>& rows, segs::timestamp now,
                   step_times& st, const std::string& pragma) {
  auto t = clock_type::now();
  auto lap = [&](std::size_t i) {
    const auto n = clock_type::now();
    st.s[i] += seconds_between(t, n);
    t = n;
  };
  auto tx = be.begin(segs::storage::tx_mode::write);
  if (!pragma.empty()) tx->exec_script("PRAGMA " + pragma);
  lap(0);
  std::vector<std::string> refs;
  {
    std::set<std::string_view> seen;
    for (const auto& r : rows)
      if (seen.insert(r.meter).second) refs.emplace_back(r.meter);
  }
  auto found = store::find_meters(*tx, refs);
  std::unordered_map<std::string, const store::meter_row*> by_ref;
  for (const auto& m : found) {
    by_ref[m.m.meter_id] = &m;
    by_ref[m.m.id.to_string()] = &m;
  }
  lap(1);
  std::map<std::string, segs::tz::zone, std::less<>> zones;
  for (const auto& m : found)
    if (!zones.contains(m.m.region)) zones.emplace(m.m.region, segs::detail::zone_of(*tx, m.m.region));
  lap(2);
  std::vector<const store::meter_row*> meter_of(rows.size(), nullptr);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto it = by_ref.find(rows[i].meter);
    if (it == by_ref.end()) throw std::runtime_error("replica: unknown meter");
    if (!segs::detail::may(segs::principal::system(), it->second->m, segs::detail::meter_access::write))
      throw std::runtime_error("replica: refused");
    if (auto e = segs::telemetry::check_reading(rows[i].values, now, std::nullopt))
      throw std::runtime_error("replica: " + e->message);
    meter_of[i] = it->second;
  }
  lap(3);
  std::vector<std::pair<std::int64_t, std::int64_t>> keys;
  for (std::size_t i = 0; i < rows.size(); ++i)
    keys.emplace_back(meter_of[i]->seq, segs::to_micros(rows[i].values.time));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  auto existing = store::readings_at(*tx, keys);
  lap(4);
  std::map<std::pair<std::int64_t, std::int64_t>, std::size_t> in_batch;
  std::vector<store::reading_row> fresh;
  std::map<std::pair<std::int64_t, std::int64_t>, segs::telemetry::aggregate> quarters;
  std::map<std::pair<std::int64_t, std::int64_t>, std::pair<std::int64_t, segs::telemetry::aggregate>> days;
  std::map<std::pair<std::string, std::int64_t>, store::region_quarter> regions;
  std::map<std::int64_t, store::meter_total> totals;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto* m = meter_of[i];
    const auto& v = rows[i].values;
    const std::pair key{m->seq, segs::to_micros(v.time)};
    if (in_batch.contains(key) || existing.contains(key)) throw std::runtime_error("replica: a repeat");
    in_batch.emplace(key, i);
    const auto q = segs::telemetry::quarter_of(v.time);
    const auto day = segs::detail::day_of(zones.find(m->m.region)->second, v.time);
    auto& r = regions[{m->m.region, segs::to_micros(q)}];
    r.region = m->m.region;
    r.start = q;
    r.consumed_wh += v.consumed.wh;
    r.produced_wh += v.produced.wh;
    r.readings += 1;
    auto& tot = totals[m->seq];
    tot.meter = m->seq;
    tot.readings += 1;
    tot.consumed_wh += v.consumed.wh;
    tot.produced_wh += v.produced.wh;
    if (!tot.last || *tot.last < v.time) tot.last = v.time;
    quarters[{m->seq, segs::to_micros(q)}].add(v);
    auto& dd = days[{m->seq, segs::to_micros(day.start)}];
    dd.first = segs::to_micros(day.end);
    dd.second.add(v);
    fresh.push_back({m->seq, v, now});
  }
  std::vector<store::stored_bucket> qs, ds;
  for (auto& [k, agg] : quarters)
    qs.push_back({k.first, segs::from_micros(k.second), segs::from_micros(k.second) + segs::telemetry::quarter, agg});
  for (auto& [k, v] : days) ds.push_back({k.first, segs::from_micros(k.second), segs::from_micros(v.first), v.second});
  std::vector<store::region_quarter> rq;
  for (auto& [k, v] : regions) rq.push_back(std::move(v));
  std::vector<store::meter_total> ts;
  for (auto& [k, v] : totals) ts.push_back(v);
  lap(5);
  store::append_readings(*tx, fresh);
  lap(6);
  store::merge_quarters(*tx, qs);
  lap(7);
  store::merge_days(*tx, ds);
  lap(8);
  store::merge_region_quarters(*tx, rq);
  store::merge_totals(*tx, ts);
  tx->commit();
  lap(9);
}

// --- reports ----------------------------------------------------------------------------

struct latency {
  std::size_t n = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::size_t answer_size = 0;
};

latency percentiles(std::vector<double> ms, std::size_t answer_size) {
  latency l;
  l.n = ms.size();
  l.answer_size = answer_size;
  if (ms.empty()) return l;
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    const auto idx = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ms.size()))) - 1;
    return ms[std::min(idx, ms.size() - 1)];
  };
  l.p50_ms = at(0.50);
  l.p99_ms = at(0.99);
  l.max_ms = ms.back();
  return l;
}

// Times `call` (which answers its answer's size) `n` times, at least
// `min_n` and beyond that while under `budget_s` seconds in all.
latency time_calls(std::size_t n, std::size_t min_n, double budget_s, const std::function<std::size_t(std::size_t)>& call) {
  std::vector<double> ms;
  std::size_t size = 0;
  const auto start = clock_type::now();
  for (std::size_t i = 0; i < n; ++i) {
    if (i >= min_n && seconds_between(start, clock_type::now()) > budget_s) break;
    const auto t0 = clock_type::now();
    size = call(i);
    ms.push_back(seconds_between(t0, clock_type::now()) * 1000.0);
  }
  return percentiles(std::move(ms), size);
}

struct query_row {
  std::string storage, query;
  latency l;
  std::string answer;
};
std::vector<query_row> query_rows;
std::vector<std::string> failures;

void print_query_table() {
  if (query_rows.empty()) return;
  std::printf("\n## Queries\n\n| storage | query | calls | p50 ms | p99 ms | max ms | answer |\n|---|---|---:|---:|---:|---:|---|\n");
  for (const auto& q : query_rows)
    std::printf("| %s | %s | %zu | %.3f | %.3f | %.3f | %s |\n", q.storage.c_str(), q.query.c_str(), q.l.n, q.l.p50_ms,
                q.l.p99_ms, q.l.max_ms, q.answer.c_str());
}

// --- scenarios ----------------------------------------------------------------------------

// The bare baseline of the meter history: the statement the store runs for
// a meter's quarter-hours (telemetry_bucket_store.cpp, read_buckets),
// prepared once on a second connection and stepped with the C API, every
// column read; no rows materialized, no decoding, no bucket answer built.
latency bare_month_scan(const std::filesystem::path& file, const workload& w, const std::vector<std::size_t>& pick,
                        const segs::time_range& range, std::size_t samples) {
  namespace tb = segs::storage::telemetry;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw std::runtime_error(sqlite3_errmsg(db));
  sqlite3_exec(db, "PRAGMA cache_size=-65536", nullptr, nullptr, nullptr);
  const std::string sql =
      "SELECT meter, start, start, consumed_wh, produced_wh, readings, power_n, power_sum, power_min, power_max, "
      "peak_max, peak_at, voltage_n, voltage_sum, voltage_min, voltage_max, current_n, current_sum, pf_n, pf_sum, "
      "freq_n, freq_sum FROM meter_quarters WHERE meter = $1 AND " + tb::in_blocks("block", 4, 5) +
      " AND start >= $2 AND start < $3";
  sqlite3_stmt* st = nullptr;
  sqlite3_stmt* seq_of = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT seq FROM meters WHERE meter_id = ?1", -1, &seq_of, nullptr) != SQLITE_OK)
    throw std::runtime_error(sqlite3_errmsg(db));
  std::vector<std::int64_t> seqs;
  for (const auto p : pick) {
    const auto serial = w.serial(p);
    sqlite3_bind_text(seq_of, 1, serial.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(seq_of) != SQLITE_ROW) throw std::runtime_error("no meter " + serial);
    seqs.push_back(sqlite3_column_int64(seq_of, 0));
    sqlite3_reset(seq_of);
  }
  const auto from = segs::to_micros(range.start), to = segs::to_micros(range.end);
  std::int64_t sink = 0;
  auto l = time_calls(samples, samples, 1e9, [&](std::size_t i) {
    // "$N" are named parameters in SQLite, numbered by first appearance.
    auto bind = [&](const char* name, std::int64_t v) {
      sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, name), v);
    };
    bind("$1", seqs[i]);
    bind("$2", from);
    bind("$3", to);
    bind("$4", tb::block_of(from, tb::quarter_block_us));
    bind("$5", tb::block_of(to, tb::quarter_block_us));
    std::size_t rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
      ++rows;
      for (int c = 0; c < 22; ++c) sink += sqlite3_column_int64(st, c);
    }
    sqlite3_reset(st);
    if (rows != w.slots) throw std::runtime_error("the bare scan read " + std::to_string(rows) + " rows");
    return rows;
  });
  sqlite3_finalize(st);
  sqlite3_finalize(seq_of);
  sqlite3_close(db);
  if (sink == 42) std::fprintf(stderr, " ");  // keeps the reads
  return l;
}

// The packed days' bytes and how many days are packed (SQLite).
std::pair<std::int64_t, std::int64_t> packed_bytes(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT COALESCE(SUM(LENGTH(packed)), 0), COUNT(packed) FROM meter_days", -1, &st,
                         nullptr) != SQLITE_OK ||
      sqlite3_step(st) != SQLITE_ROW)
    throw std::runtime_error(sqlite3_errmsg(db));
  std::pair<std::int64_t, std::int64_t> out{sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)};
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

struct ingest_line {
  std::string storage, zone;
  phase_rates lib, raw, naive;
  // The library with the alert rules on and off, fed batch by batch alternately.
  phase_rates lib_with_rules, lib_without_rules;
  memory before, after_in_order, after;
  double db_bytes_per_reading = 0, raw_bytes_per_reading = 0;
  std::string breakdown;
  std::size_t meters = 0;
  double create_meters_s = 0;
};
std::vector<ingest_line> ingest_lines;
struct layout_line {
  std::string storage, zone, table;
  phase_rates rates;
};
std::vector<layout_line> layout_lines;
std::vector<std::string> phase_tables;

void ingest_scenario(backend_kind& kind, const settings& cfg, const std::string& region, const std::string& zone) {
  workload w{"BM", cfg.meters, static_cast<std::size_t>(cfg.days) * 96, zone == "UTC" ? 1u : 2u};
  const auto b = plan(w, true);
  const segs::timestamp now = w.time_of(w.slots - 1) + 1min;
  ingest_line line;
  line.storage = kind.label;
  line.zone = zone;
  line.meters = w.meters;
  std::fprintf(stderr, "[%s, %s] raw: %zu + %zu rows\n", kind.label.c_str(), zone.c_str(), b.in_order_rows, b.late_rows);
  auto raw = run_raw(kind, w, b, now);
  line.raw = raw.rates;
  std::fprintf(stderr, "[%s, %s] naive: raw + one UPSERT per row\n", kind.label.c_str(), zone.c_str());
  line.naive = run_raw(kind, w, b, now, raw_table_ddl, true).rates;
  if (cfg.layouts) {
    // The same rows into tables keyed like meter_readings, and keyed by time
    // first: what the clustering alone costs.
    const std::string cols = std::string(raw_table_ddl).substr(0, std::string(raw_table_ddl).size() - 1);
    const std::string suffix = kind.is_pg ? "))" : ")) WITHOUT ROWID";
    layout_lines.push_back({kind.label, zone, "no key (the baseline above)", raw.rates});
    for (const auto& [name, key] : {std::pair{"PRIMARY KEY (meter, ts), as meter_readings", "meter, ts"},
                                    std::pair{"PRIMARY KEY (ts, meter)", "ts, meter"}}) {
      std::fprintf(stderr, "[%s, %s] raw, %s\n", kind.label.c_str(), zone.c_str(), name);
      auto r = run_raw(kind, w, b, now, cols + ", PRIMARY KEY (" + key + suffix);
      layout_lines.push_back({kind.label, zone, name, r.rates});
    }
  }
  const std::size_t readings = b.in_order_rows + b.late_rows;
  line.raw_bytes_per_reading = static_cast<double>(raw.size.total) / static_cast<double>(readings);

  auto t = kind.fresh("lib-" + region);
  {
    reset_peak_memory();
    line.before = read_memory();
    grid_world g(t->url, now);
    std::fprintf(stderr, "[%s, %s] library: %zu meters\n", kind.label.c_str(), zone.c_str(), w.meters);
    const auto c0 = clock_type::now();
    g.create_meters(w, region);
    line.create_meters_s = seconds_between(c0, clock_type::now());
    const auto written0 = kind.written();
    for (const auto& keys : b.in_order) line.lib.in_order_seconds += g.ingest(rows_of(w, keys));
    line.lib.in_order_written = kind.written() - written0;
    line.after_in_order = read_memory();
    std::fprintf(stderr, "[%s, %s] library: late readings\n", kind.label.c_str(), zone.c_str());
    for (const auto& keys : b.late) line.lib.late_seconds += g.ingest(rows_of(w, keys));
    line.lib.in_order_rows = b.in_order_rows;
    line.lib.late_rows = b.late_rows;
    line.after = read_memory();

    if (cfg.queries && zone == "UTC") {
      // A meter's whole period: every late reading must be in its buckets.
      const segs::time_range all{w.time_of(0) - 15min, w.time_of(w.slots - 1)};
      std::mt19937_64 rng(99);
      std::vector<std::size_t> pick(cfg.samples);
      for (auto& p : pick) p = rng() % w.meters;
      auto& tel = g.grid->telemetry();
      auto history = [&](segs::bucket_width width, std::size_t expect) {
        return [&, width, expect](std::size_t i) {
          auto h = tel.history(segs::principal::system(), w.serial(pick[i]), all, width);
          if (!h) throw std::runtime_error("history: " + h.error().message);
          if (h->size() != expect)
            throw std::runtime_error("history answered " + std::to_string(h->size()) + " buckets, expected " +
                                     std::to_string(expect));
          if (width == segs::bucket_width::quarter_hour)
            for (const auto& q : *h)
              if (q.reading_count != 1) throw std::runtime_error("a quarter-hour without its reading");
          return h->size();
        };
      };
      // First from the quarter-hour rows (no day packed yet), then packed:
      // the data is in the past, so the due work packs every day.
      auto l = time_calls(cfg.samples, cfg.samples, 1e9, history(segs::bucket_width::quarter_hour, w.slots));
      query_rows.push_back({kind.label,
                            "meter history, 15m buckets, " + std::to_string(cfg.days) + " days, days not packed", l,
                            std::to_string(l.answer_size) + " buckets"});
      std::int64_t packed = 0;
      const auto p0 = clock_type::now();
      for (;;) {
        auto r = g.grid->run_due_work();
        if (!r || !r->failures.empty()) throw std::runtime_error("run_due_work failed");
        if (r->days_packed == 0) break;
        packed += r->days_packed;
      }
      const double pack_s = seconds_between(p0, clock_type::now());
      std::string packed_size;
      if (!kind.is_pg) {
        const auto [bytes, days] = packed_bytes(t->file);
        char buf[160];
        std::snprintf(buf, sizeof buf, ", %.1f bytes a quarter-hour (%.0f a day)",
                      static_cast<double>(bytes) / static_cast<double>(w.meters * w.slots),
                      days ? static_cast<double>(bytes) / static_cast<double>(days) : 0.0);
        packed_size = buf;
      }
      char pack_line[200];
      std::snprintf(pack_line, sizeof pack_line, "%lld days in %.2f s (%.2f ms a day)%s", static_cast<long long>(packed),
                    pack_s, packed ? 1e3 * pack_s / static_cast<double>(packed) : 0.0, packed_size.c_str());
      query_rows.push_back({kind.label, "packing the settled days (grid::run_due_work until none is left)",
                            latency{}, pack_line});
      l = time_calls(cfg.samples, cfg.samples, 1e9, history(segs::bucket_width::quarter_hour, w.slots));
      query_rows.push_back({kind.label, "meter history, 15m buckets, " + std::to_string(cfg.days) + " days", l,
                            std::to_string(l.answer_size) + " buckets"});
      l = time_calls(cfg.samples, cfg.samples, 1e9, history(segs::bucket_width::hour, w.slots / 4));
      query_rows.push_back({kind.label, "meter history, 1h buckets, " + std::to_string(cfg.days) + " days", l,
                            std::to_string(l.answer_size) + " buckets"});
      if (!kind.is_pg) {
        l = bare_month_scan(t->file, w, pick, all, cfg.samples);
        query_rows.push_back({kind.label,
                              "baseline: the same quarter-hour rows, bare SQLite (prepare once, step, read every "
                              "column), " + std::to_string(cfg.days) + " days",
                              l, std::to_string(l.answer_size) + " rows"});
      }
    }
  }
  const auto size = size_of(*t, telemetry_tables);
  line.db_bytes_per_reading = static_cast<double>(size.total) / static_cast<double>(readings);
  std::int64_t listed = 0;
  for (const auto& [name, bytes] : size.tables) {
    if (std::find(telemetry_tables.begin(), telemetry_tables.end(), name) == telemetry_tables.end()) continue;
    listed += bytes;
    if (!line.breakdown.empty()) line.breakdown += ", ";
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s %.0f", name.c_str(), static_cast<double>(bytes) / static_cast<double>(readings));
    line.breakdown += buf;
  }
  if (size.total > listed && !size.tables.empty()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, ", other %.0f",
                  static_cast<double>(size.total - listed) / static_cast<double>(readings));
    line.breakdown += buf;
  }
  {
    // What the rules cost: the same readings into two fresh grids, rules on
    // and off, each batch into one and then the other (alternating which
    // goes first), so the machine's noise falls on both alike.
    std::fprintf(stderr, "[%s, %s] library, alert rules on and off, batch by batch\n", kind.label.c_str(),
                 zone.c_str());
    auto t_on = kind.fresh("lib-rules-" + region);
    auto t_off = kind.fresh("lib-norules-" + region);
    grid_world on(t_on->url, now, true), off(t_off->url, now, false);
    on.create_meters(w, region);
    off.create_meters(w, region);
    std::size_t n = 0;
    auto both = [&](const auto& keys, double& on_s, double& off_s) {
      const auto rows = rows_of(w, keys);
      if (n++ % 2 == 0) {
        on_s += on.ingest(rows);
        off_s += off.ingest(rows);
      } else {
        off_s += off.ingest(rows);
        on_s += on.ingest(rows);
      }
    };
    for (const auto& keys : b.in_order)
      both(keys, line.lib_with_rules.in_order_seconds, line.lib_without_rules.in_order_seconds);
    for (const auto& keys : b.late) both(keys, line.lib_with_rules.late_seconds, line.lib_without_rules.late_seconds);
    for (auto* r : {&line.lib_with_rules, &line.lib_without_rules}) {
      r->in_order_rows = b.in_order_rows;
      r->late_rows = b.late_rows;
    }
  }
  ingest_lines.push_back(line);

  if (cfg.phases) {
    auto tp = kind.fresh("phases-" + region);
    step_times in_order, late;
    double lib_in_order = 0, lib_late = 0;
    {
      grid_world g(tp->url, now);
      g.create_meters(w, region);
      g.grid.reset();
      std::fprintf(stderr, "[%s, %s] replica of ingest, step by step\n", kind.label.c_str(), zone.c_str());
      auto be = segs::storage::open_backend(tp->url, {});
      for (const auto& keys : b.in_order) replica_batch(*be, rows_of(w, keys), now, in_order, cfg.replica_pragma);
      for (const auto& keys : b.late) replica_batch(*be, rows_of(w, keys), now, late, cfg.replica_pragma);
    }
    for (double s : in_order.s) lib_in_order += s;
    for (double s : late.s) lib_late += s;
    std::string out = "\n## Where an ingest batch's time goes: " + kind.label + ", " + zone +
                      " (replica through the store functions" +
                      (cfg.replica_pragma.empty() ? std::string() : ", PRAGMA " + cfg.replica_pragma) + ")\n\n| step | in order: s | µs/reading | share | late: s | "
                      "µs/reading | share |\n|---|---:|---:|---:|---:|---:|---:|\n";
    for (std::size_t i = 0; i < step_times::names.size(); ++i) {
      char buf[256];
      std::snprintf(buf, sizeof buf, "| %s | %.3f | %.2f | %.1f %% | %.3f | %.2f | %.1f %% |\n", step_times::names[i],
                    in_order.s[i], in_order.s[i] * 1e6 / static_cast<double>(b.in_order_rows),
                    100.0 * in_order.s[i] / lib_in_order, late.s[i],
                    b.late_rows ? late.s[i] * 1e6 / static_cast<double>(b.late_rows) : 0.0,
                    lib_late > 0 ? 100.0 * late.s[i] / lib_late : 0.0);
      out += buf;
    }
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "| **replica, readings/s** | %.0f | | | %.0f | | |\n| library in the same run, readings/s | %.0f | | | "
                  "%.0f | | |\n| raw in the same run, rows/s | %.0f | %.2f | | %.0f | %.2f | |\n",
                  static_cast<double>(b.in_order_rows) / lib_in_order,
                  b.late_rows ? static_cast<double>(b.late_rows) / lib_late : 0.0, line.lib.in_order(),
                  line.lib.late(), line.raw.in_order(), 1e6 / line.raw.in_order(), line.raw.late(),
                  1e6 / line.raw.late());
    out += buf;
    phase_tables.push_back(out);
  }
}

void region_scenario(backend_kind& kind, const settings& cfg) {
  workload w{"RM", cfg.region_meters, static_cast<std::size_t>(cfg.region_days) * 96, 3};
  const auto b = plan(w, false);
  const segs::timestamp now = w.time_of(w.slots - 1) + 1min;
  auto t = kind.fresh("region");
  grid_world g(t->url, now);
  std::fprintf(stderr, "[%s] region of %zu meters\n", kind.label.c_str(), w.meters);
  const auto c0 = clock_type::now();
  g.create_meters(w, "metro");
  const double create_s = seconds_between(c0, clock_type::now());
  double ingest_s = 0;
  for (const auto& keys : b.in_order) ingest_s += g.ingest(rows_of(w, keys));
  char buf[200];
  std::snprintf(buf, sizeof buf, "%zu meters (created at %.0f/s), %zu readings ingested at %.0f readings/s",
                w.meters, static_cast<double>(w.meters) / create_s, b.in_order_rows,
                static_cast<double>(b.in_order_rows) / ingest_s);
  query_rows.push_back({kind.label, "(setup of the region)", {}, buf});

  auto& tel = g.grid->telemetry();
  const auto who = segs::principal::system();
  const segs::time_range last_day{w.time_of(w.slots - 1) - 24h, w.time_of(w.slots - 1)};
  const std::size_t n = cfg.smoke ? 5 : 200;
  // A query that fails is reported in its row and fails the run at the end,
  // after the other figures.
  auto timed = [&](const std::string& name, const std::string& unit, const std::function<std::size_t(std::size_t)>& call) {
    try {
      auto l = time_calls(n, std::min<std::size_t>(n, 20), 30, call);
      query_rows.push_back({kind.label, name, l, std::to_string(l.answer_size) + " " + unit});
    } catch (const std::exception& e) {
      query_rows.push_back({kind.label, name, {}, std::string("**failed**: ") + e.what()});
      failures.push_back(kind.label + ", " + name + ": " + e.what());
    }
  };
  timed("stats_of_region, one day", "meters reporting", [&](std::size_t) {
    auto s = tel.stats_of_region(who, "metro", last_day);
    if (!s) throw std::runtime_error("stats_of_region: " + s.error().message);
    if (s->meters_reporting != static_cast<std::int64_t>(w.meters)) throw std::runtime_error("stats_of_region: meters");
    return static_cast<std::size_t>(s->meters_reporting);
  });
  timed("top_consumers, one day, limit 10", "meters", [&](std::size_t) {
    auto s = tel.top_consumers(who, "metro", last_day, 10);
    if (!s) throw std::runtime_error("top_consumers: " + s.error().message);
    if (s->size() != std::min<std::size_t>(10, w.meters)) throw std::runtime_error("top_consumers: size");
    return s->size();
  });
  timed("realtime", "meters reporting", [&](std::size_t) {
    auto s = tel.realtime(who, "metro");
    if (!s) throw std::runtime_error("realtime: " + s.error().message);
    if (s->meters_reporting != static_cast<std::int64_t>(w.meters)) throw std::runtime_error("realtime: meters");
    return static_cast<std::size_t>(s->meters_reporting);
  });
}

void print_layout_table() {
  if (layout_lines.empty()) return;
  std::printf("\n## Raw appends by table layout (batches of %zu)\n\n| storage | zone | raw table | in order rows/s | "
              "late rows/s | written per in-order row |\n|---|---|---|---:|---:|---:|\n",
              batch_rows);
  for (const auto& l : layout_lines)
    std::printf("| %s | %s | %s | %.0f | %.0f | %.0f |\n", l.storage.c_str(), l.zone.c_str(), l.table.c_str(),
                l.rates.in_order(), l.rates.late(), l.rates.written_per_reading());
}

void print_ingest_tables() {
  std::printf("\n## Ingest, batches of %zu, every aggregate maintained, next to raw appends of the same rows\n\n",
              batch_rows);
  std::printf(
      "| storage | zone | phase | readings | library readings/s | raw rows/s | library / raw | naive rows/s | "
      "naive / raw | paired: rules on | paired: rules off | rules on / off |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& l : ingest_lines) {
    const auto& on = l.lib_with_rules;
    const auto& o = l.lib_without_rules;
    std::printf("| %s | %s | in order | %zu | %.0f | %.0f | **%.2f** | %.0f | %.2f | %.0f | %.0f | %.2f |\n",
                l.storage.c_str(), l.zone.c_str(), l.lib.in_order_rows, l.lib.in_order(), l.raw.in_order(),
                l.lib.in_order() / l.raw.in_order(), l.naive.in_order(), l.naive.in_order() / l.raw.in_order(),
                on.in_order(), o.in_order(), on.in_order() / o.in_order());
    std::printf("| %s | %s | late (1 %%) | %zu | %.0f | %.0f | **%.2f** | %.0f | %.2f | %.0f | %.0f | %.2f |\n",
                l.storage.c_str(), l.zone.c_str(), l.lib.late_rows, l.lib.late(), l.raw.late(),
                l.lib.late() / l.raw.late(), l.naive.late(), l.naive.late() / l.raw.late(), on.late(), o.late(),
                on.late() / o.late());
    std::printf("| %s | %s | both | %zu | %.0f | %.0f | %.2f | %.0f | %.2f | %.0f | %.0f | %.2f |\n",
                l.storage.c_str(), l.zone.c_str(), l.lib.in_order_rows + l.lib.late_rows, l.lib.overall(),
                l.raw.overall(), l.lib.overall() / l.raw.overall(), l.naive.overall(),
                l.naive.overall() / l.raw.overall(), on.overall(), o.overall(), on.overall() / o.overall());
  }
  std::printf(
      "\n| storage | zone | RSS before | RSS after in-order / late phase | peak RSS (VmHWM) in-order / whole | written per in-order "
      "reading: library | raw | bytes/reading stored | raw bytes/row | by table (bytes/reading) | meters created/s "
      "|\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
  for (const auto& l : ingest_lines)
    std::printf("| %s | %s | %.0f MiB | %.0f / %.0f MiB | %.0f / %.0f MiB | %.0f | %.0f | %.0f | %.0f | %s | %.0f |\n",
                l.storage.c_str(), l.zone.c_str(), mib(l.before.rss_kib), mib(l.after_in_order.rss_kib),
                mib(l.after.rss_kib), mib(l.after_in_order.hwm_kib), mib(l.after.hwm_kib), l.lib.written_per_reading(),
                l.raw.written_per_reading(),
                l.db_bytes_per_reading, l.raw_bytes_per_reading, l.breakdown.c_str(),
                static_cast<double>(l.meters) / l.create_meters_s);
}

}  // namespace

int main(int argc, char** argv) {
  settings cfg;
  if (const char* s = std::getenv("SMOKE"); s && *s && std::strcmp(s, "0") != 0) cfg.smoke = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--smoke") cfg.smoke = true;
      else if (a == "--meters") cfg.meters = std::stoul(next());
      else if (a == "--days") cfg.days = std::stoi(next());
      else if (a == "--berlin") cfg.berlin = true;
      else if (a == "--region-meters") cfg.region_meters = std::stoul(next());
      else if (a == "--region-days") cfg.region_days = std::stoi(next());
      else if (a == "--samples") cfg.samples = std::stoul(next());
      else if (a == "--phases") cfg.phases = true;
      else if (a == "--layouts") cfg.layouts = true;
      else if (a == "--replica-pragma") cfg.replica_pragma = next();
      else if (a == "--batch") batch_rows = std::stoul(next());
      else if (a == "--no-sqlite") cfg.sqlite = false;
      else if (a == "--no-queries") cfg.queries = false;
      else if (a == "--pg") cfg.pg = next();
      else if (a == "--dir") cfg.dir = next();
      else throw std::invalid_argument("unknown argument " + a);
    } catch (const std::exception& e) {
      std::fprintf(stderr,
                   "segs-bench-telemetry: %s\nusage: segs-bench-telemetry [--smoke] [--meters N] [--days D] [--berlin] "
                   "[--region-meters N] [--region-days D] [--samples N] [--batch N] [--phases] [--layouts] "
                   "[--replica-pragma P] [--no-sqlite] [--no-queries] [--pg URL] [--dir DIR]\n",
                   e.what());
      return 2;
    }
  }
  if (cfg.smoke) {
    // Every scenario, tiny: seconds even in a debug build.
    cfg.meters = std::min<std::size_t>(cfg.meters, 40);
    cfg.days = std::min(cfg.days, 2);
    cfg.region_meters = std::min<std::size_t>(cfg.region_meters, 200);
    cfg.region_days = 1;
    cfg.samples = std::min<std::size_t>(cfg.samples, 5);
    cfg.berlin = true;
    cfg.phases = true;
  }
  if (cfg.meters < 1 || cfg.days < 1 || cfg.days > 31 || cfg.region_meters < 10 || cfg.region_days < 1 ||
      cfg.region_days > 31 || cfg.samples < 1 || batch_rows < 1 || batch_rows > 10'000) {
    std::fprintf(stderr,
                 "segs-bench-telemetry: --meters >= 1, --days 1..31, --region-meters >= 10, --region-days 1..31, "
                 "--batch 1..10000\n");
    return 2;
  }
  if (const char* env = std::getenv("SEGS_TEST_PG_URL"); cfg.pg.empty() && env && *env) cfg.pg = env;
  PGconn* admin = nullptr;
  int status = 0;
  try {
    const auto dir = cfg.dir.empty() ? std::filesystem::temp_directory_path() /
                                           ("segs-bench-telemetry-" + std::to_string(::getpid()))
                                     : cfg.dir / ("segs-bench-telemetry-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::vector<backend_kind> kinds;
    if (cfg.sqlite) kinds.push_back({"SQLite file, 64 MiB cache", false, {}, nullptr, dir, 0});
    if (!cfg.pg.empty()) {
      admin = PQconnectdb(cfg.pg.c_str());
      if (PQstatus(admin) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(admin));
      pg_ok(PQexec(admin, "SET client_min_messages = warning"), admin);  // no NOTICE per DROP SCHEMA
      PGresult* v = PQexec(admin, "SHOW server_version");
      std::string version = PQresultStatus(v) == PGRES_TUPLES_OK ? PQgetvalue(v, 0, 0) : "?";
      PQclear(v);
      kinds.push_back({"PostgreSQL " + version.substr(0, version.find(' ')), true, cfg.pg, admin, dir, 0});
    }
    std::printf("# segs-bench-telemetry%s: %zu meters x %d days of 15-minute readings; region of %zu meters x %d days\n",
                cfg.smoke ? " (smoke run: its numbers mean nothing)" : "", cfg.meters, cfg.days, cfg.region_meters,
                cfg.region_days);
    for (auto& k : kinds) {
      ingest_scenario(k, cfg, "north", "UTC");
      if (cfg.berlin) ingest_scenario(k, cfg, "berlin", "Europe/Berlin");
      if (cfg.queries) region_scenario(k, cfg);
    }
    print_ingest_tables();
    print_layout_table();
    print_query_table();
    for (const auto& p : phase_tables) std::printf("%s", p.c_str());
    std::fflush(stdout);
    std::filesystem::remove_all(dir);
    for (const auto& f : failures) {
      std::fprintf(stderr, "segs-bench-telemetry: failed: %s\n", f.c_str());
      status = 1;
    }
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "segs-bench-telemetry: %s\n", e.what());
    status = 1;
  }
  if (admin) PQfinish(admin);
  return status;
}
