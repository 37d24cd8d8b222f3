// The P2P seed's meter analytics, defined exactly (docs/telemetry.md):
// computed from a meter's stored quarter-hours, with integer sums and one
// rounding (half to even, 4 decimals) per ratio. Pure: unit-tested alone.
#pragma once

#include "core/time_zone.hpp"
#include "storage/stores/telemetry_store.hpp"

#include <segs/telemetry.hpp>

#include <vector>

namespace segs::telemetry {

/// Analytics of the quarter-hours `quarters` (those overlapping `range`)
/// of a meter in zone `z`; `emission_factor` kg CO2 per kWh.
[[nodiscard]] meter_analytics analyze(const std::vector<storage::telemetry::stored_bucket>& quarters,
                                      const tz::zone& z, const time_range& range,
                                      double emission_factor);

/// Hours of day (0-23, each once) merged into local ranges "HH:00-HH:00",
/// consecutive hours joined (23 and 0 too: "22:00-06:00"), ordered by start.
[[nodiscard]] std::vector<std::string> hour_ranges(std::vector<int> hours);

}  // namespace segs::telemetry
