// /api/v1/regions through the handler, and registration against the registry.
#include "fixture.hpp"

#include <set>
#include <string>

using namespace rest_test;

TEST_CASE("regions: list and get for every signed-in caller") {
  fixture f;
  auto ada = f.signed_in("ada@example.org", "consumer");
  CHECK(f.get("/api/v1/regions").status == 401);
  auto list = f.get("/api/v1/regions", ada);
  REQUIRE(list.status == 200);
  auto data = body_of(list).at("data");
  CHECK(str(data.at("default_region")) == "default");
  const auto& regions = data.at("regions").as_array();
  REQUIRE(regions.size() == 6);
  CHECK(str(regions[0].at("code")) == "default");
  CHECK(str(regions[0].at("time_zone")) == "UTC");

  auto one = f.get("/api/v1/regions/north", ada);
  REQUIRE(one.status == 200);
  const auto one_body = body_of(one);
  const auto& north = one_body.at("data").as_object();
  std::set<std::string> keys;
  for (const auto& kv : north) keys.insert(std::string(kv.key()));
  CHECK(keys == std::set<std::string>{"code", "name", "time_zone", "currency",
                                      "currency_minor_units", "nominal_voltage_v",
                                      "nominal_frequency_hz", "emission_factor_kg_per_kwh",
                                      "created_at", "updated_at"});
  CHECK(str(north.at("currency")) == "EUR");
  CHECK(north.at("currency_minor_units").as_int64() == 2);
  CHECK(north.at("nominal_voltage_v").to_number<double>() == 230.0);

  auto missing = f.get("/api/v1/regions/atlantis", ada);
  CHECK(missing.status == 404);
  CHECK(code_of(missing) == "NOT_FOUND");
}

TEST_CASE("regions: PUT creates (201) and updates (200) for admins only") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  auto op = f.signed_in("op@example.org", "operator");
  const boost::json::object ny{{"name", "New York"},
                               {"time_zone", "America/New_York"},
                               {"currency", "USD"},
                               {"nominal_voltage_v", 120},
                               {"nominal_frequency_hz", 60.0}};
  auto refused = f.put("/api/v1/regions/ny", ny, op);
  CHECK(refused.status == 403);
  CHECK(f.get("/api/v1/regions/ny", admin).status == 404);

  auto made = f.put("/api/v1/regions/ny", ny, admin);
  REQUIRE_MESSAGE(made.status == 201, made.body);
  auto r = body_of(made).at("data");
  CHECK(str(r.at("time_zone")) == "America/New_York");
  CHECK(r.at("nominal_voltage_v").to_number<double>() == 120.0);
  CHECK(r.at("nominal_frequency_hz").to_number<double>() == 60.0);

  auto changed = f.put("/api/v1/regions/ny", {{"emission_factor_kg_per_kwh", 0.25}}, admin);
  REQUIRE_MESSAGE(changed.status == 200, changed.body);
  auto c = body_of(changed).at("data");
  CHECK(c.at("emission_factor_kg_per_kwh").to_number<double>() == 0.25);
  CHECK(str(c.at("name")) == "New York");

  struct bad_case {
    boost::json::object body;
    const char* field;
  };
  const bad_case cases[] = {
      {{{"time_zone", "Mars/Base"}}, "time_zone"},
      {{{"currency", "DOGE"}}, "currency"},
      {{{"currency", 978}}, "currency"},
      {{{"nominal_voltage_v", "230"}}, "nominal_voltage_v"},
      {{{"nominal_frequency_hz", 0}}, "nominal_frequency_hz"},
      {{{"emission_factor_kg_per_kwh", 11}}, "emission_factor_kg_per_kwh"},
      {{{"name", ""}}, "name"},
  };
  for (const auto& bc : cases) {
    CAPTURE(bc.field);
    auto res = f.put("/api/v1/regions/ny", bc.body, admin);
    CHECK(res.status == 400);
    CHECK(field_of(res) == bc.field);
  }
  auto new_without_zone = f.put("/api/v1/regions/paris", {{"currency", "EUR"}}, admin);
  CHECK(new_without_zone.status == 400);
  CHECK(field_of(new_without_zone) == "time_zone");
  CHECK(f.get("/api/v1/regions/paris", admin).status == 404);
  CHECK(str(body_of(f.get("/api/v1/regions/ny", admin)).at("data").at("time_zone")) ==
        "America/New_York");
}

TEST_CASE("regions: registration without a region gets the default, an unknown one is 400") {
  fixture f;
  auto none = f.post("/api/v1/auth/register",
                     {{"email", "nobody@example.org"}, {"password", kPassword}, {"name", "No Body"}});
  REQUIRE_MESSAGE(none.status == 201, none.body);
  CHECK(str(body_of(none).at("data").at("region")) == "default");
  auto lost = f.post("/api/v1/auth/register", {{"email", "lost@example.org"},
                                               {"password", kPassword},
                                               {"name", "Lost"},
                                               {"region", "atlantis"}});
  CHECK(lost.status == 400);
  CHECK(field_of(lost) == "region");
}
