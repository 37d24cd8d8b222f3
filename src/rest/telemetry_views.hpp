// Internal: telemetry's JSON on the wire — readers of readings and meter
// specs, the views of meters, readings and buckets, and the translation of
// the library's C++ member names into the wire's words. Shared by
// routes_meters.cpp (the registry) and routes_telemetry.cpp (readings and
// queries).
//
// Wire names: a reading is {timestamp, energy_consumed_kwh,
// energy_produced_kwh, power_kw, peak_demand_kw, voltage, current,
// power_factor, frequency, metadata, signature}; the library's are time,
// consumed, produced, ... Errors are answered in the wire's words.
#pragma once

#include "rest/json_io.hpp"
#include "rest/route.hpp"

#include <segs/telemetry.hpp>

#include <boost/json.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace segs::rest::detail {

/// A library error in the wire's words: the field (time -> timestamp,
/// consumed -> energy_consumed_kwh, produced -> energy_produced_kwh,
/// building -> location.building, ...) and the message's leading word.
[[nodiscard]] segs::error telemetry_wire_words(segs::error e);

/// take() for telemetry's answers: the error in the wire's words.
template <class T>
T answer_wire(result<T> r) {
  if (!r) throw segs::exception(telemetry_wire_words(r.error()));
  return std::move(r).value();
}

// --- readers ---------------------------------------------------------------

/// Refuses members of `o` other than `keys`: 400 naming the first unknown
/// one (`prefix` + its name).
void only_fields(const boost::json::object& o, std::initializer_list<std::string_view> keys,
                 std::string_view prefix = {});

/// One reading as sent.
struct wire_reading {
  std::string meter;  ///< bulk rows: `meter_id` (serial or UUID)
  reading values;
  reading_signature signature;  ///< time_text: `timestamp` exactly as sent
};

/// Reads a reading object. `prefix` goes before every field named in an
/// error ("readings[3]." for a correction row); `with_meter_id` (bulk rows)
/// requires `meter_id`. Unknown fields, more than 3 decimals and values of
/// the wrong type throw validation_error naming the wire field.
[[nodiscard]] wire_reading read_reading(const boost::json::value& v, std::string_view prefix,
                                        bool with_meter_id);

/// What a meter body may hold.
enum class spec_use {
  create,    ///< POST /admin/meters: every member, meter_id and capacity_kw required by the library
  update,    ///< PUT /admin/meters/:meterId
  register_  ///< POST /meters/signed's `meter`: no user_id, no public_key
};
/// Reads a meter body; unknown fields are 400 naming them (`prefix` before
/// every field: "meter." for the signed registration).
[[nodiscard]] meter_spec read_meter_spec(const boost::json::object& o, spec_use use,
                                         std::string_view prefix = {});

/// A `start`/`end` range from the query string. Absent `end` is now, absent
/// `start` is `end - fallback`. 400 naming the parameter when one is not
/// RFC 3339, `end` is not after `start`, or the range spans more than 366 days.
[[nodiscard]] time_range query_range(const call& c, std::chrono::hours fallback);

// --- views -----------------------------------------------------------------

[[nodiscard]] boost::json::value number(milli m);
[[nodiscard]] boost::json::value number_or_null(const std::optional<milli>& m);
[[nodiscard]] boost::json::value view(const meter_location& l);
/// {id, meter_id, user_id, region, meter_type, status, location, capacity_kw,
/// installation_date, public_key, metadata, created_at, updated_at,
/// last_reading, total_energy_consumed, total_energy_produced}.
[[nodiscard]] boost::json::value view(const meter& m);
/// The stored reading: {meter_id, timestamp, energy_consumed_kwh,
/// energy_produced_kwh, power_kw, peak_demand_kw, voltage, current,
/// power_factor, frequency, metadata, received_at}.
[[nodiscard]] boost::json::object view(const stored_reading& r);
/// The latest reading's shape: {meter_id, timestamp, energy_consumed_kwh,
/// energy_produced_kwh, power_kw, voltage, current, power_factor, frequency,
/// received_at}.
[[nodiscard]] boost::json::value latest_view(const stored_reading& r);
[[nodiscard]] boost::json::value view(const bucket& b);
/// {accepted, duplicates, rejected: [{index, field, code, message}]}.
[[nodiscard]] boost::json::value view(const ingest_report& r);

}  // namespace segs::rest::detail
