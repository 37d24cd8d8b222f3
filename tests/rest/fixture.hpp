// A fresh in-memory grid with a manual clock and cheap hashing, a REST
// handler over it, and helpers that build requests and read envelopes.
// Everything goes through handler::handle: no sockets.
#pragma once

#include "support/regions.hpp"

#include <segs/rest.hpp>
#include <segs/segs.hpp>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rest_test {

inline constexpr std::int64_t kStart = 1'750'000'000'000'000;  // 2025-06-15, in µs
inline const std::string kPassword = "Tr0ub4dor&3-horse";

/// Options with the rate limits off, for tests of everything else.
inline segs::rest::options unlimited() {
  segs::rest::options o;
  o.rate_limits_enabled = false;
  return o;
}

/// How a test request authenticates.
struct auth {
  std::string bearer;
  std::string api_key;
};

struct fixture {
  std::shared_ptr<segs::manual_clock> clock =
      std::make_shared<segs::manual_clock>(segs::from_micros(kStart));
  std::unique_ptr<segs::grid> grid;
  std::unique_ptr<segs::rest::handler> api;

  explicit fixture(segs::rest::options ro = unlimited(),
                   void (*tweak)(segs::options&) = nullptr) {
    segs::options opts;
    opts.clock = clock;
    opts.identity.argon2_opslimit = 1;
    opts.identity.argon2_memlimit = 8192;
    segs_test::define_test_regions(opts);
    if (tweak) tweak(opts);
    auto g = segs::grid::open("sqlite::memory:", opts);
    REQUIRE_MESSAGE(g.has_value(), (g ? "" : g.error().message));
    grid = std::move(g).value();
    api = std::make_unique<segs::rest::handler>(*grid, std::move(ro));
  }

  /// The answer with its body collected (rest::collect_body), as a host
  /// without streaming sends it.
  segs::rest::response send(std::string method, std::string target, std::string body = {},
                            const auth& a = {}, std::vector<segs::rest::header> extra = {},
                            std::string peer = "203.0.113.7") {
    auto res = send_raw(std::move(method), std::move(target), std::move(body), a, std::move(extra),
                        std::move(peer));
    segs::rest::collect_body(res);
    return res;
  }

  /// The answer as handle() returns it: a streamed body still in `body_stream`.
  segs::rest::response send_raw(std::string method, std::string target, std::string body = {},
                                const auth& a = {}, std::vector<segs::rest::header> extra = {},
                                std::string peer = "203.0.113.7") {
    segs::rest::request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    req.peer = std::move(peer);
    if (!req.body.empty()) req.headers.push_back({"Content-Type", "application/json"});
    if (!a.bearer.empty()) req.headers.push_back({"Authorization", "Bearer " + a.bearer});
    if (!a.api_key.empty()) req.headers.push_back({"X-API-Key", a.api_key});
    req.headers.push_back({"User-Agent", "rest-tests/1"});
    for (auto& h : extra) req.headers.push_back(std::move(h));
    return api->handle(req);
  }

  segs::rest::response get(std::string target, const auth& a = {}) {
    return send("GET", std::move(target), {}, a);
  }
  segs::rest::response post(std::string target, const boost::json::value& body,
                            const auth& a = {}) {
    return send("POST", std::move(target), boost::json::serialize(body), a);
  }
  segs::rest::response put(std::string target, const boost::json::value& body,
                           const auth& a = {}) {
    return send("PUT", std::move(target), boost::json::serialize(body), a);
  }
  segs::rest::response del(std::string target, const auth& a = {}) {
    return send("DELETE", std::move(target), {}, a);
  }

  /// The newest code mailed to `email` (drains the outbox).
  std::string code_for(const std::string& email) {
    auto mail = grid->outbox().drain(1000).value();
    std::string code;
    for (const auto& m : mail)
      if (m.to == email) code = m.code;
    REQUIRE_MESSAGE(!code.empty(), "no code was mailed to " << email);
    return code;
  }

  /// Creates an active account of any role (system principal).
  segs::user make_user(const std::string& email, const std::string& role,
                       const std::string& region = "north",
                       const std::string& department = "Engineering") {
    segs::registration r;
    r.email = email;
    r.password = kPassword;
    r.name = "Test User";
    r.role = role;
    r.region = region;
    r.department = department;
    auto u = grid->identity().create_user(segs::principal::system(), r);
    REQUIRE_MESSAGE(u.has_value(), (u ? "" : u.error().message));
    return *u;
  }

  /// Signs in through REST; returns the access token.
  std::string login(const std::string& email, const std::string& password = kPassword) {
    auto res = post("/api/v1/auth/login", {{"email", email}, {"password", password}});
    REQUIRE_MESSAGE(res.status == 200, res.body);
    return std::string(boost::json::parse(res.body).at("data").at("access_token").as_string());
  }

  /// An account of `role` and a bearer token for it.
  auth signed_in(const std::string& email, const std::string& role,
                 const std::string& region = "north") {
    make_user(email, role, region);
    return auth{login(email), {}};
  }
};

/// The parsed body.
inline boost::json::value body_of(const segs::rest::response& r) {
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  REQUIRE_MESSAGE(!ec, "body is not JSON: " << r.body);
  return v;
}

/// The error code of an error envelope.
inline std::string code_of(const segs::rest::response& r) {
  auto v = body_of(r);
  REQUIRE_MESSAGE(v.as_object().contains("error"), r.body);
  return std::string(v.at("error").at("code").as_string());
}

/// details.field of an error envelope ("" when absent).
inline std::string field_of(const segs::rest::response& r) {
  auto v = body_of(r);
  const auto& d = v.at("error").at("details").as_object();
  auto it = d.find("field");
  return it == d.end() ? "" : std::string(it->value().as_string());
}

inline std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

}  // namespace rest_test
