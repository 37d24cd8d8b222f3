// libsegs — principals, roles and permissions.
//
// Every operation runs on behalf of a `principal`: a signed-in user, an API
// key of a machine client, or the system itself. Services check the
// principal's permissions and scope inside the library, so the REST layer, the
// Python package and plain C++ callers get the same answers.
//
// Thread-safety: plain values.
#pragma once

#include <segs/export.hpp>
#include <segs/types.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace segs {

/// The permission catalogue. Roles are named sets of these strings.
namespace permission {
inline constexpr std::string_view profile_read = "profile:read";
inline constexpr std::string_view profile_write = "profile:write";
inline constexpr std::string_view users_read = "users:read";      ///< list/get users in scope
inline constexpr std::string_view users_write = "users:write";    ///< update users in scope
inline constexpr std::string_view users_manage = "users:manage";  ///< suspend/activate/delete
inline constexpr std::string_view roles_manage = "roles:manage";  ///< change roles, define roles
inline constexpr std::string_view audit_read = "audit:read";
inline constexpr std::string_view api_keys_manage = "api_keys:manage";
inline constexpr std::string_view trade_buy = "trade:buy";
inline constexpr std::string_view trade_sell = "trade:sell";
inline constexpr std::string_view telemetry_read = "telemetry:read";
inline constexpr std::string_view telemetry_write = "telemetry:write";
inline constexpr std::string_view meters_manage = "meters:manage";
/// Operate markets in scope: close gates, settle, act on others' orders.
inline constexpr std::string_view market_operate = "market:operate";
/// Change market settings.
inline constexpr std::string_view market_manage = "market:manage";
/// Create and change regions.
inline constexpr std::string_view regions_manage = "regions:manage";
/// See, acknowledge and resolve the alerts in scope (alerts.hpp).
inline constexpr std::string_view alerts_manage = "alerts:manage";
/// Change the alert rules' settings.
inline constexpr std::string_view alerts_configure = "alerts:configure";
/// Create and change tariffs (tariffs.hpp).
inline constexpr std::string_view tariffs_manage = "tariffs:manage";
/// Create and remove price overrides in scope; read tariff analytics.
inline constexpr std::string_view tariffs_operate = "tariffs:operate";
/// Generate, read and take payments for the invoices in scope, resolve
/// disputes, read billing analytics and exports (billing.hpp).
inline constexpr std::string_view billing_operate = "billing:operate";
/// Change a region's billing settings.
inline constexpr std::string_view billing_manage = "billing:manage";
/// Read the analytics of the regions in scope: whole-region energy, trading,
/// market and financial figures, and user analytics (analytics.hpp).
inline constexpr std::string_view analytics_operate = "analytics:operate";
/// Read the deployment's health, information and statistics (operations.hpp).
inline constexpr std::string_view system_read = "system:read";
/// Change the runtime configuration (config.hpp).
inline constexpr std::string_view config_manage = "config:manage";
/// Every permission above, in catalogue order.
[[nodiscard]] SEGS_EXPORT const std::vector<std::string_view>& catalogue();
}  // namespace permission

/// Whose data a role's `*:read`/`*:write`/`*:manage` permissions reach.
enum class role_scope {
  self,        ///< only the principal's own account
  department,  ///< users of the principal's department
  region,      ///< users of the principal's region (operators)
  all,         ///< everyone (admins)
};
[[nodiscard]] SEGS_EXPORT std::string_view to_string(role_scope s) noexcept;

/// A role: a named permission set. Built in: consumer, prosumer (self
/// service, scope self), operator (scope region) and admin (scope all).
/// Hosts add roles such as the P2P seed's student, faculty and staff.
struct role_definition {
  std::string name;
  std::vector<std::string> permissions;
  role_scope scope = role_scope::self;
  /// May users pick this role themselves at registration?
  bool self_service = false;
  bool builtin = false;
};

/// Who is acting.
struct principal {
  enum class kind { user, api_key, system, anonymous };
  kind type = kind::system;
  /// The user's id, or the API key's id; nil for the system.
  uuid id;
  std::string role;
  role_scope scope = role_scope::all;
  std::string region;
  std::string department;
  /// Permissions of the role (users) or scopes of the key (API keys).
  std::vector<std::string> permissions;
  /// For API keys bound to meters: the meter ids they may act for.
  std::vector<std::string> meter_ids;
  /// For users: the session behind the access token, and the token's id.
  std::optional<uuid> session_id;
  std::string token_id;
  /// When the access token expires (users).
  std::optional<timestamp> expires_at;

  /// A caller with no credentials: no permissions, scope self, nil id. For
  /// the few public operations (department information).
  [[nodiscard]] static SEGS_EXPORT principal anonymous();
  /// The system principal: every permission, scope all. For hosts' own
  /// maintenance jobs; never hand it to a remote caller.
  [[nodiscard]] static SEGS_EXPORT principal system();
  /// True when the principal holds `perm` (the system holds all).
  [[nodiscard]] SEGS_EXPORT bool can(std::string_view perm) const noexcept;
};

/// Where a request came from, recorded in the audit log. Optional.
struct request_context {
  std::string ip;
  std::string user_agent;
};

}  // namespace segs
