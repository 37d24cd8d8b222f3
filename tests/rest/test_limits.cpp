// Token-bucket rate limits: anonymous per address, per user, per API key,
// per admin, and the stricter auth-route limit; refill follows the grid's
// clock.
#include "fixture.hpp"

#include "rest/limits.hpp"

using namespace rest_test;

namespace {

segs::rest::options limits(int anonymous, int authenticated, int admin, int auth_routes) {
  segs::rest::options o;
  o.anonymous = {anonymous, std::chrono::seconds(100)};
  o.authenticated = {authenticated, std::chrono::seconds(100)};
  o.admin = {admin, std::chrono::seconds(100)};
  o.auth_routes = {auth_routes, std::chrono::seconds(100)};
  return o;
}

segs::rest::response dept(fixture& f, const std::string& peer, const auth& a = {}) {
  return f.send("GET", "/api/v1/departments/Engineering", {}, a, {}, peer);
}

}  // namespace

TEST_CASE("anonymous requests are limited per client address / with Retry-After and refill") {
  fixture f(limits(3, 100, 100, 100));
  f.make_user("someone@example.org", "consumer");
  for (int i = 0; i < 3; ++i) CHECK(dept(f, "192.0.2.1").status == 200);
  auto limited = dept(f, "192.0.2.1");
  CHECK(limited.status == 429);
  CHECK(code_of(limited) == "RATE_LIMITED");
  // One token comes back every 100/3 s: the wait is rounded up.
  CHECK(limited.header_value("Retry-After") == "34");
  CHECK(body_of(limited).at("error").at("details").at("retry_after").as_int64() == 34);
  CHECK(limited.header_value("X-Content-Type-Options") == "nosniff");
  // Another address has its own bucket.
  CHECK(dept(f, "192.0.2.2").status == 200);
  // Probes are never limited.
  CHECK(f.send("GET", "/health", {}, {}, {}, "192.0.2.1").status == 200);

  f.clock->advance(std::chrono::seconds(33));
  CHECK(dept(f, "192.0.2.1").status == 429);
  f.clock->advance(std::chrono::seconds(1));
  CHECK(dept(f, "192.0.2.1").status == 200);
  CHECK(dept(f, "192.0.2.1").status == 429);
}

TEST_CASE("authenticated requests are limited per user / admins have their own limit") {
  fixture f(limits(1, 2, 4, 100));
  f.make_user("u1@example.org", "consumer");
  f.make_user("u2@example.org", "consumer");
  f.make_user("root@example.org", "admin");
  // Logins come from distinct addresses so the anonymous limit of 1 holds.
  auto login = [&](const std::string& email, const std::string& peer) {
    auto r = f.send("POST", "/api/v1/auth/login",
                    boost::json::serialize(boost::json::object{{"email", email}, {"password", kPassword}}),
                    {}, {}, peer);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return auth{str(body_of(r).at("data").at("access_token")), {}};
  };
  auto u1 = login("u1@example.org", "10.0.0.1");
  auto u2 = login("u2@example.org", "10.0.0.2");
  auto root = login("root@example.org", "10.0.0.3");

  // The user's bucket is independent of the address (same peer as u2).
  CHECK(f.send("GET", "/api/v1/user/profile", {}, u1, {}, "10.0.0.9").status == 200);
  CHECK(f.send("GET", "/api/v1/user/profile", {}, u1, {}, "10.0.0.8").status == 200);
  auto third = f.send("GET", "/api/v1/user/profile", {}, u1, {}, "10.0.0.7");
  CHECK(third.status == 429);
  CHECK(third.header_value("Retry-After") == "50");
  CHECK(f.send("GET", "/api/v1/user/profile", {}, u2, {}, "10.0.0.9").status == 200);
  for (int i = 0; i < 4; ++i) CHECK(f.get("/api/v1/user/profile", root).status == 200);
  CHECK(f.get("/api/v1/user/profile", root).status == 429);
  f.clock->advance(std::chrono::seconds(50));
  CHECK(f.send("GET", "/api/v1/user/profile", {}, u1, {}, "10.0.0.7").status == 200);
}

TEST_CASE("API keys are limited per key") {
  fixture f(limits(100, 2, 100, 100));
  auto boss = f.signed_in("boss@example.org", "admin");
  auto created = f.post("/api/v1/admin/api-keys",
                        {{"name", "head-end"}, {"scopes", {"telemetry:write"}}}, boss);
  REQUIRE_MESSAGE(created.status == 201, created.body);
  auth key{{}, str(body_of(created).at("data").at("api_key"))};
  // The key may not read profiles (403), but each call still takes a token.
  CHECK(f.get("/api/v1/user/profile", key).status == 403);
  CHECK(f.get("/api/v1/user/profile", key).status == 403);
  CHECK(f.get("/api/v1/user/profile", key).status == 429);
}

TEST_CASE("the auth routes have a stricter limit per address") {
  fixture f(limits(100, 100, 100, 2));
  auto attempt = [&](const std::string& peer) {
    return f.send("POST", "/api/v1/auth/forgot-password", R"({"email":"x@example.org"})", {}, {},
                  peer);
  };
  CHECK(attempt("198.51.100.5").status == 200);
  CHECK(attempt("198.51.100.5").status == 200);
  auto limited = attempt("198.51.100.5");
  CHECK(limited.status == 429);
  CHECK(limited.header_value("Retry-After") == "50");
  CHECK(attempt("198.51.100.6").status == 200);
  // The same address may still use routes outside the auth limit.
  CHECK(f.send("GET", "/api/v1/openapi.json", {}, {}, {}, "198.51.100.5").status == 200);
  f.clock->advance(std::chrono::seconds(50));
  CHECK(attempt("198.51.100.5").status == 200);
}

TEST_CASE("bad credentials spend the address's anonymous budget before the 401") {
  fixture f(limits(2, 100, 100, 100));
  CHECK(f.send("GET", "/api/v1/user/profile", {}, {"guess-1", {}}, {}, "192.0.2.50").status == 401);
  CHECK(f.send("GET", "/api/v1/user/profile", {}, {{}, "guess-2"}, {}, "192.0.2.50").status == 401);
  auto third = f.send("GET", "/api/v1/user/profile", {}, {"guess-3", {}}, {}, "192.0.2.50");
  CHECK(third.status == 429);
  CHECK(code_of(third) == "RATE_LIMITED");
}

TEST_CASE("rate limits can be switched off") {
  auto o = limits(1, 1, 1, 1);
  o.rate_limits_enabled = false;
  fixture f(o);
  for (int i = 0; i < 5; ++i)
    CHECK(f.send("POST", "/api/v1/auth/forgot-password", R"({"email":"x@example.org"})").status ==
          200);
}

TEST_CASE("the limiter keeps memory bounded: idle buckets go first / then the fullest") {
  segs::rest::detail::rate_limiter lim(4);
  const segs::rest::rate_limit rl{2, std::chrono::seconds(10)};
  const auto t0 = segs::from_micros(kStart);
  CHECK_FALSE(lim.take("a", rl, t0).has_value());
  CHECK_FALSE(lim.take("a", rl, t0).has_value());
  CHECK(lim.take("a", rl, t0).has_value());  // "a" is empty
  for (const char* k : {"b", "c", "d"}) CHECK_FALSE(lim.take(k, rl, t0).has_value());
  CHECK(lim.size() == 4);
  // Nothing idle yet: the fullest buckets (b, c, d at one token) are dropped
  // down to three quarters, and the empty "a" is kept.
  CHECK_FALSE(lim.take("e", rl, t0).has_value());
  CHECK(lim.size() <= 4);
  CHECK(lim.take("a", rl, t0).has_value());
  // Later every bucket has refilled: the sweep drops them all.
  const auto later = t0 + std::chrono::seconds(60);
  for (const char* k : {"f", "g", "h", "i"}) (void)lim.take(k, rl, later);
  CHECK(lim.size() <= 4);
  CHECK_FALSE(lim.take("a", rl, later).has_value());
}
