// Reads: a user's orders and trades, a slot's book, stats and tape. A read
// that answers from the tables first writes the waiting rows of the region
// it concerns, and only of that region: a read about one region must not
// make another region's callers wait for its batch.
#include "market/market_impl.hpp"

namespace segs::detail {

// The tables answer, after the order's region (and only it) has written
// what waits for it.
order market_impl::get_order(const principal& who, const uuid& id) {
  require_signed_in(who);
  if (auto where = region_of_order(id)) sync_if_run(region(*where));
  return visible_order(who, id).o;
}

page<order> market_impl::orders(const principal& who, const order_query& q) {
  if (!q.user_id || !who.can(permission::market_operate)) require_user(who);
  check_page(q.page, q.per_page);
  store::order_filter f;
  f.user_id = q.user_id.value_or(who.id);
  if (q.user_id && !(*q.user_id == who.id)) {
    if (!who.can(permission::market_operate))
      fail(errc::forbidden, "only market operators list other users' orders", "user_id");
    if (who.scope != role_scope::all) f.region = who.region;
  }
  f.status = q.status;
  f.delivery_slot = q.delivery_slot;
  f.page = q.page;
  f.per_page = q.per_page;
  sync_user(f.user_id, f.region);
  return core_.read([&](storage::transaction& tx) { return store::list_orders(tx, f); });
}

order_book market_impl::book(const principal& who, timestamp slot, const std::optional<std::string>& asked, int depth) {
  require_signed_in(who);
  if (depth < 1 || depth > 1000) fail(errc::validation_error, "depth must be between 1 and 1000", "depth");
  const auto name = region_for(who, asked);
  order_book ob;
  ob.region = name;
  ob.delivery_slot = slot;
  auto* known = find_region(name);
  if (!known) {  // a region with no market data: an empty book
    check_aligned(core_.opts.market.defaults, slot);
    return ob;
  }
  auto& r = *known;
  check_aligned(r.settings, slot);
  // Books are memory: no need to write the waiting rows. A slot not in
  // memory was closed, and closures are written as they happen.
  auto lk = lock(r);
  close_due(r, core_.now());
  auto it = r.slots.find(to_micros(slot));
  if (it == r.slots.end()) {
    // A closed slot: its sequence is in storage.
    auto rec = core_.read([&](storage::transaction& tx) { return store::find_slot(tx, name, slot); });
    if (rec) ob.sequence = static_cast<std::uint64_t>(rec->sequence);
    return ob;
  }
  const auto& sb = it->second;
  ob.sequence = static_cast<std::uint64_t>(sb.rec.sequence);
  const auto n = static_cast<std::size_t>(depth);
  if (sb.book) {
    for (const auto& l : sb.book->bids(n)) ob.bids.push_back({money{l.price}, energy{l.quantity}, l.orders});
    for (const auto& l : sb.book->asks(n)) ob.asks.push_back({money{l.price}, energy{l.quantity}, l.orders});
  } else {
    // Epoch: aggregate the collected limit orders (market orders have no
    // price to show).
    std::map<std::int64_t, book_level, std::greater<>> bids;
    std::map<std::int64_t, book_level> asks;
    for (const auto& [prio, seq] : sb.collected) {
      const auto& o = r.live.at(seq).o;
      if (!o.price) continue;
      auto& l = o.side == order_side::buy ? bids[o.price->micros] : asks[o.price->micros];
      l.price = *o.price;
      l.quantity.wh += o.remaining.wh;
      ++l.orders;
    }
    for (const auto& [p, l] : bids) {
      if (ob.bids.size() == n) break;
      ob.bids.push_back(l);
    }
    for (const auto& [p, l] : asks) {
      if (ob.asks.size() == n) break;
      ob.asks.push_back(l);
    }
  }
  return ob;
}

market_stats market_impl::stats(const principal& who, timestamp slot, const std::optional<std::string>& asked) {
  require_signed_in(who);
  const auto name = region_for(who, asked);
  market_stats st;
  st.region = name;
  st.delivery_slot = slot;
  auto* known = find_region(name);
  if (!known) {  // a region with no market data
    check_aligned(core_.opts.market.defaults, slot);
    st.mechanism = core_.opts.market.defaults.mechanism;
    return st;
  }
  auto& r = *known;
  check_aligned(r.settings, slot);
  sync_region(name);
  std::optional<slot_record> rec;
  {
    auto lk = lock(r);
    st.mechanism = r.settings.mechanism;
    auto it = r.slots.find(to_micros(slot));
    if (it != r.slots.end()) {
      rec = it->second.rec;
      if (const auto& bk = it->second.book) {
        if (auto p = bk->best_bid()) st.best_bid = money{*p};
        if (auto p = bk->best_ask()) st.best_ask = money{*p};
      }
    }
  }
  __extension__ using wide = __int128;
  const auto key = std::make_pair(name, to_micros(slot));
  slot_tape tape;
  {
    std::lock_guard lk(tapes_mu_);
    if (auto it = tapes_.find(key); it != tapes_.end()) tape = it->second;
  }
  const auto fold = [](slot_tape& t, const std::vector<store::tape_item>& items) {
    for (const auto& i : items) {
      if (!t.open) t.open = i.price;
      t.high = t.high ? std::max(*t.high, i.price) : i.price;
      t.low = t.low ? std::min(*t.low, i.price) : i.price;
      t.close = i.price;
      t.volume.wh += i.quantity.wh;
      t.notional += static_cast<wide>(i.price.micros) * i.quantity.wh;
      t.last_seq = std::max(t.last_seq, i.seq);
      ++t.count;
    }
  };
  core_.read([&](storage::transaction& tx) {
    if (!rec) rec = store::find_slot(tx, name, slot);
    const auto last = store::slot_last_seq(tx, name, slot);
    if (last == tape.last_seq) return;
    auto fresh = tape;
    if (last < tape.last_seq) fresh = {};  // trades removed under us: fold them all again
    fold(fresh, store::slot_tape_after(tx, name, slot, fresh.last_seq));
    tape = fresh;
  });
  {
    std::lock_guard lk(tapes_mu_);
    if (tapes_.size() >= max_tapes && !tapes_.contains(key)) tapes_.erase(tapes_.begin());
    auto& kept = tapes_[key];
    if (tape.last_seq >= kept.last_seq) kept = tape;
  }
  if (rec) {
    st.mechanism = rec->settings.mechanism;
    st.clearing_price = rec->clearing_price;
    st.cleared = rec->cleared;
    if (rec->settings.mechanism == market_mechanism::epoch && rec->state != slot_state::open && !st.cleared)
      st.cleared = energy{0};
  }
  st.open = tape.open;
  st.high = tape.high;
  st.low = tape.low;
  st.close = st.last_price = tape.close;
  st.volume = tape.volume;
  st.trade_count = tape.count;
  if (st.volume.wh > 0) {
    // VWAP to the micro-unit, half to even.
    const wide d = st.volume.wh;
    wide q = tape.notional / d;
    const wide rem = tape.notional % d;
    if (2 * rem > d || (2 * rem == d && (q & 1) != 0)) ++q;
    st.vwap = money{static_cast<std::int64_t>(q)};
  }
  return st;
}

page<user_trade> market_impl::history(const principal& who, const trade_query& q) {
  require_user(who);
  check_page(q.page, q.per_page);
  sync_user(who.id, std::nullopt);
  return core_.read([&](storage::transaction& tx) { return store::user_trades(tx, who.id, q); });
}

std::vector<public_trade> market_impl::matches(const principal& who, timestamp slot, const std::optional<std::string>& asked) {
  require_signed_in(who);
  const auto name = region_for(who, asked);
  auto* known = find_region(name);
  if (!known) {
    check_aligned(core_.opts.market.defaults, slot);
    return {};
  }
  check_aligned(known->settings, slot);
  sync_region(name);
  auto trades = core_.read([&](storage::transaction& tx) { return store::slot_trades(tx, name, slot); });
  std::vector<public_trade> out;
  out.reserve(trades.size());
  for (const auto& t : trades) out.push_back(tape(t, who.id));
  return out;
}

}  // namespace segs::detail
