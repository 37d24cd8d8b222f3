// The name tables of the market's enumerations (see core/names.hpp): the
// wire names of to_string and parse_*, and the text of their columns.
#pragma once

#include "core/names.hpp"
#include "market/records.hpp"

#include <segs/market.hpp>

#include <array>

namespace segs::detail {

template <>
struct enum_names<market_mechanism> {
  static constexpr std::array<name_entry<market_mechanism>, 2> table{
      {{market_mechanism::continuous, "continuous"}, {market_mechanism::epoch, "epoch"}}};
};
template <>
struct enum_names<order_side> {
  static constexpr std::array<name_entry<order_side>, 2> table{
      {{order_side::buy, "buy"}, {order_side::sell, "sell"}}};
};
template <>
struct enum_names<order_type> {
  static constexpr std::array<name_entry<order_type>, 2> table{
      {{order_type::limit, "limit"}, {order_type::market, "market"}}};
};
template <>
struct enum_names<time_in_force> {
  static constexpr std::array<name_entry<time_in_force>, 3> table{
      {{time_in_force::gtc, "gtc"}, {time_in_force::ioc, "ioc"}, {time_in_force::fok, "fok"}}};
};
template <>
struct enum_names<self_trade_prevention> {
  static constexpr std::array<name_entry<self_trade_prevention>, 3> table{
      {{self_trade_prevention::cancel_newest, "cancel_newest"},
       {self_trade_prevention::cancel_oldest, "cancel_oldest"},
       {self_trade_prevention::cancel_both, "cancel_both"}}};
};
template <>
struct enum_names<order_status> {
  static constexpr std::array<name_entry<order_status>, 5> table{
      {{order_status::open, "open"},
       {order_status::partially_filled, "partially_filled"},
       {order_status::filled, "filled"},
       {order_status::cancelled, "cancelled"},
       {order_status::expired, "expired"}}};
};
template <>
struct enum_names<ledger_kind> {
  static constexpr std::array<name_entry<ledger_kind>, 5> table{
      {{ledger_kind::trade_debit, "trade_debit"},
       {ledger_kind::trade_credit, "trade_credit"},
       {ledger_kind::fee, "fee"},
       {ledger_kind::imbalance_charge, "imbalance_charge"},
       {ledger_kind::imbalance_refund, "imbalance_refund"}}};
};
/// Not public: the state of a delivery slot, as market_slots.state holds it.
template <>
struct enum_names<slot_state> {
  static constexpr std::array<name_entry<slot_state>, 3> table{
      {{slot_state::open, "open"}, {slot_state::closed, "closed"}, {slot_state::settled, "settled"}}};
};

}  // namespace segs::detail
