// The P2P seed's /api/v1/users/* and /api/v1/departments/*.
#include "rest/identity_views.hpp"
#include "rest/route.hpp"

namespace segs::rest::detail {

namespace json = boost::json;

void add_users_routes(router& r) {
  const std::string base = "/api/v1/users";

  r.add("GET", base, access::signed_in, [](call& c) { return list_users(c, std::nullopt); });

  r.add("GET", base + "/:id", access::signed_in, [](call& c) {
    return ok(view(take(c.grid.identity().get_user(c.caller(), c.param_id("id")))), "user");
  });

  r.add("PUT", base + "/:id", access::signed_in, [](call& c) {
    // Roles change through their own route, which checks roles:manage and
    // ends the user's sessions; silently ignoring `role` here let clients
    // believe a role had changed when nothing had.
    if (auto it = c.body.find("role"); it != c.body.end() && !it->value().is_null())
      invalid("role", "role cannot be changed here; use PUT /api/v1/admin/users/:userId/role");
    user_update u;
    u.name = optional_string(c.body, "name");
    u.first_name = optional_string(c.body, "first_name");
    u.last_name = optional_string(c.body, "last_name");
    u.email = optional_string(c.body, "email");
    u.username = optional_string(c.body, "username");
    u.region = optional_string(c.body, "region");
    u.department = optional_string(c.body, "department");
    u.department_metadata = optional_object_text(c.body, "department_metadata");
    u.wallet_address = optional_string(c.body, "wallet_address");
    auto saved = take(c.grid.identity().update_user(c.caller(), c.param_id("id"), u, c.ctx));
    return ok(view(saved), "user updated");
  });

  r.add("POST", base + "/:id/deactivate", access::signed_in, [](call& c) {
    auto u = take(c.grid.identity().suspend_user(
        c.caller(), c.param_id("id"),
        optional_string(c.body, "reason").value_or("deactivated via API"), c.ctx));
    live_recheck(c, u.id);
    return ok(view(u), "user deactivated");
  });

  r.add("POST", base + "/:id/reactivate", access::signed_in, [](call& c) {
    auto u = take(c.grid.identity().activate_user(
        c.caller(), c.param_id("id"),
        optional_string(c.body, "reason").value_or("reactivated via API"), c.ctx));
    return ok(view(u), "user reactivated");
  });

  r.add("GET", base + "/:id/activity", access::signed_in, [](call& c) {
    const auto id = c.param_id("id");
    // Seeing the user first applies the library's scope: an operator reads
    // the activity of users of their own region only, others are not found.
    (void)take(c.grid.identity().get_user(c.caller(), id));
    const auto paging = c.query_page(50);
    auto page = take(c.grid.audit().activity(c.caller(), id, paging.page, paging.per_page));
    return ok(view(page, "activity", [](const audit_record& rec) { return view(rec); }), "activity");
  });

  r.add("GET", "/api/v1/departments/:department", access::open, [](call& c) {
    auto d = take(c.grid.identity().department(c.caller_or_anonymous(), c.param("department")));
    return ok(view(d), "department");
  });
}

}  // namespace segs::rest::detail
