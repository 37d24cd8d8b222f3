// libsegs — billing: monthly cycles in a region's local time, invoices that
// put a customer's utility energy, their P2P purchases and sales, market
// fees and imbalance on one bill, payments, disputes, credit notes, overdue
// invoices, PDF and CSV.
//
//     auto& b = grid.billing();
//     auto run = b.generate(admin, "2026-11").value();        // every region's cycle that ended
//     auto mine = b.invoices(customer, {}).value();            // newest first
//     auto paid = b.pay(customer, mine.items[0].id, {.method = segs::payment_method::card}).value();
//
// Cycles. A region's cycle is a local calendar month starting on the
// region's `cycle_day` (1-28, default 1) at local midnight: period
// "2026-11" with cycle_day 5 is [5 Nov 00:00, 5 Dec 00:00) local time
// (DST changes give it 23- or 25-hour days). A cycle can be invoiced once
// it has ended by the grid's clock.
//
// Customers. Everyone who held a meter of the region during the cycle
// (telemetry's holdings: a 15-minute bucket's energy belongs to whoever held
// the meter at the bucket's start) or has a market ledger entry for a slot
// of the region delivered in the cycle (slot start inside it). A customer
// whose invoice would have no line (no tariff in effect, no market entry)
// gets none.
//
// Lines (docs/billing.md has a worked invoice). With c and p the customer's
// consumed and produced energy in a bucket (all their meters), b and s what
// they bought and sold in the market slot holding the bucket as delivered
// (settled slots: traded less what settlement says was not delivered;
// other slots: traded), spread evenly over the slot's buckets in whole Wh
// (the remainder to the earliest buckets):
//   - energy: per tariff period, sum of max(c - b, 0) x the bucket's
//     effective price (overrides included);
//   - tier_adder: per tier reached, the tariff's adder on that energy,
//     counted from the cycle's start;
//   - export_credit: -(sum of max(p - s, 0) x the export price);
//   - fixed_charge: the cycle's local days x the daily charge;
//   - demand_charge: the cycle's highest bucket c / 0.25 h x the rate;
//   - p2p_purchase, p2p_sale, market_fee, imbalance_charge,
//     imbalance_refund: the negated sums of the ledger's trade_debit,
//     trade_credit, fee, imbalance_charge, imbalance_refund entries of the
//     cycle's slots (charges positive, credits negative);
//   - tax: tax_percent of the rounded energy, tier, fixed and demand lines.
// Where tariffs change inside a cycle, each tariff's buckets and days are
// priced by it and its lines are its own; buckets no tariff covers are not
// billed by the utility. Every line is summed exactly (10^-9 units) and
// rounded half to even to the currency's minor unit once; lines that round
// to zero are left out; subtotal = the rounded lines but tax; total =
// subtotal + tax.
//
// Numbers. INV-<REGION>-<YYYY>-<NNNNNN> (region code upper-cased, the
// period's year), gapless per region and year in generation order: a number
// is taken in the transaction that stores its invoice, so a crash leaves
// neither the invoice nor the number.
//
// Status. issued -> partially_paid -> paid by payments; overdue once due
// work finds it past `due_at` with something due; disputed while a dispute
// is open (the overdue clock stops); void is final. An invoice is immutable
// once issued: corrections are credit notes, which lower `amount_due`.
//
// Authorization (inside the library): a customer reads, pays and disputes
// their own invoices; another customer's invoice is not_found (ids do not
// leak). `billing:operate` (operators for their region, admins) generates,
// reads and takes payments for the region's invoices, resolves disputes,
// lists overdue invoices, reads analytics and exports. `billing:manage`
// (admins) changes a region's settings. Generation, settings, payments,
// disputes and credit notes are audited.
//
// Units: `money` in micro-units, rounded to the currency's minor unit on
// every invoice amount; `energy` whole Wh; quantities `milli` (3 decimals).
//
// Thread-safety: the service is safe from several threads (and processes
// sharing a database: generation takes the region-year's number row lock)
// and lives as long as its grid.
#pragma once

#include <segs/access.hpp>
#include <segs/error.hpp>
#include <segs/export.hpp>
#include <segs/page.hpp>
#include <segs/telemetry.hpp>
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

/// Billing's options (`options::billing`).
struct billing_options {
  /// Customers invoiced per write transaction by `generate` (1-10,000): a
  /// crash loses at most one batch's work, never a number.
  int generation_batch = 256;
};

/// A region's billing settings.
struct billing_settings {
  std::string region;
  int cycle_day = 1;           ///< 1-28: the local day of the month a cycle starts
  int due_days = 14;           ///< 0-365: due_at = issued_at + due_days x 24 h
  /// Due work generates the region's invoices of each cycle that ends after
  /// this is switched on.
  bool auto_generate = false;
  std::optional<timestamp> updated_at;  ///< none: the defaults, never set
};

/// What `configure` changes; members left empty keep their value.
struct billing_settings_update {
  std::optional<int> cycle_day;
  std::optional<int> due_days;
  std::optional<bool> auto_generate;
};

enum class line_kind : std::uint8_t {
  energy,
  tier_adder,
  export_credit,
  fixed_charge,
  demand_charge,
  p2p_purchase,
  p2p_sale,
  market_fee,
  imbalance_charge,
  imbalance_refund,
  tax,
};
[[nodiscard]] SEGS_EXPORT std::string_view to_string(line_kind k) noexcept;

/// One line of an invoice. `quantity` is in `unit`: "kWh" (energy, tier,
/// export and market lines), "day" (fixed), "kW" (demand), or the currency
/// code (tax: the taxable amount).
struct invoice_line {
  line_kind kind = line_kind::energy;
  std::string description;
  std::optional<std::string> period;  ///< the tariff period's name on energy lines
  milli quantity;
  std::string unit;
  /// Per unit; tax: the rate as a fraction (0.19). None where one line mixes prices.
  std::optional<money> unit_price;
  money amount;  ///< what the customer owes: charges positive, credits negative
};

enum class invoice_status : std::uint8_t { issued, partially_paid, paid, overdue, disputed, void_ };
/// "issued", ..., "void".
[[nodiscard]] SEGS_EXPORT std::string_view to_string(invoice_status s) noexcept;
[[nodiscard]] SEGS_EXPORT result<invoice_status> parse_invoice_status(std::string_view text,
                                                                      std::string_view field = "status");

struct credit_note {
  uuid id;
  money amount;  ///< > 0: lowers the invoice's amount_due
  std::string reason;
  timestamp created_at{};
};

struct invoice {
  uuid id;
  std::string number;  ///< INV-<REGION>-<YYYY>-<NNNNNN>
  uuid user_id;
  std::string region;
  std::string currency;
  std::string period;  ///< "YYYY-MM": the month the cycle starts in
  timestamp cycle_start{};
  timestamp cycle_end{};
  timestamp issued_at{};
  timestamp due_at{};
  invoice_status status = invoice_status::issued;
  std::vector<invoice_line> lines;  ///< in line_kind order, tax last
  money subtotal;
  money tax;
  money total;
  money amount_paid;
  money amount_due;  ///< total - amount_paid - the credit notes
  energy consumed;   ///< the customer's metered consumption in the cycle
  energy produced;
  std::vector<credit_note> credit_notes;
};

/// What `generate` did.
struct generation_result {
  std::string period;
  std::vector<std::string> regions;  ///< the regions whose cycle was invoiced
  std::int64_t generated = 0;
  std::int64_t skipped_existing = 0;  ///< customers who already had the period's invoice
  money total_amount;                 ///< the total of the invoices this call generated
};

/// The invoice as if the cycle ended now (`current_cycle`), or projected to
/// the cycle's end (`estimate`).
struct cycle_preview {
  std::string region;
  std::string currency;
  std::string period;
  timestamp cycle_start{};
  timestamp cycle_end{};
  int days_elapsed = 1;  ///< local days started, at least 1
  int days_total = 0;
  energy consumed;
  energy produced;
  std::vector<invoice_line> lines;
  money subtotal;
  money tax;
  money total;
  bool projected = false;
};

enum class payment_method : std::uint8_t { card, bank_transfer, direct_debit, cash, other };
[[nodiscard]] SEGS_EXPORT std::string_view to_string(payment_method m) noexcept;
[[nodiscard]] SEGS_EXPORT result<payment_method> parse_payment_method(std::string_view text,
                                                                      std::string_view field = "method");

/// What `pay` takes.
struct payment_request {
  std::optional<money> amount;  ///< > 0, at most what is due; none: what is due
  payment_method method = payment_method::card;
  std::optional<std::string> reference;  ///< at most 200 characters
  /// Scoped to the invoice: a repeat with the same key and request answers
  /// the first answer and records nothing; with another request, conflict.
  std::optional<std::string> idempotency_key;  ///< 1-200 characters
};

struct payment {
  uuid id;
  uuid invoice_id;
  std::string invoice_number;
  money amount;
  payment_method method = payment_method::card;
  std::optional<std::string> reference;
  timestamp paid_at{};
};

/// What `pay` answers: the payment and the invoice right after it.
struct payment_receipt {
  payment paid;
  invoice after;
  bool replayed = false;  ///< an idempotent repeat: nothing was recorded
};

enum class dispute_outcome : std::uint8_t { upheld, rejected };
[[nodiscard]] SEGS_EXPORT std::string_view to_string(dispute_outcome o) noexcept;
[[nodiscard]] SEGS_EXPORT result<dispute_outcome> parse_dispute_outcome(std::string_view text,
                                                                        std::string_view field = "outcome");

/// What `resolve_dispute` takes.
struct dispute_resolution {
  dispute_outcome outcome = dispute_outcome::rejected;
  std::optional<money> credit_amount;  ///< upheld only: > 0, at most the amount due
  std::string note;                    ///< 1-2000 characters
};

struct invoice_query {
  std::optional<invoice_status> status;
  std::optional<std::string> period;  ///< "YYYY-MM"
  int page = 1;
  int per_page = 20;
};

/// An invoice past its due date.
struct overdue_invoice {
  invoice inv;
  int days_overdue = 0;  ///< whole days since due_at
};

struct billing_analytics {
  std::string region;
  std::string currency;
  std::string from;  ///< first period, "YYYY-MM"
  std::string to;    ///< last period, inclusive
  money invoiced;    ///< the totals of the range's invoices (void ones left out)
  money collected;   ///< their payments
  money outstanding; ///< their amount due
  money overdue_amount;
  std::int64_t overdue_count = 0;
  std::int64_t disputed_count = 0;
  money average_invoice;  ///< invoiced / their count, rounded to the minor unit
  energy p2p_volume;      ///< the energy of the range's p2p_purchase lines
  money market_fees;      ///< the sum of their market_fee lines
  struct by_period_row {
    std::string period;
    money invoiced;
    money collected;
  };
  std::vector<by_period_row> by_period;  ///< oldest first
};

/// Something that happened to an invoice, after it was committed (the event
/// hub's "billing.invoice_issued", "billing.invoice_paid",
/// "billing.invoice_overdue", "billing.dispute_opened",
/// "billing.dispute_resolved", "billing.invoice_voided").
struct billing_event {
  enum class kind { invoice_issued, invoice_paid, invoice_overdue, dispute_opened, dispute_resolved, invoice_voided };
  kind type = kind::invoice_issued;
  uuid invoice_id;
  std::string number;
  uuid user_id;
  std::string period;
  money total;
  money amount_due;
  invoice_status status = invoice_status::issued;
  std::optional<dispute_outcome> outcome;  ///< dispute_resolved only
};

/// A sink for streamed text (CSV): called with successive chunks; return
/// false to stop early.
using text_sink = std::function<bool(std::string_view chunk)>;

// --- the service ---------------------------------------------------------------

class grid;
struct options;
namespace storage {
class backend;
}
namespace detail {
struct grid_core;
result<std::unique_ptr<grid>> open_grid(std::unique_ptr<storage::backend> backend, options opts);
}  // namespace detail

class SEGS_EXPORT billing_service {
 public:
  ~billing_service();
  billing_service(const billing_service&) = delete;
  billing_service& operator=(const billing_service&) = delete;

  /// Any signed-in caller: a region's settings (the defaults when never set).
  result<billing_settings> settings(const principal& who, std::string_view region);
  /// `billing:manage`. validation_error naming `cycle_day` / `due_days`;
  /// not_found for an unregistered region. A changed cycle_day applies to
  /// cycles not invoiced yet. Audited "billing.configure".
  result<billing_settings> configure(const principal& who, std::string_view region,
                                     const billing_settings_update& update, const request_context& ctx = {});

  /// `billing:operate` over each region: generates `period`'s invoices
  /// ("YYYY-MM") of `region`, or of every region in the caller's scope.
  /// conflict when a named region's cycle has not ended (field `period`);
  /// without a region, regions whose cycle has not ended are skipped.
  /// Idempotent per (customer, region, period). Publishes
  /// "billing.invoice_issued" per invoice. Audited "billing.generate".
  result<generation_result> generate(const principal& who, std::string_view period,
                                     std::optional<std::string_view> region = std::nullopt,
                                     const request_context& ctx = {});

  /// The caller's own invoices, newest first.
  result<page<invoice>> invoices(const principal& who, const invoice_query& q = {});
  /// One invoice: the owner's, or in a region the caller operates (not_found otherwise).
  result<invoice> get(const principal& who, const uuid& id);
  /// The invoice as a PDF document (bytes). unavailable when the library was
  /// built without libharu (SEGS_WITH_PDF off); as `get` otherwise.
  result<std::string> pdf(const principal& who, const uuid& id);

  /// The caller's current cycle in their region as if it ended now.
  result<cycle_preview> current_cycle(const principal& who);
  /// The same projected to the cycle's end: energy, tier and export lines
  /// scaled by days_total / days_elapsed, the fixed charge for every day,
  /// demand and market lines as they stand.
  result<cycle_preview> estimate(const principal& who);

  /// The owner, or `billing:operate` over the invoice's region. Errors:
  /// validation_error naming `amount` (not > 0, or more than is due) or
  /// `reference` / `idempotency_key` (too long); conflict (void or paid
  /// invoice; an idempotency key reused with another request). Audited
  /// "billing.payment"; publishes "billing.invoice_paid" when it is paid.
  result<payment_receipt> pay(const principal& who, const uuid& invoice_id, const payment_request& req,
                              const request_context& ctx = {});
  /// The caller's own payments, newest first.
  result<page<payment>> payments(const principal& who, page_request p = {});

  /// The owner: opens a dispute (`reason` 1-2000 characters); conflict when
  /// the invoice is paid, void or already disputed. Audited "billing.dispute".
  result<invoice> dispute(const principal& who, const uuid& invoice_id, std::string_view reason,
                          const request_context& ctx = {});
  /// `billing:operate` over the region; conflict when not disputed. Upheld
  /// with a credit issues a credit note; either way the status returns to
  /// what the payments make it. Publishes "billing.dispute_resolved".
  /// Audited "billing.dispute_resolve".
  result<invoice> resolve_dispute(const principal& who, const uuid& invoice_id, const dispute_resolution& r,
                                  const request_context& ctx = {});

  /// `billing:operate` over `region`: invoices past due with something due
  /// (overdue or disputed), oldest due first.
  result<page<overdue_invoice>> overdue(const principal& who, std::string_view region, page_request p = {});
  /// `billing:operate` over `region` (every region in scope when none):
  /// the invoices of periods [from, to] ("YYYY-MM"; default: the last 12).
  result<billing_analytics> analytics(const principal& who, std::optional<std::string_view> region,
                                      std::optional<std::string_view> from = std::nullopt,
                                      std::optional<std::string_view> to = std::nullopt);
  /// `billing:operate` over `region`: the region's invoices (of `period`
  /// when given) as RFC 4180 CSV handed to `sink` in chunks, read from
  /// storage a page at a time. Header row:
  /// number,user_id,email,region,period,issued_at,due_at,status,subtotal,tax,total,amount_paid,amount_due
  result<std::int64_t> export_csv(const principal& who, std::string_view region,
                                  std::optional<std::string_view> period, const text_sink& sink);
  /// The same a page at a time, for transports that pull: up to `limit`
  /// (1-10,000) invoices numbered after `after` (the header row first when
  /// `after` is empty), and the number to continue after.
  struct csv_page {
    std::string text;
    std::string next_after;  ///< pass as `after` for the next page
    std::int64_t rows = 0;
    bool done = false;  ///< no invoice follows
  };
  result<csv_page> export_csv_page(const principal& who, std::string_view region,
                                   std::optional<std::string_view> period, std::string_view after = {},
                                   int limit = 1000);

  // run by grid::run_due_work through the impl (src/grid.cpp)

  /// `billing:operate` over the region: voids an invoice nothing was paid
  /// on (conflict otherwise, and for a void one). Final. Audited "billing.void".
  result<invoice> void_invoice(const principal& who, const uuid& invoice_id, std::string_view reason,
                               const request_context& ctx = {});

 private:
  friend result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend>, options);
  explicit billing_service(detail::grid_core& core);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace segs
