// Alert state is durable (issue 13, section 1): the consecutive counts, the
// newest reading counted and the open alerts survive closing the grid, and a
// process killed with SIGKILL while readings stream in leaves every stored
// reading evaluated: the alerts of the reopened grid are the reference
// model's over the readings stored, and evaluation goes on where it stopped.
// File-backed backends only (nothing of sqlite-memory outlives its grid).
#include "alerts/alerts_model.hpp"
#include "telemetry/telemetry_checks.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <random>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace segs_test;
using namespace std::chrono;
using segs::alert_status;
using segs::alert_type;
using segs::timestamp;

namespace {

const timestamp t0 = at("2025-06-15T10:00:00Z");
timestamp t_(int i) { return t0 + minutes{5 * i}; }

}  // namespace

TEST_CASE("alerts: a reopened grid continues the consecutive counts where it stopped") {
  if (current_backend() == "sqlite-memory") return;  // nothing outlives the grid
  alerts_fixture f;
  for (const char* s : {"DUR_PF", "DUR_CLEAR", "DUR_OPEN", "DUR_LATE"}) f.meter(s, "north");

  // Two low power factors of the three needed.
  f.send("DUR_PF", f.pf(t_(1), 800));
  f.send("DUR_PF", f.pf(t_(2), 800));
  // An open alert with two of the three normal readings that clear it.
  f.send("DUR_CLEAR", f.volts(t_(1), 242'000));
  f.send("DUR_CLEAR", f.volts(t_(2), 230'000));
  f.send("DUR_CLEAR", f.volts(t_(3), 230'000));
  // An open alert.
  f.send("DUR_OPEN", f.volts(t_(1), 242'000));
  // Two low ones, the newest counted at t_(6).
  f.send("DUR_LATE", f.pf(t_(5), 800));
  f.send("DUR_LATE", f.pf(t_(6), 800));
  CHECK(f.of("DUR_PF").empty());
  const auto clearing = f.one("DUR_CLEAR", alert_type::over_voltage);
  const auto open = f.one("DUR_OPEN", alert_type::over_voltage);

  f.grid.reset();
  f.grid = f.open();
  // Opening changes nothing.
  CHECK(f.of("DUR_PF").empty());
  CHECK(f.al().get(f.admin, clearing.id)->status == alert_status::active);

  f.send("DUR_PF", f.pf(t_(3), 800));
  const auto raised = f.one("DUR_PF", alert_type::low_power_factor);
  CHECK(raised.last_seen_at == t_(3));

  f.send("DUR_CLEAR", f.volts(t_(4), 230'000));
  const auto cleared = f.al().get(f.admin, clearing.id);
  REQUIRE(cleared.has_value());
  CHECK(cleared->status == alert_status::resolved);
  CHECK(cleared->resolution == segs::alert_resolution::automatic);

  f.send("DUR_OPEN", f.volts(t_(2), 243'000));
  const auto repeated = f.one("DUR_OPEN", alert_type::over_voltage);
  CHECK(repeated.id == open.id);
  CHECK(repeated.occurrences == 2);

  f.send("DUR_LATE", f.pf(t_(4), 800));  // older than the newest counted
  CHECK(f.of("DUR_LATE").empty());
  f.send("DUR_LATE", f.pf(t_(7), 800));
  CHECK(f.one("DUR_LATE", alert_type::low_power_factor).last_seen_at == t_(7));
}

namespace {

constexpr const char* crash_meters[] = {"KILL_1", "KILL_2", "KILL_3", "KILL_4"};
constexpr int n_crash_meters = 4;
constexpr int n_rows = 400;
constexpr int acks_before_kill = 60;

std::uint64_t mix(std::uint64_t x) {
  x *= 0x9E3779B97F4A7C15ULL;
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 32;
  return x;
}

// Row k: meter k mod 4, its j-th reading 5 minutes after the one before,
// with voltage and power factor regimes that last a few readings.
segs::meter_reading crash_row(int k) {
  const int m = k % n_crash_meters;
  const int j = k / n_crash_meters;
  static const std::int64_t volts[5][3] = {{230'000, 241'500, 218'500},
                                           {241'501, 245'000, 253'000},
                                           {253'001, 260'000, 255'000},
                                           {218'499, 210'000, 207'000},
                                           {206'999, 190'000, 200'000}};
  static const std::int64_t pfs[2][3] = {{850, 900, 990}, {849, 700, 500}};
  const auto seed = static_cast<std::uint64_t>(m) << 32;
  const auto vr = mix(seed | static_cast<std::uint64_t>(j / 4)) % 5;
  const auto pr = mix(seed | 0x8000'0000ULL | static_cast<std::uint64_t>(j / 5)) % 2;
  const auto h = mix(static_cast<std::uint64_t>(k) + 7);
  auto r = alerts_fixture::plain(t0 + minutes{5 * j});
  r.voltage = ml(volts[vr][h % 3]);
  r.power_factor = ml(pfs[pr][(h >> 8) % 3]);
  return {crash_meters[m], r, {}};
}

}  // namespace

TEST_CASE("alerts: a process killed while readings stream in leaves every stored reading evaluated, and the counts go on") {
  if (current_backend() == "sqlite-memory") return;  // nothing outlives the process
  alerts_fixture f;
  for (const char* s : crash_meters) f.meter(s, "north");
  f.grid.reset();  // the child submits while it runs

  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto g = segs::grid::open(f.db.url(), f.opts);
    if (!g) ::_exit(3);
    for (int k = 0; k < n_rows; ++k) {
      const auto row = crash_row(k);
      f.clock->set(row.values.time);
      auto s = (*g)->telemetry().submit(segs::principal::system(), row.meter, row.values);
      if (!s) ::_exit(4);
      const auto line = std::to_string(k) + "\n";
      if (::write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(6);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string acked;
  char buf[4096];
  steady_clock::time_point previous = steady_clock::now(), latest = previous;
  while (std::count(acked.begin(), acked.end(), '\n') < acks_before_kill) {
    const auto n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    previous = latest;
    latest = steady_clock::now();
    acked.append(buf, static_cast<std::size_t>(n));
  }
  // Kill within the next reading or two: inside its transaction, at its
  // commit, or between two readings.
  const auto per_row = duration_cast<microseconds>(latest - previous).count() + 1;
  std::random_device rd;
  ::usleep(static_cast<useconds_t>(static_cast<std::int64_t>(rd()) % (2 * per_row)));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  for (;;) {
    const auto n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    acked.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  REQUIRE_MESSAGE(WIFSIGNALED(status), "the child ended by itself: exit " << WEXITSTATUS(status));
  std::set<int> acked_rows;
  {
    std::istringstream in(acked);
    int k = 0;
    while (in >> k) acked_rows.insert(k);
  }
  REQUIRE(acked_rows.size() >= static_cast<std::size_t>(acks_before_kill));
  const int last_acked = *acked_rows.rbegin();

  f.grid = f.open();
  // The readings stored: every acknowledged one, at most one more.
  const segs::time_range all{t0 - hours{1}, t0 + days{2}};
  std::map<std::string, std::set<timestamp>> stored;
  for (const char* s : crash_meters)
    for (const auto& r : all_readings(f.tel(), f.admin, s, all)) stored[s].insert(r.values.time);
  int next = 0;
  while (next < n_rows) {
    const auto row = crash_row(next);
    if (!stored[row.meter].count(row.values.time)) break;
    ++next;
  }
  CHECK(next >= last_acked + 1);
  CHECK(next <= last_acked + 2);
  std::size_t n_stored = 0;
  for (const auto& [s, ts] : stored) n_stored += ts.size();
  CHECK(n_stored == static_cast<std::size_t>(next));  // a prefix, nothing after it
  MESSAGE("killed after " << acked_rows.size() << " acknowledged readings, " << next << " stored");

  // The alerts are the model's over exactly the stored readings.
  std::map<std::string, amodel::meter> model;
  for (int k = 0; k < next; ++k) {
    const auto row = crash_row(k);
    model[row.meter].reading(row.values);
  }
  for (const char* s : crash_meters) amodel::check_meter(f, s, model[s]);

  // And the rest goes on from the stored counts.
  for (int k = next; k < n_rows; ++k) {
    const auto row = crash_row(k);
    f.send(row.meter, row.values);
    model[row.meter].reading(row.values);
  }
  for (const char* s : crash_meters) amodel::check_meter(f, s, model[s]);
}
