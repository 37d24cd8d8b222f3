// Internal to the alerts service: the implementation behind
// `segs::alerts_service`, shared by the files of src/alerts/ that each hold
// one responsibility (evaluation on readings and by due work, the
// lifecycle, reports, settings).
//
// Stateless but for one cache: the high_consumption baselines of a meter's
// local day (for each wall-clock hour, the mean of its quarter-hours over
// the previous 7 days) are read once per meter and day in this process, not
// per reading.
// A batch drops the cached baselines its readings are history of, and does
// not cache one it wrote history of itself (it may roll back). Late history
// written by another process is seen when the baseline is next read.
// Everything else lives in storage, counts included, so a reopened grid (or
// another process) continues where this one stopped.
#pragma once

#include "alerts/rules.hpp"
#include "grid_core.hpp"
#include "storage/stores/alerts_store.hpp"

#include <segs/alerts.hpp>

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace segs {

/// A local day's high_consumption baselines, one per wall-clock hour.
using day_baseline = std::array<std::optional<double>, 24>;

struct alerts_service::impl {
  detail::grid_core& core;
  explicit impl(detail::grid_core& c) : core(c) {}

  // --- evaluation (alerts_evaluate.cpp) ---------------------------------------------
  /// The rules on readings telemetry stored, in its transaction; events for
  /// after its commit go to `out`.
  void on_readings(storage::transaction& tx, const detail::stored_batch& batch, std::vector<event>& out);
  /// Due work: raises meter_offline for silent meters; answers how many.
  std::int64_t sweep_offline();

  // --- settings (alerts_service.cpp) -------------------------------------------------
  /// The settings in effect for a region (and its meters' overrides).
  struct region_rules {
    alert_settings region;
    std::map<std::int64_t, alert_settings> meters;  ///< meters with overrides
    [[nodiscard]] const alert_settings& of(std::int64_t meter) const {
      auto it = meters.find(meter);
      return it == meters.end() ? region : it->second;
    }
  };
  region_rules rules_of(storage::transaction& tx, std::string_view region);
  /// Stores `patch` for the region (or its meter); audited.
  alert_settings update_settings(const principal& who, std::string_view region, std::optional<std::string_view> meter,
                                 const alert_settings_patch& patch, const request_context& ctx);

  // --- access (alerts_lifecycle.cpp) -------------------------------------------------
  [[nodiscard]] static storage::alerts::visibility visibility_of(const principal& who);
  /// Who sees an alert may acknowledge and resolve it (alerts.hpp).
  [[nodiscard]] static bool sees(const principal& who, const alert& a);
  /// The alert `id` when `who` sees it; not_found otherwise.
  storage::alerts::alert_row require(storage::transaction& tx, const principal& who, const uuid& id);

  // The high_consumption baselines: (meter, local day's first instant) ->
  // the mean Wh of a quarter-hour of each wall-clock hour, none under 3
  // days of history.
  std::mutex baseline_mu;
  std::map<std::pair<std::int64_t, std::int64_t>, day_baseline> baselines;
};

}  // namespace segs
