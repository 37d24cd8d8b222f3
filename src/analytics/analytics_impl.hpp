// Internal to the analytics service: the implementation behind
// `segs::analytics_service`, shared by the files of src/analytics/ that hold
// one report each. Stateless and read only: every report is one read
// transaction over the other capabilities' stores (the SQL is theirs).
#pragma once

#include "analytics/figures.hpp"
#include "core/time_zone.hpp"
#include "grid_core.hpp"

#include <segs/analytics.hpp>
#include <segs/region.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace segs {

namespace analytics {
/// Who may read what a report covers.
enum class reach {
  own_or_region,  ///< a user: their own figures; analytics:operate: the region's
  member,         ///< users of the region and analytics:operate: the region's
  operate,        ///< analytics:operate only
};
/// The region a report names: `region`, else the caller's own, else (scope
/// all) the only registered one; validation_error naming `region` when
/// none can be told.
[[nodiscard]] std::string region_asked(storage::transaction& tx, const principal& who,
                                       const std::optional<std::string>& region);
/// The local dates [from, to] a query names in zone `z`, with `now` giving
/// the default `to` (today): validation errors naming `from` or `to` (from
/// after to, more than 366 days). Without `from`: 30 days ending with `to`.
[[nodiscard]] std::pair<std::chrono::year_month_day, std::chrono::year_month_day> local_range(
    const std::optional<std::chrono::year_month_day>& from, const std::optional<std::chrono::year_month_day>& to,
    const tz::zone& z, timestamp now);
/// A report's region, zone, range and scope.
struct target {
  region r;
  tz::zone z;
  analytics_header header;
  std::vector<day_bucket> days;
};
}  // namespace analytics

struct analytics_service::impl {
  using reach = analytics::reach;
  using target = analytics::target;

  detail::grid_core& core;
  /// Has the market write the rows waiting for their batch (set by
  /// open_grid: the market's close_due_gates), before the market's tables
  /// are read.
  std::function<void()> sync_market;
  explicit impl(detail::grid_core& c) : core(c) {}

  // --- scope and range (analytics_service.cpp) ---------------------------------------
  /// Unauthorized for anonymous callers, forbidden for API keys.
  static void require_reader(const principal& who);
  /// analytics:operate over `region`.
  [[nodiscard]] static bool operates(const principal& who, std::string_view region);
  /// The range of `q` in zone `z` (validation errors naming from / to).
  [[nodiscard]] std::pair<std::chrono::year_month_day, std::chrono::year_month_day> range_of(
      const analytics_query& q, const tz::zone& z) const;
  [[nodiscard]] target resolve(storage::transaction& tx, const principal& who, const analytics_query& q, reach need);
  void sync() const {
    if (sync_market) sync_market();
  }

  // --- the reports, one file each ------------------------------------------------------
  [[nodiscard]] static energy_analytics energy_of(storage::transaction& tx, const target& t);
  [[nodiscard]] static trading_analytics trading_of(storage::transaction& tx, const target& t);
  [[nodiscard]] static market_analytics market_of(storage::transaction& tx, const target& t);
  [[nodiscard]] static financial_analytics financial_of(storage::transaction& tx, const target& t,
                                                        analytics_grouping g);
  [[nodiscard]] users_analytics users_of(storage::transaction& tx, const principal& who, const analytics_query& q);
};

}  // namespace segs
