// SQL of billing: settings per region, invoice numbers, invoices and their
// lines, payments, credit notes and disputes. Functions run inside a
// transaction the caller owns.
#pragma once

#include "storage/backend.hpp"

#include <map>
#include <string>

#include <segs/billing.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace segs::storage::billing {

// --- settings ------------------------------------------------------------------------
std::optional<billing_settings> find_settings(transaction& tx, std::string_view region);
void save_settings(transaction& tx, const billing_settings& s);
/// A region whose settings have auto_generate set, and the last period due
/// work generated for it.
struct auto_region {
  billing_settings settings;
  std::optional<std::string> generated;
};
std::vector<auto_region> auto_generating(transaction& tx);
void set_auto_generated(transaction& tx, std::string_view region, std::string_view period);

// --- numbers ---------------------------------------------------------------------------
/// The last number given in (region, year), its row created at 0 when
/// missing and locked until the transaction ends: generators of one region
/// and year queue here.
std::int64_t lock_numbers(transaction& tx, std::string_view region, int year);
void set_last_number(transaction& tx, std::string_view region, int year, std::int64_t last);

// --- invoices --------------------------------------------------------------------------
/// An invoice as stored, with what its status is computed from.
struct invoice_row {
  invoice inv;
  money credited;                       ///< the credit notes' sum
  std::optional<timestamp> overdue_at;  ///< when due work found it overdue
};
/// The users among `users` who have an invoice of (region, period).
std::vector<uuid> invoiced_users(transaction& tx, std::string_view region, std::string_view period,
                                 const std::vector<uuid>& users);
/// Stores new invoices with their lines.
void insert_invoices(transaction& tx, const std::vector<invoice>& invoices);
/// With its lines and credit notes.
std::optional<invoice_row> find_invoice(transaction& tx, const uuid& id);
/// Stores the state a payment, a dispute or a credit note changed.
void update_state(transaction& tx, const invoice_row& r);

struct invoice_filter {
  std::optional<uuid> user;
  std::optional<std::string> region;
  std::optional<invoice_status> status;
  std::optional<std::string> period;
};
/// Newest first (issued_at, then number), with lines and credit notes.
page<invoice_row> list_invoices(transaction& tx, const invoice_filter& f, page_request p);
/// Invoices of `region` past due (due_at < now) with something due, still
/// open (overdue or disputed), oldest due first.
page<invoice_row> past_due(transaction& tx, std::string_view region, timestamp now, page_request p);
/// Up to `limit` invoices that are issued or partially paid with due_at <= now.
std::vector<invoice_row> newly_overdue(transaction& tx, timestamp now, int limit);

/// The export's rows: the invoices of `region` (and `period`) with number
/// after `after`, by number, at most `limit`, without lines.
std::vector<invoice_row> export_page(transaction& tx, std::string_view region, std::optional<std::string_view> period,
                                     std::string_view after, int limit);

struct period_totals {
  std::string period;
  std::int64_t count = 0;
  money invoiced;
  money paid;
  money credited;
  money overdue_due;  ///< the amount due of its overdue invoices
  std::int64_t overdue = 0;
  std::int64_t disputed = 0;
  std::int64_t p2p_wh = 0;
  money market_fees;
};
/// Per period of [from, to] (inclusive "YYYY-MM"), void invoices left out,
/// of `regions`.
std::vector<period_totals> totals_by_period(transaction& tx, const std::vector<std::string>& regions,
                                            std::string_view from, std::string_view to);

// --- payments, credit notes, disputes ----------------------------------------------------
struct payment_row {
  payment paid;
  uuid owner;  ///< the invoice's customer
  std::optional<uuid> paid_by;
  std::optional<std::string> idempotency_key;
  std::string request_hash;  ///< of amount, method and reference: a repeat must match
  // The invoice right after the payment, so a repeat answers the first answer.
  invoice_status status_after = invoice_status::issued;
  money paid_after;
  money due_after;
};
void insert_payment(transaction& tx, const payment_row& p);
std::optional<payment_row> find_payment_by_key(transaction& tx, const uuid& invoice, std::string_view key);
/// `user`'s payments, newest first.
page<payment> user_payments(transaction& tx, const uuid& user, page_request p);

void insert_credit_note(transaction& tx, const uuid& invoice, const credit_note& c, const std::optional<uuid>& by);

struct dispute_row {
  uuid id;
  uuid invoice;
  std::string reason;
  std::optional<uuid> opened_by;
  timestamp opened_at{};
};
void open_dispute(transaction& tx, const dispute_row& d);
/// The open dispute of an invoice.
std::optional<dispute_row> open_dispute_of(transaction& tx, const uuid& invoice);
void close_dispute(transaction& tx, const uuid& dispute, dispute_outcome outcome, std::string_view note,
                   const std::optional<uuid>& credit_note, const std::optional<uuid>& by, timestamp at);

// --- what analytics reads ----------------------------------------------------------

/// An invoice issued, as analytics sums it.
struct issued_invoice {
  uuid user;
  timestamp issued_at{};
  money total;
  money due;  ///< total - paid - credited, now
};
/// The invoices of `region` (of `user` when given) issued in [from, to),
/// void ones left out, oldest first.
std::vector<issued_invoice> invoices_issued_between(transaction& tx, std::string_view region,
                                                    const std::optional<uuid>& user, timestamp from, timestamp to);
struct received_payment {
  uuid user;
  timestamp paid_at{};
  money amount;
};
/// The payments received in [from, to) for invoices of `region` (of `user`'s
/// invoices when given), oldest first.
std::vector<received_payment> payments_between(transaction& tx, std::string_view region,
                                               const std::optional<uuid>& user, timestamp from, timestamp to);
// --- counts (operations) ---
std::map<std::string, std::int64_t> invoices_by_region(transaction& tx);
/// What `region`'s customers owe at `now`: over the invoices not void with
/// something due (total - paid - credited > 0), that due, and the count and
/// due of those whose due date is before `now`.
struct receivables {
  money outstanding;
  std::int64_t overdue_count = 0;
  money overdue_amount;
};
[[nodiscard]] receivables receivables_of(transaction& tx, std::string_view region, timestamp now);

}  // namespace segs::storage::billing
