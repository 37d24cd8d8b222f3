// The name tables of billing's enumerations (see core/names.hpp): one table
// per enum serves to_string, the parse_* functions and the billing store.
#pragma once

#include "core/names.hpp"

#include <segs/billing.hpp>

#include <array>

namespace segs::detail {

template <>
struct enum_names<line_kind> {
  static constexpr std::array<name_entry<line_kind>, 11> table{{{line_kind::energy, "energy"},
                                                                 {line_kind::tier_adder, "tier_adder"},
                                                                 {line_kind::export_credit, "export_credit"},
                                                                 {line_kind::fixed_charge, "fixed_charge"},
                                                                 {line_kind::demand_charge, "demand_charge"},
                                                                 {line_kind::p2p_purchase, "p2p_purchase"},
                                                                 {line_kind::p2p_sale, "p2p_sale"},
                                                                 {line_kind::market_fee, "market_fee"},
                                                                 {line_kind::imbalance_charge, "imbalance_charge"},
                                                                 {line_kind::imbalance_refund, "imbalance_refund"},
                                                                 {line_kind::tax, "tax"}}};
};

template <>
struct enum_names<invoice_status> {
  static constexpr std::array<name_entry<invoice_status>, 6> table{{{invoice_status::issued, "issued"},
                                                                      {invoice_status::partially_paid, "partially_paid"},
                                                                      {invoice_status::paid, "paid"},
                                                                      {invoice_status::overdue, "overdue"},
                                                                      {invoice_status::disputed, "disputed"},
                                                                      {invoice_status::void_, "void"}}};
};

template <>
struct enum_names<payment_method> {
  static constexpr std::array<name_entry<payment_method>, 5> table{{{payment_method::card, "card"},
                                                                      {payment_method::bank_transfer, "bank_transfer"},
                                                                      {payment_method::direct_debit, "direct_debit"},
                                                                      {payment_method::cash, "cash"},
                                                                      {payment_method::other, "other"}}};
};

template <>
struct enum_names<dispute_outcome> {
  static constexpr std::array<name_entry<dispute_outcome>, 2> table{
      {{dispute_outcome::upheld, "upheld"}, {dispute_outcome::rejected, "rejected"}}};
};

}  // namespace segs::detail
