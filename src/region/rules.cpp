#include "region/rules.hpp"

#include "core/time_zone.hpp"
#include "grid_core.hpp"

#include <cmath>
#include <string>

namespace segs::detail::regions {

namespace {

bool code_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

void check_range(double v, double lo, bool lo_open, double hi, std::string_view field) {
  const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi;
  if (!ok) {
    auto num = [](double x) {
      auto s = std::to_string(x);
      s.erase(s.find_last_not_of('0') + 1);
      if (!s.empty() && s.back() == '.') s.pop_back();
      return s;
    };
    fail(errc::validation_error,
         std::string(field) + " must be " + (lo_open ? "above " : "at least ") + num(lo) +
             " and at most " + num(hi),
         std::string(field));
  }
}

}  // namespace

void check_code(std::string_view code, std::string_view field) {
  const std::string f(field);
  if (code.empty()) fail(errc::validation_error, f + " is required", f);
  if (code.size() > 64) fail(errc::validation_error, f + " is longer than 64 characters", f);
  for (char c : code)
    if (!code_char(c))
      fail(errc::validation_error, f + " may contain only letters, digits, '_', '.' and '-'", f);
}

void apply(region& r, const region_spec& spec, bool creating) {
  region next = r;
  if (spec.name) {
    const auto& n = *spec.name;
    if (n.empty() || n.size() > 100)
      fail(errc::validation_error, "name must be 1 to 100 characters", "name");
    for (unsigned char c : n)
      if (c < 0x20 || c == 0x7f) fail(errc::validation_error, "name contains control characters", "name");
    next.name = n;
  } else if (creating) {
    next.name = r.code;
  }
  if (spec.time_zone) {
    auto z = tz::zone::find(*spec.time_zone);
    if (!z)
      fail(errc::validation_error,
           "time_zone must be an IANA time zone such as Europe/Berlin", "time_zone");
    next.time_zone = *spec.time_zone;
  } else if (creating) {
    fail(errc::validation_error, "time_zone is required for a new region", "time_zone");
  }
  if (spec.currency) {
    auto units = currency_minor_units(*spec.currency);
    if (!units)
      fail(errc::validation_error, "currency must be an ISO 4217 code such as EUR", "currency");
    next.currency = *spec.currency;
    next.currency_minor_units = *units;
  } else if (creating) {
    fail(errc::validation_error, "currency is required for a new region", "currency");
  }
  if (spec.nominal_voltage_v) {
    check_range(*spec.nominal_voltage_v, 0, true, 1'000'000, "nominal_voltage_v");
    next.nominal_voltage_v = *spec.nominal_voltage_v;
  }
  if (spec.nominal_frequency_hz) {
    check_range(*spec.nominal_frequency_hz, 0, true, 1'000, "nominal_frequency_hz");
    next.nominal_frequency_hz = *spec.nominal_frequency_hz;
  }
  if (spec.emission_factor_kg_per_kwh) {
    check_range(*spec.emission_factor_kg_per_kwh, 0, false, 10, "emission_factor_kg_per_kwh");
    next.emission_factor_kg_per_kwh = *spec.emission_factor_kg_per_kwh;
  }
  r = std::move(next);
}

}  // namespace segs::detail::regions
