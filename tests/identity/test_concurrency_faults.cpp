// Several threads at once, and failures injected mid-operation.
#include "identity/grid_fixture.hpp"

#include "storage/fault_injection.hpp"

#include <atomic>
#include <thread>

using segs::errc;
using segs_test::grid_fixture;
using segs_test::kPassword;

TEST_CASE("threads registering, verifying and logging in at once") {
  grid_fixture f;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string email = "t" + std::to_string(t) + "u" + std::to_string(i) + "@example.org";
        auto r = f.id().register_user(f.reg(email));
        if (!r) { ++failures; continue; }
        auto early = f.id().login({email, kPassword});
        if (early || early.error().code != errc::email_not_verified) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);

  // Verify everyone from the outbox, then log in concurrently.
  auto mail = f.grid->outbox().drain(1000).value();
  REQUIRE(mail.size() == kThreads * kPerThread);
  for (const auto& m : mail) REQUIRE(f.id().verify_email(m.to, m.code));
  threads.clear();
  std::atomic<int> logins{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string email = "t" + std::to_string(t) + "u" + std::to_string(i) + "@example.org";
        auto tok = f.id().login({email, kPassword});
        if (tok && f.id().authenticate(tok->access_token)) ++logins;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(logins.load() == kThreads * kPerThread);
  segs::user_query q;
  q.per_page = 100;
  CHECK(f.id().list_users(segs::principal::system(), q).value().total == kThreads * kPerThread);
  auto v = f.grid->audit().verify(segs::principal::system()).value();
  CHECK(v.intact);
}

TEST_CASE("a failure at any statement of registration leaves nothing written") {
  // Registration writes a user, preferences, retires and inserts a code,
  // queues mail and appends to the audit log: fail each statement in turn.
  for (int nth = 1;; ++nth) {
    CAPTURE(nth);
    segs_test::fresh_database db;
    auto clock = std::make_shared<segs::manual_clock>(segs::from_micros(segs_test::kStart));
    segs::options opts;
    opts.clock = clock;
    opts.identity.argon2_opslimit = 1;
    opts.identity.argon2_memlimit = 8192;
    segs_test::define_test_regions(opts);
    auto faulty = std::make_unique<segs::storage::faulty_backend>(
        segs::storage::open_backend(db.url(), {}));
    auto* fault = faulty.get();
    auto g = segs::detail::open_grid(std::move(faulty), opts);
    REQUIRE(g.has_value());
    auto& grid = **g;

    segs::registration r;
    r.email = "fault@example.org";
    r.password = kPassword;
    r.name = "Fault";
    r.region = "north";
    const auto before = fault->statements();
    fault->fail_at(before + nth);
    auto res = grid.identity().register_user(r);
    fault->disarm();
    if (res) {
      // The operation ran to the end before statement `nth`: every prefix
      // has been tried.
      CHECK(nth > 5);
      break;
    }
    CHECK(res.error().code == errc::unavailable);
    segs::user_query q;
    q.include_deleted = true;
    CHECK(grid.identity().list_users(segs::principal::system(), q).value().total == 0);
    CHECK(grid.outbox().pending().value() == 0);
    auto v = grid.audit().verify(segs::principal::system()).value();
    CHECK(v.intact);
    CHECK(v.records_checked == 0);
    // And the same registration succeeds once the fault is gone.
    CHECK(grid.identity().register_user(r));
    REQUIRE(nth < 50);
  }
}
