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
#include "storage/stores/telemetry_blocks.hpp"
#include "storage/stores/telemetry_store.hpp"
#include "telemetry/aggregate.hpp"
#include "telemetry/telemetry_impl.hpp"

#include <algorithm>
#include <set>

namespace segs {

namespace store = storage::alerts;
using alerts::transition;

namespace {

constexpr std::int64_t hour_us = 3'600'000'000;
constexpr std::size_t baseline_cache_limit = 200'000;
// What a baseline's 7 local days can span before its hour: 7 days of up to
// 25 hours, and the hour itself.
constexpr std::int64_t baseline_window_us = (7 * 25 + 1) * hour_us;

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
  const bool publish = core.events.wanted("alerts.raised");

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
  struct touched {
    const detail::stored_batch::item* item;
    timestamp start;
    timestamp newest;
  };
  std::map<std::pair<std::int64_t, std::int64_t>, touched> quarters;  // (meter, start)
  for (const auto* it : items) {
    if (!rules_for(it->m->region).of(it->meter_seq).rules[index_of(alert_type::high_consumption)].enabled) continue;
    const auto q = telemetry::quarter_of(it->r->time);
    auto [pos, fresh] = quarters.try_emplace({it->meter_seq, to_micros(q)}, touched{it, q, it->r->time});
    if (!fresh) pos->second.newest = std::max(pos->second.newest, it->r->time);
  }
  if (!quarters.empty()) {
    // The quarter-hours' stored consumption.
    // Telemetry hands over the totals its upserts answered.
    std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> consumed;
    for (const auto& q : batch.quarters) consumed[{q.meter_seq, to_micros(q.start)}] = q.consumed_wh;

    // The baselines not cached yet: each local hour's 7 previous days.
    std::map<std::string, tz::zone, std::less<>> zones;
    auto zone = [&](const std::string& region) -> const tz::zone& {
      auto it = zones.find(region);
      if (it == zones.end()) it = zones.emplace(region, detail::zone_of(tx, region)).first;
      return it->second;
    };
    struct wanted_baseline {
      std::int64_t meter;
      std::int64_t hour_start;              // the local hour's first instant (µs)
      std::vector<std::int64_t> day_starts;  // the same local hour on each previous day
    };
    std::vector<wanted_baseline> missing;
    std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> hour_of;  // quarter -> local hour start
    // The batch's own quarter-hours per meter: a baseline whose 7 days they
    // fall in is not cached (the batch may yet roll back, and its readings
    // are history a cached mean would lack).
    std::map<std::int64_t, std::vector<std::int64_t>> written;
    for (const auto* it : items) written[it->meter_seq].push_back(to_micros(telemetry::quarter_of(it->r->time)));
    auto writes_into = [&](std::int64_t meter, std::int64_t hour_start) {
      for (const auto q : written[meter])
        if (q < hour_start && q >= hour_start - baseline_window_us) return true;
      return false;
    };
    {
      std::lock_guard lock(baseline_mu);
      // Cached baselines this batch's readings are history of are stale.
      for (const auto& [meter, qs] : written)
        for (const auto q : qs)
          baselines.erase(baselines.upper_bound({meter, q}), baselines.upper_bound({meter, q + baseline_window_us}));
      // A batch's quarter-hours mostly share a few starts: each (region,
      // start)'s local hour and its previous days are worked out once.
      struct local_hour {
        std::int64_t start;
        std::vector<std::int64_t> day_starts;
      };
      std::map<std::pair<std::string_view, std::int64_t>, local_hour> hours_of;
      for (const auto& [k, q] : quarters) {
        const std::string_view region = q.item->m->region;
        auto lh = hours_of.find({region, k.second});
        if (lh == hours_of.end()) {
          const auto& z = zone(q.item->m->region);
          const auto local = z.to_local(q.start);
          const auto h = std::chrono::duration_cast<std::chrono::hours>(local.since_midnight);
          local_hour v{to_micros(z.from_local(local.date, h)), {}};
          for (int d = 1; d <= 7; ++d)
            v.day_starts.push_back(
                to_micros(z.from_local(std::chrono::sys_days{local.date} - std::chrono::days{d}, h)));
          lh = hours_of.emplace(std::pair{region, k.second}, std::move(v)).first;
        }
        hour_of[k] = lh->second.start;
        if (baselines.contains({k.first, lh->second.start})) continue;
        missing.push_back({k.first, lh->second.start, lh->second.day_starts});
      }
    }
    std::map<std::pair<std::int64_t, std::int64_t>, std::optional<double>> mean_of_hour;  // (meter, hour)
    if (!missing.empty()) {
      std::set<std::pair<std::int64_t, std::int64_t>> blocks;  // (meter, hour block)
      for (const auto& b : missing)
        for (const auto s : b.day_starts) {
          blocks.insert({b.meter, storage::telemetry::block_of(s, hour_us)});
          blocks.insert({b.meter, storage::telemetry::block_of(s + hour_us - 1, hour_us)});
        }
      std::map<std::int64_t, std::vector<std::pair<std::int64_t, std::int64_t>>> history;  // meter -> (start, Wh)
      for (const auto& e : storage::telemetry::quarter_energy_in_hours(
               tx, std::vector<std::pair<std::int64_t, std::int64_t>>(blocks.begin(), blocks.end())))
        history[e.meter].emplace_back(to_micros(e.start), e.consumed_wh);
      for (const auto& b : missing) {
        std::int64_t sum = 0, n = 0, days = 0;
        const auto& h = history[b.meter];
        for (const auto s : b.day_starts) {
          bool any = false;
          for (const auto& [start, wh] : h)
            if (start >= s && start < s + hour_us) {
              sum += wh;
              ++n;
              any = true;
            }
          days += any ? 1 : 0;
        }
        std::optional<double> mean;
        if (days >= 3 && n > 0) mean = static_cast<double>(sum) / static_cast<double>(n);
        mean_of_hour[{b.meter, b.hour_start}] = mean;
      }
      std::lock_guard lock(baseline_mu);
      if (baselines.size() > baseline_cache_limit) baselines.clear();
      for (const auto& [key, mean] : mean_of_hour)
        if (!writes_into(key.first, key.second)) baselines[key] = mean;
    }
    std::map<std::pair<std::int64_t, std::int64_t>, std::optional<double>> mean_of;
    {
      std::lock_guard lock(baseline_mu);
      for (const auto& [k, h] : hour_of) {
        if (auto fresh = mean_of_hour.find({k.first, h}); fresh != mean_of_hour.end()) {
          mean_of[k] = fresh->second;
        } else {
          auto it = baselines.find({k.first, h});
          mean_of[k] = it == baselines.end() ? std::nullopt : it->second;
        }
      }
    }
    for (const auto& [k, q] : quarters) {
      const auto& s = rules_for(q.item->m->region).of(k.first);
      auto stored = consumed.find(k);
      const auto wh = stored == consumed.end() ? 0 : stored->second;
      if (auto f = alerts::high_consumption(s, wh, mean_of[k]))
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
  const bool publish = core.events.wanted("alerts.raised");
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
    return n;
  });
  core.events.publish(std::move(events));
  return raised;
}

}  // namespace segs
