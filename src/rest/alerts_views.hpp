// Internal: the alerts' JSON on the wire — the alert, the summary, stats
// and analytics, the bulk report, the rule settings document and its
// partial update, and the library's C++ member names in the wire's words.
// Used by routes_alerts.cpp.
//
// Wire names: an alert is {id, meter_id (the serial), meter_uuid, user_id,
// region, type, severity, status, message, value, threshold, occurrences,
// first_seen_at, last_seen_at, acknowledged_at, acknowledged_by,
// acknowledge_note, resolved_at, resolved_by, resolution, resolution_note};
// decimals are JSON numbers (at most 3 decimals), times RFC 3339, absent
// values null.
#pragma once

#include "rest/json_io.hpp"
#include "rest/route.hpp"

#include <segs/alerts.hpp>

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace segs::rest::detail {

/// Where an error's field is translated: the C++ member `note` is the
/// acknowledgement's `note` but the resolution's `resolution_note`; the
/// member `meter` is the query's `meter_id`, or the path's `meterId`.
enum class alerts_context { general, resolve, meter_path };

/// A library error in the wire's words: meter -> meter_id (meter and
/// meter_id -> meterId on routes naming the meter in the path), ids ->
/// alert_ids, id and alert_id -> alertId,
/// <type>.fire_after -> rules.<type>.fire_after, note -> resolution_note
/// (resolve), with the message's leading word.
[[nodiscard]] segs::error alerts_wire_words(segs::error e,
                                            alerts_context where = alerts_context::general);

/// take() for the alerts' answers: the error in the wire's words.
template <class T>
T answer_alerts(result<T> r, alerts_context where = alerts_context::general) {
  if (!r) throw segs::exception(alerts_wire_words(r.error(), where));
  return std::move(r).value();
}

// --- readers ---------------------------------------------------------------

/// The body of PUT /alerts/rules/...: every member optional; unknown
/// members (also inside `rules` and its entries) are 400 naming their path
/// ("rules.over_voltage.fire_afer"). `region` and `meter_id` may be sent
/// back as GET answered them, but must name the route's region and meter
/// (`meter` empty: the region's document, whose meter_id is null).
[[nodiscard]] alert_settings_patch read_settings_patch(const boost::json::object& body,
                                                       std::string_view region,
                                                       std::optional<std::string_view> meter);

// --- views -----------------------------------------------------------------

[[nodiscard]] boost::json::value view(const alert& a);
/// {total_open, by_status: {active, acknowledged}, by_severity: {info,
/// warning, critical}, by_type: {<every type>: n}, oldest_open_at}.
[[nodiscard]] boost::json::value view(const alert_summary& s);
/// {from, to, raised, resolved, auto_resolved, mean_time_to_acknowledge_s,
/// mean_time_to_resolve_s, time_zone, per_day: [{date, raised, resolved}]}.
[[nodiscard]] boost::json::value view(const alert_stats& s);
/// {from, to, by_type, by_severity, by_region, top_meters: [{meter_id,
/// alerts}], mean_time_to_acknowledge_s, mean_time_to_resolve_s, open_now}.
[[nodiscard]] boost::json::value view(const alert_analytics& a);
/// {acknowledged, already_acknowledged, not_found, conflict}: arrays of ids.
[[nodiscard]] boost::json::value view(const bulk_acknowledge_report& r);
/// {region, meter_id (null for the region's), nominal_voltage_v,
/// voltage_band, nominal_frequency_hz, frequency_limit_hz, power_factor_min,
/// high_consumption_factor, offline_after_minutes, rules: {<type>: {enabled,
/// fire_after, clear_after}}}.
[[nodiscard]] boost::json::value view(const alert_settings& s, std::string_view region,
                                      std::optional<std::string_view> meter);

}  // namespace segs::rest::detail
