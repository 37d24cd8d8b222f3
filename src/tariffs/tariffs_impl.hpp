// Internal to the tariffs service: the implementation behind
// `segs::tariffs_service`, shared by the files of src/tariffs/ that hold one
// responsibility each (tariffs and overrides, prices around now, estimates
// and analytics). Stateless: everything lives in storage; a call compiles
// the pricer it needs (microseconds) from the rows it reads.
#pragma once

#include "core/time_zone.hpp"
#include "grid_core.hpp"
#include "storage/stores/tariffs_store.hpp"

#include <segs/region.hpp>
#include <segs/tariffs.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace segs {

struct tariffs_service::impl {
  detail::grid_core& core;
  explicit impl(detail::grid_core& c) : core(c) {}

  // --- access (tariffs_service.cpp) ---------------------------------------------------
  /// Anyone signed in (users, API keys, the system); unauthorized otherwise.
  static void require_signed_in(const principal& who);
  /// tariffs:manage (forbidden otherwise).
  static void require_manager(const principal& who);
  /// tariffs:operate over `region` (forbidden otherwise).
  static void require_operator(const principal& who, std::string_view region);
  [[nodiscard]] static bool operates(const principal& who, std::string_view region);
  /// `region`, or the caller's when none is named (validation_error naming
  /// `region` when the caller has none).
  static std::string region_of(const principal& who, std::optional<std::string_view> region);

  // --- shared ---------------------------------------------------------------------------
  /// The registered region (not_found naming `region` otherwise).
  static region require_region(storage::transaction& tx, std::string_view code);
  /// The tariff of `region` in effect at `at`, if any.
  static std::optional<storage::tariffs::tariff_row> tariff_at(storage::transaction& tx, std::string_view region,
                                                               timestamp at);
  /// `t` compiled in its region's zone with the region's overrides that
  /// overlap [from, to) (the whole tariff when not given).
  static tariff_pricer compile(storage::transaction& tx, const region& r, const tariff& t,
                               std::optional<timestamp> from = {}, std::optional<timestamp> to = {});
  /// The period at `bucket` (inside `t`) with the maximal span of constant
  /// period, effective price and override around it.
  static current_period period_around(const tariff& t, const tariff_pricer& p, timestamp bucket,
                                      std::optional<timestamp> horizon);
  /// What a region pays now, if a tariff is in effect.
  std::optional<current_tariff> current_of(storage::transaction& tx, const region& r);
};

namespace tariffs {
/// The start of the 15-minute bucket holding `t`.
[[nodiscard]] timestamp bucket_of(timestamp t);
}  // namespace tariffs

}  // namespace segs
