// The tariffs service: access, tariffs (create, read, change before they
// begin, the one-in-effect rule) and overrides. Prices around now are in
// tariffs_prices.cpp, estimates and analytics in tariffs_estimate.cpp.
#include "tariffs/tariffs_impl.hpp"

#include "audit/chain.hpp"
#include "storage/stores/region_store.hpp"

#include <algorithm>

namespace segs {

using detail::fail;
namespace store = storage::tariffs;

namespace {

constexpr std::int64_t quarter_us = 900'000'000;

std::optional<uuid> creator(const principal& who) {
  if (who.type == principal::kind::user || who.type == principal::kind::api_key) return who.id;
  return std::nullopt;
}

std::string text_of(std::optional<timestamp> t) { return t ? to_rfc3339(*t) : std::string("open"); }

// The one-in-effect rule for `t` (not stored yet, or stored as `self`):
// ends an open-ended predecessor that `t` starts inside of, when that
// instant is not before `now`; any other overlap is a conflict.
void make_room(storage::transaction& tx, const tariff& t, std::optional<std::int64_t> self, timestamp now) {
  auto overlapping = store::tariffs_overlapping(tx, t.region, t.effective_from, t.effective_to);
  std::erase_if(overlapping, [&](const store::tariff_row& r) { return self && r.seq == *self; });
  if (overlapping.empty()) return;
  const auto& p = overlapping.front();
  if (overlapping.size() == 1 && !p.t.effective_to && p.t.effective_from < t.effective_from) {
    if (t.effective_from < now)
      fail(errc::conflict,
           "tariff " + p.t.id.to_string() + " is in effect at " + to_rfc3339(t.effective_from) +
               ", which is before now: it can only be ended from now on",
           "effective_from");
    store::set_effective_to(tx, p.seq, t.effective_from);
    return;
  }
  fail(errc::conflict,
       "tariff " + p.t.id.to_string() + " is in effect over [" + to_rfc3339(p.t.effective_from) + ", " +
           text_of(p.t.effective_to) + "), which overlaps [" + to_rfc3339(t.effective_from) + ", " +
           text_of(t.effective_to) + ")",
       "effective_from");
}

std::string describe(const tariff& t) {
  return detail::audit_details({{"region", t.region},
                                {"name", t.name},
                                {"effective_from", to_rfc3339(t.effective_from)},
                                {"effective_to", text_of(t.effective_to)}});
}

}  // namespace

timestamp tariffs::bucket_of(timestamp t) {
  auto us = to_micros(t);
  auto q = us / quarter_us;
  if (us % quarter_us != 0 && us < 0) --q;
  return from_micros(q * quarter_us);
}

tariffs_service::tariffs_service(detail::grid_core& core) : impl_(std::make_unique<impl>(core)) {}
tariffs_service::~tariffs_service() = default;

// --- access ----------------------------------------------------------------------------

void tariffs_service::impl::require_signed_in(const principal& who) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in first");
}

void tariffs_service::impl::require_manager(const principal& who) {
  require_signed_in(who);
  if (!who.can(permission::tariffs_manage)) fail(errc::forbidden, "creating and changing tariffs needs tariffs:manage");
}

bool tariffs_service::impl::operates(const principal& who, std::string_view region) {
  if (who.type == principal::kind::system) return true;
  if (!who.can(permission::tariffs_operate)) return false;
  return who.scope == role_scope::all || (who.scope == role_scope::region && who.region == region);
}

void tariffs_service::impl::require_operator(const principal& who, std::string_view region) {
  require_signed_in(who);
  if (!operates(who, region))
    fail(errc::forbidden, "this needs tariffs:operate in region " + std::string(region));
}

std::string tariffs_service::impl::region_of(const principal& who, std::optional<std::string_view> region) {
  if (region && !region->empty()) return std::string(*region);
  if (who.region.empty()) fail(errc::validation_error, "name a region: the caller has none", "region");
  return who.region;
}

region tariffs_service::impl::require_region(storage::transaction& tx, std::string_view code) {
  auto r = storage::regions::find(tx, code);
  if (!r) fail(errc::not_found, "no region " + std::string(code), "region");
  return *r;
}

std::optional<store::tariff_row> tariffs_service::impl::tariff_at(storage::transaction& tx, std::string_view region,
                                                                  timestamp at) {
  auto rows = store::tariffs_overlapping(tx, region, at, at + std::chrono::microseconds{1});
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

tariff_pricer tariffs_service::impl::compile(storage::transaction& tx, const region& r, const tariff& t,
                                             std::optional<timestamp> from, std::optional<timestamp> to) {
  const auto overrides =
      store::overrides_overlapping(tx, r.code, from.value_or(t.effective_from), to ? to : t.effective_to);
  auto p = tariff_pricer::compile(t, r.time_zone, overrides, r.currency_minor_units);
  // Stored tariffs and overrides were validated when written.
  if (!p) fail(errc::internal, "stored tariff " + t.id.to_string() + " does not compile: " + p.error().message);
  return std::move(p).value();
}

// --- tariffs ---------------------------------------------------------------------------

result<tariff> tariffs_service::create(const principal& who, const tariff& in, const request_context& ctx) {
  return detail::guard([&] {
    impl::require_manager(who);
    return impl_->core.write([&](storage::transaction& tx) {
      const auto r = impl::require_region(tx, in.region);
      if (!in.currency.empty() && in.currency != r.currency)
        fail(errc::validation_error, "currency must be the region's (" + r.currency + ")", "currency");
      tariff t = in;
      t.currency = r.currency;
      t.id = impl_->core.new_id();
      t.created_by = creator(who);
      t.created_at = impl_->core.now();
      if (auto ok = validate(t); !ok) throw exception(ok.error());
      make_room(tx, t, std::nullopt, impl_->core.now());
      store::insert_tariff(tx, t);
      detail::audit_append(impl_->core, tx, detail::actor::of(who), ctx,
                           {"tariffs.create", t.id.to_string(), "success", describe(t)});
      return t;
    });
  });
}

result<tariff> tariffs_service::get(const principal& who, const uuid& id) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    return impl_->core.read([&](storage::transaction& tx) {
      auto row = store::find_tariff(tx, id);
      if (!row) fail(errc::not_found, "no tariff " + id.to_string());
      return row->t;
    });
  });
}

result<tariff> tariffs_service::update(const principal& who, const uuid& id, const tariff_patch& patch,
                                       const request_context& ctx) {
  return detail::guard([&] {
    impl::require_manager(who);
    return impl_->core.write([&](storage::transaction& tx) {
      auto row = store::find_tariff(tx, id);
      if (!row) fail(errc::not_found, "no tariff " + id.to_string());
      const auto now = impl_->core.now();
      if (row->t.effective_from <= now)
        fail(errc::conflict, "tariff " + id.to_string() +
                                 " is in effect or in the past: it cannot change; create a new tariff from a future "
                                 "instant");
      tariff t = row->t;
      if (patch.name) t.name = *patch.name;
      if (patch.effective_from) t.effective_from = *patch.effective_from;
      if (patch.effective_to) t.effective_to = *patch.effective_to;
      if (patch.periods) t.periods = *patch.periods;
      if (patch.schedule) t.schedule = *patch.schedule;
      if (patch.default_period) t.default_period = *patch.default_period;
      if (patch.holidays) t.holidays = *patch.holidays;
      if (patch.tiers) t.tiers = *patch.tiers;
      if (patch.fixed_charge_per_day) t.fixed_charge_per_day = *patch.fixed_charge_per_day;
      if (patch.demand_charge_per_kw) t.demand_charge_per_kw = *patch.demand_charge_per_kw;
      if (patch.export_price_per_kwh) t.export_price_per_kwh = *patch.export_price_per_kwh;
      if (patch.tax_percent) t.tax_percent = *patch.tax_percent;
      if (auto ok = validate(t); !ok) throw exception(ok.error());
      if (t.effective_from != row->t.effective_from || t.effective_to != row->t.effective_to) {
        // The predecessor this tariff ended follows its start: reopened here,
        // ended again (or not) by the rule.
        for (const auto& p : store::tariffs_overlapping(tx, t.region, row->t.effective_from - std::chrono::microseconds{1},
                                                        row->t.effective_from))
          if (p.t.effective_to == row->t.effective_from) store::set_effective_to(tx, p.seq, std::nullopt);
        make_room(tx, t, row->seq, now);
      }
      store::update_tariff(tx, row->seq, t);
      detail::audit_append(impl_->core, tx, detail::actor::of(who), ctx,
                           {"tariffs.update", t.id.to_string(), "success", describe(t)});
      return t;
    });
  });
}

// --- overrides -------------------------------------------------------------------------

result<tariff_override> tariffs_service::create_override(const principal& who, const tariff_override& in,
                                                         const request_context& ctx) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    return impl_->core.write([&](storage::transaction& tx) {
      impl::require_region(tx, in.region);
      impl::require_operator(who, in.region);
      tariff_override o = in;
      o.id = impl_->core.new_id();
      o.created_by = creator(who);
      o.created_at = impl_->core.now();
      o.removed_at.reset();
      if (auto ok = validate(o); !ok) throw exception(ok.error());
      if (o.start < tariffs::bucket_of(o.created_at))
        fail(errc::validation_error, "start must not be before the current 15-minute bucket (" +
                                         to_rfc3339(tariffs::bucket_of(o.created_at)) + ")",
             "start");
      store::insert_override(tx, o);
      detail::audit_append(
          impl_->core, tx, detail::actor::of(who), ctx,
          {"tariffs.override.create", o.id.to_string(), "success",
           detail::audit_details({{"region", o.region},
                                  {"start", to_rfc3339(o.start)},
                                  {"end", to_rfc3339(o.end)},
                                  {"price_per_kwh", o.price_per_kwh ? o.price_per_kwh->to_string() : ""},
                                  {"multiplier", o.multiplier ? o.multiplier->to_string() : ""},
                                  {"reason", o.reason}})});
      return o;
    });
  });
}

result<tariff_override> tariffs_service::remove_override(const principal& who, const uuid& id,
                                                         const request_context& ctx) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    return impl_->core.write([&](storage::transaction& tx) {
      auto o = store::find_override(tx, id);
      if (!o) fail(errc::not_found, "no override " + id.to_string());
      impl::require_operator(who, o->region);
      const auto now = impl_->core.now();
      if (o->removed_at) fail(errc::conflict, "override " + id.to_string() + " was removed already");
      if (o->end <= now) fail(errc::conflict, "override " + id.to_string() + " has ended");
      // The past stays as it was priced: one that has begun ends with the
      // current bucket; one that has not is removed whole.
      const auto bucket = tariffs::bucket_of(now);
      o->end = o->start <= bucket ? std::min(o->end, bucket + std::chrono::minutes{15}) : o->start;
      o->removed_at = now;
      store::update_override(tx, *o);
      detail::audit_append(impl_->core, tx, detail::actor::of(who), ctx,
                           {"tariffs.override.remove", o->id.to_string(), "success",
                            detail::audit_details({{"region", o->region}, {"end", to_rfc3339(o->end)}})});
      return *o;
    });
  });
}

}  // namespace segs
