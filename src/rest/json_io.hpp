// Internal: the wire helpers every capability's routes share: typed readers
// of request bodies, decimal kWh and money, RFC 3339 times, ids, the page
// answer and the serializer. A capability's own views live with it
// (identity_views.cpp, routes_trading.cpp, routes_regions.cpp,
// telemetry_views.cpp).
//
// Readers check the JSON type only and name the field on failure ("email
// must be a string"); what a value must look like is the library's business,
// so validation lives in one place. JSON null counts as absent.
#pragma once

#include <segs/page.hpp>
#include <segs/types.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace segs::rest::detail {

/// Throws validation_error naming `field`.
[[noreturn]] void invalid(std::string_view field, std::string message);

// --- readers --------------------------------------------------------------

[[nodiscard]] std::string required_string(const boost::json::object& o, std::string_view field);
[[nodiscard]] std::optional<std::string> optional_string(const boost::json::object& o,
                                                         std::string_view field);
[[nodiscard]] std::optional<bool> optional_bool(const boost::json::object& o,
                                                std::string_view field);
/// A JSON object, returned as its text (department_metadata).
[[nodiscard]] std::optional<std::string> optional_object_text(const boost::json::object& o,
                                                              std::string_view field);
/// An array of strings; empty when absent.
[[nodiscard]] std::vector<std::string> optional_string_list(const boost::json::object& o,
                                                            std::string_view field);
/// An RFC 3339 string.
[[nodiscard]] std::optional<timestamp> optional_time(const boost::json::object& o,
                                                     std::string_view field);
/// Parses RFC 3339 text from a query parameter.
[[nodiscard]] timestamp parse_time(std::string_view text, std::string_view field);
// --- numbers: decimal kWh and money on the wire ------------------------------
// Energy is kWh and money currency units as JSON numbers; the library keeps
// whole Wh and micro-units, and a number that does not fit exactly is
// refused naming the field rather than rounded.

/// A JSON number as decimal text (integers as they are, doubles in their
/// shortest round-trip fixed form); validation_error naming `field`.
[[nodiscard]] std::string number_text(const boost::json::value& v, std::string_view field);
[[nodiscard]] energy to_energy(const boost::json::value& v, std::string_view field);
[[nodiscard]] money to_money(const boost::json::value& v, std::string_view field);
[[nodiscard]] std::optional<energy> optional_energy(const boost::json::object& o,
                                                    std::string_view field);
[[nodiscard]] std::optional<money> optional_money(const boost::json::object& o,
                                                  std::string_view field);
/// A whole number of minutes; ranges are the library's.
[[nodiscard]] std::optional<std::chrono::minutes> optional_minutes(const boost::json::object& o,
                                                                   std::string_view field);
/// A whole JSON number (1, 1.0 and 1e3 are whole; 1.5 and "1" are not):
/// validation_error naming `field` otherwise. Ranges are the library's.
[[nodiscard]] std::optional<std::int64_t> optional_whole(const boost::json::object& o,
                                                         std::string_view field);
/// A number (physical quantities such as volts; never money).
[[nodiscard]] std::optional<double> optional_number(const boost::json::object& o,
                                                    std::string_view field);
/// units x 10^-scale as a JSON number: an integer when whole.
[[nodiscard]] boost::json::value decimal_number(std::int64_t units, int scale);
[[nodiscard]] boost::json::value number(money m);
[[nodiscard]] boost::json::value number(energy e);
[[nodiscard]] boost::json::value number_or_null(const std::optional<money>& m);
[[nodiscard]] boost::json::value number_or_null(const std::optional<energy>& e);
[[nodiscard]] boost::json::value id_or_null(const std::optional<uuid>& id);
/// The member, or null when absent or JSON null.
[[nodiscard]] const boost::json::value* member(const boost::json::object& o, std::string_view field);

// --- views ------------------------------------------------------------------

[[nodiscard]] boost::json::value time_or_null(const std::optional<timestamp>& t);

/// The answer of every listing route: {<items_name>: [item_view(item)...],
/// total, page, per_page, total_pages}, so that clients page every listing
/// the same way.
template <class T, class ItemView>
[[nodiscard]] boost::json::value view(const page<T>& p, std::string_view items_name,
                                      ItemView&& item_view) {
  boost::json::array items;
  items.reserve(p.items.size());
  for (const auto& item : p.items) items.push_back(item_view(item));
  return boost::json::object{{items_name, std::move(items)},
                             {"total", p.total},
                             {"page", p.page},
                             {"per_page", p.per_page},
                             {"total_pages", p.total_pages()}};
}


/// Serializes like boost::json::serialize, except that doubles are written
/// in their shortest round-trip form, fixed where that is shortest ("0.245"
/// rather than Boost 1.81's "2.45E-1"): prices and kWh read as people write
/// them.
[[nodiscard]] std::string to_json_text(const boost::json::value& v);
/// The same, appended to `out`.
void append_json(std::string& out, const boost::json::value& v);
/// `v` as a JSON string (quoted, escaped), appended to `out`.
void append_json_string(std::string& out, std::string_view v);

}  // namespace segs::rest::detail
