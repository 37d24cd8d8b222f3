// Local days, months and wall times across DST (src/core/time_zone.hpp).
// Expected instants were computed independently with Python's zoneinfo over
// the same tz database.
#include "core/time_zone.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace std::chrono;
using segs::tz::repeated;
using segs::tz::wall_time_kind;
using segs::tz::zone;

namespace {

zone z(const char* name) {
  auto found = zone::find(name);
  REQUIRE_MESSAGE(found.has_value(), name);
  return *found;
}
std::string at(segs::timestamp t) { return segs::to_rfc3339(t); }
std::string day_start(const zone& tz, int y, unsigned m, unsigned d) {
  return at(tz.start_of_day(year{y} / month{m} / day{d}));
}
microseconds hm(int h, int m) { return hours{h} + minutes{m}; }
segs::timestamp utc(const char* text) { return segs::parse_rfc3339(text).value(); }
hours day_length_h(const zone& tz, year_month_day d) {
  return duration_cast<hours>(tz.start_of_day(sys_days{d} + days{1}) - tz.start_of_day(d));
}
minutes day_length_min(const zone& tz, year_month_day d) {
  return duration_cast<minutes>(tz.start_of_day(sys_days{d} + days{1}) - tz.start_of_day(d));
}

}  // namespace

TEST_CASE("time zones: unknown names are refused, UTC and links are found") {
  CHECK_FALSE(zone::find("Mars/Olympus_Mons").has_value());
  CHECK_FALSE(zone::find("").has_value());
  CHECK(zone::find("UTC").has_value());
  CHECK(zone::find("Europe/Berlin")->name() == "Europe/Berlin");
  CHECK(zone::utc().offset(utc("2026-06-01T00:00:00Z")) == seconds{0});
}

TEST_CASE("time zones: Europe/Berlin across both DST changes of 2026") {
  const auto b = z("Europe/Berlin");
  // Spring forward 2026-03-29 01:00Z: 02:00 CET -> 03:00 CEST, a 23-hour day.
  CHECK(day_start(b, 2026, 3, 29) == "2026-03-28T23:00:00Z");
  CHECK(day_start(b, 2026, 3, 30) == "2026-03-29T22:00:00Z");
  CHECK(day_length_h(b, 2026y / 3 / 29) == hours{23});
  CHECK(b.classify(2026y / 3 / 29, hm(2, 30)) == wall_time_kind::nonexistent);
  CHECK(b.classify(2026y / 3 / 29, hm(3, 0)) == wall_time_kind::unique);
  // A skipped wall time reads with the offset before the gap.
  CHECK(at(b.from_local(2026y / 3 / 29, hm(2, 30))) == "2026-03-29T01:30:00Z");
  CHECK(at(b.from_local(2026y / 3 / 29, hm(3, 0))) == "2026-03-29T01:00:00Z");
  // Fall back 2026-10-25 01:00Z: 03:00 CEST -> 02:00 CET, a 25-hour day.
  CHECK(day_start(b, 2026, 10, 25) == "2026-10-24T22:00:00Z");
  CHECK(day_start(b, 2026, 10, 26) == "2026-10-25T23:00:00Z");
  CHECK(day_length_h(b, 2026y / 10 / 25) == hours{25});
  CHECK(b.classify(2026y / 10 / 25, hm(2, 30)) == wall_time_kind::repeated);
  CHECK(at(b.from_local(2026y / 10 / 25, hm(2, 30))) == "2026-10-25T00:30:00Z");
  CHECK(at(b.from_local(2026y / 10 / 25, hm(2, 30), repeated::latest)) == "2026-10-25T01:30:00Z");
  // Months begin at local midnight.
  CHECK(at(b.start_of_month(2026y / 11)) == "2026-10-31T23:00:00Z");
  CHECK(at(b.start_of_month(2026y / 7)) == "2026-06-30T22:00:00Z");
  // The wall clock of an instant, either side of the change.
  auto before = b.to_local(utc("2026-10-25T00:59:00Z"));
  auto after = b.to_local(utc("2026-10-25T01:00:00Z"));
  CHECK(before.date == 2026y / 10 / 25);
  CHECK(before.since_midnight == hm(2, 59));
  CHECK(before.offset == hours{2});
  CHECK(after.since_midnight == hm(2, 0));
  CHECK(after.offset == hours{1});
  // 24:00 counts into the next day.
  CHECK(at(b.from_local(2026y / 10 / 25, hm(24, 0))) == "2026-10-25T23:00:00Z");
}

TEST_CASE("time zones: America/New_York across both DST changes of 2026") {
  const auto ny = z("America/New_York");
  CHECK(day_start(ny, 2026, 3, 8) == "2026-03-08T05:00:00Z");
  CHECK(day_start(ny, 2026, 3, 9) == "2026-03-09T04:00:00Z");
  CHECK(day_length_h(ny, 2026y / 3 / 8) == hours{23});
  CHECK(ny.classify(2026y / 3 / 8, hm(2, 15)) == wall_time_kind::nonexistent);
  CHECK(at(ny.from_local(2026y / 3 / 8, hm(2, 15))) == "2026-03-08T07:15:00Z");
  CHECK(day_start(ny, 2026, 11, 1) == "2026-11-01T04:00:00Z");
  CHECK(day_start(ny, 2026, 11, 2) == "2026-11-02T05:00:00Z");
  CHECK(day_length_h(ny, 2026y / 11 / 1) == hours{25});
  CHECK(ny.classify(2026y / 11 / 1, hm(1, 30)) == wall_time_kind::repeated);
  CHECK(at(ny.from_local(2026y / 11 / 1, hm(1, 30))) == "2026-11-01T05:30:00Z");
  CHECK(at(ny.from_local(2026y / 11 / 1, hm(1, 30), repeated::latest)) == "2026-11-01T06:30:00Z");
  CHECK(at(ny.start_of_month(2026y / 3)) == "2026-03-01T05:00:00Z");
  // The local date differs from the UTC date in the evening.
  CHECK(ny.date_of(utc("2026-07-04T02:00:00Z")) == 2026y / 7 / 3);
}

TEST_CASE("time zones: Asia/Kathmandu is +05:45 all year") {
  const auto k = z("Asia/Kathmandu");
  CHECK(day_start(k, 2026, 1, 1) == "2025-12-31T18:15:00Z");
  CHECK(k.offset(utc("2026-07-01T00:00:00Z")) == hours{5} + minutes{45});
  auto lt = k.to_local(utc("2026-01-01T00:00:00Z"));
  CHECK(lt.date == 2026y / 1 / 1);
  CHECK(lt.since_midnight == hm(5, 45));
  CHECK(day_length_h(k, 2026y / 3 / 29) == hours{24});
}

TEST_CASE("time zones: Australia/Lord_Howe moves by 30 minutes") {
  const auto lh = z("Australia/Lord_Howe");
  // DST starts 2026-10-04 02:00 +10:30 -> 02:30 +11:00: a 23.5-hour day.
  CHECK(day_start(lh, 2026, 10, 4) == "2026-10-03T13:30:00Z");
  CHECK(day_start(lh, 2026, 10, 5) == "2026-10-04T13:00:00Z");
  CHECK(day_length_min(lh, 2026y / 10 / 4) == minutes{23 * 60 + 30});
  CHECK(lh.classify(2026y / 10 / 4, hm(2, 15)) == wall_time_kind::nonexistent);
  CHECK(at(lh.from_local(2026y / 10 / 4, hm(2, 15))) == "2026-10-03T15:45:00Z");
  // DST ends 2026-04-05 02:00 +11:00 -> 01:30 +10:30: a 24.5-hour day.
  CHECK(day_start(lh, 2026, 4, 5) == "2026-04-04T13:00:00Z");
  CHECK(day_start(lh, 2026, 4, 6) == "2026-04-05T13:30:00Z");
  CHECK(day_length_min(lh, 2026y / 4 / 5) == minutes{24 * 60 + 30});
  CHECK(lh.classify(2026y / 4 / 5, hm(1, 45)) == wall_time_kind::repeated);
  CHECK(at(lh.from_local(2026y / 4 / 5, hm(1, 45))) == "2026-04-04T14:45:00Z");
  CHECK(at(lh.from_local(2026y / 4 / 5, hm(1, 45), repeated::latest)) == "2026-04-04T15:15:00Z");
}

TEST_CASE("time zones: a day whose midnight is skipped begins where the gap ends") {
  // America/Santiago skips 2026-09-06 00:00-01:00.
  const auto s = z("America/Santiago");
  CHECK(s.classify(2026y / 9 / 6, hm(0, 0)) == wall_time_kind::nonexistent);
  CHECK(day_start(s, 2026, 9, 6) == "2026-09-06T04:00:00Z");
  CHECK(s.to_local(s.start_of_day(2026y / 9 / 6)).since_midnight == hm(1, 0));
  CHECK(day_length_h(s, 2026y / 9 / 6) == hours{23});
}
