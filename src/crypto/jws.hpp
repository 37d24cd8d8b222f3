// Compact JSON Web Signatures (RFC 7515) with exactly two algorithms:
// HS256 (HMAC-SHA-256, RFC 7518 section 3.2) and EdDSA over Ed25519
// (RFC 8037).
//
// A key carries its algorithm and is only ever used with it: the JWS header's
// "alg" is never allowed to choose how a signature is checked (that choice is
// what the classic "alg":"none" and HS256-with-the-public-key attacks abuse).
#pragma once

#include "crypto/bytes.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace segs::crypto {

/// The two supported signature algorithms.
enum class jws_algorithm { hs256, eddsa };

/// The JOSE name: "HS256" or "EdDSA".
[[nodiscard]] std::string_view to_string(jws_algorithm alg) noexcept;

/// A signing key bound to one algorithm.
///
/// Thread-safety: immutable after construction; const members may be called
/// concurrently. The secret is wiped from memory on destruction.
class jws_key {
 public:
  /// HS256: `secret` is the HMAC key, 32 bytes or more (RFC 7518 section 3.2
  /// requires at least the hash size). EdDSA: `secret` is the 32-byte Ed25519
  /// seed (the JWK "d" of RFC 8037); the key pair is derived from it.
  /// Throws segs::exception (errc::validation_error, field "signing_key") for
  /// a wrong length.
  jws_key(jws_algorithm alg, byte_view secret);
  jws_key(const jws_key&) = default;
  jws_key& operator=(const jws_key&) = default;
  jws_key(jws_key&&) noexcept = default;
  jws_key& operator=(jws_key&&) noexcept = default;
  ~jws_key();

  [[nodiscard]] jws_algorithm algorithm() const noexcept { return alg_; }

  /// EdDSA: the 32-byte public key (the JWK "x"). HS256: empty.
  [[nodiscard]] byte_view public_key() const noexcept { return public_; }

  /// The signature of `signing_input` (32 bytes for HS256, 64 for EdDSA).
  [[nodiscard]] std::vector<std::uint8_t> sign(std::string_view signing_input) const;

  /// True when `signature` is this key's valid signature of `signing_input`.
  /// The HMAC comparison is constant-time.
  [[nodiscard]] bool verify(std::string_view signing_input, byte_view signature) const noexcept;

 private:
  jws_algorithm alg_;
  /// HS256: the HMAC key. EdDSA: libsodium's 64-byte secret key (seed || pk).
  std::vector<std::uint8_t> secret_;
  std::vector<std::uint8_t> public_;
};

/// The compact serialization "header.payload.signature" of already
/// base64url-encoded `header_b64` and `payload_b64`, signed with `key`.
/// The segments are used verbatim (the signature covers their exact text).
[[nodiscard]] std::string sign_compact(const jws_key& key, std::string_view header_b64,
                                       std::string_view payload_b64);

/// True when `signature` is `key`'s valid signature of `signing_input`
/// ("header_b64.payload_b64"). Uses the key's own algorithm only.
[[nodiscard]] bool verify_signature(const jws_key& key, std::string_view signing_input,
                                    byte_view signature) noexcept;

}  // namespace segs::crypto
