// libsegs — regions: where users, meters, markets and tariffs live.
//
//     segs::region_spec s;
//     s.name = "Berlin"; s.time_zone = "Europe/Berlin"; s.currency = "EUR";
//     auto r = grid->regions().put(admin, "berlin", s);   // result<region>
//
// A region's `code` is the string users, markets and (later) meters already
// carry. Its time zone (IANA) decides local days, months and wall times:
// tariff periods, billing cycles and local dates are read in it. Its currency
// (ISO 4217) decides the minor unit invoices round to; money itself stays in
// micro-units everywhere. Nominal voltage and frequency are the references
// alert rules compare readings with; the emission factor turns kWh into kg of
// CO2 for analytics.
//
// Every deployment has a default region (options: region_options), used
// where a registration names none; naming a region that is not registered is
// a validation_error naming the field.
//
// Authorization: reading regions needs a signed-in principal (any role);
// `put` needs `regions:manage` (admins). Unknown codes are not_found.
//
// Thread-safety: `region_service` is safe to call from several threads.
// Lifetime: obtained from `grid::regions()`, lives as long as its grid.
#pragma once

#include <segs/access.hpp>
#include <segs/error.hpp>
#include <segs/export.hpp>
#include <segs/types.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace segs {

class grid;
struct options;
namespace storage {
class backend;
}
namespace detail {
struct grid_core;
result<std::unique_ptr<grid>> open_grid(std::unique_ptr<storage::backend> backend, options opts);
}  // namespace detail

struct region {
  /// 1-64 of `A-Z a-z 0-9 _ . -` (regions registered by the migration from
  /// strings already in use keep their spelling).
  std::string code;
  std::string name;
  std::string time_zone = "UTC";  ///< IANA name, e.g. "Europe/Berlin"
  std::string currency = "USD";   ///< ISO 4217 alphabetic code
  /// Digits after the decimal point of the currency (ISO 4217): 2 for EUR,
  /// 0 for JPY, 3 for KWD. Derived from `currency`.
  int currency_minor_units = 2;
  double nominal_voltage_v = 230.0;
  double nominal_frequency_hz = 50.0;
  /// Grid carbon intensity, kg CO2 per kWh.
  double emission_factor_kg_per_kwh = 0.4;
  timestamp created_at{};
  timestamp updated_at{};
};

/// What `put` takes. Creating: `time_zone` and `currency` are required,
/// `name` defaults to the code, the rest to the defaults of `region`.
/// Updating: absent fields keep their value.
struct region_spec {
  std::optional<std::string> name;                      ///< 1-100 characters
  std::optional<std::string> time_zone;                 ///< a zone of the tz database
  std::optional<std::string> currency;                  ///< an active ISO 4217 code
  std::optional<double> nominal_voltage_v;              ///< (0, 1,000,000]
  std::optional<double> nominal_frequency_hz;           ///< (0, 1,000]
  std::optional<double> emission_factor_kg_per_kwh;     ///< [0, 10]
};

/// Regions of a deployment, applied at open.
struct region_options {
  /// The region of registrations that name none. Unless it is "default"
  /// (created in UTC with `currency` when missing) it must be registered or
  /// listed in `define`.
  std::string default_region = "default";
  /// The currency of the regions the library registers itself: the default
  /// region and, at the upgrade that introduced regions, every region string
  /// already in use (their time zone is UTC; an admin corrects both).
  std::string currency = "USD";
  /// Regions created or updated at every open (the server's configuration),
  /// by code. Validated like `put`.
  std::map<std::string, region_spec> define;
};

/// Minor units of an active ISO 4217 currency code, or none for a code the
/// standard does not list (or lists without minor units, such as XAU).
[[nodiscard]] SEGS_EXPORT std::optional<int> currency_minor_units(std::string_view code) noexcept;

class SEGS_EXPORT region_service {
 public:
  ~region_service();
  region_service(const region_service&) = delete;
  region_service& operator=(const region_service&) = delete;

  /// Every region, by code. Needs a signed-in principal (unauthorized for
  /// the anonymous one).
  result<std::vector<region>> list(const principal& who);
  /// One region. unauthorized for the anonymous principal, not_found for an
  /// unknown code.
  result<region> get(const principal& who, std::string_view code);
  /// Creates or updates a region (needs `regions:manage`: forbidden
  /// otherwise); audited as "region.create" or "region.update". Errors:
  /// validation_error naming the field (code, name, time_zone, currency,
  /// nominal_voltage_v, nominal_frequency_hz, emission_factor_kg_per_kwh).
  result<region> put(const principal& who, std::string_view code, const region_spec& spec,
                     const request_context& ctx = {});
  /// The deployment's default region (region_options::default_region).
  [[nodiscard]] const std::string& default_region() const noexcept;

 private:
  // Created only by the grid.
  friend result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend>, options);
  explicit region_service(detail::grid_core& core);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace segs
