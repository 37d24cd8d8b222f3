// The lines of an invoice from a customer's energy per 15-minute bucket and
// their market ledger sums: pure (no storage, no clock). The prices of a
// cycle's buckets are computed once per region and cycle (`cycle_prices`)
// and shared by every customer's invoice.
#pragma once

#include <segs/billing.hpp>
#include <segs/market.hpp>
#include <segs/tariffs.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace segs::billing {

/// The tariffs' prices of a cycle's buckets, the same for every customer of
/// the region.
struct cycle_prices {
  timestamp start{};  ///< the first bucket's start (the cycle's start)
  std::size_t buckets = 0;
  std::vector<tariff> tariffs;          ///< in effect in the cycle, oldest first
  std::vector<std::int16_t> tariff_of;  ///< per bucket: index into tariffs; -1: none in effect
  std::vector<std::uint16_t> period_of; ///< per bucket: index into that tariff's periods
  std::vector<money> price_of;          ///< per bucket: the effective price per kWh
  std::vector<std::int16_t> day_tariff; ///< per local day: the tariff at the day's start; -1: none
  std::string currency;
  int minor_digits = 2;
};

/// One customer's energy in each bucket of the cycle, Wh.
struct customer_energy {
  std::vector<std::int64_t> consumed;
  std::vector<std::int64_t> produced;
  std::vector<std::int64_t> bought;  ///< delivered to them by the market
  std::vector<std::int64_t> sold;    ///< delivered by them to the market
  explicit customer_energy(std::size_t buckets)
      : consumed(buckets), produced(buckets), bought(buckets), sold(buckets) {}
  void clear();
};

/// A customer's ledger entries of one kind over the cycle's slots, as the
/// ledger signs them (the account's side: debits negative).
struct ledger_sum {
  std::int64_t wh = 0;
  std::int64_t micros = 0;
  std::int64_t entries = 0;
  /// The price per kWh every entry was at, when they agree exactly.
  std::optional<money> unit_price;
  bool mixed = false;
  void add(std::int64_t entry_wh, std::int64_t entry_micros);
};
/// Indexed by ledger_kind.
using market_sums = std::array<ledger_sum, 5>;

/// What the lines come to.
struct formed_lines {
  std::vector<invoice_line> lines;  ///< in line_kind order, tax last
  money subtotal;
  money tax;
  money total;
  energy consumed;
  energy produced;
};

/// How `form_lines` is asked to bill.
struct billing_scope {
  /// The local days charged the fixed charge: the first `fixed_days` of
  /// `day_tariff` (all of them for an invoice).
  std::size_t fixed_days = 0;
  /// Energy, tier and export lines scaled by num / den (a projection).
  std::int64_t scale_num = 1;
  std::int64_t scale_den = 1;
};

/// The invoice lines of one customer (docs/billing.md, "Lines").
[[nodiscard]] formed_lines form_lines(const cycle_prices& prices, const customer_energy& e, const market_sums& market,
                                      const billing_scope& scope);

/// Spreads `wh` over `n` buckets starting at `out[0]` in whole Wh, the
/// remainder one each to the earliest buckets, adding to them.
void spread(std::int64_t wh, std::span<std::int64_t> out);

}  // namespace segs::billing
