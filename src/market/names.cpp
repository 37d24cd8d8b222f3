// Wire names of the market's enumerations, both ways.
#include <segs/market.hpp>

#include <array>
#include <string>
#include <utility>

namespace segs {

namespace {

template <class E, std::size_t N>
using name_table = std::array<std::pair<E, std::string_view>, N>;

constexpr name_table<market_mechanism, 2> mechanisms{{{market_mechanism::continuous, "continuous"},
                                                      {market_mechanism::epoch, "epoch"}}};
constexpr name_table<order_side, 2> sides{{{order_side::buy, "buy"}, {order_side::sell, "sell"}}};
constexpr name_table<order_type, 2> types{{{order_type::limit, "limit"}, {order_type::market, "market"}}};
constexpr name_table<time_in_force, 3> tifs{
    {{time_in_force::gtc, "gtc"}, {time_in_force::ioc, "ioc"}, {time_in_force::fok, "fok"}}};
constexpr name_table<self_trade_prevention, 3> stps{
    {{self_trade_prevention::cancel_newest, "cancel_newest"},
     {self_trade_prevention::cancel_oldest, "cancel_oldest"},
     {self_trade_prevention::cancel_both, "cancel_both"}}};
constexpr name_table<order_status, 5> statuses{{{order_status::open, "open"},
                                                {order_status::partially_filled, "partially_filled"},
                                                {order_status::filled, "filled"},
                                                {order_status::cancelled, "cancelled"},
                                                {order_status::expired, "expired"}}};
constexpr name_table<ledger_kind, 5> kinds{{{ledger_kind::trade_debit, "trade_debit"},
                                            {ledger_kind::trade_credit, "trade_credit"},
                                            {ledger_kind::fee, "fee"},
                                            {ledger_kind::imbalance_charge, "imbalance_charge"},
                                            {ledger_kind::imbalance_refund, "imbalance_refund"}}};

template <class E, std::size_t N>
std::string_view name_of(const name_table<E, N>& t, E v) noexcept {
  for (const auto& [e, n] : t)
    if (e == v) return n;
  return t[0].second;
}

template <class E, std::size_t N>
result<E> parse_name(const name_table<E, N>& t, std::string_view s, std::string_view field) {
  for (const auto& [e, n] : t)
    if (n == s) return e;
  std::string allowed;
  for (const auto& [e, n] : t) {
    if (!allowed.empty()) allowed += ", ";
    allowed += n;
  }
  return make_error(errc::validation_error,
                    std::string(field) + " must be one of " + allowed, std::string(field));
}

}  // namespace

std::string_view to_string(market_mechanism v) noexcept { return name_of(mechanisms, v); }
std::string_view to_string(order_side v) noexcept { return name_of(sides, v); }
std::string_view to_string(order_type v) noexcept { return name_of(types, v); }
std::string_view to_string(time_in_force v) noexcept { return name_of(tifs, v); }
std::string_view to_string(self_trade_prevention v) noexcept { return name_of(stps, v); }
std::string_view to_string(order_status v) noexcept { return name_of(statuses, v); }
std::string_view to_string(ledger_kind v) noexcept { return name_of(kinds, v); }

result<market_mechanism> parse_mechanism(std::string_view s, std::string_view field) {
  return parse_name(mechanisms, s, field);
}
result<order_side> parse_side(std::string_view s, std::string_view field) { return parse_name(sides, s, field); }
result<order_type> parse_order_type(std::string_view s, std::string_view field) {
  return parse_name(types, s, field);
}
result<time_in_force> parse_time_in_force(std::string_view s, std::string_view field) {
  return parse_name(tifs, s, field);
}
result<self_trade_prevention> parse_self_trade_prevention(std::string_view s, std::string_view field) {
  return parse_name(stps, s, field);
}
result<order_status> parse_order_status(std::string_view s, std::string_view field) {
  return parse_name(statuses, s, field);
}

}  // namespace segs
