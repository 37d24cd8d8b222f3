// JSON Web Tokens (RFC 7519) used as access tokens, signed with a jws_key.
//
// Thread-safety: free functions over immutable inputs; safe from any thread.
#pragma once

#include "crypto/jws.hpp"

#include <segs/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace segs::crypto {

/// The claims libsegs puts in an access token. Times are seconds since the
/// Unix epoch (JWT NumericDate). Empty strings are left out of the token and
/// a claim missing from a token decodes as empty / 0.
struct jwt_claims {
  std::string sub;         ///< user id; required
  std::string role;
  std::string region;
  std::string department;
  std::string iss;         ///< issuer
  std::string aud;         ///< audience
  std::string jti;         ///< token id (for revocation); required
  std::string sid;         ///< session id
  std::int64_t iat = 0;    ///< issued at
  std::int64_t nbf = 0;    ///< not before
  std::int64_t exp = 0;    ///< expires at; required
};

/// What a token must satisfy besides a valid signature.
struct jwt_expectations {
  std::string iss;             ///< the "iss" claim must equal this
  std::string aud;             ///< "aud" (a string, or an array) must contain this
  std::int64_t now = 0;        ///< current time, seconds since the epoch
  std::int64_t leeway = 0;     ///< tolerated clock skew in seconds (negative = 0)
};

/// A signed token with header {"alg":<key's alg>,"typ":"JWT"} and `claims`.
[[nodiscard]] std::string encode_jwt(const jws_key& key, const jwt_claims& claims);

/// The claims of `token` if it is a well-formed compact JWS signed by `key`
/// with the key's own algorithm, currently valid (nbf <= now < exp, with
/// leeway), issued by `e.iss` for `e.aud`, and carrying sub, jti and exp.
/// Every failure is errc::unauthorized with a short message ("malformed
/// token", "unsupported token algorithm", "invalid token signature", "token
/// expired", "token not yet valid", "wrong issuer", "wrong audience"); the
/// token text never appears in it. The payload is not read before the
/// signature has been checked.
[[nodiscard]] segs::result<jwt_claims> decode_jwt(const jws_key& key, std::string_view token,
                                                  const jwt_expectations& e);

}  // namespace segs::crypto
