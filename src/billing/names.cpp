// to_string and parse of billing's enumerations, from their name tables.
#include "billing/names.hpp"

#include <string>

namespace segs {

using detail::parse_enum;

std::string_view to_string(line_kind k) noexcept { return detail::name_of(k); }
std::string_view to_string(invoice_status s) noexcept { return detail::name_of(s); }
std::string_view to_string(payment_method m) noexcept { return detail::name_of(m); }
std::string_view to_string(dispute_outcome o) noexcept { return detail::name_of(o); }

result<invoice_status> parse_invoice_status(std::string_view text, std::string_view field) {
  return parse_enum<invoice_status>(text, field);
}
result<payment_method> parse_payment_method(std::string_view text, std::string_view field) {
  return parse_enum<payment_method>(text, field);
}
result<dispute_outcome> parse_dispute_outcome(std::string_view text, std::string_view field) {
  return parse_enum<dispute_outcome>(text, field);
}

}  // namespace segs
