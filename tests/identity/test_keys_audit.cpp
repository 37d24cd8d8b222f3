// API keys, the audit log and the outbox listener.
#include "identity/grid_fixture.hpp"

#include "storage/backend.hpp"

#include <atomic>

using namespace std::chrono_literals;
using segs::errc;
using segs_test::grid_fixture;

TEST_CASE("API keys: shown once, stored hashed, scoped, revocable, expiring") {
  grid_fixture f;
  f.made("admin@example.org", "admin");
  auto admin = f.as("admin@example.org");
  segs::api_key_spec spec;
  spec.name = "head-end north";
  spec.scopes = {"telemetry:write"};
  spec.region = "north";
  spec.meter_ids = {"SM_ENG_001_2025", "SM_ENG_002_2025"};
  spec.expires_at = f.clock->now() + 24h;
  auto created = f.id().create_api_key(admin, spec);
  REQUIRE(created);
  CHECK(created->secret.rfind("segs_" + created->info.prefix + ".", 0) == 0);

  auto p = f.id().authenticate_api_key(created->secret);
  REQUIRE(p);
  CHECK(p->type == segs::principal::kind::api_key);
  CHECK(p->can(segs::permission::telemetry_write));
  CHECK_FALSE(p->can(segs::permission::users_read));
  CHECK(p->region == "north");
  CHECK(p->meter_ids.size() == 2);

  auto listed = f.id().list_api_keys(admin).value();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].last_used_at.has_value());
  CHECK(listed[0].prefix == created->info.prefix);

  auto tampered = created->secret;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  CHECK(f.id().authenticate_api_key(tampered).error().code == errc::unauthorized);
  CHECK(f.id().authenticate_api_key("segs_nothing.here").error().code == errc::unauthorized);
  CHECK(f.id().authenticate_api_key("").error().code == errc::unauthorized);

  SUBCASE("revoked") {
    REQUIRE(f.id().revoke_api_key(admin, created->info.id));
    CHECK_FALSE(f.id().authenticate_api_key(created->secret));
    CHECK(f.id().revoke_api_key(admin, created->info.id).error().code == errc::not_found);
  }
  SUBCASE("expired") {
    f.advance(25h);
    CHECK_FALSE(f.id().authenticate_api_key(created->secret));
  }
  SUBCASE("only key managers create keys, with known scopes") {
    f.verified("c@example.org");
    auto consumer = f.as("c@example.org");
    CHECK(f.id().create_api_key(consumer, spec).error().code == errc::forbidden);
    spec.scopes = {"telemetry:rewrite"};
    CHECK(f.id().create_api_key(admin, spec).error().field == "scopes");
  }
}

TEST_CASE("the audit log records sensitive actions and detects tampering") {
  grid_fixture f;
  f.made("admin@example.org", "admin");
  auto u = f.verified("zoe@example.org");
  (void)f.id().login({"zoe@example.org", "Wrong-password-9"}, {"203.0.113.7", "curl/8"});
  auto admin = f.as("admin@example.org");
  REQUIRE(f.id().suspend_user(admin, u.id, "chargeback"));

  segs::audit_query q;
  q.action = "auth.";
  auto auth = f.grid->audit().query(admin, q).value();
  CHECK(auth.total == 3);  // verify_email, failed login, admin login
  segs::audit_query failures;
  failures.outcome = "failure";
  auto failed = f.grid->audit().query(admin, failures).value();
  REQUIRE(failed.total == 1);
  CHECK(failed.items[0].action == "auth.login");
  CHECK(failed.items[0].ip == "203.0.113.7");
  CHECK(failed.items[0].user_agent == "curl/8");
  CHECK(failed.items[0].details.find("Wrong-password") == std::string::npos);

  auto mine = f.grid->audit().activity(f.as("admin@example.org"), u.id).value();
  CHECK(std::any_of(mine.items.begin(), mine.items.end(),
                    [](auto& r) { return r.action == "user.suspend"; }));
  // An operator of another region cannot read zoe's (north) history.
  f.made("southop@example.org", "operator", "south");
  auto southop = f.as("southop@example.org");
  CHECK(f.grid->audit().activity(southop, u.id).error().code == errc::not_found);
  f.verified("other@example.org");
  auto other = f.as("other@example.org");
  CHECK(f.grid->audit().activity(other, u.id).error().code == errc::forbidden);
  CHECK(f.grid->audit().query(other, {}).error().code == errc::forbidden);

  auto v = f.grid->audit().verify(admin).value();
  CHECK(v.intact);
  // create admin, register+verify zoe, failed login, admin login, suspend,
  // admin login, create + login southop, register+verify other, other's login.
  CHECK(v.records_checked == 12);
  if (segs_test::current_backend() == "sqlite-memory") return;  // private database

  // Edit one record behind the library's back.
  auto raw = segs::storage::open_backend(f.db.url(), {});
  {
    auto tx = raw->begin(segs::storage::tx_mode::write);
    tx->exec("UPDATE audit_log SET outcome = 'success' WHERE outcome = 'failure'");
    tx->commit();
  }
  auto broken = f.grid->audit().verify(admin).value();
  CHECK_FALSE(broken.intact);
  REQUIRE(broken.first_bad_seq);
  CHECK(*broken.first_bad_seq == failed.items[0].seq);
  // Deleting the newest records is detected too.
  {
    auto tx = raw->begin(segs::storage::tx_mode::write);
    tx->exec("UPDATE audit_log SET outcome = 'failure' WHERE seq = $1", {failed.items[0].seq});
    tx->exec("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)");
    tx->commit();
  }
  auto truncated = f.grid->audit().verify(admin).value();
  CHECK_FALSE(truncated.intact);
  CHECK(truncated.problem.find("deleted") != std::string::npos);
}

TEST_CASE("the outbox pushes to a listener after commit, and erases handed-over codes") {
  grid_fixture f;
  std::vector<segs::outbox_message> got;
  f.grid->outbox().set_listener([&](const segs::outbox_message& m) { got.push_back(m); });
  REQUIRE(f.id().register_user(f.reg("amy@example.org")));
  REQUIRE(got.size() == 1);
  CHECK(got[0].purpose == "verify_email");
  CHECK(f.grid->outbox().pending().value() == 0);
  CHECK(f.id().verify_email("amy@example.org", got[0].code));
  f.grid->outbox().set_listener({});
  REQUIRE(f.id().register_user(f.reg("ben@example.org")));
  CHECK(got.size() == 1);
  CHECK(f.grid->outbox().pending().value() == 1);
  if (segs_test::current_backend() == "sqlite-memory") return;
  auto raw = segs::storage::open_backend(f.db.url(), {});
  auto tx = raw->begin(segs::storage::tx_mode::read);
  auto res = tx->exec("SELECT COUNT(*) FROM outbox WHERE code <> '' AND delivered_at IS NOT NULL");
  CHECK(res.rows.at(0).i64(0) == 0);
}
