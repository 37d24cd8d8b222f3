// An independent model of telemetry's buckets, for the correctness tests:
// what a bucket of each width must hold, computed from raw readings kept by
// the test, without the library's aggregate, quarter or time zone code.
//
// Time zones: the zones the fixture's regions use, with their rules written
// out (no tz database): UTC; Asia/Kolkata, +05:30 all year; Europe/Berlin,
// CET +01:00 and CEST +02:00 from the last Sunday of March 01:00Z to the last
// Sunday of October 01:00Z (EU rule); America/New_York, EST -05:00 and EDT
// -04:00 from the second Sunday of March 07:00Z (02:00 EST) to the first
// Sunday of November 06:00Z (02:00 EDT) (US rule since 2007).
#pragma once

#include <segs/telemetry.hpp>
#include <segs/types.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace segs_test::model {

using namespace std::chrono;
using segs::timestamp;

enum class zone { utc, kolkata, berlin, new_york };

inline zone zone_of_region(const std::string& region) {
  if (region == "berlin") return zone::berlin;
  if (region == "ny") return zone::new_york;
  if (region == "kolkata") return zone::kolkata;
  return zone::utc;  // the test regions north, south, ...
}

inline sys_days nth_sunday(year y, month m, unsigned n) {
  return sys_days{year_month_weekday{y / m / Sunday[n]}};
}
inline sys_days last_sunday(year y, month m) {
  return sys_days{year_month_weekday_last{y / m / Sunday[last]}};
}

/// The zone's offset from UTC at instant `t` (east positive).
inline seconds offset_at(zone z, timestamp t) {
  const auto y = year_month_day{floor<days>(t)}.year();
  switch (z) {
    case zone::utc: return seconds{0};
    case zone::kolkata: return hours{5} + minutes{30};
    case zone::berlin: {
      const timestamp from = last_sunday(y, March) + hours{1}, to = last_sunday(y, October) + hours{1};
      return (t >= from && t < to) ? hours{2} : hours{1};
    }
    case zone::new_york: {
      const timestamp from = nth_sunday(y, March, 2) + hours{7}, to = nth_sunday(y, November, 1) + hours{6};
      return (t >= from && t < to) ? hours{-4} : hours{-5};
    }
  }
  return seconds{0};
}

/// The local date at instant `t`.
inline year_month_day local_date(zone z, timestamp t) {
  return year_month_day{floor<days>(t + offset_at(z, t))};
}

/// The instant of local midnight starting `d` (no zone here moves its
/// clocks at midnight, so it exists and is unique).
inline timestamp day_start(zone z, year_month_day d) {
  const timestamp naive = sys_days{d};
  for (auto off : {hours{-5}, hours{-4}, hours{0}, hours{1}, hours{2}}) {
    const timestamp candidate = naive - off;
    if (offset_at(z, candidate) == off) return candidate;
  }
  const timestamp k = naive - (hours{5} + minutes{30});
  if (offset_at(z, k) == hours{5} + minutes{30}) return k;
  throw std::logic_error("no local midnight");
}

/// A bucket (start, end].
struct span {
  timestamp start{};
  timestamp end{};
  friend auto operator<=>(const span&, const span&) = default;
};

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

/// The bucket of width `w` holding a reading stamped `t` (end of interval).
inline span bucket_of(segs::bucket_width w, zone z, timestamp t) {
  const auto before = t - microseconds{1};  // (start, end]: an instant on a boundary ends the bucket
  switch (w) {
    case segs::bucket_width::quarter_hour:
    case segs::bucket_width::hour: {
      const std::int64_t len = w == segs::bucket_width::hour ? 3'600'000'000 : 900'000'000;
      const auto s = segs::from_micros(floor_div(segs::to_micros(before), len) * len);
      return {s, s + microseconds{len}};
    }
    case segs::bucket_width::day: {
      const auto d = local_date(z, before);
      return {day_start(z, d), day_start(z, year_month_day{sys_days{d} + days{1}})};
    }
    case segs::bucket_width::month: {
      const auto d = local_date(z, before);
      const auto first = d.year() / d.month() / 1;
      return {day_start(z, first), day_start(z, year_month_day{first + months{1}})};
    }
  }
  return {};
}

/// Sum / n rounded half to even (floor division, then the tie to the even side).
inline std::int64_t mean_half_even(std::int64_t sum, std::int64_t n) {
  std::int64_t q = floor_div(sum, n);
  const std::int64_t r = sum - q * n;  // 0 <= r < n
  if (2 * r > n || (2 * r == n && q % 2 != 0)) ++q;
  return q;
}

/// What a bucket must hold: the plain values of its readings.
struct expected {
  std::int64_t consumed = 0, produced = 0, count = 0;
  std::vector<std::int64_t> power, voltage, current, pf, freq;
  std::optional<std::int64_t> peak;
  std::optional<timestamp> peak_at;

  void add(const segs::reading& r) {
    consumed += r.consumed.wh;
    produced += r.produced.wh;
    ++count;
    if (r.power_kw) power.push_back(r.power_kw->value);
    if (r.voltage) voltage.push_back(r.voltage->value);
    if (r.current) current.push_back(r.current->value);
    if (r.power_factor) pf.push_back(r.power_factor->value);
    if (r.frequency) freq.push_back(r.frequency->value);
    if (r.peak_demand_kw &&
        (!peak || r.peak_demand_kw->value > *peak || (r.peak_demand_kw->value == *peak && r.time < *peak_at))) {
      peak = r.peak_demand_kw->value;
      peak_at = r.time;
    }
  }
  void add(const expected& o) {
    consumed += o.consumed;
    produced += o.produced;
    count += o.count;
    power.insert(power.end(), o.power.begin(), o.power.end());
    voltage.insert(voltage.end(), o.voltage.begin(), o.voltage.end());
    current.insert(current.end(), o.current.begin(), o.current.end());
    pf.insert(pf.end(), o.pf.begin(), o.pf.end());
    freq.insert(freq.end(), o.freq.begin(), o.freq.end());
    if (o.peak && (!peak || *o.peak > *peak || (*o.peak == *peak && *o.peak_at < *peak_at))) {
      peak = o.peak;
      peak_at = o.peak_at;
    }
  }
};

inline std::optional<std::int64_t> min_of(const std::vector<std::int64_t>& v) {
  if (v.empty()) return std::nullopt;
  std::int64_t m = v.front();
  for (auto x : v) m = x < m ? x : m;
  return m;
}
inline std::optional<std::int64_t> max_of(const std::vector<std::int64_t>& v) {
  if (v.empty()) return std::nullopt;
  std::int64_t m = v.front();
  for (auto x : v) m = x > m ? x : m;
  return m;
}
inline std::optional<std::int64_t> mean_of(const std::vector<std::int64_t>& v) {
  if (v.empty()) return std::nullopt;
  std::int64_t s = 0;
  for (auto x : v) s += x;
  return mean_half_even(s, static_cast<std::int64_t>(v.size()));
}

inline std::string show(const std::optional<segs::milli>& v) { return v ? std::to_string(v->value) : "null"; }
inline std::string show(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "null"; }

/// The first difference between a bucket the library answered and the
/// expectation (empty when none). `with_span`: compare start and end too.
inline std::string differ(const segs::bucket& got, const expected& want, const span* s = nullptr) {
  std::ostringstream out;
  auto cmp = [&](const char* what, const std::optional<segs::milli>& g, const std::optional<std::int64_t>& w) {
    const std::optional<std::int64_t> gv = g ? std::optional<std::int64_t>(g->value) : std::nullopt;
    if (gv != w) out << what << ": got " << show(g) << ", want " << show(w) << "; ";
  };
  if (s && (got.start != s->start || got.end != s->end))
    out << "span: got (" << segs::to_rfc3339(got.start) << ", " << segs::to_rfc3339(got.end) << "], want ("
        << segs::to_rfc3339(s->start) << ", " << segs::to_rfc3339(s->end) << "]; ";
  if (got.consumed.wh != want.consumed) out << "consumed: got " << got.consumed.wh << ", want " << want.consumed << "; ";
  if (got.produced.wh != want.produced) out << "produced: got " << got.produced.wh << ", want " << want.produced << "; ";
  if (got.reading_count != want.count) out << "reading_count: got " << got.reading_count << ", want " << want.count << "; ";
  cmp("min_power_kw", got.min_power_kw, min_of(want.power));
  cmp("avg_power_kw", got.avg_power_kw, mean_of(want.power));
  cmp("max_power_kw", got.max_power_kw, max_of(want.power));
  cmp("peak_demand_kw", got.peak_demand_kw, want.peak);
  cmp("voltage_min", got.voltage_min, min_of(want.voltage));
  cmp("voltage_avg", got.voltage_avg, mean_of(want.voltage));
  cmp("voltage_max", got.voltage_max, max_of(want.voltage));
  cmp("current_avg", got.current_avg, mean_of(want.current));
  cmp("power_factor_avg", got.power_factor_avg, mean_of(want.pf));
  cmp("frequency_avg", got.frequency_avg, mean_of(want.freq));
  return out.str();
}

/// The readings of one meter, keyed by time: what the database must hold.
using readings = std::map<timestamp, segs::reading>;

/// The non-empty buckets of width `w` overlapping (range.start, range.end].
inline std::map<span, expected> buckets(const readings& rs, segs::bucket_width w, zone z,
                                        const segs::time_range& range) {
  std::map<span, expected> out;
  for (const auto& [t, r] : rs) {
    const auto b = bucket_of(w, z, t);
    if (b.start < range.end && b.end > range.start) out[b].add(r);
  }
  return out;
}

/// Everything in the quarter-hours overlapping the range, as one aggregate.
inline expected totals(const readings& rs, const segs::time_range& range) {
  expected e;
  for (const auto& [s, b] : buckets(rs, segs::bucket_width::quarter_hour, zone::utc, range)) e.add(b);
  return e;
}

}  // namespace segs_test::model
