// Verified access tokens, so that a token's signature and its session are
// checked once rather than on every request (issue 17: on an authenticated
// read, Ed25519 verification was 41 % of the server's time).
//
// What holds, and why:
// - Only tokens that passed every check enter (`put` is called after the
//   signature, the claims, the revocation list, the session and the account
//   were checked): a forged token never fills the cache.
// - The key is a keyed BLAKE2b of the token under a random key of this
//   cache: the token text is not kept, and the names of entries cannot be
//   computed outside the process.
// - An entry answers only while the token is valid: from its "nbf" to the
//   end of the token or its session, whichever comes first, by the grid's
//   clock (a manual clock moved either way is honoured).
// - Bounded: at most `capacity` entries. When full, expired entries go
//   first, then arbitrary ones down to three quarters of the capacity, so
//   the sweep runs once per quarter-capacity insertions.
// - Revocation within a process is immediate: identity calls `forget` after
//   each write that ends sessions or changes a principal. An authentication
//   that read the database before such a write commits could otherwise put
//   its stale answer back afterwards; `put` refuses any entry whose checks
//   began before the last `forget` (the generation). Across processes,
//   identity replays the revocation log at most `revocation_sync_interval`
//   after the last replay (identity_sessions.cpp).
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include "crypto/hash.hpp"

#include <segs/access.hpp>
#include <segs/types.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace segs::detail {

class token_cache {
 public:
  using digest = crypto::keyed_digest;

  /// capacity 0: nothing is ever cached.
  explicit token_cache(std::size_t capacity);

  [[nodiscard]] bool enabled() const noexcept { return capacity_ > 0; }

  /// The name of `token`'s entry.
  [[nodiscard]] digest key_of(std::string_view token) const;

  /// The principal the token with digest `d` authenticated, while `now` is
  /// within its entry's validity.
  [[nodiscard]] std::optional<principal> find(const digest& d, timestamp now) const;

  /// Read before the checks that justify an entry, and handed to `put`.
  [[nodiscard]] std::uint64_t generation() const noexcept {
    return generation_.load(std::memory_order_acquire);
  }

  /// The times between which an entry answers: [from, until).
  struct validity {
    timestamp from;
    timestamp until;
  };
  /// Keeps `who` for `d` during `valid`, unless a `forget` ran since
  /// `seen_generation` was read. `now` is the grid's time, to recognise
  /// expired entries when the cache is full.
  void put(const digest& d, principal who, validity valid, timestamp now,
           std::uint64_t seen_generation);

  /// Drops every entry of user `user`.
  void forget(const uuid& user);
  /// Drops every entry.
  void forget_all();

  [[nodiscard]] std::size_t size() const;

 private:
  struct digest_hash {
    std::size_t operator()(const digest& d) const noexcept {
      std::size_t h;  // a SHA-256 is already uniformly spread
      std::memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  struct entry {
    principal who;
    validity valid;
  };
  void make_room(timestamp now);  // with mu_ held exclusively

  const std::size_t capacity_;
  const std::vector<std::uint8_t> key_;  // 32 random bytes
  mutable std::shared_mutex mu_;
  std::unordered_map<digest, entry, digest_hash> entries_;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace segs::detail
