// The analytics service: who may read what, the range, and the facade. Each
// report is computed in a file of its own (analytics_energy.cpp,
// analytics_trading.cpp, analytics_market.cpp, analytics_users.cpp).
#include "analytics/analytics_impl.hpp"

#include "analytics/names.hpp"

#include "billing/prices.hpp"
#include "storage/stores/region_store.hpp"

namespace segs {

using detail::fail;

namespace {
/// The longest range a report covers.
constexpr std::chrono::days max_span{366};
/// The range without `from`: 30 days ending with `to`.
constexpr std::chrono::days default_span{29};
}  // namespace

std::string_view to_string(analytics_scope s) noexcept { return detail::name_of(s); }
std::string_view to_string(analytics_grouping g) noexcept { return detail::name_of(g); }

result<analytics_grouping> parse_analytics_grouping(std::string_view text, std::string_view field) {
  return detail::parse_enum<analytics_grouping>(text, field);
}

analytics_service::analytics_service(detail::grid_core& core) : impl_(std::make_unique<impl>(core)) {}
analytics_service::~analytics_service() = default;

void analytics_service::impl::require_reader(const principal& who) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in first");
  if (who.type == principal::kind::api_key) fail(errc::forbidden, "analytics are read by users, not API keys");
}

bool analytics_service::impl::operates(const principal& who, std::string_view region) {
  if (who.type == principal::kind::system) return true;
  if (!who.can(permission::analytics_operate)) return false;
  return who.scope == role_scope::all || (who.scope == role_scope::region && who.region == region);
}

std::pair<std::chrono::year_month_day, std::chrono::year_month_day> analytics_service::impl::range_of(
    const analytics_query& q, const tz::zone& z) const {
  return analytics::local_range(q.from, q.to, z, core.now());
}

std::string analytics::region_asked(storage::transaction& tx, const principal& who,
                                   const std::optional<std::string>& region) {
  if (region) return *region;
  if (who.scope == role_scope::all) {
    const auto all = storage::regions::all(tx);
    if (all.size() != 1) fail(errc::validation_error, "region is required: there are several regions", "region");
    return all.front().code;
  }
  if (who.region.empty()) fail(errc::validation_error, "region is required", "region");
  return who.region;
}

std::pair<std::chrono::year_month_day, std::chrono::year_month_day> analytics::local_range(
    const std::optional<std::chrono::year_month_day>& from_date,
    const std::optional<std::chrono::year_month_day>& to_date, const tz::zone& z, timestamp now) {
  if (from_date && !from_date->ok()) fail(errc::validation_error, "from must be a valid date", "from");
  if (to_date && !to_date->ok()) fail(errc::validation_error, "to must be a valid date", "to");
  const auto to = to_date ? *to_date : z.date_of(now);
  const auto from = from_date ? *from_date : std::chrono::year_month_day{std::chrono::sys_days{to} - default_span};
  if (std::chrono::sys_days{to} < std::chrono::sys_days{from})
    fail(errc::validation_error, "from must not be after to", "from");
  if (std::chrono::sys_days{to} - std::chrono::sys_days{from} >= max_span)
    fail(errc::validation_error, "the range is at most 366 days", "to");
  return {from, to};
}

analytics::target analytics_service::impl::resolve(storage::transaction& tx, const principal& who,
                                                                 const analytics_query& q, reach need) {
  require_reader(who);
  const auto code = analytics::region_asked(tx, who, q.region);
  auto r = storage::regions::find(tx, code);
  if (!r) fail(errc::not_found, "no region " + code, "region");
  const bool whole = operates(who, r->code);
  const bool member = who.type == principal::kind::user && who.region == r->code;
  if (!whole && (need == reach::operate || !member))
    fail(errc::forbidden,
         need == reach::operate ? "this needs analytics:operate in region " + r->code
                                : "analytics of region " + r->code + " need analytics:operate there",
         "region");
  auto z = billing::zone_of(*r);
  const auto [from, to] = range_of(q, z);
  analytics_header h;
  h.region = r->code;
  h.time_zone = r->time_zone;
  h.currency = r->currency;
  h.scope = whole || need != reach::own_or_region ? analytics_scope::region : analytics_scope::self;
  if (h.scope == analytics_scope::self) h.user_id = who.id;
  h.from = from;
  h.to = to;
  auto days = analytics::local_days(z, from, to);
  h.start = days.front().start;
  h.end = days.back().end;
  return target{std::move(*r), z, std::move(h), std::move(days)};
}

// --- the facade -----------------------------------------------------------------------------

result<energy_analytics> analytics_service::energy(const principal& who, const analytics_query& q) {
  return detail::guard([&] {
    return impl_->core.read([&](storage::transaction& tx) {
      return impl::energy_of(tx, impl_->resolve(tx, who, q, impl::reach::own_or_region));
    });
  });
}

result<trading_analytics> analytics_service::trading(const principal& who, const analytics_query& q) {
  return detail::guard([&] {
    impl::require_reader(who);
    impl_->sync();
    return impl_->core.read([&](storage::transaction& tx) {
      return impl::trading_of(tx, impl_->resolve(tx, who, q, impl::reach::own_or_region));
    });
  });
}

result<users_analytics> analytics_service::users(const principal& who, const analytics_query& q) {
  return detail::guard([&] {
    return impl_->core.read([&](storage::transaction& tx) { return impl_->users_of(tx, who, q); });
  });
}

result<market_analytics> analytics_service::market(const principal& who, const analytics_query& q) {
  return detail::guard([&] {
    impl::require_reader(who);
    impl_->sync();
    return impl_->core.read([&](storage::transaction& tx) {
      return impl::market_of(tx, impl_->resolve(tx, who, q, impl::reach::member));
    });
  });
}

result<financial_analytics> analytics_service::financial(const principal& who, const analytics_query& q,
                                                         analytics_grouping group_by) {
  return detail::guard([&] {
    impl::require_reader(who);
    impl_->sync();
    return impl_->core.read([&](storage::transaction& tx) {
      return impl::financial_of(tx, impl_->resolve(tx, who, q, impl::reach::own_or_region), group_by);
    });
  });
}

}  // namespace segs
