// Sign-in, lockout, tokens, refresh rotation, sessions and passwords.
#include "identity/grid_fixture.hpp"

#include "crypto/encoding.hpp"
#include "storage/backend.hpp"

using namespace std::chrono_literals;
using segs::errc;
using segs_test::grid_fixture;
using segs_test::kPassword;

TEST_CASE("unknown user and wrong password get the same answer") {
  grid_fixture f;
  f.verified("gus@example.org");
  auto unknown = f.id().login({"nobody@example.org", kPassword});
  auto wrong = f.id().login({"gus@example.org", "Wrong-password-9"});
  REQUIRE_FALSE(unknown);
  REQUIRE_FALSE(wrong);
  CHECK(unknown.error().code == errc::unauthorized);
  CHECK(wrong.error().code == errc::unauthorized);
  CHECK(unknown.error().message == wrong.error().message);
  CHECK(unknown.error().field == wrong.error().field);
}

TEST_CASE("login by username works as by email") {
  grid_fixture f;
  auto r = f.reg("hal@example.org");
  r.username = "Hal.9000";
  REQUIRE(f.id().register_user(r));
  REQUIRE(f.id().verify_email("hal@example.org", f.code_for("hal@example.org")));
  CHECK(f.id().login({"hal.9000", kPassword}));
  CHECK(f.id().login({"HAL@example.org", kPassword}));
}

TEST_CASE("lockout after 5 failures, with a growing back-off, for known and unknown ids") {
  grid_fixture f;
  f.verified("ivy@example.org");
  for (std::string ident : {"ivy@example.org", "ghost@example.org"}) {
    CAPTURE(ident);
    for (int i = 0; i < 4; ++i)
      CHECK(f.id().login({ident, "Wrong-password-9"}).error().code == errc::unauthorized);
    auto fifth = f.id().login({ident, "Wrong-password-9"});
    REQUIRE_FALSE(fifth);
    CHECK(fifth.error().code == errc::account_locked);
    REQUIRE(fifth.error().retry_after);
    CHECK(fifth.error().retry_after->count() == 300);
    // While locked even the right password is refused.
    auto locked = f.id().login({ident, kPassword});
    REQUIRE_FALSE(locked);
    CHECK(locked.error().code == errc::account_locked);

    f.advance(5min);
    for (int i = 0; i < 5; ++i) (void)f.id().login({ident, "Wrong-password-9"});
    auto second = f.id().login({ident, kPassword});
    REQUIRE_FALSE(second);
    CHECK(second.error().retry_after->count() == 600);  // doubled
    f.advance(10min);
  }
  // After the lock expires the right password works and clears the record.
  CHECK(f.id().login({"ivy@example.org", kPassword}));
}

TEST_CASE("failures outside the window do not add up") {
  grid_fixture f;
  f.verified("jay@example.org");
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i) (void)f.id().login({"jay@example.org", "Wrong-password-9"});
    f.advance(16min);
  }
  CHECK(f.id().login({"jay@example.org", kPassword}));
}

TEST_CASE("suspended accounts are refused only after a correct password") {
  grid_fixture f;
  auto u = f.verified("kim@example.org");
  REQUIRE(f.id().suspend_user(segs::principal::system(), u.id, "unpaid bills"));
  CHECK(f.id().login({"kim@example.org", "Wrong-password-9"}).error().code == errc::unauthorized);
  CHECK(f.id().login({"kim@example.org", kPassword}).error().code == errc::account_suspended);
}

TEST_CASE("access tokens expire, and nbf/iss/aud and tampering are checked") {
  grid_fixture f;
  f.verified("lee@example.org");
  auto t = f.login("lee@example.org");
  REQUIRE(f.id().authenticate(t.access_token));

  SUBCASE("expired after 15 minutes") {
    f.advance(15min);
    CHECK(f.id().authenticate(t.access_token).error().code == errc::unauthorized);
  }
  SUBCASE("not yet valid before it was issued") {
    f.advance(-2min);
    CHECK(f.id().authenticate(t.access_token).error().code == errc::unauthorized);
  }
  SUBCASE("a tampered payload is refused") {
    auto first = t.access_token.find('.');
    auto second = t.access_token.find('.', first + 1);
    auto payload = segs::crypto::base64url_decode(
        t.access_token.substr(first + 1, second - first - 1));
    REQUIRE(payload);
    std::string json(payload->begin(), payload->end());
    auto pos = json.find("\"consumer\"");
    REQUIRE(pos != std::string::npos);
    json.replace(pos, 10, "\"admin\"");
    std::vector<std::uint8_t> bytes(json.begin(), json.end());
    auto forged = t.access_token.substr(0, first + 1) + segs::crypto::base64url_encode(bytes) +
                  t.access_token.substr(second);
    CHECK(f.id().authenticate(forged).error().code == errc::unauthorized);
  }
  SUBCASE("garbage is refused") {
    CHECK_FALSE(f.id().authenticate(""));
    CHECK_FALSE(f.id().authenticate("a.b.c"));
    CHECK_FALSE(f.id().authenticate(t.access_token + "x"));
  }
}

TEST_CASE("a token from a grid with another issuer or audience is refused") {
  // The second grid must share the database (and so the signing key), or
  // the signature alone would refuse the token.
  if (segs_test::current_backend() == "sqlite-memory") return;
  grid_fixture f;
  f.verified("max@example.org");
  auto t = f.login("max@example.org");
  f.opts.identity.issuer = "someone-else";
  auto other = f.open();
  CHECK(other->identity().authenticate(t.access_token).error().code == errc::unauthorized);
  f.opts.identity.issuer = "segs";
  f.opts.identity.audience = "another-api";
  auto third = f.open();
  CHECK(third->identity().authenticate(t.access_token).error().code == errc::unauthorized);
}

TEST_CASE("refresh rotates, and reusing a rotated refresh token ends the session") {
  grid_fixture f;
  f.verified("ned@example.org");
  auto t1 = f.login("ned@example.org");
  f.advance(1min);
  auto t2 = f.id().refresh(t1.refresh_token);
  REQUIRE(t2);
  CHECK(t2->refresh_token != t1.refresh_token);
  CHECK(t2->access_token != t1.access_token);
  CHECK(t2->session_id == t1.session_id);
  REQUIRE(f.id().authenticate(t2->access_token));

  auto reuse = f.id().refresh(t1.refresh_token);
  REQUIRE_FALSE(reuse);
  CHECK(reuse.error().code == errc::unauthorized);
  // The whole session is gone: the newest tokens stop working too.
  CHECK_FALSE(f.id().refresh(t2->refresh_token));
  CHECK_FALSE(f.id().authenticate(t2->access_token));
}

TEST_CASE("refresh tokens expire with the session (7 days)") {
  grid_fixture f;
  f.verified("oli@example.org");
  auto t = f.login("oli@example.org");
  f.advance(std::chrono::hours(24 * 7));
  CHECK(f.id().refresh(t.refresh_token).error().code == errc::unauthorized);
}

TEST_CASE("logout ends one session, logout_all every session") {
  grid_fixture f;
  f.verified("pam@example.org");
  auto a = f.login("pam@example.org");
  auto b = f.login("pam@example.org");
  auto c = f.login("pam@example.org");
  auto pa = f.id().authenticate(a.access_token).value();
  auto sessions = f.id().sessions(pa).value();
  CHECK(sessions.size() == 3);
  CHECK(std::count_if(sessions.begin(), sessions.end(), [](auto& s) { return s.current; }) == 1);

  REQUIRE(f.id().logout(pa));
  CHECK_FALSE(f.id().authenticate(a.access_token));
  CHECK_FALSE(f.id().refresh(a.refresh_token));
  auto pb = f.id().authenticate(b.access_token);
  REQUIRE(pb);
  REQUIRE(f.id().logout_all(*pb));
  CHECK_FALSE(f.id().authenticate(b.access_token));
  CHECK_FALSE(f.id().authenticate(c.access_token));
  CHECK_FALSE(f.id().refresh(c.refresh_token));
}

TEST_CASE("change password needs the current one and ends other sessions") {
  grid_fixture f;
  f.verified("quin@example.org");
  auto mine = f.login("quin@example.org");
  auto other = f.login("quin@example.org");
  auto p = f.id().authenticate(mine.access_token).value();

  auto wrong = f.id().change_password(p, "Not-my-password-1", "Brand-new-secret-2");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == errc::unauthorized);
  CHECK(wrong.error().field == "current_password");
  auto weak = f.id().change_password(p, kPassword, "password1");
  REQUIRE_FALSE(weak);
  CHECK(weak.error().field == "new_password");

  REQUIRE(f.id().change_password(p, kPassword, "Brand-new-secret-2"));
  CHECK(f.id().authenticate(mine.access_token));
  CHECK_FALSE(f.id().authenticate(other.access_token));
  CHECK(f.id().login({"quin@example.org", kPassword}).error().code == errc::unauthorized);
  CHECK(f.id().login({"quin@example.org", "Brand-new-secret-2"}));
}

TEST_CASE("a login rehashes a password stored under older argon2id limits") {
  // Needs a second grid on the same database: not possible in memory.
  if (segs_test::current_backend() == "sqlite-memory") return;
  grid_fixture f;
  f.verified("ray@example.org");
  auto stored_hash = [&] {
    auto raw = segs::storage::open_backend(f.db.url(), {});
    auto tx = raw->begin(segs::storage::tx_mode::read);
    auto res = tx->exec("SELECT password_hash FROM users WHERE email = $1", {"ray@example.org"});
    return res.rows.at(0).text(0);
  };
  CHECK(stored_hash().find("$argon2id$v=19$m=8,t=1,") == 0);
  f.opts.identity.argon2_opslimit = 2;  // the operator raised the cost
  auto g = f.open();
  REQUIRE(g->identity().login({"ray@example.org", kPassword}));
  CHECK(stored_hash().find("$argon2id$v=19$m=8,t=2,") == 0);
  // Hashes carry their own parameters: the old grid still verifies it.
  CHECK(f.id().login({"ray@example.org", kPassword}));
}

TEST_CASE("tokens survive reopening the grid, and HS256 grids work too") {
  grid_fixture f([](segs::options& o) { o.identity.algorithm = segs::token_algorithm::hs256; });
  f.verified("sam@example.org");
  auto t = f.login("sam@example.org");
  CHECK(t.access_token.rfind("eyJhbGciOiJIUzI1NiIs", 0) == 0);  // {"alg":"HS256",...
  if (segs_test::current_backend() != "sqlite-memory") {
    auto reopened = f.open();
    CHECK(reopened->identity().authenticate(t.access_token));
  }
}
