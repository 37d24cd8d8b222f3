// Password hashing with argon2id (libsodium crypto_pwhash).
//
// Hashes are self-describing PHC strings ("$argon2id$v=19$m=...,t=...,p=1$
// salt$hash") with a fresh random salt, so they can be stored as text and
// verified after the cost parameters change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace segs::crypto {

/// An argon2id hash of `password` with the given costs.
/// Throws segs::exception: errc::validation_error when `opslimit` or
/// `memlimit` is outside libsodium's accepted range, errc::internal when the
/// memory cannot be allocated.
[[nodiscard]] std::string hash_password(std::string_view password, std::uint64_t opslimit,
                                        std::size_t memlimit);

/// True when `hash` is a valid argon2 hash string and `password` matches it.
/// A malformed hash is a mismatch, not an error.
[[nodiscard]] bool verify_password(std::string_view hash, std::string_view password) noexcept;

/// True when `hash` should be recomputed: it is not an argon2id hash (e.g. a
/// legacy argon2i one, or garbage) or its costs differ from the given ones.
[[nodiscard]] bool password_needs_rehash(std::string_view hash, std::uint64_t opslimit,
                                         std::size_t memlimit) noexcept;

/// Hashes and verifies passwords at one fixed cost.
///
/// Thread-safety: immutable after construction; all members are const and may
/// be called concurrently.
class password_hasher {
 public:
  /// Throws segs::exception (errc::validation_error) for costs outside
  /// libsodium's range; computes one dummy hash (so takes as long as `hash`).
  password_hasher(std::uint64_t opslimit, std::size_t memlimit);

  /// See hash_password.
  [[nodiscard]] std::string hash(std::string_view password) const;
  /// See verify_password.
  [[nodiscard]] bool verify(std::string_view hash, std::string_view password) const noexcept;
  /// See password_needs_rehash, with this hasher's costs.
  [[nodiscard]] bool needs_rehash(std::string_view hash) const noexcept;
  /// Does the work of one `verify` and throws the answer away. A login for an
  /// unknown account calls it so that it takes as long as a wrong password
  /// for a known one, and response time does not reveal which accounts exist.
  void burn_equivalent_work(std::string_view password) const noexcept;

  [[nodiscard]] std::uint64_t opslimit() const noexcept { return opslimit_; }
  [[nodiscard]] std::size_t memlimit() const noexcept { return memlimit_; }

 private:
  std::uint64_t opslimit_;
  std::size_t memlimit_;
  std::string dummy_hash_;
};

}  // namespace segs::crypto
