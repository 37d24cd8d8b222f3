// The tariffs' prices of every 15-minute bucket of a range of a region,
// read once and shared: by every customer's invoice of a cycle
// (billing_generate.cpp) and by the analytics' savings against the tariff
// (src/analytics/). Reads the tariffs' store; no clock.
#pragma once

#include "billing/cycle.hpp"
#include "billing/lines.hpp"
#include "core/time_zone.hpp"
#include "storage/backend.hpp"

#include <segs/region.hpp>

namespace segs::billing {

/// The region's zone; internal when the registry holds an unknown one.
[[nodiscard]] tz::zone zone_of(const region& r);

/// The prices of the buckets of [c.start, c.end) (each bucket priced by the
/// tariff in effect at its start, overrides included; -1 where none is) and
/// the tariff of each of the c.days local days. `c` need not be a billing
/// cycle: any range of whole local days (its `month` is not read).
[[nodiscard]] cycle_prices prices_of(storage::transaction& tx, const region& r, const tz::zone& z, const cycle& c);

}  // namespace segs::billing
