// Internal: what a route sees (`call`) and what it answers (`reply`), and
// the router that maps a method and a path to a route.
//
// Routes throw segs::exception for expected failures (the pipeline turns
// them into the error envelope); `take` unwraps a library result that way.
#pragma once

#include <segs/grid.hpp>
#include <segs/page.hpp>
#include <segs/rest.hpp>

#include <boost/json.hpp>

#include <functional>
#include <optional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace segs::rest::detail {

struct state;

/// A route's answer. By default the body is the success envelope around
/// `data`; `raw` bypasses the envelope (metrics, the OpenAPI document).
/// `stream`, with `raw`, streams the rest of the body (response::body_stream).
struct reply {
  int status = 200;
  std::string message;
  boost::json::value data;
  std::optional<std::string> raw;
  std::string content_type;  ///< for `raw`
  std::vector<header> headers;
  std::function<std::optional<std::string>()> stream;  ///< with `raw`: follows it
};

/// The success envelope's reply.
[[nodiscard]] reply ok(boost::json::value data, std::string message, int status = 200);

/// One request, as a route sees it.
struct call {
  state& st;
  segs::grid& grid;
  const request& req;
  std::vector<std::pair<std::string, std::string>> params;  ///< path, decoded
  std::vector<std::pair<std::string, std::string>> query;   ///< decoded
  boost::json::object body;  ///< empty when the request had no body
  std::optional<principal> who;
  request_context ctx;

  /// A path parameter (always present: the router matched it).
  [[nodiscard]] const std::string& param(std::string_view name) const;
  /// A path parameter that must be a UUID; validation_error naming it.
  [[nodiscard]] uuid param_id(std::string_view name) const;
  /// A query parameter, or nullopt when absent (an empty value counts as absent).
  [[nodiscard]] std::optional<std::string> query_value(std::string_view name) const;
  /// An integer query parameter; validation_error naming it when it is not
  /// one. Ranges are the library's to check.
  [[nodiscard]] int query_int(std::string_view name, int fallback) const;
  /// The `page` (default 1) and `per_page` query parameters of a listing;
  /// validation_error naming the one that is not an integer. The paging
  /// rule is the library's to check.
  [[nodiscard]] page_request query_page(int default_per_page) const;
  /// The signed-in principal; unauthorized without one.
  [[nodiscard]] const principal& caller() const;
  /// The principal, or principal::anonymous() (public routes).
  [[nodiscard]] principal caller_or_anonymous() const;
};

/// Unwraps a library result, throwing its error for the pipeline.
template <class T>
T take(result<T> r) {
  if (!r) throw segs::exception(r.error());
  return std::move(r).value();
}
inline void take(result<void> r) {
  if (!r) throw segs::exception(r.error());
}

using route_fn = std::function<reply(call&)>;

/// How the pipeline treats a route.
enum class access {
  open,         ///< no credentials needed (health, public pages)
  auth_route,   ///< unauthenticated auth route: the stricter auth_routes limit applies
  signed_in,    ///< 401 without valid credentials
};

struct route {
  std::string method;
  std::string pattern;  ///< "/api/v1/users/:id"
  access acc = access::signed_in;
  bool rate_limited = true;  ///< probes and metrics are exempt
  route_fn fn;
  std::vector<std::string> segments;  ///< of the pattern
};

class router {
 public:
  router& add(std::string method, std::string pattern, access acc, route_fn fn,
              bool rate_limited = true);

  struct match {
    const route* found = nullptr;  ///< the route, when method and path match
    bool path_known = false;       ///< some route has this path
    std::vector<std::string> allow;  ///< methods for this path, sorted
    std::vector<std::pair<std::string, std::string>> params;
  };
  [[nodiscard]] match find(std::string_view method, const std::vector<std::string>& path) const;
  [[nodiscard]] const std::vector<route>& routes() const noexcept { return routes_; }

 private:
  // Which segment of a path of n segments names its routes' group: the one
  // after /api/v1 ("trading", "telemetry"...), or the last of shorter paths.
  static std::size_t key_segment(std::size_t n) noexcept { return n > 2 ? 2 : (n ? n - 1 : 0); }

  std::vector<route> routes_;
  // Routes by segment count, then by their key segment's literal ("" for a
  // parameter there, which any path may fill): indexes into routes_, in the
  // order they were added. A request compares itself with a few routes
  // rather than all of them.
  std::map<std::size_t, std::map<std::string, std::vector<std::size_t>, std::less<>>> index_;
};

// Route groups, one per file.
void add_health_routes(router& r);
void add_auth_routes(router& r);
void add_user_routes(router& r);
void add_admin_routes(router& r);
void add_users_routes(router& r);
void add_trading_routes(router& r);
void add_region_routes(router& r);
void add_meter_routes(router& r);
void add_telemetry_routes(router& r);
void add_alert_routes(router& r);
void add_tariff_routes(router& r);
void add_billing_routes(router& r);
void add_analytics_routes(router& r);
void add_notification_routes(router& r);
void add_system_routes(router& r);
void add_config_routes(router& r);
/// After a logout, suspension, deletion or revocation through a route: the
/// live connections of `id` (a user or an API key) check their credentials
/// before their next message, rather than at their next periodic check.
void live_recheck(call& c, const uuid& id);
/// GET /api/v1/ws without a WebSocket upgrade: 400 naming `Upgrade` (live.cpp).
void add_live_routes(router& r);
void add_operator_routes(router& r);
void add_seed_routes(router& r);

/// Every route of the REST layer (route_table()). The billing group answers
/// 404, as unknown paths do, while the setting features.billing is off
/// (handler.cpp).
[[nodiscard]] router build_router();

// Shared between route groups (the SEGS and P2P spellings of one operation).

/// name, first_name, last_name, username, department, department_metadata, region.
[[nodiscard]] profile_update read_profile_update(const boost::json::object& body);
/// {current_password, new_password} for the signed-in user.
[[nodiscard]] reply change_password(call& c);
/// One page of the users the caller may list, filtered by the query string
/// (search, role, department, status, page, per_page) and `region`; data
/// {users, total, page, per_page, total_pages}.
[[nodiscard]] reply list_users(call& c, std::optional<std::string> region);

}  // namespace segs::rest::detail
