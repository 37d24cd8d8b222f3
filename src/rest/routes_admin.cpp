// /api/v1/operator/* and /api/v1/admin/*: user administration, the audit
// log and API keys. Who may do what is decided by the library (permissions
// and scope of the principal); these routes only translate.
#include "rest/identity_views.hpp"
#include "rest/route.hpp"

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

user_query read_user_query(const call& c) {
  user_query q;
  q.search = c.query_value("search").value_or("");
  q.role = c.query_value("role");
  q.department = c.query_value("department");
  if (auto s = c.query_value("status")) q.status = parse_status(*s, "status");
  const auto paging = c.query_page(20);
  q.page = paging.page;
  q.per_page = paging.per_page;
  return q;
}

}  // namespace

reply list_users(call& c, std::optional<std::string> region) {
  auto q = read_user_query(c);
  q.region = std::move(region);
  return ok(view(take(c.grid.identity().list_users(c.caller(), q)), "users",
                 [](const user& u) { return view(u); }),
            "users");
}

void add_admin_routes(router& r) {
  const std::string op = "/api/v1/operator/users";
  r.add("GET", op, access::signed_in, [](call& c) { return list_users(c, std::nullopt); });
  r.add("GET", op + "/region/:region", access::signed_in,
        [](call& c) { return list_users(c, c.param("region")); });
  r.add("GET", op + "/:userId", access::signed_in, [](call& c) {
    return ok(view(take(c.grid.identity().get_user(c.caller(), c.param_id("userId")))), "user");
  });

  const std::string admin = "/api/v1/admin";
  r.add("POST", admin + "/users", access::signed_in, [](call& c) {
    registration reg;
    reg.email = required_string(c.body, "email");
    reg.password = optional_string(c.body, "password");
    reg.name = optional_string(c.body, "name").value_or("");
    reg.first_name = optional_string(c.body, "first_name");
    reg.last_name = optional_string(c.body, "last_name");
    reg.username = optional_string(c.body, "username");
    reg.role = optional_string(c.body, "role").value_or("consumer");
    reg.region = optional_string(c.body, "region").value_or("");
    reg.department = optional_string(c.body, "department").value_or("");
    if (auto meta = optional_object_text(c.body, "department_metadata"))
      reg.department_metadata = *meta;
    reg.wallet_address = optional_string(c.body, "wallet_address");
    auto u = take(c.grid.identity().create_user(c.caller(), reg, c.ctx));
    return ok(view(u), "user created", 201);
  });
  r.add("PUT", admin + "/users/:userId/role", access::signed_in, [](call& c) {
    auto u = take(c.grid.identity().change_role(c.caller(), c.param_id("userId"),
                                                required_string(c.body, "role"), c.ctx));
    return ok(view(u), "role changed");
  });
  r.add("DELETE", admin + "/users/:userId", access::signed_in, [](call& c) {
    take(c.grid.identity().delete_user(c.caller(), c.param_id("userId"), c.ctx));
    live_recheck(c, c.param_id("userId"));
    return ok(nullptr, "user deleted");
  });
  r.add("PUT", admin + "/users/:userId/suspend", access::signed_in, [](call& c) {
    auto u = take(c.grid.identity().suspend_user(
        c.caller(), c.param_id("userId"), optional_string(c.body, "reason").value_or(""), c.ctx));
    live_recheck(c, u.id);
    return ok(view(u), "user suspended");
  });
  r.add("PUT", admin + "/users/:userId/activate", access::signed_in, [](call& c) {
    auto u = take(c.grid.identity().activate_user(
        c.caller(), c.param_id("userId"),
        optional_string(c.body, "reason").value_or("activated by an administrator"), c.ctx));
    return ok(view(u), "user activated");
  });

  // Roles the deployment defines (the P2P seed's student, faculty, staff).
  // The library checks roles:manage and refuses the built-in roles.
  r.add("GET", admin + "/roles", access::signed_in, [](call& c) {
    json::array out;
    for (const auto& role : take(c.grid.identity().roles(c.caller()))) out.push_back(view(role));
    return ok(std::move(out), "roles");
  });
  r.add("PUT", admin + "/roles/:name", access::signed_in, [](call& c) {
    role_definition def;
    def.name = c.param("name");
    // Read every field before calling the library, so a bad one is named
    // and nothing is written.
    if (!c.body.contains("permissions") || c.body.at("permissions").is_null())
      invalid("permissions", "permissions is required");
    def.permissions = optional_string_list(c.body, "permissions");
    def.scope = parse_scope(required_string(c.body, "scope"), "scope");
    def.self_service = optional_bool(c.body, "self_service").value_or(false);
    auto saved = take(c.grid.identity().define_role(c.caller(), def, c.ctx));
    return ok(view(saved), "role saved");
  });

  r.add("GET", admin + "/audit-logs", access::signed_in, [](call& c) {
    audit_query q;
    q.actor_id = c.query_value("actor_id");
    q.target_id = c.query_value("target_id");
    q.action = c.query_value("action");
    q.outcome = c.query_value("outcome");
    if (auto from = c.query_value("from")) q.from = parse_time(*from, "from");
    if (auto to = c.query_value("to")) q.to = parse_time(*to, "to");
    const auto paging = c.query_page(50);
    q.page = paging.page;
    q.per_page = paging.per_page;
    return ok(view(take(c.grid.audit().query(c.caller(), q)), "logs",
                   [](const audit_record& rec) { return view(rec); }),
              "audit log");
  });
  r.add("GET", admin + "/audit-logs/verify", access::signed_in, [](call& c) {
    auto v = take(c.grid.audit().verify(c.caller()));
    return ok(view(v), v.intact ? "the audit chain is intact" : "the audit chain is broken");
  });

  r.add("POST", admin + "/api-keys", access::signed_in, [](call& c) {
    api_key_spec spec;
    spec.name = required_string(c.body, "name");
    spec.scopes = optional_string_list(c.body, "scopes");
    spec.region = optional_string(c.body, "region");
    spec.meter_ids = optional_string_list(c.body, "meter_ids");
    spec.expires_at = optional_time(c.body, "expires_at");
    auto k = take(c.grid.identity().create_api_key(c.caller(), spec, c.ctx));
    return ok(json::object{{"api_key", k.secret}, {"key", view(k.info)}},
              "API key created; store it now, it is not shown again", 201);
  });
  r.add("GET", admin + "/api-keys", access::signed_in, [](call& c) {
    json::array out;
    for (const auto& k : take(c.grid.identity().list_api_keys(c.caller()))) out.push_back(view(k));
    return ok(std::move(out), "API keys");
  });
  r.add("DELETE", admin + "/api-keys/:id", access::signed_in, [](call& c) {
    take(c.grid.identity().revoke_api_key(c.caller(), c.param_id("id"), c.ctx));
    live_recheck(c, c.param_id("id"));
    return ok(nullptr, "API key revoked");
  });
}

}  // namespace segs::rest::detail
