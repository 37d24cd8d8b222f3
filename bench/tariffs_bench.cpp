// segs-bench-tariffs: the pure pricing engine (issue aim: at least 20
// million buckets priced per second on one core by price_buckets).
//
//   segs-bench-tariffs            the full run (build in Release)
//   segs-bench-tariffs --smoke    a tiny run for CI: every path once, checked
//
// Setup (not timed): a realistic time-of-use tariff in Europe/Berlin --
// weekday peak and shoulder, weekend and holiday off-peak, a night rule
// that wraps midnight, a summer-only afternoon peak, 10 holidays, 24
// overrides (price events and multipliers), three tiers, fixed, demand,
// export and tax -- and the 35,040 quarter-hours of 2026 with a synthetic
// load. Timed, each repeated to at least a second: price_buckets,
// price_series and cost over the whole year, and a bare baseline: one loop
// summing a precomputed price x energy per bucket over the same count.
// The ratio is how many times the baseline's rate each path's is below.
#include <segs/tariffs.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using clock_type = steady_clock;
using segs::day_kind;
using segs::money;

money M(const char* s) { return money::parse(s).value(); }
segs::timestamp T(const char* s) { return segs::parse_rfc3339(s).value(); }

segs::tariff tou() {
  const std::vector<day_kind> week{day_kind::mon, day_kind::tue, day_kind::wed, day_kind::thu, day_kind::fri};
  const std::vector<day_kind> all{day_kind::mon, day_kind::tue, day_kind::wed,     day_kind::thu,
                                  day_kind::fri, day_kind::sat, day_kind::sun, day_kind::holiday};
  segs::tariff t;
  t.region = "de";
  t.name = "TOU 2026";
  t.currency = "EUR";
  t.effective_from = T("2025-12-31T23:00:00Z");
  t.periods = {{"peak", M("0.38")}, {"shoulder", M("0.26")}, {"off_peak", M("0.14")}, {"night", M("0.09")}};
  t.schedule = {{"night", all, 22h, 6h, {}},
                {"peak", week, 14h, 17h, {6, 7, 8}},
                {"peak", week, 17h, 21h, {}},
                {"shoulder", week, 7h, 17h, {}},
                {"shoulder", week, 21h, 22h, {}}};
  t.default_period = "off_peak";
  t.holidays = {2026y / 1 / 1,  2026y / 4 / 3,  2026y / 4 / 6,   2026y / 5 / 1,   2026y / 5 / 14,
                2026y / 5 / 25, 2026y / 6 / 4,  2026y / 10 / 3, 2026y / 12 / 25, 2026y / 12 / 26};
  t.tiers = {{segs::energy{1'000'000}, M("0")}, {segs::energy{3'000'000}, M("0.02")}, {std::nullopt, M("0.04")}};
  t.fixed_charge_per_day = M("0.45");
  t.demand_charge_per_kw = M("8.5");
  t.export_price_per_kwh = M("0.08");
  t.tax_percent = segs::ten_thousandths{190000};
  return t;
}

// Two events a month: a 4-hour evening multiplier and a 2-hour midday price.
std::vector<segs::tariff_override> events() {
  std::vector<segs::tariff_override> out;
  for (unsigned m = 1; m <= 12; ++m) {
    segs::tariff_override a;
    a.id.bytes[15] = static_cast<std::uint8_t>(2 * m);
    a.region = "de";
    a.start = segs::timestamp{sys_days{2026y / m / 10}} + 16h;
    a.end = a.start + 4h;
    a.multiplier = segs::ten_thousandths{17500};
    a.created_at = T("2025-12-01T00:00:00Z") + days{m};
    auto b = a;
    b.id.bytes[15] = static_cast<std::uint8_t>(2 * m + 1);
    b.start = segs::timestamp{sys_days{2026y / m / 20}} + 11h;
    b.end = b.start + 2h;
    b.multiplier.reset();
    b.price_per_kwh = M("0.01");
    out.push_back(a);
    out.push_back(b);
  }
  return out;
}

struct rate {
  double per_second = 0;
  long iterations = 0;
};

// Runs `body` (one pass over `buckets`) until at least `min_seconds` passed.
template <class F>
rate measure(std::size_t buckets, double min_seconds, F&& body) {
  rate r;
  const auto t0 = clock_type::now();
  double elapsed = 0;
  do {
    body();
    ++r.iterations;
    elapsed = duration<double>(clock_type::now() - t0).count();
  } while (elapsed < min_seconds);
  r.per_second = static_cast<double>(buckets) * static_cast<double>(r.iterations) / elapsed;
  return r;
}

int fail(const char* what) {
  std::fprintf(stderr, "segs-bench-tariffs: %s\n", what);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      smoke = true;
    } else {
      std::fprintf(stderr, "usage: segs-bench-tariffs [--smoke]\n");
      return 2;
    }
  }
  const double min_seconds = smoke ? 0.0 : 1.0;
  const auto ovs = events();
  auto compiled = segs::tariff_pricer::compile(tou(), "Europe/Berlin", ovs);
  if (!compiled) return fail(compiled.error().message.c_str());
  const auto& pricer = *compiled;

  // 2026 in Berlin: 2025-12-31T23:00Z to 2026-12-31T23:00Z.
  const auto from = T("2025-12-31T23:00:00Z");
  const auto to = smoke ? from + days{7} : T("2026-12-31T23:00:00Z");
  const auto n = static_cast<std::size_t>((to - from) / 15min);
  std::vector<std::uint16_t> periods(n);
  std::vector<money> prices(n);
  std::vector<segs::bucket_usage> usage(n);
  std::vector<std::int64_t> wh(n);
  for (std::size_t i = 0; i < n; ++i) {
    wh[i] = 40 + static_cast<std::int64_t>((i * 2654435761u) % 400);  // 0.04-0.44 kWh a quarter-hour
    usage[i] = {from + 15min * static_cast<long>(i), segs::energy{wh[i]}, segs::energy{i % 96 > 40 && i % 96 < 60 ? 120 : 0}};
  }

  const auto buckets = measure(n, min_seconds, [&] {
    if (!pricer.price_buckets(from, to, periods, prices)) throw std::runtime_error("price_buckets failed");
  });
  std::size_t spans = 0;
  const auto series = measure(n, min_seconds, [&] { spans = pricer.price_series(from, to).value().size(); });
  segs::bill b;
  const auto cost = measure(n, min_seconds, [&] { b = pricer.cost(from, to, usage).value(); });
  // The baseline: what the lines' inner sum costs with the prices given.
  volatile std::int64_t sink = 0;
  const auto bare = measure(n, min_seconds, [&] {
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += prices[i].micros * wh[i];
    sink = sink + sum;
  });

  // The checks the smoke run exists for.
  std::int64_t consumed = 0;
  for (const auto& line : b.by_period) consumed += line.consumed.wh;
  std::int64_t expected = 0;
  for (auto w : wh) expected += w;
  if (consumed != expected) return fail("cost lost energy between its period lines");
  if (spans == 0 || b.total.micros <= 0 || b.days != static_cast<int>(smoke ? 7 : 365))
    return fail("implausible result");

  std::printf("## Tariff pricing, Europe/Berlin, %zu buckets%s\n\n", n, smoke ? " (smoke run)" : "");
  std::printf("| path | buckets/s | baseline / path | passes |\n|---|---:|---:|---:|\n");
  const auto row = [&](const char* name, const rate& r) {
    std::printf("| %s | %.1f M | %.1f | %ld |\n", name, r.per_second / 1e6, bare.per_second / r.per_second,
                r.iterations);
  };
  row("price_buckets", buckets);
  row("price_series", series);
  row("cost", cost);
  row("bare loop (price x energy)", bare);
  std::printf("\n%zu spans; bill total %s EUR over %d days\n", spans, b.total.to_string().c_str(), b.days);
  return 0;
}
