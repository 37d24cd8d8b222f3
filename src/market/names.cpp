// Wire names of the market's enumerations, both ways, from the one name
// table of each (market/names.hpp).
#include "market/names.hpp"

#include <string>

namespace segs {

std::string_view to_string(market_mechanism v) noexcept { return detail::name_of(v); }
std::string_view to_string(order_side v) noexcept { return detail::name_of(v); }
std::string_view to_string(order_type v) noexcept { return detail::name_of(v); }
std::string_view to_string(time_in_force v) noexcept { return detail::name_of(v); }
std::string_view to_string(self_trade_prevention v) noexcept { return detail::name_of(v); }
std::string_view to_string(order_status v) noexcept { return detail::name_of(v); }
std::string_view to_string(ledger_kind v) noexcept { return detail::name_of(v); }

result<market_mechanism> parse_mechanism(std::string_view s, std::string_view field) {
  return detail::parse_enum<market_mechanism>(s, field);
}
result<order_side> parse_side(std::string_view s, std::string_view field) {
  return detail::parse_enum<order_side>(s, field);
}
result<order_type> parse_order_type(std::string_view s, std::string_view field) {
  return detail::parse_enum<order_type>(s, field);
}
result<time_in_force> parse_time_in_force(std::string_view s, std::string_view field) {
  return detail::parse_enum<time_in_force>(s, field);
}
result<self_trade_prevention> parse_self_trade_prevention(std::string_view s, std::string_view field) {
  return detail::parse_enum<self_trade_prevention>(s, field);
}
result<order_status> parse_order_status(std::string_view s, std::string_view field) {
  return detail::parse_enum<order_status>(s, field);
}

}  // namespace segs
