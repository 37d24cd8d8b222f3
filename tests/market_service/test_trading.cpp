// The market service on every backend: orders, matching, validation,
// permissions, amendments, market data and events.
#include "market_service/market_fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <type_traits>

// Only the grid builds its market: hosts cannot make a second one over the
// same books.
static_assert(!std::is_constructible_v<segs::market_service, segs::detail::grid_core&>);
static_assert(!std::is_copy_constructible_v<segs::market_service>);

using namespace segs_test;
using segs::errc;
using segs::order_side;
using segs::order_status;

TEST_CASE("market: a sell and a crossing buy trade at the resting price, and every view agrees") {
  market_fixture f;
  const auto s = f.slot();
  auto sell = f.place(f.seller, f.limit(order_side::sell, 2000, 200'000, s));
  CHECK(sell.status == order_status::open);
  CHECK(sell.remaining == wh(2000));
  CHECK(sell.region == "north");
  CHECK(sell.trades.empty());

  auto buy = f.place(f.buyer, f.limit(order_side::buy, 1500, 250'000, s));
  CHECK(buy.status == order_status::filled);
  CHECK(buy.filled == wh(1500));
  CHECK(buy.remaining == wh(0));
  REQUIRE(buy.trades.size() == 1);
  CHECK(buy.trades[0].price == price(200'000));  // the resting order's price
  CHECK(buy.trades[0].quantity == wh(1500));

  auto seller_view = f.market().get_order(f.seller, sell.id).value();
  CHECK(seller_view.status == order_status::partially_filled);
  CHECK(seller_view.filled == wh(1500));
  CHECK(seller_view.remaining == wh(500));
  CHECK(seller_view.quantity == wh(2000));

  auto book = f.market().book(f.buyer, s).value();
  CHECK(book.bids.empty());
  REQUIRE(book.asks.size() == 1);
  CHECK(book.asks[0].price == price(200'000));
  CHECK(book.asks[0].quantity == wh(500));
  CHECK(book.asks[0].orders == 1);
  CHECK(book.sequence == 2);

  auto st = f.market().stats(f.buyer, s).value();
  CHECK(st.mechanism == segs::market_mechanism::continuous);
  CHECK(st.best_ask == price(200'000));
  CHECK_FALSE(st.best_bid);
  CHECK(st.last_price == price(200'000));
  CHECK(st.volume == wh(1500));
  CHECK(st.vwap == price(200'000));
  CHECK(st.trade_count == 1);
  CHECK_FALSE(st.clearing_price);

  auto bh = f.market().history(f.buyer, {}).value();
  REQUIRE(bh.items.size() == 1);
  CHECK(bh.items[0].side == order_side::buy);
  CHECK(bh.items[0].order_id == buy.id);
  CHECK(bh.items[0].id == buy.trades[0].id);
  auto sh = f.market().history(f.seller, {}).value();
  REQUIRE(sh.items.size() == 1);
  CHECK(sh.items[0].side == order_side::sell);
  CHECK(sh.items[0].order_id == sell.id);
  CHECK(f.market().history(f.buyer2, {}).value().items.empty());

  // The public tape shows order ids only to their owners.
  auto tape = f.market().matches(f.buyer2, s).value();
  REQUIRE(tape.size() == 1);
  CHECK_FALSE(tape[0].buy_order_id);
  CHECK_FALSE(tape[0].sell_order_id);
  auto mine = f.market().matches(f.buyer, s).value();
  CHECK(mine[0].buy_order_id == buy.id);
  CHECK_FALSE(mine[0].sell_order_id);

  auto listed = f.market().orders(f.seller, {}).value();
  CHECK(listed.total == 1);
  segs::order_query filled_only;
  filled_only.status = order_status::filled;
  CHECK(f.market().orders(f.buyer, filled_only).value().total == 1);
  CHECK(f.market().orders(f.seller, filled_only).value().total == 0);
}

TEST_CASE("market: price-time priority, partial fills and the sweep across levels") {
  market_fixture f;
  const auto s = f.slot();
  auto a = f.place(f.seller, f.limit(order_side::sell, 1000, 210'000, s));
  auto b = f.place(f.seller2, f.limit(order_side::sell, 1000, 200'000, s));
  auto c = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));  // behind b at 0.20
  auto buy = f.place(f.buyer, f.limit(order_side::buy, 2500, 210'000, s));
  REQUIRE(buy.trades.size() == 3);
  CHECK(buy.trades[0].price == price(200'000));
  CHECK(buy.trades[1].price == price(200'000));
  CHECK(buy.trades[2].price == price(210'000));
  CHECK(buy.trades[2].quantity == wh(500));
  CHECK(f.market().get_order(f.seller2, b.id)->status == order_status::filled);
  CHECK(f.market().get_order(f.seller, c.id)->status == order_status::filled);
  CHECK(f.market().get_order(f.seller, a.id)->remaining == wh(500));
  // filled + remaining = original, for every order.
  for (const auto& id : {a.id, c.id}) {
    auto o = f.market().get_order(f.seller, id).value();
    CHECK(o.filled.wh + o.remaining.wh == o.quantity.wh);
  }
}

TEST_CASE("market: bad input is refused naming the field, and nothing is written") {
  market_fixture f;
  const auto s = f.slot();
  auto expect = [&](const segs::order_spec& o, errc code, const std::string& field) {
    auto r = f.market().submit(f.seller, o);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == code);
    CHECK(r.error().field == field);
  };
  expect(f.limit(order_side::sell, 0, 200'000, s), errc::validation_error, "quantity");
  expect(f.limit(order_side::sell, -5, 200'000, s), errc::validation_error, "quantity");
  expect(f.limit(order_side::sell, 1000, 200'050, s), errc::validation_error, "price");  // off tick
  expect(f.limit(order_side::sell, 1000, 0, s), errc::validation_error, "price");
  expect(f.limit(order_side::sell, 1000, -100, s), errc::validation_error, "price");
  auto no_price = f.limit(order_side::sell, 1000, 100, s);
  no_price.price.reset();
  expect(no_price, errc::validation_error, "price");
  auto market_with_price = f.limit(order_side::sell, 1000, 100, s);
  market_with_price.type = segs::order_type::market;
  expect(market_with_price, errc::validation_error, "price");
  expect(f.limit(order_side::sell, 1000, 200'000, s + 1min), errc::validation_error, "delivery_slot");
  // Past gate closure: a slot that has started.
  const auto past = f.slot(-2);
  expect(f.limit(order_side::sell, 1000, 200'000, past), errc::validation_error, "delivery_slot");
  // Not open yet: 49 hours ahead.
  expect(f.limit(order_side::sell, 1000, 200'000, s + 49h), errc::validation_error, "delivery_slot");
  // Nothing of any of them was written.
  CHECK(f.market().orders(f.seller, {})->total == 0);
  CHECK(f.market().book(f.seller, s)->sequence == 0);
}

TEST_CASE("market: permissions are checked inside the library") {
  market_fixture f;
  const auto s = f.slot();
  auto consumer_sells = f.market().submit(f.buyer, f.limit(order_side::sell, 1000, 200'000, s));
  REQUIRE_FALSE(consumer_sells);
  CHECK(consumer_sells.error().code == errc::forbidden);
  auto foreign = f.limit(order_side::buy, 1000, 200'000, s);
  foreign.region = "south";
  auto r = f.market().submit(f.buyer, foreign);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::forbidden);
  CHECK(r.error().field == "region");
  auto anon = f.market().submit(segs::principal::anonymous(), f.limit(order_side::buy, 1000, 200'000, s));
  REQUIRE_FALSE(anon);
  CHECK(anon.error().code == errc::unauthorized);

  auto o = f.place(f.buyer, f.limit(order_side::buy, 1000, 200'000, s));
  // Someone else's order does not exist for them; the region's operator and
  // admins see it; an operator of another region does not.
  CHECK(f.market().get_order(f.buyer2, o.id).error().code == errc::not_found);
  CHECK(f.market().cancel(f.buyer2, o.id).error().code == errc::not_found);
  CHECK(f.market().modify(f.buyer2, o.id, {wh(10), std::nullopt}).error().code == errc::not_found);
  CHECK(f.market().get_order(f.op_south, o.id).error().code == errc::not_found);
  CHECK(f.market().get_order(f.op, o.id).has_value());
  CHECK(f.market().get_order(f.admin, o.id).has_value());
  // Operators close gates of their own region only; only admins configure.
  CHECK(f.market().clear(f.op_south, "north", s).error().code == errc::forbidden);
  CHECK(f.market().clear(f.buyer, "north", s).error().code == errc::forbidden);
  CHECK(f.market().configure(f.op, "north", {}).error().code == errc::forbidden);
  auto cancelled = f.market().cancel(f.op, o.id);
  REQUIRE(cancelled);
  CHECK(cancelled->status == order_status::cancelled);
}

TEST_CASE("market: orders that can neither fill nor rest are accepted as cancelled") {
  market_fixture f;
  const auto s = f.slot();
  auto mkt = f.limit(order_side::buy, 1000, 0, s);
  mkt.type = segs::order_type::market;
  mkt.price.reset();
  auto empty_side = f.place(f.buyer, mkt);
  CHECK(empty_side.status == order_status::cancelled);
  CHECK(empty_side.trades.empty());

  f.place(f.seller, f.limit(order_side::sell, 500, 200'000, s));
  auto fok = f.limit(order_side::buy, 1000, 200'000, s);
  fok.tif = segs::time_in_force::fok;
  auto killed = f.place(f.buyer, fok);
  CHECK(killed.status == order_status::cancelled);
  CHECK(killed.filled == wh(0));
  CHECK(f.market().book(f.buyer, s)->asks.at(0).quantity == wh(500));

  auto ioc = f.limit(order_side::buy, 1000, 200'000, s);
  ioc.tif = segs::time_in_force::ioc;
  auto part = f.place(f.buyer, ioc);
  CHECK(part.status == order_status::cancelled);
  CHECK(part.filled == wh(500));
  CHECK(part.remaining == wh(0));
  CHECK(f.market().book(f.buyer, s)->asks.empty());
}

TEST_CASE("market: post_only that would cross is refused with CONFLICT and nothing rests") {
  market_fixture f;
  const auto s = f.slot();
  f.place(f.seller, f.limit(order_side::sell, 500, 200'000, s));
  auto po = f.limit(order_side::buy, 500, 200'000, s);
  po.post_only = true;
  auto r = f.market().submit(f.buyer, po);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::conflict);
  CHECK(f.market().book(f.buyer, s)->bids.empty());
  CHECK(f.market().orders(f.buyer, {})->total == 0);
  // A post_only that does not cross rests. On an untouched slot a refusal
  // leaves no trace either.
  po.price = price(190'000);
  CHECK(f.place(f.buyer, po).status == order_status::open);
}

TEST_CASE("market: cancel and modify, and finished orders answer CONFLICT") {
  market_fixture f;
  const auto s = f.slot();
  auto first = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  auto second = f.place(f.seller2, f.limit(order_side::sell, 1000, 200'000, s));
  // Reducing keeps priority: `first` still trades first.
  auto reduced = f.market().modify(f.seller, first.id, {wh(600), std::nullopt});
  REQUIRE(reduced);
  CHECK(reduced->remaining == wh(600));
  CHECK(reduced->quantity == wh(600));
  auto b1 = f.place(f.buyer, f.limit(order_side::buy, 100, 200'000, s));
  CHECK(f.market().get_order(f.seller, first.id)->remaining == wh(500));
  // Raising loses it: `second` is now first in line.
  REQUIRE(f.market().modify(f.seller, first.id, {wh(900), std::nullopt}));
  f.place(f.buyer, f.limit(order_side::buy, 100, 200'000, s));
  CHECK(f.market().get_order(f.seller2, second.id)->remaining == wh(900));
  CHECK(f.market().get_order(f.seller, first.id)->remaining == wh(900));
  // A price change that crosses trades at once, as a new order would.
  auto bid = f.place(f.buyer2, f.limit(order_side::buy, 300, 190'000, s));
  auto crossed = f.market().modify(f.buyer2, bid.id, {std::nullopt, price(200'000)});
  REQUIRE(crossed);
  CHECK(crossed->status == order_status::filled);
  CHECK(crossed->trades.size() == 1);
  (void)b1;

  auto cancelled = f.market().cancel(f.seller, first.id).value();
  CHECK(cancelled.status == order_status::cancelled);
  CHECK(cancelled.remaining == wh(0));
  auto again = f.market().cancel(f.seller, first.id);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == errc::conflict);
  auto filled_cancel = f.market().cancel(f.buyer2, bid.id);
  REQUIRE_FALSE(filled_cancel);
  CHECK(filled_cancel.error().code == errc::conflict);
  CHECK(f.market().get_order(f.buyer2, bid.id)->status == order_status::filled);
  auto filled_modify = f.market().modify(f.buyer2, bid.id, {wh(10), std::nullopt});
  REQUIRE_FALSE(filled_modify);
  CHECK(filled_modify.error().code == errc::conflict);
  CHECK(f.market().modify(f.seller2, second.id, {wh(0), std::nullopt}).error().field == "quantity");
  CHECK(f.market().modify(f.seller2, second.id, {std::nullopt, price(200'001)}).error().field == "price");
}

TEST_CASE("market: self-trade prevention follows the market's policy") {
  for (auto policy : {segs::self_trade_prevention::cancel_newest, segs::self_trade_prevention::cancel_oldest,
                      segs::self_trade_prevention::cancel_both}) {
    CAPTURE(segs::to_string(policy));
    market_fixture f;
    segs::market_settings_update u;
    u.stp = policy;
    REQUIRE(f.market().configure(f.admin, "north", u));
    const auto s = f.slot();
    auto rest = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
    auto incoming = f.place(f.seller, f.limit(order_side::buy, 1000, 200'000, s));  // prosumers buy too
    CHECK(incoming.trades.empty());
    const auto resting_now = f.market().get_order(f.seller, rest.id)->status;
    switch (policy) {
      case segs::self_trade_prevention::cancel_newest:
        CHECK(incoming.status == order_status::cancelled);
        CHECK(resting_now == order_status::open);
        break;
      case segs::self_trade_prevention::cancel_oldest:
        CHECK(incoming.status == order_status::open);
        CHECK(resting_now == order_status::cancelled);
        break;
      case segs::self_trade_prevention::cancel_both:
        CHECK(incoming.status == order_status::cancelled);
        CHECK(resting_now == order_status::cancelled);
        break;
    }
  }
}

TEST_CASE("market: fees per kWh and percent are charged to each side and recorded") {
  market_fixture f;
  segs::market_settings_update u;
  u.fee_per_kwh = price(10'000);  // 0.01 per kWh
  u.fee_ppm = 5'000;              // 0.5 %
  REQUIRE(f.market().configure(f.admin, "north", u));
  const auto s = f.slot();
  f.place(f.seller, f.limit(order_side::sell, 2000, 200'000, s));
  f.place(f.buyer, f.limit(order_side::buy, 2000, 200'000, s));
  // 2 kWh x 0.01 + 0.5 % of 0.40 = 0.02 + 0.002
  auto h = f.market().history(f.buyer, {}).value();
  REQUIRE(h.items.size() == 1);
  CHECK(h.items[0].fee == price(22'000));
  CHECK(f.market().history(f.seller, {})->items.at(0).fee == price(22'000));
}

TEST_CASE("market: settings changes apply to slots that hold no orders yet") {
  market_fixture f;
  const auto s = f.slot();
  f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  segs::market_settings_update u;
  u.tick = price(10'000);
  auto info = f.market().configure(f.admin, "north", u);
  REQUIRE(info);
  CHECK(info->configured);
  CHECK(info->settings.tick == price(10'000));
  // The old slot keeps its tick; a new slot uses the new one.
  CHECK(f.market().submit(f.buyer, f.limit(order_side::buy, 100, 190'100, s)).has_value());
  auto r = f.market().submit(f.buyer, f.limit(order_side::buy, 100, 190'100, f.slot(1)));
  REQUIRE_FALSE(r);
  CHECK(r.error().field == "price");
  segs::market_settings_update bad;
  bad.slot_length = std::chrono::minutes(7);
  CHECK(f.market().configure(f.admin, "north", bad).error().field == "slot_length");
  // C++ callers read the C++ members, in their units.
  segs::market_settings_update fee;
  fee.fee_ppm = 1'000'001;
  const auto fee_err = f.market().configure(f.admin, "north", fee).error();
  CHECK(fee_err.field == "fee_ppm");
  CHECK(fee_err.message == "fee_ppm must be between 0 and 1000000");
  auto all = f.market().markets(f.buyer).value();
  REQUIRE(all.size() == 2);  // north (configured) and south (users' region)
  CHECK(all[0].region == "north");
  CHECK(all[0].configured);
  CHECK(all[1].region == "south");
  CHECK_FALSE(all[1].configured);
  CHECK(all[1].settings == segs::market_settings{});
}

TEST_CASE("market: events follow every committed change") {
  market_fixture f;
  std::vector<segs::market_event> seen;
  auto sub = f.market().subscribe([&](const segs::market_event& e) { seen.push_back(e); });
  const auto s = f.slot();
  f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  f.place(f.buyer, f.limit(order_side::buy, 400, 200'000, s));
  int orders = 0, trades = 0, books = 0;
  for (const auto& e : seen) {
    orders += e.type == segs::market_event::kind::order;
    trades += e.type == segs::market_event::kind::trade;
    books += e.type == segs::market_event::kind::book;
  }
  CHECK(orders == 3);  // the sell; then the buy and the sell it filled
  CHECK(trades == 1);
  CHECK(books == 2);
  CHECK(seen.back().sequence == 2);
  sub.reset();
  f.place(f.buyer, f.limit(order_side::buy, 100, 200'000, s));
  CHECK(seen.size() == static_cast<std::size_t>(orders + trades + books));
}

TEST_CASE("market: a gate closes by the clock and resting orders expire") {
  market_fixture f;
  const auto s = f.slot();
  auto o = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  f.clock->set(s - 5min);
  auto closed = f.market().close_due_gates().value();
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].delivery_slot == s);
  auto after = f.market().get_order(f.seller, o.id).value();
  CHECK(after.status == order_status::expired);
  CHECK(after.remaining == wh(0));
  CHECK(f.market().cancel(f.seller, o.id).error().code == errc::conflict);
  CHECK(f.market().book(f.seller, s)->asks.empty());
  CHECK(f.market().close_due_gates()->empty());
}

TEST_CASE("market: bulk submission places every order in one call and reports refusals one by one") {
  market_fixture f;
  const auto s = f.slot();
  std::vector<segs::order_spec> specs;
  for (int i = 0; i < 50; ++i) specs.push_back(f.limit(order_side::sell, 100, 200'000 + 100 * (i % 5), s));
  specs.push_back(f.limit(order_side::sell, 0, 200'000, s));  // refused
  auto r = f.market().submit_many(f.seller, specs);
  REQUIRE(r);
  REQUIRE(r->size() == 51);
  for (int i = 0; i < 50; ++i) CHECK((*r)[static_cast<std::size_t>(i)].has_value());
  CHECK((*r)[50].error().field == "quantity");
  auto book = f.market().book(f.buyer, s).value();
  REQUIRE(book.asks.size() == 5);
  CHECK(book.asks[0].orders == 10);
  CHECK(book.asks[0].quantity == wh(1000));
  // A bulk buy that crosses within the call.
  std::vector<segs::order_spec> buys{f.limit(order_side::buy, 1500, 200'100, s)};
  auto b = f.market().submit_many(f.buyer, buys).value();
  REQUIRE(b[0]);
  CHECK(b[0]->status == order_status::filled);
  CHECK(b[0]->trades.size() == 15);
}

TEST_CASE("market: modify and cancel racing fills from another thread stay consistent") {
  market_fixture f;
  const auto s = f.slot();
  std::vector<segs::uuid> asks;
  for (int i = 0; i < 40; ++i) asks.push_back(f.place(f.seller, f.limit(order_side::sell, 100, 200'000, s)).id);
  std::atomic<int> conflicts{0}, other_errors{0};
  std::thread buyer([&] {
    for (int i = 0; i < 40; ++i) {
      auto r = f.market().submit(f.buyer, f.limit(order_side::buy, 100, 200'000, s));
      if (!r) ++other_errors;
    }
  });
  for (std::size_t i = 0; i < asks.size(); ++i) {
    // Each call sees the order before or after a fill, never half of one.
    auto r = i % 2 ? f.market().cancel(f.seller, asks[i])
                   : f.market().modify(f.seller, asks[i], {wh(50), std::nullopt});
    if (!r) {
      if (r.error().code == errc::conflict)
        ++conflicts;
      else
        ++other_errors;
    }
  }
  buyer.join();
  CHECK(other_errors == 0);
  std::int64_t sold = 0;
  for (const auto& id : asks) {
    auto o = f.market().get_order(f.seller, id).value();
    CHECK(o.filled.wh + o.remaining.wh <= o.quantity.wh);
    if (o.status == order_status::filled) CHECK(o.remaining.wh == 0);
    if (o.status == order_status::open || o.status == order_status::partially_filled) CHECK(o.remaining.wh > 0);
    sold += o.filled.wh;
  }
  std::int64_t bought = 0;
  segs::trade_query q;
  q.per_page = 100;
  auto trades = f.market().history(f.buyer, q).value();
  REQUIRE(trades.total <= 100);
  for (const auto& t : trades.items) bought += t.quantity.wh;
  CHECK(sold == bought);
  (void)conflicts;
}

TEST_CASE("market: market data of a region without a market is empty, and misaligned slots are refused") {
  market_fixture f;
  const auto s = f.slot();
  auto book = f.market().book(f.buyer, s, std::string("nowhere")).value();
  CHECK(book.region == "nowhere");
  CHECK(book.bids.empty());
  CHECK(book.sequence == 0);
  auto st = f.market().stats(f.buyer, s, std::string("nowhere")).value();
  CHECK(st.trade_count == 0);
  CHECK_FALSE(st.last_price);
  CHECK(f.market().matches(f.buyer, s, std::string("nowhere"))->empty());
  CHECK(f.market().book(f.buyer, s + 1min, std::string("nowhere")).error().field == "delivery_slot");
  CHECK(f.market().book(f.buyer, s, std::nullopt, 0).error().field == "depth");
  // Asking did not create a market: the list shows the users' regions only.
  for (const auto& m : f.market().markets(f.admin).value()) CHECK(m.region != "nowhere");
}

TEST_CASE("market: a refused call still writes the gate closures it ran into") {
  market_fixture f;
  const auto s1 = f.slot(), s2 = f.slot(4);
  auto a = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s1));
  auto b = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s2));
  f.clock->set(s1 - 5min);  // s1's gate has passed, s2's has not
  // Refused (off the tick) after the call closed s1's gate on its way.
  CHECK(f.market().modify(f.seller, b.id, {std::nullopt, price(200'050)}).error().field == "price");
  CHECK(f.market().submit(f.seller, f.limit(order_side::sell, 0, 200'000, s2)).error().field == "quantity");
  CHECK(f.market().get_order(f.seller, a.id)->status == order_status::expired);
  CHECK(f.market().get_order(f.seller, b.id)->status == order_status::open);
  if (current_backend() != "sqlite-memory") {  // and storage agrees after a reopen
    f.grid.reset();
    f.grid = f.open();
    CHECK(f.market().get_order(f.seller, a.id)->status == order_status::expired);
    CHECK(f.market().book(f.seller, s2)->asks.at(0).quantity == wh(1000));
  }
}

TEST_CASE("market: grid::open validates market_options, naming the member") {
  fresh_database db;
  segs::options o;
  o.market.projection_batch = 0;
  auto none = segs::grid::open(db.url(), o);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == errc::validation_error);
  CHECK(none.error().field == "projection_batch");
  o.market.projection_batch = 1;
  o.market.defaults.slot_length = std::chrono::minutes{7};
  auto odd = segs::grid::open(db.url(), o);
  REQUIRE_FALSE(odd);
  CHECK(odd.error().code == errc::validation_error);
  CHECK(odd.error().field == "slot_length");
}

TEST_CASE("market: market data follows each new trade and equals a fold of the slot's tape") {
  // stats keeps running figures per slot and reads only trades it has not
  // folded yet: after every trade they must still equal the whole tape's.
  __extension__ using wide = __int128;
  market_fixture f;
  const auto s = f.slot();
  const std::int64_t prices[] = {210'000, 190'000, 250'000, 205'000, 199'900, 230'100};
  for (std::size_t i = 0; i < std::size(prices); ++i) {
    f.place(f.seller, f.limit(order_side::sell, 100 + static_cast<std::int64_t>(i) * 37, prices[i], s));
    f.place(f.buyer, f.limit(order_side::buy, 100 + static_cast<std::int64_t>(i) * 37, prices[i], s));
    const auto st = f.market().stats(f.buyer, s).value();
    const auto tape = f.market().matches(f.buyer, s).value();
    REQUIRE(tape.size() == i + 1);
    std::int64_t volume = 0, low = tape[0].price.micros, high = tape[0].price.micros;
    wide notional = 0;
    for (const auto& t : tape) {
      volume += t.quantity.wh;
      low = std::min(low, t.price.micros);
      high = std::max(high, t.price.micros);
      notional += static_cast<wide>(t.price.micros) * t.quantity.wh;
    }
    CHECK(st.trade_count == static_cast<std::int64_t>(tape.size()));
    CHECK(st.volume == wh(volume));
    CHECK(st.open == tape.front().price);
    CHECK(st.close == tape.back().price);
    CHECK(st.last_price == tape.back().price);
    CHECK(st.low == price(low));
    CHECK(st.high == price(high));
    // VWAP within half a micro-unit of the exact ratio.
    const auto vwap = st.vwap.value().micros;
    CHECK(static_cast<wide>(vwap) * volume * 2 - notional * 2 <= volume);
    CHECK(notional * 2 - static_cast<wide>(vwap) * volume * 2 <= volume);
  }
  // Unchanged trades: the same answer again.
  const auto a = f.market().stats(f.buyer, s).value();
  const auto b = f.market().stats(f.buyer, s).value();
  CHECK(a.trade_count == b.trade_count);
  CHECK(a.vwap == b.vwap);
}
