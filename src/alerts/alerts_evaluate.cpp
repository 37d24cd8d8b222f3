// The rules on stored readings, in the transaction that stores them, and
// the offline sweep of due work.
//
// A batch reads, once: the counts (alert_state) and the open alerts of its
// meters, and the settings of its regions. Each meter's readings are then
// stepped through the rules in time order; only counts that changed are
// written back, and counts back at rest are deleted, so a grid whose meters
// are healthy keeps no rows here at all.
#include "alerts/alerts_impl.hpp"

#include "core/time_zone.hpp"
#include "storage/stores/region_store.hpp"
#include "storage/stores/telemetry_store.hpp"
#include "telemetry/aggregate.hpp"
#include "telemetry/telemetry_impl.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace segs {

namespace store = storage::alerts;
using alerts::transition;

namespace {

constexpr std::int64_t hour_us = 3'600'000'000;
constexpr std::size_t baseline_cache_limit = 100'000;  // (meter, local day) entries
// What a day's baseline's 7 previous local days can span before it: 7 days
// of up to 25 hours.
constexpr std::int64_t baseline_window_us = 7 * 25 * hour_us;

std::size_t index_of(alert_type t) { return static_cast<std::size_t>(t); }

// What the rules raise, on a reading or in the offline sweep: an active
// alert of `f` on the meter, stored; answers it with its seq.
struct raised_on {
  std::int64_t seq;
  uuid id;
  const std::string& serial;
  const std::optional<uuid>& owner;
  const std::string& region;
};
store::alert_row insert_raised(storage::transaction& tx, uuid id, const raised_on& m, alert_type type,
                               const alerts::finding& f, timestamp at) {
  store::alert_row row;
  row.meter = m.seq;
  auto& a = row.a;
  a.id = id;
  a.meter_id = m.serial;
  a.meter_uuid = m.id;
  a.user_id = m.owner;
  a.region = m.region;
  a.type = type;
  a.severity = f.severity;
  a.status = alert_status::active;
  a.message = alerts::message(type, f);
  a.value = f.value;
  a.threshold = f.threshold;
  a.occurrences = 1;
  a.first_seen_at = a.last_seen_at = at;
  row.seq = store::insert_alert(tx, row);
  return row;
}

// The open alerts and counts of a batch's meters, and what changed.
struct working_set {
  std::map<std::pair<std::int64_t, alert_type>, store::alert_row> open;
  std::map<std::pair<std::int64_t, alert_type>, alerts::counts> counts;
  std::set<std::pair<std::int64_t, alert_type>> stored;   // counts that have a row
  std::set<std::pair<std::int64_t, alert_type>> changed;  // counts to write back
};

}  // namespace

void alerts_service::impl::on_readings(storage::transaction& tx, const detail::stored_batch& batch,
                                       std::vector<event>& out) {
  // The batch's meters, and its readings in (meter, time) order.
  std::vector<const detail::stored_batch::item*> items;
  items.reserve(batch.readings.size());
  for (const auto& it : batch.readings) items.push_back(&it);
  std::sort(items.begin(), items.end(), [](const auto* a, const auto* b) {
    return a->meter_seq != b->meter_seq ? a->meter_seq < b->meter_seq : a->r->time < b->r->time;
  });
  std::vector<std::int64_t> meters;
  for (const auto* it : items)
    if (meters.empty() || meters.back() != it->meter_seq) meters.push_back(it->meter_seq);

  working_set w;
  for (auto& a : store::open_alerts_of(tx, meters)) w.open.emplace(std::pair{a.meter, a.a.type}, std::move(a));
  for (const auto& s : store::states_of(tx, meters)) {
    w.counts[{s.meter, s.type}] = {s.meeting, s.clearing, s.last};
    w.stored.insert({s.meter, s.type});
  }
  std::map<std::string, region_rules, std::less<>> rules;
  auto rules_for = [&](const std::string& region) -> const region_rules& {
    auto it = rules.find(region);
    if (it == rules.end()) it = rules.emplace(region, rules_of(tx, region)).first;
    return it->second;
  };
  const bool publish = core.wants("alerts.raised");

  auto raise = [&](const detail::stored_batch::item& it, alert_type type, const alerts::finding& f, timestamp at) {
    auto row = insert_raised(tx, core.new_id(),
                             {it.meter_seq, it.m->id, it.m->meter_id, it.m->user_id, it.m->region}, type, f, at);
    if (publish) out.push_back({0, row.a.region, alert_event{alert_event::kind::raised, row.a}});
    w.open.emplace(std::pair{row.meter, type}, std::move(row));
  };
  auto repeat = [&](store::alert_row& row, const alerts::finding& f, timestamp at) {
    auto& a = row.a;
    const auto before = a.severity;
    ++a.occurrences;
    a.last_seen_at = std::max(a.last_seen_at, at);
    // value, threshold and message describe the latest observation at the
    // alert's (worst) severity, so they always agree with each other.
    if (static_cast<int>(f.severity) >= static_cast<int>(a.severity)) {
      a.severity = f.severity;
      a.value = f.value;
      a.threshold = f.threshold;
      a.message = alerts::message(a.type, f);
    }
    store::update_alert(tx, row);
    if (publish && a.severity != before) out.push_back({0, a.region, alert_event{alert_event::kind::escalated, a}});
  };
  auto clear = [&](std::pair<std::int64_t, alert_type> key, timestamp at) {
    auto it = w.open.find(key);
    auto& a = it->second.a;
    a.status = alert_status::resolved;
    a.resolved_at = at;
    a.resolved_by.reset();
    a.resolution = alert_resolution::automatic;
    store::update_alert(tx, it->second);
    if (publish) out.push_back({0, a.region, alert_event{alert_event::kind::resolved, a}});
    w.open.erase(it);
  };
  // One observation of a rule for a meter.
  auto observe = [&](const detail::stored_batch::item& it, alert_type type, const alert_rule& rule,
                     const alerts::finding& f, timestamp at) {
    const std::pair key{it.meter_seq, type};
    const auto open = w.open.find(key);
    // At rest and staying there (the common case): nothing to count or keep.
    if (!f.met && open == w.open.end() && !w.counts.contains(key)) return;
    auto& c = w.counts[key];
    const auto was = c;
    switch (alerts::step(c, open != w.open.end(), rule, f.met, at)) {
      case transition::raise: raise(it, type, f, at); break;
      case transition::repeat: repeat(open->second, f, at); break;
      case transition::clear: clear(key, at); break;
      case transition::none: break;
    }
    if (c.meeting != was.meeting || c.clearing != was.clearing || c.last != was.last) w.changed.insert(key);
  };

  // The instantaneous rules, and offline alerts cleared by any reading.
  for (const auto* it : items) {
    const auto& s = rules_for(it->m->region).of(it->meter_seq);
    const auto found = alerts::instantaneous(s, *it->r, it->m->capacity_kw);
    for (std::size_t t = 0; t < found.size(); ++t)
      if (found[t]) observe(*it, static_cast<alert_type>(t), s.rules[t], *found[t], it->r->time);
    if (w.open.contains({it->meter_seq, alert_type::meter_offline}))
      clear({it->meter_seq, alert_type::meter_offline}, it->r->time);
  }

  // high_consumption, on each quarter-hour the batch changed: its stored
  // consumption (this batch's included) against the baseline of its local
  // hour. The newest reading of the quarter-hour is the observation's time.
  struct local_hour {
    std::int64_t day_start;  // the local day's first instant (µs)
    std::chrono::year_month_day date;
    int hour;                // wall-clock hour 0-23
    const tz::zone* zone;
  };
  struct touched {
    const detail::stored_batch::item* item;
    std::int64_t meter;
    std::int64_t start;  // µs
    timestamp newest;
    const local_hour* local = nullptr;
    std::optional<double> mean;
  };
  // Ascending (meter, start): the items are in (meter, time) order.
  std::vector<touched> quarters;
  for (const auto* it : items) {
    const auto q = to_micros(telemetry::quarter_of(it->r->time));
    if (!quarters.empty() && quarters.back().meter == it->meter_seq && quarters.back().start == q)
      quarters.back().newest = it->r->time;
    else
      quarters.push_back({it, it->meter_seq, q, it->r->time, nullptr, std::nullopt});
  }
  // The batch's quarter-hours are history of the cached baselines of the
  // days after them: those are stale now. (Every meter's, whether or not its
  // rule is enabled: it may be enabled again.) A baseline whose 7 days the
  // batch wrote into is not cached either (the batch may yet roll back).
  {
    std::lock_guard lock(baseline_mu);
    for (const auto& q : quarters)
      baselines.erase(baselines.upper_bound({q.meter, q.start}),
                      baselines.upper_bound({q.meter, q.start + baseline_window_us}));
  }
  const auto all_quarters = quarters;
  auto writes_into = [&](std::int64_t meter, std::int64_t day_start) {
    auto it = std::lower_bound(all_quarters.begin(), all_quarters.end(), std::pair{meter, day_start - baseline_window_us},
                               [](const touched& t, const std::pair<std::int64_t, std::int64_t>& k) {
                                 return std::pair{t.meter, t.start} < k;
                               });
    return it != all_quarters.end() && it->meter == meter && it->start < day_start;
  };
  std::erase_if(quarters, [&](const touched& q) {
    return !rules_for(q.item->m->region).of(q.meter).rules[index_of(alert_type::high_consumption)].enabled;
  });
  if (!quarters.empty()) {
    // Each quarter-hour's local day and hour. A batch's quarter-hours mostly
    // share a few (region, start): each is worked out once.
    std::map<std::string, tz::zone, std::less<>> zones;
    std::map<std::pair<std::string_view, std::int64_t>, local_hour> hours_of;
    const touched* prev = nullptr;
    for (auto& q : quarters) {
      const std::string& region = q.item->m->region;
      if (prev && q.start == prev->start && region == prev->item->m->region) {
        q.local = prev->local;
        prev = &q;
        continue;
      }
      auto lh = hours_of.find({region, q.start});
      if (lh == hours_of.end()) {
        auto z = zones.find(region);
        if (z == zones.end()) z = zones.emplace(region, detail::zone_of(tx, region)).first;
        const auto local = z->second.to_local(from_micros(q.start));
        const auto h = std::chrono::duration_cast<std::chrono::hours>(local.since_midnight);
        lh = hours_of
                 .emplace(std::pair{std::string_view(region), q.start},
                          local_hour{to_micros(z->second.start_of_day(local.date)), local.date,
                                     static_cast<int>(h.count()), &z->second})
                 .first;
      }
      q.local = &lh->second;
      prev = &q;
    }

    // The baselines, per meter and local day: the mean quarter-hour of each
    // wall-clock hour over the 7 previous days, from those days' hourly
    // profiles (telemetry's day_hours: a row a day). Cached ones first.
    std::vector<touched*> missing;  // the first quarter-hour of each (meter, day) not cached
    {
      std::lock_guard lock(baseline_mu);
      const touched* before = nullptr;
      const day_baseline* cached = nullptr;
      for (auto& q : quarters) {
        if (!before || before->meter != q.meter || before->local->day_start != q.local->day_start) {
          auto it = baselines.find({q.meter, q.local->day_start});
          cached = it == baselines.end() ? nullptr : &it->second;
          if (!cached) missing.push_back(&q);
        }
        before = &q;
        if (cached) q.mean = (*cached)[static_cast<std::size_t>(q.local->hour)];
      }
    }
    if (!missing.empty()) {
      std::vector<detail::meter_day> days;
      days.reserve(missing.size() * 7);
      for (const auto* q : missing)
        for (int d = 1; d <= 7; ++d)
          days.push_back({q->meter, q->local->zone,
                          std::chrono::year_month_day{std::chrono::sys_days{q->local->date} - std::chrono::days{d}}});
      const auto history = detail::day_hours(tx, days);
      std::map<std::pair<std::int64_t, std::int64_t>, day_baseline> fresh;  // (meter, day start)
      for (const auto* q : missing) {
        std::array<std::int64_t, 24> sum{}, n{}, count{};
        for (int d = 1; d <= 7; ++d) {
          const auto day = q->local->zone->start_of_day(std::chrono::sys_days{q->local->date} - std::chrono::days{d});
          auto it = history.find({q->meter, to_micros(day)});
          if (it == history.end()) continue;
          for (std::size_t h = 0; h < 24; ++h) {
            if (it->second.quarters[h] == 0) continue;
            sum[h] += it->second.wh[h];
            n[h] += it->second.quarters[h];
            ++count[h];
          }
        }
        auto& b = fresh[{q->meter, q->local->day_start}];
        for (std::size_t h = 0; h < 24; ++h)
          if (count[h] >= 3) b[h] = static_cast<double>(sum[h]) / static_cast<double>(n[h]);
      }
      for (auto& q : quarters)
        if (auto f = fresh.find({q.meter, q.local->day_start}); f != fresh.end())
          q.mean = f->second[static_cast<std::size_t>(q.local->hour)];
      std::lock_guard lock(baseline_mu);
      if (baselines.size() + fresh.size() > baseline_cache_limit) baselines.clear();
      for (const auto& [key, b] : fresh)
        if (!writes_into(key.first, key.second)) baselines[key] = b;
    }

    // Against the quarter-hours' stored consumption: the totals telemetry's
    // upserts answered, in (meter, start) order like the quarter-hours.
    std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> consumed;  // (meter, start, Wh)
    consumed.reserve(batch.quarters.size());
    for (const auto& q : batch.quarters) consumed.emplace_back(q.meter_seq, to_micros(q.start), q.consumed_wh);
    std::sort(consumed.begin(), consumed.end());
    auto c = consumed.begin();
    for (const auto& q : quarters) {
      while (c != consumed.end() && std::pair{std::get<0>(*c), std::get<1>(*c)} < std::pair{q.meter, q.start}) ++c;
      const bool stored = c != consumed.end() && std::get<0>(*c) == q.meter && std::get<1>(*c) == q.start;
      const auto& s = rules_for(q.item->m->region).of(q.meter);
      if (auto f = alerts::high_consumption(s, stored ? std::get<2>(*c) : 0, q.mean))
        observe(*q.item, alert_type::high_consumption, s.rules[index_of(alert_type::high_consumption)], *f,
                q.newest);
    }
  }

  // The counts that changed: written, or deleted back at rest.
  std::vector<store::state_row> put;
  std::vector<std::pair<std::int64_t, alert_type>> drop;
  for (const auto& key : w.changed) {
    const auto& c = w.counts[key];
    if (c.at_rest()) {
      if (w.stored.contains(key)) drop.push_back(key);
    } else {
      put.push_back({key.first, key.second, c.meeting, c.clearing, c.last.value_or(timestamp{})});
    }
  }
  store::put_states(tx, put);
  store::drop_states(tx, drop);
}

std::int64_t alerts_service::impl::sweep_offline() {
  const auto now = core.now();
  std::vector<event> events;
  const bool publish = core.wants("alerts.raised");
  bool mailed = false;
  const auto raised = core.write([&](storage::transaction& tx) {
    events.clear();
    std::int64_t n = 0;
    for (const auto& region : storage::regions::all(tx)) {
      const auto rules = rules_of(tx, region.code);
      // The shortest limit of the region and its meters finds every
      // candidate; each is then held to its own limit.
      std::int64_t shortest = rules.region.offline_after_minutes;
      bool any_enabled = rules.region.rules[index_of(alert_type::meter_offline)].enabled;
      for (const auto& [m, s] : rules.meters) {
        shortest = std::min(shortest, s.offline_after_minutes);
        any_enabled = any_enabled || s.rules[index_of(alert_type::meter_offline)].enabled;
      }
      if (!any_enabled) continue;
      auto open = storage::alerts::meters_with_open(tx, region.code, alert_type::meter_offline);
      std::sort(open.begin(), open.end());
      for (const auto& m : storage::telemetry::silent_meters(tx, region.code, now - std::chrono::minutes{shortest})) {
        if (std::binary_search(open.begin(), open.end(), m.seq)) continue;
        const auto& s = rules.of(m.seq);
        if (!s.rules[index_of(alert_type::meter_offline)].enabled) continue;
        const auto f = alerts::offline(s, now - m.last_heard);
        if (!f.met) continue;
        const auto row = insert_raised(tx, core.new_id(), {m.seq, m.id, m.meter_id, m.user_id, region.code},
                                       alert_type::meter_offline, f, now);
        if (publish) events.push_back({0, row.a.region, alert_event{alert_event::kind::raised, row.a}});
        ++n;
      }
    }
    mailed = core.tell(tx, events);
    return n;
  });
  core.publish(std::move(events), mailed);
  return raised;
}

}  // namespace segs
