// GET and POST /api/v1/admin/config (issue 16, section 3): the typed
// runtime configuration through the handler — the REST layer's own settings
// (features.billing, the rate limits) in force on the next request without
// a restart, unknown keys 400 naming them, wrong types and bad values 400
// naming the key, admins only, each change audited with old and new.
#include "fixture.hpp"

#include <set>
#include <string>

using namespace rest_test;
namespace json = boost::json;

namespace {

json::value data_of(const segs::rest::response& r) {
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return body_of(r).at("data");
}

void check_400(const segs::rest::response& res, const std::string& field) {
  INFO(field << ": " << res.body);
  CHECK(res.status == 400);
  CHECK(field_of(res) == field);
}

}  // namespace

TEST_CASE("config routes: every setting typed, with its default, and admins only") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin", "global");
  auto op = f.signed_in("op@example.org", "operator", "north");
  auto doc = data_of(f.get("/api/v1/admin/config", admin));
  const auto& values = doc.at("values").as_object();
  for (const char* key : {"features.billing", "rate_limits.enabled", "rate_limits.anonymous",
                          "rate_limits.authenticated", "rate_limits.admin", "rate_limits.auth",
                          "notifications.retention_days", "alerts.evaluate_readings",
                          "billing.generation_batch"})
    CHECK_MESSAGE(values.contains(key), key);
  CHECK(values.at("features.billing") == true);
  CHECK(values.at("rate_limits.enabled") == false);  // the fixture's options
  CHECK(values.at("rate_limits.anonymous") == "100/1h");
  CHECK(values.at("notifications.retention_days") == 90);
  bool saw = false;
  for (const auto& s : doc.at("settings").as_array())
    if (s.at("key") == "notifications.retention_days") {
      saw = true;
      std::set<std::string> keys;
      for (const auto& kv : s.as_object()) keys.insert(std::string(kv.key()));
      CHECK(keys == std::set<std::string>{"key", "type", "value", "default", "overridden", "description",
                                          "updated_at", "updated_by", "min", "max"});
      CHECK(s.at("type") == "integer");
      CHECK(s.at("min") == 1);
      CHECK(s.at("overridden") == false);
    }
  CHECK(saw);

  CHECK(f.get("/api/v1/admin/config", op).status == 403);
  CHECK(f.get("/api/v1/admin/config").status == 401);
  CHECK(f.post("/api/v1/admin/config", {{"features.billing", false}}, op).status == 403);
}

TEST_CASE("config routes: rate limits and billing change on the next request, no restart") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin", "global");
  auto ada = f.signed_in("ada@example.org", "consumer");
  CHECK(f.get("/api/v1/billing/invoices", ada).status == 200);

  auto off = f.post("/api/v1/admin/config", {{"features.billing", false}}, admin);
  auto d = data_of(off);
  REQUIRE(d.at("changed").as_array().size() == 1);
  CHECK(d.at("changed").at(0) == json::value(json::object{{"key", "features.billing"}, {"old", true}, {"new", false}}));
  CHECK(d.at("values").at("features.billing") == false);
  auto gone = f.get("/api/v1/billing/invoices", ada);
  CHECK(gone.status == 404);
  CHECK(code_of(gone) == "NOT_FOUND");
  CHECK(f.post("/api/v1/billing/generate", json::object{}, admin).status == 404);  // every method
  REQUIRE(f.post("/api/v1/admin/config", {{"features.billing", nullptr}}, admin).status == 200);
  CHECK(f.get("/api/v1/billing/invoices", ada).status == 200);

  // Rate limits on, two requests an hour for anonymous callers.
  auto on = f.post("/api/v1/admin/config", {{"rate_limits.enabled", true}, {"rate_limits.anonymous", "2/1h"}}, admin);
  REQUIRE(on.status == 200);
  CHECK(f.get("/api/v1/regions").status != 429);
  CHECK(f.get("/api/v1/regions").status != 429);
  auto limited = f.get("/api/v1/regions");
  CHECK(limited.status == 429);
  CHECK(code_of(limited) == "RATE_LIMITED");

  // Audited with old and new values.
  auto audit = data_of(f.get("/api/v1/admin/audit-logs?action=config.update&per_page=100", admin));
  std::string all = json::serialize(audit);
  CHECK(all.find("rate_limits.anonymous") != std::string::npos);
  CHECK(all.find("100/1h") != std::string::npos);
  CHECK(all.find("2/1h") != std::string::npos);
}

TEST_CASE("config routes: unknown keys, wrong types and bad values are 400 naming the key") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin", "global");
  auto unknown = f.post("/api/v1/admin/config", {{"features.billing", false}, {"features.teleport", true}}, admin);
  check_400(unknown, "features.teleport");
  CHECK(body_of(unknown).at("error").at("message").as_string().find("features.teleport") != std::string::npos);
  check_400(f.post("/api/v1/admin/config", {{"features.billing", "no"}}, admin), "features.billing");
  check_400(f.post("/api/v1/admin/config", {{"notifications.retention_days", 2.5}}, admin),
            "notifications.retention_days");
  check_400(f.post("/api/v1/admin/config", {{"notifications.retention_days", 0}}, admin),
            "notifications.retention_days");
  check_400(f.post("/api/v1/admin/config", {{"rate_limits.admin", "lots"}}, admin), "rate_limits.admin");
  check_400(f.post("/api/v1/admin/config", json::object{}, admin), "body");
  // Nothing of them was applied.
  auto values = data_of(f.get("/api/v1/admin/config", admin)).at("values");
  CHECK(values.at("features.billing") == true);
  CHECK(values.at("rate_limits.admin") == "10000/1h");
}
