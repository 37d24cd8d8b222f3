#include "rest/metrics.hpp"

#include <cstdio>

namespace segs::rest::detail {

namespace {

// Label values are route patterns and methods we chose, but a host may pass
// any method string: escape as the format requires.
std::string label(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void metrics::record(std::string_view method, std::string_view route, int status,
                     double seconds) {
  std::lock_guard lock(mu_);
  const auto key = std::tuple<std::string_view, std::string_view, int>{method, route, status};
  auto n = requests_.find(key);
  if (n == requests_.end())
    n = requests_.emplace(std::tuple<std::string, std::string, int>{method, route, status}, 0).first;
  ++n->second;
  auto d = durations_.find(route);
  if (d == durations_.end()) d = durations_.emplace(std::string(route), histogram{}).first;
  auto& h = d->second;
  std::size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i]) ++i;
  if (i < bounds.size()) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

std::string metrics::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP segs_http_requests_total HTTP requests answered, by method, route and status.\n";
  out += "# TYPE segs_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out += "segs_http_requests_total{method=\"" + label(method) + "\",route=\"" + label(route) +
           "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP segs_http_request_duration_seconds Time to answer an HTTP request, by route.\n";
  out += "# TYPE segs_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : durations_) {
    const std::string r = label(route);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      cumulative += h.buckets[i];
      out += "segs_http_request_duration_seconds_bucket{route=\"" + r + "\",le=\"" +
             number(bounds[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "segs_http_request_duration_seconds_bucket{route=\"" + r + "\",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    out += "segs_http_request_duration_seconds_sum{route=\"" + r + "\"} " + number(h.sum) + "\n";
    out += "segs_http_request_duration_seconds_count{route=\"" + r + "\"} " +
           std::to_string(h.count) + "\n";
  }
  return out;
}

}  // namespace segs::rest::detail
