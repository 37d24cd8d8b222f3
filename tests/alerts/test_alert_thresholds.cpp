// Each rule through the service, on every backend: at, just below and just
// above its threshold (issue 13, section 1), with the region's nominal
// voltage and frequency; the alert each raises (type, severity, value,
// threshold, message, meter and times); high_consumption against the
// previous 7 days; meter_offline found by due work with the manual clock.
#include "alerts/alerts_fixture.hpp"

#include <doctest/doctest.h>

using namespace segs_test;
using namespace std::chrono;
using segs::alert_severity;
using segs::alert_status;
using segs::alert_type;
using segs::timestamp;

namespace {

using make_fn = segs::reading (*)(timestamp, std::int64_t);

struct threshold_case {
  const char* region;
  alert_type type;
  make_fn make;
  std::int64_t value;
  int readings;                          // sent 5 minutes apart, each with `value`
  std::optional<alert_severity> raises;  // none: no alert of any type
  std::int64_t threshold;                // when it raises
};

// 230 V / 50 Hz in north, 120 V / 60 Hz in us60; meters of 10 kW.
const threshold_case cases[] = {
    // over_voltage: warning above nominal x 1.05, critical above x 1.10.
    {"north", alert_type::over_voltage, &alerts_fixture::volts, 241'499, 1, {}, 0},
    {"north", alert_type::over_voltage, &alerts_fixture::volts, 241'500, 1, {}, 0},
    {"north", alert_type::over_voltage, &alerts_fixture::volts, 241'501, 1, alert_severity::warning, 241'500},
    {"north", alert_type::over_voltage, &alerts_fixture::volts, 253'000, 1, alert_severity::warning, 241'500},
    {"north", alert_type::over_voltage, &alerts_fixture::volts, 253'001, 1, alert_severity::critical, 253'000},
    {"us60", alert_type::over_voltage, &alerts_fixture::volts, 126'000, 1, {}, 0},
    {"us60", alert_type::over_voltage, &alerts_fixture::volts, 126'001, 1, alert_severity::warning, 126'000},
    {"us60", alert_type::over_voltage, &alerts_fixture::volts, 132'000, 1, alert_severity::warning, 126'000},
    {"us60", alert_type::over_voltage, &alerts_fixture::volts, 132'001, 1, alert_severity::critical, 132'000},
    // 230 V, normal in north, is above us60's critical limit.
    {"us60", alert_type::over_voltage, &alerts_fixture::volts, 230'000, 1, alert_severity::critical, 132'000},
    // under_voltage: warning below nominal x 0.95, critical below x 0.90.
    {"north", alert_type::under_voltage, &alerts_fixture::volts, 218'501, 1, {}, 0},
    {"north", alert_type::under_voltage, &alerts_fixture::volts, 218'500, 1, {}, 0},
    {"north", alert_type::under_voltage, &alerts_fixture::volts, 218'499, 1, alert_severity::warning, 218'500},
    {"north", alert_type::under_voltage, &alerts_fixture::volts, 207'000, 1, alert_severity::warning, 218'500},
    {"north", alert_type::under_voltage, &alerts_fixture::volts, 206'999, 1, alert_severity::critical, 207'000},
    {"us60", alert_type::under_voltage, &alerts_fixture::volts, 114'000, 1, {}, 0},
    {"us60", alert_type::under_voltage, &alerts_fixture::volts, 113'999, 1, alert_severity::warning, 114'000},
    {"us60", alert_type::under_voltage, &alerts_fixture::volts, 107'999, 1, alert_severity::critical, 108'000},
    // frequency_deviation: |f - nominal| > 0.5 Hz (thresholds: below).
    {"north", alert_type::frequency_deviation, &alerts_fixture::hz, 50'499, 1, {}, 0},
    {"north", alert_type::frequency_deviation, &alerts_fixture::hz, 50'500, 1, {}, 0},
    {"north", alert_type::frequency_deviation, &alerts_fixture::hz, 50'501, 1, alert_severity::warning, 0},
    {"north", alert_type::frequency_deviation, &alerts_fixture::hz, 49'501, 1, {}, 0},
    {"north", alert_type::frequency_deviation, &alerts_fixture::hz, 49'500, 1, {}, 0},
    {"north", alert_type::frequency_deviation, &alerts_fixture::hz, 49'499, 1, alert_severity::warning, 0},
    {"us60", alert_type::frequency_deviation, &alerts_fixture::hz, 60'500, 1, {}, 0},
    {"us60", alert_type::frequency_deviation, &alerts_fixture::hz, 60'501, 1, alert_severity::warning, 0},
    {"us60", alert_type::frequency_deviation, &alerts_fixture::hz, 59'500, 1, {}, 0},
    {"us60", alert_type::frequency_deviation, &alerts_fixture::hz, 59'499, 1, alert_severity::warning, 0},
    {"us60", alert_type::frequency_deviation, &alerts_fixture::hz, 50'000, 1, alert_severity::warning, 0},
    // low_power_factor: below 0.85, after 3 consecutive readings.
    {"north", alert_type::low_power_factor, &alerts_fixture::pf, 851, 3, {}, 0},
    {"north", alert_type::low_power_factor, &alerts_fixture::pf, 850, 3, {}, 0},
    {"north", alert_type::low_power_factor, &alerts_fixture::pf, 849, 2, {}, 0},
    {"north", alert_type::low_power_factor, &alerts_fixture::pf, 849, 3, alert_severity::warning, 850},
    // over_capacity: |power_kw| or peak_demand_kw above the 10 kW capacity.
    {"north", alert_type::over_capacity, &alerts_fixture::kw, 9'999, 1, {}, 0},
    {"north", alert_type::over_capacity, &alerts_fixture::kw, 10'000, 1, {}, 0},
    {"north", alert_type::over_capacity, &alerts_fixture::kw, 10'001, 1, alert_severity::critical, 10'000},
    {"north", alert_type::over_capacity, &alerts_fixture::kw, -10'000, 1, {}, 0},
    {"north", alert_type::over_capacity, &alerts_fixture::kw, -10'001, 1, alert_severity::critical, 10'000},
    {"north", alert_type::over_capacity, &alerts_fixture::peak, 10'000, 1, {}, 0},
    {"north", alert_type::over_capacity, &alerts_fixture::peak, 10'001, 1, alert_severity::critical, 10'000},
};

const timestamp day0 = at("2025-06-15T10:00:00Z");

}  // namespace

TEST_CASE("alerts: each instantaneous rule at, just below and just above its threshold") {
  alerts_fixture f;
  int n = 0;
  for (const auto& c : cases) {
    const std::string serial = "TH_" + std::to_string(++n);
    CAPTURE(serial);
    CAPTURE(c.region);
    CAPTURE(segs::to_string(c.type));
    CAPTURE(c.value);
    CAPTURE(c.readings);
    const auto m = f.meter(serial, c.region);
    timestamp last{};
    for (int i = 0; i < c.readings; ++i) {
      last = day0 + minutes{5 * i};
      f.send(serial, c.make(last, c.value));
    }
    const auto got = f.of(serial);
    if (!c.raises) {
      CHECK(got.empty());
      for (const auto& a : got) MESSAGE("unexpected: " << text_of(a));
      continue;
    }
    REQUIRE(got.size() == 1);
    const auto& a = got.front();
    CHECK(a.type == c.type);
    CHECK(a.severity == *c.raises);
    CHECK(a.status == alert_status::active);
    CHECK(a.value.value == (c.type == alert_type::over_capacity ? std::llabs(c.value) : c.value));
    if (c.type == alert_type::frequency_deviation) {
      // The limit crossed: nominal +- 0.5 Hz on the side crossed.
      const std::int64_t nominal = std::string(c.region) == "us60" ? 60'000 : 50'000;
      CHECK(a.threshold.value == (c.value > nominal ? nominal + 500 : nominal - 500));
    } else {
      CHECK(a.threshold.value == c.threshold);
    }
    CHECK(a.message.find(a.value.to_string()) != std::string::npos);
    CHECK(a.message.find(a.threshold.to_string()) != std::string::npos);
    CHECK(a.meter_id == serial);
    CHECK(a.meter_uuid == m.id);
    CHECK(a.region == c.region);
    CHECK_FALSE(a.user_id.has_value());
    CHECK(a.last_seen_at == last);
    if (c.readings == 1) {
      CHECK(a.first_seen_at == last);
      CHECK(a.occurrences == 1);
    }
    CHECK_FALSE(a.acknowledged_at.has_value());
    CHECK_FALSE(a.acknowledged_by.has_value());
    CHECK_FALSE(a.resolved_at.has_value());
    CHECK_FALSE(a.resolved_by.has_value());
    CHECK_FALSE(a.resolution.has_value());
    // get answers the same alert.
    auto g = f.al().get(f.admin, a.id);
    REQUIRE(g.has_value());
    CHECK(g->id == a.id);
    CHECK(g->occurrences == a.occurrences);
  }
}

TEST_CASE("alerts: an alert records the meter's owner at the time it was raised") {
  alerts_fixture f;
  f.meter("OWN_1", "north", &f.alice_user);
  f.send("OWN_1", f.volts(day0, 260'000));
  const auto a = f.one("OWN_1", alert_type::over_voltage);
  REQUIRE(a.user_id.has_value());
  CHECK(*a.user_id == f.alice_user.id);
}

// --- high_consumption ------------------------------------------------------------

namespace {

const timestamp today = at("2025-06-20T00:00:00Z");  // north is UTC

// 100 Wh in every quarter-hour of 09:00-12:00 on the given days before
// `today` (readings in the middle of each quarter-hour).
void history(std::vector<segs::meter_reading>& rows, const std::string& serial, std::initializer_list<int> days_back,
             std::int64_t wh = 100) {
  for (int d : days_back)
    for (int q = 0; q < 12; ++q)
      rows.push_back({serial, alerts_fixture::reading_at(today - days{d} + hours{9} + minutes{15 * q + 5}, wh), {}});
}

timestamp quarter_mid(int hour, int q) { return today + hours{hour} + minutes{15 * q + 5}; }

}  // namespace

TEST_CASE("alerts: high_consumption at, just below and just above 3 x the hour's mean of the previous 7 days") {
  alerts_fixture f;
  for (const char* s : {"HC_A", "HC_SUM", "HC_2D", "HC_3D", "HC_OLD", "HC_LATE"}) f.meter(s, "north");
  std::vector<segs::meter_reading> rows;
  for (const char* s : {"HC_A", "HC_SUM", "HC_LATE"}) history(rows, s, {1, 2, 3, 4, 5, 6, 7});
  history(rows, "HC_2D", {1, 2});
  history(rows, "HC_3D", {1, 2, 3});
  history(rows, "HC_OLD", {8}, 10'000);  // outside the 7 days
  history(rows, "HC_OLD", {1, 2, 3, 4, 5, 6, 7});
  f.send_all(rows);
  for (const char* s : {"HC_A", "HC_SUM", "HC_2D", "HC_3D", "HC_OLD", "HC_LATE"}) {
    CAPTURE(s);
    CHECK(f.of(s).empty());  // uniform history raises nothing
  }

  SUBCASE("at and below the limit nothing, just above a warning") {
    f.send("HC_A", f.reading_at(quarter_mid(10, 0), 300));
    CHECK(f.of("HC_A").empty());
    f.send("HC_A", f.reading_at(quarter_mid(10, 1), 299));
    CHECK(f.of("HC_A").empty());
    f.send("HC_A", f.reading_at(quarter_mid(10, 2), 301));
    const auto a = f.one("HC_A", alert_type::high_consumption);
    CHECK(f.of("HC_A").size() == 1);
    CHECK(a.severity == alert_severity::warning);
    CHECK(a.status == alert_status::active);
    CHECK(a.value.value == 301);      // kWh of the quarter-hour: 0.301
    CHECK(a.threshold.value == 300);  // 3 x 0.1 kWh
    CHECK(a.message.find("0.301") != std::string::npos);
    CHECK(a.message.find("0.3") != std::string::npos);
    // Three quarter-hours at the mean clear it.
    f.send("HC_A", f.reading_at(quarter_mid(10, 3), 100));
    f.send("HC_A", f.reading_at(quarter_mid(11, 0), 100));
    CHECK(f.al().get(f.admin, a.id)->status == alert_status::active);
    f.send("HC_A", f.reading_at(quarter_mid(11, 1), 100));
    const auto done = f.al().get(f.admin, a.id);
    REQUIRE(done.has_value());
    CHECK(done->status == alert_status::resolved);
    CHECK(done->resolution == segs::alert_resolution::automatic);
  }
  SUBCASE("a quarter-hour's consumption is the sum of its readings") {
    f.send("HC_SUM", f.reading_at(today + hours{10} + minutes{5}, 200));
    CHECK(f.of("HC_SUM").empty());
    f.send("HC_SUM", f.reading_at(today + hours{10} + minutes{10}, 101));
    const auto a = f.one("HC_SUM", alert_type::high_consumption);
    CHECK(a.value.value == 301);
  }
  SUBCASE("two days of history are not enough, three are") {
    f.send("HC_2D", f.reading_at(quarter_mid(10, 0), 5'000));
    CHECK(f.of("HC_2D").empty());
    f.send("HC_3D", f.reading_at(quarter_mid(10, 0), 5'000));
    CHECK(f.one("HC_3D", alert_type::high_consumption).value.value == 5'000);
  }
  SUBCASE("a day before the previous 7 does not count") {
    f.send("HC_OLD", f.reading_at(quarter_mid(10, 2), 301));
    CHECK(f.one("HC_OLD", alert_type::high_consumption).threshold.value == 300);
  }
  SUBCASE("a late reading that lifts an earlier quarter-hour over the limit raises") {
    for (int q = 0; q < 4; ++q) f.send("HC_LATE", f.reading_at(quarter_mid(10, q), 100));
    f.send("HC_LATE", f.reading_at(quarter_mid(11, 0), 100));
    CHECK(f.of("HC_LATE").empty());
    // Into 10:15-10:30, which now holds 100 + 250 Wh.
    f.send("HC_LATE", f.reading_at(today + hours{10} + minutes{25}, 250));
    const auto a = f.one("HC_LATE", alert_type::high_consumption);
    CHECK(a.value.value == 350);
  }
}

TEST_CASE("alerts: a day's stored hourly profile follows late history into that day") {
  alerts_fixture f;
  f.meter("HC_PROF", "north");
  std::vector<segs::meter_reading> rows;
  history(rows, "HC_PROF", {1, 2, 3, 4, 5, 6, 7});
  f.send_all(rows);
  // Evaluating 10:00 reads (and stores) the profiles of the 7 days: 100 Wh
  // a quarter-hour, so 300 is at the limit.
  f.send("HC_PROF", f.reading_at(quarter_mid(10, 0), 300));
  CHECK(f.of("HC_PROF").empty());
  // Late: yesterday's 10:00-11:00 doubles (a second reading in each
  // quarter-hour). Its mean is now (6 x 4 x 100 + 4 x 200) / 28 = 114.29 Wh.
  rows.clear();
  for (int q = 0; q < 4; ++q)
    rows.push_back({"HC_PROF", f.reading_at(today - days{1} + hours{10} + minutes{15 * q + 10}, 100), {}});
  f.send_all(rows);
  // 330 Wh was over the old limit (300) and is under the new one (342.86).
  f.send("HC_PROF", f.reading_at(quarter_mid(10, 1), 330));
  CHECK(f.of("HC_PROF").empty());
  f.send("HC_PROF", f.reading_at(quarter_mid(10, 2), 343));
  const auto a = f.one("HC_PROF", alert_type::high_consumption);
  CHECK(a.value.value == 343);
  CHECK(a.threshold.value >= 342);
  CHECK(a.threshold.value <= 343);
}

TEST_CASE("alerts: high_consumption compares the same wall-clock hour across a DST change (Europe/Berlin)") {
  alerts_fixture f;
  f.meter("HC_DST", "berlin");
  // 2026-03-29 is 23 hours long: 10:00 is 09:00Z before it and 08:00Z from it.
  const auto day = [](int d) { return std::chrono::sys_days{std::chrono::year{2026} / 3 / 31} - days{d}; };
  std::vector<segs::meter_reading> rows;
  for (int d = 1; d <= 7; ++d) {
    const bool summer = day(d) >= std::chrono::sys_days{std::chrono::year{2026} / 3 / 29};
    const timestamp ten = timestamp{day(d)} + hours{summer ? 8 : 9};
    for (int q = 0; q < 4; ++q) {
      rows.push_back({"HC_DST", f.reading_at(ten + minutes{15 * q + 5}, 100), {}});
      // Before the change, 08:00Z is 09:00 local: another hour, much more.
      if (!summer) rows.push_back({"HC_DST", f.reading_at(ten - hours{1} + minutes{15 * q + 5}, 5'000), {}});
    }
  }
  f.send_all(rows);
  const timestamp ten_today = timestamp{day(0)} + hours{8};  // 10:00 CEST
  f.send("HC_DST", f.reading_at(ten_today + minutes{5}, 300));
  CHECK(f.of("HC_DST").empty());
  f.send("HC_DST", f.reading_at(ten_today + minutes{20}, 301));
  const auto a = f.one("HC_DST", alert_type::high_consumption);
  CHECK(a.threshold.value == 300);
}

// --- meter_offline -----------------------------------------------------------------

TEST_CASE("alerts: meter_offline is raised by due work after longer than 30 minutes and cleared by the next reading") {
  alerts_fixture f;
  const timestamp t = at("2025-06-15T12:00:00Z");
  for (const char* s : {"OFF_A", "OFF_B", "OFF_C"}) {
    f.meter(s, "north");
    f.send(s, f.plain(t));
  }
  auto q = f.grid->events().queue(100, {.names = {"alerts."}, .region = std::nullopt});

  // At 30 minutes: not yet.
  f.clock->set(t + minutes{30});
  auto r0 = f.grid->run_due_work();
  REQUIRE(r0.has_value());
  CHECK(r0->offline_alerts_raised == 0);
  for (const char* s : {"OFF_A", "OFF_B", "OFF_C"}) CHECK(f.of(s).empty());

  f.send("OFF_C", f.plain(t + minutes{30}));  // C keeps reporting
  f.clock->set(t + minutes{31});
  auto r1 = f.grid->run_due_work();
  REQUIRE(r1.has_value());
  CHECK(r1->offline_alerts_raised == 2);
  CHECK(r1->ran_at == t + minutes{31});
  CHECK_FALSE(r1->idle());
  CHECK(f.of("OFF_C").empty());
  segs::uuid a_id;
  for (const char* s : {"OFF_A", "OFF_B"}) {
    CAPTURE(s);
    const auto a = f.one(s, alert_type::meter_offline);
    CHECK(a.severity == alert_severity::warning);
    CHECK(a.status == alert_status::active);
    CHECK(a.threshold.value == 30'000);  // minutes
    CHECK(a.value.value == 31'000);
    CHECK(a.first_seen_at >= t + minutes{30});
    CHECK(a.first_seen_at <= t + minutes{31});
    CHECK(a.message.find("30") != std::string::npos);
    if (std::string(s) == "OFF_A") a_id = a.id;
  }
  const auto raised = q.drain();
  CHECK(names_of(raised) == std::vector<std::string>{"alerts.raised", "alerts.raised"});

  // Running again while they stay silent raises nothing new.
  f.clock->set(t + minutes{40});
  auto r2 = f.grid->run_due_work();
  REQUIRE(r2.has_value());
  CHECK(r2->offline_alerts_raised == 0);
  CHECK(f.of("OFF_A").size() == 1);
  CHECK(f.of("OFF_B").size() == 1);

  // A's next reading clears A's alert, automatically.
  f.send("OFF_A", f.plain(t + minutes{41}));
  const auto cleared = f.al().get(f.admin, a_id);
  REQUIRE(cleared.has_value());
  CHECK(cleared->status == alert_status::resolved);
  CHECK(cleared->resolution == segs::alert_resolution::automatic);
  CHECK_FALSE(cleared->resolved_by.has_value());
  CHECK(cleared->resolved_at.has_value());
  CHECK(f.one("OFF_B", alert_type::meter_offline).status == alert_status::active);
  const auto resolved = q.drain();
  REQUIRE(resolved.size() == 1);
  CHECK(resolved[0].name() == "alerts.resolved");
  CHECK(resolved[0].get<segs::alert_event>()->alert.id == a_id);

  // Silent again: a new alert for A, one for C; B's stays the one open.
  f.clock->set(t + minutes{41 + 31});
  auto r3 = f.grid->run_due_work();
  REQUIRE(r3.has_value());
  CHECK(r3->offline_alerts_raised == 2);
  const auto a_all = f.of("OFF_A", alert_type::meter_offline);
  REQUIRE(a_all.size() == 2);
  CHECK(a_all[0].status == alert_status::active);  // newest first
  CHECK(a_all[0].id != a_id);
  CHECK(a_all[1].id == a_id);
  CHECK(f.of("OFF_B").size() == 1);
  CHECK(f.one("OFF_C", alert_type::meter_offline).status == alert_status::active);
}

TEST_CASE("alerts: a meter that never reported is offline from its creation, and only active meters are checked") {
  alerts_fixture f;
  const timestamp t = at("2025-06-15T12:00:00Z");
  f.clock->set(t);
  for (const char* s : {"NEV_ACTIVE", "NEV_INACTIVE", "NEV_MAINT", "NEV_DECOM"}) f.meter(s, "north");
  REQUIRE(f.tel().set_meter_status(f.admin, "NEV_INACTIVE", segs::meter_status::inactive, "paused").has_value());
  REQUIRE(f.tel().set_meter_status(f.admin, "NEV_MAINT", segs::meter_status::maintenance, "repair").has_value());
  REQUIRE(f.tel().decommission_meter(f.admin, "NEV_DECOM").has_value());
  f.clock->set(t + minutes{30});
  auto r0 = f.grid->run_due_work();
  REQUIRE(r0.has_value());
  CHECK(r0->offline_alerts_raised == 0);
  f.clock->set(t + minutes{31});
  auto r1 = f.grid->run_due_work();
  REQUIRE(r1.has_value());
  CHECK(r1->offline_alerts_raised == 1);
  const auto a = f.one("NEV_ACTIVE", alert_type::meter_offline);
  CHECK(a.value.value == 31'000);
  for (const char* s : {"NEV_INACTIVE", "NEV_MAINT", "NEV_DECOM"}) {
    CAPTURE(s);
    CHECK(f.of(s).empty());
  }
  // Its first reading clears it.
  f.send("NEV_ACTIVE", f.plain(t + minutes{32}));
  CHECK(f.al().get(f.admin, a.id)->status == alert_status::resolved);
}

TEST_CASE("alerts: a meter silent for 30 minutes and one second is offline") {
  alerts_fixture f;
  const timestamp t = at("2025-06-15T12:00:00Z");
  f.meter("OFF_S", "north");
  f.send("OFF_S", f.plain(t));
  f.clock->set(t + minutes{30});
  REQUIRE(f.grid->run_due_work().has_value());
  CHECK(f.of("OFF_S").empty());
  f.clock->set(t + minutes{30} + seconds{1});
  auto r = f.grid->run_due_work();
  REQUIRE(r.has_value());
  CHECK(r->offline_alerts_raised == 1);
  CHECK(f.of("OFF_S", alert_type::meter_offline).size() == 1);
}

TEST_CASE("alerts: the offline limit of a region's settings applies to its meters") {
  alerts_fixture f;
  const timestamp t = at("2025-06-15T12:00:00Z");
  segs::alert_settings_patch p;
  p.offline_after_minutes = 45;
  REQUIRE(f.al().update_settings(f.admin, "south", p).has_value());
  f.meter("OFF_SOUTH", "south");
  f.meter("OFF_NORTH", "north");
  f.send("OFF_SOUTH", f.plain(t));
  f.send("OFF_NORTH", f.plain(t));
  f.clock->set(t + minutes{45});
  auto r = f.grid->run_due_work();
  REQUIRE(r.has_value());
  CHECK(r->offline_alerts_raised == 1);
  CHECK(f.of("OFF_SOUTH").empty());
  CHECK(f.of("OFF_NORTH", alert_type::meter_offline).size() == 1);
  f.clock->set(t + minutes{46});
  r = f.grid->run_due_work();
  REQUIRE(r.has_value());
  CHECK(r->offline_alerts_raised == 1);
  const auto a = f.one("OFF_SOUTH", alert_type::meter_offline);
  CHECK(a.threshold.value == 45'000);
  CHECK(a.region == "south");
}

TEST_CASE("alerts: high_consumption reads the history stored when the quarter-hour is evaluated, late history included") {
  alerts_fixture f;
  f.meter("HC_GROWS", "north");
  // Today's first quarter-hour of 10:00 has no history to compare with.
  f.send("HC_GROWS", f.reading_at(quarter_mid(10, 0), 5'000));
  CHECK(f.of("HC_GROWS").empty());
  // The previous 7 days arrive late (a head-end's backlog).
  std::vector<segs::meter_reading> rows;
  history(rows, "HC_GROWS", {1, 2, 3, 4, 5, 6, 7});
  f.send_all(rows);
  // The next quarter-hour of the same hour has a mean of 100 Wh to exceed.
  f.send("HC_GROWS", f.reading_at(quarter_mid(10, 1), 5'000));
  const auto a = f.one("HC_GROWS", alert_type::high_consumption);
  CHECK(a.value.value == 5'000);
  CHECK(a.threshold.value == 300);
}

TEST_CASE("alerts: high_consumption takes nothing from history whose transaction rolled back") {
  alerts_fixture f(alerts_fixture::with_faults);
  f.meter("HC_RB", "north");
  // History and a first quarter-hour of today in one batch that fails.
  std::vector<segs::meter_reading> rows;
  history(rows, "HC_RB", {1, 2, 3, 4, 5, 6, 7});
  rows.push_back({"HC_RB", f.reading_at(quarter_mid(10, 0), 100), {}});
  f.clock_to(quarter_mid(10, 0));
  f.fault->fail_commit(true);
  auto failed = f.tel().ingest(segs::principal::system(), rows);
  f.fault->fail_commit(false);
  REQUIRE_FALSE(failed.has_value());
  // Nothing of it is stored: a quarter-hour of the same hour has no history.
  const segs::time_range week{today - days{8}, today + days{1}};
  CHECK(f.tel().readings(f.admin, "HC_RB", week)->total == 0);
  f.send("HC_RB", f.reading_at(quarter_mid(10, 1), 5'000));
  CHECK(f.of("HC_RB").empty());
}

TEST_CASE("alerts: a late quarter-hour over the limit is evaluated while a high_consumption alert is open") {
  alerts_fixture f;
  f.meter("HC_OPEN", "north");
  std::vector<segs::meter_reading> rows;
  history(rows, "HC_OPEN", {1, 2, 3, 4, 5, 6, 7});
  f.send_all(rows);
  f.send("HC_OPEN", f.reading_at(quarter_mid(10, 0), 400));
  const auto a = f.one("HC_OPEN", alert_type::high_consumption);
  f.send("HC_OPEN", f.reading_at(quarter_mid(10, 1), 100));
  // The quarter-hour 09:45-10:00, empty so far, arrives late with 500 Wh.
  f.send("HC_OPEN", f.reading_at(quarter_mid(9, 3), 500));
  const auto b = f.al().get(f.admin, a.id);
  REQUIRE(b.has_value());
  CHECK(b->status == alert_status::active);
  CHECK(b->occurrences == 2);
  CHECK(b->value.value == 500);
}
