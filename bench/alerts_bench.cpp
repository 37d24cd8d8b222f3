// segs-bench-alerts: the offline sweep of due work over many meters (issue
// 13, section 5). What the rules cost on ingest is measured by
// segs-bench-telemetry ("library, alert rules off" beside the library).
//
//   segs-bench-alerts [--meters N] [--smoke] [--dir DIR]
//
// Setup (not timed): N meters in one UTC region of a SQLite file (64 MiB
// cache), none of which has reported; the manual clock moves 31 minutes on.
// Timed: the first sweep (every meter silent past its 30-minute limit: N
// alerts raised and committed), then the steady sweep (every silent meter
// already has its alert: nothing to raise), each as grid::run_due_work()
// and three times for the steady one (median). Also printed: a bare
// `SELECT COUNT(*)` over the same meters left-joined to meter_totals on a
// second connection, the scan the sweep cannot avoid.
#include <segs/segs.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

double bare_scan(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw std::runtime_error(sqlite3_errmsg(db));
  sqlite3_exec(db, "PRAGMA cache_size=-65536", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT COUNT(*) FROM meters m LEFT JOIN meter_totals t ON t.meter = m.seq WHERE m.region = "
                     "'north' AND m.status = 'active' AND COALESCE(t.last_ts, m.created_at) < ?1",
                     -1, &st, nullptr);
  std::vector<double> runs;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = clock_type::now();
    sqlite3_bind_int64(st, 1, INT64_MAX);
    while (sqlite3_step(st) == SQLITE_ROW) {
    }
    sqlite3_reset(st);
    runs.push_back(since(t0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  std::sort(runs.begin(), runs.end());
  return runs[1];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t meters = 100'000;
  std::filesystem::path dir = std::filesystem::temp_directory_path();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") meters = 500;
    else if (a == "--meters" && i + 1 < argc) meters = std::stoul(argv[++i]);
    else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else {
      std::fprintf(stderr, "usage: segs-bench-alerts [--meters N] [--smoke] [--dir DIR]\n");
      return 2;
    }
  }
  const auto file = dir / ("segs-bench-alerts-" + std::to_string(::getpid()) + ".db");
  try {
    auto clock = std::make_shared<segs::manual_clock>(segs::timestamp{std::chrono::sys_days{
        std::chrono::year{2026} / 3 / 1}});
    segs::options o;
    o.clock = clock;
    o.identity.argon2_opslimit = 1;
    o.identity.argon2_memlimit = 8192;
    segs::region_spec r;
    r.time_zone = "UTC";
    r.currency = "EUR";
    o.regions.define.emplace("north", r);
    auto grid = segs::grid::open("sqlite:" + file.string() + "?cache_mib=64", o).value();
    const auto c0 = clock_type::now();
    for (std::size_t i = 0; i < meters; ++i) {
      segs::meter_spec s;
      char serial[32];
      std::snprintf(serial, sizeof serial, "AM%07zu", i);
      s.meter_id = serial;
      s.region = "north";
      s.capacity_kw = segs::milli{15'000};
      if (!grid->telemetry().create_meter(segs::principal::system(), s))
        throw std::runtime_error("create_meter failed");
    }
    const double create_s = since(c0);
    clock->advance(std::chrono::minutes{31});
    auto t0 = clock_type::now();
    auto first = grid->run_due_work().value();
    const double first_s = since(t0);
    if (first.offline_alerts_raised != static_cast<std::int64_t>(meters) || !first.failures.empty())
      throw std::runtime_error("the first sweep raised " + std::to_string(first.offline_alerts_raised) + " alerts");
    std::vector<double> steady;
    for (int i = 0; i < 3; ++i) {
      clock->advance(std::chrono::minutes{1});
      t0 = clock_type::now();
      auto rep = grid->run_due_work().value();
      steady.push_back(since(t0));
      if (rep.offline_alerts_raised != 0) throw std::runtime_error("a steady sweep raised alerts");
    }
    std::sort(steady.begin(), steady.end());
    const double bare = bare_scan(file);
    std::printf("# segs-bench-alerts: offline sweep over %zu meters (SQLite file, 64 MiB cache)\n\n", meters);
    std::printf("| step | seconds | per meter (µs) | of the bare scan |\n|---|---:|---:|---:|\n");
    std::printf("| (setup) create the meters | %.3f | %.1f | |\n", create_s, 1e6 * create_s / meters);
    std::printf("| first sweep: %zu alerts raised | %.3f | %.2f | %.1fx |\n", meters, first_s, 1e6 * first_s / meters,
                first_s / bare);
    std::printf("| steady sweep, median of 3: none raised | %.3f | %.2f | %.1fx |\n", steady[1],
                1e6 * steady[1] / meters, steady[1] / bare);
    std::printf("| bare scan of the silent meters, median of 3 | %.3f | %.2f | 1.0x |\n", bare, 1e6 * bare / meters);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "segs-bench-alerts: %s\n", e.what());
    std::filesystem::remove(file);
    return 1;
  }
  for (const auto* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
  return 0;
}
