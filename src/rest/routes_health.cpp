// Probes, metrics and the OpenAPI document. None of them is rate limited
// except the document: probes and scrapers poll on a schedule.
#include "rest/route.hpp"
#include "rest/state.hpp"

#include <segs/version.hpp>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace segs::rest::detail {

namespace {

reply health(call& c) {
  return ok({{"status", "ok"},
             {"version", segs::version_string},
             {"backend", std::string(c.grid.backend_name())}},
            "service is healthy");
}

/// One metric's HELP, TYPE and sample lines.
void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            const std::vector<std::pair<std::string, double>>& samples) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  for (const auto& [labels, v] : samples) {
    char num[64];
    std::snprintf(num, sizeof num, "%.17g", v);
    out.append(name).append(labels).append(" ").append(num).append("\n");
  }
}

/// Per-capability counters and gauges, read when scraped (as the system:
/// the scrape is the host's, like its due work). A capability that cannot
/// answer (storage down) leaves its metrics out rather than failing the
/// scrape; segs_up says whether everything answered.
std::string capability_metrics(call& c) {
  std::string out;
  const auto sys = principal::system();
  bool all = true;
  metric(out, "segs_live_connections", "gauge", "Live channel (WebSocket) connections open now.",
         {{"", static_cast<double>(c.st.live.clients())}});
  metric(out, "segs_live_slow_closed_total", "counter",
         "Live connections closed because the client read too slowly.",
         {{"", static_cast<double>(c.st.live.slow_closed())}});
  if (auto info = c.grid.operations().info(sys)) {
    metric(out, "segs_readings_ingested_total", "counter",
           "Meter readings stored (new and corrected) since the grid opened.",
           {{"", static_cast<double>(info->readings_ingested)}});
    metric(out, "segs_uptime_seconds", "gauge", "Seconds since the grid opened.", {{"", info->uptime_s}});
  } else {
    all = false;
  }
  if (auto d = c.grid.operations().dashboard(sys)) {
    metric(out, "segs_alerts_open", "gauge", "Alerts active or acknowledged, by severity.",
           {{"{severity=\"info\"}", static_cast<double>(d->alerts_open.info)},
            {"{severity=\"warning\"}", static_cast<double>(d->alerts_open.warning)},
            {"{severity=\"critical\"}", static_cast<double>(d->alerts_open.critical)}});
    metric(out, "segs_meters", "gauge", "Meters, and those with a reading in the last 15 minutes.",
           {{"{state=\"registered\"}", static_cast<double>(d->meters.total)},
            {"{state=\"reporting\"}", static_cast<double>(d->meters.reporting_last_15m)}});
    metric(out, "segs_users", "gauge", "Accounts by status.",
           {{"{status=\"active\"}", static_cast<double>(d->users.active)},
            {"{status=\"suspended\"}", static_cast<double>(d->users.suspended)}});
    metric(out, "segs_invoices_overdue", "gauge", "Invoices with something due past their due date.",
           {{"", static_cast<double>(d->invoices.overdue_count)}});
    if (d->invoices.outstanding && d->currency)
      metric(out, "segs_invoices_outstanding_amount", "gauge",
             "What is still due on invoices not void, in the regions' currency.",
             {{"{currency=\"" + *d->currency + "\"}", static_cast<double>(d->invoices.outstanding->micros) / 1e6}});
    metric(out, "segs_market_open_orders", "gauge", "Orders open or partially filled.",
           {{"", static_cast<double>(d->market.open_orders)}});
  } else {
    all = false;
  }
  if (auto pending = c.grid.outbox().pending()) {
    metric(out, "segs_outbox_pending", "gauge",
           "Messages (codes, notification emails) queued for the mailer, not yet handed over.",
           {{"", static_cast<double>(*pending)}});
  } else {
    all = false;
  }
  const auto backlog = c.grid.events().backlog();
  metric(out, "segs_events_queued", "gauge", "Events waiting in subscribers' queues.",
         {{"", static_cast<double>(backlog.queued)}});
  metric(out, "segs_up", "gauge", "1 when every capability answered this scrape.", {{"", all ? 1.0 : 0.0}});
  return out;
}

}  // namespace

void add_health_routes(router& r) {
  r.add("GET", "/health", access::open, health, false);
  // The seeds' clients put every call under their base path, the health
  // check included: the same answer there.
  r.add("GET", "/api/v1/health", access::open, health, false);
  r.add("GET", "/health/live", access::open,
        [](call&) { return ok({{"status", "alive"}}, "service is alive"); }, false);
  r.add("GET", "/health/ready", access::open, [](call& c) {
    if (!c.grid.ready())
      throw segs::exception(make_error(errc::unavailable, "storage is not reachable"));
    return ok({{"status", "ready"}, {"backend", std::string(c.grid.backend_name())}},
              "service is ready");
  }, false);
  r.add("GET", "/metrics", access::open, [](call& c) {
    reply rep;
    rep.raw = c.st.stats.render() + capability_metrics(c);
    rep.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return rep;
  }, false);
  r.add("GET", "/api/v1/openapi.json", access::open, [](call& c) {
    reply rep;
    rep.raw = c.st.openapi;
    rep.content_type = "application/json; charset=utf-8";
    return rep;
  });
}

}  // namespace segs::rest::detail
