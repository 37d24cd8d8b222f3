// The continuous order book. Layout, chosen for the hot path:
//  - orders live in one vector-backed pool with a free list, so indices stay
//    stable and a warm book allocates nothing per order;
//  - each price level is a doubly linked FIFO threaded through the pool
//    (intrusive prev/next indices), so cancel is O(1) once the id is found;
//  - levels live in their own pool; each side keeps an ordered map from
//    price to level index (a red-black tree whose nodes come from a pool
//    resource, so a warm book allocates nothing): O(log L) to add or drop a
//    level anywhere, O(1) to reach the best one;
//  - id -> pool index is an open-addressing map (id_map.hpp) that allocates
//    only when it doubles.
#include "market/engine.hpp"
#include "market/id_map.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <memory_resource>
#include <utility>

namespace segs::market {

namespace {

constexpr std::uint32_t nil = std::numeric_limits<std::uint32_t>::max();

struct order_node {
  order_id id = 0;
  owner_id owner = 0;
  price_t price = 0;
  qty_t open = 0;
  std::uint32_t prev = nil;
  std::uint32_t next = nil;  // doubles as the free-list link
  std::uint32_t level = nil;
  market::side side = side::buy;
  bool post_only = false;
  bool traded = false;  // some of it has filled (partially_filled rather than open)
};

struct level_node {
  price_t price = 0;
  qty_t quantity = 0;
  std::int64_t count = 0;
  std::uint32_t head = nil;
  std::uint32_t tail = nil;
};

constexpr std::size_t idx(side s) noexcept { return s == side::buy ? 0 : 1; }
constexpr side opposite(side s) noexcept { return s == side::buy ? side::sell : side::buy; }

// True when a resting price `a` ranks below `b` on side `s`.
constexpr bool worse(side s, price_t a, price_t b) noexcept { return s == side::buy ? a < b : a > b; }

// True when an incoming `s` order limited at `limit` trades with a resting
// opposite order at `resting`.
constexpr bool crosses(side s, price_t limit, price_t resting) noexcept {
  return s == side::buy ? resting <= limit : resting >= limit;
}

// One side's price levels, best first: the key is the price for asks and its
// negation for bids, so begin() is the best level on both sides.
class ladder {
 public:
  using map_type = std::pmr::map<price_t, std::uint32_t>;
  ladder(side s, std::pmr::memory_resource* mem) : buy_(s == side::buy), levels_(mem) {}

  [[nodiscard]] bool empty() const noexcept { return levels_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return levels_.size(); }
  [[nodiscard]] std::uint32_t best() const noexcept { return levels_.begin()->second; }
  [[nodiscard]] std::uint32_t find(price_t price) const {
    auto it = levels_.find(key(price));
    return it == levels_.end() ? nil : it->second;
  }
  void insert(price_t price, std::uint32_t li) { levels_.emplace(key(price), li); }
  void erase(price_t price) { levels_.erase(key(price)); }
  /// Level indices, best first.
  [[nodiscard]] map_type::const_iterator begin() const noexcept { return levels_.begin(); }
  [[nodiscard]] map_type::const_iterator end() const noexcept { return levels_.end(); }

 private:
  [[nodiscard]] price_t key(price_t price) const noexcept { return buy_ ? -price : price; }
  bool buy_;
  map_type levels_;
};

}  // namespace

struct book::impl {
  stp_policy stp;
  std::vector<order_node> pool;
  std::uint32_t free_order = nil;
  std::vector<level_node> level_pool;
  std::vector<std::uint32_t> free_levels;
  // Tree nodes of the ladders are recycled here: no allocation once warm.
  std::pmr::unsynchronized_pool_resource level_nodes;
  ladder sides[2]{ladder(side::buy, &level_nodes), ladder(side::sell, &level_nodes)};
  detail::id_map index{1024};

  explicit impl(stp_policy p) : stp(p) {
    pool.reserve(1024);
    level_pool.reserve(256);
  }

  // --- pools ---------------------------------------------------------------

  std::uint32_t alloc_order() {
    if (free_order != nil) {
      const std::uint32_t i = free_order;
      free_order = pool[i].next;
      return i;
    }
    pool.emplace_back();
    return static_cast<std::uint32_t>(pool.size() - 1);
  }

  void free_order_node(std::uint32_t i) noexcept {
    pool[i].next = free_order;
    pool[i].level = nil;
    free_order = i;
  }

  // --- levels --------------------------------------------------------------

  std::uint32_t level_for(side s, price_t price) {
    auto& v = sides[idx(s)];
    // Most new orders land at or near the top of the book: check it first.
    if (!v.empty() && level_pool[v.best()].price == price) return v.best();
    if (const std::uint32_t found = v.find(price); found != nil) return found;
    std::uint32_t li;
    if (!free_levels.empty()) {
      li = free_levels.back();
      free_levels.pop_back();
      level_pool[li] = level_node{};
    } else {
      level_pool.emplace_back();
      li = static_cast<std::uint32_t>(level_pool.size() - 1);
    }
    level_pool[li].price = price;
    v.insert(price, li);
    return li;
  }

  void drop_level(side s, std::uint32_t li) {
    sides[idx(s)].erase(level_pool[li].price);
    free_levels.push_back(li);
  }

  // --- orders --------------------------------------------------------------

  // Appends a new resting order at the back of its level.
  void rest(order_id id, owner_id owner, side s, price_t price, qty_t q, bool post_only,
            bool traded) {
    const std::uint32_t li = level_for(s, price);
    const std::uint32_t oi = alloc_order();
    order_node& n = pool[oi];
    n.id = id;
    n.owner = owner;
    n.price = price;
    n.open = q;
    n.side = s;
    n.post_only = post_only;
    n.traded = traded;
    link_back(li, oi);
    index.insert(id, oi);
  }

  void link_back(std::uint32_t li, std::uint32_t oi) noexcept {
    level_node& l = level_pool[li];
    order_node& n = pool[oi];
    n.level = li;
    n.prev = l.tail;
    n.next = nil;
    if (l.tail != nil) {
      pool[l.tail].next = oi;
    } else {
      l.head = oi;
    }
    l.tail = oi;
    l.quantity += n.open;
    ++l.count;
  }

  // Unlinks a resting order from its level (dropping the level when it
  // empties) without touching the id index or the pool.
  void unlink(std::uint32_t oi) {
    order_node& n = pool[oi];
    const std::uint32_t li = n.level;
    level_node& l = level_pool[li];
    if (n.prev != nil) {
      pool[n.prev].next = n.next;
    } else {
      l.head = n.next;
    }
    if (n.next != nil) {
      pool[n.next].prev = n.prev;
    } else {
      l.tail = n.prev;
    }
    l.quantity -= n.open;
    --l.count;
    n.level = nil;
    if (l.count == 0) drop_level(n.side, li);
  }

  // Removes a resting order from the book entirely.
  void erase(std::uint32_t oi) {
    unlink(oi);
    index.erase(pool[oi].id);
    free_order_node(oi);
  }

  // Cancels a resting order with a reason, reporting it.
  void cancel_resting(std::uint32_t oi, cancel_reason why, event_sink& events) {
    const order_id id = pool[oi].id;
    const qty_t q = pool[oi].open;
    erase(oi);
    events.on_cancel(id, q, why);
  }

  [[nodiscard]] bool would_cross(side s, bool is_market, price_t price) const {
    const auto& opp = sides[idx(opposite(s))];
    if (opp.empty()) return false;
    return is_market || crosses(s, price, level_pool[opp.best()].price);
  }

  // The FOK pre-check: nullopt when the order can fill completely (given the
  // self-trade policy), otherwise the reason it is cancelled untouched.
  [[nodiscard]] std::optional<cancel_reason> fok_check(const order_request& o,
                                                       bool is_market) const {
    const auto& opp = sides[idx(opposite(o.side))];
    qty_t available = 0;
    for (const auto& [key, li] : opp) {
      const level_node& l = level_pool[li];
      if (!is_market && !crosses(o.side, o.price, l.price)) break;
      for (std::uint32_t oi = l.head; oi != nil; oi = pool[oi].next) {
        const order_node& r = pool[oi];
        if (r.owner == o.owner) {
          // cancel_oldest removes it during matching and goes on; the other
          // policies would stop the FOK before it completes.
          if (stp == stp_policy::cancel_oldest) continue;
          return cancel_reason::self_trade;
        }
        available += r.open;
        if (available >= o.quantity) return std::nullopt;
      }
    }
    return cancel_reason::fok_unfillable;
  }

  // Matches and then rests or cancels the remainder. Shared by submit and by
  // modify (a re-priced order is matched as a new GTC order keeping its id).
  order_result execute(const order_request& o, bool traded_before, event_sink& events) {
    const bool is_market = o.type == order_type::market;
    const side opp_side = opposite(o.side);
    auto& opp = sides[idx(opp_side)];
    order_result r;

    qty_t left = o.quantity;
    bool self_trade_stop = false;
    while (left > 0 && !opp.empty()) {
      const std::uint32_t li = opp.best();
      const price_t level_price = level_pool[li].price;
      if (!is_market && !crosses(o.side, o.price, level_price)) break;
      const std::uint32_t oi = level_pool[li].head;
      order_node& m = pool[oi];
      if (m.owner == o.owner) {
        if (stp != stp_policy::cancel_newest) cancel_resting(oi, cancel_reason::self_trade, events);
        if (stp == stp_policy::cancel_oldest) continue;
        self_trade_stop = true;
        break;
      }
      const qty_t q = std::min(left, m.open);
      const fill f{m.id, o.id, m.owner, o.owner, o.side, level_price, q};
      m.open -= q;
      m.traded = true;
      level_pool[li].quantity -= q;
      left -= q;
      r.filled += q;
      if (m.open == 0) erase(oi);
      events.on_fill(f);
    }

    if (left == 0) {
      r.status = order_status::filled;
      return r;
    }
    if (self_trade_stop || is_market || o.tif != time_in_force::gtc) {
      const cancel_reason why = self_trade_stop ? cancel_reason::self_trade
                                                : cancel_reason::ioc_remainder;
      r.status = order_status::cancelled;
      events.on_cancel(o.id, left, why);
      return r;
    }
    const bool traded = traded_before || r.filled > 0;
    rest(o.id, o.owner, o.side, o.price, left, o.post_only, traded);
    r.status = traded ? order_status::partially_filled : order_status::open;
    r.remaining = left;
    events.on_rest(o.id, left, o.price);
    return r;
  }

  void append_levels(side s, std::size_t n, std::vector<level>& out) const {
    const auto& v = sides[idx(s)];
    out.reserve(std::min(n, v.size()));
    for (auto it = v.begin(); it != v.end() && out.size() < n; ++it) {
      const level_node& l = level_pool[it->second];
      out.push_back(level{l.price, l.quantity, l.count});
    }
  }

  [[nodiscard]] resting_order snapshot(const order_node& n) const {
    return resting_order{n.id, n.owner, n.side, order_type::limit, n.price, n.open};
  }
};

book::book(stp_policy stp) : impl_(new impl(stp)) {}
book::~book() { delete impl_; }
book::book(book&& other) noexcept : impl_(std::exchange(other.impl_, nullptr)) {}
book& book::operator=(book&& other) noexcept {
  if (this != &other) {
    delete impl_;
    impl_ = std::exchange(other.impl_, nullptr);
  }
  return *this;
}

order_result book::submit(const order_request& o, event_sink& events) {
  const bool is_market = o.type == order_type::market;
  if (o.post_only && impl_->would_cross(o.side, is_market, o.price)) {
    order_result refused;
    refused.accepted = false;
    refused.status = order_status::cancelled;
    return refused;
  }
  order_result r;
  if (is_market && impl_->sides[idx(opposite(o.side))].empty()) {
    r.status = order_status::cancelled;
    events.on_cancel(o.id, o.quantity, cancel_reason::no_liquidity);
    return r;
  }
  if (o.tif == time_in_force::fok) {
    if (const auto why = impl_->fok_check(o, is_market)) {
      r.status = order_status::cancelled;
      events.on_cancel(o.id, o.quantity, *why);
      return r;
    }
  }
  return impl_->execute(o, false, events);
}

bool book::cancel(order_id id, event_sink& events) {
  const std::uint32_t oi = impl_->index.find(id);
  if (oi == detail::id_map::npos) return false;
  impl_->cancel_resting(oi, cancel_reason::requested, events);
  return true;
}

std::optional<order_result> book::modify(order_id id, std::optional<qty_t> new_quantity,
                                         std::optional<price_t> new_price, event_sink& events) {
  const std::uint32_t oi = impl_->index.find(id);
  if (oi == detail::id_map::npos) return std::nullopt;
  order_node& n = impl_->pool[oi];
  const qty_t q = new_quantity.value_or(n.open);
  const price_t p = new_price.value_or(n.price);

  order_result r;
  r.status = n.traded ? order_status::partially_filled : order_status::open;
  if (p == n.price && q <= n.open) {
    if (q < n.open) {
      // Reducing in place keeps time priority.
      impl_->level_pool[n.level].quantity -= n.open - q;
      n.open = q;
      events.on_rest(id, q, p);
    }
    r.remaining = q;
    return r;
  }
  if (n.post_only && p != n.price && impl_->would_cross(n.side, false, p)) {
    r.accepted = false;
    r.remaining = n.open;
    return r;
  }
  // Loses priority: out of the book, then in again as a new GTC order.
  order_request o;
  o.id = n.id;
  o.owner = n.owner;
  o.side = n.side;
  o.type = order_type::limit;
  o.tif = time_in_force::gtc;
  o.post_only = n.post_only;
  o.price = p;
  o.quantity = q;
  const bool traded = n.traded;
  impl_->erase(oi);
  return impl_->execute(o, traded, events);
}

void book::expire_all(event_sink& events) {
  for (const side s : {side::buy, side::sell}) {
    auto& v = impl_->sides[idx(s)];
    while (!v.empty()) {
      const std::uint32_t li = v.best();
      impl_->cancel_resting(impl_->level_pool[li].head, cancel_reason::expired, events);
    }
  }
}

std::optional<price_t> book::best_bid() const noexcept {
  const auto& v = impl_->sides[0];
  if (v.empty()) return std::nullopt;
  return impl_->level_pool[v.best()].price;
}

std::optional<price_t> book::best_ask() const noexcept {
  const auto& v = impl_->sides[1];
  if (v.empty()) return std::nullopt;
  return impl_->level_pool[v.best()].price;
}

std::vector<level> book::bids(std::size_t n) const {
  std::vector<level> out;
  impl_->append_levels(side::buy, n, out);
  return out;
}

std::vector<level> book::asks(std::size_t n) const {
  std::vector<level> out;
  impl_->append_levels(side::sell, n, out);
  return out;
}

std::vector<resting_order> book::orders() const {
  std::vector<resting_order> out;
  out.reserve(impl_->index.size());
  for (const side s : {side::buy, side::sell}) {
    for (const auto& [key, li] : impl_->sides[idx(s)]) {
      for (std::uint32_t oi = impl_->level_pool[li].head; oi != nil; oi = impl_->pool[oi].next) {
        out.push_back(impl_->snapshot(impl_->pool[oi]));
      }
    }
  }
  return out;
}

std::optional<resting_order> book::find(order_id id) const {
  const std::uint32_t oi = impl_->index.find(id);
  if (oi == detail::id_map::npos) return std::nullopt;
  return impl_->snapshot(impl_->pool[oi]);
}

std::size_t book::size() const noexcept { return impl_->index.size(); }

}  // namespace segs::market
