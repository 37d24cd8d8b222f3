// Aggregates against a from-scratch recomputation (issue 12, section 8):
// randomized ingestion (in order, shuffled, random batches, duplicates,
// conflicting repeats, late data, corrections) across day, month and DST
// boundaries in four zones, then every bucket width, stats, daily, monthly,
// region stats and top consumers compared with telemetry_model.hpp, which
// computes the expected buckets from the readings the test kept. Then the
// named cases: boundaries, 23- and 25-hour days, a half-hour zone, local
// months, refused batches that change nothing, late readings, retention.
#include "telemetry/telemetry_fixture.hpp"
#include "telemetry/telemetry_model.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>

using namespace segs_test;
using segs::bucket_width;
using segs::errc;
using segs::milli;
using segs::timestamp;
using namespace std::chrono;
namespace mdl = segs_test::model;

namespace {

constexpr bucket_width all_widths[] = {bucket_width::quarter_hour, bucket_width::hour, bucket_width::day,
                                       bucket_width::month};

bool same_reading(const segs::reading& a, const segs::reading& b) {
  return a.time == b.time && a.consumed == b.consumed && a.produced == b.produced && a.power_kw == b.power_kw &&
         a.peak_demand_kw == b.peak_demand_kw && a.voltage == b.voltage && a.current == b.current &&
         a.power_factor == b.power_factor && a.frequency == b.frequency && a.metadata == b.metadata;
}

std::uint64_t test_seed() {
  if (const char* s = std::getenv("SEGS_TELEMETRY_SEED")) return std::strtoull(s, nullptr, 10);
  return 20251026;
}

std::int64_t pick(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
}

segs::reading random_reading(std::mt19937_64& rng, timestamp t) {
  segs::reading r;
  r.time = t;
  r.consumed = segs::energy{pick(rng, 0, 2000)};
  r.produced = segs::energy{rng() % 5 < 2 ? pick(rng, 0, 1500) : 0};
  auto maybe = [&](int percent, std::int64_t lo, std::int64_t hi) -> std::optional<milli> {
    if (static_cast<int>(rng() % 100) >= percent) return std::nullopt;
    return milli{pick(rng, lo, hi)};
  };
  r.power_kw = maybe(75, -5'000, 8'000);
  if (auto p = maybe(50, 0, 5)) r.peak_demand_kw = milli{p->value * 1'000};  // few values: ties
  r.voltage = maybe(60, 225'000, 235'000);
  r.current = maybe(50, 0, 40'000);
  r.power_factor = maybe(50, 800, 1'000);
  r.frequency = maybe(50, 49'900, 50'100);
  if (rng() % 20 == 0) r.metadata = "{\"src\":\"ami\"}";
  return r;
}

// A different reading at the same time: a conflicting repeat.
segs::reading altered(std::mt19937_64& rng, segs::reading r) {
  switch (rng() % 3) {
    case 0: r.consumed = segs::energy{r.consumed.wh + 1}; break;
    case 1: r.voltage = r.voltage ? std::optional<milli>{} : milli{231'000}; break;
    default: r.power_kw = milli{r.power_kw ? r.power_kw->value + 1 : 1}; break;
  }
  return r;
}

std::string range_text(const segs::time_range& r) {
  return "(" + segs::to_rfc3339(r.start) + ", " + segs::to_rfc3339(r.end) + "]";
}

// Every raw reading of a meter in the range, through the public API.
std::vector<segs::stored_reading> all_readings(segs::telemetry_service& t, const segs::principal& who,
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
void check_buckets(telemetry_fixture& f, const std::string& serial, mdl::zone z, const mdl::readings& rs,
                   segs::time_range range) {
  for (auto w : all_widths) {
    INFO("meter " << serial << ", width " << segs::to_string(w) << ", range " << range_text(range));
    auto got = f.tel().history(f.admin, serial, range, w);
    REQUIRE_MESSAGE(got.has_value(), (got ? "" : got.error().message));
    const auto want = mdl::buckets(rs, w, z, range);
    CHECK(got->size() == want.size());
    auto it = want.begin();
    for (std::size_t i = 0; i < got->size() && it != want.end(); ++i, ++it) {
      const auto d = mdl::differ((*got)[i], it->second, &it->first);
      CHECK_MESSAGE(d.empty(), "bucket " << i << " starting " << segs::to_rfc3339(it->first.start) << ": " << d);
    }
  }
  // Stats: the quarter-hours overlapping the range as one bucket.
  auto s = f.tel().stats(f.admin, serial, range);
  REQUIRE(s);
  const auto t = mdl::totals(rs, range);
  const mdl::span whole{range.start, range.end};
  INFO("stats of " << serial << " over " << range_text(range));
  const auto d = mdl::differ(s->totals, t, &whole);
  CHECK_MESSAGE(d.empty(), d);
  CHECK(s->peak_at == t.peak_at);
  CHECK(s->meter_id == serial);
  // Daily: local dates of the day buckets.
  auto days = f.tel().daily(f.admin, serial, range);
  REQUIRE(days);
  const auto want_days = mdl::buckets(rs, bucket_width::day, z, range);
  REQUIRE(days->size() == want_days.size());
  std::size_t i = 0;
  for (const auto& [sp, e] : want_days) {
    const auto& got = (*days)[i++];
    CHECK(got.date == mdl::local_date(z, sp.start));
    CHECK(got.consumed.wh == e.consumed);
    CHECK(got.produced.wh == e.produced);
    CHECK((got.peak_demand_kw ? std::optional<std::int64_t>(got.peak_demand_kw->value) : std::nullopt) == e.peak);
  }
}

struct region_model {
  std::vector<std::string> serials;
  std::vector<const mdl::readings*> readings;
};

void check_region(telemetry_fixture& f, const std::string& region, const region_model& rm,
                  segs::time_range range) {
  INFO("region " << region << " over " << range_text(range));
  // The region's quarter-hours, summed over its meters.
  std::map<mdl::span, mdl::expected> quarters;
  std::map<std::string, std::pair<bool, std::int64_t>> per_meter;  // serial -> (reporting, consumed)
  for (std::size_t m = 0; m < rm.serials.size(); ++m)
    for (const auto& [sp, e] : mdl::buckets(*rm.readings[m], bucket_width::quarter_hour, mdl::zone::utc, range)) {
      quarters[sp].add(e);
      auto& pm = per_meter[rm.serials[m]];
      pm.first = true;
      pm.second += e.consumed;
    }
  std::int64_t consumed = 0, produced = 0;
  std::optional<std::int64_t> peak;
  std::optional<timestamp> peak_at;
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

struct meter_plan {
  std::string serial, region;
  timestamp from, to;  // readings in (from, to]
};

}  // namespace

TEST_CASE("telemetry: randomized ingestion, aggregates equal a recomputation from the raw readings") {
  const auto seed = test_seed();
  INFO("seed " << seed << " (set SEGS_TELEMETRY_SEED to replay)");
  std::mt19937_64 rng(seed);
  telemetry_fixture f;
  f.clock->set(at("2025-11-10T00:00:00Z"));
  const auto sys = segs::principal::system();

  // Windows around each zone's DST changes and month ends.
  const std::vector<meter_plan> plans{
      {"BER_S", "berlin", at("2025-03-25T00:00:00Z"), at("2025-04-04T00:00:00Z")},
      {"BER_F", "berlin", at("2025-10-22T00:00:00Z"), at("2025-11-03T00:00:00Z")},
      {"BER_F2", "berlin", at("2025-10-24T00:00:00Z"), at("2025-10-29T00:00:00Z")},
      {"NY_S", "ny", at("2025-03-03T00:00:00Z"), at("2025-03-13T00:00:00Z")},
      {"NY_F", "ny", at("2025-10-27T00:00:00Z"), at("2025-11-06T00:00:00Z")},
      {"KOL_1", "kolkata", at("2025-10-25T00:00:00Z"), at("2025-11-04T00:00:00Z")},
      {"KOL_2", "kolkata", at("2025-03-26T00:00:00Z"), at("2025-04-03T00:00:00Z")},
      {"UTC_1", "north", at("2025-03-27T00:00:00Z"), at("2025-04-05T00:00:00Z")},
  };
  std::vector<mdl::zone> zones;
  for (const auto& p : plans) {
    f.meter(p.serial, p.region);
    zones.push_back(mdl::zone_of_region(p.region));
  }

  // The readings each meter will send: boundary instants (local midnights
  // and one second around them, DST transitions, quarter boundaries) and
  // random minute- and second-aligned times.
  std::vector<segs::meter_reading> fresh;
  for (std::size_t m = 0; m < plans.size(); ++m) {
    const auto& p = plans[m];
    std::set<timestamp> times;
    for (auto d = mdl::local_date(zones[m], p.from); sys_days{d} <= floor<days>(p.to);
         d = year_month_day{sys_days{d} + days{1}}) {
      const auto midnight = mdl::day_start(zones[m], d);
      for (auto t : {midnight, midnight + seconds{1}, midnight - seconds{1}, midnight + minutes{15}})
        if (t > p.from && t <= p.to) times.insert(t);
    }
    for (auto t : {at("2025-03-30T01:00:00Z"), at("2025-10-26T01:00:00Z"), at("2025-03-09T07:00:00Z"),
                   at("2025-11-02T06:00:00Z")})
      if (t > p.from && t <= p.to) times.insert(t);
    const auto span_s = duration_cast<seconds>(p.to - p.from).count();
    while (times.size() < 260) {
      const auto s = pick(rng, 1, span_s);
      switch (rng() % 3) {
        case 0: times.insert(p.from + seconds{s}); break;
        case 1: times.insert(p.from + minutes{(s + 59) / 60}); break;
        default: times.insert(p.from + minutes{15 * ((s + 899) / 900)}); break;  // on a quarter boundary
      }
    }
    for (auto t : times) fresh.push_back({p.serial, random_reading(rng, t), {}});
  }
  std::map<std::string, std::size_t> index_of;
  for (std::size_t m = 0; m < plans.size(); ++m) index_of[plans[m].serial] = m;

  // What the database must hold, and the submissions so far (for repeats).
  std::vector<mdl::readings> model(plans.size());
  std::vector<std::pair<std::size_t, timestamp>> sent;
  std::size_t batches = 0, n_dup = 0, n_conflict = 0;

  auto send = [&](const std::vector<segs::meter_reading>& rows) {
    std::int64_t accepted = 0, duplicates = 0;
    std::vector<std::size_t> rejected;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      auto& mr = model[index_of.at(rows[i].meter)];
      auto it = mr.find(rows[i].values.time);
      if (it == mr.end()) {
        mr.emplace(rows[i].values.time, rows[i].values);
        sent.emplace_back(index_of.at(rows[i].meter), rows[i].values.time);
        ++accepted;
      } else if (same_reading(it->second, rows[i].values)) {
        ++duplicates;
      } else {
        rejected.push_back(i);
      }
    }
    auto rep = f.tel().ingest(sys, rows);
    REQUIRE_MESSAGE(rep.has_value(), (rep ? "" : rep.error().message));
    INFO("batch " << batches << " of " << rows.size() << " rows");
    CHECK(rep->accepted == accepted);
    CHECK(rep->duplicates == duplicates);
    REQUIRE(rep->rejected.size() == rejected.size());
    for (std::size_t i = 0; i < rejected.size(); ++i) {
      CHECK(rep->rejected[i].index == rejected[i]);
      CHECK(rep->rejected[i].code == errc::conflict);
      CHECK(rep->rejected[i].field == "time");
    }
    ++batches;
  };

  // 1. Forty percent in time order, in random batch sizes, meters mixed.
  std::shuffle(fresh.begin(), fresh.end(), rng);
  const auto split = fresh.size() * 2 / 5;
  std::vector<segs::meter_reading> ordered(fresh.begin(), fresh.begin() + static_cast<std::ptrdiff_t>(split));
  std::vector<segs::meter_reading> shuffled(fresh.begin() + static_cast<std::ptrdiff_t>(split), fresh.end());
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.values.time < b.values.time; });
  for (std::size_t at_ = 0; at_ < ordered.size();) {
    const auto n = std::min<std::size_t>(ordered.size() - at_, static_cast<std::size_t>(pick(rng, 1, 250)));
    send({ordered.begin() + static_cast<std::ptrdiff_t>(at_), ordered.begin() + static_cast<std::ptrdiff_t>(at_ + n)});
    at_ += n;
  }
  // 2. The rest shuffled (late and out of order), with exact repeats of
  // stored or same-batch readings and conflicting repeats mixed in.
  for (std::size_t at_ = 0; at_ < shuffled.size();) {
    const auto n = std::min<std::size_t>(shuffled.size() - at_, static_cast<std::size_t>(pick(rng, 1, 300)));
    std::vector<segs::meter_reading> rows;
    for (std::size_t i = 0; i < n; ++i) {
      rows.push_back(shuffled[at_ + i]);
      if (rng() % 8 == 0 && !sent.empty()) {
        const auto& [m, t] = sent[rng() % sent.size()];
        const auto& stored = model[m].at(t);
        rows.push_back({plans[m].serial, rng() % 2 ? stored : altered(rng, stored), {}});
      }
      if (rng() % 10 == 0) {  // a repeat of a row of this batch
        const auto& prev = rows[rng() % rows.size()];
        rows.push_back({prev.meter, rng() % 2 ? prev.values : altered(rng, prev.values), {}});
      }
    }
    std::shuffle(rows.begin() + static_cast<std::ptrdiff_t>(rows.size() / 2), rows.end(), rng);
    for (const auto& r : rows) {
      auto& mr = model[index_of.at(r.meter)];
      auto it = mr.find(r.values.time);
      if (it != mr.end()) (same_reading(it->second, r.values) ? n_dup : n_conflict)++;
    }
    send(rows);
    at_ += n;
  }
  CHECK(n_dup > 20);
  CHECK(n_conflict > 20);

  // 3. Corrections: per meter, the readings holding the lowest power and
  // the highest peak (a minimum cannot be un-merged), random others, new
  // times, and one identical repeat.
  for (std::size_t m = 0; m < plans.size(); ++m) {
    auto& mr = model[m];
    std::map<timestamp, segs::reading> fix;
    const segs::reading* low = nullptr;
    const segs::reading* high = nullptr;
    for (const auto& [t, r] : mr) {
      if (r.power_kw && (!low || r.power_kw < low->power_kw)) low = &r;
      if (r.peak_demand_kw && (!high || r.peak_demand_kw > high->peak_demand_kw)) high = &r;
    }
    if (low) {
      auto r = *low;
      r.power_kw = milli{7'999};
      fix[r.time] = r;
    }
    if (high) {
      auto r = *high;
      r.peak_demand_kw.reset();
      r.consumed = segs::energy{r.consumed.wh + 1000};
      fix[r.time] = r;
    }
    for (int k = 0; k < 8; ++k) {
      auto it = std::next(mr.begin(), static_cast<std::ptrdiff_t>(rng() % mr.size()));
      fix[it->first] = random_reading(rng, it->first);
    }
    const auto span_s = duration_cast<seconds>(plans[m].to - plans[m].from).count();
    for (int k = 0; k < 3; ++k) {
      const auto t = plans[m].from + minutes{pick(rng, 1, span_s / 60)};
      if (!mr.count(t)) fix[t] = random_reading(rng, t);
    }
    std::int64_t changed = 0, identical = 0;
    for (const auto& [t, r] : fix) {
      auto it = mr.find(t);
      if (it != mr.end() && same_reading(it->second, r)) ++identical;
      else ++changed;
    }
    {  // and one unchanged
      auto it = std::next(mr.begin(), static_cast<std::ptrdiff_t>(rng() % mr.size()));
      if (!fix.count(it->first)) {
        fix[it->first] = it->second;
        ++identical;
      }
    }
    std::vector<segs::reading> list;
    for (const auto& [t, r] : fix) list.push_back(r);
    std::shuffle(list.begin(), list.end(), rng);
    auto rep = f.tel().replace(f.admin, plans[m].serial, list, "meter firmware re-read");
    REQUIRE_MESSAGE(rep.has_value(), (rep ? "" : rep.error().message));
    CHECK(rep->accepted == changed);
    CHECK(rep->duplicates == identical);
    CHECK(rep->rejected.empty());
    for (const auto& [t, r] : fix) {
      if (!mr.count(t)) sent.emplace_back(m, t);
      mr[t] = r;
    }
  }

  // 4. Late readings after the corrections, into the corrected quarter-hours.
  {
    std::vector<segs::meter_reading> rows;
    for (std::size_t m = 0; m < plans.size(); ++m)
      for (int k = 0; k < 10; ++k) {
        const auto& [mm, t] = sent[sent.size() - 1 - rng() % 40];
        const auto nt = t - seconds{pick(rng, 1, 800)};
        if (nt > plans[mm].from && !model[mm].count(nt)) rows.push_back({plans[mm].serial, random_reading(rng, nt), {}});
      }
    send(rows);
  }

  // Every meter, every width, the whole window and random sub-ranges,
  // some of them on bucket boundaries.
  for (std::size_t m = 0; m < plans.size(); ++m) {
    const auto& p = plans[m];
    const auto z = zones[m];
    CAPTURE(p.serial);
    check_buckets(f, p.serial, z, model[m], {p.from - days{40}, p.to + days{40}});
    const auto raw = all_readings(f.tel(), f.admin, p.serial, {p.from - days{1}, p.to + days{1}});
    REQUIRE(raw.size() == model[m].size());
    auto it = model[m].begin();
    for (const auto& r : raw) CHECK(same_reading(r.values, (it++)->second));
    const auto span_s = duration_cast<seconds>(p.to - p.from).count();
    for (int k = 0; k < 6; ++k) {
      timestamp s = p.from + seconds{pick(rng, -86'400, span_s)};
      timestamp e = s + seconds{pick(rng, 60, 5 * 86'400)};
      if (k % 3 == 1) {  // on local midnights
        s = mdl::day_start(z, mdl::local_date(z, s));
        e = mdl::day_start(z, mdl::local_date(z, e));
        if (e <= s) e = mdl::day_start(z, year_month_day{sys_days{mdl::local_date(z, s)} + days{1}});
      } else if (k % 3 == 2) {  // on quarter boundaries
        s = mdl::bucket_of(bucket_width::quarter_hour, z, s).end;
        e = mdl::bucket_of(bucket_width::quarter_hour, z, e).end;
      }
      check_buckets(f, p.serial, z, model[m], {s, e});
    }
    // Monthly of the year: every local month with readings.
    auto months = f.tel().monthly(f.admin, p.serial, 2025);
    REQUIRE(months);
    const auto want = mdl::buckets(model[m], bucket_width::month, z, {at("2024-12-01T00:00:00Z"), at("2026-02-01T00:00:00Z")});
    REQUIRE(months->size() == want.size());
    std::size_t i = 0;
    for (const auto& [sp, e] : want) {
      const auto d = mdl::local_date(z, sp.start);
      CHECK((*months)[i].month == d.year() / d.month());
      CHECK((*months)[i].consumed.wh == e.consumed);
      CHECK((*months)[i].produced.wh == e.produced);
      ++i;
    }
  }

  // Every region: totals, peak load, reporting meters and top consumers.
  std::map<std::string, region_model> regions;
  for (std::size_t m = 0; m < plans.size(); ++m) {
    regions[plans[m].region].serials.push_back(plans[m].serial);
    regions[plans[m].region].readings.push_back(&model[m]);
  }
  for (const auto& [code, rm] : regions) {
    check_region(f, code, rm, {at("2025-02-27T00:00:00Z"), at("2025-11-10T00:00:00Z")});
    for (int k = 0; k < 6; ++k) {
      const auto s = at("2025-03-01T00:00:00Z") + minutes{pick(rng, 0, 260 * 24 * 60)};
      check_region(f, code, rm, {s, s + minutes{pick(rng, 15, 12 * 24 * 60)}});
    }
    // Ranges that surely hold readings: around each meter's window.
    for (std::size_t m = 0; m < rm.serials.size(); ++m) {
      const auto& p = plans[index_of.at(rm.serials[m])];
      const auto s = p.from + hours{pick(rng, 0, 24 * 5)};
      check_region(f, code, rm, {s, s + minutes{pick(rng, 1, 6 * 24 * 60)}});
      check_region(f, code, rm, {p.from + days{1}, p.to - days{1}});
    }
  }
  MESSAGE("randomized telemetry: seed " << seed << ", " << batches << " batches, " << n_dup
                                        << " repeats, " << n_conflict << " conflicting repeats");
}
