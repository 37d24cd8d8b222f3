// The market's command journal: one compact entry per accepted order,
// amendment and cancel of a region, in the order the region applied them.
//
// Why: the engine is deterministic, so the entries (with the ids and clock
// time the call used) are a complete record of what the market did; the
// order and trade tables are a projection of them that the service writes
// in batches. Committing one small row per command, instead of an order
// row, its trades and its makers' updates into indexed tables, is what lets
// an acknowledged order cost little more than one raw insert
// (docs/market.md, "Durability").
//
// The encoding is a fixed little-endian layout with a version byte; it is
// private to this library and read back only by it.
#pragma once

#include <segs/market.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace segs::market {

struct command {
  enum class kind : std::uint8_t { submit = 1, cancel = 2, modify = 3 };
  kind type = kind::submit;

  // submit
  uuid order_id;
  uuid user_id;
  order_spec spec;  ///< region unused: a journal belongs to one region

  // cancel, modify: the order's engine id (its seq in the region)
  std::int64_t order_seq = 0;
  order_change change;
};

/// The bytes of `c`.
std::vector<std::uint8_t> encode(const command& c);
/// Decodes what `encode` wrote; throws segs::exception (internal) on bytes
/// it did not write.
command decode(std::span<const std::uint8_t> bytes);

}  // namespace segs::market
