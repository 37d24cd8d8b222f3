// SQL of billing: settings, numbers, invoices with their lines, payments,
// credit notes and disputes.
#include "storage/stores/billing_store.hpp"
#include "storage/stores/counts.hpp"

#include "billing/names.hpp"
#include "storage/enum_column.hpp"
#include "storage/stores/columns.hpp"
#include "storage/stores/filter.hpp"
#include "storage/stores/in_list.hpp"
#include "storage/stores/listing.hpp"

#include <array>
#include <map>

namespace segs::storage::billing {

namespace {

std::string name(invoice_status s) { return std::string(to_string(s)); }

value opt_text(const std::optional<std::string>& s) { return s ? value(*s) : value(nullptr); }
value opt_money(const std::optional<money>& m) { return m ? value(m->micros) : value(nullptr); }

billing_settings decode_settings(const row& r) {
  billing_settings s;
  s.region = r.text(0);
  s.cycle_day = static_cast<int>(r.i64(1));
  s.due_days = static_cast<int>(r.i64(2));
  s.auto_generate = r.boolean(3);
  s.updated_at = from_micros(r.i64(4));
  return s;
}

constexpr std::string_view invoice_columns =
    "id, number, user_id, region, currency, period, cycle_start, cycle_end, issued_at, due_at, status, subtotal, "
    "tax, total, amount_paid, amount_credited, consumed_wh, produced_wh, overdue_at";

invoice_row decode_invoice(const row& r) {
  invoice_row out;
  auto& i = out.inv;
  i.id = r.id(0);
  i.number = r.text(1);
  i.user_id = r.id(2);
  i.region = r.text(3);
  i.currency = r.text(4);
  i.period = r.text(5);
  i.cycle_start = from_micros(r.i64(6));
  i.cycle_end = from_micros(r.i64(7));
  i.issued_at = from_micros(r.i64(8));
  i.due_at = from_micros(r.i64(9));
  i.status = enum_column<invoice_status>(r, 10, "invoices.status");
  i.subtotal = money{r.i64(11)};
  i.tax = money{r.i64(12)};
  i.total = money{r.i64(13)};
  i.amount_paid = money{r.i64(14)};
  out.credited = money{r.i64(15)};
  i.consumed = energy{r.i64(16)};
  i.produced = energy{r.i64(17)};
  out.overdue_at = time_at(r, 18);
  i.amount_due = i.status == invoice_status::void_ ? money{} : i.total - i.amount_paid - out.credited;
  return out;
}

// Fills the lines and credit notes of `rows` (two statements per IN list).
void load_children(transaction& tx, std::vector<invoice_row>& rows) {
  if (rows.empty()) return;
  std::map<std::string, invoice_row*> by_id;
  std::vector<std::string> ids;
  for (auto& r : rows) {
    ids.push_back(r.inv.id.to_string());
    by_id[ids.back()] = &r;
  }
  in_lists(ids, [&](const std::string& list, const std::vector<value>& params) {
    auto lines = tx.exec("SELECT invoice_id, kind, description, period, quantity, unit, unit_price, amount "
                         "FROM invoice_lines WHERE invoice_id IN (" + list + ") ORDER BY invoice_id, line",
                         params);
    for (const auto& l : lines.rows) {
      auto it = by_id.find(l.text(0));
      if (it == by_id.end()) continue;
      invoice_line line;
      line.kind = enum_column<line_kind>(l, 1, "invoice_lines.kind");
      line.description = l.text(2);
      line.period = l.opt_text(3);
      line.quantity = milli{l.i64(4)};
      line.unit = l.text(5);
      if (auto p = l.opt_i64(6)) line.unit_price = money{*p};
      line.amount = money{l.i64(7)};
      it->second->inv.lines.push_back(std::move(line));
    }
    auto notes = tx.exec("SELECT invoice_id, id, amount, reason, created_at FROM credit_notes WHERE invoice_id IN (" +
                             list + ") ORDER BY invoice_id, created_at, id",
                         params);
    for (const auto& n : notes.rows) {
      auto it = by_id.find(n.text(0));
      if (it == by_id.end()) continue;
      it->second->inv.credit_notes.push_back({n.id(1), money{n.i64(2)}, n.text(3), from_micros(n.i64(4))});
    }
  });
}

std::vector<invoice_row> decode_all(transaction& tx, const std::vector<row>& rows, bool children) {
  std::vector<invoice_row> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(decode_invoice(r));
  if (children) load_children(tx, out);
  return out;
}

page<invoice_row> paged(transaction& tx, page_rows&& rows) {
  page<invoice_row> out;
  out.total = rows.total;
  out.page = rows.request.page;
  out.per_page = rows.request.per_page;
  out.items = decode_all(tx, rows.rows, true);
  return out;
}

}  // namespace

// --- settings ----------------------------------------------------------------------------

std::optional<billing_settings> find_settings(transaction& tx, std::string_view region) {
  auto res = tx.exec("SELECT region, cycle_day, due_days, auto_generate, updated_at FROM billing_settings "
                     "WHERE region = $1",
                     {std::string(region)});
  if (res.rows.empty()) return std::nullopt;
  return decode_settings(res.rows[0]);
}

void save_settings(transaction& tx, const billing_settings& s) {
  tx.exec("INSERT INTO billing_settings (region, cycle_day, due_days, auto_generate, updated_at) "
          "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (region) DO UPDATE SET cycle_day = excluded.cycle_day, "
          "due_days = excluded.due_days, auto_generate = excluded.auto_generate, updated_at = excluded.updated_at",
          {s.region, std::int64_t{s.cycle_day}, std::int64_t{s.due_days}, std::int64_t{s.auto_generate ? 1 : 0},
           to_micros(s.updated_at.value_or(timestamp{}))});
}

std::vector<auto_region> auto_generating(transaction& tx) {
  auto res = tx.exec("SELECT region, cycle_day, due_days, auto_generate, updated_at, auto_generated "
                     "FROM billing_settings WHERE auto_generate = 1 ORDER BY region");
  std::vector<auto_region> out;
  for (const auto& r : res.rows) out.push_back({decode_settings(r), r.opt_text(5)});
  return out;
}

void set_auto_generated(transaction& tx, std::string_view region, std::string_view period) {
  tx.exec("UPDATE billing_settings SET auto_generated = $2 WHERE region = $1", {std::string(region), std::string(period)});
}

// --- numbers -------------------------------------------------------------------------------

std::int64_t lock_numbers(transaction& tx, std::string_view region, int year) {
  tx.exec("INSERT INTO invoice_numbers (region, year, last) VALUES ($1, $2, 0) ON CONFLICT (region, year) DO NOTHING",
          {std::string(region), std::int64_t{year}});
  // An UPDATE, not a SELECT: it takes the row's lock under PostgreSQL.
  return tx
      .exec("UPDATE invoice_numbers SET last = last WHERE region = $1 AND year = $2 RETURNING last",
            {std::string(region), std::int64_t{year}})
      .rows.at(0)
      .i64(0);
}

void set_last_number(transaction& tx, std::string_view region, int year, std::int64_t last) {
  tx.exec("UPDATE invoice_numbers SET last = $3 WHERE region = $1 AND year = $2",
          {std::string(region), std::int64_t{year}, last});
}

// --- invoices ------------------------------------------------------------------------------

std::vector<uuid> invoiced_users(transaction& tx, std::string_view region, std::string_view period,
                                 const std::vector<uuid>& users) {
  std::vector<std::string> ids;
  ids.reserve(users.size());
  for (const auto& u : users) ids.push_back(u.to_string());
  std::vector<uuid> out;
  in_lists(ids, [&](const std::string&, const std::vector<value>& params) {
    std::vector<value> p{std::string(region), std::string(period)};
    p.insert(p.end(), params.begin(), params.end());
    std::string shifted;  // the list's $1.. become $3..
    for (std::size_t i = 0; i < params.size(); ++i) shifted += (i ? ", $" : "$") + std::to_string(i + 3);
    auto res = tx.exec("SELECT DISTINCT user_id FROM invoices WHERE region = $1 AND period = $2 AND user_id IN (" +
                           shifted + ")",
                       p);
    for (const auto& r : res.rows) out.push_back(r.id(0));
  });
  return out;
}

void insert_invoices(transaction& tx, const std::vector<invoice>& invoices) {
  if (invoices.empty()) return;
  static constexpr std::array<std::string_view, 19> cols{
      "id",    "number",   "user_id",  "region",      "currency",        "period",      "cycle_start",
      "cycle_end", "issued_at", "due_at", "status",  "subtotal",        "tax",         "total",
      "amount_paid", "amount_credited", "consumed_wh", "produced_wh", "overdue_at"};
  std::vector<value> v;
  v.reserve(invoices.size() * cols.size());
  std::vector<value> lines;
  for (const auto& i : invoices) {
    const auto id = i.id.to_string();
    for (value x : std::initializer_list<value>{
             id, i.number, i.user_id.to_string(), i.region, i.currency, i.period, to_micros(i.cycle_start),
             to_micros(i.cycle_end), to_micros(i.issued_at), to_micros(i.due_at), name(i.status), i.subtotal.micros,
             i.tax.micros, i.total.micros, i.amount_paid.micros, std::int64_t{0}, i.consumed.wh, i.produced.wh,
             nullptr})
      v.push_back(std::move(x));
    for (std::size_t k = 0; k < i.lines.size(); ++k) {
      const auto& l = i.lines[k];
      for (value x : std::initializer_list<value>{id, static_cast<std::int64_t>(k), std::string(to_string(l.kind)),
                                                 l.description, opt_text(l.period), l.quantity.value, l.unit,
                                                 opt_money(l.unit_price), l.amount.micros})
        lines.push_back(std::move(x));
    }
  }
  tx.append("invoices", cols, v);
  static constexpr std::array<std::string_view, 9> line_cols{"invoice_id", "line", "kind",       "description", "period",
                                                             "quantity",   "unit", "unit_price", "amount"};
  if (!lines.empty()) tx.append("invoice_lines", line_cols, lines);
}

std::optional<invoice_row> find_invoice(transaction& tx, const uuid& id) {
  auto res = tx.exec("SELECT " + std::string(invoice_columns) + " FROM invoices WHERE id = $1", {id.to_string()});
  if (res.rows.empty()) return std::nullopt;
  auto rows = decode_all(tx, res.rows, true);
  return std::move(rows.front());
}

void update_state(transaction& tx, const invoice_row& r) {
  tx.exec("UPDATE invoices SET status = $2, amount_paid = $3, amount_credited = $4, overdue_at = $5 WHERE id = $1",
          {r.inv.id.to_string(), name(r.inv.status), r.inv.amount_paid.micros, r.credited.micros,
           nullable(r.overdue_at)});
}

page<invoice_row> list_invoices(transaction& tx, const invoice_filter& f, page_request p) {
  filter w;
  if (f.user) w.add("user_id = ?", f.user->to_string());
  if (f.region) w.add("region = ?", *f.region);
  if (f.status) w.add("status = ?", name(*f.status));
  if (f.period) w.add("period = ?", *f.period);
  return paged(tx, fetch_page(tx,
                              {.select = std::string(invoice_columns),
                               .from = "invoices" + w.where(),
                               .params = w.params(),
                               .order_by = "issued_at DESC, number DESC"},
                              p));
}

page<invoice_row> past_due(transaction& tx, std::string_view region, timestamp now, page_request p) {
  filter w;
  w.add("region = ?", std::string(region));
  w.add("due_at < ?", to_micros(now));
  w.add("status IN ('overdue', 'disputed')");
  w.add("total - amount_paid - amount_credited > 0");
  return paged(tx, fetch_page(tx,
                              {.select = std::string(invoice_columns),
                               .from = "invoices" + w.where(),
                               .params = w.params(),
                               .order_by = "due_at, number"},
                              p));
}

std::vector<invoice_row> newly_overdue(transaction& tx, timestamp now, int limit) {
  auto res = tx.exec("SELECT " + std::string(invoice_columns) +
                         " FROM invoices WHERE status IN ('issued', 'partially_paid') AND due_at <= $1 "
                         "ORDER BY due_at, number LIMIT $2",
                     {to_micros(now), std::int64_t{limit}});
  return decode_all(tx, res.rows, false);
}

std::vector<invoice_row> export_page(transaction& tx, std::string_view region, std::optional<std::string_view> period,
                                     std::string_view after, int limit) {
  filter w;
  w.add("region = ?", std::string(region));
  if (period) w.add("period = ?", std::string(*period));
  w.add("number > ?", std::string(after));
  auto params = w.params();
  params.emplace_back(std::int64_t{limit});
  auto res = tx.exec("SELECT " + std::string(invoice_columns) + " FROM invoices" + w.where() + " ORDER BY number LIMIT $" +
                         std::to_string(params.size()),
                     params);
  return decode_all(tx, res.rows, false);
}

std::vector<period_totals> totals_by_period(transaction& tx, const std::vector<std::string>& regions,
                                            std::string_view from, std::string_view to) {
  std::map<std::string, period_totals> by;
  in_lists(regions, [&](const std::string&, const std::vector<value>& params) {
    std::vector<value> p{std::string(from), std::string(to)};
    p.insert(p.end(), params.begin(), params.end());
    std::string list;
    for (std::size_t i = 0; i < params.size(); ++i) list += (i ? ", $" : "$") + std::to_string(i + 3);
    // The regions' list is padded with its last entry: DISTINCT-free sums are
    // safe because a region listed twice still matches each row once.
    auto inv = tx.exec(
        "SELECT period, COUNT(*), CAST(SUM(total) AS BIGINT), CAST(SUM(amount_paid) AS BIGINT), CAST(SUM(amount_credited) AS BIGINT), "
        "CAST(SUM(CASE WHEN status = 'overdue' THEN total - amount_paid - amount_credited ELSE 0 END) AS BIGINT), "
        "CAST(SUM(CASE WHEN status = 'overdue' THEN 1 ELSE 0 END) AS BIGINT), CAST(SUM(CASE WHEN status = 'disputed' THEN 1 ELSE 0 END) AS BIGINT) "
        "FROM invoices WHERE period >= $1 AND period <= $2 AND status <> 'void' AND region IN (" + list +
            ") GROUP BY period",
        p);
    for (const auto& r : inv.rows) {
      auto& t = by[r.text(0)];
      t.period = r.text(0);
      t.count += r.i64(1);
      t.invoiced.micros += r.i64(2);
      t.paid.micros += r.i64(3);
      t.credited.micros += r.i64(4);
      t.overdue_due.micros += r.i64(5);
      t.overdue += r.i64(6);
      t.disputed += r.i64(7);
    }
    auto lines = tx.exec(
        "SELECT i.period, CAST(SUM(CASE WHEN l.kind = 'p2p_purchase' THEN l.quantity ELSE 0 END) AS BIGINT), "
        "CAST(SUM(CASE WHEN l.kind = 'market_fee' THEN l.amount ELSE 0 END) AS BIGINT) FROM invoices i JOIN invoice_lines l "
        "ON l.invoice_id = i.id WHERE i.period >= $1 AND i.period <= $2 AND i.status <> 'void' AND i.region IN (" +
            list + ") AND l.kind IN ('p2p_purchase', 'market_fee') GROUP BY i.period",
        p);
    for (const auto& r : lines.rows) {
      auto& t = by[r.text(0)];
      t.period = r.text(0);
      t.p2p_wh += r.i64(1);
      t.market_fees.micros += r.i64(2);
    }
  });
  std::vector<period_totals> out;
  for (auto& [_, t] : by) out.push_back(std::move(t));
  return out;
}

// --- payments, credit notes, disputes --------------------------------------------------------

void insert_payment(transaction& tx, const payment_row& p) {
  tx.exec("INSERT INTO invoice_payments (id, invoice_id, user_id, amount, method, reference, paid_at, paid_by, "
          "idempotency_key, request_hash, status_after, paid_after, due_after) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
          {p.paid.id.to_string(), p.paid.invoice_id.to_string(), p.owner.to_string(), p.paid.amount.micros,
           std::string(to_string(p.paid.method)), opt_text(p.paid.reference), to_micros(p.paid.paid_at),
           nullable(p.paid_by), opt_text(p.idempotency_key), p.request_hash, name(p.status_after),
           p.paid_after.micros, p.due_after.micros});
}

std::optional<payment_row> find_payment_by_key(transaction& tx, const uuid& invoice, std::string_view key) {
  auto res = tx.exec(
      "SELECT p.id, p.invoice_id, i.number, p.amount, p.method, p.reference, p.paid_at, p.user_id, p.paid_by, "
      "p.idempotency_key, p.request_hash, p.status_after, p.paid_after, p.due_after FROM invoice_payments p "
      "JOIN invoices i ON i.id = p.invoice_id WHERE p.invoice_id = $1 AND p.idempotency_key = $2",
      {invoice.to_string(), std::string(key)});
  if (res.rows.empty()) return std::nullopt;
  const auto& r = res.rows[0];
  payment_row p;
  p.paid = {r.id(0), r.id(1), r.text(2), money{r.i64(3)}, enum_column<payment_method>(r, 4, "invoice_payments.method"),
            r.opt_text(5), from_micros(r.i64(6))};
  p.owner = r.id(7);
  p.paid_by = id_at(r, 8);
  p.idempotency_key = r.opt_text(9);
  p.request_hash = r.text(10);
  p.status_after = enum_column<invoice_status>(r, 11, "invoice_payments.status_after");
  p.paid_after = money{r.i64(12)};
  p.due_after = money{r.i64(13)};
  return p;
}

page<payment> user_payments(transaction& tx, const uuid& user, page_request p) {
  filter w;
  w.add("p.user_id = ?", user.to_string());
  return to_page<payment>(
      fetch_page(tx,
                 {.select = "p.id, p.invoice_id, i.number, p.amount, p.method, p.reference, p.paid_at",
                  .from = "invoice_payments p JOIN invoices i ON i.id = p.invoice_id" + w.where(),
                  .params = w.params(),
                  .order_by = "p.paid_at DESC, p.id DESC"},
                 p),
      [](const row& r) {
        return payment{r.id(0),  r.id(1),       r.text(2), money{r.i64(3)},
                       enum_column<payment_method>(r, 4, "invoice_payments.method"), r.opt_text(5),
                       from_micros(r.i64(6))};
      });
}

void insert_credit_note(transaction& tx, const uuid& invoice, const credit_note& c, const std::optional<uuid>& by) {
  tx.exec("INSERT INTO credit_notes (id, invoice_id, amount, reason, created_at, created_by) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          {c.id.to_string(), invoice.to_string(), c.amount.micros, c.reason, to_micros(c.created_at), nullable(by)});
}

void open_dispute(transaction& tx, const dispute_row& d) {
  tx.exec("INSERT INTO invoice_disputes (id, invoice_id, reason, opened_by, opened_at) VALUES ($1, $2, $3, $4, $5)",
          {d.id.to_string(), d.invoice.to_string(), d.reason, nullable(d.opened_by), to_micros(d.opened_at)});
}

std::optional<dispute_row> open_dispute_of(transaction& tx, const uuid& invoice) {
  auto res = tx.exec("SELECT id, invoice_id, reason, opened_by, opened_at FROM invoice_disputes "
                     "WHERE invoice_id = $1 AND resolved_at IS NULL",
                     {invoice.to_string()});
  if (res.rows.empty()) return std::nullopt;
  const auto& r = res.rows[0];
  return dispute_row{r.id(0), r.id(1), r.text(2), id_at(r, 3), from_micros(r.i64(4))};
}

void close_dispute(transaction& tx, const uuid& dispute, dispute_outcome outcome, std::string_view note,
                   const std::optional<uuid>& credit_note, const std::optional<uuid>& by, timestamp at) {
  tx.exec("UPDATE invoice_disputes SET outcome = $2, note = $3, credit_note_id = $4, resolved_by = $5, "
          "resolved_at = $6 WHERE id = $1",
          {dispute.to_string(), std::string(to_string(outcome)), std::string(note), nullable(credit_note),
           nullable(by), to_micros(at)});
}

// --- what analytics reads ----------------------------------------------------------

std::vector<issued_invoice> invoices_issued_between(transaction& tx, std::string_view region,
                                                    const std::optional<uuid>& user, timestamp from, timestamp to) {
  filter w;
  w.add("region = ?", std::string(region));
  w.add("issued_at >= ?", to_micros(from));
  w.add("issued_at < ?", to_micros(to));
  w.add("status <> 'void'");
  if (user) w.add("user_id = ?", user->to_string());
  auto res = tx.exec("SELECT user_id, issued_at, total, total - amount_paid - amount_credited FROM invoices" +
                         w.where() + " ORDER BY issued_at, number",
                     w.params());
  std::vector<issued_invoice> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back({r.id(0), from_micros(r.i64(1)), money{r.i64(2)}, money{r.i64(3)}});
  return out;
}

std::vector<received_payment> payments_between(transaction& tx, std::string_view region,
                                               const std::optional<uuid>& user, timestamp from, timestamp to) {
  filter w;
  w.add("i.region = ?", std::string(region));
  w.add("p.paid_at >= ?", to_micros(from));
  w.add("p.paid_at < ?", to_micros(to));
  if (user) w.add("p.user_id = ?", user->to_string());
  auto res = tx.exec("SELECT p.user_id, p.paid_at, p.amount FROM invoice_payments p JOIN invoices i ON i.id = p.invoice_id" +
                         w.where() + " ORDER BY p.paid_at, p.id",
                     w.params());
  std::vector<received_payment> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back({r.id(0), from_micros(r.i64(1)), money{r.i64(2)}});
  return out;
}

std::map<std::string, std::int64_t> invoices_by_region(transaction& tx) {
  return counts_by_region(tx, "SELECT region, COUNT(*) FROM invoices GROUP BY region");
}

receivables receivables_of(transaction& tx, std::string_view region, timestamp now) {
  const auto res = tx.exec(
                        "SELECT CAST(COALESCE(SUM(total - amount_paid - amount_credited), 0) AS BIGINT), "
                        "COALESCE(SUM(CASE WHEN due_at < $2 THEN 1 ELSE 0 END), 0), "
                        "CAST(COALESCE(SUM(CASE WHEN due_at < $2 THEN total - amount_paid - amount_credited ELSE 0 END), 0) "
                        "AS BIGINT) FROM invoices WHERE region = $1 AND status <> 'void' "
                        "AND total - amount_paid - amount_credited > 0",
                        {std::string(region), to_micros(now)});
  const auto& r = res.rows.at(0);
  return {money{r.i64(0)}, r.i64(1), money{r.i64(2)}};
}

}  // namespace segs::storage::billing
