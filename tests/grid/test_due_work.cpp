// grid::run_due_work: what is due at the clock's now runs, once, and the
// report says what it did.
#include "market_service/market_fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace segs_test;
using segs::order_side;

TEST_CASE("due work: nothing due is an idle run") {
  market_fixture f;
  auto r = f.grid->run_due_work().value();
  CHECK(r.idle());
  CHECK(r.ran_at == f.clock->now());
}

TEST_CASE("due work: a simulation moves the clock and the market's gates close") {
  market_fixture f;
  const auto s = f.slot();
  const auto later = f.slot(2);
  auto o = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  auto kept = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, later));
  CHECK(f.grid->run_due_work()->idle());

  f.clock->set(s - 5min);  // the first slot's gate
  auto r = f.grid->run_due_work().value();
  REQUIRE(r.gate_closures.size() == 1);
  CHECK(r.gate_closures[0].delivery_slot == s);
  CHECK(r.gate_closures[0].region == "north");
  CHECK(r.failures.empty());
  CHECK(f.market().get_order(f.seller, o.id)->status == segs::order_status::expired);
  CHECK(f.market().get_order(f.seller, kept.id)->status == segs::order_status::open);
  // Done once: the next run finds nothing.
  CHECK(f.grid->run_due_work()->idle());

  f.clock->set(later);
  r = f.grid->run_due_work().value();
  REQUIRE(r.gate_closures.size() == 1);
  CHECK(r.gate_closures[0].delivery_slot == later);
}

TEST_CASE("due work: concurrent runs close each gate once") {
  market_fixture f;
  const auto s = f.slot();
  f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, f.slot(1)));
  f.clock->set(f.slot(1));
  std::atomic<std::size_t> closed{0};
  std::vector<std::thread> runners;
  for (int i = 0; i < 4; ++i)
    runners.emplace_back([&] {
      auto r = f.grid->run_due_work();
      if (r) closed += r->gate_closures.size();
    });
  for (auto& t : runners) t.join();
  CHECK(closed == 2);
}
