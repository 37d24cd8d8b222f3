// The meter registry: who may act on a meter, creating, changing,
// assigning and listing meters. Every change is audited in its transaction.
#include "audit/chain.hpp"
#include "core/paging.hpp"
#include "region/region_service.hpp"
#include "storage/stores/identity_store.hpp"
#include "storage/stores/region_store.hpp"
#include "telemetry/rules.hpp"
#include "telemetry/telemetry_impl.hpp"

#include <algorithm>
#include <map>

namespace segs {

namespace detail {

namespace {

bool scope_reaches(const principal& who, std::string_view region) {
  switch (who.scope) {
    case role_scope::all: return true;
    case role_scope::region: return who.region == region;
    default: return false;
  }
}

bool key_reaches(const principal& who, const meter& m) {
  if (!who.region.empty() && who.region != m.region) return false;
  if (who.meter_ids.empty()) return true;
  const auto id = m.id.to_string();
  return std::any_of(who.meter_ids.begin(), who.meter_ids.end(),
                     [&](const std::string& s) { return s == m.meter_id || s == id; });
}

}  // namespace

bool may(const principal& who, const meter& m, meter_access a) {
  using k = principal::kind;
  if (who.type == k::system) return true;
  if (who.type == k::anonymous) return false;
  if (who.type == k::api_key) {
    if (!key_reaches(who, m)) return false;
    switch (a) {
      case meter_access::read: return who.can(permission::telemetry_read) || who.can(permission::telemetry_write);
      case meter_access::write: return who.can(permission::telemetry_write);
      case meter_access::manage: return who.can(permission::meters_manage);
    }
    return false;
  }
  const bool own = m.user_id && *m.user_id == who.id;
  const bool reach = scope_reaches(who, m.region);
  switch (a) {
    case meter_access::read:
      return ((own || reach) && who.can(permission::telemetry_read)) ||
             (reach && who.can(permission::meters_manage));
    case meter_access::write: return (own || reach) && who.can(permission::telemetry_write);
    case meter_access::manage: return reach && who.can(permission::meters_manage);
  }
  return false;
}

bool reaches_region(const principal& who, std::string_view region, std::string_view perm) {
  if (who.type == principal::kind::system) return true;
  if (who.type == principal::kind::anonymous || !who.can(perm)) return false;
  if (who.type == principal::kind::api_key) return who.region.empty() || who.region == region;
  return scope_reaches(who, region);
}

tz::zone zone_of(const region& r) {
  auto z = tz::zone::find(r.time_zone);
  if (!z) fail(errc::internal, "region " + r.code + " has an unknown time zone " + r.time_zone);
  return *z;
}

tz::zone zone_of(storage::transaction& tx, std::string_view region) {
  auto r = storage::regions::find(tx, region);
  if (!r) fail(errc::not_found, "no region " + std::string(region), "region");
  return zone_of(*r);
}

day_span day_of(const tz::zone& z, timestamp t) {
  const auto d = z.date_of(t - std::chrono::microseconds{1});
  return {z.start_of_day(d), z.start_of_day(std::chrono::sys_days{d} + std::chrono::days{1})};
}

void rebuild_days(storage::transaction& tx, std::string_view region, const tz::zone& z) {
  namespace store = storage::telemetry;
  // Quarter-hours are whole in every zone (offsets are multiples of 15
  // minutes), so each belongs to exactly one local day of the new zone.
  // The quarter-hours are read a week at a time (memory stays bounded); a
  // day cut by a week's edge is merged in two parts, as ingestion merges.
  store::drop_days_of_region(tx, region);
  const auto span = store::quarter_span(tx);
  if (!span) return;
  constexpr auto step = std::chrono::days{7};
  for (auto from = span->first; from <= span->second; from += step) {
    std::map<std::pair<std::int64_t, std::int64_t>, store::stored_bucket> by_day;  // (meter, start)
    for (const auto& q : store::region_meter_quarters(tx, region, from, from + step)) {
      const auto d = day_of(z, q.end);
      auto& b = by_day[{q.meter, to_micros(d.start)}];
      b.meter = q.meter;
      b.start = d.start;
      b.end = d.end;
      b.agg.merge(q.agg);
    }
    std::vector<store::stored_bucket> days;
    days.reserve(by_day.size());
    for (auto& [k, b] : by_day) days.push_back(std::move(b));
    store::merge_days(tx, days);
  }
}

namespace {

void require_user(const principal& who) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in first");
}

// Applies the members `spec` sets to `m` (validated before).
void apply(meter& m, const meter_spec& spec) {
  if (spec.meter_type) m.meter_type = *spec.meter_type;
  if (spec.location) m.location = *spec.location;
  if (spec.capacity_kw) m.capacity_kw = *spec.capacity_kw;
  if (spec.installation_date) m.installation_date = *spec.installation_date;
  if (spec.public_key) m.public_key = *spec.public_key;
  if (spec.metadata) m.metadata = *spec.metadata;
}

std::string describe(const meter& m, std::optional<std::string_view> effective_from = std::nullopt) {
  const auto user = m.user_id ? m.user_id->to_string() : "";
  std::vector<std::pair<std::string_view, std::string_view>> kv{
      {"meter_id", m.meter_id}, {"region", m.region}, {"status", to_string(m.status)}, {"user_id", user}};
  if (effective_from) kv.emplace_back("effective_from", *effective_from);
  return audit_details(kv);
}

// A holding's start as the audit log writes it: "" for since the beginning.
std::string holding_start_text(const std::optional<timestamp>& from) {
  return from ? to_rfc3339(*from) : std::string{};
}

}  // namespace

}  // namespace detail

using detail::fail;
using detail::meter_access;
namespace store = storage::telemetry;

store::meter_row telemetry_service::impl::require(storage::transaction& tx, const principal& who,
                                                  std::string_view ref, meter_access a) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in first");
  auto found = store::find_meter(tx, ref);
  // Meters a caller may not read do not exist for them.
  if (!found || !(detail::may(who, found->m, meter_access::read) || detail::may(who, found->m, a)))
    fail(errc::not_found, "no meter " + std::string(ref), "meter_id");
  if (!detail::may(who, found->m, a))
    fail(errc::forbidden, a == meter_access::manage ? "managing this meter needs meters:manage"
                                                    : "submitting readings needs telemetry:write");
  return std::move(*found);
}

namespace {

// Where a meter's first holding starts unless the caller says: its
// installation day in its region, when its readings can begin (since the
// beginning without one); never after now, since a holding is a fact of the
// past.
std::optional<timestamp> first_holding_start(storage::transaction& tx, const meter& m, timestamp now) {
  if (!m.installation_date) return std::nullopt;
  return std::min(detail::zone_of(tx, m.region).start_of_day(*m.installation_date), now);
}

// The start of a new holding of `row` (asked, or the default of
// telemetry.hpp's "Holdings"), refused when it would overlap the last one:
// billing gives each quarter-hour to one holder.
std::optional<timestamp> new_holding_start(storage::transaction& tx, const store::meter_row& row,
                                           std::optional<timestamp> asked, timestamp now) {
  const auto past = store::holdings_of_meter(tx, row.seq);
  if (past.empty()) return asked ? asked : first_holding_start(tx, row.m, now);
  const auto start = asked.value_or(now);
  // An open last holding is another user's, refused before this (naming
  // meter_id).
  if (const auto& end = past.back().to; end && start < *end)
    fail(errc::conflict,
         "effective_from must not be before the meter's last holding ended (" + to_rfc3339(*end) + ")",
         "effective_from");
  return start;
}

// Creates a meter in `region` (resolved by the caller, with its checks) in
// `tx`; audited.
meter create_in(detail::grid_core& core, storage::transaction& tx, const principal& who,
                const meter_spec& spec, std::string region, const request_context& ctx,
                std::string_view action) {
  meter m;
  m.id = core.new_id();
  m.meter_id = *spec.meter_id;
  m.region = std::move(region);
  if (spec.user_id) {
    auto u = storage::identity::find_user(tx, *spec.user_id);
    if (!u || u->user.status == user_status::deleted)
      fail(errc::not_found, "no user " + spec.user_id->to_string(), "user_id");
    m.user_id = spec.user_id;
  }
  detail::apply(m, spec);
  m.created_at = m.updated_at = core.now();
  if (store::find_meter(tx, m.meter_id))
    fail(errc::conflict, "meter_id " + m.meter_id + " is already registered", "meter_id");
  const auto seq = store::insert_meter(tx, m);
  std::optional<std::string> held_from;
  if (m.user_id) {
    const auto from = first_holding_start(tx, m, m.created_at);
    store::open_holding(tx, seq, *m.user_id, from);
    held_from = detail::holding_start_text(from);
  }
  detail::audit_append(core, tx, detail::actor::of(who), ctx,
                       {std::string(action), m.id.to_string(), "success", detail::describe(m, held_from)});
  return m;
}

}  // namespace

result<meter> telemetry_service::create_meter(const principal& who, const meter_spec& spec,
                                              const request_context& ctx) {
  return detail::guard([&] {
    detail::require_user(who);
    telemetry::check_meter_spec(spec, true);
    auto& core = impl_->core;
    return core.write([&](storage::transaction& tx) {
      const auto region = detail::region_of_registration(tx, core, spec.region.value_or(""), "region");
      if (!detail::reaches_region(who, region, permission::meters_manage))
        fail(errc::forbidden, "registering meters in region " + region + " needs meters:manage");
      return create_in(core, tx, who, spec, region, ctx, "meter.create");
    });
  });
}

result<meter> telemetry_service::register_signed_meter(const principal& who, const meter_spec& spec,
                                                       const device_proof& proof,
                                                       const request_context& ctx) {
  return detail::guard([&] {
    if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in first");
    // Authenticated but not a user (an API key, the system): a device's meter
    // belongs to a person.
    if (who.type != principal::kind::user)
      fail(errc::forbidden, "registering a device's meter needs a signed-in user");
    if (!telemetry::decode_public_key(proof.public_key))
      fail(errc::validation_error, "public_key must be a base64 Ed25519 public key (32 bytes)",
           "public_key");
    if (!telemetry::signature_valid(proof.public_key, proof.signature, proof.signed_text))
      fail(errc::unauthorized, "the signature does not verify with public_key", "signature");
    meter_spec own = spec;
    own.public_key = proof.public_key;
    own.user_id = who.id;
    if (!own.region) own.region = who.region;
    telemetry::check_meter_spec(own, true);
    auto& core = impl_->core;
    return core.write(
        [&](storage::transaction& tx) {
          auto region = detail::region_of_registration(tx, core, *own.region, "region");
          return create_in(core, tx, who, own, std::move(region), ctx, "meter.register");
        });
  });
}

result<meter> telemetry_service::update_meter(const principal& who, std::string_view ref,
                                              const meter_spec& spec, const request_context& ctx) {
  return detail::guard([&] {
    telemetry::check_meter_spec(spec, false);
    if (spec.meter_id)
      fail(errc::validation_error, "meter_id cannot be changed", "meter_id");
    if (spec.user_id)
      fail(errc::validation_error, "assign or unassign to change the owner", "user_id");
    auto& core = impl_->core;
    return core.write([&](storage::transaction& tx) {
      auto row = impl_->require(tx, who, ref, meter_access::manage);
      auto& m = row.m;
      if (m.status == meter_status::decommissioned)
        fail(errc::conflict, "meter " + m.meter_id + " is decommissioned");
      if (spec.region && *spec.region != m.region) {
        if (store::has_readings(tx, row.seq))
          fail(errc::conflict, "a meter with readings cannot change region", "region");
        const auto region = detail::region_of_registration(tx, core, *spec.region, "region");
        if (!detail::reaches_region(who, region, permission::meters_manage))
          fail(errc::forbidden, "moving meters to region " + region + " needs meters:manage");
        m.region = region;
      }
      detail::apply(m, spec);
      m.updated_at = core.now();
      store::update_meter(tx, row);
      detail::audit_append(core, tx, detail::actor::of(who), ctx,
                           {"meter.update", m.id.to_string(), "success", detail::describe(m)});
      return m;
    });
  });
}

result<meter> telemetry_service::set_meter_status(const principal& who, std::string_view ref,
                                                  meter_status status, std::string_view reason,
                                                  const request_context& ctx) {
  return detail::guard([&] {
    if (reason.size() > 500) fail(errc::validation_error, "reason must be at most 500 characters", "reason");
    auto& core = impl_->core;
    return core.write([&](storage::transaction& tx) {
      auto row = impl_->require(tx, who, ref, meter_access::manage);
      auto& m = row.m;
      if (m.status == meter_status::decommissioned && status != meter_status::decommissioned)
        fail(errc::conflict, "meter " + m.meter_id + " is decommissioned", "status");
      const auto before = m.status;
      m.status = status;
      m.updated_at = core.now();
      store::update_meter(tx, row);
      detail::audit_append(core, tx, detail::actor::of(who), ctx,
                           {status == meter_status::decommissioned ? "meter.decommission" : "meter.status",
                            m.id.to_string(), "success",
                            detail::audit_details({{"meter_id", m.meter_id},
                                                   {"from", to_string(before)},
                                                   {"to", to_string(status)},
                                                   {"reason", reason}})});
      return m;
    });
  });
}

result<meter> telemetry_service::decommission_meter(const principal& who, std::string_view ref,
                                                    const request_context& ctx) {
  return set_meter_status(who, ref, meter_status::decommissioned, "decommissioned", ctx);
}

result<meter> telemetry_service::assign_meter(const principal& who, std::string_view ref,
                                              const uuid& user, std::optional<timestamp> effective_from,
                                              const request_context& ctx) {
  return detail::guard([&] {
    auto& core = impl_->core;
    const auto now = core.now();
    if (effective_from && *effective_from > now)
      fail(errc::validation_error, "effective_from must not be after now", "effective_from");
    return core.write([&](storage::transaction& tx) {
      auto row = impl_->require(tx, who, ref, meter_access::manage);
      auto& m = row.m;
      if (m.status == meter_status::decommissioned)
        fail(errc::conflict, "meter " + m.meter_id + " is decommissioned");
      auto u = storage::identity::find_user(tx, user);
      if (!u || u->user.status == user_status::deleted)
        fail(errc::not_found, "no user " + user.to_string(), "user_id");
      if (m.user_id && *m.user_id == user) return m;  // already theirs
      if (m.user_id)
        fail(errc::conflict, "meter " + m.meter_id + " is assigned to another user; unassign it first",
             "meter_id");
      const auto from = new_holding_start(tx, row, effective_from, now);
      store::open_holding(tx, row.seq, user, from);
      m.user_id = user;
      m.updated_at = now;
      store::update_meter(tx, row);
      detail::audit_append(
          core, tx, detail::actor::of(who), ctx,
          {"meter.assign", m.id.to_string(), "success", detail::describe(m, detail::holding_start_text(from))});
      return m;
    });
  });
}

result<meter> telemetry_service::unassign_meter(const principal& who, std::string_view ref,
                                                const request_context& ctx) {
  return detail::guard([&] {
    auto& core = impl_->core;
    return core.write([&](storage::transaction& tx) {
      auto row = impl_->require(tx, who, ref, meter_access::manage);
      auto& m = row.m;
      if (!m.user_id) return m;
      const auto previous = m.user_id->to_string();
      m.user_id.reset();
      m.updated_at = core.now();
      store::close_holding(tx, row.seq, m.updated_at);
      store::update_meter(tx, row);
      detail::audit_append(core, tx, detail::actor::of(who), ctx,
                           {"meter.unassign", m.id.to_string(), "success",
                            detail::audit_details({{"meter_id", m.meter_id}, {"user_id", previous}})});
      return m;
    });
  });
}

result<meter> telemetry_service::get_meter(const principal& who, std::string_view ref) {
  return detail::guard([&] {
    return impl_->core.read([&](storage::transaction& tx) {
      std::vector<store::meter_row> rows{impl_->require(tx, who, ref, meter_access::read)};
      store::add_totals(tx, rows);
      return std::move(rows.front().m);
    });
  });
}

result<std::vector<meter_assignment>> telemetry_service::meter_assignments(const principal& who,
                                                                         std::string_view ref) {
  return detail::guard([&] {
    return impl_->core.read([&](storage::transaction& tx) {
      const auto row = impl_->require(tx, who, ref, meter_access::read);
      std::vector<meter_assignment> out;
      for (auto& h : store::holdings_of_meter(tx, row.seq)) out.push_back({h.user, h.from, h.to});
      return out;
    });
  });
}

result<meter_listing> telemetry_service::list_meters(const principal& who, const meter_query& q) {
  return detail::guard([&] {
    detail::require_user(who);
    detail::check_page(q.page, q.per_page);
    store::meter_filter f{q.status, q.region, q.user_id};
    // Scope: the caller's own meters, an operator's region, or all.
    const bool all = who.type == principal::kind::system ||
                     (who.type != principal::kind::api_key && who.scope == role_scope::all &&
                      (who.can(permission::telemetry_read) || who.can(permission::meters_manage)));
    const bool region = who.type != principal::kind::api_key && who.scope == role_scope::region &&
                        (who.can(permission::telemetry_read) || who.can(permission::meters_manage));
    if (who.type == principal::kind::api_key) {
      if (!who.can(permission::telemetry_read) && !who.can(permission::telemetry_write))
        fail(errc::forbidden, "listing meters needs telemetry:read");
      if (!who.region.empty()) {
        if (f.region && *f.region != who.region) f.region = "\x01";  // nothing outside its region
        else f.region = who.region;
      }
    } else if (!all) {
      if (region) {
        if (f.region && *f.region != who.region) f.region = "\x01";
        else f.region = who.region;
      } else {
        if (f.user_id && *f.user_id != who.id) f.user_id = uuid{};  // nobody's: no rows
        else f.user_id = who.id;
      }
    }
    return impl_->core.read([&](storage::transaction& tx) {
      auto page = store::list_meters(tx, f, {q.page, q.per_page});
      std::vector<store::meter_row> rows = std::move(page.items);
      store::add_totals(tx, rows);
      meter_listing out;
      out.meters.total = page.total;
      out.meters.page = page.page;
      out.meters.per_page = page.per_page;
      for (auto& r : rows) out.meters.items.push_back(std::move(r.m));
      std::tie(out.active_meters, out.inactive_meters) = store::count_by_status(tx, f);
      return out;
    });
  });
}

result<meter> telemetry_service::my_meter(const principal& who, std::optional<std::string_view> ref) {
  return detail::guard([&] {
    detail::require_user(who);
    return impl_->core.read([&](storage::transaction& tx) -> meter {
      if (ref) return impl_->require(tx, who, *ref, meter_access::read).m;
      if (who.type != principal::kind::user)
        fail(errc::validation_error, "name the meter: meter_id", "meter_id");
      auto mine = store::meters_of_user(tx, who.id);
      if (mine.empty()) fail(errc::not_found, "you hold no meter", "meter_id");
      if (mine.size() > 1)
        fail(errc::validation_error, "you hold several meters: name one with meter_id", "meter_id");
      if (!detail::may(who, mine.front().m, meter_access::read))
        fail(errc::forbidden, "reading telemetry needs telemetry:read");
      return std::move(mine.front().m);
    });
  });
}

telemetry_service::telemetry_service(detail::grid_core& core)
    : impl_(std::make_unique<impl>(impl{core})) {}
telemetry_service::~telemetry_service() = default;

}  // namespace segs
