// Readings and the queries over them: POST/PUT /api/v1/meters/:id/readings,
// the bulk POST /api/v1/telemetry/readings, a meter's raw readings and
// analytics (P2P seed), and the SEGS seed's /api/v1/telemetry/* (a meter's
// latest reading, history, stats, days, months and comparisons; a region's
// stats, top consumers and live load). Who may do what is decided by the
// telemetry service; these routes only translate (telemetry_views.hpp).
#include "rest/json_io.hpp"
#include "rest/route.hpp"
#include "rest/telemetry_views.hpp"

#include "core/time_zone.hpp"

#include <segs/telemetry.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

/// Bulk submissions and corrections take at most this many rows; more is 413.
constexpr std::size_t max_rows = 10'000;
/// Default ranges when `start` is absent.
constexpr std::chrono::hours day{24};
constexpr std::chrono::hours month{24 * 30};

const json::array& readings_array(const json::object& body) {
  const auto* v = member(body, "readings");
  if (!v) invalid("readings", "readings is required");
  if (!v->is_array()) invalid("readings", "readings must be an array");
  const auto& rows = v->as_array();
  if (rows.size() > max_rows)
    throw segs::exception(make_error(errc::payload_too_large,
                                     "at most 10000 readings per request; got " +
                                         std::to_string(rows.size()),
                                     "readings"));
  return rows;
}

/// The meter a "my meter" route acts on: the caller's only one, or
/// `?meter_id=` (400 naming meter_id when they hold several and name none).
meter my_meter(call& c) {
  const auto named = c.query_value("meter_id");
  std::optional<std::string_view> ref;
  if (named) ref = *named;
  return answer_wire(c.grid.telemetry().my_meter(c.caller(), ref));
}

json::value latest(call& c, const std::string& ref) {
  auto last = answer_wire(c.grid.telemetry().latest(c.caller(), ref));
  if (!last)
    throw segs::exception(make_error(errc::not_found, "meter " + ref + " has no reading yet"));
  return latest_view(*last);
}

json::value history(call& c, const meter& m) {
  const auto interval = c.query_value("interval").value_or("1h");
  const auto width = take(parse_bucket_width(interval));
  const auto range = query_range(c, day);
  json::array buckets;
  for (const auto& b : answer_wire(c.grid.telemetry().history(c.caller(), m.id.to_string(), range, width)))
    buckets.push_back(view(b));
  return json::object{{"meter_id", m.meter_id},
                      {"interval", to_string(width)},
                      {"buckets", std::move(buckets)}};
}

json::value stats(call& c, const meter& m) {
  const auto s = answer_wire(c.grid.telemetry().stats(c.caller(), m.id.to_string(), query_range(c, day)));
  const auto& t = s.totals;
  return json::object{{"meter_id", s.meter_id},
                      {"start", to_rfc3339(s.range.start)},
                      {"end", to_rfc3339(s.range.end)},
                      {"total_consumed_kwh", number(t.consumed)},
                      {"total_produced_kwh", number(t.produced)},
                      {"net_kwh", number(t.net())},
                      {"reading_count", t.reading_count},
                      {"min_power_kw", number_or_null(t.min_power_kw)},
                      {"avg_power_kw", number_or_null(t.avg_power_kw)},
                      {"max_power_kw", number_or_null(t.max_power_kw)},
                      {"peak_demand_kw", number_or_null(t.peak_demand_kw)},
                      {"peak_at", time_or_null(s.peak_at)},
                      {"voltage_avg", number_or_null(t.voltage_avg)},
                      {"current_avg", number_or_null(t.current_avg)},
                      {"power_factor_avg", number_or_null(t.power_factor_avg)}};
}

std::string time_zone_of(call& c, const meter& m) {
  return take(c.grid.regions().get(c.caller(), m.region)).time_zone;
}

json::value daily(call& c, const meter& m) {
  const auto range = query_range(c, month);
  json::array days;
  for (const auto& d : answer_wire(c.grid.telemetry().daily(c.caller(), m.id.to_string(), range)))
    days.push_back(json::object{{"date", to_iso_date(d.date)},
                                {"consumed_kwh", number(d.consumed)},
                                {"produced_kwh", number(d.produced)},
                                {"net_kwh", number(d.consumed - d.produced)},
                                {"peak_demand_kw", number_or_null(d.peak_demand_kw)}});
  return json::object{{"meter_id", m.meter_id},
                      {"time_zone", time_zone_of(c, m)},
                      {"days", std::move(days)}};
}

std::string month_text(std::chrono::year_month ym) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ym.year()),
                static_cast<unsigned>(ym.month()));
  return buf;
}

json::value monthly(call& c, const meter& m) {
  int year = 0;
  if (c.query_value("year")) {
    year = c.query_int("year", 0);
  } else {  // the current year where the meter is
    auto zone = segs::tz::zone::find(time_zone_of(c, m));
    const auto today = (zone ? *zone : segs::tz::zone::utc()).date_of(c.grid.clock().now());
    year = static_cast<int>(today.year());
  }
  json::array months;
  for (const auto& t : answer_wire(c.grid.telemetry().monthly(c.caller(), m.id.to_string(), year)))
    months.push_back(json::object{{"month", month_text(t.month)},
                                  {"consumed_kwh", number(t.consumed)},
                                  {"produced_kwh", number(t.produced)},
                                  {"net_kwh", number(t.consumed - t.produced)}});
  return json::object{{"meter_id", m.meter_id}, {"year", year}, {"months", std::move(months)}};
}

json::value view(const period_total& t) {
  return json::object{{"start", to_rfc3339(t.range.start)},
                      {"end", to_rfc3339(t.range.end)},
                      {"consumed_kwh", number(t.consumed)},
                      {"produced_kwh", number(t.produced)}};
}

json::value compare(call& c, const meter& m) {
  const auto period = take(parse_compare_period(c.query_value("period").value_or("day")));
  std::optional<std::chrono::year_month_day> date;
  if (auto d = c.query_value("date")) date = take(parse_iso_date(*d, "date"));
  const auto r = answer_wire(c.grid.telemetry().compare(c.caller(), m.id.to_string(), period, date));
  return json::object{
      {"meter_id", r.meter_id},
      {"period", to_string(r.period)},
      {"current", view(r.current)},
      {"previous", view(r.previous)},
      {"change_kwh", number(r.change)},
      {"change_percent", r.change_percent ? json::value(*r.change_percent) : json::value(nullptr)}};
}

json::value ratio(const std::optional<double>& d) {
  if (!d) return nullptr;
  return *d;
}

json::value view(const meter_analytics& a) {
  json::array peak(a.peak_hours.begin(), a.peak_hours.end());
  json::array off_peak(a.off_peak_hours.begin(), a.off_peak_hours.end());
  return json::object{
      {"meter_id", a.meter_id},
      {"period", json::object{{"start", to_rfc3339(a.range.start)}, {"end", to_rfc3339(a.range.end)}}},
      {"consumption_analytics",
       json::object{{"total_consumed_kwh", number(a.consumed)},
                    {"total_produced_kwh", number(a.produced)},
                    {"net_consumption_kwh", number(a.consumed - a.produced)},
                    {"average_daily_consumption", a.average_daily_consumption_kwh},
                    {"peak_consumption_kw", ratio(a.peak_consumption_kw)},
                    {"efficiency_rating", ratio(a.efficiency_rating)}}},
      {"usage_patterns",
       json::object{{"peak_hours", std::move(peak)},
                    {"off_peak_hours", std::move(off_peak)},
                    {"weekend_vs_weekday_ratio", ratio(a.weekend_vs_weekday_ratio)}}},
      {"environmental_impact",
       json::object{{"carbon_offset_kg", a.carbon_offset_kg},
                    {"renewable_energy_percent", ratio(a.renewable_energy_percent)},
                    {"grid_independence_score", ratio(a.grid_independence_score)}}}};
}

}  // namespace

void add_telemetry_routes(router& r) {
  const std::string meters = "/api/v1/meters";
  const std::string tel = "/api/v1/telemetry";

  // --- ingestion ---------------------------------------------------------------

  r.add("POST", meters + "/:id/readings", access::signed_in, [](call& c) {
    const auto w = read_reading(json::value(c.body), "", false);
    auto stored = answer_wire(c.grid.telemetry().submit(c.caller(), c.param("id"), w.values, w.signature));
    auto out = view(stored);
    out["duplicate"] = stored.duplicate;
    if (stored.duplicate) return ok(std::move(out), "reading already stored", 200);
    return ok(std::move(out), "reading stored", 201);
  });

  r.add("PUT", meters + "/:id/readings", access::signed_in, [](call& c) {
    only_fields(c.body, {"readings", "reason"});
    const auto& rows = readings_array(c.body);
    std::vector<reading> values;
    values.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
      values.push_back(read_reading(rows[i], "readings[" + std::to_string(i) + "].", false).values);
    const auto reason = optional_string(c.body, "reason").value_or("");
    auto rep = answer_wire(c.grid.telemetry().replace(c.caller(), c.param("id"), values, reason, c.ctx));
    return ok(view(rep), "readings replaced");
  });

  // Rows are independent: a row the JSON reader refuses is reported with its
  // index and the wire field, the others go to the library, whose report's
  // indexes are mapped back to the request's.
  r.add("POST", tel + "/readings", access::signed_in, [](call& c) {
    only_fields(c.body, {"readings"});
    const auto& rows = readings_array(c.body);
    std::vector<meter_reading> valid;
    std::vector<std::size_t> index_of;
    valid.reserve(rows.size());
    index_of.reserve(rows.size());
    std::vector<rejected_reading> refused;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      try {
        if (!rows[i].is_object()) invalid("readings", "each of readings must be a reading object");
        auto w = read_reading(rows[i], "", true);
        valid.push_back({std::move(w.meter), std::move(w.values), std::move(w.signature)});
        index_of.push_back(i);
      } catch (const segs::exception& e) {
        refused.push_back({i, e.err().field, e.err().code, e.err().message});
      }
    }
    ingest_report rep;
    if (!valid.empty()) rep = answer_wire(c.grid.telemetry().ingest(c.caller(), valid));
    for (auto& x : rep.rejected) x.index = index_of.at(x.index);
    rep.rejected.insert(rep.rejected.end(), refused.begin(), refused.end());
    std::stable_sort(rep.rejected.begin(), rep.rejected.end(),
                     [](const auto& a, const auto& b) { return a.index < b.index; });
    return ok(view(rep), "readings ingested");
  });

  // --- a meter's readings and analytics (P2P seed) ------------------------------

  r.add("GET", meters + "/:id/readings", access::signed_in, [](call& c) {
    const auto range = query_range(c, day);
    const auto page = c.query_page(100);
    auto p = answer_wire(c.grid.telemetry().readings(c.caller(), c.param("id"), range, page));
    return ok(detail::view(p, "readings", [](const stored_reading& x) { return view(x); }),
              "readings");
  });

  r.add("GET", meters + "/:id/analytics", access::signed_in, [](call& c) {
    const auto range = query_range(c, month);
    return ok(view(answer_wire(c.grid.telemetry().analytics(c.caller(), c.param("id"), range))),
              "meter analytics");
  });

  // --- the caller's meter (SEGS seed) --------------------------------------------

  r.add("GET", tel + "/my-meter", access::signed_in, [](call& c) {
    const auto m = my_meter(c);
    return ok(latest(c, m.id.to_string()), "latest reading");
  });
  r.add("GET", tel + "/my-meter/history", access::signed_in,
        [](call& c) { return ok(history(c, my_meter(c)), "meter history"); });
  r.add("GET", tel + "/my-meter/stats", access::signed_in,
        [](call& c) { return ok(stats(c, my_meter(c)), "meter statistics"); });
  r.add("GET", tel + "/my-meter/daily", access::signed_in,
        [](call& c) { return ok(daily(c, my_meter(c)), "daily totals"); });
  r.add("GET", tel + "/my-meter/monthly", access::signed_in,
        [](call& c) { return ok(monthly(c, my_meter(c)), "monthly totals"); });
  r.add("GET", tel + "/my-meter/compare", access::signed_in,
        [](call& c) { return ok(compare(c, my_meter(c)), "period comparison"); });

  // --- any meter in reach -----------------------------------------------------------

  r.add("GET", tel + "/meters/:meterId", access::signed_in, [](call& c) {
    return ok(latest(c, c.param("meterId")), "latest reading");
  });
  r.add("GET", tel + "/meters/:meterId/history", access::signed_in, [](call& c) {
    const auto m = answer_wire(c.grid.telemetry().get_meter(c.caller(), c.param("meterId")));
    return ok(history(c, m), "meter history");
  });

  // --- regions (operators of the region, admins) ---------------------------------------

  r.add("GET", tel + "/region/:region/stats", access::signed_in, [](call& c) {
    const auto s = answer_wire(
        c.grid.telemetry().stats_of_region(c.caller(), c.param("region"), query_range(c, day)));
    return ok(json::object{{"region", s.region},
                           {"start", to_rfc3339(s.range.start)},
                           {"end", to_rfc3339(s.range.end)},
                           {"meters_total", s.meters_total},
                           {"meters_reporting", s.meters_reporting},
                           {"total_consumed_kwh", number(s.consumed)},
                           {"total_produced_kwh", number(s.produced)},
                           {"net_kwh", number(s.consumed - s.produced)},
                           {"peak_load_kw", number_or_null(s.peak_load_kw)},
                           {"peak_at", time_or_null(s.peak_at)}},
              "region statistics");
  });

  r.add("GET", tel + "/region/:region/top-consumers", access::signed_in, [](call& c) {
    const auto range = query_range(c, day);
    const int limit = c.query_int("limit", 10);
    json::array consumers;
    for (const auto& t : answer_wire(
             c.grid.telemetry().top_consumers(c.caller(), c.param("region"), range, limit)))
      consumers.push_back(json::object{{"rank", t.rank},
                                       {"meter_id", t.meter_id},
                                       {"user_id", id_or_null(t.user_id)},
                                       {"consumed_kwh", number(t.consumed)}});
    return ok(json::object{{"region", c.param("region")}, {"consumers", std::move(consumers)}},
              "top consumers");
  });

  r.add("GET", tel + "/region/:region/realtime", access::signed_in, [](call& c) {
    const auto rt = answer_wire(c.grid.telemetry().realtime(c.caller(), c.param("region")));
    return ok(json::object{{"region", rt.region},
                           {"as_of", to_rfc3339(rt.as_of)},
                           {"window_minutes", rt.window_minutes},
                           {"load_kw", number(rt.load_kw)},
                           {"generation_kw", number(rt.generation_kw)},
                           {"net_load_kw", number(rt.net_load_kw)},
                           {"meters_reporting", rt.meters_reporting},
                           {"meters_total", rt.meters_total}},
              "region load");
  });
}

}  // namespace segs::rest::detail
