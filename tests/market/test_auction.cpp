// The uniform-price call auction (run_auction in src/market/engine.hpp):
// clearing price rules, allocation and fills, with exact values.
#include "market/engine.hpp"

#include <doctest/doctest.h>

#include "market/event_log.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace m = segs::market;
using m::side;

namespace {

m::resting_order lim(m::order_id id, side s, m::price_t price, m::qty_t q) {
  return m::resting_order{id, 1000 + id, s, m::order_type::limit, price, q};
}
m::resting_order buy(m::order_id id, m::price_t price, m::qty_t q) {
  return lim(id, side::buy, price, q);
}
m::resting_order sell(m::order_id id, m::price_t price, m::qty_t q) {
  return lim(id, side::sell, price, q);
}
m::resting_order market_order(m::order_id id, side s, m::qty_t q) {
  return m::resting_order{id, 1000 + id, s, m::order_type::market, 0, q};
}

// "sell<-buy qty@price" per fill, in order.
std::string fills(const m::auction_result& r) {
  std::string out;
  for (const auto& f : r.fills) out += segs::market::testing::describe(f) + "\n";
  return out;
}

}  // namespace

TEST_CASE("auction: nothing to clear") {
  SUBCASE("no orders") {
    const auto r = m::run_auction({}, 1);
    CHECK_FALSE(r.price.has_value());
    CHECK(r.volume == 0);
    CHECK(r.fills.empty());
  }
  SUBCASE("no crossing") {
    const std::vector<m::resting_order> os{buy(1, 90, 10), buy(2, 95, 5), sell(3, 96, 10)};
    const auto r = m::run_auction(os, 1);
    CHECK_FALSE(r.price.has_value());
    CHECK(r.volume == 0);
    CHECK(r.fills.empty());
  }
  SUBCASE("one side only") {
    const std::vector<m::resting_order> os{buy(1, 90, 10), market_order(2, side::buy, 5)};
    CHECK_FALSE(m::run_auction(os, 1).price.has_value());
  }
  SUBCASE("market orders only: no limit price, no clearing") {
    const std::vector<m::resting_order> os{market_order(1, side::buy, 10),
                                           market_order(2, side::sell, 10)};
    const auto r = m::run_auction(os, 1);
    CHECK_FALSE(r.price.has_value());
    CHECK(r.fills.empty());
  }
}

TEST_CASE("auction: maximum volume, then minimum imbalance, then the middle") {
  // D: 30 at <=96, 20 at 97..98, 10 at 99..100. S: 10 at 95..96, 20 at 97..98, 30 at >= 99.
  // Volume 20 (imbalance 0) at 97 and 98: the middle 97.5 rounds down to 97.
  const std::vector<m::resting_order> os{buy(1, 100, 10), buy(2, 98, 10), buy(3, 96, 10),
                                         sell(4, 95, 10), sell(5, 97, 10), sell(6, 99, 10)};
  const auto r = m::run_auction(os, 1);
  REQUIRE(r.price.has_value());
  CHECK(*r.price == 97);
  CHECK(r.volume == 20);
  CHECK(fills(r) == "fill 4<-1 10@97\nfill 5<-2 10@97\n");
  REQUIRE(r.fills.size() == 2);
  CHECK(r.fills[0].maker_owner == 1004);
  CHECK(r.fills[0].taker_owner == 1001);
  CHECK(r.fills[0].taker_side == side::buy);
}

TEST_CASE("auction: the imbalance breaks a volume tie") {
  // Volume 10 everywhere in [98, 102]; imbalance 4 below 101, 2 from 101 on.
  const std::vector<m::resting_order> os{buy(1, 102, 10), buy(2, 100, 4), sell(3, 98, 10),
                                         sell(4, 101, 2)};
  const auto r = m::run_auction(os, 1);
  REQUIRE(r.price.has_value());
  CHECK(*r.price == 101);  // middle of [101, 102], half down
  CHECK(r.volume == 10);
  // The sell at 98 is better than the price and fills first; 4 (at 101) gets nothing.
  CHECK(fills(r) == "fill 3<-1 10@101\n");
}

TEST_CASE("auction: a whole range of tied prices clears at its middle, half down") {
  SUBCASE("odd number of ticks: exact middle") {
    const std::vector<m::resting_order> os{buy(1, 110, 10), sell(2, 100, 10)};
    const auto r = m::run_auction(os, 1);
    CHECK(r.price == 105);
    CHECK(fills(r) == "fill 2<-1 10@105\n");
  }
  SUBCASE("even number of ticks: half a tick rounds down") {
    const std::vector<m::resting_order> os{buy(1, 109, 10), sell(2, 100, 10)};
    CHECK(m::run_auction(os, 1).price == 104);
  }
  SUBCASE("two adjacent ticks") {
    const std::vector<m::resting_order> os{buy(1, 101, 10), sell(2, 100, 10)};
    CHECK(m::run_auction(os, 1).price == 100);
  }
  SUBCASE("a coarser tick: the middle lies on the grid") {
    const std::vector<m::resting_order> os{buy(1, 200, 10), sell(2, 120, 10)};
    CHECK(m::run_auction(os, 40).price == 160);
    const std::vector<m::resting_order> os2{buy(1, 200, 10), sell(2, 100, 10)};
    CHECK(m::run_auction(os2, 25).price == 150);
    CHECK(m::run_auction(os2, 50).price == 150);
    CHECK(m::run_auction(os2, 100).price == 100);  // [100, 200]: half down
  }
  SUBCASE("negative prices round down too") {
    const std::vector<m::resting_order> os{buy(1, -1, 10), sell(2, -4, 10)};
    CHECK(m::run_auction(os, 1).price == -3);
  }
  SUBCASE("the issue's tick: 0.0001 per kWh is 100 micro-units") {
    const std::vector<m::resting_order> os{buy(1, 250'300, 10), sell(2, 250'000, 10)};
    CHECK(m::run_auction(os, 100).price == 250'100);
  }
}

TEST_CASE("auction: orders at the clearing price share pro rata, leftover by time priority") {
  SUBCASE("equal quantities") {
    const std::vector<m::resting_order> os{sell(1, 100, 10), sell(2, 100, 10), sell(3, 100, 10),
                                           buy(4, 100, 20)};
    const auto r = m::run_auction(os, 1);
    CHECK(r.price == 100);
    CHECK(r.volume == 20);
    // 20 * 10 / 30 = 6 each, 2 Wh left: one to 1, one to 2.
    CHECK(fills(r) == "fill 1<-4 7@100\nfill 2<-4 7@100\nfill 3<-4 6@100\n");
  }
  SUBCASE("a better price first, the rest pro rata, leftover to the smallest id") {
    const std::vector<m::resting_order> os{sell(3, 100, 11), sell(1, 100, 13), buy(4, 100, 20),
                                           sell(2, 100, 7), sell(5, 99, 5)};
    const auto r = m::run_auction(os, 1);
    CHECK(r.price == 100);
    CHECK(r.volume == 20);
    // 15 left for 31 at 100: floor 13*15/31 = 6, 7*15/31 = 3, 11*15/31 = 5; 1 Wh to id 1.
    CHECK(fills(r) == "fill 5<-4 5@100\nfill 1<-4 7@100\nfill 2<-4 3@100\nfill 3<-4 5@100\n");
  }
  SUBCASE("the buy side rationed, several buys and sells paired in priority order") {
    const std::vector<m::resting_order> os{buy(1, 101, 4), buy(2, 100, 9), buy(3, 100, 3),
                                           sell(4, 99, 6), sell(5, 100, 4)};
    // D(100) = 16, S(100) = 10; D(101) = 4, S(101) = 10; D(99) = 16, S(99) = 6.
    const auto r = m::run_auction(os, 1);
    CHECK(r.price == 100);
    CHECK(r.volume == 10);
    // Buy 1 (better) gets 4; 6 left for 12 at 100: 9*6/12 = 4, 3*6/12 = 1, 1 Wh to id 2.
    CHECK(fills(r) == "fill 4<-1 4@100\nfill 4<-2 2@100\nfill 5<-2 3@100\nfill 5<-3 1@100\n");
  }
  SUBCASE("huge quantities do not overflow the pro-rata product") {
    const m::qty_t big = 4'000'000'000'000'000'000;  // 4e18 Wh
    const std::vector<m::resting_order> os{sell(1, 100, big), sell(2, 100, big / 2),
                                           buy(3, 100, big / 2)};
    const auto r = m::run_auction(os, 1);
    CHECK(r.volume == big / 2);
    REQUIRE(r.fills.size() == 2);
    CHECK(r.fills[0].quantity + r.fills[1].quantity == big / 2);
    CHECK(r.fills[0].quantity == big / 3 + 1);  // 2e18*4e18/6e18 = 1333..33.3, +1 leftover
  }
}

TEST_CASE("auction: market orders count as the most aggressive limit") {
  SUBCASE("a market buy against limit sells") {
    const std::vector<m::resting_order> os{market_order(1, side::buy, 15), sell(2, 100, 10),
                                           sell(3, 102, 10)};
    // D = 15 everywhere; S(100..101) = 10, S(102) = 20: volume 15 only at 102.
    const auto r = m::run_auction(os, 1);
    CHECK(r.price == 102);
    CHECK(r.volume == 15);
    CHECK(fills(r) == "fill 2<-1 10@102\nfill 3<-1 5@102\n");
  }
  SUBCASE("market orders go before every limit") {
    const std::vector<m::resting_order> os{buy(1, 105, 10), market_order(2, side::buy, 5),
                                           sell(3, 100, 8)};
    const auto r = m::run_auction(os, 1);
    // Volume 8 and imbalance 7 over [100, 105]: middle 102.5 -> 102.
    CHECK(r.price == 102);
    CHECK(fills(r) == "fill 3<-2 5@102\nfill 3<-1 3@102\n");
  }
  SUBCASE("rationed market orders share pro rata") {
    const std::vector<m::resting_order> os{market_order(2, side::buy, 10),
                                           market_order(1, side::buy, 20), sell(3, 100, 12),
                                           buy(4, 100, 50)};
    const auto r = m::run_auction(os, 1);
    CHECK(r.price == 100);
    CHECK(r.volume == 12);
    CHECK(fills(r) == "fill 3<-1 8@100\nfill 3<-2 4@100\n");
  }
  SUBCASE("a market sell meets limit buys") {
    const std::vector<m::resting_order> os{market_order(1, side::sell, 6), buy(2, 100, 4),
                                           buy(3, 98, 4)};
    // S = 6 everywhere; D(98) = 8, D(99..100) = 4: volume 6 at 98 only.
    const auto r = m::run_auction(os, 1);
    CHECK(r.price == 98);
    CHECK(fills(r) == "fill 1<-2 4@98\nfill 1<-3 2@98\n");
  }
}

TEST_CASE("auction: the rationed group can lie above the clearing price") {
  // Volume 5, imbalance 5 everywhere in [100, 200]: price 150, and the buy at
  // 200 (better than the price) is the group that cannot be served in full.
  const std::vector<m::resting_order> os{buy(1, 200, 6), buy(2, 200, 4), sell(3, 100, 5)};
  const auto r = m::run_auction(os, 1);
  CHECK(r.price == 150);
  CHECK(r.volume == 5);
  // 6*5/10 = 3, 4*5/10 = 2.
  CHECK(fills(r) == "fill 3<-1 3@150\nfill 3<-2 2@150\n");
}

TEST_CASE("auction: a day-ahead style slot") {
  // Prices in micro-units per kWh (tick 100 = 0.0001), quantities in Wh.
  // Prosumers sell PV surplus, consumers buy; one market buy (a battery that
  // must charge) and one market sell (curtailment that must go).
  const std::vector<m::resting_order> os{
      sell(1, 80'000, 3'000),   sell(2, 95'000, 2'000),  sell(3, 110'000, 4'000),
      sell(4, 120'000, 1'000),  market_order(5, side::sell, 500),
      buy(6, 130'000, 1'500),   buy(7, 115'000, 2'500),  buy(8, 100'000, 3'000),
      buy(9, 90'000, 2'000),    market_order(10, side::buy, 1'000)};
  // D(p): 10000 at <= 90000, 8000 up to 100000, 5000 up to 115000, 2500 up to 130000.
  // S(p): 3500 from 80000, 5500 from 95000, 9500 from 110000, 10500 from 120000.
  // Volume 5500 (imbalance 2500) at [95000, 100000] only; at most 5000 anywhere else.
  const auto r = m::run_auction(os, 100);
  REQUIRE(r.price.has_value());
  CHECK(*r.price == 97'500);
  CHECK(r.volume == 5'500);
  // Buys: market 1000, 1500 @130000, 2500 @115000 in full (5000), then 500 of
  // the 3000 @100000. Sells: market 500, 3000 @80000, 2000 @95000, all in full.
  CHECK(fills(r) ==
        "fill 5<-10 500@97500\nfill 1<-10 500@97500\nfill 1<-6 1500@97500\n"
        "fill 1<-7 1000@97500\nfill 2<-7 1500@97500\nfill 2<-8 500@97500\n");
}

TEST_CASE("auction: fills conserve quantity and the input order does not matter") {
  std::uint64_t x = 987654321;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int round = 0; round < 50; ++round) {
    std::vector<m::resting_order> os;
    const int n = 1 + static_cast<int>(next() % 60);
    for (int i = 0; i < n; ++i) {
      const auto r = next();
      const side s = (r & 1) ? side::buy : side::sell;
      const m::qty_t q = 1 + static_cast<m::qty_t>((r >> 8) % 100);
      const auto id = static_cast<m::order_id>(i + 1);
      if ((r >> 20) % 10 == 0) {
        os.push_back(market_order(id, s, q));
      } else {
        os.push_back(lim(id, s, 10 * (95 + static_cast<m::price_t>((r >> 32) % 11)), q));
      }
    }
    const auto r = m::run_auction(os, 10);
    std::map<m::order_id, m::qty_t> traded;
    m::qty_t total = 0;
    for (const auto& f : r.fills) {
      CHECK(f.quantity > 0);
      CHECK(f.price == r.price);
      traded[f.maker] += f.quantity;
      traded[f.taker] += f.quantity;
      total += f.quantity;
    }
    CHECK(total == r.volume);
    for (const auto& o : os) {
      CHECK(traded[o.id] <= o.quantity);
      if (traded[o.id] > 0 && o.type == m::order_type::limit) {
        // Nobody trades at a price worse than its limit.
        CHECK((o.side == side::buy ? o.price >= *r.price : o.price <= *r.price));
      }
    }
    auto reversed = os;
    std::reverse(reversed.begin(), reversed.end());
    const auto again = m::run_auction(reversed, 10);
    CHECK(again.price == r.price);
    CHECK(fills(again) == fills(r));
  }
}
