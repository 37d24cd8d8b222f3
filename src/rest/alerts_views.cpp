// The alerts' JSON: views of alerts, summaries, stats, analytics, bulk
// reports and rule settings; the reader of a settings update; the
// library's C++ names in the wire's words.
#include "rest/alerts_views.hpp"

#include "rest/telemetry_views.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

constexpr alert_type type_at(std::size_t i) {
  return static_cast<alert_type>(i);
}

/// `cpp` -> `wire` in the field and in the message's leading word.
void rename(segs::error& e, std::string_view cpp, const std::string& wire) {
  const std::string old(cpp);
  e.field = wire + e.field.substr(old.size());
  // Only the whole leading word: "id must ..." but not "identifier ...".
  const std::string_view rest =
      std::string_view(e.message).substr(std::min(old.size(), e.message.size()));
  if (e.message.starts_with(old) &&
      (rest.empty() || rest[0] == ' ' || rest[0] == '.' || rest[0] == '['))
    e.message = wire + std::string(rest);
}

bool is_alert_type(std::string_view name) {
  return parse_alert_type(name).has_value();
}

}  // namespace

segs::error alerts_wire_words(segs::error e, alerts_context where) {
  const std::string f = e.field;
  if (f == "meter" || (f == "meter_id" && where == alerts_context::meter_path)) {
    rename(e, f, where == alerts_context::meter_path ? "meterId" : "meter_id");
  } else if (f == "ids" || f.starts_with("ids[")) {
    rename(e, "ids", "alert_ids");
  } else if (f == "id" || f == "alert_id") {
    rename(e, f, "alertId");
  } else if (f == "note" && where == alerts_context::resolve) {
    rename(e, "note", "resolution_note");
  } else if (const auto dot = f.find('.');
             dot != std::string::npos && is_alert_type(f.substr(0, dot))) {
    // over_voltage.fire_after -> rules.over_voltage.fire_after
    rename(e, f, "rules." + f);
  }
  return e;
}

// --- readers --------------------------------------------------------------------

namespace {

std::string path_of(std::string_view prefix, std::string_view key) {
  return std::string(prefix) + std::string(key);
}

std::optional<milli> milli_member(const json::object& o, std::string_view key) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  const std::string field(key);
  if (!v->is_number()) invalid(field, field + " must be a number");
  return take(milli::parse(number_text(*v, field), field));
}

/// A whole JSON number in [lo, hi].
std::optional<std::int64_t> whole_member(const json::object& o, std::string_view key,
                                         const std::string& field, std::int64_t lo,
                                         std::int64_t hi) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) invalid(field, field + " must be a whole number");
  auto n = parse_decimal(number_text(*v, field), 0, rounding::exact, field);
  if (!n) invalid(field, field + " must be a whole number");
  if (*n < lo || *n > hi) invalid(field, field + " is out of range");
  return *n;
}

std::optional<bool> bool_member(const json::object& o, std::string_view key,
                                const std::string& field) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) invalid(field, field + " must be a boolean");
  return v->as_bool();
}

alert_rule_patch read_rule(const json::value& v, const std::string& prefix) {
  const auto field = prefix.substr(0, prefix.size() - 1);  // "rules.over_voltage"
  if (!v.is_object()) invalid(field, field + " must be an object");
  const auto& o = v.as_object();
  only_fields(o, {"enabled", "fire_after", "clear_after"}, prefix);
  constexpr std::int64_t int_min = std::numeric_limits<int>::min();
  constexpr std::int64_t int_max = std::numeric_limits<int>::max();
  alert_rule_patch p;
  p.enabled = bool_member(o, "enabled", path_of(prefix, "enabled"));
  if (auto n = whole_member(o, "fire_after", path_of(prefix, "fire_after"), int_min, int_max))
    p.fire_after = static_cast<int>(*n);
  if (auto n = whole_member(o, "clear_after", path_of(prefix, "clear_after"), int_min, int_max))
    p.clear_after = static_cast<int>(*n);
  return p;
}

}  // namespace

alert_settings_patch read_settings_patch(const json::object& body, std::string_view region,
                                         std::optional<std::string_view> meter) {
  only_fields(body, {"region", "meter_id", "nominal_voltage_v", "voltage_band",
                     "nominal_frequency_hz", "frequency_limit_hz", "power_factor_min",
                     "high_consumption_factor", "offline_after_minutes", "rules"});
  // The document GET answered may come back whole: its region and meter
  // must be the route's.
  if (auto r = optional_string(body, "region"); r && *r != region)
    invalid("region", "region must be " + std::string(region) + ", the region of the path");
  if (const auto* m = member(body, "meter_id")) {
    if (!meter) invalid("meter_id", "meter_id must be null in a region's settings");
    if (!m->is_string() || m->as_string() != *meter)
      invalid("meter_id", "meter_id must be " + std::string(*meter) + ", the meter of the path");
  }
  alert_settings_patch p;
  p.nominal_voltage_v = milli_member(body, "nominal_voltage_v");
  p.voltage_band = milli_member(body, "voltage_band");
  p.nominal_frequency_hz = milli_member(body, "nominal_frequency_hz");
  p.frequency_limit_hz = milli_member(body, "frequency_limit_hz");
  p.power_factor_min = milli_member(body, "power_factor_min");
  p.high_consumption_factor = milli_member(body, "high_consumption_factor");
  p.offline_after_minutes = whole_member(body, "offline_after_minutes", "offline_after_minutes",
                                         std::numeric_limits<std::int64_t>::min(),
                                         std::numeric_limits<std::int64_t>::max());
  if (const auto* rules = member(body, "rules")) {
    if (!rules->is_object()) invalid("rules", "rules must be an object keyed by alert type");
    for (const auto& kv : rules->as_object()) {
      const std::string key(kv.key());
      auto type = parse_alert_type(key);
      if (!type) invalid("rules." + key, "unknown field rules." + key + " (not an alert type)");
      if (kv.value().is_null()) continue;
      p.rules[*type] = read_rule(kv.value(), "rules." + key + ".");
    }
  }
  return p;
}

// --- views -----------------------------------------------------------------------

namespace {

json::value text_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return json::string(s);
}

json::value seconds_or_null(const std::optional<double>& s) {
  if (!s) return nullptr;
  return *s;
}

json::object by_severity(const std::array<std::int64_t, 3>& counts) {
  return json::object{{to_string(alert_severity::info), counts[0]},
                      {to_string(alert_severity::warning), counts[1]},
                      {to_string(alert_severity::critical), counts[2]}};
}

/// Every type, 0 where the map has none: the shape never depends on the data.
json::object by_type(const std::map<alert_type, std::int64_t>& counts) {
  json::object out;
  for (std::size_t i = 0; i < alert_type_count; ++i) {
    const auto t = type_at(i);
    const auto it = counts.find(t);
    out[to_string(t)] = it == counts.end() ? std::int64_t{0} : it->second;
  }
  return out;
}

}  // namespace

json::value view(const alert& a) {
  return json::object{
      {"id", a.id.to_string()},
      {"meter_id", a.meter_id},
      {"meter_uuid", a.meter_uuid.to_string()},
      {"user_id", id_or_null(a.user_id)},
      {"region", a.region},
      {"type", to_string(a.type)},
      {"severity", to_string(a.severity)},
      {"status", to_string(a.status)},
      {"message", a.message},
      {"value", number(a.value)},
      {"threshold", number(a.threshold)},
      {"occurrences", a.occurrences},
      {"first_seen_at", to_rfc3339(a.first_seen_at)},
      {"last_seen_at", to_rfc3339(a.last_seen_at)},
      {"acknowledged_at", time_or_null(a.acknowledged_at)},
      {"acknowledged_by", id_or_null(a.acknowledged_by)},
      {"acknowledge_note", text_or_null(a.acknowledge_note)},
      {"resolved_at", time_or_null(a.resolved_at)},
      {"resolved_by", id_or_null(a.resolved_by)},
      {"resolution", a.resolution ? json::value(to_string(*a.resolution)) : json::value(nullptr)},
      {"resolution_note", text_or_null(a.resolution_note)},
  };
}

json::value view(const alert_summary& s) {
  return json::object{
      {"total_open", s.total_open},
      {"by_status", json::object{{"active", s.active}, {"acknowledged", s.acknowledged}}},
      {"by_severity", by_severity(s.by_severity)},
      {"by_type", by_type(s.by_type)},
      {"oldest_open_at", time_or_null(s.oldest_open_at)}};
}

json::value view(const alert_stats& s) {
  json::array days;
  days.reserve(s.per_day.size());
  for (const auto& d : s.per_day)
    days.push_back(json::object{
        {"date", to_iso_date(d.date)}, {"raised", d.raised}, {"resolved", d.resolved}});
  return json::object{{"from", to_rfc3339(s.from)},
                      {"to", to_rfc3339(s.to)},
                      {"raised", s.raised},
                      {"resolved", s.resolved},
                      {"auto_resolved", s.auto_resolved},
                      {"mean_time_to_acknowledge_s", seconds_or_null(s.mean_time_to_acknowledge_s)},
                      {"mean_time_to_resolve_s", seconds_or_null(s.mean_time_to_resolve_s)},
                      {"time_zone", s.time_zone},
                      {"per_day", std::move(days)}};
}

json::value view(const alert_analytics& a) {
  json::object regions;
  for (const auto& [code, n] : a.by_region)
    regions[code] = n;
  json::array top;
  top.reserve(a.top_meters.size());
  for (const auto& m : a.top_meters)
    top.push_back(json::object{{"meter_id", m.meter_id}, {"alerts", m.alerts}});
  return json::object{{"from", to_rfc3339(a.from)},
                      {"to", to_rfc3339(a.to)},
                      {"by_type", by_type(a.by_type)},
                      {"by_severity", by_severity(a.by_severity)},
                      {"by_region", std::move(regions)},
                      {"top_meters", std::move(top)},
                      {"mean_time_to_acknowledge_s", seconds_or_null(a.mean_time_to_acknowledge_s)},
                      {"mean_time_to_resolve_s", seconds_or_null(a.mean_time_to_resolve_s)},
                      {"open_now", a.open_now}};
}

json::value view(const bulk_acknowledge_report& r) {
  auto ids = [](const std::vector<uuid>& v) {
    json::array out;
    out.reserve(v.size());
    for (const auto& id : v)
      out.push_back(json::string(id.to_string()));
    return out;
  };
  return json::object{{"acknowledged", ids(r.acknowledged)},
                      {"already_acknowledged", ids(r.already_acknowledged)},
                      {"not_found", ids(r.not_found)},
                      {"conflict", ids(r.conflict)}};
}

json::value view(const alert_settings& s, std::string_view region,
                 std::optional<std::string_view> meter) {
  json::object rules;
  for (std::size_t i = 0; i < alert_type_count; ++i) {
    const auto& r = s.rules[i];
    rules[to_string(type_at(i))] = json::object{
        {"enabled", r.enabled}, {"fire_after", r.fire_after}, {"clear_after", r.clear_after}};
  }
  return json::object{
      {"region", region},
      {"meter_id", meter ? json::value(json::string(*meter)) : json::value(nullptr)},
      {"nominal_voltage_v", number(s.nominal_voltage_v)},
      {"voltage_band", number(s.voltage_band)},
      {"nominal_frequency_hz", number(s.nominal_frequency_hz)},
      {"frequency_limit_hz", number(s.frequency_limit_hz)},
      {"power_factor_min", number(s.power_factor_min)},
      {"high_consumption_factor", number(s.high_consumption_factor)},
      {"offline_after_minutes", s.offline_after_minutes},
      {"rules", std::move(rules)}};
}

}  // namespace segs::rest::detail
