// Operations (issue 16, section 3): health checks, what runs, what the
// deployment holds; admins only.
#include "alerts/alerts_fixture.hpp"

#include <doctest/doctest.h>

using namespace segs_test;
using segs::errc;
using segs::health_status;

TEST_CASE("operations: health checks each part, and due work's lag shows once it ran") {
  alerts_fixture f;
  auto& ops = f.grid->operations();
  auto h = ops.health(f.admin);
  REQUIRE_MESSAGE(h.has_value(), (h ? "" : h.error().message));
  CHECK(h->database.status != health_status::unhealthy);
  CHECK(h->database.latency_ms >= 0);
  CHECK(h->migrations.status == health_status::healthy);
  CHECK(h->migrations.version == f.grid->schema_version());
  CHECK(h->migrations.version >= 14);
  CHECK_FALSE(h->due_work.lag_s.has_value());  // never ran in this grid
  CHECK(h->due_work.status == health_status::degraded);
  CHECK(h->status == health_status::degraded);
  CHECK(h->storage.pool_size >= 1);
  CHECK(h->storage.pool_in_use < h->storage.pool_size);

  // A subscriber's full queue drops events: the hub is degraded.
  auto q = f.grid->events().queue(1, {.names = {"notifications."}, .region = std::nullopt});
  REQUIRE(f.grid->notifications().send_test(f.alice).has_value());
  REQUIRE(f.grid->notifications().send_test(f.alice).has_value());
  REQUIRE(f.grid->run_due_work().has_value());
  h = ops.health(f.admin);
  REQUIRE(h.has_value());
  REQUIRE(h->due_work.lag_s.has_value());
  CHECK(*h->due_work.lag_s < 60);
  CHECK(h->due_work.last_run_at == f.clock->now());
  CHECK(h->due_work.status == health_status::healthy);
  CHECK(h->event_hub.queued == 1);
  CHECK(h->event_hub.dropped == 1);
  CHECK(h->event_hub.subscribers >= 1);
  CHECK(h->event_hub.status == health_status::degraded);
  q.close();
}

TEST_CASE("operations: info says what runs, stats count what the deployment holds") {
  alerts_fixture f;
  auto& ops = f.grid->operations();
  auto i = ops.info(f.admin);
  REQUIRE(i.has_value());
  CHECK(i->version == segs::version_string);
  CHECK(i->backend == f.grid->backend_name());
  CHECK(i->schema_version == f.grid->schema_version());
  CHECK(i->uptime_s >= 0);
  CHECK(std::find(i->regions.begin(), i->regions.end(), "berlin") != i->regions.end());
  CHECK_FALSE(i->build.empty());

  f.meter("OPS_1", "north", &f.alice_user);
  f.meter("OPS_2", "berlin");
  f.send("OPS_1", f.volts(at("2025-06-15T10:00:00Z"), 245'000));
  auto s = ops.stats(f.admin);
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
  CHECK(s->meters == 2);
  CHECK(s->readings == 1);
  CHECK(s->open_alerts == 1);
  CHECK(s->notifications == 1);  // alice's alert
  CHECK(s->users == 6);
  CHECK(s->audit_records > 0);
  const segs::deployment_stats::region_counts* north = nullptr;
  const segs::deployment_stats::region_counts* berlin = nullptr;
  for (const auto& r : s->regions) {
    if (r.region == "north") north = &r;
    if (r.region == "berlin") berlin = &r;
  }
  REQUIRE(north);
  REQUIRE(berlin);
  CHECK(north->meters == 1);
  CHECK(north->open_alerts == 1);
  CHECK(berlin->meters == 1);
  CHECK(berlin->users == 1);  // op_berlin
  if (f.grid->backend_name() == "sqlite" && s->database_bytes) CHECK(*s->database_bytes > 0);
  if (f.grid->backend_name() == "postgres") {
    REQUIRE(s->database_bytes.has_value());
    CHECK(*s->database_bytes > 0);
  }
}

TEST_CASE("operations: only admins read the deployment's health, info and stats") {
  alerts_fixture f;
  auto& ops = f.grid->operations();
  for (const auto* who : {&f.op, &f.alice}) {
    CHECK(ops.health(*who).error().code == errc::forbidden);
    CHECK(ops.info(*who).error().code == errc::forbidden);
    CHECK(ops.stats(*who).error().code == errc::forbidden);
  }
  CHECK(ops.health(segs::principal::anonymous()).error().code == errc::unauthorized);
  CHECK(ops.info(segs::principal::system()).has_value());
}
