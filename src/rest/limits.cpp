#include "rest/limits.hpp"

#include <algorithm>
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
