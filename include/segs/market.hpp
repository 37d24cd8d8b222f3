// libsegs — the energy market: one market per region, orders for delivery
// slots, continuous matching or epoch clearing, market data, settlement.
//
//     auto& m = grid->market();
//     segs::order_spec o;
//     o.side = segs::order_side::sell;
//     o.quantity = segs::energy{1500};                 // 1.5 kWh
//     o.price = segs::money{245'000};                   // 0.245 per kWh
//     o.delivery_slot = *segs::parse_rfc3339("2025-06-16T10:15:00Z");
//     auto placed = m.submit(prosumer, o);              // result<order>
//
// Units: quantities are `energy` (whole Wh), prices are `money` per kWh
// (micro-units), timestamps are UTC. A trade's amount is price x quantity,
// rounded half to even to the micro-unit.
//
// Time: the market reads the grid's clock. Nothing runs in the background:
// a slot whose gate closure has passed is closed (continuous: its resting
// orders expire; epoch: its auction runs) by the first market call that
// touches it, or by `close_due_gates()`, which hosts call on a timer and
// simulations call after moving a manual clock.
//
// Durability: every accepted order, amendment, cancel, expiry and trade is
// committed to storage before the call returns: an order, amendment or
// cancel as one entry of its region's journal (from which the deterministic
// engine re-derives its trades), gate closures directly. The order, trade
// and slot tables follow the journal in batches (see
// `market_options::projection_batch`): this grid's own reads always see
// them current; another grid or process reading the same database sees
// them as the owner last wrote them (its reads, gate sweeps, full batches
// and close write them). Opening a grid rebuilds the in-memory books from
// the tables and a replay of the journal's newer entries.
//
// Authorization: buying needs `trade:buy`, selling `trade:sell`; users trade
// in their own region. Operators act on the markets of their region (scope
// region), admins on all. Orders of others are reported as not found.
//
// Thread-safety: `market_service` is safe to call from several threads; calls
// on one region's market are serialized.
#pragma once

#include <segs/access.hpp>
#include <segs/error.hpp>
#include <segs/export.hpp>
#include <segs/identity.hpp>
#include <segs/subscription.hpp>
#include <segs/types.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace segs {

class market_service;

namespace detail {
struct grid_core;
class market_impl;
// Internal: the grid's opening code builds its market with this; nothing
// else can construct a market_service (its constructor is private).
std::unique_ptr<market_service> make_market_service(grid_core& core);
}  // namespace detail

enum class market_mechanism {
  continuous,  ///< continuous double auction: price-time priority
  epoch,       ///< uniform-price call auction at gate closure
};
enum class order_side { buy, sell };
enum class order_type {
  limit,   ///< with a price
  market,  ///< no price; never rests
};
enum class time_in_force {
  gtc,  ///< good till gate closure
  ioc,  ///< immediate or cancel
  fok,  ///< fill or kill
};
enum class self_trade_prevention { cancel_newest, cancel_oldest, cancel_both };
enum class order_status { open, partially_filled, filled, cancelled, expired };
enum class ledger_kind { trade_debit, trade_credit, fee, imbalance_charge, imbalance_refund };

/// Wire names ("continuous", "buy", "gtc", "cancel_newest", "partially_filled",
/// "trade_debit", ...).
[[nodiscard]] SEGS_EXPORT std::string_view to_string(market_mechanism v) noexcept;
[[nodiscard]] SEGS_EXPORT std::string_view to_string(order_side v) noexcept;
[[nodiscard]] SEGS_EXPORT std::string_view to_string(order_type v) noexcept;
[[nodiscard]] SEGS_EXPORT std::string_view to_string(time_in_force v) noexcept;
[[nodiscard]] SEGS_EXPORT std::string_view to_string(self_trade_prevention v) noexcept;
[[nodiscard]] SEGS_EXPORT std::string_view to_string(order_status v) noexcept;
[[nodiscard]] SEGS_EXPORT std::string_view to_string(ledger_kind v) noexcept;
/// Parse wire names; an unknown name is a validation_error naming `field`.
[[nodiscard]] SEGS_EXPORT result<market_mechanism> parse_mechanism(std::string_view s, std::string_view field = "mechanism");
[[nodiscard]] SEGS_EXPORT result<order_side> parse_side(std::string_view s, std::string_view field = "side");
[[nodiscard]] SEGS_EXPORT result<order_type> parse_order_type(std::string_view s, std::string_view field = "order_type");
[[nodiscard]] SEGS_EXPORT result<time_in_force> parse_time_in_force(std::string_view s, std::string_view field = "time_in_force");
[[nodiscard]] SEGS_EXPORT result<self_trade_prevention> parse_self_trade_prevention(std::string_view s, std::string_view field = "self_trade_prevention");
[[nodiscard]] SEGS_EXPORT result<order_status> parse_order_status(std::string_view s, std::string_view field = "status");

/// A market's rules. The defaults are the deployment defaults of a region
/// without settings of its own.
struct market_settings {
  market_mechanism mechanism = market_mechanism::continuous;
  /// Delivery slots are this long and aligned to it from the Unix epoch (UTC):
  /// 15 minutes gives the quarter hours. 1..1440, and 1440 must be a multiple.
  std::chrono::minutes slot_length{15};
  /// Trading for a slot opens this long before its start.
  std::chrono::minutes open_ahead{48 * 60};
  /// Trading for a slot closes this long before its start (gate closure).
  std::chrono::minutes gate_closure{5};
  /// Prices are multiples of this (money per kWh); > 0.
  money tick{100};
  /// Charged to each side of every trade: per kWh traded ...
  money fee_per_kwh{0};
  /// ... plus this share of the trade's amount, in millionths (5000 = 0.5 %).
  std::int64_t fee_ppm = 0;
  /// What a seller's shortfall costs per kWh; none: the slot's highest trade
  /// price.
  std::optional<money> imbalance_price;
  self_trade_prevention stp = self_trade_prevention::cancel_newest;

  friend bool operator==(const market_settings&, const market_settings&) = default;
};

/// A partial update of market settings: absent fields keep their value.
struct market_settings_update {
  std::optional<market_mechanism> mechanism;
  std::optional<std::chrono::minutes> slot_length;
  std::optional<std::chrono::minutes> open_ahead;
  std::optional<std::chrono::minutes> gate_closure;
  std::optional<money> tick;
  std::optional<money> fee_per_kwh;
  std::optional<std::int64_t> fee_ppm;
  /// Set (outer engaged) to a price, or to none (outer engaged, inner empty)
  /// to go back to "the slot's highest trade price".
  std::optional<std::optional<money>> imbalance_price;
  std::optional<self_trade_prevention> stp;
};

/// A region's market.
struct market_info {
  std::string region;
  market_settings settings;
  /// False when the region trades under the deployment defaults.
  bool configured = false;
  /// Settings changed while a slot held orders apply from the slots that do
  /// not: those slots keep the settings they opened with.
  timestamp updated_at{};
};

/// A new order. The region is the acting user's own (operators and admins may
/// name another region they act on).
struct order_spec {
  order_side side = order_side::buy;
  order_type type = order_type::limit;
  energy quantity;               ///< > 0
  std::optional<money> price;    ///< limit orders: > 0, on the tick; market orders: none
  time_in_force tif = time_in_force::gtc;
  bool post_only = false;
  timestamp delivery_slot{};     ///< the slot's start
  std::optional<std::string> region;
};

/// A fill as the order that caused or suffered it sees it.
struct order_fill {
  uuid id;  ///< the trade
  money price;
  energy quantity;
  timestamp executed_at{};
};

/// An order as its owner sees it.
struct order {
  uuid id;
  uuid user_id;
  std::string region;
  timestamp delivery_slot{};
  order_side side = order_side::buy;
  order_type type = order_type::limit;
  energy quantity;  ///< as submitted, or as last modified (filled + remaining)
  std::optional<money> price;
  time_in_force tif = time_in_force::gtc;
  bool post_only = false;
  order_status status = order_status::open;
  energy filled;
  energy remaining;  ///< open quantity (0 once filled, cancelled or expired)
  timestamp created_at{};
  timestamp updated_at{};
  /// In answers to submit and modify: the fills this call caused.
  std::vector<order_fill> trades;
};

/// A change to an order: the new OPEN quantity and/or a new price.
struct order_change {
  std::optional<energy> quantity;
  std::optional<money> price;
};

/// Filters for listing one's orders. Pages start at 1.
struct order_query {
  std::optional<order_status> status;
  std::optional<timestamp> delivery_slot;
  /// Operators and admins: someone else's orders (in scope); default the caller.
  std::optional<uuid> user_id;
  int page = 1;
  int per_page = 20;  ///< 1..100
};

struct book_level {
  money price;
  energy quantity;
  std::int64_t orders = 0;
};

/// Aggregated depth of one slot's book. In an epoch market, the orders
/// collected so far (they may cross: nothing matches before the auction).
struct order_book {
  std::string region;
  timestamp delivery_slot{};
  std::vector<book_level> bids;  ///< best (highest) first
  std::vector<book_level> asks;  ///< best (lowest) first
  /// Grows with every change to this slot's book; lets a client order
  /// snapshots and events.
  std::uint64_t sequence = 0;
};

/// Market data of one slot. Absent where there is none.
struct market_stats {
  std::string region;
  timestamp delivery_slot{};
  market_mechanism mechanism = market_mechanism::continuous;
  std::optional<money> best_bid;
  std::optional<money> best_ask;
  std::optional<money> last_price;
  energy volume;
  std::optional<money> vwap;
  std::optional<money> open;
  std::optional<money> high;
  std::optional<money> low;
  std::optional<money> close;
  std::int64_t trade_count = 0;
  std::optional<money> clearing_price;  ///< epoch markets, once cleared
  std::optional<energy> cleared;        ///< epoch markets, once cleared
};

/// A trade as one of its parties sees it.
struct user_trade {
  uuid id;
  std::string region;
  timestamp delivery_slot{};
  order_side side = order_side::buy;
  money price;
  energy quantity;
  money fee;
  uuid order_id;
  timestamp executed_at{};
};

/// A trade on the public tape: no user ids; order ids only for the caller's own.
struct public_trade {
  uuid id;
  money price;
  energy quantity;
  std::optional<uuid> buy_order_id;
  std::optional<uuid> sell_order_id;
  timestamp executed_at{};
};

struct trade_query {
  std::optional<timestamp> delivery_slot;
  int page = 1;
  int per_page = 20;  ///< 1..100
};

/// What closing a slot's gate did.
struct clearing_result {
  std::string region;
  timestamp delivery_slot{};
  market_mechanism mechanism = market_mechanism::continuous;
  std::optional<money> clearing_price;  ///< epoch only; none when it did not clear
  energy cleared;                       ///< energy traded by the auction (epoch)
  std::vector<public_trade> trades;     ///< the auction's trades (epoch)
  timestamp closed_at{};
};

/// Energy a seller delivered in a slot (from metering).
struct delivery {
  uuid user_id;
  energy delivered;
};

/// One settlement entry. Amounts are signed from the account's side: a
/// debit is negative. `user_id` none: the grid operator's account.
struct ledger_entry {
  std::optional<uuid> user_id;
  ledger_kind kind = ledger_kind::trade_debit;
  energy quantity;
  money amount;
};

struct settlement {
  std::string region;
  timestamp delivery_slot{};
  timestamp settled_at{};
  std::vector<ledger_entry> entries;
};

/// Something that happened in a market, after it was committed.
struct market_event {
  enum class kind {
    order,     ///< an order changed (accepted, filled, modified, cancelled, expired)
    trade,     ///< a trade executed
    book,      ///< a slot's book changed (see `sequence`)
    clearing,  ///< a slot's gate closed
    settlement,  ///< a slot was settled (see `settled`)
  };
  kind type = kind::order;
  std::string region;
  timestamp delivery_slot{};
  std::uint64_t sequence = 0;              ///< the book's sequence after the change
  std::optional<order> order_update;       ///< kind::order (no `trades`)
  std::optional<public_trade> trade;       ///< kind::trade (both order ids set)
  std::optional<clearing_result> clearing; ///< kind::clearing (no `trades`)
  std::optional<segs::settlement> settled; ///< kind::settlement
};

/// The market's options (`options::market`). `grid::open` refuses invalid ones with a
/// validation_error naming the member (`projection_batch`, or the
/// `market_settings` member of `defaults`, e.g. `slot_length`).
struct market_options {
  /// The settings of every region's market that has none of its own.
  market_settings defaults;
  /// The market commits each accepted order, amendment and cancel as one
  /// journal entry before answering, and writes the order, trade and slot
  /// rows it changed in batches: before anything reads them, at gate
  /// closures, and once this many rows are waiting (docs/market.md,
  /// "Durability"). Larger batches absorb bursts faster; the rows wait in
  /// memory (a few hundred bytes each) and a reopen replays their entries.
  /// 1 or more.
  std::size_t projection_batch = 5'000;
};

/// A grid's market: obtained from `grid::market()`, never constructed by
/// hosts (one per grid, since it owns the grid's books in memory).
class SEGS_EXPORT market_service {
 public:
  ~market_service();
  market_service(const market_service&) = delete;
  market_service& operator=(const market_service&) = delete;

  // --- orders ---------------------------------------------------------------
  /// Places an order. Needs a signed-in user with `trade:buy` (buy) or
  /// `trade:sell` (sell), in the user's own region unless the user operates
  /// the named one. An order that can neither fill nor rest (an unfillable
  /// FOK, a market order against an empty side, an IOC's rest) is accepted
  /// and answered `cancelled`. Errors: validation_error naming the
  /// order_spec member (quantity, price, delivery_slot: misaligned, not open
  /// yet, past gate closure; region), unauthorized (anonymous), forbidden
  /// (API keys and the system; missing permission; foreign region), conflict
  /// (post_only that would cross: nothing rests), unavailable (another grid
  /// runs the region).
  result<order> submit(const principal& who, const order_spec& spec);
  /// Places several orders (at most 100000) in one transaction, in order;
  /// each answer is the order or why submit() would have refused it (a
  /// refusal does not stop the others). Permissions as submit(). Errors of
  /// the whole call: unauthorized, forbidden (not a user), validation_error
  /// (field "orders": too many), unavailable.
  result<std::vector<result<order>>> submit_many(const principal& who,
                                                 const std::vector<order_spec>& specs);
  /// Cancels an open order; answers it. Needs a signed-in principal that
  /// owns the order or operates its region. Errors: unauthorized, not_found
  /// (field "id": no such order, or not the caller's to touch), conflict
  /// (no longer open), unavailable.
  result<order> cancel(const principal& who, const uuid& id);
  /// Changes an open order (see order_change). Reducing the open quantity
  /// keeps time priority; raising it or changing the price loses it, and the
  /// order may then trade at once. Who may: as cancel(). Errors:
  /// validation_error naming the order_change member (quantity, price:
  /// neither given, not positive, off the tick, a market order's price),
  /// unauthorized, not_found (as cancel()), conflict (no longer open; a
  /// post_only order that would cross at the new price), unavailable.
  result<order> modify(const principal& who, const uuid& id, const order_change& change);
  /// One order. Needs a signed-in principal that owns it or operates its
  /// region. Writes only the waiting rows of the order's region first.
  /// Errors: unauthorized, not_found (field "id").
  result<order> get_order(const principal& who, const uuid& id);
  /// A user's orders, newest first: the caller's (a signed-in user), or with
  /// `user_id` someone else's (`market:operate`; region-scoped operators see
  /// their region's). Writes only the waiting rows of the regions the user
  /// trades in first. Errors: unauthorized, forbidden (not a user; user_id
  /// without market:operate), validation_error (page, per_page).
  result<page<order>> orders(const principal& who, const order_query& q);

  // --- market data ------------------------------------------------------------
  /// Depth, `depth` levels per side (1..1000). `region` defaults to the
  /// caller's. Needs any signed-in principal. Errors: unauthorized,
  /// validation_error (depth; region empty or too long; delivery_slot
  /// misaligned), unavailable (another grid runs the region).
  result<order_book> book(const principal& who, timestamp delivery_slot,
                          std::optional<std::string> region = std::nullopt, int depth = 10);
  /// A slot's market data. Who may, and errors: as book() (no depth).
  result<market_stats> stats(const principal& who, timestamp delivery_slot,
                             std::optional<std::string> region = std::nullopt);
  /// The caller's trades, newest first. Needs a signed-in user. Writes only
  /// the waiting rows of the regions the caller trades in first. Errors:
  /// unauthorized, forbidden (not a user), validation_error (page, per_page).
  result<page<user_trade>> history(const principal& who, const trade_query& q);
  /// A slot's public trade tape, oldest first (order ids only for the
  /// caller's own). Who may, and errors: as stats().
  result<std::vector<public_trade>> matches(const principal& who, timestamp delivery_slot,
                                            std::optional<std::string> region = std::nullopt);

  // --- gates, clearing and settlement -----------------------------------------
  /// Closes a slot's gate now: its resting orders expire, or, in an epoch
  /// market, its auction runs. Needs `market:operate` over the region
  /// (operators of the region, admins). When this call closes the slot it
  /// writes a "market.clear" audit record (region and slot in its details,
  /// `ctx` as where the request came from) in the same transaction.
  /// Closing a closed slot answers the first result and records nothing; so
  /// does a slot whose gate time had passed (the clock closed it). Errors:
  /// unauthorized (anonymous), forbidden (no operator scope over the region),
  /// validation_error (region empty; delivery_slot misaligned), unavailable
  /// (another grid runs the region).
  result<clearing_result> clear(const principal& who, std::string_view region,
                                timestamp delivery_slot, const request_context& ctx = {});
  /// Closes every slot, in every region this grid runs, whose gate closure
  /// time has passed by the grid's clock, and writes the order and trade
  /// rows still waiting for their batch; answers what each closure did,
  /// oldest slot first. Takes no principal: the host's timer calls it.
  /// Regions another grid runs are skipped. Errors: unavailable (storage).
  result<std::vector<clearing_result>> close_due_gates();
  /// Settles a closed slot. Needs `market:operate` over the region
  /// (operators of the region, admins). Without deliveries, a slot whose
  /// delivery has ended settles against the meters: a seller delivered the
  /// net export of their meters in the region, sum(produced - consumed) of
  /// the readings in (slot start, slot end], floored at 0 and capped at what
  /// they sold; a seller without a reading in the slot settles as traded.
  /// A slot whose delivery has not ended is a conflict without deliveries.
  /// A seller absent from explicit deliveries delivered as traded. Writes a "market.settle" audit record (region, slot, the number
  /// of deliveries and of entries) in the settlement's transaction. Settling
  /// again answers the first settlement, changes nothing and records
  /// nothing. Errors: unauthorized, forbidden (as clear), validation_error
  /// (region empty; a negative or repeated delivery, naming it), conflict
  /// (gate still open; delivery not ended without deliveries), unavailable.
  result<settlement> settle(const principal& who, std::string_view region,
                            timestamp delivery_slot,
                            std::optional<std::vector<delivery>> deliveries = std::nullopt,
                            const request_context& ctx = {});

  // --- markets ----------------------------------------------------------------
  /// Every region known to the grid (users' regions and configured markets).
  /// Needs any signed-in principal. Errors: unauthorized.
  result<std::vector<market_info>> markets(const principal& who);
  /// One region's market (the defaults when it has no settings). Needs any
  /// signed-in principal. Errors: unauthorized, validation_error (region
  /// empty).
  result<market_info> market(const principal& who, std::string_view region);
  /// Changes a region's settings. Needs `market:manage` (admins). Slots that
  /// already hold orders keep the settings they opened with. Writes a
  /// "market.configure" audit record (the region and the names of the
  /// members given) in the same transaction as the settings. Errors:
  /// unauthorized, forbidden (no market:manage), validation_error (region
  /// not 1..100 characters; a setting out of range, naming it),
  /// unavailable (another grid runs the region).
  result<market_info> configure(const principal& who, std::string_view region,
                                const market_settings_update& update,
                                const request_context& ctx = {});

  // --- events -----------------------------------------------------------------
  /// Calls `fn` for every event, after its transaction committed, on the
  /// thread that caused it, in order per region. `fn` must not call back into
  /// the market of that region. Destroying the handle stops delivery. No
  /// principal and no errors: the host filters what it forwards. The same
  /// as subscribing to the grid's event hub (grid::events()) for the
  /// "market." events; the handle may outlive the grid.
  [[nodiscard]] subscription subscribe(std::function<void(const market_event&)> fn);

 private:
  friend std::unique_ptr<market_service> detail::make_market_service(detail::grid_core& core);
  explicit market_service(detail::grid_core& core);
  std::unique_ptr<detail::market_impl> impl_;
};

}  // namespace segs
