// Seeding demo data (issue 16, section 3; docs/operations.md, "Seeding"):
// only in development mode and only for admins, validated, what it answers
// is what the services then hold, and a seed gives the same data.
#include "identity/grid_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <tuple>

using namespace segs_test;
using segs::errc;

namespace {

void development(segs::options& o) { o.development_mode = true; }

struct seed_fixture : grid_fixture {
  segs::principal admin, op;
  explicit seed_fixture(void (*tweak)(segs::options&) = development) : grid_fixture(tweak) {
    made("admin@example.org", "admin");
    made("op@example.org", "operator");
    admin = as("admin@example.org");
    op = as("op@example.org");
  }

  segs::seed_report seed(segs::seed_request r) {
    auto rep = grid->operations().seed(admin, r);
    REQUIRE_MESSAGE(rep.has_value(), (rep ? "" : rep.error().message + " [" + rep.error().field + "]"));
    return *rep;
  }

  segs::deployment_stats stats() { return grid->operations().stats(admin).value(); }

  std::vector<std::string> emails(const std::string& search) {
    std::vector<std::string> out;
    segs::user_query q;
    q.search = search;
    q.per_page = 100;
    for (q.page = 1;; ++q.page) {
      auto p = grid->identity().list_users(admin, q);
      REQUIRE(p.has_value());
      for (const auto& u : p->items) out.push_back(u.email);
      if (q.page >= p->total_pages()) break;
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  /// The first slot the seed trades in (gate 5 minutes, a minute's margin).
  segs::timestamp first_slot() const {
    const std::int64_t q = 15 * 60 * 1'000'000LL;
    const std::int64_t t = segs::to_micros(clock->now()) + 6 * 60 * 1'000'000LL;
    return segs::from_micros((t + q - 1) / q * q);
  }
};

/// What a seeded run holds, as the services answer it: emails, each
/// region's metered energy, each slot's trades.
auto fingerprint(seed_fixture& f, int run, int days) {
  const std::string prefix = "seed" + std::to_string(run);
  std::vector<std::int64_t> energy;
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> slots;
  const auto now = f.clock->now();
  for (const auto* side : {"-north", "-south"}) {
    const auto region = prefix + side;
    auto st = f.grid->telemetry().stats_of_region(f.admin, region, {now - std::chrono::days{days + 1}, now});
    REQUIRE_MESSAGE(st.has_value(), (st ? "" : st.error().message));
    energy.push_back(st->consumed.wh);
    energy.push_back(st->produced.wh);
    for (int k = 0; k < 96; ++k) {
      auto ms = f.grid->market().stats(f.admin, f.first_slot() + std::chrono::minutes{15 * k}, region);
      REQUIRE(ms.has_value());
      slots.emplace_back(ms->trade_count, ms->volume.wh, ms->vwap ? ms->vwap->micros : -1);
    }
  }
  return std::make_tuple(f.emails(prefix + "."), energy, slots);
}

}  // namespace

TEST_CASE("seed: refused without development mode, even for admins, and nothing is written") {
  seed_fixture f(nullptr);
  const auto before = f.stats();
  const auto regions = f.grid->regions().list(f.admin).value().size();
  auto r = f.grid->operations().seed(f.admin, {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == errc::forbidden);
  CHECK(f.grid->operations().seed(f.op, {}).error().code == errc::forbidden);
  CHECK(f.grid->operations().seed(segs::principal::anonymous(), {}).error().code == errc::unauthorized);
  const auto after = f.stats();
  CHECK(after.users == before.users);
  CHECK(after.meters == 0);
  CHECK(after.readings == 0);
  CHECK(after.tariffs == 0);
  CHECK(after.open_orders == 0);
  CHECK(f.grid->regions().list(f.admin).value().size() == regions);
}

TEST_CASE("seed: admins only, in development mode too, and the sizes are validated naming the field") {
  seed_fixture f;
  auto& ops = f.grid->operations();
  CHECK(ops.seed(f.op, {}).error().code == errc::forbidden);
  CHECK(ops.seed(segs::principal::anonymous(), {}).error().code == errc::unauthorized);
  const std::vector<std::pair<segs::seed_request, std::string>> bad{
      {{42, 0, 7}, "users"}, {{42, 1001, 7}, "users"}, {{42, -3, 7}, "users"},
      {{42, 10, -1}, "days"}, {{42, 10, 91}, "days"}};
  for (const auto& [req, field] : bad) {
    auto r = ops.seed(f.admin, req);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == errc::validation_error);
    CHECK(r.error().field == field);
  }
  const auto s = f.stats();
  CHECK(s.users == 2);
  CHECK(s.meters == 0);
  CHECK(s.tariffs == 0);
}

TEST_CASE("seed: the counts answered are what the services then hold, and the demo users sign in") {
  seed_fixture f;
  const auto rep = f.seed({.seed = 7, .users = 5, .days = 2});
  CHECK(rep.run == 1);
  CHECK(rep.regions == 2);
  CHECK(rep.users == 5 + 3);  // households, an admin, an operator per region
  CHECK(rep.meters == 5);
  CHECK(rep.tariffs == 2);
  CHECK(rep.readings == 5 * 2 * 96);
  CHECK(rep.orders > 0);
  CHECK(rep.trades > 0);
  CHECK(rep.settled_slots == 2 * 96);

  const auto s = f.stats();
  CHECK(s.users == 2 + rep.users);
  CHECK(s.meters == rep.meters);
  CHECK(s.readings == rep.readings);
  CHECK(s.tariffs == rep.tariffs);
  CHECK(s.trades == rep.trades);
  CHECK(s.open_orders > 0);  // the book after the settled day
  CHECK(f.emails("seed1.").size() == static_cast<std::size_t>(rep.users));
  std::set<std::string> roles;
  for (const auto& r : f.grid->regions().list(f.admin).value())
    if (r.code.starts_with("seed1-")) CHECK(r.time_zone.starts_with("Europe/"));

  REQUIRE(rep.credentials.size() == static_cast<std::size_t>(rep.users));
  for (const auto& c : rep.credentials) {
    roles.insert(c.role);
    auto t = f.grid->identity().login({c.email, c.password});
    CHECK_MESSAGE(t.has_value(), c.email);
  }
  CHECK(roles == std::set<std::string>{"admin", "operator", "prosumer", "consumer"});

  // Every slot of the day is settled: settling again changes nothing.
  auto again = f.grid->market().settle(f.admin, "seed1-north", f.first_slot());
  REQUIRE_MESSAGE(again.has_value(), (again ? "" : again.error().message));
  CHECK(f.stats().trades == rep.trades);

  // A second run adds a fresh batch: new regions and emails, no old passwords.
  const auto second = f.seed({.seed = 7, .users = 2, .days = 0});
  CHECK(second.run == 2);
  CHECK(second.readings == 0);
  CHECK(second.users == 2 + 3);
  for (const auto& c : second.credentials) CHECK(c.email.starts_with("seed2."));
  CHECK(f.stats().users == 2 + rep.users + second.users);
}

TEST_CASE("seed: the same seed on an empty database seeds the same data, another seed other data") {
  seed_fixture a, b, c;
  const auto ra = a.seed({.seed = 42, .users = 4, .days = 1});
  const auto rb = b.seed({.seed = 42, .users = 4, .days = 1});
  const auto rc = c.seed({.seed = 43, .users = 4, .days = 1});
  CHECK(ra.orders == rb.orders);
  CHECK(ra.trades == rb.trades);
  CHECK(ra.readings == rb.readings);
  const auto fa = fingerprint(a, 1, 1);
  const auto fb = fingerprint(b, 1, 1);
  const auto fc = fingerprint(c, 1, 1);
  CHECK(std::get<0>(fa) == std::get<0>(fb));
  CHECK(std::get<1>(fa) == std::get<1>(fb));
  CHECK(std::get<2>(fa) == std::get<2>(fb));
  CHECK(std::get<0>(fa) == std::get<0>(fc));  // the emails follow the run, not the seed
  CHECK(std::get<1>(fa) != std::get<1>(fc));
  // Passwords are random, never derived from the seed.
  CHECK(ra.credentials.front().password != rb.credentials.front().password);
}
