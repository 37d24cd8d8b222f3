// The aggregate of a set of readings: what the quarter-hour and day tables
// store. Pure arithmetic on integers, so merging in any order, late readings
// included, gives the same bucket as a recomputation from the raw rows.
#pragma once

#include <segs/telemetry.hpp>

#include <cstdint>
#include <optional>

namespace segs::telemetry {

/// Sum, count, min and max of one optional value (thousandths).
struct value_stats {
  std::int64_t n = 0;
  std::int64_t sum = 0;
  std::optional<std::int64_t> min, max;

  void add(std::int64_t v) noexcept;
  void merge(const value_stats& o) noexcept;
  /// sum / n rounded half to even; none when n == 0.
  [[nodiscard]] std::optional<milli> mean() const;
  friend bool operator==(const value_stats&, const value_stats&) = default;
};

struct aggregate {
  std::int64_t consumed_wh = 0;
  std::int64_t produced_wh = 0;
  std::int64_t readings = 0;
  value_stats power, voltage, current, power_factor, frequency;
  /// The largest peak demand and the time of the first reading carrying it.
  std::optional<std::int64_t> peak_max;
  std::optional<timestamp> peak_at;

  void add(const reading& r) noexcept;
  void merge(const aggregate& o) noexcept;
  [[nodiscard]] bool empty() const noexcept { return readings == 0; }
  /// The public bucket of this aggregate over (start, end].
  [[nodiscard]] bucket to_bucket(timestamp start, timestamp end) const;
  friend bool operator==(const aggregate&, const aggregate&) = default;
};

/// The quarter-hour (start, start + 15 min] containing `t`: its start.
[[nodiscard]] timestamp quarter_of(timestamp t) noexcept;
inline constexpr std::chrono::minutes quarter{15};

}  // namespace segs::telemetry
