// Verified tokens kept in memory (identity_options::token_cache_entries):
// every revocation still holds on the very next call in this process, and
// within revocation_sync_interval in another process sharing the database.
//
// Each case authenticates a token at least twice before the revocation, so
// that the refusal after it is a cached token being refused, not a first
// verification.
#include "identity/grid_fixture.hpp"

#include <thread>

using namespace std::chrono_literals;
using segs::errc;
using segs_test::grid_fixture;
using segs_test::kPassword;

namespace {

// Authenticates twice: the second answer comes from the cache.
segs::principal cached(grid_fixture& f, const std::string& token) {
  REQUIRE(f.id().authenticate(token));
  auto p = f.id().authenticate(token);
  REQUIRE(p);
  return *p;
}

void refused(segs::identity_service& id, const std::string& token) {
  auto p = id.authenticate(token);
  REQUIRE_FALSE(p);
  CHECK(p.error().code == errc::unauthorized);
}

// A second grid on the same database: another process, as far as the cache
// is concerned (sqlite-memory databases are private to their grid).
bool shared_database() { return segs_test::current_backend() != "sqlite-memory"; }

// A custom role that may edit its own profile, and aud@example.org in it.
segs::role_definition define_auditor(grid_fixture& f, const segs::principal& admin) {
  segs::role_definition auditor;
  auditor.name = "auditor";
  auditor.scope = segs::role_scope::self;
  auditor.permissions = {"profile:read", "profile:write"};
  REQUIRE(f.id().define_role(admin, auditor));
  f.made("aud@example.org", "auditor");
  return auditor;
}

}  // namespace

TEST_CASE("a cached token is refused right after logout, logout_all and refresh reuse") {
  grid_fixture f;
  f.verified("cat@example.org");
  auto a = f.login("cat@example.org");
  auto b = f.login("cat@example.org");
  auto c = f.login("cat@example.org");

  REQUIRE(f.id().logout(cached(f, a.access_token)));
  refused(f.id(), a.access_token);

  auto pb = cached(f, b.access_token);
  cached(f, c.access_token);
  REQUIRE(f.id().logout_all(pb));
  refused(f.id(), b.access_token);
  refused(f.id(), c.access_token);

  auto d = f.login("cat@example.org");
  cached(f, d.access_token);
  REQUIRE(f.id().refresh(d.refresh_token));
  REQUIRE_FALSE(f.id().refresh(d.refresh_token));  // reuse ends the session
  refused(f.id(), d.access_token);
}

TEST_CASE("a cached token is refused right after suspension, deletion and a role change") {
  grid_fixture f;
  f.made("boss@example.org", "admin");
  const auto admin = f.as("boss@example.org");
  const auto sue = f.verified("sue@example.org");
  const auto dan = f.verified("dan@example.org");
  const auto ron = f.verified("ron@example.org");
  auto ts = f.login("sue@example.org");
  auto td = f.login("dan@example.org");
  auto tr = f.login("ron@example.org");
  cached(f, ts.access_token);
  cached(f, td.access_token);
  CHECK(cached(f, tr.access_token).role == "consumer");

  REQUIRE(f.id().suspend_user(admin, sue.id, "fraud check"));
  refused(f.id(), ts.access_token);
  REQUIRE(f.id().delete_user(admin, dan.id));
  refused(f.id(), td.access_token);
  REQUIRE(f.id().change_role(admin, ron.id, "prosumer"));
  refused(f.id(), tr.access_token);
  CHECK(f.as("ron@example.org").role == "prosumer");
}

TEST_CASE("a cached token is refused right after a password change or reset") {
  grid_fixture f;
  f.verified("pia@example.org");
  auto mine = f.login("pia@example.org");
  auto other = f.login("pia@example.org");
  auto p = cached(f, mine.access_token);
  cached(f, other.access_token);
  REQUIRE(f.id().change_password(p, kPassword, "Brand-new-secret-2"));
  refused(f.id(), other.access_token);
  CHECK(cached(f, mine.access_token).id == p.id);  // the session that changed it goes on

  REQUIRE(f.id().forgot_password("pia@example.org"));
  std::string code;
  for (const auto& m : f.grid->outbox().drain(100).value())
    if (m.purpose == "reset_password") code = m.code;
  REQUIRE_FALSE(code.empty());
  REQUIRE(f.id().reset_password("pia@example.org", code, "Third-secret-word-3"));
  refused(f.id(), mine.access_token);
}

TEST_CASE("a cached principal follows profile changes and role redefinitions at once") {
  grid_fixture f;
  f.made("boss@example.org", "admin");
  const auto admin = f.as("boss@example.org");
  auto auditor = define_auditor(f, admin);
  auto t = f.login("aud@example.org");
  auto p = cached(f, t.access_token);
  CHECK(p.can("profile:write"));
  CHECK(p.region == "north");

  segs::profile_update up;
  up.region = "south";
  REQUIRE(f.id().update_profile(p, up));
  CHECK(cached(f, t.access_token).region == "south");

  auditor.permissions = {"profile:read"};
  REQUIRE(f.id().define_role(admin, auditor));
  CHECK_FALSE(cached(f, t.access_token).can("profile:write"));
}

TEST_CASE("a cached token ends with the token, by the grid's clock") {
  grid_fixture f;
  f.verified("eve@example.org");
  auto t = f.login("eve@example.org");
  cached(f, t.access_token);
  f.advance(f.opts.identity.access_token_ttl - 1s);
  CHECK(f.id().authenticate(t.access_token));
  f.advance(1s);
  auto late = f.id().authenticate(t.access_token);
  REQUIRE_FALSE(late);
  CHECK(late.error().message == "token expired");
}

TEST_CASE("forged tokens are refused every time, and never stand in for a real one") {
  grid_fixture f;
  f.verified("fay@example.org");
  auto t = f.login("fay@example.org");
  cached(f, t.access_token);
  // The same claims with another signature, and a flipped payload byte.
  auto forged = t.access_token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  auto tampered = t.access_token;
  tampered[tampered.find('.') + 5] ^= 1;
  for (int i = 0; i < 3; ++i) {
    refused(f.id(), forged);
    refused(f.id(), tampered);
  }
  CHECK(f.id().authenticate(t.access_token));
}

TEST_CASE("with the cache off every call verifies") {
  grid_fixture f([](segs::options& o) { o.identity.token_cache_entries = 0; });
  f.verified("gil@example.org");
  auto t = f.login("gil@example.org");
  auto p = f.id().authenticate(t.access_token);
  REQUIRE(p);
  REQUIRE(f.id().logout(*p));
  refused(f.id(), t.access_token);
}

TEST_CASE("another grid on the database drops its cached tokens within the sync interval") {
  if (!shared_database()) return;
  grid_fixture f;  // the first process
  f.verified("hal@example.org");
  f.made("boss@example.org", "admin");
  const auto admin = f.as("boss@example.org");

  SUBCASE("an interval of 0 replays the log before every cached answer") {
    f.opts.identity.revocation_sync_interval = 0ms;
    auto other = f.open();
    auto t = f.login("hal@example.org");
    REQUIRE(other->identity().authenticate(t.access_token));
    auto p = other->identity().authenticate(t.access_token);  // cached there
    REQUIRE(p);
    REQUIRE(f.id().logout(*p));
    refused(other->identity(), t.access_token);

    // Suspension and reactivation elsewhere, with a new session between.
    auto t2 = f.login("hal@example.org");
    REQUIRE(other->identity().authenticate(t2.access_token));
    REQUIRE(f.id().suspend_user(admin, p->id, "checks"));
    refused(other->identity(), t2.access_token);
  }

  SUBCASE("within the interval the other grid may answer from memory, after it not") {
    f.opts.identity.revocation_sync_interval = 300ms;
    auto other = f.open();
    auto t = f.login("hal@example.org");
    auto p = other->identity().authenticate(t.access_token);
    REQUIRE(p);
    REQUIRE(f.id().logout(*p));
    refused(f.id(), t.access_token);  // here: at once
    std::this_thread::sleep_for(350ms);
    refused(other->identity(), t.access_token);  // there: within the interval
  }

  SUBCASE("a long interval shows the other grid's answers come from memory") {
    f.opts.identity.revocation_sync_interval = std::chrono::hours(1);
    auto other = f.open();
    auto t = f.login("hal@example.org");
    REQUIRE(other->identity().authenticate(t.access_token));
    auto p = other->identity().authenticate(t.access_token);
    REQUIRE(p);
    REQUIRE(f.id().logout(*p));
    // The documented bound, not a defect: an hour was asked for.
    CHECK(other->identity().authenticate(t.access_token));
  }

  SUBCASE("a role redefined elsewhere reaches cached principals and the role table") {
    f.opts.identity.revocation_sync_interval = 0ms;
    auto auditor = define_auditor(f, admin);
    auto other = f.open();
    auto t = f.login("aud@example.org");
    REQUIRE(other->identity().authenticate(t.access_token));
    CHECK(other->identity().authenticate(t.access_token)->can("profile:write"));
    auditor.permissions = {"profile:read"};
    REQUIRE(f.id().define_role(admin, auditor));
    auto p = other->identity().authenticate(t.access_token);
    REQUIRE(p);
    CHECK_FALSE(p->can("profile:write"));
  }
}
