// Generation interrupted (issue 15): a child process generates a month's
// invoices a small batch per transaction and reports each committed batch
// through a pipe; the parent kills it with SIGKILL mid-run, runs the
// generation again, and checks that every customer has exactly one invoice
// and that the numbers run 1..N without a gap.
#include "billing/billing_fixture.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <random>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace segs_test;

namespace {

constexpr int customers = 40;

void small_batches(segs::options& o) {
  define_telemetry_regions(o);
  o.billing.generation_batch = 2;
}

}  // namespace

TEST_CASE("billing: a generation killed midway and run again gives one invoice per customer and no gap in the numbers") {
  if (current_backend() == "sqlite-memory") return;  // nothing outlives the process
  billing_fixture f(small_batches);
  f.north_tariff(at("2025-06-01T00:00:00Z"));
  std::vector<segs::user> people;
  for (int i = 0; i < customers; ++i) {
    people.push_back(f.made("c" + std::to_string(i) + "@example.org", "consumer", "north"));
    f.meter("M-" + std::to_string(i), "north", &people.back());
  }
  f.clock->set(at("2025-07-01T06:00:00Z"));
  f.grid.reset();  // the child generates while it runs

  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto g = segs::grid::open(f.db.url(), f.opts);
    if (!g) ::_exit(3);
    // Published after each batch's commit: the batch is durable.
    auto sub = (*g)->events().subscribe(
        [&](const segs::event&) {
          const char c = '\n';
          if (::write(fds[1], &c, 1) != 1) ::_exit(6);
          ::usleep(2000);  // widen the window between commits
        },
        segs::event_filter{{"billing.invoice_issued"}, {}});
    auto r = (*g)->billing().generate(segs::principal::system(), "2025-06", "north");
    ::_exit(r ? 0 : 4);
  }
  ::close(fds[1]);
  int issued = 0;
  char buf[256];
  while (issued < 8) {
    const auto n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    issued += static_cast<int>(n);
  }
  std::random_device rd;
  ::usleep(static_cast<useconds_t>(rd() % 3000));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  REQUIRE_MESSAGE(WIFSIGNALED(status), "the child ended by itself: exit " << WEXITSTATUS(status));
  REQUIRE(issued >= 8);

  f.grid = f.open();
  f.relogin();
  auto again = f.bill().generate(f.op, "2025-06", "north");
  REQUIRE_MESSAGE(again.has_value(), (again ? "" : again.error().message));
  CHECK(again->skipped_existing >= 8);
  CHECK(again->generated + again->skipped_existing == customers);

  std::set<std::string> numbers;
  for (const auto& p : people) {
    const auto who = f.as(p.email);
    const auto mine = f.bill().invoices(who, {});
    REQUIRE(mine.has_value());
    REQUIRE(mine->items.size() == 1);
    numbers.insert(mine->items[0].number);
  }
  std::set<std::string> expected;
  for (int n = 1; n <= customers; ++n) {
    char buf2[32];
    std::snprintf(buf2, sizeof buf2, "INV-NORTH-2025-%06d", n);
    expected.insert(buf2);
  }
  CHECK(numbers == expected);
}
