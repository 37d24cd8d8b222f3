// POST /api/v1/admin/data/seed through the handler (issue 16, section 3):
// 201 with the counts and the credentials once, in development mode only,
// 400 naming the field.
#include "fixture.hpp"

#include <set>
#include <string>

using namespace rest_test;
namespace json = boost::json;

namespace {

void development(segs::options& o) { o.development_mode = true; }
const std::string kSeed = "/api/v1/admin/data/seed";

}  // namespace

TEST_CASE("seed route: 201 with what it created and the demo credentials, which sign in") {
  fixture f(unlimited(), development);
  auto boss = f.signed_in("boss@example.org", "admin");
  auto res = f.post(kSeed, {{"seed", 3}, {"users", 3}, {"days", 1}}, boss);
  REQUIRE_MESSAGE(res.status == 201, res.body);
  const auto data = body_of(res).at("data");
  std::set<std::string> keys;
  for (const auto& kv : data.at("created").as_object()) keys.insert(std::string(kv.key()));
  CHECK(keys == std::set<std::string>{"regions", "users", "meters", "tariffs", "readings", "orders", "trades",
                                      "settled_slots"});
  const auto& created = data.at("created");
  CHECK(created.at("users") == 6);
  CHECK(created.at("meters") == 3);
  CHECK(created.at("readings") == 3 * 96);
  CHECK(data.at("run") == 1);
  const auto& creds = data.at("credentials").as_array();
  REQUIRE(creds.size() == 6);
  for (const auto& c : creds) {
    const auto email = str(c.at("email"));
    CHECK(email.starts_with("seed1."));
    CHECK_FALSE(str(c.at("role")).empty());
    auto login = f.post("/api/v1/auth/login", {{"email", email}, {"password", c.at("password")}});
    CHECK_MESSAGE(login.status == 200, login.body);
  }
  const auto stats = body_of(f.get("/api/v1/admin/stats", boss)).at("data");
  CHECK(stats.at("meters") == 3);
  CHECK(stats.at("readings") == 3 * 96);

  // Defaults: seed 42, 10 users, 7 days; a second run shows no old password.
  auto second = f.post(kSeed, json::object{}, boss);
  REQUIRE_MESSAGE(second.status == 201, second.body);
  const auto d2 = body_of(second).at("data");
  CHECK(d2.at("run") == 2);
  CHECK(d2.at("created").at("users") == 13);
  CHECK(d2.at("created").at("readings") == 10 * 7 * 96);
  for (const auto& c : d2.at("credentials").as_array()) {
    CHECK(str(c.at("email")).starts_with("seed2."));
    for (const auto& old : creds) CHECK(c.at("password") != old.at("password"));
  }
}

TEST_CASE("seed route: 400 naming the field, 403 for operators, 401 anonymous") {
  fixture f(unlimited(), development);
  auto boss = f.signed_in("boss@example.org", "admin");
  const std::vector<std::pair<json::object, std::string>> bad{
      {{{"users", 0}}, "users"},      {{{"users", 1001}}, "users"}, {{{"users", "ten"}}, "users"},
      {{{"days", 91}}, "days"},       {{{"days", -1}}, "days"},     {{{"days", 1.5}}, "days"},
      {{{"seed", -1}}, "seed"},       {{{"seed", "42"}}, "seed"},   {{{"sed", 1}}, "sed"}};
  for (const auto& [body, field] : bad) {
    auto res = f.post(kSeed, body, boss);
    CHECK_MESSAGE(res.status == 400, res.body);
    CHECK(code_of(res) == "VALIDATION_ERROR");
    CHECK(field_of(res) == field);
  }
  auto op = f.signed_in("op@example.org", "operator");
  CHECK(f.post(kSeed, json::object{}, op).status == 403);
  CHECK(f.post(kSeed, json::object{}).status == 401);
  CHECK(body_of(f.get("/api/v1/admin/stats", boss)).at("data").at("meters") == 0);
}

TEST_CASE("seed route: 403 for admins when the grid is not in development mode") {
  fixture f;
  auto boss = f.signed_in("boss@example.org", "admin");
  auto res = f.post(kSeed, {{"users", 1}, {"days", 0}}, boss);
  CHECK(res.status == 403);
  CHECK(code_of(res) == "FORBIDDEN");
  CHECK(body_of(f.get("/api/v1/admin/stats", boss)).at("data").at("users") == 1);
}
