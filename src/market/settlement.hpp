// Money arithmetic of the market and settlement of a delivery slot: pure
// functions over trades, no storage.
#pragma once

#include "market/records.hpp"

#include <segs/market.hpp>

#include <map>
#include <optional>
#include <vector>

namespace segs::detail {

/// price (per kWh) x energy, half to even to the micro-unit.
[[nodiscard]] money trade_amount(money price, energy q);
/// The fee charged to each side of a trade: fee_per_kwh x energy plus fee_ppm
/// millionths of the trade's amount, rounded once, half to even.
[[nodiscard]] money trade_fee(const market_settings& s, money price, energy q);

/// The ledger entries settling one slot.
///
/// Each buyer is debited and each seller credited the amounts of their trades
/// (`trade_debit` < 0, `trade_credit` > 0); each side pays its fees (`fee` < 0)
/// to the grid operator (`fee` > 0, user_id none). A seller that delivered
/// less than it sold pays its shortfall at `imbalance_price` (default: the
/// slot's highest trade price) (`imbalance_charge` < 0); the shortfall is
/// spread over that seller's trades pro rata by quantity (leftover Wh to the
/// earliest trades) and each buyer is refunded what it paid for the energy it
/// did not get (`imbalance_refund` > 0). The grid operator, which balanced
/// the missing energy, takes the charges and pays the refunds, so the entries
/// sum to zero. `delivered` maps sellers to what they delivered; a seller
/// absent from it delivered what it sold. Entries: per account in order of
/// first appearance in the trades, kinds in the order of `ledger_kind`; the
/// grid operator's last. Amounts of zero are left out, quantities are kept.
[[nodiscard]] std::vector<ledger_entry> settle_slot(const std::vector<trade_record>& trades,
                                                    const std::map<uuid, energy>& delivered,
                                                    std::optional<money> imbalance_price);

}  // namespace segs::detail
