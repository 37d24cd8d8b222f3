// /api/v1/auth/*: registration, verification, sign-in, tokens, passwords,
// sessions and the P2P seed's own-profile routes.
#include "rest/identity_views.hpp"
#include "rest/route.hpp"

#include "identity/names.hpp"

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

otp_purpose parse_purpose(const json::object& body) {
  auto p = optional_string(body, "purpose");
  if (!p) return otp_purpose::verify_email;
  if (auto v = segs::detail::parse_name<otp_purpose>(*p)) return *v;
  invalid("purpose", "purpose must be one of " + segs::detail::name_list<otp_purpose>());
}

registration read_registration(const json::object& b) {
  registration r;
  r.email = required_string(b, "email");
  r.password = optional_string(b, "password");
  // The SEGS seed sends first_name and last_name instead of name; the
  // library then makes the display name from them.
  r.name = optional_string(b, "name").value_or("");
  r.first_name = optional_string(b, "first_name");
  r.last_name = optional_string(b, "last_name");
  r.username = optional_string(b, "username");
  if (auto role = optional_string(b, "role")) r.role = *role;
  r.region = optional_string(b, "region").value_or("");
  r.department = optional_string(b, "department").value_or("");
  if (auto meta = optional_object_text(b, "department_metadata")) r.department_metadata = *meta;
  r.wallet_address = optional_string(b, "wallet_address");
  return r;
}

}  // namespace

profile_update read_profile_update(const json::object& b) {
  profile_update u;
  u.name = optional_string(b, "name");
  u.first_name = optional_string(b, "first_name");
  u.last_name = optional_string(b, "last_name");
  u.username = optional_string(b, "username");
  u.department = optional_string(b, "department");
  u.department_metadata = optional_object_text(b, "department_metadata");
  u.region = optional_string(b, "region");
  return u;
}

reply change_password(call& c) {
  take(c.grid.identity().change_password(c.caller(), required_string(c.body, "current_password"),
                                         required_string(c.body, "new_password"), c.ctx));
  live_recheck(c, c.caller().id);
  return ok(nullptr, "password changed; other sessions were signed out");
}

void add_auth_routes(router& r) {
  const std::string base = "/api/v1/auth";

  r.add("POST", base + "/register", access::auth_route, [](call& c) {
    auto u = take(c.grid.identity().register_user(read_registration(c.body), c.ctx));
    return ok(view(u), "registered; a verification code was sent to " + u.email, 201);
  });

  r.add("POST", base + "/verify-otp", access::auth_route, [](call& c) {
    auto v = take(c.grid.identity().verify_email(required_string(c.body, "email"),
                                                 required_string(c.body, "otp"), c.ctx));
    json::object data;
    if (v.tokens) data = view(*v.tokens);
    data["user"] = view(v.user);
    return ok(std::move(data), v.tokens ? "email verified; set a password to finish"
                                        : "email verified; the account is active");
  });

  r.add("POST", base + "/login", access::auth_route, [](call& c) {
    credentials cr;
    auto email = optional_string(c.body, "email");
    auto username = optional_string(c.body, "username");
    cr.identifier = email ? *email : username.value_or("");
    cr.password = optional_string(c.body, "password").value_or("");
    return ok(view(take(c.grid.identity().login(cr, c.ctx))), "signed in");
  });

  r.add("POST", base + "/refresh-token", access::open, [](call& c) {
    auto t = take(c.grid.identity().refresh(required_string(c.body, "refresh_token"), c.ctx));
    return ok(view(t), "tokens refreshed");
  });

  r.add("POST", base + "/logout", access::signed_in, [](call& c) {
    take(c.grid.identity().logout(c.caller(), c.ctx));
    live_recheck(c, c.caller().id);
    return ok(nullptr, "signed out");
  });

  r.add("POST", base + "/logout-all", access::signed_in, [](call& c) {
    take(c.grid.identity().logout_all(c.caller(), c.ctx));
    live_recheck(c, c.caller().id);
    return ok(nullptr, "every session was signed out");
  });

  r.add("POST", base + "/set-password", access::signed_in, [](call& c) {
    take(c.grid.identity().set_password(c.caller(), required_string(c.body, "password"), c.ctx));
    return ok(nullptr, "password set; the account is active");
  });

  r.add("POST", base + "/change-password", access::signed_in, change_password);
  r.add("POST", base + "/password", access::signed_in, change_password);

  r.add("POST", base + "/forgot-password", access::auth_route, [](call& c) {
    take(c.grid.identity().forgot_password(required_string(c.body, "email"), c.ctx));
    // The same answer whether or not the address has an account.
    return ok(nullptr, "if an account exists for this address, a reset code was sent");
  });

  r.add("POST", base + "/reset-password", access::auth_route, [](call& c) {
    take(c.grid.identity().reset_password(required_string(c.body, "email"),
                                          required_string(c.body, "otp"),
                                          required_string(c.body, "new_password"), c.ctx));
    return ok(nullptr, "password reset; sign in with the new password");
  });

  r.add("POST", base + "/resend-otp", access::auth_route, [](call& c) {
    auto email = required_string(c.body, "email");
    take(c.grid.identity().resend_code(email, parse_purpose(c.body), c.ctx));
    return ok(nullptr, "if the address is waiting for a code, a new one was sent");
  });

  r.add("GET", base + "/sessions", access::signed_in, [](call& c) {
    json::array out;
    for (const auto& s : take(c.grid.identity().sessions(c.caller()))) out.push_back(view(s));
    return ok(std::move(out), "sessions");
  });

  r.add("GET", base + "/profile", access::signed_in,
        [](call& c) { return ok(view(take(c.grid.identity().profile(c.caller()))), "profile"); });
  r.add("POST", base + "/profile", access::signed_in, [](call& c) {
    auto u = take(c.grid.identity().update_profile(c.caller(), read_profile_update(c.body), c.ctx));
    return ok(view(u), "profile updated");
  });
}

}  // namespace segs::rest::detail
