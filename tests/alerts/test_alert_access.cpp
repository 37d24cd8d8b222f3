// Who sees and changes which alerts (alerts.hpp's banner, issue 13 section 2):
// a meter's owner their own (raised while they held the meter); operators
// their region's; admins all; anyone else not_found, so ids do not leak;
// unresolved, analytics and bulk acknowledge need alerts:manage.
#include "alerts/alerts_fixture.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace segs_test;
using namespace std::chrono;
using segs::alert_status;
using segs::alert_type;
using segs::errc;
using segs::timestamp;

namespace {

const timestamp t0 = at("2025-06-15T10:00:00Z");

std::set<std::string> meters_of(const std::vector<segs::alert>& v) {
  std::set<std::string> out;
  for (const auto& a : v) out.insert(a.meter_id);
  return out;
}

struct scoped {
  alerts_fixture f;
  segs::alert alice_a, bob_a, none_a, south_a;

  scoped() {
    f.meter("ACC_ALICE", "north", &f.alice_user);
    f.meter("ACC_BOB", "north", &f.bob_user);
    f.meter("ACC_NONE", "north");
    f.meter("ACC_SOUTH", "south");
    int i = 0;
    for (const char* s : {"ACC_ALICE", "ACC_BOB", "ACC_NONE", "ACC_SOUTH"})
      f.send(s, f.volts(t0 + minutes{i++}, 245'000));
    alice_a = f.one("ACC_ALICE", alert_type::over_voltage);
    bob_a = f.one("ACC_BOB", alert_type::over_voltage);
    none_a = f.one("ACC_NONE", alert_type::over_voltage);
    south_a = f.one("ACC_SOUTH", alert_type::over_voltage);
  }
};

void not_found_for(alerts_fixture& f, const segs::principal& who, const segs::alert& a) {
  auto g = f.al().get(who, a.id);
  REQUIRE_FALSE(g.has_value());
  CHECK(g.error().code == errc::not_found);
  auto ack = f.al().acknowledge(who, a.id);
  REQUIRE_FALSE(ack.has_value());
  CHECK(ack.error().code == errc::not_found);
  auto res = f.al().resolve(who, a.id);
  REQUIRE_FALSE(res.has_value());
  CHECK(res.error().code == errc::not_found);
  CHECK(f.al().get(f.admin, a.id)->status == alert_status::active);
}

}  // namespace

TEST_CASE("alerts: a meter's owner sees and changes their own alerts, other users get not_found") {
  scoped s;
  auto& f = s.f;
  CHECK(meters_of(f.all(f.alice)) == std::set<std::string>{"ACC_ALICE"});
  CHECK(meters_of(f.all(f.bob)) == std::set<std::string>{"ACC_BOB"});
  for (const auto* a : {&s.bob_a, &s.none_a, &s.south_a}) {
    CAPTURE(a->meter_id);
    not_found_for(f, f.alice, *a);
  }
  not_found_for(f, f.bob, s.alice_a);
  // A filter naming a meter the caller does not see: an empty page.
  segs::alert_query q;
  q.meter = "ACC_BOB";
  auto other = f.al().list(f.alice, q);
  REQUIRE(other.has_value());
  CHECK(other->items.empty());
  CHECK(other->total == 0);

  auto got = f.al().get(f.alice, s.alice_a.id);
  REQUIRE(got.has_value());
  CHECK(got->user_id == f.alice_user.id);
  auto ack = f.al().acknowledge(f.alice, s.alice_a.id, "I see it");
  REQUIRE(ack.has_value());
  CHECK(ack->acknowledged_by == f.alice_user.id);
  auto res = f.al().resolve(f.alice, s.alice_a.id, "fuse replaced");
  REQUIRE(res.has_value());
  CHECK(res->resolved_by == f.alice_user.id);
  CHECK(res->status == alert_status::resolved);
}

TEST_CASE("alerts: an operator sees and changes the alerts of their region, not another's") {
  scoped s;
  auto& f = s.f;
  CHECK(meters_of(f.all(f.op)) == std::set<std::string>{"ACC_ALICE", "ACC_BOB", "ACC_NONE"});
  CHECK(meters_of(f.all(f.op_south)) == std::set<std::string>{"ACC_SOUTH"});
  CHECK(f.all(f.op_berlin).empty());
  not_found_for(f, f.op, s.south_a);
  not_found_for(f, f.op_south, s.alice_a);
  not_found_for(f, f.op_berlin, s.none_a);
  segs::alert_query q;
  q.region = "south";
  auto other = f.al().list(f.op, q);
  REQUIRE(other.has_value());
  CHECK(other->total == 0);
  CHECK(other->items.empty());
  q.region.reset();
  q.meter = "ACC_SOUTH";
  CHECK(f.al().list(f.op, q)->total == 0);

  auto ack = f.al().acknowledge(f.op, s.bob_a.id);
  REQUIRE(ack.has_value());
  CHECK(ack->acknowledged_by == f.op.id);
  auto res = f.al().resolve(f.op_south, s.south_a.id);
  REQUIRE(res.has_value());
  CHECK(res->resolved_by == f.op_south.id);
  // The owner sees what the operator did.
  CHECK(f.al().get(f.bob, s.bob_a.id)->status == alert_status::acknowledged);
}

TEST_CASE("alerts: an admin sees every alert") {
  scoped s;
  auto& f = s.f;
  CHECK(meters_of(f.all(f.admin)) == std::set<std::string>{"ACC_ALICE", "ACC_BOB", "ACC_NONE", "ACC_SOUTH"});
  CHECK(f.al().get(f.admin, s.south_a.id).has_value());
  CHECK(f.al().acknowledge(f.admin, s.alice_a.id).has_value());
  CHECK(meters_of(f.all(segs::principal::system())).size() == 4);
}

TEST_CASE("alerts: unresolved, analytics and bulk acknowledge need alerts:manage") {
  scoped s;
  auto& f = s.f;
  const auto from = t0 - hours{1}, to = t0 + hours{1};
  for (const auto* who : {&f.alice, &f.bob}) {
    auto u = f.al().unresolved(*who);
    REQUIRE_FALSE(u.has_value());
    CHECK(u.error().code == errc::forbidden);
    auto an = f.al().analytics(*who, from, to);
    REQUIRE_FALSE(an.has_value());
    CHECK(an.error().code == errc::forbidden);
    auto b = f.al().acknowledge_many(*who, std::vector<segs::uuid>{s.alice_a.id});
    REQUIRE_FALSE(b.has_value());
    CHECK(b.error().code == errc::forbidden);
  }
  CHECK(f.al().get(f.admin, s.alice_a.id)->status == alert_status::active);

  // Operators: their region's open alerts, oldest first.
  REQUIRE(f.al().resolve(f.op, s.none_a.id).has_value());
  auto u = f.al().unresolved(f.op);
  REQUIRE(u.has_value());
  REQUIRE(u->items.size() == 2);
  CHECK(u->total == 2);
  CHECK(u->items[0].id == s.alice_a.id);
  CHECK(u->items[1].id == s.bob_a.id);
  auto us = f.al().unresolved(f.op_south);
  REQUIRE(us.has_value());
  REQUIRE(us->items.size() == 1);
  CHECK(us->items[0].id == s.south_a.id);
  auto ua = f.al().unresolved(f.admin);
  REQUIRE(ua.has_value());
  CHECK(ua->total == 3);
  // Paged.
  auto first = f.al().unresolved(f.admin, {1, 2});
  auto second = f.al().unresolved(f.admin, {2, 2});
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  REQUIRE(first->items.size() == 2);
  REQUIRE(second->items.size() == 1);
  CHECK(first->items[0].id == s.alice_a.id);
  CHECK(first->items[1].id == s.bob_a.id);
  CHECK(second->items[0].id == s.south_a.id);
  CHECK(f.al().unresolved(f.admin, {1, 0}).error().code == errc::validation_error);
}

TEST_CASE("alerts: a user sees the alerts raised while they held the meter, not those before or after") {
  scoped s;
  auto& f = s.f;
  REQUIRE(f.tel().unassign_meter(f.admin, "ACC_ALICE").has_value());
  REQUIRE(f.tel().assign_meter(f.admin, "ACC_ALICE", f.bob_user.id).has_value());
  f.send("ACC_ALICE", f.volts(t0 + minutes{10}, 200'000));  // under_voltage, now bob's meter
  const auto later = f.one("ACC_ALICE", alert_type::under_voltage);
  REQUIRE(later.user_id.has_value());
  CHECK(*later.user_id == f.bob_user.id);

  CHECK(meters_of(f.all(f.alice)) == std::set<std::string>{"ACC_ALICE"});
  CHECK(f.all(f.alice).size() == 1);
  CHECK(f.al().get(f.alice, s.alice_a.id).has_value());
  CHECK(f.al().get(f.alice, later.id).error().code == errc::not_found);
  CHECK(f.al().get(f.bob, later.id).has_value());
  CHECK(f.al().get(f.bob, s.alice_a.id).error().code == errc::not_found);
  // The former owner may still act on theirs.
  CHECK(f.al().acknowledge(f.alice, s.alice_a.id).has_value());
  CHECK(f.al().acknowledge(f.alice, later.id).error().code == errc::not_found);
}

TEST_CASE("alerts: summary and stats count only the alerts the caller sees") {
  scoped s;
  auto& f = s.f;
  auto mine = f.al().summary(f.alice);
  REQUIRE(mine.has_value());
  CHECK(mine->total_open == 1);
  auto ops = f.al().summary(f.op);
  REQUIRE(ops.has_value());
  CHECK(ops->total_open == 3);
  auto all = f.al().summary(f.admin);
  REQUIRE(all.has_value());
  CHECK(all->total_open == 4);
  auto st = f.al().stats(f.alice, at("2025-06-15T00:00:00Z"), at("2025-06-16T00:00:00Z"));
  REQUIRE(st.has_value());
  CHECK(st->raised == 1);
  auto st_south = f.al().stats(f.op_south, at("2025-06-15T00:00:00Z"), at("2025-06-16T00:00:00Z"));
  REQUIRE(st_south.has_value());
  CHECK(st_south->raised == 1);
}
