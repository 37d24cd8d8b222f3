// Internal: token-bucket rate limits keyed by client address, user or key.
//
// Time comes from the grid's clock, so tests move it with a manual clock.
// Memory stays bounded: a bucket that has refilled completely is the same as
// no bucket, so such idle buckets are dropped when the table grows.
//
// Thread-safety: `take` may be called from several threads (one mutex; the
// critical section is a map lookup and a little arithmetic).
#pragma once

#include <segs/rest.hpp>
#include <segs/types.hpp>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace segs::rest::detail {

class rate_limiter {
 public:
  /// Most buckets kept: beyond it idle (full) buckets are dropped, then the
  /// fullest ones.
  explicit rate_limiter(std::size_t sweep_threshold = 10000) : sweep_threshold_(sweep_threshold) {}

  /// Takes one token from the bucket `key` (created full with `limit`).
  /// nullopt when allowed; otherwise the whole seconds until a token is back.
  [[nodiscard]] std::optional<std::chrono::seconds> take(const std::string& key,
                                                         const rate_limit& limit, timestamp now);

  /// Buckets currently held (for tests of the bounded memory).
  [[nodiscard]] std::size_t size() const;

 private:
  struct bucket {
    double tokens = 0;
    timestamp last{};
    double capacity = 0;
    double per_second = 0;
  };
  void sweep(timestamp now);

  mutable std::mutex mu_;
  std::unordered_map<std::string, bucket> buckets_;
  std::size_t sweep_threshold_;
};

}  // namespace segs::rest::detail
