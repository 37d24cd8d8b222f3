// The alert settings as stored: a row (name, value) per member a patch set,
// for a region (meter 0) or a meter. The settings in effect are the
// defaults (with the region's nominal voltage and frequency), then the
// region's rows, then the meter's.
#pragma once

#include <segs/alerts.hpp>
#include <segs/region.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace segs::alerts {

using setting_rows = std::vector<std::pair<std::string, std::int64_t>>;

/// The rows a patch sets.
[[nodiscard]] setting_rows rows_of(const alert_settings_patch& p);
/// The patch stored rows describe (unknown names are skipped: a newer
/// library's settings do not break an older one).
[[nodiscard]] alert_settings_patch patch_of(const setting_rows& rows);
/// The defaults of a region: alert_settings{} with its nominal values.
[[nodiscard]] alert_settings defaults_for(const region& r);

}  // namespace segs::alerts
