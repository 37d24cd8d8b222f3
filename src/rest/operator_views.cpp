#include "rest/operator_views.hpp"

#include "core/csv.hpp"
#include "rest/analytics_views.hpp"
#include "rest/telemetry_views.hpp"

#include <charconv>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

const std::vector<std::string_view> consumption_fields = {"period",       "consumed_kwh", "produced_kwh",
                                                          "net_kwh",      "peak_load_kw", "meters_reporting"};
const std::vector<std::string_view> revenue_fields = {"period",         "invoiced",      "collected",
                                                      "outstanding",    "p2p_volume_kwh", "market_fees"};

json::object header(const operator_report_header& h) {
  return json::object{{"region", h.region},           {"time_zone", h.time_zone},
                      {"currency", h.currency},       {"from", to_iso_date(h.from)},
                      {"to", to_iso_date(h.to)},      {"group_by", to_string(h.group_by)}};
}

json::object row(const consumption_row& r) {
  return json::object{{"period", r.period},
                      {"consumed_kwh", number(r.consumed)},
                      {"produced_kwh", number(r.produced)},
                      {"net_kwh", number(r.net)},
                      {"peak_load_kw", number_or_null(r.peak_load_kw)},
                      {"meters_reporting", r.meters_reporting}};
}

json::object row(const revenue_row& r) {
  return json::object{{"period", r.period},
                      {"invoiced", number(r.invoiced)},
                      {"collected", number(r.collected)},
                      {"outstanding", number(r.outstanding)},
                      {"p2p_volume_kwh", number(r.p2p_volume)},
                      {"market_fees", number(r.market_fees)}};
}

template <class Report>
json::value report_view(const Report& r) {
  auto o = header(r.header);
  json::array rows;
  for (const auto& x : r.rows) rows.push_back(row(x));
  o["rows"] = std::move(rows);
  return o;
}

// One CSV line of `fields` of a row's JSON view: strings as CSV fields,
// numbers as their JSON text, null empty.
std::string csv_line(const json::object& o, const std::vector<std::string_view>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    const auto& v = o.at(fields[i]);
    if (v.is_string()) {
      out += csv::text(std::string_view(v.as_string()));
    } else if (v.is_double()) {
      // The shortest text that reads back as the same double: the decimal
      // the JSON number was made from ("1.5", not serialize's "1.5E0").
      char buf[32];
      const auto end = std::to_chars(buf, buf + sizeof buf, v.as_double()).ptr;
      out.append(buf, end);
    } else if (!v.is_null()) {
      out += json::serialize(v);
    }
  }
  return out + "\r\n";
}

template <class Report>
std::string report_csv(const Report& r, const std::vector<std::string_view>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + std::string(fields[i]);
  out += "\r\n";
  for (const auto& x : r.rows) out += csv_line(row(x), fields);
  return out;
}

}  // namespace

operator_report_query read_report_query(const call& c) {
  const auto a = read_analytics_query(c);
  operator_report_query q;
  q.region = a.region;
  q.from = a.from;
  q.to = a.to;
  if (auto g = c.query_value("group_by")) q.group_by = take(parse_analytics_grouping(*g, "group_by"));
  return q;
}

json::value view(const operator_dashboard& d) {
  json::array regions;
  for (const auto& r : d.regions) regions.emplace_back(r);
  return json::object{
      {"regions", std::move(regions)},
      {"as_of", to_rfc3339(d.as_of)},
      {"currency", d.currency ? json::value(json::string(*d.currency)) : json::value(nullptr)},
      {"users", json::object{{"total", d.users.total}, {"active", d.users.active}, {"suspended", d.users.suspended}}},
      {"meters", json::object{{"total", d.meters.total},
                              {"active", d.meters.active},
                              {"reporting_last_15m", d.meters.reporting_last_15m}}},
      {"load_kw", number(d.load_kw)},
      {"consumption_today_kwh", number(d.consumption_today)},
      {"alerts_open", json::object{{"info", d.alerts_open.info},
                                   {"warning", d.alerts_open.warning},
                                   {"critical", d.alerts_open.critical}}},
      {"invoices", json::object{{"outstanding", number_or_null(d.invoices.outstanding)},
                                {"overdue_count", d.invoices.overdue_count},
                                {"overdue_amount", number_or_null(d.invoices.overdue_amount)}}},
      {"market", json::object{{"open_orders", d.market.open_orders},
                              {"volume_today_kwh", number(d.market.volume_today)},
                              {"last_price", number_or_null(d.market.last_price)}}}};
}

json::value view(const consumption_report& r) { return report_view(r); }
json::value view(const revenue_report& r) { return report_view(r); }

std::string csv(const consumption_report& r) { return report_csv(r, consumption_fields); }
std::string csv(const revenue_report& r) { return report_csv(r, revenue_fields); }

}  // namespace segs::rest::detail
