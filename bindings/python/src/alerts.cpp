// segs.Alerts (Grid.alerts): what the rules raise on readings and offline
// meters, the alerts' lifecycle (acknowledge, resolve, bulk acknowledge),
// the summaries over them and the rules' settings, plus the read-only
// values they answer (Alert, AlertSummary, AlertStats, AlertSettings, ...)
// and AlertEvent, the payload of the "alerts.*" events (Event.alert).
//
// At the edge, the enumerations are their wire names (str: "over_voltage",
// "critical", "acknowledged", "auto"), values and thresholds Decimal with
// three decimals in the rule's unit, as telemetry's instantaneous values;
// settings take Decimal, int, float (through its shortest repr) or str and
// are converted exactly (a fourth decimal is a ValidationError naming the
// keyword). Time bounds are `from_` (inclusive) and `to` (exclusive), as
// Audit.query's; the library's errors naming `from` name `from_`, and a
// rule's member ("low_power_factor.fire_after") is named by its path in
// update_settings' ``rules``, as the REST API names it
// ("rules.low_power_factor.fire_after").
#include "common.hpp"
#include "grid.hpp"
#include "page.hpp"

#include <segs/alerts.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace segs::python {

namespace {

struct py_alerts {
  holder_ptr holder;
};

using opt_str = std::optional<std::string>;

// --- words ---------------------------------------------------------------------------

// The library names its parameters as the REST API does (alert_id,
// alert_ids, meter_id, note, resolution_note) but for `from`, a Python
// keyword (the callers wrote `from_`), and a rule's members, which the REST
// API and this binding name by their path in `rules`.
void rename(segs::error& e, const std::string& to) {
  if (e.message.starts_with(e.field + " ")) e.message = to + e.message.substr(e.field.size());
  e.field = to;
}

segs::error in_python_words(segs::error e) {
  if (e.field == "from") {
    rename(e, "from_");
  } else if (const auto dot = e.field.find('.'); dot != std::string::npos) {
    // <type>.fire_after -> rules.<type>.fire_after
    if (parse_alert_type(std::string_view(e.field).substr(0, dot))) rename(e, "rules." + e.field);
  }
  return e;
}

template <class T>
result<T> in_python_words(result<T>&& r) {
  if (!r) return in_python_words(r.error());
  return std::move(r);
}

template <class Fn>
auto with_alerts(const py_alerts& s, Fn&& fn) {
  return with_service(*s.holder, [](segs::grid& g) -> alerts_service& { return g.alerts(); },
                      [&](alerts_service& a) { return in_python_words(fn(a)); });
}

// --- conversion out -------------------------------------------------------------------

py::object dec(milli v) { return decimal(v.value, 3); }
py::object opt_float(const std::optional<double>& v) {
  return v ? py::object(py::float_(*v)) : py::object(py::none());
}
template <class E>
py::str name_of(E v) {
  return py::str(std::string(to_string(v)));
}

std::string_view kind_name(alert_event::kind k) {
  switch (k) {
    case alert_event::kind::raised: return "raised";
    case alert_event::kind::escalated: return "escalated";
    case alert_event::kind::acknowledged: return "acknowledged";
    case alert_event::kind::resolved: return "resolved";
  }
  return "raised";
}

/// {"info": n, "warning": n, "critical": n}: every severity, in order.
py::dict severities(const std::array<std::int64_t, 3>& counts) {
  py::dict out;
  for (auto s : {alert_severity::info, alert_severity::warning, alert_severity::critical})
    out[name_of(s)] = counts[static_cast<std::size_t>(s)];
  return out;
}

/// {type name: n} in the order of alert_type.
py::dict types(const std::map<alert_type, std::int64_t>& counts) {
  py::dict out;
  for (const auto& [t, n] : counts) out[name_of(t)] = n;
  return out;
}

py::list uuids(const std::vector<uuid>& ids) {
  py::list out;
  for (const auto& id : ids) out.append(to_py(id));
  return out;
}

// --- conversion in ----------------------------------------------------------------------

/// uuid.UUID or text: meters are named by serial or UUID.
std::string meter_ref_from_py(py::handle h, const std::string& field) {
  if (py::isinstance<py::str>(h)) return h.cast<std::string>();
  if (py::isinstance(h, py::module_::import("uuid").attr("UUID"))) return py::str(h);
  throw py::type_error(field + " must be a str (the serial or the UUID) or a uuid.UUID");
}

std::optional<milli> opt_milli_from_py(py::handle h, const std::string& field) {
  if (h.is_none()) return std::nullopt;
  return milli{units_from_py(h, 3, field)};
}

/// A Python int (not bool), else TypeError naming `field`.
std::int64_t int_from_py(py::handle h, const std::string& field) {
  if (py::isinstance<py::bool_>(h) || !py::isinstance<py::int_>(h))
    throw py::type_error(field + " must be an int");
  return h.cast<std::int64_t>();
}

/// A count of a rule (fire_after, clear_after): an int. The library checks
/// its range (1..100); beyond an int's it is refused here.
int count_from_py(py::handle h, const std::string& field) {
  const auto v = int_from_py(h, field);
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    raise_error(errc::validation_error, field + " must be between 1 and 100", field);
  return static_cast<int>(v);
}

/// update_settings' ``rules``: {type: {"enabled": bool, "fire_after": int,
/// "clear_after": int}}, each key optional. Errors name the path
/// ("rules.low_power_factor.fire_after"), as the REST API does.
std::map<alert_type, alert_rule_patch> rules_from_py(py::handle h) {
  if (!is_mapping(h)) throw py::type_error("rules must be a mapping of alert type -> mapping");
  std::map<alert_type, alert_rule_patch> out;
  for (auto kv : h.attr("items")()) {
    auto pair = py::reinterpret_borrow<py::tuple>(kv);
    const auto type_name = str_from_py(pair[0], "rules' keys");
    const auto path = "rules." + type_name;
    auto type = parse_alert_type(type_name);
    if (!type)
      raise_error(errc::validation_error, "unknown field " + path + " (not an alert type)", path);
    py::handle fields = pair[1];
    if (fields.is_none()) continue;
    if (!is_mapping(fields)) throw py::type_error(path + " must be a mapping (e.g. a dict)");
    alert_rule_patch p;
    for (auto fkv : fields.attr("items")()) {
      auto f = py::reinterpret_borrow<py::tuple>(fkv);
      const auto key = str_from_py(f[0], path + "'s keys");
      const auto field = path + "." + key;
      py::handle v = f[1];
      if (v.is_none()) continue;
      if (key == "enabled") {
        if (!py::isinstance<py::bool_>(v)) throw py::type_error(field + " must be a bool");
        p.enabled = v.cast<bool>();
      } else if (key == "fire_after") {
        p.fire_after = count_from_py(v, field);
      } else if (key == "clear_after") {
        p.clear_after = count_from_py(v, field);
      } else {
        raise_error(errc::validation_error, "unknown field " + field, field);
      }
    }
    out[*type] = p;
  }
  return out;
}

/// update_settings' and update_meter_settings' keywords (None: not given).
struct settings_args {
  py::object nominal_voltage_v, voltage_band, nominal_frequency_hz, frequency_limit_hz,
      power_factor_min, high_consumption_factor, offline_after_minutes, rules;

  [[nodiscard]] alert_settings_patch patch() const {
    alert_settings_patch p;
    p.nominal_voltage_v = opt_milli_from_py(nominal_voltage_v, "nominal_voltage_v");
    p.voltage_band = opt_milli_from_py(voltage_band, "voltage_band");
    p.nominal_frequency_hz = opt_milli_from_py(nominal_frequency_hz, "nominal_frequency_hz");
    p.frequency_limit_hz = opt_milli_from_py(frequency_limit_hz, "frequency_limit_hz");
    p.power_factor_min = opt_milli_from_py(power_factor_min, "power_factor_min");
    p.high_consumption_factor = opt_milli_from_py(high_consumption_factor, "high_consumption_factor");
    if (!offline_after_minutes.is_none())
      p.offline_after_minutes = int_from_py(offline_after_minutes, "offline_after_minutes");
    if (!rules.is_none()) p.rules = rules_from_py(rules);
    return p;
  }
};

/// acknowledge_many's ids: a sequence of uuid.UUID or their text (a lone
/// str is refused: it would be a sequence of its characters).
std::vector<uuid> ids_from_py(py::handle h) {
  if (py::isinstance<py::str>(h) || py::isinstance<py::bytes>(h) || !py::hasattr(h, "__iter__"))
    throw py::type_error("alert_ids must be a sequence of uuid.UUID or str");
  std::vector<uuid> out;
  for (auto item : h) {
    const auto field = "alert_ids[" + std::to_string(out.size()) + "]";
    out.push_back(uuid_from_py(item, field.c_str()));
  }
  return out;
}

const char* const settings_keywords_doc =
    "``nominal_voltage_v`` (> 0), ``voltage_band`` (a fraction in (0, 0.5]: 0.05 is 5 %), "
    "``nominal_frequency_hz`` (> 0), ``frequency_limit_hz`` (> 0), ``power_factor_min`` "
    "(0..1), ``high_consumption_factor`` (>= 1) are Decimal, int, float or str with at most "
    "three decimals; ``offline_after_minutes`` an int (1..10080); ``rules`` a mapping of "
    "alert type -> {\"enabled\": bool, \"fire_after\": int, \"clear_after\": int} (1..100), "
    "each key optional. Keywords left as None keep their value.";

}  // namespace

void register_alerts(py::module_& m) {
  // --- value types ------------------------------------------------------------------------
  py::class_<alert>(m, "Alert",
                    "An alert raised by a rule on a meter's readings (or silence). ``value`` "
                    "and ``threshold`` are Decimal in the rule's unit: V (voltage), Hz "
                    "(frequency), a power factor, kW (over_capacity), kWh of a quarter-hour "
                    "(high_consumption), minutes (meter_offline). Read-only.")
      .def_property_readonly(
          "id", [](const alert& a) { return to_py(a.id); }, "uuid.UUID")
      .def_readonly("meter_id", &alert::meter_id, "The meter's serial.")
      .def_property_readonly(
          "meter_uuid", [](const alert& a) { return to_py(a.meter_uuid); },
          "The meter's id (uuid.UUID).")
      .def_property_readonly(
          "user_id", [](const alert& a) { return to_py(a.user_id); },
          "The meter's owner when the alert was raised (uuid.UUID), or None.")
      .def_readonly("region", &alert::region, "The meter's region.")
      .def_property_readonly(
          "type", [](const alert& a) { return name_of(a.type); },
          "\"over_voltage\", \"under_voltage\", \"frequency_deviation\", "
          "\"low_power_factor\", \"over_capacity\", \"high_consumption\" or "
          "\"meter_offline\".")
      .def_property_readonly(
          "severity", [](const alert& a) { return name_of(a.severity); },
          "\"info\", \"warning\" or \"critical\": the worst seen while open.")
      .def_property_readonly(
          "status", [](const alert& a) { return name_of(a.status); },
          "\"active\", \"acknowledged\" or \"resolved\".")
      .def_readonly("message", &alert::message,
                    "For people, with the measured value and the limit.")
      .def_property_readonly(
          "value", [](const alert& a) { return dec(a.value); },
          "The latest value that met the condition (Decimal, the rule's unit).")
      .def_property_readonly(
          "threshold", [](const alert& a) { return dec(a.threshold); },
          "The limit it crossed (Decimal, the rule's unit).")
      .def_readonly("occurrences", &alert::occurrences,
                    "Readings that met the condition while it was open (from 1).")
      .def_property_readonly(
          "first_seen_at", [](const alert& a) { return to_py(a.first_seen_at); },
          "When it was raised (aware UTC datetime).")
      .def_property_readonly(
          "last_seen_at", [](const alert& a) { return to_py(a.last_seen_at); },
          "The latest occurrence (aware UTC datetime).")
      .def_property_readonly(
          "acknowledged_at", [](const alert& a) { return to_py(a.acknowledged_at); },
          "Aware UTC datetime, or None.")
      .def_property_readonly(
          "acknowledged_by", [](const alert& a) { return to_py(a.acknowledged_by); },
          "Who acknowledged it (uuid.UUID), or None.")
      .def_readonly("acknowledge_note", &alert::acknowledge_note,
                    "acknowledge()'s ``note`` (\"\" without one).")
      .def_property_readonly(
          "resolved_at", [](const alert& a) { return to_py(a.resolved_at); },
          "Aware UTC datetime, or None.")
      .def_property_readonly(
          "resolved_by", [](const alert& a) { return to_py(a.resolved_by); },
          "Who resolved it (uuid.UUID); None while open and when resolved automatically.")
      .def_property_readonly(
          "resolution",
          [](const alert& a) {
            return a.resolution ? py::object(name_of(*a.resolution)) : py::object(py::none());
          },
          "\"manual\", \"auto\" (the condition cleared), or None while open.")
      .def_readonly("resolution_note", &alert::resolution_note,
                    "resolve()'s ``resolution_note`` (\"\" without one).")
      .def("__repr__", [](const alert& a) {
        return repr_builder("Alert")
            .add("id", to_py(a.id))
            .add("meter_id", py::str(a.meter_id))
            .add("type", name_of(a.type))
            .add("severity", name_of(a.severity))
            .add("status", name_of(a.status))
            .add("value", dec(a.value))
            .add("occurrences", py::int_(a.occurrences))
            .str();
      });

  py::class_<alert_event>(m, "AlertEvent",
                          "The payload of an \"alerts.*\" event (Event.alert): what happened "
                          "to an alert, and the alert after it. Read-only.")
      .def_property_readonly(
          "type", [](const alert_event& e) { return py::str(std::string(kind_name(e.type))); },
          "\"raised\", \"escalated\" (an open alert's severity went up), \"acknowledged\" or "
          "\"resolved\".")
      .def_readonly("alert", &alert_event::alert, "The Alert as it is after the change.")
      .def("__repr__", [](const alert_event& e) {
        return repr_builder("AlertEvent")
            .add("type", py::str(std::string(kind_name(e.type))))
            .add("alert", py::cast(e.alert))
            .str();
      });

  py::class_<alert_summary>(m, "AlertSummary",
                            "Counts over the caller's open alerts (active and acknowledged). "
                            "Read-only.")
      .def_readonly("total_open", &alert_summary::total_open, "Open alerts.")
      .def_readonly("active", &alert_summary::active, "Of those, not acknowledged yet.")
      .def_readonly("acknowledged", &alert_summary::acknowledged, "Of those, acknowledged.")
      .def_property_readonly(
          "by_severity", [](const alert_summary& s) { return severities(s.by_severity); },
          "{\"info\": n, \"warning\": n, \"critical\": n} (a dict; every severity).")
      .def_property_readonly(
          "by_type", [](const alert_summary& s) { return types(s.by_type); },
          "{type: n} (a dict) of the types with open alerts.")
      .def_property_readonly(
          "oldest_open_at", [](const alert_summary& s) { return to_py(s.oldest_open_at); },
          "first_seen_at of the oldest open alert (aware UTC datetime), or None.")
      .def("__repr__", [](const alert_summary& s) {
        return repr_builder("AlertSummary")
            .add("total_open", py::int_(s.total_open))
            .add("active", py::int_(s.active))
            .add("acknowledged", py::int_(s.acknowledged))
            .str();
      });

  py::class_<alert_day>(m, "AlertDay", "One local day of AlertStats. Read-only.")
      .def_property_readonly(
          "date", [](const alert_day& d) { return to_py_date(d.date); },
          "The local date (datetime.date) in AlertStats.time_zone.")
      .def_readonly("raised", &alert_day::raised, "Alerts first seen that day.")
      .def_readonly("resolved", &alert_day::resolved, "Alerts resolved that day.")
      .def("__repr__", [](const alert_day& d) {
        return repr_builder("AlertDay")
            .add("date", to_py_date(d.date))
            .add("raised", py::int_(d.raised))
            .add("resolved", py::int_(d.resolved))
            .str();
      });

  py::class_<alert_stats>(m, "AlertStats",
                          "Counts and mean times over the alerts the caller sees in [from_, "
                          "to). Read-only.")
      .def_property_readonly(
          "from_", [](const alert_stats& s) { return to_py(s.from); },
          "The range's start (included; aware UTC datetime).")
      .def_property_readonly(
          "to", [](const alert_stats& s) { return to_py(s.to); },
          "The range's end (excluded; aware UTC datetime).")
      .def_readonly("raised", &alert_stats::raised, "Alerts first seen in the range.")
      .def_readonly("resolved", &alert_stats::resolved, "Alerts resolved in the range.")
      .def_readonly("auto_resolved", &alert_stats::auto_resolved,
                    "Of ``resolved``, those resolved automatically (the condition cleared).")
      .def_property_readonly(
          "mean_time_to_acknowledge_s",
          [](const alert_stats& s) { return opt_float(s.mean_time_to_acknowledge_s); },
          "Mean seconds from raised to acknowledged over those raised (float); None when "
          "none was acknowledged.")
      .def_property_readonly(
          "mean_time_to_resolve_s",
          [](const alert_stats& s) { return opt_float(s.mean_time_to_resolve_s); },
          "Mean seconds from raised to resolved over those raised (float); None when none "
          "was resolved.")
      .def_readonly("time_zone", &alert_stats::time_zone,
                    "The IANA zone of per_day's dates: the caller's region's (UTC without one).")
      .def_readonly("per_day", &alert_stats::per_day,
                    "An AlertDay for every local day of the range, oldest first.")
      .def("__repr__", [](const alert_stats& s) {
        return repr_builder("AlertStats")
            .add("from_", to_py(s.from))
            .add("to", to_py(s.to))
            .add("raised", py::int_(s.raised))
            .add("resolved", py::int_(s.resolved))
            .add("auto_resolved", py::int_(s.auto_resolved))
            .str();
      });

  py::class_<meter_alert_count>(m, "MeterAlertCount",
                                "A meter with its number of alerts (AlertAnalytics.top_meters). "
                                "Read-only.")
      .def_readonly("meter_id", &meter_alert_count::meter_id, "The meter's serial.")
      .def_readonly("alerts", &meter_alert_count::alerts, "Alerts raised in the range.")
      .def("__repr__", [](const meter_alert_count& c) {
        return repr_builder("MeterAlertCount")
            .add("meter_id", py::str(c.meter_id))
            .add("alerts", py::int_(c.alerts))
            .str();
      });

  py::class_<alert_analytics>(m, "AlertAnalytics",
                              "Operators' and admins' view of the alerts raised in [from_, to). "
                              "Read-only.")
      .def_property_readonly(
          "from_", [](const alert_analytics& a) { return to_py(a.from); },
          "The range's start (included; aware UTC datetime).")
      .def_property_readonly(
          "to", [](const alert_analytics& a) { return to_py(a.to); },
          "The range's end (excluded; aware UTC datetime).")
      .def_property_readonly(
          "by_type", [](const alert_analytics& a) { return types(a.by_type); },
          "{type: n} (a dict) of the types raised.")
      .def_property_readonly(
          "by_severity", [](const alert_analytics& a) { return severities(a.by_severity); },
          "{\"info\": n, \"warning\": n, \"critical\": n} (a dict; every severity).")
      .def_readonly("by_region", &alert_analytics::by_region, "{region: n} (a dict).")
      .def_readonly("top_meters", &alert_analytics::top_meters,
                    "At most 10 MeterAlertCounts, most alerts first, then by serial.")
      .def_property_readonly(
          "mean_time_to_acknowledge_s",
          [](const alert_analytics& a) { return opt_float(a.mean_time_to_acknowledge_s); },
          "Mean seconds from raised to acknowledged (float), or None.")
      .def_property_readonly(
          "mean_time_to_resolve_s",
          [](const alert_analytics& a) { return opt_float(a.mean_time_to_resolve_s); },
          "Mean seconds from raised to resolved (float), or None.")
      .def_readonly("open_now", &alert_analytics::open_now,
                    "Alerts open now (in the region, when one was named).")
      .def("__repr__", [](const alert_analytics& a) {
        return repr_builder("AlertAnalytics")
            .add("from_", to_py(a.from))
            .add("to", to_py(a.to))
            .add("open_now", py::int_(a.open_now))
            .add("top_meters", py::int_(a.top_meters.size()))
            .str();
      });

  py::class_<bulk_acknowledge_report>(m, "BulkAcknowledgeReport",
                                      "What Alerts.acknowledge_many did with each id (lists of "
                                      "uuid.UUID). Read-only.")
      .def_property_readonly(
          "acknowledged", [](const bulk_acknowledge_report& r) { return uuids(r.acknowledged); },
          "Acknowledged by this call.")
      .def_property_readonly(
          "already_acknowledged",
          [](const bulk_acknowledge_report& r) { return uuids(r.already_acknowledged); },
          "Acknowledged before (left unchanged).")
      .def_property_readonly(
          "not_found", [](const bulk_acknowledge_report& r) { return uuids(r.not_found); },
          "Unknown, or not visible to the caller.")
      .def_property_readonly(
          "conflict", [](const bulk_acknowledge_report& r) { return uuids(r.conflict); },
          "Resolved already (nothing to acknowledge).")
      .def("__repr__", [](const bulk_acknowledge_report& r) {
        return repr_builder("BulkAcknowledgeReport")
            .add("acknowledged", py::int_(r.acknowledged.size()))
            .add("already_acknowledged", py::int_(r.already_acknowledged.size()))
            .add("not_found", py::int_(r.not_found.size()))
            .add("conflict", py::int_(r.conflict.size()))
            .str();
      });

  py::class_<alert_rule>(m, "AlertRule", "How one rule behaves (AlertSettings.rules). Read-only.")
      .def_readonly("enabled", &alert_rule::enabled, "False: the rule raises nothing.")
      .def_readonly("fire_after", &alert_rule::fire_after,
                    "Consecutive readings meeting the condition that raise an alert (1..100).")
      .def_readonly("clear_after", &alert_rule::clear_after,
                    "Consecutive readings not meeting it that resolve the open alert (1..100).")
      .def("__repr__", [](const alert_rule& r) {
        return repr_builder("AlertRule")
            .add("enabled", py::bool_(r.enabled))
            .add("fire_after", py::int_(r.fire_after))
            .add("clear_after", py::int_(r.clear_after))
            .str();
      });

  py::class_<alert_settings>(m, "AlertSettings",
                             "The rule settings in effect for a region, or a meter of it (the "
                             "names of Alerts.update_settings' keywords). Read-only.")
      .def_property_readonly(
          "nominal_voltage_v", [](const alert_settings& s) { return dec(s.nominal_voltage_v); },
          "Decimal V; by default the region's nominal voltage.")
      .def_property_readonly(
          "voltage_band", [](const alert_settings& s) { return dec(s.voltage_band); },
          "Decimal fraction (0.05: 5 %): over_voltage above nominal x (1 + band), "
          "under_voltage below nominal x (1 - band); critical beyond 10 %.")
      .def_property_readonly(
          "nominal_frequency_hz",
          [](const alert_settings& s) { return dec(s.nominal_frequency_hz); },
          "Decimal Hz; by default the region's nominal frequency.")
      .def_property_readonly(
          "frequency_limit_hz", [](const alert_settings& s) { return dec(s.frequency_limit_hz); },
          "Decimal Hz: frequency_deviation when |frequency - nominal| is above it.")
      .def_property_readonly(
          "power_factor_min", [](const alert_settings& s) { return dec(s.power_factor_min); },
          "Decimal: low_power_factor when a power factor is below it.")
      .def_property_readonly(
          "high_consumption_factor",
          [](const alert_settings& s) { return dec(s.high_consumption_factor); },
          "Decimal: high_consumption when a quarter-hour exceeds this x the mean of the same "
          "local hour's quarter-hours over the previous 7 days.")
      .def_readonly("offline_after_minutes", &alert_settings::offline_after_minutes,
                    "meter_offline when a meter has sent nothing for longer (int minutes).")
      .def_property_readonly(
          "rules",
          [](const alert_settings& s) {
            py::dict out;
            for (std::size_t i = 0; i < alert_type_count; ++i)
              out[name_of(static_cast<alert_type>(i))] = py::cast(s.rules[i]);
            return out;
          },
          "{type: AlertRule} (a dict) for every alert type.")
      .def("__repr__", [](const alert_settings& s) {
        return repr_builder("AlertSettings")
            .add("nominal_voltage_v", dec(s.nominal_voltage_v))
            .add("voltage_band", dec(s.voltage_band))
            .add("nominal_frequency_hz", dec(s.nominal_frequency_hz))
            .add("offline_after_minutes", py::int_(s.offline_after_minutes))
            .str();
      });

  // --- the service ------------------------------------------------------------------------
  py::class_<py_alerts>(
      m, "Alerts",
      "Alerts: the rules evaluated on every stored reading (voltage, frequency, power "
      "factor, capacity, high consumption), offline meters found by Grid.run_due_work(), "
      "and the alerts' lifecycle (active -> acknowledged -> resolved, or active -> "
      "resolved). Obtained from Grid.alerts; keeps its grid alive. Thread-safe; the GIL is "
      "released during every call.\n\n"
      "Who sees what: a user the alerts of the meters they held when raised (telemetry:read); "
      "alerts:manage with scope region (operators) their region's; admins all. An alert the "
      "caller may not see raises NotFound, so ids do not leak. Enumerations are str "
      "(\"over_voltage\", \"critical\", \"acknowledged\"); values Decimal. Changes are "
      "published as \"alerts.raised\", \"alerts.escalated\", \"alerts.acknowledged\" and "
      "\"alerts.resolved\" events (Grid.events, Event.alert).")
      .def(
          "list",
          [](const py_alerts& s, const principal& who, const opt_str& status,
             const opt_str& severity, const opt_str& type, const py::object& meter_id,
             opt_str region, const py::object& from, const py::object& to, int page,
             int per_page) {
            alert_query q;
            if (status) q.status = unwrap(parse_alert_status(*status));
            if (severity) q.severity = unwrap(parse_alert_severity(*severity));
            if (type) q.type = unwrap(parse_alert_type(*type));
            if (!meter_id.is_none()) q.meter = meter_ref_from_py(meter_id, "meter_id");
            q.region = std::move(region);
            q.from = opt_timestamp_from_py(from, "from_");
            q.to = opt_timestamp_from_py(to, "to");
            q.page = page;
            q.per_page = per_page;
            return to_py_page(with_alerts(s, [&](alerts_service& a) { return a.list(who, q); }));
          },
          py::arg("principal"), py::kw_only(), py::arg("status") = py::none(),
          py::arg("severity") = py::none(), py::arg("type") = py::none(),
          py::arg("meter_id") = py::none(), py::arg("region") = py::none(),
          py::arg("from_") = py::none(), py::arg("to") = py::none(), py::arg("page") = 1,
          py::arg("per_page") = 20,
          "The alerts the caller sees, newest first, filtered (``status``, ``severity``, "
          "``type`` by name; ``meter_id`` a serial or UUID; ``region``; ``from_`` inclusive "
          "and ``to`` exclusive bound first_seen_at) and paged (``per_page`` 1..100). A "
          "meter or region the caller does not see gives an empty page. Answers a Page of "
          "Alert. Raises ValidationError naming the keyword.")
      .def(
          "unresolved",
          [](const py_alerts& s, const principal& who, int page, int per_page) {
            page_request p{page, per_page};
            return to_py_page(
                with_alerts(s, [&](alerts_service& a) { return a.unresolved(who, p); }));
          },
          py::arg("principal"), py::kw_only(), py::arg("page") = 1, py::arg("per_page") = 20,
          "The open alerts (active and acknowledged) the caller sees, oldest first: an "
          "operator's region's, every one for admins (alerts:manage; Forbidden otherwise). "
          "Answers a Page of Alert.")
      .def(
          "get",
          [](const py_alerts& s, const principal& who, const py::object& alert_id) {
            auto id = uuid_from_py(alert_id, "alert_id");
            return with_alerts(s, [&](alerts_service& a) { return a.get(who, id); });
          },
          py::arg("principal"), py::arg("alert_id"),
          "One Alert (``alert_id`` a uuid.UUID or its text). Raises NotFound when unknown or "
          "not visible to the caller.")
      .def(
          "acknowledge",
          [](const py_alerts& s, const principal& who, const py::object& alert_id,
             const std::string& note, const opt_str& ip, const opt_str& user_agent) {
            auto id = uuid_from_py(alert_id, "alert_id");
            auto ctx = make_ctx(ip, user_agent);
            return with_alerts(
                s, [&](alerts_service& a) { return a.acknowledge(who, id, note, ctx); });
          },
          py::arg("principal"), py::arg("alert_id"), py::kw_only(), py::arg("note") = "",
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Acknowledges an active alert (the meter's owner, alerts:manage in scope) and "
          "answers it; an acknowledged one is answered unchanged. Audited; publishes "
          "\"alerts.acknowledged\". Raises NotFound (unknown or not visible), Conflict "
          "(resolved), Forbidden (seen but not the caller's to change).")
      .def(
          "resolve",
          [](const py_alerts& s, const principal& who, const py::object& alert_id,
             const std::string& resolution_note, const opt_str& ip, const opt_str& user_agent) {
            auto id = uuid_from_py(alert_id, "alert_id");
            auto ctx = make_ctx(ip, user_agent);
            return with_alerts(s, [&](alerts_service& a) {
              return a.resolve(who, id, resolution_note, ctx);
            });
          },
          py::arg("principal"), py::arg("alert_id"), py::kw_only(),
          py::arg("resolution_note") = "", py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Resolves an open alert (``resolution`` \"manual\", ``resolved_by`` the caller; "
          "the meter's owner, alerts:manage in scope) and answers it. Audited; publishes "
          "\"alerts.resolved\". Raises NotFound, Conflict (resolved already), Forbidden.")
      .def(
          "acknowledge_many",
          [](const py_alerts& s, const principal& who, const py::object& alert_ids,
             const std::string& note, const opt_str& ip, const opt_str& user_agent) {
            auto ids = ids_from_py(alert_ids);
            auto ctx = make_ctx(ip, user_agent);
            return with_alerts(s, [&](alerts_service& a) {
              return a.acknowledge_many(who, ids, note, ctx);
            });
          },
          py::arg("principal"), py::arg("alert_ids"), py::kw_only(), py::arg("note") = "",
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Operators and admins (alerts:manage; Forbidden otherwise) acknowledge up to 500 "
          "alerts (a sequence of uuid.UUID or their text) in one transaction, each as "
          "acknowledge() would, and get a BulkAcknowledgeReport: ids the caller may not see "
          "count as not found, resolved ones as conflicts. Raises ValidationError naming "
          "alert_ids (more than 500) or alert_ids[i] (a malformed id).")
      .def(
          "summary",
          [](const py_alerts& s, const principal& who) {
            return with_alerts(s, [&](alerts_service& a) { return a.summary(who); });
          },
          py::arg("principal"), "The AlertSummary of the caller's open alerts.")
      .def(
          "stats",
          [](const py_alerts& s, const principal& who, const py::object& from,
             const py::object& to) {
            auto f = timestamp_from_py(from, "from_");
            auto t = timestamp_from_py(to, "to");
            return with_alerts(s, [&](alerts_service& a) { return a.stats(who, f, t); });
          },
          py::arg("principal"), py::arg("from_"), py::arg("to"),
          "AlertStats over the alerts the caller sees in [from_, to) (aware datetimes, at "
          "most 366 days), per local day of the caller's region (UTC without one). Raises "
          "ValidationError naming from_ or to.")
      .def(
          "analytics",
          [](const py_alerts& s, const principal& who, const py::object& from,
             const py::object& to, const opt_str& region) {
            auto f = timestamp_from_py(from, "from_");
            auto t = timestamp_from_py(to, "to");
            std::optional<std::string_view> r;
            if (region) r = *region;
            return with_alerts(s, [&](alerts_service& a) { return a.analytics(who, f, t, r); });
          },
          py::arg("principal"), py::arg("from_"), py::arg("to"), py::kw_only(),
          py::arg("region") = py::none(),
          "AlertAnalytics over [from_, to), optionally of one ``region``: operators "
          "(alerts:manage, their region) and admins. Raises Forbidden otherwise.")
      .def(
          "settings",
          [](const py_alerts& s, const principal& who, const std::string& region,
             const py::object& meter_id) {
            opt_str meter;
            if (!meter_id.is_none()) meter = meter_ref_from_py(meter_id, "meter_id");
            return with_alerts(s, [&](alerts_service& a) {
              return meter ? a.settings(who, region, std::string_view(*meter))
                           : a.settings(who, region);
            });
          },
          py::arg("principal"), py::arg("region"), py::arg("meter_id") = py::none(),
          "The AlertSettings in effect for ``region``, or for the meter ``meter_id`` of it "
          "(its overrides over the region's). Operators of the region and admins read any; "
          "a meter's owner their meter's. Raises Forbidden, NotFound (an unknown region, a "
          "meter not in it or not visible).")
      .def(
          "update_settings",
          [](const py_alerts& s, const principal& who, const std::string& region,
             py::object nominal_voltage_v, py::object voltage_band,
             py::object nominal_frequency_hz, py::object frequency_limit_hz,
             py::object power_factor_min, py::object high_consumption_factor,
             py::object offline_after_minutes, py::object rules, const opt_str& ip,
             const opt_str& user_agent) {
            settings_args args{std::move(nominal_voltage_v),    std::move(voltage_band),
                               std::move(nominal_frequency_hz), std::move(frequency_limit_hz),
                               std::move(power_factor_min),     std::move(high_consumption_factor),
                               std::move(offline_after_minutes), std::move(rules)};
            auto patch = args.patch();
            auto ctx = make_ctx(ip, user_agent);
            return with_alerts(s, [&](alerts_service& a) {
              return a.update_settings(who, region, patch, ctx);
            });
          },
          py::arg("principal"), py::arg("region"), py::kw_only(),
          py::arg("nominal_voltage_v") = py::none(), py::arg("voltage_band") = py::none(),
          py::arg("nominal_frequency_hz") = py::none(),
          py::arg("frequency_limit_hz") = py::none(), py::arg("power_factor_min") = py::none(),
          py::arg("high_consumption_factor") = py::none(),
          py::arg("offline_after_minutes") = py::none(), py::arg("rules") = py::none(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          (std::string("Changes a region's rule settings (alerts:configure: admins) and "
                       "answers the AlertSettings now in effect. ") +
           settings_keywords_doc +
           " Audited. Raises ValidationError naming the keyword (a rule's field by its path, "
           "\"rules.low_power_factor.fire_after\"), Forbidden, NotFound for an unknown region.")
              .c_str())
      .def(
          "update_meter_settings",
          [](const py_alerts& s, const principal& who, const std::string& region,
             const py::object& meter_id, py::object nominal_voltage_v, py::object voltage_band,
             py::object nominal_frequency_hz, py::object frequency_limit_hz,
             py::object power_factor_min, py::object high_consumption_factor,
             py::object offline_after_minutes, py::object rules, const opt_str& ip,
             const opt_str& user_agent) {
            auto meter = meter_ref_from_py(meter_id, "meter_id");
            settings_args args{std::move(nominal_voltage_v),    std::move(voltage_band),
                               std::move(nominal_frequency_hz), std::move(frequency_limit_hz),
                               std::move(power_factor_min),     std::move(high_consumption_factor),
                               std::move(offline_after_minutes), std::move(rules)};
            auto patch = args.patch();
            auto ctx = make_ctx(ip, user_agent);
            return with_alerts(s, [&](alerts_service& a) {
              return a.update_meter_settings(who, region, meter, patch, ctx);
            });
          },
          py::arg("principal"), py::arg("region"), py::arg("meter_id"), py::kw_only(),
          py::arg("nominal_voltage_v") = py::none(), py::arg("voltage_band") = py::none(),
          py::arg("nominal_frequency_hz") = py::none(),
          py::arg("frequency_limit_hz") = py::none(), py::arg("power_factor_min") = py::none(),
          py::arg("high_consumption_factor") = py::none(),
          py::arg("offline_after_minutes") = py::none(), py::arg("rules") = py::none(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          (std::string("Overrides the region's rule settings for one meter of it "
                       "(alerts:configure: admins; a setting given here wins over the "
                       "region's) and answers the meter's AlertSettings now in effect. ") +
           settings_keywords_doc + " Audited. Raises ValidationError, Forbidden, NotFound.")
              .c_str());

  add_grid_service<py_alerts>(m, "alerts", "The Alerts service (rules, lifecycle, settings).");
}

}  // namespace segs::python
