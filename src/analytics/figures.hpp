// The arithmetic of the analytics (docs/analytics.md), pure: no storage, no
// clock. Sums are exact integers (money x energy in 10^-9 currency units);
// each figure is rounded once, half to even. Unit-tested alone
// (tests/unit/test_analytics_figures.cpp).
#pragma once

#include "core/time_zone.hpp"

#include <segs/analytics.hpp>
#include <segs/types.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace segs::analytics {

__extension__ using wide = __int128;

/// num / den rounded half to even; REQUIRES den > 0.
[[nodiscard]] std::int64_t div_half_even(wide num, wide den);

/// num / den rounded half to even to 4 decimals; none when den <= 0.
[[nodiscard]] std::optional<double> ratio(std::int64_t num, std::int64_t den);

/// The mean of `sum` over `count` values, half to even to the micro-unit;
/// none without values.
[[nodiscard]] std::optional<money> mean(wide sum, std::int64_t count);

/// A volume-weighted average price: sum(price x energy) / sum(energy), half
/// to even to the micro-unit.
struct vwap_sum {
  wide notional = 0;  ///< micro-units per kWh x Wh
  std::int64_t wh = 0;
  void add(money price, energy q) noexcept;
  [[nodiscard]] std::optional<money> value() const;
};

/// Self-sufficiency over quarter-hours: sum(min(c, p)) / sum(c).
struct self_sufficiency {
  std::int64_t consumed = 0;
  std::int64_t produced = 0;
  std::int64_t covered = 0;  ///< sum(min(c, p))
  void add_quarter(std::int64_t c, std::int64_t p) noexcept;
  [[nodiscard]] energy_figures figures() const;
};

/// Savings against the tariff, in 10^-9 currency units (micro-units per kWh
/// x Wh): a kWh bought at `trade` instead of the tariff's `import` price
/// saves import - trade; a kWh sold at `trade` instead of the tariff's
/// `export_price` earns trade - export_price more.
[[nodiscard]] wide buy_saving(money import, money trade, std::int64_t wh) noexcept;
[[nodiscard]] wide sell_saving(money trade, money export_price, std::int64_t wh) noexcept;
/// 10^-9 units to micro-units, half to even.
[[nodiscard]] money to_money(wide nanos);

/// A bucket of local days [start, end).
struct day_bucket {
  std::chrono::year_month_day date{};
  timestamp start{};
  timestamp end{};
};
/// The local days from `from` to `to` (both included) of zone `z`.
[[nodiscard]] std::vector<day_bucket> local_days(const tz::zone& z, std::chrono::year_month_day from,
                                                 std::chrono::year_month_day to);
/// The index of the bucket holding `t` (buckets adjacent and ascending);
/// none outside them.
[[nodiscard]] std::optional<std::size_t> bucket_of(std::span<const day_bucket> buckets, timestamp t);
/// The local days grouped by calendar month (buckets "YYYY-MM"), each from
/// its first day in the range to the end of its last.
struct period_bucket {
  std::string period;  ///< "YYYY-MM-DD" or "YYYY-MM"
  timestamp start{};
  timestamp end{};
};
[[nodiscard]] std::vector<period_bucket> group(std::span<const day_bucket> days, analytics_grouping g);
/// The index of the period holding `t` (periods adjacent and ascending);
/// none outside them.
[[nodiscard]] std::optional<std::size_t> period_of(std::span<const period_bucket> periods, timestamp t);

}  // namespace segs::analytics
