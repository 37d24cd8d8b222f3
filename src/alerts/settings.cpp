// Alert settings <-> stored rows.
#include "alerts/settings.hpp"

#include "alerts/names.hpp"

#include <cmath>

namespace segs::alerts {

namespace {
constexpr std::string_view rule_keys[] = {"enabled", "fire_after", "clear_after"};
}

setting_rows rows_of(const alert_settings_patch& p) {
  setting_rows out;
  auto put = [&](std::string name, const auto& v) {
    if (v) out.emplace_back(std::move(name), static_cast<std::int64_t>(*v));
  };
  auto put_milli = [&](std::string name, const std::optional<milli>& v) {
    if (v) out.emplace_back(std::move(name), v->value);
  };
  put_milli("nominal_voltage_v", p.nominal_voltage_v);
  put_milli("voltage_band", p.voltage_band);
  put_milli("nominal_frequency_hz", p.nominal_frequency_hz);
  put_milli("frequency_limit_hz", p.frequency_limit_hz);
  put_milli("power_factor_min", p.power_factor_min);
  put_milli("high_consumption_factor", p.high_consumption_factor);
  put("offline_after_minutes", p.offline_after_minutes);
  for (const auto& [type, r] : p.rules) {
    const std::string t(to_string(type));
    put(t + ".enabled", r.enabled);
    put(t + ".fire_after", r.fire_after);
    put(t + ".clear_after", r.clear_after);
  }
  return out;
}

alert_settings_patch patch_of(const setting_rows& rows) {
  alert_settings_patch p;
  for (const auto& [name, v] : rows) {
    if (name == "nominal_voltage_v") p.nominal_voltage_v = milli{v};
    else if (name == "voltage_band") p.voltage_band = milli{v};
    else if (name == "nominal_frequency_hz") p.nominal_frequency_hz = milli{v};
    else if (name == "frequency_limit_hz") p.frequency_limit_hz = milli{v};
    else if (name == "power_factor_min") p.power_factor_min = milli{v};
    else if (name == "high_consumption_factor") p.high_consumption_factor = milli{v};
    else if (name == "offline_after_minutes") p.offline_after_minutes = v;
    else if (const auto dot = name.find('.'); dot != std::string::npos) {
      const auto type = detail::parse_name<alert_type>(std::string_view(name).substr(0, dot));
      const auto key = std::string_view(name).substr(dot + 1);
      if (!type) continue;
      auto& r = p.rules[*type];
      if (key == rule_keys[0]) r.enabled = v != 0;
      else if (key == rule_keys[1]) r.fire_after = static_cast<int>(v);
      else if (key == rule_keys[2]) r.clear_after = static_cast<int>(v);
    }
  }
  return p;
}

alert_settings defaults_for(const region& r) {
  alert_settings s;
  s.nominal_voltage_v = milli{std::llround(r.nominal_voltage_v * 1000.0)};
  s.nominal_frequency_hz = milli{std::llround(r.nominal_frequency_hz * 1000.0)};
  return s;
}

}  // namespace segs::alerts
