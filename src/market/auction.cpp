// The uniform-price call auction (epoch clearing).
//
// D(p) and S(p) are step functions that change only at limit prices, so the
// search does not walk every tick: it evaluates each distinct limit price and
// each open gap between two consecutive ones (where D and S are constant),
// keeping the lowest and highest grid price among the winners. O(n log n)
// for the sort, O(n) for the rest.
#include "market/engine.hpp"

#include <algorithm>
#include <vector>

namespace segs::market {

namespace {

__extension__ using wide = __int128;  // q * left must not overflow for any Wh quantity

struct entry {
  const resting_order* o;
  qty_t alloc;
};

// True when `a` has priority over `b` on side `s`: market orders first, then
// the better limit, then the older id.
bool before(side s, const resting_order& a, const resting_order& b) {
  const bool am = a.type == order_type::market;
  const bool bm = b.type == order_type::market;
  if (am != bm) return am;
  if (!am && a.price != b.price) return s == side::buy ? a.price > b.price : a.price < b.price;
  return a.id < b.id;
}

bool same_group(const resting_order& a, const resting_order& b) {
  const bool am = a.type == order_type::market;
  if (am != (b.type == order_type::market)) return false;
  return am || a.price == b.price;
}

// Serves `volume` on one side, whose entries are sorted by priority: whole
// groups (market, then each limit price) while they fit, then the one group
// that does not fit shares what is left pro rata by quantity, its leftover Wh
// one each by time priority.
void allocate(std::vector<entry>& es, qty_t volume) {
  qty_t left = volume;
  std::size_t i = 0;
  while (i < es.size() && left > 0) {
    std::size_t j = i;
    qty_t total = 0;
    while (j < es.size() && same_group(*es[i].o, *es[j].o)) total += es[j++].o->quantity;
    if (total <= left) {
      for (std::size_t k = i; k < j; ++k) es[k].alloc = es[k].o->quantity;
      left -= total;
    } else {
      qty_t given = 0;
      for (std::size_t k = i; k < j; ++k) {
        es[k].alloc = static_cast<qty_t>(static_cast<wide>(es[k].o->quantity) * left / total);
        given += es[k].alloc;
      }
      // Within a group entries are already in id order (time priority).
      for (std::size_t k = i; k < j && given < left; ++k) {
        ++es[k].alloc;
        ++given;
      }
      left = 0;
    }
    i = j;
  }
}

}  // namespace

auction_result run_auction(std::span<const resting_order> orders, price_t tick) {
  auction_result out;
  qty_t market_buy = 0;
  qty_t market_sell = 0;
  std::vector<price_t> prices;
  prices.reserve(orders.size());
  for (const auto& o : orders) {
    if (o.quantity <= 0) continue;
    if (o.type == order_type::market) {
      (o.side == side::buy ? market_buy : market_sell) += o.quantity;
    } else {
      prices.push_back(o.price);
    }
  }
  if (prices.empty()) return out;
  std::sort(prices.begin(), prices.end());
  prices.erase(std::unique(prices.begin(), prices.end()), prices.end());

  const std::size_t m = prices.size();
  std::vector<qty_t> buy_at(m, 0);
  std::vector<qty_t> sell_at(m, 0);
  for (const auto& o : orders) {
    if (o.quantity <= 0 || o.type == order_type::market) continue;
    const auto k = static_cast<std::size_t>(
        std::lower_bound(prices.begin(), prices.end(), o.price) - prices.begin());
    (o.side == side::buy ? buy_at : sell_at)[k] += o.quantity;
  }
  // demand[k] = D(prices[k]), supply[k] = S(prices[k]).
  std::vector<qty_t> demand(m);
  std::vector<qty_t> supply(m);
  qty_t acc = market_buy;
  for (std::size_t k = m; k-- > 0;) demand[k] = acc += buy_at[k];
  acc = market_sell;
  for (std::size_t k = 0; k < m; ++k) supply[k] = acc += sell_at[k];

  qty_t best_volume = -1;
  qty_t best_imbalance = 0;
  price_t lo = 0;
  price_t hi = 0;
  auto consider = [&](price_t from, price_t to, qty_t d, qty_t s) {
    const qty_t volume = std::min(d, s);
    const qty_t imbalance = d > s ? d - s : s - d;
    if (volume > best_volume || (volume == best_volume && imbalance < best_imbalance)) {
      best_volume = volume;
      best_imbalance = imbalance;
      lo = from;
      hi = to;
    } else if (volume == best_volume && imbalance == best_imbalance) {
      lo = std::min(lo, from);
      hi = std::max(hi, to);
    }
  };
  for (std::size_t k = 0; k < m; ++k) {
    consider(prices[k], prices[k], demand[k], supply[k]);
    // Strictly between two limit prices D is D(next) and S is S(this).
    if (k + 1 < m && prices[k + 1] - prices[k] > tick) {
      consider(prices[k] + tick, prices[k + 1] - tick, demand[k + 1], supply[k]);
    }
  }
  if (best_volume <= 0) return out;

  // Middle of [lo, hi] on the grid, half a tick rounding down.
  const price_t a = lo / tick;
  const price_t b = hi / tick;
  const price_t p = (a + (b - a) / 2) * tick;
  out.price = p;

  std::vector<entry> buys;
  std::vector<entry> sells;
  qty_t d = 0;
  qty_t s = 0;
  for (const auto& o : orders) {
    if (o.quantity <= 0) continue;
    const bool market = o.type == order_type::market;
    if (o.side == side::buy && (market || o.price >= p)) {
      buys.push_back({&o, 0});
      d += o.quantity;
    } else if (o.side == side::sell && (market || o.price <= p)) {
      sells.push_back({&o, 0});
      s += o.quantity;
    }
  }
  const qty_t volume = std::min(d, s);
  out.volume = volume;
  std::sort(buys.begin(), buys.end(),
            [](const entry& x, const entry& y) { return before(side::buy, *x.o, *y.o); });
  std::sort(sells.begin(), sells.end(),
            [](const entry& x, const entry& y) { return before(side::sell, *x.o, *y.o); });
  allocate(buys, volume);
  allocate(sells, volume);

  std::size_t i = 0;
  std::size_t j = 0;
  qty_t buy_left = buys.empty() ? 0 : buys[0].alloc;
  qty_t sell_left = sells.empty() ? 0 : sells[0].alloc;
  while (i < buys.size() && j < sells.size()) {
    if (buy_left == 0) {
      if (++i < buys.size()) buy_left = buys[i].alloc;
      continue;
    }
    if (sell_left == 0) {
      if (++j < sells.size()) sell_left = sells[j].alloc;
      continue;
    }
    const qty_t q = std::min(buy_left, sell_left);
    const resting_order& b_o = *buys[i].o;
    const resting_order& s_o = *sells[j].o;
    out.fills.push_back(fill{s_o.id, b_o.id, s_o.owner, b_o.owner, side::buy, p, q});
    buy_left -= q;
    sell_left -= q;
  }
  return out;
}

}  // namespace segs::market
