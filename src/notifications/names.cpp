// to_string and parse of the notifications' enumerations, from their name tables.
#include "notifications/names.hpp"

namespace segs {

std::string_view to_string(notification_kind k) noexcept { return detail::name_of(k); }
std::string_view to_string(notification_severity s) noexcept { return detail::name_of(s); }
std::string_view to_string(notification_group g) noexcept { return detail::name_of(g); }

result<notification_kind> parse_notification_kind(std::string_view text) {
  return detail::parse_enum<notification_kind>(text, "kind");
}
result<notification_severity> parse_notification_severity(std::string_view text) {
  return detail::parse_enum<notification_severity>(text, "severity");
}

std::optional<notification_group> group_of(notification_kind k) noexcept {
  switch (k) {
    case notification_kind::alert_raised:
    case notification_kind::alert_escalated:
    case notification_kind::alert_resolved: return notification_group::alerts;
    case notification_kind::invoice_issued:
    case notification_kind::invoice_overdue:
    case notification_kind::dispute_resolved: return notification_group::billing;
    case notification_kind::order_filled:
    case notification_kind::order_expired:
    case notification_kind::slot_settled: return notification_group::trading;
    case notification_kind::password_changed:
    case notification_kind::api_key_created: return notification_group::security;
    case notification_kind::test: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace segs
