// Telemetry's JSON: readers of readings and meter bodies, views of meters,
// readings and buckets, and the library's C++ names in the wire's words.
#include "rest/telemetry_views.hpp"

#include <array>
#include <initializer_list>

namespace segs::rest::detail {

namespace json = boost::json;

// --- the wire's words ----------------------------------------------------------

namespace {

// A meter's location is an object on the wire: its members' errors name
// their path ("location.latitude").
constexpr std::array<std::string_view, 5> location_fields{"building", "room", "address", "latitude",
                                                          "longitude"};

}  // namespace

segs::error telemetry_wire_words(segs::error e) {
  // The readings' words are shared with the Python package (in_wire_words).
  e = in_wire_words(std::move(e));
  for (const auto f : location_fields)
    if (e.field == f) {
      e.field = "location." + e.field;
      if (e.message.starts_with(std::string(f) + " ")) e.message = "location." + e.message;
      break;
    }
  return e;
}

// --- readers --------------------------------------------------------------------

namespace {

std::string named(std::string_view prefix, std::string_view key) {
  return std::string(prefix) + std::string(key);
}

}  // namespace

void only_fields(const json::object& o, std::initializer_list<std::string_view> keys,
                 std::string_view prefix) {
  for (const auto& kv : o) {
    const std::string_view k = kv.key();
    bool known = false;
    for (auto key : keys) known = known || key == k;
    if (!known) {
      const auto field = named(prefix, k);
      invalid(field, "unknown field " + field);
    }
  }
}

namespace {

std::optional<std::string> text_at(const json::object& o, std::string_view key,
                                   std::string_view prefix) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  const auto field = named(prefix, key);
  if (!v->is_string()) invalid(field, field + " must be a string");
  return std::string(v->as_string());
}

/// A decimal as a JSON number or a string holding one ("1.25"), as text.
std::string decimal_text(const json::value& v, const std::string& field) {
  if (v.is_string()) return std::string(v.as_string());
  if (!v.is_number()) invalid(field, field + " must be a number");
  return number_text(v, field);
}

std::optional<milli> milli_at(const json::object& o, std::string_view key, std::string_view prefix) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  const auto field = named(prefix, key);
  return take(milli::parse(decimal_text(*v, field), field));
}

std::optional<energy> energy_at(const json::object& o, std::string_view key,
                                std::string_view prefix) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  const auto field = named(prefix, key);
  auto e = energy::from_kwh(decimal_text(*v, field), rounding::exact, field);
  if (!e) invalid(field, field + " must be a number of kWh with at most 3 decimals (whole Wh)");
  return *e;
}

std::optional<double> double_at(const json::object& o, std::string_view key,
                                std::string_view prefix) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  const auto field = named(prefix, key);
  if (!v->is_number()) invalid(field, field + " must be a number");
  return v->to_number<double>();
}

std::optional<std::string> object_text_at(const json::object& o, std::string_view key,
                                          std::string_view prefix) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  const auto field = named(prefix, key);
  if (!v->is_object()) invalid(field, field + " must be a JSON object");
  return json::serialize(*v);
}

meter_location read_location(const json::value& v, const std::string& prefix) {
  const auto field = prefix.substr(0, prefix.size() - 1);  // "location"
  if (!v.is_object()) invalid(field, field + " must be an object");
  const auto& o = v.as_object();
  only_fields(o, {"building", "room", "address", "latitude", "longitude", "coordinates"}, prefix);
  meter_location l;
  l.building = text_at(o, "building", prefix);
  l.room = text_at(o, "room", prefix);
  l.address = text_at(o, "address", prefix);
  l.latitude = double_at(o, "latitude", prefix);
  l.longitude = double_at(o, "longitude", prefix);
  // The P2P seed's form: {"coordinates": {"latitude": .., "longitude": ..}}.
  if (const auto* c = member(o, "coordinates")) {
    const auto cp = prefix + "coordinates.";
    if (!c->is_object()) invalid(prefix + "coordinates", prefix + "coordinates must be an object");
    only_fields(c->as_object(), {"latitude", "longitude"}, cp);
    auto lat = double_at(c->as_object(), "latitude", cp);
    auto lon = double_at(c->as_object(), "longitude", cp);
    if ((lat && l.latitude && *lat != *l.latitude) || (lon && l.longitude && *lon != *l.longitude))
      invalid(prefix + "coordinates", prefix + "coordinates disagree with latitude/longitude");
    if (lat) l.latitude = lat;
    if (lon) l.longitude = lon;
  }
  return l;
}

}  // namespace

wire_reading read_reading(const json::value& v, std::string_view prefix, bool with_meter_id) {
  if (!v.is_object()) {
    const auto field =
        prefix.empty() ? std::string("body") : std::string(prefix.substr(0, prefix.size() - 1));
    invalid(field, field + " must be a reading object");
  }
  const auto& o = v.as_object();
  if (with_meter_id)
    only_fields(o,
                {"meter_id", "timestamp", "energy_consumed_kwh", "energy_produced_kwh", "power_kw",
                 "peak_demand_kw", "voltage", "current", "power_factor", "frequency", "metadata",
                 "signature"},
                prefix);
  else
    only_fields(o,
                {"timestamp", "energy_consumed_kwh", "energy_produced_kwh", "power_kw",
                 "peak_demand_kw", "voltage", "current", "power_factor", "frequency", "metadata",
                 "signature"},
                prefix);
  wire_reading w;
  if (with_meter_id) {
    auto m = text_at(o, "meter_id", prefix);
    if (!m) invalid(named(prefix, "meter_id"), named(prefix, "meter_id") + " is required");
    w.meter = std::move(*m);
  }
  const auto ts_field = named(prefix, "timestamp");
  auto ts = text_at(o, "timestamp", prefix);
  if (!ts) invalid(ts_field, ts_field + " is required");
  auto t = parse_rfc3339(*ts, ts_field);
  if (!t) invalid(ts_field, ts_field + " must be an RFC 3339 date-time");
  w.values.time = *t;
  w.signature.time_text = *ts;  // signed exactly as sent
  for (auto [key, target] : {std::pair{"energy_consumed_kwh", &w.values.consumed},
                             std::pair{"energy_produced_kwh", &w.values.produced}}) {
    auto e = energy_at(o, key, prefix);
    if (!e) invalid(named(prefix, key), named(prefix, key) + " is required");
    *target = *e;
  }
  w.values.power_kw = milli_at(o, "power_kw", prefix);
  w.values.peak_demand_kw = milli_at(o, "peak_demand_kw", prefix);
  w.values.voltage = milli_at(o, "voltage", prefix);
  w.values.current = milli_at(o, "current", prefix);
  w.values.power_factor = milli_at(o, "power_factor", prefix);
  w.values.frequency = milli_at(o, "frequency", prefix);
  if (auto meta = object_text_at(o, "metadata", prefix)) w.values.metadata = std::move(*meta);
  if (auto sig = text_at(o, "signature", prefix)) w.signature.signature = std::move(*sig);
  return w;
}

meter_spec read_meter_spec(const json::object& o, spec_use use, std::string_view prefix) {
  if (use == spec_use::register_)
    only_fields(o, {"meter_id", "region", "meter_type", "location", "capacity_kw",
                    "installation_date", "metadata"},
                prefix);
  else  // meter_id and user_id on an update: the library says how to change them
    only_fields(o, {"meter_id", "region", "meter_type", "location", "capacity_kw",
                    "installation_date", "public_key", "metadata", "user_id"},
                prefix);
  meter_spec s;
  s.meter_id = text_at(o, "meter_id", prefix);
  s.region = text_at(o, "region", prefix);
  if (auto t = text_at(o, "meter_type", prefix)) {
    auto k = parse_meter_kind(*t);
    if (!k) invalid(named(prefix, "meter_type"), named(prefix, k.error().message));
    s.meter_type = *k;
  }
  if (const auto* l = member(o, "location")) s.location = read_location(*l, named(prefix, "location."));
  s.capacity_kw = milli_at(o, "capacity_kw", prefix);
  if (auto d = text_at(o, "installation_date", prefix)) {
    const auto field = named(prefix, "installation_date");
    auto date = parse_iso_date(*d, field);
    if (!date) invalid(field, field + " must be a date YYYY-MM-DD");
    s.installation_date = *date;
  }
  s.public_key = text_at(o, "public_key", prefix);
  s.metadata = object_text_at(o, "metadata", prefix);
  if (auto u = text_at(o, "user_id", prefix)) {
    const auto field = named(prefix, "user_id");
    auto id = uuid::parse(*u, field);
    if (!id) invalid(field, field + " must be a UUID");
    s.user_id = *id;
  }
  return s;
}

time_range query_range(const call& c, std::chrono::hours fallback) {
  time_range r;
  r.end = c.grid.clock().now();
  if (auto e = c.query_value("end")) r.end = parse_time(*e, "end");
  r.start = r.end - fallback;
  if (auto s = c.query_value("start")) r.start = parse_time(*s, "start");
  if (!(r.start < r.end)) invalid("end", "end must be after start");
  if (r.end - r.start > std::chrono::days{366})
    invalid("end", "end must be at most 366 days after start");
  return r;
}

// --- views -----------------------------------------------------------------------

json::value number(milli m) { return decimal_number(m.value, 3); }
json::value number_or_null(const std::optional<milli>& m) {
  if (!m) return nullptr;
  return number(*m);
}

namespace {

json::value opt(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return json::string(*s);
}
json::value opt(const std::optional<double>& d) {
  if (!d) return nullptr;
  return *d;
}

/// Stored JSON text embedded as JSON; empty is an empty object.
json::value embedded(const std::string& text) {
  if (text.empty()) return json::object{};
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return json::string(text);
  return v;
}

}  // namespace

json::value view(const meter_location& l) {
  return json::object{{"building", opt(l.building)},
                      {"room", opt(l.room)},
                      {"address", opt(l.address)},
                      {"latitude", opt(l.latitude)},
                      {"longitude", opt(l.longitude)}};
}

json::value view(const meter& m) {
  json::value last = nullptr;
  if (m.last_reading)
    last = json::object{{"timestamp", to_rfc3339(m.last_reading->time)},
                        {"energy_consumed_kwh", number(m.last_reading->consumed)},
                        {"energy_produced_kwh", number(m.last_reading->produced)}};
  return json::object{
      {"id", m.id.to_string()},
      {"meter_id", m.meter_id},
      {"user_id", id_or_null(m.user_id)},
      {"region", m.region},
      {"meter_type", to_string(m.meter_type)},
      {"status", to_string(m.status)},
      {"location", view(m.location)},
      {"capacity_kw", number(m.capacity_kw)},
      {"installation_date",
       m.installation_date ? json::value(to_iso_date(*m.installation_date)) : json::value(nullptr)},
      {"public_key", m.public_key.empty() ? json::value(nullptr) : json::value(m.public_key)},
      {"metadata", embedded(m.metadata)},
      {"created_at", to_rfc3339(m.created_at)},
      {"updated_at", to_rfc3339(m.updated_at)},
      {"last_reading", std::move(last)},
      {"total_energy_consumed", number(m.total_consumed)},
      {"total_energy_produced", number(m.total_produced)},
  };
}

json::object view(const stored_reading& r) {
  const auto& v = r.values;
  return json::object{{"meter_id", r.meter_id},
                      {"timestamp", to_rfc3339(v.time)},
                      {"energy_consumed_kwh", number(v.consumed)},
                      {"energy_produced_kwh", number(v.produced)},
                      {"power_kw", number_or_null(v.power_kw)},
                      {"peak_demand_kw", number_or_null(v.peak_demand_kw)},
                      {"voltage", number_or_null(v.voltage)},
                      {"current", number_or_null(v.current)},
                      {"power_factor", number_or_null(v.power_factor)},
                      {"frequency", number_or_null(v.frequency)},
                      {"metadata", v.metadata.empty() ? json::value(nullptr) : embedded(v.metadata)},
                      {"received_at", to_rfc3339(r.received_at)}};
}

json::value latest_view(const stored_reading& r) {
  const auto& v = r.values;
  return json::object{{"meter_id", r.meter_id},
                      {"timestamp", to_rfc3339(v.time)},
                      {"energy_consumed_kwh", number(v.consumed)},
                      {"energy_produced_kwh", number(v.produced)},
                      {"power_kw", number_or_null(v.power_kw)},
                      {"voltage", number_or_null(v.voltage)},
                      {"current", number_or_null(v.current)},
                      {"power_factor", number_or_null(v.power_factor)},
                      {"frequency", number_or_null(v.frequency)},
                      {"received_at", to_rfc3339(r.received_at)}};
}

json::value view(const bucket& b) {
  return json::object{{"start", to_rfc3339(b.start)},
                      {"end", to_rfc3339(b.end)},
                      {"consumed_kwh", number(b.consumed)},
                      {"produced_kwh", number(b.produced)},
                      {"net_kwh", number(b.net())},
                      {"reading_count", b.reading_count},
                      {"min_power_kw", number_or_null(b.min_power_kw)},
                      {"avg_power_kw", number_or_null(b.avg_power_kw)},
                      {"max_power_kw", number_or_null(b.max_power_kw)},
                      {"peak_demand_kw", number_or_null(b.peak_demand_kw)},
                      {"voltage_min", number_or_null(b.voltage_min)},
                      {"voltage_avg", number_or_null(b.voltage_avg)},
                      {"voltage_max", number_or_null(b.voltage_max)},
                      {"current_avg", number_or_null(b.current_avg)},
                      {"power_factor_avg", number_or_null(b.power_factor_avg)},
                      {"frequency_avg", number_or_null(b.frequency_avg)}};
}

json::value view(const ingest_report& r) {
  json::array rejected;
  for (const auto& x : r.rejected) {
    auto e = telemetry_wire_words(make_error(x.code, x.message, x.field));
    rejected.push_back(json::object{{"index", x.index},
                                    {"field", e.field},
                                    {"code", to_string(e.code)},
                                    {"message", e.message}});
  }
  return json::object{{"accepted", r.accepted},
                      {"duplicates", r.duplicates},
                      {"rejected", std::move(rejected)}};
}

}  // namespace segs::rest::detail
