// Administration, scopes, profiles, preferences, departments and roles.
#include "identity/grid_fixture.hpp"

using namespace std::chrono_literals;
using segs::errc;
using segs_test::grid_fixture;
using segs_test::kPassword;

TEST_CASE("listing users: search, filters, pagination and scope") {
  grid_fixture f;
  f.made("admin@example.org", "admin");
  for (int i = 0; i < 7; ++i) f.verified("north" + std::to_string(i) + "@example.org", "consumer", "north");
  for (int i = 0; i < 3; ++i) f.verified("south" + std::to_string(i) + "@example.org", "prosumer", "south");
  f.made("op@example.org", "operator", "north");

  auto admin = f.as("admin@example.org");
  segs::user_query q;
  q.per_page = 4;
  auto p1 = f.id().list_users(admin, q).value();
  CHECK(p1.total == 12);
  CHECK(p1.items.size() == 4);
  CHECK(p1.total_pages() == 3);
  q.page = 3;
  CHECK(f.id().list_users(admin, q).value().items.size() == 4);

  segs::user_query by_role;
  by_role.role = "prosumer";
  CHECK(f.id().list_users(admin, by_role).value().total == 3);
  segs::user_query search;
  search.search = "SOUTH1";
  auto s = f.id().list_users(admin, search).value();
  REQUIRE(s.total == 1);
  CHECK(s.items[0].email == "south1@example.org");

  // An operator sees its own region only.
  auto op = f.as("op@example.org");
  auto mine = f.id().list_users(op, {}).value();
  CHECK(mine.total == 9);  // 7 consumers, the admin and the operator live in north
  for (const auto& u : mine.items) CHECK(u.region == "north");
  segs::user_query other;
  other.region = "south";
  CHECK(f.id().list_users(op, other).error().code == errc::forbidden);

  // Consumers cannot list at all.
  auto consumer = f.as("north0@example.org");
  CHECK(f.id().list_users(consumer, {}).error().code == errc::forbidden);

  segs::user_query bad;
  bad.per_page = 1000;
  CHECK(f.id().list_users(admin, bad).error().field == "per_page");
}

TEST_CASE("operators manage users of their region only, and never admins") {
  grid_fixture f;
  auto admin = f.made("admin@example.org", "admin", "north");
  f.made("op@example.org", "operator", "north");
  auto near = f.verified("near@example.org", "consumer", "north");
  auto far = f.verified("far@example.org", "consumer", "south");
  auto op = f.as("op@example.org");

  CHECK(f.id().get_user(op, near.id));
  CHECK(f.id().get_user(op, far.id).error().code == errc::not_found);  // ids do not leak
  CHECK(f.id().suspend_user(op, far.id, "x").error().code == errc::not_found);
  CHECK(f.id().suspend_user(op, admin.id, "coup").error().code == errc::forbidden);
  CHECK(f.id().change_role(op, near.id, "prosumer").error().code == errc::forbidden);

  auto missing_reason = f.id().suspend_user(op, near.id, " ");
  REQUIRE_FALSE(missing_reason);
  CHECK(missing_reason.error().field == "reason");

  auto session = f.login("near@example.org");
  auto s = f.id().suspend_user(op, near.id, "meter tampering");
  REQUIRE(s);
  CHECK(s->status == segs::user_status::suspended);
  CHECK(s->status_reason == "meter tampering");
  CHECK_FALSE(f.id().authenticate(session.access_token));  // sessions ended
  CHECK(f.id().suspend_user(op, near.id, "again").error().code == errc::conflict);
  auto a = f.id().activate_user(op, near.id, "resolved");
  REQUIRE(a);
  CHECK(a->status == segs::user_status::active);
  CHECK(f.id().login({"near@example.org", kPassword}));
}

TEST_CASE("admins change roles and soft-delete, and deleted emails can register again") {
  grid_fixture f;
  f.made("admin@example.org", "admin");
  auto u = f.verified("una@example.org");
  auto admin = f.as("admin@example.org");
  auto token = f.login("una@example.org");

  auto promoted = f.id().change_role(admin, u.id, "prosumer");
  REQUIRE(promoted);
  CHECK(promoted->role == "prosumer");
  CHECK_FALSE(f.id().authenticate(token.access_token));  // new role applies at once
  CHECK(f.id().change_role(admin, u.id, "emperor").error().field == "role");
  CHECK(f.id().change_role(admin, admin.id, "consumer").error().code == errc::conflict);

  REQUIRE(f.id().delete_user(admin, u.id));
  CHECK(f.id().login({"una@example.org", kPassword}).error().code == errc::unauthorized);
  CHECK(f.id().delete_user(admin, u.id).error().code == errc::not_found);
  segs::user_query q;
  q.search = "una@";
  CHECK(f.id().list_users(admin, q).value().total == 0);
  q.include_deleted = true;
  CHECK(f.id().list_users(admin, q).value().total == 1);
  CHECK(f.id().register_user(f.reg("una@example.org")));
}

TEST_CASE("admin update validates fields and keeps uniqueness") {
  grid_fixture f;
  f.made("admin@example.org", "admin");
  auto a = f.verified("vic@example.org");
  f.verified("wes@example.org");
  auto admin = f.as("admin@example.org");
  segs::user_update up;
  up.email = "WES@example.org";
  CHECK(f.id().update_user(admin, a.id, up).error().code == errc::conflict);
  up.email = "victor@example.org";
  up.name = "Victor";
  up.department_metadata = R"({"student_id":"ENG2025001"})";
  auto r = f.id().update_user(admin, a.id, up);
  REQUIRE(r);
  CHECK(r->email == "victor@example.org");
  CHECK(r->department_metadata == R"({"student_id":"ENG2025001"})");
  CHECK(f.id().login({"victor@example.org", kPassword}));
  segs::user_update bad;
  bad.department_metadata = "nope";
  CHECK(f.id().update_user(admin, a.id, bad).error().field == "department_metadata");
}

TEST_CASE("own profile, wallet and notification preferences") {
  grid_fixture f;
  f.verified("xia@example.org");
  auto me = f.as("xia@example.org");
  segs::profile_update up;
  up.name = "Xia Li";
  up.username = "xia";
  auto p = f.id().update_profile(me, up);
  REQUIRE(p);
  CHECK(p->name == "Xia Li");
  CHECK(p->username == "xia");
  CHECK(f.id().profile(me)->username == "xia");

  CHECK(f.id().set_wallet(me, std::string("not a wallet")).error().field == "wallet_address");
  const std::string wallet = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";
  CHECK(f.id().set_wallet(me, wallet)->wallet_address == wallet);
  CHECK_FALSE(f.id().set_wallet(me, std::nullopt)->wallet_address.has_value());

  auto prefs = f.id().preferences(me).value();
  CHECK(prefs.email);
  prefs.email = false;
  prefs.sms = true;
  prefs.security = false;  // cannot be turned off
  auto saved = f.id().set_preferences(me, prefs).value();
  CHECK_FALSE(saved.email);
  CHECK(saved.sms);
  CHECK(saved.security);
  auto again = f.id().preferences(me).value();
  CHECK_FALSE(again.email);
  CHECK(again.sms);
  CHECK(again.security);

  // The system principal is not a user: own-account calls are refused.
  CHECK(f.id().profile(segs::principal::system()).error().code == errc::forbidden);
}

TEST_CASE("department information counts users by role") {
  grid_fixture f;
  f.verified("a1@example.org", "consumer", "north");
  f.verified("a2@example.org", "prosumer", "south");
  auto me = f.as("a1@example.org");
  auto d = f.id().department(me, "Engineering");
  REQUIRE(d);
  CHECK(d->user_count == 2);
  CHECK(d->active_users == 2);
  CHECK(d->regions == std::vector<std::string>{"north", "south"});
  CHECK(f.id().department(me, "Alchemy").error().code == errc::not_found);
  // Public information: anonymous callers get the same answer.
  CHECK(f.id().department(segs::principal::anonymous(), "Engineering")->user_count == 2);
}

TEST_CASE("host-defined roles: a self-service student role") {
  grid_fixture f;
  f.made("admin@example.org", "admin");
  auto admin = f.as("admin@example.org");
  segs::role_definition student{"student",
                                {"profile:read", "profile:write", "trade:buy"},
                                segs::role_scope::self, true, false};
  REQUIRE(f.id().define_role(admin, student));
  auto s = f.verified("stu@example.org", "student");
  auto p = f.as("stu@example.org");
  CHECK(p.role == "student");
  CHECK(p.can(segs::permission::trade_buy));
  CHECK_FALSE(p.can(segs::permission::trade_sell));

  segs::role_definition bad{"hacker", {"root:all"}, segs::role_scope::all, false, false};
  CHECK(f.id().define_role(admin, bad).error().field == "permissions");
  segs::role_definition builtin{"admin", {}, segs::role_scope::self, false, false};
  CHECK(f.id().define_role(admin, builtin).error().code == errc::conflict);
  CHECK(f.id().define_role(p, student).error().code == errc::forbidden);
  // A role anyone may register into cannot reach past the registrant.
  segs::role_definition wide{"monitor", {"users:read"}, segs::role_scope::region, true, false};
  auto refused = f.id().define_role(admin, wide);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::validation_error);
  CHECK(refused.error().field == "scope");
  auto roles = f.id().roles().value();
  CHECK_FALSE(std::any_of(roles.begin(), roles.end(), [](auto& r) { return r.name == "monitor"; }));
  CHECK(std::any_of(roles.begin(), roles.end(), [](auto& r) { return r.name == "student"; }));
  (void)s;
}

TEST_CASE("listing roles for a principal needs roles:manage") {
  grid_fixture f;
  f.made("admin@example.org", "admin");
  f.made("op@example.org", "operator");
  auto admin = f.as("admin@example.org");
  auto op = f.as("op@example.org");
  auto all = f.id().roles(admin);
  REQUIRE(all);
  for (const char* name : {"admin", "consumer", "operator", "prosumer"})
    CHECK(std::any_of(all->begin(), all->end(), [&](auto& r) { return r.name == name && r.builtin; }));
  auto refused = f.id().roles(op);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::forbidden);
  CHECK(f.id().roles(segs::principal::anonymous()).error().code == errc::forbidden);

  // Replacing a host-defined role keeps one row and is audited each time.
  segs::role_definition staff{"staff", {"profile:read"}, segs::role_scope::self, false, false};
  REQUIRE(f.id().define_role(admin, staff));
  staff.permissions.push_back("trade:buy");
  staff.self_service = true;
  REQUIRE(f.id().define_role(admin, staff));
  auto after = f.id().roles(admin).value();
  CHECK(std::count_if(after.begin(), after.end(), [](auto& r) { return r.name == "staff"; }) == 1);
  auto it = std::find_if(after.begin(), after.end(), [](auto& r) { return r.name == "staff"; });
  CHECK(it->permissions.size() == 2);
  CHECK(it->self_service);
  CHECK_FALSE(it->builtin);
  segs::audit_query q;
  q.action = "role.define";
  CHECK(f.grid->audit().query(admin, q).value().total == 2);
}
