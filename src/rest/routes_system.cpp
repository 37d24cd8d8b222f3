// The deployment's health, what runs and what it holds, for admins:
// /api/v1/admin/health and /api/v1/system/health/detailed (the same
// checks), /api/v1/system/info and /api/v1/admin/stats. The operations
// service decides who may (system:read); no answer carries a secret.
#include "rest/json_io.hpp"
#include "rest/route.hpp"

#include <segs/operations.hpp>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

json::value check(health_status s, json::object more) {
  more.emplace("status", to_string(s));
  return more;
}

reply health(call& c) {
  const auto h = take(c.grid.operations().health(c.caller()));
  json::object checks{
      {"database", check(h.database.status, {{"latency_ms", h.database.latency_ms}})},
      {"migrations", check(h.migrations.status, {{"version", h.migrations.version}, {"latest", h.migrations.latest}})},
      {"due_work", check(h.due_work.status, {{"lag_s", h.due_work.lag_s ? json::value(*h.due_work.lag_s) : nullptr},
                                             {"last_run_at", time_or_null(h.due_work.last_run_at)}})},
      {"event_hub", check(h.event_hub.status, {{"queued", h.event_hub.queued},
                                               {"dropped", h.event_hub.dropped},
                                               {"subscribers", h.event_hub.subscribers}})},
      {"storage", check(h.storage.status, {{"pool_in_use", h.storage.pool_in_use}, {"pool_size", h.storage.pool_size}})}};
  return ok(json::object{{"status", to_string(h.status)}, {"checks", std::move(checks)}}, "health checks");
}

}  // namespace

void add_system_routes(router& r) {
  r.add("GET", "/api/v1/admin/health", access::signed_in, health);
  r.add("GET", "/api/v1/system/health/detailed", access::signed_in, health);

  r.add("GET", "/api/v1/system/info", access::signed_in, [](call& c) {
    const auto i = take(c.grid.operations().info(c.caller()));
    json::array regions;
    for (const auto& code : i.regions) regions.emplace_back(code);
    return ok(json::object{{"version", i.version},
                           {"build", i.build},
                           {"backend", i.backend},
                           {"uptime_s", i.uptime_s},
                           {"started_at", to_rfc3339(i.started_at)},
                           {"schema_version", i.schema_version},
                           {"regions", std::move(regions)}},
              "system information");
  });

  r.add("GET", "/api/v1/admin/stats", access::signed_in, [](call& c) {
    const auto s = take(c.grid.operations().stats(c.caller()));
    json::array regions;
    for (const auto& row : s.regions)
      regions.push_back(json::object{{"region", row.region},
                                     {"users", row.users},
                                     {"meters", row.meters},
                                     {"open_alerts", row.open_alerts},
                                     {"open_orders", row.open_orders},
                                     {"invoices", row.invoices}});
    return ok(json::object{{"users", s.users},
                           {"meters", s.meters},
                           {"readings", s.readings},
                           {"open_alerts", s.open_alerts},
                           {"tariffs", s.tariffs},
                           {"open_orders", s.open_orders},
                           {"trades", s.trades},
                           {"invoices", s.invoices},
                           {"notifications", s.notifications},
                           {"audit_records", s.audit_records},
                           {"regions", std::move(regions)},
                           {"database_bytes", s.database_bytes ? json::value(*s.database_bytes) : nullptr}},
              "deployment statistics");
  });
}

}  // namespace segs::rest::detail
