// The tariffs' JSON: readers of tariffs, their partial updates and
// overrides; views of everything the tariffs service answers; the library's
// C++ names in the wire's words.
#include "rest/tariffs_views.hpp"

#include "rest/telemetry_views.hpp"

#include <charconv>
#include <chrono>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace segs::rest::detail {

namespace json = boost::json;

// --- the wire's words ----------------------------------------------------------

segs::error tariffs_wire_words(segs::error e) {
  const std::string cpp = e.field;
  std::string wire;
  if (cpp.starts_with("tiers[") && cpp.ends_with("].up_to"))
    wire = cpp + "_kwh";  // tiers[0].up_to -> tiers[0].up_to_kwh
  else if (cpp == "consumption")
    wire = "consumption_kwh";
  else
    return e;
  e.field = wire;
  // Only the whole leading word: "tiers[0].up_to must ..." -> "tiers[0].up_to_kwh must ...".
  if (e.message.starts_with(cpp) && (e.message.size() == cpp.size() || e.message[cpp.size()] == ' '))
    e.message = wire + e.message.substr(cpp.size());
  return e;
}

// --- readers --------------------------------------------------------------------

namespace {

/// "schedule[1]" or "schedule[1].start".
std::string at(std::string_view list, std::size_t i, std::string_view key = {}) {
  std::string s(list);
  s += '[' + std::to_string(i) + ']';
  if (!key.empty()) (s += '.') += key;
  return s;
}

const json::object& object_of(const json::value& v, const std::string& field) {
  if (!v.is_object()) invalid(field, field + " must be an object");
  return v.as_object();
}

const json::array& array_of(const json::value& v, const std::string& field) {
  if (!v.is_array()) invalid(field, field + " must be an array");
  return v.as_array();
}

std::string string_of(const json::value& v, const std::string& field) {
  if (!v.is_string()) invalid(field, field + " must be a string");
  return std::string(v.as_string());
}

/// A required member of a nested object, named by its path.
const json::value& required_at(const json::object& o, std::string_view key, const std::string& field) {
  const auto* v = member(o, key);
  if (!v) invalid(field, field + " is required");
  return *v;
}

/// A decimal with 4 decimals (tax_percent, multiplier): a JSON number, as money is.
ten_thousandths to_ten_thousandths(const json::value& v, const std::string& field) {
  if (!v.is_number()) invalid(field, field + " must be a number");
  return take(ten_thousandths::parse(number_text(v, field), field));
}

std::optional<ten_thousandths> optional_ten_thousandths(const json::object& o, std::string_view key) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  return to_ten_thousandths(*v, std::string(key));
}

/// "HH:MM", 00:00 to 24:00; whether it lies on the grid (and 24:00 only as
/// an end) is the library's to say.
std::chrono::minutes wall_time(const json::value& v, const std::string& field) {
  bool ok = v.is_string();
  int hours = 0, minutes = 0;
  if (ok) {
    const std::string_view s = v.as_string();
    const auto digit = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
    ok = s.size() == 5 && s[2] == ':' && digit(0) && digit(1) && digit(3) && digit(4);
    if (ok) {
      hours = (s[0] - '0') * 10 + (s[1] - '0');
      minutes = (s[3] - '0') * 10 + (s[4] - '0');
      ok = minutes < 60 && (hours < 24 || (hours == 24 && minutes == 0));
    }
  }
  if (!ok) invalid(field, field + " must be a time HH:MM from 00:00 to 24:00");
  return std::chrono::minutes{hours * 60 + minutes};
}

std::vector<tariff_period> read_periods(const json::value& v) {
  std::vector<tariff_period> out;
  const auto& items = array_of(v, "periods");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& o = object_of(items[i], at("periods", i));
    only_fields(o, {"name", "price_per_kwh"}, at("periods", i) + ".");
    tariff_period p;
    p.name = string_of(required_at(o, "name", at("periods", i, "name")), at("periods", i, "name"));
    const auto price = at("periods", i, "price_per_kwh");
    p.price_per_kwh = to_money(required_at(o, "price_per_kwh", price), price);
    out.push_back(std::move(p));
  }
  return out;
}

schedule_rule read_rule(const json::value& v, std::size_t i) {
  const auto& o = object_of(v, at("schedule", i));
  only_fields(o, {"period", "days", "start", "end", "months"}, at("schedule", i) + ".");
  schedule_rule r;
  const auto period = at("schedule", i, "period");
  r.period = string_of(required_at(o, "period", period), period);
  if (const auto* d = member(o, "days")) {
    const auto field = at("schedule", i, "days");
    for (const auto& day : array_of(*d, field)) {
      if (!day.is_string()) invalid(field, field + " must be an array of day names");
      r.days.push_back(take(parse_day_kind(day.as_string(), field)));
    }
  }
  const auto start = at("schedule", i, "start");
  r.start = wall_time(required_at(o, "start", start), start);
  const auto end = at("schedule", i, "end");
  r.end = wall_time(required_at(o, "end", end), end);
  if (const auto* m = member(o, "months")) {
    const auto field = at("schedule", i, "months");
    for (const auto& month : array_of(*m, field)) {
      if (!month.is_number()) invalid(field, field + " must be an array of month numbers");
      const auto n = parse_decimal(number_text(month, field), 0, rounding::exact, field);
      if (!n || *n < std::numeric_limits<int>::min() || *n > std::numeric_limits<int>::max())
        invalid(field, field + " must be an array of month numbers");
      r.months.push_back(static_cast<int>(*n));
    }
  }
  return r;
}

std::vector<schedule_rule> read_schedule(const json::value& v) {
  std::vector<schedule_rule> out;
  const auto& items = array_of(v, "schedule");
  for (std::size_t i = 0; i < items.size(); ++i) out.push_back(read_rule(items[i], i));
  return out;
}

std::vector<std::chrono::year_month_day> read_holidays(const json::value& v) {
  std::vector<std::chrono::year_month_day> out;
  const auto& items = array_of(v, "holidays");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto field = at("holidays", i);
    std::optional<std::chrono::year_month_day> date;
    if (items[i].is_string())
      if (auto d = parse_iso_date(items[i].as_string(), field)) date = *d;
    if (!date) invalid(field, field + " must be a date YYYY-MM-DD");
    out.push_back(*date);
  }
  return out;
}

std::vector<tariff_tier> read_tiers(const json::value& v) {
  std::vector<tariff_tier> out;
  const auto& items = array_of(v, "tiers");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& o = object_of(items[i], at("tiers", i));
    only_fields(o, {"up_to_kwh", "adder_per_kwh"}, at("tiers", i) + ".");
    tariff_tier t;
    if (const auto* up = member(o, "up_to_kwh")) t.up_to = to_energy(*up, at("tiers", i, "up_to_kwh"));
    const auto adder = at("tiers", i, "adder_per_kwh");
    t.adder_per_kwh = to_money(required_at(o, "adder_per_kwh", adder), adder);
    out.push_back(t);
  }
  return out;
}

}  // namespace

tariff read_tariff(const json::object& body) {
  only_fields(body, {"region", "name", "currency", "effective_from", "effective_to", "periods", "schedule",
                     "default_period", "holidays", "tiers", "fixed_charge_per_day", "demand_charge_per_kw",
                     "export_price_per_kwh", "tax_percent"});
  tariff t;
  t.region = required_string(body, "region");
  t.name = optional_string(body, "name").value_or("");
  t.currency = optional_string(body, "currency").value_or("");
  const auto from = optional_time(body, "effective_from");
  if (!from) invalid("effective_from", "effective_from is required");
  t.effective_from = *from;
  t.effective_to = optional_time(body, "effective_to");
  if (const auto* v = member(body, "periods")) t.periods = read_periods(*v);
  if (const auto* v = member(body, "schedule")) t.schedule = read_schedule(*v);
  t.default_period = optional_string(body, "default_period").value_or("");
  if (const auto* v = member(body, "holidays")) t.holidays = read_holidays(*v);
  if (const auto* v = member(body, "tiers")) t.tiers = read_tiers(*v);
  t.fixed_charge_per_day = optional_money(body, "fixed_charge_per_day").value_or(money{});
  t.demand_charge_per_kw = optional_money(body, "demand_charge_per_kw").value_or(money{});
  t.export_price_per_kwh = optional_money(body, "export_price_per_kwh").value_or(money{});
  t.tax_percent = optional_ten_thousandths(body, "tax_percent").value_or(ten_thousandths{});
  return t;
}

tariff_patch read_tariff_patch(const json::object& body) {
  only_fields(body, {"region", "currency", "name", "effective_from", "effective_to", "periods", "schedule",
                     "default_period", "holidays", "tiers", "fixed_charge_per_day", "demand_charge_per_kw",
                     "export_price_per_kwh", "tax_percent"});
  for (const char* fixed : {"region", "currency"})
    if (member(body, fixed))
      invalid(fixed, std::string(fixed) + " cannot change: create a tariff from a future instant instead");
  tariff_patch p;
  p.name = optional_string(body, "name");
  p.effective_from = optional_time(body, "effective_from");
  // null is "open-ended" here, not "absent".
  if (const auto it = body.find("effective_to"); it != body.end()) {
    if (it->value().is_null())
      p.effective_to.emplace(std::nullopt);
    else
      p.effective_to.emplace(optional_time(body, "effective_to"));
  }
  if (const auto* v = member(body, "periods")) p.periods = read_periods(*v);
  if (const auto* v = member(body, "schedule")) p.schedule = read_schedule(*v);
  p.default_period = optional_string(body, "default_period");
  if (const auto* v = member(body, "holidays")) p.holidays = read_holidays(*v);
  if (const auto* v = member(body, "tiers")) p.tiers = read_tiers(*v);
  p.fixed_charge_per_day = optional_money(body, "fixed_charge_per_day");
  p.demand_charge_per_kw = optional_money(body, "demand_charge_per_kw");
  p.export_price_per_kwh = optional_money(body, "export_price_per_kwh");
  p.tax_percent = optional_ten_thousandths(body, "tax_percent");
  return p;
}

tariff_override read_override(const json::object& body) {
  only_fields(body, {"region", "start", "end", "price_per_kwh", "multiplier", "reason"});
  tariff_override o;
  o.region = required_string(body, "region");
  const auto start = optional_time(body, "start");
  if (!start) invalid("start", "start is required");
  o.start = *start;
  const auto end = optional_time(body, "end");
  if (!end) invalid("end", "end is required");
  o.end = *end;
  o.price_per_kwh = optional_money(body, "price_per_kwh");
  o.multiplier = optional_ten_thousandths(body, "multiplier");
  o.reason = optional_string(body, "reason").value_or("");
  return o;
}

// --- views -----------------------------------------------------------------------

namespace {

/// tax_percent and multiplier as JSON numbers, like money: an integer when
/// whole, else the double nearest to their decimal text.
json::value number(ten_thousandths t) {
  const auto text = t.to_string();
  const char* first = text.data();
  const char* last = text.data() + text.size();
  std::int64_t whole = 0;
  if (auto [p, ec] = std::from_chars(first, last, whole); ec == std::errc{} && p == last) return whole;
  double d = 0;
  std::from_chars(first, last, d);
  return d;
}

json::value number_or_null(const std::optional<ten_thousandths>& t) {
  if (!t) return nullptr;
  return number(*t);
}

/// "HH:MM"; a day's end is "24:00".
std::string wall_text(std::chrono::minutes m) {
  const auto total = m.count();
  const auto h = total / 60;
  const auto mm = total % 60;
  std::string s = "00:00";
  s[0] = static_cast<char>('0' + (h / 10) % 10);
  s[1] = static_cast<char>('0' + h % 10);
  s[3] = static_cast<char>('0' + mm / 10);
  s[4] = static_cast<char>('0' + mm % 10);
  return s;
}

json::value view(const schedule_rule& r) {
  json::array days;
  for (auto d : r.days) days.push_back(json::string(to_string(d)));
  json::array months;
  for (int m : r.months) months.push_back(m);
  return json::object{{"period", r.period},
                      {"days", std::move(days)},
                      {"start", wall_text(r.start)},
                      {"end", wall_text(r.end)},
                      {"months", std::move(months)}};
}

}  // namespace

json::value view(const tariff& t) {
  json::array periods;
  for (const auto& p : t.periods)
    periods.push_back(json::object{{"name", p.name}, {"price_per_kwh", number(p.price_per_kwh)}});
  json::array schedule;
  for (const auto& r : t.schedule) schedule.push_back(view(r));
  json::array holidays;
  for (const auto& d : t.holidays) holidays.push_back(json::string(to_iso_date(d)));
  json::array tiers;
  for (const auto& tier : t.tiers)
    tiers.push_back(
        json::object{{"up_to_kwh", number_or_null(tier.up_to)}, {"adder_per_kwh", number(tier.adder_per_kwh)}});
  return json::object{{"id", t.id.to_string()},
                      {"region", t.region},
                      {"name", t.name},
                      {"currency", t.currency},
                      {"effective_from", to_rfc3339(t.effective_from)},
                      {"effective_to", time_or_null(t.effective_to)},
                      {"periods", std::move(periods)},
                      {"schedule", std::move(schedule)},
                      {"default_period", t.default_period},
                      {"holidays", std::move(holidays)},
                      {"tiers", std::move(tiers)},
                      {"fixed_charge_per_day", number(t.fixed_charge_per_day)},
                      {"demand_charge_per_kw", number(t.demand_charge_per_kw)},
                      {"export_price_per_kwh", number(t.export_price_per_kwh)},
                      {"tax_percent", number(t.tax_percent)},
                      {"created_by", id_or_null(t.created_by)},
                      {"created_at", to_rfc3339(t.created_at)}};
}

json::value view(const tariff_override& o) {
  return json::object{{"id", o.id.to_string()},
                      {"region", o.region},
                      {"start", to_rfc3339(o.start)},
                      {"end", to_rfc3339(o.end)},
                      {"price_per_kwh", detail::number_or_null(o.price_per_kwh)},
                      {"multiplier", number_or_null(o.multiplier)},
                      {"reason", o.reason},
                      {"created_by", id_or_null(o.created_by)},
                      {"created_at", to_rfc3339(o.created_at)},
                      {"removed_at", time_or_null(o.removed_at)}};
}

json::value view(const current_period& p) {
  return json::object{{"name", p.name},
                      {"price_per_kwh", number(p.price_per_kwh)},
                      {"effective_price_per_kwh", number(p.effective_price_per_kwh)},
                      {"override_id", id_or_null(p.override_id)},
                      {"starts_at", to_rfc3339(p.starts_at)},
                      {"ends_at", time_or_null(p.ends_at)}};
}

json::value view(const current_tariff& c) {
  return json::object{{"tariff", view(c.in_effect)},
                      {"now", to_rfc3339(c.now)},
                      {"current_period", view(c.period)},
                      {"next_change_at", time_or_null(c.next_change_at)}};
}

json::value view(const tariff_history& h) {
  json::array tariffs;
  for (const auto& t : h.tariffs) tariffs.push_back(view(t));
  json::array overrides;
  for (const auto& o : h.overrides) overrides.push_back(view(o));
  return json::object{{"tariffs", std::move(tariffs)}, {"overrides", std::move(overrides)}};
}

json::value view(const tariff_estimate& e) {
  json::array lines;
  for (const auto& l : e.by_period)
    lines.push_back(json::object{{"period", l.period}, {"kwh", number(l.consumed)}, {"amount", number(l.amount)}});
  return json::object{{"region", e.region},
                      {"currency", e.currency},
                      {"from", to_rfc3339(e.from)},
                      {"to", to_rfc3339(e.to)},
                      {"consumption_kwh", number(e.consumption)},
                      {"by_period", std::move(lines)},
                      {"energy_charge", number(e.energy_charge)},
                      {"tier_charge", number(e.tier_charge)},
                      {"fixed_charge", number(e.fixed_charge)},
                      {"demand_charge", number(e.demand_charge)},
                      {"tax", number(e.tax)},
                      {"total", number(e.total)}};
}

json::value view(const price_forecast& f) {
  json::array prices;
  for (const auto& s : f.prices)
    prices.push_back(json::object{{"start", to_rfc3339(s.start)},
                                  {"end", to_rfc3339(s.end)},
                                  {"period", s.period},
                                  // What will be paid: the override applied.
                                  {"price_per_kwh", number(s.effective_price_per_kwh)},
                                  {"effective_price_per_kwh", number(s.effective_price_per_kwh)},
                                  {"period_price_per_kwh", number(s.price_per_kwh)},
                                  {"override_id", id_or_null(s.override_id)}});
  return json::object{{"region", f.region},
                      {"from", to_rfc3339(f.from)},
                      {"to", to_rfc3339(f.to)},
                      {"prices", std::move(prices)}};
}

json::value view(const std::vector<region_tariff>& regions) {
  json::array out;
  for (const auto& r : regions)
    out.push_back(json::object{{"region", r.region},
                               {"tariff", r.in_effect ? view(*r.in_effect) : json::value(nullptr)},
                               {"current_period", r.period ? view(*r.period) : json::value(nullptr)}});
  return json::object{{"regions", std::move(out)}};
}

json::value view(const tariff_analytics& a) {
  json::array lines;
  for (const auto& l : a.by_period)
    lines.push_back(json::object{{"period", l.period},
                                 // quarter_hours / 4, exactly: 25 hundredths of an hour each.
                                 {"hours", decimal_number(l.quarter_hours * 25, 2)},
                                 {"kwh", number(l.consumed)},
                                 {"amount", number(l.amount)}});
  return json::object{
      {"region", a.region},
      {"from", to_rfc3339(a.from)},
      {"to", to_rfc3339(a.to)},
      {"time_weighted_price_per_kwh", detail::number_or_null(a.time_weighted_price_per_kwh)},
      {"consumption_weighted_price_per_kwh", detail::number_or_null(a.consumption_weighted_price_per_kwh)},
      {"peak_to_off_peak_ratio",
       a.peak_to_off_peak_ratio ? json::value(*a.peak_to_off_peak_ratio) : json::value(nullptr)},
      {"overrides", a.overrides},
      {"by_period", std::move(lines)}};
}

}  // namespace segs::rest::detail
