#include <segs/clock.hpp>
#include <segs/types.hpp>

#include "core/uuid_generator.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace std::chrono_literals;
using std::chrono::sys_days;
using segs::rounding;

namespace {

constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();

segs::timestamp at(sys_days day, std::chrono::microseconds since_midnight = 0us) {
  return segs::timestamp{day} + since_midnight;
}

// Checks that `r` is a validation error naming `field`, with a message that
// starts with "<field>: " and contains `contains`.
template <class T>
void check_invalid(const segs::result<T>& r, std::string_view field, std::string_view contains = {}) {
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == segs::errc::validation_error);
  CHECK(r.error().field == field);
  const std::string& msg = r.error().message;
  CAPTURE(msg);
  CHECK(msg.rfind(std::string(field) + ": ", 0) == 0);
  CHECK(msg.find(contains) != std::string::npos);
}

std::int64_t embedded_ms(const segs::uuid& id) {
  std::int64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = (ms << 8) | id.bytes[static_cast<std::size_t>(i)];
  return ms;
}

}  // namespace

// ================================================================ decimals

TEST_CASE("parse_decimal: plain values at several scales") {
  CHECK(segs::parse_decimal("0", 0, rounding::exact, "x").value() == 0);
  CHECK(segs::parse_decimal("-0", 3, rounding::exact, "x").value() == 0);
  CHECK(segs::parse_decimal("12", 0, rounding::exact, "x").value() == 12);
  CHECK(segs::parse_decimal("12", 3, rounding::exact, "x").value() == 12'000);
  CHECK(segs::parse_decimal("-0.5", 3, rounding::exact, "x").value() == -500);
  CHECK(segs::parse_decimal("1.234567", 6, rounding::exact, "x").value() == 1'234'567);
  CHECK(segs::parse_decimal("0.000001", 6, rounding::exact, "x").value() == 1);
  CHECK(segs::parse_decimal("007.50", 2, rounding::exact, "x").value() == 750);
  // Trailing zeros beyond the scale are not a loss of precision.
  CHECK(segs::parse_decimal("2.5000000", 1, rounding::exact, "x").value() == 25);
  CHECK(segs::parse_decimal("2.000", 0, rounding::exact, "x").value() == 2);
}

TEST_CASE("parse_decimal: malformed text is refused and names the field") {
  for (std::string_view bad : {"", "-", "+1", " 1", "1 ", "1.", ".5", "-.5", "1e3", "1E3", "1.5.2",
                               "1,5", "--1", "0x10", "1_000", "NaN", "inf", "١"}) {
    CAPTURE(bad);
    check_invalid(segs::parse_decimal(bad, 3, rounding::half_even, "quantity_kwh"), "quantity_kwh",
                  "not a decimal number");
  }
}

TEST_CASE("parse_decimal: half_even ties go to the even neighbour, both signs") {
  auto p = [](std::string_view t) { return segs::parse_decimal(t, 0, rounding::half_even, "x").value(); };
  CHECK(p("0.5") == 0);
  CHECK(p("1.5") == 2);
  CHECK(p("2.5") == 2);
  CHECK(p("3.5") == 4);
  CHECK(p("-0.5") == 0);
  CHECK(p("-1.5") == -2);
  CHECK(p("-2.5") == -2);
  CHECK(p("-3.5") == -4);
  CHECK(p("2.50000") == 2);     // still a tie
  CHECK(p("2.500001") == 3);    // just above the tie
  CHECK(p("2.4999999") == 2);   // just below
  CHECK(p("-2.500001") == -3);
  CHECK(p("-2.4999999") == -2);
  CHECK(p("2.6") == 3);
  CHECK(p("-2.6") == -3);
  // At scale 3, the kept last digit decides.
  CHECK(segs::parse_decimal("1.2345", 3, rounding::half_even, "x").value() == 1234);
  CHECK(segs::parse_decimal("1.2355", 3, rounding::half_even, "x").value() == 1236);
  CHECK(segs::parse_decimal("-1.2345", 3, rounding::half_even, "x").value() == -1234);
  CHECK(segs::parse_decimal("-1.2355", 3, rounding::half_even, "x").value() == -1236);
}

TEST_CASE("parse_decimal: half_up ties go away from zero, both signs") {
  auto p = [](std::string_view t) { return segs::parse_decimal(t, 0, rounding::half_up, "x").value(); };
  CHECK(p("0.5") == 1);
  CHECK(p("2.5") == 3);
  CHECK(p("3.5") == 4);
  CHECK(p("-0.5") == -1);
  CHECK(p("-2.5") == -3);
  CHECK(p("-3.5") == -4);
  CHECK(p("2.4999999") == 2);
  CHECK(p("-2.4999999") == -2);
  CHECK(p("2.6") == 3);
  CHECK(p("-2.6") == -3);
  CHECK(segs::parse_decimal("1.2345", 3, rounding::half_up, "x").value() == 1235);
  CHECK(segs::parse_decimal("-1.2345", 3, rounding::half_up, "x").value() == -1235);
}

TEST_CASE("parse_decimal: down truncates towards zero, both signs") {
  auto p = [](std::string_view t) { return segs::parse_decimal(t, 0, rounding::down, "x").value(); };
  CHECK(p("2.5") == 2);
  CHECK(p("2.9999") == 2);
  CHECK(p("-2.5") == -2);
  CHECK(p("-2.9999") == -2);
  CHECK(p("-0.9") == 0);
  CHECK(segs::parse_decimal("1.2349", 3, rounding::down, "x").value() == 1234);
  CHECK(segs::parse_decimal("-1.2349", 3, rounding::down, "x").value() == -1234);
}

TEST_CASE("parse_decimal: exact refuses any rounding and says how many places") {
  check_invalid(segs::parse_decimal("2.5", 0, rounding::exact, "count"), "count", "whole number");
  check_invalid(segs::parse_decimal("1.2345", 3, rounding::exact, "quantity_kwh"), "quantity_kwh",
                "at most 3 decimal places");
  check_invalid(segs::parse_decimal("-1.2345", 3, rounding::exact, "quantity_kwh"), "quantity_kwh",
                "at most 3 decimal places");
  check_invalid(segs::parse_decimal("0.01", 1, rounding::exact, "x"), "x", "at most 1 decimal place");
  // A non-zero digit far past the scale is still a loss.
  check_invalid(segs::parse_decimal("1.000000000000000000000000001", 0, rounding::exact, "x"), "x");
  CHECK(segs::parse_decimal("1.000000000000000000000000001", 0, rounding::half_up, "x").value() == 1);
  CHECK(segs::parse_decimal("1.000000000000000000000000001", 0, rounding::half_even, "x").value() == 1);
}

TEST_CASE("parse_decimal: int64 range boundaries") {
  CHECK(segs::parse_decimal("9223372036854775807", 0, rounding::exact, "x").value() == i64_max);
  check_invalid(segs::parse_decimal("9223372036854775808", 0, rounding::exact, "x"), "x", "out of range");
  CHECK(segs::parse_decimal("-9223372036854775808", 0, rounding::exact, "x").value() == i64_min);
  check_invalid(segs::parse_decimal("-9223372036854775809", 0, rounding::exact, "x"), "x", "out of range");
  check_invalid(segs::parse_decimal("99999999999999999999999", 0, rounding::exact, "x"), "x", "out of range");

  // The scale multiplies the range down.
  CHECK(segs::parse_decimal("9223372036854775.807", 3, rounding::exact, "x").value() == i64_max);
  check_invalid(segs::parse_decimal("9223372036854775.808", 3, rounding::exact, "x"), "x", "out of range");
  check_invalid(segs::parse_decimal("9223372036854776", 3, rounding::exact, "x"), "x", "out of range");
  CHECK(segs::parse_decimal("-9223372036854775.808", 3, rounding::exact, "x").value() == i64_min);

  // Rounding up past the limit overflows; rounding that stays inside does not.
  check_invalid(segs::parse_decimal("9223372036854775.8075", 3, rounding::half_up, "x"), "x", "out of range");
  CHECK(segs::parse_decimal("9223372036854775.8075", 3, rounding::down, "x").value() == i64_max);
  CHECK(segs::parse_decimal("9223372036854775.8074", 3, rounding::half_up, "x").value() == i64_max);
  CHECK(segs::parse_decimal("-9223372036854775.8085", 3, rounding::half_even, "x").value() == i64_min);
  check_invalid(segs::parse_decimal("-9223372036854775.8085", 3, rounding::half_up, "x"), "x", "out of range");
}

TEST_CASE("parse_decimal: a scale outside 0..18 is a programming error") {
  auto r = segs::parse_decimal("1", 19, rounding::exact, "x");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == segs::errc::internal);
  CHECK_FALSE(segs::parse_decimal("1", -1, rounding::exact, "x").has_value());
  CHECK(segs::parse_decimal("1", 18, rounding::exact, "x").value() == 1'000'000'000'000'000'000);
}

TEST_CASE("format_decimal: minimal text") {
  CHECK(segs::format_decimal(1500, 3) == "1.5");
  CHECK(segs::format_decimal(2000, 3) == "2");
  CHECK(segs::format_decimal(-5, 3) == "-0.005");
  CHECK(segs::format_decimal(-1500, 3) == "-1.5");
  CHECK(segs::format_decimal(0, 3) == "0");
  CHECK(segs::format_decimal(0, 0) == "0");
  CHECK(segs::format_decimal(123, 0) == "123");
  CHECK(segs::format_decimal(1, 6) == "0.000001");
  CHECK(segs::format_decimal(1'234'567, 6) == "1.234567");
  CHECK(segs::format_decimal(i64_max, 0) == "9223372036854775807");
  CHECK(segs::format_decimal(i64_min, 0) == "-9223372036854775808");
  CHECK(segs::format_decimal(i64_min, 3) == "-9223372036854775.808");
  CHECK(segs::format_decimal(i64_max, 18) == "9.223372036854775807");
  CHECK(segs::format_decimal(-1, 18) == "-0.000000000000000001");
  CHECK_THROWS_AS((void)segs::format_decimal(1, 19), segs::exception);
  CHECK_THROWS_AS((void)segs::format_decimal(1, -1), segs::exception);
}

TEST_CASE("format_decimal and parse_decimal round-trip") {
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{999},
                         std::int64_t{1000}, std::int64_t{-1001}, std::int64_t{123'456'789}, i64_max, i64_min}) {
    for (int scale : {0, 1, 3, 6, 18}) {
      CAPTURE(v);
      CAPTURE(scale);
      CHECK(segs::parse_decimal(segs::format_decimal(v, scale), scale, rounding::exact, "x").value() == v);
    }
  }
}

TEST_CASE("divide: every mode, ties both ways, both signs") {
  struct row {
    std::int64_t value, divisor, half_even, half_up, down;
  };
  const row rows[] = {
      {5, 2, 2, 3, 2},     {7, 2, 4, 4, 3},     {-5, 2, -2, -3, -2}, {-7, 2, -4, -4, -3},
      {6, 4, 2, 2, 1},     {-6, 4, -2, -2, -1}, {5, 4, 1, 1, 1},     {7, 4, 2, 2, 1},
      {-5, 4, -1, -1, -1}, {-7, 4, -2, -2, -1}, {1, 3, 0, 0, 0},     {2, 3, 1, 1, 0},
      {-2, 3, -1, -1, 0},  {9, 3, 3, 3, 3},     {-9, 3, -3, -3, -3}, {0, 7, 0, 0, 0},
      {125'000, 10'000, 12, 13, 12}, {135'000, 10'000, 14, 14, 13}, {-125'000, 10'000, -12, -13, -12},
  };
  for (const auto& r : rows) {
    CAPTURE(r.value);
    CAPTURE(r.divisor);
    CHECK(segs::divide(r.value, r.divisor, rounding::half_even).value() == r.half_even);
    CHECK(segs::divide(r.value, r.divisor, rounding::half_up).value() == r.half_up);
    CHECK(segs::divide(r.value, r.divisor, rounding::down).value() == r.down);
    const bool exact = r.value % r.divisor == 0;
    CHECK(segs::divide(r.value, r.divisor, rounding::exact).has_value() == exact);
  }
  CHECK(segs::divide(9, 3, rounding::exact).value() == 3);
  auto inexact = segs::divide(7, 3, rounding::exact);
  REQUIRE_FALSE(inexact.has_value());
  CHECK(inexact.error().code == segs::errc::validation_error);
}

TEST_CASE("divide: int64 extremes and bad divisors") {
  CHECK(segs::divide(i64_min, 1, rounding::exact).value() == i64_min);
  CHECK(segs::divide(i64_max, 1, rounding::exact).value() == i64_max);
  CHECK(segs::divide(i64_min, 2, rounding::exact).value() == i64_min / 2);
  CHECK(segs::divide(i64_max, 2, rounding::half_up).value() == i64_max / 2 + 1);
  CHECK(segs::divide(i64_max, 2, rounding::half_even).value() == i64_max / 2 + 1);  // ...3 odd -> up
  CHECK(segs::divide(i64_max, 2, rounding::down).value() == i64_max / 2);
  CHECK(segs::divide(i64_min + 1, 2, rounding::half_up).value() == i64_min / 2);
  CHECK(segs::divide(i64_max, i64_max, rounding::exact).value() == 1);
  CHECK(segs::divide(i64_min, i64_max, rounding::down).value() == -1);
  CHECK(segs::divide(i64_min, i64_max, rounding::half_even).value() == -1);
  CHECK(segs::divide(i64_max - 1, i64_max, rounding::half_up).value() == 1);
  CHECK(segs::divide(i64_max / 2, i64_max, rounding::half_up).value() == 0);  // just below half
  CHECK_FALSE(segs::divide(1, 0, rounding::down).has_value());
  CHECK_FALSE(segs::divide(1, -1, rounding::down).has_value());
}

// ========================================================== energy, money

TEST_CASE("energy::from_kwh: three decimals exact, a fourth refused unless rounding is asked") {
  CHECK(segs::energy::from_kwh("1.5").value().wh == 1500);
  CHECK(segs::energy::from_kwh("1.234").value().wh == 1234);
  CHECK(segs::energy::from_kwh("-0.001").value().wh == -1);
  CHECK(segs::energy::from_kwh("1.2340").value().wh == 1234);
  check_invalid(segs::energy::from_kwh("1.2345"), "quantity_kwh", "at most 3 decimal places");
  CHECK(segs::energy::from_kwh("1.2345").error().message == "quantity_kwh: at most 3 decimal places");
  check_invalid(segs::energy::from_kwh("1.2345", rounding::exact, "offered_kwh"), "offered_kwh");
  CHECK(segs::energy::from_kwh("1.2345", rounding::half_even).value().wh == 1234);
  CHECK(segs::energy::from_kwh("1.2355", rounding::half_even).value().wh == 1236);
  CHECK(segs::energy::from_kwh("1.2345", rounding::half_up).value().wh == 1235);
  CHECK(segs::energy::from_kwh("1.2349", rounding::down).value().wh == 1234);
  check_invalid(segs::energy::from_kwh("abc"), "quantity_kwh", "not a decimal number");
  check_invalid(segs::energy::from_kwh("9223372036854776"), "quantity_kwh", "out of range");
}

TEST_CASE("energy: text, double and arithmetic") {
  CHECK(segs::energy{1500}.to_kwh_string() == "1.5");
  CHECK(segs::energy{2000}.to_kwh_string() == "2");
  CHECK(segs::energy{-5}.to_kwh_string() == "-0.005");
  CHECK(segs::energy{0}.to_kwh_string() == "0");
  CHECK(segs::energy{1500}.kwh() == doctest::Approx(1.5));
  CHECK(segs::energy{1500} + segs::energy{250} == segs::energy{1750});
  CHECK(segs::energy{1500} - segs::energy{2000} == segs::energy{-500});
  CHECK(segs::energy{1} < segs::energy{2});
}

TEST_CASE("money::parse and to_string") {
  CHECK(segs::money::parse("0.245").value().micros == 245'000);
  CHECK(segs::money::parse("12").value().micros == 12'000'000);
  CHECK(segs::money::parse("-0.000001").value().micros == -1);
  check_invalid(segs::money::parse("0.1234567"), "amount", "at most 6 decimal places");
  check_invalid(segs::money::parse("0.1234567", rounding::exact, "price_per_kwh"), "price_per_kwh");
  CHECK(segs::money::parse("0.1234565", rounding::half_even).value().micros == 123'456);
  CHECK(segs::money::parse("0.1234565", rounding::half_up).value().micros == 123'457);
  check_invalid(segs::money::parse("1,00"), "amount", "not a decimal number");
  CHECK(segs::money{245'000}.to_string() == "0.245");
  CHECK(segs::money{-1}.to_string() == "-0.000001");
  CHECK(segs::money{3'000'000}.to_string() == "3");
  CHECK(segs::money{100} + segs::money{1} == segs::money{101});
  CHECK(segs::money{100} - segs::money{101} == segs::money{-1});
}

TEST_CASE("money::round_to_minor: half-even table (invoices)") {
  struct row {
    std::string_view in, out;
  };
  const row rows[] = {
      {"0.125", "0.12"},  {"0.135", "0.14"},   {"0.145", "0.14"},   {"0.155", "0.16"},
      {"0.005", "0"},     {"0.015", "0.02"},   {"0.1251", "0.13"},  {"0.124999", "0.12"},
      {"0.12", "0.12"},   {"-0.125", "-0.12"}, {"-0.135", "-0.14"}, {"-0.1251", "-0.13"},
      {"-0.005", "0"},    {"1.995", "2"},      {"2.005", "2"},      {"0", "0"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.in);
    const auto m = segs::money::parse(r.in).value();
    CHECK(m.round_to_minor().to_string() == r.out);
    CHECK(m.round_to_minor(2, rounding::half_even).to_string() == r.out);
  }
}

TEST_CASE("money::round_to_minor: other modes and digit counts") {
  const auto m = [](std::string_view t) { return segs::money::parse(t).value(); };
  CHECK(m("0.125").round_to_minor(2, rounding::half_up) == m("0.13"));
  CHECK(m("-0.125").round_to_minor(2, rounding::half_up) == m("-0.13"));
  CHECK(m("0.124999").round_to_minor(2, rounding::half_up) == m("0.12"));
  CHECK(m("0.129999").round_to_minor(2, rounding::down) == m("0.12"));
  CHECK(m("-0.129999").round_to_minor(2, rounding::down) == m("-0.12"));
  CHECK(m("2.5").round_to_minor(0) == m("2"));
  CHECK(m("3.5").round_to_minor(0) == m("4"));
  CHECK(m("-2.5").round_to_minor(0) == m("-2"));
  CHECK(m("0.0005").round_to_minor(3) == m("0"));
  CHECK(m("0.0015").round_to_minor(3) == m("0.002"));
  CHECK(m("0.123456").round_to_minor(6) == m("0.123456"));
  CHECK(m("0.12").round_to_minor(2, rounding::exact) == m("0.12"));
  CHECK_THROWS_AS((void)m("0.125").round_to_minor(2, rounding::exact), segs::exception);
  CHECK_THROWS_AS((void)m("1").round_to_minor(7), segs::exception);
  CHECK_THROWS_AS((void)m("1").round_to_minor(-1), segs::exception);
}

TEST_CASE("money::round_to_minor: rounding past int64 is an error, not a wrap") {
  CHECK_THROWS_AS((void)segs::money{i64_max}.round_to_minor(2), segs::exception);
  CHECK_THROWS_AS((void)segs::money{i64_min}.round_to_minor(2), segs::exception);
  CHECK(segs::money{i64_max}.round_to_minor(2, rounding::down).micros == i64_max - i64_max % 10'000);
}

// ==================================================================== time

TEST_CASE("to_rfc3339: UTC text, fraction trimmed or omitted") {
  using namespace std::chrono;
  CHECK(segs::to_rfc3339(segs::from_micros(0)) == "1970-01-01T00:00:00Z");
  CHECK(segs::to_rfc3339(at(sys_days{2025y / January / 31}, 12h + 123456us)) == "2025-01-31T12:00:00.123456Z");
  CHECK(segs::to_rfc3339(at(sys_days{2025y / January / 31}, 12h)) == "2025-01-31T12:00:00Z");
  CHECK(segs::to_rfc3339(segs::from_micros(1'500'000)) == "1970-01-01T00:00:01.5Z");
  CHECK(segs::to_rfc3339(segs::from_micros(100)) == "1970-01-01T00:00:00.0001Z");
  CHECK(segs::to_rfc3339(segs::from_micros(1)) == "1970-01-01T00:00:00.000001Z");
  CHECK(segs::to_rfc3339(segs::from_micros(-1)) == "1969-12-31T23:59:59.999999Z");
  CHECK(segs::to_rfc3339(at(sys_days{2024y / February / 29}, 23h + 59min + 59s)) == "2024-02-29T23:59:59Z");
  CHECK(segs::to_rfc3339(at(sys_days{9999y / December / 31}, 23h + 59min + 59s + 999999us)) ==
        "9999-12-31T23:59:59.999999Z");
  CHECK(segs::to_rfc3339(at(sys_days{0y / January / 1})) == "0000-01-01T00:00:00Z");
  // Beyond four digits of year, the text is still exact.
  CHECK(segs::to_rfc3339(at(sys_days{10000y / March / 1}, 1h + 2min + 3s + 400ms)) ==
        "10000-03-01T01:02:03.4Z");
}

TEST_CASE("parse_rfc3339: UTC forms") {
  using namespace std::chrono;
  const auto noon = at(sys_days{2025y / January / 31}, 12h);
  CHECK(segs::parse_rfc3339("2025-01-31T12:00:00Z").value() == noon);
  CHECK(segs::parse_rfc3339("2025-01-31t12:00:00z").value() == noon);
  CHECK(segs::parse_rfc3339("2025-01-31T12:00:00.123456Z").value() == noon + 123456us);
  CHECK(segs::parse_rfc3339("2025-01-31T12:00:00.1Z").value() == noon + 100ms);
  CHECK(segs::parse_rfc3339("2025-01-31T12:00:00.000001Z").value() == noon + 1us);
  CHECK(segs::parse_rfc3339("1970-01-01T00:00:00Z").value() == segs::from_micros(0));
  CHECK(segs::parse_rfc3339("1969-12-31T23:59:59.999999Z").value() == segs::from_micros(-1));
}

TEST_CASE("parse_rfc3339: fractions beyond microseconds are truncated, never carried") {
  using namespace std::chrono;
  const auto noon = at(sys_days{2025y / January / 31}, 12h);
  CHECK(segs::parse_rfc3339("2025-01-31T12:00:00.1234567Z").value() == noon + 123456us);
  CHECK(segs::parse_rfc3339("2025-01-31T12:00:00.123456789Z").value() == noon + 123456us);
  CHECK(segs::parse_rfc3339("2025-12-31T23:59:59.999999999Z").value() ==
        at(sys_days{2025y / December / 31}, 23h + 59min + 59s + 999999us));
  check_invalid(segs::parse_rfc3339("2025-01-31T12:00:00.1234567891Z"), "timestamp");
  check_invalid(segs::parse_rfc3339("2025-01-31T12:00:00.Z"), "timestamp");
}

TEST_CASE("parse_rfc3339: numeric offsets") {
  using namespace std::chrono;
  const auto noon = at(sys_days{2025y / January / 31}, 12h);
  CHECK(segs::parse_rfc3339("2025-01-31T13:30:00+01:30").value() == noon);
  CHECK(segs::parse_rfc3339("2025-01-31T07:00:00-05:00").value() == noon);
  CHECK(segs::parse_rfc3339("2025-01-31T12:00:00+00:00").value() == noon);
  CHECK(segs::parse_rfc3339("2025-01-31T12:00:00-00:00").value() == noon);
  CHECK(segs::parse_rfc3339("2025-01-31T12:00:00.5+02:00").value() == noon - 2h + 500ms);
  // Offsets move across day, month and year boundaries.
  CHECK(segs::parse_rfc3339("2025-03-01T00:30:00+01:00").value() ==
        at(sys_days{2025y / February / 28}, 23h + 30min));
  CHECK(segs::parse_rfc3339("2024-03-01T00:30:00+01:00").value() ==
        at(sys_days{2024y / February / 29}, 23h + 30min));
  CHECK(segs::parse_rfc3339("2024-12-31T23:00:00-23:59").value() ==
        at(sys_days{2025y / January / 1}, 22h + 59min));
  check_invalid(segs::parse_rfc3339("2025-01-31T12:00:00+24:00"), "timestamp", "offset");
  check_invalid(segs::parse_rfc3339("2025-01-31T12:00:00+05:60"), "timestamp", "offset");
  for (std::string_view bad : {"2025-01-31T12:00:00+0100", "2025-01-31T12:00:00+01", "2025-01-31T12:00:00+1:00",
                               "2025-01-31T12:00:00 +01:00", "2025-01-31T12:00:00+01:00Z"}) {
    CAPTURE(bad);
    check_invalid(segs::parse_rfc3339(bad), "timestamp");
  }
}

TEST_CASE("parse_rfc3339: calendar validity, leap days included") {
  using namespace std::chrono;
  CHECK(segs::parse_rfc3339("2024-02-29T00:00:00Z").value() == at(sys_days{2024y / February / 29}));
  CHECK(segs::parse_rfc3339("2000-02-29T00:00:00Z").value() == at(sys_days{2000y / February / 29}));
  for (std::string_view bad : {"2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-02-30T00:00:00Z",
                               "2025-04-31T00:00:00Z", "2025-13-01T00:00:00Z", "2025-00-10T00:00:00Z",
                               "2025-01-00T00:00:00Z", "2025-01-32T00:00:00Z"}) {
    CAPTURE(bad);
    check_invalid(segs::parse_rfc3339(bad), "timestamp", "no such date");
  }
  for (std::string_view bad : {"2025-01-01T24:00:00Z", "2025-01-01T23:60:00Z", "2025-01-01T23:59:60Z"}) {
    CAPTURE(bad);
    check_invalid(segs::parse_rfc3339(bad), "timestamp", "no such time of day");
  }
}

TEST_CASE("parse_rfc3339: malformed text is refused and names the field") {
  for (std::string_view bad :
       {"", "2025-01-31", "2025-01-31T12:00:00", "2025-01-31 12:00:00Z", "2025-1-31T12:00:00Z",
        "2025-01-31T12:00Z", "2025-01-31T12:00:00Zjunk", " 2025-01-31T12:00:00Z", "2025-01-31T12:00:00Z ",
        "+2025-01-31T12:00:00Z", "2025/01/31T12:00:00Z", "2025-01-31T12-00-00Z", "20250131T120000Z",
        "2025-01-31T12:00:00,5Z", "yyyy-01-31T12:00:00Z", "1739000000"}) {
    CAPTURE(bad);
    check_invalid(segs::parse_rfc3339(bad, "valid_from"), "valid_from");
  }
}

TEST_CASE("rfc3339: round-trips across the four-digit-year range") {
  using namespace std::chrono;
  const std::int64_t lo = segs::to_micros(at(sys_days{0y / January / 1}));
  const std::int64_t hi = segs::to_micros(at(sys_days{9999y / December / 31}, 86'399'999'999us));
  std::vector<std::int64_t> samples = {lo, hi, 0, -1, 1, 999'999, 1'000'000,
                                       segs::to_micros(at(sys_days{2024y / February / 29}, 1us))};
  // A fixed-seed LCG: reproducible samples, spread over the whole range.
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 2000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const auto span = static_cast<std::uint64_t>(hi - lo);
    samples.push_back(lo + static_cast<std::int64_t>(state % span));
  }
  for (auto us : samples) {
    const auto t = segs::from_micros(us);
    const auto text = segs::to_rfc3339(t);
    CAPTURE(text);
    REQUIRE(segs::parse_rfc3339(text).value() == t);
  }
}

// ==================================================================== uuid

TEST_CASE("uuid: parse and format round trip, either case") {
  const auto id = segs::uuid::parse("0190F1B2-3C4D-7E5F-8A9B-0C1D2E3F4A5B").value();
  CHECK(id.bytes == std::array<std::uint8_t, 16>{0x01, 0x90, 0xf1, 0xb2, 0x3c, 0x4d, 0x7e, 0x5f, 0x8a, 0x9b,
                                                 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b});
  CHECK(id.to_string() == "0190f1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b");
  CHECK(id.version() == 7);
  CHECK_FALSE(id.is_nil());
  CHECK(segs::uuid::parse(id.to_string()).value() == id);

  const auto v4 = segs::uuid::parse("f47ac10b-58cc-4372-a567-0e02b2c3d479").value();
  CHECK(v4.version() == 4);
  CHECK(v4.to_string() == "f47ac10b-58cc-4372-a567-0e02b2c3d479");

  const auto nil = segs::uuid::parse("00000000-0000-0000-0000-000000000000").value();
  CHECK(nil.is_nil());
  CHECK(nil == segs::uuid{});
  CHECK(segs::uuid{}.to_string() == "00000000-0000-0000-0000-000000000000");

  segs::uuid max;
  max.bytes.fill(0xFF);
  CHECK(max.to_string() == "ffffffff-ffff-ffff-ffff-ffffffffffff");
  CHECK(segs::uuid::parse("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF").value() == max);
  CHECK(nil < id);
  CHECK(id < max);
}

TEST_CASE("uuid: non-canonical text is refused and names the field") {
  for (std::string_view bad : {"", "0190f1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5",  // 35
                               "0190f1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b0",    // 37
                               "{0190f1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b}", "0190f1b23c4d7e5f8a9b0c1d2e3f4a5b",
                               "urn:uuid:0190f1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b", "0190f1b-23c4d-7e5f-8a9b-0c1d2e3f4a5b",
                               "0190f1b2-3c4d-7e5f-8a9b_0c1d2e3f4a5b", "0190f1g2-3c4d-7e5f-8a9b-0c1d2e3f4a5b",
                               "0190f1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5 ", " 190f1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b",
                               "0190f1b2-3c4d-7e5f-8a9b--c1d2e3f4a5b", "+190f1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"}) {
    CAPTURE(bad);
    check_invalid(segs::uuid::parse(bad), "id", "not a UUID");
  }
  check_invalid(segs::uuid::parse("nope", "user_id"), "user_id", "not a UUID");
}

// ====================================================== uuid v7 generator

TEST_CASE("uuid_generator: version 7, variant 10, time in the first 48 bits") {
  using namespace std::chrono;
  segs::detail::uuid_generator gen;
  const auto now = at(sys_days{2025y / January / 31}, 12h + 345678us);
  const auto id = gen.next(now);
  CHECK(id.version() == 7);
  CHECK((id.bytes[8] & 0xC0) == 0x80);
  CHECK(embedded_ms(id) == 1'738'324'800'345);
  CHECK(id.to_string()[14] == '7');
  CHECK(segs::uuid::parse(id.to_string()).value() == id);
}

TEST_CASE("uuid_generator: embedded time follows an advancing clock") {
  using namespace std::chrono;
  segs::detail::uuid_generator gen;
  segs::manual_clock clk(at(sys_days{2030y / June / 1}, 999us));
  segs::uuid prev{};
  for (int i = 0; i < 500; ++i) {
    const auto id = gen.next(clk.now());
    CHECK(embedded_ms(id) == duration_cast<milliseconds>(clk.now().time_since_epoch()).count());
    CHECK(id.version() == 7);
    CHECK((id.bytes[8] & 0xC0) == 0x80);
    CHECK(prev < id);
    prev = id;
    clk.advance(1ms);
  }
}

TEST_CASE("uuid_generator: random bits never repeat across pool refills, nor in a forked child") {
  using namespace std::chrono;
  segs::detail::uuid_generator gen;
  const auto now = at(sys_days{2026y / November / 23}, 9h);
  auto tail = [](const segs::uuid& u) { return std::string(u.bytes.begin() + 8, u.bytes.end()); };
  std::set<std::string> seen;
  for (int i = 0; i < 5'000; ++i) CHECK(seen.insert(tail(gen.next(now))).second);  // ~10 refills

  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const auto t = tail(gen.next(now));
    ::_exit(::write(fds[1], t.data(), t.size()) == static_cast<ssize_t>(t.size()) ? 0 : 1);
  }
  ::close(fds[1]);
  const auto mine = tail(gen.next(now));
  std::string child(8, '\0');
  CHECK(::read(fds[0], child.data(), child.size()) == 8);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(child != mine);
  CHECK_FALSE(seen.count(child));
}

TEST_CASE("uuid_generator: 10000 ids with a frozen clock are strictly increasing") {
  using namespace std::chrono;
  segs::detail::uuid_generator gen;
  const auto frozen = at(sys_days{2025y / March / 3}, 8h);
  const auto frozen_ms = duration_cast<milliseconds>(frozen.time_since_epoch()).count();
  std::vector<segs::uuid> ids;
  ids.reserve(10'000);
  for (int i = 0; i < 10'000; ++i) ids.push_back(gen.next(frozen));
  for (std::size_t i = 1; i < ids.size(); ++i) {
    REQUIRE(ids[i - 1] < ids[i]);
    REQUIRE(ids[i - 1].to_string() < ids[i].to_string());  // text order agrees
  }
  for (const auto& id : ids) {
    REQUIRE(id.version() == 7);
    REQUIRE((id.bytes[8] & 0xC0) == 0x80);
  }
  // The 12-bit counter holds at least 2048 ids per millisecond, so 10000 ids
  // borrow at most a handful of milliseconds.
  CHECK(embedded_ms(ids.front()) == frozen_ms);
  CHECK(embedded_ms(ids.back()) >= frozen_ms + 2);
  CHECK(embedded_ms(ids.back()) <= frozen_ms + 5);
}

TEST_CASE("uuid_generator: a clock stepping back never reorders ids") {
  using namespace std::chrono;
  segs::detail::uuid_generator gen;
  const auto t = at(sys_days{2025y / March / 3}, 8h);
  const auto t_ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const auto a = gen.next(t);
  const auto b = gen.next(t - 10s);
  const auto c = gen.next(t - 1ms);
  CHECK(a < b);
  CHECK(b < c);
  CHECK(embedded_ms(b) == t_ms);
  CHECK(embedded_ms(c) == t_ms);
  // Once real time passes the last used millisecond, it is used again.
  const auto d = gen.next(t + 5ms);
  CHECK(c < d);
  CHECK(embedded_ms(d) == t_ms + 5);
}

TEST_CASE("uuid_generator: instants before 1970 count as the epoch") {
  segs::detail::uuid_generator gen;
  const auto id = gen.next(segs::from_micros(-1'000'000));
  CHECK(embedded_ms(id) == 0);
  CHECK(id.version() == 7);
}

TEST_CASE("uuid_generator: random bits differ between generators") {
  using namespace std::chrono;
  const auto t = at(sys_days{2025y / March / 3});
  segs::detail::uuid_generator g1;
  segs::detail::uuid_generator g2;
  const auto a = g1.next(t);
  const auto b = g2.next(t);
  CHECK(embedded_ms(a) == embedded_ms(b));
  CHECK(a != b);  // 74 random bits; a collision here is a broken RNG
}

TEST_CASE("uuid_generator: concurrent callers get unique, per-thread increasing ids") {
  using namespace std::chrono;
  segs::detail::uuid_generator gen;
  const auto frozen = at(sys_days{2025y / March / 3});
  constexpr int threads = 4;
  constexpr int per_thread = 2000;
  std::vector<std::vector<segs::uuid>> out(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) out[static_cast<std::size_t>(t)].push_back(gen.next(frozen));
    });
  }
  for (auto& th : pool) th.join();
  std::set<segs::uuid> all;
  for (const auto& v : out) {
    CHECK(std::is_sorted(v.begin(), v.end()));
    CHECK(std::adjacent_find(v.begin(), v.end()) == v.end());
    all.insert(v.begin(), v.end());
  }
  CHECK(all.size() == static_cast<std::size_t>(threads * per_thread));
}
