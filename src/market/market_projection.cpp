// Committing what a call did: journal entries before the answer, and the
// order, trade and slot rows (the projection) in batches behind them. One
// file so the rule "a failed commit reloads the region" lives in one place.
#include "market/market_impl.hpp"

namespace segs::detail {

void market_impl::write_batch(storage::transaction& tx, region_batch& b) {
  auto& r = *b.region;
  for (const auto& [start, fresh] : b.slots) {
    const auto& rec = r.slots.at(start).rec;
    if (fresh)
      store::insert_slot(tx, rec);
    else
      store::update_slot(tx, rec);
  }
  std::vector<const order_record*> inserts, updates;
  for (const auto& [seq, fresh] : b.orders) {
    auto it = r.live.find(seq);
    const order_record* rec = it != r.live.end() ? &it->second : &b.finished.at(seq);
    (fresh ? inserts : updates).push_back(rec);
  }
  store::insert_orders(tx, inserts);
  store::update_orders(tx, updates);
  store::insert_trades(tx, b.trades);
  store::save_mark(tx, r.name, {r.journal_seq, r.next_order_seq - 1, r.next_trade_seq - 1});
}

// Writes the batches to the tables, the region's projection mark with
// them, and whatever `also` writes in the same transaction (an operator's
// audit record). REQUIRES: the regions' pending changes are written
// (flush), or the batch is the pending. On failure reloads the regions and
// rethrows.
void market_impl::commit(std::vector<region_batch*> batches,
                         const std::function<void(storage::transaction&)>& also, bool announce) {
  detail::outgoing out;
  if (announce)
    for (auto* b : batches) events_of(*b, out.events);
  const auto own = out.events.size();
  try {
    core_.write([&](storage::transaction& tx) {
      for (auto* b : batches) write_batch(tx, *b);
      if (also) also(tx);
      out.rewind(own);
      core_.tell(tx, out);
    });
  } catch (...) {
    for (auto* b : batches) reload(*b->region);
    throw;
  }
  for (auto* b : batches) {
    // Closed slots leave memory once their gate time has passed (a slot an
    // operator closed early stays, so its orders stay refused).
    const auto now = core_.now();
    for (auto it = b->region->slots.begin(); it != b->region->slots.end();) {
      if (it->second.rec.state != slot_state::open && it->second.rec.gate_at <= now)
        it = b->region->slots.erase(it);
      else
        ++it;
    }
  }
  core_.publish(std::move(out));
}

// Commits the batches' journal entries; their changes join the regions'
// pending projection. On failure reloads the regions and rethrows.
void market_impl::commit_journal(std::vector<region_batch*> batches) {
  detail::outgoing out;
  for (auto* b : batches) events_of(*b, out.events);
  const auto own = out.events.size();
  try {
    core_.write([&](storage::transaction& tx) {
      for (auto* b : batches) store::append_journal(tx, b->region->name, b->journal);
      out.rewind(own);
      core_.tell(tx, out);
    });
  } catch (...) {
    for (auto* b : batches) reload(*b->region);
    throw;
  }
  core_.publish(std::move(out));
}

// Adds what a call changed to the region's pending projection.
void market_impl::absorb(region_market& r, region_batch& b) {
  auto& p = r.pending;
  for (const auto& [start, fresh] : b.slots) p.slots[start] = p.slots[start] || fresh;
  for (const auto& [seq, fresh] : b.orders) p.orders[seq] = p.orders[seq] || fresh;
  for (auto& [seq, rec] : b.finished) p.finished.insert_or_assign(seq, std::move(rec));
  p.trades.insert(p.trades.end(), std::make_move_iterator(b.trades.begin()),
                  std::make_move_iterator(b.trades.end()));
}

// Writes the region's pending projection (lock held); throws, after
// reloading the region, when storage fails.
void market_impl::flush(region_market& r) {
  if (!r.pending.dirty()) return;
  commit({&r.pending}, {}, false);
  r.pending = region_batch(&r);
}

// After a journaled call: keeps the projection at most a batch behind.
// The call has committed, so a failure here is not its failure: the
// region reloads (commit did) and the next read or call writes it.
void market_impl::flush_if_due(region_market& r) noexcept {
  if (r.pending.rows() < core_.opts.market.projection_batch) return;
  try {
    flush(r);
  } catch (...) {
  }
}

// Every region this grid runs, with its due gates closed and its
// projection written, so that storage answers reads. Regions another
// process or grid runs are theirs.
std::vector<clearing_result> market_impl::sync_all() {
  const auto all = all_regions();
  std::vector<clearing_result> out;
  for (auto* r : all) {
    auto lk = try_lock(*r);
    if (!lk) continue;
    for (auto& c : close_due(*r, core_.now())) out.push_back(std::move(c));
    flush(*r);
  }
  std::sort(out.begin(), out.end(), [](const clearing_result& a, const clearing_result& c) {
    return std::tie(a.delivery_slot, a.region) < std::tie(c.delivery_slot, c.region);
  });
  return out;
}

// As sync_all for one region, when this grid runs it or can take it over;
// false when another grid or process runs it (its tables are theirs to
// write).
bool market_impl::sync_if_run(region_market& r) {
  auto lk = try_lock(r);
  if (!lk) return false;
  close_due(r, core_.now());
  flush(r);
  return true;
}

// Before reading a user's orders or trades from the tables: syncs only the
// regions whose waiting rows or due gates can change them, those where the
// user has traded as far as this grid knows (`owners` holds everyone with an
// order placed, loaded or replayed there), so that a read about one region
// never makes another region's callers wait for its batch. A region this
// grid has not loaded yet is loaded first (its replay may hold the user's
// orders), as every read did before. `only`: that region alone.
void market_impl::sync_user(const uuid& user, const std::optional<std::string>& only) {
  for (auto* r : all_regions()) {
    if (only && r->name != *only) continue;
    auto lk = try_lock(*r);
    if (!lk || !r->owners.count(user)) continue;
    close_due(*r, core_.now());
    flush(*r);
  }
}

// The region of an order, or none when no region holds it: resting or
// waiting in the memory of a region this grid runs, else as stored, else in
// a region this grid has not loaded yet (loading it replays its journal).
std::optional<std::string> market_impl::region_of_order(const uuid& id) {
  auto held = [&](region_market& r) {
    if (r.live_ids.count(id)) return true;
    for (const auto& [seq, rec] : r.pending.finished)
      if (rec.o.id == id) return true;
    return false;
  };
  const auto all = all_regions();
  for (auto* r : all) {
    std::lock_guard lk(r->mu);
    if (r->ownership && !r->stale && held(*r)) return r->name;
  }
  if (auto rec = core_.read([&](storage::transaction& tx) { return store::find_order(tx, id); }))
    return rec->o.region;
  for (auto* r : all) {
    {
      std::lock_guard lk(r->mu);
      if (r->ownership) continue;
    }
    auto lk = try_lock(*r);
    if (lk && held(*r)) return r->name;
  }
  return std::nullopt;
}

// One region, as sync_all (lock taken here).
void market_impl::sync_region(std::string_view name) {
  auto& r = region(name);
  auto lk = lock(r);
  close_due(r, core_.now());
  flush(r);
}

}  // namespace segs::detail
