#include "rest/analytics_views.hpp"

#include <optional>
#include <string>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

json::value ratio(const std::optional<double>& r) { return r ? json::value(*r) : json::value(nullptr); }

json::value text_or_null(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(json::string(s));
}

json::value header(const analytics_header& h) {
  return json::object{{"region", text_or_null(h.region)},
                      {"time_zone", text_or_null(h.time_zone)},
                      {"currency", text_or_null(h.currency)},
                      {"scope", to_string(h.scope)},
                      {"user_id", id_or_null(h.user_id)},
                      {"from", to_iso_date(h.from)},
                      {"to", to_iso_date(h.to)},
                      {"start", to_rfc3339(h.start)},
                      {"end", to_rfc3339(h.end)}};
}

json::object with_header(const analytics_header& h) { return header(h).as_object(); }

json::object figures(const energy_figures& f) {
  return json::object{{"consumption_kwh", number(f.consumed)},
                      {"production_kwh", number(f.produced)},
                      {"net_kwh", number(f.net)},
                      {"self_consumed_kwh", number(f.self_consumed)},
                      {"self_sufficiency", ratio(f.self_sufficiency)}};
}

json::object figures(const trading_figures& f) {
  return json::object{{"bought_kwh", number(f.bought)},
                      {"sold_kwh", number(f.sold)},
                      {"buy_trades", f.buy_trades},
                      {"sell_trades", f.sell_trades},
                      {"spent", number(f.spent)},
                      {"earned", number(f.earned)},
                      {"average_buy_price", number_or_null(f.average_buy_price)},
                      {"average_sell_price", number_or_null(f.average_sell_price)},
                      {"fees", number(f.fees)},
                      {"savings", number(f.savings)},
                      {"unpriced_kwh", number(f.unpriced)}};
}

json::object figures(const market_figures& f) {
  return json::object{{"volume_kwh", number(f.volume)},
                      {"trade_count", f.trade_count},
                      {"vwap", number_or_null(f.vwap)},
                      {"high", number_or_null(f.high)},
                      {"low", number_or_null(f.low)},
                      {"slots_closed", f.slots_closed},
                      {"mean_clearing_price", number_or_null(f.mean_clearing_price)},
                      {"cleared_slots", f.cleared_slots},
                      {"mean_spread_at_gate", number_or_null(f.mean_spread_at_gate)},
                      {"spread_slots", f.spread_slots},
                      {"participants", f.participants}};
}

json::object figures(const financial_figures& f) {
  return json::object{{"spend", number(f.spend)},         {"earnings", number(f.earnings)},
                      {"fees", number(f.fees)},           {"imbalance", number(f.imbalance)},
                      {"net", number(f.net)},             {"invoiced", number(f.invoiced)},
                      {"paid", number(f.paid)},           {"outstanding", number(f.outstanding)}};
}

json::object counts(const std::map<std::string, std::int64_t>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

// `lead`'s members, then `rest`'s (a day's date before its figures).
json::object joined(json::object lead, json::object rest) {
  for (auto& kv : rest) lead.emplace(kv.key(), std::move(kv.value()));
  return lead;
}

std::optional<std::chrono::year_month_day> date_param(const call& c, std::string_view name) {
  const auto v = c.query_value(name);
  if (!v) return std::nullopt;
  return take(parse_iso_date(*v, name));
}

}  // namespace

analytics_query read_analytics_query(const call& c) {
  analytics_query q;
  q.region = c.query_value("region");
  q.from = date_param(c, "from");
  q.to = date_param(c, "to");
  return q;
}

json::value view(const energy_analytics& a) {
  auto o = with_header(a.header);
  json::array days;
  for (const auto& d : a.days) {
    days.push_back(joined({{"date", to_iso_date(d.date)}, {"start", to_rfc3339(d.start)}, {"end", to_rfc3339(d.end)}},
                          figures(d.figures)));
  }
  o["days"] = std::move(days);
  o["total"] = figures(a.total);
  return o;
}

json::value view(const trading_analytics& a) {
  auto o = with_header(a.header);
  json::array days;
  for (const auto& d : a.days) {
    days.push_back(joined({{"date", to_iso_date(d.date)}}, figures(d.figures)));
  }
  o["days"] = std::move(days);
  o["total"] = figures(a.total);
  return o;
}

json::value view(const users_analytics& a) {
  auto o = with_header(a.header);
  json::array regions;
  for (const auto& r : a.regions) regions.push_back(json::string(r));
  json::array days;
  for (const auto& d : a.days)
    days.push_back(
        json::object{{"date", to_iso_date(d.date)}, {"registrations", d.registrations}, {"sign_ins", d.sign_ins}});
  o["regions"] = std::move(regions);
  o["total_users"] = a.total_users;
  o["registrations"] = a.registrations;
  o["active_users"] = a.active_users;
  o["by_status"] = counts(a.by_status);
  o["by_role"] = counts(a.by_role);
  o["by_department"] = counts(a.by_department);
  o["by_region"] = counts(a.by_region);
  o["days"] = std::move(days);
  return o;
}

json::value view(const market_analytics& a) {
  auto o = with_header(a.header);
  json::array days;
  for (const auto& d : a.days) {
    days.push_back(joined({{"date", to_iso_date(d.date)}}, figures(d.figures)));
  }
  o["days"] = std::move(days);
  o["total"] = figures(a.total);
  return o;
}

json::value view(const financial_analytics& a) {
  auto o = with_header(a.header);
  json::array periods;
  for (const auto& p : a.periods) {
    periods.push_back(
        joined({{"period", p.period}, {"start", to_rfc3339(p.start)}, {"end", to_rfc3339(p.end)}}, figures(p.figures)));
  }
  o["group_by"] = to_string(a.group_by);
  o["periods"] = std::move(periods);
  o["total"] = figures(a.total);
  return o;
}

}  // namespace segs::rest::detail
