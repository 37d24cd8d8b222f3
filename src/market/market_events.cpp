// Market events: what a call's batch publishes on the grid's event hub
// after it commits ("market.order", "market.trade", "market.book",
// "market.clearing"; "market.settlement" is built by settle). Built before
// the commit, told to the notifications' maker inside it, and delivered
// only after it (market_projection.cpp), so delivery never runs inside a
// transaction.
#include "market/market_impl.hpp"

namespace segs::detail {

void market_impl::events_of(const region_batch& b, std::vector<event>& events) {
  // Nobody listening: skip building the events (the common case under load).
  if (!core_.wants("market.")) return;
  auto& r = *b.region;
  auto add = [&](market_event::kind k, timestamp slot) -> market_event& {
    auto& e = events.emplace_back();
    e.region = r.name;
    auto& m = e.data.emplace<market_event>();
    m.type = k;
    m.region = r.name;
    m.delivery_slot = slot;
    return m;
  };
  for (const auto& [seq, fresh] : b.orders) {
    auto it = r.live.find(seq);
    const order_record* rec = it != r.live.end() ? &it->second : nullptr;
    if (!rec) {
      auto f = b.finished.find(seq);
      if (f == b.finished.end()) continue;
      rec = &f->second;
    }
    add(market_event::kind::order, rec->o.delivery_slot).order_update = rec->o;
  }
  for (const auto& t : b.trades) add(market_event::kind::trade, t.delivery_slot).trade = tape(t, std::nullopt);
  for (auto start : b.book_changed) {
    auto it = r.slots.find(start);
    add(market_event::kind::book, from_micros(start)).sequence =
        it != r.slots.end() ? static_cast<std::uint64_t>(it->second.rec.sequence) : 0;
  }
  for (const auto& c : b.closings) {
    auto& m = add(market_event::kind::clearing, c.delivery_slot);
    m.clearing = c;
    m.clearing->trades.clear();
  }
}

subscription market_impl::subscribe(std::function<void(const market_event&)> fn) {
  return core_.events.subscribe(
      [fn = std::move(fn)](const event& e) {
        if (const auto* m = e.get<market_event>()) fn(*m);
      },
      {.names = {"market."}, .region = std::nullopt});
}

}  // namespace segs::detail
