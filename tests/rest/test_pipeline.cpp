// What every request goes through: routing, body checks, request ids, CORS,
// security headers and metrics.
#include "fixture.hpp"

#include "rest/route.hpp"

#include <algorithm>

using namespace rest_test;

namespace {

void check_security_headers(const segs::rest::response& r) {
  CHECK(r.header_value("X-Content-Type-Options") == "nosniff");
  CHECK(r.header_value("X-Frame-Options") == "DENY");
  CHECK(r.header_value("Referrer-Policy") == "no-referrer");
  CHECK(r.header_value("Content-Security-Policy") == "default-src 'none'");
  CHECK_FALSE(r.header_value("X-Request-Id").empty());
  CHECK(r.header_value("X-Request-Id") == r.request_id);
}

bool is_uuid_v7(std::string_view s) {
  auto id = segs::uuid::parse(s);
  return id.has_value() && id->version() == 7;
}

}  // namespace

TEST_CASE("a known path with the wrong method answers 405 with Allow") {
  fixture f;
  auto res = f.del("/api/v1/user/profile");
  CHECK(res.status == 405);
  CHECK(code_of(res) == "METHOD_NOT_ALLOWED");
  CHECK(res.header_value("Allow") == "GET, PUT");
  CHECK(res.route == "unmatched");
  auto wallet = f.get("/api/v1/user/wallet");
  CHECK(wallet.status == 405);
  CHECK(wallet.header_value("Allow") == "DELETE, POST");
  check_security_headers(res);
}

TEST_CASE("PATCH: routed like any method, 405 with Allow where the path has other methods") {
  fixture f;
  auto a = f.signed_in("me@example.org", "consumer");
  auto res = f.send("PATCH", "/api/v1/user/profile", R"({"name":"X"})", a);
  CHECK(res.status == 405);
  CHECK(code_of(res) == "METHOD_NOT_ALLOWED");
  CHECK(res.header_value("Allow") == "GET, PUT");
  // A path no route has, under any method, is 404 (not 405).
  for (const char* m : {"GET", "PATCH", "POST", "DELETE"}) {
    auto none = f.send(m, "/api/v1/no/such/thing", {}, a);
    CHECK_MESSAGE(none.status == 404, m);
    CHECK(code_of(none) == "NOT_FOUND");
    CHECK(none.header_value("Allow").empty());
  }
}

TEST_CASE("router: a PATCH route matches PATCH only and is listed in Allow") {
  using segs::rest::detail::access;
  using segs::rest::detail::call;
  using segs::rest::detail::router;
  router r;
  r.add("PATCH", "/api/v1/alerts/:id", access::signed_in,
        [](call&) { return segs::rest::detail::ok(nullptr, "patched"); });
  r.add("GET", "/api/v1/alerts/:id", access::signed_in,
        [](call&) { return segs::rest::detail::ok(nullptr, "one"); });
  const std::vector<std::string> path{"api", "v1", "alerts", "a1"};
  auto m = r.find("PATCH", path);
  REQUIRE(m.found != nullptr);
  CHECK(m.found->method == "PATCH");
  CHECK(m.params == std::vector<std::pair<std::string, std::string>>{{"id", "a1"}});
  CHECK(m.allow == std::vector<std::string>{"GET", "PATCH"});
  auto put = r.find("PUT", path);
  CHECK(put.found == nullptr);
  CHECK(put.path_known);
  CHECK(put.allow == std::vector<std::string>{"GET", "PATCH"});
  auto none = r.find("PATCH", {"api", "v1", "alerts"});
  CHECK(none.found == nullptr);
  CHECK_FALSE(none.path_known);
}

TEST_CASE("path parameters that are not UUIDs are named in a 400") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  auto a = f.get("/api/v1/operator/users/not-a-uuid", admin);
  CHECK(a.status == 400);
  CHECK(field_of(a) == "userId");
  auto b = f.get("/api/v1/users/12345", admin);
  CHECK(b.status == 400);
  CHECK(field_of(b) == "id");
  auto c = f.del("/api/v1/admin/api-keys/xyz", admin);
  CHECK(c.status == 400);
  CHECK(field_of(c) == "id");
  auto page = f.get("/api/v1/users?page=two", admin);
  CHECK(page.status == 400);
  CHECK(field_of(page) == "page");
  auto per = f.get("/api/v1/users?per_page=1.5", admin);
  CHECK(per.status == 400);
  CHECK(field_of(per) == "per_page");
  auto range = f.get("/api/v1/users?per_page=101", admin);
  CHECK(range.status == 400);
  CHECK(field_of(range) == "per_page");
}

TEST_CASE("bodies: content type 415 / malformed JSON / non-object / wrong field types") {
  fixture f;
  segs::rest::request req{"POST", "/api/v1/auth/login", {{"Content-Type", "text/plain"}},
                          R"({"email":"a@b.c","password":"x"})", "198.51.100.1"};
  auto r415 = f.api->handle(req);
  CHECK(r415.status == 415);
  CHECK(code_of(r415) == "UNSUPPORTED_MEDIA_TYPE");
  check_security_headers(r415);

  req.headers = {};  // no Content-Type at all
  CHECK(f.api->handle(req).status == 415);

  req.headers = {{"content-type", "Application/JSON; charset=UTF-8"}};
  req.body = R"({"email": "a@b.c", "password": )";
  auto bad = f.api->handle(req);
  CHECK(bad.status == 400);
  CHECK(code_of(bad) == "VALIDATION_ERROR");
  CHECK(field_of(bad) == "body");
  CHECK(str(body_of(bad).at("error").at("message")) == "body is not valid JSON");

  req.body = "[1, 2]";
  auto arr = f.api->handle(req);
  CHECK(arr.status == 400);
  CHECK(field_of(arr) == "body");

  auto typed = f.post("/api/v1/auth/login", {{"email", 42}, {"password", "x"}});
  CHECK(typed.status == 400);
  CHECK(field_of(typed) == "email");
  CHECK(str(body_of(typed).at("error").at("message")) == "email must be a string");

  auto meta = f.post("/api/v1/auth/register", {{"email", "m@example.org"}, {"name", "M"},
                                               {"region", "north"},
                                               {"department_metadata", "not an object"}});
  CHECK(meta.status == 400);
  CHECK(field_of(meta) == "department_metadata");

  auto missing = f.post("/api/v1/auth/verify-otp", {{"email", "m@example.org"}});
  CHECK(missing.status == 400);
  CHECK(field_of(missing) == "otp");
  CHECK(str(body_of(missing).at("error").at("message")) == "otp is required");

  // A GET with a body is not inspected.
  segs::rest::request get{"GET", "/health", {{"Content-Type", "text/plain"}}, "hello", ""};
  CHECK(f.api->handle(get).status == 200);
}

TEST_CASE("bodies larger than max_body_bytes answer 413 / also by Content-Length") {
  auto o = unlimited();
  o.max_body_bytes = 64;
  fixture f(o);
  std::string big(65, ' ');
  auto r = f.send("POST", "/api/v1/auth/login", big);
  CHECK(r.status == 413);
  CHECK(code_of(r) == "PAYLOAD_TOO_LARGE");
  check_security_headers(r);
  std::string exact = R"({"email":"a@example.org","password":"x"})";
  exact.resize(64, ' ');
  CHECK(f.send("POST", "/api/v1/auth/login", exact).status == 401);
  auto declared = f.send("POST", "/api/v1/auth/login", R"({"email":"a"})", {},
                         {{"Content-Length", "1000000"}});
  CHECK(declared.status == 413);
  auto huge = f.send("POST", "/api/v1/auth/login", "{}", {},
                     {{"Content-Length", "99999999999999999999999"}});
  CHECK(huge.status == 413);
}

TEST_CASE("request ids: a sane one is echoed / others replaced by a UUID v7") {
  fixture f;
  auto echoed = f.send("GET", "/health", {}, {}, {{"X-Request-Id", "abc-123_x.y"}});
  CHECK(echoed.header_value("X-Request-Id") == "abc-123_x.y");
  CHECK(echoed.request_id == "abc-123_x.y");

  auto generated = f.get("/health");
  CHECK(is_uuid_v7(generated.header_value("X-Request-Id")));
  auto other = f.get("/health");
  CHECK(other.request_id != generated.request_id);

  auto spaces = f.send("GET", "/health", {}, {}, {{"X-Request-Id", "has space"}});
  CHECK(is_uuid_v7(spaces.request_id));
  auto crlf = f.send("GET", "/health", {}, {}, {{"X-Request-Id", "a\r\nSet-Cookie: x"}});
  CHECK(is_uuid_v7(crlf.request_id));
  auto longer = f.send("GET", "/health", {}, {}, {{"X-Request-Id", std::string(129, 'a')}});
  CHECK(is_uuid_v7(longer.request_id));
  auto limit = f.send("GET", "/health", {}, {}, {{"X-Request-Id", std::string(128, 'a')}});
  CHECK(limit.request_id == std::string(128, 'a'));
  // Errors carry it too.
  auto missing = f.send("GET", "/nope", {}, {}, {{"X-Request-Id", "r-404"}});
  CHECK(missing.header_value("X-Request-Id") == "r-404");
}

TEST_CASE("CORS: preflight from an allowed origin / none for others") {
  auto o = unlimited();
  o.cors_origins = {"https://app.example.org"};
  fixture f(o);
  auto pre = f.send("OPTIONS", "/api/v1/user/profile", {}, {},
                    {{"Origin", "https://app.example.org"},
                     {"Access-Control-Request-Method", "PUT"},
                     {"Access-Control-Request-Headers", "authorization, content-type"}});
  CHECK(pre.status == 204);
  CHECK(pre.body.empty());
  CHECK(pre.header_value("Access-Control-Allow-Origin") == "https://app.example.org");
  CHECK(pre.header_value("Access-Control-Allow-Methods") == "GET, PUT");
  const auto allowed = pre.header_value("Access-Control-Allow-Headers");
  CHECK(allowed.find("Authorization") != std::string_view::npos);
  CHECK(allowed.find("X-API-Key") != std::string_view::npos);
  CHECK(pre.header_value("Access-Control-Max-Age") == "600");
  CHECK(pre.header_value("Vary") == "Origin");
  check_security_headers(pre);

  auto evil = f.send("OPTIONS", "/api/v1/user/profile", {}, {},
                     {{"Origin", "https://evil.example.com"},
                      {"Access-Control-Request-Method", "PUT"}});
  CHECK(evil.status == 204);
  CHECK(evil.header_value("Access-Control-Allow-Origin").empty());
  CHECK(evil.header_value("Access-Control-Allow-Methods").empty());

  auto simple = f.send("GET", "/health", {}, {}, {{"Origin", "https://app.example.org"}});
  CHECK(simple.header_value("Access-Control-Allow-Origin") == "https://app.example.org");
  CHECK(simple.header_value("Access-Control-Expose-Headers").find("X-Request-Id") !=
        std::string_view::npos);
  auto foreign = f.send("GET", "/health", {}, {}, {{"Origin", "https://evil.example.com"}});
  CHECK(foreign.status == 200);
  CHECK(foreign.header_value("Access-Control-Allow-Origin").empty());
  auto err = f.send("GET", "/nope", {}, {}, {{"Origin", "https://evil.example.com"}});
  CHECK(err.header_value("Access-Control-Allow-Origin").empty());

  // A preflight for a path nobody routes is a 404; OPTIONS without the
  // preflight headers is an ordinary request (405 here).
  CHECK(f.send("OPTIONS", "/nowhere", {}, {},
               {{"Origin", "https://app.example.org"}, {"Access-Control-Request-Method", "GET"}})
            .status == 404);
  auto plain = f.send("OPTIONS", "/health");
  CHECK(plain.status == 405);
  CHECK(plain.header_value("Allow") == "GET");
}

TEST_CASE("CORS: a star allows any origin") {
  auto o = unlimited();
  o.cors_origins = {"*"};
  fixture f(o);
  auto r = f.send("GET", "/health", {}, {}, {{"Origin", "https://anything.example"}});
  CHECK(r.header_value("Access-Control-Allow-Origin") == "*");
  auto none = f.get("/health");  // no Origin: not a CORS request
  CHECK(none.header_value("Access-Control-Allow-Origin").empty());
}

TEST_CASE("security headers and no-store on every kind of answer") {
  fixture f;
  auto a = f.signed_in("sec@example.org", "consumer");
  for (const auto& r : {f.get("/health"), f.get("/nope"), f.del("/health"),
                        f.get("/api/v1/user/profile"), f.get("/api/v1/user/profile", a),
                        f.get("/api/v1/users", a), f.get("/metrics")}) {
    CAPTURE(r.body);
    check_security_headers(r);
    CHECK(r.header_value("Cache-Control") == "no-store");
  }
  auto authed = f.get("/api/v1/user/profile", a);
  CHECK(authed.header_value("Content-Type") == "application/json; charset=utf-8");
}

TEST_CASE("credentials: missing / malformed / bad token / bad API key") {
  fixture f;
  auto none = f.get("/api/v1/user/profile");
  CHECK(none.status == 401);
  CHECK(code_of(none) == "UNAUTHORIZED");
  CHECK(none.header_value("WWW-Authenticate") == "Bearer");
  auto basic = f.send("GET", "/api/v1/user/profile", {}, {}, {{"Authorization", "Basic dXNlcjpw"}});
  CHECK(basic.status == 401);
  auto junk = f.get("/api/v1/user/profile", {"not.a.jwt", {}});
  CHECK(junk.status == 401);
  auto key = f.get("/api/v1/user/profile", {{}, "segs_bogus_key"});
  CHECK(key.status == 401);
  // Public routes ignore bad credentials.
  CHECK(f.get("/health", {"not.a.jwt", {}}).status == 200);

  // An expired token: the manual clock moves past its lifetime.
  auto token = f.signed_in("exp@example.org", "consumer");
  CHECK(f.get("/api/v1/user/profile", token).status == 200);
  f.clock->advance(std::chrono::minutes(16));
  auto expired = f.get("/api/v1/user/profile", token);
  CHECK(expired.status == 401);
  CHECK(expired.header_value("WWW-Authenticate") == "Bearer");
}

TEST_CASE("/metrics: Prometheus text with the request counter and duration histogram") {
  fixture f;
  (void)f.get("/health");
  (void)f.get("/health");
  (void)f.get("/nope");
  auto a = f.signed_in("m@example.org", "admin");
  (void)f.get("/api/v1/users/" + std::string(36, 'x'), a);
  auto m = f.get("/metrics");
  CHECK(m.status == 200);
  CHECK(m.header_value("Content-Type").substr(0, 25) == "text/plain; version=0.0.4");
  const auto& t = m.body;
  CHECK(t.find("# TYPE segs_http_requests_total counter") != std::string::npos);
  CHECK(t.find(R"(segs_http_requests_total{method="GET",route="/health",status="200"} 2)") !=
        std::string::npos);
  CHECK(t.find(R"(segs_http_requests_total{method="GET",route="unmatched",status="404"} 1)") !=
        std::string::npos);
  CHECK(t.find(R"(segs_http_requests_total{method="GET",route="/api/v1/users/:id",status="400"} 1)") !=
        std::string::npos);
  CHECK(t.find(R"(segs_http_requests_total{method="POST",route="/api/v1/auth/login",status="200"} 1)") !=
        std::string::npos);
  CHECK(t.find("# TYPE segs_http_request_duration_seconds histogram") != std::string::npos);
  CHECK(t.find(R"(segs_http_request_duration_seconds_bucket{route="/health",le="+Inf"} 2)") !=
        std::string::npos);
  CHECK(t.find(R"(segs_http_request_duration_seconds_count{route="/health"} 2)") !=
        std::string::npos);
  CHECK(t.find(R"(segs_http_request_duration_seconds_sum{route="/health"} )") != std::string::npos);
  CHECK(t.find(R"(segs_http_request_duration_seconds_bucket{route="/health",le="0.005"} )") !=
        std::string::npos);
  // Raw paths never become labels.
  CHECK(t.find("xxxxxxxx") == std::string::npos);
}

TEST_CASE("/metrics: per-capability gauges and counters follow what the grid holds") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin", "global");
  auto ada = f.make_user("ada@example.org", "consumer", "north");
  auto meter = f.post("/api/v1/admin/meters",
                      {{"meter_id", "SM_M_001"}, {"region", "north"}, {"capacity_kw", 10},
                       {"user_id", ada.id.to_string()}},
                      admin);
  REQUIRE_MESSAGE(meter.status == 201, meter.body);
  auto before = f.get("/metrics").body;
  CHECK(before.find("segs_readings_ingested_total 0\n") != std::string::npos);
  CHECK(before.find("segs_alerts_open{severity=\"warning\"} 0\n") != std::string::npos);
  CHECK(before.find("segs_meters{state=\"registered\"} 1\n") != std::string::npos);
  CHECK(before.find("segs_up 1\n") != std::string::npos);
  // A reading beyond the voltage band: one more reading, one more open alert.
  auto r = f.post("/api/v1/meters/SM_M_001/readings",
                  {{"timestamp", "2025-06-15T15:00:00Z"}, {"energy_consumed_kwh", 0.25},
                   {"energy_produced_kwh", 0}, {"voltage", 260}},
                  admin);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  auto after = f.get("/metrics").body;
  CHECK(after.find("segs_readings_ingested_total 1\n") != std::string::npos);
  CHECK(after.find("# TYPE segs_alerts_open gauge") != std::string::npos);
  CHECK(after.find("segs_meters{state=\"reporting\"} 1\n") != std::string::npos);
  const auto open_alerts = [&](const std::string& t) {
    int n = 0;
    for (const char* sev : {"info", "warning", "critical"}) {
      const std::string key = std::string("segs_alerts_open{severity=\"") + sev + "\"} ";
      const auto at = t.find(key);
      REQUIRE(at != std::string::npos);
      n += std::stoi(t.substr(at + key.size()));
    }
    return n;
  };
  CHECK(open_alerts(after) == open_alerts(before) + 1);
  CHECK(after.find("segs_outbox_pending ") != std::string::npos);
  CHECK(after.find("segs_events_queued 0\n") != std::string::npos);
}

TEST_CASE("the OpenAPI document is served as is") {
  fixture f;
  auto r = f.get("/api/v1/openapi.json");
  CHECK(r.status == 200);
  CHECK(r.body == f.api->openapi());
  CHECK(r.header_value("Content-Type") == "application/json; charset=utf-8");
  CHECK(str(body_of(r).at("openapi")).substr(0, 3) == "3.1");
}
