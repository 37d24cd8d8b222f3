// The SEGS seed's /api/v1/alerts/*: the caller's alerts (filtered, paged),
// one alert, acknowledge and resolve, the summary of open alerts and stats
// over a range; for operators and admins the region, meter and unresolved
// listings, bulk acknowledge and analytics; the rule settings of regions and
// meters. Who sees which alert is decided by the alerts service; these
// routes translate (alerts_views.hpp), and refuse the operators' routes to
// callers without alerts:manage (403), as the seed does.
#include "rest/alerts_views.hpp"
#include "rest/json_io.hpp"
#include "rest/route.hpp"
#include "rest/telemetry_views.hpp"

#include <segs/alerts.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

/// PATCH /alerts/bulk/acknowledge takes at most this many ids; more is 400.
constexpr std::size_t max_bulk = 500;
/// stats and analytics without `from`: the 30 days before `to`.
constexpr std::chrono::days default_span{30};

/// The caller of an operators' route: 403 without alerts:manage.
const principal& manager(const call& c) {
  const auto& who = c.caller();
  if (!who.can(permission::alerts_manage))
    throw segs::exception(
        make_error(errc::forbidden, "this route is for operators and admins (alerts:manage)"));
  return who;
}

/// The listing filters of the query string: status, severity, type,
/// meter_id, from, to (on first_seen_at), page, per_page.
alert_query read_query(const call& c) {
  alert_query q;
  if (auto s = c.query_value("status")) q.status = take(parse_alert_status(*s));
  if (auto s = c.query_value("severity")) q.severity = take(parse_alert_severity(*s));
  if (auto s = c.query_value("type")) q.type = take(parse_alert_type(*s));
  q.meter = c.query_value("meter_id");
  if (auto t = c.query_value("from")) q.from = parse_time(*t, "from");
  if (auto t = c.query_value("to")) q.to = parse_time(*t, "to");
  const auto p = c.query_page(20);
  q.page = p.page;
  q.per_page = p.per_page;
  return q;
}

json::value alerts_page(const page<alert>& p) {
  return detail::view(p, "alerts", [](const alert& a) { return view(a); });
}

struct span {
  timestamp from{};
  timestamp to{};
};

/// `from`/`to` of stats and analytics: `to` defaults to now, `from` to 30
/// days before `to`. Their order and length are the library's to check.
span query_span(const call& c) {
  span s;
  s.to = c.grid.clock().now();
  if (auto t = c.query_value("to")) s.to = parse_time(*t, "to");
  s.from = s.to - default_span;
  if (auto t = c.query_value("from")) s.from = parse_time(*t, "from");
  return s;
}

std::optional<std::string_view> view_of(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

std::vector<uuid> read_alert_ids(const json::object& body) {
  const auto* v = member(body, "alert_ids");
  if (!v) invalid("alert_ids", "alert_ids is required");
  if (!v->is_array()) invalid("alert_ids", "alert_ids must be an array of alert ids");
  const auto& items = v->as_array();
  if (items.size() > max_bulk)
    invalid("alert_ids", "at most 500 alert_ids per request; got " + std::to_string(items.size()));
  std::vector<uuid> ids;
  ids.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto field = "alert_ids[" + std::to_string(i) + "]";
    std::optional<uuid> id;
    if (items[i].is_string())
      if (auto parsed = uuid::parse(items[i].get_string(), field)) id = *parsed;
    if (!id) invalid(field, field + " must be an alert id (a UUID)");
    ids.push_back(*id);
  }
  return ids;
}

}  // namespace

void add_alert_routes(router& r) {
  const std::string base = "/api/v1/alerts";

  // --- the caller's alerts -----------------------------------------------------------

  r.add("GET", base, access::signed_in, [](call& c) {
    auto q = read_query(c);
    return ok(alerts_page(answer_alerts(c.grid.alerts().list(c.caller(), q))), "alerts");
  });

  r.add("GET", base + "/summary", access::signed_in, [](call& c) {
    return ok(view(answer_alerts(c.grid.alerts().summary(c.caller()))), "alert summary");
  });

  r.add("GET", base + "/stats", access::signed_in, [](call& c) {
    const auto s = query_span(c);
    return ok(view(answer_alerts(c.grid.alerts().stats(c.caller(), s.from, s.to))),
              "alert statistics");
  });

  r.add("GET", base + "/:alertId", access::signed_in, [](call& c) {
    const auto id = c.param_id("alertId");
    return ok(view(answer_alerts(c.grid.alerts().get(c.caller(), id))), "alert");
  });

  r.add("PATCH", base + "/:alertId/acknowledge", access::signed_in, [](call& c) {
    const auto id = c.param_id("alertId");
    only_fields(c.body, {"note"});
    const auto note = optional_string(c.body, "note").value_or("");
    return ok(view(answer_alerts(c.grid.alerts().acknowledge(c.caller(), id, note, c.ctx))),
              "alert acknowledged");
  });

  r.add("PATCH", base + "/:alertId/resolve", access::signed_in, [](call& c) {
    const auto id = c.param_id("alertId");
    only_fields(c.body, {"resolution_note"});
    const auto note = optional_string(c.body, "resolution_note").value_or("");
    return ok(view(answer_alerts(c.grid.alerts().resolve(c.caller(), id, note, c.ctx),
                                 alerts_context::resolve)),
              "alert resolved");
  });

  // --- operators and admins -------------------------------------------------------------

  r.add("GET", base + "/region/:region", access::signed_in, [](call& c) {
    const auto& who = manager(c);
    auto q = read_query(c);
    q.region = c.param("region");
    return ok(alerts_page(answer_alerts(c.grid.alerts().list(who, q))), "region alerts");
  });

  r.add("GET", base + "/meter/:meterId", access::signed_in, [](call& c) {
    const auto& who = manager(c);
    auto q = read_query(c);
    q.meter = c.param("meterId");
    return ok(alerts_page(answer_alerts(c.grid.alerts().list(who, q), alerts_context::meter_path)),
              "meter alerts");
  });

  r.add("GET", base + "/unresolved", access::signed_in, [](call& c) {
    const auto& who = manager(c);
    const auto p = c.query_page(20);
    return ok(alerts_page(answer_alerts(c.grid.alerts().unresolved(who, p))), "unresolved alerts");
  });

  r.add("PATCH", base + "/bulk/acknowledge", access::signed_in, [](call& c) {
    const auto& who = manager(c);
    only_fields(c.body, {"alert_ids", "note"});
    const auto ids = read_alert_ids(c.body);
    const auto note = optional_string(c.body, "note").value_or("");
    return ok(view(answer_alerts(c.grid.alerts().acknowledge_many(who, ids, note, c.ctx))),
              "alerts acknowledged");
  });

  r.add("GET", base + "/analytics", access::signed_in, [](call& c) {
    const auto& who = manager(c);
    const auto s = query_span(c);
    const auto region = c.query_value("region");
    return ok(view(answer_alerts(c.grid.alerts().analytics(who, s.from, s.to, view_of(region)))),
              "alert analytics");
  });

  // --- rule settings ----------------------------------------------------------------------

  // Without ?region= the caller's own region's.
  r.add("GET", base + "/rules", access::signed_in, [](call& c) {
    auto region = c.query_value("region");
    if (!region) {
      if (c.caller().region.empty()) invalid("region", "region is required");
      region = c.caller().region;
    }
    const auto meter = c.query_value("meter_id");
    auto s = answer_alerts(c.grid.alerts().settings(c.caller(), *region, view_of(meter)));
    return ok(view(s, *region, view_of(meter)), "alert settings");
  });

  r.add("PUT", base + "/rules/:region", access::signed_in, [](call& c) {
    const auto& region = c.param("region");
    const auto patch = read_settings_patch(c.body, region, std::nullopt);
    auto s = answer_alerts(c.grid.alerts().update_settings(c.caller(), region, patch, c.ctx));
    return ok(view(s, region, std::nullopt), "alert settings updated");
  });

  r.add("PUT", base + "/rules/:region/meters/:meterId", access::signed_in, [](call& c) {
    const auto& region = c.param("region");
    const auto& meter = c.param("meterId");
    const auto patch = read_settings_patch(c.body, region, std::string_view(meter));
    auto s = answer_alerts(
        c.grid.alerts().update_meter_settings(c.caller(), region, meter, patch, c.ctx),
        alerts_context::meter_path);
    return ok(view(s, region, std::string_view(meter)), "alert settings updated");
  });
}

}  // namespace segs::rest::detail
