#include "crypto/password.hpp"

#include "crypto/bytes.hpp"

#include <segs/error.hpp>

#include <sodium.h>

namespace segs::crypto {

namespace {

void check_limits(std::uint64_t opslimit, std::size_t memlimit) {
  // The argon2id limits, not the generic crypto_pwhash ones: argon2id accepts
  // opslimit 1, argon2i needs 3.
  if (opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
      opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX)
    throw segs::exception(
        make_error(errc::validation_error, "argon2 opslimit is out of range", "argon2_opslimit"));
  if (memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
      memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX)
    throw segs::exception(
        make_error(errc::validation_error, "argon2 memlimit is out of range", "argon2_memlimit"));
}

}  // namespace

std::string hash_password(std::string_view password, std::uint64_t opslimit,
                          std::size_t memlimit) {
  ensure_sodium();
  check_limits(opslimit, memlimit);
  char out[crypto_pwhash_STRBYTES] = {};
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            static_cast<unsigned long long>(opslimit), memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw segs::exception(make_error(errc::internal, "password hashing ran out of memory"));
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) noexcept {
  try {
    ensure_sodium();
  } catch (...) {
    return false;
  }
  // libsodium reads a NUL-terminated string of at most STRBYTES - 1 chars.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  char buf[crypto_pwhash_STRBYTES] = {};
  hash.copy(buf, hash.size());
  return crypto_pwhash_str_verify(buf, password.data(), password.size()) == 0;
}

bool password_needs_rehash(std::string_view hash, std::uint64_t opslimit,
                           std::size_t memlimit) noexcept {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return true;
  char buf[crypto_pwhash_STRBYTES] = {};
  hash.copy(buf, hash.size());
  // The argon2id-specific check: the generic crypto_pwhash_str_needs_rehash
  // would accept an argon2i hash with matching costs, and we want those
  // upgraded. -1 (not an argon2id string) counts as "rehash".
  return crypto_pwhash_argon2id_str_needs_rehash(buf, static_cast<unsigned long long>(opslimit),
                                                 memlimit) != 0;
}

password_hasher::password_hasher(std::uint64_t opslimit, std::size_t memlimit)
    : opslimit_(opslimit), memlimit_(memlimit) {
  check_limits(opslimit, memlimit);
  // A hash of a random password nobody knows, at this hasher's costs, so that
  // burn_equivalent_work does exactly what a real verification does.
  ensure_sodium();
  unsigned char pw[32];
  randombytes_buf(pw, sizeof pw);
  dummy_hash_ = hash_password(
      std::string_view(reinterpret_cast<const char*>(pw), sizeof pw), opslimit_, memlimit_);
  sodium_memzero(pw, sizeof pw);
}

std::string password_hasher::hash(std::string_view password) const {
  return hash_password(password, opslimit_, memlimit_);
}

bool password_hasher::verify(std::string_view hash, std::string_view password) const noexcept {
  return verify_password(hash, password);
}

bool password_hasher::needs_rehash(std::string_view hash) const noexcept {
  return password_needs_rehash(hash, opslimit_, memlimit_);
}

void password_hasher::burn_equivalent_work(std::string_view password) const noexcept {
  // The result is meaningless (the dummy password is random); the call cannot
  // be optimized away because it is an opaque library call.
  static_cast<void>(verify_password(dummy_hash_, password));
}

}  // namespace segs::crypto
