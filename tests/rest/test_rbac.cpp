// The RBAC matrix: every route of the identity slice against every kind of
// caller. Each cell runs on a fresh grid, so the only variable is the
// principal.
//
// Columns:
//   anon   no credentials
//   cons   a consumer of region north (not the target)
//   pros   a prosumer of region north
//   opN    an operator of region north (the target's region)
//   opS    an operator of region south
//   admin  an administrator
//   key    an API key with the single scope telemetry:write
//
// Placeholders in paths and bodies:
//   {target}     a consumer of region north, active
//   {suspended}  a consumer of region north, suspended
//   {email}      the target's email; {pending} an address registered but not verified
//   {otp}        the verification code of {pending}; {reset} a reset code of {target}
//   {refresh}    a refresh token of the target; {key}  the API key's id
//
// Conventions for the expected statuses:
//   - Routes that act on "my account" need a user: without credentials 401;
//     an API key is not a user, so the library answers 403.
//   - Public routes (health, sign-up, sign-in, codes, departments) answer
//     the same to everyone; credentials, good or bad, change nothing there.
//   - A user outside the caller's scope (opS on a north user) is 404, not
//     403, so that ids do not leak; 403 means "you may never do this".
//   - The /admin/users routes follow the library's permissions, not the path:
//     an operator holds users:manage over its region, so suspend, activate
//     and delete work for opN; roles:manage, audit:read and api_keys:manage
//     are the administrator's only.
//   - set-password answers 409 to every user: they all have a password.
#include "fixture.hpp"

#include <array>
#include <functional>

#include "rest/route_table.hpp"

using namespace rest_test;

namespace {

enum col { anon, cons, pros, opN, opS, admin, key, n_cols };
constexpr std::array<const char*, n_cols> col_names{"anon", "cons",  "pros", "opN",
                                                    "opS",  "admin", "key"};

struct row {
  const char* method;
  const char* path;
  const char* body;
  std::array<int, n_cols> expect;
};

const std::string kWallet = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";

// clang-format off
const row matrix[] = {
//  method    path                                             body                                                                      anon cons pros opN  opS  admin key
  {"GET",    "/health",                                        "",                                                                      {200, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/health/live",                                   "",                                                                      {200, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/health/ready",                                  "",                                                                      {200, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/metrics",                                       "",                                                                      {200, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/openapi.json",                           "",                                                                      {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/register",                          R"({"email":"new@example.org","password":"Tr0ub4dor&3-horse","name":"New","region":"north"})", {201, 201, 201, 201, 201, 201, 201}},
  {"POST",   "/api/v1/auth/verify-otp",                        R"({"email":"{pending}","otp":"{otp}"})",                                {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/login",                             R"({"email":"{email}","password":"Tr0ub4dor&3-horse"})",                 {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/refresh-token",                     R"({"refresh_token":"{refresh}"})",                                      {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/forgot-password",                   R"({"email":"{email}"})",                                                {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/reset-password",                    R"({"email":"{email}","otp":"{reset}","new_password":"N3w-long-passphrase"})", {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/resend-otp",                        R"({"email":"{pending}"})",                                              {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/logout",                            "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"POST",   "/api/v1/auth/logout-all",                        "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"POST",   "/api/v1/auth/set-password",                      R"({"password":"N3w-long-passphrase"})",                                 {401, 409, 409, 409, 409, 409, 403}},
  {"POST",   "/api/v1/auth/change-password",                   R"({"current_password":"Tr0ub4dor&3-horse","new_password":"N3w-long-passphrase"})", {401, 200, 200, 200, 200, 200, 403}},
  {"POST",   "/api/v1/auth/password",                          R"({"current_password":"Tr0ub4dor&3-horse","new_password":"N3w-long-passphrase"})", {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/auth/sessions",                          "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/auth/profile",                           "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"POST",   "/api/v1/auth/profile",                           R"({"name":"Renamed"})",                                                 {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/user/profile",                           "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"PUT",    "/api/v1/user/profile",                           R"({"name":"Renamed"})",                                                 {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/user/notifications/settings",            "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"PUT",    "/api/v1/user/notifications/settings",            R"({"sms":true})",                                                       {401, 200, 200, 200, 200, 200, 403}},
  {"POST",   "/api/v1/user/wallet",                            R"({"wallet_address":"{wallet}"})",                                      {401, 200, 200, 200, 200, 200, 403}},
  {"DELETE", "/api/v1/user/wallet",                            "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/user/activity",                          "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/operator/users",                         "",                                                                      {401, 403, 403, 200, 200, 200, 403}},
  {"GET",    "/api/v1/operator/users/region/north",            "",                                                                      {401, 403, 403, 200, 403, 200, 403}},
  {"GET",    "/api/v1/operator/users/{target}",                "",                                                                      {401, 403, 403, 200, 404, 200, 403}},
  {"POST",   "/api/v1/admin/users",                            R"({"email":"op2@example.org","password":"Tr0ub4dor&3-horse","name":"Op","role":"operator","region":"north"})", {401, 403, 403, 403, 403, 201, 403}},
  {"PUT",    "/api/v1/admin/users/{target}/role",              R"({"role":"prosumer"})",                                                {401, 403, 403, 403, 403, 200, 403}},
  {"DELETE", "/api/v1/admin/users/{target}",                   "",                                                                      {401, 403, 403, 200, 404, 200, 403}},
  {"PUT",    "/api/v1/admin/users/{target}/suspend",           R"({"reason":"unpaid bills"})",                                          {401, 403, 403, 200, 404, 200, 403}},
  {"PUT",    "/api/v1/admin/users/{suspended}/activate",       R"({"reason":"paid"})",                                                  {401, 403, 403, 200, 404, 200, 403}},
  {"GET",    "/api/v1/admin/audit-logs",                       "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"GET",    "/api/v1/admin/audit-logs/verify",                "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"POST",   "/api/v1/admin/api-keys",                         R"({"name":"head-end","scopes":["telemetry:read"]})",                   {401, 403, 403, 403, 403, 201, 403}},
  {"GET",    "/api/v1/admin/api-keys",                         "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"DELETE", "/api/v1/admin/api-keys/{key}",                   "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"GET",    "/api/v1/users",                                  "",                                                                      {401, 403, 403, 200, 200, 200, 403}},
  {"GET",    "/api/v1/users/{target}",                         "",                                                                      {401, 403, 403, 200, 404, 200, 403}},
  {"PUT",    "/api/v1/users/{target}",                         R"({"name":"Renamed"})",                                                 {401, 403, 403, 200, 404, 200, 403}},
  {"POST",   "/api/v1/users/{target}/deactivate",              "",                                                                      {401, 403, 403, 200, 404, 200, 403}},
  {"POST",   "/api/v1/users/{suspended}/reactivate",           "",                                                                      {401, 403, 403, 200, 404, 200, 403}},
  {"GET",    "/api/v1/users/{target}/activity",                "",                                                                      {401, 403, 403, 200, 404, 200, 403}},
  {"GET",    "/api/v1/departments/Engineering",                "",                                                                      {200, 200, 200, 200, 200, 200, 200}},
};
// clang-format on

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

/// A fresh grid holding everything the rows refer to, and the credentials
/// of one column.
struct cell {
  fixture f;
  std::vector<std::pair<std::string, std::string>> vars;
  auth who;

  explicit cell(col c) {
    auto target = f.make_user("target@example.org", "consumer", "north");
    auto suspended = f.make_user("suspended@example.org", "consumer", "north");
    auto sys = segs::principal::system();
    REQUIRE(f.grid->identity().suspend_user(sys, suspended.id, "test").has_value());
    segs::registration pending;
    pending.email = "pending@example.org";
    pending.password = kPassword;
    pending.name = "Pending";
    pending.region = "north";
    REQUIRE(f.grid->identity().register_user(pending).has_value());
    const auto otp = f.code_for("pending@example.org");
    REQUIRE(f.grid->identity().forgot_password("target@example.org").has_value());
    const auto reset = f.code_for("target@example.org");
    auto login = f.post("/api/v1/auth/login",
                        {{"email", "target@example.org"}, {"password", kPassword}});
    REQUIRE(login.status == 200);
    const auto refresh = str(body_of(login).at("data").at("refresh_token"));

    auto boss = f.signed_in("boss@example.org", "admin");
    auto boss_p = f.grid->identity().authenticate(boss.bearer).value();
    segs::api_key_spec spec;
    spec.name = "meter head-end";
    spec.scopes = {"telemetry:write"};
    auto k = f.grid->identity().create_api_key(boss_p, spec).value();

    // Past the resend cooldown of the pending address's first code.
    f.clock->advance(std::chrono::minutes(2));
    switch (c) {
      case anon: break;
      case cons: who = f.signed_in("cons@example.org", "consumer", "north"); break;
      case pros: who = f.signed_in("pros@example.org", "prosumer", "north"); break;
      case opN: who = f.signed_in("opn@example.org", "operator", "north"); break;
      case opS: who = f.signed_in("ops@example.org", "operator", "south"); break;
      case admin: who = boss; break;
      case key: who.api_key = k.secret; break;
      case n_cols: break;
    }
    vars = {{"{target}", target.id.to_string()},
            {"{suspended}", suspended.id.to_string()},
            {"{email}", "target@example.org"},
            {"{pending}", "pending@example.org"},
            {"{otp}", otp},
            {"{reset}", reset},
            {"{refresh}", refresh},
            {"{key}", k.info.id.to_string()},
            {"{wallet}", kWallet}};
  }

  segs::rest::response send(const row& r) {
    std::string path = r.path;
    std::string body = r.body;
    for (const auto& [k, v] : vars) {
      replace_all(path, k, v);
      replace_all(body, k, v);
    }
    return f.send(r.method, path, body, who);
  }
};

}  // namespace

TEST_CASE("RBAC matrix: every identity route against every kind of caller") {
  for (int c = 0; c < n_cols; ++c) {
    for (const auto& r : matrix) {
      cell env(static_cast<col>(c));
      auto res = env.send(r);
      INFO(r.method << " " << r.path << " as " << col_names[static_cast<std::size_t>(c)] << ": "
                    << res.body.substr(0, 300));
      CHECK(res.status == r.expect[static_cast<std::size_t>(c)]);
    }
  }
}

TEST_CASE("RBAC matrix covers every route") {
  std::vector<std::pair<std::string, std::string>> covered;
  for (const auto& r : matrix) {
    std::string p = r.path;
    covered.emplace_back(r.method, p);
  }
  // Patterns whose parameters the matrix fills with concrete values.
  auto pattern_of = [](std::string path) {
    replace_all(path, "{target}", ":userId");
    replace_all(path, "{suspended}", ":userId");
    replace_all(path, "{key}", ":id");
    replace_all(path, "/region/north", "/region/:region");
    replace_all(path, "/departments/Engineering", "/departments/:department");
    return path;
  };
  for (const auto& [method, pattern] : segs::rest::detail::route_table()) {
    std::string normal = pattern;
    replace_all(normal, "/users/:id", "/users/:userId");  // P2P spelling of the same parameter
    bool found = false;
    for (const auto& [m, p] : covered) {
      std::string q = pattern_of(p);
      if (m == method && q == normal) found = true;
    }
    CHECK_MESSAGE(found, "no matrix row for " << method << " " << pattern);
  }
}
