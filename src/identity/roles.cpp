#include "identity/roles.hpp"

#include "identity/names.hpp"

#include <algorithm>
#include <string>

namespace segs {

namespace permission {
const std::vector<std::string_view>& catalogue() {
  static const std::vector<std::string_view> all = {
      profile_read, profile_write, users_read,      users_write,      users_manage,
      roles_manage, audit_read,    api_keys_manage, trade_buy,
      trade_sell,   telemetry_read, telemetry_write, meters_manage, market_operate,
      market_manage, regions_manage, alerts_manage, alerts_configure, tariffs_manage, tariffs_operate,
      billing_operate, billing_manage, analytics_operate, system_read, config_manage};
  return all;
}
}  // namespace permission

// From the one name table of each enum (identity/names.hpp).
std::string_view to_string(role_scope s) noexcept { return detail::name_of(s); }
std::string_view to_string(user_status s) noexcept { return detail::name_of(s); }
std::string_view to_string(otp_purpose p) noexcept { return detail::name_of(p); }

principal principal::anonymous() {
  principal p;
  p.type = kind::anonymous;
  p.role = "anonymous";
  p.scope = role_scope::self;
  return p;
}

principal principal::system() {
  principal p;
  p.type = kind::system;
  p.role = "system";
  p.scope = role_scope::all;
  return p;
}

bool principal::can(std::string_view perm) const noexcept {
  if (type == kind::system) return true;
  return std::find(permissions.begin(), permissions.end(), perm) != permissions.end();
}

}  // namespace segs

namespace segs::detail {

const std::vector<role_definition>& builtin_roles() {
  // Function-local constant, built once; not mutable state.
  static const std::vector<role_definition> roles = [] {
    namespace p = permission;
    auto strs = [](std::initializer_list<std::string_view> l) {
      return std::vector<std::string>(l.begin(), l.end());
    };
    std::vector<role_definition> r;
    r.push_back({"consumer",
                 strs({p::profile_read, p::profile_write, p::trade_buy,
                       p::telemetry_read, p::telemetry_write}),
                 role_scope::self, true, true});
    r.push_back({"prosumer",
                 strs({p::profile_read, p::profile_write, p::trade_buy,
                       p::trade_sell, p::telemetry_read, p::telemetry_write}),
                 role_scope::self, true, true});
    r.push_back({"operator",
                 strs({p::profile_read, p::profile_write, p::trade_buy,
                       p::telemetry_read, p::telemetry_write, p::users_read, p::users_write,
                       p::users_manage, p::meters_manage, p::market_operate, p::alerts_manage,
                       p::tariffs_operate, p::billing_operate, p::analytics_operate}),
                 role_scope::region, false, true});
    std::vector<std::string> everything;
    for (auto perm : p::catalogue()) everything.emplace_back(perm);
    r.push_back({"admin", everything, role_scope::all, false, true});
    return r;
  }();
  return roles;
}

bool in_scope(const principal& who, const user& target) {
  if (who.type == principal::kind::user && who.id == target.id) return true;
  switch (who.scope) {
    case role_scope::all: return true;
    case role_scope::region: return target.region == who.region;
    case role_scope::department: return target.department == who.department;
    case role_scope::self: return false;
  }
  return false;
}

namespace {
int rank(role_scope s) {
  switch (s) {
    case role_scope::self: return 0;
    case role_scope::department: return 1;
    case role_scope::region: return 2;
    case role_scope::all: return 3;
  }
  return 0;
}
}  // namespace

bool outranks(const principal& who, role_scope target_scope) {
  if (who.scope == role_scope::all) return true;
  return rank(who.scope) > rank(target_scope);
}

principal principal_for(const user& u, const std::optional<role_definition>& role) {
  principal p;
  p.type = principal::kind::user;
  p.id = u.id;
  p.role = u.role;
  p.region = u.region;
  p.department = u.department;
  if (role) {
    p.permissions = role->permissions;
    p.scope = role->scope;
  } else {
    p.scope = role_scope::self;  // a role removed under us grants nothing
  }
  return p;
}

}  // namespace segs::detail
