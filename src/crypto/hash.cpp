#include "crypto/hash.hpp"

#include <segs/error.hpp>

#include <sodium.h>

namespace segs::crypto {

sha256_digest sha256(byte_view data) {
  ensure_sodium();
  sha256_digest out{};
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

sha256_digest sha256(std::string_view data) { return sha256(as_bytes(data)); }

sha256_digest hmac_sha256(byte_view key, byte_view data) {
  ensure_sodium();
  // The streaming API takes keys of any length; crypto_auth_hmacsha256 would
  // insist on exactly 32 bytes.
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, data.data(), data.size());
  sha256_digest out{};
  crypto_auth_hmacsha256_final(&st, out.data());
  sodium_memzero(&st, sizeof st);
  return out;
}

sha256_digest hmac_sha256(byte_view key, std::string_view data) {
  return hmac_sha256(key, as_bytes(data));
}

keyed_digest keyed_hash(byte_view key, std::string_view data) {
  ensure_sodium();
  keyed_digest out{};
  if (key.size() < crypto_generichash_KEYBYTES_MIN || key.size() > crypto_generichash_KEYBYTES_MAX ||
      crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                         data.size(), key.data(), key.size()) != 0)
    throw segs::exception(make_error(errc::internal, "keyed_hash: the key must be 16 to 64 bytes"));
  return out;
}

bool constant_time_equal(byte_view a, byte_view b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  // sodium_memcmp needs no sodium_init and reads every byte regardless of
  // where the first difference is.
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  return constant_time_equal(as_bytes(a), as_bytes(b));
}

}  // namespace segs::crypto
