// Each stored local day's consumption per wall-clock hour (meter_days.hours):
// read where it has been computed, computed from the quarter-hours and
// stored where not, and the hours a later merge touched (`dirty`) computed
// again. A day is computed once, so a reader of many days' hours (alerts'
// 7-day baselines) seeks one row a day instead of one block an hour, and a
// late reading costs its hour again, not its day.
#include "telemetry/telemetry_impl.hpp"

#include <map>
#include <vector>

namespace segs::detail {

namespace store = storage::telemetry;

std::map<std::pair<std::int64_t, std::int64_t>, store::day_hours> day_hours(storage::transaction& tx,
                                                                           const std::vector<meter_day>& days) {
  std::map<std::pair<std::int64_t, std::int64_t>, const meter_day*> by_key;  // (meter, day start)
  std::vector<std::pair<std::int64_t, timestamp>> keys;
  for (const auto& d : days) {
    const auto start = d.zone->start_of_day(d.date);
    if (by_key.emplace(std::pair{d.meter, to_micros(start)}, &d).second) keys.emplace_back(d.meter, start);
  }
  auto stored = store::day_hours_of(tx, keys);

  // The days not computed since they last changed: each wall-clock hour's
  // window, as tz::zone::from_local reads h:00 (a skipped hour reads like
  // the hour after the gap, so both show the same quarter-hours).
  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::pair<std::size_t, int>>> wanted;  // -> (day, hour)
  std::vector<std::pair<std::int64_t, timestamp>> hour_keys;
  std::vector<std::size_t> fresh;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    auto& s = stored[i];
    if (s.hours && s.dirty == 0) continue;
    fresh.push_back(i);
    const auto& d = *by_key.at({s.meter, to_micros(s.start)});
    const auto windows = hour_windows(*d.zone, d.date);
    for (int h = 0; h < 24; ++h) {
      // Never computed: every hour; computed: the hours changed since.
      if (s.hours && !(s.dirty & (std::int64_t{1} << h))) continue;
      const auto at = windows[static_cast<std::size_t>(h)];
      auto& w = wanted[{s.meter, to_micros(at)}];
      if (w.empty()) hour_keys.emplace_back(s.meter, at);
      w.emplace_back(i, h);
    }
    if (!s.hours) s.hours.emplace();
    for (int h = 0; h < 24; ++h)
      if (s.dirty & (std::int64_t{1} << h)) {
        s.hours->wh[static_cast<std::size_t>(h)] = 0;  // an hour with no quarter-hours left answers no row
        s.hours->quarters[static_cast<std::size_t>(h)] = 0;
      }
  }
  if (!hour_keys.empty()) {
    std::vector<store::stored_day_hours> computed;
    for (const auto& e : store::hours_energy(tx, hour_keys))
      for (const auto& [i, h] : wanted.at({e.meter, to_micros(e.start)})) {
        stored[i].hours->wh[static_cast<std::size_t>(h)] = e.consumed_wh;
        stored[i].hours->quarters[static_cast<std::size_t>(h)] = static_cast<std::int32_t>(e.quarters);
      }
    computed.reserve(fresh.size());
    for (const auto i : fresh) computed.push_back(stored[i]);
    store::put_day_hours(tx, computed);
  }

  std::map<std::pair<std::int64_t, std::int64_t>, store::day_hours> out;
  for (auto& s : stored) out.emplace(std::pair{s.meter, to_micros(s.start)}, *s.hours);
  return out;
}

std::array<timestamp, 24> hour_windows(const tz::zone& z, std::chrono::year_month_day date) {
  std::array<timestamp, 24> out{};
  for (int h = 0; h < 24; ++h) out[static_cast<std::size_t>(h)] = z.from_local(date, std::chrono::hours{h});
  return out;
}

std::int64_t hours_touched::of(const tz::zone& z, timestamp day_start, timestamp quarter) {
  auto key = std::pair{static_cast<const void*>(&z), to_micros(day_start)};
  auto it = windows_.find(key);
  if (it == windows_.end()) it = windows_.emplace(key, hour_windows(z, z.date_of(day_start))).first;
  std::int64_t bits = 0;
  for (std::size_t h = 0; h < 24; ++h)
    if (it->second[h] <= quarter && quarter < it->second[h] + std::chrono::hours{1}) bits |= std::int64_t{1} << h;
  return bits;
}

}  // namespace segs::detail
