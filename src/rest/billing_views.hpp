// Internal: billing's JSON on the wire — readers of a payment, a dispute's
// resolution and a settings update; views of invoices, payments, previews
// of the current cycle, generation runs, overdue invoices, analytics and
// settings; the library's C++ member names in the wire's words. Used by
// routes_billing.cpp.
//
// Wire names: an invoice is {id, number, user_id, region, currency, period,
// cycle_start, cycle_end, issued_at, due_at, status, lines: [{kind,
// description, period, quantity, unit, unit_price, amount}], subtotal, tax,
// total, amount_paid, amount_due, consumed_kwh, produced_kwh, credit_notes:
// [{id, amount, reason, created_at}]}; a payment {id, invoice_id, amount,
// method, reference, paid_at}. Money and kWh are JSON numbers as everywhere
// in this API (json_io.hpp: money at most 6 decimals, kWh 3, whole values
// as integers); a line's `quantity` is its milli value as a number with at
// most 3 decimals (4900 -> 4.9); instants RFC 3339; absent values null
// (`period` on lines other than energy, `unit_price` where a line mixes
// prices, `reference`).
#pragma once

#include "rest/json_io.hpp"
#include "rest/route.hpp"

#include <segs/billing.hpp>

#include <boost/json.hpp>

#include <optional>
#include <string>

namespace segs::rest::detail {

/// A library error in the wire's words: invoice_id -> invoiceId (the path's
/// parameter), idempotency_key -> Idempotency-Key (the header), with the
/// message's leading word.
[[nodiscard]] segs::error billing_wire_words(segs::error e);

/// take() for billing's answers: the error in the wire's words.
template <class T>
T answer_billing(result<T> r) {
  if (!r) throw segs::exception(billing_wire_words(r.error()));
  return std::move(r).value();
}

// --- readers ---------------------------------------------------------------

/// The body of POST .../pay: {amount?, method, reference?}; `key` is the
/// Idempotency-Key header (absent when empty). Unknown members are 400
/// naming them; what the values must be is the library's to check.
[[nodiscard]] payment_request read_payment(const boost::json::object& body, std::optional<std::string> key);

/// The body of POST .../dispute/resolve: {outcome, credit_amount?, note}.
[[nodiscard]] dispute_resolution read_resolution(const boost::json::object& body);

/// The body of PUT /billing/settings/:region: {cycle_day?, due_days?,
/// auto_generate?} (null counts as absent).
[[nodiscard]] billing_settings_update read_settings_update(const boost::json::object& body);

/// `{reason}` of dispute and void: a required string.
[[nodiscard]] std::string read_reason(const boost::json::object& body);

// --- views -----------------------------------------------------------------

[[nodiscard]] boost::json::value view(const invoice& i);
/// The invoice's members and `days_overdue`.
[[nodiscard]] boost::json::value view(const overdue_invoice& o);
[[nodiscard]] boost::json::value view(const payment& p);
/// {payment, invoice}: the payment and the invoice right after it.
[[nodiscard]] boost::json::value view(const payment_receipt& r);
/// {period, cycle_start, cycle_end, days_elapsed, days_total, consumed_kwh,
/// produced_kwh, lines, subtotal, tax, total, projected}.
[[nodiscard]] boost::json::value view(const cycle_preview& p);
/// {period, regions, generated, skipped_existing, total_amount}.
[[nodiscard]] boost::json::value view(const generation_result& g);
/// {region, cycle_day, due_days, auto_generate, updated_at} (null: never set).
[[nodiscard]] boost::json::value view(const billing_settings& s);
/// {region, currency, from, to, invoiced, collected, outstanding,
/// overdue_amount, overdue_count, disputed_count, average_invoice,
/// p2p_volume_kwh, market_fees, by_period: [{period, invoiced, collected}]}
/// (region null: every region in the caller's scope).
[[nodiscard]] boost::json::value view(const billing_analytics& a);

}  // namespace segs::rest::detail
