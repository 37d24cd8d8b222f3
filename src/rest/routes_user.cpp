// /api/v1/user/*: the signed-in user's own account.
#include "rest/identity_views.hpp"
#include "rest/notifications_views.hpp"
#include "rest/route.hpp"

namespace segs::rest::detail {

namespace json = boost::json;

void add_user_routes(router& r) {
  const std::string base = "/api/v1/user";

  r.add("GET", base + "/profile", access::signed_in,
        [](call& c) { return ok(view(take(c.grid.identity().profile(c.caller()))), "profile"); });
  r.add("PUT", base + "/profile", access::signed_in, [](call& c) {
    auto u = take(c.grid.identity().update_profile(c.caller(), read_profile_update(c.body), c.ctx));
    return ok(view(u), "profile updated");
  });

  // The same document as /api/v1/notifications/preferences (routes_notifications.cpp).
  r.add("GET", base + "/notifications/settings", access::signed_in, [](call& c) {
    return ok(view(take(c.grid.identity().preferences(c.caller()))), "notification settings");
  });
  r.add("PUT", base + "/notifications/settings", access::signed_in, [](call& c) {
    return ok(view(update_preferences(c)), "notification settings updated");
  });

  r.add("POST", base + "/wallet", access::signed_in, [](call& c) {
    auto u = take(c.grid.identity().set_wallet(c.caller(), required_string(c.body, "wallet_address"),
                                               c.ctx));
    return ok(view(u), "wallet address saved");
  });
  r.add("DELETE", base + "/wallet", access::signed_in, [](call& c) {
    auto u = take(c.grid.identity().set_wallet(c.caller(), std::nullopt, c.ctx));
    return ok(view(u), "wallet address removed");
  });

  r.add("GET", base + "/activity", access::signed_in, [](call& c) {
    const auto& who = c.caller();
    // Only a user has an activity history of their own; the library
    // refuses an API key here (it is not an account).
    auto me = take(c.grid.identity().profile(who));
    const auto paging = c.query_page(50);
    auto page = take(c.grid.audit().activity(who, me.id, paging.page, paging.per_page));
    return ok(view(page, "activity", [](const audit_record& rec) { return view(rec); }), "activity");
  });
}

}  // namespace segs::rest::detail
