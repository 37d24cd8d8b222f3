// A crash during bulk ingestion (issue 12, section 8): a child process
// ingests batches into the shared database and reports each acknowledged
// batch through a pipe; the parent kills it with SIGKILL mid-run, reopens the
// database, and checks that every acknowledged reading is stored, that each
// batch is stored whole or not at all, and that every stored quarter-hour,
// day and region total equals a recomputation from the raw rows.
#include "telemetry/telemetry_checks.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <random>
#include <cstdio>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace segs_test;
using namespace std::chrono;
using segs::bucket_width;
using segs::milli;
using segs::timestamp;

namespace {

struct crash_meter {
  const char* serial;
  const char* region;
};
constexpr crash_meter meters[] = {
    {"CR_BER_1", "berlin"}, {"CR_BER_2", "berlin"}, {"CR_BER_3", "berlin"},  {"CR_NY_1", "ny"},
    {"CR_NY_2", "ny"},      {"CR_NY_3", "ny"},      {"CR_KOL_1", "kolkata"}, {"CR_KOL_2", "kolkata"},
    {"CR_UTC_1", "north"},  {"CR_UTC_2", "north"},  {"CR_UTC_3", "north"},   {"CR_UTC_4", "north"},
};
constexpr std::size_t n_meters = std::size(meters);
constexpr std::size_t batch_rows = 500;
constexpr std::int64_t minutes_span = 14'009;  // a prime: (j * 7919) mod it is a permutation
constexpr int max_batches = 300;               // < n_meters * minutes_span / batch_rows
const timestamp window = at("2025-10-24T00:00:00Z");  // ~9.7 days: both autumn DST changes, a month end

// Row k of the whole stream: meter k mod 12, its j-th reading at a scattered
// (late, out of order) but unique minute of the window, and values from k.
segs::meter_reading row_of(std::int64_t k) {
  const auto m = static_cast<std::size_t>(k % static_cast<std::int64_t>(n_meters));
  const std::int64_t j = k / static_cast<std::int64_t>(n_meters);
  const auto t = window + minutes{1 + (j * 7919) % minutes_span} + seconds{j % 60};
  std::uint64_t h = static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 29;
  segs::reading r;
  r.time = t;
  r.consumed = segs::energy{static_cast<std::int64_t>(h % 2001)};
  r.produced = segs::energy{static_cast<std::int64_t>((h >> 11) % 3 == 0 ? (h >> 13) % 900 : 0)};
  if ((h >> 17) % 4 != 0) r.power_kw = milli{static_cast<std::int64_t>((h >> 19) % 10'001) - 3'000};
  if ((h >> 23) % 2 == 0) r.voltage = milli{225'000 + static_cast<std::int64_t>((h >> 25) % 10'001)};
  if ((h >> 31) % 2 == 0) r.peak_demand_kw = milli{static_cast<std::int64_t>((h >> 33) % 6) * 1'000};
  return {meters[m].serial, r, {}};
}

std::vector<segs::meter_reading> batch(int b) {
  std::vector<segs::meter_reading> rows;
  rows.reserve(batch_rows);
  for (std::size_t i = 0; i < batch_rows; ++i)
    rows.push_back(row_of(static_cast<std::int64_t>(b) * static_cast<std::int64_t>(batch_rows) +
                          static_cast<std::int64_t>(i)));
  return rows;
}

}  // namespace

TEST_CASE("telemetry: a process killed during bulk ingestion loses no acknowledged reading and leaves no aggregate disagreeing with its raw rows") {
  if (current_backend() == "sqlite-memory") return;  // nothing outlives the process
  telemetry_fixture f;
  f.clock->set(at("2025-11-10T00:00:00Z"));
  for (const auto& m : meters) f.meter(m.serial, m.region);
  f.grid.reset();  // the child ingests while it runs

  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto g = segs::grid::open(f.db.url(), f.opts);
    if (!g) ::_exit(3);
    const auto sys = segs::principal::system();
    for (int b = 0; b < max_batches; ++b) {
      const auto rows = batch(b);
      auto rep = (*g)->telemetry().ingest(sys, rows);
      if (!rep) ::_exit(4);
      if (rep->accepted != static_cast<std::int64_t>(rows.size())) ::_exit(5);
      // Acknowledged: the head-end may now forget these readings.
      const auto line = std::to_string(b) + "\n";
      if (::write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(6);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string acked;
  char buf[4096];
  // Batches slow down as the database grows: time the latest one.
  steady_clock::time_point previous = steady_clock::now(), latest = previous;
  while (std::count(acked.begin(), acked.end(), '\n') < 25) {
    const auto n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    previous = latest;
    latest = steady_clock::now();
    acked.append(buf, static_cast<std::size_t>(n));
  }
  // Kill at a random moment within the next batch or two (inside a
  // transaction, at its commit or between two): the checks hold for each.
  const auto per_batch = duration_cast<microseconds>(latest - previous).count() + 1;
  std::random_device rd;
  const auto delay = static_cast<std::int64_t>(rd()) % (2 * per_batch);
  ::usleep(static_cast<useconds_t>(delay));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  for (;;) {  // what the child wrote before it died was acknowledged too
    const auto n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    acked.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  REQUIRE_MESSAGE(WIFSIGNALED(status), "the child ended by itself: exit " << WEXITSTATUS(status));

  std::set<int> acked_batches;
  {
    std::istringstream in(acked);
    int b = 0;
    while (in >> b) acked_batches.insert(b);
  }
  REQUIRE(acked_batches.size() >= 25);
  const int last_acked = *acked_batches.rbegin();
  CHECK(last_acked + 1 == static_cast<int>(acked_batches.size()));  // in order, none missing

  f.grid = f.open();
  const segs::time_range all{window - days{2}, window + days{12}};
  std::vector<model::readings> stored(n_meters);
  std::size_t n_stored = 0;
  for (std::size_t m = 0; m < n_meters; ++m) {
    for (const auto& r : all_readings(f.tel(), f.admin, meters[m].serial, all)) stored[m][r.values.time] = r.values;
    n_stored += stored[m].size();
  }
  // Every acknowledged reading is stored as sent; every batch is stored
  // whole or not at all; at most the batch in flight was stored unacknowledged.
  std::map<std::string, std::size_t> index_of;
  for (std::size_t m = 0; m < n_meters; ++m) index_of[meters[m].serial] = m;
  std::size_t expected = 0;
  for (int b = 0; b <= last_acked + 1; ++b) {
    std::size_t present = 0, equal = 0;
    for (const auto& row : batch(b)) {
      const auto& mr = stored[index_of.at(row.meter)];
      auto it = mr.find(row.values.time);
      if (it == mr.end()) continue;
      ++present;
      equal += same_reading(it->second, row.values) ? 1 : 0;
    }
    CAPTURE(b);
    CHECK(equal == present);
    if (acked_batches.count(b)) {
      CHECK(present == batch_rows);
    } else {
      CHECK((present == 0 || present == batch_rows));
    }
    expected += present;
  }
  CHECK(n_stored == expected);  // nothing of any later batch
  MESSAGE("killed after " << acked_batches.size() << " acknowledged batches; "
                          << (n_stored - acked_batches.size() * batch_rows) / batch_rows
                          << " batch stored unacknowledged");

  // Each stored quarter-hour and day (and the hours and months built on
  // them) equals the recomputation from the raw rows in the database.
  for (std::size_t m = 0; m < n_meters; ++m) {
    CAPTURE(meters[m].serial);
    check_buckets(f, meters[m].serial, model::zone_of_region(meters[m].region), stored[m], all);
  }
  std::map<std::string, region_model> regions;
  for (std::size_t m = 0; m < n_meters; ++m) {
    regions[meters[m].region].serials.push_back(meters[m].serial);
    regions[meters[m].region].readings.push_back(&stored[m]);
  }
  for (const auto& [code, rm] : regions) check_region(f, code, rm, all);

  // And ingestion goes on where it stopped.
  const auto next = batch(last_acked + 1);
  auto rep = f.tel().ingest(segs::principal::system(), next);
  REQUIRE(rep);
  CHECK(rep->accepted + rep->duplicates == static_cast<std::int64_t>(batch_rows));
  CHECK(rep->rejected.empty());
}
