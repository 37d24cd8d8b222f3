// Energy analytics: consumption, production, net and self-sufficiency per
// local day, from telemetry's quarter-hours (a user's meters while they held
// them, as billing reads them; a region's kept totals).
#include "analytics/analytics_impl.hpp"

#include "storage/stores/telemetry_store.hpp"

#include <algorithm>
#include <map>

namespace segs {

namespace {

// The scope's consumption and production per quarter-hour start (µs).
std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> quarters_of(storage::transaction& tx,
                                                                          const analytics::target& t) {
  namespace tel = storage::telemetry;
  std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> out;
  const auto& h = t.header;
  if (h.scope == analytics_scope::region) {
    for (const auto& q : tel::region_quarters(tx, h.region, h.start, h.end)) {
      auto& e = out[to_micros(q.start)];
      e.first += q.consumed_wh;
      e.second += q.produced_wh;
    }
    return out;
  }
  // A bucket's energy belongs to whoever held the meter at its start.
  std::vector<tel::meter_holding> mine;
  for (auto& m : tel::holdings_of_region(tx, h.region, h.start, h.end))
    if (m.user == *h.user_id) mine.push_back(m);
  std::vector<std::int64_t> meters;
  for (const auto& m : mine) meters.push_back(m.meter);
  std::sort(meters.begin(), meters.end());
  meters.erase(std::unique(meters.begin(), meters.end()), meters.end());
  if (meters.empty()) return out;
  for (const auto& f : tel::quarter_flows(tx, meters, h.start, h.end)) {
    const bool held = std::any_of(mine.begin(), mine.end(), [&](const tel::meter_holding& m) {
      return m.meter == f.meter && (!m.from || *m.from <= f.start) && (!m.to || f.start < *m.to);
    });
    if (!held) continue;
    auto& e = out[to_micros(f.start)];
    e.first += f.consumed_wh;
    e.second += f.produced_wh;
  }
  return out;
}

}  // namespace

energy_analytics analytics_service::impl::energy_of(storage::transaction& tx, const target& t) {
  energy_analytics out;
  out.header = t.header;
  std::vector<analytics::self_sufficiency> per_day(t.days.size());
  analytics::self_sufficiency total;
  for (const auto& [start, e] : quarters_of(tx, t)) {
    const auto d = analytics::bucket_of(t.days, from_micros(start));
    if (!d) continue;
    per_day[*d].add_quarter(e.first, e.second);
    total.add_quarter(e.first, e.second);
  }
  for (std::size_t i = 0; i < t.days.size(); ++i)
    out.days.push_back({t.days[i].date, t.days[i].start, t.days[i].end, per_day[i].figures()});
  out.total = total.figures();
  return out;
}

}  // namespace segs
