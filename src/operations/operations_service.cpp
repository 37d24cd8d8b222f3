// The operations service: health checks, what runs, what the deployment
// holds. Grading is pure (health.cpp); the counts come from each
// capability's store.
#include "operations/operations_impl.hpp"
#include "storage/migrations.hpp"
#include "storage/stores/operations_counts.hpp"
#include "storage/stores/region_store.hpp"

#include <segs/version.hpp>

#include <chrono>

namespace segs {

using detail::fail;

operations_service::operations_service(detail::grid_core& core) : impl_(std::make_unique<impl>(core)) {}
operations_service::~operations_service() = default;

void operations_service::impl::require_reader(const principal& who) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in first");
  if (!who.can(permission::system_read)) fail(errc::forbidden, "this needs system:read (admins)");
}

namespace {

std::string build_text() {
  std::string out = "gcc " __VERSION__;
#ifdef NDEBUG
  out += ", release";
#else
  out += ", debug";
#endif
#if defined(SEGS_WITH_PDF) && SEGS_WITH_PDF
  out += ", pdf";
#endif
  return out;
}

}  // namespace

result<health_report> operations_service::health(const principal& who) {
  return detail::guard([&] {
    impl::require_reader(who);
    auto& core = impl_->core;
    health_report h;
    const auto t0 = std::chrono::steady_clock::now();
    const bool answered = core.db->ping();
    h.database.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!answered) h.database.status = health_status::unhealthy;
    h.migrations.version = core.schema_version;
    const auto& known = storage::embedded_migrations(core.db->dialect());
    h.migrations.latest = known.empty() ? 0 : known.back().version;
    if (const auto last = core.due_work_last_run()) {
      h.due_work.last_run_at = last->at;
      h.due_work.lag_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - last->steady).count();
    }
    const auto backlog = core.events.backlog();
    h.event_hub.queued = backlog.queued;
    h.event_hub.dropped = backlog.dropped;
    h.event_hub.subscribers = backlog.subscribers;
    const auto pool = core.db->pool_usage();
    h.storage.pool_in_use = pool.in_use;
    h.storage.pool_size = pool.size;
    detail::grade(h);
    return h;
  });
}

result<system_info> operations_service::info(const principal& who) {
  return detail::guard([&] {
    impl::require_reader(who);
    auto& core = impl_->core;
    system_info i;
    i.version = version_string;
    i.build = build_text();
    i.backend = std::string(core.db->dialect());
    i.uptime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - core.opened_steady).count();
    i.started_at = core.opened_at;
    i.schema_version = core.schema_version;
    i.readings_ingested = core.readings_ingested.load(std::memory_order_relaxed);
    core.read([&](storage::transaction& tx) {
      i.regions.clear();
      for (const auto& r : storage::regions::all(tx)) i.regions.push_back(r.code);
    });
    return i;
  });
}

result<deployment_stats> operations_service::stats(const principal& who) {
  return detail::guard([&] {
    impl::require_reader(who);
    auto& core = impl_->core;
    auto s = core.read([&](storage::transaction& tx) { return storage::counts::of_deployment(tx); });
    s.database_bytes = core.db->size_bytes();
    return s;
  });
}

}  // namespace segs
