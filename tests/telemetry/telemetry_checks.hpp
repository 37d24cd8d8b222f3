// Checks shared by the telemetry correctness tests: the buckets, stats,
// daily totals, region stats and top consumers the library answers, compared
// with telemetry_model.hpp's recomputation from raw readings.
#pragma once

#include "telemetry/telemetry_fixture.hpp"
#include "telemetry/telemetry_model.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace segs_test {

inline constexpr segs::bucket_width all_widths[] = {segs::bucket_width::quarter_hour, segs::bucket_width::hour, segs::bucket_width::day,
                                       segs::bucket_width::month};

inline bool same_reading(const segs::reading& a, const segs::reading& b) {
  return a.time == b.time && a.consumed == b.consumed && a.produced == b.produced && a.power_kw == b.power_kw &&
         a.peak_demand_kw == b.peak_demand_kw && a.voltage == b.voltage && a.current == b.current &&
         a.power_factor == b.power_factor && a.frequency == b.frequency && a.metadata == b.metadata;
}

inline std::string range_text(const segs::time_range& r) {
  return "(" + segs::to_rfc3339(r.start) + ", " + segs::to_rfc3339(r.end) + "]";
}

// Every raw reading of a meter in the range, through the public API.
inline std::vector<segs::stored_reading> all_readings(segs::telemetry_service& t, const segs::principal& who,
                                               const std::string& meter, segs::time_range range) {
  std::vector<segs::stored_reading> out;
  for (int p = 1;; ++p) {
    auto page = t.readings(who, meter, range, {p, 100});
    REQUIRE_MESSAGE(page.has_value(), (page ? "" : page.error().message));
    out.insert(out.end(), page->items.begin(), page->items.end());
    if (p >= page->total_pages()) break;
  }
  return out;
}

// The buckets the library answers against the model, every width.
inline void check_buckets(telemetry_fixture& f, const std::string& serial, model::zone z, const model::readings& rs,
                   segs::time_range range) {
  for (auto w : all_widths) {
    INFO("meter " << serial << ", width " << segs::to_string(w) << ", range " << range_text(range));
    auto got = f.tel().history(f.admin, serial, range, w);
    REQUIRE_MESSAGE(got.has_value(), (got ? "" : got.error().message));
    const auto want = model::buckets(rs, w, z, range);
    CHECK(got->size() == want.size());
    auto it = want.begin();
    for (std::size_t i = 0; i < got->size() && it != want.end(); ++i, ++it) {
      const auto d = model::differ((*got)[i], it->second, &it->first);
      CHECK_MESSAGE(d.empty(), "bucket " << i << " starting " << segs::to_rfc3339(it->first.start) << ": " << d);
    }
  }
  // Stats: the quarter-hours overlapping the range as one bucket.
  auto s = f.tel().stats(f.admin, serial, range);
  REQUIRE(s);
  const auto t = model::totals(rs, range);
  const model::span whole{range.start, range.end};
  INFO("stats of " << serial << " over " << range_text(range));
  const auto d = model::differ(s->totals, t, &whole);
  CHECK_MESSAGE(d.empty(), d);
  CHECK(s->peak_at == t.peak_at);
  CHECK(s->meter_id == serial);
  // Daily: local dates of the day buckets.
  auto days = f.tel().daily(f.admin, serial, range);
  REQUIRE(days);
  const auto want_days = model::buckets(rs, segs::bucket_width::day, z, range);
  REQUIRE(days->size() == want_days.size());
  std::size_t i = 0;
  for (const auto& [sp, e] : want_days) {
    const auto& got = (*days)[i++];
    CHECK(got.date == model::local_date(z, sp.start));
    CHECK(got.consumed.wh == e.consumed);
    CHECK(got.produced.wh == e.produced);
    CHECK((got.peak_demand_kw ? std::optional<std::int64_t>(got.peak_demand_kw->value) : std::nullopt) == e.peak);
  }
}

struct region_model {
  std::vector<std::string> serials;
  std::vector<const model::readings*> readings;
};

inline void check_region(telemetry_fixture& f, const std::string& region, const region_model& rm,
                  segs::time_range range) {
  INFO("region " << region << " over " << range_text(range));
  // The region's quarter-hours, summed over its meters.
  std::map<model::span, model::expected> quarters;
  std::map<std::string, std::pair<bool, std::int64_t>> per_meter;  // serial -> (reporting, consumed)
  for (std::size_t m = 0; m < rm.serials.size(); ++m)
    for (const auto& [sp, e] : model::buckets(*rm.readings[m], segs::bucket_width::quarter_hour, model::zone::utc, range)) {
      quarters[sp].add(e);
      auto& pm = per_meter[rm.serials[m]];
      pm.first = true;
      pm.second += e.consumed;
    }
  std::int64_t consumed = 0, produced = 0;
  std::optional<std::int64_t> peak;
  std::optional<segs::timestamp> peak_at;
  for (const auto& [sp, e] : quarters) {
    consumed += e.consumed;
    produced += e.produced;
    const auto net = e.consumed - e.produced;
    if (!peak || net > *peak) {
      peak = net;
      peak_at = sp.end;
    }
  }
  auto s = f.tel().stats_of_region(f.admin, region, range);
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
  CHECK(s->region == region);
  CHECK(s->meters_total == static_cast<std::int64_t>(rm.serials.size()));
  CHECK(s->meters_reporting == static_cast<std::int64_t>(per_meter.size()));
  CHECK(s->consumed.wh == consumed);
  CHECK(s->produced.wh == produced);
  CHECK((s->peak_load_kw ? std::optional<std::int64_t>(s->peak_load_kw->value) : std::nullopt) ==
        (peak ? std::optional<std::int64_t>(*peak * 4) : std::nullopt));
  CHECK(s->peak_at == peak_at);

  // Top consumers: by consumption over the same quarter-hours, ties by serial.
  std::vector<std::pair<std::int64_t, std::string>> order;
  for (const auto& [serial, pm] : per_meter) order.emplace_back(-pm.second, serial);
  std::sort(order.begin(), order.end());
  auto top = f.tel().top_consumers(f.admin, region, range, 100);
  REQUIRE_MESSAGE(top.has_value(), (top ? "" : top.error().message));
  REQUIRE(top->size() == order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    CHECK((*top)[i].rank == static_cast<int>(i + 1));
    CHECK((*top)[i].meter_id == order[i].second);
    CHECK((*top)[i].consumed.wh == -order[i].first);
  }
}

}  // namespace segs_test
