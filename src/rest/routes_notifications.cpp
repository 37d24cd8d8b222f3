// /api/v1/notifications/*: one's history (newest first, filters `unread`
// and `kind`, paged), the unread count, marking read, a test notification,
// and the preferences (the same document as /api/v1/user/notifications/
// settings). Everything is the caller's own: the service never answers
// anyone else's notifications.
#include "rest/json_io.hpp"
#include "rest/notifications_views.hpp"
#include "rest/route.hpp"
#include "rest/telemetry_views.hpp"

#include <segs/notifications.hpp>

#include <string>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

/// "true"/"1" or "false"/"0"; 400 naming `name` otherwise.
bool query_bool(const call& c, std::string_view name) {
  const auto v = c.query_value(name);
  if (!v) return false;
  if (*v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  invalid(name, std::string(name) + " must be true or false");
}

}  // namespace

void add_notification_routes(router& r) {
  const std::string base = "/api/v1/notifications";

  r.add("GET", base + "/history", access::signed_in, [](call& c) {
    notification_query q;
    q.unread_only = query_bool(c, "unread");
    if (auto k = c.query_value("kind")) q.kind = take(parse_notification_kind(*k));
    const auto p = c.query_page(20);
    q.page = p.page;
    q.per_page = p.per_page;
    auto page = take(c.grid.notifications().history(c.caller(), q));
    return ok(detail::view(page, "notifications", [](const notification& n) { return view(n); }),
              "notification history");
  });

  r.add("GET", base + "/unread-count", access::signed_in, [](call& c) {
    return ok(json::object{{"unread", take(c.grid.notifications().unread_count(c.caller()))}}, "unread notifications");
  });

  r.add("GET", base + "/preferences", access::signed_in, [](call& c) {
    return ok(view(take(c.grid.identity().preferences(c.caller()))), "notification preferences");
  });
  r.add("PUT", base + "/preferences", access::signed_in, [](call& c) {
    return ok(view(update_preferences(c)), "notification preferences updated");
  });

  r.add("POST", base + "/test", access::signed_in, [](call& c) {
    only_fields(c.body, {"severity", "title", "body"});
    test_notification t;
    if (auto s = optional_string(c.body, "severity")) t.severity = take(parse_notification_severity(*s));
    if (auto s = optional_string(c.body, "title")) t.title = *s;
    if (auto s = optional_string(c.body, "body")) t.body = *s;
    return ok(view(take(c.grid.notifications().send_test(c.caller(), t, c.ctx))), "test notification sent", 201);
  });

  r.add("PATCH", base + "/:id/read", access::signed_in, [](call& c) {
    const auto id = c.param_id("id");
    return ok(view(take(c.grid.notifications().mark_read(c.caller(), id))), "notification read");
  });

  r.add("POST", base + "/read-all", access::signed_in, [](call& c) {
    return ok(json::object{{"marked", take(c.grid.notifications().mark_all_read(c.caller()))}},
              "notifications read");
  });
}

}  // namespace segs::rest::detail
