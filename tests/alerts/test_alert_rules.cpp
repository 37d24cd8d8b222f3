// The alert rules alone (src/alerts/rules.hpp): each rule at, just below and
// just above its threshold, the severities, the hysteresis counts, late
// observations, messages and the settings patch. Pure code, no storage:
// expected values are written out by hand from issue 13's table.
#include "alerts/rules.hpp"

#include <segs/alerts.hpp>
#include <segs/telemetry.hpp>
#include <segs/types.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace std::chrono;
using segs::alert_severity;
using segs::alert_type;
using segs::milli;
using segs::timestamp;
namespace rules = segs::alerts;

namespace {

timestamp utc(const char* text) { return segs::parse_rfc3339(text).value(); }
const timestamp t0 = utc("2025-06-15T10:00:00Z");

std::size_t idx(alert_type t) { return static_cast<std::size_t>(t); }

segs::reading with_voltage(std::int64_t mv) {
  segs::reading r;
  r.time = t0;
  r.voltage = milli{mv};
  return r;
}

// The finding of `type` on `r` with default settings (230 V, 50 Hz) and a
// meter of 10 kW.
std::optional<rules::finding> find(alert_type type, const segs::reading& r,
                                   const segs::alert_settings& s = {}) {
  return rules::instantaneous(s, r, milli{10'000})[idx(type)];
}

void check(const std::optional<rules::finding>& f, bool met, alert_severity sev = alert_severity::warning,
           std::optional<std::int64_t> threshold = {}) {
  REQUIRE(f.has_value());
  CHECK(f->met == met);
  if (met) CHECK(f->severity == sev);
  if (threshold) CHECK(f->threshold.value == *threshold);
}

}  // namespace

TEST_CASE("alert rules: over_voltage at, just below and just above nominal x 1.05 and nominal x 1.10") {
  // 230 V nominal: warning above 241.5 V, critical above 253 V.
  check(find(alert_type::over_voltage, with_voltage(241'499)), false);
  check(find(alert_type::over_voltage, with_voltage(241'500)), false);
  check(find(alert_type::over_voltage, with_voltage(241'501)), true, alert_severity::warning, 241'500);
  check(find(alert_type::over_voltage, with_voltage(252'999)), true, alert_severity::warning, 241'500);
  check(find(alert_type::over_voltage, with_voltage(253'000)), true, alert_severity::warning, 241'500);
  check(find(alert_type::over_voltage, with_voltage(253'001)), true, alert_severity::critical, 253'000);
  CHECK(find(alert_type::over_voltage, with_voltage(241'501))->value.value == 241'501);
  // A voltage below nominal meets no over_voltage.
  check(find(alert_type::over_voltage, with_voltage(100'000)), false);
}

TEST_CASE("alert rules: under_voltage at, just below and just above nominal x 0.95 and nominal x 0.90") {
  check(find(alert_type::under_voltage, with_voltage(218'501)), false);
  check(find(alert_type::under_voltage, with_voltage(218'500)), false);
  check(find(alert_type::under_voltage, with_voltage(218'499)), true, alert_severity::warning, 218'500);
  check(find(alert_type::under_voltage, with_voltage(207'001)), true, alert_severity::warning, 218'500);
  check(find(alert_type::under_voltage, with_voltage(207'000)), true, alert_severity::warning, 218'500);
  check(find(alert_type::under_voltage, with_voltage(206'999)), true, alert_severity::critical, 207'000);
  check(find(alert_type::under_voltage, with_voltage(300'000)), false);
}

TEST_CASE("alert rules: the voltage limits follow the nominal voltage and the band of the settings") {
  segs::alert_settings s;
  s.nominal_voltage_v = milli{120'000};
  check(find(alert_type::over_voltage, with_voltage(126'000), s), false);
  check(find(alert_type::over_voltage, with_voltage(126'001), s), true, alert_severity::warning, 126'000);
  check(find(alert_type::over_voltage, with_voltage(132'001), s), true, alert_severity::critical, 132'000);
  check(find(alert_type::under_voltage, with_voltage(114'000), s), false);
  check(find(alert_type::under_voltage, with_voltage(113'999), s), true, alert_severity::warning, 114'000);
  check(find(alert_type::under_voltage, with_voltage(107'999), s), true, alert_severity::critical, 108'000);
  s.voltage_band = milli{30};  // 3 %: 123.6 V
  check(find(alert_type::over_voltage, with_voltage(123'600), s), false);
  check(find(alert_type::over_voltage, with_voltage(123'601), s), true, alert_severity::warning, 123'600);
  check(find(alert_type::under_voltage, with_voltage(116'399), s), true, alert_severity::warning, 116'400);
  // The critical limits stay at +-10 %.
  check(find(alert_type::over_voltage, with_voltage(132'000), s), true, alert_severity::warning);
}

TEST_CASE("alert rules: frequency_deviation beyond +-0.5 Hz of the nominal frequency, both sides") {
  auto r = [](std::int64_t mhz) {
    segs::reading x;
    x.time = t0;
    x.frequency = milli{mhz};
    return x;
  };
  check(find(alert_type::frequency_deviation, r(50'000)), false);
  check(find(alert_type::frequency_deviation, r(50'499)), false);
  check(find(alert_type::frequency_deviation, r(50'500)), false);
  check(find(alert_type::frequency_deviation, r(50'501)), true, alert_severity::warning, 50'500);
  check(find(alert_type::frequency_deviation, r(49'501)), false);
  check(find(alert_type::frequency_deviation, r(49'500)), false);
  check(find(alert_type::frequency_deviation, r(49'499)), true, alert_severity::warning, 49'500);
  segs::alert_settings s;
  s.nominal_frequency_hz = milli{60'000};
  check(find(alert_type::frequency_deviation, r(60'500), s), false);
  check(find(alert_type::frequency_deviation, r(60'501), s), true, alert_severity::warning, 60'500);
  check(find(alert_type::frequency_deviation, r(50'000), s), true, alert_severity::warning, 59'500);
  s.frequency_limit_hz = milli{200};
  check(find(alert_type::frequency_deviation, r(60'201), s), true);
  check(find(alert_type::frequency_deviation, r(59'800), s), false);
}

TEST_CASE("alert rules: low_power_factor below 0.85, a warning") {
  auto r = [](std::int64_t p) {
    segs::reading x;
    x.time = t0;
    x.power_factor = milli{p};
    return x;
  };
  check(find(alert_type::low_power_factor, r(851)), false);
  check(find(alert_type::low_power_factor, r(850)), false);
  check(find(alert_type::low_power_factor, r(849)), true, alert_severity::warning, 850);
  check(find(alert_type::low_power_factor, r(0)), true, alert_severity::warning, 850);
  check(find(alert_type::low_power_factor, r(1000)), false);
}

TEST_CASE("alert rules: over_capacity when |power_kw| or peak_demand_kw exceeds the capacity, critical") {
  auto power = [](std::int64_t w) {
    segs::reading x;
    x.time = t0;
    x.power_kw = milli{w};
    return x;
  };
  auto peak = [](std::int64_t w) {
    segs::reading x;
    x.time = t0;
    x.peak_demand_kw = milli{w};
    return x;
  };
  check(find(alert_type::over_capacity, power(9'999)), false);
  check(find(alert_type::over_capacity, power(10'000)), false);
  check(find(alert_type::over_capacity, power(10'001)), true, alert_severity::critical, 10'000);
  check(find(alert_type::over_capacity, power(-10'000)), false);
  check(find(alert_type::over_capacity, power(-10'001)), true, alert_severity::critical, 10'000);
  check(find(alert_type::over_capacity, peak(10'000)), false);
  check(find(alert_type::over_capacity, peak(10'001)), true, alert_severity::critical, 10'000);
  // The worse of the two is the value.
  auto both = power(9'000);
  both.peak_demand_kw = milli{12'500};
  auto f = find(alert_type::over_capacity, both);
  check(f, true, alert_severity::critical);
  CHECK(f->value.value == 12'500);
  auto exported = power(-11'000);
  exported.peak_demand_kw = milli{2'000};
  CHECK(find(alert_type::over_capacity, exported)->value.value == 11'000);
}

TEST_CASE("alert rules: a rule reads only what the reading carries, and a disabled rule finds nothing") {
  segs::reading bare;
  bare.time = t0;
  bare.consumed = segs::energy{500};
  const auto none = rules::instantaneous({}, bare, milli{10'000});
  for (const auto& f : none) CHECK_FALSE(f.has_value());

  segs::reading all = with_voltage(260'000);
  all.frequency = milli{51'000};
  all.power_factor = milli{500};
  all.power_kw = milli{20'000};
  const auto every = rules::instantaneous({}, all, milli{10'000});
  for (auto t : {alert_type::over_voltage, alert_type::under_voltage, alert_type::frequency_deviation,
                 alert_type::low_power_factor, alert_type::over_capacity})
    CHECK(every[idx(t)].has_value());
  // Not instantaneous rules.
  CHECK_FALSE(every[idx(alert_type::high_consumption)].has_value());
  CHECK_FALSE(every[idx(alert_type::meter_offline)].has_value());

  segs::alert_settings s;
  s.rules[idx(alert_type::over_voltage)].enabled = false;
  s.rules[idx(alert_type::low_power_factor)].enabled = false;
  const auto some = rules::instantaneous(s, all, milli{10'000});
  CHECK_FALSE(some[idx(alert_type::over_voltage)].has_value());
  CHECK_FALSE(some[idx(alert_type::low_power_factor)].has_value());
  CHECK(some[idx(alert_type::under_voltage)].has_value());
  CHECK(some[idx(alert_type::frequency_deviation)].has_value());
}

TEST_CASE("alert rules: high_consumption above factor x the hour's mean, none without a mean") {
  const segs::alert_settings s;
  // Mean 100 Wh: the limit is 300 Wh (0.3 kWh).
  auto at = rules::high_consumption(s, 300, 100.0);
  REQUIRE(at.has_value());
  CHECK_FALSE(at->met);
  CHECK_FALSE(rules::high_consumption(s, 299, 100.0)->met);
  auto above = rules::high_consumption(s, 301, 100.0);
  REQUIRE(above.has_value());
  CHECK(above->met);
  CHECK(above->severity == alert_severity::warning);
  CHECK(above->value.value == 301);      // 0.301 kWh
  CHECK(above->threshold.value == 300);  // 0.3 kWh
  // A fractional mean: 3 x 100.5 = 301.5 Wh.
  CHECK_FALSE(rules::high_consumption(s, 301, 100.5)->met);
  CHECK(rules::high_consumption(s, 302, 100.5)->met);
  // Fewer than 3 days of history: no mean, nothing found.
  CHECK_FALSE(rules::high_consumption(s, 1'000'000, std::nullopt).has_value());
  // The factor of the settings.
  segs::alert_settings f25;
  f25.high_consumption_factor = milli{2'500};
  CHECK_FALSE(rules::high_consumption(f25, 250, 100.0)->met);
  CHECK(rules::high_consumption(f25, 251, 100.0)->met);
  // Disabled.
  segs::alert_settings off;
  off.rules[idx(alert_type::high_consumption)].enabled = false;
  CHECK_FALSE(rules::high_consumption(off, 1'000'000, 100.0).has_value());
}

TEST_CASE("alert rules: meter_offline after longer than the limit") {
  const segs::alert_settings s;
  CHECK_FALSE(rules::offline(s, minutes{29}).met);
  CHECK_FALSE(rules::offline(s, minutes{30}).met);
  const auto f = rules::offline(s, minutes{31});
  CHECK(f.met);
  CHECK(f.severity == alert_severity::warning);
  CHECK(f.threshold.value == 30'000);  // minutes
  CHECK(f.value.value == 31'000);
  segs::alert_settings longer;
  longer.offline_after_minutes = 45;
  CHECK_FALSE(rules::offline(longer, minutes{45}).met);
  CHECK(rules::offline(longer, minutes{46}).met);
}

TEST_CASE("alert rules: step raises after fire_after consecutive readings and clears after clear_after") {
  using rules::transition;
  const segs::alert_rule r{true, 3, 3};
  rules::counts c;
  CHECK(c.at_rest());
  bool open = false;
  auto at = [](int i) { return t0 + minutes{5 * i}; };
  CHECK(rules::step(c, open, r, true, at(1)) == transition::none);
  CHECK(rules::step(c, open, r, true, at(2)) == transition::none);
  CHECK(rules::step(c, open, r, true, at(3)) == transition::raise);
  open = true;
  CHECK(rules::step(c, open, r, true, at(4)) == transition::repeat);
  CHECK(rules::step(c, open, r, false, at(5)) == transition::none);
  CHECK(rules::step(c, open, r, false, at(6)) == transition::none);
  // A reading that meets it again starts the clearing over.
  CHECK(rules::step(c, open, r, true, at(7)) == transition::repeat);
  CHECK(rules::step(c, open, r, false, at(8)) == transition::none);
  CHECK(rules::step(c, open, r, false, at(9)) == transition::none);
  CHECK(rules::step(c, open, r, false, at(10)) == transition::clear);
  open = false;
  // A later occurrence needs fire_after consecutive readings again.
  CHECK(rules::step(c, open, r, true, at(11)) == transition::none);
  CHECK(rules::step(c, open, r, false, at(12)) == transition::none);
  CHECK(rules::step(c, open, r, true, at(13)) == transition::none);
  CHECK(rules::step(c, open, r, true, at(14)) == transition::none);
  CHECK(rules::step(c, open, r, true, at(15)) == transition::raise);
}

TEST_CASE("alert rules: step with fire_after 1 raises at once, and an oscillating value raises once") {
  using rules::transition;
  const segs::alert_rule r{};
  rules::counts c;
  bool open = false;
  int raises = 0, clears = 0, repeats = 0;
  for (int i = 0; i < 20; ++i) {
    const auto t = rules::step(c, open, r, i % 2 == 0, t0 + minutes{i});
    if (t == transition::raise) {
      ++raises;
      open = true;
    } else if (t == transition::clear) {
      ++clears;
      open = false;
    } else if (t == transition::repeat) {
      ++repeats;
    }
  }
  CHECK(raises == 1);
  CHECK(clears == 0);
  CHECK(repeats == 9);
  CHECK(open);
  // The last of the 20 did not meet it: two more clear it.
  CHECK(rules::step(c, open, r, false, t0 + minutes{30}) == transition::none);
  CHECK(rules::step(c, open, r, false, t0 + minutes{31}) == transition::clear);
  CHECK(c.at_rest());
}

TEST_CASE("alert rules: an observation not newer than the newest counted moves no count") {
  using rules::transition;
  const segs::alert_rule r{true, 3, 3};
  rules::counts c;
  CHECK(rules::step(c, false, r, true, t0 + minutes{10}) == transition::none);
  CHECK(rules::step(c, false, r, true, t0 + minutes{20}) == transition::none);
  const auto before = c;
  // Older, and equal: nothing changes.
  CHECK(rules::step(c, false, r, true, t0 + minutes{15}) == transition::none);
  CHECK(rules::step(c, false, r, false, t0 + minutes{5}) == transition::none);
  CHECK(rules::step(c, false, r, true, t0 + minutes{20}) == transition::none);
  CHECK(c.meeting == before.meeting);
  CHECK(c.clearing == before.clearing);
  CHECK(c.last == before.last);
  // The next newer one is the third.
  CHECK(rules::step(c, false, r, true, t0 + minutes{25}) == transition::raise);
  // While open, an old reading that does not meet it does not clear.
  CHECK(rules::step(c, true, r, false, t0 + minutes{30}) == transition::none);
  CHECK(rules::step(c, true, r, false, t0 + minutes{35}) == transition::none);
  CHECK(rules::step(c, true, r, false, t0 + minutes{1}) == transition::none);
  // An old reading that meets an open alert's condition is an occurrence of
  // it, and moves no count: the next newer normal reading still clears.
  const auto open_before = c;
  CHECK(rules::step(c, true, r, true, t0 + minutes{2}) == transition::repeat);
  CHECK(c.meeting == open_before.meeting);
  CHECK(c.clearing == open_before.clearing);
  CHECK(c.last == open_before.last);
  CHECK(rules::step(c, true, r, false, t0 + minutes{40}) == transition::clear);
}

TEST_CASE("alert rules: the message names the measured value and the limit") {
  const rules::finding ov{true, alert_severity::warning, milli{241'501}, milli{241'500}};
  const auto m = rules::message(alert_type::over_voltage, ov);
  CHECK(m.find("241.501") != std::string::npos);
  CHECK(m.find("241.5") != std::string::npos);
  const rules::finding p{true, alert_severity::warning, milli{849}, milli{850}};
  const auto mp = rules::message(alert_type::low_power_factor, p);
  CHECK(mp.find("0.849") != std::string::npos);
  CHECK(mp.find("0.85") != std::string::npos);
  for (auto t : {alert_type::over_voltage, alert_type::under_voltage, alert_type::frequency_deviation,
                 alert_type::low_power_factor, alert_type::over_capacity, alert_type::high_consumption,
                 alert_type::meter_offline}) {
    CAPTURE(segs::to_string(t));
    CHECK_FALSE(rules::message(t, ov).empty());
  }
}

TEST_CASE("alert rules: worse keeps the higher severity") {
  CHECK(rules::worse(alert_severity::warning, alert_severity::critical) == alert_severity::critical);
  CHECK(rules::worse(alert_severity::critical, alert_severity::warning) == alert_severity::critical);
  CHECK(rules::worse(alert_severity::info, alert_severity::warning) == alert_severity::warning);
  CHECK(rules::worse(alert_severity::info, alert_severity::info) == alert_severity::info);
}

TEST_CASE("alert rules: the default settings are issue 13's") {
  const segs::alert_settings s;
  CHECK(s.nominal_voltage_v.value == 230'000);
  CHECK(s.voltage_band.value == 50);
  CHECK(s.nominal_frequency_hz.value == 50'000);
  CHECK(s.frequency_limit_hz.value == 500);
  CHECK(s.power_factor_min.value == 850);
  CHECK(s.high_consumption_factor.value == 3'000);
  CHECK(s.offline_after_minutes == 30);
  for (std::size_t i = 0; i < segs::alert_type_count; ++i) {
    CAPTURE(i);
    CHECK(s.rules[i].enabled);
    CHECK(s.rules[i].clear_after == 3);
    CHECK(s.rules[i].fire_after == (i == idx(alert_type::low_power_factor) ? 3 : 1));
  }
}

TEST_CASE("alert rules: a settings patch changes what it names and checks each value's range") {
  segs::alert_settings_patch p;
  p.voltage_band = milli{30};
  p.rules[alert_type::low_power_factor].fire_after = 5;
  auto s = rules::apply({}, p);
  REQUIRE(s.has_value());
  CHECK(s->voltage_band.value == 30);
  CHECK(s->rules[idx(alert_type::low_power_factor)].fire_after == 5);
  CHECK(s->rules[idx(alert_type::low_power_factor)].clear_after == 3);
  CHECK(s->power_factor_min.value == 850);
  CHECK(s->nominal_voltage_v.value == 230'000);

  auto field_of = [](const segs::alert_settings_patch& bad) -> std::string {
    auto r = rules::apply({}, bad);
    if (r) return "(accepted)";
    CHECK(r.error().code == segs::errc::validation_error);
    return r.error().field;
  };
  auto with = [](auto member, auto value) {
    segs::alert_settings_patch x;
    x.*member = value;
    return x;
  };
  using P = segs::alert_settings_patch;
  CHECK(field_of(with(&P::voltage_band, std::optional<milli>(milli{0}))) == "voltage_band");
  CHECK(field_of(with(&P::voltage_band, std::optional<milli>(milli{-10}))) == "voltage_band");
  CHECK(field_of(with(&P::voltage_band, std::optional<milli>(milli{501}))) == "voltage_band");
  CHECK(field_of(with(&P::voltage_band, std::optional<milli>(milli{500}))) == "(accepted)");
  CHECK(field_of(with(&P::voltage_band, std::optional<milli>(milli{1}))) == "(accepted)");
  CHECK(field_of(with(&P::nominal_voltage_v, std::optional<milli>(milli{0}))) == "nominal_voltage_v");
  CHECK(field_of(with(&P::nominal_frequency_hz, std::optional<milli>(milli{0}))) == "nominal_frequency_hz");
  CHECK(field_of(with(&P::frequency_limit_hz, std::optional<milli>(milli{0}))) == "frequency_limit_hz");
  CHECK(field_of(with(&P::power_factor_min, std::optional<milli>(milli{1'001}))) == "power_factor_min");
  CHECK(field_of(with(&P::power_factor_min, std::optional<milli>(milli{-1}))) == "power_factor_min");
  CHECK(field_of(with(&P::power_factor_min, std::optional<milli>(milli{0}))) == "(accepted)");
  CHECK(field_of(with(&P::power_factor_min, std::optional<milli>(milli{1'000}))) == "(accepted)");
  CHECK(field_of(with(&P::high_consumption_factor, std::optional<milli>(milli{999}))) == "high_consumption_factor");
  CHECK(field_of(with(&P::high_consumption_factor, std::optional<milli>(milli{1'000}))) == "(accepted)");
  CHECK(field_of(with(&P::offline_after_minutes, std::optional<std::int64_t>(0))) == "offline_after_minutes");
  CHECK(field_of(with(&P::offline_after_minutes, std::optional<std::int64_t>(10'081))) == "offline_after_minutes");
  CHECK(field_of(with(&P::offline_after_minutes, std::optional<std::int64_t>(10'080))) == "(accepted)");
  CHECK(field_of(with(&P::offline_after_minutes, std::optional<std::int64_t>(1))) == "(accepted)");
  for (int bad : {0, 101}) {
    CAPTURE(bad);
    segs::alert_settings_patch f;
    f.rules[alert_type::over_voltage].fire_after = bad;
    CHECK(field_of(f) == "over_voltage.fire_after");
    segs::alert_settings_patch c;
    c.rules[alert_type::low_power_factor].clear_after = bad;
    CHECK(field_of(c) == "low_power_factor.clear_after");
  }
  segs::alert_settings_patch edge;
  edge.rules[alert_type::meter_offline] = {false, 100, 1};
  auto e = rules::apply({}, edge);
  REQUIRE(e.has_value());
  CHECK_FALSE(e->rules[idx(alert_type::meter_offline)].enabled);
  CHECK(e->rules[idx(alert_type::meter_offline)].fire_after == 100);
  CHECK(e->rules[idx(alert_type::meter_offline)].clear_after == 1);
}
