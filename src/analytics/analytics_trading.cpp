// Trading and financial analytics: the scope's trades by the local day of
// their delivery slot, priced against the tariff bucket by bucket with the
// prices billing computes for a cycle (billing/prices.hpp), settlement's
// imbalance entries, and billing's invoices and payments.
#include "analytics/analytics_impl.hpp"

#include "billing/prices.hpp"
#include "market/settlement.hpp"
#include "storage/stores/billing_store.hpp"
#include "storage/stores/market_store.hpp"

#include <algorithm>
#include <map>

namespace segs {

namespace {

using analytics::wide;
using namespace std::chrono_literals;
using analytics::target;

constexpr std::int64_t quarter_us = billing::quarter_us;

// One side of the scope's trades, as summed.
struct side_sums {
  energy wh;
  std::int64_t trades = 0;
  money amount;
  money fees;
  analytics::vwap_sum price;
};

struct trading_sums {
  side_sums buy, sell;
  wide savings = 0;
  std::int64_t unpriced = 0;

  [[nodiscard]] trading_figures figures() const {
    trading_figures f;
    f.bought = buy.wh;
    f.sold = sell.wh;
    f.buy_trades = buy.trades;
    f.sell_trades = sell.trades;
    f.spent = buy.amount;
    f.earned = sell.amount;
    f.average_buy_price = buy.price.value();
    f.average_sell_price = sell.price.value();
    f.fees = buy.fees + sell.fees;
    f.savings = analytics::to_money(savings);
    f.unpriced = energy{unpriced};
    return f;
  }
};

// A trade side of the scope, with what it saved against the tariff.
struct priced_side {
  bool buy = true;
  const detail::trade_record* t = nullptr;
  wide savings = 0;
  std::int64_t unpriced = 0;
};

// The scope's trade sides with a slot starting in the range, each priced:
// the trade's energy spread evenly over its slot's 15-minute buckets in whole
// Wh (the remainder to the earliest, as billing delivers it), each bucket
// against the import price (bought) or the export price (sold) of the
// tariff in effect at its start.
std::vector<priced_side> priced_sides(storage::transaction& tx, const target& t,
                                      const std::vector<detail::trade_record>& trades) {
  namespace m = storage::market;
  const auto& h = t.header;
  std::map<std::int64_t, std::chrono::minutes> length;
  for (const auto& s : m::slots_between(tx, h.region, h.start, h.end)) length[to_micros(s.start)] = s.length;
  billing::cycle c;
  c.month = h.from.year() / h.from.month();
  c.start = h.start;
  c.end = h.end;
  c.days = static_cast<int>(t.days.size());
  const auto prices = billing::prices_of(tx, t.r, t.z, c);
  std::vector<priced_side> out;
  std::vector<std::int64_t> q;
  for (const auto& tr : trades) {
    for (const bool buy : {true, false}) {
      if (h.scope == analytics_scope::self && (buy ? tr.buyer_id : tr.seller_id) != *h.user_id) continue;
      priced_side s{buy, &tr, 0, 0};
      const auto len = length.find(to_micros(tr.delivery_slot));
      const auto k = static_cast<std::size_t>(len == length.end() ? 1 : std::max<std::int64_t>(len->second / 15min, 1));
      q.assign(k, 0);
      billing::spread(tr.quantity.wh, q);
      const auto base = (to_micros(tr.delivery_slot) - to_micros(h.start)) / quarter_us;
      for (std::size_t j = 0; j < k; ++j) {
        const auto i = base + static_cast<std::int64_t>(j);
        const auto at = static_cast<std::size_t>(i);
        if (i < 0 || at >= prices.buckets || prices.tariff_of[at] < 0) {
          s.unpriced += q[j];
          continue;
        }
        const auto& tariff = prices.tariffs[static_cast<std::size_t>(prices.tariff_of[at])];
        s.savings += buy ? analytics::buy_saving(prices.price_of[at], tr.price, q[j])
                         : analytics::sell_saving(tr.price, tariff.export_price_per_kwh, q[j]);
      }
      out.push_back(s);
    }
  }
  return out;
}

void add(trading_sums& sums, const priced_side& s) {
  const auto& t = *s.t;
  auto& side = s.buy ? sums.buy : sums.sell;
  side.wh = side.wh + t.quantity;
  ++side.trades;
  side.amount = side.amount + detail::trade_amount(t.price, t.quantity);
  side.fees = side.fees + (s.buy ? t.buyer_fee : t.seller_fee);
  side.price.add(t.price, t.quantity);
  sums.savings += s.savings;
  sums.unpriced += s.unpriced;
}

}  // namespace

trading_analytics analytics_service::impl::trading_of(storage::transaction& tx, const target& t) {
  const auto trades = storage::market::trades_between(tx, t.header.region, t.header.start, t.header.end);
  std::vector<trading_sums> days(t.days.size());
  trading_sums total;
  for (const auto& s : priced_sides(tx, t, trades)) {
    const auto d = analytics::bucket_of(t.days, s.t->delivery_slot);
    if (!d) continue;
    add(days[*d], s);
    add(total, s);
  }
  trading_analytics out;
  out.header = t.header;
  for (std::size_t i = 0; i < t.days.size(); ++i) out.days.push_back({t.days[i].date, days[i].figures()});
  out.total = total.figures();
  return out;
}

financial_analytics analytics_service::impl::financial_of(storage::transaction& tx, const target& t,
                                                          analytics_grouping g) {
  const auto& h = t.header;
  const auto periods = analytics::group(t.days, g);
  struct sums {
    trading_sums market;
    money imbalance, invoiced, paid, outstanding;
  };
  std::vector<sums> per(periods.size());
  sums total;
  auto each = [&](timestamp at, auto&& fn) {
    if (const auto i = analytics::period_of(periods, at)) {
      fn(per[*i]);
      fn(total);
    }
  };
  const auto trades = storage::market::trades_between(tx, h.region, h.start, h.end);
  for (const auto& s : priced_sides(tx, t, trades)) each(s.t->delivery_slot, [&](sums& x) { add(x.market, s); });
  // Imbalance: the negated sum of the scope's imbalance entries (charges
  // are debits, refunds credits), by the slot's local day.
  for (const auto& se : storage::market::user_entries_between(tx, h.region, h.start, h.end)) {
    const auto& e = se.entry;
    if (e.kind != ledger_kind::imbalance_charge && e.kind != ledger_kind::imbalance_refund) continue;
    if (h.scope == analytics_scope::self && e.user_id != h.user_id) continue;
    each(se.slot, [&](sums& x) { x.imbalance = x.imbalance - e.amount; });
  }
  for (const auto& inv : storage::billing::invoices_issued_between(tx, h.region, h.user_id, h.start, h.end))
    each(inv.issued_at, [&](sums& x) {
      x.invoiced = x.invoiced + inv.total;
      x.outstanding = x.outstanding + inv.due;
    });
  for (const auto& p : storage::billing::payments_between(tx, h.region, h.user_id, h.start, h.end))
    each(p.paid_at, [&](sums& x) { x.paid = x.paid + p.amount; });

  auto figures = [](const sums& x) {
    financial_figures f;
    f.spend = x.market.buy.amount;
    f.earnings = x.market.sell.amount;
    f.fees = x.market.buy.fees + x.market.sell.fees;
    f.imbalance = x.imbalance;
    f.net = f.earnings - f.spend - f.fees - f.imbalance;
    f.invoiced = x.invoiced;
    f.paid = x.paid;
    f.outstanding = x.outstanding;
    return f;
  };
  financial_analytics out;
  out.header = h;
  out.group_by = g;
  for (std::size_t i = 0; i < periods.size(); ++i)
    out.periods.push_back({periods[i].period, periods[i].start, periods[i].end, figures(per[i])});
  out.total = figures(total);
  return out;
}

}  // namespace segs
