#include "crypto/jws.hpp"

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

#include <segs/error.hpp>

#include <sodium.h>

namespace segs::crypto {

std::string_view to_string(jws_algorithm alg) noexcept {
  switch (alg) {
    case jws_algorithm::hs256: return "HS256";
    case jws_algorithm::eddsa: return "EdDSA";
  }
  return "none";
}

jws_key::jws_key(jws_algorithm alg, byte_view secret) : alg_(alg) {
  ensure_sodium();
  switch (alg) {
    case jws_algorithm::hs256:
      if (secret.size() < 32)
        throw segs::exception(make_error(errc::validation_error,
                                         "an HS256 signing key needs at least 32 bytes",
                                         "signing_key"));
      secret_.assign(secret.begin(), secret.end());
      return;
    case jws_algorithm::eddsa:
      if (secret.size() != crypto_sign_SEEDBYTES)
        throw segs::exception(make_error(errc::validation_error,
                                         "an EdDSA signing key is a 32-byte Ed25519 seed",
                                         "signing_key"));
      secret_.resize(crypto_sign_SECRETKEYBYTES);
      public_.resize(crypto_sign_PUBLICKEYBYTES);
      crypto_sign_seed_keypair(public_.data(), secret_.data(), secret.data());
      return;
  }
  throw segs::exception(make_error(errc::validation_error, "unknown signing algorithm",
                                   "signing_key"));
}

jws_key::~jws_key() {
  if (!secret_.empty()) sodium_memzero(secret_.data(), secret_.size());
}

std::vector<std::uint8_t> jws_key::sign(std::string_view signing_input) const {
  const auto msg = as_bytes(signing_input);
  if (alg_ == jws_algorithm::hs256) {
    const auto mac = hmac_sha256(secret_, msg);
    return {mac.begin(), mac.end()};
  }
  std::vector<std::uint8_t> sig(crypto_sign_BYTES);
  crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), secret_.data());
  return sig;
}

bool jws_key::verify(std::string_view signing_input, byte_view signature) const noexcept {
  const auto msg = as_bytes(signing_input);
  if (alg_ == jws_algorithm::hs256) {
    if (signature.size() != crypto_auth_hmacsha256_BYTES) return false;
    const auto mac = hmac_sha256(secret_, msg);
    return constant_time_equal(mac, signature);
  }
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(signature.data(), msg.data(), msg.size(),
                                     public_.data()) == 0;
}

std::string sign_compact(const jws_key& key, std::string_view header_b64,
                         std::string_view payload_b64) {
  std::string out;
  out.reserve(header_b64.size() + payload_b64.size() + 90);
  out.append(header_b64).append(1, '.').append(payload_b64);
  const auto sig = key.sign(out);
  out.append(1, '.').append(base64url_encode(sig));
  return out;
}

bool verify_signature(const jws_key& key, std::string_view signing_input,
                      byte_view signature) noexcept {
  return key.verify(signing_input, signature);
}

}  // namespace segs::crypto
