#include "fixture.hpp"

using namespace rest_test;

TEST_CASE("GET /health answers status / version and backend in the envelope") {
  fixture f;
  auto res = f.get("/health");
  CHECK(res.status == 200);
  CHECK(res.route == "/health");
  CHECK(res.header_value("content-type") == "application/json; charset=utf-8");
  auto v = body_of(res);
  CHECK(v.at("success").as_bool());
  CHECK(v.at("message").is_string());
  CHECK(str(v.at("data").at("status")) == "ok");
  CHECK(str(v.at("data").at("version")) == segs::version_string);
  CHECK(str(v.at("data").at("backend")) == "sqlite");
  CHECK(str(v.at("timestamp")) == segs::to_rfc3339(f.clock->now()));
}

TEST_CASE("GET /health/live and /health/ready answer 200 on a reachable store") {
  fixture f;
  CHECK(f.get("/health/live").status == 200);
  auto ready = f.get("/health/ready");
  CHECK(ready.status == 200);
  CHECK(str(body_of(ready).at("data").at("status")) == "ready");
}

TEST_CASE("an unknown route answers 404 NOT_FOUND in the error envelope") {
  fixture f;
  auto res = f.get("/api/v1/nothing-here");
  CHECK(res.status == 404);
  CHECK(res.route == "unmatched");
  auto v = body_of(res);
  CHECK_FALSE(v.at("success").as_bool());
  CHECK(str(v.at("error").at("code")) == "NOT_FOUND");
  CHECK(v.at("error").at("message").is_string());
  CHECK(v.at("error").at("details").is_object());
  CHECK(str(v.at("timestamp")) == segs::to_rfc3339(f.clock->now()));
}

TEST_CASE("GET /api/v1/health answers exactly like GET /health") {
  fixture f;
  auto plain = f.get("/health");
  auto based = f.get("/api/v1/health");
  CHECK(based.status == 200);
  CHECK(based.route == "/api/v1/health");
  CHECK(based.body == plain.body);  // same clock, same data
  CHECK(based.header_value("content-type") == plain.header_value("content-type"));
  // Like the probes, never rate limited.
  segs::rest::options o;
  o.anonymous = {1, std::chrono::hours(1)};
  fixture limited(o);
  for (int i = 0; i < 5; ++i) CHECK(limited.get("/api/v1/health").status == 200);
}
