// The meter registry: what a meter may hold, unique serials, owners,
// who manages and reads which meters, listings, region changes, the audit
// of every change, and the "telemetry.readings" event after commit.
#include "storage/stores/telemetry_store.hpp"
#include "telemetry/telemetry_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <set>

using namespace segs_test;
using namespace std::chrono;
using segs::errc;
using segs::meter_status;
using segs::milli;

namespace {

segs::meter_spec spec(const std::string& serial, const std::string& region = "north") {
  segs::meter_spec s;
  s.meter_id = serial;
  s.region = region;
  s.capacity_kw = milli{5'000};
  return s;
}

std::string field_of(const segs::result<segs::meter>& r) {
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::validation_error);
  return r.error().field;
}

std::vector<segs::audit_record> audit(telemetry_fixture& f, const std::string& action,
                                      const segs::uuid& target) {
  segs::audit_query q;
  q.action = action;
  q.target_id = target.to_string();
  auto page = f.grid->audit().query(f.admin, q);
  REQUIRE_MESSAGE(page.has_value(), (page ? "" : page.error().message));
  return page->items;
}

using lines = std::vector<std::string>;

std::string time_or_dash(const std::optional<segs::timestamp>& t) { return t ? segs::to_rfc3339(*t) : "-"; }

std::string who_of(telemetry_fixture& f, const segs::uuid& u) {
  return u == f.alice_user.id ? "alice" : u == f.bob_user.id ? "bob" : u.to_string();
}

/// A meter's holdings as "holder from to" ("-" for none), oldest first.
lines holdings(telemetry_fixture& f, const std::string& meter) {
  auto got = f.tel().meter_assignments(f.admin, meter);
  REQUIRE_MESSAGE(got.has_value(), (got ? "" : got.error().message));
  lines out;
  for (const auto& a : *got)
    out.push_back(who_of(f, a.user_id) + " " + time_or_dash(a.effective_from) + " " +
                  time_or_dash(a.effective_to));
  return out;
}

void refused(const segs::result<segs::meter>& r, errc code, const std::string& field) {
  REQUIRE_FALSE(r);
  CHECK(r.error().code == code);
  CHECK(r.error().field == field);
}

std::vector<std::string> serials(const segs::meter_listing& l) {
  std::vector<std::string> out;
  for (const auto& m : l.meters.items) out.push_back(m.meter_id);
  return out;
}

}  // namespace

TEST_CASE("telemetry: a meter's members are checked naming the member") {
  telemetry_fixture f;
  auto make = [&](segs::meter_spec s) { return f.tel().create_meter(f.admin, s); };
  for (const char* bad : {"ab", "SM 001", "SM.001", "SM/1", "Zähler_1", ""}) {
    CAPTURE(bad);
    CHECK(field_of(make(spec(bad))) == "meter_id");
  }
  CHECK(field_of(make(spec(std::string(65, 'M')))) == "meter_id");
  CHECK(make(spec(std::string(64, 'M'))));
  CHECK(make(spec("a-b")));
  auto s = spec("SM_CAP");
  s.capacity_kw.reset();
  CHECK(field_of(make(s)) == "capacity_kw");
  s.capacity_kw = milli{0};
  CHECK(field_of(make(s)) == "capacity_kw");
  s.capacity_kw = milli{-1};
  CHECK(field_of(make(s)) == "capacity_kw");
  s = spec("SM_LOC");
  s.location = segs::meter_location{};
  s.location->latitude = 90.5;
  CHECK(field_of(make(s)) == "latitude");
  s.location->latitude = -90.0;
  s.location->longitude = 180.01;
  CHECK(field_of(make(s)) == "longitude");
  s.location->longitude = -180.0;
  s.location->building = std::string(201, 'b');
  CHECK(field_of(make(s)) == "building");
  s.location->building = "B1";
  s.location->address = std::string(501, 'a');
  CHECK(field_of(make(s)) == "address");
  s.location->address.reset();
  s.metadata = "[]";
  CHECK(field_of(make(s)) == "metadata");
  s.metadata = "{\"k\":\"" + std::string(16 * 1024, 'x') + "\"}";
  CHECK(field_of(make(s)) == "metadata");
  s.metadata = "{\"floor\":3}";
  s.public_key = "bm90IGEga2V5";  // base64, but not 32 bytes
  CHECK(field_of(make(s)) == "public_key");
  s.public_key.reset();
  s.region = "atlantis";
  CHECK(field_of(make(s)) == "region");
  s.region = "berlin";
  s.installation_date = year{2025} / 6 / 15;
  s.meter_type = segs::meter_kind::solar_inverter;
  auto ok = make(s);
  REQUIRE(ok);
  CHECK(ok->status == meter_status::active);
  CHECK(ok->meter_type == segs::meter_kind::solar_inverter);
  CHECK(ok->location.latitude == -90.0);
  CHECK(ok->metadata == "{\"floor\":3}");
  CHECK(ok->installation_date == year{2025} / 6 / 15);
  CHECK(ok->id.version() == 7);
  // Read back: the same values.
  auto back = f.tel().get_meter(f.admin, "SM_LOC");
  REQUIRE(back);
  CHECK(back->id == ok->id);
  CHECK(back->region == "berlin");
  CHECK(back->location.building == "B1");
  CHECK(back->installation_date == year{2025} / 6 / 15);
  CHECK(back->capacity_kw == milli{5'000});
  // No region: the deployment's default.
  auto d = spec("SM_DEF");
  d.region.reset();
  auto def = make(d);
  REQUIRE(def);
  CHECK(def->region == f.opts.regions.default_region);
}

TEST_CASE("telemetry: a serial is registered once") {
  telemetry_fixture f;
  auto first = f.tel().create_meter(f.admin, spec("SM_ONE"));
  REQUIRE(first);
  auto again = f.tel().create_meter(f.admin, spec("SM_ONE", "berlin"));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == errc::conflict);
  CHECK(again.error().field == "meter_id");
  // The meter is found by serial and by UUID alike.
  CHECK(f.tel().get_meter(f.admin, "SM_ONE")->id == first->id);
  CHECK(f.tel().get_meter(f.admin, first->id.to_string())->meter_id == "SM_ONE");
  CHECK(f.tel().get_meter(f.admin, "SM_TWO").error().code == errc::not_found);
}

TEST_CASE("telemetry: a meter held by another user is assigned only once unassigned") {
  telemetry_fixture f;
  f.meter("SM_AS", "north", &f.alice_user);
  auto taken = f.tel().assign_meter(f.admin, "SM_AS", f.bob_user.id);
  REQUIRE_FALSE(taken);
  CHECK(taken.error().code == errc::conflict);
  CHECK(f.tel().get_meter(f.admin, "SM_AS")->user_id == f.alice_user.id);
  // Assigning to its holder changes nothing.
  auto same = f.tel().assign_meter(f.admin, "SM_AS", f.alice_user.id);
  REQUIRE(same);
  CHECK(same->user_id == f.alice_user.id);
  auto freed = f.tel().unassign_meter(f.op, "SM_AS");
  REQUIRE(freed);
  CHECK_FALSE(freed->user_id.has_value());
  CHECK(f.tel().get_meter(f.alice, "SM_AS").error().code == errc::not_found);  // no longer hers
  auto given = f.tel().assign_meter(f.op, "SM_AS", f.bob_user.id);
  REQUIRE(given);
  CHECK(given->user_id == f.bob_user.id);
  CHECK(f.tel().get_meter(f.bob, "SM_AS"));
  // A user may hold several meters.
  f.meter("SM_AS2", "north");
  REQUIRE(f.tel().assign_meter(f.admin, "SM_AS2", f.bob_user.id));
  CHECK(f.tel().list_meters(f.bob)->meters.total == 2);
  // Unknown users, unknown meters, decommissioned meters.
  auto nobody = f.tel().assign_meter(f.admin, "SM_AS2", segs::uuid{});
  REQUIRE_FALSE(nobody);
  CHECK(nobody.error().code == errc::not_found);
  CHECK(nobody.error().field == "user_id");
  CHECK(f.tel().assign_meter(f.admin, "SM_NONE", f.bob_user.id).error().code == errc::not_found);
  f.meter("SM_GONE", "north");
  REQUIRE(f.tel().decommission_meter(f.admin, "SM_GONE"));
  CHECK(f.tel().assign_meter(f.admin, "SM_GONE", f.bob_user.id).error().code == errc::conflict);
  // Users cannot assign, even to themselves.
  CHECK(f.tel().assign_meter(f.bob, "SM_AS2", f.alice_user.id).error().code == errc::forbidden);
}

TEST_CASE("telemetry: operators manage the meters of their region, others do not exist for them") {
  telemetry_fixture f;
  auto mine = f.tel().create_meter(f.op, spec("SM_OP_N"));
  REQUIRE(mine);
  auto elsewhere = f.tel().create_meter(f.op, spec("SM_OP_B", "berlin"));
  REQUIRE_FALSE(elsewhere);
  CHECK(elsewhere.error().code == errc::forbidden);
  f.meter("SM_BER", "berlin");
  segs::meter_spec change;
  change.capacity_kw = milli{7'500};
  CHECK(f.tel().update_meter(f.op, "SM_OP_N", change));
  for (auto r : {f.tel().update_meter(f.op, "SM_BER", change),
                 f.tel().set_meter_status(f.op, "SM_BER", meter_status::maintenance, "check"),
                 f.tel().decommission_meter(f.op, "SM_BER"), f.tel().unassign_meter(f.op, "SM_BER"),
                 f.tel().assign_meter(f.op, "SM_BER", f.alice_user.id), f.tel().get_meter(f.op, "SM_BER")}) {
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::not_found);
  }
  auto corr = f.tel().replace(f.op, "SM_BER", std::vector<segs::reading>{f.reading_at(f.clock->now(), 1)}, "x");
  REQUIRE_FALSE(corr);
  CHECK(corr.error().code == errc::not_found);
  // Nor may an operator move a meter out of their region.
  segs::meter_spec move;
  move.region = "berlin";
  auto moved = f.tel().update_meter(f.op, "SM_OP_N", move);
  REQUIRE_FALSE(moved);
  CHECK(moved.error().code == errc::forbidden);
  auto st = f.tel().set_meter_status(f.op, "SM_OP_N", meter_status::maintenance, "firmware");
  REQUIRE(st);
  CHECK(st->status == meter_status::maintenance);
  CHECK(f.tel().get_meter(f.admin, "SM_BER")->status == meter_status::active);
}

TEST_CASE("telemetry: users read their own meters, manage none, and others' meters do not exist for them") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_ALICE", "north", &f.alice_user);
  f.meter("SM_BOB", "north", &f.bob_user);
  CHECK(f.tel().get_meter(f.alice, "SM_ALICE"));
  auto theirs = f.tel().get_meter(f.alice, "SM_BOB");
  REQUIRE_FALSE(theirs);
  CHECK(theirs.error().code == errc::not_found);
  // Submitting for their own meter is allowed (a home gateway); for another's, the meter does not exist.
  CHECK(f.tel().submit(f.alice, "SM_ALICE", f.reading_at(at("2025-06-15T11:00:00Z"), 1)));
  CHECK(f.tel().submit(f.alice, "SM_BOB", f.reading_at(at("2025-06-15T11:00:00Z"), 1)).error().code ==
        errc::not_found);
  // Managing their own meter is forbidden (they can see it exists).
  segs::meter_spec change;
  change.capacity_kw = milli{1};
  CHECK(f.tel().update_meter(f.alice, "SM_ALICE", change).error().code == errc::forbidden);
  CHECK(f.tel().decommission_meter(f.alice, "SM_ALICE").error().code == errc::forbidden);
  CHECK(f.tel().update_meter(f.alice, "SM_BOB", change).error().code == errc::not_found);
  auto corr = f.tel().replace(f.alice, "SM_ALICE", std::vector<segs::reading>{f.reading_at(at("2025-06-15T11:00:00Z"), 2)}, "mine");
  REQUIRE_FALSE(corr);
  CHECK(corr.error().code == errc::forbidden);
  CHECK(f.tel().create_meter(f.alice, spec("SM_NEW")).error().code == errc::forbidden);
  CHECK(f.tel().list_meters(segs::principal::anonymous()).error().code == errc::unauthorized);
}

TEST_CASE("telemetry: list_meters is the caller's reach, filtered and paged, with active and inactive counts") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_N1", "north", &f.alice_user);
  f.meter("SM_N2", "north", &f.alice_user);
  f.meter("SM_N3", "north", &f.bob_user);
  f.meter("SM_N4", "north");
  f.meter("SM_B1", "berlin");
  f.meter("SM_B2", "berlin");
  REQUIRE(f.tel().set_meter_status(f.admin, "SM_N2", meter_status::maintenance, "swap"));
  REQUIRE(f.tel().decommission_meter(f.admin, "SM_N4"));
  REQUIRE(f.tel().set_meter_status(f.admin, "SM_B2", meter_status::inactive));
  auto sys = segs::principal::system();
  REQUIRE(f.tel().submit(sys, "SM_N1", f.reading_at(at("2025-06-15T10:15:00Z"), 1500, 200)));
  REQUIRE(f.tel().submit(sys, "SM_N1", f.reading_at(at("2025-06-14T10:15:00Z"), 500)));

  auto mine = f.tel().list_meters(f.alice);
  REQUIRE(mine);
  CHECK(serials(*mine) == std::vector<std::string>{"SM_N1", "SM_N2"});
  CHECK(mine->meters.total == 2);
  CHECK(mine->active_meters == 1);
  CHECK(mine->inactive_meters == 1);
  const auto& n1 = mine->meters.items.front();
  REQUIRE(n1.last_reading.has_value());
  CHECK(n1.last_reading->time == at("2025-06-15T10:15:00Z"));
  CHECK(n1.last_reading->consumed.wh == 1500);
  CHECK(n1.total_consumed.wh == 2000);
  CHECK(n1.total_produced.wh == 200);
  CHECK_FALSE(mine->meters.items[1].last_reading.has_value());
  // A user asking for another's meters gets none.
  segs::meter_query others;
  others.user_id = f.bob_user.id;
  CHECK(f.tel().list_meters(f.alice, others)->meters.total == 0);

  auto region = f.tel().list_meters(f.op);
  REQUIRE(region);
  CHECK(serials(*region) == std::vector<std::string>{"SM_N1", "SM_N2", "SM_N3", "SM_N4"});
  CHECK(region->active_meters == 2);
  CHECK(region->inactive_meters == 2);
  segs::meter_query berlin;
  berlin.region = "berlin";
  CHECK(f.tel().list_meters(f.op, berlin)->meters.total == 0);  // outside the operator's region

  auto all = f.tel().list_meters(f.admin);
  REQUIRE(all);
  CHECK(all->meters.total == 6);
  CHECK(all->active_meters == 3);
  CHECK(all->inactive_meters == 3);
  CHECK(f.tel().list_meters(f.admin, berlin)->meters.total == 2);
  segs::meter_query active;
  active.status = meter_status::active;
  auto act = f.tel().list_meters(f.admin, active);
  REQUIRE(act);
  CHECK(serials(*act) == std::vector<std::string>{"SM_B1", "SM_N1", "SM_N3"});
  CHECK(act->active_meters == 3);  // the counts ignore the status filter
  CHECK(act->inactive_meters == 3);
  segs::meter_query paged;
  paged.per_page = 4;
  paged.page = 2;
  auto p2 = f.tel().list_meters(f.admin, paged);
  REQUIRE(p2);
  CHECK(p2->meters.total == 6);
  CHECK(p2->meters.total_pages() == 2);
  CHECK(serials(*p2) == std::vector<std::string>{"SM_N3", "SM_N4"});
  paged.per_page = 101;
  CHECK(f.tel().list_meters(f.admin, paged).error().field == "per_page");
}

TEST_CASE("telemetry: a meter's region changes only while it has no readings") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_MOVE", "north");
  segs::meter_spec move;
  move.region = "berlin";
  auto moved = f.tel().update_meter(f.admin, "SM_MOVE", move);
  REQUIRE(moved);
  CHECK(moved->region == "berlin");
  REQUIRE(f.tel().submit(segs::principal::system(), "SM_MOVE", f.reading_at(at("2025-06-15T10:15:00Z"), 1)));
  move.region = "ny";
  auto again = f.tel().update_meter(f.admin, "SM_MOVE", move);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == errc::conflict);
  CHECK(again.error().field == "region");
  CHECK(f.tel().get_meter(f.admin, "SM_MOVE")->region == "berlin");
  // Other members still change; the same region is no change.
  segs::meter_spec other;
  other.region = "berlin";
  other.capacity_kw = milli{9'000};
  auto ok = f.tel().update_meter(f.admin, "SM_MOVE", other);
  REQUIRE(ok);
  CHECK(ok->capacity_kw == milli{9'000});
  // meter_id and the owner do not change through update.
  segs::meter_spec rename;
  rename.meter_id = "SM_RENAMED";
  CHECK(f.tel().update_meter(f.admin, "SM_MOVE", rename).error().field == "meter_id");
  segs::meter_spec owner;
  owner.user_id = f.alice_user.id;
  CHECK(f.tel().update_meter(f.admin, "SM_MOVE", owner).error().field == "user_id");
  // A decommissioned meter takes no more changes.
  REQUIRE(f.tel().decommission_meter(f.admin, "SM_MOVE"));
  CHECK(f.tel().update_meter(f.admin, "SM_MOVE", other).error().code == errc::conflict);
}

TEST_CASE("telemetry: every registry change is audited in its transaction") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  auto m = f.tel().create_meter(f.op, spec("SM_AUD"), {"10.0.0.7", "ami-console"});
  REQUIRE(m);
  auto created = audit(f, "meter.create", m->id);
  REQUIRE(created.size() == 1);
  CHECK(created[0].actor_id == f.op.id.to_string());
  CHECK(created[0].ip == "10.0.0.7");
  CHECK(created[0].outcome == "success");
  CHECK(created[0].details.find("SM_AUD") != std::string::npos);
  segs::meter_spec change;
  change.capacity_kw = milli{6'000};
  REQUIRE(f.tel().update_meter(f.admin, "SM_AUD", change));
  CHECK(audit(f, "meter.update", m->id).size() == 1);
  REQUIRE(f.tel().assign_meter(f.admin, "SM_AUD", f.alice_user.id));
  auto assigned = audit(f, "meter.assign", m->id);
  REQUIRE(assigned.size() == 1);
  CHECK(assigned[0].details.find(f.alice_user.id.to_string()) != std::string::npos);
  REQUIRE(f.tel().assign_meter(f.admin, "SM_AUD", f.alice_user.id));  // no change, no record
  CHECK(audit(f, "meter.assign", m->id).size() == 1);
  REQUIRE(f.tel().unassign_meter(f.admin, "SM_AUD"));
  CHECK(audit(f, "meter.unassign", m->id).size() == 1);
  REQUIRE(f.tel().set_meter_status(f.admin, "SM_AUD", meter_status::maintenance, "new firmware"));
  auto status = audit(f, "meter.status", m->id);
  REQUIRE(status.size() == 1);
  CHECK(status[0].details.find("new firmware") != std::string::npos);
  CHECK(status[0].details.find("maintenance") != std::string::npos);
  // Corrections, with the old values.
  REQUIRE(f.tel().submit(segs::principal::system(), "SM_AUD", f.reading_at(at("2025-06-15T10:15:00Z"), 1234, 56)));
  auto fix = f.reading_at(at("2025-06-15T10:15:00Z"), 1300, 56);
  REQUIRE(f.tel().replace(f.admin, "SM_AUD", std::vector<segs::reading>{fix}, "meter swap"));
  auto replaced = audit(f, "meter.readings.replace", m->id);
  REQUIRE(replaced.size() == 1);
  CHECK(replaced[0].details.find("consumed_wh=1234") != std::string::npos);
  CHECK(replaced[0].details.find("meter swap") != std::string::npos);
  // A correction needs a reason.
  CHECK(f.tel().replace(f.admin, "SM_AUD", std::vector<segs::reading>{fix}, "").error().field == "reason");
  REQUIRE(f.tel().decommission_meter(f.admin, "SM_AUD"));
  CHECK(audit(f, "meter.decommission", m->id).size() == 1);
  // Everything about the meter: create, update, assign, unassign, status, replace, decommission.
  segs::audit_query all;
  all.action = "meter.";
  all.target_id = m->id.to_string();
  CHECK(f.grid->audit().query(f.admin, all)->total == 7);
  // Refused changes leave no record.
  CHECK_FALSE(f.tel().create_meter(f.admin, spec("SM_AUD")));
  segs::audit_query creates;
  creates.action = "meter.create";
  CHECK(f.grid->audit().query(f.admin, creates)->total == 1);
  CHECK(f.grid->audit().verify(f.admin)->intact);
}

TEST_CASE("telemetry: readings are published per region after commit, never rejected ones") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_EN", "north");
  f.meter("SM_EB", "berlin");
  auto q = f.grid->events().queue(100, {.names = {"telemetry.readings"}, .region = std::nullopt});
  auto only_berlin = f.grid->events().queue(100, {.names = {"telemetry."}, .region = "berlin"});
  const auto t = at("2025-06-15T10:15:00Z");
  const std::vector<segs::meter_reading> rows{
      {"SM_EN", f.reading_at(t, 1), {}},
      {"SM_EB", f.reading_at(t, 2), {}},
      {"SM_EN", f.reading_at(t + minutes{15}, 3), {}},
      {"SM_EN", f.reading_at(t, 4), {}},            // conflicts with row 0
      {"SM_EB", f.reading_at(t, -1), {}},           // invalid
      {"SM_NOPE", f.reading_at(t, 5), {}},          // unknown
      {"SM_EB", f.reading_at(t, 2), {}},            // a repeat: stored once, published once
  };
  auto rep = f.tel().ingest(segs::principal::system(), rows);
  REQUIRE(rep);
  CHECK(rep->accepted == 3);
  auto events = q.drain();
  REQUIRE(events.size() == 2);  // one per region the call touched
  std::map<std::string, std::vector<std::int64_t>> by_region;
  for (const auto& e : events) {
    CHECK(e.name() == "telemetry.readings");
    const auto* rc = e.get<segs::readings_committed>();
    REQUIRE(rc != nullptr);
    for (const auto& r : rc->readings) {
      CHECK(r.meter_id == (e.region == "north" ? "SM_EN" : "SM_EB"));
      by_region[e.region].push_back(r.values.consumed.wh);
    }
  }
  CHECK(by_region["north"] == std::vector<std::int64_t>{1, 3});
  CHECK(by_region["berlin"] == std::vector<std::int64_t>{2});
  auto b = only_berlin.drain();
  REQUIRE(b.size() == 1);
  CHECK(b[0].region == "berlin");
  // Exact repeats and all-bad calls publish nothing.
  REQUIRE(f.tel().ingest(segs::principal::system(), rows));
  CHECK(q.drain().empty());
  CHECK_FALSE(f.tel().submit(segs::principal::system(), "SM_EN", f.reading_at(t, 9)));
  CHECK(q.drain().empty());
  // A single reading is published too, and a correction.
  REQUIRE(f.tel().submit(segs::principal::system(), "SM_EN", f.reading_at(t + minutes{30}, 7)));
  REQUIRE(f.tel().replace(f.admin, "SM_EN", std::vector<segs::reading>{f.reading_at(t, 8)}, "fix"));
  auto later = q.drain();
  REQUIRE(later.size() == 2);
  CHECK(later[0].get<segs::readings_committed>()->readings.at(0).values.consumed.wh == 7);
  CHECK(later[1].get<segs::readings_committed>()->readings.at(0).values.consumed.wh == 8);
}

TEST_CASE("telemetry: a failed ingestion transaction stores nothing, maintains nothing and publishes nothing") {
  telemetry_fixture f(telemetry_fixture::with_faults);
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_F", "north");
  auto q = f.grid->events().queue(100, {.names = {"telemetry."}, .region = std::nullopt});
  const auto t = at("2025-06-15T10:15:00Z");
  std::vector<segs::meter_reading> rows;
  for (int i = 0; i < 20; ++i) rows.push_back({"SM_F", f.reading_at(t + minutes{5 * i}, 100 + i), {}});
  const segs::time_range day{at("2025-06-15T00:00:00Z"), at("2025-06-16T00:00:00Z")};
  // The quarter-hours are merged by upserts that answer their totals (for
  // the alert rules), statements rather than an append.
  for (const char* step : {"append to meter_readings", "INSERT INTO meter_quarters", "append to meter_days",
                           "append to region_quarters"}) {
    CAPTURE(step);
    f.fault->fail_on(step);
    auto rep = f.tel().ingest(segs::principal::system(), rows);
    f.fault->disarm();
    REQUIRE_FALSE(rep);
    CHECK(rep.error().code == errc::unavailable);
    CHECK(f.tel().readings(f.admin, "SM_F", day)->total == 0);
    CHECK(f.tel().history(f.admin, "SM_F", day, segs::bucket_width::quarter_hour)->empty());
    CHECK(f.tel().history(f.admin, "SM_F", day, segs::bucket_width::day)->empty());
    CHECK(f.tel().stats_of_region(f.admin, "north", day)->consumed.wh == 0);
    CHECK(q.drain().empty());
  }
  f.fault->fail_commit(true);
  CHECK_FALSE(f.tel().ingest(segs::principal::system(), rows));
  f.fault->fail_commit(false);
  CHECK(f.tel().readings(f.admin, "SM_F", day)->total == 0);
  CHECK(q.drain().empty());
  auto rep = f.tel().ingest(segs::principal::system(), rows);
  REQUIRE(rep);
  CHECK(rep->accepted == 20);
  CHECK(q.drain().size() == 1);
  CHECK(f.tel().stats(f.admin, "SM_F", day)->totals.consumed.wh == 20 * 100 + 190);
}

TEST_CASE("telemetry: a user registers a signed device, whose readings must then be signed") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  device_key key;
  const std::string body = R"({"meter_id":"SM_DEV_1","capacity_kw":"5"})";
  segs::device_proof proof{key.public_key(), key.sign(body), body};
  auto bad = f.tel().register_signed_meter(f.alice, spec("SM_DEV_1"),
                                           {key.public_key(), key.sign(body + " "), body});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::unauthorized);
  auto not_key = f.tel().register_signed_meter(f.alice, spec("SM_DEV_1"), {"abc", key.sign(body), body});
  REQUIRE_FALSE(not_key);
  CHECK(not_key.error().field == "public_key");
  auto s = spec("SM_DEV_1");
  s.region.reset();
  auto m = f.tel().register_signed_meter(f.alice, s, proof);
  REQUIRE_MESSAGE(m.has_value(), (m ? "" : m.error().message));
  CHECK(m->user_id == f.alice_user.id);
  CHECK(m->region == "north");  // the user's region
  CHECK(m->public_key == key.public_key());
  CHECK(audit(f, "meter.register", m->id).size() == 1);
  // Readings of the device: signed or refused.
  const auto r = f.reading_at(at("2025-06-15T10:15:00Z"), 42, 0);
  auto unsigned_ = f.tel().submit(f.alice, "SM_DEV_1", r);
  REQUIRE_FALSE(unsigned_);
  CHECK(unsigned_.error().code == errc::unauthorized);
  CHECK(f.tel().submit(f.alice, "SM_DEV_1", r, {key.sign("SM_DEV_1|2025-06-15T10:15:00Z|42|0"), ""}));
  // API keys and anonymous callers do not register devices.
  CHECK(f.tel().register_signed_meter(segs::principal::anonymous(), spec("SM_DEV_2"), proof).error().code ==
        errc::unauthorized);
}

TEST_CASE("telemetry: a meter is named by its serial or its UUID in either case") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  auto m = f.meter("SM_CASE", "north");
  std::string upper = m.id.to_string();
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  auto got = f.tel().get_meter(f.admin, upper);
  REQUIRE_MESSAGE(got.has_value(), (got ? "" : got.error().message));
  CHECK(got->meter_id == "SM_CASE");
  auto sys = segs::principal::system();
  CHECK(f.tel().submit(sys, upper, f.reading_at(at("2025-06-15T10:15:00Z"), 1)));
  const std::vector<segs::meter_reading> rows{{upper, f.reading_at(at("2025-06-15T10:30:00Z"), 2), {}},
                                              {m.id.to_string(), f.reading_at(at("2025-06-15T10:30:00Z"), 2), {}},
                                              {"SM_CASE", f.reading_at(at("2025-06-15T10:30:00Z"), 2), {}}};
  auto rep = f.tel().ingest(sys, rows);
  REQUIRE(rep);
  CHECK(rep->rejected.empty());
  CHECK(rep->accepted == 1);  // the same meter three ways: one reading, two repeats
  CHECK(rep->duplicates == 2);
  // A serial shaped like a UUID would be ambiguous: refused.
  auto ambiguous = f.tel().create_meter(f.admin, spec("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
  REQUIRE_FALSE(ambiguous);
  CHECK(ambiguous.error().code == errc::validation_error);
  CHECK(ambiguous.error().field == "meter_id");
}

TEST_CASE("telemetry: a correction whose first row is refused is still audited against its meter") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  auto m = f.meter("SM_FIX", "north");
  REQUIRE(f.tel().submit(segs::principal::system(), "SM_FIX", f.reading_at(at("2025-06-15T10:15:00Z"), 10)));
  auto bad = f.reading_at(at("2025-06-15T10:30:00Z"), 5);
  bad.voltage = milli{2'000'000};
  const std::vector<segs::reading> rows{bad, f.reading_at(at("2025-06-15T10:15:00Z"), 11)};
  auto rep = f.tel().replace(f.admin, "SM_FIX", rows, "meter swap");
  REQUIRE(rep);
  CHECK(rep->accepted == 1);
  REQUIRE(rep->rejected.size() == 1);
  CHECK(rep->rejected[0].index == 0);
  CHECK(rep->rejected[0].field == "voltage");
  auto records = audit(f, "meter.readings.replace", m.id);
  REQUIRE(records.size() == 1);
  CHECK(records[0].details.find("SM_FIX") != std::string::npos);
  CHECK(records[0].details.find("consumed_wh=10") != std::string::npos);
}

TEST_CASE("telemetry: assign_meter holds a first owner from the local installation day, later owners from now") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  auto s = spec("SM_HOLD", "berlin");
  s.installation_date = year{2025} / 6 / 1;
  auto m = f.tel().create_meter(f.admin, s);
  REQUIRE(m);
  CHECK(holdings(f, "SM_HOLD").empty());
  REQUIRE(f.tel().assign_meter(f.admin, "SM_HOLD", f.alice_user.id));
  // Local midnight of 1 June in Berlin (CEST, UTC+2), not UTC's.
  CHECK(holdings(f, "SM_HOLD") == lines{"alice 2025-05-31T22:00:00Z -"});
  auto assigned = audit(f, "meter.assign", m->id);
  REQUIRE(assigned.size() == 1);
  CHECK(assigned[0].details.find(R"("effective_from":"2025-05-31T22:00:00Z")") != std::string::npos);
  f.clock->set(at("2025-06-20T08:00:00Z"));
  REQUIRE(f.tel().unassign_meter(f.admin, "SM_HOLD"));
  CHECK(holdings(f, "SM_HOLD") == lines{"alice 2025-05-31T22:00:00Z 2025-06-20T08:00:00Z"});
  REQUIRE(f.tel().unassign_meter(f.admin, "SM_HOLD"));  // nobody holds it: nothing changes
  f.clock->set(at("2025-06-21T09:30:00Z"));
  auto given = f.tel().assign_meter(f.admin, "SM_HOLD", f.bob_user.id);
  REQUIRE(given);
  CHECK(given->user_id == f.bob_user.id);
  // The meter had an owner before: the new one holds it from now.
  CHECK(holdings(f, "SM_HOLD") == lines{"alice 2025-05-31T22:00:00Z 2025-06-20T08:00:00Z",
                                        "bob 2025-06-21T09:30:00Z -"});
  // Without an installation date, a first owner holds it since its beginning.
  f.meter("SM_HOLD2", "berlin");
  REQUIRE(f.tel().assign_meter(f.admin, "SM_HOLD2", f.alice_user.id));
  CHECK(holdings(f, "SM_HOLD2") == lines{"alice - -"});
}

TEST_CASE("telemetry: assign_meter takes a backdated effective_from, never into the last holding nor the future") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_BACK", "north", &f.alice_user);
  REQUIRE(f.tel().unassign_meter(f.op, "SM_BACK"));
  f.clock->set(at("2025-06-18T12:00:00Z"));
  auto early = f.tel().assign_meter(f.op, "SM_BACK", f.bob_user.id, at("2025-06-15T11:59:59Z"));
  refused(early, errc::conflict, "effective_from");
  auto ahead = f.tel().assign_meter(f.op, "SM_BACK", f.bob_user.id, at("2025-06-18T12:00:00.000001Z"));
  refused(ahead, errc::validation_error, "effective_from");
  CHECK(holdings(f, "SM_BACK") == lines{"alice - 2025-06-15T12:00:00Z"});
  REQUIRE(f.tel().assign_meter(f.op, "SM_BACK", f.bob_user.id, at("2025-06-16T00:00:00Z")));
  CHECK(holdings(f, "SM_BACK") == lines{"alice - 2025-06-15T12:00:00Z", "bob 2025-06-16T00:00:00Z -"});
  // The current holder again: nothing changes, whatever effective_from says.
  auto same = f.tel().assign_meter(f.op, "SM_BACK", f.bob_user.id, at("2025-06-17T00:00:00Z"));
  REQUIRE(same);
  CHECK(same->user_id == f.bob_user.id);
  refused(f.tel().assign_meter(f.op, "SM_BACK", f.alice_user.id, at("2025-06-18T00:00:00Z")), errc::conflict,
          "meter_id");
  CHECK(holdings(f, "SM_BACK") == lines{"alice - 2025-06-15T12:00:00Z", "bob 2025-06-16T00:00:00Z -"});
  // A holding may start exactly when the last one ended.
  REQUIRE(f.tel().unassign_meter(f.op, "SM_BACK"));
  REQUIRE(f.tel().assign_meter(f.op, "SM_BACK", f.alice_user.id, at("2025-06-18T12:00:00Z")));
  CHECK(holdings(f, "SM_BACK") == lines{"alice - 2025-06-15T12:00:00Z",
                                        "bob 2025-06-16T00:00:00Z 2025-06-18T12:00:00Z",
                                        "alice 2025-06-18T12:00:00Z -"});
  // A first owner may be backdated before the installation day.
  auto s = spec("SM_BACK2", "ny");
  s.installation_date = year{2025} / 6 / 10;
  REQUIRE(f.tel().create_meter(f.admin, s));
  REQUIRE(f.tel().assign_meter(f.admin, "SM_BACK2", f.bob_user.id, at("2025-01-01T00:00:00Z")));
  CHECK(holdings(f, "SM_BACK2") == lines{"bob 2025-01-01T00:00:00Z -"});
}

TEST_CASE("telemetry: a meter created with an owner opens its first holding, and meter_assignments reads as get_meter") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  auto s = spec("SM_NEW_NY", "ny");
  s.installation_date = year{2025} / 6 / 10;
  s.user_id = f.alice_user.id;
  REQUIRE(f.tel().create_meter(f.admin, s));
  // Local midnight of 10 June in New York (EDT, UTC-4).
  CHECK(holdings(f, "SM_NEW_NY") == lines{"alice 2025-06-10T04:00:00Z -"});
  // An installation still to come: a holding does not start in the future.
  s.meter_id = "SM_NEW_LATER";
  s.installation_date = year{2025} / 7 / 1;
  REQUIRE(f.tel().create_meter(f.admin, s));
  CHECK(holdings(f, "SM_NEW_LATER") == lines{"alice 2025-06-15T12:00:00Z -"});
  f.meter("SM_NEW_N", "north", &f.bob_user);
  CHECK(holdings(f, "SM_NEW_N") == lines{"bob - -"});
  f.meter("SM_NEW_FREE", "north");
  CHECK(holdings(f, "SM_NEW_FREE").empty());
  // Whoever reads the meter reads its holdings; to others it does not exist.
  CHECK(f.tel().meter_assignments(f.bob, "SM_NEW_N")->size() == 1);
  CHECK(f.tel().meter_assignments(f.op, "SM_NEW_N")->size() == 1);
  CHECK(f.tel().meter_assignments(f.alice, "SM_NEW_N").error().code == errc::not_found);
  CHECK(f.tel().meter_assignments(f.op, "SM_NEW_NY").error().code == errc::not_found);
  CHECK(f.tel().meter_assignments(f.admin, "SM_NONE").error().code == errc::not_found);
  CHECK(f.tel().meter_assignments(segs::principal::anonymous(), "SM_NEW_N").error().code == errc::unauthorized);
}

TEST_CASE("telemetry: the assignments of a region's meters overlapping a range come by meter then start") {
  telemetry_fixture f(telemetry_fixture::with_faults);
  f.clock->set(at("2025-06-10T00:00:00Z"));
  f.meter("SM_R1", "berlin", &f.alice_user);  // alice since the beginning ...
  f.meter("SM_R2", "berlin");
  f.meter("SM_R3", "north", &f.alice_user);  // another region's
  f.clock->set(at("2025-06-12T00:00:00Z"));
  REQUIRE(f.tel().unassign_meter(f.admin, "SM_R1"));  // ... until 12 June
  f.clock->set(at("2025-06-13T00:00:00Z"));
  REQUIRE(f.tel().assign_meter(f.admin, "SM_R1", f.bob_user.id, at("2025-06-12T06:00:00Z")));
  REQUIRE(f.tel().assign_meter(f.admin, "SM_R2", f.alice_user.id, at("2025-06-11T00:00:00Z")));
  REQUIRE(f.tel().unassign_meter(f.admin, "SM_R2"));
  f.clock->set(at("2025-06-14T00:00:00Z"));
  REQUIRE(f.tel().assign_meter(f.admin, "SM_R2", f.bob_user.id));
  f.clock->set(at("2025-06-15T00:00:00Z"));
  REQUIRE(f.tel().unassign_meter(f.admin, "SM_R2"));
  // A holding that begins and ends at one instant spans nothing.
  REQUIRE(f.tel().assign_meter(f.admin, "SM_R2", f.alice_user.id));
  REQUIRE(f.tel().unassign_meter(f.admin, "SM_R2"));
  auto region = [&](const std::string& from, const std::string& to) {
    auto tx = f.fault->inner().begin(segs::storage::tx_mode::read);
    lines out;
    for (const auto& h : segs::storage::telemetry::holdings_of_region(*tx, "berlin", at(from), at(to)))
      out.push_back(who_of(f, h.user) + " " + time_or_dash(h.from) + " " + time_or_dash(h.to));
    return out;
  };
  CHECK(region("2025-06-01T00:00:00Z", "2025-07-01T00:00:00Z") ==
        lines{"alice - 2025-06-12T00:00:00Z", "bob 2025-06-12T06:00:00Z -",
              "alice 2025-06-11T00:00:00Z 2025-06-13T00:00:00Z", "bob 2025-06-14T00:00:00Z 2025-06-15T00:00:00Z"});
  // [from, to): a holding ending at `from` or starting at `to` is outside.
  CHECK(region("2025-06-12T00:00:00Z", "2025-06-12T06:00:00Z") ==
        lines{"alice 2025-06-11T00:00:00Z 2025-06-13T00:00:00Z"});
  CHECK(region("2025-06-11T23:59:59Z", "2025-06-12T06:00:01Z") ==
        lines{"alice - 2025-06-12T00:00:00Z", "bob 2025-06-12T06:00:00Z -",
              "alice 2025-06-11T00:00:00Z 2025-06-13T00:00:00Z"});
  CHECK(region("2025-06-15T00:00:00Z", "2025-06-16T00:00:00Z") == lines{"bob 2025-06-12T06:00:00Z -"});
}

TEST_CASE("telemetry: a failed assignment leaves neither the owner nor a holding") {
  telemetry_fixture f(telemetry_fixture::with_faults);
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_FA", "north");
  f.fault->fail_on("INSERT INTO meter_holdings");
  CHECK_FALSE(f.tel().assign_meter(f.admin, "SM_FA", f.alice_user.id));
  f.fault->disarm();
  CHECK_FALSE(f.tel().get_meter(f.admin, "SM_FA")->user_id.has_value());
  CHECK(holdings(f, "SM_FA").empty());
  REQUIRE(f.tel().assign_meter(f.admin, "SM_FA", f.alice_user.id));
  f.fault->fail_on("UPDATE meter_holdings");
  CHECK_FALSE(f.tel().unassign_meter(f.admin, "SM_FA"));
  f.fault->disarm();
  CHECK(f.tel().get_meter(f.admin, "SM_FA")->user_id == f.alice_user.id);
  CHECK(holdings(f, "SM_FA") == lines{"alice - -"});
}
