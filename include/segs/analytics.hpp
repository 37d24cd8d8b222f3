// libsegs — analytics: the P2P seed's five reports (energy, trading, users,
// market, financial) over local days of a region, computed from what the
// other capabilities store (telemetry's quarter-hours, the market's trades,
// slots and ledger, the tariffs' prices, billing's invoices and payments,
// identity's accounts and sign-ins). Read only: nothing here writes.
//
//     auto& a = grid.analytics();
//     segs::analytics_query q;
//     q.from = segs::parse_iso_date("2026-03-01").value();
//     q.to = segs::parse_iso_date("2026-03-31").value();
//     auto mine = a.energy(customer, q).value();          // the customer's own meters
//     auto region = a.energy(op, q).value();              // the operator's region
//     auto m = a.market(op, {.region = "north"}).value(); // per local day
//
// Ranges. `from` and `to` are local calendar dates of the region, both
// included: the range is [start_of_day(from), start_of_day(to + 1)) in the
// region's time zone, and every day bucket is a local day (23, 24 or 25
// hours across a DST change). Defaults: `to` is the region's local today by
// the grid's clock, `from` 29 days before `to` (30 days). At most 366 days;
// `from` after `to` is a validation_error naming `from`, a longer range one
// naming `to`.
//
// Scope (inside the library). Every report is of one region, except
// `users` without a region (every region in the caller's scope):
//   - a user (any role) reads their own energy, trading and financial
//     figures in their own region, and the market figures of their region;
//     asking another region is forbidden;
//   - `analytics:operate` with scope region (operators) reads the whole of
//     their region, with scope all (admins) of every region; `users` needs
//     it (forbidden otherwise);
//   - without `region`, the caller's own region, or, for a caller with
//     scope all, the only registered region (a validation_error naming
//     `region` when there are several);
//   - API keys read no analytics (forbidden); anonymous callers are
//     unauthorized; an unknown region is not_found naming `region`.
// docs/analytics.md defines every figure exactly.
//
// Units: `energy` whole Wh, `money` micro-units of the region's currency
// (prices per kWh likewise). Averages and savings are rounded half to even
// to the micro-unit from exact sums; ratios are rounded half to even to 4
// decimals from integer Wh and are empty where undefined.
//
// Errors: unauthorized, forbidden, not_found (`region`), validation_error
// (`from`, `to`, `region`, `group_by`), unavailable (storage).
//
// Thread-safety: the service is safe from several threads and lives as long
// as its grid; the answers are plain values.
#pragma once

#include <segs/access.hpp>
#include <segs/error.hpp>
#include <segs/export.hpp>
#include <segs/types.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace segs {

/// What every report takes.
struct analytics_query {
  std::optional<std::string> region;                ///< see "Scope"
  std::optional<std::chrono::year_month_day> from;  ///< first local date, included
  std::optional<std::chrono::year_month_day> to;    ///< last local date, included
};

/// Whose figures a report holds.
enum class analytics_scope { self, region };
/// "self", "region".
[[nodiscard]] SEGS_EXPORT std::string_view to_string(analytics_scope s) noexcept;

/// What every report answers about itself.
struct analytics_header {
  std::string region;
  std::string time_zone;
  std::string currency;
  analytics_scope scope = analytics_scope::self;
  std::optional<uuid> user_id;  ///< scope self: the caller
  std::chrono::year_month_day from{};
  std::chrono::year_month_day to{};
  timestamp start{};  ///< start_of_day(from)
  timestamp end{};    ///< start_of_day(to + 1)
};

// --- energy ---------------------------------------------------------------------

/// Consumption and production of a local day (or of the whole range). With
/// c and p the scope's consumption and production of a quarter-hour (a
/// user: their meters while they held them; a region: all its meters):
struct energy_figures {
  energy consumed;       ///< sum(c)
  energy produced;       ///< sum(p)
  energy net;            ///< consumed - produced (negative: a net exporter)
  energy self_consumed;  ///< sum(min(c, p)): consumption covered by own production
  /// self_consumed / consumed (telemetry's grid_independence_score); none
  /// when nothing was consumed.
  std::optional<double> self_sufficiency;
};

struct energy_day {
  std::chrono::year_month_day date{};
  timestamp start{};
  timestamp end{};  ///< 23, 24 or 25 hours after start
  energy_figures figures;
};

struct energy_analytics {
  analytics_header header;
  std::vector<energy_day> days;  ///< every local day of the range, oldest first
  energy_figures total;
};

// --- trading --------------------------------------------------------------------

/// The trades of the scope (a user: their sides; a region: both sides of
/// every trade) with a delivery slot starting in the range.
struct trading_figures {
  energy bought;
  energy sold;
  std::int64_t buy_trades = 0;
  std::int64_t sell_trades = 0;
  money spent;   ///< the bought trades' amounts (price x energy, each rounded to the micro-unit)
  money earned;  ///< the sold trades' amounts
  std::optional<money> average_buy_price;   ///< spent-weighted: sum(price x energy) / bought
  std::optional<money> average_sell_price;
  money fees;  ///< the scope's fees on those trades
  /// Against the tariff: sum over the bought energy of (import price - trade
  /// price) x kWh plus over the sold energy of (trade price - export price)
  /// x kWh, bucket by bucket (docs/analytics.md).
  money savings;
  /// Traded energy in buckets no tariff covers, left out of `savings`.
  energy unpriced;
};

struct trading_day {
  std::chrono::year_month_day date{};
  trading_figures figures;
};

struct trading_analytics {
  analytics_header header;
  std::vector<trading_day> days;  ///< every local day of the range
  trading_figures total;
};

// --- users ----------------------------------------------------------------------

struct users_day {
  std::chrono::year_month_day date{};
  std::int64_t registrations = 0;  ///< accounts created that local day
  std::int64_t sign_ins = 0;       ///< distinct users who signed in that day
};

struct users_analytics {
  /// Empty region/time_zone/currency: every region in scope (each user's
  /// days are local days of their own region).
  analytics_header header;
  std::vector<std::string> regions;  ///< the regions counted, sorted
  std::int64_t total_users = 0;      ///< accounts not deleted
  std::int64_t registrations = 0;    ///< created in the range
  /// Status active now and signed in (a session started) in the range.
  std::int64_t active_users = 0;
  std::map<std::string, std::int64_t> by_status;      ///< of total_users
  std::map<std::string, std::int64_t> by_role;        ///< of total_users
  std::map<std::string, std::int64_t> by_department;  ///< of total_users ("" : none)
  std::map<std::string, std::int64_t> by_region;      ///< of total_users
  std::vector<users_day> days;  ///< every date of the range
};

// --- market ---------------------------------------------------------------------

/// A region's market over slots starting in a day (or the range).
struct market_figures {
  energy volume;
  std::int64_t trade_count = 0;
  std::optional<money> vwap;  ///< sum(price x energy) / volume
  std::optional<money> high;
  std::optional<money> low;
  std::int64_t slots_closed = 0;  ///< slots whose gate closed
  /// The mean clearing price of the epoch (auction) slots that cleared.
  std::optional<money> mean_clearing_price;
  std::int64_t cleared_slots = 0;
  /// The mean of (best ask - best bid) of the slots that had both at their
  /// gate closure (recorded since schema 15; negative: a crossed epoch book).
  std::optional<money> mean_spread_at_gate;
  std::int64_t spread_slots = 0;
  std::int64_t participants = 0;  ///< distinct buyers and sellers
};

struct market_day {
  std::chrono::year_month_day date{};
  market_figures figures;
};

struct market_analytics {
  analytics_header header;  ///< scope region
  std::vector<market_day> days;
  market_figures total;
};

// --- financial ------------------------------------------------------------------

enum class analytics_grouping { day, month };
/// "day", "month".
[[nodiscard]] SEGS_EXPORT std::string_view to_string(analytics_grouping g) noexcept;
[[nodiscard]] SEGS_EXPORT result<analytics_grouping> parse_analytics_grouping(std::string_view text,
                                                                              std::string_view field = "group_by");

struct financial_figures {
  money spend;      ///< P2P purchases: the bought trades' amounts
  money earnings;   ///< P2P sales: the sold trades' amounts
  money fees;       ///< market fees on those trades
  money imbalance;  ///< settlement's imbalance charges less refunds (a cost positive)
  money net;        ///< earnings - spend - fees - imbalance
  money invoiced;   ///< totals of the invoices issued (void ones left out)
  money paid;       ///< payments received
  money outstanding;  ///< what is still due now on the invoices issued
};

struct financial_period {
  std::string period;  ///< "YYYY-MM-DD" or "YYYY-MM"
  timestamp start{};
  timestamp end{};
  financial_figures figures;
};

struct financial_analytics {
  analytics_header header;
  analytics_grouping group_by = analytics_grouping::month;
  std::vector<financial_period> periods;  ///< every day or month the range touches, clipped to it
  financial_figures total;
};

// --- the service ---------------------------------------------------------------

class grid;
struct options;
namespace storage {
class backend;
}
namespace detail {
struct grid_core;
result<std::unique_ptr<grid>> open_grid(std::unique_ptr<storage::backend> backend, options opts);
}  // namespace detail

class SEGS_EXPORT analytics_service {
 public:
  ~analytics_service();
  analytics_service(const analytics_service&) = delete;
  analytics_service& operator=(const analytics_service&) = delete;

  /// A user: their own meters (scope self); `analytics:operate` over the
  /// region: the region's meters. Errors: as the banner.
  result<energy_analytics> energy(const principal& who, const analytics_query& q = {});
  /// A user: their own trades; `analytics:operate` over the region: every
  /// trade of the region. Brings the market's tables up to date first.
  /// Errors: as the banner.
  result<trading_analytics> trading(const principal& who, const analytics_query& q = {});
  /// `analytics:operate` (operators: their region; admins: all, or the
  /// named region). forbidden for everyone else. Errors: as the banner.
  result<users_analytics> users(const principal& who, const analytics_query& q = {});
  /// Users of the region and `analytics:operate` over it: the region's
  /// market. Errors: as the banner.
  result<market_analytics> market(const principal& who, const analytics_query& q = {});
  /// As `trading` for the market figures and as `energy` for the scope;
  /// invoices and payments of the user (self) or of the region.
  result<financial_analytics> financial(const principal& who, const analytics_query& q = {},
                                        analytics_grouping group_by = analytics_grouping::month);

 private:
  friend result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend>, options);
  explicit analytics_service(detail::grid_core& core);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace segs
