// handler::handle from several threads at once: every answer is complete
// and the metrics and rate limits count every request exactly once.
#include "fixture.hpp"

#include <atomic>
#include <thread>

using namespace rest_test;

TEST_CASE("concurrent requests: correct answers / exact counts") {
  segs::rest::options o;
  o.anonymous = {200, std::chrono::hours(1)};
  fixture f(o);
  f.make_user("c@example.org", "consumer");
  constexpr int threads = 4;
  constexpr int each = 75;  // 300 requests for a budget of 200
  std::atomic<int> ok{0}, limited{0}, other{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i = 0; i < each; ++i) {
        auto r = f.send("GET", "/api/v1/departments/Engineering", {}, {}, {}, "192.0.2.77");
        if (r.status == 200 && r.header_value("X-Request-Id").size() == 36) ++ok;
        else if (r.status == 429) ++limited;
        else ++other;
      }
    });
  for (auto& th : pool) th.join();
  CHECK(ok == 200);
  CHECK(limited == 100);
  CHECK(other == 0);
  auto m = f.get("/metrics").body;
  CHECK(m.find(R"(segs_http_requests_total{method="GET",route="/api/v1/departments/:department",status="200"} 200)") !=
        std::string::npos);
  CHECK(m.find(R"(segs_http_request_duration_seconds_count{route="/api/v1/departments/:department"} 300)") !=
        std::string::npos);
}
