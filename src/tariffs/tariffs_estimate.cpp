// Estimates (a consumption spread over a range by the caller's metered
// profile, priced) and analytics (a region's metered consumption priced).
#include "tariffs/tariffs_impl.hpp"

#include "storage/stores/telemetry_store.hpp"
#include "tariffs/schedule.hpp"
#include "telemetry/telemetry_impl.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>

namespace segs {

using detail::fail;
namespace store = storage::tariffs;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t quarter_us = 900'000'000;
using tariffs::wide;

// v / d rounded half to even (d > 0), as an int64 (every use fits).
std::int64_t half_even(wide v, wide d) { return static_cast<std::int64_t>(tariffs::round_half_even(v, d)); }

void check_grid(timestamp t, const char* field) {
  if (to_micros(t) % quarter_us != 0) fail(errc::validation_error, std::string(field) + " must be on the 15-minute grid", field);
}

// `total` Wh spread over `weights` in proportion, in whole Wh: each gets the
// floor of its share, and what is left goes one Wh at a time to the largest
// remainders (ties to the earlier bucket).
std::vector<std::int64_t> spread(std::int64_t total, const std::vector<std::int64_t>& weights) {
  std::vector<std::int64_t> out(weights.size(), 0);
  const wide sum = std::accumulate(weights.begin(), weights.end(), wide{0});
  if (sum == 0 || weights.empty()) return out;
  std::vector<std::pair<wide, std::size_t>> rest;  // (remainder, index)
  rest.reserve(weights.size());
  std::int64_t given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const wide share = wide{total} * weights[i];
    out[i] = static_cast<std::int64_t>(share / sum);
    given += out[i];
    rest.emplace_back(share % sum, i);
  }
  std::stable_sort(rest.begin(), rest.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::int64_t k = 0; k < total - given; ++k) ++out[rest[static_cast<std::size_t>(k)].second];
  return out;
}

// Local hour of the week: Monday 00:00-01:00 is 0.
std::size_t hour_of_week(std::chrono::year_month_day d, int hour) {
  const std::chrono::weekday wd{std::chrono::sys_days{d}};
  return static_cast<std::size_t>((wd.iso_encoding() - 1) * 24 + static_cast<unsigned>(hour));
}

}  // namespace

result<tariff_estimate> tariffs_service::estimate(const principal& who, energy consumption,
                                                  std::optional<timestamp> from_in, std::optional<timestamp> to_in) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    if (consumption.wh < 0) fail(errc::validation_error, "consumption must not be negative", "consumption");
    if (from_in) check_grid(*from_in, "from");
    if (to_in) check_grid(*to_in, "to");
    const auto code = impl::region_of(who, std::nullopt);
    // Computing a day's hourly profile stores it: a write transaction.
    return impl_->core.write([&](storage::transaction& tx) {
      const auto r = impl::require_region(tx, code);
      const auto zone = detail::zone_of(r);
      const auto now = impl_->core.now();
      const auto from = from_in.value_or(tariffs::bucket_of(now));
      auto row = impl::tariff_at(tx, code, from);
      if (!row) fail(errc::not_found, "region " + code + " has no tariff in effect at " + to_rfc3339(from), "from");
      const auto& t = row->t;
      timestamp to{};
      if (to_in) {
        to = *to_in;
        if (t.effective_to && to > *t.effective_to)
          fail(errc::validation_error,
               "the range crosses the tariff change at " + to_rfc3339(*t.effective_to) + ": estimate each side",
               "to");
      } else {
        // 30 local days, ending early at a tariff change.
        const auto local = zone.to_local(from);
        to = tariffs::bucket_of(zone.from_local(std::chrono::sys_days{local.date} + std::chrono::days{30},
                                                local.since_midnight));
        if (t.effective_to) to = std::min(to, *t.effective_to);
      }
      if (!(from < to)) fail(errc::validation_error, "to must be after from", "to");
      if (to - from > std::chrono::days{366}) fail(errc::validation_error, "the range may span at most 366 days", "to");

      // The caller's profile: Wh per local hour of the week over the 28
      // local days before today, over every meter they hold.
      std::array<std::int64_t, 7 * 24> profile{};
      if (who.type == principal::kind::user) {
        const auto today = zone.date_of(now);
        std::vector<detail::meter_day> days;
        for (const auto& m : storage::telemetry::meters_of_user(tx, who.id))
          for (int d = 1; d <= 28; ++d)
            days.push_back({m.seq, &zone, std::chrono::sys_days{today} - std::chrono::days{d}});
        const auto hours = detail::day_hours(tx, days);
        for (const auto& d : days) {
          auto it = hours.find({d.meter, to_micros(zone.start_of_day(d.date))});
          if (it == hours.end()) continue;
          for (int h = 0; h < 24; ++h) profile[hour_of_week(d.date, h)] += it->second.wh[static_cast<std::size_t>(h)];
        }
      }
      const bool flat = std::all_of(profile.begin(), profile.end(), [](auto v) { return v == 0; });

      // Each bucket's weight: its local hour of the week's.
      const auto n = static_cast<std::size_t>((to - from) / std::chrono::minutes{15});
      std::vector<std::int64_t> weights(n, 1);
      if (!flat)
        for (std::size_t i = 0; i < n; ++i) {
          const auto local = zone.to_local(from + std::chrono::minutes{15} * i);
          const auto h = std::chrono::duration_cast<std::chrono::hours>(local.since_midnight).count();
          weights[i] = profile[hour_of_week(local.date, static_cast<int>(h))];
        }
      const auto wh = spread(consumption.wh, weights);
      std::vector<bucket_usage> usage;
      usage.reserve(n);
      for (std::size_t i = 0; i < n; ++i)
        if (wh[i] > 0) usage.push_back({from + std::chrono::minutes{15} * i, energy{wh[i]}, energy{0}});

      const auto p = impl::compile(tx, r, t, from, to);
      auto b = p.cost(from, to, usage);
      if (!b) throw exception(b.error());
      tariff_estimate out;
      out.region = r.code;
      out.currency = r.currency;
      out.from = from;
      out.to = to;
      out.consumption = consumption;
      out.by_period = std::move(b->by_period);
      out.energy_charge = b->energy_charge;
      out.tier_charge = b->tier_charge;
      out.fixed_charge = b->fixed_charge;
      out.demand_charge = b->demand_charge;
      // The rule: tax on the energy, tier and fixed lines, and a
      // total of those. A demand charge on a spread series is an artefact of
      // the spread, so it is shown but not added.
      const money taxable{b->energy_charge.micros + b->tier_charge.micros + b->fixed_charge.micros};
      out.tax = money{half_even(wide{taxable.micros} * t.tax_percent.value, tariffs::pow10(12 - r.currency_minor_units)) *
                      static_cast<std::int64_t>(tariffs::pow10(6 - r.currency_minor_units))};
      out.total = taxable + out.tax;
      return out;
    });
  });
}

result<tariff_analytics> tariffs_service::analytics(const principal& who, std::string_view region, timestamp from,
                                                    timestamp to) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    check_grid(from, "from");
    check_grid(to, "to");
    if (!(from < to)) fail(errc::validation_error, "to must be after from", "to");
    if (to - from > std::chrono::days{366}) fail(errc::validation_error, "the range may span at most 366 days", "to");
    return impl_->core.read([&](storage::transaction& tx) {
      const auto r = impl::require_region(tx, region);
      impl::require_operator(who, region);
      tariff_analytics out;
      out.region = r.code;
      out.from = from;
      out.to = to;
      out.overrides = static_cast<std::int64_t>(store::overrides_overlapping(tx, r.code, from, to).size());

      // The region's metered consumption per bucket.
      std::map<std::int64_t, std::int64_t> consumed;  // bucket start -> Wh
      for (const auto& q : storage::telemetry::region_quarters(tx, r.code, from, to))
        consumed[to_micros(q.start)] += q.consumed_wh;

      wide price_sum = 0, amount_nano = 0;
      std::int64_t priced_buckets = 0, consumed_wh = 0;
      std::map<std::string, std::size_t> line_of;
      std::vector<wide> line_nano;
      std::optional<money> highest, lowest_nonzero;
      for (const auto& row : store::tariffs_overlapping(tx, r.code, from, to)) {
        const auto& t = row.t;
        for (const auto& per : t.periods) {
          highest = std::max(highest.value_or(per.price_per_kwh), per.price_per_kwh);
          if (per.price_per_kwh.micros > 0)
            lowest_nonzero = std::min(lowest_nonzero.value_or(per.price_per_kwh), per.price_per_kwh);
        }
        const auto lo = std::max(from, t.effective_from);
        const auto hi = t.effective_to ? std::min(to, *t.effective_to) : to;
        const auto p = impl::compile(tx, r, t, lo, hi);
        const auto n = static_cast<std::size_t>((hi - lo) / std::chrono::minutes{15});
        std::vector<std::uint16_t> periods(n);
        std::vector<money> prices(n);
        if (auto ok = p.price_buckets(lo, hi, periods, prices); !ok) throw exception(ok.error());
        for (std::size_t i = 0; i < n; ++i) {
          const auto& name = t.periods[periods[i]].name;
          auto [pos, fresh] = line_of.try_emplace(name, out.by_period.size());
          if (fresh) {
            out.by_period.push_back({name, 0, energy{0}, money{0}});
            line_nano.push_back(0);
          }
          auto& line = out.by_period[pos->second];
          ++line.quarter_hours;
          price_sum += prices[i].micros;
          ++priced_buckets;
          auto c = consumed.find(to_micros(lo) + static_cast<std::int64_t>(i) * quarter_us);
          if (c == consumed.end()) continue;
          line.consumed.wh += c->second;
          const wide nano = wide{c->second} * prices[i].micros;  // Wh x micro-units per kWh
          line_nano[pos->second] += nano;
          amount_nano += nano;
          consumed_wh += c->second;
        }
      }
      const auto rounded = half_even;
      const int minor = r.currency_minor_units;
      wide unit = 1000;  // 10^-9 -> micro-units
      for (int i = minor; i < 6; ++i) unit *= 10;
      for (std::size_t i = 0; i < out.by_period.size(); ++i)
        out.by_period[i].amount = money{rounded(line_nano[i], unit) * static_cast<std::int64_t>(unit / 1000)};
      if (priced_buckets > 0) out.time_weighted_price_per_kwh = money{rounded(price_sum, priced_buckets)};
      if (consumed_wh > 0) out.consumption_weighted_price_per_kwh = money{rounded(amount_nano, consumed_wh)};
      if (highest && lowest_nonzero)
        out.peak_to_off_peak_ratio =
            std::round(static_cast<double>(highest->micros) / static_cast<double>(lowest_nonzero->micros) * 1e4) / 1e4;
      return out;
    });
  });
}

}  // namespace segs
