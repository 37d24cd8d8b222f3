#include "rest/route.hpp"
#include "rest/route_table.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>

namespace segs::rest::detail {

namespace {

std::vector<std::string> split_pattern(std::string_view pattern) {
  std::vector<std::string> out;
  std::size_t i = 1;  // patterns start with '/'
  while (i <= pattern.size()) {
    auto j = pattern.find('/', i);
    if (j == std::string_view::npos) j = pattern.size();
    if (j > i) out.emplace_back(pattern.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

reply ok(boost::json::value data, std::string message, int status) {
  reply r;
  r.status = status;
  r.message = std::move(message);
  r.data = std::move(data);
  return r;
}

router& router::add(std::string method, std::string pattern, access acc, route_fn fn,
                    bool rate_limited) {
  route r;
  r.segments = split_pattern(pattern);
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.acc = acc;
  r.rate_limited = rate_limited;
  r.fn = std::move(fn);
  const auto n = r.segments.size();
  const std::string key = n == 0 || r.segments[key_segment(n)][0] == ':' ? "" : r.segments[key_segment(n)];
  index_[n][key].push_back(routes_.size());
  routes_.push_back(std::move(r));
  return *this;
}

router::match router::find(std::string_view method, const std::vector<std::string>& path) const {
  match m;
  // The candidates: the routes of this length whose key segment is this
  // path's, and those with a parameter there, merged back into their order.
  std::vector<std::size_t> candidates;
  if (auto by_size = index_.find(path.size()); by_size != index_.end()) {
    static const std::vector<std::size_t> none;
    auto group = [&](std::string_view key) -> const std::vector<std::size_t>& {
      auto it = by_size->second.find(key);
      return it == by_size->second.end() ? none : it->second;
    };
    const auto& named =
        path.empty() || path[key_segment(path.size())].empty() ? none : group(path[key_segment(path.size())]);
    const auto& open = group("");
    candidates.reserve(named.size() + open.size());
    std::merge(named.begin(), named.end(), open.begin(), open.end(), std::back_inserter(candidates));
  }
  int best = -1;
  for (const auto index : candidates) {
    const auto& r = routes_[index];
    int literals = 0;
    bool fits = true;
    for (std::size_t i = 0; i < path.size() && fits; ++i) {
      const auto& s = r.segments[i];
      if (!s.empty() && s[0] == ':') {
        fits = !path[i].empty();
      } else {
        fits = s == path[i];
        ++literals;
      }
    }
    if (!fits) continue;
    m.path_known = true;
    if (std::find(m.allow.begin(), m.allow.end(), r.method) == m.allow.end())
      m.allow.push_back(r.method);
    // A literal segment beats a parameter: /users/me over /users/:id.
    if (r.method == method && literals > best) {
      best = literals;
      m.found = &r;
    }
  }
  std::sort(m.allow.begin(), m.allow.end());
  if (m.found) {
    for (std::size_t i = 0; i < path.size(); ++i) {
      const auto& s = m.found->segments[i];
      if (s[0] == ':') m.params.emplace_back(s.substr(1), path[i]);
    }
  }
  return m;
}

router build_router() {
  router r;
  add_health_routes(r);
  add_auth_routes(r);
  add_user_routes(r);
  add_admin_routes(r);
  add_users_routes(r);
  add_trading_routes(r);
  add_region_routes(r);
  add_meter_routes(r);
  add_telemetry_routes(r);
  add_alert_routes(r);
  add_tariff_routes(r);
  add_billing_routes(r);  // served while features.billing is on (handler.cpp)
  add_analytics_routes(r);
  add_notification_routes(r);
  add_system_routes(r);
  add_config_routes(r);
  add_live_routes(r);
  add_operator_routes(r);
  add_seed_routes(r);
  return r;
}

std::vector<std::pair<std::string, std::string>> route_table() {
  std::vector<std::pair<std::string, std::string>> out;
  const router all = build_router();
  for (const auto& r : all.routes()) out.emplace_back(r.method, r.pattern);
  return out;
}

// --- call -----------------------------------------------------------------

const std::string& call::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  throw segs::exception(make_error(errc::internal, "route has no parameter " + std::string(name)));
}

uuid call::param_id(std::string_view name) const {
  auto r = uuid::parse(param(name), name);
  if (!r) throw segs::exception(make_error(errc::validation_error,
                                           std::string(name) + " must be a UUID",
                                           std::string(name)));
  return *r;
}

std::optional<std::string> call::query_value(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) {
      if (v.empty()) return std::nullopt;
      return v;
    }
  return std::nullopt;
}

int call::query_int(std::string_view name, int fallback) const {
  auto v = query_value(name);
  if (!v) return fallback;
  int n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc{} || p != v->data() + v->size())
    throw segs::exception(make_error(errc::validation_error,
                                     std::string(name) + " must be an integer",
                                     std::string(name)));
  return n;
}

page_request call::query_page(int default_per_page) const {
  return {.page = query_int("page", 1), .per_page = query_int("per_page", default_per_page)};
}

const principal& call::caller() const {
  if (!who) throw segs::exception(make_error(errc::unauthorized, "authentication required"));
  return *who;
}

principal call::caller_or_anonymous() const { return who ? *who : principal::anonymous(); }

}  // namespace segs::rest::detail
