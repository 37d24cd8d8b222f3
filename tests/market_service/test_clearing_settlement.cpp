// Epoch clearing and settlement through the market service, on every backend.
#include "market_service/market_fixture.hpp"

#include <doctest/doctest.h>

#include <set>

#include <algorithm>

using namespace segs_test;
using segs::errc;
using segs::ledger_kind;
using segs::order_side;
using segs::order_status;

namespace {

// Buys 2000 @ 0.30, 1000 @ 0.25, 1000 @ 0.20; sells 1500 @ 0.18,
// 1500 @ 0.24, 1000 @ 0.28. D(p) = S(p) = 3000 for every p in [0.24, 0.25]:
// the middle, 0.245, clears 3000 Wh.
struct epoch_market : market_fixture {
  segs::timestamp s;
  segs::order b1, b2, b3, s1, s2, s3;

  epoch_market() {
    segs::market_settings_update u;
    u.mechanism = segs::market_mechanism::epoch;
    REQUIRE(market().configure(admin, "north", u));
    s = slot();
    b1 = place(buyer, limit(order_side::buy, 2000, 300'000, s));
    s1 = place(seller, limit(order_side::sell, 1500, 180'000, s));
    b2 = place(buyer2, limit(order_side::buy, 1000, 250'000, s));
    s2 = place(seller2, limit(order_side::sell, 1500, 240'000, s));
    b3 = place(buyer, limit(order_side::buy, 1000, 200'000, s));
    s3 = place(seller, limit(order_side::sell, 1000, 280'000, s));
  }
};

const segs::ledger_entry* entry(const segs::settlement& st, const std::optional<segs::uuid>& who, ledger_kind k) {
  for (const auto& e : st.entries)
    if (e.user_id == who && e.kind == k) return &e;
  return nullptr;
}

}  // namespace

TEST_CASE("market: an epoch slot collects crossing orders without matching them") {
  epoch_market f;
  CHECK(f.b1.status == order_status::open);
  CHECK(f.s1.trades.empty());
  auto book = f.market().book(f.buyer, f.s).value();
  REQUIRE(book.bids.size() == 3);
  CHECK(book.bids[0].price == price(300'000));  // best first, even though it crosses
  CHECK(book.asks[0].price == price(180'000));
  auto st = f.market().stats(f.buyer, f.s).value();
  CHECK(st.mechanism == segs::market_mechanism::epoch);
  CHECK(st.trade_count == 0);
  CHECK_FALSE(st.clearing_price);
}

TEST_CASE("market: clearing runs the uniform-price auction once, and again answers the first result") {
  epoch_market f;
  auto r = f.market().clear(f.op, "north", f.s);
  REQUIRE(r);
  CHECK(r->mechanism == segs::market_mechanism::epoch);
  CHECK(r->clearing_price == price(245'000));
  CHECK(r->cleared == wh(3000));
  REQUIRE(r->trades.size() == 3);
  for (const auto& t : r->trades) CHECK(t.price == price(245'000));

  CHECK(f.market().get_order(f.buyer, f.b1.id)->status == order_status::filled);
  CHECK(f.market().get_order(f.buyer2, f.b2.id)->status == order_status::filled);
  CHECK(f.market().get_order(f.seller, f.s1.id)->status == order_status::filled);
  CHECK(f.market().get_order(f.seller2, f.s2.id)->status == order_status::filled);
  CHECK(f.market().get_order(f.buyer, f.b3.id)->status == order_status::expired);
  CHECK(f.market().get_order(f.seller, f.s3.id)->status == order_status::expired);

  auto again = f.market().clear(f.admin, "north", f.s).value();
  CHECK(again.clearing_price == r->clearing_price);
  CHECK(again.cleared == r->cleared);
  REQUIRE(again.trades.size() == r->trades.size());
  CHECK(again.trades[0].id == r->trades[0].id);
  CHECK(again.closed_at == r->closed_at);

  auto st = f.market().stats(f.buyer, f.s).value();
  CHECK(st.clearing_price == price(245'000));
  CHECK(st.cleared == wh(3000));
  CHECK(st.volume == wh(3000));
  CHECK(st.vwap == price(245'000));
  // The gate is closed: orders are refused, the book is empty.
  auto late = f.market().submit(f.buyer, f.limit(order_side::buy, 100, 300'000, f.s));
  REQUIRE_FALSE(late);
  CHECK(late.error().field == "delivery_slot");
  CHECK(f.market().book(f.buyer, f.s)->bids.empty());
}

TEST_CASE("market: an auction with no crossing clears nothing and expires every order") {
  market_fixture f;
  segs::market_settings_update u;
  u.mechanism = segs::market_mechanism::epoch;
  REQUIRE(f.market().configure(f.admin, "north", u));
  const auto s = f.slot();
  auto b = f.place(f.buyer, f.limit(order_side::buy, 1000, 100'000, s));
  f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  auto r = f.market().clear(f.op, "north", s).value();
  CHECK_FALSE(r.clearing_price);
  CHECK(r.cleared == wh(0));
  CHECK(r.trades.empty());
  CHECK(f.market().get_order(f.buyer, b.id)->status == order_status::expired);
}

TEST_CASE("market: the clock closes epoch gates and runs their auctions") {
  epoch_market f;
  f.clock->set(f.s - 5min);
  auto closed = f.market().close_due_gates().value();
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].clearing_price == price(245'000));
}

TEST_CASE("market: settlement as traded, and settling again changes nothing") {
  epoch_market f;
  REQUIRE(f.market().clear(f.op, "north", f.s));
  // Delivery has not ended: without deliveries, refused.
  auto early = f.market().settle(f.op, "north", f.s);
  REQUIRE_FALSE(early);
  CHECK(early.error().code == errc::conflict);
  f.clock->set(f.s + 15min);
  auto st = f.market().settle(f.op, "north", f.s).value();
  CHECK(total(st) == 0);
  const auto* debit = entry(st, f.buyer.id, ledger_kind::trade_debit);
  REQUIRE(debit);
  CHECK(debit->amount == price(-490'000));  // 2 kWh x 0.245
  CHECK(debit->quantity == wh(2000));
  const auto* credit = entry(st, f.seller2.id, ledger_kind::trade_credit);
  REQUIRE(credit);
  CHECK(credit->amount == price(367'500));
  CHECK_FALSE(entry(st, f.seller2.id, ledger_kind::imbalance_charge));

  auto again = f.market().settle(f.admin, "north", f.s, std::vector<segs::delivery>{{f.seller2.id, wh(0)}}).value();
  CHECK(again.settled_at == st.settled_at);
  REQUIRE(again.entries.size() == st.entries.size());
  for (std::size_t i = 0; i < st.entries.size(); ++i) {
    CHECK(again.entries[i].user_id == st.entries[i].user_id);
    CHECK(again.entries[i].kind == st.entries[i].kind);
    CHECK(again.entries[i].amount == st.entries[i].amount);
  }
}

TEST_CASE("market: a seller's shortfall is charged at the imbalance price and refunded to its buyers") {
  epoch_market f;
  REQUIRE(f.market().clear(f.op, "north", f.s));
  // Fills pair buys (0.30, 0.25) with sells (0.18, 0.24) in priority order:
  // b1-s1 1500, b1-s2 500, b2-s2 1000. seller2 delivers 1000 of its 1500.
  auto st = f.market().settle(f.op, "north", f.s, std::vector<segs::delivery>{{f.seller2.id, wh(1000)}}).value();
  CHECK(total(st) == 0);
  const auto* charge = entry(st, f.seller2.id, ledger_kind::imbalance_charge);
  REQUIRE(charge);
  CHECK(charge->quantity == wh(500));
  CHECK(charge->amount == price(-122'500));  // 0.5 kWh at the highest trade price, 0.245
  // 500 Wh spread pro rata over 500 and 1000 Wh: 166.7 and 333.3, the
  // leftover Wh to the earlier trade.
  const auto* r1 = entry(st, f.buyer.id, ledger_kind::imbalance_refund);
  const auto* r2 = entry(st, f.buyer2.id, ledger_kind::imbalance_refund);
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(r1->quantity == wh(167));
  CHECK(r1->amount == price(40'915));
  CHECK(r2->quantity == wh(333));
  CHECK(r2->amount == price(81'585));
  const auto* op_charge = entry(st, std::nullopt, ledger_kind::imbalance_charge);
  const auto* op_refund = entry(st, std::nullopt, ledger_kind::imbalance_refund);
  REQUIRE(op_charge);
  REQUIRE(op_refund);
  CHECK(op_charge->amount == price(122'500));
  CHECK(op_refund->amount == price(-122'500));
  // The seller that delivered in full is not charged.
  CHECK_FALSE(entry(st, f.seller.id, ledger_kind::imbalance_charge));
}

TEST_CASE("market: without deliveries a slot settles against the sellers' meters") {
  epoch_market f;
  REQUIRE(f.market().clear(f.op, "north", f.s));
  // seller sold 1500 Wh, seller2 1500 Wh (see the shortfall case above).
  auto& tel = f.grid->telemetry();
  auto meter_of = [&](const std::string& serial, const segs::principal& owner) {
    segs::meter_spec m;
    m.meter_id = serial;
    m.region = "north";
    m.capacity_kw = segs::milli{10'000};
    m.user_id = owner.id;
    REQUIRE(tel.create_meter(f.admin, m));
  };
  meter_of("SM_SELLER_1", f.seller);
  meter_of("SM_SELLER_2A", f.seller2);
  meter_of("SM_SELLER_2B", f.seller2);
  auto reading = [](segs::timestamp t, std::int64_t consumed, std::int64_t produced) {
    segs::reading r;
    r.time = t;
    r.consumed = wh(consumed);
    r.produced = wh(produced);
    return r;
  };
  f.clock->set(f.s + 15min);
  const auto sys = segs::principal::system();
  std::vector<segs::meter_reading> rows{
      // seller2 exports 1200 - 300 + 400 - 300 = 1000 Wh over (s, s + 15 min] across two meters ...
      {"SM_SELLER_2A", reading(f.s + 5min, 300, 1200), {}},
      {"SM_SELLER_2B", reading(f.s + 15min, 300, 400), {}},
      // ... and a reading on the slot's start belongs to the slot before.
      {"SM_SELLER_2A", reading(f.s, 0, 5000), {}},
      // seller exports more than it sold: capped, no shortfall.
      {"SM_SELLER_1", reading(f.s + 10min, 0, 4000), {}},
  };
  auto rep = tel.ingest(sys, rows);
  REQUIRE(rep);
  REQUIRE(rep->accepted == 4);

  auto st = f.market().settle(f.op, "north", f.s).value();
  CHECK(total(st) == 0);
  const auto* charge = entry(st, f.seller2.id, ledger_kind::imbalance_charge);
  REQUIRE(charge);
  CHECK(charge->quantity == wh(500));        // sold 1500, delivered 1000
  CHECK(charge->amount == price(-122'500));  // at the highest trade price, 0.245
  CHECK_FALSE(entry(st, f.seller.id, ledger_kind::imbalance_charge));
}

TEST_CASE("market: a seller whose meters import over the slot delivered nothing, one without readings as traded") {
  epoch_market f;
  REQUIRE(f.market().clear(f.op, "north", f.s));
  auto& tel = f.grid->telemetry();
  segs::meter_spec m;
  m.meter_id = "SM_SELLER_2";
  m.region = "north";
  m.capacity_kw = segs::milli{10'000};
  m.user_id = f.seller2.id;
  REQUIRE(tel.create_meter(f.admin, m));
  f.clock->set(f.s + 15min);
  segs::reading r;
  r.time = f.s + 15min;
  r.consumed = wh(700);
  r.produced = wh(200);  // a net import: delivered 0, not -500
  REQUIRE(tel.submit(segs::principal::system(), "SM_SELLER_2", r));
  auto st = f.market().settle(f.op, "north", f.s).value();
  const auto* charge = entry(st, f.seller2.id, ledger_kind::imbalance_charge);
  REQUIRE(charge);
  CHECK(charge->quantity == wh(1500));
  // seller has no meter at all: settles as traded.
  CHECK_FALSE(entry(st, f.seller.id, ledger_kind::imbalance_charge));
  CHECK(total(st) == 0);
}

TEST_CASE("market: settlement is refused while the gate is open and validates deliveries") {
  market_fixture f;
  const auto s = f.slot();
  f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  auto open = f.market().settle(f.op, "north", s);
  REQUIRE_FALSE(open);
  CHECK(open.error().code == errc::conflict);
  auto neg = f.market().settle(f.op, "north", s, std::vector<segs::delivery>{{f.seller.id, wh(-1)}});
  REQUIRE_FALSE(neg);
  CHECK(neg.error().field == "deliveries[0].delivered");
  CHECK(f.market().settle(f.buyer, "north", s).error().code == errc::forbidden);
  CHECK(f.market().settle(f.op_south, "north", s).error().code == errc::forbidden);
}

TEST_CASE("market: fees are settled to the grid operator") {
  market_fixture f;
  segs::market_settings_update u;
  u.fee_per_kwh = price(10'000);
  REQUIRE(f.market().configure(f.admin, "north", u));
  const auto s = f.slot();
  f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  f.place(f.buyer, f.limit(order_side::buy, 1000, 200'000, s));
  f.clock->set(s + 15min);
  auto st = f.market().settle(f.op, "north", s).value();
  CHECK(total(st) == 0);
  const auto* buyer_fee = entry(st, f.buyer.id, ledger_kind::fee);
  const auto* op_fee = entry(st, std::nullopt, ledger_kind::fee);
  REQUIRE(buyer_fee);
  REQUIRE(op_fee);
  CHECK(buyer_fee->amount == price(-10'000));
  CHECK(op_fee->amount == price(20'000));
}

TEST_CASE("market: an epoch market applies self-trade prevention when an order crosses its owner's own") {
  using segs::self_trade_prevention;
  for (auto policy : {self_trade_prevention::cancel_newest, self_trade_prevention::cancel_oldest,
                      self_trade_prevention::cancel_both}) {
    CAPTURE(segs::to_string(policy));
    market_fixture f;
    segs::market_settings_update u;
    u.mechanism = segs::market_mechanism::epoch;
    u.stp = policy;
    REQUIRE(f.market().configure(f.admin, "north", u));
    const auto s = f.slot();
    // The prosumer sells 1000 @ 0.20 and 500 @ 0.22; a buy of its own at
    // 0.21 crosses the first only.
    auto sell_low = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
    auto sell_high = f.place(f.seller, f.limit(order_side::sell, 500, 220'000, s));
    auto own_buy = f.place(f.seller, f.limit(order_side::buy, 800, 210'000, s));
    // Other traders, so the auction has something to clear whatever the
    // prosumer's orders became.
    auto other = f.place(f.buyer, f.limit(order_side::buy, 600, 230'000, s));
    f.place(f.seller2, f.limit(order_side::sell, 600, 200'000, s));
    const auto low_now = f.market().get_order(f.seller, sell_low.id)->status;
    CHECK(f.market().get_order(f.seller, sell_high.id)->status == order_status::open);  // does not cross
    switch (policy) {
      case self_trade_prevention::cancel_newest:
        CHECK(own_buy.status == order_status::cancelled);
        CHECK(low_now == order_status::open);
        break;
      case self_trade_prevention::cancel_oldest:
        CHECK(own_buy.status == order_status::open);
        CHECK(low_now == order_status::cancelled);
        break;
      case self_trade_prevention::cancel_both:
        CHECK(own_buy.status == order_status::cancelled);
        CHECK(low_now == order_status::cancelled);
        break;
    }
    CHECK(own_buy.remaining == (own_buy.status == order_status::cancelled ? wh(0) : wh(800)));
    // A market order crosses every own order on the other side.
    auto own_market = f.market().submit(f.seller, [&] {
      auto o = f.limit(order_side::buy, 100, 0, s);
      o.type = segs::order_type::market;
      o.price.reset();
      return o;
    }());
    REQUIRE(own_market);
    if (policy != self_trade_prevention::cancel_oldest) CHECK(own_market->status == order_status::cancelled);
    // However the auction clears, nobody trades with itself.
    auto r = f.market().clear(f.op, "north", s).value();
    CHECK(r.cleared.wh > 0);
    // (A self-trade would list its id twice in the prosumer's history: once
    // as a buy, once as a sell.)
    std::set<std::string> ids;
    segs::trade_query all;
    all.per_page = 100;
    const auto mine = f.market().history(f.seller, all).value();
    if (policy != self_trade_prevention::cancel_both) CHECK(mine.total > 0);  // (both: nothing of its own is left)
    for (const auto& t : mine.items) CHECK(ids.insert(t.id.to_string()).second);
    CHECK(f.market().get_order(f.buyer, other.id)->filled.wh > 0);
  }
}

TEST_CASE("market: in an epoch market a new price that crosses the owner's own orders counts as a new order") {
  market_fixture f;
  segs::market_settings_update u;
  u.mechanism = segs::market_mechanism::epoch;  // stp: cancel_newest, the default
  REQUIRE(f.market().configure(f.admin, "north", u));
  const auto s = f.slot();
  auto sell = f.place(f.seller, f.limit(order_side::sell, 1000, 220'000, s));
  auto buy = f.place(f.seller, f.limit(order_side::buy, 500, 200'000, s));
  REQUIRE(buy.status == order_status::open);
  // More quantity at the same price does not cross anything.
  CHECK(f.market().modify(f.seller, buy.id, {wh(700), std::nullopt})->status == order_status::open);
  // Up to 0.22: it now crosses the sell, and is the newest.
  auto moved = f.market().modify(f.seller, buy.id, {std::nullopt, price(220'000)}).value();
  CHECK(moved.status == order_status::cancelled);
  CHECK(f.market().get_order(f.seller, sell.id)->status == order_status::open);
  auto book = f.market().book(f.seller, s).value();
  CHECK(book.bids.empty());
  REQUIRE(book.asks.size() == 1);
  CHECK(book.asks[0].quantity == wh(1000));
}
