// Settling a closed slot: the ledger from its trades and the deliveries,
// written with its audit record. Separate from the gates because it runs
// long after them and never touches the books.
#include "market/market_impl.hpp"
#include "storage/stores/telemetry_store.hpp"

namespace segs::detail {

namespace {

// Without explicit deliveries, a seller delivered the net export of their
// meters in the region over the slot, (slot start, slot end]: floored at 0
// and capped at what they sold. A seller none of whose meters reported in
// the slot is left out, and so settles as traded.
std::map<uuid, energy> metered_deliveries(storage::transaction& tx, std::string_view region,
                                          const std::vector<trade_record>& trades, timestamp slot,
                                          timestamp delivery_end) {
  std::map<uuid, std::int64_t> sold;
  for (const auto& t : trades) sold[t.seller_id] += t.quantity.wh;
  std::vector<uuid> sellers;
  for (const auto& [id, wh] : sold) sellers.push_back(id);
  std::map<uuid, energy> out;
  for (const auto& [id, net] : storage::telemetry::net_export(tx, region, sellers, slot, delivery_end))
    out[id] = energy{std::min(std::max<std::int64_t>(net, 0), sold[id])};
  return out;
}

}  // namespace

// Audited in the settlement's transaction; answering an earlier settlement
// writes nothing.
settlement market_impl::settle(const principal& who, std::string_view name, timestamp slot,
                               const std::optional<std::vector<delivery>>& deliveries,
                               const request_context& ctx) {
  if (name.empty()) fail(errc::validation_error, "region is required", "region");
  require_operator(who, name);
  std::map<uuid, energy> delivered;
  if (deliveries) {
    for (std::size_t i = 0; i < deliveries->size(); ++i) {
      const auto& d = (*deliveries)[i];
      const auto field = "deliveries[" + std::to_string(i) + "]";
      if (d.delivered.wh < 0) fail(errc::validation_error, "delivered must not be negative", field + ".delivered");
      if (!delivered.emplace(d.user_id, d.delivered).second)
        fail(errc::validation_error, "a user appears twice in deliveries", field + ".user_id");
    }
  }
  auto& r = region(name);
  auto lk = lock(r);
  const auto now = core_.now();
  close_due(r, now);
  flush(r);
  auto it = r.slots.find(to_micros(slot));
  if (it != r.slots.end() && it->second.rec.state == slot_state::open)
    fail(errc::conflict, "the slot's gate has not closed yet", "delivery_slot");
  std::optional<slot_record> in_memory;
  if (it != r.slots.end()) in_memory = it->second.rec;
  detail::outgoing out;
  auto answer = core_.write([&](storage::transaction& tx) -> settlement {
    out.clear();
    auto rec = in_memory;  // the unit may run again: no state outside it
    if (!rec) rec = store::find_slot(tx, r.name, slot);
    settlement s;
    s.region = r.name;
    s.delivery_slot = slot;
    if (rec && rec->state == slot_state::settled) {
      s.settled_at = rec->settled_at.value_or(timestamp{});
      s.entries = store::entries(tx, r.name, slot);
      return s;
    }
    const auto& settings = rec ? rec->settings : r.settings;
    check_aligned(settings, slot);
    if (!rec) {
      // Never traded: settle empty once the gate time has passed.
      if (now < gate_of(settings, slot))
        fail(errc::conflict, "the slot's gate has not closed yet", "delivery_slot");
      auto fresh = new_slot(r.name, slot, settings);
      fresh.state = slot_state::closed;
      fresh.closed_at = now;
      store::insert_slot(tx, fresh);
      rec = fresh;
    }
    const auto delivery_end = from_micros(to_micros(slot) + us(settings.slot_length));
    if (!deliveries && now < delivery_end)
      fail(errc::conflict,
           "the slot's delivery ends at " + to_rfc3339(delivery_end) +
               "; settle after it, or give the deliveries",
           "delivery_slot");
    const auto trades = store::slot_trades(tx, r.name, slot);
    auto measured = delivered;
    if (!deliveries) measured = metered_deliveries(tx, r.name, trades, slot, delivery_end);
    s.entries = settle_slot(trades, measured, settings.imbalance_price);
    if (!store::mark_settled(tx, r.name, slot, now)) fail(errc::conflict, "the slot was settled meanwhile");
    int line = 0;
    for (const auto& e : s.entries) store::insert_entry(tx, core_.new_id(), r.name, slot, ++line, e, now);
    s.settled_at = now;
    audit_market(core_, tx, who, ctx, "market.settle", r.name, slot,
                 {{"deliveries", deliveries ? std::to_string(deliveries->size()) : std::string("as traded")},
                  {"entries", std::to_string(s.entries.size())}});
    if (core_.wants("market.settlement")) {
      market_event e;
      e.type = market_event::kind::settlement;
      e.region = r.name;
      e.delivery_slot = slot;
      e.settled = s;
      out.add(r.name, std::move(e));
      core_.tell(tx, out);  // each trader hears of it in the same transaction
    }
    return s;
  });
  core_.publish(std::move(out));
  if (it != r.slots.end()) {
    it->second.rec.state = slot_state::settled;
    it->second.rec.settled_at = answer.settled_at;
  }
  return answer;
}

}  // namespace segs::detail
