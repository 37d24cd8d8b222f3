// Registration, email verification, codes and the two password flows.
#include "identity/grid_fixture.hpp"

using namespace std::chrono_literals;
using segs::errc;
using segs_test::grid_fixture;
using segs_test::kPassword;

namespace {
std::int64_t user_count(grid_fixture& f) {
  segs::user_query q;
  q.include_deleted = true;
  return f.id().list_users(segs::principal::system(), q).value().total;
}
}  // namespace

TEST_CASE("register, verify by emailed code, then login (P2P flow)") {
  grid_fixture f;
  auto u = f.id().register_user(f.reg("Ada@Example.org", "prosumer"));
  REQUIRE(u);
  CHECK(u->status == segs::user_status::pending_verification);
  CHECK_FALSE(u->email_verified);
  CHECK(u->has_password);
  CHECK(u->id.version() == 7);
  CHECK(u->role == "prosumer");

  auto mail = f.grid->outbox().drain().value();
  REQUIRE(mail.size() == 1);
  CHECK(mail[0].to == "Ada@Example.org");
  CHECK(mail[0].purpose == "verify_email");
  REQUIRE(mail[0].code.size() == 6);
  CHECK(mail[0].body.find(mail[0].code) != std::string::npos);
  // Handed over once only.
  CHECK(f.grid->outbox().drain().value().empty());

  // A correct password on an unverified account is refused with its own code.
  auto early = f.id().login({"ada@example.org", kPassword});
  REQUIRE_FALSE(early);
  CHECK(early.error().code == errc::email_not_verified);

  auto v = f.id().verify_email("ADA@example.org", mail[0].code);
  REQUIRE(v);
  CHECK(v->user.status == segs::user_status::active);
  CHECK(v->user.email_verified);
  CHECK_FALSE(v->tokens.has_value());  // it has a password: sign in with it

  auto t = f.id().login({"ada@example.org", kPassword});
  REQUIRE(t);
  CHECK(t->token_type == "Bearer");
  CHECK(t->expires_in == 15 * 60);
  auto p = f.id().authenticate(t->access_token);
  REQUIRE(p);
  CHECK(p->id == u->id);
  CHECK(p->role == "prosumer");
  CHECK(p->can(segs::permission::trade_sell));
  CHECK_FALSE(p->can(segs::permission::users_read));

  // The code was consumed; a verified account answers like a wrong code.
  auto again = f.id().verify_email("ada@example.org", mail[0].code);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == errc::validation_error);
  CHECK(again.error().field == "otp");
}

TEST_CASE("register without a password, verify, then set it (SEGS flow)") {
  grid_fixture f;
  auto r = f.reg("bob@example.org");
  r.password.reset();
  auto u = f.id().register_user(r);
  REQUIRE(u);
  CHECK_FALSE(u->has_password);
  auto v = f.id().verify_email("bob@example.org", f.code_for("bob@example.org"));
  REQUIRE(v);
  REQUIRE(v->tokens.has_value());
  auto p = f.id().authenticate(v->tokens->access_token).value();

  auto weak = f.id().set_password(p, "short");
  REQUIRE_FALSE(weak);
  CHECK(weak.error().field == "password");

  REQUIRE(f.id().set_password(p, kPassword));
  auto twice = f.id().set_password(p, kPassword + "x");
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == errc::conflict);
  CHECK(f.id().login({"bob@example.org", kPassword}));
}

TEST_CASE("registration input is validated field by field and nothing is written") {
  grid_fixture f;
  struct bad_case {
    const char* what;
    void (*mutate)(segs::registration&);
    const char* field;
  };
  const bad_case cases[] = {
      {"email", [](segs::registration& r) { r.email = "not-an-email"; }, "email"},
      {"empty email", [](segs::registration& r) { r.email = ""; }, "email"},
      {"short password", [](segs::registration& r) { r.password = "abc12"; }, "password"},
      {"common password", [](segs::registration& r) { r.password = "Password123"; }, "password"},
      {"password = email", [](segs::registration& r) { r.password = r.email; }, "password"},
      {"admin role", [](segs::registration& r) { r.role = "admin"; }, "role"},
      {"unknown role", [](segs::registration& r) { r.role = "wizard"; }, "role"},
      {"empty name", [](segs::registration& r) { r.name = "  "; }, "name"},
      {"unknown region", [](segs::registration& r) { r.region = "atlantis"; }, "region"},
      {"username", [](segs::registration& r) { r.username = "a b"; }, "username"},
      {"metadata", [](segs::registration& r) { r.department_metadata = "[1,2]"; }, "department_metadata"},
      {"wallet", [](segs::registration& r) { r.wallet_address = "0OIl-not-base58"; }, "wallet_address"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto r = f.reg("carol@example.org");
    c.mutate(r);
    auto res = f.id().register_user(r);
    REQUIRE_FALSE(res);
    CHECK(res.error().code == errc::validation_error);
    CHECK(res.error().field == c.field);
  }
  CHECK(user_count(f) == 0);
  CHECK(f.grid->outbox().pending().value() == 0);
}

TEST_CASE("duplicate email or username is a conflict naming the field") {
  grid_fixture f;
  auto r = f.reg("dave@example.org");
  r.username = "dave";
  REQUIRE(f.id().register_user(r));
  auto same_email = f.reg("DAVE@example.org");
  auto e = f.id().register_user(same_email);
  REQUIRE_FALSE(e);
  CHECK(e.error().code == errc::conflict);
  CHECK(e.error().field == "email");
  auto same_user = f.reg("other@example.org");
  same_user.username = "Dave";
  auto u = f.id().register_user(same_user);
  REQUIRE_FALSE(u);
  CHECK(u.error().code == errc::conflict);
  CHECK(u.error().field == "username");
  CHECK(user_count(f) == 1);
}

TEST_CASE("verification codes expire, allow 5 attempts and respect the resend cooldown") {
  grid_fixture f;
  REQUIRE(f.id().register_user(f.reg("erin@example.org")));
  auto code = f.code_for("erin@example.org");
  const std::string wrong = code == "000000" ? "111111" : "000000";

  SUBCASE("expiry after 10 minutes") {
    f.advance(10min);
    auto r = f.id().verify_email("erin@example.org", code);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::validation_error);
    CHECK(r.error().field == "otp");
  }
  SUBCASE("guessing stops after 5 attempts, even for the right code") {
    for (int i = 0; i < 5; ++i) {
      auto r = f.id().verify_email("erin@example.org", wrong);
      REQUIRE_FALSE(r);
      CHECK(r.error().field == "otp");
    }
    auto r = f.id().verify_email("erin@example.org", code);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("too many") != std::string::npos);
  }
  SUBCASE("resend: cooldown, then a new code that replaces the old one") {
    auto soon = f.id().resend_code("erin@example.org", segs::otp_purpose::verify_email);
    REQUIRE_FALSE(soon);
    CHECK(soon.error().code == errc::rate_limited);
    REQUIRE(soon.error().retry_after.has_value());
    CHECK(soon.error().retry_after->count() == 60);
    f.advance(61s);
    REQUIRE(f.id().resend_code("erin@example.org", segs::otp_purpose::verify_email));
    auto fresh = f.code_for("erin@example.org");
    if (fresh != code) CHECK_FALSE(f.id().verify_email("erin@example.org", code));
    CHECK(f.id().verify_email("erin@example.org", fresh));
  }
  SUBCASE("unknown emails get the same answer and no mail") {
    CHECK(f.id().resend_code("nobody@example.org", segs::otp_purpose::verify_email));
    CHECK(f.grid->outbox().pending().value() == 0);
    auto r = f.id().verify_email("nobody@example.org", code);
    REQUIRE_FALSE(r);
    CHECK(r.error().field == "otp");
  }
}

TEST_CASE("forgot and reset password answer identically for unknown emails") {
  grid_fixture f;
  f.verified("fay@example.org");
  auto old_session = f.login("fay@example.org");

  auto known = f.id().forgot_password("fay@example.org");
  auto unknown = f.id().forgot_password("ghost@example.org");
  REQUIRE(known);
  REQUIRE(unknown);
  // Within the cooldown the known email still answers success.
  CHECK(f.id().forgot_password("fay@example.org"));

  auto mail = f.grid->outbox().drain().value();
  REQUIRE(mail.size() == 1);
  CHECK(mail[0].purpose == "reset_password");
  CHECK(mail[0].to == "fay@example.org");

  auto bad = f.id().reset_password("ghost@example.org", mail[0].code, "A-new-passphrase-1");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "otp");

  REQUIRE(f.id().reset_password("fay@example.org", mail[0].code, "A-new-passphrase-1"));
  CHECK(f.id().login({"fay@example.org", kPassword}).error().code == errc::unauthorized);
  CHECK(f.id().login({"fay@example.org", "A-new-passphrase-1"}));
  // Every session opened with the old password has ended.
  CHECK_FALSE(f.id().authenticate(old_session.access_token));
  CHECK_FALSE(f.id().refresh(old_session.refresh_token));
}

TEST_CASE("injection-shaped strings are stored and returned verbatim") {
  grid_fixture f;
  auto r = f.reg("o'brien@example.org");
  r.name = "Robert'); DROP TABLE users;-- \"%_\\";
  r.department = "R&D'; --";
  r.department_metadata = R"({"note":"' OR 1=1 --","nested":{"a":[1,2]}})";
  auto u = f.id().register_user(r);
  REQUIRE(u);
  auto back = f.id().get_user(segs::principal::system(), u->id).value();
  CHECK(back.name == r.name);
  CHECK(back.department == r.department);
  CHECK(back.department_metadata == r.department_metadata);
  CHECK(back.email == "o'brien@example.org");

  // LIKE wildcards in a search match literally.
  REQUIRE(f.id().register_user(f.reg("plain@example.org")));
  segs::user_query q;
  q.search = "%_\\";
  auto found = f.id().list_users(segs::principal::system(), q).value();
  REQUIRE(found.total == 1);
  CHECK(found.items[0].id == u->id);
}

TEST_CASE("first and last name: stored, trimmed, composed into name, validated") {
  grid_fixture f;
  // Given both and no name, the display name is "first last".
  auto r = f.reg("fl@example.org");
  r.name = "";
  r.first_name = "  Ada ";
  r.last_name = "Lovelace";
  auto u = f.id().register_user(r);
  REQUIRE_MESSAGE(u, (u ? "" : u.error().message));
  CHECK(u->name == "Ada Lovelace");
  CHECK(u->first_name == "Ada");
  CHECK(u->last_name == "Lovelace");
  // Read back from storage, not just echoed.
  auto stored = f.id().get_user(segs::principal::system(), u->id).value();
  CHECK(stored.first_name == "Ada");
  CHECK(stored.last_name == "Lovelace");
  CHECK(stored.name == "Ada Lovelace");

  // A given name wins over the parts; absent parts stay absent.
  auto named = f.reg("named@example.org");
  named.name = "Countess";
  named.first_name = "Augusta";
  auto n = f.id().register_user(named).value();
  CHECK(n.name == "Countess");
  CHECK(n.first_name == "Augusta");
  CHECK_FALSE(n.last_name.has_value());
  auto plain = f.id().register_user(f.reg("plain@example.org")).value();
  CHECK_FALSE(plain.first_name.has_value());
  CHECK_FALSE(plain.last_name.has_value());
  // One part alone still names the account.
  auto one = f.reg("one@example.org");
  one.name = "";
  one.last_name = "Hopper";
  CHECK(f.id().register_user(one).value().name == "Hopper");

  // Too long or with control characters: refused naming the field, nothing written.
  const auto before = user_count(f);
  auto longer = f.reg("long@example.org");
  longer.first_name = std::string(101, 'x');
  auto e1 = f.id().register_user(longer);
  REQUIRE_FALSE(e1);
  CHECK(e1.error().code == errc::validation_error);
  CHECK(e1.error().field == "first_name");
  auto ctl = f.reg("ctl@example.org");
  ctl.last_name = std::string("a\x01");
  auto e2 = f.id().register_user(ctl);
  REQUIRE_FALSE(e2);
  CHECK(e2.error().field == "last_name");
  // 100 characters of a two-byte script is within the limit.
  auto wide = f.reg("wide@example.org");
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "\xc3\xa9";  // é
  wide.first_name = hundred;
  CHECK(f.id().register_user(wide).has_value());
  CHECK(user_count(f) == before + 1);
}

TEST_CASE("first and last name: profile and admin updates set, clear and validate") {
  grid_fixture f;
  f.made("admin@example.org", "admin");
  auto admin = f.as("admin@example.org");
  f.verified("me@example.org");
  auto me = f.as("me@example.org");

  segs::profile_update pu;
  pu.first_name = " Grace ";
  pu.last_name = "Hopper";
  auto p = f.id().update_profile(me, pu).value();
  CHECK(p.first_name == "Grace");
  CHECK(p.last_name == "Hopper");
  CHECK(p.name == "Test User");  // the display name is its own field
  CHECK(f.id().profile(me).value().first_name == "Grace");

  segs::profile_update bad;
  bad.name = "Changed";
  bad.last_name = std::string(101, 'y');
  auto e = f.id().update_profile(me, bad);
  REQUIRE_FALSE(e);
  CHECK(e.error().field == "last_name");
  auto unchanged = f.id().profile(me).value();
  CHECK(unchanged.name == "Test User");
  CHECK(unchanged.last_name == "Hopper");

  segs::user_update uu;
  uu.first_name = "";  // empty removes it
  uu.last_name = "Murray Hopper";
  auto a = f.id().update_user(admin, me.id, uu).value();
  CHECK_FALSE(a.first_name.has_value());
  CHECK(a.last_name == "Murray Hopper");
  auto stored = f.id().get_user(admin, me.id).value();
  CHECK_FALSE(stored.first_name.has_value());
  CHECK(stored.last_name == "Murray Hopper");

  segs::user_update ub;
  ub.first_name = std::string("a\tb");  // inner control characters (outer ones are trimmed)
  auto e2 = f.id().update_user(admin, me.id, ub);
  REQUIRE_FALSE(e2);
  CHECK(e2.error().code == errc::validation_error);
  CHECK(e2.error().field == "first_name");
}
