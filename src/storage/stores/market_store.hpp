// SQL of the energy market: settings, slots, orders, trades, ledger.
#pragma once

#include "market/records.hpp"
#include "storage/backend.hpp"

#include <map>
#include <string>

#include <segs/market.hpp>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace segs::storage::market {

struct stored_settings {
  std::string region;
  market_settings settings;
  timestamp updated_at{};
};
std::vector<stored_settings> all_settings(transaction& tx);
void save_settings(transaction& tx, const std::string& region, const market_settings& s, timestamp now);
/// True when the region has settings, slots or journal entries of its own.
bool region_has_market(transaction& tx, const std::string& region);
/// Regions with settings of their own (configured markets), sorted.
std::vector<std::string> configured_regions(transaction& tx);

void insert_slot(transaction& tx, const detail::slot_record& s);
/// Writes state, sequence, clearing and the closing/settling times.
void update_slot(transaction& tx, const detail::slot_record& s);
std::optional<detail::slot_record> find_slot(transaction& tx, const std::string& region, timestamp start);
/// Slots still open, and closed slots whose gate time has not come yet
/// (closed early by an operator), by region then start.
std::vector<detail::slot_record> active_slots(transaction& tx, timestamp now,
                                             const std::optional<std::string>& region = std::nullopt);
/// Marks an open or closed slot settled; false when it already was.
bool mark_settled(transaction& tx, const std::string& region, timestamp start, timestamp now);

/// Inserts orders, several rows per statement.
void insert_orders(transaction& tx, std::span<const detail::order_record* const> rows);
/// Writes what changes over an order's life: priority, quantity, price,
/// filled, remaining, status, updated_at; several rows per statement.
void update_orders(transaction& tx, std::span<const detail::order_record* const> rows);
std::optional<detail::order_record> find_order(transaction& tx, const uuid& id);
/// Orders with open quantity, by region, slot, priority.
std::vector<detail::order_record> live_orders(transaction& tx, const std::optional<std::string>& region = std::nullopt);
/// The largest order and trade seq used in a region (0 when none): two
/// index lookups on (region, seq).
struct region_counters {
  std::int64_t order_seq = 0;
  std::int64_t trade_seq = 0;
};
region_counters counters(transaction& tx, const std::string& region);

struct order_filter {
  uuid user_id;
  std::optional<std::string> region;  ///< region-scoped operators see one region
  std::optional<order_status> status;
  std::optional<timestamp> delivery_slot;
  int page = 1;
  int per_page = 20;
};
/// Newest first.
page<order> list_orders(transaction& tx, const order_filter& f);

/// Inserts trades, several rows per statement.
void insert_trades(transaction& tx, std::span<const detail::trade_record> rows);
/// A slot's trades in execution order.
std::vector<detail::trade_record> slot_trades(transaction& tx, const std::string& region, timestamp start);
/// The highest `seq` among a slot's trades (0: none): one index seek.
std::int64_t slot_last_seq(transaction& tx, const std::string& region, timestamp start);
/// The price and quantity of a slot's trades with seq above `after`, by seq.
struct tape_item {
  std::int64_t seq = 0;
  money price;
  energy quantity;
};
std::vector<tape_item> slot_tape_after(transaction& tx, const std::string& region, timestamp start,
                                       std::int64_t after);
/// The trades a user took part in (one row per side), newest first.
page<user_trade> user_trades(transaction& tx, const uuid& user, const trade_query& q);

// --- the journal (src/market/journal.hpp) and the projection's mark -----------------

struct journal_entry {
  std::int64_t seq = 0;
  timestamp at{};
  blob body;
};
/// Appends a region's entries, several rows per statement.
void append_journal(transaction& tx, const std::string& region, std::span<const journal_entry> entries);
/// Regions with entries the projection has not applied.
std::vector<std::string> journal_regions(transaction& tx);
/// A region's entries after `seq`, in order.
std::vector<journal_entry> journal_after(transaction& tx, const std::string& region, std::int64_t seq);

/// How far a region's projection (its orders, trades and slots) has
/// applied its journal, and the region's counters at that point.
struct projection_mark {
  std::int64_t journal_seq = 0;
  std::int64_t order_seq = 0;
  std::int64_t trade_seq = 0;
};
std::optional<projection_mark> find_mark(transaction& tx, const std::string& region);
/// Records the mark and deletes the entries it covers from the journal.
void save_mark(transaction& tx, const std::string& region, const projection_mark& m);

void insert_entry(transaction& tx, const uuid& id, const std::string& region, timestamp slot,
                  int line, const ledger_entry& e, timestamp now);
std::vector<ledger_entry> entries(transaction& tx, const std::string& region, timestamp slot);

// --- what billing reads of a region's slots with start in [from, to) ---------------------
struct slot_span {
  timestamp start{};
  std::chrono::minutes length{15};
  bool settled = false;
};
/// The slots that held orders or were closed, by start.
std::vector<slot_span> slots_between(transaction& tx, const std::string& region, timestamp from, timestamp to);
/// A user's ledger entry and its slot.
struct slot_entry {
  timestamp slot{};
  ledger_entry entry;  ///< user_id set
};
/// The users' entries (the grid operator's left out), by slot then line.
std::vector<slot_entry> user_entries_between(transaction& tx, const std::string& region, timestamp from, timestamp to);
struct slot_trade {
  timestamp slot{};
  uuid buyer;
  uuid seller;
  energy quantity;
};
/// The trades of slots not settled yet.
std::vector<slot_trade> unsettled_trades_between(transaction& tx, const std::string& region, timestamp from,
                                                 timestamp to);

// --- what analytics reads of a region's slots with start in [from, to) -------------------
/// The trades, by slot then execution order.
std::vector<detail::trade_record> trades_between(transaction& tx, const std::string& region, timestamp from,
                                                 timestamp to);
/// The slots' records (with their quotes at gate closure), by start.
std::vector<detail::slot_record> slot_records_between(transaction& tx, const std::string& region, timestamp from,
                                                      timestamp to);
// --- counts (operations) ---
/// Open and partly filled orders by region, as written (the projection may
/// trail the journal by up to `market_options::projection_batch` rows).
std::map<std::string, std::int64_t> open_orders_by_region(transaction& tx);
std::int64_t count_trades(transaction& tx);
/// The latest trade of `region` (the highest seq: execution order).
struct last_trade {
  timestamp executed_at{};
  money price;
};
[[nodiscard]] std::optional<last_trade> last_trade_of(transaction& tx, const std::string& region);

}  // namespace segs::storage::market
