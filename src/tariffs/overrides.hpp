// Overrides compiled for the pricer: which override wins where, as sorted
// disjoint segments, and the effective price of every period under each.
// Internal: the public contract is include/segs/tariffs.hpp.
#pragma once

#include <segs/tariffs.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace segs::tariffs {

/// [start, end) (µs since the epoch) under the override of price row `row`.
struct override_segment {
  std::int64_t start = 0;
  std::int64_t end = 0;
  std::uint32_t row = 0;
};

struct override_table {
  std::vector<override_segment> segments;  ///< ascending, disjoint; gaps: no override
  std::vector<uuid> ids;                   ///< the override of row r is ids[r - 1]
  std::vector<money> prices;               ///< row-major: row 0 the periods' own prices, then one row per override
};

/// The overrides of `t`'s region (each validated; errors name
/// `overrides[i].member`), resolved so the most recently created wins.
[[nodiscard]] result<override_table> compile_overrides(const tariff& t, std::span<const tariff_override> overrides);

}  // namespace segs::tariffs
