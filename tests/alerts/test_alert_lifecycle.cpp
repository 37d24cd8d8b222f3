// The lifecycle (issue 13, section 2): active -> acknowledged -> resolved or
// active -> resolved; acknowledging twice answers the alert unchanged;
// acknowledging or resolving a resolved alert is a conflict; each
// acknowledge and resolve audited and published after commit; a manual
// resolution while the condition lasts; bulk acknowledge with mixed ids.
#include "alerts/alerts_fixture.hpp"

#include <doctest/doctest.h>

using namespace segs_test;
using namespace std::chrono;
using segs::alert_status;
using segs::alert_type;
using segs::errc;
using segs::timestamp;

namespace {

const timestamp t0 = at("2025-06-15T10:00:00Z");
timestamp t_(int i) { return t0 + minutes{5 * i}; }

// The audit records that name the alert (as target, or in their details),
// newest first.
std::vector<segs::audit_record> audit_of(alerts_fixture& f, const segs::uuid& id) {
  std::vector<segs::audit_record> out;
  const auto text = id.to_string();
  segs::audit_query q;
  q.per_page = 100;
  for (q.page = 1;; ++q.page) {
    auto p = f.grid->audit().query(f.admin, q);
    REQUIRE_MESSAGE(p.has_value(), (p ? "" : p.error().message));
    for (const auto& r : p->items)
      if (r.target_id == text || r.details.find(text) != std::string::npos) out.push_back(r);
    if (q.page >= p->total_pages()) break;
  }
  return out;
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

segs::alert raise_on(alerts_fixture& f, const std::string& serial, const std::string& region = "north",
                     const segs::user* owner = nullptr, timestamp t = t0) {
  f.meter(serial, region, owner);
  f.send(serial, f.volts(t, 245'000));
  return f.one(serial, alert_type::over_voltage);
}

}  // namespace

TEST_CASE("alerts: acknowledge then resolve, with their times, people and notes") {
  alerts_fixture f;
  const auto a = raise_on(f, "LC_1");
  auto q = f.grid->events().queue(100, {.names = {"alerts."}, .region = std::nullopt});

  f.clock->set(t0 + minutes{10});
  auto ack = f.al().acknowledge(f.op, a.id, "crew sent");
  REQUIRE_MESSAGE(ack.has_value(), (ack ? "" : ack.error().message));
  CHECK(ack->id == a.id);
  CHECK(ack->status == alert_status::acknowledged);
  CHECK(ack->acknowledged_at == t0 + minutes{10});
  CHECK(ack->acknowledged_by == f.op.id);
  CHECK(ack->acknowledge_note == "crew sent");
  CHECK(ack->occurrences == a.occurrences);
  CHECK(ack->severity == a.severity);
  CHECK(ack->first_seen_at == a.first_seen_at);
  CHECK_FALSE(ack->resolved_at.has_value());
  auto evs = q.drain();
  REQUIRE(names_of(evs) == std::vector<std::string>{"alerts.acknowledged"});
  CHECK(evs[0].region == "north");
  CHECK(evs[0].get<segs::alert_event>()->alert.status == alert_status::acknowledged);
  CHECK(evs[0].get<segs::alert_event>()->alert.acknowledged_by == f.op.id);

  auto got = f.al().get(f.op, a.id);
  REQUIRE(got.has_value());
  CHECK(got->status == alert_status::acknowledged);
  CHECK(got->acknowledge_note == "crew sent");

  // Again (by someone else, later, with another note): the same alert, unchanged.
  f.clock->set(t0 + minutes{15});
  auto again = f.al().acknowledge(f.admin, a.id, "second look");
  REQUIRE(again.has_value());
  CHECK(again->id == a.id);
  CHECK(again->status == alert_status::acknowledged);
  CHECK(again->acknowledged_at == t0 + minutes{10});
  CHECK(again->acknowledged_by == f.op.id);
  CHECK(again->acknowledge_note == "crew sent");
  CHECK(q.drain().empty());

  f.clock->set(t0 + minutes{40});
  auto res = f.al().resolve(f.op, a.id, "transformer tap changed");
  REQUIRE_MESSAGE(res.has_value(), (res ? "" : res.error().message));
  CHECK(res->status == alert_status::resolved);
  CHECK(res->resolved_at == t0 + minutes{40});
  CHECK(res->resolved_by == f.op.id);
  CHECK(res->resolution == segs::alert_resolution::manual);
  CHECK(res->resolution_note == "transformer tap changed");
  CHECK(res->acknowledged_at == t0 + minutes{10});
  CHECK(res->acknowledged_by == f.op.id);
  evs = q.drain();
  REQUIRE(names_of(evs) == std::vector<std::string>{"alerts.resolved"});
  CHECK(evs[0].get<segs::alert_event>()->alert.resolution == segs::alert_resolution::manual);

  // A resolved alert: both are conflicts, and change nothing.
  auto ack2 = f.al().acknowledge(f.op, a.id);
  REQUIRE_FALSE(ack2.has_value());
  CHECK(ack2.error().code == errc::conflict);
  auto res2 = f.al().resolve(f.admin, a.id, "again");
  REQUIRE_FALSE(res2.has_value());
  CHECK(res2.error().code == errc::conflict);
  const auto after = f.al().get(f.admin, a.id);
  CHECK(after->resolution_note == "transformer tap changed");
  CHECK(after->resolved_by == f.op.id);
  CHECK(q.drain().empty());

  // Audited: one record for the acknowledge, one for the resolve, by op.
  const auto recs = audit_of(f, a.id);
  int acks = 0, resolves = 0;
  for (const auto& r : recs) {
    CAPTURE(r.action);
    if (r.outcome != "success") continue;
    CHECK(r.actor_id == f.op.id.to_string());
    CHECK(contains(r.action, "alert"));
    if (contains(r.action, "ack")) ++acks;
    if (contains(r.action, "resolv")) ++resolves;
  }
  CHECK(acks == 1);
  CHECK(resolves == 1);
}

TEST_CASE("alerts: an active alert may be resolved without acknowledging it, and then not acknowledged") {
  alerts_fixture f;
  const auto a = raise_on(f, "LC_2");
  f.clock->set(t0 + minutes{7});
  auto res = f.al().resolve(f.admin, a.id);
  REQUIRE(res.has_value());
  CHECK(res->status == alert_status::resolved);
  CHECK(res->resolution == segs::alert_resolution::manual);
  CHECK(res->resolved_by == f.admin.id);
  CHECK(res->resolved_at == t0 + minutes{7});
  CHECK_FALSE(res->acknowledged_at.has_value());
  CHECK(res->resolution_note.empty());
  auto ack = f.al().acknowledge(f.admin, a.id);
  REQUIRE_FALSE(ack.has_value());
  CHECK(ack.error().code == errc::conflict);
  CHECK(f.al().get(f.admin, a.id)->status == alert_status::resolved);
  int resolves = 0;
  for (const auto& r : audit_of(f, a.id))
    if (contains(r.action, "resolv") && r.outcome == "success") ++resolves;
  CHECK(resolves == 1);
}

TEST_CASE("alerts: an acknowledged alert still counts repeats and resolves automatically when the condition clears") {
  alerts_fixture f;
  const auto a = raise_on(f, "LC_3");
  REQUIRE(f.al().acknowledge(f.op, a.id, "looking").has_value());
  f.send("LC_3", f.volts(t_(1), 246'000));
  auto b = f.al().get(f.admin, a.id);
  CHECK(b->status == alert_status::acknowledged);
  CHECK(b->occurrences == 2);
  CHECK(b->last_seen_at == t_(1));
  for (int i = 2; i <= 4; ++i) f.send("LC_3", f.volts(t_(i), 230'000));
  auto c = f.al().get(f.admin, a.id);
  REQUIRE(c.has_value());
  CHECK(c->status == alert_status::resolved);
  CHECK(c->resolution == segs::alert_resolution::automatic);
  CHECK_FALSE(c->resolved_by.has_value());
  CHECK(c->acknowledged_by == f.op.id);
  CHECK(c->acknowledge_note == "looking");
}

TEST_CASE("alerts: after a manual resolution the condition's next reading opens a new alert") {
  alerts_fixture f;
  const auto a = raise_on(f, "LC_4");
  REQUIRE(f.al().resolve(f.op, a.id, "seen").has_value());
  f.send("LC_4", f.volts(t_(1), 245'000));
  const auto all = f.of("LC_4", alert_type::over_voltage);
  REQUIRE(all.size() == 2);
  CHECK(all[0].id != a.id);
  CHECK(all[0].status == alert_status::active);
  CHECK(all[0].occurrences == 1);
  CHECK(all[1].id == a.id);
  CHECK(all[1].status == alert_status::resolved);
  CHECK(all[1].occurrences == 1);
}

TEST_CASE("alerts: unknown ids are not found") {
  alerts_fixture f;
  const auto id = unknown_id();
  CHECK(f.al().get(f.admin, id).error().code == errc::not_found);
  CHECK(f.al().acknowledge(f.admin, id).error().code == errc::not_found);
  CHECK(f.al().resolve(f.admin, id).error().code == errc::not_found);
}

TEST_CASE("alerts: nothing is raised or published for readings whose transaction failed, and acknowledging publishes after commit") {
  alerts_fixture f(alerts_fixture::with_faults);
  f.meter("FLT_1", "north");
  f.meter("FLT_2", "north");
  auto q = f.grid->events().queue(100, {.names = {"alerts."}, .region = std::nullopt});
  const segs::time_range day{at("2025-06-15T00:00:00Z"), at("2025-06-16T00:00:00Z")};

  f.clock_to(t_(1));
  f.fault->fail_commit(true);
  auto failed = f.tel().submit(segs::principal::system(), "FLT_1", f.volts(t_(1), 260'000));
  f.fault->fail_commit(false);
  REQUIRE_FALSE(failed.has_value());
  CHECK(f.of("FLT_1").empty());
  CHECK(q.drain().empty());
  CHECK(f.tel().readings(f.admin, "FLT_1", day)->total == 0);

  f.send("FLT_1", f.volts(t_(1), 260'000));
  const auto a = f.one("FLT_1", alert_type::over_voltage);
  CHECK(names_of(q.drain()) == std::vector<std::string>{"alerts.raised"});

  // A statement of the alerts failing: the reading is stored and evaluated,
  // or neither.
  f.clock_to(t_(2));
  f.fault->fail_on("alert");
  auto maybe = f.tel().submit(segs::principal::system(), "FLT_2", f.volts(t_(2), 260'000));
  f.fault->disarm();
  const auto stored = f.tel().readings(f.admin, "FLT_2", day)->total;
  const auto raised = f.of("FLT_2");
  if (maybe) {
    CHECK(stored == 1);
    CHECK(raised.size() == 1);
    CHECK(q.drain().size() == 1);
  } else {
    CHECK(stored == 0);
    CHECK(raised.empty());
    CHECK(q.drain().empty());
  }

  f.fault->fail_commit(true);
  auto ack = f.al().acknowledge(f.op, a.id, "x");
  f.fault->fail_commit(false);
  REQUIRE_FALSE(ack.has_value());
  CHECK(f.al().get(f.admin, a.id)->status == alert_status::active);
  CHECK(q.drain().empty());
  REQUIRE(f.al().acknowledge(f.op, a.id, "y").has_value());
  CHECK(names_of(q.drain()) == std::vector<std::string>{"alerts.acknowledged"});
  CHECK(f.al().get(f.admin, a.id)->acknowledge_note == "y");
}

TEST_CASE("alerts: bulk acknowledge sorts mixed ids into acknowledged, already acknowledged, conflict and not found") {
  alerts_fixture f;
  const auto active = raise_on(f, "BULK_1");
  const auto acked = raise_on(f, "BULK_2");
  const auto resolved = raise_on(f, "BULK_3");
  const auto active2 = raise_on(f, "BULK_4");
  const auto south = raise_on(f, "BULK_S", "south");
  REQUIRE(f.al().acknowledge(f.op, acked.id, "earlier").has_value());
  REQUIRE(f.al().resolve(f.op, resolved.id).has_value());
  const auto nobody = unknown_id(7);
  auto q = f.grid->events().queue(100, {.names = {"alerts."}, .region = std::nullopt});

  f.clock->set(t0 + minutes{30});
  const std::vector<segs::uuid> ids{active.id, acked.id, resolved.id, nobody, south.id, active2.id};
  auto rep = f.al().acknowledge_many(f.op, ids, "storm");
  REQUIRE_MESSAGE(rep.has_value(), (rep ? "" : rep.error().message));
  CHECK(sorted(rep->acknowledged) == sorted({active.id, active2.id}));
  CHECK(rep->already_acknowledged == std::vector<segs::uuid>{acked.id});
  CHECK(rep->conflict == std::vector<segs::uuid>{resolved.id});
  CHECK(sorted(rep->not_found) == sorted({nobody, south.id}));

  for (const auto& id : {active.id, active2.id}) {
    auto a = f.al().get(f.admin, id);
    REQUIRE(a.has_value());
    CHECK(a->status == alert_status::acknowledged);
    CHECK(a->acknowledged_by == f.op.id);
    CHECK(a->acknowledged_at == t0 + minutes{30});
    CHECK(a->acknowledge_note == "storm");
    bool audited = false;
    for (const auto& r : audit_of(f, id)) audited = audited || (contains(r.action, "ack") && r.outcome == "success");
    CHECK(audited);
  }
  CHECK(f.al().get(f.admin, acked.id)->acknowledge_note == "earlier");
  CHECK(f.al().get(f.admin, resolved.id)->status == alert_status::resolved);
  CHECK(f.al().get(f.admin, south.id)->status == alert_status::active);
  const auto evs = q.drain();
  CHECK(names_of(evs) == std::vector<std::string>{"alerts.acknowledged", "alerts.acknowledged"});

  // The admin sees the south alert.
  auto by_admin = f.al().acknowledge_many(f.admin, std::vector<segs::uuid>{south.id});
  REQUIRE(by_admin.has_value());
  CHECK(by_admin->acknowledged == std::vector<segs::uuid>{south.id});

  // alerts:manage is needed.
  auto by_alice = f.al().acknowledge_many(f.alice, std::vector<segs::uuid>{active.id});
  REQUIRE_FALSE(by_alice.has_value());
  CHECK(by_alice.error().code == errc::forbidden);
}

TEST_CASE("alerts: bulk acknowledge takes at most 500 ids") {
  alerts_fixture f;
  std::vector<segs::uuid> ids;
  for (int i = 0; i < 500; ++i) {
    auto u = unknown_id(static_cast<std::uint8_t>(i));
    u.bytes[15] = static_cast<std::uint8_t>(i >> 8);
    u.bytes[14] = static_cast<std::uint8_t>(i & 0xFF);
    ids.push_back(u);
  }
  auto ok = f.al().acknowledge_many(f.admin, ids);
  REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().message));
  CHECK(ok->not_found.size() == 500);
  CHECK(ok->acknowledged.empty());
  ids.push_back(unknown_id(0xEE));
  auto too_many = f.al().acknowledge_many(f.admin, ids);
  REQUIRE_FALSE(too_many.has_value());
  CHECK(too_many.error().code == errc::validation_error);
}
