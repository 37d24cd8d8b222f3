// Market analytics: a region's trades and closed slots by the local day of
// the slot's start: volume, VWAP, high and low, clearing prices of the
// auctions, the bid-ask spread recorded at gate closure, participants.
#include "analytics/analytics_impl.hpp"

#include "storage/stores/market_store.hpp"

#include <set>

namespace segs {

namespace {

using analytics::wide;

struct market_sums {
  energy volume;
  std::int64_t trades = 0;
  analytics::vwap_sum vwap;
  std::optional<money> high, low;
  std::int64_t slots_closed = 0;
  wide clearing = 0;
  std::int64_t cleared = 0;
  wide spread = 0;
  std::int64_t spreads = 0;
  std::set<uuid> participants;

  void add(const detail::trade_record& t) {
    volume = volume + t.quantity;
    ++trades;
    vwap.add(t.price, t.quantity);
    high = high ? std::max(*high, t.price) : t.price;
    low = low ? std::min(*low, t.price) : t.price;
    participants.insert(t.buyer_id);
    participants.insert(t.seller_id);
  }
  void add(const detail::slot_record& s) {
    if (s.state == detail::slot_state::open) return;
    ++slots_closed;
    if (s.settings.mechanism == market_mechanism::epoch && s.clearing_price) {
      clearing += s.clearing_price->micros;
      ++cleared;
    }
    if (s.gate_bid && s.gate_ask) {
      spread += s.gate_ask->micros - s.gate_bid->micros;
      ++spreads;
    }
  }
  [[nodiscard]] market_figures figures() const {
    market_figures f;
    f.volume = volume;
    f.trade_count = trades;
    f.vwap = vwap.value();
    f.high = high;
    f.low = low;
    f.slots_closed = slots_closed;
    f.mean_clearing_price = analytics::mean(clearing, cleared);
    f.cleared_slots = cleared;
    f.mean_spread_at_gate = analytics::mean(spread, spreads);
    f.spread_slots = spreads;
    f.participants = static_cast<std::int64_t>(participants.size());
    return f;
  }
};

}  // namespace

market_analytics analytics_service::impl::market_of(storage::transaction& tx, const target& t) {
  const auto& h = t.header;
  std::vector<market_sums> days(t.days.size());
  market_sums total;
  for (const auto& tr : storage::market::trades_between(tx, h.region, h.start, h.end))
    if (const auto d = analytics::bucket_of(t.days, tr.delivery_slot)) {
      days[*d].add(tr);
      total.add(tr);
    }
  for (const auto& s : storage::market::slot_records_between(tx, h.region, h.start, h.end))
    if (const auto d = analytics::bucket_of(t.days, s.start)) {
      days[*d].add(s);
      total.add(s);
    }
  market_analytics out;
  out.header = h;
  for (std::size_t i = 0; i < t.days.size(); ++i) out.days.push_back({t.days[i].date, days[i].figures()});
  out.total = total.figures();
  return out;
}

}  // namespace segs
