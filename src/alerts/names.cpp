// to_string and parse_* of the alerts' enums.
#include "alerts/names.hpp"

namespace segs {

using detail::parse_enum;

std::string_view to_string(alert_type t) noexcept { return detail::name_of(t); }
std::string_view to_string(alert_severity s) noexcept { return detail::name_of(s); }
std::string_view to_string(alert_status s) noexcept { return detail::name_of(s); }
std::string_view to_string(alert_resolution r) noexcept { return detail::name_of(r); }
result<alert_type> parse_alert_type(std::string_view text) { return parse_enum<alert_type>(text, "type"); }
result<alert_severity> parse_alert_severity(std::string_view text) {
  return parse_enum<alert_severity>(text, "severity");
}
result<alert_status> parse_alert_status(std::string_view text) { return parse_enum<alert_status>(text, "status"); }

}  // namespace segs
