// The continuous book: every matching rule with its exact fills, statuses and
// events (src/market/engine.hpp).
#include "market/engine.hpp"

#include <doctest/doctest.h>

#include "market/event_log.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace m = segs::market;
using m::order_status;
using m::side;
using m::time_in_force;
using segs::market::testing::event_log;

namespace {

// Every order has its own owner unless a test says otherwise, so self-trade
// prevention only triggers where a test asks for it.
m::order_request limit(m::order_id id, side s, m::price_t price, m::qty_t q,
                       time_in_force tif = time_in_force::gtc) {
  m::order_request o;
  o.id = id;
  o.owner = 1000 + id;
  o.side = s;
  o.type = m::order_type::limit;
  o.tif = tif;
  o.price = price;
  o.quantity = q;
  return o;
}

m::order_request market(m::order_id id, side s, m::qty_t q,
                        time_in_force tif = time_in_force::ioc) {
  m::order_request o = limit(id, s, 0, q, tif);
  o.type = m::order_type::market;
  return o;
}

m::order_request owned(m::order_request o, m::owner_id owner) {
  o.owner = owner;
  return o;
}

m::order_request post_only(m::order_request o) {
  o.post_only = true;
  return o;
}

std::string ids(const m::book& b) {
  std::string out;
  for (const auto& o : b.orders()) {
    out += std::to_string(o.id) + ":" + std::to_string(o.quantity) + "@" +
           std::to_string(o.price) + " ";
  }
  return out;
}

void check_result(const m::order_result& r, bool accepted, order_status status, m::qty_t filled,
                  m::qty_t remaining) {
  CHECK(r.accepted == accepted);
  CHECK(r.status == status);
  CHECK(r.filled == filled);
  CHECK(r.remaining == remaining);
}

}  // namespace

TEST_CASE("book: limit orders rest and snapshots report levels best first") {
  m::book b;
  event_log ev;
  CHECK(b.size() == 0);
  CHECK_FALSE(b.best_bid().has_value());
  CHECK_FALSE(b.best_ask().has_value());

  check_result(b.submit(limit(1, side::buy, 100, 5), ev), true, order_status::open, 0, 5);
  check_result(b.submit(limit(2, side::buy, 102, 7), ev), true, order_status::open, 0, 7);
  check_result(b.submit(limit(3, side::buy, 100, 3), ev), true, order_status::open, 0, 3);
  check_result(b.submit(limit(4, side::sell, 105, 4), ev), true, order_status::open, 0, 4);
  check_result(b.submit(limit(5, side::sell, 104, 6), ev), true, order_status::open, 0, 6);
  check_result(b.submit(limit(6, side::sell, 110, 1), ev), true, order_status::open, 0, 1);
  CHECK(ev.take() == "rest 1 5@100\nrest 2 7@102\nrest 3 3@100\nrest 4 4@105\nrest 5 6@104\n"
                     "rest 6 1@110\n");

  CHECK(b.size() == 6);
  CHECK(b.best_bid() == 102);
  CHECK(b.best_ask() == 104);
  const auto bids = b.bids(10);
  REQUIRE(bids.size() == 2);
  CHECK(bids[0].price == 102);
  CHECK(bids[0].quantity == 7);
  CHECK(bids[0].orders == 1);
  CHECK(bids[1].price == 100);
  CHECK(bids[1].quantity == 8);
  CHECK(bids[1].orders == 2);
  const auto asks = b.asks(2);
  REQUIRE(asks.size() == 2);
  CHECK(asks[0].price == 104);
  CHECK(asks[1].price == 105);
  CHECK(b.asks(0).empty());
  CHECK(ids(b) == "2:7@102 1:5@100 3:3@100 5:6@104 4:4@105 6:1@110 ");

  const auto found = b.find(3);
  REQUIRE(found.has_value());
  CHECK(found->owner == 1003);
  CHECK(found->side == side::buy);
  CHECK(found->type == m::order_type::limit);
  CHECK(found->price == 100);
  CHECK(found->quantity == 3);
  CHECK_FALSE(b.find(99).has_value());
}

TEST_CASE("book: price-time priority and trades at the resting price") {
  m::book b;
  event_log ev;
  b.submit(limit(1, side::sell, 101, 4), ev);
  b.submit(limit(2, side::sell, 101, 4), ev);
  b.submit(limit(3, side::sell, 100, 4), ev);
  b.submit(limit(4, side::sell, 102, 4), ev);
  ev.take();

  // Crosses 100 then 101 (1 before 2); 102 is beyond the limit.
  const auto r = b.submit(limit(5, side::buy, 101, 10), ev);
  check_result(r, true, order_status::filled, 10, 0);
  REQUIRE(ev.fills.size() == 3);
  CHECK(ev.fills[0].maker_owner == 1003);
  CHECK(ev.fills[0].taker_owner == 1005);
  CHECK(ev.fills[0].taker_side == side::buy);
  CHECK(ev.take() == "fill 3<-5 4@100\nfill 1<-5 4@101\nfill 2<-5 2@101\n");
  CHECK(ids(b) == "2:2@101 4:4@102 ");

  // A sell taker trades at the resting bid's price, not its own limit.
  b.submit(limit(6, side::buy, 99, 3), ev);
  ev.take();
  check_result(b.submit(limit(7, side::sell, 90, 3), ev), true, order_status::filled, 3, 0);
  REQUIRE(ev.fills.size() == 1);
  CHECK(ev.fills[0].taker_side == side::sell);
  CHECK(ev.take() == "fill 6<-7 3@99\n");
}

TEST_CASE("book: a partly filled GTC order rests its remainder") {
  m::book b;
  event_log ev;
  b.submit(limit(1, side::sell, 100, 3), ev);
  ev.take();
  check_result(b.submit(limit(2, side::buy, 101, 10), ev), true, order_status::partially_filled,
               3, 7);
  CHECK(ev.take() == "fill 1<-2 3@100\nrest 2 7@101\n");
  CHECK(b.best_bid() == 101);
  CHECK_FALSE(b.best_ask().has_value());
  CHECK(ids(b) == "2:7@101 ");
}

TEST_CASE("book: an IOC remainder is cancelled") {
  m::book b;
  event_log ev;
  b.submit(limit(1, side::sell, 100, 3), ev);
  ev.take();
  check_result(b.submit(limit(2, side::buy, 100, 5, time_in_force::ioc), ev), true,
               order_status::cancelled, 3, 0);
  CHECK(ev.take() == "fill 1<-2 3@100\ncancel 2 2 ioc_remainder\n");
  CHECK(b.size() == 0);

  // An IOC that crosses nothing is cancelled whole.
  b.submit(limit(3, side::sell, 105, 3), ev);
  ev.take();
  check_result(b.submit(limit(4, side::buy, 100, 5, time_in_force::ioc), ev), true,
               order_status::cancelled, 0, 0);
  CHECK(ev.take() == "cancel 4 5 ioc_remainder\n");
  CHECK(ids(b) == "3:3@105 ");
}

TEST_CASE("book: a market order sweeps any price and never rests") {
  m::book b;
  event_log ev;
  b.submit(limit(1, side::buy, 100, 2), ev);
  b.submit(limit(2, side::buy, 50, 2), ev);
  b.submit(limit(3, side::buy, 1, 2), ev);
  ev.take();
  check_result(b.submit(market(4, side::sell, 10), ev), true, order_status::cancelled, 6, 0);
  CHECK(ev.take() == "fill 1<-4 2@100\nfill 2<-4 2@50\nfill 3<-4 2@1\ncancel 4 4 ioc_remainder\n");
  CHECK(b.size() == 0);

  b.submit(limit(5, side::sell, 100, 5), ev);
  ev.take();
  check_result(b.submit(market(6, side::buy, 5, time_in_force::gtc), ev), true,
               order_status::filled, 5, 0);
  CHECK(ev.take() == "fill 5<-6 5@100\n");
}

TEST_CASE("book: a market order against an empty side is accepted and cancelled") {
  m::book b;
  event_log ev;
  b.submit(limit(1, side::buy, 100, 2), ev);  // same side: not liquidity for a buy
  ev.take();
  check_result(b.submit(market(2, side::buy, 10), ev), true, order_status::cancelled, 0, 0);
  CHECK(ev.take() == "cancel 2 10 no_liquidity\n");
  check_result(b.submit(market(3, side::buy, 10, time_in_force::fok), ev), true,
               order_status::cancelled, 0, 0);
  CHECK(ev.take() == "cancel 3 10 no_liquidity\n");
  CHECK(ids(b) == "1:2@100 ");
}

TEST_CASE("book: FOK fills completely at once or not at all") {
  m::book b;
  event_log ev;
  b.submit(limit(1, side::sell, 100, 3), ev);
  b.submit(limit(2, side::sell, 101, 3), ev);
  b.submit(limit(3, side::sell, 102, 3), ev);
  ev.take();

  SUBCASE("not enough within the limit: nothing happens") {
    check_result(b.submit(limit(4, side::buy, 101, 7, time_in_force::fok), ev), true,
                 order_status::cancelled, 0, 0);
    CHECK(ev.take() == "cancel 4 7 fok_unfillable\n");
    CHECK(ids(b) == "1:3@100 2:3@101 3:3@102 ");
  }
  SUBCASE("not enough on the whole side") {
    check_result(b.submit(market(4, side::buy, 10, time_in_force::fok), ev), true,
                 order_status::cancelled, 0, 0);
    CHECK(ev.take() == "cancel 4 10 fok_unfillable\n");
    CHECK(b.size() == 3);
  }
  SUBCASE("exactly enough within the limit fills") {
    check_result(b.submit(limit(4, side::buy, 101, 6, time_in_force::fok), ev), true,
                 order_status::filled, 6, 0);
    CHECK(ev.take() == "fill 1<-4 3@100\nfill 2<-4 3@101\n");
    CHECK(ids(b) == "3:3@102 ");
  }
  SUBCASE("a market FOK takes any price") {
    check_result(b.submit(market(4, side::buy, 8, time_in_force::fok), ev), true,
                 order_status::filled, 8, 0);
    CHECK(ev.take() == "fill 1<-4 3@100\nfill 2<-4 3@101\nfill 3<-4 2@102\n");
    CHECK(ids(b) == "3:1@102 ");
  }
}

TEST_CASE("book: post_only rests or is refused untouched") {
  m::book b;
  event_log ev;
  b.submit(limit(1, side::sell, 100, 3), ev);
  ev.take();

  // Would cross: not accepted, nothing happens, no event.
  const auto refused = b.submit(post_only(limit(2, side::buy, 100, 5)), ev);
  CHECK_FALSE(refused.accepted);
  CHECK(refused.filled == 0);
  CHECK(refused.remaining == 0);
  CHECK(ev.take().empty());
  CHECK(ids(b) == "1:3@100 ");
  // A market order always crosses a non-empty side.
  CHECK_FALSE(b.submit(post_only(market(3, side::buy, 1)), ev).accepted);
  CHECK(ev.take().empty());

  // Does not cross: a GTC rests; the time in force still rules, so an IOC
  // (which never rests) is cancelled.
  check_result(b.submit(post_only(limit(4, side::buy, 99, 5)), ev), true, order_status::open, 0,
               5);
  check_result(b.submit(post_only(limit(5, side::sell, 101, 2, time_in_force::ioc)), ev), true,
               order_status::cancelled, 0, 0);
  CHECK(ev.take() == "rest 4 5@99\ncancel 5 2 ioc_remainder\n");
  CHECK(ids(b) == "4:5@99 1:3@100 ");
}

TEST_CASE("book: self-trade prevention cancel_newest") {
  m::book b(m::stp_policy::cancel_newest);
  event_log ev;
  b.submit(owned(limit(1, side::sell, 100, 2), 7), ev);
  b.submit(owned(limit(2, side::sell, 101, 2), 8), ev);  // own order, behind 1
  b.submit(owned(limit(3, side::sell, 102, 2), 7), ev);
  ev.take();
  // Fills with 1, then meets its own order 2: the remainder goes, the fill stands.
  check_result(b.submit(owned(limit(4, side::buy, 102, 6), 8), ev), true,
               order_status::cancelled, 2, 0);
  CHECK(ev.take() == "fill 1<-4 2@100\ncancel 4 4 self_trade\n");
  CHECK(ids(b) == "2:2@101 3:2@102 ");
}

TEST_CASE("book: self-trade prevention cancel_oldest") {
  m::book b(m::stp_policy::cancel_oldest);
  event_log ev;
  b.submit(owned(limit(1, side::sell, 100, 2), 7), ev);
  b.submit(owned(limit(2, side::sell, 101, 2), 8), ev);
  b.submit(owned(limit(3, side::sell, 101, 2), 8), ev);
  b.submit(owned(limit(4, side::sell, 102, 2), 7), ev);
  ev.take();
  // Own resting orders are cancelled and matching goes on; the rest rests.
  check_result(b.submit(owned(limit(5, side::buy, 102, 6), 8), ev), true,
               order_status::partially_filled, 4, 2);
  CHECK(ev.take() ==
        "fill 1<-5 2@100\ncancel 2 2 self_trade\ncancel 3 2 self_trade\nfill 4<-5 2@102\n"
        "rest 5 2@102\n");
  CHECK(ids(b) == "5:2@102 ");
}

TEST_CASE("book: self-trade prevention cancel_both") {
  m::book b(m::stp_policy::cancel_both);
  event_log ev;
  b.submit(owned(limit(1, side::buy, 100, 2), 7), ev);
  b.submit(owned(limit(2, side::buy, 100, 2), 8), ev);
  b.submit(owned(limit(3, side::buy, 99, 2), 7), ev);
  ev.take();
  check_result(b.submit(owned(market(4, side::sell, 9), 8), ev), true, order_status::cancelled,
               2, 0);
  CHECK(ev.take() == "fill 1<-4 2@100\ncancel 2 2 self_trade\ncancel 4 7 self_trade\n");
  CHECK(ids(b) == "3:2@99 ");
}

TEST_CASE("book: FOK with self-trade prevention") {
  event_log ev;
  auto setup = [&](m::stp_policy p) {
    m::book b(p);
    b.submit(owned(limit(1, side::sell, 100, 2), 7), ev);
    b.submit(owned(limit(2, side::sell, 100, 2), 8), ev);  // the FOK owner's own order
    b.submit(owned(limit(3, side::sell, 101, 4), 7), ev);
    ev.take();
    return b;
  };
  const auto fok = owned(limit(4, side::buy, 101, 6, time_in_force::fok), 8);

  SUBCASE("cancel_oldest skips its own order in the pre-check, then cancels it") {
    auto b = setup(m::stp_policy::cancel_oldest);
    check_result(b.submit(fok, ev), true, order_status::filled, 6, 0);
    CHECK(ev.take() == "fill 1<-4 2@100\ncancel 2 2 self_trade\nfill 3<-4 4@101\n");
    CHECK(b.size() == 0);
  }
  SUBCASE("cancel_oldest still refuses when the others are not enough") {
    auto b = setup(m::stp_policy::cancel_oldest);
    check_result(b.submit(owned(limit(4, side::buy, 101, 7, time_in_force::fok), 8), ev), true,
                 order_status::cancelled, 0, 0);
    CHECK(ev.take() == "cancel 4 7 fok_unfillable\n");
    CHECK(b.size() == 3);
  }
  SUBCASE("cancel_newest: no fill, no side effect") {
    auto b = setup(m::stp_policy::cancel_newest);
    check_result(b.submit(fok, ev), true, order_status::cancelled, 0, 0);
    CHECK(ev.take() == "cancel 4 6 self_trade\n");
    CHECK(ids(b) == "1:2@100 2:2@100 3:4@101 ");
  }
  SUBCASE("cancel_both: no fill, the resting order stays") {
    auto b = setup(m::stp_policy::cancel_both);
    check_result(b.submit(fok, ev), true, order_status::cancelled, 0, 0);
    CHECK(ev.take() == "cancel 4 6 self_trade\n");
    CHECK(b.size() == 3);
  }
  SUBCASE("an own order behind the filled quantity does not matter") {
    auto b = setup(m::stp_policy::cancel_newest);
    check_result(b.submit(owned(limit(4, side::buy, 101, 2, time_in_force::fok), 8), ev), true,
                 order_status::filled, 2, 0);
    CHECK(ev.take() == "fill 1<-4 2@100\n");
    CHECK(ids(b) == "2:2@100 3:4@101 ");
  }
}

TEST_CASE("book: cancel only succeeds for resting orders") {
  m::book b;
  event_log ev;
  b.submit(limit(1, side::sell, 100, 2), ev);
  b.submit(limit(2, side::sell, 101, 2), ev);
  b.submit(limit(3, side::buy, 100, 2), ev);  // fills 1 completely
  ev.take();
  CHECK_FALSE(b.cancel(1, ev));  // filled
  CHECK_FALSE(b.cancel(3, ev));  // filled
  CHECK_FALSE(b.cancel(42, ev));  // unknown
  CHECK(ev.take().empty());
  CHECK(b.cancel(2, ev));
  CHECK(ev.take() == "cancel 2 2 requested\n");
  CHECK_FALSE(b.cancel(2, ev));  // already cancelled
  CHECK_FALSE(b.modify(2, 1, std::nullopt, ev).has_value());
  CHECK(b.size() == 0);
  CHECK(b.asks(5).empty());
}

TEST_CASE("book: cancel in the middle of a level keeps the others' order") {
  m::book b;
  event_log ev;
  for (m::order_id id = 1; id <= 4; ++id) b.submit(limit(id, side::buy, 100, 1), ev);
  b.submit(limit(5, side::buy, 99, 1), ev);
  CHECK(b.cancel(2, ev));
  CHECK(b.cancel(4, ev));  // the tail
  CHECK(b.cancel(1, ev));  // the head
  CHECK(ids(b) == "3:1@100 5:1@99 ");
  CHECK(b.cancel(3, ev));  // the level empties
  CHECK(b.best_bid() == 99);
  CHECK(b.bids(5).size() == 1);
  b.submit(limit(6, side::buy, 100, 1), ev);  // the level comes back
  CHECK(ids(b) == "6:1@100 5:1@99 ");
}

TEST_CASE("book: modify keeps priority on reduction and loses it otherwise") {
  m::book b;
  event_log ev;
  b.submit(limit(1, side::sell, 100, 5), ev);
  b.submit(limit(2, side::sell, 100, 5), ev);
  b.submit(limit(3, side::sell, 100, 5), ev);
  ev.take();

  SUBCASE("reducing keeps the place") {
    const auto r = b.modify(1, 2, std::nullopt, ev);
    REQUIRE(r.has_value());
    check_result(*r, true, order_status::open, 0, 2);
    CHECK(ev.take() == "rest 1 2@100\n");
    CHECK(ids(b) == "1:2@100 2:5@100 3:5@100 ");
    CHECK(b.asks(1)[0].quantity == 12);
  }
  SUBCASE("the same quantity and price is a no-op") {
    const auto r = b.modify(1, 5, 100, ev);
    REQUIRE(r.has_value());
    check_result(*r, true, order_status::open, 0, 5);
    CHECK(ev.take().empty());
    CHECK(ids(b) == "1:5@100 2:5@100 3:5@100 ");
  }
  SUBCASE("raising moves to the back") {
    const auto r = b.modify(1, 6, std::nullopt, ev);
    REQUIRE(r.has_value());
    check_result(*r, true, order_status::open, 0, 6);
    CHECK(ev.take() == "rest 1 6@100\n");
    CHECK(ids(b) == "2:5@100 3:5@100 1:6@100 ");
  }
  SUBCASE("a new price moves to the back of the new level") {
    b.submit(limit(4, side::sell, 101, 1), ev);
    ev.take();
    const auto r = b.modify(2, std::nullopt, 101, ev);
    REQUIRE(r.has_value());
    check_result(*r, true, order_status::open, 0, 5);
    CHECK(ev.take() == "rest 2 5@101\n");
    CHECK(ids(b) == "1:5@100 3:5@100 4:1@101 2:5@101 ");
  }
  SUBCASE("a crossing price matches at once keeping id and owner") {
    b.submit(limit(4, side::buy, 98, 3), ev);
    b.submit(limit(5, side::buy, 97, 3), ev);
    ev.take();
    const auto r = b.modify(3, std::nullopt, 97, ev);
    REQUIRE(r.has_value());
    check_result(*r, true, order_status::filled, 5, 0);
    CHECK(ev.take() == "fill 4<-3 3@98\nfill 5<-3 2@97\n");
    CHECK(ids(b) == "5:1@97 1:5@100 2:5@100 ");
  }
  SUBCASE("unknown ids give nullopt") {
    CHECK_FALSE(b.modify(9, 1, std::nullopt, ev).has_value());
  }
}

TEST_CASE("book: a re-priced order that crosses trades as a new order") {
  m::book b;
  event_log ev;
  b.submit(limit(1, side::sell, 100, 5), ev);
  b.submit(limit(2, side::buy, 98, 3), ev);
  b.submit(limit(3, side::buy, 97, 1), ev);
  ev.take();
  const auto r = b.modify(1, 6, 97, ev);
  REQUIRE(r.has_value());
  check_result(*r, true, order_status::partially_filled, 4, 2);
  REQUIRE(ev.fills.size() == 2);
  CHECK(ev.fills[0].taker == 1);
  CHECK(ev.fills[0].taker_owner == 1001);
  CHECK(ev.fills[0].taker_side == side::sell);
  CHECK(ev.take() == "fill 2<-1 3@98\nfill 3<-1 1@97\nrest 1 2@97\n");
  CHECK(ids(b) == "1:2@97 ");

  // Crossing completely: filled, no longer resting.
  b.submit(limit(4, side::buy, 90, 2), ev);
  ev.take();
  const auto r2 = b.modify(1, std::nullopt, 90, ev);
  REQUIRE(r2.has_value());
  check_result(*r2, true, order_status::filled, 2, 0);
  CHECK(ev.take() == "fill 4<-1 2@90\n");
  CHECK(b.size() == 0);
}

TEST_CASE("book: modify after a fill changes only the open part") {
  m::book b;
  event_log ev;
  b.submit(limit(1, side::sell, 100, 10), ev);
  b.submit(limit(2, side::buy, 100, 4), ev);  // 4 of 1 filled, 6 open
  ev.take();
  const auto r = b.modify(1, 5, std::nullopt, ev);
  REQUIRE(r.has_value());
  check_result(*r, true, order_status::partially_filled, 0, 5);
  CHECK(ev.take() == "rest 1 5@100\n");
  CHECK(b.find(1)->quantity == 5);
  // Raising the open part above what is left is allowed and loses priority.
  b.submit(limit(3, side::sell, 100, 1), ev);
  const auto r2 = b.modify(1, 8, std::nullopt, ev);
  REQUIRE(r2.has_value());
  check_result(*r2, true, order_status::partially_filled, 0, 8);
  CHECK(ids(b) == "3:1@100 1:8@100 ");
}

TEST_CASE("book: a post_only order is not modified into a crossing price") {
  m::book b;
  event_log ev;
  b.submit(limit(1, side::sell, 100, 5), ev);
  b.submit(post_only(limit(2, side::buy, 98, 5)), ev);
  ev.take();
  const auto refused = b.modify(2, std::nullopt, 100, ev);
  REQUIRE(refused.has_value());
  CHECK_FALSE(refused->accepted);
  CHECK(refused->filled == 0);
  CHECK(ev.take().empty());
  CHECK(ids(b) == "2:5@98 1:5@100 ");
  // A non-crossing change is fine and stays post_only.
  const auto ok = b.modify(2, 7, 99, ev);
  REQUIRE(ok.has_value());
  check_result(*ok, true, order_status::open, 0, 7);
  CHECK_FALSE(b.modify(2, std::nullopt, 101, ev)->accepted);
  CHECK(ids(b) == "2:7@99 1:5@100 ");
}

TEST_CASE("book: expire_all empties the book in snapshot order") {
  m::book b;
  event_log ev;
  b.submit(limit(1, side::buy, 99, 1), ev);
  b.submit(limit(2, side::buy, 100, 2), ev);
  b.submit(limit(3, side::sell, 102, 3), ev);
  b.submit(limit(4, side::sell, 101, 4), ev);
  b.submit(limit(5, side::buy, 100, 5), ev);
  ev.take();
  b.expire_all(ev);
  CHECK(ev.take() ==
        "cancel 2 2 expired\ncancel 5 5 expired\ncancel 1 1 expired\ncancel 4 4 expired\n"
        "cancel 3 3 expired\n");
  CHECK(b.size() == 0);
  CHECK(b.orders().empty());
  CHECK_FALSE(b.best_bid().has_value());
  CHECK_FALSE(b.best_ask().has_value());
  b.expire_all(ev);
  CHECK(ev.take().empty());
  // The book is usable afterwards and ids may be reused only if never seen:
  // use fresh ones.
  b.submit(limit(6, side::buy, 100, 1), ev);
  CHECK(ids(b) == "6:1@100 ");
}

TEST_CASE("book: many levels inserted in any order stay sorted") {
  m::book b;
  event_log ev;
  // A fixed permutation of 1..200 (multiplying by a unit mod 211).
  m::order_id id = 1;
  for (m::price_t k = 1; k <= 210; ++k) {
    const m::price_t p = (k * 37) % 211;
    b.submit(limit(id++, side::buy, 1000 + p, 1), ev);
    b.submit(limit(id++, side::sell, 2000 + p, 1), ev);
  }
  const auto bids = b.bids(1000);
  const auto asks = b.asks(1000);
  REQUIRE(bids.size() == 210);
  REQUIRE(asks.size() == 210);
  for (std::size_t i = 0; i < bids.size(); ++i) {
    CHECK(bids[i].price == 1210 - static_cast<m::price_t>(i));
    CHECK(asks[i].price == 2001 + static_cast<m::price_t>(i));
  }
  // Cancel every other order; the levels that remain are still in order.
  for (m::order_id i = 1; i < id; i += 4) CHECK(b.cancel(i, ev));
  const auto after = b.bids(1000);
  for (std::size_t i = 1; i < after.size(); ++i) CHECK(after[i - 1].price > after[i].price);
  CHECK(after.size() + 210 / 2 == 210);
}

TEST_CASE("book: a sweep through one million orders at one level") {
  m::book b;
  event_log ev;
  constexpr m::order_id n = 1'000'000;
  for (m::order_id id = 1; id <= n; ++id) b.submit(limit(id, side::sell, 100, 10), ev);
  ev.take();
  REQUIRE(b.size() == n);
  CHECK(b.asks(1)[0].orders == static_cast<std::int64_t>(n));

  struct counter final : m::event_sink {
    std::uint64_t fills = 0;
    m::order_id last_maker = 0;
    bool in_order = true;
    m::qty_t total = 0;
    void on_fill(const m::fill& f) override {
      in_order = in_order && f.maker == last_maker + 1;
      last_maker = f.maker;
      total += f.quantity;
      ++fills;
    }
  } c;
  const auto start = std::chrono::steady_clock::now();
  // 250,000 whole orders and half of the next one.
  const auto r = b.submit(market(n + 1, side::buy, 2'500'005), c);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  check_result(r, true, order_status::filled, 2'500'005, 0);
  CHECK(c.fills == 250'001);
  CHECK(c.in_order);
  CHECK(c.last_maker == 250'001);
  CHECK(c.total == 2'500'005);
  CHECK(b.size() == n - 250'000);
  CHECK(b.find(250'001)->quantity == 5);
  CHECK(b.orders().front().id == 250'001);
  CHECK(b.asks(1)[0].quantity == static_cast<m::qty_t>(n - 250'000) * 10 - 5);
  // Generous even for a Debug build under load; a quadratic sweep would not make it.
  CHECK(took.count() < 5.0);
}

TEST_CASE("book: the same calls give the same events twice") {
  auto script = [](m::stp_policy p) {
    m::book b(p);
    event_log ev;
    std::string out;
    std::uint64_t x = 12345;
    auto next = [&x] {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return x;
    };
    for (m::order_id id = 1; id <= 5000; ++id) {
      const auto r = next();
      const side s = (r & 1) ? side::buy : side::sell;
      const m::price_t price = 100 + static_cast<m::price_t>((r >> 8) % 21) - 10;
      const m::qty_t q = 1 + static_cast<m::qty_t>((r >> 16) % 50);
      switch ((r >> 24) % 10) {
        case 0: b.submit(market(id, s, q), ev); break;
        case 1: b.submit(limit(id, s, price, q, time_in_force::fok), ev); break;
        case 2: b.cancel(id - 1 - ((r >> 32) % 50), ev); break;
        case 3: b.modify(id - 1 - ((r >> 32) % 50), q, price, ev); break;
        default: b.submit(owned(limit(id, s, price, q), (r >> 40) % 7), ev); break;
      }
      out += ev.take();
    }
    for (const auto& o : b.orders()) out += std::to_string(o.id) + " ";
    return out;
  };
  for (const auto p :
       {m::stp_policy::cancel_newest, m::stp_policy::cancel_oldest, m::stp_policy::cancel_both}) {
    const auto first = script(p);
    CHECK(first.size() > 10'000);
    CHECK(first == script(p));
  }
}

TEST_CASE("book: a moved book keeps its orders") {
  m::book a;
  event_log ev;
  a.submit(limit(1, side::buy, 100, 3), ev);
  m::book b(std::move(a));
  CHECK(b.size() == 1);
  m::book c;
  c = std::move(b);
  CHECK(c.best_bid() == 100);
  c.submit(limit(2, side::sell, 100, 3), ev);
  CHECK(c.size() == 0);
}
