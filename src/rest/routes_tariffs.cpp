// /api/v1/tariffs/*: the price in effect now (the caller's region or a
// named one), history, estimates against the caller's profile and price
// forecasts for every signed-in caller; every region's tariff and analytics
// for operators and admins; creating and changing tariffs for admins;
// overrides for operators (their region) and admins. Who may do what is
// decided by the tariffs service; these routes only translate
// (tariffs_views.hpp).
//
// The literal paths (current, history, estimate, forecast, regions/all,
// analytics, override) win over :tariffId: the router prefers the route with
// more literal segments.
#include "rest/json_io.hpp"
#include "rest/route.hpp"
#include "rest/tariffs_views.hpp"

#include <segs/tariffs.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

/// history and analytics without `from`: the 30 days before `to`.
constexpr std::chrono::days default_span{30};
/// forecast without `hours`.
constexpr int default_hours = 24;

std::optional<std::string_view> view_of(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

struct span {
  timestamp from{};
  timestamp to{};
};

/// `from`/`to` of history and analytics (RFC 3339, [from, to)): `to`
/// defaults to `fallback_to`, `from` to 30 days before `to`. Their order,
/// length and grid are the library's to check.
span query_span(const call& c, timestamp fallback_to) {
  span s;
  s.to = fallback_to;
  if (auto t = c.query_value("to")) s.to = parse_time(*t, "to");
  s.from = s.to - default_span;
  if (auto t = c.query_value("from")) s.from = parse_time(*t, "from");
  return s;
}

/// The start of the 15-minute bucket holding `t` (analytics' ranges lie on
/// the grid).
timestamp bucket_start(timestamp t) {
  constexpr std::int64_t quarter = 15LL * 60 * 1'000'000;
  auto us = to_micros(t);
  auto q = us / quarter;
  if (us % quarter != 0 && us < 0) --q;
  return from_micros(q * quarter);
}

/// `?consumption_kwh=`: required decimal kWh, at most 3 decimals.
energy query_consumption(const call& c) {
  const auto text = c.query_value("consumption_kwh");
  if (!text) invalid("consumption_kwh", "consumption_kwh is required");
  auto e = energy::from_kwh(*text, rounding::exact, "consumption_kwh");
  if (!e) invalid("consumption_kwh", "consumption_kwh must be a number of kWh with at most 3 decimals (whole Wh)");
  return *e;
}

}  // namespace

void add_tariff_routes(router& r) {
  const std::string base = "/api/v1/tariffs";

  // --- every signed-in caller ----------------------------------------------------------

  r.add("GET", base + "/current", access::signed_in, [](call& c) {
    return ok(view(answer_tariffs(c.grid.tariffs().current(c.caller()))), "current tariff");
  });

  r.add("GET", base + "/current/:region", access::signed_in, [](call& c) {
    const std::string_view region = c.param("region");
    return ok(view(answer_tariffs(c.grid.tariffs().current(c.caller(), region))), "current tariff");
  });

  r.add("GET", base + "/history", access::signed_in, [](call& c) {
    const auto region = c.query_value("region");
    const auto s = query_span(c, c.grid.clock().now());
    return ok(view(answer_tariffs(c.grid.tariffs().history(c.caller(), view_of(region), s.from, s.to))),
              "tariff history");
  });

  r.add("GET", base + "/estimate", access::signed_in, [](call& c) {
    const auto consumption = query_consumption(c);
    std::optional<timestamp> from, to;
    if (auto t = c.query_value("from")) from = parse_time(*t, "from");
    if (auto t = c.query_value("to")) to = parse_time(*t, "to");
    return ok(view(answer_tariffs(c.grid.tariffs().estimate(c.caller(), consumption, from, to))),
              "tariff estimate");
  });

  r.add("GET", base + "/forecast", access::signed_in, [](call& c) {
    const auto region = c.query_value("region");
    const int hours = c.query_int("hours", default_hours);
    return ok(view(answer_tariffs(c.grid.tariffs().forecast(c.caller(), view_of(region), hours))),
              "price forecast");
  });

  r.add("GET", base + "/:tariffId", access::signed_in, [](call& c) {
    const auto id = c.param_id("tariffId");
    return ok(view(answer_tariffs(c.grid.tariffs().get(c.caller(), id))), "tariff");
  });

  // --- operators and admins (the service checks tariffs:operate) ------------------------

  r.add("GET", base + "/regions/all", access::signed_in, [](call& c) {
    return ok(view(answer_tariffs(c.grid.tariffs().regions(c.caller()))), "tariffs of every region");
  });

  // Without ?region= the caller's own region's.
  r.add("GET", base + "/analytics", access::signed_in, [](call& c) {
    auto region = c.query_value("region");
    if (!region) {
      if (c.caller().region.empty()) invalid("region", "region is required");
      region = c.caller().region;
    }
    const auto s = query_span(c, bucket_start(c.grid.clock().now()));
    return ok(view(answer_tariffs(c.grid.tariffs().analytics(c.caller(), *region, s.from, s.to))),
              "tariff analytics");
  });

  r.add("POST", base + "/override", access::signed_in, [](call& c) {
    const auto o = read_override(c.body);
    return ok(view(answer_tariffs(c.grid.tariffs().create_override(c.caller(), o, c.ctx))), "override created",
              201);
  });

  // The seed names the override's id :tariffId.
  r.add("DELETE", base + "/override/:tariffId", access::signed_in, [](call& c) {
    const auto id = c.param_id("tariffId");
    return ok(view(answer_tariffs(c.grid.tariffs().remove_override(c.caller(), id, c.ctx))), "override removed");
  });

  // --- admins (tariffs:manage) -------------------------------------------------------------

  r.add("POST", base, access::signed_in, [](call& c) {
    const auto t = read_tariff(c.body);
    return ok(view(answer_tariffs(c.grid.tariffs().create(c.caller(), t, c.ctx))), "tariff created", 201);
  });

  r.add("PUT", base + "/:tariffId", access::signed_in, [](call& c) {
    const auto id = c.param_id("tariffId");
    const auto patch = read_tariff_patch(c.body);
    return ok(view(answer_tariffs(c.grid.tariffs().update(c.caller(), id, patch, c.ctx))), "tariff updated");
  });
}

}  // namespace segs::rest::detail
