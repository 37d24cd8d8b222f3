// tariff_pricer::cost: the lines of a bill. Every line is summed exactly
// (Wh x micro-units per kWh is 10^-9 currency units) and rounded half to
// even to the currency's minor unit once, where the line is formed.
#include "tariffs/pricer.hpp"

#include <limits>
#include <string>

namespace segs {

namespace {

using tariffs::wide;

using tariffs::invalid;

money rounded(wide v, int scale, int minor_digits) {
  const auto m = tariffs::rounded(v, scale, minor_digits);
  if (!m) throw exception(make_error(errc::validation_error, "an amount of the bill is out of range", "usage"));
  return *m;
}

result<void> check_usage(std::span<const bucket_usage> usage, timestamp from, timestamp to) {
  for (std::size_t i = 0; i < usage.size(); ++i) {
    const auto& u = usage[i];
    const auto at = [&](const char* member) { return "usage[" + std::to_string(i) + "]." + member; };
    if (!tariffs::on_grid(u.start)) return invalid(at("start"), "must be on the 15-minute grid");
    if (u.start < from || u.start >= to) return invalid(at("start"), "must be inside [from, to)");
    if (i > 0 && u.start <= usage[i - 1].start)
      return invalid(at("start"), "must be after the previous bucket's (ascending, one per start)");
    if (u.consumed.wh < 0) return invalid(at("consumed"), "must not be negative");
    if (u.produced.wh < 0) return invalid(at("produced"), "must not be negative");
  }
  return {};
}

}  // namespace

result<bill> tariff_pricer::cost(timestamp from, timestamp to, std::span<const bucket_usage> usage) const {
  if (auto ok = impl_->check_range(from, to); !ok) return ok.error();
  if (auto ok = check_usage(usage, from, to); !ok) return ok.error();
  const auto& t = impl_->terms;
  const int minor = impl_->minor_digits;
  try {
    // Each bucket at its period's effective price: exact sums per period.
    std::vector<wide> nano(t.periods.size(), 0);
    std::vector<std::int64_t> wh(t.periods.size(), 0);
    if (!usage.empty()) {
      std::size_t j = 0;
      impl_->walk(to_micros(usage.front().start), to_micros(usage.back().start) + tariffs::quarter_us,
                  [&](const tariff_run& r) {
                    const auto stop = r.start + r.count * tariffs::quarter_us;
                    for (; j < usage.size() && to_micros(usage[j].start) < stop; ++j) {
                      const auto p = r.period[(to_micros(usage[j].start) - r.start) / tariffs::quarter_us];
                      nano[p] += static_cast<wide>(usage[j].consumed.wh) * r.prices[p].micros;
                      wh[p] += usage[j].consumed.wh;
                    }
                  });
    }
    bill b;
    for (std::size_t p = 0; p < t.periods.size(); ++p) {
      if (wh[p] == 0) continue;
      b.by_period.push_back({t.periods[p].name, energy{wh[p]}, rounded(nano[p], 9, minor)});
      b.energy_charge = b.energy_charge + b.by_period.back().amount;
    }

    std::int64_t total = 0;
    for (const auto& u : usage) {
      total += u.consumed.wh;
      b.exported.wh += u.produced.wh;
      if (u.consumed > b.peak_consumed) {  // strictly: the earliest bucket wins a tie
        b.peak_consumed = u.consumed;
        b.peak_at = u.start;
      }
    }
    // The tiers split the cycle's energy by its running total, so a bucket
    // that crosses a boundary lands in both tiers: only the total matters.
    std::int64_t below = 0;
    for (const auto& tier : t.tiers) {
      const auto above = tier.up_to ? std::min(total, tier.up_to->wh) : total;
      if (above <= below) break;
      const energy in_tier{above - below};
      b.tiers.push_back({tier.up_to, in_tier, tier.adder_per_kwh,
                         rounded(static_cast<wide>(in_tier.wh) * tier.adder_per_kwh.micros, 9, minor)});
      b.tier_charge = b.tier_charge + b.tiers.back().amount;
      if (!tier.up_to) break;
      below = tier.up_to->wh;
    }

    if (from < to) {
      const auto first = std::chrono::sys_days{impl_->zone.date_of(from)};
      const auto last = std::chrono::sys_days{impl_->zone.date_of(to - std::chrono::microseconds{1})};
      b.days = static_cast<int>((last - first).count()) + 1;
    }
    b.fixed_charge = rounded(static_cast<wide>(b.days) * t.fixed_charge_per_day.micros, 6, minor);
    // peak Wh x 4 / 1000 = kW; x micro-units per kW / 1000 = ... 10^-9 units: Wh x 4 x rate.
    b.demand_charge = rounded(static_cast<wide>(b.peak_consumed.wh) * 4 * t.demand_charge_per_kw.micros, 9, minor);
    b.export_credit =
        money{0} - rounded(static_cast<wide>(b.exported.wh) * t.export_price_per_kwh.micros, 9, minor);
    b.taxable = b.energy_charge + b.tier_charge + b.fixed_charge + b.demand_charge;
    // micro-units x ten-thousandths of a percent: 10^-12 units.
    b.tax = rounded(static_cast<wide>(b.taxable.micros) * t.tax_percent.value, 12, minor);
    b.total = b.taxable + b.export_credit + b.tax;
    return b;
  } catch (const exception& e) {
    return e.err();
  }
}

}  // namespace segs
