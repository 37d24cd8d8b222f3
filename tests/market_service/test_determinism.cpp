// The market service trades exactly as the bare engine does, on every
// backend: the same calls give the same trades in the same order.
#include "market/engine.hpp"
#include "market_service/market_fixture.hpp"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <tuple>

using namespace segs_test;
using segs::order_side;
namespace eng = segs::market;

TEST_CASE("market: a random session through the service equals the bare engine, trade for trade") {
  market_fixture f;
  const auto s = f.slot();
  const segs::principal* traders[] = {&f.seller, &f.seller2, &f.buyer, &f.buyer2};

  eng::book book(eng::stp_policy::cancel_newest);
  struct expected_sink : eng::event_sink {
    std::vector<std::tuple<std::int64_t, std::int64_t, std::uint64_t, std::uint64_t>> trades;  // price, qty, buy, sell
    void on_fill(const eng::fill& x) override {
      const bool taker_buys = x.taker_side == eng::side::buy;
      trades.emplace_back(x.price, x.quantity, taker_buys ? x.taker : x.maker, taker_buys ? x.maker : x.taker);
    }
  } expected;

  std::mt19937_64 rng(20261123);
  std::vector<segs::uuid> ids;           // engine id - 1 -> service order id
  std::vector<std::size_t> owner_of;     // engine id - 1 -> trader index
  std::map<segs::uuid, std::uint64_t> index;
  for (int step = 0; step < 600; ++step) {
    CAPTURE(step);
    const auto roll = rng() % 100;
    if (roll < 15 && !ids.empty()) {  // cancel a random order
      const auto k = rng() % ids.size();
      const bool in_book = book.cancel(k + 1, expected);
      auto r = f.market().cancel(*traders[owner_of[k]], ids[k]);
      CHECK(r.has_value() == in_book);
      continue;
    }
    if (roll < 25 && !ids.empty()) {  // modify quantity and/or price
      const auto k = rng() % ids.size();
      std::optional<std::int64_t> q, p;
      if (rng() % 2) q = 100 + static_cast<std::int64_t>(rng() % 900);
      if (!q || rng() % 2) p = 195'000 + static_cast<std::int64_t>(rng() % 100) * 100;
      const auto in_book = book.modify(k + 1, q, p, expected);
      segs::order_change ch;
      if (q) ch.quantity = segs::energy{*q};
      if (p) ch.price = segs::money{*p};
      auto r = f.market().modify(*traders[owner_of[k]], ids[k], ch);
      // A market order never rests; a modify of a resting market order is
      // impossible. Post-only is not used here.
      CHECK(r.has_value() == in_book.has_value());
      continue;
    }
    const std::size_t who = rng() % 4;
    const auto side = who < 2 ? order_side::sell : order_side::buy;
    auto spec = f.limit(side, 100 + static_cast<std::int64_t>(rng() % 900),
                        195'000 + static_cast<std::int64_t>(rng() % 100) * 100, s);
    const auto kind = rng() % 10;
    if (kind == 0) {
      spec.type = segs::order_type::market;
      spec.price.reset();
    } else if (kind == 1) {
      spec.tif = segs::time_in_force::ioc;
    } else if (kind == 2) {
      spec.tif = segs::time_in_force::fok;
    }
    eng::order_request req;
    req.id = ids.size() + 1;
    req.owner = who + 1;
    req.side = side == order_side::buy ? eng::side::buy : eng::side::sell;
    req.type = spec.type == segs::order_type::market ? eng::order_type::market : eng::order_type::limit;
    req.tif = kind == 1 ? eng::time_in_force::ioc : kind == 2 ? eng::time_in_force::fok : eng::time_in_force::gtc;
    req.price = spec.price ? spec.price->micros : 0;
    req.quantity = spec.quantity.wh;
    const auto want = book.submit(req, expected);
    auto got = f.place(*traders[who], spec);
    CHECK(got.filled.wh == want.filled);
    ids.push_back(got.id);
    owner_of.push_back(who);
    index.emplace(got.id, req.id);
  }

  // The tape shows each party its own order ids only: merge the views.
  auto tape = f.market().matches(f.admin, s).value();
  for (const auto* who : traders) {
    const auto view = f.market().matches(*who, s).value();
    REQUIRE(view.size() == tape.size());
    for (std::size_t i = 0; i < view.size(); ++i) {
      if (view[i].buy_order_id) tape[i].buy_order_id = view[i].buy_order_id;
      if (view[i].sell_order_id) tape[i].sell_order_id = view[i].sell_order_id;
    }
  }
  REQUIRE(tape.size() == expected.trades.size());
  for (std::size_t i = 0; i < tape.size(); ++i) {
    CAPTURE(i);
    const auto& [price, qty, buy, sell] = expected.trades[i];
    CHECK(tape[i].price.micros == price);
    CHECK(tape[i].quantity.wh == qty);
    REQUIRE(tape[i].buy_order_id);
    REQUIRE(tape[i].sell_order_id);
    CHECK(index.at(*tape[i].buy_order_id) == buy);
    CHECK(index.at(*tape[i].sell_order_id) == sell);
  }
  // And the books agree level by level.
  const auto depth = f.market().book(f.admin, s, std::nullopt, 1000).value();
  const auto bids = book.bids(1000), asks = book.asks(1000);
  REQUIRE(depth.bids.size() == bids.size());
  REQUIRE(depth.asks.size() == asks.size());
  for (std::size_t i = 0; i < bids.size(); ++i) {
    CHECK(depth.bids[i].price.micros == bids[i].price);
    CHECK(depth.bids[i].quantity.wh == bids[i].quantity);
  }
  for (std::size_t i = 0; i < asks.size(); ++i) {
    CHECK(depth.asks[i].price.micros == asks[i].price);
    CHECK(depth.asks[i].quantity.wh == asks[i].quantity);
  }
  CHECK(tape.size() > 50);  // the session did trade
}
