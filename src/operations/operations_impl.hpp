// Internal to the operations service: the implementation behind
// `segs::operations_service`. Stateless beyond what grid_core records
// (when the grid opened, when due work last ran).
#pragma once

#include "grid_core.hpp"

#include <segs/operations.hpp>
#include <segs/region.hpp>

#include <functional>
#include <string_view>
#include <vector>

namespace segs {

struct operations_service::impl {
  detail::grid_core& core;
  /// Has the market write the rows waiting for their batch (set by
  /// open_grid, as for analytics), before the market's tables are read.
  std::function<void()> sync_market;
  /// The grid whose services `seed` calls (set by open_grid).
  segs::grid* services = nullptr;
  explicit impl(detail::grid_core& c) : core(c) {}

  static void require_reader(const principal& who);

  // --- operators' views (operator_reports.cpp, user_export.cpp) ----------------------
  /// Unauthorized for anonymous callers, forbidden for API keys and for
  /// callers without analytics:operate.
  static void require_operator(const principal& who);
  /// Does `who` operate `region` (analytics:operate over it)?
  [[nodiscard]] static bool operates(const principal& who, std::string_view region);
  /// The registered regions `who` operates, by code.
  [[nodiscard]] static std::vector<region> operated_regions(storage::transaction& tx, const principal& who);
  void sync() const {
    if (sync_market) sync_market();
  }
};

namespace detail {

/// The health checks' thresholds (docs/operations.md, "Health").
struct health_limits {
  double database_degraded_ms = 100;
  double due_work_degraded_s = 60;
  double due_work_unhealthy_s = 600;
};

/// The statuses and the overall one from the measured figures (pure).
void grade(health_report& h, const health_limits& limits = {});

}  // namespace detail

}  // namespace segs
