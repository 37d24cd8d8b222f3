// The matching engine: one in-memory order book per delivery slot
// (continuous double auction) and the uniform-price call auction (epoch
// clearing). Pure domain code: no storage, no clock, no ids beyond integers.
// The market service (a later layer) maps users and order UUIDs to the
// integer ids used here, persists every event before acknowledging it, and
// rebuilds books on open by replaying accepted orders.
//
// Units: prices are integer micro-units of currency per kWh, quantities are
// integer Wh. Validation of ticks, slots and permissions happens before the
// engine; the engine trusts its input except where documented.
//
// Thread-safety: a `book` is not synchronized; its owner serializes calls
// (one market thread or a mutex per region). `run_auction` is a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace segs::market {

using order_id = std::uint64_t;  ///< unique per book; also the time priority (smaller = older)
using owner_id = std::uint64_t;  ///< an interned trader id
using price_t = std::int64_t;    ///< micro-units of currency per kWh
using qty_t = std::int64_t;      ///< Wh

enum class side : std::uint8_t { buy, sell };
enum class order_type : std::uint8_t { limit, market };
enum class time_in_force : std::uint8_t {
  gtc,  ///< good till gate closure: the remainder rests
  ioc,  ///< immediate or cancel: the remainder is cancelled
  fok,  ///< fill or kill: fills completely at once or not at all
};
enum class stp_policy : std::uint8_t {
  cancel_newest,  ///< the incoming order's remainder is cancelled
  cancel_oldest,  ///< the resting order is cancelled; matching goes on
  cancel_both,    ///< both are cancelled
};
enum class order_status : std::uint8_t { open, partially_filled, filled, cancelled, expired };

/// Why an order (or its remainder) left the book without filling.
enum class cancel_reason : std::uint8_t {
  requested,      ///< cancel()
  ioc_remainder,  ///< IOC or market order remainder
  fok_unfillable, ///< FOK that could not fill completely (nothing traded)
  no_liquidity,   ///< market order against an empty opposite side
  self_trade,     ///< self-trade prevention
  expired,        ///< gate closure (expire_all) or unmatched in an auction
};

/// An order as submitted. For market orders `price` is ignored.
struct order_request {
  order_id id = 0;
  owner_id owner = 0;
  market::side side = side::buy;
  order_type type = order_type::limit;
  time_in_force tif = time_in_force::gtc;
  bool post_only = false;
  price_t price = 0;
  qty_t quantity = 0;  ///< > 0
};

/// One trade: always at the resting (maker) order's price in continuous
/// trading, at the clearing price in an auction.
struct fill {
  order_id maker = 0;  ///< the resting order (in an auction: the sell order)
  order_id taker = 0;  ///< the incoming order (in an auction: the buy order)
  owner_id maker_owner = 0;
  owner_id taker_owner = 0;
  market::side taker_side = side::buy;
  price_t price = 0;
  qty_t quantity = 0;
};

/// Receives what a book call caused, in the order it happened. The default
/// implementations ignore events, so a sink overrides only what it needs.
class event_sink {
 public:
  virtual ~event_sink() = default;
  virtual void on_fill(const fill&) {}
  /// An order (or its remainder) left the book, or never entered it.
  virtual void on_cancel(order_id, qty_t /*cancelled_quantity*/, cancel_reason) {}
  /// An order (or its remainder) now rests in the book.
  virtual void on_rest(order_id, qty_t /*resting_quantity*/, price_t) {}
};

/// The outcome of submit/modify for the order the call was about.
struct order_result {
  bool accepted = true;           ///< false only for post_only orders that would cross
  /// After the call: `filled` (nothing left), `open` / `partially_filled`
  /// (rests; partially_filled once any of it ever traded), or `cancelled`
  /// (the remainder left the book; `filled` may still be > 0). A refused
  /// submit reports `cancelled`; a refused modify reports the order's status.
  order_status status = order_status::open;
  qty_t filled = 0;               ///< by this call
  qty_t remaining = 0;            ///< open quantity left resting (0 unless it rests)
};

/// One aggregated price level.
struct level {
  price_t price = 0;
  qty_t quantity = 0;
  std::int64_t orders = 0;
};

/// A resting order as a plain value (snapshots, rebuilds, auctions).
struct resting_order {
  order_id id = 0;
  owner_id owner = 0;
  market::side side = side::buy;
  order_type type = order_type::limit;
  price_t price = 0;
  qty_t quantity = 0;  ///< open quantity
};

/// A continuous double auction for one delivery slot: price-time priority,
/// partial fills, trades at the resting order's price.
///
/// Complexity: O(log L) to create or drop a price level (L levels on that
/// side), O(1) to reach the best level, O(1) per order added to an existing
/// level at the touch (O(log L) elsewhere), O(1) cancel by id, no allocation
/// per order once the internal pools are warm. (Each side's levels are an
/// ordered map whose tree nodes come from a pool resource.)
class book {
 public:
  explicit book(stp_policy stp = stp_policy::cancel_newest);
  ~book();
  book(book&&) noexcept;
  book& operator=(book&&) noexcept;
  /// A moved-from book may only be destroyed or assigned to.
  book(const book&) = delete;
  book& operator=(const book&) = delete;

  /// Matches `o` against the opposite side, then rests (GTC limit), cancels
  /// (IOC, market remainder) or refuses to trade (FOK that cannot fill
  /// completely: no fill at all, status cancelled). A post_only order that
  /// would cross is not accepted (accepted = false, nothing happens). A
  /// market order against an empty side is accepted and cancelled
  /// (no_liquidity, checked before FOK). post_only: a market order crosses
  /// whenever the opposite side is not empty; an order that does not cross
  /// still obeys its time in force (a post_only IOC/FOK never rests: it is
  /// cancelled as ioc_remainder / fok_unfillable). A refused post_only order
  /// causes no event.
  /// Events, in order: fills and self-trade cancels of resting orders as
  /// matching meets them, then the incoming order's on_rest or on_cancel.
  /// REQUIRES: o.id unused in this book, o.quantity > 0.
  order_result submit(const order_request& o, event_sink& events);

  /// Cancels a resting order. False when the id does not rest here.
  bool cancel(order_id id, event_sink& events);

  /// Changes a resting order. `new_quantity` is the new OPEN quantity.
  /// Reducing it keeps time priority; raising it or changing the price loses
  /// it (the order moves to the back of its level and may match at once, as
  /// a new order would, keeping its id). nullopt when the id does not rest.
  /// A reduction in place reports on_rest(id, new quantity, price); a change
  /// that loses priority reports what a new GTC submit would (fills, then
  /// on_rest or a self-trade on_cancel); no change at all reports nothing. A
  /// post_only order moved to a crossing price is refused (accepted = false,
  /// order unchanged, no event). `filled` counts fills caused by this call.
  /// REQUIRES: new_quantity > 0 when given.
  std::optional<order_result> modify(order_id id, std::optional<qty_t> new_quantity,
                                     std::optional<price_t> new_price, event_sink& events);

  /// Gate closure: every resting order expires (on_cancel with `expired`),
  /// bids then asks, each side in priority order (the order of orders()).
  void expire_all(event_sink& events);

  [[nodiscard]] std::optional<price_t> best_bid() const noexcept;
  [[nodiscard]] std::optional<price_t> best_ask() const noexcept;
  /// Up to `n` levels per side, best first (bids highest first, asks lowest).
  [[nodiscard]] std::vector<level> bids(std::size_t n) const;
  [[nodiscard]] std::vector<level> asks(std::size_t n) const;
  /// Every resting order, bids then asks, each side in priority order.
  [[nodiscard]] std::vector<resting_order> orders() const;
  /// The resting order with this id, if any.
  [[nodiscard]] std::optional<resting_order> find(order_id id) const;
  [[nodiscard]] std::size_t size() const noexcept;

 private:
  struct impl;
  impl* impl_;  // owned; a raw pointer keeps the move operations trivial
};

/// The outcome of a call auction.
struct auction_result {
  /// None when nothing can trade (no crossing, or no limit price at all).
  std::optional<price_t> price;
  qty_t volume = 0;
  std::vector<fill> fills;  ///< maker = sell order, taker = buy order
};

/// Uniform-price call auction over `orders` (one slot), on a tick grid.
///
/// With D(p) the buy quantity whose limit is >= p and S(p) the sell quantity
/// whose limit is <= p (market orders count as the most aggressive limit), the
/// clearing price is the price on the tick grid that (1) maximizes
/// min(D(p), S(p)), then (2) minimizes |D(p) - S(p)|, then (3) lies at the
/// middle of the remaining range of prices, rounded to the tick, half down.
/// Candidate prices lie between the lowest and the highest limit price in the
/// slot; a slot with no limit price at all does not clear. Orders better than
/// the clearing price are served before orders at it; orders at the one
/// rationed limit price share the rest pro rata by quantity, leftover Wh by
/// time priority (smaller id first). Everything trades at the clearing price.
/// Fills pair buys and sells in priority order on both sides.
///
/// Precisely: each side's eligible orders are grouped by priority (all
/// market orders, then each limit price, best first); whole groups are served
/// while they fit in the volume, and the first group that does not fit is the
/// rationed one (usually the group at the clearing price, but it can be the
/// market orders, or a better price when step (3) picked a price inside a gap
/// between limits). Pro-rata shares are floor(q_i * left / group total)
/// (computed in 128 bits). Fills walk buys (market, highest limit, id) and
/// sells (market, lowest limit, id), each fill the minimum of the two
/// remaining allocations. Orders with quantity <= 0 are ignored. Self-trade
/// prevention does not apply. O(n log n).
/// REQUIRES: tick > 0; limit prices are multiples of tick.
[[nodiscard]] auction_result run_auction(std::span<const resting_order> orders, price_t tick);

}  // namespace segs::market
