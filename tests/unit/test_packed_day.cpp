// The packed form of a settled day (src/telemetry/packed_day.hpp): every
// quarter-hour's aggregate comes back exactly, nulls, negative values and
// the extremes of int64 included; bytes that are not a whole encoding are
// refused, and days the encoding cannot hold are not packed.
#include "telemetry/packed_day.hpp"

#include <segs/types.hpp>

#include <doctest/doctest.h>

#include <limits>
#include <optional>
#include <random>
#include <vector>

using namespace std::chrono;
using segs::timestamp;
namespace tel = segs::telemetry;

namespace {

timestamp utc(const char* text) { return segs::parse_rfc3339(text).value(); }

constexpr auto lo = std::numeric_limits<std::int64_t>::min();
constexpr auto hi = std::numeric_limits<std::int64_t>::max();

std::int64_t any(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return lo;
    case 1: return hi;
    case 2: return static_cast<std::int64_t>(rng());  // any bits
    case 3: return static_cast<std::int64_t>(rng() % 2001) - 1000;
    case 4: return 0;
    default: return static_cast<std::int64_t>(rng() % 400'000) - 100'000;
  }
}
std::optional<std::int64_t> maybe(std::mt19937_64& rng) {
  if (rng() % 3 == 0) return std::nullopt;
  return any(rng);
}

tel::aggregate random_aggregate(std::mt19937_64& rng, timestamp start) {
  tel::aggregate a;
  a.consumed_wh = any(rng);
  a.produced_wh = any(rng);
  a.readings = any(rng);
  for (auto* v : {&a.power, &a.voltage, &a.current, &a.power_factor, &a.frequency}) {
    v->n = any(rng);
    v->sum = any(rng);
  }
  a.power.min = maybe(rng);
  a.power.max = maybe(rng);
  a.voltage.min = maybe(rng);
  a.voltage.max = maybe(rng);
  a.peak_max = maybe(rng);
  switch (rng() % 5) {
    case 0: break;                                                    // none
    case 1: a.peak_at = start + seconds(1 + rng() % 900); break;      // a whole second of the quarter
    case 2: a.peak_at = start + microseconds(1 + rng() % 900'000'000); break;
    case 3: a.peak_at = segs::from_micros(any(rng)); break;           // anywhere at all
    default: a.peak_at = start + minutes(15); break;                  // the quarter's end
  }
  return a;
}

// A meter's realistic quarter-hour: 15 one-minute readings.
tel::aggregate typical(std::mt19937_64& rng, timestamp start) {
  tel::aggregate a;
  for (int i = 1; i <= 15; ++i) {
    segs::reading r;
    r.time = start + minutes(i);
    r.consumed = segs::energy{static_cast<std::int64_t>(rng() % 30)};
    r.power_kw = segs::milli{static_cast<std::int64_t>(rng() % 4000)};
    r.voltage = segs::milli{228'000 + static_cast<std::int64_t>(rng() % 4000)};
    r.current = segs::milli{static_cast<std::int64_t>(rng() % 20'000)};
    r.power_factor = segs::milli{900 + static_cast<std::int64_t>(rng() % 100)};
    r.frequency = segs::milli{49'950 + static_cast<std::int64_t>(rng() % 100)};
    r.peak_demand_kw = segs::milli{static_cast<std::int64_t>(rng() % 5000)};
    a.add(r);
  }
  // What a row holds: current, power factor and frequency keep no extremes.
  for (auto* v : {&a.current, &a.power_factor, &a.frequency}) v->min = v->max = std::nullopt;
  return a;
}

}  // namespace

TEST_CASE("packed day: random aggregates, nulls and extremes included, come back exactly") {
  std::mt19937_64 rng(20251101);
  const auto day = utc("2025-10-25T22:00:00Z");  // Europe/Berlin's 25-hour day
  for (int round = 0; round < 300; ++round) {
    const int slots = round % 3 == 0 ? 100 : round % 3 == 1 ? 92 : 96;
    std::vector<tel::packed_quarter> qs;
    for (int i = 0; i < slots; ++i) {
      // Some days full, some sparse, some empty.
      if (round % 7 != 0 && rng() % (1 + round % 4) != 0) continue;
      const auto start = day + i * tel::quarter;
      qs.push_back({start, random_aggregate(rng, start)});
    }
    const auto bytes = tel::pack_day(day, slots, qs);
    REQUIRE(bytes.has_value());
    CHECK(bytes->at(0) == tel::packed_day_version);
    std::vector<tel::packed_quarter> back{{day, {}}};  // appended to
    REQUIRE(tel::unpack_day(day, *bytes, back));
    REQUIRE(back.size() == qs.size() + 1);
    for (std::size_t i = 0; i < qs.size(); ++i) {
      CHECK(back[i + 1].start == qs[i].start);
      CHECK(back[i + 1].agg == qs[i].agg);
    }
  }
}

TEST_CASE("packed day: a typical day is small") {
  std::mt19937_64 rng(7);
  const auto day = utc("2025-06-14T22:00:00Z");
  std::vector<tel::packed_quarter> qs;
  for (int i = 0; i < 96; ++i) qs.push_back({day + i * tel::quarter, typical(rng, day + i * tel::quarter)});
  const auto bytes = tel::pack_day(day, 96, qs);
  REQUIRE(bytes.has_value());
  MESSAGE("a day of 96 quarter-hours of 15 readings: ", bytes->size(), " bytes");
  CHECK(bytes->size() < 96 * 40);
  std::vector<tel::packed_quarter> back;
  REQUIRE(tel::unpack_day(day, *bytes, back));
  REQUIRE(back.size() == 96);
  for (std::size_t i = 0; i < 96; ++i) {
    CHECK(back[i].start == qs[i].start);
    CHECK(back[i].agg == qs[i].agg);
  }
}

TEST_CASE("packed day: quarter-hours off the day's grid are not packed") {
  const auto day = utc("2025-06-14T22:00:00Z");
  tel::aggregate a;
  a.readings = 1;
  using v = std::vector<tel::packed_quarter>;
  CHECK(tel::pack_day(day, 96, v{{day + minutes(5), a}}) == std::nullopt);       // not on a quarter-hour
  CHECK(tel::pack_day(day, 96, v{{day - minutes(15), a}}) == std::nullopt);      // before the day
  CHECK(tel::pack_day(day, 96, v{{day + hours(24), a}}) == std::nullopt);        // after it
  CHECK(tel::pack_day(day, 96, v{{day, a}, {day, a}}) == std::nullopt);          // twice
  CHECK(tel::pack_day(day, 96, v{{day + minutes(15), a}, {day, a}}) == std::nullopt);  // not ascending
  CHECK(tel::pack_day(day, 0, v{}) == std::nullopt);
  CHECK(tel::pack_day(day, tel::packed_day_max_slots + 1, v{}) == std::nullopt);
  // An empty day is fine (all its quarter-hours absent).
  auto empty = tel::pack_day(day, 96, v{});
  REQUIRE(empty.has_value());
  CHECK(empty->size() == 2 + 12);
  v back;
  CHECK(tel::unpack_day(day, *empty, back));
  CHECK(back.empty());
}

TEST_CASE("packed day: bytes that are not a whole encoding are refused, leaving the output alone") {
  const auto day = utc("2025-06-14T22:00:00Z");
  std::mt19937_64 rng(3);
  std::vector<tel::packed_quarter> qs;
  for (int i = 0; i < 96; i += 5) qs.push_back({day + i * tel::quarter, typical(rng, day + i * tel::quarter)});
  const auto bytes = *tel::pack_day(day, 96, qs);
  std::vector<tel::packed_quarter> out{{day, {}}};
  auto refused = [&](std::vector<std::uint8_t> b) {
    const bool ok = tel::unpack_day(day, b, out);
    CHECK(out.size() == 1);
    return !ok;
  };
  CHECK(refused({}));
  CHECK(refused({0}));                                         // version 0: kept as rows
  auto v2 = bytes;
  v2[0] = 2;
  CHECK(refused(v2));                                          // a version not known
  for (std::size_t cut = 1; cut < bytes.size(); cut += 7)      // truncated
    CHECK(refused(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut))));
  auto longer = bytes;
  longer.push_back(0);
  CHECK(refused(longer));                                      // trailing bytes
  auto stray = *tel::pack_day(day, 92, {});
  stray.back() |= 0x80;                                        // a bit past the day's 92 quarter-hours
  CHECK(refused(stray));
}
