// Internal to the market service: the implementation class behind
// `segs::market_service` and the state it keeps per region, shared by the
// files of src/market/ that each hold one responsibility of it (see the
// comment at the top of each). Not installed; nothing outside src/market/
// and the grid's opening code includes it.
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
// `market_options::projection_batch` rows behind. Gate closures, clearing,
// settlement and settings changes bring the projection up to date and then
// write directly. Rebuilding a region = its projection + a replay of the
// journal entries after the projection's mark, through the same code.
#pragma once

#include "core/paging.hpp"
#include "grid_core.hpp"
#include "market/engine.hpp"
#include "market/journal.hpp"
#include "market/records.hpp"
#include "market/settlement.hpp"
#include "storage/stores/market_store.hpp"

#include <segs/market.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace segs::detail {

namespace eng = segs::market;
namespace store = storage::market;

struct uuid_hash {
  std::size_t operator()(const uuid& u) const noexcept {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (auto b : u.bytes) h = (h ^ b) * 1099511628211ULL;
    return static_cast<std::size_t>(h);
  }
};

inline constexpr std::int64_t micros_per_minute = 60'000'000;

/// A trade's id, the same on every replay of the journal (trade_id.cpp).
uuid trade_id(std::string_view region, std::int64_t seq, timestamp at);

/// Throws validation_error naming the C++ member (`slot_length`, `fee_ppm`,
/// ...) when `s` is not a usable market (market_settings.cpp). The grid
/// checks `market_options::defaults` with it at open.
void validate_settings(const market_settings& s);

/// Appends the audit record of an operator's or admin's market action
/// ("market.clear", "market.settle", "market.configure") in `tx`, the
/// transaction of the change itself. `details`: extra JSON members
/// (name, text value), after the region and the slot when there is one.
void audit_market(grid_core& core, storage::transaction& tx, const principal& who,
                  const request_context& ctx, std::string_view action, std::string_view region,
                  std::optional<timestamp> slot,
                  std::initializer_list<std::pair<std::string_view, std::string>> details = {});

inline std::int64_t us(std::chrono::minutes m) { return m.count() * micros_per_minute; }

inline timestamp gate_of(const market_settings& s, timestamp slot) {
  return from_micros(to_micros(slot) - us(s.gate_closure));
}

// A slot's row as it first appears: open, under `s`.
inline slot_record new_slot(const std::string& region, timestamp start, const market_settings& s) {
  slot_record rec;
  rec.region = region;
  rec.start = start;
  rec.settings = s;
  rec.gate_at = gate_of(s, start);
  return rec;
}

inline eng::stp_policy engine_stp(self_trade_prevention s) {
  switch (s) {
    case self_trade_prevention::cancel_newest: return eng::stp_policy::cancel_newest;
    case self_trade_prevention::cancel_oldest: return eng::stp_policy::cancel_oldest;
    case self_trade_prevention::cancel_both: return eng::stp_policy::cancel_both;
  }
  return eng::stp_policy::cancel_newest;
}
inline eng::side engine_side(order_side s) { return s == order_side::buy ? eng::side::buy : eng::side::sell; }
inline order_side public_side(eng::side s) { return s == eng::side::buy ? order_side::buy : order_side::sell; }

inline void require_signed_in(const principal& who) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in to use the market");
}

// Orders and trades belong to users: API keys and the system have none.
inline void require_user(const principal& who) {
  require_signed_in(who);
  if (who.type != principal::kind::user) fail(errc::forbidden, "orders and trades belong to signed-in users");
}

/// May `who` operate the market of `region` (clear, settle, others' orders)?
inline bool operates(const principal& who, std::string_view region) {
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
  // --- the regions this grid knows, who owns them, and how they load (market_registry.cpp)
  explicit market_impl(grid_core& core);
  ~market_impl();
  region_market& region(std::string_view name);
  std::vector<region_market*> all_regions();
  region_market* find_region(std::string_view name);
  void load_all();
  void rebuild(const std::vector<slot_record>& slots, const std::vector<order_record>& live,
               const std::optional<std::string>& only);
  void forget(region_market& r);
  void reload_or_throw(region_market& r);
  void reload(region_market& r) noexcept;
  std::unique_lock<std::mutex> lock(region_market& r);
  std::optional<std::unique_lock<std::mutex>> try_lock(region_market& r);

  // --- journal commits and the batched projection (market_projection.cpp)
  void write_batch(storage::transaction& tx, region_batch& b);
  /// `announce`: publish the batches' events after the commit (and tell
  /// them to the notifications' maker in it); the pending projection's
  /// were announced when their journal entries committed.
  void commit(std::vector<region_batch*> batches,
              const std::function<void(storage::transaction&)>& also = {}, bool announce = true);
  void commit_journal(std::vector<region_batch*> batches);
  static void absorb(region_market& r, region_batch& b);
  void flush(region_market& r);
  void flush_if_due(region_market& r) noexcept;
  std::vector<clearing_result> sync_all();
  void sync_region(std::string_view name);
  bool sync_if_run(region_market& r);
  void sync_user(const uuid& user, const std::optional<std::string>& only);
  std::optional<std::string> region_of_order(const uuid& id);

  // --- applying one command (submit, cancel, modify) to the books (market_apply.cpp)
  order_record& touch(region_batch& b, std::int64_t seq);
  static void settle_status(order_record& rec);
  void retire(region_batch& b);
  void apply(region_batch& b, slot_book& sb, const recorder& rec, timestamp now,
             std::vector<order_fill>* fills_of_taker, std::int64_t taker_seq);
  void bump(region_batch& b, slot_book& sb);
  order_record place(region_batch& b, const eng::command& c, timestamp now, std::vector<order_fill>& fills);
  order cancel_live(region_batch& b, std::int64_t seq, timestamp now);
  order modify_live(region_batch& b, std::int64_t seq, const order_change& change, timestamp now);
  order apply_command(region_batch& b, const eng::command& c, timestamp now);

  // --- epoch markets: collected orders and self-trade prevention at entry (market_epoch.cpp)
  static std::int64_t stp_key(const segs::order& o);
  static void collect(region_market& r, slot_book& sb, const order_record& rec);
  static void uncollect(region_market& r, slot_book& sb, const order_record& rec);
  void drop_collected(region_batch& b, slot_book& sb, std::int64_t seq, timestamp now);
  bool prevent_self_trade(region_batch& b, slot_book& sb, const order_record& rec, timestamp now);

  // --- the order calls: authorization, journaling, bulk submission (market_orders.cpp)
  order apply_and_journal(region_batch& b, const eng::command& c, timestamp now);
  template <class Check>
  order run(region_market& r, const eng::command& c, Check&& check);
  void require_live(region_market& r, const order_record& found);
  std::string region_for(const principal& who, const std::optional<std::string>& asked);
  void check_submitter(const principal& who, const order_spec& spec, const std::string& region);
  eng::command submission(const principal& who, const order_spec& spec);
  order submit(const principal& who, const order_spec& spec);
  std::vector<result<order>> submit_many(const principal& who, const std::vector<order_spec>& specs);
  order_record visible_order(const principal& who, const uuid& id);
  order_record visible_live_order(const principal& who, const uuid& id);
  order cancel(const principal& who, const uuid& id);
  order modify(const principal& who, const uuid& id, const order_change& change);

  // --- slots, gate closure and the call auction (market_gates.cpp)
  void check_slot_time(const market_settings& s, timestamp slot, timestamp now);
  void check_aligned(const market_settings& s, timestamp slot);
  const market_settings& settings_for(region_market& r, timestamp slot);
  slot_book& open_slot(region_batch& b, timestamp slot);
  void drop_if_unused(region_batch& b, timestamp slot);
  void close_slot(region_batch& b, slot_book& sb, timestamp now);
  static clearing_result clearing_of(const slot_record& s);
  static public_trade tape(const trade_record& t, const std::optional<uuid>& viewer);
  void sweep(region_batch& b, timestamp now);
  std::vector<clearing_result> close_due(region_market& r, timestamp now);
  void require_operator(const principal& who, std::string_view region);
  clearing_result clear(const principal& who, std::string_view name, timestamp slot,
                        const request_context& ctx);
  clearing_result stored_clearing(const slot_record& rec);

  // --- reads: orders, book, stats, history, tape (market_queries.cpp)
  order get_order(const principal& who, const uuid& id);
  page<order> orders(const principal& who, const order_query& q);
  order_book book(const principal& who, timestamp slot, const std::optional<std::string>& asked, int depth);
  market_stats stats(const principal& who, timestamp slot, const std::optional<std::string>& asked);
  page<user_trade> history(const principal& who, const trade_query& q);
  std::vector<public_trade> matches(const principal& who, timestamp slot, const std::optional<std::string>& asked);

  // --- settlement of a closed slot (market_settle.cpp)
  settlement settle(const principal& who, std::string_view name, timestamp slot,
                    const std::optional<std::vector<delivery>>& deliveries,
                    const request_context& ctx);

  // --- markets and their settings (market_settings.cpp)
  std::vector<market_info> markets(const principal& who);
  market_info info(region_market& r);
  market_info configure(const principal& who, std::string_view name, const market_settings_update& u,
                        const request_context& ctx);

  // --- events after commit, and subscriptions (market_events.cpp)
  /// Appends the events of what `b` did ("market.order", "market.trade",
  /// "market.book", "market.clearing") to `out`, when anyone (or the
  /// notifications' maker) reads them. Called before the batch commits.
  void events_of(const region_batch& b, std::vector<event>& out);
  subscription subscribe(std::function<void(const market_event&)> fn);

  market_impl(const market_impl&) = delete;
  market_impl& operator=(const market_impl&) = delete;

  grid_core& core_;
  std::mutex regions_mu_;
  std::map<std::string, std::unique_ptr<region_market>, std::less<>> regions_;

  // --- market data (market_queries.cpp) ------------------------------------
  /// A slot's trades folded into the figures `stats` answers, up to
  /// `last_seq`. A region's trades are written by the one grid that runs
  /// it, from its journal, in seq order (market_projection.cpp), and never
  /// changed: a slot whose highest seq is unchanged has the same trades,
  /// and a higher one means the trades above the old one are new. So
  /// `stats` seeks the highest seq and folds in only trades it has not seen
  /// (issue 17: it read every trade of the slot on every request).
  struct slot_tape {
    std::int64_t count = 0;
    std::int64_t last_seq = 0;
    std::optional<money> open, high, low, close;
    energy volume{0};
    __extension__ __int128 notional = 0;
  };
  static constexpr std::size_t max_tapes = 4096;
  std::mutex tapes_mu_;
  std::map<std::pair<std::string, std::int64_t>, slot_tape> tapes_;

};

}  // namespace segs::detail
