#include "market/reference_model.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace segs::market::reference {

namespace {

market::side opposite(market::side s) { return s == side::buy ? side::sell : side::buy; }

// Products of two quantities may pass 2^63 in a long run; the model must not overflow.
__extension__ typedef __int128 wide_t;

}  // namespace

// ---------------------------------------------------------------- continuous

bool model_book::ahead(const entry& a, const entry& b) {
  if (a.price != b.price) return a.side == side::buy ? a.price > b.price : a.price < b.price;
  return a.arrival < b.arrival;
}

std::ptrdiff_t model_book::best_index(market::side s) const {
  std::ptrdiff_t best = -1;
  for (std::size_t i = 0; i < resting_.size(); ++i) {
    if (resting_[i].side != s) continue;
    if (best < 0 || ahead(resting_[i], resting_[static_cast<std::size_t>(best)])) {
      best = static_cast<std::ptrdiff_t>(i);
    }
  }
  return best;
}

std::vector<model_book::entry> model_book::sorted_side(market::side s) const {
  std::vector<entry> out;
  for (const auto& e : resting_) {
    if (e.side == s) out.push_back(e);
  }
  std::sort(out.begin(), out.end(), ahead);
  return out;
}

std::ptrdiff_t model_book::index_of(order_id id) const {
  for (std::size_t i = 0; i < resting_.size(); ++i) {
    if (resting_[i].id == id) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

bool model_book::crosses(market::side s, std::optional<price_t> price, price_t resting) {
  if (!price) return true;
  return s == side::buy ? resting <= *price : resting >= *price;
}

model_book::match_outcome model_book::match(order_id id, owner_id owner, market::side s,
                                            std::optional<price_t> limit, qty_t quantity,
                                            event_sink& events) {
  match_outcome out{0, quantity, false};
  while (out.remaining > 0) {
    const auto bi = best_index(opposite(s));
    if (bi < 0) break;
    auto& best = resting_[static_cast<std::size_t>(bi)];
    if (!crosses(s, limit, best.price)) break;
    if (best.owner == owner) {
      if (stp_ == stp_policy::cancel_newest) {
        out.self_trade_stop = true;
        break;
      }
      const order_id victim = best.id;
      const qty_t victim_open = best.open;
      resting_.erase(resting_.begin() + bi);
      events.on_cancel(victim, victim_open, cancel_reason::self_trade);
      if (stp_ == stp_policy::cancel_both) {
        out.self_trade_stop = true;
        break;
      }
      continue;
    }
    const qty_t q = std::min(out.remaining, best.open);
    fill f;
    f.maker = best.id;
    f.taker = id;
    f.maker_owner = best.owner;
    f.taker_owner = owner;
    f.taker_side = s;
    f.price = best.price;
    f.quantity = q;
    best.open -= q;
    best.ever_filled = true;
    out.remaining -= q;
    out.filled += q;
    if (best.open == 0) resting_.erase(resting_.begin() + bi);
    events.on_fill(f);
  }
  return out;
}

order_result model_book::submit(const order_request& o, event_sink& events) {
  const bool is_market = o.type == order_type::market;
  const std::optional<price_t> limit = is_market ? std::nullopt : std::optional<price_t>(o.price);
  const market::side other = opposite(o.side);

  order_result r;
  if (o.post_only) {  // a market order crosses any resting order
    const auto bi = best_index(other);
    if (bi >= 0 && crosses(o.side, limit, resting_[static_cast<std::size_t>(bi)].price)) {
      r.accepted = false;
      r.status = order_status::cancelled;
      return r;
    }
  }

  if (is_market && best_index(other) < 0) {
    events.on_cancel(o.id, o.quantity, cancel_reason::no_liquidity);
    r.status = order_status::cancelled;
    return r;
  }

  if (o.tif == time_in_force::fok) {
    // Walk the opposite side in priority order within the limit.
    qty_t available = 0;
    std::optional<cancel_reason> refuse;
    for (const auto& e : sorted_side(other)) {
      if (available >= o.quantity) break;
      if (!crosses(o.side, limit, e.price)) break;
      if (e.owner == o.owner) {
        if (stp_ == stp_policy::cancel_oldest) continue;
        refuse = cancel_reason::self_trade;
        break;
      }
      available += e.open;
    }
    if (!refuse && available < o.quantity) refuse = cancel_reason::fok_unfillable;
    if (refuse) {
      events.on_cancel(o.id, o.quantity, *refuse);
      r.status = order_status::cancelled;
      return r;
    }
  }

  const auto m = match(o.id, o.owner, o.side, limit, o.quantity, events);
  r.filled = m.filled;
  if (m.remaining == 0) {
    r.status = order_status::filled;
  } else if (m.self_trade_stop) {
    events.on_cancel(o.id, m.remaining, cancel_reason::self_trade);
    r.status = order_status::cancelled;
  } else if (is_market || o.tif != time_in_force::gtc) {
    events.on_cancel(o.id, m.remaining, cancel_reason::ioc_remainder);
    r.status = order_status::cancelled;
  } else {
    entry e;
    e.id = o.id;
    e.owner = o.owner;
    e.side = o.side;
    e.price = o.price;
    e.open = m.remaining;
    e.post_only = o.post_only;
    e.ever_filled = m.filled > 0;
    e.arrival = next_arrival_++;
    resting_.push_back(e);
    events.on_rest(o.id, m.remaining, o.price);
    r.status = m.filled > 0 ? order_status::partially_filled : order_status::open;
    r.remaining = m.remaining;
  }
  return r;
}

bool model_book::cancel(order_id id, event_sink& events) {
  const auto i = index_of(id);
  if (i < 0) return false;
  const qty_t open = resting_[static_cast<std::size_t>(i)].open;
  resting_.erase(resting_.begin() + i);
  events.on_cancel(id, open, cancel_reason::requested);
  return true;
}

std::optional<order_result> model_book::modify(order_id id, std::optional<qty_t> new_quantity,
                                               std::optional<price_t> new_price,
                                               event_sink& events) {
  const auto i = index_of(id);
  if (i < 0) return std::nullopt;
  entry e = resting_[static_cast<std::size_t>(i)];
  const qty_t q = new_quantity.value_or(e.open);
  const price_t p = new_price.value_or(e.price);
  const auto status_of = [](const entry& x) {
    return x.ever_filled ? order_status::partially_filled : order_status::open;
  };

  order_result r;
  if (q == e.open && p == e.price) {  // nothing changes
    r.status = status_of(e);
    r.remaining = e.open;
    return r;
  }
  if (p == e.price && q < e.open) {  // a reduction keeps time priority
    resting_[static_cast<std::size_t>(i)].open = q;
    events.on_rest(id, q, p);
    r.status = status_of(e);
    r.remaining = q;
    return r;
  }
  // Priority is lost: the order re-enters as a new GTC limit order.
  const market::side other = opposite(e.side);
  if (e.post_only) {
    const auto bi = best_index(other);
    if (bi >= 0 && crosses(e.side, p, resting_[static_cast<std::size_t>(bi)].price)) {
      r.accepted = false;
      r.status = status_of(e);
      r.remaining = e.open;
      return r;
    }
  }
  resting_.erase(resting_.begin() + i);
  const auto m = match(id, e.owner, e.side, p, q, events);
  r.filled = m.filled;
  const bool filled_before = e.ever_filled || m.filled > 0;
  if (m.remaining == 0) {
    r.status = order_status::filled;
  } else if (m.self_trade_stop) {
    events.on_cancel(id, m.remaining, cancel_reason::self_trade);
    r.status = order_status::cancelled;
  } else {
    e.price = p;
    e.open = m.remaining;
    e.ever_filled = filled_before;
    e.arrival = next_arrival_++;
    resting_.push_back(e);
    events.on_rest(id, m.remaining, p);
    r.status = status_of(e);
    r.remaining = m.remaining;
  }
  return r;
}

void model_book::expire_all(event_sink& events) {
  // Bids then asks, each in priority order (the order orders() reports).
  const auto all = orders();
  resting_.clear();
  for (const auto& o : all) events.on_cancel(o.id, o.quantity, cancel_reason::expired);
}

std::optional<price_t> model_book::best_bid() const {
  const auto i = best_index(side::buy);
  if (i < 0) return std::nullopt;
  return resting_[static_cast<std::size_t>(i)].price;
}

std::optional<price_t> model_book::best_ask() const {
  const auto i = best_index(side::sell);
  if (i < 0) return std::nullopt;
  return resting_[static_cast<std::size_t>(i)].price;
}

std::vector<level> model_book::levels(market::side s, std::size_t n) const {
  std::vector<level> out;
  for (const auto& e : sorted_side(s)) {
    if (out.empty() || out.back().price != e.price) {
      if (out.size() == n) break;
      out.push_back(level{e.price, 0, 0});
    }
    out.back().quantity += e.open;
    out.back().orders += 1;
  }
  return out;
}

std::vector<level> model_book::bids(std::size_t n) const { return levels(side::buy, n); }
std::vector<level> model_book::asks(std::size_t n) const { return levels(side::sell, n); }

std::vector<resting_order> model_book::orders() const {
  std::vector<resting_order> out;
  for (const auto s : {side::buy, side::sell}) {
    for (const auto& e : sorted_side(s)) {
      out.push_back(resting_order{e.id, e.owner, e.side, order_type::limit, e.price, e.open});
    }
  }
  return out;
}

std::optional<resting_order> model_book::find(order_id id) const {
  const auto i = index_of(id);
  if (i < 0) return std::nullopt;
  const auto& e = resting_[static_cast<std::size_t>(i)];
  return resting_order{e.id, e.owner, e.side, order_type::limit, e.price, e.open};
}

// ---------------------------------------------------------------- auction

qty_t demand_at(std::span<const resting_order> orders, price_t p) {
  qty_t d = 0;
  for (const auto& o : orders) {
    if (o.side == side::buy && (o.type == order_type::market || o.price >= p)) d += o.quantity;
  }
  return d;
}

qty_t supply_at(std::span<const resting_order> orders, price_t p) {
  qty_t s = 0;
  for (const auto& o : orders) {
    if (o.side == side::sell && (o.type == order_type::market || o.price <= p)) s += o.quantity;
  }
  return s;
}

namespace {

struct allocation {
  resting_order order;
  qty_t quantity = 0;
};

/// The eligible orders of side `s` at clearing price `p`, in priority order,
/// with what each receives when `volume` is shared out. Price priority first
/// (market orders ahead of every limit); the first price level that cannot
/// be served in full is shared pro rata, leftover Wh one each by id.
std::vector<allocation> allocate(std::span<const resting_order> orders, market::side s, price_t p,
                                 qty_t volume) {
  std::vector<allocation> eligible;
  for (const auto& o : orders) {
    if (o.side != s) continue;
    const bool ok = o.type == order_type::market || (s == side::buy ? o.price >= p : o.price <= p);
    if (ok) eligible.push_back(allocation{o, 0});
  }
  const auto rank = [s](const resting_order& a, const resting_order& b) {
    const bool am = a.type == order_type::market;
    const bool bm = b.type == order_type::market;
    if (am != bm) return am;
    if (!am && a.price != b.price) return s == side::buy ? a.price > b.price : a.price < b.price;
    return a.id < b.id;
  };
  std::sort(eligible.begin(), eligible.end(),
            [&](const allocation& a, const allocation& b) { return rank(a.order, b.order); });

  qty_t left = volume;
  std::size_t i = 0;
  while (i < eligible.size() && left > 0) {
    // One price level: [i, j).
    std::size_t j = i;
    qty_t level_total = 0;
    const auto same_level = [&](const resting_order& a, const resting_order& b) {
      if (a.type != b.type) return false;
      return a.type == order_type::market || a.price == b.price;
    };
    while (j < eligible.size() && same_level(eligible[j].order, eligible[i].order)) {
      level_total += eligible[j].order.quantity;
      ++j;
    }
    if (level_total <= left) {
      for (std::size_t k = i; k < j; ++k) eligible[k].quantity = eligible[k].order.quantity;
      left -= level_total;
    } else {
      qty_t given = 0;
      for (std::size_t k = i; k < j; ++k) {
        const auto share = static_cast<wide_t>(eligible[k].order.quantity) * left / level_total;
        eligible[k].quantity = static_cast<qty_t>(share);
        given += eligible[k].quantity;
      }
      qty_t leftover = left - given;
      for (std::size_t k = i; k < j && leftover > 0; ++k) {  // already in id order
        eligible[k].quantity += 1;
        --leftover;
      }
      left = 0;
    }
    i = j;
  }
  return eligible;
}

}  // namespace

auction_result model_auction(std::span<const resting_order> orders, price_t tick) {
  auction_result out;
  std::optional<price_t> lo;
  std::optional<price_t> hi;
  for (const auto& o : orders) {
    if (o.type != order_type::limit) continue;
    if (!lo || o.price < *lo) lo = o.price;
    if (!hi || o.price > *hi) hi = o.price;
  }
  if (!lo) return out;

  qty_t best_volume = -1;
  qty_t best_imbalance = 0;
  price_t range_min = 0;
  price_t range_max = 0;
  for (price_t p = *lo; p <= *hi; p += tick) {
    const qty_t d = demand_at(orders, p);
    const qty_t s = supply_at(orders, p);
    const qty_t volume = std::min(d, s);
    const qty_t imbalance = d > s ? d - s : s - d;
    if (volume > best_volume || (volume == best_volume && imbalance < best_imbalance)) {
      best_volume = volume;
      best_imbalance = imbalance;
      range_min = range_max = p;
    } else if (volume == best_volume && imbalance == best_imbalance) {
      range_max = p;
    }
  }
  if (best_volume <= 0) return out;

  // The middle of [range_min, range_max]; half a tick rounds down.
  const price_t steps = (range_max - range_min) / tick;
  const price_t price = range_min + (steps / 2) * tick;
  const qty_t volume = std::min(demand_at(orders, price), supply_at(orders, price));
  out.price = price;
  out.volume = volume;

  const auto buys = allocate(orders, side::buy, price, volume);
  const auto sells = allocate(orders, side::sell, price, volume);
  std::size_t b = 0;
  std::size_t s = 0;
  qty_t b_left = buys.empty() ? 0 : buys[0].quantity;
  qty_t s_left = sells.empty() ? 0 : sells[0].quantity;
  while (true) {
    while (b < buys.size() && b_left == 0) {
      ++b;
      if (b < buys.size()) b_left = buys[b].quantity;
    }
    while (s < sells.size() && s_left == 0) {
      ++s;
      if (s < sells.size()) s_left = sells[s].quantity;
    }
    if (b >= buys.size() || s >= sells.size()) break;
    const qty_t q = std::min(b_left, s_left);
    fill f;
    f.maker = sells[s].order.id;
    f.taker = buys[b].order.id;
    f.maker_owner = sells[s].order.owner;
    f.taker_owner = buys[b].order.owner;
    f.taker_side = side::buy;
    f.price = price;
    f.quantity = q;
    out.fills.push_back(f);
    b_left -= q;
    s_left -= q;
  }
  return out;
}

}  // namespace segs::market::reference
