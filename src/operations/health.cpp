// Grading the health checks from their figures (pure; unit-tested alone).
#include "operations/operations_impl.hpp"

#include <algorithm>

namespace segs {

std::string_view to_string(health_status s) noexcept {
  switch (s) {
    case health_status::healthy: return "healthy";
    case health_status::degraded: return "degraded";
    case health_status::unhealthy: return "unhealthy";
  }
  return "healthy";
}

namespace detail {

void grade(health_report& h, const health_limits& limits) {
  // database.status arrives unhealthy when the query failed.
  if (h.database.status == health_status::healthy && h.database.latency_ms > limits.database_degraded_ms)
    h.database.status = health_status::degraded;
  h.migrations.status =
      h.migrations.version == h.migrations.latest ? health_status::healthy : health_status::unhealthy;
  if (!h.due_work.lag_s || *h.due_work.lag_s > limits.due_work_unhealthy_s)
    h.due_work.status = h.due_work.lag_s ? health_status::unhealthy : health_status::degraded;
  else if (*h.due_work.lag_s > limits.due_work_degraded_s)
    h.due_work.status = health_status::degraded;
  else
    h.due_work.status = health_status::healthy;
  h.event_hub.status = h.event_hub.dropped > 0 ? health_status::degraded : health_status::healthy;
  h.storage.status = h.storage.pool_size > 0 && h.storage.pool_in_use >= h.storage.pool_size
                         ? health_status::degraded
                         : health_status::healthy;
  h.status = std::max({h.database.status, h.migrations.status, h.due_work.status, h.event_hub.status,
                       h.storage.status});
}

}  // namespace detail
}  // namespace segs
