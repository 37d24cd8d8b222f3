// The market service's regions: which ones this grid knows, taking
// ownership of one at first use, and loading it (projection + journal
// replay) or reloading it after a failed write. Kept apart from the order
// flow because it is the only code that decides what memory holds when it
// cannot trust itself.
#include "market/market_impl.hpp"

namespace segs::detail {

// The grid validated its market_options at open (grid.cpp).
market_impl::market_impl(grid_core& core) : core_(core) {
  load_all();
}

// Leaves the tables current, so that the next open has nothing to replay.
market_impl::~market_impl() {
  for (auto& [name, r] : regions_) {
    std::lock_guard lk(r->mu);
    if (!r->ownership || r->stale) continue;
    try {
      flush(*r);
    } catch (...) {
      // The journal has it all: the next owner replays it.
    }
  }
}

region_market& market_impl::region(std::string_view name) {
  std::lock_guard lk(regions_mu_);
  auto it = regions_.find(name);
  if (it != regions_.end()) return *it->second;
  auto r = std::make_unique<region_market>();
  r->name = std::string(name);
  r->settings = core_.opts.market.defaults;
  auto& ref = *r;
  regions_.emplace(std::string(name), std::move(r));
  return ref;
}

// The regions known to this grid now (entries are never removed).
std::vector<region_market*> market_impl::all_regions() {
  std::lock_guard lk(regions_mu_);
  std::vector<region_market*> all;
  for (auto& [n, r] : regions_) all.push_back(r.get());
  return all;
}

// A region known to this grid, or null. Read paths use it so that asking
// about arbitrary region names does not grow the map.
region_market* market_impl::find_region(std::string_view name) {
  {
    std::lock_guard lk(regions_mu_);
    auto it = regions_.find(name);
    if (it != regions_.end()) return it->second.get();
  }
  // Another grid may have opened a market there since this one opened.
  const bool stored = core_.read([&](storage::transaction& tx) { return store::region_has_market(tx, std::string(name)); });
  return stored ? &region(name) : nullptr;
}

// At open: every configured region and every region with open slots gets
// an entry, so that listings and close_due_gates() find them. Its books
// are built when this grid first uses the region (and takes ownership of
// it): see lock().
void market_impl::load_all() {
  core_.read([&](storage::transaction& tx) {
    for (auto& s : store::all_settings(tx)) {
      auto& r = region(s.region);
      r.settings = s.settings;
      r.configured = true;
      r.updated_at = s.updated_at;
    }
    for (const auto& s : store::active_slots(tx, core_.now())) region(s.region);
    for (const auto& name : store::journal_regions(tx)) region(name);
  });
}

// Puts slots and live orders (sorted by region, slot, priority) in memory.
void market_impl::rebuild(const std::vector<slot_record>& slots, const std::vector<order_record>& live,
             const std::optional<std::string>& only) {
  for (const auto& s : slots) {
    if (only && s.region != *only) continue;
    auto& r = region(s.region);
    slot_book sb;
    sb.rec = s;
    if (s.state == slot_state::open && s.settings.mechanism == market_mechanism::continuous)
      sb.book.emplace(engine_stp(s.settings.stp));
    r.slots.insert_or_assign(to_micros(s.start), std::move(sb));
  }
  eng::event_sink ignore;
  for (const auto& o : live) {
    auto& r = region(o.o.region);
    auto it = r.slots.find(to_micros(o.o.delivery_slot));
    if (it == r.slots.end() || it->second.rec.state != slot_state::open)
      fail(errc::internal, "market storage holds a live order of a closed slot: " + o.o.id.to_string());
    auto& sb = it->second;
    if (sb.book) {
      eng::order_request req;
      req.id = static_cast<eng::order_id>(o.seq);
      req.owner = r.owner(o.o.user_id);
      req.side = engine_side(o.o.side);
      req.post_only = o.o.post_only;
      req.price = o.o.price ? o.o.price->micros : 0;
      req.quantity = o.o.remaining.wh;
      const auto res = sb.book->submit(req, ignore);
      if (res.filled != 0 || res.remaining != o.o.remaining.wh)
        fail(errc::internal, "market storage holds a crossed book in region " + r.name);
    } else {
      collect(r, sb, o);
    }
    r.live.emplace(o.seq, o);
    r.live_ids.emplace(o.o.id, o.seq);
  }
}

void market_impl::forget(region_market& r) {
  r.slots.clear();
  r.live.clear();
  r.live_ids.clear();
  r.pending = region_batch(&r);
}

// Replaces the region's memory with what storage holds: the projection,
// then the journal entries after its mark, replayed.
void market_impl::reload_or_throw(region_market& r) {
  forget(r);
  r.stale = true;
  struct stored {
    std::optional<store::stored_settings> settings;
    store::projection_mark mark;
    std::vector<slot_record> slots;
    std::vector<order_record> live;
    std::vector<store::journal_entry> journal;
  };
  auto st = core_.read([&](storage::transaction& tx) {
    stored out;
    for (auto& s : store::all_settings(tx))
      if (s.region == r.name) out.settings = std::move(s);
    if (auto m = store::find_mark(tx, r.name)) {
      out.mark = *m;
    } else {  // written before the journal existed
      const auto c = store::counters(tx, r.name);
      out.mark.order_seq = c.order_seq;
      out.mark.trade_seq = c.trade_seq;
    }
    out.slots = store::active_slots(tx, core_.now(), r.name);
    out.live = store::live_orders(tx, r.name);
    out.journal = store::journal_after(tx, r.name, out.mark.journal_seq);
    return out;
  });
  if (st.settings) {
    r.settings = st.settings->settings;
    r.configured = true;
    r.updated_at = st.settings->updated_at;
  }
  r.next_order_seq = st.mark.order_seq + 1;
  r.next_trade_seq = st.mark.trade_seq + 1;
  r.journal_seq = st.mark.journal_seq;
  rebuild(st.slots, st.live, r.name);
  // A priority renewed by an amendment took a number from the order
  // counter: never hand it out again.
  for (const auto& [seq, o] : r.live) r.next_order_seq = std::max(r.next_order_seq, o.priority + 1);
  for (const auto& e : st.journal) {
    if (e.seq != r.journal_seq + 1)
      fail(errc::internal, "the market journal of region " + r.name + " has a gap before entry " +
                               std::to_string(e.seq));
    region_batch b{&r};
    apply_command(b, eng::decode(e.body), e.at);
    r.journal_seq = e.seq;
    absorb(r, b);
  }
  r.stale = false;
}

// After a failed write: memory may be ahead of storage. When storage fails
// the reload too, the region stays stale and is reloaded at its next use.
void market_impl::reload(region_market& r) noexcept {
  try {
    reload_or_throw(r);
  } catch (...) {
    forget(r);
    r.stale = true;
  }
}

// Locks a region for one call, reloading it first when it is stale.
// Locks a region for one call. The first use takes ownership of the
// region's market in the database (one grid, one process, at a time) and
// loads it from storage, as the previous owner left it; a stale region is
// reloaded.
std::unique_lock<std::mutex> market_impl::lock(region_market& r) {
  auto lk = try_lock(r);
  if (!lk)
    fail(errc::unavailable,
         "the market of region " + r.name + " is run by another process or grid on this database", "region");
  return std::move(*lk);
}

// As lock(), but none when someone else owns the region.
std::optional<std::unique_lock<std::mutex>> market_impl::try_lock(region_market& r) {
  std::unique_lock lk(r.mu);
  if (!r.ownership) {
    auto owner = core_.db->try_own("market:" + r.name);
    if (!owner) return std::nullopt;
    reload_or_throw(r);
    r.ownership = std::move(owner);
  } else if (r.stale) {
    reload_or_throw(r);
  }
  return lk;
}

}  // namespace segs::detail
