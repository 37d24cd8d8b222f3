// The tariffs service (issue 14) on every backend: the one-in-effect rule,
// changes before a tariff begins, who may do what, the current period and
// its span, overrides (created, removed mid-way), forecasts, history,
// estimates over a metered profile, and analytics over a region's metering.
#include "telemetry/telemetry_fixture.hpp"

#include <segs/tariffs.hpp>

#include <doctest/doctest.h>

#include <chrono>

using namespace segs_test;
using namespace std::chrono;
using namespace std::chrono_literals;
using segs::day_kind;
using segs::errc;
using segs::money;
using segs::tariff;
using segs::timestamp;

namespace {

money M(const char* s) { return money::parse(s).value(); }

// Berlin: peak 17:00-21:00 on weekdays at 0.40, off-peak at 0.20 otherwise;
// 1.00 a day fixed, 10 % tax.
tariff berlin_tou(timestamp from, std::optional<timestamp> to = std::nullopt) {
  tariff t;
  t.region = "berlin";
  t.name = "Berlin TOU";
  t.effective_from = from;
  t.effective_to = to;
  t.periods = {{"peak", M("0.40")}, {"off_peak", M("0.20")}};
  t.schedule = {{"peak", {day_kind::mon, day_kind::tue, day_kind::wed, day_kind::thu, day_kind::fri}, 17h, 21h, {}}};
  t.default_period = "off_peak";
  t.fixed_charge_per_day = M("1.00");
  t.tax_percent = segs::ten_thousandths{100'000};
  return t;
}

// North (UTC): 0.30 from 10:00 to 11:00 every day, 0.10 otherwise.
tariff north_flat(timestamp from) {
  tariff t;
  t.region = "north";
  t.name = "North";
  t.effective_from = from;
  t.periods = {{"day", M("0.30")}, {"night", M("0.10")}};
  t.schedule = {{"day",
                 {day_kind::mon, day_kind::tue, day_kind::wed, day_kind::thu, day_kind::fri, day_kind::sat,
                  day_kind::sun, day_kind::holiday},
                 10h,
                 11h,
                 {}}};
  t.default_period = "night";
  return t;
}

struct tariffs_fixture : telemetry_fixture {
  segs::principal op_berlin;
  tariffs_fixture() {
    made("op-berlin@example.org", "operator", "berlin");
    op_berlin = as("op-berlin@example.org");
  }
  segs::tariffs_service& tar() { return grid->tariffs(); }
  tariff created(const tariff& t) {
    auto r = tar().create(admin, t);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    return *r;
  }
  segs::tariff_override override_of(const char* region, timestamp start, timestamp end, money price) {
    segs::tariff_override o;
    o.region = region;
    o.start = start;
    o.end = end;
    o.price_per_kwh = price;
    o.reason = "heat wave";
    return o;
  }
};

}  // namespace

TEST_CASE("tariffs: one tariff in effect per region, and a later start ends an open-ended predecessor") {
  tariffs_fixture f;
  f.clock->set(at("2025-06-16T12:00:00Z"));
  const auto a = f.created(berlin_tou(at("2025-01-01T00:00:00Z")));  // history: nothing was in effect
  CHECK(a.currency == "EUR");
  CHECK(a.created_by.has_value());
  CHECK_FALSE(a.effective_to.has_value());

  // From a future instant inside the open-ended A: A ends there.
  auto b_in = berlin_tou(at("2025-07-01T00:00:00Z"));
  b_in.name = "Summer";
  const auto b = f.created(b_in);
  CHECK(f.tar().get(f.admin, a.id)->effective_to == at("2025-07-01T00:00:00Z"));

  // Anything else overlapping is a conflict: here, inside A's (now closed) range.
  auto r = f.tar().create(f.admin, berlin_tou(at("2025-06-01T00:00:00Z"), at("2025-06-02T00:00:00Z")));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == errc::conflict);
  // Starting inside the open-ended B, later than its start: ends B.
  r = f.tar().create(f.admin, berlin_tou(at("2025-08-01T00:00:00Z")));
  REQUIRE(r.has_value());
  CHECK(f.tar().get(f.admin, b.id)->effective_to == at("2025-08-01T00:00:00Z"));

  // Ending an open-ended tariff in the past is refused.
  f.clock->set(at("2025-09-01T00:00:00Z"));
  r = f.tar().create(f.admin, berlin_tou(at("2025-08-15T00:00:00Z")));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == errc::conflict);
  CHECK(r.error().field == "effective_from");

  // Another region is independent; an unknown one is not found.
  CHECK(f.tar().create(f.admin, north_flat(at("2025-01-01T00:00:00Z"))).has_value());
  auto ghost = north_flat(at("2025-01-01T00:00:00Z"));
  ghost.region = "atlantis";
  CHECK(f.tar().create(f.admin, ghost).error().code == errc::not_found);
}

TEST_CASE("tariffs: who may create, change and read") {
  tariffs_fixture f;
  f.clock->set(at("2025-06-16T12:00:00Z"));
  const auto t = berlin_tou(at("2025-07-01T00:00:00Z"));
  CHECK(f.tar().create(f.op, t).error().code == errc::forbidden);
  CHECK(f.tar().create(f.alice, t).error().code == errc::forbidden);
  CHECK(f.tar().create(segs::principal::anonymous(), t).error().code == errc::unauthorized);
  const auto made = f.created(t);
  CHECK(f.tar().get(f.alice, made.id).has_value());
  CHECK(f.tar().get(segs::principal::anonymous(), made.id).error().code == errc::unauthorized);
  segs::tariff_patch p;
  p.name = "renamed";
  CHECK(f.tar().update(f.op, made.id, p).error().code == errc::forbidden);
  // The currency is the region's.
  auto usd = berlin_tou(at("2026-01-01T00:00:00Z"));
  usd.currency = "USD";
  auto r = f.tar().create(f.admin, usd);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "currency");
  // Validation names the member's path.
  auto bad = berlin_tou(at("2026-01-01T00:00:00Z"));
  bad.schedule.push_back({"peak", {day_kind::sat}, 10min, 12h, {}});
  r = f.tar().create(f.admin, bad);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == errc::validation_error);
  CHECK(r.error().field == "schedule[1].start");
}

TEST_CASE("tariffs: a tariff changes only before it begins, and moving its start moves its predecessor's end") {
  tariffs_fixture f;
  f.clock->set(at("2025-06-16T12:00:00Z"));
  const auto a = f.created(berlin_tou(at("2025-01-01T00:00:00Z")));
  const auto b = f.created(berlin_tou(at("2025-07-01T00:00:00Z")));

  segs::tariff_patch p;
  p.name = "Summer 2025";
  p.periods = std::vector<segs::tariff_period>{{"peak", M("0.45")}, {"off_peak", M("0.21")}};
  p.effective_from = at("2025-07-15T00:00:00Z");
  auto u = f.tar().update(f.admin, b.id, p);
  REQUIRE_MESSAGE(u.has_value(), (u ? "" : u.error().message));
  CHECK(u->name == "Summer 2025");
  CHECK(u->periods[0].price_per_kwh == M("0.45"));
  CHECK(f.tar().get(f.admin, b.id)->effective_from == at("2025-07-15T00:00:00Z"));
  CHECK(f.tar().get(f.admin, a.id)->effective_to == at("2025-07-15T00:00:00Z"));

  // A tariff in effect is immutable.
  segs::tariff_patch q;
  q.name = "again";
  auto r = f.tar().update(f.admin, a.id, q);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == errc::conflict);
  // A patch that breaks the terms changes nothing.
  segs::tariff_patch broken;
  broken.default_period = "nowhere";
  r = f.tar().update(f.admin, b.id, broken);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "default_period");
  CHECK(f.tar().get(f.admin, b.id)->default_period == "off_peak");
  // Moving the start into A's past is refused, and A keeps its end.
  segs::tariff_patch past;
  past.effective_from = at("2025-06-01T00:00:00Z");
  r = f.tar().update(f.admin, b.id, past);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == errc::conflict);
  CHECK(f.tar().get(f.admin, a.id)->effective_to == at("2025-07-15T00:00:00Z"));
}

TEST_CASE("tariffs: the current period and the span it holds for, in local time") {
  tariffs_fixture f;
  f.clock->set(at("2025-06-16T10:00:00Z"));
  const auto a = f.created(berlin_tou(at("2025-01-01T00:00:00Z")));
  // Monday 2025-06-16 17:10 CEST: peak since 17:00, until 21:00.
  f.clock->set(at("2025-06-16T15:10:00Z"));
  auto c = f.tar().current(f.alice, "berlin");
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message));
  CHECK(c->in_effect.id == a.id);
  CHECK(c->now == at("2025-06-16T15:10:00Z"));
  CHECK(c->period.name == "peak");
  CHECK(c->period.price_per_kwh == M("0.40"));
  CHECK(c->period.effective_price_per_kwh == M("0.40"));
  CHECK_FALSE(c->period.override_id.has_value());
  CHECK(c->period.starts_at == at("2025-06-16T15:00:00Z"));
  CHECK(c->period.ends_at == at("2025-06-16T19:00:00Z"));
  CHECK(c->next_change_at == c->period.ends_at);
  // Friday 21:30 CEST: off-peak from Friday 21:00 to Monday 17:00.
  f.clock->set(at("2025-06-20T19:30:00Z"));
  c = f.tar().current(f.alice, "berlin");
  REQUIRE(c.has_value());
  CHECK(c->period.name == "off_peak");
  CHECK(c->period.starts_at == at("2025-06-20T19:00:00Z"));
  CHECK(c->period.ends_at == at("2025-06-23T15:00:00Z"));
  // The caller's own region without a name; none in effect is not found.
  CHECK(f.tar().current(f.alice).error().code == errc::not_found);  // alice is in north
  // One period, open-ended, nothing dated: nothing known changes it.
  tariff flat;
  flat.region = "north";
  flat.name = "flat";
  flat.effective_from = at("2025-01-01T00:00:00Z");
  flat.periods = {{"any", M("0.25")}};
  flat.default_period = "any";
  f.created(flat);
  c = f.tar().current(f.alice);
  REQUIRE(c.has_value());
  CHECK(c->period.starts_at == at("2025-01-01T00:00:00Z"));
  CHECK_FALSE(c->period.ends_at.has_value());
  CHECK_FALSE(c->next_change_at.has_value());
  // pricer_at prices like current.
  auto p = f.tar().pricer_at("berlin", at("2025-06-16T15:10:00Z"));
  REQUIRE(p.has_value());
  CHECK(p->price_at(at("2025-06-16T15:00:00Z"))->period == "peak");
}

TEST_CASE("tariffs: an override replaces the price from the current bucket on, and removing it mid-way keeps the past") {
  tariffs_fixture f;
  f.clock->set(at("2025-06-16T15:10:00Z"));
  f.created(berlin_tou(at("2025-01-01T00:00:00Z")));
  // Not before the current bucket (15:00).
  auto r = f.tar().create_override(f.admin, f.override_of("berlin", at("2025-06-16T14:45:00Z"),
                                                          at("2025-06-16T16:30:00Z"), M("0.50")));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "start");
  // Operators of another region may not; of this one, or admins, may.
  r = f.tar().create_override(f.op, f.override_of("berlin", at("2025-06-16T15:30:00Z"), at("2025-06-16T16:30:00Z"),
                                                  M("0.50")));
  CHECK(r.error().code == errc::forbidden);
  const auto o = f.tar().create_override(f.op_berlin, f.override_of("berlin", at("2025-06-16T15:30:00Z"),
                                                                               at("2025-06-16T16:30:00Z"), M("0.50")));
  REQUIRE(o.has_value());

  f.clock->set(at("2025-06-16T15:40:00Z"));
  auto c = f.tar().current(f.alice, "berlin");
  REQUIRE(c.has_value());
  CHECK(c->period.name == "peak");
  CHECK(c->period.effective_price_per_kwh == M("0.50"));
  CHECK(c->period.override_id == o->id);
  CHECK(c->period.starts_at == at("2025-06-16T15:30:00Z"));
  CHECK(c->period.ends_at == at("2025-06-16T16:30:00Z"));

  // Removed at 15:40: it ends with the current bucket, at 15:45.
  auto removed = f.tar().remove_override(f.admin, o->id);
  REQUIRE(removed.has_value());
  CHECK(removed->end == at("2025-06-16T15:45:00Z"));
  CHECK(removed->removed_at == at("2025-06-16T15:40:00Z"));
  CHECK(f.tar().remove_override(f.admin, o->id).error().code == errc::conflict);
  c = f.tar().current(f.alice, "berlin");
  CHECK(c->period.ends_at == at("2025-06-16T15:45:00Z"));
  f.clock->set(at("2025-06-16T15:50:00Z"));
  c = f.tar().current(f.alice, "berlin");
  CHECK(c->period.effective_price_per_kwh == M("0.40"));
  CHECK(c->period.starts_at == at("2025-06-16T15:45:00Z"));

  // One that has not begun is removed whole; history shows both.
  const auto later = f.tar().create_override(
      f.admin, f.override_of("berlin", at("2025-06-17T10:00:00Z"), at("2025-06-17T12:00:00Z"), M("0.05")));
  REQUIRE(later.has_value());
  removed = f.tar().remove_override(f.admin, later->id);
  REQUIRE(removed.has_value());
  CHECK(removed->end == removed->start);
  auto h = f.tar().history(f.alice, "berlin", at("2025-06-16T00:00:00Z"), at("2025-06-18T00:00:00Z"));
  REQUIRE(h.has_value());
  REQUIRE(h->tariffs.size() == 1);
  REQUIRE(h->overrides.size() == 1);  // the one removed whole overlaps nothing
  CHECK(h->overrides[0].id == o->id);
  CHECK(h->overrides[0].end == at("2025-06-16T15:45:00Z"));
}

TEST_CASE("tariffs: forecast spans across a tariff change, and history newest first") {
  tariffs_fixture f;
  f.clock->set(at("2025-06-29T12:07:00Z"));  // Sunday
  f.created(berlin_tou(at("2025-01-01T00:00:00Z")));
  auto summer = berlin_tou(at("2025-06-30T00:00:00Z"));  // Monday 02:00 CEST
  summer.periods = {{"peak", M("0.50")}, {"off_peak", M("0.20")}};
  f.created(summer);
  auto fc = f.tar().forecast(f.alice, "berlin", 48);
  REQUIRE_MESSAGE(fc.has_value(), (fc ? "" : fc.error().message));
  CHECK(fc->from == at("2025-06-29T12:00:00Z"));
  CHECK(fc->to == at("2025-07-01T12:00:00Z"));
  // Off-peak from now to Monday 17:00 CEST (the change of tariff at the
  // same off-peak price does not split it), peak 0.50 until 21:00,
  // off-peak until Tuesday 17:00 (15:00Z), peak to the end... of the range.
  REQUIRE(fc->prices.size() == 3);
  CHECK(fc->prices[0].period == "off_peak");
  CHECK(fc->prices[0].start == at("2025-06-29T12:00:00Z"));
  CHECK(fc->prices[0].end == at("2025-06-30T15:00:00Z"));
  CHECK(fc->prices[1].period == "peak");
  CHECK(fc->prices[1].effective_price_per_kwh == M("0.50"));
  CHECK(fc->prices[1].end == at("2025-06-30T19:00:00Z"));
  CHECK(fc->prices[2].end == at("2025-07-01T12:00:00Z"));
  CHECK(f.tar().forecast(f.alice, "berlin", 169).error().field == "hours");
  CHECK(f.tar().forecast(f.alice, "berlin", 0).error().field == "hours");

  auto h = f.tar().history(f.alice, "berlin", at("2025-06-01T00:00:00Z"), at("2025-07-01T00:00:00Z"));
  REQUIRE(h.has_value());
  REQUIRE(h->tariffs.size() == 2);
  CHECK(h->tariffs[0].effective_from == at("2025-06-30T00:00:00Z"));
  CHECK(f.tar().history(f.alice, "berlin", at("2025-01-01T00:00:00Z"), at("2026-01-03T00:00:00Z")).error().field ==
        "to");
}

TEST_CASE("tariffs: an estimate spreads consumption by the caller's profile and prices it") {
  tariffs_fixture f;
  f.clock->set(at("2025-06-16T00:00:00Z"));  // Monday
  f.created(north_flat(at("2025-01-01T00:00:00Z")));

  SUBCASE("flat without readings") {
    // 10 kWh over 09:00-11:00 Monday: 1.25 kWh a bucket, 5 kWh at 0.10 and
    // 5 kWh at 0.30.
    auto e = f.tar().estimate(f.alice, segs::energy{10'000}, at("2025-06-16T09:00:00Z"), at("2025-06-16T11:00:00Z"));
    REQUIRE_MESSAGE(e.has_value(), (e ? "" : e.error().message));
    CHECK(e->region == "north");
    CHECK(e->currency == "EUR");
    REQUIRE(e->by_period.size() == 2);
    CHECK(e->by_period[0].period == "day");
    CHECK(e->by_period[0].consumed.wh == 5'000);
    CHECK(e->by_period[0].amount == M("1.50"));
    CHECK(e->by_period[1].consumed.wh == 5'000);
    CHECK(e->by_period[1].amount == M("0.50"));
    CHECK(e->energy_charge == M("2.00"));
    CHECK(e->total == M("2.00"));
  }
  SUBCASE("by the local hour of the week of the 28 days before now") {
    // Alice's meter used energy only on Mondays 10:00-11:00.
    f.meter("EST_A", "north", &f.alice_user);
    std::vector<segs::meter_reading> rows;
    for (int w = 1; w <= 4; ++w)
      for (int q = 1; q <= 4; ++q)
        rows.push_back({"EST_A", f.reading_at(at("2025-06-16T10:00:00Z") - days{7 * w} + minutes{15 * q}, 500), {}});
    f.ingest(rows);
    auto e = f.tar().estimate(f.alice, segs::energy{10'000}, at("2025-06-16T09:00:00Z"), at("2025-06-16T11:00:00Z"));
    REQUIRE(e.has_value());
    REQUIRE(e->by_period.size() == 1);  // all of it in 10:00-11:00
    CHECK(e->by_period[0].period == "day");
    CHECK(e->by_period[0].consumed.wh == 10'000);
    CHECK(e->energy_charge == M("3.00"));
  }
  SUBCASE("whole Wh by largest remainder, ties to the earlier bucket") {
    // 10 Wh over 3 buckets: 4, 3, 3.
    auto e = f.tar().estimate(f.alice, segs::energy{10}, at("2025-06-16T10:00:00Z"), at("2025-06-16T10:45:00Z"));
    REQUIRE(e.has_value());
    CHECK(e->by_period[0].consumed.wh == 10);
  }
  SUBCASE("the default range is 30 local days from the current bucket") {
    f.clock->set(at("2025-06-16T08:07:00Z"));
    auto e = f.tar().estimate(f.alice, segs::energy{1'000});
    REQUIRE(e.has_value());
    CHECK(e->from == at("2025-06-16T08:00:00Z"));
    CHECK(e->to == at("2025-07-16T08:00:00Z"));
  }
  SUBCASE("off the grid, or across a tariff change, names the field") {
    CHECK(f.tar().estimate(f.alice, segs::energy{1}, at("2025-06-16T09:05:00Z"), at("2025-06-16T11:00:00Z"))
              .error()
              .field == "from");
    auto next = north_flat(at("2025-07-01T00:00:00Z"));
    f.created(next);
    CHECK(f.tar().estimate(f.alice, segs::energy{1}, at("2025-06-30T00:00:00Z"), at("2025-07-02T00:00:00Z"))
              .error()
              .field == "to");
    auto e = f.tar().estimate(f.alice, segs::energy{1'000});
    REQUIRE(e.has_value());
    CHECK(e->to == at("2025-07-01T00:00:00Z"));
  }
}

TEST_CASE("tariffs: regions and analytics for operators over the region's metering") {
  tariffs_fixture f;
  f.clock->set(at("2025-06-16T00:00:00Z"));
  f.created(north_flat(at("2025-01-01T00:00:00Z")));
  f.meter("AN_1", "north");
  f.meter("AN_2", "north");
  // 09:45-10:15 on 2025-06-15: 100 Wh a quarter-hour from each meter.
  std::vector<segs::meter_reading> rows;
  for (const char* m : {"AN_1", "AN_2"})
    for (int q = 1; q <= 2; ++q)
      rows.push_back({m, f.reading_at(at("2025-06-15T09:45:00Z") + minutes{15 * q}, 100), {}});
  f.ingest(rows);

  auto a = f.tar().analytics(f.op, "north", at("2025-06-15T09:00:00Z"), at("2025-06-15T11:00:00Z"));
  REQUIRE_MESSAGE(a.has_value(), (a ? "" : a.error().message));
  REQUIRE(a->by_period.size() == 2);
  CHECK(a->by_period[0].period == "night");
  CHECK(a->by_period[0].quarter_hours == 4);
  CHECK(a->by_period[0].consumed.wh == 200);
  CHECK(a->by_period[0].amount == M("0.02"));
  CHECK(a->by_period[1].period == "day");
  CHECK(a->by_period[1].quarter_hours == 4);
  CHECK(a->by_period[1].consumed.wh == 200);
  CHECK(a->by_period[1].amount == M("0.06"));
  CHECK(a->time_weighted_price_per_kwh == M("0.20"));
  CHECK(a->consumption_weighted_price_per_kwh == M("0.20"));
  CHECK(a->peak_to_off_peak_ratio == doctest::Approx(3.0));
  CHECK(a->overrides == 0);

  CHECK(f.tar().analytics(f.alice, "north", at("2025-06-15T09:00:00Z"), at("2025-06-15T11:00:00Z")).error().code ==
        errc::forbidden);
  CHECK(f.tar().analytics(f.op, "berlin", at("2025-06-15T09:00:00Z"), at("2025-06-15T11:00:00Z")).error().code ==
        errc::forbidden);

  auto mine = f.tar().regions(f.op);
  REQUIRE(mine.has_value());
  REQUIRE(mine->size() == 1);
  CHECK((*mine)[0].region == "north");
  CHECK((*mine)[0].period->name == "night");
  auto all = f.tar().regions(f.admin);
  REQUIRE(all.has_value());
  CHECK(all->size() > 1);
  CHECK(f.tar().regions(f.alice).error().code == errc::forbidden);
}
