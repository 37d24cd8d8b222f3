// Internal to the billing service: the implementation behind
// `segs::billing_service`, shared by the files of src/billing/ that hold one
// responsibility each (settings and access, generation and previews,
// payments and disputes, reports). Stateless: everything lives in storage.
#pragma once

#include "billing/cycle.hpp"
#include "billing/lines.hpp"
#include "grid_core.hpp"
#include "storage/stores/billing_store.hpp"

#include <segs/billing.hpp>
#include <segs/region.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace segs {

struct billing_service::impl {
  detail::grid_core& core;
  explicit impl(detail::grid_core& c) : core(c) {}

  // --- access and shared reads (billing_service.cpp) -------------------------------
  static void require_signed_in(const principal& who);
  /// billing:operate over `region`.
  [[nodiscard]] static bool operates(const principal& who, std::string_view region);
  static void require_operator(const principal& who, std::string_view region);
  /// The registered region (not_found naming `region` otherwise).
  static region require_region(storage::transaction& tx, std::string_view code);
  /// The region's settings, the defaults when it has none.
  static billing_settings settings_of(storage::transaction& tx, std::string_view region);
  /// The invoice when the caller owns it or operates its region; not_found
  /// otherwise, so ids do not leak.
  static storage::billing::invoice_row require_invoice(storage::transaction& tx, const principal& who, const uuid& id,
                                                       bool operator_may = true);
  /// The status the row's payments, credit notes, dispute and overdue mark
  /// make it (void stays void).
  static void restate(storage::billing::invoice_row& r, bool disputed);

  // --- generation and previews (billing_generate.cpp) ------------------------------
  /// Generates `c`'s invoices of region `r`; adds to `out`.
  void generate_region(const region& r, const billing_settings& s, const billing::cycle& c, generation_result& out);
  /// The caller's current cycle (projected: to its end).
  cycle_preview preview(const principal& who, bool projected);

  // --- due work ----------------------------------------------------------------------
  /// Marks invoices past due as overdue (billing_payments.cpp); how many.
  std::int64_t mark_overdue(timestamp now);
  /// Generates the ended cycles of regions with auto_generate (billing_generate.cpp).
  std::int64_t generate_due(timestamp now);
};

}  // namespace segs
