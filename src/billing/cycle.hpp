// Billing cycles: local calendar months of a region starting on its cycle
// day at local midnight. Pure: no storage, no clock.
#pragma once

#include "core/time_zone.hpp"

#include <segs/types.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace segs::billing {

inline constexpr std::int64_t quarter_us = 900'000'000;

struct cycle {
  std::chrono::year_month month;  ///< the month the cycle starts in: its period
  timestamp start{};
  timestamp end{};
  int days = 0;  ///< local dates in [start, end)

  [[nodiscard]] std::string period() const;
  /// The number of 15-minute buckets in [start, end).
  [[nodiscard]] std::size_t buckets() const noexcept {
    return static_cast<std::size_t>((to_micros(end) - to_micros(start)) / quarter_us);
  }
};

/// "2026-11" (exactly YYYY-MM, month 01-12), or none.
[[nodiscard]] std::optional<std::chrono::year_month> parse_period(std::string_view text);
[[nodiscard]] std::string period_text(std::chrono::year_month m);

/// The cycle of `month` in zone `z` for a cycle day 1-28.
[[nodiscard]] cycle cycle_of(const tz::zone& z, std::chrono::year_month month, int cycle_day);
/// The cycle holding the instant `at`.
[[nodiscard]] cycle cycle_at(const tz::zone& z, timestamp at, int cycle_day);
/// The local dates of the cycle started by `at` (at least 1, at most c.days).
[[nodiscard]] int days_started(const tz::zone& z, const cycle& c, timestamp at);

}  // namespace segs::billing
