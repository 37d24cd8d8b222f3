// Internal: the handler's Prometheus metrics.
//
//   segs_http_requests_total{method,route,status}   counter
//   segs_http_request_duration_seconds{route}       histogram (+ _sum, _count)
//
// Labels use route patterns, never raw paths, so the series stay few.
// Thread-safety: `record` and `render` may be called from several threads.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace segs::rest::detail {

class metrics {
 public:
  /// Upper bounds of the duration buckets, in seconds (+Inf is implicit).
  static constexpr std::array<double, 12> bounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,   0.25,   0.5,   1.0,  2.5,   5.0};

  void record(std::string_view method, std::string_view route, int status, double seconds);
  /// The Prometheus text exposition format, version 0.0.4.
  [[nodiscard]] std::string render() const;

 private:
  struct histogram {
    std::array<std::uint64_t, bounds.size()> buckets{};  // not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  // Transparent comparators: a request that counts towards existing series
  // looks them up by views, without building keys.
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t, std::less<>> requests_;
  std::map<std::string, histogram, std::less<>> durations_;
};

}  // namespace segs::rest::detail
