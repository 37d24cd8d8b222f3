#include "billing/prices.hpp"

#include "grid_core.hpp"
#include "storage/stores/tariffs_store.hpp"

#include <algorithm>
#include <span>

namespace segs::billing {

namespace {

std::int64_t bucket_index(timestamp t, timestamp start) { return (to_micros(t) - to_micros(start)) / quarter_us; }

}  // namespace

tz::zone zone_of(const region& r) {
  auto z = tz::zone::find(r.time_zone);
  if (!z) detail::fail(errc::internal, "region " + r.code + " has an unknown time zone " + r.time_zone);
  return *z;
}

cycle_prices prices_of(storage::transaction& tx, const region& r, const tz::zone& z, const cycle& c) {
  cycle_prices p;
  p.start = c.start;
  p.buckets = c.buckets();
  p.currency = r.currency;
  p.minor_digits = r.currency_minor_units;
  p.tariff_of.assign(p.buckets, -1);
  p.period_of.assign(p.buckets, 0);
  p.price_of.assign(p.buckets, money{});
  const auto overrides = storage::tariffs::overrides_overlapping(tx, r.code, c.start, c.end);
  for (auto& row : storage::tariffs::tariffs_overlapping(tx, r.code, c.start, c.end)) {
    const auto from = std::max(c.start, row.t.effective_from);
    const auto to = row.t.effective_to ? std::min(c.end, *row.t.effective_to) : c.end;
    if (!(from < to)) continue;
    auto pricer = tariff_pricer::compile(row.t, r.time_zone, overrides, r.currency_minor_units);
    if (!pricer) throw exception(pricer.error());
    const auto i0 = static_cast<std::size_t>(bucket_index(from, c.start));
    const auto n = static_cast<std::size_t>(bucket_index(to, from));
    auto ok = pricer->price_buckets(from, to, std::span(p.period_of).subspan(i0, n), std::span(p.price_of).subspan(i0, n));
    if (!ok) throw exception(ok.error());
    std::fill_n(p.tariff_of.begin() + static_cast<std::ptrdiff_t>(i0), n, static_cast<std::int16_t>(p.tariffs.size()));
    p.tariffs.push_back(std::move(row.t));
  }
  const auto first = std::chrono::sys_days{z.date_of(c.start)};
  for (int d = 0; d < c.days; ++d) {
    const auto i = bucket_index(z.start_of_day(std::chrono::year_month_day{first + std::chrono::days{d}}), c.start);
    p.day_tariff.push_back(i >= 0 && static_cast<std::size_t>(i) < p.buckets ? p.tariff_of[static_cast<std::size_t>(i)]
                                                                             : std::int16_t{-1});
  }
  return p;
}

}  // namespace segs::billing
