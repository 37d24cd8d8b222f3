// Notifications from the market (issue 16, section 1): fills to both
// traders, an expiry, a settlement to each trader, in the transaction of
// the call that caused them.
#include "market_service/market_fixture.hpp"
#include "notifications/notifications_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace segs_test;
using segs::notification_kind;
using segs::order_side;

TEST_CASE("notifications: fills reach both traders, an expiry its trader, a settlement everyone in it") {
  market_fixture f;
  const auto s = f.slot();
  const auto sell = f.place(f.seller, f.limit(order_side::sell, 1500, 200'000, s));
  CHECK(notes_of(*f.grid, f.seller).empty());  // resting: nothing to tell

  const auto buy = f.place(f.buyer, f.limit(order_side::buy, 1000, 250'000, s));
  auto buyer_notes = notes_of(*f.grid, f.buyer);
  REQUIRE(buyer_notes.size() == 1);
  CHECK(buyer_notes[0].kind == notification_kind::order_filled);
  CHECK(buyer_notes[0].title == "Order filled: buy 1 kWh");
  CHECK(has(buyer_notes[0].data, "\"order_id\":\"" + buy.id.to_string() + "\""));
  CHECK(has(buyer_notes[0].data, "\"status\":\"filled\""));
  CHECK_FALSE(buyer_notes[0].emailed);  // trading is in the app only by default
  auto seller_notes = notes_of(*f.grid, f.seller);
  REQUIRE(seller_notes.size() == 1);
  CHECK(seller_notes[0].kind == notification_kind::order_filled);
  CHECK(seller_notes[0].title == "Order partly filled: sell 1 kWh");
  CHECK(has(seller_notes[0].data, "\"remaining_kwh\":0.5"));
  CHECK(has(seller_notes[0].data, "\"order_id\":\"" + sell.id.to_string() + "\""));

  // An order change that fills nothing tells nobody.
  segs::order_change ch;
  ch.price = segs::money{210'000};
  REQUIRE(f.market().modify(f.seller, sell.id, ch).has_value());
  CHECK(notes_of(*f.grid, f.seller).size() == 1);
  CHECK(notes_of(*f.grid, f.buyer2).empty());

  // The gate closes: the rest of the sell order expires.
  f.clock->set(s);
  REQUIRE(f.grid->run_due_work().has_value());
  f.relogin();
  seller_notes = notes_of(*f.grid, f.seller);
  REQUIRE(seller_notes.size() == 2);
  CHECK(seller_notes[0].kind == notification_kind::order_expired);
  CHECK(has(seller_notes[0].body, "expired with 1 of 1.5 kWh filled"));

  // Settled after delivery: both traders hear their sums.
  f.clock->set(s + std::chrono::minutes{15});
  f.relogin();
  auto st = f.market().settle(f.op, "north", s);
  REQUIRE_MESSAGE(st.has_value(), (st ? "" : st.error().message));
  buyer_notes = notes_of(*f.grid, f.buyer);
  REQUIRE(buyer_notes.size() == 2);
  CHECK(buyer_notes[0].kind == notification_kind::slot_settled);
  CHECK(has(buyer_notes[0].data, "\"bought_kwh\":1"));
  seller_notes = notes_of(*f.grid, f.seller);
  REQUIRE(seller_notes.size() == 3);
  CHECK(seller_notes[0].kind == notification_kind::slot_settled);
  CHECK(has(seller_notes[0].data, "\"sold_kwh\":1"));
  // Settling again answers the first settlement and tells nobody twice.
  REQUIRE(f.market().settle(f.op, "north", s).has_value());
  CHECK(notes_of(*f.grid, f.buyer).size() == 2);
}

TEST_CASE("notifications: a trader who switched trading off is not told") {
  market_fixture f;
  auto p = f.grid->identity().preferences(f.buyer).value();
  p.trading = false;
  REQUIRE(f.grid->identity().set_preferences(f.buyer, p).has_value());
  const auto s = f.slot();
  f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  f.place(f.buyer, f.limit(order_side::buy, 1000, 250'000, s));
  CHECK(notes_of(*f.grid, f.buyer).empty());
  CHECK(notes_of(*f.grid, f.seller).size() == 1);
}
