// Delivery slots and their gates: which slot an order may join, opening
// it, closing it (expiry or the call auction), the clock's sweep, and an
// operator's clear. Gate closures are written directly, not journaled.
#include "market/market_impl.hpp"

#include <unordered_map>

namespace segs::detail {

void market_impl::check_slot_time(const market_settings& s, timestamp slot, timestamp now) {
  check_aligned(s, slot);
  const auto opens = from_micros(to_micros(slot) - us(s.open_ahead));
  const auto gate = gate_of(s, slot);
  if (now < opens)
    fail(errc::validation_error, "trading for this delivery_slot opens at " + to_rfc3339(opens), "delivery_slot");
  if (now >= gate)
    fail(errc::validation_error, "trading for this delivery_slot closed at " + to_rfc3339(gate), "delivery_slot");
}

void market_impl::check_aligned(const market_settings& s, timestamp slot) {
  if (to_micros(slot) % us(s.slot_length) != 0)
    fail(errc::validation_error,
         "delivery_slot must be the start of a " + std::to_string(s.slot_length.count()) +
             "-minute slot (aligned to UTC)",
         "delivery_slot");
}

// The settings an order for `slot` trades under: the slot's own once it
// exists, else the region's. Refuses slots that are closed.
const market_settings& market_impl::settings_for(region_market& r, timestamp slot) {
  auto it = r.slots.find(to_micros(slot));
  if (it == r.slots.end()) return r.settings;
  if (it->second.rec.state != slot_state::open)
    fail(errc::validation_error, "trading for this delivery_slot has closed", "delivery_slot");
  return it->second.rec.settings;
}

// The open slot for an order, created when it is the slot's first.
// REQUIRES: check_slot_time passed for it.
slot_book& market_impl::open_slot(region_batch& b, timestamp slot) {
  auto& r = *b.region;
  const auto key = to_micros(slot);
  auto it = r.slots.find(key);
  if (it != r.slots.end()) return it->second;
  slot_book sb;
  sb.rec = new_slot(r.name, slot, r.settings);
  if (r.settings.mechanism == market_mechanism::continuous) sb.book.emplace(engine_stp(r.settings.stp));
  b.slots.insert_or_assign(key, true);
  return r.slots.emplace(key, std::move(sb)).first->second;
}

// Forgets a slot created by a call whose order was then refused.
void market_impl::drop_if_unused(region_batch& b, timestamp slot) {
  const auto key = to_micros(slot);
  auto fresh = b.slots.find(key);
  auto it = b.region->slots.find(key);
  if (fresh == b.slots.end() || !fresh->second || it == b.region->slots.end()) return;
  if (it->second.rec.sequence != 0) return;
  b.region->slots.erase(it);
  b.slots.erase(fresh);
}

// Closes one open slot: expiry (continuous) or the auction (epoch).
void market_impl::close_slot(region_batch& b, slot_book& sb, timestamp now) {
  auto& r = *b.region;
  recorder rec;
  // The quotes at gate closure (analytics' spread), before anything expires
  // or the auction runs.
  if (sb.book) {
    if (auto p = sb.book->best_bid()) sb.rec.gate_bid = money{*p};
    if (auto p = sb.book->best_ask()) sb.rec.gate_ask = money{*p};
  } else {
    for (const auto& [prio, seq] : sb.collected) {
      const auto& o = r.live.at(seq).o;
      if (o.type != order_type::limit || !o.price) continue;
      auto& best = o.side == order_side::buy ? sb.rec.gate_bid : sb.rec.gate_ask;
      if (!best || (o.side == order_side::buy ? *o.price > *best : *o.price < *best)) best = *o.price;
    }
  }
  if (sb.book) {
    sb.book->expire_all(rec);
    apply(b, sb, rec, now, nullptr, 0);
    sb.book.reset();
  } else {
    std::vector<eng::resting_order> orders;
    orders.reserve(sb.collected.size());
    std::unordered_map<eng::order_id, std::int64_t> seq_of;
    for (const auto& [prio, seq] : sb.collected) {
      const auto& o = r.live.at(seq).o;
      eng::resting_order ro;
      ro.id = static_cast<eng::order_id>(prio);
      ro.owner = r.owner(o.user_id);
      ro.side = engine_side(o.side);
      ro.type = o.type == order_type::market ? eng::order_type::market : eng::order_type::limit;
      ro.price = o.price ? o.price->micros : 0;
      ro.quantity = o.remaining.wh;
      orders.push_back(ro);
      seq_of.emplace(ro.id, seq);
    }
    const auto result = eng::run_auction(orders, sb.rec.settings.tick.micros);
    for (const auto& f : result.fills) {
      recorder::event e{recorder::event::kind::fill, f, 0, 0, 0, {}};
      e.f.maker = static_cast<eng::order_id>(seq_of.at(f.maker));
      e.f.taker = static_cast<eng::order_id>(seq_of.at(f.taker));
      rec.events.push_back(e);
    }
    rec.auction = true;
    apply(b, sb, rec, now, nullptr, 0);
    for (const auto& [prio, seq] : sb.collected) {
      auto& o = touch(b, seq);
      if (o.o.remaining.wh > 0) {
        o.o.remaining.wh = 0;
        o.o.status = order_status::expired;
        o.o.updated_at = now;
      }
    }
    sb.collected.clear();
    sb.own.clear();
    if (result.price) {
      sb.rec.clearing_price = money{*result.price};
      sb.rec.cleared = energy{result.volume};
    }
  }
  sb.rec.state = slot_state::closed;
  sb.rec.closed_at = now;
  bump(b, sb);
  retire(b);

  clearing_result c = clearing_of(sb.rec);
  if (sb.rec.settings.mechanism == market_mechanism::epoch) {
    for (const auto& t : b.trades)
      if (t.delivery_slot == sb.rec.start) c.trades.push_back(tape(t, std::nullopt));
  }
  b.closings.push_back(std::move(c));
}

clearing_result market_impl::clearing_of(const slot_record& s) {
  clearing_result c;
  c.region = s.region;
  c.delivery_slot = s.start;
  c.mechanism = s.settings.mechanism;
  c.clearing_price = s.clearing_price;
  c.cleared = s.cleared.value_or(energy{0});
  c.closed_at = s.closed_at.value_or(timestamp{});
  return c;
}

// A trade on the tape; `viewer` none shows both order ids.
public_trade market_impl::tape(const trade_record& t, const std::optional<uuid>& viewer) {
  public_trade p;
  p.id = t.id;
  p.price = t.price;
  p.quantity = t.quantity;
  p.executed_at = t.executed_at;
  if (!viewer || t.buyer_id == *viewer) p.buy_order_id = t.buy_order_id;
  if (!viewer || t.seller_id == *viewer) p.sell_order_id = t.sell_order_id;
  return p;
}

// Closes the region's slots whose gate time has passed.
void market_impl::sweep(region_batch& b, timestamp now) {
  for (auto& [start, sb] : b.region->slots) {
    if (sb.rec.state == slot_state::open && sb.rec.gate_at <= now) close_slot(b, sb, now);
  }
}

// Closes the region's due gates in a transaction of their own (lock held),
// after writing the pending projection, so that a call refused afterwards
// leaves nothing unwritten; answers what the closures did.
std::vector<clearing_result> market_impl::close_due(region_market& r, timestamp now) {
  const bool due = std::any_of(r.slots.begin(), r.slots.end(), [&](const auto& kv) {
    return kv.second.rec.state == slot_state::open && kv.second.rec.gate_at <= now;
  });
  if (!due) return {};
  flush(r);
  region_batch b{&r};
  sweep(b, now);
  commit({&b});
  return std::move(b.closings);
}

void market_impl::require_operator(const principal& who, std::string_view region) {
  require_signed_in(who);
  if (!operates(who, region))
    fail(errc::forbidden, "only operators of the region and admins may do this", "region");
}

// Audited when this call closes the slot: in the closure's transaction. A
// slot whose gate time had passed was closed by the clock (close_due), and
// a closed one is only answered: neither writes a record.
clearing_result market_impl::clear(const principal& who, std::string_view name, timestamp slot,
                                   const request_context& ctx) {
  if (name.empty()) fail(errc::validation_error, "region is required", "region");
  require_operator(who, name);
  auto& r = region(name);
  auto lk = lock(r);
  const auto now = core_.now();
  for (auto& c : close_due(r, now))
    if (c.delivery_slot == slot) return std::move(c);
  flush(r);
  auto it = r.slots.find(to_micros(slot));
  if (it != r.slots.end() && it->second.rec.state == slot_state::open) {
    region_batch b{&r};
    close_slot(b, it->second, now);
    auto answer = b.closings.back();
    commit({&b}, [&](storage::transaction& tx) { audit_market(core_, tx, who, ctx, "market.clear", r.name, slot); });
    return answer;
  }
  if (it != r.slots.end()) return stored_clearing(it->second.rec);
  auto rec = core_.read([&](storage::transaction& tx) { return store::find_slot(tx, r.name, slot); });
  if (rec) return stored_clearing(*rec);
  // A slot that never held an order: record it closed, so it stays so.
  check_aligned(r.settings, slot);
  slot_book sb;
  sb.rec = new_slot(r.name, slot, r.settings);
  sb.rec.state = slot_state::closed;
  sb.rec.closed_at = now;
  if (r.settings.mechanism == market_mechanism::epoch) sb.rec.cleared = energy{0};
  const auto key = to_micros(slot);
  r.slots.emplace(key, std::move(sb));
  region_batch nb{&r};
  nb.slots.emplace(key, true);
  auto answer = clearing_of(r.slots.at(key).rec);
  nb.closings.push_back(answer);
  try {
    commit({&nb}, [&](storage::transaction& tx) { audit_market(core_, tx, who, ctx, "market.clear", r.name, slot); });
  } catch (...) {
    r.slots.erase(key);
    throw;
  }
  return answer;
}

clearing_result market_impl::stored_clearing(const slot_record& rec) {
  auto c = clearing_of(rec);
  if (rec.settings.mechanism == market_mechanism::epoch) {
    auto trades = core_.read([&](storage::transaction& tx) { return store::slot_trades(tx, rec.region, rec.start); });
    for (const auto& t : trades) c.trades.push_back(tape(t, std::nullopt));
  }
  return c;
}

}  // namespace segs::detail
