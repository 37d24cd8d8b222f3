// segs.Billing (Grid.billing): monthly cycles per region, invoices that put a
// customer's utility energy and their market activity on one bill, payments
// (idempotent by key), disputes and credit notes, overdue invoices, previews
// of the current cycle, analytics, PDF and CSV; plus the read-only values it
// answers (Invoice, InvoiceLine, CreditNote, Payment, PaymentReceipt, ...)
// and BillingEvent, the payload of the "billing.*" events (Event.billing).
// Grid.run_due_work()'s DueWorkReport gains billing's members here
// (invoices_generated, invoices_overdue), as Grid gains `billing`.
//
// At the edge, money is decimal.Decimal currency units (six decimals at most
// in, whole minor units on every invoice amount), quantities Decimal in the
// line's unit (three decimals), energy Decimal kWh named `..._kwh` as
// telemetry's and tariffs', instants aware UTC datetimes, ids uuid.UUID (in:
// a UUID or its text), enumerations their wire names as str ("issued",
// "partially_paid", "void"; "card"; "upheld"). A period is "YYYY-MM" (the
// month a cycle starts in), or a datetime.date whose day is ignored. Errors
// are the library's, naming its parameters as this binding does but for
// `from`, a Python keyword, named `from_`.
#include "common.hpp"
#include "grid.hpp"
#include "page.hpp"

#include <segs/billing.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace segs::python {

namespace {

struct py_billing {
  holder_ptr holder;
};

using opt_str = std::optional<std::string>;

// --- words ---------------------------------------------------------------------------

void rename(segs::error& e, const std::string& to) {
  if (e.message.starts_with(e.field + " ")) e.message = to + e.message.substr(e.field.size());
  e.field = to;
}

// The library names its parameters as this binding's keywords (invoice_id,
// period, amount, idempotency_key, credit_amount, cycle_day, ...) but for
// `from` (analytics), which Python callers write `from_`.
segs::error in_python_words(segs::error e) {
  if (e.field == "from") rename(e, "from_");
  return e;
}

template <class T>
result<T> in_python_words(result<T>&& r) {
  if (!r) return in_python_words(r.error());
  return std::move(r);
}

template <class Fn>
auto with_billing(const py_billing& s, Fn&& fn) {
  return with_service(
      *s.holder, [](segs::grid& g) -> billing_service& { return g.billing(); },
      [&](billing_service& b) { return in_python_words(fn(b)); });
}

// --- conversion out -----------------------------------------------------------------

template <class E>
py::str name_of(E v) {
  return py::str(std::string(to_string(v)));
}

py::object dec3(milli v) { return decimal(v.value, 3); }

py::object opt_str_to_py(const std::optional<std::string>& s) {
  return s ? py::object(py::str(*s)) : py::object(py::none());
}

std::string_view kind_name(billing_event::kind k) {
  switch (k) {
    case billing_event::kind::invoice_issued: return "invoice_issued";
    case billing_event::kind::invoice_paid: return "invoice_paid";
    case billing_event::kind::invoice_overdue: return "invoice_overdue";
    case billing_event::kind::dispute_opened: return "dispute_opened";
    case billing_event::kind::dispute_resolved: return "dispute_resolved";
    case billing_event::kind::invoice_voided: return "invoice_voided";
  }
  return "invoice_issued";
}

// --- conversion in ------------------------------------------------------------------------

/// A period: "YYYY-MM" (checked by the library, naming `field`) or a
/// datetime.date whose day is ignored. A datetime is refused: its month
/// depends on a time zone, and the region's is the one that counts.
std::string period_from_py(py::handle h, const std::string& field) {
  if (py::isinstance<py::str>(h)) return h.cast<std::string>();
  auto dt = py::module_::import("datetime");
  if (py::isinstance(h, dt.attr("datetime")) || !py::isinstance(h, dt.attr("date")))
    throw py::type_error(field + " must be \"YYYY-MM\" or a datetime.date (its day is ignored)");
  const auto year = std::to_string(h.attr("year").cast<int>());
  const auto month = std::to_string(h.attr("month").cast<int>());
  return std::string(year.size() < 4 ? 4 - year.size() : 0, '0') + year + '-' +
         (month.size() < 2 ? "0" : "") + month;
}

std::optional<std::string> opt_period_from_py(py::handle h, const std::string& field) {
  if (h.is_none()) return std::nullopt;
  return period_from_py(h, field);
}

std::optional<std::string_view> view_of(const opt_str& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

// --- the value types ------------------------------------------------------------------

const char* const money_doc = "Decimal currency units.";

void register_values(py::module_& m) {
  py::class_<billing_settings>(m, "BillingSettings",
                               "A region's billing settings (Billing.settings, Billing.configure). "
                               "Read-only.")
      .def_readonly("region", &billing_settings::region, "The region's code.")
      .def_readonly("cycle_day", &billing_settings::cycle_day,
                    "1-28: the local day of the month a cycle starts on (at local midnight).")
      .def_readonly("due_days", &billing_settings::due_days,
                    "0-365: an invoice is due ``due_days`` x 24 hours after it is issued.")
      .def_readonly("auto_generate", &billing_settings::auto_generate,
                    "True: Grid.run_due_work() generates the region's invoices when a cycle ends.")
      .def_property_readonly(
          "updated_at", [](const billing_settings& s) { return to_py(s.updated_at); },
          "When they were last changed (aware UTC datetime), or None: the defaults, never set.")
      .def("__repr__", [](const billing_settings& s) {
        return repr_builder("BillingSettings")
            .add("region", py::str(s.region))
            .add("cycle_day", py::int_(s.cycle_day))
            .add("due_days", py::int_(s.due_days))
            .add("auto_generate", py::bool_(s.auto_generate))
            .str();
      });

  py::class_<invoice_line>(
      m, "InvoiceLine",
      "One line of an Invoice or CyclePreview. ``quantity`` is in ``unit``: \"kWh\" (energy, tier, "
      "export and market lines), \"day\" (the fixed charge), \"kW\" (the demand charge) or the "
      "currency's code (tax: the taxable amount). Read-only.")
      .def_property_readonly(
          "kind", [](const invoice_line& l) { return name_of(l.kind); },
          "\"energy\", \"tier_adder\", \"export_credit\", \"fixed_charge\", \"demand_charge\", "
          "\"p2p_purchase\", \"p2p_sale\", \"market_fee\", \"imbalance_charge\", "
          "\"imbalance_refund\" or \"tax\".")
      .def_readonly("description", &invoice_line::description, "For people.")
      .def_property_readonly(
          "period", [](const invoice_line& l) { return opt_str_to_py(l.period); },
          "The tariff period's name on energy lines (\"peak\"), else None.")
      .def_property_readonly(
          "quantity", [](const invoice_line& l) { return dec3(l.quantity); },
          "How much, in ``unit`` (Decimal, three decimals).")
      .def_readonly("unit", &invoice_line::unit,
                    "\"kWh\", \"day\", \"kW\" or the currency's code (tax).")
      .def_property_readonly(
          "unit_price", [](const invoice_line& l) { return to_py(l.unit_price); },
          "Per unit (Decimal currency); on the tax line the rate as a fraction (Decimal(\"0.19\")); "
          "None where one line mixes prices.")
      .def_property_readonly(
          "amount", [](const invoice_line& l) { return to_py(l.amount); },
          "What the customer owes (Decimal currency, rounded to the minor unit): charges "
          "positive, credits negative.")
      .def("__repr__", [](const invoice_line& l) {
        return repr_builder("InvoiceLine")
            .add("kind", name_of(l.kind))
            .add("period", opt_str_to_py(l.period))
            .add("quantity", dec3(l.quantity))
            .add("unit", py::str(l.unit))
            .add("unit_price", to_py(l.unit_price))
            .add("amount", to_py(l.amount))
            .str();
      });

  py::class_<credit_note>(m, "CreditNote",
                          "A credit note of an Invoice (an upheld dispute's credit): it lowers the "
                          "invoice's amount_due. Read-only.")
      .def_property_readonly(
          "id", [](const credit_note& c) { return to_py(c.id); }, "uuid.UUID")
      .def_property_readonly(
          "amount", [](const credit_note& c) { return to_py(c.amount); },
          "The credit (Decimal currency, > 0).")
      .def_readonly("reason", &credit_note::reason, "Why (the resolution's note).")
      .def_property_readonly(
          "created_at", [](const credit_note& c) { return to_py(c.created_at); },
          "When it was issued (aware UTC datetime).")
      .def("__repr__", [](const credit_note& c) {
        return repr_builder("CreditNote")
            .add("id", to_py(c.id))
            .add("amount", to_py(c.amount))
            .add("reason", py::str(c.reason))
            .str();
      });

  py::class_<invoice>(
      m, "Invoice",
      "A customer's invoice of one region's cycle. Immutable once issued: corrections are "
      "credit notes. ``status`` moves issued -> partially_paid -> paid with payments; "
      "\"overdue\" once due work finds it past due_at with something due; \"disputed\" while a "
      "dispute is open; \"void\" is final. Read-only.")
      .def_property_readonly(
          "id", [](const invoice& i) { return to_py(i.id); }, "uuid.UUID")
      .def_readonly("number", &invoice::number,
                    "INV-<REGION>-<YYYY>-<NNNNNN>: gapless per region and year.")
      .def_property_readonly(
          "user_id", [](const invoice& i) { return to_py(i.user_id); },
          "The customer (uuid.UUID).")
      .def_readonly("region", &invoice::region, "The region's code.")
      .def_readonly("currency", &invoice::currency, "The region's ISO 4217 code.")
      .def_readonly("period", &invoice::period, "\"YYYY-MM\": the month the cycle starts in.")
      .def_property_readonly(
          "cycle_start", [](const invoice& i) { return to_py(i.cycle_start); },
          "The cycle's first instant (aware UTC datetime; local midnight of the cycle day).")
      .def_property_readonly(
          "cycle_end", [](const invoice& i) { return to_py(i.cycle_end); },
          "The cycle's end, excluded (aware UTC datetime).")
      .def_property_readonly(
          "issued_at", [](const invoice& i) { return to_py(i.issued_at); },
          "When it was generated (aware UTC datetime).")
      .def_property_readonly(
          "due_at", [](const invoice& i) { return to_py(i.due_at); },
          "issued_at + the region's due_days x 24 hours (aware UTC datetime).")
      .def_property_readonly(
          "status", [](const invoice& i) { return name_of(i.status); },
          "\"issued\", \"partially_paid\", \"paid\", \"overdue\", \"disputed\" or \"void\".")
      .def_readonly("lines", &invoice::lines,
                    "The InvoiceLines (a list), in the order of their kinds, tax last.")
      .def_property_readonly(
          "subtotal", [](const invoice& i) { return to_py(i.subtotal); },
          "The lines but tax (Decimal currency).")
      .def_property_readonly(
          "tax", [](const invoice& i) { return to_py(i.tax); }, "The tax line (Decimal currency).")
      .def_property_readonly(
          "total", [](const invoice& i) { return to_py(i.total); },
          "subtotal + tax (Decimal currency).")
      .def_property_readonly(
          "amount_paid", [](const invoice& i) { return to_py(i.amount_paid); },
          "The sum of its payments (Decimal currency).")
      .def_property_readonly(
          "amount_due", [](const invoice& i) { return to_py(i.amount_due); },
          "total - amount_paid - the credit notes (Decimal currency; 0 on a void invoice).")
      .def_property_readonly(
          "consumed_kwh", [](const invoice& i) { return to_py(i.consumed); },
          "The customer's metered consumption in the cycle (Decimal kWh).")
      .def_property_readonly(
          "produced_kwh", [](const invoice& i) { return to_py(i.produced); },
          "The customer's metered production in the cycle (Decimal kWh).")
      .def_readonly("credit_notes", &invoice::credit_notes, "Its CreditNotes (a list).")
      .def("__repr__", [](const invoice& i) {
        return repr_builder("Invoice")
            .add("number", py::str(i.number))
            .add("period", py::str(i.period))
            .add("status", name_of(i.status))
            .add("total", to_py(i.total))
            .add("amount_due", to_py(i.amount_due))
            .str();
      });

  py::class_<generation_result>(m, "GenerationResult", "What Billing.generate did. Read-only.")
      .def_readonly("period", &generation_result::period, "The period (\"YYYY-MM\").")
      .def_readonly("regions", &generation_result::regions,
                    "The regions whose cycle was invoiced (a list of codes).")
      .def_readonly("generated", &generation_result::generated, "Invoices generated by this call.")
      .def_readonly("skipped_existing", &generation_result::skipped_existing,
                    "Customers who already had the period's invoice.")
      .def_property_readonly(
          "total_amount", [](const generation_result& r) { return to_py(r.total_amount); },
          "The total of the invoices this call generated (Decimal currency).")
      .def("__repr__", [](const generation_result& r) {
        return repr_builder("GenerationResult")
            .add("period", py::str(r.period))
            .add("regions", py::cast(r.regions))
            .add("generated", py::int_(r.generated))
            .add("skipped_existing", py::int_(r.skipped_existing))
            .add("total_amount", to_py(r.total_amount))
            .str();
      });

  py::class_<cycle_preview>(
      m, "CyclePreview",
      "The caller's current cycle priced as if it ended now (Billing.current_cycle), or "
      "projected to its end (Billing.estimate, ``projected`` True). Read-only.")
      .def_readonly("region", &cycle_preview::region, "The caller's region.")
      .def_readonly("currency", &cycle_preview::currency, "Its ISO 4217 code.")
      .def_readonly("period", &cycle_preview::period, "The cycle's period (\"YYYY-MM\").")
      .def_property_readonly(
          "cycle_start", [](const cycle_preview& p) { return to_py(p.cycle_start); },
          "The cycle's first instant (aware UTC datetime).")
      .def_property_readonly(
          "cycle_end", [](const cycle_preview& p) { return to_py(p.cycle_end); },
          "The cycle's end, excluded (aware UTC datetime).")
      .def_readonly("days_elapsed", &cycle_preview::days_elapsed,
                    "Local days of the cycle started so far (at least 1).")
      .def_readonly("days_total", &cycle_preview::days_total, "Local days of the cycle.")
      .def_property_readonly(
          "consumed_kwh", [](const cycle_preview& p) { return to_py(p.consumed); },
          "Metered consumption so far (Decimal kWh).")
      .def_property_readonly(
          "produced_kwh", [](const cycle_preview& p) { return to_py(p.produced); },
          "Metered production so far (Decimal kWh).")
      .def_readonly("lines", &cycle_preview::lines, "The InvoiceLines (a list), tax last.")
      .def_property_readonly(
          "subtotal", [](const cycle_preview& p) { return to_py(p.subtotal); },
          "The lines but tax (Decimal currency).")
      .def_property_readonly(
          "tax", [](const cycle_preview& p) { return to_py(p.tax); }, money_doc)
      .def_property_readonly(
          "total", [](const cycle_preview& p) { return to_py(p.total); },
          "subtotal + tax (Decimal currency).")
      .def_readonly("projected", &cycle_preview::projected,
                    "True for Billing.estimate: energy, tier and export lines scaled by "
                    "days_total / days_elapsed, the fixed charge for every day.")
      .def("__repr__", [](const cycle_preview& p) {
        return repr_builder("CyclePreview")
            .add("region", py::str(p.region))
            .add("period", py::str(p.period))
            .add("days_elapsed", py::int_(p.days_elapsed))
            .add("days_total", py::int_(p.days_total))
            .add("total", to_py(p.total))
            .add("projected", py::bool_(p.projected))
            .str();
      });

  py::class_<payment>(m, "Payment", "A payment of an invoice. Read-only.")
      .def_property_readonly(
          "id", [](const payment& p) { return to_py(p.id); }, "uuid.UUID")
      .def_property_readonly(
          "invoice_id", [](const payment& p) { return to_py(p.invoice_id); },
          "The invoice paid (uuid.UUID).")
      .def_readonly("invoice_number", &payment::invoice_number, "Its number.")
      .def_property_readonly(
          "amount", [](const payment& p) { return to_py(p.amount); },
          "What was paid (Decimal currency).")
      .def_property_readonly(
          "method", [](const payment& p) { return name_of(p.method); },
          "\"card\", \"bank_transfer\", \"direct_debit\", \"cash\" or \"other\".")
      .def_property_readonly(
          "reference", [](const payment& p) { return opt_str_to_py(p.reference); },
          "The payer's reference, or None.")
      .def_property_readonly(
          "paid_at", [](const payment& p) { return to_py(p.paid_at); },
          "When it was recorded (aware UTC datetime).")
      .def("__repr__", [](const payment& p) {
        return repr_builder("Payment")
            .add("invoice_number", py::str(p.invoice_number))
            .add("amount", to_py(p.amount))
            .add("method", name_of(p.method))
            .add("paid_at", to_py(p.paid_at))
            .str();
      });

  py::class_<payment_receipt>(m, "PaymentReceipt",
                              "What Billing.pay answers: the payment and the invoice right after "
                              "it. Read-only.")
      .def_readonly("payment", &payment_receipt::paid, "The Payment.")
      .def_readonly("invoice", &payment_receipt::after,
                    "The Invoice as the payment left it (its amount_paid, amount_due and status).")
      .def_readonly("replayed", &payment_receipt::replayed,
                    "True when this was an idempotent repeat: the first answer, nothing recorded.")
      .def("__repr__", [](const payment_receipt& r) {
        return repr_builder("PaymentReceipt")
            .add("payment", py::cast(r.paid))
            .add("status", name_of(r.after.status))
            .add("replayed", py::bool_(r.replayed))
            .str();
      });

  py::class_<overdue_invoice>(m, "OverdueInvoice",
                              "An invoice past its due date with something due (Billing.overdue). "
                              "Read-only.")
      .def_readonly("invoice", &overdue_invoice::inv, "The Invoice (\"overdue\" or \"disputed\").")
      .def_readonly("days_overdue", &overdue_invoice::days_overdue,
                    "Whole days since its due_at.")
      .def("__repr__", [](const overdue_invoice& o) {
        return repr_builder("OverdueInvoice")
            .add("number", py::str(o.inv.number))
            .add("amount_due", to_py(o.inv.amount_due))
            .add("days_overdue", py::int_(o.days_overdue))
            .str();
      });

  using period_row = billing_analytics::by_period_row;
  py::class_<period_row>(m, "BillingAnalyticsPeriod", "One period of BillingAnalytics. Read-only.")
      .def_readonly("period", &period_row::period, "\"YYYY-MM\".")
      .def_property_readonly(
          "invoiced", [](const period_row& r) { return to_py(r.invoiced); },
          "The totals of the period's invoices, void ones left out (Decimal currency).")
      .def_property_readonly(
          "collected", [](const period_row& r) { return to_py(r.collected); },
          "Their payments (Decimal currency).")
      .def("__repr__", [](const period_row& r) {
        return repr_builder("BillingAnalyticsPeriod")
            .add("period", py::str(r.period))
            .add("invoiced", to_py(r.invoiced))
            .add("collected", to_py(r.collected))
            .str();
      });

  py::class_<billing_analytics>(
      m, "BillingAnalytics",
      "The invoices of a range of periods (Billing.analytics): amounts in Decimal currency, void "
      "invoices left out. Read-only.")
      .def_property_readonly(
          "region",
          [](const billing_analytics& a) {
            return a.region.empty() ? py::object(py::none()) : py::object(py::str(a.region));
          },
          "The region asked for, or None: every region in the caller's scope.")
      .def_readonly("currency", &billing_analytics::currency,
                    "The region's ISO 4217 code (the first region's without one).")
      .def_readonly("from_", &billing_analytics::from, "The first period (\"YYYY-MM\").")
      .def_readonly("to", &billing_analytics::to, "The last period, included (\"YYYY-MM\").")
      .def_property_readonly(
          "invoiced", [](const billing_analytics& a) { return to_py(a.invoiced); },
          "The totals of the range's invoices.")
      .def_property_readonly(
          "collected", [](const billing_analytics& a) { return to_py(a.collected); },
          "Their payments.")
      .def_property_readonly(
          "outstanding", [](const billing_analytics& a) { return to_py(a.outstanding); },
          "Their amount due.")
      .def_property_readonly(
          "overdue_amount", [](const billing_analytics& a) { return to_py(a.overdue_amount); },
          "The amount due of the overdue ones.")
      .def_readonly("overdue_count", &billing_analytics::overdue_count, "Overdue invoices.")
      .def_readonly("disputed_count", &billing_analytics::disputed_count, "Disputed invoices.")
      .def_property_readonly(
          "average_invoice", [](const billing_analytics& a) { return to_py(a.average_invoice); },
          "invoiced / their count, rounded half to even to the minor unit.")
      .def_property_readonly(
          "p2p_volume_kwh", [](const billing_analytics& a) { return to_py(a.p2p_volume); },
          "The energy of their p2p_purchase lines (Decimal kWh).")
      .def_property_readonly(
          "market_fees", [](const billing_analytics& a) { return to_py(a.market_fees); },
          "The sum of their market_fee lines.")
      .def_readonly("by_period", &billing_analytics::by_period,
                    "BillingAnalyticsPeriods (a list), oldest first.")
      .def("__repr__", [](const billing_analytics& a) {
        return repr_builder("BillingAnalytics")
            .add("region", a.region.empty() ? py::object(py::none()) : py::object(py::str(a.region)))
            .add("from_", py::str(a.from))
            .add("to", py::str(a.to))
            .add("invoiced", to_py(a.invoiced))
            .add("collected", to_py(a.collected))
            .add("outstanding", to_py(a.outstanding))
            .str();
      });

  py::class_<billing_event>(m, "BillingEvent",
                            "The payload of a \"billing.*\" event (Event.billing): what happened "
                            "to an invoice, and its amounts and status after it. Read-only.")
      .def_property_readonly(
          "type", [](const billing_event& e) { return py::str(std::string(kind_name(e.type))); },
          "\"invoice_issued\", \"invoice_paid\", \"invoice_overdue\", \"dispute_opened\", "
          "\"dispute_resolved\" or \"invoice_voided\" (the event's name without \"billing.\").")
      .def_property_readonly(
          "invoice_id", [](const billing_event& e) { return to_py(e.invoice_id); },
          "The invoice (uuid.UUID).")
      .def_readonly("number", &billing_event::number, "Its number.")
      .def_property_readonly(
          "user_id", [](const billing_event& e) { return to_py(e.user_id); },
          "Its customer (uuid.UUID).")
      .def_readonly("period", &billing_event::period, "Its period (\"YYYY-MM\").")
      .def_property_readonly(
          "total", [](const billing_event& e) { return to_py(e.total); },
          "Its total (Decimal currency).")
      .def_property_readonly(
          "amount_due", [](const billing_event& e) { return to_py(e.amount_due); },
          "What is due after the change (Decimal currency).")
      .def_property_readonly(
          "status", [](const billing_event& e) { return name_of(e.status); },
          "Its status after the change (\"issued\", ..., \"void\").")
      .def_property_readonly(
          "outcome",
          [](const billing_event& e) {
            return e.outcome ? py::object(name_of(*e.outcome)) : py::object(py::none());
          },
          "\"upheld\" or \"rejected\" on \"dispute_resolved\", else None.")
      .def("__repr__", [](const billing_event& e) {
        return repr_builder("BillingEvent")
            .add("type", py::str(std::string(kind_name(e.type))))
            .add("number", py::str(e.number))
            .add("status", name_of(e.status))
            .add("amount_due", to_py(e.amount_due))
            .str();
      });
}

}  // namespace

void register_billing(py::module_& m) {
  register_values(m);

  // Grid.run_due_work()'s report, registered by grid.cpp: billing's members.
  py::class_<due_work_report>(m.attr("DueWorkReport"))
      .def_readonly("invoices_generated", &due_work_report::invoices_generated,
                    "Billing: invoices generated for regions with auto_generate whose cycle "
                    "ended.")
      .def_readonly("invoices_overdue", &due_work_report::invoices_overdue,
                    "Billing: invoices found past due with something due, now \"overdue\".");

  // --- the service ------------------------------------------------------------------------
  py::class_<py_billing>(
      m, "Billing",
      "Billing: monthly cycles in each region's local time (from the region's cycle_day at "
      "local midnight), invoices that put a customer's utility energy (time-of-use, tiers, "
      "export, fixed and demand charges, tax) and their P2P purchases and sales, market fees "
      "and imbalance on one bill, payments, disputes and credit notes, overdue invoices, PDF and "
      "CSV. Obtained from Grid.billing; keeps its grid alive. Thread-safe; the GIL is released "
      "during every call.\n\n"
      "Who does what: a customer reads, pays and disputes their own invoices (another "
      "customer's raises NotFound, so ids do not leak); billing:operate (operators for their "
      "region, admins) generates, reads and takes payments for the region's invoices, resolves "
      "disputes, voids, lists overdue invoices, reads analytics and exports; billing:manage "
      "(admins) changes a region's settings. Generation, settings, payments, disputes and credit "
      "notes are audited. Money is Decimal currency, energy Decimal kWh, enumerations str "
      "(\"issued\", \"void\", \"card\", \"upheld\"); periods \"YYYY-MM\" or a datetime.date. "
      "Changes are published as \"billing.*\" events (Grid.events, Event.billing).")
      .def(
          "settings",
          [](const py_billing& s, const principal& who, const std::string& region) {
            return with_billing(s, [&](billing_service& b) { return b.settings(who, region); });
          },
          py::arg("principal"), py::arg("region"),
          "The BillingSettings of ``region`` (the defaults when never set: cycle_day 1, "
          "due_days 14, auto_generate False). Any signed-in caller. Raises NotFound for an "
          "unknown region.")
      .def(
          "configure",
          [](const py_billing& s, const principal& who, const std::string& region,
             std::optional<int> cycle_day, std::optional<int> due_days,
             std::optional<bool> auto_generate, const opt_str& ip, const opt_str& user_agent) {
            billing_settings_update u;
            u.cycle_day = cycle_day;
            u.due_days = due_days;
            u.auto_generate = auto_generate;
            auto ctx = make_ctx(ip, user_agent);
            return with_billing(s,
                                [&](billing_service& b) { return b.configure(who, region, u, ctx); });
          },
          py::arg("principal"), py::arg("region"), py::kw_only(), py::arg("cycle_day") = py::none(),
          py::arg("due_days") = py::none(), py::arg("auto_generate") = py::none(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Changes a region's settings (billing:manage: admins) and answers the BillingSettings "
          "now in effect; keywords left as None keep their value. ``cycle_day`` 1-28 (applies to "
          "cycles not invoiced yet), ``due_days`` 0-365, ``auto_generate`` a bool. Audited. "
          "Raises ValidationError naming the keyword, Forbidden, NotFound for an unknown region.")
      .def(
          "generate",
          [](const py_billing& s, const principal& who, const py::object& period,
             const opt_str& region, const opt_str& ip, const opt_str& user_agent) {
            const auto p = period_from_py(period, "period");
            auto ctx = make_ctx(ip, user_agent);
            return with_billing(
                s, [&](billing_service& b) { return b.generate(who, p, view_of(region), ctx); });
          },
          py::arg("principal"), py::arg("period"), py::arg("region") = py::none(), py::kw_only(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Generates ``period``'s invoices (\"YYYY-MM\" or a datetime.date) of ``region``, or of "
          "every region in the caller's scope when None (billing:operate over each), and answers "
          "a GenerationResult. Idempotent per customer, region and period. Publishes "
          "\"billing.invoice_issued\" per invoice; audited. Raises Conflict naming period when the "
          "named region's cycle has not ended (without a region such regions are skipped), "
          "ValidationError naming period, Forbidden.")
      .def(
          "invoices",
          [](const py_billing& s, const principal& who, const opt_str& status,
             const py::object& period, int page, int per_page) {
            invoice_query q;
            if (status) q.status = unwrap(parse_invoice_status(*status, "status"));
            q.period = opt_period_from_py(period, "period");
            q.page = page;
            q.per_page = per_page;
            return to_py_page(with_billing(s, [&](billing_service& b) { return b.invoices(who, q); }));
          },
          py::arg("principal"), py::kw_only(), py::arg("status") = py::none(),
          py::arg("period") = py::none(), py::arg("page") = 1, py::arg("per_page") = 20,
          "The caller's own invoices, newest first, filtered by ``status`` (\"issued\", ..., "
          "\"void\") and ``period`` (\"YYYY-MM\" or a datetime.date) and paged (``per_page`` "
          "1..100): a Page of Invoice. Raises ValidationError naming the keyword.")
      .def(
          "get",
          [](const py_billing& s, const principal& who, const py::object& invoice_id) {
            auto id = uuid_from_py(invoice_id, "invoice_id");
            return with_billing(s, [&](billing_service& b) { return b.get(who, id); });
          },
          py::arg("principal"), py::arg("invoice_id"),
          "One Invoice (``invoice_id`` a uuid.UUID or its text): the caller's own, or of a region "
          "they operate. Raises NotFound otherwise.")
      .def(
          "pdf",
          [](const py_billing& s, const principal& who, const py::object& invoice_id) {
            auto id = uuid_from_py(invoice_id, "invoice_id");
            auto doc = with_billing(s, [&](billing_service& b) { return b.pdf(who, id); });
            return py::bytes(doc);
          },
          py::arg("principal"), py::arg("invoice_id"),
          "The invoice as a PDF document (bytes), for whoever may get() it. Raises NotFound, "
          "ServiceUnavailable when the library was built without libharu (SEGS_WITH_PDF off).")
      .def(
          "current_cycle",
          [](const py_billing& s, const principal& who) {
            return with_billing(s, [&](billing_service& b) { return b.current_cycle(who); });
          },
          py::arg("principal"),
          "The caller's current cycle in their region priced as if it ended now: a "
          "CyclePreview.")
      .def(
          "estimate",
          [](const py_billing& s, const principal& who) {
            return with_billing(s, [&](billing_service& b) { return b.estimate(who); });
          },
          py::arg("principal"),
          "The caller's current cycle projected to its end (a CyclePreview, ``projected`` True): "
          "energy, tier and export lines scaled by days_total / days_elapsed, the fixed charge "
          "for every day, demand and market lines as they stand.")
      .def(
          "pay",
          [](const py_billing& s, const principal& who, const py::object& invoice_id,
             const std::string& method, const py::object& amount, opt_str reference,
             opt_str idempotency_key, const opt_str& ip, const opt_str& user_agent) {
            auto id = uuid_from_py(invoice_id, "invoice_id");
            payment_request req;
            req.method = unwrap(parse_payment_method(method, "method"));
            req.amount = opt_money_from_py(amount, "amount");
            req.reference = std::move(reference);
            req.idempotency_key = std::move(idempotency_key);
            auto ctx = make_ctx(ip, user_agent);
            return with_billing(s, [&](billing_service& b) { return b.pay(who, id, req, ctx); });
          },
          py::arg("principal"), py::arg("invoice_id"), py::kw_only(), py::arg("method") = "card",
          py::arg("amount") = py::none(), py::arg("reference") = py::none(),
          py::arg("idempotency_key") = py::none(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Records a payment of an invoice (its customer, or billing:operate in its region) and "
          "answers a PaymentReceipt. ``method`` \"card\", \"bank_transfer\", \"direct_debit\", "
          "\"cash\" or \"other\"; ``amount`` (Decimal currency in whole minor units, > 0, at most "
          "what is due; None: what is due); ``reference`` at most 200 characters; "
          "``idempotency_key`` (1-200 characters, scoped to the invoice): a repeat with the same "
          "key and request answers the first receipt with ``replayed`` True and records nothing. "
          "Audited; publishes \"billing.invoice_paid\" when it is paid. Raises ValidationError "
          "naming the keyword, Conflict (a void or paid invoice; a key reused with another "
          "request, naming idempotency_key), NotFound.")
      .def(
          "payments",
          [](const py_billing& s, const principal& who, int page, int per_page) {
            page_request p{page, per_page};
            return to_py_page(with_billing(s, [&](billing_service& b) { return b.payments(who, p); }));
          },
          py::arg("principal"), py::kw_only(), py::arg("page") = 1, py::arg("per_page") = 20,
          "The caller's own payments, newest first: a Page of Payment.")
      .def(
          "dispute",
          [](const py_billing& s, const principal& who, const py::object& invoice_id,
             const std::string& reason, const opt_str& ip, const opt_str& user_agent) {
            auto id = uuid_from_py(invoice_id, "invoice_id");
            auto ctx = make_ctx(ip, user_agent);
            return with_billing(s,
                                [&](billing_service& b) { return b.dispute(who, id, reason, ctx); });
          },
          py::arg("principal"), py::arg("invoice_id"), py::arg("reason"), py::kw_only(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "The invoice's customer opens a dispute (``reason`` 1-2000 characters) and gets the "
          "Invoice, now \"disputed\" (its overdue clock stops). Audited; publishes "
          "\"billing.dispute_opened\". Raises Conflict when it is paid, void or disputed already, "
          "ValidationError naming reason, Forbidden (not the customer), NotFound.")
      .def(
          "resolve_dispute",
          [](const py_billing& s, const principal& who, const py::object& invoice_id,
             const std::string& outcome, const std::string& note, const py::object& credit_amount,
             const opt_str& ip, const opt_str& user_agent) {
            auto id = uuid_from_py(invoice_id, "invoice_id");
            dispute_resolution r;
            r.outcome = unwrap(parse_dispute_outcome(outcome, "outcome"));
            r.note = note;
            r.credit_amount = opt_money_from_py(credit_amount, "credit_amount");
            auto ctx = make_ctx(ip, user_agent);
            return with_billing(
                s, [&](billing_service& b) { return b.resolve_dispute(who, id, r, ctx); });
          },
          py::arg("principal"), py::arg("invoice_id"), py::arg("outcome"), py::arg("note"),
          py::kw_only(), py::arg("credit_amount") = py::none(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Resolves the invoice's open dispute (billing:operate in its region) and answers the "
          "Invoice: ``outcome`` \"upheld\" or \"rejected\", ``note`` 1-2000 characters; an upheld "
          "one with ``credit_amount`` (Decimal currency, > 0, at most what is due) issues a "
          "CreditNote. Either way the status returns to what the payments make it. Audited; "
          "publishes \"billing.dispute_resolved\". Raises Conflict when it is not disputed, "
          "ValidationError naming the keyword, Forbidden, NotFound.")
      .def(
          "void_invoice",
          [](const py_billing& s, const principal& who, const py::object& invoice_id,
             const std::string& reason, const opt_str& ip, const opt_str& user_agent) {
            auto id = uuid_from_py(invoice_id, "invoice_id");
            auto ctx = make_ctx(ip, user_agent);
            return with_billing(
                s, [&](billing_service& b) { return b.void_invoice(who, id, reason, ctx); });
          },
          py::arg("principal"), py::arg("invoice_id"), py::arg("reason"), py::kw_only(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Voids an invoice nothing was paid on (billing:operate in its region; ``reason`` "
          "1-500 characters) and answers it, \"void\" with nothing due. Final. Audited; "
          "publishes \"billing.invoice_voided\". Raises Conflict (void already, payments on it, "
          "an open dispute), Forbidden, NotFound.")
      .def(
          "overdue",
          [](const py_billing& s, const principal& who, const std::string& region, int page,
             int per_page) {
            page_request p{page, per_page};
            return to_py_page(
                with_billing(s, [&](billing_service& b) { return b.overdue(who, region, p); }));
          },
          py::arg("principal"), py::arg("region"), py::kw_only(), py::arg("page") = 1,
          py::arg("per_page") = 20,
          "The region's invoices past due with something due (overdue or disputed), oldest due "
          "first: a Page of OverdueInvoice (billing:operate in the region; Forbidden otherwise).")
      .def(
          "analytics",
          [](const py_billing& s, const principal& who, const opt_str& region,
             const py::object& from, const py::object& to) {
            const auto f = opt_period_from_py(from, "from_");
            const auto t = opt_period_from_py(to, "to");
            return with_billing(s, [&](billing_service& b) {
              return b.analytics(who, view_of(region), view_of(f), view_of(t));
            });
          },
          py::arg("principal"), py::arg("region") = py::none(), py::kw_only(),
          py::arg("from_") = py::none(), py::arg("to") = py::none(),
          "BillingAnalytics of the invoices of periods [from_, to] (\"YYYY-MM\" or datetime.date; "
          "default: the 12 months ending with the clock's), of ``region`` or of every region in "
          "the caller's scope when None (billing:operate; Forbidden otherwise). Raises "
          "ValidationError naming from_ or to.")
      .def(
          "export_csv",
          [](const py_billing& s, const principal& who, const std::string& region,
             const py::object& period) {
            const auto p = opt_period_from_py(period, "period");
            std::string out;
            with_billing(s, [&](billing_service& b) {
              return b.export_csv(who, region, view_of(p), [&](std::string_view chunk) {
                out.append(chunk);
                return true;
              });
            });
            return py::str(out);
          },
          py::arg("principal"), py::arg("region"), py::arg("period") = py::none(),
          "The region's invoices (of ``period`` when given) as RFC 4180 CSV text (CRLF line "
          "ends; read it with the csv module), ordered by number, amounts with the currency's "
          "minor digits. Header row: number,user_id,email,region,period,issued_at,due_at,status,"
          "subtotal,tax,total,amount_paid,amount_due. billing:operate in the region.");

  add_grid_service<py_billing>(m, "billing",
                               "The Billing service (invoices, payments, disputes, reports).");
}

}  // namespace segs::python
