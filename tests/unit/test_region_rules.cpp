// Region validation and the ISO 4217 table (src/region/): pure code.
#include "region/rules.hpp"

#include <segs/region.hpp>

#include <doctest/doctest.h>

#include <functional>
#include <limits>
#include <string>

namespace segs::detail {
bool currency_table_sorted() noexcept;
}

using segs::region;
using segs::region_spec;
namespace rules = segs::detail::regions;

namespace {
std::string field_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const segs::exception& e) {
    CHECK(e.err().code == segs::errc::validation_error);
    return e.err().field;
  }
  FAIL("no error");
  return {};
}
}  // namespace

TEST_CASE("currencies: minor units from ISO 4217") {
  CHECK(segs::detail::currency_table_sorted());
  CHECK(segs::currency_minor_units("EUR") == 2);
  CHECK(segs::currency_minor_units("USD") == 2);
  CHECK(segs::currency_minor_units("JPY") == 0);
  CHECK(segs::currency_minor_units("KWD") == 3);
  CHECK(segs::currency_minor_units("CLF") == 4);
  CHECK(segs::currency_minor_units("AED") == 2);  // the first row
  CHECK(segs::currency_minor_units("ZWG") == 2);  // the last row
  CHECK_FALSE(segs::currency_minor_units("eur").has_value());
  CHECK_FALSE(segs::currency_minor_units("XAU").has_value());
  CHECK_FALSE(segs::currency_minor_units("HRK").has_value());  // withdrawn in 2023
  CHECK_FALSE(segs::currency_minor_units("").has_value());
}

TEST_CASE("regions: codes") {
  CHECK_NOTHROW(rules::check_code("north"));
  CHECK_NOTHROW(rules::check_code("DE-BE_1.a"));
  CHECK(field_of([] { rules::check_code(""); }) == "code");
  CHECK(field_of([] { rules::check_code("has space"); }) == "code");
  CHECK(field_of([] { rules::check_code("a/b"); }) == "code");
  CHECK(field_of([] { rules::check_code(std::string(65, 'a')); }) == "code");
  CHECK(field_of([] { rules::check_code("x y", "default_region"); }) == "default_region");
}

TEST_CASE("regions: a new region needs a time zone and a currency, defaults fill the rest") {
  region r;
  r.code = "berlin";
  region_spec s;
  s.currency = "EUR";
  CHECK(field_of([&] { rules::apply(r, s, true); }) == "time_zone");
  s.time_zone = "Europe/Berlin";
  s.currency.reset();
  CHECK(field_of([&] { rules::apply(r, s, true); }) == "currency");
  s.currency = "JPY";
  rules::apply(r, s, true);
  CHECK(r.name == "berlin");
  CHECK(r.time_zone == "Europe/Berlin");
  CHECK(r.currency == "JPY");
  CHECK(r.currency_minor_units == 0);
  CHECK(r.nominal_voltage_v == 230.0);
  CHECK(r.nominal_frequency_hz == 50.0);
  CHECK(r.emission_factor_kg_per_kwh == doctest::Approx(0.4));
}

TEST_CASE("regions: each bad field is named and nothing changes") {
  region r;
  r.code = "ny";
  r.name = "New York";
  r.time_zone = "America/New_York";
  auto bad = [&](region_spec s) {
    const region before = r;
    auto f = field_of([&] { rules::apply(r, s, false); });
    CHECK(r.name == before.name);
    CHECK(r.time_zone == before.time_zone);
    CHECK(r.nominal_voltage_v == before.nominal_voltage_v);
    return f;
  };
  auto spec = [](auto set) {
    region_spec s;
    set(s);
    return s;
  };
  CHECK(bad(spec([](region_spec& s) { s.name = ""; })) == "name");
  CHECK(bad(spec([](region_spec& s) { s.name = "a\nb"; })) == "name");
  CHECK(bad(spec([](region_spec& s) { s.name = "ok"; s.time_zone = "Europe/Atlantis"; })) == "time_zone");
  CHECK(bad(spec([](region_spec& s) { s.name = "ok"; s.currency = "EURO"; })) == "currency");
  CHECK(bad(spec([](region_spec& s) { s.nominal_voltage_v = 0.0; })) == "nominal_voltage_v");
  CHECK(bad(spec([](region_spec& s) {
          s.nominal_voltage_v = 120.0;
          s.nominal_frequency_hz = -60.0;
        })) == "nominal_frequency_hz");
  CHECK(bad(spec([](region_spec& s) { s.nominal_frequency_hz = 1001.0; })) == "nominal_frequency_hz");
  CHECK(bad(spec([](region_spec& s) { s.emission_factor_kg_per_kwh = -0.1; })) ==
        "emission_factor_kg_per_kwh");
  CHECK(bad(spec([](region_spec& s) {
          s.emission_factor_kg_per_kwh = std::numeric_limits<double>::infinity();
        })) == "emission_factor_kg_per_kwh");
  // An update changes only what it names.
  region_spec s;
  s.nominal_voltage_v = 120.0;
  s.nominal_frequency_hz = 60.0;
  s.emission_factor_kg_per_kwh = 0.0;
  rules::apply(r, s, false);
  CHECK(r.name == "New York");
  CHECK(r.nominal_voltage_v == 120.0);
  CHECK(r.nominal_frequency_hz == 60.0);
  CHECK(r.emission_factor_kg_per_kwh == 0.0);
}
