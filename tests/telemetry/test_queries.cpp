// Queries over the stored aggregates, each computed by hand for a small
// fixture: a meter's stats, daily and monthly totals, period comparisons,
// the region's stats, top consumers and live load, the P2P analytics, and
// the "my meter" selection, ranges and read access.
#include "telemetry/telemetry_checks.hpp"

#include <doctest/doctest.h>

using namespace segs_test;
using namespace std::chrono;
using segs::bucket_width;
using segs::errc;
using segs::milli;
using segs::timestamp;

namespace {

segs::reading rd(const char* time, std::int64_t c, std::int64_t p = 0) {
  return telemetry_fixture::reading_at(at(time), c, p);
}

void put(telemetry_fixture& f, const std::string& serial, const segs::reading& r) {
  auto s = f.tel().submit(segs::principal::system(), serial, r);
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
}

segs::time_range range(const char* a, const char* b) { return {at(a), at(b)}; }

std::optional<std::int64_t> v(const std::optional<milli>& m) {
  return m ? std::optional<std::int64_t>(m->value) : std::nullopt;
}

}  // namespace

TEST_CASE("telemetry: stats hold min, mean and max power, voltage, current and power factor means, and when the peak was") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T18:00:00Z"));
  f.meter("SM_A", "north", &f.alice_user);
  auto r1 = rd("2025-06-15T10:05:00Z", 100);
  r1.power_kw = milli{1'000};
  r1.voltage = milli{230'000};
  r1.current = milli{4'000};
  r1.power_factor = milli{950};
  r1.peak_demand_kw = milli{2'000};
  r1.frequency = milli{50'000};
  auto r2 = rd("2025-06-15T10:10:00Z", 200, 50);
  r2.power_kw = milli{-500};
  r2.voltage = milli{231'001};
  r2.power_factor = milli{900};
  r2.peak_demand_kw = milli{3'000};
  auto r3 = rd("2025-06-15T10:20:00Z", 300);
  r3.power_kw = milli{2'001};
  r3.current = milli{6'001};
  r3.peak_demand_kw = milli{3'000};  // the same peak, later: peak_at stays 10:10
  auto r4 = rd("2025-06-15T11:00:00Z", 0, 400);
  r4.power_kw = milli{-1'600};
  r4.voltage = milli{229'000};
  r4.current = milli{2'000};
  r4.power_factor = milli{851};
  r4.peak_demand_kw = milli{1'000};
  for (const auto& r : {r4, r2, r3, r1}) put(f, "SM_A", r);  // out of order

  auto s = f.tel().stats(f.alice, "SM_A", range("2025-06-15T10:00:00Z", "2025-06-15T11:00:00Z"));
  REQUIRE(s);
  CHECK(s->meter_id == "SM_A");
  CHECK(s->range.start == at("2025-06-15T10:00:00Z"));
  CHECK(s->totals.consumed.wh == 600);
  CHECK(s->totals.produced.wh == 450);
  CHECK(s->totals.net().wh == 150);
  CHECK(s->totals.reading_count == 4);
  CHECK(v(s->totals.min_power_kw) == -1'600);
  CHECK(v(s->totals.max_power_kw) == 2'001);
  CHECK(v(s->totals.avg_power_kw) == 225);       // 901 / 4 = 225.25
  CHECK(v(s->totals.voltage_avg) == 230'000);    // 690001 / 3 = 230000.33
  CHECK(v(s->totals.voltage_min) == 229'000);
  CHECK(v(s->totals.voltage_max) == 231'001);
  CHECK(v(s->totals.current_avg) == 4'000);      // 12001 / 3
  CHECK(v(s->totals.power_factor_avg) == 900);   // 2701 / 3
  CHECK(v(s->totals.frequency_avg) == 50'000);   // one reading carries it
  CHECK(v(s->totals.peak_demand_kw) == 3'000);
  CHECK(s->peak_at == at("2025-06-15T10:10:00Z"));

  // One reading only: the values it lacks are null, not zero.
  auto one = f.tel().stats(f.alice, "SM_A", range("2025-06-15T10:15:00Z", "2025-06-15T10:30:00Z"));
  REQUIRE(one);
  CHECK(one->totals.reading_count == 1);
  CHECK_FALSE(one->totals.voltage_avg.has_value());
  CHECK_FALSE(one->totals.power_factor_avg.has_value());
  CHECK(v(one->totals.current_avg) == 6'001);
  CHECK(one->peak_at == at("2025-06-15T10:20:00Z"));
  // Nothing in range: zero energy, null values, no peak.
  auto none = f.tel().stats(f.alice, "SM_A", range("2025-06-15T12:00:00Z", "2025-06-15T13:00:00Z"));
  REQUIRE(none);
  CHECK(none->totals.reading_count == 0);
  CHECK(none->totals.consumed.wh == 0);
  CHECK_FALSE(none->totals.avg_power_kw.has_value());
  CHECK_FALSE(none->peak_at.has_value());

  // Means round half to even: 2.5 thousandths -> 2, 3.5 -> 4.
  auto a = rd("2025-06-15T12:05:00Z", 1);
  a.power_kw = milli{1};
  auto b = rd("2025-06-15T12:10:00Z", 1);
  b.power_kw = milli{4};
  auto c = rd("2025-06-15T12:20:00Z", 1);
  c.power_kw = milli{1};
  auto d = rd("2025-06-15T12:25:00Z", 1);
  d.power_kw = milli{6};
  for (const auto& r : {a, b, c, d}) put(f, "SM_A", r);
  auto q = f.tel().history(f.alice, "SM_A", range("2025-06-15T12:00:00Z", "2025-06-15T12:30:00Z"),
                           bucket_width::quarter_hour);
  REQUIRE(q);
  REQUIRE(q->size() == 2);
  CHECK(v((*q)[0].avg_power_kw) == 2);
  CHECK(v((*q)[1].avg_power_kw) == 4);
  auto h = f.tel().history(f.alice, "SM_A", range("2025-06-15T12:00:00Z", "2025-06-15T13:00:00Z"));
  REQUIRE(h);
  REQUIRE(h->size() == 1);
  CHECK(v(h->front().avg_power_kw) == 3);  // 12 / 4
  CHECK(h->front().end - h->front().start == hours{1});
}

TEST_CASE("telemetry: daily totals carry local dates and the day's peak, monthly totals the local months of a year") {
  telemetry_fixture f;
  f.clock->set(at("2025-12-31T00:00:00Z"));
  f.meter("SM_B", "berlin", &f.alice_user);
  auto p = rd("2025-06-15T21:30:00Z", 100, 10);  // 23:30 local, 2025-06-15
  p.peak_demand_kw = milli{4'200};
  put(f, "SM_B", p);
  put(f, "SM_B", rd("2025-06-15T22:30:00Z", 200));  // 00:30 local, 2025-06-16
  put(f, "SM_B", rd("2025-06-17T12:00:00Z", 300));
  put(f, "SM_B", rd("2025-12-30T12:00:00Z", 5));    // December
  auto days = f.tel().daily(f.alice, "SM_B", range("2025-06-15T00:00:00Z", "2025-06-18T00:00:00Z"));
  REQUIRE(days);
  REQUIRE(days->size() == 3);
  CHECK(days->at(0).date == year{2025} / 6 / 15);
  CHECK(days->at(0).consumed.wh == 100);
  CHECK(days->at(0).produced.wh == 10);
  CHECK(v(days->at(0).peak_demand_kw) == 4'200);
  CHECK(days->at(1).date == year{2025} / 6 / 16);
  CHECK_FALSE(days->at(1).peak_demand_kw.has_value());
  CHECK(days->at(2).date == year{2025} / 6 / 17);  // days without readings are omitted
  auto months = f.tel().monthly(f.alice, "SM_B", 2025);
  REQUIRE(months);
  REQUIRE(months->size() == 2);
  CHECK(months->at(0).month == year{2025} / 6);
  CHECK(months->at(0).consumed.wh == 600);
  CHECK(months->at(0).produced.wh == 10);
  CHECK(months->at(1).month == year{2025} / 12);
  CHECK(months->at(1).consumed.wh == 5);
  auto bad = f.tel().monthly(f.alice, "SM_B", 1969);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "year");
}

TEST_CASE("telemetry: compare a day, a week and a month with the one before") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-20T12:00:00Z"));
  f.meter("SM_C", "north", &f.alice_user);
  // Week of Monday 2025-06-09: 300 Wh; the week before: 200 Wh; May: 1000 Wh.
  put(f, "SM_C", rd("2025-06-02T00:00:01Z", 150));  // Monday of the week before
  put(f, "SM_C", rd("2025-06-09T00:00:00Z", 50));   // ends Sunday 2025-06-08: the week before
  put(f, "SM_C", rd("2025-06-09T00:15:00Z", 100));  // Monday 2025-06-09
  put(f, "SM_C", rd("2025-06-12T10:00:00Z", 120));  // Thursday
  put(f, "SM_C", rd("2025-06-16T00:00:00Z", 80));   // ends Sunday 2025-06-15
  put(f, "SM_C", rd("2025-05-20T10:00:00Z", 1000));

  auto week = f.tel().compare(f.alice, "SM_C", segs::compare_period::week, year{2025} / 6 / 12);
  REQUIRE(week);
  CHECK(week->period == segs::compare_period::week);
  CHECK(week->current.range.start == at("2025-06-09T00:00:00Z"));
  CHECK(week->current.range.end == at("2025-06-16T00:00:00Z"));
  CHECK(week->previous.range.start == at("2025-06-02T00:00:00Z"));
  CHECK(week->current.consumed.wh == 300);
  CHECK(week->previous.consumed.wh == 200);
  CHECK(week->change.wh == 100);
  REQUIRE(week->change_percent.has_value());
  CHECK(*week->change_percent == doctest::Approx(50.0));

  auto day = f.tel().compare(f.alice, "SM_C", segs::compare_period::day, year{2025} / 6 / 9);
  REQUIRE(day);
  CHECK(day->current.consumed.wh == 100);
  CHECK(day->previous.consumed.wh == 50);
  CHECK(*day->change_percent == doctest::Approx(100.0));

  auto month = f.tel().compare(f.alice, "SM_C", segs::compare_period::month, year{2025} / 6 / 30);
  REQUIRE(month);
  CHECK(month->current.range.start == at("2025-06-01T00:00:00Z"));
  CHECK(month->current.range.end == at("2025-07-01T00:00:00Z"));
  CHECK(month->previous.range.start == at("2025-05-01T00:00:00Z"));
  CHECK(month->current.consumed.wh == 500);
  CHECK(month->previous.consumed.wh == 1000);
  CHECK(month->change.wh == -500);
  CHECK(*month->change_percent == doctest::Approx(-50.0));

  // Two decimals: (100 - 150) / 150 = -33.333...% -> -33.33.
  put(f, "SM_C", rd("2025-06-03T10:00:00Z", 100));  // Tuesday 2025-06-03
  auto third = f.tel().compare(f.alice, "SM_C", segs::compare_period::day, year{2025} / 6 / 3);
  REQUIRE(third);
  CHECK(third->previous.consumed.wh == 150);
  CHECK(*third->change_percent == doctest::Approx(-33.33));
  // Nothing consumed before: no percentage.
  auto first = f.tel().compare(f.alice, "SM_C", segs::compare_period::day, year{2025} / 6 / 2);
  REQUIRE(first);
  CHECK(first->previous.consumed.wh == 0);
  CHECK(first->current.consumed.wh == 150);
  CHECK(first->change.wh == 150);
  CHECK_FALSE(first->change_percent.has_value());
  // Default: the current local period (the clock's Friday 2025-06-20).
  auto now = f.tel().compare(f.alice, "SM_C", segs::compare_period::week);
  REQUIRE(now);
  CHECK(now->current.range.start == at("2025-06-16T00:00:00Z"));
  CHECK(now->previous.consumed.wh == 300);
  CHECK(now->current.consumed.wh == 0);
  auto bad = f.tel().compare(f.alice, "SM_C", segs::compare_period::day, year{2025} / 2 / 30);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "date");
}

TEST_CASE("telemetry: a Berlin week is a local week") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-20T12:00:00Z"));
  f.meter("SM_W", "berlin", &f.alice_user);
  put(f, "SM_W", rd("2025-06-08T22:00:00Z", 1));    // Sunday 2025-06-08 24:00 local: the week before
  put(f, "SM_W", rd("2025-06-08T22:00:01Z", 10));   // Monday 00:00:01 local
  put(f, "SM_W", rd("2025-06-15T22:00:00Z", 100));  // Sunday 24:00 local: this week
  put(f, "SM_W", rd("2025-06-15T22:15:00Z", 1000)); // the next week
  auto w = f.tel().compare(f.alice, "SM_W", segs::compare_period::week, year{2025} / 6 / 15);
  REQUIRE(w);
  CHECK(w->current.range.start == at("2025-06-08T22:00:00Z"));
  CHECK(w->current.range.end == at("2025-06-15T22:00:00Z"));
  CHECK(w->current.consumed.wh == 110);
  CHECK(w->previous.consumed.wh == 1);
  CHECK(*w->change_percent == doctest::Approx(10'900.0));
}

TEST_CASE("telemetry: region stats count meters in service and reporting, and the peak quarter-hour load") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-20T12:00:00Z"));
  f.meter("SM_R1", "berlin");
  f.meter("SM_R2", "berlin");
  f.meter("SM_R3", "berlin");  // never reports
  f.meter("SM_R4", "berlin");  // decommissioned
  f.meter("SM_N1", "north");
  REQUIRE(f.tel().decommission_meter(f.admin, "SM_R4"));
  // Quarter (10:00, 10:15]: 1000 + 300 - 200 = net 1100 Wh -> 4.4 kW.
  // Quarter (10:15, 10:30]: 2000 - 1500 + 100 = net 600 Wh -> 2.4 kW.
  put(f, "SM_R1", rd("2025-06-15T10:05:00Z", 600));
  put(f, "SM_R1", rd("2025-06-15T10:15:00Z", 400));
  put(f, "SM_R2", rd("2025-06-15T10:10:00Z", 300, 200));
  put(f, "SM_R1", rd("2025-06-15T10:30:00Z", 2000));
  put(f, "SM_R2", rd("2025-06-15T10:30:00Z", 100, 1500));
  put(f, "SM_N1", rd("2025-06-15T10:15:00Z", 99'999));  // another region
  const auto day = range("2025-06-15T00:00:00Z", "2025-06-16T00:00:00Z");
  auto s = f.tel().stats_of_region(f.op, "north", day);
  REQUIRE(s);  // the operator of north
  CHECK(s->consumed.wh == 99'999);
  s = f.tel().stats_of_region(f.admin, "berlin", day);
  REQUIRE(s);
  CHECK(s->region == "berlin");
  CHECK(s->meters_total == 3);      // the decommissioned one is out of service
  CHECK(s->meters_reporting == 2);
  CHECK(s->consumed.wh == 3400);
  CHECK(s->produced.wh == 1700);
  CHECK(v(s->peak_load_kw) == 4'400);
  CHECK(s->peak_at == at("2025-06-15T10:15:00Z"));
  // A range holding the second quarter only.
  s = f.tel().stats_of_region(f.admin, "berlin", range("2025-06-15T10:15:00Z", "2025-06-15T10:30:00Z"));
  REQUIRE(s);
  CHECK(v(s->peak_load_kw) == 2'400);
  CHECK(s->peak_at == at("2025-06-15T10:30:00Z"));
  CHECK(s->meters_reporting == 2);
  // Net export everywhere: the peak load is the least negative one.
  f.meter("SM_S1", "south");
  put(f, "SM_S1", rd("2025-06-15T10:15:00Z", 0, 500));
  put(f, "SM_S1", rd("2025-06-15T10:30:00Z", 0, 250));
  s = f.tel().stats_of_region(f.admin, "south", day);
  REQUIRE(s);
  CHECK(v(s->peak_load_kw) == -1'000);
  CHECK(s->peak_at == at("2025-06-15T10:30:00Z"));
  // Nothing in range: no peak.
  s = f.tel().stats_of_region(f.admin, "berlin", range("2025-06-16T00:00:00Z", "2025-06-17T00:00:00Z"));
  REQUIRE(s);
  CHECK(s->meters_reporting == 0);
  CHECK_FALSE(s->peak_load_kw.has_value());
  CHECK_FALSE(s->peak_at.has_value());
  // Who may ask: operators of the region and admins.
  auto other = f.tel().stats_of_region(f.op, "berlin", day);
  REQUIRE_FALSE(other);
  CHECK(other.error().code == errc::forbidden);
  auto user = f.tel().stats_of_region(f.alice, "north", day);
  REQUIRE_FALSE(user);
  CHECK(user.error().code == errc::forbidden);
  auto nowhere = f.tel().stats_of_region(f.admin, "atlantis", day);
  REQUIRE_FALSE(nowhere);
  CHECK(nowhere.error().code == errc::not_found);
}

TEST_CASE("telemetry: top consumers rank by consumption, ties by serial, within the limit") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-20T12:00:00Z"));
  f.meter("SM_T_C", "north", &f.alice_user);
  f.meter("SM_T_A", "north", &f.bob_user);
  f.meter("SM_T_B", "north");
  f.meter("SM_T_D", "north");
  f.meter("SM_X", "south");
  put(f, "SM_T_C", rd("2025-06-15T10:15:00Z", 500));
  put(f, "SM_T_A", rd("2025-06-15T10:15:00Z", 300));
  put(f, "SM_T_A", rd("2025-06-16T10:15:00Z", 200));  // 500 in all: ties with C
  put(f, "SM_T_B", rd("2025-06-15T11:15:00Z", 700));
  put(f, "SM_T_D", rd("2025-06-15T12:15:00Z", 0, 900));  // produced only
  put(f, "SM_X", rd("2025-06-15T10:15:00Z", 99'999));
  const auto two_days = range("2025-06-15T00:00:00Z", "2025-06-17T00:00:00Z");
  auto top = f.tel().top_consumers(f.op, "north", two_days);
  REQUIRE(top);
  REQUIRE(top->size() == 4);
  CHECK(top->at(0).rank == 1);
  CHECK(top->at(0).meter_id == "SM_T_B");
  CHECK(top->at(0).consumed.wh == 700);
  CHECK_FALSE(top->at(0).user_id.has_value());
  CHECK(top->at(1).rank == 2);
  CHECK(top->at(1).meter_id == "SM_T_A");
  CHECK(top->at(1).user_id == f.bob_user.id);
  CHECK(top->at(2).rank == 3);
  CHECK(top->at(2).meter_id == "SM_T_C");
  CHECK(top->at(2).user_id == f.alice_user.id);
  CHECK(top->at(3).meter_id == "SM_T_D");
  CHECK(top->at(3).consumed.wh == 0);
  auto two = f.tel().top_consumers(f.op, "north", two_days, 2);
  REQUIRE(two);
  REQUIRE(two->size() == 2);
  CHECK(two->at(1).meter_id == "SM_T_A");
  // Part of a day: the first day only.
  auto first = f.tel().top_consumers(f.op, "north", range("2025-06-15T10:00:00Z", "2025-06-15T12:00:00Z"));
  REQUIRE(first);
  REQUIRE(first->size() == 3);
  CHECK(first->at(0).meter_id == "SM_T_B");
  CHECK(first->at(1).meter_id == "SM_T_C");
  CHECK(first->at(2).meter_id == "SM_T_A");
  CHECK(first->at(2).consumed.wh == 300);
  for (int bad : {0, -1, 101}) {
    CAPTURE(bad);
    auto r = f.tel().top_consumers(f.op, "north", two_days, bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().field == "limit");
  }
  CHECK(f.tel().top_consumers(f.op, "north", two_days, 100));
  CHECK(f.tel().top_consumers(f.op, "north", two_days, 1)->size() == 1);
  CHECK(f.tel().top_consumers(f.op, "south", two_days).error().code == errc::forbidden);
}

TEST_CASE("telemetry: realtime sums each meter's latest reading of the last 15 minutes, load and generation apart") {
  telemetry_fixture f;
  const auto now = at("2025-06-15T12:00:00Z");
  f.clock->set(now);
  for (const char* s : {"SM_L1", "SM_L2", "SM_L3", "SM_L4", "SM_L5", "SM_L6", "SM_L7"}) f.meter(s, "north");
  auto with_power = [](const char* time, std::int64_t p) {
    auto r = rd(time, 1);
    r.power_kw = milli{p};
    return r;
  };
  put(f, "SM_L1", with_power("2025-06-15T11:50:00Z", 9'000));
  put(f, "SM_L1", with_power("2025-06-15T11:55:00Z", 3'000));    // latest: 3 kW load
  put(f, "SM_L2", with_power("2025-06-15T11:46:00Z", -2'000));   // 2 kW generation
  put(f, "SM_L3", with_power("2025-06-15T11:44:59Z", 50'000));   // older than 15 minutes
  put(f, "SM_L4", with_power("2025-06-15T12:03:00Z", 70'000));   // ahead of the clock
  put(f, "SM_L5", rd("2025-06-15T11:59:00Z", 1));                 // reporting, no power
  put(f, "SM_L6", with_power("2025-06-15T12:00:00Z", 1'500));    // exactly now
  REQUIRE(f.tel().decommission_meter(f.admin, "SM_L7"));  // out of service, no reading
  auto r = f.tel().realtime(f.op, "north");
  REQUIRE(r);
  CHECK(r->region == "north");
  CHECK(r->as_of == now);
  CHECK(r->window_minutes == 15);
  CHECK(r->meters_total == 6);  // not the decommissioned one
  CHECK(r->load_kw == milli{4'500});
  CHECK(r->generation_kw == milli{2'000});
  CHECK(r->net_load_kw == milli{2'500});
  CHECK(r->meters_reporting == 4);  // L1, L2, L5, L6
  // Later the window moves on.
  f.advance(minutes{15});
  auto later = f.tel().realtime(f.op, "north");
  REQUIRE(later);
  CHECK(later->meters_reporting == 1);  // L4 at 12:03
  CHECK(later->load_kw == milli{70'000});
  CHECK(f.tel().realtime(f.alice, "north").error().code == errc::forbidden);
}

TEST_CASE("telemetry: analytics follow the definitions of the issue, computed by hand for a week") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-20T00:00:00Z"));
  f.meter("SM_AN", "berlin", &f.alice_user);  // emission factor 0.5 kg/kWh
  // Monday 2025-06-09 to Sunday 2025-06-15, local (UTC+2). Each local hour h
  // holds one quarter-hour reading: weekdays 100 + 10h Wh, weekend days
  // twice that; 500 Wh produced in the hours 10-15 every day.
  std::vector<segs::meter_reading> rows;
  const auto monday = at("2025-06-08T22:00:00Z");
  for (int d = 0; d < 7; ++d)
    for (int h = 0; h < 24; ++h) {
      const std::int64_t c = (d >= 5 ? 2 : 1) * (100 + 10 * h);
      const std::int64_t p = (h >= 10 && h <= 15) ? 500 : 0;
      rows.push_back({"SM_AN", f.reading_at(monday + days{d} + hours{h} + minutes{15}, c, p), {}});
    }
  f.ingest(rows);
  const segs::time_range week{monday, monday + days{7}};
  auto a = f.tel().analytics(f.alice, "SM_AN", week);
  REQUIRE(a);
  CHECK(a->meter_id == "SM_AN");
  // Consumed: 5 x 5160 + 2 x 10320 = 46440 Wh; produced 7 x 6 x 500 = 21000 Wh.
  CHECK(a->consumed.wh == 46'440);
  CHECK(a->produced.wh == 21'000);
  // Self-use: sum of min(c, p) over quarter-hours = 5 x 1350 + 2 x 2700 = 12150 Wh.
  CHECK(*a->efficiency_rating == doctest::Approx(0.5786));         // 12150 / 21000 = 0.578571
  CHECK(*a->grid_independence_score == doctest::Approx(0.2616));   // 12150 / 46440 = 0.261628
  CHECK(*a->renewable_energy_percent == doctest::Approx(45.2196)); // 100 x 21000 / 46440
  CHECK(a->carbon_offset_kg == doctest::Approx(10.5));             // 21 kWh x 0.5
  CHECK(a->average_daily_consumption_kwh == doctest::Approx(6.6343));  // 46.44 kWh / 7
  CHECK(*a->peak_consumption_kw == doctest::Approx(2.64));         // 660 Wh in a quarter
  // Mean of hour h over the week: (900 + 90h) / 7, rising with h.
  CHECK(a->peak_hours == std::vector<std::string>{"18:00-00:00"});
  CHECK(a->off_peak_hours == std::vector<std::string>{"00:00-06:00"});
  CHECK(*a->weekend_vs_weekday_ratio == doctest::Approx(2.0));     // 10320 / 5160

  // Weekdays only: no complete weekend day.
  auto wd = f.tel().analytics(f.alice, "SM_AN", {monday, monday + days{5}});
  REQUIRE(wd);
  CHECK_FALSE(wd->weekend_vs_weekday_ratio.has_value());
  CHECK(wd->consumed.wh == 25'800);
  CHECK(wd->average_daily_consumption_kwh == doctest::Approx(5.16));
  // Night hours only: no production.
  auto night = f.tel().analytics(f.alice, "SM_AN", {monday, monday + hours{6}});
  REQUIRE(night);
  CHECK_FALSE(night->efficiency_rating.has_value());
  CHECK(*night->grid_independence_score == doctest::Approx(0.0));
  CHECK(*night->renewable_energy_percent == doctest::Approx(0.0));
  CHECK(night->carbon_offset_kg == doctest::Approx(0.0));
  // Peak hours that wrap midnight: hours 20-23 and 0-1 consume most.
  f.meter("SM_WRAP", "north");
  std::vector<segs::meter_reading> wrap;
  const auto d0 = at("2025-06-10T00:00:00Z");
  for (int h = 0; h < 24; ++h) {
    const std::int64_t c = (h >= 20 || h <= 1) ? 1000 + h : (h >= 8 && h <= 13 ? 1 + h : 500 + h);
    wrap.push_back({"SM_WRAP", f.reading_at(d0 + hours{h} + minutes{15}, c), {}});
  }
  f.ingest(wrap);
  auto w = f.tel().analytics(f.admin, "SM_WRAP", {d0, d0 + days{1}});
  REQUIRE(w);
  CHECK(w->peak_hours == std::vector<std::string>{"20:00-02:00"});
  CHECK(w->off_peak_hours == std::vector<std::string>{"08:00-14:00"});
}

TEST_CASE("telemetry: my meter is the one the caller holds, or the one named") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-20T00:00:00Z"));
  auto none = f.tel().my_meter(f.alice);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == errc::not_found);
  auto m1 = f.meter("SM_M1", "north", &f.alice_user);
  auto one = f.tel().my_meter(f.alice);
  REQUIRE(one);
  CHECK(one->id == m1.id);
  f.meter("SM_M2", "north", &f.alice_user);
  f.meter("SM_BOB", "north", &f.bob_user);
  auto several = f.tel().my_meter(f.alice);
  REQUIRE_FALSE(several);
  CHECK(several.error().code == errc::validation_error);
  CHECK(several.error().field == "meter_id");
  auto named = f.tel().my_meter(f.alice, std::string_view{"SM_M2"});
  REQUIRE(named);
  CHECK(named->meter_id == "SM_M2");
  auto by_id = f.tel().my_meter(f.alice, std::string_view{m1.id.to_string()});
  REQUIRE(by_id);
  CHECK(by_id->meter_id == "SM_M1");
  auto others = f.tel().my_meter(f.alice, std::string_view{"SM_BOB"});
  REQUIRE_FALSE(others);
  CHECK(others.error().code == errc::not_found);
}

TEST_CASE("telemetry: reads are the owner's and the region's, other meters do not exist for the caller") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-20T00:00:00Z"));
  f.meter("SM_ALICE", "north", &f.alice_user);
  f.meter("SM_BER", "berlin");
  put(f, "SM_ALICE", rd("2025-06-15T10:15:00Z", 10));
  const auto r = range("2025-06-15T00:00:00Z", "2025-06-16T00:00:00Z");
  CHECK(f.tel().history(f.alice, "SM_ALICE", r));
  CHECK(f.tel().history(f.op, "SM_ALICE", r));  // the operator of north
  CHECK(f.tel().history(f.admin, "SM_BER", r));
  for (const auto& [who, meter] : {std::pair{&f.bob, "SM_ALICE"}, std::pair{&f.op, "SM_BER"},
                                   std::pair{&f.alice, "SM_BER"}, std::pair{&f.alice, "SM_NOPE"}}) {
    CAPTURE(meter);
    CHECK(f.tel().history(*who, meter, r).error().code == errc::not_found);
    CHECK(f.tel().stats(*who, meter, r).error().code == errc::not_found);
    CHECK(f.tel().latest(*who, meter).error().code == errc::not_found);
    CHECK(f.tel().readings(*who, meter, r).error().code == errc::not_found);
    CHECK(f.tel().get_meter(*who, meter).error().code == errc::not_found);
    CHECK(f.tel().analytics(*who, meter, r).error().code == errc::not_found);
  }
  auto anon = f.tel().history(segs::principal::anonymous(), "SM_ALICE", r);
  REQUIRE_FALSE(anon);
  CHECK(anon.error().code == errc::unauthorized);
}

TEST_CASE("telemetry: ranges run forward and span at most 366 days") {
  telemetry_fixture f;
  f.clock->set(at("2026-06-20T00:00:00Z"));
  f.meter("SM_R", "north");
  const auto start = at("2025-01-01T00:00:00Z");
  auto backwards = f.tel().history(f.admin, "SM_R", {start, start});
  REQUIRE_FALSE(backwards);
  CHECK(backwards.error().field == "start");
  CHECK(f.tel().stats(f.admin, "SM_R", {start + hours{1}, start}).error().field == "start");
  CHECK(f.tel().history(f.admin, "SM_R", {start, start + days{366}}));
  auto long_ = f.tel().history(f.admin, "SM_R", {start, start + days{366} + microseconds{1}});
  REQUIRE_FALSE(long_);
  CHECK(long_.error().code == errc::validation_error);
  CHECK(long_.error().field == "end");
  CHECK(f.tel().stats_of_region(f.admin, "north", {start, start + days{367}}).error().field == "end");
  CHECK(f.tel().top_consumers(f.admin, "north", {start, start + days{367}}).error().field == "end");
  CHECK(f.tel().readings(f.admin, "SM_R", {start, start + days{367}}).error().field == "end");
  CHECK(f.tel().analytics(f.admin, "SM_R", {start, start + days{367}}).error().field == "end");
}

TEST_CASE("telemetry: latest and raw readings, oldest first and paged") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-20T00:00:00Z"));
  f.meter("SM_P", "north", &f.alice_user);
  CHECK_FALSE(f.tel().latest(f.alice, "SM_P")->has_value());
  std::vector<segs::meter_reading> rows;
  for (int i = 25; i >= 1; --i)  // newest first
    rows.push_back({"SM_P", f.reading_at(at("2025-06-15T00:00:00Z") + minutes{15 * i}, i), {}});
  f.ingest(rows);
  auto last = f.tel().latest(f.alice, "SM_P");
  REQUIRE(last);
  REQUIRE(last->has_value());
  CHECK((*last)->values.time == at("2025-06-15T06:15:00Z"));
  CHECK((*last)->values.consumed.wh == 25);
  CHECK((*last)->meter_id == "SM_P");
  auto p2 = f.tel().readings(f.alice, "SM_P", range("2025-06-15T00:00:00Z", "2025-06-16T00:00:00Z"), {2, 10});
  REQUIRE(p2);
  CHECK(p2->total == 25);
  CHECK(p2->total_pages() == 3);
  REQUIRE(p2->items.size() == 10);
  CHECK(p2->items.front().values.consumed.wh == 11);
  CHECK(p2->items.back().values.consumed.wh == 20);
  // (start, end]: a reading at start is outside, one at end inside.
  auto edge = f.tel().readings(f.alice, "SM_P", range("2025-06-15T00:15:00Z", "2025-06-15T00:30:00Z"));
  REQUIRE(edge);
  REQUIRE(edge->items.size() == 1);
  CHECK(edge->items.front().values.consumed.wh == 2);
  CHECK(f.tel().readings(f.alice, "SM_P", range("2025-06-15T00:00:00Z", "2025-06-16T00:00:00Z"), {1, 101})
            .error().field == "per_page");
}
