// Telemetry's pure rules (src/telemetry/): the aggregate a bucket stores,
// the quarter-hour an instant belongs to, hour ranges of the analytics, the
// checks of a reading, the bytes a device signs, and decimal / date text.
// Expected values are written out by hand.
#include "telemetry/aggregate.hpp"
#include "telemetry/analytics.hpp"
#include "telemetry/rules.hpp"

#include <segs/telemetry.hpp>
#include <segs/types.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono;
using segs::milli;
using segs::timestamp;
namespace tel = segs::telemetry;

namespace {

timestamp utc(const char* text) { return segs::parse_rfc3339(text).value(); }
std::string at(timestamp t) { return segs::to_rfc3339(t); }

segs::reading r_at(const char* time, std::int64_t c, std::int64_t p = 0) {
  segs::reading r;
  r.time = utc(time);
  r.consumed = segs::energy{c};
  r.produced = segs::energy{p};
  return r;
}

std::string field_of_check(const segs::reading& r, timestamp now,
                           std::optional<timestamp> installed = std::nullopt) {
  auto e = tel::check_reading(r, now, installed);
  if (!e) return "";
  CHECK(e->code == segs::errc::validation_error);
  return e->field;
}

}  // namespace

// --- the aggregate -------------------------------------------------------------

TEST_CASE("telemetry aggregate: sums, counts, minima, maxima and means of the values carried") {
  tel::aggregate a;
  auto r1 = r_at("2025-06-15T10:05:00Z", 100, 10);
  r1.power_kw = milli{-2'000};
  r1.voltage = milli{230'000};
  auto r2 = r_at("2025-06-15T10:10:00Z", 250, 0);  // carries no instantaneous value
  auto r3 = r_at("2025-06-15T10:15:00Z", 50, 5);
  r3.power_kw = milli{3'500};
  r3.current = milli{12'345};
  r3.frequency = milli{50'010};
  for (const auto& r : {r1, r2, r3}) a.add(r);

  CHECK(a.consumed_wh == 400);
  CHECK(a.produced_wh == 15);
  CHECK(a.readings == 3);
  CHECK(a.power.n == 2);
  CHECK(a.power.sum == 1'500);
  CHECK(a.power.min == -2'000);
  CHECK(a.power.max == 3'500);
  CHECK(a.voltage.n == 1);
  CHECK(a.current.n == 1);
  CHECK(a.power_factor.n == 0);
  CHECK_FALSE(a.peak_max.has_value());

  const auto b = a.to_bucket(utc("2025-06-15T10:00:00Z"), utc("2025-06-15T10:15:00Z"));
  CHECK(b.consumed.wh == 400);
  CHECK(b.produced.wh == 15);
  CHECK(b.net().wh == 385);
  CHECK(b.reading_count == 3);
  CHECK(b.min_power_kw == milli{-2'000});
  CHECK(b.max_power_kw == milli{3'500});
  CHECK(b.avg_power_kw == milli{750});  // over the two readings that carry power
  CHECK(b.voltage_min == milli{230'000});
  CHECK(b.voltage_max == milli{230'000});
  CHECK(b.voltage_avg == milli{230'000});
  CHECK(b.current_avg == milli{12'345});
  CHECK(b.frequency_avg == milli{50'010});
  CHECK_FALSE(b.power_factor_avg.has_value());  // no reading carried it: null, not 0
  CHECK_FALSE(b.peak_demand_kw.has_value());
}

TEST_CASE("telemetry aggregate: a value no reading carries stays absent, and merging keeps the other side's") {
  tel::value_stats none, some;
  CHECK_FALSE(none.mean().has_value());
  CHECK_FALSE(none.min.has_value());
  some.add(-7);
  some.add(4);
  auto m = none;
  m.merge(some);
  CHECK(m == some);
  m = some;
  m.merge(none);
  CHECK(m == some);
  CHECK(m.min == -7);
  CHECK(m.max == 4);
  // A minimum of 0 is a value, not an absence.
  tel::value_stats zero;
  zero.add(0);
  auto z = some;
  z.merge(zero);
  CHECK(z.min == -7);
  CHECK(z.max == 4);
  auto z2 = zero;
  z2.add(5);
  CHECK(z2.min == 0);
}

TEST_CASE("telemetry aggregate: means round half to even at three decimals") {
  auto mean = [](std::int64_t sum, std::int64_t n) {
    tel::value_stats v;
    v.n = n;
    v.sum = sum;
    return v.mean().value().value;
  };
  // Thousandths: sum 5 over 2 readings is 2.5 thousandths -> 2 (even).
  CHECK(mean(5, 2) == 2);
  CHECK(mean(7, 2) == 4);   // 3.5 -> 4
  CHECK(mean(-5, 2) == -2);  // -2.5 -> -2
  CHECK(mean(-7, 2) == -4);
  CHECK(mean(10, 3) == 3);  // 3.333 -> 3
  CHECK(mean(20, 3) == 7);  // 6.667 -> 7
  CHECK(mean(230'001, 2) == 115'000);  // 115000.5 -> 115000
  CHECK(mean(230'003, 2) == 115'002);  // 115001.5 -> 115002
}

TEST_CASE("telemetry aggregate: a tie of peak demand keeps the earliest time, in any order") {
  auto p1 = r_at("2025-06-15T10:05:00Z", 1);
  p1.peak_demand_kw = milli{4'000};
  auto p2 = r_at("2025-06-15T10:01:00Z", 1);
  p2.peak_demand_kw = milli{4'000};
  auto p3 = r_at("2025-06-15T10:09:00Z", 1);
  p3.peak_demand_kw = milli{3'999};
  std::vector<segs::reading> rs{p1, p2, p3};
  std::sort(rs.begin(), rs.end(), [](const auto& a, const auto& b) { return a.time < b.time; });
  do {
    tel::aggregate a;
    for (const auto& r : rs) a.add(r);
    CHECK(a.peak_max == 4'000);
    CHECK(a.peak_at == utc("2025-06-15T10:01:00Z"));
  } while (std::next_permutation(rs.begin(), rs.end(),
                                 [](const auto& a, const auto& b) { return a.time < b.time; }));
  // Merging: the later-in-time side merged first or second gives the same.
  tel::aggregate early, late;
  early.add(p2);
  late.add(p1);
  late.add(p3);
  auto x = early;
  x.merge(late);
  auto y = late;
  y.merge(early);
  CHECK(x == y);
  CHECK(x.peak_at == utc("2025-06-15T10:01:00Z"));
  // A larger peak later wins over an earlier smaller one.
  auto p4 = r_at("2025-06-15T10:14:00Z", 1);
  p4.peak_demand_kw = milli{4'001};
  x.add(p4);
  CHECK(x.peak_max == 4'001);
  CHECK(x.peak_at == p4.time);
}

TEST_CASE("telemetry aggregate: adding or merging in any order and grouping gives the same aggregate") {
  std::mt19937_64 rng(20250615);
  std::vector<segs::reading> rs;
  const auto base = utc("2025-06-15T00:00:00Z");
  for (int i = 0; i < 60; ++i) {
    segs::reading r;
    r.time = base + minutes{i};
    r.consumed = segs::energy{static_cast<std::int64_t>(rng() % 2000)};
    r.produced = segs::energy{static_cast<std::int64_t>(rng() % 500)};
    auto maybe = [&](std::int64_t lo, std::int64_t hi) -> std::optional<milli> {
      if (rng() % 3 == 0) return std::nullopt;
      return milli{lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1))};
    };
    r.power_kw = maybe(-5'000, 5'000);
    r.peak_demand_kw = maybe(0, 3);  // few distinct values: ties
    r.voltage = maybe(220'000, 240'000);
    r.current = maybe(0, 100'000);
    r.power_factor = maybe(0, 1'000);
    r.frequency = maybe(49'000, 51'000);
    rs.push_back(r);
  }
  tel::aggregate in_order;
  for (const auto& r : rs) in_order.add(r);
  for (int round = 0; round < 20; ++round) {
    CAPTURE(round);
    auto shuffled = rs;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    tel::aggregate added;
    for (const auto& r : shuffled) added.add(r);
    CHECK(added == in_order);
    // Random partitions merged in a random order.
    std::vector<tel::aggregate> parts(1 + rng() % 7);
    for (const auto& r : shuffled) parts[rng() % parts.size()].add(r);
    std::shuffle(parts.begin(), parts.end(), rng);
    tel::aggregate merged;
    for (const auto& p : parts) merged.merge(p);
    CHECK(merged == in_order);
  }
  // And the values themselves, recomputed plainly.
  std::int64_t c = 0, n = 0, pmin = INT64_MAX, pmax = INT64_MIN;
  for (const auto& r : rs) {
    c += r.consumed.wh;
    if (r.power_kw) {
      ++n;
      pmin = std::min(pmin, r.power_kw->value);
      pmax = std::max(pmax, r.power_kw->value);
    }
  }
  CHECK(in_order.consumed_wh == c);
  CHECK(in_order.power.n == n);
  CHECK(in_order.power.min == pmin);
  CHECK(in_order.power.max == pmax);
}

// --- quarter_of ---------------------------------------------------------------------

TEST_CASE("telemetry quarter_of: an instant on a boundary belongs to the quarter it ends") {
  CHECK(at(tel::quarter_of(utc("2025-06-15T10:15:00Z"))) == "2025-06-15T10:00:00Z");
  CHECK(at(tel::quarter_of(utc("2025-06-15T10:15:00.000001Z"))) == "2025-06-15T10:15:00Z");
  CHECK(at(tel::quarter_of(utc("2025-06-15T10:14:59.999999Z"))) == "2025-06-15T10:00:00Z");
  CHECK(at(tel::quarter_of(utc("2025-06-15T10:00:00.000001Z"))) == "2025-06-15T10:00:00Z");
  CHECK(at(tel::quarter_of(utc("2025-06-15T10:07:30Z"))) == "2025-06-15T10:00:00Z");
  CHECK(at(tel::quarter_of(utc("2025-06-15T00:00:00Z"))) == "2025-06-14T23:45:00Z");
  // Hours are UTC-aligned whatever the offset of the text.
  CHECK(at(tel::quarter_of(utc("2025-06-15T15:50:00+05:30"))) == "2025-06-15T10:15:00Z");
}

TEST_CASE("telemetry quarter_of: instants before 1970 floor, they do not truncate towards zero") {
  CHECK(at(tel::quarter_of(utc("1970-01-01T00:00:00Z"))) == "1969-12-31T23:45:00Z");
  CHECK(at(tel::quarter_of(utc("1970-01-01T00:00:00.000001Z"))) == "1970-01-01T00:00:00Z");
  CHECK(at(tel::quarter_of(utc("1969-12-31T23:45:00Z"))) == "1969-12-31T23:30:00Z");
  CHECK(at(tel::quarter_of(utc("1969-12-31T23:45:00.000001Z"))) == "1969-12-31T23:45:00Z");
  CHECK(at(tel::quarter_of(utc("1969-12-31T23:50:00Z"))) == "1969-12-31T23:45:00Z");
  CHECK(at(tel::quarter_of(utc("1969-07-20T20:17:40Z"))) == "1969-07-20T20:15:00Z");
  CHECK(at(tel::quarter_of(utc("1969-07-20T20:15:00Z"))) == "1969-07-20T20:00:00Z");
}

TEST_CASE("telemetry quarter_of: every instant lies in the quarter-hour it ends, start excluded") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10'000; ++i) {
    const auto us = static_cast<std::int64_t>(rng() % 4'000'000'000'000'000ULL) - 2'000'000'000'000'000;
    const auto t = segs::from_micros(us);
    const auto q = tel::quarter_of(t);
    CAPTURE(us);
    REQUIRE(q < t);
    REQUIRE(t <= q + tel::quarter);
    REQUIRE(segs::to_micros(q) % 900'000'000 == 0);
  }
}

// --- hour_ranges ---------------------------------------------------------------------

TEST_CASE("telemetry hour_ranges: consecutive hours merge, a run may wrap midnight, ordered by start") {
  using v = std::vector<std::string>;
  CHECK(tel::hour_ranges({}) == v{});
  CHECK(tel::hour_ranges({9}) == v{"09:00-10:00"});
  CHECK(tel::hour_ranges({10, 9}) == v{"09:00-11:00"});
  CHECK(tel::hour_ranges({9, 10, 10, 9}) == v{"09:00-11:00"});  // each hour once
  CHECK(tel::hour_ranges({18, 7, 8, 19, 20, 12}) == v{"07:00-09:00", "12:00-13:00", "18:00-21:00"});
  CHECK(tel::hour_ranges({22, 23, 0, 1, 2, 3, 4, 5}) == v{"22:00-06:00"});
  CHECK(tel::hour_ranges({23}) == v{"23:00-00:00"});
  CHECK(tel::hour_ranges({23, 0}) == v{"23:00-01:00"});
  // A wrapping run starts late: it sorts by its start, after the others.
  CHECK(tel::hour_ranges({0, 5, 23}) == v{"05:00-06:00", "23:00-01:00"});
  CHECK(tel::hour_ranges({0, 2, 4}) == v{"00:00-01:00", "02:00-03:00", "04:00-05:00"});
  std::vector<int> all(24);
  for (int h = 0; h < 24; ++h) all[static_cast<std::size_t>(h)] = h;
  CHECK(tel::hour_ranges(all) == v{"00:00-00:00"});
}

// --- check_reading --------------------------------------------------------------------

TEST_CASE("telemetry check_reading: each limit is inclusive and one thousandth beyond is refused") {
  const auto now = utc("2025-06-15T12:00:00Z");
  const auto base = r_at("2025-06-15T11:00:00Z", 0, 0);
  CHECK(field_of_check(base, now) == "");
  auto ok = [&](auto set) {
    auto r = base;
    set(r);
    return field_of_check(r, now);
  };
  CHECK(ok([](auto& r) { r.consumed = segs::energy{1'000'000'000}; }) == "");
  CHECK(ok([](auto& r) { r.consumed = segs::energy{1'000'000'001}; }) == "consumed");
  CHECK(ok([](auto& r) { r.consumed = segs::energy{-1}; }) == "consumed");
  CHECK(ok([](auto& r) { r.produced = segs::energy{1'000'000'000}; }) == "");
  CHECK(ok([](auto& r) { r.produced = segs::energy{-1}; }) == "produced");
  CHECK(ok([](auto& r) { r.power_kw = milli{-1'000'000'000}; }) == "");
  CHECK(ok([](auto& r) { r.power_kw = milli{-1'000'000'001}; }) == "power_kw");
  CHECK(ok([](auto& r) { r.power_kw = milli{1'000'000'001}; }) == "power_kw");
  CHECK(ok([](auto& r) { r.peak_demand_kw = milli{0}; }) == "");
  CHECK(ok([](auto& r) { r.peak_demand_kw = milli{-1}; }) == "peak_demand_kw");
  CHECK(ok([](auto& r) { r.voltage = milli{0}; }) == "");
  CHECK(ok([](auto& r) { r.voltage = milli{1'000'000}; }) == "");
  CHECK(ok([](auto& r) { r.voltage = milli{1'000'001}; }) == "voltage");
  CHECK(ok([](auto& r) { r.voltage = milli{-1}; }) == "voltage");
  CHECK(ok([](auto& r) { r.current = milli{10'000'000}; }) == "");
  CHECK(ok([](auto& r) { r.current = milli{10'000'001}; }) == "current");
  CHECK(ok([](auto& r) { r.power_factor = milli{1'000}; }) == "");
  CHECK(ok([](auto& r) { r.power_factor = milli{0}; }) == "");
  CHECK(ok([](auto& r) { r.power_factor = milli{1'001}; }) == "power_factor");
  CHECK(ok([](auto& r) { r.power_factor = milli{-1}; }) == "power_factor");
  CHECK(ok([](auto& r) { r.frequency = milli{40'000}; }) == "");
  CHECK(ok([](auto& r) { r.frequency = milli{70'000}; }) == "");
  CHECK(ok([](auto& r) { r.frequency = milli{39'999}; }) == "frequency");
  CHECK(ok([](auto& r) { r.frequency = milli{70'001}; }) == "frequency");
  CHECK(ok([](auto& r) { r.metadata = "{}"; }) == "");
  CHECK(ok([](auto& r) { r.metadata = "{\"a\": 1}"; }) == "");
  CHECK(ok([](auto& r) { r.metadata = "[]"; }) == "metadata");
  CHECK(ok([](auto& r) { r.metadata = "{"; }) == "metadata");
  CHECK(ok([](auto& r) { r.metadata = "{\"a\":\"" + std::string(4096 - 8, 'x') + "\"}"; }) == "");
  CHECK(ok([](auto& r) { r.metadata = "{\"a\":\"" + std::string(4096 - 7, 'x') + "\"}"; }) == "metadata");
}

TEST_CASE("telemetry check_reading: at most 5 minutes ahead, and after the start of the installation day") {
  const auto now = utc("2025-06-15T12:00:00Z");
  CHECK(field_of_check(r_at("2025-06-15T12:05:00Z", 1), now) == "");
  auto r = r_at("2025-06-15T12:05:00Z", 1);
  r.time += microseconds{1};
  CHECK(field_of_check(r, now) == "time");
  const auto installed = utc("2025-06-14T22:00:00Z");
  CHECK(field_of_check(r_at("2025-06-14T22:00:00Z", 1), now, installed) == "time");
  r = r_at("2025-06-14T22:00:00Z", 1);
  r.time += microseconds{1};
  CHECK(field_of_check(r, now, installed) == "");
  CHECK(field_of_check(r_at("2025-06-14T21:00:00Z", 1), now, installed) == "time");
}

// --- signatures --------------------------------------------------------------------------

TEST_CASE("telemetry signed_message: serial, the time as sent, integers of Wh, separated by '|'") {
  auto r = r_at("2025-06-15T10:15:00Z", 1500, 250);
  CHECK(tel::signed_message("SM_ENG_001_2025", r, "") == "SM_ENG_001_2025|2025-06-15T10:15:00Z|1500|250");
  CHECK(tel::signed_message("SM_ENG_001_2025", r, "2025-06-15T12:15:00+02:00") ==
        "SM_ENG_001_2025|2025-06-15T12:15:00+02:00|1500|250");
  auto zero = r_at("2025-06-15T10:15:00.5Z", 0, 0);
  CHECK(tel::signed_message("M-1", zero, "") == "M-1|2025-06-15T10:15:00.5Z|0|0");
  // Garbage never verifies.
  CHECK_FALSE(tel::signature_valid("not base64", "also not", "x"));
  CHECK_FALSE(tel::signature_valid("", "", ""));
}

// --- serials --------------------------------------------------------------------------------

TEST_CASE("telemetry check_serial: 3 to 64 of A-Z a-z 0-9 _ -") {
  auto field = [](std::string_view s) -> std::string {
    try {
      tel::check_serial(s);
    } catch (const segs::exception& e) {
      CHECK(e.err().code == segs::errc::validation_error);
      return e.err().field;
    }
    return "";
  };
  CHECK(field("SM_ENG_001_2025") == "");
  CHECK(field("abc") == "");
  CHECK(field("a-b_C-9") == "");
  CHECK(field(std::string(64, 'x')) == "");
  CHECK(field(std::string(65, 'x')) == "meter_id");
  CHECK(field("ab") == "meter_id");
  CHECK(field("") == "meter_id");
  CHECK(field("SM 001") == "meter_id");
  CHECK(field("SM.001") == "meter_id");
  CHECK(field("SM/001") == "meter_id");
  CHECK(field("Zähler1") == "meter_id");
  // A serial shaped like a UUID would be ambiguous with meter ids.
  CHECK(field("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b") == "meter_id");
  CHECK(field("0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B") == "meter_id");
  CHECK(field("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5") == "");  // one digit short: a serial
}

// --- decimal and date text -----------------------------------------------------------------

TEST_CASE("telemetry milli: decimal text with at most three decimals, errors naming the field") {
  CHECK(milli::parse("240.5", "voltage").value() == milli{240'500});
  CHECK(milli::parse("-0.001", "power_kw").value() == milli{-1});
  CHECK(milli::parse("0", "power_kw").value() == milli{0});
  CHECK(milli::parse("12", "power_kw").value() == milli{12'000});
  CHECK(milli::parse("1.230", "power_factor").value() == milli{1'230});
  auto more = milli::parse("230.1234", "voltage");
  REQUIRE_FALSE(more);
  CHECK(more.error().code == segs::errc::validation_error);
  CHECK(more.error().field == "voltage");
  CHECK(more.error().message.find("voltage") != std::string::npos);
  auto junk = milli::parse("abc", "frequency");
  REQUIRE_FALSE(junk);
  CHECK(junk.error().field == "frequency");
  CHECK(milli{240'500}.to_string() == "240.5");
  CHECK(milli{-1}.to_string() == "-0.001");
  CHECK(milli{12'000}.to_string() == "12");
  CHECK(milli{1'230}.to_double() == doctest::Approx(1.23));
}

TEST_CASE("telemetry dates: parse_iso_date and to_iso_date") {
  using std::chrono::year;
  CHECK(segs::parse_iso_date("2026-03-29").value() == year{2026} / 3 / 29);
  CHECK(segs::parse_iso_date("2024-02-29").value() == year{2024} / 2 / 29);
  CHECK(segs::to_iso_date(year{2026} / 3 / 9) == "2026-03-09");
  CHECK(segs::to_iso_date(year{999} / 1 / 1) == "0999-01-01");
  for (const char* bad : {"2025-02-29", "2026-13-01", "2026-00-10", "2026-01-32", "2026-3-29",
                          "2026/03/29", "26-03-29", "2026-03-29T00:00:00Z", "", "2026-0a-01"}) {
    CAPTURE(bad);
    auto r = segs::parse_iso_date(bad, "installation_date");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == segs::errc::validation_error);
    CHECK(r.error().field == "installation_date");
  }
  const auto d = year{2025} / 10 / 26;
  CHECK(segs::parse_iso_date(segs::to_iso_date(d)).value() == d);
}

// --- enum names -------------------------------------------------------------------------------

TEST_CASE("telemetry names: bucket widths, periods, kinds and statuses round-trip") {
  for (auto w : {segs::bucket_width::quarter_hour, segs::bucket_width::hour, segs::bucket_width::day,
                 segs::bucket_width::month})
    CHECK(segs::parse_bucket_width(segs::to_string(w)).value() == w);
  CHECK(segs::to_string(segs::bucket_width::quarter_hour) == "15m");
  CHECK(segs::to_string(segs::bucket_width::month) == "1mo");
  CHECK(segs::parse_bucket_width("2h").error().field == "interval");
  CHECK(segs::parse_compare_period("week").value() == segs::compare_period::week);
  CHECK(segs::parse_compare_period("year").error().field == "period");
  CHECK(segs::parse_meter_kind("ev_charger").value() == segs::meter_kind::ev_charger);
  CHECK(segs::parse_meter_kind("gas").error().field == "meter_type");
  CHECK(segs::parse_meter_status("maintenance").value() == segs::meter_status::maintenance);
  CHECK(segs::parse_meter_status("broken").error().field == "status");
}

// --- analyze ------------------------------------------------------------------------------------

TEST_CASE("telemetry analyze: the ratios of section 4 over quarter-hours, local hours of the zone") {
  // Asia/Kolkata (+05:30): 03:30Z is 09:00 local. The range is the local
  // Monday 2025-06-16 and Tuesday 2025-06-17.
  const auto z = segs::tz::zone::find("Asia/Kolkata").value();
  auto q = [](const char* start, std::int64_t c, std::int64_t p) {
    segs::storage::telemetry::stored_bucket b;
    b.meter = 1;
    b.start = utc(start);
    b.end = b.start + tel::quarter;
    b.agg.consumed_wh = c;
    b.agg.produced_wh = p;
    b.agg.readings = 1;
    return b;
  };
  const std::vector<segs::storage::telemetry::stored_bucket> quarters{
      q("2025-06-16T03:30:00Z", 1000, 400),   // 09:00 local, self-use 400
      q("2025-06-16T06:30:00Z", 200, 1000),   // 12:00 local, self-use 200
      q("2025-06-17T03:45:00Z", 3000, 0)};    // 09:15 local on Tuesday
  const segs::time_range range{utc("2025-06-15T18:30:00Z"), utc("2025-06-17T18:30:00Z")};
  const auto a = tel::analyze(quarters, z, range, 0.5);
  CHECK(a.consumed.wh == 4200);
  CHECK(a.produced.wh == 1400);
  CHECK(a.efficiency_rating == doctest::Approx(0.4286));        // 600 / 1400
  CHECK(a.grid_independence_score == doctest::Approx(0.1429));  // 600 / 4200
  CHECK(a.renewable_energy_percent == doctest::Approx(33.3333));
  CHECK(a.carbon_offset_kg == doctest::Approx(0.7));            // 1.4 kWh x 0.5
  CHECK(a.average_daily_consumption_kwh == doctest::Approx(2.1));  // 4.2 kWh over 2 local days
  CHECK(a.peak_consumption_kw == doctest::Approx(12.0));           // 3 kWh in a quarter
  REQUIRE(a.peak_hours.size() == 2);
  CHECK(a.peak_hours[0] == "09:00-10:00");
  CHECK(a.peak_hours[1] == "12:00-13:00");
  CHECK_FALSE(a.weekend_vs_weekday_ratio.has_value());  // no weekend day in the range

  // Without production the self-use ratios are undefined; without consumption too.
  const auto none = tel::analyze({q("2025-06-16T03:30:00Z", 1000, 0)}, z, range, 0.5);
  CHECK_FALSE(none.efficiency_rating.has_value());
  CHECK(none.grid_independence_score == doctest::Approx(0.0));
  CHECK(none.renewable_energy_percent == doctest::Approx(0.0));
  const auto empty = tel::analyze({}, z, range, 0.5);
  CHECK_FALSE(empty.efficiency_rating.has_value());
  CHECK_FALSE(empty.grid_independence_score.has_value());
  CHECK_FALSE(empty.renewable_energy_percent.has_value());
  CHECK_FALSE(empty.peak_consumption_kw.has_value());
  CHECK(empty.peak_hours.empty());
}
