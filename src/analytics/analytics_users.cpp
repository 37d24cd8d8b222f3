// User analytics: accounts by status, role, department and region,
// registrations and sign-ins per local day (each user's own region's day),
// and the users active in the range (status active, signed in in it).
#include "analytics/analytics_impl.hpp"

#include "billing/prices.hpp"
#include "identity/names.hpp"
#include "storage/stores/identity_store.hpp"
#include "storage/stores/region_store.hpp"

#include <map>
#include <set>

namespace segs {

using detail::fail;

users_analytics analytics_service::impl::users_of(storage::transaction& tx, const principal& who,
                                                  const analytics_query& q) {
  require_reader(who);
  // The regions counted: the named one, or every region in scope.
  std::map<std::string, tz::zone> zones;
  std::optional<std::string> only;
  users_analytics out;
  if (q.region || who.scope != role_scope::all) {
    const auto code = q.region ? *q.region : who.region;
    if (code.empty()) fail(errc::validation_error, "region is required", "region");
    const auto r = storage::regions::find(tx, code);
    if (!r) fail(errc::not_found, "no region " + code, "region");
    if (!operates(who, r->code))
      fail(errc::forbidden, "user analytics need analytics:operate in region " + r->code, "region");
    zones.emplace(r->code, billing::zone_of(*r));
    only = r->code;
    out.header.region = r->code;
    out.header.time_zone = r->time_zone;
    out.header.currency = r->currency;
  } else {
    if (!operates(who, "")) fail(errc::forbidden, "user analytics need analytics:operate");
    for (const auto& r : storage::regions::all(tx)) zones.emplace(r.code, billing::zone_of(r));
  }
  const auto home = only ? zones.at(*only) : tz::zone::utc();
  const auto [from, to] = range_of(q, home);
  auto& h = out.header;
  h.scope = analytics_scope::region;
  h.from = from;
  h.to = to;
  // Each region's range; the union is read, each user's rows kept by their
  // own region's local days.
  std::map<std::string, std::vector<analytics::day_bucket>> days;
  for (const auto& [code, z] : zones) {
    auto d = analytics::local_days(z, from, to);
    if (h.start == timestamp{} || d.front().start < h.start) h.start = d.front().start;
    if (d.back().end > h.end) h.end = d.back().end;
    days.emplace(code, std::move(d));
    out.regions.push_back(code);
  }
  const auto n = days.empty() ? std::size_t{0} : days.begin()->second.size();
  std::vector<users_day> per_day(n);
  const auto first = std::chrono::sys_days{from};
  for (std::size_t i = 0; i < n; ++i)
    per_day[i].date = std::chrono::year_month_day{first + std::chrono::days{static_cast<int>(i)}};

  std::map<uuid, const storage::identity::user_fact*> users;
  const auto facts = storage::identity::user_facts(tx, only);
  for (const auto& u : facts) {
    const auto d = days.find(u.region);
    if (d == days.end()) continue;  // a region the registry no longer has
    users.emplace(u.id, &u);
    ++out.total_users;
    ++out.by_status[std::string(detail::name_of(u.status))];
    ++out.by_role[u.role];
    ++out.by_department[u.department];
    ++out.by_region[u.region];
    if (const auto i = analytics::bucket_of(d->second, u.created_at)) {
      ++per_day[*i].registrations;
      ++out.registrations;
    }
  }
  std::set<uuid> active;
  std::vector<std::set<uuid>> signed_in(n);
  for (const auto& s : storage::identity::sign_ins_between(tx, only, h.start, h.end)) {
    const auto u = users.find(s.user);
    if (u == users.end()) continue;
    const auto i = analytics::bucket_of(days.at(u->second->region), s.at);
    if (!i) continue;
    signed_in[*i].insert(s.user);
    if (u->second->status == user_status::active) active.insert(s.user);
  }
  for (std::size_t i = 0; i < n; ++i) per_day[i].sign_ins = static_cast<std::int64_t>(signed_in[i].size());
  out.active_users = static_cast<std::int64_t>(active.size());
  out.days = std::move(per_day);
  return out;
}

}  // namespace segs
