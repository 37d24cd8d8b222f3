// Probes, metrics and the OpenAPI document. None of them is rate limited
// except the document: probes and scrapers poll on a schedule.
#include "rest/route.hpp"
#include "rest/state.hpp"

#include <segs/version.hpp>

namespace segs::rest::detail {

namespace {

reply health(call& c) {
  return ok({{"status", "ok"},
             {"version", segs::version_string},
             {"backend", std::string(c.grid.backend_name())}},
            "service is healthy");
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
    rep.raw = c.st.stats.render();
    // The live channel (segs-server's WebSocket clients).
    rep.raw->append(
        "# HELP segs_live_connections Live channel connections open now.\n"
        "# TYPE segs_live_connections gauge\n"
        "segs_live_connections " + std::to_string(c.st.live.clients()) + "\n"
        "# HELP segs_live_slow_closed_total Live connections closed because the client read too slowly.\n"
        "# TYPE segs_live_slow_closed_total counter\n"
        "segs_live_slow_closed_total " + std::to_string(c.st.live.slow_closed()) + "\n");
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
