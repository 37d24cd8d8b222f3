// The market service: validation and authorization, the in-memory books of
// every open delivery slot, persistence of every change before the caller
// hears of it, gate closure, market data, settlement and events.
//
// Concurrency: one mutex per region serializes that region's market; the
// map of regions has its own. A call mutates the in-memory state (books,
// live orders, slots) under the region's lock, commits what it did, and
// only then answers. When the commit fails the region is rebuilt from
// storage, so memory never holds what storage does not.
//
// Durability: an order, amendment or cancel is committed as one entry of
// the region's journal (market/journal.hpp); the orders, trades and slots
// it changed are written to their tables later, in batches (the
// projection), before anything reads them and at most
// `options::market_projection_batch` rows behind. Gate closures, clearing,
// settlement and settings changes bring the projection up to date and then
// write directly. Rebuilding a region = its projection + a replay of the
// journal entries after the projection's mark, through the same code.
#include "grid_core.hpp"
#include "market/engine.hpp"
#include "market/journal.hpp"
#include "market/records.hpp"
#include "market/settlement.hpp"
#include "storage/stores/market_store.hpp"

#include <segs/market.hpp>

#include <sodium.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_map>

namespace segs {

namespace detail {

namespace eng = segs::market;
namespace store = storage::market;

namespace {

struct uuid_hash {
  std::size_t operator()(const uuid& u) const noexcept {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (auto b : u.bytes) h = (h ^ b) * 1099511628211ULL;
    return static_cast<std::size_t>(h);
  }
};

constexpr std::int64_t micros_per_minute = 60'000'000;

// A trade's id: a version 7 UUID of its execution time whose other 74 bits
// hash the region and the trade's seq in it, so that a replay of the
// journal gives every trade the id its caller was answered with. As
// unlikely to collide as random bits: the hash is BLAKE2b.
uuid trade_id(std::string_view region, std::int64_t seq, timestamp at) {
  std::array<unsigned char, 16> h{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, h.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(region.data()), region.size());
  std::array<unsigned char, 8> n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(seq) >> (8 * i));
  crypto_generichash_update(&st, n.data(), n.size());
  crypto_generichash_final(&st, h.data(), h.size());
  const auto ms = static_cast<std::uint64_t>(std::max<std::int64_t>(0, to_micros(at) / 1000));
  uuid u;
  for (std::size_t i = 0; i < 6; ++i) u.bytes[i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
  for (std::size_t i = 6; i < 16; ++i) u.bytes[i] = h[i];
  u.bytes[6] = static_cast<std::uint8_t>(0x70 | (u.bytes[6] & 0x0F));
  u.bytes[8] = static_cast<std::uint8_t>(0x80 | (u.bytes[8] & 0x3F));
  return u;
}

std::int64_t us(std::chrono::minutes m) { return m.count() * micros_per_minute; }

timestamp gate_of(const market_settings& s, timestamp slot) {
  return from_micros(to_micros(slot) - us(s.gate_closure));
}

// A slot's row as it first appears: open, under `s`.
slot_record new_slot(const std::string& region, timestamp start, const market_settings& s) {
  slot_record rec;
  rec.region = region;
  rec.start = start;
  rec.settings = s;
  rec.gate_at = gate_of(s, start);
  return rec;
}

eng::stp_policy engine_stp(self_trade_prevention s) {
  switch (s) {
    case self_trade_prevention::cancel_newest: return eng::stp_policy::cancel_newest;
    case self_trade_prevention::cancel_oldest: return eng::stp_policy::cancel_oldest;
    case self_trade_prevention::cancel_both: return eng::stp_policy::cancel_both;
  }
  return eng::stp_policy::cancel_newest;
}
eng::side engine_side(order_side s) { return s == order_side::buy ? eng::side::buy : eng::side::sell; }
order_side public_side(eng::side s) { return s == eng::side::buy ? order_side::buy : order_side::sell; }

void validate_settings(const market_settings& s) {
  const auto slot = s.slot_length.count();
  if (slot < 1 || slot > 1440 || 1440 % slot != 0)
    fail(errc::validation_error, "slot_minutes must divide a day (1..1440, e.g. 15, 30, 60)", "slot_minutes");
  if (s.gate_closure.count() < 0 || s.gate_closure.count() > 7 * 1440)
    fail(errc::validation_error, "gate_closure_minutes must be between 0 and 10080", "gate_closure_minutes");
  if (s.open_ahead <= s.gate_closure || s.open_ahead.count() > 31 * 1440)
    fail(errc::validation_error,
         "open_minutes_ahead must be more than gate_closure_minutes and at most 44640 (31 days)",
         "open_minutes_ahead");
  if (s.tick.micros <= 0) fail(errc::validation_error, "tick must be positive", "tick");
  if (s.fee_per_kwh.micros < 0) fail(errc::validation_error, "fee_per_kwh must not be negative", "fee_per_kwh");
  if (s.fee_ppm < 0 || s.fee_ppm > 1'000'000)
    fail(errc::validation_error, "fee_percent must be between 0 and 100", "fee_percent");
  if (s.imbalance_price && s.imbalance_price->micros <= 0)
    fail(errc::validation_error, "imbalance_price_per_kwh must be positive", "imbalance_price_per_kwh");
}

void check_paging(int page, int per_page) {
  if (page < 1) fail(errc::validation_error, "page must be 1 or more", "page");
  if (per_page < 1 || per_page > 100) fail(errc::validation_error, "per_page must be between 1 and 100", "per_page");
}

void require_signed_in(const principal& who) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in to use the market");
}

// Orders and trades belong to users: API keys and the system have none.
void require_user(const principal& who) {
  require_signed_in(who);
  if (who.type != principal::kind::user) fail(errc::forbidden, "orders and trades belong to signed-in users");
}

/// May `who` operate the market of `region` (clear, settle, others' orders)?
bool operates(const principal& who, std::string_view region) {
  if (!who.can(permission::market_operate)) return false;
  return who.scope == role_scope::all || (who.scope == role_scope::region && who.region == region);
}

/// Engine events of one call, in order.
struct recorder final : eng::event_sink {
  struct event {
    enum class kind : std::uint8_t { fill, cancel, rest } type;
    eng::fill f{};
    eng::order_id id = 0;
    eng::qty_t quantity = 0;
    eng::price_t price = 0;
    eng::cancel_reason reason = eng::cancel_reason::requested;
  };
  std::vector<event> events;
  bool auction = false;  ///< fills of the call auction: no aggressor
  void on_fill(const eng::fill& f) override { events.push_back({event::kind::fill, f, 0, 0, 0, {}}); }
  void on_cancel(eng::order_id id, eng::qty_t q, eng::cancel_reason r) override {
    events.push_back({event::kind::cancel, {}, id, q, 0, r});
  }
  void on_rest(eng::order_id id, eng::qty_t q, eng::price_t p) override {
    events.push_back({event::kind::rest, {}, id, q, p, {}});
  }
};

}  // namespace

/// A delivery slot in memory: open (with its book), or closed early by an
/// operator and remembered until its gate time so that orders stay refused.
struct slot_book {
  slot_record rec;
  std::optional<eng::book> book;                    // continuous, while open
  std::map<std::int64_t, std::int64_t> collected;   // epoch, while open: priority -> seq
  /// Epoch: each owner's collected orders by limit (market orders at the
  /// extreme), so that self-trade prevention finds the own orders an
  /// incoming one crosses without scanning the slot.
  struct own_orders {
    std::multimap<std::int64_t, std::int64_t> buys, sells;  // limit -> seq
  };
  std::map<eng::owner_id, own_orders> own;
};

struct region_market;

/// The writes and events of one call on one region; as a region's
/// `pending`, the projection not yet written.
struct region_batch {
  explicit region_batch(region_market* r = nullptr) : region(r) {}
  region_market* region;
  std::map<std::int64_t, bool> slots;   // start -> new row?
  std::map<std::int64_t, bool> orders;  // seq -> new row?
  std::map<std::int64_t, order_record> finished;  // seq -> orders that left `live`
  std::vector<trade_record> trades;
  std::vector<clearing_result> closings;
  std::set<std::int64_t> book_changed;  // slot starts
  /// Orders touched by the current engine call (apply and retire look only
  /// at these, so a bulk call stays linear).
  std::vector<std::int64_t> touched_now;
  /// The commands the call applied, to be journaled.
  std::vector<store::journal_entry> journal;

  [[nodiscard]] bool dirty() const { return !slots.empty() || !orders.empty() || !trades.empty(); }
  [[nodiscard]] std::size_t rows() const { return slots.size() + orders.size() + trades.size(); }
};

/// One region's market.
struct region_market {
  std::mutex mu;
  std::string name;
  market_settings settings;
  bool configured = false;
  timestamp updated_at{};
  std::map<std::int64_t, slot_book> slots;                // by start (µs)
  std::unordered_map<std::int64_t, order_record> live;    // resting orders by seq
  std::unordered_map<uuid, std::int64_t, uuid_hash> live_ids;  // the same, by order id
  std::unordered_map<uuid, eng::owner_id, uuid_hash> owners;
  std::int64_t next_order_seq = 1;
  std::int64_t next_trade_seq = 1;
  /// The last entry of the region's journal.
  std::int64_t journal_seq = 0;
  /// What the journal holds and the tables do not yet (see the top).
  region_batch pending;
  /// Memory may differ from storage (a write and the reload after it
  /// failed): reload before the next use.
  bool stale = false;
  /// This grid's ownership of the region's market; taken at first use.
  std::unique_ptr<storage::ownership> ownership;

  region_market() : pending{this} {}
  region_market(const region_market&) = delete;
  region_market& operator=(const region_market&) = delete;

  eng::owner_id owner(const uuid& u) {
    auto [it, fresh] = owners.try_emplace(u, owners.size() + 1);
    return it->second;
  }
};

class market_impl {
 public:
  explicit market_impl(grid_core& core) : core_(core) {
    validate_settings(core_.opts.market_defaults);
    load_all();
  }

  // Leaves the tables current, so that the next open has nothing to replay.
  ~market_impl() {
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
  market_impl(const market_impl&) = delete;
  market_impl& operator=(const market_impl&) = delete;

  grid_core& core_;
  std::mutex regions_mu_;
  std::map<std::string, std::unique_ptr<region_market>, std::less<>> regions_;

  std::mutex subs_mu_;
  std::map<std::uint64_t, std::shared_ptr<std::function<void(const market_event&)>>> subs_;
  std::uint64_t next_sub_ = 1;
  std::atomic<std::size_t> n_subs_{0};

  // --- loading ---------------------------------------------------------------

  region_market& region(std::string_view name) {
    std::lock_guard lk(regions_mu_);
    auto it = regions_.find(name);
    if (it != regions_.end()) return *it->second;
    auto r = std::make_unique<region_market>();
    r->name = std::string(name);
    r->settings = core_.opts.market_defaults;
    auto& ref = *r;
    regions_.emplace(std::string(name), std::move(r));
    return ref;
  }

  // The regions known to this grid now (entries are never removed).
  std::vector<region_market*> all_regions() {
    std::lock_guard lk(regions_mu_);
    std::vector<region_market*> all;
    for (auto& [n, r] : regions_) all.push_back(r.get());
    return all;
  }

  // A region known to this grid, or null. Read paths use it so that asking
  // about arbitrary region names does not grow the map.
  region_market* find_region(std::string_view name) {
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
  void load_all() {
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
  void rebuild(const std::vector<slot_record>& slots, const std::vector<order_record>& live,
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

  void forget(region_market& r) {
    r.slots.clear();
    r.live.clear();
    r.live_ids.clear();
    r.pending = region_batch(&r);
  }

  // Replaces the region's memory with what storage holds: the projection,
  // then the journal entries after its mark, replayed.
  void reload_or_throw(region_market& r) {
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
  void reload(region_market& r) noexcept {
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
  std::unique_lock<std::mutex> lock(region_market& r) {
    auto lk = try_lock(r);
    if (!lk)
      fail(errc::unavailable,
           "the market of region " + r.name + " is run by another process or grid on this database", "region");
    return std::move(*lk);
  }

  // As lock(), but none when someone else owns the region.
  std::optional<std::unique_lock<std::mutex>> try_lock(region_market& r) {
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

  // --- persistence ---------------------------------------------------------------

  void write_batch(storage::transaction& tx, region_batch& b) {
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
  // them. REQUIRES: the regions' pending changes are written (flush), or
  // the batch is the pending. On failure reloads the regions and rethrows.
  void commit(std::vector<region_batch*> batches) {
    try {
      core_.write([&](storage::transaction& tx) {
        for (auto* b : batches) write_batch(tx, *b);
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
  }

  // Commits the batches' journal entries; their changes join the regions'
  // pending projection. On failure reloads the regions and rethrows.
  void commit_journal(std::vector<region_batch*> batches) {
    try {
      core_.write([&](storage::transaction& tx) {
        for (auto* b : batches) store::append_journal(tx, b->region->name, b->journal);
      });
    } catch (...) {
      for (auto* b : batches) reload(*b->region);
      throw;
    }
  }

  // Adds what a call changed to the region's pending projection.
  static void absorb(region_market& r, region_batch& b) {
    auto& p = r.pending;
    for (const auto& [start, fresh] : b.slots) p.slots[start] = p.slots[start] || fresh;
    for (const auto& [seq, fresh] : b.orders) p.orders[seq] = p.orders[seq] || fresh;
    for (auto& [seq, rec] : b.finished) p.finished.insert_or_assign(seq, std::move(rec));
    p.trades.insert(p.trades.end(), std::make_move_iterator(b.trades.begin()),
                    std::make_move_iterator(b.trades.end()));
  }

  // Writes the region's pending projection (lock held); throws, after
  // reloading the region, when storage fails.
  void flush(region_market& r) {
    if (!r.pending.dirty()) return;
    commit({&r.pending});
    r.pending = region_batch(&r);
  }

  // After a journaled call: keeps the projection at most a batch behind.
  // The call has committed, so a failure here is not its failure: the
  // region reloads (commit did) and the next read or call writes it.
  void flush_if_due(region_market& r) noexcept {
    if (r.pending.rows() < core_.opts.market_projection_batch) return;
    try {
      flush(r);
    } catch (...) {
    }
  }

  // Every region this grid runs, with its due gates closed and its
  // projection written, so that storage answers reads. Regions another
  // process or grid runs are theirs.
  std::vector<clearing_result> sync_all() {
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

  // One region, as sync_all (lock taken here).
  void sync_region(std::string_view name) {
    auto& r = region(name);
    auto lk = lock(r);
    close_due(r, core_.now());
    flush(r);
  }

  // --- order bookkeeping ----------------------------------------------------------

  // The record of a live order, marked for writing.
  order_record& touch(region_batch& b, std::int64_t seq) {
    b.orders.try_emplace(seq, false);
    b.touched_now.push_back(seq);
    return b.region->live.at(seq);
  }

  static void settle_status(order_record& rec) {
    auto& o = rec.o;
    if (o.status == order_status::cancelled || o.status == order_status::expired) return;
    if (o.remaining.wh == 0)
      o.status = order_status::filled;
    else
      o.status = o.filled.wh > 0 ? order_status::partially_filled : order_status::open;
  }

  // Moves the orders touched by this call that have nothing left open out
  // of `live`.
  void retire(region_batch& b) {
    for (auto seq : b.touched_now) {
      auto it = b.region->live.find(seq);
      if (it == b.region->live.end() || it->second.o.remaining.wh > 0) continue;
      b.finished.insert_or_assign(seq, std::move(it->second));
      b.region->live_ids.erase(it->second.o.id);
      b.region->live.erase(it);
    }
    b.touched_now.clear();
  }

  // Applies what the engine reported to the orders it names (engine ids are
  // seqs); collects the taker's fills when asked.
  void apply(region_batch& b, slot_book& sb, const recorder& rec, timestamp now,
             std::vector<order_fill>* fills_of_taker, std::int64_t taker_seq) {
    auto& r = *b.region;
    const auto& settings = sb.rec.settings;
    for (const auto& e : rec.events) {
      switch (e.type) {
        case recorder::event::kind::fill: {
          const auto maker_seq = static_cast<std::int64_t>(e.f.maker);
          const auto tk_seq = static_cast<std::int64_t>(e.f.taker);
          auto& maker = touch(b, maker_seq);
          auto& taker = touch(b, tk_seq);
          const energy q{e.f.quantity};
          const money price{e.f.price};
          for (auto* o : {&maker, &taker}) {
            o->o.filled.wh += q.wh;
            o->o.remaining.wh -= q.wh;
            o->o.updated_at = now;
          }
          const bool taker_buys = e.f.taker_side == eng::side::buy;
          auto& buy = taker_buys ? taker : maker;
          auto& sell = taker_buys ? maker : taker;
          trade_record t;
          t.region = r.name;
          t.seq = r.next_trade_seq++;
          t.id = trade_id(r.name, t.seq, now);
          t.delivery_slot = sb.rec.start;
          t.price = price;
          t.quantity = q;
          t.buy_order_id = buy.o.id;
          t.sell_order_id = sell.o.id;
          t.buyer_id = buy.o.user_id;
          t.seller_id = sell.o.user_id;
          if (!rec.auction) t.aggressor = public_side(e.f.taker_side);
          t.buyer_fee = t.seller_fee = trade_fee(settings, price, q);
          t.executed_at = now;
          if (fills_of_taker && tk_seq == taker_seq)
            fills_of_taker->push_back({t.id, price, q, now});
          b.trades.push_back(std::move(t));
          break;
        }
        case recorder::event::kind::cancel: {
          auto& o = touch(b, static_cast<std::int64_t>(e.id));
          o.o.remaining.wh -= e.quantity;
          o.o.status = e.reason == eng::cancel_reason::expired ? order_status::expired : order_status::cancelled;
          o.o.updated_at = now;
          break;
        }
        case recorder::event::kind::rest: {
          auto& o = touch(b, static_cast<std::int64_t>(e.id));
          o.o.remaining.wh = e.quantity;
          if (o.o.type == order_type::limit) o.o.price = money{e.price};
          o.o.updated_at = now;
          break;
        }
      }
    }
    for (auto seq : b.touched_now) {
      auto it = r.live.find(seq);
      if (it != r.live.end()) settle_status(it->second);
    }
  }

  void bump(region_batch& b, slot_book& sb) {
    ++sb.rec.sequence;
    b.slots.try_emplace(to_micros(sb.rec.start), false);
    b.book_changed.insert(to_micros(sb.rec.start));
  }

  // --- slots ---------------------------------------------------------------------

  void check_slot_time(const market_settings& s, timestamp slot, timestamp now) {
    check_aligned(s, slot);
    const auto opens = from_micros(to_micros(slot) - us(s.open_ahead));
    const auto gate = gate_of(s, slot);
    if (now < opens)
      fail(errc::validation_error, "trading for this delivery_slot opens at " + to_rfc3339(opens), "delivery_slot");
    if (now >= gate)
      fail(errc::validation_error, "trading for this delivery_slot closed at " + to_rfc3339(gate), "delivery_slot");
  }

  void check_aligned(const market_settings& s, timestamp slot) {
    if (to_micros(slot) % us(s.slot_length) != 0)
      fail(errc::validation_error,
           "delivery_slot must be the start of a " + std::to_string(s.slot_length.count()) +
               "-minute slot (aligned to UTC)",
           "delivery_slot");
  }

  // The settings an order for `slot` trades under: the slot's own once it
  // exists, else the region's. Refuses slots that are closed.
  const market_settings& settings_for(region_market& r, timestamp slot) {
    auto it = r.slots.find(to_micros(slot));
    if (it == r.slots.end()) return r.settings;
    if (it->second.rec.state != slot_state::open)
      fail(errc::validation_error, "trading for this delivery_slot has closed", "delivery_slot");
    return it->second.rec.settings;
  }

  // The open slot for an order, created when it is the slot's first.
  // REQUIRES: check_slot_time passed for it.
  slot_book& open_slot(region_batch& b, timestamp slot) {
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
  void drop_if_unused(region_batch& b, timestamp slot) {
    const auto key = to_micros(slot);
    auto fresh = b.slots.find(key);
    auto it = b.region->slots.find(key);
    if (fresh == b.slots.end() || !fresh->second || it == b.region->slots.end()) return;
    if (it->second.rec.sequence != 0) return;
    b.region->slots.erase(it);
    b.slots.erase(fresh);
  }

  // Closes one open slot: expiry (continuous) or the auction (epoch).
  void close_slot(region_batch& b, slot_book& sb, timestamp now) {
    auto& r = *b.region;
    recorder rec;
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

  static clearing_result clearing_of(const slot_record& s) {
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
  static public_trade tape(const trade_record& t, const std::optional<uuid>& viewer) {
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
  void sweep(region_batch& b, timestamp now) {
    for (auto& [start, sb] : b.region->slots) {
      if (sb.rec.state == slot_state::open && sb.rec.gate_at <= now) close_slot(b, sb, now);
    }
  }

  // Closes the region's due gates in a transaction of their own (lock held),
  // after writing the pending projection, so that a call refused afterwards
  // leaves nothing unwritten; answers what the closures did.
  std::vector<clearing_result> close_due(region_market& r, timestamp now) {
    const bool due = std::any_of(r.slots.begin(), r.slots.end(), [&](const auto& kv) {
      return kv.second.rec.state == slot_state::open && kv.second.rec.gate_at <= now;
    });
    if (!due) return {};
    flush(r);
    region_batch b{&r};
    sweep(b, now);
    commit({&b});
    publish(b);
    return std::move(b.closings);
  }

  // Applies a command and records its journal entry in the batch.
  order apply_and_journal(region_batch& b, const eng::command& c, timestamp now) {
    auto out = apply_command(b, c, now);
    auto& r = *b.region;
    b.journal.push_back({++r.journal_seq, now, eng::encode(c)});
    return out;
  }

  // One command on a region's market: under its lock, after its due gates
  // closed and `check()` passed, it changes memory; its journal entry is
  // committed before the answer is returned. A refusal (an exception) is
  // raised before anything changes; should anything have changed all the
  // same, the region is reloaded from storage.
  template <class Check>
  order run(region_market& r, const eng::command& c, Check&& check) {
    auto lk = lock(r);
    const auto now = core_.now();
    close_due(r, now);
    check();
    region_batch b{&r};
    std::optional<order> out;
    try {
      out.emplace(apply_and_journal(b, c, now));
    } catch (...) {
      if (b.dirty()) reload(r);
      throw;
    }
    commit_journal({&b});
    publish(b);
    absorb(r, b);
    flush_if_due(r);
    return std::move(*out);
  }

  // CONFLICT unless the order still rests (lock held, due gates closed).
  void require_live(region_market& r, const order_record& found) {
    if (r.live.count(found.seq)) return;
    auto status = found.o.status;
    if (auto f = r.pending.finished.find(found.seq); f != r.pending.finished.end()) {
      status = f->second.o.status;
    } else if (auto now_stored =
                   core_.read([&](storage::transaction& tx) { return store::find_order(tx, found.o.id); })) {
      status = now_stored->o.status;
    }
    fail(errc::conflict, "the order is " + std::string(to_string(status)) + " and can no longer change", "id");
  }

  // --- events --------------------------------------------------------------------

  void publish(const region_batch& b) {
    if (n_subs_.load(std::memory_order_acquire) == 0) return;
    std::vector<std::shared_ptr<std::function<void(const market_event&)>>> targets;
    {
      std::lock_guard lk(subs_mu_);
      for (const auto& [id, fn] : subs_) targets.push_back(fn);
    }
    std::vector<market_event> events;
    auto& r = *b.region;
    auto event = [&](market_event::kind k, timestamp slot) -> market_event& {
      auto& e = events.emplace_back();
      e.type = k;
      e.region = r.name;
      e.delivery_slot = slot;
      return e;
    };
    for (const auto& [seq, fresh] : b.orders) {
      auto it = r.live.find(seq);
      const order_record* rec = it != r.live.end() ? &it->second : nullptr;
      if (!rec) {
        auto f = b.finished.find(seq);
        if (f == b.finished.end()) continue;
        rec = &f->second;
      }
      event(market_event::kind::order, rec->o.delivery_slot).order_update = rec->o;
    }
    for (const auto& t : b.trades) event(market_event::kind::trade, t.delivery_slot).trade = tape(t, std::nullopt);
    for (auto start : b.book_changed) {
      auto it = r.slots.find(start);
      event(market_event::kind::book, from_micros(start)).sequence =
          it != r.slots.end() ? static_cast<std::uint64_t>(it->second.rec.sequence) : 0;
    }
    for (const auto& c : b.closings) {
      auto& e = event(market_event::kind::clearing, c.delivery_slot);
      e.clearing = c;
      e.clearing->trades.clear();
    }
    for (const auto& e : events)
      for (const auto& fn : targets) {
        try {
          (*fn)(e);
        } catch (...) {
          // A subscriber's failure is its own; the market has committed.
        }
      }
  }

  // --- operations ------------------------------------------------------------------

  std::string region_for(const principal& who, const std::optional<std::string>& asked) {
    std::string name = asked.value_or(who.region);
    if (name.empty()) fail(errc::validation_error, "region is required", "region");
    if (name.size() > 100) fail(errc::validation_error, "region is too long", "region");
    return name;
  }

  // Validates a command's order and places it in the region's market (lock
  // held).
  order_record place(region_batch& b, const eng::command& c, timestamp now, std::vector<order_fill>& fills) {
    auto& r = *b.region;
    const auto& spec = c.spec;
    if (spec.quantity.wh <= 0)
      fail(errc::validation_error, "quantity_kwh must be a positive whole number of Wh", "quantity_kwh");
    if (spec.type == order_type::market && spec.price)
      fail(errc::validation_error, "a market order takes no price_per_kwh", "price_per_kwh");
    if (spec.type == order_type::limit) {
      if (!spec.price) fail(errc::validation_error, "a limit order needs price_per_kwh", "price_per_kwh");
      if (spec.price->micros <= 0) fail(errc::validation_error, "price_per_kwh must be positive", "price_per_kwh");
    }
    {
      const auto& s = settings_for(r, spec.delivery_slot);
      check_slot_time(s, spec.delivery_slot, now);
      if (spec.price && spec.price->micros % s.tick.micros != 0)
        fail(errc::validation_error, "price_per_kwh must be a multiple of the tick " + s.tick.to_string(),
             "price_per_kwh");
    }
    auto& sb = open_slot(b, spec.delivery_slot);

    order_record rec;
    rec.seq = r.next_order_seq++;
    rec.priority = rec.seq;
    auto& o = rec.o;
    o.id = c.order_id;
    o.user_id = c.user_id;
    o.region = r.name;
    o.delivery_slot = spec.delivery_slot;
    o.side = spec.side;
    o.type = spec.type;
    o.quantity = spec.quantity;
    o.price = spec.price;
    o.tif = spec.tif;
    o.post_only = spec.post_only;
    o.remaining = spec.quantity;
    o.created_at = o.updated_at = now;

    if (sb.book) {
      eng::order_request req;
      req.id = static_cast<eng::order_id>(rec.seq);
      req.owner = r.owner(c.user_id);
      req.side = engine_side(spec.side);
      req.type = spec.type == order_type::market ? eng::order_type::market : eng::order_type::limit;
      req.tif = spec.tif == time_in_force::gtc   ? eng::time_in_force::gtc
                : spec.tif == time_in_force::ioc ? eng::time_in_force::ioc
                                                 : eng::time_in_force::fok;
      req.post_only = spec.post_only;
      req.price = spec.price ? spec.price->micros : 0;
      req.quantity = spec.quantity.wh;
      recorder events;
      const auto res = sb.book->submit(req, events);
      if (!res.accepted) {
        // Refused: the id goes back, so a replay (which never sees refused
        // orders) numbers the next order as this call does.
        --r.next_order_seq;
        drop_if_unused(b, spec.delivery_slot);
        fail(errc::conflict, "post_only order would trade on arrival; nothing was placed", "post_only");
      }
      r.live.emplace(rec.seq, rec);
      r.live_ids.emplace(rec.o.id, rec.seq);
      b.orders.insert_or_assign(rec.seq, true);
      b.touched_now.push_back(rec.seq);
      apply(b, sb, events, now, &fills, rec.seq);
    } else {
      // Epoch: orders collect until the auction at gate closure.
      r.live.emplace(rec.seq, rec);
      r.live_ids.emplace(rec.o.id, rec.seq);
      b.orders.insert_or_assign(rec.seq, true);
      b.touched_now.push_back(rec.seq);
      if (prevent_self_trade(b, sb, rec, now)) {
        auto& mine = r.live.at(rec.seq).o;
        mine.remaining = energy{0};
        mine.status = order_status::cancelled;
      } else {
        collect(r, sb, rec);
      }
    }
    bump(b, sb);
    retire(b);
    // The answer carries the final state (retire may have moved it).
    auto fin = b.finished.find(rec.seq);
    return fin != b.finished.end() ? fin->second : r.live.at(rec.seq);
  }

  // Cancels a live order (lock held, REQUIRES: it rests).
  order cancel_live(region_batch& b, std::int64_t seq, timestamp now) {
    auto& r = *b.region;
    auto& sb = r.slots.at(to_micros(r.live.at(seq).o.delivery_slot));
    if (sb.book) {
      recorder events;
      sb.book->cancel(static_cast<eng::order_id>(seq), events);
      apply(b, sb, events, now, nullptr, 0);
    } else {
      drop_collected(b, sb, seq, now);
    }
    bump(b, sb);
    retire(b);
    return b.finished.at(seq).o;
  }

  // --- epoch: collected orders and self-trade prevention at entry ------------

  static std::int64_t stp_key(const segs::order& o) {
    if (o.type == order_type::market)
      return o.side == order_side::buy ? std::numeric_limits<std::int64_t>::max()
                                       : std::numeric_limits<std::int64_t>::min();
    return o.price->micros;
  }

  static void collect(region_market& r, slot_book& sb, const order_record& rec) {
    sb.collected.emplace(rec.priority, rec.seq);
    auto& mine = sb.own[r.owner(rec.o.user_id)];
    (rec.o.side == order_side::buy ? mine.buys : mine.sells).emplace(stp_key(rec.o), rec.seq);
  }

  // REQUIRES: `rec` as it was collected (priority and price unchanged).
  static void uncollect(region_market& r, slot_book& sb, const order_record& rec) {
    sb.collected.erase(rec.priority);
    auto it = sb.own.find(r.owner(rec.o.user_id));
    if (it == sb.own.end()) return;
    auto& side = rec.o.side == order_side::buy ? it->second.buys : it->second.sells;
    auto [lo, hi] = side.equal_range(stp_key(rec.o));
    for (; lo != hi; ++lo)
      if (lo->second == rec.seq) {
        side.erase(lo);
        return;
      }
  }

  // Cancels a collected order.
  void drop_collected(region_batch& b, slot_book& sb, std::int64_t seq, timestamp now) {
    auto& o = touch(b, seq);
    uncollect(*b.region, sb, o);
    o.o.remaining = energy{0};
    o.o.status = order_status::cancelled;
    o.o.updated_at = now;
  }

  // A uniform price can pair a buy with a sell only if the buy's limit is at
  // or above the sell's, so an owner whose collected orders never cross
  // cannot trade with itself in the auction. Before `rec` (not collected
  // yet) joins the slot, applies the slot's policy to the owner's orders it
  // crosses: cancel_oldest cancels them (oldest first), cancel_newest
  // answers true (cancel `rec`), cancel_both does both.
  bool prevent_self_trade(region_batch& b, slot_book& sb, const order_record& rec, timestamp now) {
    auto& r = *b.region;
    auto it = sb.own.find(r.owner(rec.o.user_id));
    if (it == sb.own.end()) return false;
    const auto key = stp_key(rec.o);
    std::vector<std::pair<std::int64_t, std::int64_t>> crossing;  // priority, seq
    if (rec.o.side == order_side::buy) {
      for (const auto& [limit, seq] : it->second.sells) {
        if (limit > key) break;
        crossing.emplace_back(r.live.at(seq).priority, seq);
      }
    } else {
      for (auto i = it->second.buys.lower_bound(key); i != it->second.buys.end(); ++i)
        crossing.emplace_back(r.live.at(i->second).priority, i->second);
    }
    if (crossing.empty()) return false;
    const auto policy = sb.rec.settings.stp;
    if (policy != self_trade_prevention::cancel_newest) {
      std::sort(crossing.begin(), crossing.end());
      for (const auto& [prio, seq] : crossing) drop_collected(b, sb, seq, now);
    }
    return policy != self_trade_prevention::cancel_oldest;
  }

  // Amends a live order (lock held, REQUIRES: it rests).
  order modify_live(region_batch& b, std::int64_t seq, const order_change& change, timestamp now) {
    auto& r = *b.region;
    const auto& current = r.live.at(seq);
    auto& sb = r.slots.at(to_micros(current.o.delivery_slot));
    if (change.price && current.o.type == order_type::market)
      fail(errc::validation_error, "a market order has no price to change", "price_per_kwh");
    if (change.price && change.price->micros % sb.rec.settings.tick.micros != 0)
      fail(errc::validation_error, "price_per_kwh must be a multiple of the tick " + sb.rec.settings.tick.to_string(),
           "price_per_kwh");
    const bool loses = (change.quantity && change.quantity->wh > current.o.remaining.wh) ||
                       (change.price && current.o.price && *change.price != *current.o.price);
    std::vector<order_fill> fills;
    if (sb.book) {
      recorder events;
      const auto res = sb.book->modify(static_cast<eng::order_id>(seq),
                                       change.quantity ? std::optional<eng::qty_t>(change.quantity->wh) : std::nullopt,
                                       change.price ? std::optional<eng::price_t>(change.price->micros) : std::nullopt,
                                       events);
      if (!res) fail(errc::internal, "a live order is missing from its book");
      if (!res->accepted)
        fail(errc::conflict, "post_only order would trade at the new price; it was not changed", "price_per_kwh");
      auto& o = touch(b, seq);
      if (change.quantity) {
        o.o.remaining = *change.quantity;
        o.o.quantity = energy{o.o.filled.wh + change.quantity->wh};
      }
      if (change.price) o.o.price = change.price;
      if (loses) o.priority = r.next_order_seq++;
      o.o.updated_at = now;
      apply(b, sb, events, now, &fills, seq);
    } else {
      auto& o = touch(b, seq);
      const bool reprices = change.price && o.o.price && *change.price != *o.o.price;
      if (loses) {
        uncollect(r, sb, o);
        o.priority = r.next_order_seq++;
      }
      if (change.quantity) {
        o.o.remaining = *change.quantity;
        o.o.quantity = energy{o.o.filled.wh + change.quantity->wh};
      }
      if (change.price) o.o.price = change.price;
      o.o.updated_at = now;
      if (loses) {
        // A new price is a new order as far as crossing its owner's goes.
        if (reprices && prevent_self_trade(b, sb, o, now)) {
          o.o.remaining = energy{0};
          o.o.status = order_status::cancelled;
        } else {
          collect(r, sb, o);
        }
      }
    }
    bump(b, sb);
    retire(b);
    auto l = r.live.find(seq);
    auto answer = l != r.live.end() ? l->second.o : b.finished.at(seq).o;
    answer.trades = std::move(fills);
    return answer;
  }

  // Applies one command to the region's market (lock held, due gates
  // closed): calls and the journal's replay both come through here, which
  // is what makes the replay exact. Answers the order it placed or changed,
  // with the fills it caused.
  order apply_command(region_batch& b, const eng::command& c, timestamp now) {
    switch (c.type) {
      case eng::command::kind::submit: {
        std::vector<order_fill> fills;
        auto placed = place(b, c, now, fills);
        placed.o.trades = std::move(fills);
        return std::move(placed.o);
      }
      case eng::command::kind::cancel:
        if (!b.region->live.count(c.order_seq)) fail(errc::internal, "a cancel names an order that does not rest");
        return cancel_live(b, c.order_seq, now);
      case eng::command::kind::modify:
        if (!b.region->live.count(c.order_seq)) fail(errc::internal, "an amendment names an order that does not rest");
        return modify_live(b, c.order_seq, c.change, now);
    }
    fail(errc::internal, "unknown market command");
  }

  void check_submitter(const principal& who, const order_spec& spec, const std::string& region) {
    require_user(who);
    const auto perm = spec.side == order_side::buy ? permission::trade_buy : permission::trade_sell;
    if (!who.can(perm))
      fail(errc::forbidden, std::string("your role may not ") +
                                (spec.side == order_side::buy ? "buy" : "sell") + " energy",
           "side");
    if (region != who.region && !operates(who, region))
      fail(errc::forbidden, "users trade in the market of their own region", "region");
  }

  eng::command submission(const principal& who, const order_spec& spec) {
    eng::command c;
    c.type = eng::command::kind::submit;
    c.order_id = core_.new_id();
    c.user_id = who.id;
    c.spec = spec;
    c.spec.region.reset();
    return c;
  }

  order submit(const principal& who, const order_spec& spec) {
    require_user(who);
    const auto name = region_for(who, spec.region);
    check_submitter(who, spec, name);
    return run(region(name), submission(who, spec), [] {});
  }

  std::vector<result<order>> submit_many(const principal& who, const std::vector<order_spec>& specs) {
    std::vector<result<order>> out(specs.size(), result<order>(make_error(errc::internal, "not placed")));
    // Regions involved, locked in name order.
    std::map<std::string, region_market*> involved;
    std::vector<std::optional<std::string>> names(specs.size());
    require_user(who);
    for (std::size_t i = 0; i < specs.size(); ++i) {
      auto n = guard([&] {
        auto name = region_for(who, specs[i].region);
        check_submitter(who, specs[i], name);
        return name;
      });
      if (!n) {
        out[i] = n.error();
        continue;
      }
      names[i] = *n;
      involved.emplace(*n, nullptr);
    }
    for (auto& [n, p] : involved) p = &region(n);
    std::vector<std::unique_lock<std::mutex>> locks;
    for (auto& [n, p] : involved) locks.push_back(lock(*p));
    const auto now = core_.now();
    std::map<std::string, region_batch> batches;
    for (auto& [n, p] : involved) {
      close_due(*p, now);
      batches[n].region = p;
    }
    std::vector<std::optional<std::int64_t>> placed_seq(specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (!names[i]) continue;
      auto& b = batches.at(*names[i]);
      const auto next = b.region->next_order_seq;
      auto res = guard([&] { return apply_and_journal(b, submission(who, specs[i]), now); });
      if (!res) {
        out[i] = res.error();
        continue;
      }
      placed_seq[i] = next;
      out[i] = std::move(res).value();
    }
    std::vector<region_batch*> all;
    for (auto& [n, b] : batches) all.push_back(&b);
    commit_journal(all);
    // Later orders of the call may have filled earlier ones: answer each
    // order's final state.
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (!placed_seq[i] || !out[i]) continue;
      auto& b = batches.at(*names[i]);
      auto& o = *out[i];
      auto it = b.region->live.find(*placed_seq[i]);
      const order_record* rec = it != b.region->live.end() ? &it->second : nullptr;
      if (!rec) {
        auto f = b.finished.find(*placed_seq[i]);
        if (f != b.finished.end()) rec = &f->second;
      }
      if (rec) {
        auto trades = std::move(o.trades);
        o = rec->o;
        o.trades = std::move(trades);
      }
    }
    for (auto& [n, b] : batches) {
      publish(b);
      absorb(*b.region, b);
      flush_if_due(*b.region);
    }
    return out;
  }

  // Finds an order the caller may see; not_found otherwise.
  order_record visible_order(const principal& who, const uuid& id) {
    require_signed_in(who);
    auto rec = core_.read([&](storage::transaction& tx) { return store::find_order(tx, id); });
    if (!rec || !(rec->o.user_id == who.id || operates(who, rec->o.region)))
      fail(errc::not_found, "no such order", "id");
    return *rec;
  }

  // As visible_order, answered from memory when the order rests in a region
  // this grid runs (the usual case for a cancel or an amendment); otherwise
  // from the tables, brought up to date first.
  order_record visible_live_order(const principal& who, const uuid& id) {
    require_signed_in(who);
    const auto all = all_regions();
    for (auto* r : all) {
      std::lock_guard lk(r->mu);
      if (!r->ownership || r->stale) continue;
      auto it = r->live_ids.find(id);
      if (it == r->live_ids.end()) continue;
      const auto& rec = r->live.at(it->second);
      if (!(rec.o.user_id == who.id || operates(who, rec.o.region))) fail(errc::not_found, "no such order", "id");
      return rec;
    }
    sync_all();
    return visible_order(who, id);
  }

  order cancel(const principal& who, const uuid& id) {
    const auto found = visible_live_order(who, id);
    eng::command c;
    c.type = eng::command::kind::cancel;
    c.order_seq = found.seq;
    auto& r = region(found.o.region);
    return run(r, c, [&] { require_live(r, found); });
  }

  order modify(const principal& who, const uuid& id, const order_change& change) {
    if (!change.quantity && !change.price)
      fail(errc::validation_error, "give quantity_kwh and/or price_per_kwh", "quantity_kwh");
    if (change.quantity && change.quantity->wh <= 0)
      fail(errc::validation_error, "quantity_kwh must be a positive whole number of Wh", "quantity_kwh");
    if (change.price && change.price->micros <= 0)
      fail(errc::validation_error, "price_per_kwh must be positive", "price_per_kwh");
    const auto found = visible_live_order(who, id);
    eng::command c;
    c.type = eng::command::kind::modify;
    c.order_seq = found.seq;
    c.change = change;
    auto& r = region(found.o.region);
    return run(r, c, [&] { require_live(r, found); });
  }

  page<order> orders(const principal& who, const order_query& q) {
    if (!q.user_id || !who.can(permission::market_operate)) require_user(who);
    check_paging(q.page, q.per_page);
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
    sync_all();
    return core_.read([&](storage::transaction& tx) { return store::list_orders(tx, f); });
  }

  order_book book(const principal& who, timestamp slot, const std::optional<std::string>& asked, int depth) {
    require_signed_in(who);
    if (depth < 1 || depth > 1000) fail(errc::validation_error, "depth must be between 1 and 1000", "depth");
    const auto name = region_for(who, asked);
    order_book ob;
    ob.region = name;
    ob.delivery_slot = slot;
    auto* known = find_region(name);
    if (!known) {  // a region with no market data: an empty book
      check_aligned(core_.opts.market_defaults, slot);
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

  market_stats stats(const principal& who, timestamp slot, const std::optional<std::string>& asked) {
    require_signed_in(who);
    const auto name = region_for(who, asked);
    market_stats st;
    st.region = name;
    st.delivery_slot = slot;
    auto* known = find_region(name);
    if (!known) {  // a region with no market data
      check_aligned(core_.opts.market_defaults, slot);
      st.mechanism = core_.opts.market_defaults.mechanism;
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
    auto trades = core_.read([&](storage::transaction& tx) {
      if (!rec) rec = store::find_slot(tx, name, slot);
      return store::slot_trades(tx, name, slot);
    });
    if (rec) {
      st.mechanism = rec->settings.mechanism;
      st.clearing_price = rec->clearing_price;
      st.cleared = rec->cleared;
      if (rec->settings.mechanism == market_mechanism::epoch && rec->state != slot_state::open && !st.cleared)
        st.cleared = energy{0};
    }
    __extension__ using wide = __int128;
    wide notional = 0;
    for (const auto& t : trades) {
      if (!st.open) st.open = t.price;
      st.high = st.high ? std::max(*st.high, t.price) : t.price;
      st.low = st.low ? std::min(*st.low, t.price) : t.price;
      st.close = st.last_price = t.price;
      st.volume.wh += t.quantity.wh;
      ++st.trade_count;
      notional += static_cast<wide>(t.price.micros) * t.quantity.wh;
    }
    if (st.volume.wh > 0) {
      // VWAP to the micro-unit, half to even.
      const wide d = st.volume.wh;
      wide q = notional / d;
      const wide rem = notional % d;
      if (2 * rem > d || (2 * rem == d && (q & 1) != 0)) ++q;
      st.vwap = money{static_cast<std::int64_t>(q)};
    }
    return st;
  }

  page<user_trade> history(const principal& who, const trade_query& q) {
    require_user(who);
    check_paging(q.page, q.per_page);
    sync_all();
    return core_.read([&](storage::transaction& tx) { return store::user_trades(tx, who.id, q); });
  }

  std::vector<public_trade> matches(const principal& who, timestamp slot, const std::optional<std::string>& asked) {
    require_signed_in(who);
    const auto name = region_for(who, asked);
    auto* known = find_region(name);
    if (!known) {
      check_aligned(core_.opts.market_defaults, slot);
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

  void require_operator(const principal& who, std::string_view region) {
    require_signed_in(who);
    if (!operates(who, region))
      fail(errc::forbidden, "only operators of the region and admins may do this", "region");
  }

  clearing_result clear(const principal& who, std::string_view name, timestamp slot) {
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
      commit({&b});
      publish(b);
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
      commit({&nb});
    } catch (...) {
      r.slots.erase(key);
      throw;
    }
    publish(nb);
    return answer;
  }

  clearing_result stored_clearing(const slot_record& rec) {
    auto c = clearing_of(rec);
    if (rec.settings.mechanism == market_mechanism::epoch) {
      auto trades = core_.read([&](storage::transaction& tx) { return store::slot_trades(tx, rec.region, rec.start); });
      for (const auto& t : trades) c.trades.push_back(tape(t, std::nullopt));
    }
    return c;
  }

  settlement settle(const principal& who, std::string_view name, timestamp slot,
                    const std::optional<std::vector<delivery>>& deliveries) {
    if (name.empty()) fail(errc::validation_error, "region is required", "region");
    require_operator(who, name);
    std::map<uuid, energy> delivered;
    if (deliveries) {
      for (std::size_t i = 0; i < deliveries->size(); ++i) {
        const auto& d = (*deliveries)[i];
        const auto field = "deliveries[" + std::to_string(i) + "]";
        if (d.delivered.wh < 0) fail(errc::validation_error, "delivered_kwh must not be negative", field + ".delivered_kwh");
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
    auto answer = core_.write([&](storage::transaction& tx) -> settlement {
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
      s.entries = settle_slot(trades, delivered, settings.imbalance_price);
      if (!store::mark_settled(tx, r.name, slot, now)) fail(errc::conflict, "the slot was settled meanwhile");
      int line = 0;
      for (const auto& e : s.entries) store::insert_entry(tx, core_.new_id(), r.name, slot, ++line, e, now);
      s.settled_at = now;
      return s;
    });
    if (it != r.slots.end()) {
      it->second.rec.state = slot_state::settled;
      it->second.rec.settled_at = answer.settled_at;
    }
    return answer;
  }

  std::vector<market_info> markets(const principal& who) {
    require_signed_in(who);
    auto names = core_.read([&](storage::transaction& tx) { return store::known_regions(tx); });
    std::vector<market_info> out;
    for (const auto& n : names) out.push_back(info(region(n)));
    return out;
  }

  market_info info(region_market& r) {
    std::lock_guard lk(r.mu);  // settings only: no ownership needed
    return {r.name, r.settings, r.configured, r.updated_at};
  }

  market_info configure(const principal& who, std::string_view name, const market_settings_update& u) {
    require_signed_in(who);
    if (!who.can(permission::market_manage))
      fail(errc::forbidden, "only admins change market settings");
    if (name.empty() || name.size() > 100) fail(errc::validation_error, "region must be 1 to 100 characters", "region");
    auto& r = region(name);
    auto lk = lock(r);
    auto s = r.settings;
    if (u.mechanism) s.mechanism = *u.mechanism;
    if (u.slot_length) s.slot_length = *u.slot_length;
    if (u.open_ahead) s.open_ahead = *u.open_ahead;
    if (u.gate_closure) s.gate_closure = *u.gate_closure;
    if (u.tick) s.tick = *u.tick;
    if (u.fee_per_kwh) s.fee_per_kwh = *u.fee_per_kwh;
    if (u.fee_ppm) s.fee_ppm = *u.fee_ppm;
    if (u.imbalance_price) s.imbalance_price = *u.imbalance_price;
    if (u.stp) s.stp = *u.stp;
    validate_settings(s);
    // The journal's pending entries were made under the old settings: a
    // replay must not see the new ones.
    flush(r);
    const auto now = core_.now();
    core_.write([&](storage::transaction& tx) { store::save_settings(tx, r.name, s, now); });
    r.settings = s;
    r.configured = true;
    r.updated_at = now;
    return {r.name, r.settings, r.configured, r.updated_at};
  }

  market_subscription subscribe(std::function<void(const market_event&)> fn) {
    std::uint64_t id;
    {
      std::lock_guard lk(subs_mu_);
      id = next_sub_++;
      subs_.emplace(id, std::make_shared<std::function<void(const market_event&)>>(std::move(fn)));
      n_subs_.store(subs_.size(), std::memory_order_release);
    }
    market_subscription s;
    s.cancel_ = [this, id] {
      std::lock_guard lk(subs_mu_);
      subs_.erase(id);
      n_subs_.store(subs_.size(), std::memory_order_release);
    };
    return s;
  }
};

}  // namespace detail

// --- the public facade ------------------------------------------------------------

market_subscription::~market_subscription() { reset(); }
market_subscription::market_subscription(market_subscription&& o) noexcept : cancel_(std::move(o.cancel_)) {
  o.cancel_ = nullptr;
}
market_subscription& market_subscription::operator=(market_subscription&& o) noexcept {
  if (this != &o) {
    reset();
    cancel_ = std::move(o.cancel_);
    o.cancel_ = nullptr;
  }
  return *this;
}
void market_subscription::reset() noexcept {
  if (cancel_) {
    auto fn = std::move(cancel_);
    cancel_ = nullptr;
    fn();
  }
}

market_service::market_service(detail::grid_core& core) : impl_(std::make_unique<detail::market_impl>(core)) {}
market_service::~market_service() = default;

result<order> market_service::submit(const principal& who, const order_spec& spec) {
  return detail::guard([&] { return impl_->submit(who, spec); });
}
result<std::vector<result<order>>> market_service::submit_many(const principal& who,
                                                               const std::vector<order_spec>& specs) {
  return detail::guard([&] {
    if (specs.size() > 100'000) detail::fail(errc::validation_error, "at most 100000 orders per call", "orders");
    return impl_->submit_many(who, specs);
  });
}
result<order> market_service::cancel(const principal& who, const uuid& id) {
  return detail::guard([&] { return impl_->cancel(who, id); });
}
result<order> market_service::modify(const principal& who, const uuid& id, const order_change& change) {
  return detail::guard([&] { return impl_->modify(who, id, change); });
}
result<order> market_service::get_order(const principal& who, const uuid& id) {
  return detail::guard([&] {
    impl_->sync_all();
    return impl_->visible_order(who, id).o;
  });
}
result<page<order>> market_service::orders(const principal& who, const order_query& q) {
  return detail::guard([&] { return impl_->orders(who, q); });
}
result<order_book> market_service::book(const principal& who, timestamp slot, std::optional<std::string> region,
                                        int depth) {
  return detail::guard([&] { return impl_->book(who, slot, region, depth); });
}
result<market_stats> market_service::stats(const principal& who, timestamp slot, std::optional<std::string> region) {
  return detail::guard([&] { return impl_->stats(who, slot, region); });
}
result<page<user_trade>> market_service::history(const principal& who, const trade_query& q) {
  return detail::guard([&] { return impl_->history(who, q); });
}
result<std::vector<public_trade>> market_service::matches(const principal& who, timestamp slot,
                                                          std::optional<std::string> region) {
  return detail::guard([&] { return impl_->matches(who, slot, region); });
}
result<clearing_result> market_service::clear(const principal& who, std::string_view region, timestamp slot) {
  return detail::guard([&] { return impl_->clear(who, region, slot); });
}
result<std::vector<clearing_result>> market_service::close_due_gates() {
  return detail::guard([&] { return impl_->sync_all(); });
}
result<settlement> market_service::settle(const principal& who, std::string_view region, timestamp slot,
                                          std::optional<std::vector<delivery>> deliveries) {
  return detail::guard([&] { return impl_->settle(who, region, slot, deliveries); });
}
result<std::vector<market_info>> market_service::markets(const principal& who) {
  return detail::guard([&] { return impl_->markets(who); });
}
result<market_info> market_service::market(const principal& who, std::string_view region) {
  return detail::guard([&] {
    detail::require_signed_in(who);
    if (region.empty()) detail::fail(errc::validation_error, "region is required", "region");
    return impl_->info(impl_->region(region));
  });
}
result<market_info> market_service::configure(const principal& who, std::string_view region,
                                              const market_settings_update& update) {
  return detail::guard([&] { return impl_->configure(who, region, update); });
}
market_subscription market_service::subscribe(std::function<void(const market_event&)> fn) {
  return impl_->subscribe(std::move(fn));
}

}  // namespace segs
