// Wire names of the market's enumerations, both ways, from the one name
// table of each (market/names.hpp).
#include "market/names.hpp"

#include <string>

namespace segs {

namespace {

// A parse failure names the caller's field and lists the accepted names.
template <class E>
result<E> parse(std::string_view s, std::string_view field) {
  if (auto v = detail::parse_name<E>(s)) return *v;
  return make_error(errc::validation_error,
                    std::string(field) + " must be one of " + detail::name_list<E>(),
                    std::string(field));
}

}  // namespace

std::string_view to_string(market_mechanism v) noexcept { return detail::name_of(v); }
std::string_view to_string(order_side v) noexcept { return detail::name_of(v); }
std::string_view to_string(order_type v) noexcept { return detail::name_of(v); }
std::string_view to_string(time_in_force v) noexcept { return detail::name_of(v); }
std::string_view to_string(self_trade_prevention v) noexcept { return detail::name_of(v); }
std::string_view to_string(order_status v) noexcept { return detail::name_of(v); }
std::string_view to_string(ledger_kind v) noexcept { return detail::name_of(v); }

result<market_mechanism> parse_mechanism(std::string_view s, std::string_view field) {
  return parse<market_mechanism>(s, field);
}
result<order_side> parse_side(std::string_view s, std::string_view field) {
  return parse<order_side>(s, field);
}
result<order_type> parse_order_type(std::string_view s, std::string_view field) {
  return parse<order_type>(s, field);
}
result<time_in_force> parse_time_in_force(std::string_view s, std::string_view field) {
  return parse<time_in_force>(s, field);
}
result<self_trade_prevention> parse_self_trade_prevention(std::string_view s, std::string_view field) {
  return parse<self_trade_prevention>(s, field);
}
result<order_status> parse_order_status(std::string_view s, std::string_view field) {
  return parse<order_status>(s, field);
}

}  // namespace segs
