#include "rest/limits.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

namespace segs::rest::detail {

namespace {

double seconds_between(timestamp from, timestamp to) {
  auto us = to_micros(to) - to_micros(from);
  return us > 0 ? static_cast<double>(us) / 1e6 : 0.0;
}

}  // namespace

std::optional<std::chrono::seconds> rate_limiter::take(const std::string& key,
                                                       const rate_limit& limit, timestamp now) {
  const double capacity = std::max(1, limit.capacity);
  const double period = static_cast<double>(std::max<std::int64_t>(1, limit.period.count()));
  const double per_second = capacity / period;

  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= sweep_threshold_) sweep(now);
    it = buckets_.emplace(key, bucket{capacity, now, capacity, per_second}).first;
  }
  auto& b = it->second;
  // Limits may be reconfigured between handlers sharing keys; follow the caller's.
  b.capacity = capacity;
  b.per_second = per_second;
  b.tokens = std::min(capacity, b.tokens + seconds_between(b.last, now) * per_second);
  b.last = std::max(b.last, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait = (1.0 - b.tokens) / per_second;
  return std::chrono::seconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait))));
}

std::size_t rate_limiter::size() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

void rate_limiter::sweep(timestamp now) {
  std::erase_if(buckets_, [&](const auto& kv) {
    const auto& b = kv.second;
    return b.tokens + seconds_between(b.last, now) * b.per_second >= b.capacity;
  });
  // Still full (a flood of distinct addresses): forget the buckets that are
  // closest to full, which forgives the least, down to three quarters.
  if (buckets_.size() < sweep_threshold_) return;
  std::vector<std::pair<double, std::string>> fill;
  fill.reserve(buckets_.size());
  for (const auto& [k, b] : buckets_)
    fill.emplace_back((b.tokens + seconds_between(b.last, now) * b.per_second) / b.capacity, k);
  const std::size_t drop = buckets_.size() - sweep_threshold_ * 3 / 4;
  std::nth_element(fill.begin(), fill.begin() + static_cast<std::ptrdiff_t>(drop), fill.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = 0; i < drop; ++i) buckets_.erase(fill[i].second);
}

}  // namespace segs::rest::detail

namespace segs::rest {

std::optional<rate_limit> parse_rate_limit(std::string_view text) {
  auto whole = [](std::string_view s) -> std::optional<std::int64_t> {
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return n;
  };
  const auto slash = text.find('/');
  auto n = whole(text.substr(0, slash));
  if (!n || *n < 1 || *n > 100'000'000) return std::nullopt;
  rate_limit r;
  r.capacity = static_cast<int>(*n);
  r.period = std::chrono::hours(1);
  if (slash == std::string_view::npos) return r;
  auto period = text.substr(slash + 1);
  if (period.empty()) return std::nullopt;
  if (period.back() >= '0' && period.back() <= '9') {  // bare seconds: "100/3600"
    auto secs = whole(period);
    if (!secs || *secs < 1 || *secs > 3650LL * 86400) return std::nullopt;
    r.period = std::chrono::seconds(*secs);
    return r;
  }
  const char unit = period.back();
  auto count = period.size() == 1 ? std::optional<std::int64_t>(1) : whole(period.substr(0, period.size() - 1));
  if (!count || *count < 1 || *count > 3650LL * 86400) return std::nullopt;
  std::int64_t seconds = 0;
  switch (unit) {
    case 's': seconds = *count; break;
    case 'm': seconds = *count * 60; break;
    case 'h': seconds = *count * 3600; break;
    case 'd': seconds = *count * 86400; break;
    default: return std::nullopt;
  }
  if (seconds > 3650LL * 86400) return std::nullopt;
  r.period = std::chrono::seconds(seconds);
  return r;
}

std::string to_string(const rate_limit& r) {
  const auto s = r.period.count();
  std::string period = s % 86400 == 0 ? std::to_string(s / 86400) + "d"
                       : s % 3600 == 0 ? std::to_string(s / 3600) + "h"
                       : s % 60 == 0   ? std::to_string(s / 60) + "m"
                                       : std::to_string(s) + "s";
  return std::to_string(r.capacity) + "/" + period;
}

}  // namespace segs::rest

#include "rest/state.hpp"

namespace segs::rest::detail {

void state::define_settings(segs::grid& g, const rest::options& opts) {
  auto flag = [&](std::string key, bool fallback, std::string description) {
    (void)g.config().define({.key = std::move(key),
                             .type = setting_type::flag,
                             .fallback = fallback,
                             .description = std::move(description),
                             .min = 0,
                             .max = 1,
                             .check = {}});
  };
  auto rate = [&](std::string key, const rate_limit& fallback, std::string description) {
    (void)g.config().define(
        {.key = std::move(key),
         .type = setting_type::text,
         .fallback = to_string(fallback),
         .description = std::move(description) + " (N/PERIOD: 100/1h, 20/15m)",
         .min = 0,
         .max = 0,
         .check = [](std::string_view v) -> std::string {
           return parse_rate_limit(v) ? "" : "expected N/PERIOD such as 100/1h or 20/15m";
         }});
  };
  flag("features.billing", opts.billing, "the billing routes (/api/v1/billing/*) are served");
  flag("rate_limits.enabled", opts.rate_limits_enabled, "the REST rate limits apply");
  rate("rate_limits.anonymous", opts.anonymous, "requests per client address without credentials");
  rate("rate_limits.authenticated", opts.authenticated, "requests per user or API key");
  rate("rate_limits.admin", opts.admin, "requests per admin");
  rate("rate_limits.auth", opts.auth_routes,
       "requests per client address on the unauthenticated auth routes");
}

rate_limit state::limit(std::string_view key, const rate_limit& fallback) const {
  const auto v = grid.config().value(key);
  const auto* text = v ? std::get_if<std::string>(&*v) : nullptr;
  if (!text) return fallback;
  return parse_rate_limit(*text).value_or(fallback);
}

bool state::billing_on() const { return grid.config().value("features.billing") == setting_value{true}; }

}  // namespace segs::rest::detail
