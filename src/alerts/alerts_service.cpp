// The alerts service: construction and the rule settings (defaults, a
// region's rows, a meter's overrides). The rest is in the files beside it.
#include "alerts/alerts_impl.hpp"

#include "alerts/settings.hpp"
#include "audit/chain.hpp"
#include "storage/stores/region_store.hpp"
#include "storage/stores/telemetry_store.hpp"
#include "telemetry/telemetry_impl.hpp"

namespace segs {

using detail::fail;
namespace store = storage::alerts;

alerts_service::alerts_service(detail::grid_core& core) : impl_(std::make_unique<impl>(core)) {}
alerts_service::~alerts_service() = default;

alerts_service::impl::region_rules alerts_service::impl::rules_of(storage::transaction& tx, std::string_view region) {
  auto r = storage::regions::find(tx, region);
  if (!r) fail(errc::not_found, "no region " + std::string(region), "region");
  region_rules out;
  // Stored rows were checked when written: applying them cannot fail.
  out.region = alerts::apply(alerts::defaults_for(*r), alerts::patch_of(store::settings_of(tx, region, 0))).value();
  for (const auto& [meter, rows] : store::meter_settings_of(tx, region))
    out.meters[meter] = alerts::apply(out.region, alerts::patch_of(rows)).value();
  return out;
}

namespace {

bool configures(const principal& who, std::string_view region) {
  if (who.type == principal::kind::system) return true;
  if (who.type != principal::kind::user || !who.can(permission::alerts_configure)) return false;
  return who.scope == role_scope::all || (who.scope == role_scope::region && who.region == region);
}
bool reads_region(const principal& who, std::string_view region) {
  if (configures(who, region)) return true;
  return who.type == principal::kind::user && who.can(permission::alerts_manage) &&
         (who.scope == role_scope::all || (who.scope == role_scope::region && who.region == region));
}

std::string describe(const alerts::setting_rows& rows) {
  std::string out;
  for (const auto& [name, v] : rows) {
    if (!out.empty()) out += "; ";
    out += name + "=" + std::to_string(v);
  }
  return out;
}

}  // namespace

result<alert_settings> alerts_service::settings(const principal& who, std::string_view region,
                                                std::optional<std::string_view> meter) {
  return detail::guard([&] {
    return impl_->core.read([&](storage::transaction& tx) {
      if (!storage::regions::exists(tx, region)) fail(errc::not_found, "no region " + std::string(region), "region");
      if (!meter) {
        if (!reads_region(who, region)) fail(errc::forbidden, "reading a region's alert rules needs alerts:manage");
        return impl_->rules_of(tx, region).region;
      }
      auto m = storage::telemetry::find_meter(tx, *meter);
      if (!m || m->m.region != region ||
          !(reads_region(who, region) || detail::may(who, m->m, detail::meter_access::read)))
        fail(errc::not_found, "no meter " + std::string(*meter) + " in region " + std::string(region), "meter_id");
      return impl_->rules_of(tx, region).of(m->seq);
    });
  });
}

alert_settings alerts_service::impl::update_settings(const principal& who, std::string_view region,
                                                     std::optional<std::string_view> meter,
                                                     const alert_settings_patch& patch, const request_context& ctx) {
  return core.write([&](storage::transaction& tx) {
    if (!storage::regions::exists(tx, region)) fail(errc::not_found, "no region " + std::string(region), "region");
    if (!configures(who, region)) fail(errc::forbidden, "changing alert rules needs alerts:configure");
    std::int64_t seq = 0;
    std::string target(region);
    if (meter) {
      auto m = storage::telemetry::find_meter(tx, *meter);
      if (!m || m->m.region != region)
        fail(errc::not_found, "no meter " + std::string(*meter) + " in region " + std::string(region), "meter_id");
      seq = m->seq;
      target = m->m.meter_id;
    }
    const auto before = rules_of(tx, region);
    // Checked against what is in effect, so an error names the member.
    auto checked = alerts::apply(meter ? before.of(seq) : before.region, patch);
    if (!checked) throw segs::exception(checked.error());
    const auto rows = alerts::rows_of(patch);
    store::put_settings(tx, region, seq, rows);
    detail::audit_append(core, tx, detail::actor::of(who), ctx,
                         {meter ? "alerts.rules.meter.update" : "alerts.rules.update", target, "success",
                          detail::audit_details({{"region", region}, {"changed", describe(rows)}})});
    const auto after = rules_of(tx, region);
    return meter ? after.of(seq) : after.region;
  });
}

result<alert_settings> alerts_service::update_settings(const principal& who, std::string_view region,
                                                       const alert_settings_patch& patch, const request_context& ctx) {
  return detail::guard([&] { return impl_->update_settings(who, region, std::nullopt, patch, ctx); });
}

result<alert_settings> alerts_service::update_meter_settings(const principal& who, std::string_view region,
                                                             std::string_view meter, const alert_settings_patch& patch,
                                                             const request_context& ctx) {
  return detail::guard([&] { return impl_->update_settings(who, region, meter, patch, ctx); });
}

}  // namespace segs
