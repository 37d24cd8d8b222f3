// A reference model of the matching engine (src/market/engine.hpp), written
// independently of the engine for the randomized differential tests. It is
// deliberately naive: resting orders sit in one unsorted vector that is
// scanned linearly, and the auction evaluates D(p) and S(p) literally at every
// candidate price. Slow on purpose, so that it is obviously right; the tests
// compare every event, result and snapshot of the real engine against it.
//
// Where the rules leave a choice open, the model takes these (the engine
// must agree, or the differential tests report it):
// - a refused post_only order answers accepted = false, status cancelled, and
//   emits nothing; a post_only MARKET order crosses any resting order; a
//   post_only IOC/FOK that does not cross is then handled by its tif;
// - an order cancelled after partial fills (IOC remainder, self-trade)
//   answers status cancelled, filled = what it traded;
// - a market order against an empty side is no_liquidity even if it is FOK;
// - cancel_both emits the resting order's cancel, then the incoming one's;
// - a modification that only reduces the open quantity emits on_rest with the
//   new quantity; a no-op modification emits nothing;
// - expire_all cancels bids then asks, each in priority order;
// - auction: when even the orders strictly better than the clearing price
//   exceed the volume, price priority still rules: whole price levels (market
//   orders first) are served while they fit, and the first level that does
//   not fit is the one shared pro rata (leftover Wh one each, smaller id first).
//
// Thread-safety: none; each test owns its model.
#pragma once

#include "market/engine.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace segs::market::reference {

/// The continuous book, same interface and same events as segs::market::book.
class model_book {
 public:
  explicit model_book(stp_policy stp) : stp_(stp) {}

  order_result submit(const order_request& o, event_sink& events);
  bool cancel(order_id id, event_sink& events);
  std::optional<order_result> modify(order_id id, std::optional<qty_t> new_quantity,
                                     std::optional<price_t> new_price, event_sink& events);
  void expire_all(event_sink& events);

  [[nodiscard]] std::optional<price_t> best_bid() const;
  [[nodiscard]] std::optional<price_t> best_ask() const;
  [[nodiscard]] std::vector<level> bids(std::size_t n) const;
  [[nodiscard]] std::vector<level> asks(std::size_t n) const;
  [[nodiscard]] std::vector<resting_order> orders() const;
  [[nodiscard]] std::optional<resting_order> find(order_id id) const;
  [[nodiscard]] std::size_t size() const { return resting_.size(); }

 private:
  struct entry {
    order_id id = 0;
    owner_id owner = 0;
    market::side side = side::buy;
    price_t price = 0;
    qty_t open = 0;
    bool post_only = false;
    bool ever_filled = false;   // for the partially_filled status
    std::uint64_t arrival = 0;  // time priority; renewed when priority is lost
  };

  /// Is `a` ahead of `b` on their (common) side?
  static bool ahead(const entry& a, const entry& b);
  /// Index of the best resting order on side `s`, or -1.
  [[nodiscard]] std::ptrdiff_t best_index(market::side s) const;
  [[nodiscard]] std::vector<entry> sorted_side(market::side s) const;
  [[nodiscard]] std::vector<level> levels(market::side s, std::size_t n) const;
  /// Would an order on side `s` at limit `price` (nullopt = market) trade with `resting`?
  static bool crosses(market::side s, std::optional<price_t> price, price_t resting);
  [[nodiscard]] std::ptrdiff_t index_of(order_id id) const;

  struct match_outcome {
    qty_t filled = 0;
    qty_t remaining = 0;
    bool self_trade_stop = false;  // the incoming remainder must be cancelled (self_trade)
  };
  /// Matches an incoming order against the opposite side, emitting fills and
  /// self-trade cancels of resting orders.
  match_outcome match(order_id id, owner_id owner, market::side s, std::optional<price_t> limit,
                      qty_t quantity, event_sink& events);

  stp_policy stp_;
  std::vector<entry> resting_;
  std::uint64_t next_arrival_ = 1;
};

/// The uniform-price call auction, same contract as segs::market::run_auction.
[[nodiscard]] auction_result model_auction(std::span<const resting_order> orders, price_t tick);

/// D(p): buy quantity with limit >= p (market buys always count).
[[nodiscard]] qty_t demand_at(std::span<const resting_order> orders, price_t p);
/// S(p): sell quantity with limit <= p (market sells always count).
[[nodiscard]] qty_t supply_at(std::span<const resting_order> orders, price_t p);

}  // namespace segs::market::reference
