// Route by route: payloads, answers and the failures the RBAC matrix does
// not show (validation, conflicts, state).
#include "fixture.hpp"

#include <set>

using namespace rest_test;

namespace {

std::string id_of(const segs::user& u) { return u.id.to_string(); }

std::set<std::string> keys(const boost::json::value& v) {
  std::set<std::string> out;
  for (const auto& kv : v.as_object()) out.emplace(kv.key());
  return out;
}

}  // namespace

TEST_CASE("user JSON has exactly the documented fields") {
  fixture f;
  auto a = f.signed_in("shape@example.org", "consumer");
  auto u = body_of(f.get("/api/v1/user/profile", a)).at("data");
  CHECK(keys(u) == std::set<std::string>{"id", "email", "username", "name", "first_name",
                                         "last_name", "role", "region",
                                         "department", "department_metadata", "wallet_address",
                                         "blockchain_registered", "email_verified", "has_password",
                                         "status", "status_reason", "created_at", "updated_at",
                                         "last_login_at"});
  CHECK(u.at("department_metadata").is_object());
  CHECK(u.at("last_login_at").is_string());  // signed in just now
  CHECK(u.at("email_verified").as_bool());
}

TEST_CASE("GET /api/v1/users: page shape / filters / paging") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  f.make_user("c1@example.org", "consumer", "north", "Engineering");
  f.make_user("c2@example.org", "consumer", "south", "Physics");
  f.make_user("p1@example.org", "prosumer", "north", "Physics");
  auto all = f.get("/api/v1/users?per_page=2", admin);
  REQUIRE(all.status == 200);
  auto d = body_of(all).at("data");
  CHECK(keys(d) == std::set<std::string>{"users", "total", "page", "per_page", "total_pages"});
  CHECK(d.at("total").as_int64() == 4);
  CHECK(d.at("per_page").as_int64() == 2);
  CHECK(d.at("total_pages").as_int64() == 2);
  CHECK(d.at("users").as_array().size() == 2);
  auto second = body_of(f.get("/api/v1/users?per_page=2&page=2", admin)).at("data");
  CHECK(second.at("page").as_int64() == 2);
  CHECK(second.at("users").as_array().size() == 2);

  auto physics = body_of(f.get("/api/v1/users?department=Physics", admin)).at("data");
  CHECK(physics.at("total").as_int64() == 2);
  auto prosumers = body_of(f.get("/api/v1/users?role=prosumer", admin)).at("data");
  CHECK(prosumers.at("total").as_int64() == 1);
  auto search = body_of(f.get("/api/v1/users?search=c2%40example", admin)).at("data");
  CHECK(search.at("total").as_int64() == 1);
  auto active = body_of(f.get("/api/v1/operator/users?status=active", admin)).at("data");
  CHECK(active.at("total").as_int64() == 4);
  auto bad = f.get("/api/v1/operator/users?status=sleeping", admin);
  CHECK(bad.status == 400);
  CHECK(field_of(bad) == "status");
}

TEST_CASE("operators see their own region only") {
  fixture f;
  auto op = f.signed_in("op@example.org", "operator", "north");
  auto north = f.make_user("n@example.org", "consumer", "north");
  auto south = f.make_user("s@example.org", "consumer", "south");
  auto list = body_of(f.get("/api/v1/operator/users", op)).at("data");
  for (const auto& u : list.at("users").as_array()) CHECK(str(u.at("region")) == "north");
  CHECK(list.at("total").as_int64() == 2);  // the operator and n@
  auto region = f.get("/api/v1/operator/users/region/north", op);
  CHECK(region.status == 200);
  auto other = f.get("/api/v1/operator/users/region/south", op);
  CHECK(other.status == 403);
  CHECK(field_of(other) == "region");
  CHECK(f.get("/api/v1/operator/users/" + id_of(north), op).status == 200);
  auto hidden = f.get("/api/v1/operator/users/" + id_of(south), op);
  CHECK(hidden.status == 404);
  CHECK(f.get("/api/v1/operator/users/" + segs::uuid{}.to_string(), op).status == 404);
  // Moving a user out of the operator's region is refused.
  auto move = f.put("/api/v1/users/" + id_of(north), {{"region", "south"}}, op);
  CHECK(move.status == 403);
  CHECK(field_of(move) == "region");
}

TEST_CASE("PUT /api/v1/users/:id updates / validates and detects conflicts") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  auto u = f.make_user("x@example.org", "consumer");
  f.make_user("taken@example.org", "consumer");
  auto ok = f.put("/api/v1/users/" + id_of(u),
                  {{"name", "Renamed"}, {"department_metadata", {{"k", 1}}}}, admin);
  REQUIRE_MESSAGE(ok.status == 200, ok.body);
  auto d = body_of(ok).at("data");
  CHECK(str(d.at("name")) == "Renamed");
  CHECK(d.at("department_metadata").at("k").as_int64() == 1);
  auto dup = f.put("/api/v1/users/" + id_of(u), {{"email", "taken@example.org"}}, admin);
  CHECK(dup.status == 409);
  CHECK(field_of(dup) == "email");
  auto typed = f.put("/api/v1/users/" + id_of(u), {{"name", true}}, admin);
  CHECK(typed.status == 400);
  CHECK(field_of(typed) == "name");
  CHECK(f.put("/api/v1/users/" + segs::uuid{}.to_string(), {{"name", "N"}}, admin).status == 404);
}

TEST_CASE("deactivate / reactivate with default reasons / visible in the activity") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  f.make_user("t@example.org", "consumer");
  auto target = auth{f.login("t@example.org"), {}};
  auto id = str(body_of(f.get("/api/v1/user/profile", target)).at("data").at("id"));

  auto off = f.send("POST", "/api/v1/users/" + id + "/deactivate", {}, admin);
  REQUIRE_MESSAGE(off.status == 200, off.body);
  CHECK(str(body_of(off).at("data").at("status")) == "suspended");
  CHECK(str(body_of(off).at("data").at("status_reason")) == "deactivated via API");
  CHECK(f.get("/api/v1/user/profile", target).status == 401);  // sessions ended
  CHECK(f.send("POST", "/api/v1/users/" + id + "/deactivate", {}, admin).status == 409);
  auto login = f.post("/api/v1/auth/login", {{"email", "t@example.org"}, {"password", kPassword}});
  CHECK(login.status == 403);
  CHECK(code_of(login) == "ACCOUNT_SUSPENDED");

  auto on = f.post("/api/v1/users/" + id + "/reactivate", {{"reason", "appeal granted"}}, admin);
  REQUIRE(on.status == 200);
  CHECK(str(body_of(on).at("data").at("status")) == "active");
  CHECK(str(body_of(on).at("data").at("status_reason")) == "appeal granted");
  auto again = f.send("POST", "/api/v1/users/" + id + "/reactivate", {}, admin);
  CHECK(again.status == 409);

  auto act = f.get("/api/v1/users/" + id + "/activity", admin);
  REQUIRE(act.status == 200);
  std::set<std::string> actions;
  const auto records = body_of(act).at("data").at("activity").as_array();
  for (const auto& r : records)
    actions.emplace(r.at("action").as_string());
  CHECK(actions.count("user.suspend") == 1);
  CHECK(actions.count("user.activate") == 1);
  CHECK(f.get("/api/v1/users/" + id + "/activity?page=0", admin).status == 400);
}

TEST_CASE("admin user routes: role / suspend / activate / delete") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  f.make_user("t@example.org", "consumer");
  auto target = auth{f.login("t@example.org"), {}};
  auto id = str(body_of(f.get("/api/v1/user/profile", target)).at("data").at("id"));
  const std::string base = "/api/v1/admin/users/" + id;

  auto bad_role = f.put(base + "/role", {{"role", "emperor"}}, admin);
  CHECK(bad_role.status == 400);
  CHECK(field_of(bad_role) == "role");
  auto missing = f.put(base + "/role", boost::json::object{}, admin);
  CHECK(missing.status == 400);
  CHECK(field_of(missing) == "role");
  auto role = f.put(base + "/role", {{"role", "prosumer"}}, admin);
  REQUIRE(role.status == 200);
  CHECK(str(body_of(role).at("data").at("role")) == "prosumer");
  CHECK(f.get("/api/v1/user/profile", target).status == 401);  // new role needs a new token

  auto no_reason = f.send("PUT", base + "/suspend", {}, admin);
  CHECK(no_reason.status == 400);
  CHECK(field_of(no_reason) == "reason");
  CHECK(f.put(base + "/suspend", {{"reason", "fraud"}}, admin).status == 200);
  CHECK(f.put(base + "/suspend", {{"reason", "fraud"}}, admin).status == 409);
  auto act = f.send("PUT", base + "/activate", {}, admin);
  CHECK(act.status == 200);
  CHECK(str(body_of(act).at("data").at("status_reason")) == "activated by an administrator");

  auto self = f.del("/api/v1/admin/users/" +
                        str(body_of(f.get("/api/v1/user/profile", admin)).at("data").at("id")),
                    admin);
  CHECK(self.status == 409);
  CHECK(f.del(base, admin).status == 200);
  CHECK(f.get("/api/v1/users/" + id, admin).status == 200);  // kept for the audit trail
  CHECK(f.del(base, admin).status == 404);
  // The address is free again.
  CHECK(f.post("/api/v1/auth/register", {{"email", "t@example.org"}, {"name", "T"},
                                         {"region", "north"}})
            .status == 201);
}

TEST_CASE("POST /api/v1/admin/users creates a verified account of any role") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  auto made = f.post("/api/v1/admin/users", {{"email", "op@example.org"}, {"password", kPassword},
                                             {"name", "Op"}, {"role", "operator"},
                                             {"region", "east"}}, admin);
  REQUIRE_MESSAGE(made.status == 201, made.body);
  CHECK(str(body_of(made).at("data").at("role")) == "operator");
  CHECK(str(body_of(made).at("data").at("status")) == "active");
  CHECK(f.login("op@example.org").size() > 20);
  auto dup = f.post("/api/v1/admin/users", {{"email", "op@example.org"}, {"password", kPassword},
                                            {"name", "Op"}, {"region", "east"}}, admin);
  CHECK(dup.status == 409);
  auto nopw = f.post("/api/v1/admin/users", {{"email", "np@example.org"}, {"name", "Np"},
                                             {"region", "east"}}, admin);
  CHECK(nopw.status == 400);
  CHECK(field_of(nopw) == "password");
}

TEST_CASE("audit logs: filters / validation / verify") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  f.make_user("t@example.org", "consumer");
  (void)f.post("/api/v1/auth/login", {{"email", "t@example.org"}, {"password", "wrong-pass-9"}});
  auto logins = f.get("/api/v1/admin/audit-logs?action=auth.login&outcome=failure", admin);
  REQUIRE_MESSAGE(logins.status == 200, logins.body);
  auto d = body_of(logins).at("data");
  CHECK(keys(d) == std::set<std::string>{"logs", "total", "page", "per_page", "total_pages"});
  REQUIRE(d.at("total").as_int64() == 1);
  auto rec = d.at("logs").as_array()[0];
  CHECK(str(rec.at("outcome")) == "failure");
  CHECK(str(rec.at("ip")) == "203.0.113.7");
  CHECK(str(rec.at("user_agent")) == "rest-tests/1");
  CHECK(rec.at("details").is_object());

  auto prefix = body_of(f.get("/api/v1/admin/audit-logs?action=auth.", admin)).at("data");
  CHECK(prefix.at("total").as_int64() >= 2);
  const auto now = segs::to_rfc3339(f.clock->now());
  auto future = body_of(f.get("/api/v1/admin/audit-logs?from=2100-01-01T00:00:00Z", admin));
  CHECK(future.at("data").at("total").as_int64() == 0);
  auto to = body_of(f.get("/api/v1/admin/audit-logs?to=" + now, admin));
  CHECK(to.at("data").at("total").as_int64() == 0);  // `to` is exclusive; all happened at `now`
  auto bad = f.get("/api/v1/admin/audit-logs?from=yesterday", admin);
  CHECK(bad.status == 400);
  CHECK(field_of(bad) == "from");
  // The one paging rule (issue 11): at most 100 per page, as for users.
  auto big = f.get("/api/v1/admin/audit-logs?per_page=101", admin);
  CHECK(big.status == 400);
  CHECK(field_of(big) == "per_page");
  CHECK(f.get("/api/v1/admin/audit-logs?per_page=100", admin).status == 200);

  auto v = f.get("/api/v1/admin/audit-logs/verify", admin);
  REQUIRE(v.status == 200);
  CHECK(body_of(v).at("data").at("intact").as_bool());
  CHECK(body_of(v).at("data").at("records_checked").as_int64() >= 3);
}

TEST_CASE("API keys: create (secret once) / list / authenticate / revoke") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  auto created = f.post("/api/v1/admin/api-keys",
                        {{"name", "head-end"}, {"scopes", {"telemetry:write"}},
                         {"region", "north"}, {"meter_ids", {"M-1", "M-2"}},
                         {"expires_at", "2030-01-01T00:00:00Z"}}, admin);
  REQUIRE_MESSAGE(created.status == 201, created.body);
  auto d = body_of(created).at("data");
  const std::string secret = str(d.at("api_key"));
  const std::string id = str(d.at("key").at("id"));
  CHECK(secret.size() > 20);
  CHECK(str(d.at("key").at("region")) == "north");
  CHECK(d.at("key").at("meter_ids").as_array().size() == 2);
  CHECK(str(d.at("key").at("expires_at")) == "2030-01-01T00:00:00Z");
  CHECK(d.at("key").at("revoked_at").is_null());
  CHECK(secret.find(str(d.at("key").at("prefix"))) != std::string::npos);

  auto list = f.get("/api/v1/admin/api-keys", admin);
  REQUIRE(list.status == 200);
  CHECK(body_of(list).at("data").as_array().size() == 1);
  CHECK(list.body.find(secret) == std::string::npos);

  // The key authenticates (403: it may not read profiles) until revoked (401).
  CHECK(f.get("/api/v1/users", {{}, secret}).status == 403);
  CHECK(f.del("/api/v1/admin/api-keys/" + id, admin).status == 200);
  CHECK(f.get("/api/v1/users", {{}, secret}).status == 401);
  CHECK(f.del("/api/v1/admin/api-keys/" + id, admin).status == 404);

  auto scope = f.post("/api/v1/admin/api-keys", {{"name", "x"}, {"scopes", {"fly:away"}}}, admin);
  CHECK(scope.status == 400);
  CHECK(field_of(scope) == "scopes");
  auto not_list = f.post("/api/v1/admin/api-keys", {{"name", "x"}, {"scopes", "telemetry:write"}},
                         admin);
  CHECK(not_list.status == 400);
  CHECK(str(body_of(not_list).at("error").at("message")) == "scopes must be an array of strings");
  auto when = f.post("/api/v1/admin/api-keys",
                     {{"name", "x"}, {"scopes", {"telemetry:write"}}, {"expires_at", "soon"}}, admin);
  CHECK(when.status == 400);
  CHECK(field_of(when) == "expires_at");
}

TEST_CASE("own profile: PUT and the P2P POST /auth/profile / with validation") {
  fixture f;
  auto a = f.signed_in("me@example.org", "consumer");
  f.make_user("other@example.org", "consumer");
  REQUIRE(f.put("/api/v1/user/profile", {{"username", "other_one"}},
                auth{f.login("other@example.org"), {}}).status == 200);
  auto up = f.put("/api/v1/user/profile",
                  {{"name", "Me Myself"}, {"department", "Physics"},
                   {"department_metadata", {{"year", 3}}}}, a);
  REQUIRE_MESSAGE(up.status == 200, up.body);
  CHECK(str(body_of(up).at("data").at("department")) == "Physics");
  CHECK(body_of(up).at("data").at("department_metadata").at("year").as_int64() == 3);
  auto taken = f.post("/api/v1/auth/profile", {{"username", "other_one"}}, a);
  CHECK(taken.status == 409);
  CHECK(field_of(taken) == "username");
  auto p2p = f.post("/api/v1/auth/profile", {{"region", "east"}}, a);
  CHECK(p2p.status == 200);
  CHECK(str(body_of(f.get("/api/v1/auth/profile", a)).at("data").at("region")) == "east");
}

TEST_CASE("notification settings: partial update / security stays on") {
  fixture f;
  auto a = f.signed_in("n@example.org", "consumer");
  auto before = body_of(f.get("/api/v1/user/notifications/settings", a)).at("data");
  CHECK(before.at("email").as_bool());
  CHECK_FALSE(before.at("sms").as_bool());
  auto up = f.put("/api/v1/user/notifications/settings", {{"sms", true}, {"email", false}}, a);
  REQUIRE_MESSAGE(up.status == 200, up.body);
  auto after = body_of(f.get("/api/v1/user/notifications/settings", a)).at("data");
  CHECK(after.at("sms").as_bool());
  CHECK_FALSE(after.at("email").as_bool());
  CHECK(after.at("push").as_bool() == before.at("push").as_bool());
  auto sec = f.put("/api/v1/user/notifications/settings", {{"security", false}}, a);
  if (sec.status == 200) CHECK(body_of(sec).at("data").at("security").as_bool());
  else CHECK(sec.status == 400);
  auto typed = f.put("/api/v1/user/notifications/settings", {{"sms", "yes"}}, a);
  CHECK(typed.status == 400);
  CHECK(field_of(typed) == "sms");
  CHECK(str(body_of(typed).at("error").at("message")) == "sms must be a boolean");
}

TEST_CASE("wallet: set / validate / remove") {
  fixture f;
  auto a = f.signed_in("w@example.org", "consumer");
  const std::string wallet = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";
  auto bad = f.post("/api/v1/user/wallet", {{"wallet_address", "0xnot-base58"}}, a);
  CHECK(bad.status == 400);
  CHECK(field_of(bad) == "wallet_address");
  auto missing = f.send("POST", "/api/v1/user/wallet", {}, a);
  CHECK(missing.status == 400);
  CHECK(field_of(missing) == "wallet_address");
  auto set = f.post("/api/v1/user/wallet", {{"wallet_address", wallet}}, a);
  REQUIRE_MESSAGE(set.status == 200, set.body);
  CHECK(str(body_of(set).at("data").at("wallet_address")) == wallet);
  CHECK(body_of(set).at("data").at("blockchain_registered").as_bool());
  auto removed = f.del("/api/v1/user/wallet", a);
  REQUIRE(removed.status == 200);
  CHECK(body_of(removed).at("data").at("wallet_address").is_null());
  CHECK_FALSE(body_of(removed).at("data").at("blockchain_registered").as_bool());
}

TEST_CASE("own activity lists sign-ins with address and user agent") {
  fixture f;
  auto a = f.signed_in("act@example.org", "consumer");
  auto r = f.get("/api/v1/user/activity?per_page=10", a);
  REQUIRE(r.status == 200);
  auto d = body_of(r).at("data");
  CHECK(d.at("per_page").as_int64() == 10);
  bool login = false;
  for (const auto& rec : d.at("activity").as_array())
    if (rec.at("action").as_string() == "auth.login" && rec.at("ip").as_string() == "203.0.113.7")
      login = true;
  CHECK(login);
  CHECK(f.get("/api/v1/user/activity?per_page=x", a).status == 400);
}

TEST_CASE("departments are public - unknown ones are 404") {
  fixture f;
  f.make_user("d1@example.org", "consumer", "north", "Engineering");
  f.make_user("d2@example.org", "prosumer", "south", "Engineering");
  auto r = f.get("/api/v1/departments/Engineering");
  REQUIRE(r.status == 200);
  auto d = body_of(r).at("data");
  CHECK(str(d.at("name")) == "Engineering");
  CHECK(d.at("user_count").as_int64() == 2);
  CHECK(d.at("users_by_role").at("consumer").as_int64() == 1);
  CHECK(d.at("regions").as_array().size() == 2);
  auto none = f.get("/api/v1/departments/Alchemy");
  CHECK(none.status == 404);
  CHECK(field_of(none) == "department");
  // Percent-encoded path segments are decoded.
  f.make_user("d3@example.org", "consumer", "north", "Solar Lab");
  CHECK(f.get("/api/v1/departments/Solar%20Lab").status == 200);
}

TEST_CASE("register: validation names the field - duplicates conflict - roles are checked") {
  fixture f;
  auto ok = f.post("/api/v1/auth/register", {{"email", "r@example.org"}, {"name", "R"},
                                             {"region", "north"}, {"role", "prosumer"},
                                             {"wallet_address", "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"}});
  REQUIRE_MESSAGE(ok.status == 201, ok.body);
  CHECK(str(body_of(ok).at("data").at("role")) == "prosumer");
  CHECK(body_of(ok).at("data").at("blockchain_registered").as_bool());
  auto dup = f.post("/api/v1/auth/register", {{"email", "r@example.org"}, {"name", "R"},
                                              {"region", "north"}});
  CHECK(dup.status == 409);
  auto admin = f.post("/api/v1/auth/register", {{"email", "a@example.org"}, {"name", "A"},
                                                {"region", "north"}, {"role", "admin"}});
  CHECK(admin.status == 400);
  CHECK(field_of(admin) == "role");
  auto email = f.post("/api/v1/auth/register", {{"email", "not-an-email"}, {"name", "A"},
                                                {"region", "north"}});
  CHECK(email.status == 400);
  CHECK(field_of(email) == "email");
  auto none = f.send("POST", "/api/v1/auth/register", {});
  CHECK(none.status == 400);
  CHECK(field_of(none) == "email");
}

TEST_CASE("first_name and last_name: register, profile, admin update, validation") {
  fixture f;
  // The SEGS seed registers with the parts only: name is "first last".
  auto reg = f.post("/api/v1/auth/register",
                    {{"email", "fl@example.org"}, {"password", kPassword}, {"first_name", " Ada "},
                     {"last_name", "Lovelace"}, {"region", "north"}});
  REQUIRE_MESSAGE(reg.status == 201, reg.body);
  auto d = body_of(reg).at("data");
  CHECK(str(d.at("name")) == "Ada Lovelace");
  CHECK(str(d.at("first_name")) == "Ada");
  CHECK(str(d.at("last_name")) == "Lovelace");
  // Absent parts answer null.
  auto a = f.signed_in("me@example.org", "consumer");
  auto mine = body_of(f.get("/api/v1/user/profile", a)).at("data");
  CHECK(mine.at("first_name").is_null());
  CHECK(mine.at("last_name").is_null());

  auto up = f.put("/api/v1/user/profile", {{"first_name", "Grace"}, {"last_name", "Hopper"}}, a);
  REQUIRE_MESSAGE(up.status == 200, up.body);
  CHECK(str(body_of(up).at("data").at("first_name")) == "Grace");
  CHECK(str(body_of(f.get("/api/v1/user/profile", a)).at("data").at("last_name")) == "Hopper");
  auto too_long = f.put("/api/v1/user/profile",
                        {{"name", "Changed"}, {"first_name", std::string(101, 'x')}}, a);
  CHECK(too_long.status == 400);
  CHECK(code_of(too_long) == "VALIDATION_ERROR");
  CHECK(field_of(too_long) == "first_name");
  CHECK(str(body_of(f.get("/api/v1/user/profile", a)).at("data").at("name")) == "Test User");
  auto typed = f.put("/api/v1/user/profile", {{"last_name", 7}}, a);
  CHECK(typed.status == 400);
  CHECK(field_of(typed) == "last_name");

  auto admin = f.signed_in("root@example.org", "admin");
  auto me = body_of(f.get("/api/v1/user/profile", a)).at("data");
  const std::string id = str(me.at("id"));
  auto edit = f.put("/api/v1/users/" + id, {{"first_name", ""}, {"last_name", "Murray Hopper"}}, admin);
  REQUIRE_MESSAGE(edit.status == 200, edit.body);
  CHECK(body_of(edit).at("data").at("first_name").is_null());
  CHECK(str(body_of(edit).at("data").at("last_name")) == "Murray Hopper");
  auto bad = f.put("/api/v1/users/" + id, {{"last_name", "a\u0001b"}}, admin);
  CHECK(bad.status == 400);
  CHECK(field_of(bad) == "last_name");
  auto bad_reg = f.post("/api/v1/auth/register",
                        {{"email", "long@example.org"}, {"name", "L"}, {"region", "north"},
                         {"last_name", std::string(101, 'z')}});
  CHECK(bad_reg.status == 400);
  CHECK(field_of(bad_reg) == "last_name");
}

TEST_CASE("PUT /api/v1/users/:id refuses a role and writes nothing") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  auto u = f.make_user("x@example.org", "consumer");
  auto res = f.put("/api/v1/users/" + id_of(u), {{"name", "Renamed"}, {"role", "operator"}}, admin);
  CHECK(res.status == 400);
  CHECK(code_of(res) == "VALIDATION_ERROR");
  CHECK(field_of(res) == "role");
  CHECK(str(body_of(res).at("error").at("message")).find("PUT /api/v1/admin/users/:userId/role") !=
        std::string::npos);
  auto after = body_of(f.get("/api/v1/users/" + id_of(u), admin)).at("data");
  CHECK(str(after.at("role")) == "consumer");
  CHECK(str(after.at("name")) == "Test User");
  // null is absent, as everywhere.
  CHECK(f.put("/api/v1/users/" + id_of(u), {{"name", "Renamed"}, {"role", nullptr}}, admin).status ==
        200);
}

TEST_CASE("admin roles: list / define / replace - built-in and bad input refused") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  auto list = f.get("/api/v1/admin/roles", admin);
  REQUIRE_MESSAGE(list.status == 200, list.body);
  const auto listed_first = body_of(list);
  const auto& roles = listed_first.at("data").as_array();
  CHECK(roles.size() == 4);
  for (const auto& r : roles) {
    CHECK(keys(r) == std::set<std::string>{"name", "permissions", "scope", "self_service", "builtin"});
    CHECK(r.at("builtin").as_bool());
  }

  auto put = f.put("/api/v1/admin/roles/student",
                   {{"permissions", {"profile:read", "profile:write", "trade:buy"}},
                    {"scope", "self"},
                    {"self_service", true}},
                   admin);
  REQUIRE_MESSAGE(put.status == 200, put.body);
  auto saved = body_of(put).at("data");
  CHECK(str(saved.at("name")) == "student");
  CHECK(saved.at("permissions").as_array().size() == 3);
  CHECK(str(saved.at("scope")) == "self");
  CHECK(saved.at("self_service").as_bool());
  CHECK_FALSE(saved.at("builtin").as_bool());
  // Registering with it works at once.
  auto reg = f.post("/api/v1/auth/register", {{"email", "stu@example.org"}, {"password", kPassword},
                                              {"name", "Stu"}, {"region", "north"},
                                              {"role", "student"}});
  REQUIRE_MESSAGE(reg.status == 201, reg.body);
  CHECK(str(body_of(reg).at("data").at("role")) == "student");
  // Replacing: self_service defaults to false, so it is no longer offered.
  auto replaced = f.put("/api/v1/admin/roles/student",
                        {{"permissions", {"profile:read"}}, {"scope", "department"}}, admin);
  REQUIRE_MESSAGE(replaced.status == 200, replaced.body);
  CHECK_FALSE(body_of(replaced).at("data").at("self_service").as_bool());
  auto listed = body_of(f.get("/api/v1/admin/roles", admin)).at("data").as_array();
  CHECK(listed.size() == 5);
  CHECK(f.post("/api/v1/auth/register", {{"email", "stu2@example.org"}, {"password", kPassword},
                                         {"name", "Stu"}, {"region", "north"}, {"role", "student"}})
            .status == 400);

  auto builtin = f.put("/api/v1/admin/roles/admin", {{"permissions", boost::json::array{}}, {"scope", "self"}}, admin);
  CHECK(builtin.status == 409);
  CHECK(code_of(builtin) == "CONFLICT");
  CHECK(field_of(builtin) == "name");
  auto unknown = f.put("/api/v1/admin/roles/hacker", {{"permissions", {"root:all"}}, {"scope", "all"}}, admin);
  CHECK(unknown.status == 400);
  CHECK(field_of(unknown) == "permissions");
  auto scope = f.put("/api/v1/admin/roles/staff", {{"permissions", {"profile:read"}}, {"scope", "galaxy"}}, admin);
  CHECK(scope.status == 400);
  CHECK(field_of(scope) == "scope");
  auto missing = f.put("/api/v1/admin/roles/staff", {{"scope", "self"}}, admin);
  CHECK(missing.status == 400);
  CHECK(field_of(missing) == "permissions");
  auto name = f.put("/api/v1/admin/roles/Bad-Name", {{"permissions", {"profile:read"}}, {"scope", "self"}}, admin);
  CHECK(name.status == 400);
  CHECK(field_of(name) == "name");
  auto typed = f.put("/api/v1/admin/roles/staff", {{"permissions", {"profile:read"}}, {"scope", "self"}, {"self_service", "yes"}}, admin);
  CHECK(typed.status == 400);
  CHECK(field_of(typed) == "self_service");
  // None of the refused ones was written.
  CHECK(body_of(f.get("/api/v1/admin/roles", admin)).at("data").as_array().size() == 5);

  // Each definition is audited.
  auto audit = body_of(f.get("/api/v1/admin/audit-logs?action=role.define", admin)).at("data");
  CHECK(audit.at("total").as_int64() == 2);
}
