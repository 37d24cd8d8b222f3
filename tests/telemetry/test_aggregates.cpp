// Aggregates against a from-scratch recomputation (issue 12, section 8):
// randomized ingestion (in order, shuffled, random batches, duplicates,
// conflicting repeats, late data, corrections; the due work packing the
// settled days between the phases) across day, month and DST
// boundaries in four zones, then every bucket width, stats, daily, monthly,
// region stats and top consumers compared with telemetry_model.hpp, which
// computes the expected buckets from the readings the test kept. Then the
// named cases: boundaries, 23- and 25-hour days, a half-hour zone, local
// months, refused batches that change nothing, late readings, retention.
#include "telemetry/telemetry_fixture.hpp"
#include "telemetry/telemetry_checks.hpp"
#include "telemetry/telemetry_model.hpp"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

using namespace segs_test;
using segs::bucket_width;
using segs::errc;
using segs::milli;
using segs::timestamp;
using namespace std::chrono;
namespace mdl = segs_test::model;

namespace {

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
  // The due work packs the settled days (all of them: the clock is after
  // the data); the phases below merge into packed days, unpacking them.
  std::int64_t days_packed = 0;
  auto run_due_work = [&] {
    auto r = f.grid->run_due_work();
    REQUIRE(r.has_value());
    CHECK(r->failures.empty());
    days_packed += r->days_packed;
  };
  run_due_work();
  CHECK(days_packed > 0);
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

  run_due_work();
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

  run_due_work();
  // 4. Late readings after the corrections, into the corrected quarter-hours
  // (their days are left unpacked: the checks read packed and unpacked days).
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
                                        << " repeats, " << n_conflict << " conflicting repeats, "
                                        << days_packed << " days packed");
}

// --- named cases ------------------------------------------------------------------------

namespace {

std::string describe(const segs::bucket& b) {
  std::ostringstream o;
  auto v = [&](const std::optional<milli>& x) { o << ' ' << (x ? std::to_string(x->value) : "-"); };
  o << segs::to_rfc3339(b.start) << ' ' << segs::to_rfc3339(b.end) << ' ' << b.consumed.wh << ' '
    << b.produced.wh << ' ' << b.reading_count;
  for (const auto& x : {b.min_power_kw, b.avg_power_kw, b.max_power_kw, b.peak_demand_kw, b.voltage_min,
                        b.voltage_avg, b.voltage_max, b.current_avg, b.power_factor_avg, b.frequency_avg})
    v(x);
  return o.str();
}

// Everything a meter's queries answer over `r`, as text (to compare before and after).
std::string snapshot(telemetry_fixture& f, const std::string& serial, segs::time_range r) {
  std::ostringstream o;
  for (auto w : all_widths) {
    o << segs::to_string(w) << ":\n";
    for (const auto& b : f.tel().history(f.admin, serial, r, w).value()) o << "  " << describe(b) << '\n';
  }
  const auto s = f.tel().stats(f.admin, serial, r).value();
  o << "stats " << describe(s.totals) << ' ' << (s.peak_at ? segs::to_rfc3339(*s.peak_at) : "-") << '\n';
  o << "raw " << f.tel().readings(f.admin, serial, r, {1, 100}).value().total << '\n';
  const auto m = f.tel().get_meter(f.admin, serial).value();
  o << "totals " << m.total_consumed.wh << ' ' << m.total_produced.wh << '\n';
  return o.str();
}

std::string region_snapshot(telemetry_fixture& f, const std::string& region, segs::time_range r) {
  const auto s = f.tel().stats_of_region(f.admin, region, r).value();
  std::ostringstream o;
  o << s.meters_reporting << ' ' << s.consumed.wh << ' ' << s.produced.wh << ' '
    << (s.peak_load_kw ? std::to_string(s.peak_load_kw->value) : "-") << ' '
    << (s.peak_at ? segs::to_rfc3339(*s.peak_at) : "-");
  for (const auto& c : f.tel().top_consumers(f.admin, region, r, 100).value())
    o << " | " << c.rank << ' ' << c.meter_id << ' ' << c.consumed.wh;
  return o.str();
}

std::vector<segs::bucket> hist(telemetry_fixture& f, const std::string& serial, const char* from,
                               const char* to, bucket_width w) {
  auto h = f.tel().history(f.admin, serial, {at(from), at(to)}, w);
  REQUIRE_MESSAGE(h.has_value(), (h ? "" : h.error().message));
  return *h;
}

void submit(telemetry_fixture& f, const std::string& serial, const char* time, std::int64_t wh) {
  auto r = f.tel().submit(segs::principal::system(), serial, telemetry_fixture::reading_at(at(time), wh));
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
}

std::string span_of(const segs::bucket& b) {
  return segs::to_rfc3339(b.start) + " " + segs::to_rfc3339(b.end);
}

}  // namespace

TEST_CASE("telemetry: a reading exactly on a bucket boundary belongs to the bucket it ends") {
  telemetry_fixture f;
  f.clock->set(at("2025-07-02T00:00:00Z"));
  f.meter("SM_UTC", "north");
  submit(f, "SM_UTC", "2025-06-15T10:00:00Z", 1);       // (09:45, 10:00], (09:00, 10:00]
  submit(f, "SM_UTC", "2025-06-15T10:00:01Z", 10);      // (10:00, 10:15]
  submit(f, "SM_UTC", "2025-06-15T11:00:00Z", 100);     // (10:45, 11:00], (10:00, 11:00]
  submit(f, "SM_UTC", "2025-06-16T00:00:00Z", 1000);    // the day and the quarter before midnight
  submit(f, "SM_UTC", "2025-07-01T00:00:00Z", 10000);   // June, not July

  auto q = hist(f, "SM_UTC", "2025-06-15T09:00:00Z", "2025-06-15T11:00:00Z", bucket_width::quarter_hour);
  REQUIRE(q.size() == 3);
  CHECK(span_of(q[0]) == "2025-06-15T09:45:00Z 2025-06-15T10:00:00Z");
  CHECK(q[0].consumed.wh == 1);
  CHECK(span_of(q[1]) == "2025-06-15T10:00:00Z 2025-06-15T10:15:00Z");
  CHECK(q[1].consumed.wh == 10);
  CHECK(span_of(q[2]) == "2025-06-15T10:45:00Z 2025-06-15T11:00:00Z");
  CHECK(q[2].consumed.wh == 100);

  auto h = hist(f, "SM_UTC", "2025-06-15T09:00:00Z", "2025-06-15T11:00:00Z", bucket_width::hour);
  REQUIRE(h.size() == 2);
  CHECK(span_of(h[0]) == "2025-06-15T09:00:00Z 2025-06-15T10:00:00Z");
  CHECK(h[0].consumed.wh == 1);
  CHECK(span_of(h[1]) == "2025-06-15T10:00:00Z 2025-06-15T11:00:00Z");
  CHECK(h[1].consumed.wh == 110);

  // A range (10:00, 10:15] selects the bucket (10:00, 10:15] only.
  auto one = hist(f, "SM_UTC", "2025-06-15T10:00:00Z", "2025-06-15T10:15:00Z", bucket_width::quarter_hour);
  REQUIRE(one.size() == 1);
  CHECK(one[0].consumed.wh == 10);
  CHECK(f.tel().stats(f.admin, "SM_UTC", {at("2025-06-15T10:00:00Z"), at("2025-06-15T10:15:00Z")})->totals.consumed.wh == 10);
  CHECK(f.tel().stats(f.admin, "SM_UTC", {at("2025-06-15T09:45:00Z"), at("2025-06-15T10:00:00Z")})->totals.consumed.wh == 1);
  // A range ending 1 us into a bucket selects it.
  CHECK(f.tel().stats(f.admin, "SM_UTC", {at("2025-06-15T09:45:00Z"), at("2025-06-15T10:00:00.000001Z")})->totals.consumed.wh == 11);

  auto d = hist(f, "SM_UTC", "2025-06-15T00:00:00Z", "2025-06-16T00:00:00Z", bucket_width::day);
  REQUIRE(d.size() == 1);
  CHECK(span_of(d[0]) == "2025-06-15T00:00:00Z 2025-06-16T00:00:00Z");
  CHECK(d[0].consumed.wh == 1111);
  auto days = f.tel().daily(f.admin, "SM_UTC", {at("2025-06-15T00:00:00Z"), at("2025-06-17T00:00:00Z")});
  REQUIRE(days);
  REQUIRE(days->size() == 1);  // nothing on the 16th: midnight closed the 15th
  CHECK(days->front().date == std::chrono::year{2025} / 6 / 15);

  auto months = f.tel().monthly(f.admin, "SM_UTC", 2025);
  REQUIRE(months);
  REQUIRE(months->size() == 1);
  CHECK(months->front().month == std::chrono::year{2025} / 6);
  CHECK(months->front().consumed.wh == 11111);

  // Local midnight in Berlin (22:00Z in summer) closes the local day.
  f.meter("SM_BER", "berlin");
  submit(f, "SM_BER", "2025-06-15T22:00:00Z", 5);
  submit(f, "SM_BER", "2025-06-15T22:00:01Z", 7);
  auto bd = hist(f, "SM_BER", "2025-06-14T22:00:00Z", "2025-06-16T22:00:00Z", bucket_width::day);
  REQUIRE(bd.size() == 2);
  CHECK(span_of(bd[0]) == "2025-06-14T22:00:00Z 2025-06-15T22:00:00Z");
  CHECK(bd[0].consumed.wh == 5);
  CHECK(span_of(bd[1]) == "2025-06-15T22:00:00Z 2025-06-16T22:00:00Z");
  CHECK(bd[1].consumed.wh == 7);
}

TEST_CASE("telemetry: the 23- and 25-hour days of Europe/Berlin and America/New_York") {
  struct dst_day {
    const char* region;
    std::chrono::year_month_day date;
    const char* before_start;  // the day before's start
    const char* start;
    const char* end;
    const char* after_end;     // the day after's end
    int hours;
  };
  using std::chrono::year;
  const dst_day cases[] = {
      {"berlin", year{2025} / 3 / 30, "2025-03-28T23:00:00Z", "2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z",
       "2025-03-31T22:00:00Z", 23},
      {"berlin", year{2025} / 10 / 26, "2025-10-24T22:00:00Z", "2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z",
       "2025-10-27T23:00:00Z", 25},
      {"ny", year{2025} / 3 / 9, "2025-03-08T05:00:00Z", "2025-03-09T05:00:00Z", "2025-03-10T04:00:00Z",
       "2025-03-11T04:00:00Z", 23},
      {"ny", year{2025} / 11 / 2, "2025-11-01T04:00:00Z", "2025-11-02T04:00:00Z", "2025-11-03T05:00:00Z",
       "2025-11-04T05:00:00Z", 25},
  };
  telemetry_fixture f;
  f.clock->set(at("2025-11-10T00:00:00Z"));
  int n = 0;
  for (const auto& c : cases) {
    const std::string serial = "SM_DST_" + std::to_string(++n);
    CAPTURE(serial);
    f.meter(serial, c.region);
    // A reading of 1 Wh every quarter-hour over three local days.
    std::vector<segs::meter_reading> rows;
    for (auto t = at(c.before_start) + minutes{15}; t <= at(c.after_end); t += minutes{15}) {
      auto r = f.reading_at(t, 1);
      r.peak_demand_kw = milli{(t == at(c.end)) ? 9'000 : 1'000};  // the last quarter of the DST day
      rows.push_back({serial, r, {}});
    }
    REQUIRE(f.ingest(rows).accepted == static_cast<std::int64_t>(rows.size()));
    auto d = hist(f, serial, c.before_start, c.after_end, bucket_width::day);
    REQUIRE(d.size() == 3);
    CHECK(span_of(d[0]) == std::string(c.before_start) + " " + c.start);
    CHECK(span_of(d[1]) == std::string(c.start) + " " + c.end);
    CHECK(span_of(d[2]) == std::string(c.end) + " " + c.after_end);
    CHECK(d[1].end - d[1].start == hours{c.hours});
    CHECK(d[0].consumed.wh == 96);
    CHECK(d[1].consumed.wh == 4 * c.hours);
    CHECK(d[1].reading_count == 4 * c.hours);
    CHECK(d[1].peak_demand_kw == milli{9'000});  // the reading at the day's end is the day's
    CHECK(d[2].peak_demand_kw == milli{1'000});
    CHECK(d[2].consumed.wh == 96);
    // daily() names the local dates; a range of the DST day alone selects it alone.
    auto days = f.tel().daily(f.admin, serial, {at(c.start), at(c.end)});
    REQUIRE(days);
    REQUIRE(days->size() == 1);
    CHECK(days->front().date == c.date);
    CHECK(days->front().consumed.wh == 4 * c.hours);
    // The hours of the day are UTC hours: 23 or 25 of them with 4 readings each.
    auto h = hist(f, serial, c.start, c.end, bucket_width::hour);
    CHECK(h.size() == static_cast<std::size_t>(c.hours));
    // compare(day) uses the same local days.
    auto cmp = f.tel().compare(f.admin, serial, segs::compare_period::day, c.date);
    REQUIRE(cmp);
    CHECK(cmp->current.range.start == at(c.start));
    CHECK(cmp->current.range.end == at(c.end));
    CHECK(cmp->current.consumed.wh == 4 * c.hours);
    CHECK(cmp->previous.consumed.wh == 96);
    CHECK(cmp->change.wh == 4 * c.hours - 96);
  }
}

TEST_CASE("telemetry: Asia/Kolkata daily buckets start at 18:30Z") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-20T00:00:00Z"));
  f.meter("SM_KOL", "kolkata");
  submit(f, "SM_KOL", "2025-06-14T18:30:00Z", 1);     // local midnight: closes 2025-06-14
  submit(f, "SM_KOL", "2025-06-14T18:30:01Z", 10);    // 2025-06-15
  submit(f, "SM_KOL", "2025-06-14T18:45:00Z", 100);   // 2025-06-15
  submit(f, "SM_KOL", "2025-06-15T18:30:00Z", 1000);  // 2025-06-15
  submit(f, "SM_KOL", "2025-06-15T18:31:00Z", 10000); // 2025-06-16
  auto d = hist(f, "SM_KOL", "2025-06-13T18:30:00Z", "2025-06-16T18:30:00Z", bucket_width::day);
  REQUIRE(d.size() == 3);
  CHECK(span_of(d[0]) == "2025-06-13T18:30:00Z 2025-06-14T18:30:00Z");
  CHECK(d[0].consumed.wh == 1);
  CHECK(span_of(d[1]) == "2025-06-14T18:30:00Z 2025-06-15T18:30:00Z");
  CHECK(d[1].consumed.wh == 1110);
  CHECK(span_of(d[2]) == "2025-06-15T18:30:00Z 2025-06-16T18:30:00Z");
  CHECK(d[2].consumed.wh == 10000);
  auto days = f.tel().daily(f.admin, "SM_KOL", {at("2025-06-13T18:30:00Z"), at("2025-06-16T18:30:00Z")});
  REQUIRE(days);
  REQUIRE(days->size() == 3);
  CHECK(days->at(0).date == std::chrono::year{2025} / 6 / 14);
  CHECK(days->at(1).date == std::chrono::year{2025} / 6 / 15);
  CHECK(days->at(2).date == std::chrono::year{2025} / 6 / 16);
  // Quarter-hours stay UTC-aligned: 18:30:01Z and 18:45Z share (18:30, 18:45].
  auto q = hist(f, "SM_KOL", "2025-06-14T18:15:00Z", "2025-06-14T19:00:00Z", bucket_width::quarter_hour);
  REQUIRE(q.size() == 2);
  CHECK(span_of(q[0]) == "2025-06-14T18:15:00Z 2025-06-14T18:30:00Z");
  CHECK(span_of(q[1]) == "2025-06-14T18:30:00Z 2025-06-14T18:45:00Z");
  CHECK(q[1].consumed.wh == 110);
  // Top consumers over one local day (whole days read from the day level).
  auto top = f.tel().top_consumers(f.admin, "kolkata", {at("2025-06-14T18:30:00Z"), at("2025-06-15T18:30:00Z")});
  REQUIRE(top);
  REQUIRE(top->size() == 1);
  CHECK(top->front().consumed.wh == 1110);
  auto top2 = f.tel().top_consumers(f.admin, "kolkata", {at("2025-06-14T18:00:00Z"), at("2025-06-15T18:31:00Z")});
  REQUIRE(top2);
  CHECK(top2->front().consumed.wh == 11111);
}

TEST_CASE("telemetry: monthly buckets are local months") {
  telemetry_fixture f;
  f.clock->set(at("2025-12-10T00:00:00Z"));
  f.meter("SM_NY", "ny");
  submit(f, "SM_NY", "2025-10-01T04:00:00Z", 1);       // local midnight (EDT): September
  submit(f, "SM_NY", "2025-10-01T04:00:01Z", 10);      // October
  submit(f, "SM_NY", "2025-11-01T04:00:00Z", 100);     // October
  submit(f, "SM_NY", "2025-11-01T04:15:00Z", 1000);    // November
  submit(f, "SM_NY", "2025-12-01T05:00:00Z", 10000);   // local midnight (EST): November
  submit(f, "SM_NY", "2025-12-01T05:15:00Z", 100000);  // December
  auto mo = hist(f, "SM_NY", "2025-09-15T00:00:00Z", "2025-12-09T00:00:00Z", bucket_width::month);
  REQUIRE(mo.size() == 4);
  CHECK(span_of(mo[0]) == "2025-09-01T04:00:00Z 2025-10-01T04:00:00Z");
  CHECK(mo[0].consumed.wh == 1);
  CHECK(span_of(mo[1]) == "2025-10-01T04:00:00Z 2025-11-01T04:00:00Z");
  CHECK(mo[1].consumed.wh == 110);
  CHECK(span_of(mo[2]) == "2025-11-01T04:00:00Z 2025-12-01T05:00:00Z");  // 30 days and an hour
  CHECK(mo[2].consumed.wh == 11000);
  CHECK(span_of(mo[3]) == "2025-12-01T05:00:00Z 2026-01-01T05:00:00Z");
  CHECK(mo[3].consumed.wh == 100000);
  auto months = f.tel().monthly(f.admin, "SM_NY", 2025);
  REQUIRE(months);
  REQUIRE(months->size() == 4);
  CHECK(months->at(0).month == std::chrono::year{2025} / 9);
  CHECK(months->at(2).month == std::chrono::year{2025} / 11);
  CHECK(months->at(2).consumed.wh == 11000);
  CHECK(f.tel().monthly(f.admin, "SM_NY", 2024)->empty());
  // A range inside November selects the whole local month.
  auto nov = hist(f, "SM_NY", "2025-11-10T00:00:00Z", "2025-11-11T00:00:00Z", bucket_width::month);
  REQUIRE(nov.size() == 1);
  CHECK(nov[0].consumed.wh == 11000);

  // Berlin's October holds the 25-hour day: (2025-09-30T22:00Z, 2025-10-31T23:00Z].
  f.meter("SM_BER", "berlin");
  submit(f, "SM_BER", "2025-09-30T22:00:00Z", 1);   // September
  submit(f, "SM_BER", "2025-10-31T23:00:00Z", 10);  // October's last instant
  submit(f, "SM_BER", "2025-10-31T23:00:01Z", 100); // November
  auto b = hist(f, "SM_BER", "2025-09-01T00:00:00Z", "2025-11-30T00:00:00Z", bucket_width::month);
  REQUIRE(b.size() == 3);
  CHECK(span_of(b[1]) == "2025-09-30T22:00:00Z 2025-10-31T23:00:00Z");
  CHECK(b[1].consumed.wh == 10);
  CHECK(b[2].consumed.wh == 100);
}

TEST_CASE("telemetry: a bulk batch where every row is bad stores nothing and changes no aggregate") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_A", "north", &f.alice_user);
  f.meter("SM_OLD", "north");
  device_key key;
  segs::meter_spec s;
  s.meter_id = "SM_SIG";
  s.region = "north";
  s.capacity_kw = milli{5'000};
  s.public_key = key.public_key();
  REQUIRE(f.tel().create_meter(f.admin, s));
  const auto sys = segs::principal::system();
  auto base = f.reading_at(at("2025-06-15T10:15:00Z"), 500, 20);
  base.voltage = milli{230'000};
  REQUIRE(f.tel().submit(sys, "SM_A", base));
  REQUIRE(f.tel().submit(sys, "SM_OLD", base));
  REQUIRE(f.tel().decommission_meter(f.admin, "SM_OLD"));
  const segs::time_range r{at("2025-06-14T00:00:00Z"), at("2025-06-16T00:00:00Z")};
  const auto before = snapshot(f, "SM_A", r);
  const auto region_before = region_snapshot(f, "north", r);
  auto events = f.grid->events().queue(100, {.names = {"telemetry."}, .region = std::nullopt});

  auto conflicting = base;
  conflicting.consumed = segs::energy{501};
  auto negative = f.reading_at(at("2025-06-15T10:30:00Z"), -1);
  auto future = f.reading_at(at("2025-06-15T12:05:01Z"), 1);
  auto hz = f.reading_at(at("2025-06-15T10:45:00Z"), 1);
  hz.frequency = milli{70'001};
  const std::vector<segs::meter_reading> rows{
      {"SM_NOPE", f.reading_at(at("2025-06-15T10:30:00Z"), 1), {}},
      {"SM_A", negative, {}},
      {"SM_A", future, {}},
      {"SM_A", conflicting, {}},
      {"SM_A", hz, {}},
      {"SM_OLD", f.reading_at(at("2025-06-15T10:30:00Z"), 1), {}},
      {"SM_SIG", f.reading_at(at("2025-06-15T10:30:00Z"), 1), {}},
  };
  auto rep = f.tel().ingest(sys, rows);
  REQUIRE(rep);
  CHECK(rep->accepted == 0);
  CHECK(rep->duplicates == 0);
  REQUIRE(rep->rejected.size() == rows.size());
  const std::pair<const char*, errc> want[] = {
      {"meter_id", errc::not_found}, {"consumed", errc::validation_error}, {"time", errc::validation_error},
      {"time", errc::conflict},      {"frequency", errc::validation_error}, {"meter_id", errc::conflict},
      {"signature", errc::unauthorized}};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(i);
    CHECK(rep->rejected[i].index == i);
    CHECK(rep->rejected[i].field == want[i].first);
    CHECK(rep->rejected[i].code == want[i].second);
  }
  CHECK(snapshot(f, "SM_A", r) == before);
  CHECK(region_snapshot(f, "north", r) == region_before);
  CHECK(f.tel().readings(f.admin, "SM_SIG", r)->total == 0);
  CHECK(events.drain().empty());  // nothing committed, nothing published
}

TEST_CASE("telemetry: a conflicting duplicate leaves every aggregate unchanged") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_A", "north", &f.alice_user);
  const auto sys = segs::principal::system();
  auto r = f.reading_at(at("2025-06-15T10:15:00Z"), 500, 20);
  r.power_kw = milli{2'000};
  r.voltage = milli{230'000};
  r.peak_demand_kw = milli{2'500};
  REQUIRE(f.tel().submit(sys, "SM_A", r));
  REQUIRE(f.tel().submit(sys, "SM_A", f.reading_at(at("2025-06-15T10:10:00Z"), 100)));
  const segs::time_range range{at("2025-06-15T00:00:00Z"), at("2025-06-16T00:00:00Z")};
  const auto before = snapshot(f, "SM_A", range);
  const auto region_before = region_snapshot(f, "north", range);
  // Each a conflict: smaller power (a new minimum), no voltage, a higher peak, other energy.
  std::vector<segs::reading> variants;
  auto v = r; v.power_kw = milli{-1'000}; variants.push_back(v);
  v = r; v.voltage.reset(); variants.push_back(v);
  v = r; v.peak_demand_kw = milli{9'999}; variants.push_back(v);
  v = r; v.produced = segs::energy{0}; variants.push_back(v);
  v = r; v.metadata = "{\"x\":1}"; variants.push_back(v);
  for (const auto& x : variants) {
    auto single = f.tel().submit(sys, "SM_A", x);
    REQUIRE_FALSE(single);
    CHECK(single.error().code == errc::conflict);
    CHECK(single.error().field == "time");
    const std::vector<segs::meter_reading> rows{{"SM_A", x, {}}};
    auto bulk = f.tel().ingest(sys, rows);
    REQUIRE(bulk);
    CHECK(bulk->accepted == 0);
    REQUIRE(bulk->rejected.size() == 1);
    CHECK(bulk->rejected[0].code == errc::conflict);
  }
  CHECK(snapshot(f, "SM_A", range) == before);
  CHECK(region_snapshot(f, "north", range) == region_before);
  // The exact repeat is a duplicate and changes nothing either.
  auto again = f.tel().submit(sys, "SM_A", r);
  REQUIRE(again);
  CHECK(again->duplicate);
  CHECK(snapshot(f, "SM_A", range) == before);
}

TEST_CASE("telemetry: a signed meter's bulk rows with a bad or missing signature are rejected alone") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  device_key key, other;
  segs::meter_spec s;
  s.meter_id = "SM_SIG";
  s.region = "north";
  s.capacity_kw = milli{5'000};
  s.public_key = key.public_key();
  REQUIRE(f.tel().create_meter(f.admin, s));
  const auto sys = segs::principal::system();
  auto r1 = f.reading_at(at("2025-06-15T10:15:00Z"), 1500, 250);
  auto r2 = f.reading_at(at("2025-06-15T10:30:00Z"), 700);
  auto r3 = f.reading_at(at("2025-06-15T10:45:00Z"), 800);
  auto r4 = f.reading_at(at("2025-06-15T11:00:00Z"), 900);
  auto r5 = f.reading_at(at("2025-06-15T11:15:00Z"), 1000);
  const std::string t1 = "2025-06-15T12:15:00+02:00";  // as the device wrote it
  const std::vector<segs::meter_reading> rows{
      {"SM_SIG", r1, {key.sign("SM_SIG|" + t1 + "|1500|250"), t1}},                        // good
      {"SM_SIG", r2, {key.sign("SM_SIG|2025-06-15T10:30:00Z|701|0"), ""}},                  // other values
      {"SM_SIG", r3, {other.sign("SM_SIG|2025-06-15T10:45:00Z|800|0"), ""}},                // another key
      {"SM_SIG", r4, {}},                                                                   // none
      {"SM_SIG", r5, {"bm90IGEgc2lnbmF0dXJl", ""}},                                         // not one
  };
  auto rep = f.tel().ingest(sys, rows);
  REQUIRE(rep);
  CHECK(rep->accepted == 1);
  REQUIRE(rep->rejected.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(rep->rejected[i].index == i + 1);
    CHECK(rep->rejected[i].code == errc::unauthorized);
    CHECK(rep->rejected[i].field == "signature");
  }
  auto q = hist(f, "SM_SIG", "2025-06-15T10:00:00Z", "2025-06-15T12:00:00Z", bucket_width::quarter_hour);
  REQUIRE(q.size() == 1);
  CHECK(q[0].consumed.wh == 1500);
  auto d = hist(f, "SM_SIG", "2025-06-15T10:00:00Z", "2025-06-15T12:00:00Z", bucket_width::day);
  REQUIRE(d.size() == 1);
  CHECK(d[0].consumed.wh == 1500);
  CHECK(d[0].reading_count == 1);
  CHECK(f.tel().stats_of_region(f.admin, "north", {at("2025-06-15T00:00:00Z"), at("2025-06-16T00:00:00Z")})
            ->consumed.wh == 1500);
}

TEST_CASE("telemetry: an API key of another region writes nothing there, its own region only") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_N_1", "north");
  f.meter("SM_N_2", "north");
  f.meter("SM_B_1", "berlin");
  auto key_of = [&](std::optional<std::string> region, std::vector<std::string> meters) {
    segs::api_key_spec k;
    k.name = "head-end";
    k.scopes = {"telemetry:write"};
    k.region = std::move(region);
    k.meter_ids = std::move(meters);
    auto key = f.id().create_api_key(f.admin, k);
    REQUIRE(key);
    auto p = f.id().authenticate_api_key(key->secret);
    REQUIRE(p);
    return *p;
  };
  const auto north = key_of("north", {});
  const auto t = at("2025-06-15T10:15:00Z");
  const std::vector<segs::meter_reading> rows{{"SM_N_1", f.reading_at(t, 10), {}},
                                              {"SM_B_1", f.reading_at(t, 20), {}},
                                              {"SM_N_2", f.reading_at(t, 30), {}}};
  auto rep = f.tel().ingest(north, rows);
  REQUIRE(rep);
  CHECK(rep->accepted == 2);
  REQUIRE(rep->rejected.size() == 1);
  CHECK(rep->rejected[0].index == 1);
  CHECK(rep->rejected[0].field == "meter_id");
  CHECK(rep->rejected[0].code == errc::not_found);  // another region's meter does not exist for the key
  const segs::time_range day{at("2025-06-15T00:00:00Z"), at("2025-06-16T00:00:00Z")};
  CHECK(hist(f, "SM_B_1", "2025-06-15T00:00:00Z", "2025-06-16T00:00:00Z", bucket_width::quarter_hour).empty());
  CHECK(hist(f, "SM_B_1", "2025-06-15T00:00:00Z", "2025-06-16T00:00:00Z", bucket_width::day).empty());
  auto berlin = f.tel().stats_of_region(f.admin, "berlin", day);
  REQUIRE(berlin);
  CHECK(berlin->meters_reporting == 0);
  CHECK(berlin->consumed.wh == 0);
  CHECK_FALSE(berlin->peak_load_kw.has_value());
  CHECK(f.tel().stats_of_region(f.admin, "north", day)->consumed.wh == 40);
  // The key reads nothing of berlin either.
  auto peek = f.tel().latest(north, "SM_B_1");
  REQUIRE_FALSE(peek);
  CHECK(peek.error().code == errc::not_found);
  // A key bound to meters writes those only.
  const auto bound = key_of("north", {"SM_N_2"});
  const std::vector<segs::meter_reading> more{{"SM_N_1", f.reading_at(t + minutes{15}, 1), {}},
                                              {"SM_N_2", f.reading_at(t + minutes{15}, 2), {}}};
  auto rep2 = f.tel().ingest(bound, more);
  REQUIRE(rep2);
  CHECK(rep2->accepted == 1);
  REQUIRE(rep2->rejected.size() == 1);
  CHECK(rep2->rejected[0].index == 0);
  CHECK(rep2->rejected[0].field == "meter_id");
}

TEST_CASE("telemetry: a late reading updates every level at once") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-20T00:00:00Z"));
  f.meter("SM_A", "berlin", &f.alice_user);
  f.meter("SM_B", "berlin");
  const auto sys = segs::principal::system();
  std::vector<segs::meter_reading> rows;
  for (auto t = at("2025-06-14T22:15:00Z"); t <= at("2025-06-15T22:00:00Z"); t += minutes{15}) {
    auto r = f.reading_at(t, 100);
    r.power_kw = milli{400};
    r.peak_demand_kw = milli{500};
    rows.push_back({"SM_A", r, {}});
    rows.push_back({"SM_B", f.reading_at(t, 150), {}});
  }
  f.ingest(rows);
  // The day (Berlin 2025-06-15) is complete; a late reading inside one of its quarter-hours.
  const segs::time_range day{at("2025-06-14T22:00:00Z"), at("2025-06-15T22:00:00Z")};
  CHECK(f.tel().stats(f.admin, "SM_A", day)->totals.consumed.wh == 9600);
  auto top = f.tel().top_consumers(f.admin, "berlin", day);
  REQUIRE(top->size() == 2);
  CHECK(top->at(0).meter_id == "SM_B");

  auto late = f.reading_at(at("2025-06-15T09:07:00Z"), 5000, 10);
  late.power_kw = milli{-3'000};
  late.voltage = milli{229'000};
  late.peak_demand_kw = milli{7'000};
  auto stored = f.tel().submit(f.alice, "SM_A", late);
  REQUIRE(stored);

  auto q = hist(f, "SM_A", "2025-06-15T09:00:00Z", "2025-06-15T09:15:00Z", bucket_width::quarter_hour);
  REQUIRE(q.size() == 1);
  CHECK(q[0].consumed.wh == 5100);
  CHECK(q[0].reading_count == 2);
  CHECK(q[0].min_power_kw == milli{-3'000});
  CHECK(q[0].avg_power_kw == milli{-1'300});
  CHECK(q[0].voltage_avg == milli{229'000});
  auto h = hist(f, "SM_A", "2025-06-15T09:00:00Z", "2025-06-15T10:00:00Z", bucket_width::hour);
  REQUIRE(h.size() == 1);
  CHECK(h[0].consumed.wh == 5400);
  CHECK(h[0].reading_count == 5);
  auto d = hist(f, "SM_A", "2025-06-15T09:00:00Z", "2025-06-15T10:00:00Z", bucket_width::day);
  REQUIRE(d.size() == 1);
  CHECK(d[0].consumed.wh == 14600);
  CHECK(d[0].produced.wh == 10);
  CHECK(d[0].reading_count == 97);
  CHECK(d[0].peak_demand_kw == milli{7'000});
  CHECK(d[0].min_power_kw == milli{-3'000});
  auto mo = hist(f, "SM_A", "2025-06-15T09:00:00Z", "2025-06-15T10:00:00Z", bucket_width::month);
  REQUIRE(mo.size() == 1);
  CHECK(mo[0].consumed.wh == 14600);
  auto s = f.tel().stats(f.admin, "SM_A", day);
  CHECK(s->totals.consumed.wh == 14600);
  CHECK(s->peak_at == at("2025-06-15T09:07:00Z"));
  CHECK(f.tel().daily(f.alice, "SM_A", day)->at(0).consumed.wh == 14600);
  CHECK(f.tel().monthly(f.alice, "SM_A", 2025)->at(0).consumed.wh == 14600);
  CHECK(f.tel().get_meter(f.alice, "SM_A")->total_consumed.wh == 14600);
  auto region = f.tel().stats_of_region(f.admin, "berlin", day);
  CHECK(region->consumed.wh == 14600 + 14400);
  CHECK(region->peak_load_kw == milli{(5100 - 10 + 150) * 4});
  CHECK(region->peak_at == at("2025-06-15T09:15:00Z"));
  top = f.tel().top_consumers(f.admin, "berlin", day);
  CHECK(top->at(0).meter_id == "SM_A");
  CHECK(top->at(0).consumed.wh == 14600);
  // The latest reading is still the newest by time, not the last received.
  CHECK((*f.tel().latest(f.alice, "SM_A"))->values.time == at("2025-06-15T22:00:00Z"));
}

namespace {
void keep_two_days(segs::options& o) {
  define_telemetry_regions(o);
  o.telemetry.raw_retention = std::chrono::hours{48};
}
}  // namespace

TEST_CASE("telemetry: retention drops old raw readings, history and stats still answer from the aggregates") {
  telemetry_fixture f(keep_two_days);
  f.clock->set(at("2025-06-15T12:07:00Z"));
  f.meter("SM_A", "north");
  f.meter("SM_B", "berlin");
  std::mt19937_64 rng(48);
  std::vector<mdl::readings> model(2);
  const std::string serials[] = {"SM_A", "SM_B"};
  std::vector<segs::meter_reading> rows;
  for (auto t = at("2025-06-11T00:05:00Z"); t <= at("2025-06-15T12:00:00Z"); t += minutes{5})
    for (std::size_t m = 0; m < 2; ++m) {
      auto r = random_reading(rng, t);
      model[m][t] = r;
      rows.push_back({serials[m], r, {}});
    }
  // Ingested as they come (the clock at the newest reading of each batch).
  for (std::size_t at_ = 0; at_ < rows.size(); at_ += 1000) {
    const auto end = std::min(rows.size(), at_ + 1000);
    f.clock->set(rows[end - 1].values.time);
    f.ingest({rows.begin() + static_cast<std::ptrdiff_t>(at_), rows.begin() + static_cast<std::ptrdiff_t>(end)});
  }
  f.clock->set(at("2025-06-15T12:07:00Z"));
  const segs::time_range all{at("2025-06-10T00:00:00Z"), at("2025-06-16T00:00:00Z")};
  const auto region_before = region_snapshot(f, "berlin", all);

  // Cut-off: 2025-06-13T12:07Z; readings stamped before it go.
  const auto cutoff = at("2025-06-13T12:07:00Z");
  std::int64_t old = 0;
  for (const auto& mr : model)
    for (const auto& [t, r] : mr) old += t < cutoff ? 1 : 0;
  auto work = f.grid->run_due_work();
  REQUIRE(work);
  CHECK(work->readings_dropped == old);
  CHECK(f.grid->run_due_work()->readings_dropped == 0);

  for (std::size_t m = 0; m < 2; ++m) {
    CAPTURE(serials[m]);
    const auto raw = all_readings(f.tel(), f.admin, serials[m], all);
    REQUIRE_FALSE(raw.empty());
    CHECK(raw.front().values.time == at("2025-06-13T12:10:00Z"));
    std::size_t kept = 0;
    for (const auto& [t, r] : model[m]) kept += t >= cutoff ? 1 : 0;
    CHECK(raw.size() == kept);
    // Every level still equals the recomputation over all the readings ever stored.
    check_buckets(f, serials[m], mdl::zone_of_region(m == 0 ? "north" : "berlin"), model[m], all);
    check_buckets(f, serials[m], mdl::zone_of_region(m == 0 ? "north" : "berlin"), model[m],
                  {at("2025-06-11T07:00:00Z"), at("2025-06-12T13:00:00Z")});  // dropped raw only
  }
  CHECK(region_snapshot(f, "berlin", all) == region_before);
  auto m = f.tel().get_meter(f.admin, "SM_A");
  REQUIRE(m);
  std::int64_t total = 0;
  for (const auto& [t, r] : model[0]) total += r.consumed.wh;
  CHECK(m->total_consumed.wh == total);

  // A reading older than the retention cannot be checked against the raw
  // row it may repeat: refused, so it is never counted twice.
  const auto repeat = model[0].at(at("2025-06-12T10:00:00Z"));
  auto again = f.tel().submit(segs::principal::system(), "SM_A", repeat);
  REQUIRE_FALSE(again);
  CHECK(again.error().field == "time");
  // Corrections of dropped readings are refused; so are those of a
  // quarter-hour that lost some of its raw readings (12:05 went, 12:10 stayed).
  auto fix = model[0].at(at("2025-06-12T10:00:00Z"));
  fix.consumed = segs::energy{1};
  auto corrected = f.tel().replace(f.admin, "SM_A", std::vector<segs::reading>{fix}, "re-read");
  REQUIRE(corrected);
  REQUIRE(corrected->rejected.size() == 1);
  CHECK(corrected->rejected[0].field == "time");
  auto partial = model[0].at(at("2025-06-13T12:10:00Z"));
  partial.consumed = segs::energy{partial.consumed.wh + 7};
  auto in_partial = f.tel().replace(f.admin, "SM_A", std::vector<segs::reading>{partial}, "re-read");
  REQUIRE(in_partial);
  CHECK(in_partial->accepted == 0);
  REQUIRE(in_partial->rejected.size() == 1);
  CHECK(in_partial->rejected[0].field == "time");
  // A correction of a quarter-hour whose raw readings are all kept works.
  auto whole = model[0].at(at("2025-06-13T12:20:00Z"));
  whole.consumed = segs::energy{whole.consumed.wh + 7};
  whole.power_kw.reset();
  auto ok = f.tel().replace(f.admin, "SM_A", std::vector<segs::reading>{whole}, "re-read");
  REQUIRE(ok);
  CHECK(ok->accepted == 1);
  model[0][whole.time] = whole;
  check_buckets(f, "SM_A", mdl::zone::utc, model[0], all);

  // A day later the next run drops the next day's readings; the aggregates stay.
  f.advance(hours{24});
  auto next = f.grid->run_due_work();
  REQUIRE(next);
  CHECK(next->readings_dropped > 0);
  check_buckets(f, "SM_B", mdl::zone::berlin, model[1], all);
  CHECK(all_readings(f.tel(), f.admin, "SM_B", all).front().values.time == at("2025-06-14T12:10:00Z"));
}

TEST_CASE("telemetry: concurrent overlapping ingestion counts every reading once") {
  const auto seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed + 1);
  telemetry_fixture f;
  f.clock->set(at("2025-11-10T00:00:00Z"));
  const std::vector<std::pair<std::string, std::string>> ms{
      {"CC_BER", "berlin"}, {"CC_NY", "ny"}, {"CC_KOL", "kolkata"}, {"CC_UTC", "north"}};
  for (const auto& [s, r] : ms) f.meter(s, r);
  std::vector<mdl::readings> model(ms.size());
  std::vector<segs::meter_reading> rows;
  for (std::size_t m = 0; m < ms.size(); ++m)
    for (int i = 0; i < 400; ++i) {
      const auto t = at("2025-10-24T00:00:00Z") + minutes{pick(rng, 1, 10 * 24 * 60)};
      if (model[m].count(t)) continue;
      model[m][t] = random_reading(rng, t);
      rows.push_back({ms[m].first, model[m][t], {}});
    }
  // Four writers, each sending every row once in its own order and batches:
  // each reading arrives four times, concurrently.
  constexpr int writers = 4;
  std::vector<std::thread> threads;
  std::vector<std::string> failures(writers);
  std::vector<std::int64_t> accepted(writers, 0);
  for (int w = 0; w < writers; ++w) {
    auto mine = rows;
    std::shuffle(mine.begin(), mine.end(), rng);
    threads.emplace_back([&, w, mine = std::move(mine), wseed = rng()] {
      std::mt19937_64 r(wseed);
      for (std::size_t at_ = 0; at_ < mine.size();) {
        const auto n = std::min<std::size_t>(mine.size() - at_, 1 + r() % 200);
        const std::vector<segs::meter_reading> batch(mine.begin() + static_cast<std::ptrdiff_t>(at_),
                                                     mine.begin() + static_cast<std::ptrdiff_t>(at_ + n));
        auto rep = f.tel().ingest(segs::principal::system(), batch);
        if (!rep) {
          failures[static_cast<std::size_t>(w)] = rep.error().message;
          return;
        }
        if (!rep->rejected.empty()) {
          failures[static_cast<std::size_t>(w)] = "rejected: " + rep->rejected[0].message;
          return;
        }
        accepted[static_cast<std::size_t>(w)] += rep->accepted;
        at_ += n;
      }
    });
  }
  // Meanwhile the due work packs the days (all in the past) the writers
  // are merging into: a merge committed while a day is packed must win.
  std::atomic<bool> writing{true};
  std::string packer_failure;
  std::int64_t packed_meanwhile = 0;
  std::thread packer([&] {
    while (writing) {
      auto r = f.grid->run_due_work();
      if (!r || !r->failures.empty()) {
        packer_failure = r ? r->failures[0].message : r.error().message;
        return;
      }
      packed_meanwhile += r->days_packed;
    }
  });
  for (auto& t : threads) t.join();
  writing = false;
  packer.join();
  CHECK_MESSAGE(packer_failure.empty(), packer_failure);
  MESSAGE(packed_meanwhile << " days packed during the ingestion");
  for (const auto& e : failures) CHECK_MESSAGE(e.empty(), e);
  std::int64_t total = 0;
  for (auto a : accepted) total += a;
  CHECK(total == static_cast<std::int64_t>(rows.size()));  // each reading accepted once, repeated thrice
  for (int round = 0; round < 2; ++round) {  // as left, then every day packed
    if (round == 1)
      while (f.grid->run_due_work()->days_packed != 0) {
      }
    for (std::size_t m = 0; m < ms.size(); ++m)
      check_buckets(f, ms[m].first, mdl::zone_of_region(ms[m].second), model[m],
                    {at("2025-10-20T00:00:00Z"), at("2025-11-08T00:00:00Z")});
  }
  for (std::size_t m = 0; m < ms.size(); ++m) {
    CHECK(all_readings(f.tel(), f.admin, ms[m].first, {at("2025-10-20T00:00:00Z"), at("2025-11-08T00:00:00Z")})
              .size() == model[m].size());
  }
  std::map<std::string, region_model> regions;
  for (std::size_t m = 0; m < ms.size(); ++m) {
    regions[ms[m].second].serials.push_back(ms[m].first);
    regions[ms[m].second].readings.push_back(&model[m]);
  }
  for (const auto& [code, rm] : regions) check_region(f, code, rm, {at("2025-10-20T00:00:00Z"), at("2025-11-08T00:00:00Z")});
}
