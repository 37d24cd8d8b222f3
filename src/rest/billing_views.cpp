// Billing's JSON: readers of payments, dispute resolutions and settings
// updates; views of everything the billing service answers; the library's
// C++ names in the wire's words.
#include "rest/billing_views.hpp"

#include "rest/telemetry_views.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace segs::rest::detail {

namespace json = boost::json;

// --- the wire's words ----------------------------------------------------------

segs::error billing_wire_words(segs::error e) {
  std::string_view wire;
  if (e.field == "invoice_id")
    wire = "invoiceId";
  else if (e.field == "idempotency_key")
    wire = "Idempotency-Key";
  else
    return e;
  const std::string cpp = e.field;
  e.field = std::string(wire);
  // Only the whole leading word: "idempotency_key must ..." -> "Idempotency-Key must ...".
  if (e.message.starts_with(cpp) && (e.message.size() == cpp.size() || e.message[cpp.size()] == ' '))
    e.message = std::string(wire) + e.message.substr(cpp.size());
  return e;
}

// --- readers --------------------------------------------------------------------

namespace {

/// A whole JSON number that fits an int; ranges are the library's.
std::optional<int> optional_int(const json::object& o, std::string_view key) {
  const auto n = optional_whole(o, key);
  if (!n) return std::nullopt;
  if (*n < std::numeric_limits<int>::min() || *n > std::numeric_limits<int>::max())
    invalid(key, std::string(key) + " is out of range");
  return static_cast<int>(*n);
}

}  // namespace

payment_request read_payment(const json::object& body, std::optional<std::string> key) {
  only_fields(body, {"amount", "method", "reference"});
  payment_request p;
  p.amount = optional_money(body, "amount");
  p.method = take(parse_payment_method(required_string(body, "method"), "method"));
  p.reference = optional_string(body, "reference");
  p.idempotency_key = std::move(key);
  return p;
}

dispute_resolution read_resolution(const json::object& body) {
  only_fields(body, {"outcome", "credit_amount", "note"});
  dispute_resolution r;
  r.outcome = take(parse_dispute_outcome(required_string(body, "outcome"), "outcome"));
  r.credit_amount = optional_money(body, "credit_amount");
  r.note = required_string(body, "note");
  return r;
}

billing_settings_update read_settings_update(const json::object& body) {
  only_fields(body, {"cycle_day", "due_days", "auto_generate"});
  billing_settings_update u;
  u.cycle_day = optional_int(body, "cycle_day");
  u.due_days = optional_int(body, "due_days");
  u.auto_generate = optional_bool(body, "auto_generate");
  return u;
}

std::string read_reason(const json::object& body) {
  only_fields(body, {"reason"});
  return required_string(body, "reason");
}

// --- views -----------------------------------------------------------------------

namespace {

json::value string_or_null(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return json::string(*s);
}

json::value view(const invoice_line& l) {
  return json::object{{"kind", to_string(l.kind)},
                      {"description", l.description},
                      {"period", string_or_null(l.period)},
                      {"quantity", decimal_number(l.quantity.value, 3)},
                      {"unit", l.unit},
                      {"unit_price", number_or_null(l.unit_price)},
                      {"amount", number(l.amount)}};
}

json::array lines_of(const std::vector<invoice_line>& lines) {
  json::array out;
  out.reserve(lines.size());
  for (const auto& l : lines) out.push_back(view(l));
  return out;
}

json::value view(const credit_note& c) {
  return json::object{{"id", c.id.to_string()},
                      {"amount", number(c.amount)},
                      {"reason", c.reason},
                      {"created_at", to_rfc3339(c.created_at)}};
}

}  // namespace

json::value view(const invoice& i) {
  json::array notes;
  for (const auto& c : i.credit_notes) notes.push_back(view(c));
  return json::object{{"id", i.id.to_string()},
                      {"number", i.number},
                      {"user_id", i.user_id.to_string()},
                      {"region", i.region},
                      {"currency", i.currency},
                      {"period", i.period},
                      {"cycle_start", to_rfc3339(i.cycle_start)},
                      {"cycle_end", to_rfc3339(i.cycle_end)},
                      {"issued_at", to_rfc3339(i.issued_at)},
                      {"due_at", to_rfc3339(i.due_at)},
                      {"status", to_string(i.status)},
                      {"lines", lines_of(i.lines)},
                      {"subtotal", number(i.subtotal)},
                      {"tax", number(i.tax)},
                      {"total", number(i.total)},
                      {"amount_paid", number(i.amount_paid)},
                      {"amount_due", number(i.amount_due)},
                      {"consumed_kwh", number(i.consumed)},
                      {"produced_kwh", number(i.produced)},
                      {"credit_notes", std::move(notes)}};
}

json::value view(const overdue_invoice& o) {
  auto v = view(o.inv);
  v.as_object()["days_overdue"] = o.days_overdue;
  return v;
}

json::value view(const payment& p) {
  return json::object{{"id", p.id.to_string()},
                      {"invoice_id", p.invoice_id.to_string()},
                      {"amount", number(p.amount)},
                      {"method", to_string(p.method)},
                      {"reference", string_or_null(p.reference)},
                      {"paid_at", to_rfc3339(p.paid_at)}};
}

json::value view(const payment_receipt& r) {
  return json::object{{"payment", view(r.paid)}, {"invoice", view(r.after)}};
}

json::value view(const cycle_preview& p) {
  return json::object{{"period", p.period},
                      {"cycle_start", to_rfc3339(p.cycle_start)},
                      {"cycle_end", to_rfc3339(p.cycle_end)},
                      {"days_elapsed", p.days_elapsed},
                      {"days_total", p.days_total},
                      {"consumed_kwh", number(p.consumed)},
                      {"produced_kwh", number(p.produced)},
                      {"lines", lines_of(p.lines)},
                      {"subtotal", number(p.subtotal)},
                      {"tax", number(p.tax)},
                      {"total", number(p.total)},
                      {"projected", p.projected}};
}

json::value view(const generation_result& g) {
  json::array regions;
  for (const auto& r : g.regions) regions.push_back(json::string(r));
  return json::object{{"period", g.period},
                      {"regions", std::move(regions)},
                      {"generated", g.generated},
                      {"skipped_existing", g.skipped_existing},
                      {"total_amount", number(g.total_amount)}};
}

json::value view(const billing_settings& s) {
  return json::object{{"region", s.region},
                      {"cycle_day", s.cycle_day},
                      {"due_days", s.due_days},
                      {"auto_generate", s.auto_generate},
                      {"updated_at", time_or_null(s.updated_at)}};
}

json::value view(const billing_analytics& a) {
  json::array by_period;
  for (const auto& r : a.by_period)
    by_period.push_back(
        json::object{{"period", r.period}, {"invoiced", number(r.invoiced)}, {"collected", number(r.collected)}});
  return json::object{{"region", a.region.empty() ? json::value(nullptr) : json::value(json::string(a.region))},
                      {"currency", a.currency},
                      {"from", a.from},
                      {"to", a.to},
                      {"invoiced", number(a.invoiced)},
                      {"collected", number(a.collected)},
                      {"outstanding", number(a.outstanding)},
                      {"overdue_amount", number(a.overdue_amount)},
                      {"overdue_count", a.overdue_count},
                      {"disputed_count", a.disputed_count},
                      {"average_invoice", number(a.average_invoice)},
                      {"p2p_volume_kwh", number(a.p2p_volume)},
                      {"market_fees", number(a.market_fees)},
                      {"by_period", std::move(by_period)}};
}

}  // namespace segs::rest::detail
