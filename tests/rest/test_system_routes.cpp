// The deployment's health, information and statistics through the handler
// (issue 16, section 3): the exact shapes, for admins only.
#include "fixture.hpp"

#include <set>
#include <string>

using namespace rest_test;
namespace json = boost::json;

namespace {

std::set<std::string> keys_of(const json::value& v) {
  std::set<std::string> out;
  for (const auto& kv : v.as_object()) out.insert(std::string(kv.key()));
  return out;
}

}  // namespace

TEST_CASE("system routes: health checks, info and stats, with no secret in them") {
  fixture f;
  auto boss = f.signed_in("boss@example.org", "admin");
  auto res = f.get("/api/v1/system/health/detailed", boss);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  const auto h = body_of(res).at("data");
  CHECK(keys_of(h) == std::set<std::string>{"status", "checks"});
  const auto& checks = h.at("checks");
  CHECK(keys_of(checks) == std::set<std::string>{"database", "migrations", "due_work", "event_hub", "storage"});
  CHECK(keys_of(checks.at("database")) == std::set<std::string>{"status", "latency_ms"});
  CHECK(keys_of(checks.at("storage")) == std::set<std::string>{"status", "pool_in_use", "pool_size"});
  CHECK(str(checks.at("migrations").at("status")) == "healthy");
  CHECK(str(checks.at("due_work").at("status")) == "degraded");  // due work never ran here
  CHECK(checks.at("due_work").at("lag_s").is_null());
  CHECK(str(h.at("status")) == "degraded");
  REQUIRE(f.grid->run_due_work().has_value());
  auto again = body_of(f.get("/api/v1/admin/health", boss)).at("data");
  CHECK(str(again.at("checks").at("due_work").at("status")) == "healthy");
  CHECK(again.at("checks").at("due_work").at("lag_s").is_number());

  const auto info = body_of(f.get("/api/v1/system/info", boss)).at("data");
  CHECK(keys_of(info) ==
        std::set<std::string>{"version", "build", "backend", "uptime_s", "started_at", "schema_version", "regions"});
  CHECK(str(info.at("backend")) == "sqlite");
  auto stats_res = f.get("/api/v1/admin/stats", boss);
  const auto stats = body_of(stats_res).at("data");
  CHECK(stats.at("users") == 1);
  CHECK(stats.at("database_bytes").is_number());
  for (const segs::rest::response* r : {&res, &stats_res}) {
    CHECK(r->body.find("sqlite:") == std::string::npos);  // no URL
    CHECK(r->body.find("password") == std::string::npos);
  }
  auto op = f.signed_in("op@example.org", "operator");
  CHECK(f.get("/api/v1/admin/stats", op).status == 403);
}
