// Money arithmetic of the market and the ledger of a slot (pure functions).
#include "market/settlement.hpp"

#include <doctest/doctest.h>

#include <numeric>

using segs::energy;
using segs::money;
using segs::detail::settle_slot;
using segs::detail::trade_amount;
using segs::detail::trade_fee;

namespace {

segs::uuid id(std::uint8_t n) {
  segs::uuid u;
  u.bytes[15] = n;
  return u;
}

segs::detail::trade_record trade(std::uint8_t buyer, std::uint8_t seller, std::int64_t price, std::int64_t wh,
                                 std::int64_t seq) {
  segs::detail::trade_record t;
  t.buyer_id = id(buyer);
  t.seller_id = id(seller);
  t.price = money{price};
  t.quantity = energy{wh};
  t.seq = seq;
  return t;
}

std::int64_t sum(const std::vector<segs::ledger_entry>& es) {
  return std::accumulate(es.begin(), es.end(), std::int64_t{0},
                         [](std::int64_t a, const segs::ledger_entry& e) { return a + e.amount.micros; });
}

}  // namespace

TEST_CASE("settlement: trade amounts round half to even to the micro-unit") {
  CHECK(trade_amount(money{245'000}, energy{1500}) == money{367'500});
  CHECK(trade_amount(money{1}, energy{500}) == money{0});    // 0.5 -> 0 (even)
  CHECK(trade_amount(money{3}, energy{500}) == money{2});    // 1.5 -> 2 (even)
  CHECK(trade_amount(money{1}, energy{501}) == money{1});    // 0.501 -> 1
  // 128-bit intermediate: a large price times a large quantity.
  CHECK(trade_amount(money{1'000'000'000}, energy{1'000'000'000}) == money{1'000'000'000'000'000});
}

TEST_CASE("settlement: fees per kWh and per million are rounded once") {
  segs::market_settings s;
  s.fee_per_kwh = money{10'000};
  s.fee_ppm = 5'000;
  // 2 kWh x 0.01 + 0.5 % x 0.40 = 0.022
  CHECK(trade_fee(s, money{200'000}, energy{2000}) == money{22'000});
  s.fee_per_kwh = money{1};
  s.fee_ppm = 0;
  CHECK(trade_fee(s, money{200'000}, energy{500}) == money{0});   // 0.5 micro -> 0
  CHECK(trade_fee(s, money{200'000}, energy{1500}) == money{2});  // 1.5 micro -> 2
  s.fee_per_kwh = money{0};
  CHECK(trade_fee(s, money{200'000}, energy{2000}) == money{0});
}

TEST_CASE("settlement: a seller with several buyers and a shortfall, entries sum to zero") {
  // Seller 9 sells 1000 Wh to 1 and 2000 Wh to 2; seller 8 sells 500 Wh to 1.
  std::vector<segs::detail::trade_record> ts{trade(1, 9, 200'000, 1000, 1), trade(2, 9, 210'000, 2000, 2),
                                             trade(1, 8, 190'000, 500, 3)};
  const std::map<segs::uuid, energy> delivered{{id(9), energy{2000}}, {id(8), energy{900}}};  // 8 over-delivers
  const auto es = settle_slot(ts, delivered, money{300'000});
  CHECK(sum(es) == 0);
  auto find = [&](std::optional<segs::uuid> who, segs::ledger_kind k) -> const segs::ledger_entry* {
    for (const auto& e : es)
      if (e.user_id == who && e.kind == k) return &e;
    return nullptr;
  };
  const auto* charge = find(id(9), segs::ledger_kind::imbalance_charge);
  REQUIRE(charge);
  CHECK(charge->quantity == energy{1000});
  CHECK(charge->amount == money{-300'000});  // 1 kWh at the imbalance price 0.30
  // 1000 Wh spread over 1000 and 2000 Wh: 333 (+1 leftover, earliest) and 666.
  const auto* r1 = find(id(1), segs::ledger_kind::imbalance_refund);
  const auto* r2 = find(id(2), segs::ledger_kind::imbalance_refund);
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(r1->quantity == energy{334});
  CHECK(r2->quantity == energy{666});
  CHECK(r1->amount == money{66'800});   // 334 Wh at 0.20
  CHECK(r2->amount == money{139'860});  // 666 Wh at 0.21
  CHECK_FALSE(find(id(8), segs::ledger_kind::imbalance_charge));
  // No fees: no fee entries at all.
  CHECK_FALSE(find(std::nullopt, segs::ledger_kind::fee));
  // Entries: accounts in order of first appearance, the grid operator last.
  REQUIRE_FALSE(es.empty());
  CHECK(es.front().user_id == id(1));
  CHECK_FALSE(es.back().user_id.has_value());
}

TEST_CASE("settlement: no trades, no entries") {
  CHECK(settle_slot({}, {}, std::nullopt).empty());
}
