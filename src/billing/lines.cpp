// form_lines: a customer's invoice lines. Every line is summed exactly --
// Wh x micro-units per kWh is 10^-9 currency units -- and rounded half to
// even to the currency's minor unit once, where the line is formed.
#include "billing/lines.hpp"

#include "tariffs/schedule.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace segs::billing {

namespace {

using tariffs::pow10;
using tariffs::round_half_even;
using tariffs::wide;

constexpr std::array<line_kind, 5> market_line_kinds{line_kind::p2p_purchase, line_kind::p2p_sale,
                                                      line_kind::market_fee, line_kind::imbalance_charge,
                                                      line_kind::imbalance_refund};
constexpr std::array<const char*, 5> market_descriptions{"P2P purchases", "P2P sales", "Market fees",
                                                         "Imbalance charges", "Imbalance refunds"};

money checked(wide micros) {
  if (micros > std::numeric_limits<std::int64_t>::max() || micros < std::numeric_limits<std::int64_t>::min())
    throw exception(make_error(errc::internal, "an invoice amount is out of range"));
  return money{static_cast<std::int64_t>(micros)};
}

// One priced line's exact sum, and whether one price made it.
struct priced {
  wide nano = 0;
  std::int64_t wh = 0;
  std::optional<money> lo;
  std::optional<money> hi;
  void add(std::int64_t e, money price) {
    nano += wide{e} * price.micros;
    wh += e;
    if (!lo || price < *lo) lo = price;
    if (!hi || *hi < price) hi = price;
  }
  [[nodiscard]] std::optional<money> unit_price() const { return lo == hi ? lo : std::nullopt; }
};

class line_maker {
 public:
  line_maker(int minor, const billing_scope& s) : minor_(minor), scope_(s) {}

  // `v` in 10^-`scale` units, scaled by the projection when `scaled`.
  [[nodiscard]] money amount(wide v, int scale, bool scaled) const {
    const wide num = scaled ? scope_.scale_num : 1;
    const wide den = scaled ? scope_.scale_den : 1;
    return checked(round_half_even(v * num, den * pow10(scale - minor_)) * pow10(6 - minor_));
  }
  [[nodiscard]] milli quantity(std::int64_t thousandths, bool scaled) const {
    if (!scaled) return milli{thousandths};
    return milli{static_cast<std::int64_t>(
        round_half_even(wide{thousandths} * scope_.scale_num, wide{scope_.scale_den}))};
  }

 private:
  int minor_;
  const billing_scope& scope_;
};

std::string tier_text(const std::vector<tariff_tier>& tiers, std::size_t k) {
  std::string s = "Tier " + std::to_string(k + 1) + " adder";
  if (tiers[k].up_to) return s + " (up to " + tiers[k].up_to->to_kwh_string() + " kWh)";
  if (k > 0 && tiers[k - 1].up_to) return s + " (above " + tiers[k - 1].up_to->to_kwh_string() + " kWh)";
  return s;
}

}  // namespace

void customer_energy::clear() {
  std::fill(consumed.begin(), consumed.end(), 0);
  std::fill(produced.begin(), produced.end(), 0);
  std::fill(bought.begin(), bought.end(), 0);
  std::fill(sold.begin(), sold.end(), 0);
}

void ledger_sum::add(std::int64_t entry_wh, std::int64_t entry_micros) {
  ++entries;
  wh += entry_wh;
  micros += entry_micros;
  if (mixed) return;
  const wide per_kwh = wide{entry_micros < 0 ? -entry_micros : entry_micros} * 1000;
  if (entry_wh <= 0 || per_kwh % entry_wh != 0) {
    mixed = true;
    unit_price.reset();
    return;
  }
  const money p = checked(per_kwh / entry_wh);
  if (!unit_price) {
    unit_price = p;
  } else if (*unit_price != p) {
    mixed = true;
    unit_price.reset();
  }
}

void spread(std::int64_t wh, std::span<std::int64_t> out) {
  if (out.empty()) return;
  const auto n = static_cast<std::int64_t>(out.size());
  const std::int64_t each = wh / n;
  std::int64_t rest = wh - each * n;  // same sign as wh
  for (auto& o : out) {
    o += each;
    if (rest > 0) {
      ++o;
      --rest;
    } else if (rest < 0) {
      --o;
      ++rest;
    }
  }
}

formed_lines form_lines(const cycle_prices& prices, const customer_energy& e, const market_sums& market,
                        const billing_scope& scope) {
  const auto nt = prices.tariffs.size();
  std::vector<std::vector<priced>> energy_of(nt);
  std::vector<std::vector<std::int64_t>> tier_wh(nt);
  std::vector<priced> export_of(nt);
  for (std::size_t t = 0; t < nt; ++t) {
    energy_of[t].resize(prices.tariffs[t].periods.size());
    tier_wh[t].resize(prices.tariffs[t].tiers.size());
  }

  formed_lines out;
  std::int64_t running = 0;  // the energy billed so far: the tiers count from the cycle's start
  std::int64_t peak_wh = 0;
  int peak_tariff = -1;
  for (std::size_t i = 0; i < prices.buckets; ++i) {
    const auto c = e.consumed[i];
    const auto p = e.produced[i];
    out.consumed.wh += c;
    out.produced.wh += p;
    const int t = prices.tariff_of[i];
    if (t < 0) continue;
    const auto& terms = prices.tariffs[static_cast<std::size_t>(t)];
    const auto billed = std::max<std::int64_t>(c - e.bought[i], 0);
    const auto exported = std::max<std::int64_t>(p - e.sold[i], 0);
    if (billed > 0) {
      energy_of[static_cast<std::size_t>(t)][prices.period_of[i]].add(billed, prices.price_of[i]);
      std::int64_t lower = 0;
      for (std::size_t k = 0; k < terms.tiers.size(); ++k) {
        const auto upper = terms.tiers[k].up_to ? terms.tiers[k].up_to->wh : std::numeric_limits<std::int64_t>::max();
        const auto overlap = std::min(running + billed, upper) - std::max(running, lower);
        if (overlap > 0) tier_wh[static_cast<std::size_t>(t)][k] += overlap;
        lower = upper;
      }
      running += billed;
    }
    if (exported > 0) export_of[static_cast<std::size_t>(t)].add(exported, terms.export_price_per_kwh);
    if (c > peak_wh) {  // strictly: the earliest bucket wins a tie
      peak_wh = c;
      peak_tariff = t;
    }
  }

  const line_maker make(prices.minor_digits, scope);
  // Taxable amounts by tax rate (ten-thousandths of a percent).
  std::map<std::int64_t, money> taxable;
  auto keep = [&](invoice_line l, const tariff* taxed_by) {
    if (l.amount.micros == 0) return;
    if (taxed_by) taxable[taxed_by->tax_percent.value] = taxable[taxed_by->tax_percent.value] + l.amount;
    out.subtotal = out.subtotal + l.amount;
    out.lines.push_back(std::move(l));
  };
  const bool several = nt > 1;
  auto of_tariff = [&](const tariff& t) { return several ? " (" + t.name + ")" : std::string(); };

  for (std::size_t t = 0; t < nt; ++t) {
    const auto& terms = prices.tariffs[t];
    for (std::size_t p = 0; p < terms.periods.size(); ++p) {
      const auto& acc = energy_of[t][p];
      if (acc.wh == 0) continue;
      keep({line_kind::energy, "Energy, " + terms.periods[p].name + of_tariff(terms), terms.periods[p].name,
            make.quantity(acc.wh, true), "kWh", acc.unit_price(), make.amount(acc.nano, 9, true)},
           &terms);
    }
  }
  for (std::size_t t = 0; t < nt; ++t) {
    const auto& terms = prices.tariffs[t];
    for (std::size_t k = 0; k < terms.tiers.size(); ++k) {
      const auto wh = tier_wh[t][k];
      if (wh == 0) continue;
      keep({line_kind::tier_adder, tier_text(terms.tiers, k) + of_tariff(terms), std::nullopt,
            make.quantity(wh, true), "kWh", terms.tiers[k].adder_per_kwh,
            make.amount(wide{wh} * terms.tiers[k].adder_per_kwh.micros, 9, true)},
           &terms);
    }
  }
  for (std::size_t t = 0; t < nt; ++t) {
    const auto& acc = export_of[t];
    if (acc.wh == 0) continue;
    keep({line_kind::export_credit, "Export credit" + of_tariff(prices.tariffs[t]), std::nullopt,
          make.quantity(acc.wh, true), "kWh", acc.unit_price(), make.amount(-acc.nano, 9, true)},
         nullptr);
  }
  for (std::size_t t = 0; t < nt; ++t) {
    const auto& terms = prices.tariffs[t];
    const auto days_end = prices.day_tariff.begin() +
                          static_cast<std::ptrdiff_t>(std::min(scope.fixed_days, prices.day_tariff.size()));
    const auto days = std::count(prices.day_tariff.begin(), days_end, static_cast<std::int16_t>(t));
    if (days == 0) continue;
    keep({line_kind::fixed_charge, "Fixed charge" + of_tariff(terms), std::nullopt, milli{days * 1000}, "day",
          terms.fixed_charge_per_day, make.amount(wide{days} * terms.fixed_charge_per_day.micros, 6, false)},
         &terms);
  }
  if (peak_tariff >= 0) {
    const auto& terms = prices.tariffs[static_cast<std::size_t>(peak_tariff)];
    // c Wh in a quarter-hour is c x 4 W on average: c x 4 thousandths of a kW.
    keep({line_kind::demand_charge, "Demand charge" + of_tariff(terms), std::nullopt, milli{peak_wh * 4}, "kW",
          terms.demand_charge_per_kw, make.amount(wide{peak_wh} * 4 * terms.demand_charge_per_kw.micros, 9, false)},
         &terms);
  }
  for (std::size_t k = 0; k < market.size(); ++k) {
    const auto& m = market[k];
    if (m.entries == 0) continue;
    keep({market_line_kinds[k], market_descriptions[k], std::nullopt, milli{m.wh}, "kWh", m.unit_price,
          make.amount(-wide{m.micros}, 6, false)},
         nullptr);
  }
  for (const auto& [rate, base] : taxable) {
    const auto tax = make.amount(wide{base.micros} * rate, 12, false);
    if (tax.micros == 0) continue;
    out.lines.push_back({line_kind::tax, "Tax " + ten_thousandths{rate}.to_string() + "%", std::nullopt,
                         milli{base.micros / 1000}, prices.currency, money{rate}, tax});
    out.tax = out.tax + tax;
  }
  out.total = out.subtotal + out.tax;
  return out;
}

}  // namespace segs::billing
