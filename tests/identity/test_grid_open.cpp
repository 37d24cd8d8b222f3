// Opening grids: URLs, options, and several processes on one fresh database.
#include "identity/grid_fixture.hpp"

#include "storage/backend.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

using segs::errc;
using segs_test::grid_fixture;

TEST_CASE("grid::open refuses unknown schemes and options, naming the url field") {
  for (const char* url : {"mysql://localhost/x", "", "sqlite::memory:?journal=off", "file:grid.db"}) {
    CAPTURE(url);
    auto g = segs::grid::open(url);
    REQUIRE_FALSE(g);
    CHECK(g.error().code == errc::validation_error);
    CHECK(g.error().field == "url");
  }
}

TEST_CASE("grid::open validates options") {
  segs::options o;
  o.identity.signing_key = {1, 2, 3};
  auto g = segs::grid::open("sqlite::memory:", o);
  REQUIRE_FALSE(g);
  CHECK(g.error().field == "signing_key");
  segs::options p;
  p.storage.pool_size = 0;
  CHECK(segs::grid::open("sqlite::memory:", p).error().field == "pool_size");
}

TEST_CASE("a host-supplied signing key is used instead of the stored one") {
  if (segs_test::current_backend() == "sqlite-memory") return;  // needs a second grid
  grid_fixture f([](segs::options& x) { x.identity.signing_key = std::vector<std::uint8_t>(32, 7); });
  f.verified("key@example.org");
  auto t = f.login("key@example.org");
  REQUIRE(f.id().authenticate(t.access_token));
  CHECK(f.grid->schema_version() >= 1);
  CHECK(f.grid->ready());
  // Same database, another key: the signature no longer verifies.
  f.opts.identity.signing_key = std::vector<std::uint8_t>(32, 8);
  auto other = f.open();
  CHECK(other->identity().authenticate(t.access_token).error().code == errc::unauthorized);
  // Back to the first key: accepted again.
  f.opts.identity.signing_key = std::vector<std::uint8_t>(32, 7);
  CHECK(f.open()->identity().authenticate(t.access_token));
}

TEST_CASE("two processes opening one fresh database at once migrate it once") {
  if (segs_test::current_backend() == "sqlite-memory") return;  // private per process
  segs_test::fresh_database db;
  int go[2];
  REQUIRE(pipe(go) == 0);
  pid_t kids[2];
  for (auto& kid : kids) {
    kid = fork();
    REQUIRE(kid >= 0);
    if (kid == 0) {
      close(go[1]);
      char c;
      // Both children block here until the parent releases them together.
      if (read(go[0], &c, 1) != 1) _exit(3);
      auto g = segs::grid::open(db.url());
      if (!g) std::fprintf(stderr, "open failed: %s / %s\n", g.error().message.c_str(), g.error().detail.c_str());
      _exit(g.has_value() ? 0 : 1);
    }
  }
  close(go[0]);
  const char start[2] = {'g', 'g'};
  REQUIRE(write(go[1], start, 2) == 2);
  close(go[1]);
  for (auto kid : kids) {
    int status = 0;
    REQUIRE(waitpid(kid, &status, 0) == kid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto raw = segs::storage::open_backend(db.url(), {});
  auto tx = raw->begin(segs::storage::tx_mode::read);
  auto res = tx->exec("SELECT version, COUNT(*) FROM schema_migrations GROUP BY version ORDER BY version");
  REQUIRE_FALSE(res.rows.empty());
  for (const auto& r : res.rows) CHECK(r.i64(1) == 1);
  // Built-in roles were written once each, whichever process got there first.
  auto roles = tx->exec("SELECT COUNT(*) FROM roles");
  CHECK(roles.rows.at(0).i64(0) == 4);
}
