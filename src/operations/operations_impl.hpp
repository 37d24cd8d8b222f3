// Internal to the operations service: the implementation behind
// `segs::operations_service`. Stateless beyond what grid_core records
// (when the grid opened, when due work last ran).
#pragma once

#include "grid_core.hpp"

#include <segs/operations.hpp>

namespace segs {

struct operations_service::impl {
  detail::grid_core& core;
  /// The grid whose services `seed` calls (set by open_grid).
  segs::grid* services = nullptr;
  explicit impl(detail::grid_core& c) : core(c) {}

  static void require_reader(const principal& who);
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
