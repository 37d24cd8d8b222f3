// Boost.JSON stays in this file: it is a heavy header and nothing else in the
// crypto layer needs JSON.
#include "crypto/jwt.hpp"

#include "crypto/encoding.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <limits>
#include <optional>

namespace segs::crypto {

namespace json = boost::json;

namespace {

// Access tokens are a few hundred bytes; refusing big inputs early bounds the
// work an unauthenticated caller can make us do.
constexpr std::size_t max_token_size = 8 * 1024;

segs::error unauthorized(std::string message) {
  return make_error(errc::unauthorized, std::move(message));
}

segs::error malformed() { return unauthorized("malformed token"); }

std::string_view as_text(const std::vector<std::uint8_t>& bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Parses `text` as a JSON object; nullopt for anything else.
std::optional<json::object> parse_object(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

// A NumericDate we accept: an integer that fits int64 (fractional seconds are
// legal JWT but never produced by us, so they are refused).
std::optional<std::int64_t> as_seconds(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(
                                             std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(v.get_uint64());
  return std::nullopt;
}

// Reads an optional string claim; false if present with another type.
bool read_string(const json::object& o, std::string_view name, std::string& out) {
  const auto* v = o.if_contains(json::string_view(name.data(), name.size()));
  if (!v) return true;
  if (!v->is_string()) return false;
  out.assign(v->get_string().data(), v->get_string().size());
  return true;
}

bool read_seconds(const json::object& o, std::string_view name, std::int64_t& out) {
  const auto* v = o.if_contains(json::string_view(name.data(), name.size()));
  if (!v) return true;
  auto s = as_seconds(*v);
  if (!s) return false;
  out = *s;
  return true;
}

// `a - b >= d` for a >= b without signed overflow: the true difference fits
// in uint64 and unsigned arithmetic computes it exactly.
std::uint64_t distance(std::int64_t hi, std::int64_t lo) noexcept {
  return static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
}

}  // namespace

std::string encode_jwt(const jws_key& key, const jwt_claims& c) {
  json::object header;
  const auto alg = to_string(key.algorithm());
  header["alg"] = json::string_view(alg.data(), alg.size());
  header["typ"] = "JWT";

  json::object payload;
  auto put = [&](const char* name, const std::string& value) {
    if (!value.empty()) payload[name] = json::string_view(value.data(), value.size());
  };
  put("iss", c.iss);
  put("sub", c.sub);
  put("aud", c.aud);
  put("jti", c.jti);
  put("sid", c.sid);
  put("role", c.role);
  put("region", c.region);
  put("department", c.department);
  payload["iat"] = c.iat;
  payload["nbf"] = c.nbf;
  payload["exp"] = c.exp;

  return sign_compact(key, base64url_encode(json::serialize(header)),
                      base64url_encode(json::serialize(payload)));
}

segs::result<jwt_claims> decode_jwt(const jws_key& key, std::string_view token,
                                    const jwt_expectations& e) {
  if (token.empty() || token.size() > max_token_size) return malformed();

  // Exactly three non-empty segments.
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return malformed();
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return malformed();
  const auto header_b64 = token.substr(0, dot1);
  const auto payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const auto sig_b64 = token.substr(dot2 + 1);
  if (header_b64.empty() || payload_b64.empty() || sig_b64.empty()) return malformed();

  // Header: only to pin the algorithm. Its "alg" must name the key's own
  // algorithm; it never selects how the signature is checked.
  const auto header_bytes = base64url_decode(header_b64);
  if (!header_bytes) return malformed();
  const auto header = parse_object(as_text(*header_bytes));
  if (!header) return malformed();
  const auto* alg = header->if_contains("alg");
  if (!alg || !alg->is_string()) return malformed();
  if (alg->get_string() != to_string(key.algorithm()))
    return unauthorized("unsupported token algorithm");
  // We implement no header extensions, so any "crit" is one we do not
  // understand (RFC 7515 section 4.1.11 says reject).
  if (header->contains("crit")) return malformed();

  // Every segment must be canonical base64url before anything else counts;
  // decoding the payload is not trusting it (it is not parsed yet).
  const auto payload_bytes = base64url_decode(payload_b64);
  const auto signature = base64url_decode(sig_b64);
  if (!payload_bytes || !signature) return malformed();
  if (!verify_signature(key, token.substr(0, dot2), *signature))
    return unauthorized("invalid token signature");

  // From here on the payload is authentic.
  const auto payload = parse_object(as_text(*payload_bytes));
  if (!payload) return malformed();

  jwt_claims c;
  if (!read_string(*payload, "sub", c.sub) || !read_string(*payload, "role", c.role) ||
      !read_string(*payload, "region", c.region) ||
      !read_string(*payload, "department", c.department) ||
      !read_string(*payload, "iss", c.iss) || !read_string(*payload, "jti", c.jti) ||
      !read_string(*payload, "sid", c.sid) || !read_seconds(*payload, "iat", c.iat) ||
      !read_seconds(*payload, "nbf", c.nbf) || !read_seconds(*payload, "exp", c.exp))
    return malformed();
  if (c.sub.empty() || c.jti.empty() || !payload->contains("exp")) return malformed();

  if (c.iss != e.iss) return unauthorized("wrong issuer");

  // "aud" is a string or an array of strings (RFC 7519 section 4.1.3).
  bool aud_ok = false;
  if (const auto* aud = payload->if_contains("aud")) {
    if (aud->is_string()) {
      aud_ok = aud->get_string() == e.aud;
    } else if (aud->is_array()) {
      for (const auto& a : aud->get_array()) {
        if (!a.is_string()) return malformed();
        if (a.get_string() == e.aud) aud_ok = true;
      }
    } else {
      return malformed();
    }
  } else {
    aud_ok = e.aud.empty();
  }
  if (!aud_ok) return unauthorized("wrong audience");
  c.aud = e.aud;

  const auto leeway = static_cast<std::uint64_t>(e.leeway > 0 ? e.leeway : 0);
  // Valid while now < exp + leeway.
  if (e.now >= c.exp && distance(e.now, c.exp) >= leeway) return unauthorized("token expired");
  // Valid once now + leeway >= nbf.
  if (payload->contains("nbf") && c.nbf > e.now && distance(c.nbf, e.now) > leeway)
    return unauthorized("token not yet valid");

  return c;
}

}  // namespace segs::crypto
