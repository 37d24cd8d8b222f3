// The region registry: reads for everyone signed in, changes for admins,
// audited; the regions of the deployment's configuration applied at open.
#include "region/region_service.hpp"

#include "audit/chain.hpp"
#include "region/rules.hpp"
#include "storage/stores/region_store.hpp"
#include "telemetry/telemetry_impl.hpp"

#include <segs/region.hpp>

namespace segs {

namespace detail {

namespace {

void require_signed_in(const principal& who) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in to read regions");
}

// Creates or updates one region in `tx`; answers it and whether it was new.
std::pair<region, bool> save(grid_core& core, storage::transaction& tx, std::string_view code,
                             const region_spec& spec) {
  auto found = storage::regions::find(tx, code);
  const bool creating = !found;
  region r;
  if (found) {
    r = std::move(*found);
  } else {
    regions::check_code(code);
    r.code = std::string(code);
    r.created_at = core.now();
  }
  const auto zone_before = r.time_zone;
  regions::apply(r, spec, creating);
  r.updated_at = core.now();
  storage::regions::save(tx, r, creating);
  // Meters' local days follow their region's zone: rebuilt in this
  // transaction from the quarter-hours, which are whole in every zone.
  if (!creating && r.time_zone != zone_before)
    rebuild_days(tx, r.code, *tz::zone::find(r.time_zone));
  return {std::move(r), creating};
}

// Applies region_options in one transaction.
void apply_region_options(grid_core& core) {
  const auto& ro = core.opts.regions;
  core.write([&](storage::transaction& tx) {
    for (const auto& [code, spec] : ro.define) {
      try {
        save(core, tx, code, spec);
      } catch (const segs::exception& e) {
        // Name the region: a configuration lists several.
        auto err = e.err();
        err.message = "region " + code + ": " + err.message;
        throw segs::exception(std::move(err));
      }
    }
    if (storage::regions::exists(tx, ro.default_region)) return;
    if (ro.default_region != "default")
      fail(errc::validation_error,
           "default_region " + ro.default_region + " is not a registered region",
           "default_region");
    region_spec implicit;
    implicit.name = "Default";
    implicit.time_zone = "UTC";
    implicit.currency = ro.currency;
    save(core, tx, ro.default_region, implicit);
  });
}

}  // namespace

void open_regions(grid_core& core) {
  const auto& ro = core.opts.regions;
  if (!currency_minor_units(ro.currency))
    fail(errc::validation_error, "currency must be an ISO 4217 code such as EUR", "currency");
  regions::check_code(ro.default_region, "default_region");
  // Two processes opening one database at once may both find a region
  // missing and both insert it: the loser's conflict means the row is there
  // now, and a second pass updates it instead.
  for (int attempt = 1;; ++attempt) {
    try {
      apply_region_options(core);
      return;
    } catch (const segs::exception& e) {
      if (e.err().code != errc::conflict || attempt == 3) throw;
    }
  }
}

std::string region_of_registration(storage::transaction& tx, const grid_core& core,
                                   std::string_view asked, std::string_view field) {
  if (asked.empty()) return core.opts.regions.default_region;
  if (!storage::regions::exists(tx, asked))
    fail(errc::validation_error,
         std::string(field) + " " + std::string(asked) + " is not a registered region",
         std::string(field));
  return std::string(asked);
}

}  // namespace detail

struct region_service::impl {
  detail::grid_core& core;
};

region_service::region_service(detail::grid_core& core) : impl_(std::make_unique<impl>(impl{core})) {}
region_service::~region_service() = default;

result<std::vector<region>> region_service::list(const principal& who) {
  return detail::guard([&] {
    detail::require_signed_in(who);
    return impl_->core.read([](storage::transaction& tx) { return storage::regions::all(tx); });
  });
}

result<region> region_service::get(const principal& who, std::string_view code) {
  return detail::guard([&] {
    detail::require_signed_in(who);
    auto found = impl_->core.read(
        [&](storage::transaction& tx) { return storage::regions::find(tx, code); });
    if (!found) detail::fail(errc::not_found, "no region " + std::string(code));
    return std::move(*found);
  });
}

result<region> region_service::put(const principal& who, std::string_view code,
                                   const region_spec& spec, const request_context& ctx) {
  return detail::guard([&] {
    if (who.type == principal::kind::anonymous) detail::fail(errc::unauthorized, "sign in first");
    if (!who.can(permission::regions_manage))
      detail::fail(errc::forbidden, "changing regions needs regions:manage");
    auto& core = impl_->core;
    return core.write([&](storage::transaction& tx) {
      auto [r, created] = detail::save(core, tx, code, spec);
      detail::audit_append(core, tx, detail::actor::of(who), ctx,
                           {created ? "region.create" : "region.update", r.code, "success",
                            detail::audit_details({{"time_zone", r.time_zone},
                                                   {"currency", r.currency}})});
      return r;
    });
  });
}

const std::string& region_service::default_region() const noexcept {
  return impl_->core.opts.regions.default_region;
}

}  // namespace segs
