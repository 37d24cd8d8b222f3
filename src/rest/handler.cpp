// The request pipeline: request id -> CORS -> body size -> routing -> body
// type -> authentication -> rate limit -> route -> headers and metrics.
#include "rest/http_util.hpp"
#include "rest/identity_views.hpp"
#include "rest/route.hpp"
#include "rest/state.hpp"

#include <segs/rest.hpp>

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <exception>

namespace segs::rest {

namespace detail {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view find_header(const std::vector<header>& headers, std::string_view name) noexcept {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return h.value;
  return {};
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

namespace {

constexpr std::string_view allowed_request_headers =
    "Authorization, Content-Type, X-API-Key, X-Request-Id";
constexpr int preflight_max_age = 600;

/// An answer on its way out, before the common headers are added.
struct outcome {
  reply rep;
  bool is_error = false;
  std::string code;  // error code
  std::string error_message;
  std::string field;
  std::optional<std::chrono::seconds> retry_after;
};

outcome fail_with(int status, std::string code, std::string message, std::string field = {},
                  std::optional<std::chrono::seconds> retry_after = std::nullopt) {
  outcome o;
  o.is_error = true;
  o.rep.status = status;
  o.code = std::move(code);
  o.error_message = std::move(message);
  o.field = std::move(field);
  o.retry_after = retry_after;
  return o;
}

outcome fail_with(const segs::error& e) {
  const int status = http_status(e.code);
  // Server-side failures never show their message or detail: they can name
  // tables, files or hosts.
  if (status >= 500 && status != 503)
    return fail_with(500, "INTERNAL_ERROR", "an internal error occurred");
  if (status == 503)
    return fail_with(503, "SERVICE_UNAVAILABLE", "the service is temporarily unavailable");
  return fail_with(status, std::string(to_string(e.code)), e.message, e.field, e.retry_after);
}

bool sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

std::string_view metric_method(std::string_view m) {
  for (std::string_view known : {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"})
    if (m == known) return known;
  return "OTHER";
}

bool is_json_media_type(std::string_view ct) {
  auto semi = ct.find(';');
  return iequals(trim(ct.substr(0, semi)), "application/json");
}

class pipeline {
 public:
  pipeline(state& st, const request& req, live_admission* live = nullptr)
      : st_(st), req_(req), live_(live) {}

  response run() {
    const auto started = std::chrono::steady_clock::now();
    outcome out;
    try {
      out = steps();
    } catch (const segs::exception& e) {
      out = fail_with(e.err());
    } catch (...) {
      out = fail_with(500, "INTERNAL_ERROR", "an internal error occurred");
    }
    response res = finish(std::move(out));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    try {
      st_.stats.record(metric_method(req_.method), res.route, res.status, seconds);
    } catch (...) {  // metrics never fail a request
    }
    return res;
  }

 private:
  outcome steps() {
    request_id_ = std::string(find_header(req_.headers, "X-Request-Id"));
    if (!sane_request_id(request_id_)) request_id_ = st_.ids.next(st_.grid.clock().now()).to_string();

    // CORS: remember whether the origin may see the answer.
    const auto origin = find_header(req_.headers, "Origin");
    if (!origin.empty()) {
      // "*" answers "*" rather than echoing the Origin: the header's text
      // then never comes from the client.
      for (const auto& allowed : st_.opts.cors_origins)
        if (allowed == "*" || allowed == origin) {
          cors_origin_ = allowed;
          break;
        }
    }

    // Body size, by the declared length too, before looking at anything else.
    if (req_.body.size() > st_.opts.max_body_bytes) return too_large();
    if (auto cl = trim(find_header(req_.headers, "Content-Length")); !cl.empty()) {
      std::uint64_t n = 0;
      auto [p, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), n);
      if (ec == std::errc::result_out_of_range ||
          (ec == std::errc{} && p == cl.data() + cl.size() && n > st_.opts.max_body_bytes))
        return too_large();
    }

    // Routing.
    auto parsed = boost::urls::parse_origin_form(req_.target);
    if (!parsed)
      return fail_with(400, "VALIDATION_ERROR", "the request target is not a valid path",
                       "target");
    std::vector<std::string> path;
    for (auto seg : parsed->segments()) path.push_back(seg);
    const bool preflight = req_.method == "OPTIONS" && !origin.empty() &&
                           !find_header(req_.headers, "Access-Control-Request-Method").empty();
    auto m = st_.routes.find(preflight ? std::string_view{} : std::string_view(req_.method), path);
    // Billing switched off (features.billing): its paths are unknown ones.
    const bool billing_path =
        parsed->path() == "/api/v1/billing" || parsed->path().starts_with("/api/v1/billing/");
    if (!m.path_known || (billing_path && !st_.billing_on()))
      return fail_with(404, "NOT_FOUND", "no route for " + parsed->path());
    if (preflight) return answer_preflight(m);
    if (!m.found) {
      std::string allow;
      for (const auto& a : m.allow) allow += (allow.empty() ? "" : ", ") + a;
      auto o = fail_with(405, "METHOD_NOT_ALLOWED",
                         req_.method + " is not allowed here; allowed: " + allow);
      o.rep.headers.push_back({"Allow", allow});
      return o;
    }
    const route& r = *m.found;
    route_ = r.pattern;

    call c{st_, st_.grid, req_, std::move(m.params), {}, {}, std::nullopt,
           request_context{req_.peer, std::string(find_header(req_.headers, "User-Agent"))}};
    for (auto p : parsed->params(boost::urls::encoding_opts(true)))
      c.query.emplace_back(p.key, p.has_value ? p.value : std::string());

    // Body: JSON objects only.
    if (!req_.body.empty() &&
        (req_.method == "POST" || req_.method == "PUT" || req_.method == "PATCH")) {
      if (!is_json_media_type(find_header(req_.headers, "Content-Type")))
        return fail_with(415, "UNSUPPORTED_MEDIA_TYPE", "the body must be application/json",
                         "Content-Type");
      boost::system::error_code ec;
      auto v = boost::json::parse(req_.body, ec);
      if (ec) return fail_with(400, "VALIDATION_ERROR", "body is not valid JSON", "body");
      if (!v.is_object())
        return fail_with(400, "VALIDATION_ERROR", "body must be a JSON object", "body");
      c.body = std::move(v.as_object());
    }

    // Authentication. A failure is answered after the rate limit, so that
    // guessing tokens spends the address's anonymous budget.
    const auto authz = trim(find_header(req_.headers, "Authorization"));
    const auto api_key = trim(find_header(req_.headers, "X-API-Key"));
    std::optional<segs::error> problem;
    if (!authz.empty() || !api_key.empty()) {
      if (!authz.empty()) {
        if (authz.size() > 7 && iequals(authz.substr(0, 7), "Bearer ")) {
          auto p = st_.grid.identity().authenticate(trim(authz.substr(7)));
          if (p) c.who = *p;
          else problem = p.error();
        } else {
          problem = make_error(errc::unauthorized, "the Authorization header must be 'Bearer <token>'");
        }
      } else {
        auto p = st_.grid.identity().authenticate_api_key(api_key);
        if (p) c.who = *p;
        else problem = p.error();
      }
    }

    // Rate limits.
    if (r.rate_limited && st_.grid.config().value("rate_limits.enabled") == setting_value{true}) {
      const auto now = st_.grid.clock().now();
      const std::string peer = req_.peer.empty() ? "unknown" : req_.peer;
      if (r.acc == access::auth_route) {
        if (auto wait = st_.limiter.take("auth:" + peer, st_.limit("rate_limits.auth", st_.opts.auth_routes), now))
          return limited(*wait);
      }
      std::optional<std::chrono::seconds> wait;
      if (c.who) {
        const bool key = c.who->type == principal::kind::api_key;
        wait = st_.limiter.take((key ? "key:" : "user:") + c.who->id.to_string(),
                                c.who->role == "admin"
                                    ? st_.limit("rate_limits.admin", st_.opts.admin)
                                    : st_.limit("rate_limits.authenticated", st_.opts.authenticated),
                                now);
      } else {
        wait = st_.limiter.take("ip:" + peer, st_.limit("rate_limits.anonymous", st_.opts.anonymous), now);
      }
      if (wait) return limited(*wait);
    }

    // A live channel's upgrade: the credentials it carried, if any, must
    // hold; the connection (live.cpp) takes it from here.
    if (live_) {
      if (r.pattern != "/api/v1/ws")
        return fail_with(404, "NOT_FOUND", "no live channel at " + parsed->path());
      if (problem) return fail_with(*problem);
      live_->who = c.who;
      live_->api_key = authz.empty() && !api_key.empty();
      if (c.who)
        live_->credential = std::string(live_->api_key ? api_key : trim(authz.substr(7)));
      outcome o;
      o.rep.status = 101;
      o.rep.raw = "";
      return o;
    }

    // Public routes ignore bad credentials; protected ones refuse them.
    if (r.acc == access::signed_in && !c.who) {
      if (problem) return fail_with(*problem);
      return fail_with(401, "UNAUTHORIZED", "authentication required");
    }

    outcome o;
    o.rep = r.fn(c);
    return o;
  }

  outcome too_large() {
    return fail_with(413, "PAYLOAD_TOO_LARGE",
                     "the body is larger than " + std::to_string(st_.opts.max_body_bytes) +
                         " bytes",
                     "body");
  }

  static outcome limited(std::chrono::seconds wait) {
    return fail_with(429, "RATE_LIMITED", "too many requests; try again later", {}, wait);
  }

  outcome answer_preflight(const router::match& m) {
    outcome o;
    o.rep.status = 204;
    o.rep.raw = "";
    preflight_ = true;
    if (!cors_origin_.empty()) {
      std::string methods;
      for (const auto& a : m.allow) methods += (methods.empty() ? "" : ", ") + a;
      o.rep.headers.push_back({"Access-Control-Allow-Methods", methods});
      o.rep.headers.push_back({"Access-Control-Allow-Headers", std::string(allowed_request_headers)});
      o.rep.headers.push_back({"Access-Control-Max-Age", std::to_string(preflight_max_age)});
    }
    return o;
  }

  response finish(outcome out) {
    response res;
    res.status = out.rep.status;
    res.route = route_.empty() ? "unmatched" : route_;
    res.request_id = request_id_;
    res.headers.reserve(out.rep.headers.size() + 12);
    // The envelope is written directly, its members in this order:
    // {"success","message"|"error","data","timestamp"}.
    auto close_envelope = [&] {
      res.body += ",\"timestamp\":";
      detail::append_json_string(res.body, to_rfc3339(st_.grid.clock().now()));
      res.body += '}';
    };
    if (out.is_error) {
      boost::json::object details;
      if (!out.field.empty()) details["field"] = out.field;
      if (out.retry_after) {
        details["retry_after"] = out.retry_after->count();
        res.headers.push_back({"Retry-After", std::to_string(out.retry_after->count())});
      }
      if (res.status == 401) res.headers.push_back({"WWW-Authenticate", "Bearer"});
      res.body = "{\"success\":false,\"error\":{\"code\":";
      detail::append_json_string(res.body, out.code);
      res.body += ",\"message\":";
      detail::append_json_string(res.body, out.error_message);
      res.body += ",\"details\":";
      detail::append_json(res.body, details);
      res.body += '}';
      close_envelope();
      res.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
    } else if (out.rep.raw) {
      res.body = std::move(*out.rep.raw);
      res.body_stream = std::move(out.rep.stream);
      if (!out.rep.content_type.empty())
        res.headers.push_back({"Content-Type", out.rep.content_type});
    } else {
      res.body.reserve(512);
      res.body = "{\"success\":true,\"message\":";
      detail::append_json_string(res.body, out.rep.message);
      res.body += ",\"data\":";
      detail::append_json(res.body, out.rep.data);
      close_envelope();
      res.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
    }
    for (auto& h : out.rep.headers) res.headers.push_back(std::move(h));

    res.headers.push_back({"X-Request-Id", request_id_});
    res.headers.push_back({"X-Content-Type-Options", "nosniff"});
    res.headers.push_back({"X-Frame-Options", "DENY"});
    res.headers.push_back({"Referrer-Policy", "no-referrer"});
    res.headers.push_back({"Content-Security-Policy", "default-src 'none'"});
    // Answers carry accounts and tokens: no cache may keep any of them.
    res.headers.push_back({"Cache-Control", "no-store"});
    res.headers.push_back({"Vary", "Origin"});
    if (!cors_origin_.empty()) {
      res.headers.push_back({"Access-Control-Allow-Origin", cors_origin_});
      if (!preflight_)
        res.headers.push_back({"Access-Control-Expose-Headers", "X-Request-Id, Retry-After"});
    }
    return res;
  }

  state& st_;
  const request& req_;
  live_admission* live_;
  std::string request_id_;
  std::string cors_origin_;
  std::string route_;
  bool preflight_ = false;
};

}  // namespace

live_admission admit_live(state& st, const request& upgrade) {
  live_admission out;
  auto res = pipeline(st, upgrade, &out).run();
  if (res.status != 101) {
    out = {};
    out.refusal = std::move(res);
  }
  return out;
}

}  // namespace detail

std::string_view response::header_value(std::string_view name) const noexcept {
  return detail::find_header(headers, name);
}

void collect_body(response& res) {
  if (!res.body_stream) return;
  auto stream = std::move(res.body_stream);
  res.body_stream = nullptr;  // a moved-from std::function is unspecified
  while (auto chunk = stream()) res.body += *chunk;
}

handler::handler(grid& g, options opts) : impl_(std::make_unique<impl>(g, std::move(opts))) {}
handler::~handler() = default;

response handler::handle(const request& req) noexcept {
  try {
    return detail::pipeline(impl_->st, req).run();
  } catch (...) {
    // Only reached when even the error answer could not be built (memory).
    response res;
    res.status = 500;
    res.route = "unmatched";
    return res;
  }
}

const std::string& handler::openapi() const noexcept { return impl_->st.openapi; }

const options& handler::settings() const noexcept { return impl_->st.opts; }

}  // namespace segs::rest
