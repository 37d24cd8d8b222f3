// What the market service keeps per order, trade and slot, beyond the public
// values: the engine's integer ids and the bookkeeping that rebuilds books.
// Shared by the service (src/market/) and its store (src/storage/stores/).
#pragma once

#include <segs/market.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace segs::detail {

/// An order with its engine id (`seq`, unique per region) and its time
/// priority (smaller = older; renewed when an amendment loses priority).
struct order_record {
  segs::order o;
  std::int64_t seq = 0;
  std::int64_t priority = 0;
};

struct trade_record {
  uuid id;
  std::string region;
  std::int64_t seq = 0;  ///< execution order within the region
  timestamp delivery_slot{};
  money price;
  energy quantity;
  uuid buy_order_id;
  uuid sell_order_id;
  uuid buyer_id;
  uuid seller_id;
  std::optional<order_side> aggressor;  ///< none: an auction trade
  money buyer_fee;
  money seller_fee;
  timestamp executed_at{};
};

enum class slot_state { open, closed, settled };

struct slot_record {
  std::string region;
  timestamp start{};
  market_settings settings;  ///< as the slot opened with
  slot_state state = slot_state::open;
  timestamp gate_at{};
  std::int64_t sequence = 0;
  std::optional<money> clearing_price;
  std::optional<energy> cleared;
  std::optional<timestamp> closed_at;
  std::optional<timestamp> settled_at;
  /// The best bid and ask when the gate closed (epoch: of the collected
  /// limit orders, before the auction); none where a side had none.
  std::optional<money> gate_bid;
  std::optional<money> gate_ask;
};

}  // namespace segs::detail
