// The event hub (events.hpp): filters, order, bounded queues, the outbox on
// the hub, and subscriptions and queues that outlive their grid (run these
// under the asan preset to see the last one's point).
#include "identity/grid_fixture.hpp"

#include <segs/events.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace segs_test;
using namespace std::chrono_literals;

namespace {

segs::event trade_in(std::string region) {
  segs::market_event m;
  m.type = segs::market_event::kind::trade;
  m.region = region;
  return {0, std::move(region), std::move(m)};
}
segs::event book_in(std::string region) {
  segs::market_event m;
  m.type = segs::market_event::kind::book;
  m.region = region;
  return {0, std::move(region), std::move(m)};
}
segs::event mail_to(std::string to) {
  segs::outbox_message m;
  m.to = std::move(to);
  return {0, {}, std::move(m)};
}

}  // namespace

TEST_CASE("events: callbacks see matching events in order, each with the next seq") {
  grid_fixture f;
  auto& hub = f.grid->events();
  CHECK_FALSE(hub.wanted("market.trade"));
  std::vector<std::string> all, trades, north;
  std::vector<std::uint64_t> seqs;
  auto a = hub.subscribe([&](const segs::event& e) {
    all.emplace_back(e.name());
    seqs.push_back(e.seq);
  });
  auto t = hub.subscribe([&](const segs::event& e) { trades.emplace_back(e.region); },
                         {.names = {"market.trade"}, .region = std::nullopt});
  auto n = hub.subscribe([&](const segs::event& e) { north.emplace_back(e.name()); },
                         {.names = {"market."}, .region = "north"});
  CHECK(hub.wanted("market.book"));
  hub.publish({trade_in("north"), book_in("south"), mail_to("a@example.org"), trade_in("south")});
  CHECK(all == std::vector<std::string>{"market.trade", "market.book", "mail", "market.trade"});
  CHECK(seqs == std::vector<std::uint64_t>{1, 2, 3, 4});
  CHECK(trades == std::vector<std::string>{"north", "south"});
  CHECK(north == std::vector<std::string>{"market.trade"});

  a.reset();
  CHECK_FALSE(a.active());
  CHECK(t.active());
  hub.publish({book_in("north")});
  CHECK(all.size() == 4);
  CHECK(north.size() == 2);
}

TEST_CASE("events: wanted() follows the subscribers' names") {
  grid_fixture f;
  auto& hub = f.grid->events();
  {
    auto m = hub.subscribe([](const segs::event&) {}, {.names = {"mail"}, .region = std::nullopt});
    CHECK(hub.wanted("mail"));
    CHECK_FALSE(hub.wanted("market.trade"));
  }
  CHECK_FALSE(hub.wanted("mail"));
  {
    // A region filter never matches mail, which has no region: it must not
    // make the outbox hand messages over to nobody.
    auto north = hub.queue(10, {.names = {}, .region = "north"});
    auto named = hub.subscribe([](const segs::event&) {}, {.names = {"mail", "market.trade"}, .region = "north"});
    CHECK(hub.wanted("market.trade"));
    CHECK_FALSE(hub.wanted("mail"));
  }
  auto everything = hub.queue(10);
  CHECK(hub.wanted("market.clearing"));
  CHECK(hub.wanted("mail"));
  CHECK(hub.wanted("meter.reading"));  // a capability the hub does not list yet
}

TEST_CASE("events: a region subscriber leaves mail in the outbox") {
  grid_fixture f;
  auto north = f.grid->events().queue(10, {.names = {}, .region = "north"});
  REQUIRE(f.id().register_user(f.reg("ada@example.org")));
  CHECK(north.size() == 0);
  CHECK(f.grid->outbox().pending().value() == 1);
}

TEST_CASE("events: a full queue drops the oldest and counts them") {
  grid_fixture f;
  auto q = f.grid->events().queue(3, {.names = {"market.trade"}, .region = std::nullopt});
  for (const char* r : {"r1", "r2", "r3", "r4", "r5"}) f.grid->events().publish({trade_in(r)});
  f.grid->events().publish({book_in("r6")});  // filtered out
  CHECK(q.size() == 3);
  CHECK(q.dropped() == 2);
  auto first = q.pop();
  REQUIRE(first);
  CHECK(first->region == "r3");
  auto rest = q.drain();
  REQUIRE(rest.size() == 2);
  CHECK(rest[1].region == "r5");
  CHECK_FALSE(q.pop(1ms).has_value());
}

TEST_CASE("events: close() wakes a waiting reader, a moved queue keeps its events") {
  grid_fixture f;
  auto q = f.grid->events().queue(10);
  std::atomic<bool> woke{false};
  std::thread reader([&] {
    auto e = q.pop(10s);
    woke = !e.has_value();
  });
  std::this_thread::sleep_for(20ms);
  q.close();
  reader.join();
  CHECK(woke);
  CHECK(q.closed());

  auto q2 = f.grid->events().queue(10);
  f.grid->events().publish({trade_in("north")});
  auto moved = std::move(q2);
  CHECK(moved.size() == 1);
  CHECK(moved.pop()->region == "north");
}

TEST_CASE("events: the outbox hands mail over through the hub") {
  grid_fixture f;
  auto mail = f.grid->events().queue(10, {.names = {"mail"}, .region = std::nullopt});
  auto r = f.reg("ada@example.org");
  REQUIRE(f.id().register_user(r));
  auto e = mail.pop();
  REQUIRE(e);
  REQUIRE(e->get<segs::outbox_message>() != nullptr);
  CHECK(e->get<segs::outbox_message>()->to == "ada@example.org");
  CHECK(e->get<segs::market_event>() == nullptr);
  // Handed over once: nothing is left to drain.
  CHECK(f.grid->outbox().pending().value() == 0);
}

TEST_CASE("events: subscriptions and queues outlive their grid safely") {
  segs::subscription sub;
  segs::event_queue q;
  std::atomic<int> calls{0};
  {
    grid_fixture f;
    sub = f.grid->events().subscribe([&](const segs::event&) { ++calls; });
    q = f.grid->events().queue(5);
    f.grid->events().publish({trade_in("north")});
    CHECK(sub.active());
  }  // the grid is destroyed here
  CHECK(calls == 1);
  CHECK_FALSE(sub.active());
  sub.reset();  // a no-op, not a use after free
  CHECK(q.closed());
  auto left = q.pop(1ms);
  REQUIRE(left);
  CHECK(left->region == "north");
  CHECK_FALSE(q.pop(1ms).has_value());
}
