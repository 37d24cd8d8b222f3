// Packed settled days (docs/telemetry.md, "Packed days"): grid::run_due_work
// packs each local day whose end has passed into its meter_days row, and a
// meter's quarter-hours are read from those where they can be. Every answer
// (history at every width, stats, daily, analytics) is the same before and
// after packing, over DST days and a half-hour zone; a late reading or a
// correction unpacks its day and is answered at once; a zone change leaves
// the days unpacked; the due work is bounded per run and never packs a day
// that has not ended.
#include "telemetry/telemetry_fixture.hpp"
#include "telemetry/telemetry_checks.hpp"

#include <random>
#include <sstream>

using namespace segs_test;
using segs::milli;
using segs::timestamp;
using namespace std::chrono;

namespace {

std::string opt(const std::optional<milli>& x) { return x ? std::to_string(x->value) : "-"; }
std::string opt(const std::optional<double>& x) { return x ? std::to_string(*x) : "-"; }

std::string describe(const segs::bucket& b) {
  std::ostringstream o;
  o << segs::to_rfc3339(b.start) << ' ' << segs::to_rfc3339(b.end) << ' ' << b.consumed.wh << ' ' << b.produced.wh
    << ' ' << b.reading_count;
  for (const auto& x : {b.min_power_kw, b.avg_power_kw, b.max_power_kw, b.peak_demand_kw, b.voltage_min,
                        b.voltage_avg, b.voltage_max, b.current_avg, b.power_factor_avg, b.frequency_avg})
    o << ' ' << opt(x);
  return o.str();
}

// Everything a meter's reads answer over `r`, as text.
std::string answers(telemetry_fixture& f, const std::string& serial, segs::time_range r) {
  std::ostringstream o;
  for (auto w : all_widths) {
    o << segs::to_string(w) << ":\n";
    auto h = f.tel().history(f.admin, serial, r, w);
    REQUIRE_MESSAGE(h.has_value(), (h ? "" : h.error().message));
    for (const auto& b : *h) o << "  " << describe(b) << '\n';
  }
  const auto s = f.tel().stats(f.admin, serial, r).value();
  o << "stats " << describe(s.totals) << ' ' << (s.peak_at ? segs::to_rfc3339(*s.peak_at) : "-") << '\n';
  for (const auto& d : f.tel().daily(f.admin, serial, r).value())
    o << "day " << static_cast<int>(d.date.year()) << '-' << static_cast<unsigned>(d.date.month()) << '-'
      << static_cast<unsigned>(d.date.day()) << ' ' << d.consumed.wh << ' ' << d.produced.wh << ' '
      << opt(d.peak_demand_kw) << '\n';
  const auto a = f.tel().analytics(f.admin, serial, r).value();
  o << "analytics " << a.consumed.wh << ' ' << a.produced.wh << ' ' << a.average_daily_consumption_kwh << ' '
    << opt(a.peak_consumption_kw) << ' ' << opt(a.efficiency_rating) << ' ' << opt(a.weekend_vs_weekday_ratio)
    << ' ' << a.carbon_offset_kg << ' ' << opt(a.renewable_energy_percent) << ' '
    << opt(a.grid_independence_score);
  for (const auto& h : a.peak_hours) o << " +" << h;
  for (const auto& h : a.off_peak_hours) o << " -" << h;
  return o.str();
}

segs::reading full_reading(std::mt19937_64& rng, timestamp t) {
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
  };
  segs::reading r;
  r.time = t;
  r.consumed = segs::energy{pick(0, 400)};
  r.produced = segs::energy{rng() % 3 == 0 ? pick(0, 300) : 0};
  if (rng() % 4) r.power_kw = milli{pick(-5'000, 8'000)};
  if (rng() % 3 == 0) r.peak_demand_kw = milli{pick(0, 4) * 1'000};  // ties
  if (rng() % 2) r.voltage = milli{pick(225'000, 235'000)};
  if (rng() % 2) r.current = milli{pick(0, 40'000)};
  if (rng() % 2) r.power_factor = milli{pick(800, 1'000)};
  if (rng() % 2) r.frequency = milli{pick(49'900, 50'100)};
  return r;
}

struct window {
  std::string serial, region;
  timestamp from, to;  // readings every 7 minutes in (from, to]
};

// Ranges of `w` to compare: the whole of it and around it, one not on any
// boundary, and local days (the DST days and the half-hour zone's).
std::vector<segs::time_range> ranges_of(const window& w) {
  std::vector<segs::time_range> out{{w.from - days{1}, w.to + days{1}},
                                    {w.from + hours{13} + minutes{7}, w.to - hours{5} - minutes{3}},
                                    {w.from + hours{30}, w.from + hours{31}}};
  if (w.region == "berlin") {
    out.push_back({at("2025-10-25T22:00:00Z"), at("2025-10-26T23:00:00Z")});  // the 25-hour day
    out.push_back({at("2025-10-24T22:00:00Z"), at("2025-10-27T23:00:00Z")});  // three days around it
    out.push_back({at("2025-03-29T23:00:00Z"), at("2025-03-30T22:00:00Z")});  // the 23-hour day
    out.push_back({at("2025-03-28T23:00:00Z"), at("2025-03-31T22:00:00Z")});
  } else if (w.region == "kolkata") {
    out.push_back({at("2025-10-25T18:30:00Z"), at("2025-10-26T18:30:00Z")});
    out.push_back({at("2025-10-25T18:45:00Z"), at("2025-10-28T18:15:00Z")});
  }
  return out;
}

const std::vector<window> windows{
    {"PK_BER_F", "berlin", at("2025-10-23T21:01:00Z"), at("2025-10-28T02:00:00Z")},
    {"PK_BER_S", "berlin", at("2025-03-27T21:00:00Z"), at("2025-04-01T02:00:00Z")},
    {"PK_KOL", "kolkata", at("2025-10-24T17:00:00Z"), at("2025-10-29T03:00:00Z")},
    {"PK_UTC", "north", at("2025-10-24T00:00:00Z"), at("2025-10-28T00:00:00Z")},
};

std::vector<std::string> all_answers(telemetry_fixture& f) {
  std::vector<std::string> out;
  for (const auto& w : windows)
    for (const auto& r : ranges_of(w)) out.push_back(answers(f, w.serial, r));
  return out;
}

void check_same(const std::vector<std::string>& want, const std::vector<std::string>& got) {
  REQUIRE(want.size() == got.size());
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(want[i] == got[i]);
}

std::int64_t packed(telemetry_fixture& f) {
  auto r = f.grid->run_due_work();
  REQUIRE(r.has_value());
  CHECK(r->failures.empty());
  return r->days_packed;
}

// Runs the due work until nothing is left to pack; answers how many it packed.
std::int64_t pack_all(telemetry_fixture& f) {
  std::int64_t total = 0;
  for (std::int64_t n; (n = packed(f)) != 0;) total += n;
  return total;
}

}  // namespace

TEST_CASE("telemetry: packed days answer exactly as the quarter-hour rows, and a late reading or a correction unpacks its day") {
  telemetry_fixture f;
  f.clock->set(at("2025-11-10T00:00:00Z"));
  std::mt19937_64 rng(1234);
  std::vector<segs::meter_reading> rows;
  for (const auto& w : windows) {
    f.meter(w.serial, w.region);
    for (auto t = w.from + minutes{7}; t <= w.to; t += minutes{7}) rows.push_back({w.serial, full_reading(rng, t), {}});
  }
  // Readings exactly on local midnights too (off the 7-minute steps).
  rows.push_back({"PK_BER_F", full_reading(rng, at("2025-10-25T22:00:00Z")), {}});
  rows.push_back({"PK_BER_F", full_reading(rng, at("2025-10-26T23:00:00Z")), {}});
  rows.push_back({"PK_KOL", full_reading(rng, at("2025-10-26T18:30:00Z")), {}});
  f.ingest(rows);

  const auto before = all_answers(f);
  // Local days with readings: Berlin 6 and 6 (a window's first and last
  // hours are days of their own), Kolkata 6, UTC 4.
  const auto n_days = pack_all(f);
  CHECK(n_days == 6 + 6 + 6 + 4);
  CHECK(f.grid->run_due_work()->idle());
  check_same(before, all_answers(f));

  // A late reading into a packed day: answered at once; packing it again
  // answers the same.
  const auto late_at = at("2025-10-26T01:30:30Z");  // Berlin's repeated hour
  const auto late = f.tel().submit(segs::principal::system(), "PK_BER_F", f.reading_at(late_at, 9'999));
  REQUIRE(late.has_value());
  const segs::time_range day25{at("2025-10-25T22:00:00Z"), at("2025-10-26T23:00:00Z")};
  const auto s0 = f.tel().stats(f.admin, "PK_BER_F", day25).value();
  auto quarters = f.tel().history(f.admin, "PK_BER_F", day25, segs::bucket_width::quarter_hour).value();
  CHECK(quarters.size() == 100);
  auto with_late = std::find_if(quarters.begin(), quarters.end(),
                                [&](const segs::bucket& b) { return b.start < late_at && late_at <= b.end; });
  REQUIRE(with_late != quarters.end());
  CHECK(with_late->consumed.wh >= 9'999);
  const auto unpacked = all_answers(f);
  CHECK(unpacked != before);
  CHECK(packed(f) == 1);
  check_same(unpacked, all_answers(f));
  CHECK(f.tel().stats(f.admin, "PK_BER_F", day25)->totals.consumed.wh == s0.totals.consumed.wh);

  // A correction changing only a voltage (the day's readings and
  // consumption stay as they were) unpacks the day just the same.
  {
    const auto stored = f.tel().readings(f.admin, "PK_KOL", {at("2025-10-26T06:00:00Z"), at("2025-10-26T07:00:00Z")},
                                         {1, 1}).value();
    REQUIRE(stored.items.size() == 1);
    auto r = stored.items[0].values;
    r.voltage = milli{r.voltage ? r.voltage->value + 1'234 : 240'000};
    const auto h0 = f.tel().history(f.admin, "PK_KOL", {r.time - hours{1}, r.time + hours{1}}, segs::bucket_width::hour);
    REQUIRE(f.tel().replace(f.admin, "PK_KOL", std::vector<segs::reading>{r}, "voltage re-read")->accepted == 1);
    const auto h1 = f.tel().history(f.admin, "PK_KOL", {r.time - hours{1}, r.time + hours{1}}, segs::bucket_width::hour);
    REQUIRE(h0->size() == h1->size());
    bool voltage_changed = false;
    for (std::size_t i = 0; i < h0->size(); ++i) {
      CHECK((*h0)[i].consumed == (*h1)[i].consumed);
      voltage_changed = voltage_changed || (*h0)[i].voltage_max != (*h1)[i].voltage_max ||
                        (*h0)[i].voltage_avg != (*h1)[i].voltage_avg;
    }
    CHECK(voltage_changed);
    const auto corrected = all_answers(f);
    CHECK(corrected != unpacked);
    CHECK(packed(f) == 1);
    check_same(corrected, all_answers(f));
  }

  // A zone change rebuilds the region's days unpacked; the answers (in the
  // new zone) are the same packed or not.
  segs::region_spec berlin;
  berlin.time_zone = "Europe/Berlin";
  REQUIRE(f.grid->regions().put(f.admin, "north", berlin));
  const auto rezoned = all_answers(f);
  CHECK(pack_all(f) == 5);  // PK_UTC's Berlin days: 24 to 28 October
  check_same(rezoned, all_answers(f));
}

TEST_CASE("telemetry: packing is bounded per run, oldest first, and never packs a day that has not ended") {
  telemetry_fixture f;
  f.clock->set(at("2025-03-20T12:00:00Z"));
  // 23 meters x 90 days, a reading a day: 2,070 days (2,000 per run), and
  // one meter's today and yesterday in Berlin.
  std::vector<segs::meter_reading> rows;
  for (int m = 0; m < 23; ++m) {
    const auto serial = "PK_B" + std::to_string(m);
    f.meter(serial);
    for (int d = 0; d < 90; ++d)
      rows.push_back({serial, f.reading_at(at("2024-12-01T10:00:00Z") + days{d} + minutes{m}, 10 + d), {}});
  }
  f.meter("PK_NOW", "berlin");
  rows.push_back({"PK_NOW", f.reading_at(at("2025-03-19T12:00:00Z"), 5), {}});
  rows.push_back({"PK_NOW", f.reading_at(at("2025-03-20T11:00:00Z"), 7), {}});
  f.ingest(rows);
  const segs::time_range all{at("2024-11-30T00:00:00Z"), at("2025-03-21T00:00:00Z")};
  const auto h0 = f.tel().history(f.admin, "PK_B7", all, segs::bucket_width::quarter_hour).value();
  REQUIRE(h0.size() == 90);

  CHECK(packed(f) == 2'000);
  // Mid-way: some of PK_B*'s days packed, the latest not yet; same answers.
  const auto h1 = f.tel().history(f.admin, "PK_B7", all, segs::bucket_width::quarter_hour).value();
  REQUIRE(h1.size() == 90);
  for (std::size_t i = 0; i < 90; ++i) CHECK(describe(h1[i]) == describe(h0[i]));
  CHECK(packed(f) == 23 * 90 + 1 - 2'000);  // and PK_NOW's yesterday, not its today
  CHECK(packed(f) == 0);
  // Today ends at 2025-03-20T23:00Z (Berlin midnight): packed once it has.
  f.clock->set(at("2025-03-20T22:59:59Z"));
  CHECK(packed(f) == 0);
  f.clock->set(at("2025-03-20T23:00:00Z"));
  CHECK(packed(f) == 1);
  const auto now_h = f.tel().history(f.admin, "PK_NOW", all, segs::bucket_width::quarter_hour).value();
  REQUIRE(now_h.size() == 2);
  CHECK(now_h[0].consumed.wh == 5);
  CHECK(now_h[1].consumed.wh == 7);
}
