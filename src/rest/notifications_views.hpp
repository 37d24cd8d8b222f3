// Internal: the notifications' JSON views and readers, shared by
// routes_notifications.cpp and the older /api/v1/user/notifications/settings.
#pragma once

#include "rest/json_io.hpp"
#include "rest/route.hpp"

#include <segs/identity.hpp>
#include <segs/notifications.hpp>

#include <boost/json.hpp>

namespace segs::rest::detail {

/// id, user_id, kind, severity, title, body, data (an object), emailed,
/// read, created_at, read_at.
[[nodiscard]] boost::json::value view(const notification& n);
/// email, sms, push, alerts, billing, trading, security, channels {alerts,
/// billing, trading, security: {in_app, email}}, quiet_hours ({start, end}
/// as "HH:MM", or null), updated_at.
[[nodiscard]] boost::json::value view(const notification_preferences& p);
/// Applies the body of a PUT of the preferences to the caller's stored ones
/// (members left out keep their values; `quiet_hours: null` removes them)
/// and saves them; 400 naming the member for anything malformed.
[[nodiscard]] notification_preferences update_preferences(call& c);

}  // namespace segs::rest::detail
