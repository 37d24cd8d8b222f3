// The alert rules: thresholds on fixed-point values, compared exactly
// (products of integers, no floating point), and the hysteresis counts.
#include "alerts/rules.hpp"

#include "alerts/names.hpp"

#include <cmath>
#include <cstdlib>

namespace segs::alerts {

namespace {

// nominal x (1000 + delta) / 1000, rounded half away from zero: a limit in
// the nominal's unit (thousandths).
std::int64_t scaled(milli nominal, std::int64_t per_mille) {
  const std::int64_t p = nominal.value * per_mille;
  return (p >= 0 ? p + 500 : p - 500) / 1000;
}

finding voltage_high(const alert_settings& s, milli v) {
  const auto warn = scaled(s.nominal_voltage_v, 1000 + s.voltage_band.value);
  const auto crit = scaled(s.nominal_voltage_v, 1100);
  finding f{false, alert_severity::warning, v, milli{warn}};
  if (v.value > warn) {
    f.met = true;
    if (v.value > crit) f = {true, alert_severity::critical, v, milli{std::max(crit, warn)}};
  }
  return f;
}

finding voltage_low(const alert_settings& s, milli v) {
  const auto warn = scaled(s.nominal_voltage_v, 1000 - s.voltage_band.value);
  const auto crit = scaled(s.nominal_voltage_v, 900);
  finding f{false, alert_severity::warning, v, milli{warn}};
  if (v.value < warn) {
    f.met = true;
    if (v.value < crit) f = {true, alert_severity::critical, v, milli{std::min(crit, warn)}};
  }
  return f;
}

}  // namespace

findings instantaneous(const alert_settings& s, const reading& r, milli capacity_kw) {
  findings out;
  auto on = [&](alert_type t) { return s.rules[static_cast<std::size_t>(t)].enabled; };
  auto at = [&](alert_type t) -> std::optional<finding>& { return out[static_cast<std::size_t>(t)]; };
  if (r.voltage) {
    if (on(alert_type::over_voltage)) at(alert_type::over_voltage) = voltage_high(s, *r.voltage);
    if (on(alert_type::under_voltage)) at(alert_type::under_voltage) = voltage_low(s, *r.voltage);
  }
  if (r.frequency && on(alert_type::frequency_deviation)) {
    const auto nominal = s.nominal_frequency_hz.value;
    const auto f = r.frequency->value;
    const bool high = f >= nominal;
    const auto limit = high ? nominal + s.frequency_limit_hz.value : nominal - s.frequency_limit_hz.value;
    at(alert_type::frequency_deviation) =
        finding{std::llabs(f - nominal) > s.frequency_limit_hz.value, alert_severity::warning, *r.frequency,
                milli{limit}};
  }
  if (r.power_factor && on(alert_type::low_power_factor))
    at(alert_type::low_power_factor) =
        finding{r.power_factor->value < s.power_factor_min.value, alert_severity::warning, *r.power_factor,
                s.power_factor_min};
  if ((r.power_kw || r.peak_demand_kw) && on(alert_type::over_capacity)) {
    std::int64_t worst = 0;
    if (r.power_kw) worst = std::llabs(r.power_kw->value);
    if (r.peak_demand_kw) worst = std::max(worst, r.peak_demand_kw->value);
    at(alert_type::over_capacity) =
        finding{worst > capacity_kw.value, alert_severity::critical, milli{worst}, capacity_kw};
  }
  return out;
}

std::optional<finding> high_consumption(const alert_settings& s, std::int64_t quarter_wh,
                                        std::optional<double> mean_wh) {
  if (!s.rules[static_cast<std::size_t>(alert_type::high_consumption)].enabled || !mean_wh) return std::nullopt;
  // factor (thousandths) x mean, in Wh; the comparison in thousandths of Wh.
  const double limit_mwh = static_cast<double>(s.high_consumption_factor.value) * *mean_wh;
  const auto threshold = static_cast<std::int64_t>(std::llround(limit_mwh / 1000.0));
  // milli of kWh is Wh.
  return finding{static_cast<double>(quarter_wh) * 1000.0 > limit_mwh, alert_severity::warning,
                 milli{quarter_wh}, milli{threshold}};
}

finding offline(const alert_settings& s, std::chrono::microseconds silent) {
  // Thousandths of a minute are 60,000 µs.
  return {silent > std::chrono::minutes{s.offline_after_minutes}, alert_severity::warning,
          milli{silent.count() / 60'000}, milli{s.offline_after_minutes * 1000}};
}

transition step(counts& c, bool open, const alert_rule& rule, bool met, timestamp at) {
  // Late: no count moves, but an open alert's condition met again is an
  // occurrence of it.
  if (c.last && at <= *c.last) return open && met ? transition::repeat : transition::none;
  c.last = at;
  if (met) {
    c.clearing = 0;
    ++c.meeting;
    if (open) return transition::repeat;
    return c.meeting >= rule.fire_after ? transition::raise : transition::none;
  }
  c.meeting = 0;
  if (!open) {
    c.clearing = 0;
    return transition::none;
  }
  if (++c.clearing >= rule.clear_after) {
    c.clearing = 0;
    return transition::clear;
  }
  return transition::none;
}

std::string message(alert_type t, const finding& f) {
  const auto v = f.value.to_string();
  const auto l = f.threshold.to_string();
  switch (t) {
    case alert_type::over_voltage: return "voltage " + v + " V is above the limit of " + l + " V";
    case alert_type::under_voltage: return "voltage " + v + " V is below the limit of " + l + " V";
    case alert_type::frequency_deviation:
      return "frequency " + v + " Hz is beyond the limit of " + l + " Hz";
    case alert_type::low_power_factor: return "power factor " + v + " is below the limit of " + l;
    case alert_type::over_capacity: return "power " + v + " kW exceeds the meter's capacity of " + l + " kW";
    case alert_type::high_consumption:
      return "a quarter-hour's consumption of " + v + " kWh exceeds " + l +
             " kWh, the limit from this hour's mean of the previous 7 days";
    case alert_type::meter_offline: return "no reading for " + v + " minutes (limit " + l + " minutes)";
  }
  return {};
}

result<alert_settings> apply(alert_settings s, const alert_settings_patch& p) {
  auto bad = [](std::string field, std::string_view what) {
    std::string message = field + " " + std::string(what);  // before `field` is moved
    return make_error(errc::validation_error, std::move(message), std::move(field));
  };
  if (p.nominal_voltage_v) {
    if (p.nominal_voltage_v->value <= 0 || p.nominal_voltage_v->value > 1'000'000'000)
      return bad("nominal_voltage_v", "must be greater than 0 and at most 1000000");
    s.nominal_voltage_v = *p.nominal_voltage_v;
  }
  if (p.voltage_band) {
    if (p.voltage_band->value <= 0 || p.voltage_band->value > 500)
      return bad("voltage_band", "must be greater than 0 and at most 0.5");
    s.voltage_band = *p.voltage_band;
  }
  if (p.nominal_frequency_hz) {
    if (p.nominal_frequency_hz->value <= 0 || p.nominal_frequency_hz->value > 1'000'000)
      return bad("nominal_frequency_hz", "must be greater than 0 and at most 1000");
    s.nominal_frequency_hz = *p.nominal_frequency_hz;
  }
  if (p.frequency_limit_hz) {
    if (p.frequency_limit_hz->value <= 0 || p.frequency_limit_hz->value > 100'000)
      return bad("frequency_limit_hz", "must be greater than 0 and at most 100");
    s.frequency_limit_hz = *p.frequency_limit_hz;
  }
  if (p.power_factor_min) {
    if (p.power_factor_min->value < 0 || p.power_factor_min->value > 1000)
      return bad("power_factor_min", "must be between 0 and 1");
    s.power_factor_min = *p.power_factor_min;
  }
  if (p.high_consumption_factor) {
    if (p.high_consumption_factor->value < 1000 || p.high_consumption_factor->value > 1'000'000)
      return bad("high_consumption_factor", "must be between 1 and 1000");
    s.high_consumption_factor = *p.high_consumption_factor;
  }
  if (p.offline_after_minutes) {
    if (*p.offline_after_minutes < 1 || *p.offline_after_minutes > 10'080)
      return bad("offline_after_minutes", "must be between 1 and 10080");
    s.offline_after_minutes = *p.offline_after_minutes;
  }
  for (const auto& [type, r] : p.rules) {
    auto& rule = s.rules[static_cast<std::size_t>(type)];
    const std::string name(to_string(type));
    if (r.fire_after) {
      if (*r.fire_after < 1 || *r.fire_after > 100) return bad(name + ".fire_after", "must be between 1 and 100");
      rule.fire_after = *r.fire_after;
    }
    if (r.clear_after) {
      if (*r.clear_after < 1 || *r.clear_after > 100)
        return bad(name + ".clear_after", "must be between 1 and 100");
      rule.clear_after = *r.clear_after;
    }
    if (r.enabled) rule.enabled = *r.enabled;
  }
  return s;
}

}  // namespace segs::alerts
