// Internal: typed readers of request bodies and writers of response data.
//
// Readers check the JSON type only and name the field on failure ("email
// must be a string"); what a value must look like is the library's business,
// so validation lives in one place. JSON null counts as absent.
#pragma once

#include <segs/audit.hpp>
#include <segs/identity.hpp>
#include <segs/types.hpp>

#include <boost/json.hpp>

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
/// "pending_verification", "active", ... from text; validation_error naming `field`.
[[nodiscard]] user_status parse_status(std::string_view text, std::string_view field);
/// "self", "department", "region" or "all"; validation_error naming `field`.
[[nodiscard]] role_scope parse_scope(std::string_view text, std::string_view field);

// --- views ------------------------------------------------------------------

[[nodiscard]] boost::json::value time_or_null(const std::optional<timestamp>& t);
[[nodiscard]] boost::json::value view(const user& u);
/// access_token, refresh_token, token_type, expires_in, user.
[[nodiscard]] boost::json::object view(const token_pair& t);
[[nodiscard]] boost::json::value view(const session_info& s);
[[nodiscard]] boost::json::value view(const notification_preferences& p);
[[nodiscard]] boost::json::value view(const department_info& d);
/// name, permissions, scope, self_service, builtin.
[[nodiscard]] boost::json::value view(const role_definition& r);
[[nodiscard]] boost::json::value view(const api_key_info& k);
[[nodiscard]] boost::json::value view(const audit_record& r);
[[nodiscard]] boost::json::value view(const audit_verification& v);

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

/// The listing answer above with the item views declared in this header.
/// Items whose view is declared elsewhere pass it as a lambda, e.g.
/// `[](const order& o) { return view(o); }`: from here, argument-dependent
/// lookup searches namespace segs for the item's view, never this one.
template <class T>
[[nodiscard]] boost::json::value view(const page<T>& p, std::string_view items_name) {
  return view(p, items_name, [](const T& item) { return view(item); });
}

/// Serializes like boost::json::serialize, except that doubles are written
/// in their shortest round-trip form, fixed where that is shortest ("0.245"
/// rather than Boost 1.81's "2.45E-1"): prices and kWh read as people write
/// them.
[[nodiscard]] std::string to_json_text(const boost::json::value& v);

}  // namespace segs::rest::detail
