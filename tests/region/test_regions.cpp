// The region registry on every backend: defaults at open, configuration,
// reads, changes by admins only (audited), registration against the registry,
// and the upgrade that registered the regions already in use.
#include "identity/grid_fixture.hpp"
#include "storage/migrations.hpp"
#include "storage/util.hpp"

#include <segs/segs.hpp>

#include <doctest/doctest.h>

using segs::errc;
using segs_test::grid_fixture;

namespace {

segs::region_spec berlin() {
  segs::region_spec s;
  s.name = "Berlin";
  s.time_zone = "Europe/Berlin";
  s.currency = "EUR";
  return s;
}

std::int64_t audit_count(segs::grid& g, const std::string& action) {
  segs::audit_query q;
  q.action = action;
  return g.audit().query(segs::principal::system(), q).value().total;
}

}  // namespace

TEST_CASE("regions: a fresh grid has the default region in UTC, and the configured ones") {
  grid_fixture f;
  auto& regions = f.grid->regions();
  const auto sys = segs::principal::system();
  CHECK(regions.default_region() == "default");
  auto d = regions.get(sys, "default").value();
  CHECK(d.name == "Default");
  CHECK(d.time_zone == "UTC");
  CHECK(d.currency == "USD");
  CHECK(d.currency_minor_units == 2);
  CHECK(d.nominal_voltage_v == 230.0);
  CHECK(d.nominal_frequency_hz == 50.0);
  CHECK(d.emission_factor_kg_per_kwh == doctest::Approx(0.4));
  auto all = regions.list(sys).value();
  std::vector<std::string> codes;
  for (const auto& r : all) codes.push_back(r.code);
  // By code; the fixture defines north, south, east, west and global.
  CHECK(codes == std::vector<std::string>{"default", "east", "global", "north", "south", "west"});
  CHECK(regions.get(sys, "north")->currency == "EUR");
}

TEST_CASE("regions: reading needs a signed-in principal, unknown codes are not found") {
  grid_fixture f;
  auto& regions = f.grid->regions();
  CHECK(regions.list(segs::principal::anonymous()).error().code == errc::unauthorized);
  CHECK(regions.get(segs::principal::anonymous(), "north").error().code == errc::unauthorized);
  f.verified("ada@example.org");
  const auto ada = f.as("ada@example.org");
  CHECK(regions.list(ada).value().size() == 6);
  CHECK(regions.get(ada, "north")->code == "north");
  CHECK(regions.get(ada, "atlantis").error().code == errc::not_found);
}

TEST_CASE("regions: admins create and update (audited), others are refused and nothing is written") {
  grid_fixture f;
  auto& regions = f.grid->regions();
  f.made("root@example.org", "admin");
  f.made("op@example.org", "operator");
  f.verified("ada@example.org");
  const auto admin = f.as("root@example.org");

  for (const auto* who : {"op@example.org", "ada@example.org"}) {
    CAPTURE(who);
    auto refused = regions.put(f.as(who), "berlin", berlin());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == errc::forbidden);
  }
  CHECK(regions.get(admin, "berlin").error().code == errc::not_found);
  CHECK(audit_count(*f.grid, "region.create") == 0);

  f.advance(std::chrono::minutes(1));
  auto made = regions.put(admin, "berlin", berlin(), {"198.51.100.4", "test"}).value();
  CHECK(made.code == "berlin");
  CHECK(made.name == "Berlin");
  CHECK(made.time_zone == "Europe/Berlin");
  CHECK(made.currency == "EUR");
  CHECK(made.created_at == f.clock->now());
  CHECK(audit_count(*f.grid, "region.create") == 1);

  // An update changes what it names and keeps the rest.
  f.advance(std::chrono::minutes(1));
  segs::region_spec u;
  u.nominal_voltage_v = 231.5;
  u.currency = "JPY";
  auto changed = regions.put(admin, "berlin", u).value();
  CHECK(changed.name == "Berlin");
  CHECK(changed.time_zone == "Europe/Berlin");
  CHECK(changed.currency == "JPY");
  CHECK(changed.currency_minor_units == 0);
  CHECK(changed.nominal_voltage_v == 231.5);
  CHECK(changed.created_at == made.created_at);
  CHECK(changed.updated_at == f.clock->now());
  CHECK(audit_count(*f.grid, "region.update") == 1);
  auto read = regions.get(admin, "berlin").value();
  CHECK(read.currency == "JPY");
  CHECK(read.nominal_voltage_v == 231.5);

  // Bad input names the field and writes nothing.
  segs::region_spec bad;
  bad.time_zone = "Europe/Atlantis";
  auto refused = regions.put(admin, "berlin", bad);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "time_zone");
  segs::region_spec partial = berlin();
  partial.currency.reset();
  CHECK(regions.put(admin, "paris", partial).error().field == "currency");
  CHECK(regions.put(admin, "bad code", berlin()).error().field == "code");
  CHECK(regions.get(admin, "paris").error().code == errc::not_found);
  CHECK(regions.get(admin, "berlin")->time_zone == "Europe/Berlin");
  CHECK(audit_count(*f.grid, "region.") == 2);
}

TEST_CASE("regions: registration takes the default region or a registered one") {
  grid_fixture f;
  auto r = f.reg("nobody@example.org");
  r.region = "";
  auto u = f.id().register_user(r).value();
  CHECK(u.region == "default");

  r = f.reg("lost@example.org");
  r.region = "atlantis";
  auto refused = f.id().register_user(r);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::validation_error);
  CHECK(refused.error().field == "region");
  CHECK(refused.error().message.find("atlantis") != std::string::npos);
  auto users = f.id().list_users(segs::principal::system(), {}).value();
  CHECK(users.total == 1);

  // Moving to an unregistered region is refused too.
  f.verified("ada@example.org");
  segs::profile_update p;
  p.region = "atlantis";
  CHECK(f.id().update_profile(f.as("ada@example.org"), p).error().field == "region");
  p.region = "south";
  CHECK(f.id().update_profile(f.as("ada@example.org"), p)->region == "south");
}

TEST_CASE("regions: the configuration is applied at every open and checked") {
  grid_fixture f([](segs::options& o) {
    o.regions.define.emplace("berlin", berlin());
    o.regions.default_region = "berlin";
  });
  const auto sys = segs::principal::system();
  CHECK(f.grid->regions().default_region() == "berlin");
  // No implicit "default" region when the deployment names its own.
  CHECK(f.grid->regions().get(sys, "default").error().code == errc::not_found);
  auto r = f.reg("nobody@example.org");
  r.region = "";
  CHECK(f.id().register_user(r)->region == "berlin");

  if (segs_test::shared_database()) {
    f.grid.reset();
    f.opts.regions.define["berlin"].name = "Berlin-Mitte";
    f.grid = f.open();
    CHECK(f.grid->regions().get(sys, "berlin")->name == "Berlin-Mitte");
  }

  auto opts = f.opts;
  opts.regions.default_region = "paris";
  segs_test::fresh_database other;
  auto g = segs::grid::open(other.url(), opts);
  REQUIRE_FALSE(g);
  CHECK(g.error().field == "default_region");

  opts = f.opts;
  opts.regions.define["broken"].time_zone = "Nowhere/Never";
  segs_test::fresh_database third;
  auto h = segs::grid::open(third.url(), opts);
  REQUIRE_FALSE(h);
  CHECK(h.error().field == "time_zone");
  CHECK(h.error().message.find("broken") != std::string::npos);
}

TEST_CASE("regions: the upgrade registers every region string already in use, in UTC") {
  segs_test::fresh_database db;
  auto b = segs_test::open(db);
  const auto& set = segs::storage::embedded_migrations(b->dialect());
  REQUIRE(set.size() >= 4);
  REQUIRE(set[3].name == "0004_regions");
  segs::storage::migrate(*b, std::span(set).first(3));
  segs_test::script(*b,
                    "INSERT INTO roles (name, permissions, scope, created_at, updated_at) "
                    "VALUES ('consumer', '[]', 'self', 0, 0);\n"
                    "INSERT INTO users (id, email, email_key, name, role, region, department, "
                    "department_metadata, status, created_at, updated_at) VALUES "
                    "('018f0000-0000-7000-8000-000000000001', 'a@example.org', 'a@example.org', "
                    "'A', 'consumer', 'campus', '', '{}', 'active', 0, 0);\n"
                    "INSERT INTO market_settings (region, settings, updated_at) "
                    "VALUES ('east-side', '{}', 0);");
  segs::storage::migrate(*b, set);
  CHECK(segs_test::scalar(*b, "SELECT COUNT(*) FROM regions") == 2);
  CHECK(segs_test::scalar(*b,
                          "SELECT COUNT(*) FROM regions WHERE time_zone = 'UTC' AND currency = "
                          "'USD' AND code IN ('campus', 'east-side')") == 2);
}
