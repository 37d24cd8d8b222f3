// Rule settings (alerts.hpp, issue 13 section 3): the defaults (the region's
// nominal voltage and frequency), partial region updates, a meter's
// overrides over its region's, validation errors naming the member, only
// alerts:configure may change them, every change audited, and a changed
// threshold in effect from the next reading.
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
std::size_t idx(alert_type t) { return static_cast<std::size_t>(t); }

void check_defaults(const segs::alert_settings& s, std::int64_t volts, std::int64_t hz) {
  CHECK(s.nominal_voltage_v.value == volts);
  CHECK(s.voltage_band.value == 50);
  CHECK(s.nominal_frequency_hz.value == hz);
  CHECK(s.frequency_limit_hz.value == 500);
  CHECK(s.power_factor_min.value == 850);
  CHECK(s.high_consumption_factor.value == 3'000);
  CHECK(s.offline_after_minutes == 30);
  for (std::size_t i = 0; i < segs::alert_type_count; ++i) {
    CAPTURE(i);
    CHECK(s.rules[i].enabled);
    CHECK(s.rules[i].fire_after == (i == idx(alert_type::low_power_factor) ? 3 : 1));
    CHECK(s.rules[i].clear_after == 3);
  }
}

std::string field_of(const segs::result<segs::alert_settings>& r) {
  if (r) return "(accepted)";
  CHECK(r.error().code == errc::validation_error);
  return r.error().field;
}

}  // namespace

TEST_CASE("alerts: the default settings of a region, with its nominal voltage and frequency") {
  alerts_fixture f;
  auto north = f.al().settings(f.admin, "north");
  REQUIRE_MESSAGE(north.has_value(), (north ? "" : north.error().message));
  check_defaults(*north, 230'000, 50'000);
  auto us = f.al().settings(f.admin, "us60");
  REQUIRE(us.has_value());
  check_defaults(*us, 120'000, 60'000);
  // An operator reads their region's.
  auto by_op = f.al().settings(f.op, "north");
  REQUIRE(by_op.has_value());
  CHECK(by_op->voltage_band.value == 50);
  // A meter without overrides has its region's.
  f.meter("SET_D", "us60");
  auto m = f.al().settings(f.admin, "us60", std::string_view("SET_D"));
  REQUIRE(m.has_value());
  check_defaults(*m, 120'000, 60'000);
  // The default follows the region's nominal voltage.
  segs::region_spec rs;
  rs.nominal_voltage_v = 127.0;
  REQUIRE(f.grid->regions().put(f.admin, "us60", rs).has_value());
  CHECK(f.al().settings(f.admin, "us60")->nominal_voltage_v.value == 127'000);
  // A meter's reader reads its meter's settings; the region's are for
  // those who manage its alerts.
  f.meter("SET_ALICE", "north", &f.alice_user);
  auto mine = f.al().settings(f.alice, "north", std::string_view("SET_ALICE"));
  REQUIRE_MESSAGE(mine.has_value(), (mine ? "" : mine.error().message));
  CHECK(mine->voltage_band.value == 50);
  auto not_bobs = f.al().settings(f.bob, "north", std::string_view("SET_ALICE"));
  REQUIRE_FALSE(not_bobs.has_value());
  CHECK(not_bobs.error().code == errc::not_found);
  CHECK_FALSE(f.al().settings(f.alice, "north").has_value());
  CHECK_FALSE(f.al().settings(f.op_south, "north").has_value());
  // An unknown region or meter.
  CHECK_FALSE(f.al().settings(f.admin, "atlantis").has_value());
  auto nm = f.al().settings(f.admin, "north", std::string_view("NO_SUCH_METER"));
  REQUIRE_FALSE(nm.has_value());
  CHECK(nm.error().code == errc::not_found);
}

TEST_CASE("alerts: a region's settings change partially, are audited, and leave other regions alone") {
  alerts_fixture f;
  segs::alert_settings_patch p;
  p.voltage_band = ml(30);
  auto a = f.al().update_settings(f.admin, "north", p);
  REQUIRE_MESSAGE(a.has_value(), (a ? "" : a.error().message));
  CHECK(a->voltage_band.value == 30);
  CHECK(a->power_factor_min.value == 850);
  CHECK(a->nominal_voltage_v.value == 230'000);

  segs::alert_settings_patch p2;
  p2.power_factor_min = ml(900);
  p2.rules[alert_type::low_power_factor].fire_after = 5;
  auto b = f.al().update_settings(f.admin, "north", p2);
  REQUIRE(b.has_value());
  CHECK(b->voltage_band.value == 30);  // kept
  CHECK(b->power_factor_min.value == 900);
  CHECK(b->rules[idx(alert_type::low_power_factor)].fire_after == 5);
  CHECK(b->rules[idx(alert_type::low_power_factor)].clear_after == 3);
  CHECK(b->rules[idx(alert_type::low_power_factor)].enabled);

  auto read = f.al().settings(f.admin, "north");
  REQUIRE(read.has_value());
  CHECK(read->voltage_band.value == 30);
  CHECK(read->power_factor_min.value == 900);
  CHECK(read->rules[idx(alert_type::low_power_factor)].fire_after == 5);
  check_defaults(*f.al().settings(f.admin, "south"), 230'000, 50'000);

  // Audited, by the admin.
  segs::audit_query q;
  q.actor_id = f.admin.id.to_string();
  q.per_page = 100;
  auto recs = f.grid->audit().query(f.admin, q);
  REQUIRE(recs.has_value());
  int changes = 0;
  for (const auto& r : recs->items)
    if (r.action.find("alert") != std::string::npos && r.outcome == "success") ++changes;
  CHECK(changes == 2);
}

TEST_CASE("alerts: invalid settings are validation errors naming the member and change nothing") {
  alerts_fixture f;
  auto upd = [&](auto edit) {
    segs::alert_settings_patch p;
    edit(p);
    return f.al().update_settings(f.admin, "north", p);
  };
  using P = segs::alert_settings_patch;
  CHECK(field_of(upd([](P& p) { p.voltage_band = ml(0); })) == "voltage_band");
  CHECK(field_of(upd([](P& p) { p.voltage_band = ml(501); })) == "voltage_band");
  CHECK(field_of(upd([](P& p) { p.nominal_voltage_v = ml(0); })) == "nominal_voltage_v");
  CHECK(field_of(upd([](P& p) { p.nominal_frequency_hz = ml(-1); })) == "nominal_frequency_hz");
  CHECK(field_of(upd([](P& p) { p.frequency_limit_hz = ml(0); })) == "frequency_limit_hz");
  CHECK(field_of(upd([](P& p) { p.power_factor_min = ml(1'001); })) == "power_factor_min");
  CHECK(field_of(upd([](P& p) { p.high_consumption_factor = ml(999); })) == "high_consumption_factor");
  CHECK(field_of(upd([](P& p) { p.offline_after_minutes = 0; })) == "offline_after_minutes");
  CHECK(field_of(upd([](P& p) { p.offline_after_minutes = 10'081; })) == "offline_after_minutes");
  CHECK(field_of(upd([](P& p) { p.rules[alert_type::over_voltage].fire_after = 0; })) == "over_voltage.fire_after");
  CHECK(field_of(upd([](P& p) { p.rules[alert_type::meter_offline].clear_after = 101; })) ==
        "meter_offline.clear_after");
  // A patch with a bad member changes none of its good ones.
  CHECK(field_of(upd([](P& p) {
          p.power_factor_min = ml(900);
          p.voltage_band = ml(0);
        })) == "voltage_band");
  check_defaults(*f.al().settings(f.admin, "north"), 230'000, 50'000);
  // The edges are accepted.
  CHECK(field_of(upd([](P& p) {
          p.voltage_band = ml(500);
          p.power_factor_min = ml(0);
          p.high_consumption_factor = ml(1'000);
          p.offline_after_minutes = 10'080;
          p.rules[alert_type::over_voltage] = {true, 100, 1};
        })) == "(accepted)");
  // Meters validate the same way.
  f.meter("SET_V", "north");
  segs::alert_settings_patch bad;
  bad.voltage_band = ml(0);
  auto mb = f.al().update_meter_settings(f.admin, "north", "SET_V", bad);
  REQUIRE_FALSE(mb.has_value());
  CHECK(mb.error().code == errc::validation_error);
  CHECK(mb.error().field == "voltage_band");
}

TEST_CASE("alerts: only alerts:configure changes settings") {
  alerts_fixture f;
  f.meter("SET_P", "north");
  segs::alert_settings_patch p;
  p.voltage_band = ml(30);
  auto by_op = f.al().update_settings(f.op, "north", p);
  REQUIRE_FALSE(by_op.has_value());
  CHECK(by_op.error().code == errc::forbidden);
  auto by_op_meter = f.al().update_meter_settings(f.op, "north", "SET_P", p);
  REQUIRE_FALSE(by_op_meter.has_value());
  CHECK(by_op_meter.error().code == errc::forbidden);
  auto by_alice = f.al().update_settings(f.alice, "north", p);
  REQUIRE_FALSE(by_alice.has_value());
  CHECK((by_alice.error().code == errc::forbidden || by_alice.error().code == errc::not_found));
  CHECK(f.al().settings(f.admin, "north")->voltage_band.value == 50);
  CHECK(f.al().settings(f.admin, "north", std::string_view("SET_P"))->voltage_band.value == 50);
  // An unknown region.
  CHECK_FALSE(f.al().update_settings(f.admin, "atlantis", p).has_value());
  // A meter of another region.
  f.meter("SET_SOUTH", "south");
  CHECK_FALSE(f.al().update_meter_settings(f.admin, "north", "SET_SOUTH", p).has_value());
  CHECK(f.al().settings(f.admin, "south", std::string_view("SET_SOUTH"))->voltage_band.value == 50);
}

TEST_CASE("alerts: a meter's overrides win over its region's settings, the rest follows the region") {
  alerts_fixture f;
  f.meter("SET_M1", "north");
  f.meter("SET_M2", "north");
  segs::alert_settings_patch mp;
  mp.voltage_band = ml(100);
  mp.rules[alert_type::low_power_factor].fire_after = 1;
  auto m1 = f.al().update_meter_settings(f.admin, "north", "SET_M1", mp);
  REQUIRE_MESSAGE(m1.has_value(), (m1 ? "" : m1.error().message));
  CHECK(m1->voltage_band.value == 100);
  CHECK(m1->rules[idx(alert_type::low_power_factor)].fire_after == 1);
  CHECK(m1->frequency_limit_hz.value == 500);
  CHECK(f.al().settings(f.admin, "north")->voltage_band.value == 50);

  segs::alert_settings_patch rp;
  rp.voltage_band = ml(20);
  rp.frequency_limit_hz = ml(200);
  REQUIRE(f.al().update_settings(f.admin, "north", rp).has_value());
  auto s1 = f.al().settings(f.admin, "north", std::string_view("SET_M1"));
  REQUIRE(s1.has_value());
  CHECK(s1->voltage_band.value == 100);       // the meter's
  CHECK(s1->frequency_limit_hz.value == 200);  // the region's
  CHECK(s1->rules[idx(alert_type::low_power_factor)].fire_after == 1);
  auto s2 = f.al().settings(f.admin, "north", std::string_view("SET_M2"));
  REQUIRE(s2.has_value());
  CHECK(s2->voltage_band.value == 20);
  CHECK(s2->rules[idx(alert_type::low_power_factor)].fire_after == 3);

  // In effect from the next reading: 250 V is within M1's 10 %, above M2's 2 %.
  f.send("SET_M1", f.volts(t_(1), 250'000));
  f.send("SET_M2", f.volts(t_(1), 234'601));
  CHECK(f.of("SET_M1").empty());
  const auto a = f.one("SET_M2", alert_type::over_voltage);
  CHECK(a.threshold.value == 234'600);
  // One low power factor raises on M1, not on M2.
  f.send("SET_M1", f.pf(t_(2), 800));
  f.send("SET_M2", f.pf(t_(2), 800));
  CHECK(f.one("SET_M1", alert_type::low_power_factor).threshold.value == 850);
  CHECK(f.of("SET_M2", alert_type::low_power_factor).empty());
  // A frequency 0.3 Hz off is beyond both meters' 0.2 Hz.
  f.send("SET_M1", f.hz(t_(3), 50'300));
  CHECK(f.of("SET_M1", alert_type::frequency_deviation).size() == 1);
}

TEST_CASE("alerts: a changed threshold applies from the next reading, and a disabled rule raises nothing") {
  alerts_fixture f;
  f.meter("SET_T", "north");
  f.send("SET_T", f.volts(t_(1), 237'000));  // within 5 %
  CHECK(f.of("SET_T").empty());
  segs::alert_settings_patch p;
  p.voltage_band = ml(30);  // 236.9 V
  REQUIRE(f.al().update_settings(f.admin, "north", p).has_value());
  CHECK(f.of("SET_T").empty());  // nothing re-evaluated
  f.send("SET_T", f.volts(t_(2), 237'000));
  CHECK(f.one("SET_T", alert_type::over_voltage).threshold.value == 236'900);

  f.meter("SET_OFF", "north");
  REQUIRE(f.al()
              .update_settings(f.admin, "north", alerts_fixture::rule_patch(alert_type::under_voltage, {}, {}, false))
              .has_value());
  CHECK_FALSE(f.al().settings(f.admin, "north")->rules[idx(alert_type::under_voltage)].enabled);
  f.send("SET_OFF", f.volts(t_(1), 190'000));
  CHECK(f.of("SET_OFF").empty());
  REQUIRE(f.al()
              .update_settings(f.admin, "north", alerts_fixture::rule_patch(alert_type::under_voltage, {}, {}, true))
              .has_value());
  f.send("SET_OFF", f.volts(t_(2), 190'000));
  CHECK(f.one("SET_OFF", alert_type::under_voltage).severity == segs::alert_severity::critical);

  // clear_after from the settings.
  REQUIRE(f.al()
              .update_settings(f.admin, "north", alerts_fixture::rule_patch(alert_type::under_voltage, {}, 1))
              .has_value());
  f.send("SET_OFF", f.volts(t_(3), 230'000));
  CHECK(f.one("SET_OFF", alert_type::under_voltage).status == alert_status::resolved);
}
