// The health checks' grading (operations/health.cpp): thresholds and the
// overall status as the worst check.
#include "operations/operations_impl.hpp"

#include <doctest/doctest.h>

using segs::health_status;

namespace {

segs::health_report fine() {
  segs::health_report h;
  h.database.latency_ms = 3;
  h.migrations.version = h.migrations.latest = 14;
  h.due_work.lag_s = 1.0;
  h.storage.pool_in_use = 1;
  h.storage.pool_size = 8;
  return h;
}

}  // namespace

TEST_CASE("health grading: all fine is healthy, and the worst check decides") {
  auto h = fine();
  segs::detail::grade(h);
  CHECK(h.status == health_status::healthy);

  h = fine();
  h.database.latency_ms = 150;
  segs::detail::grade(h);
  CHECK(h.database.status == health_status::degraded);
  CHECK(h.status == health_status::degraded);

  h = fine();
  h.database.status = health_status::unhealthy;  // the query failed
  segs::detail::grade(h);
  CHECK(h.status == health_status::unhealthy);

  h = fine();
  h.migrations.latest = 15;
  segs::detail::grade(h);
  CHECK(h.migrations.status == health_status::unhealthy);
  CHECK(h.status == health_status::unhealthy);
}

TEST_CASE("health grading: due work lag, dropped events and a full pool") {
  auto h = fine();
  h.due_work.lag_s.reset();  // never ran
  segs::detail::grade(h);
  CHECK(h.due_work.status == health_status::degraded);
  h.due_work.lag_s = 60.0;
  segs::detail::grade(h);
  CHECK(h.due_work.status == health_status::healthy);
  h.due_work.lag_s = 61.0;
  segs::detail::grade(h);
  CHECK(h.due_work.status == health_status::degraded);
  h.due_work.lag_s = 601.0;
  segs::detail::grade(h);
  CHECK(h.due_work.status == health_status::unhealthy);

  h = fine();
  h.event_hub.dropped = 1;
  h.storage.pool_in_use = 8;
  segs::detail::grade(h);
  CHECK(h.event_hub.status == health_status::degraded);
  CHECK(h.storage.status == health_status::degraded);
  CHECK(h.status == health_status::degraded);
}
