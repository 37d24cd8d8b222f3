#include "storage/stores/market_store.hpp"
#include "storage/stores/counts.hpp"

#include "market/names.hpp"
#include "storage/enum_column.hpp"
#include "storage/stores/filter.hpp"
#include "storage/stores/listing.hpp"

#include <boost/json.hpp>

#include <array>

namespace segs::storage::market {

namespace json = boost::json;
using detail::order_record;
using detail::slot_record;
using detail::slot_state;
using detail::trade_record;

namespace {

// Settings are one small JSON document per row: the set of fields grows with
// the product, and a slot must keep exactly the settings it opened with.
std::string settings_to_json(const market_settings& s) {
  json::object o;
  o["mechanism"] = to_string(s.mechanism);
  o["slot_minutes"] = s.slot_length.count();
  o["open_minutes_ahead"] = s.open_ahead.count();
  o["gate_closure_minutes"] = s.gate_closure.count();
  o["tick"] = s.tick.micros;
  o["fee_per_kwh"] = s.fee_per_kwh.micros;
  o["fee_ppm"] = s.fee_ppm;
  if (s.imbalance_price)
    o["imbalance_price"] = s.imbalance_price->micros;
  else
    o["imbalance_price"] = nullptr;
  o["self_trade_prevention"] = to_string(s.stp);
  return json::serialize(o);
}

market_settings settings_from_json(std::string_view text) {
  try {
    const auto v = json::parse(text);
    const auto& o = v.as_object();
    market_settings s;
    // An unknown name throws internal here; the catch below keeps the row's
    // one error ("corrupt market settings row") with it as the detail.
    s.mechanism = enum_value<market_mechanism>(o.at("mechanism").as_string(), "settings.mechanism");
    s.slot_length = std::chrono::minutes(o.at("slot_minutes").to_number<std::int64_t>());
    s.open_ahead = std::chrono::minutes(o.at("open_minutes_ahead").to_number<std::int64_t>());
    s.gate_closure = std::chrono::minutes(o.at("gate_closure_minutes").to_number<std::int64_t>());
    s.tick = money{o.at("tick").to_number<std::int64_t>()};
    s.fee_per_kwh = money{o.at("fee_per_kwh").to_number<std::int64_t>()};
    s.fee_ppm = o.at("fee_ppm").to_number<std::int64_t>();
    if (!o.at("imbalance_price").is_null())
      s.imbalance_price = money{o.at("imbalance_price").to_number<std::int64_t>()};
    s.stp = enum_value<self_trade_prevention>(o.at("self_trade_prevention").as_string(),
                                              "settings.self_trade_prevention");
    return s;
  } catch (const std::exception& e) {
    auto err = make_error(errc::internal, "corrupt market settings row");
    err.detail = e.what();
    throw segs::exception(std::move(err));
  }
}

value opt(const std::optional<std::int64_t>& v) {
  return v ? value{*v} : value{nullptr};
}

std::optional<std::int64_t> price_of(const std::optional<money>& m) {
  return m ? std::optional<std::int64_t>(m->micros) : std::nullopt;
}


constexpr std::string_view slot_columns =
    "region, slot_start, settings, state, gate_at, sequence, clearing_price, cleared_wh, closed_at, "
    "settled_at, gate_bid, gate_ask";

slot_record slot_from(const row& r) {
  slot_record s;
  s.region = r.text(0);
  s.start = from_micros(r.i64(1));
  s.settings = settings_from_json(r.text(2));
  s.state = enum_column<slot_state>(r, 3, "market_slots.state");
  s.gate_at = from_micros(r.i64(4));
  s.sequence = r.i64(5);
  if (auto p = r.opt_i64(6)) s.clearing_price = money{*p};
  if (auto c = r.opt_i64(7)) s.cleared = energy{*c};
  if (auto t = r.opt_i64(8)) s.closed_at = from_micros(*t);
  if (auto t = r.opt_i64(9)) s.settled_at = from_micros(*t);
  if (auto p = r.opt_i64(10)) s.gate_bid = money{*p};
  if (auto p = r.opt_i64(11)) s.gate_ask = money{*p};
  return s;
}

// Each table's columns once: the select lists and the appends both use them.
template <std::size_t N>
std::string joined(const std::array<std::string_view, N>& columns) {
  std::string out;
  for (auto c : columns) {
    if (!out.empty()) out += ", ";
    out += c;
  }
  return out;
}

constexpr std::array<std::string_view, 17> order_column_names{
    "id", "region", "seq", "priority", "slot_start", "user_id",
    "side", "order_type", "time_in_force", "post_only", "price",
    "quantity_wh", "filled_wh", "remaining_wh", "status", "created_at", "updated_at"};
const std::string order_columns = joined(order_column_names);

order_record order_from(const row& r) {
  order_record rec;
  auto& o = rec.o;
  o.id = r.id(0);
  o.region = r.text(1);
  rec.seq = r.i64(2);
  rec.priority = r.i64(3);
  o.delivery_slot = from_micros(r.i64(4));
  o.user_id = r.id(5);
  o.side = enum_column<order_side>(r, 6, "market_orders.side");
  o.type = enum_column<order_type>(r, 7, "market_orders.order_type");
  o.tif = enum_column<time_in_force>(r, 8, "market_orders.time_in_force");
  o.post_only = r.boolean(9);
  if (auto p = r.opt_i64(10)) o.price = money{*p};
  o.quantity = energy{r.i64(11)};
  o.filled = energy{r.i64(12)};
  o.remaining = energy{r.i64(13)};
  o.status = enum_column<order_status>(r, 14, "market_orders.status");
  o.created_at = from_micros(r.i64(15));
  o.updated_at = from_micros(r.i64(16));
  return rec;
}

constexpr std::array<std::string_view, 14> trade_column_names{
    "id", "region", "seq", "slot_start", "price", "quantity_wh", "buy_order_id",
    "sell_order_id", "buyer_id", "seller_id", "aggressor", "buyer_fee", "seller_fee", "executed_at"};
const std::string trade_columns = joined(trade_column_names);

trade_record trade_from(const row& r) {
  trade_record t;
  t.id = r.id(0);
  t.region = r.text(1);
  t.seq = r.i64(2);
  t.delivery_slot = from_micros(r.i64(3));
  t.price = money{r.i64(4)};
  t.quantity = energy{r.i64(5)};
  t.buy_order_id = r.id(6);
  t.sell_order_id = r.id(7);
  t.buyer_id = r.id(8);
  t.seller_id = r.id(9);
  t.aggressor = opt_enum_column<order_side>(r, 10, "market_trades.aggressor");
  t.buyer_fee = money{r.i64(11)};
  t.seller_fee = money{r.i64(12)};
  t.executed_at = from_micros(r.i64(13));
  return t;
}

std::string sql(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (auto p : parts) s += p;
  return s;
}

void append_order(std::vector<value>& p, const order_record& r) {
  const auto& o = r.o;
  p.emplace_back(o.id.to_string());
  p.emplace_back(o.region);
  p.emplace_back(r.seq);
  p.emplace_back(r.priority);
  p.emplace_back(to_micros(o.delivery_slot));
  p.emplace_back(o.user_id.to_string());
  p.emplace_back(std::string(to_string(o.side)));
  p.emplace_back(std::string(to_string(o.type)));
  p.emplace_back(std::string(to_string(o.tif)));
  p.emplace_back(std::int64_t{o.post_only ? 1 : 0});
  p.push_back(o.price ? value{o.price->micros} : value{nullptr});
  p.emplace_back(o.quantity.wh);
  p.emplace_back(o.filled.wh);
  p.emplace_back(o.remaining.wh);
  p.emplace_back(std::string(to_string(o.status)));
  p.emplace_back(to_micros(o.created_at));
  p.emplace_back(to_micros(o.updated_at));
}

void append_trade(std::vector<value>& p, const trade_record& t) {
  p.emplace_back(t.id.to_string());
  p.emplace_back(t.region);
  p.emplace_back(t.seq);
  p.emplace_back(to_micros(t.delivery_slot));
  p.emplace_back(t.price.micros);
  p.emplace_back(t.quantity.wh);
  p.emplace_back(t.buy_order_id.to_string());
  p.emplace_back(t.sell_order_id.to_string());
  p.emplace_back(t.buyer_id.to_string());
  p.emplace_back(t.seller_id.to_string());
  p.push_back(t.aggressor ? value{std::string(to_string(*t.aggressor))} : value{nullptr});
  p.emplace_back(t.buyer_fee.micros);
  p.emplace_back(t.seller_fee.micros);
  p.emplace_back(to_micros(t.executed_at));
}

}  // namespace

// --- settings -------------------------------------------------------------------

std::vector<stored_settings> all_settings(transaction& tx) {
  auto res = tx.exec("SELECT region, settings, updated_at FROM market_settings ORDER BY region");
  std::vector<stored_settings> out;
  for (const auto& r : res.rows)
    out.push_back({r.text(0), settings_from_json(r.text(1)), from_micros(r.i64(2))});
  return out;
}

void save_settings(transaction& tx, const std::string& region, const market_settings& s,
                   timestamp now) {
  tx.exec(
      "INSERT INTO market_settings (region, settings, updated_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (region) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
      {region, settings_to_json(s), to_micros(now)});
}

bool region_has_market(transaction& tx, const std::string& region) {
  return !tx.exec(
              "SELECT 1 FROM market_settings WHERE region = $1 UNION ALL "
              "SELECT 1 FROM market_slots WHERE region = $1 UNION ALL "
              "SELECT 1 FROM market_journal WHERE region = $1 LIMIT 1",
              {region})
              .rows.empty();
}

std::vector<std::string> configured_regions(transaction& tx) {
  auto res = tx.exec("SELECT region FROM market_settings ORDER BY region");
  std::vector<std::string> out;
  for (const auto& r : res.rows) out.push_back(r.text(0));
  return out;
}

// --- slots ----------------------------------------------------------------------

void insert_slot(transaction& tx, const slot_record& s) {
  tx.exec(sql({"INSERT INTO market_slots (", slot_columns,
               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"}),
          {s.region, to_micros(s.start), settings_to_json(s.settings), std::string(detail::name_of(s.state)),
           to_micros(s.gate_at), s.sequence,
           opt(s.clearing_price ? std::optional<std::int64_t>(s.clearing_price->micros) : std::nullopt),
           opt(s.cleared ? std::optional<std::int64_t>(s.cleared->wh) : std::nullopt),
           opt(s.closed_at ? std::optional<std::int64_t>(to_micros(*s.closed_at)) : std::nullopt),
           opt(s.settled_at ? std::optional<std::int64_t>(to_micros(*s.settled_at)) : std::nullopt),
           opt(price_of(s.gate_bid)), opt(price_of(s.gate_ask))});
}

void update_slot(transaction& tx, const slot_record& s) {
  tx.exec(
      "UPDATE market_slots SET state = $3, sequence = $4, clearing_price = $5, cleared_wh = $6, "
      "closed_at = $7, settled_at = $8, gate_bid = $9, gate_ask = $10 WHERE region = $1 AND slot_start = $2",
      {s.region, to_micros(s.start), std::string(detail::name_of(s.state)), s.sequence,
       opt(s.clearing_price ? std::optional<std::int64_t>(s.clearing_price->micros) : std::nullopt),
       opt(s.cleared ? std::optional<std::int64_t>(s.cleared->wh) : std::nullopt),
       opt(s.closed_at ? std::optional<std::int64_t>(to_micros(*s.closed_at)) : std::nullopt),
       opt(s.settled_at ? std::optional<std::int64_t>(to_micros(*s.settled_at)) : std::nullopt),
       opt(price_of(s.gate_bid)), opt(price_of(s.gate_ask))});
}

std::optional<slot_record> find_slot(transaction& tx, const std::string& region, timestamp start) {
  auto res = tx.exec(sql({"SELECT ", slot_columns, " FROM market_slots WHERE region = $1 AND slot_start = $2"}),
                     {region, to_micros(start)});
  if (res.rows.empty()) return std::nullopt;
  return slot_from(res.rows[0]);
}

std::vector<slot_record> active_slots(transaction& tx, timestamp now, const std::optional<std::string>& region) {
  filter w;
  w.add("(state = 'open' OR gate_at > ?)", to_micros(now));
  if (region) w.add("region = ?", *region);
  auto res = tx.exec(sql({"SELECT ", slot_columns, " FROM market_slots"}) + w.where() + " ORDER BY region, slot_start",
                     w.params());
  std::vector<slot_record> out;
  for (const auto& r : res.rows) out.push_back(slot_from(r));
  return out;
}

bool mark_settled(transaction& tx, const std::string& region, timestamp start, timestamp now) {
  return tx
             .exec(
                 "UPDATE market_slots SET state = 'settled', settled_at = $3 "
                 "WHERE region = $1 AND slot_start = $2 AND state <> 'settled'",
                 {region, to_micros(start), to_micros(now)})
             .affected == 1;
}

// --- orders ---------------------------------------------------------------------

// Many rows go through the port's one bulk mechanism, transaction::append.

void insert_orders(transaction& tx, std::span<const order_record* const> rows) {
  std::vector<value> p;
  p.reserve(rows.size() * order_column_names.size());
  for (const auto* r : rows) append_order(p, *r);
  tx.append("market_orders", order_column_names, p);
}

void update_orders(transaction& tx, std::span<const order_record* const> rows) {
  // An upsert of whole rows: it finds each row by its primary key on both
  // dialects (SQLite plans UPDATE ... FROM (VALUES ...) as a scan).
  std::vector<value> p;
  p.reserve(rows.size() * order_column_names.size());
  for (const auto* r : rows) append_order(p, *r);
  tx.append("market_orders", order_column_names, p,
            "ON CONFLICT (id) DO UPDATE SET priority = excluded.priority, quantity_wh = excluded.quantity_wh, "
            "price = excluded.price, filled_wh = excluded.filled_wh, remaining_wh = excluded.remaining_wh, "
            "status = excluded.status, updated_at = excluded.updated_at");
}

std::optional<order_record> find_order(transaction& tx, const uuid& id) {
  auto res = tx.exec(sql({"SELECT ", order_columns, " FROM market_orders WHERE id = $1"}),
                     {id.to_string()});
  if (res.rows.empty()) return std::nullopt;
  return order_from(res.rows[0]);
}

std::vector<order_record> live_orders(transaction& tx, const std::optional<std::string>& region) {
  filter w;
  w.add("remaining_wh > 0");
  if (region) w.add("region = ?", *region);
  auto res = tx.exec(sql({"SELECT ", order_columns, " FROM market_orders"}) + w.where() +
                         " ORDER BY region, slot_start, priority",
                     w.params());
  std::vector<order_record> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back(order_from(r));
  return out;
}

region_counters counters(transaction& tx, const std::string& region) {
  auto max_of = [&](const char* sql) {
    auto res = tx.exec(sql, {region});
    return res.rows.empty() || res.rows[0].is_null(0) ? std::int64_t{0} : res.rows[0].i64(0);
  };
  return {max_of("SELECT MAX(seq) FROM market_orders WHERE region = $1"),
          max_of("SELECT MAX(seq) FROM market_trades WHERE region = $1")};
}

page<order> list_orders(transaction& tx, const order_filter& f) {
  filter w;
  w.add("user_id = ?", f.user_id.to_string());
  if (f.region) w.add("region = ?", *f.region);
  if (f.status) w.add("status = ?", std::string(to_string(*f.status)));
  if (f.delivery_slot) w.add("slot_start = ?", to_micros(*f.delivery_slot));
  auto rows = fetch_page(tx,
                         {.select = std::string(order_columns),
                          .from = "market_orders" + w.where(),
                          .params = w.params(),
                          .order_by = "created_at DESC, seq DESC, id DESC"},
                         {f.page, f.per_page});
  return to_page<order>(std::move(rows), [](const row& r) { return order_from(r).o; });
}

// --- trades ---------------------------------------------------------------------

void insert_trades(transaction& tx, std::span<const trade_record> rows) {
  std::vector<value> p;
  p.reserve(rows.size() * trade_column_names.size());
  for (const auto& t : rows) append_trade(p, t);
  tx.append("market_trades", trade_column_names, p);
}

std::vector<trade_record> slot_trades(transaction& tx, const std::string& region, timestamp start) {
  auto res = tx.exec(sql({"SELECT ", trade_columns,
                          " FROM market_trades WHERE region = $1 AND slot_start = $2 ORDER BY seq"}),
                     {region, to_micros(start)});
  std::vector<trade_record> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back(trade_from(r));
  return out;
}

std::int64_t slot_last_seq(transaction& tx, const std::string& region, timestamp start) {
  const auto res = tx.exec(
      "SELECT coalesce(max(seq), 0) FROM market_trades WHERE region = $1 AND slot_start = $2",
      {region, to_micros(start)});
  return res.rows.at(0).i64(0);
}

std::vector<tape_item> slot_tape_after(transaction& tx, const std::string& region, timestamp start,
                                       std::int64_t after) {
  auto res = tx.exec(
      "SELECT seq, price, quantity_wh FROM market_trades "
      "WHERE region = $1 AND slot_start = $2 AND seq > $3 ORDER BY seq",
      {region, to_micros(start), after});
  std::vector<tape_item> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back({r.i64(0), money{r.i64(1)}, energy{r.i64(2)}});
  return out;
}

page<user_trade> user_trades(transaction& tx, const uuid& user, const trade_query& q) {
  // One row per side the user took: a buyer row and/or a seller row.
  filter w;
  const std::string me = user.to_string();
  w.add("(buyer_id = ? OR seller_id = ?)", me);
  if (q.delivery_slot) w.add("slot_start = ?", to_micros(*q.delivery_slot));
  // `$1` is the user in both halves of the union.
  const std::string sides =
      "SELECT id, region, slot_start, 'buy' AS side, price, quantity_wh, buyer_fee AS fee, "
      "buy_order_id AS order_id, executed_at, seq FROM market_trades" + w.where() +
      " AND buyer_id = $1 UNION ALL "
      "SELECT id, region, slot_start, 'sell' AS side, price, quantity_wh, seller_fee AS fee, "
      "sell_order_id AS order_id, executed_at, seq FROM market_trades" + w.where() +
      " AND seller_id = $1";
  auto rows = fetch_page(tx,
                         {.select = "*",
                          .from = "(" + sides + ") AS t",
                          .params = w.params(),
                          .order_by = "executed_at DESC, seq DESC, side, id"},
                         {q.page, q.per_page});
  return to_page<user_trade>(std::move(rows), [](const row& r) {
    user_trade t;
    t.id = r.id(0);
    t.region = r.text(1);
    t.delivery_slot = from_micros(r.i64(2));
    // The side is the literal of the union's half that found the row.
    t.side = enum_column<order_side>(r, 3, "market_trades.side");
    t.price = money{r.i64(4)};
    t.quantity = energy{r.i64(5)};
    t.fee = money{r.i64(6)};
    t.order_id = r.id(7);
    t.executed_at = from_micros(r.i64(8));
    return t;
  });
}

// --- ledger ---------------------------------------------------------------------

// --- journal ---------------------------------------------------------------------

void append_journal(transaction& tx, const std::string& region, std::span<const journal_entry> entries) {
  static constexpr std::array<std::string_view, 4> columns{"region", "seq", "at", "body"};
  std::vector<value> p;
  p.reserve(entries.size() * columns.size());
  for (const auto& e : entries) {
    p.emplace_back(region);
    p.emplace_back(e.seq);
    p.emplace_back(to_micros(e.at));
    p.emplace_back(e.body);
  }
  tx.append("market_journal", columns, p);
}

std::vector<std::string> journal_regions(transaction& tx) {
  auto res = tx.exec("SELECT DISTINCT region FROM market_journal ORDER BY region");
  std::vector<std::string> out;
  for (const auto& r : res.rows) out.push_back(r.text(0));
  return out;
}

std::vector<journal_entry> journal_after(transaction& tx, const std::string& region, std::int64_t seq) {
  auto res = tx.exec("SELECT seq, at, body FROM market_journal WHERE region = $1 AND seq > $2 ORDER BY seq",
                     {region, seq});
  std::vector<journal_entry> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back({r.i64(0), from_micros(r.i64(1)), r.bytes(2)});
  return out;
}

std::optional<projection_mark> find_mark(transaction& tx, const std::string& region) {
  auto res = tx.exec("SELECT journal_seq, order_seq, trade_seq FROM market_projection WHERE region = $1", {region});
  if (res.rows.empty()) return std::nullopt;
  return projection_mark{res.rows[0].i64(0), res.rows[0].i64(1), res.rows[0].i64(2)};
}

void save_mark(transaction& tx, const std::string& region, const projection_mark& m) {
  tx.exec("INSERT INTO market_projection (region, journal_seq, order_seq, trade_seq) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (region) DO UPDATE SET journal_seq = excluded.journal_seq, "
          "order_seq = excluded.order_seq, trade_seq = excluded.trade_seq",
          {region, m.journal_seq, m.order_seq, m.trade_seq});
  tx.exec("DELETE FROM market_journal WHERE region = $1 AND seq <= $2", {region, m.journal_seq});
}

void insert_entry(transaction& tx, const uuid& id, const std::string& region, timestamp slot, int line,
                  const ledger_entry& e, timestamp now) {
  tx.exec(
      "INSERT INTO ledger_entries (id, region, slot_start, line, user_id, kind, energy_wh, amount, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {id.to_string(), region, to_micros(slot), std::int64_t{line},
       e.user_id ? value{e.user_id->to_string()} : value{nullptr}, std::string(to_string(e.kind)),
       e.quantity.wh, e.amount.micros, to_micros(now)});
}

std::vector<ledger_entry> entries(transaction& tx, const std::string& region, timestamp slot) {
  auto res = tx.exec(
      "SELECT user_id, kind, energy_wh, amount FROM ledger_entries "
      "WHERE region = $1 AND slot_start = $2 ORDER BY line",
      {region, to_micros(slot)});
  std::vector<ledger_entry> out;
  for (const auto& r : res.rows) {
    ledger_entry e;
    if (auto u = r.opt_text(0)) e.user_id = uuid::parse(*u).value();
    e.kind = enum_column<ledger_kind>(r, 1, "ledger_entries.kind");
    e.quantity = energy{r.i64(2)};
    e.amount = money{r.i64(3)};
    out.push_back(e);
  }
  return out;
}

std::vector<slot_span> slots_between(transaction& tx, const std::string& region, timestamp from, timestamp to) {
  auto res = tx.exec("SELECT slot_start, settings, state FROM market_slots WHERE region = $1 AND slot_start >= $2 "
                     "AND slot_start < $3 ORDER BY slot_start",
                     {region, to_micros(from), to_micros(to)});
  std::vector<slot_span> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows)
    out.push_back({from_micros(r.i64(0)), settings_from_json(r.text(1)).slot_length,
                   enum_column<slot_state>(r, 2, "market_slots.state") == slot_state::settled});
  return out;
}

std::vector<slot_entry> user_entries_between(transaction& tx, const std::string& region, timestamp from,
                                             timestamp to) {
  auto res = tx.exec(
      "SELECT slot_start, user_id, kind, energy_wh, amount FROM ledger_entries WHERE region = $1 AND slot_start >= $2 "
      "AND slot_start < $3 AND user_id IS NOT NULL ORDER BY slot_start, line",
      {region, to_micros(from), to_micros(to)});
  std::vector<slot_entry> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) {
    slot_entry s;
    s.slot = from_micros(r.i64(0));
    s.entry.user_id = r.id(1);
    s.entry.kind = enum_column<ledger_kind>(r, 2, "ledger_entries.kind");
    s.entry.quantity = energy{r.i64(3)};
    s.entry.amount = money{r.i64(4)};
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<slot_trade> unsettled_trades_between(transaction& tx, const std::string& region, timestamp from,
                                                 timestamp to) {
  auto res = tx.exec(
      "SELECT t.slot_start, t.buyer_id, t.seller_id, t.quantity_wh FROM market_trades t JOIN market_slots s "
      "ON s.region = t.region AND s.slot_start = t.slot_start WHERE t.region = $1 AND t.slot_start >= $2 "
      "AND t.slot_start < $3 AND s.state <> 'settled' ORDER BY t.slot_start, t.seq",
      {region, to_micros(from), to_micros(to)});
  std::vector<slot_trade> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back({from_micros(r.i64(0)), r.id(1), r.id(2), energy{r.i64(3)}});
  return out;
}

// --- what analytics reads of a region's slots with start in [from, to) -------------------

std::vector<trade_record> trades_between(transaction& tx, const std::string& region, timestamp from, timestamp to) {
  auto res = tx.exec(sql({"SELECT ", trade_columns,
                          " FROM market_trades WHERE region = $1 AND slot_start >= $2 AND slot_start < $3 "
                          "ORDER BY slot_start, seq"}),
                     {region, to_micros(from), to_micros(to)});
  std::vector<trade_record> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back(trade_from(r));
  return out;
}

std::vector<slot_record> slot_records_between(transaction& tx, const std::string& region, timestamp from,
                                              timestamp to) {
  auto res = tx.exec(sql({"SELECT ", slot_columns,
                          " FROM market_slots WHERE region = $1 AND slot_start >= $2 AND slot_start < $3 "
                          "ORDER BY slot_start"}),
                     {region, to_micros(from), to_micros(to)});
  std::vector<slot_record> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back(slot_from(r));
  return out;
}

std::map<std::string, std::int64_t> open_orders_by_region(transaction& tx) {
  return counts_by_region(tx,
                          "SELECT region, COUNT(*) FROM market_orders WHERE status IN ('open', 'partially_filled') "
                          "GROUP BY region");
}

std::int64_t count_trades(transaction& tx) { return count_of(tx, "SELECT COUNT(*) FROM market_trades"); }

std::optional<last_trade> last_trade_of(transaction& tx, const std::string& region) {
  auto res = tx.exec("SELECT executed_at, price FROM market_trades WHERE region = $1 ORDER BY seq DESC LIMIT 1",
                     {region});
  if (res.rows.empty()) return std::nullopt;
  return last_trade{from_micros(res.rows.front().i64(0)), money{res.rows.front().i64(1)}};
}

}  // namespace segs::storage::market
