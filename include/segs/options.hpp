// libsegs — configuration, with the defaults of the SEGS seed.
//
// Every value has a documented default and may be overridden before
// `segs::grid::open`. Options are copied into the grid at open; changing the
// struct afterwards has no effect.
#pragma once

#include <segs/clock.hpp>
#include <segs/market.hpp>
#include <segs/region.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace segs {

/// Algorithm used to sign access tokens (JWS).
enum class token_algorithm {
  eddsa,  ///< Ed25519 (RFC 8037), the default: verifiers need only the public key
  hs256,  ///< HMAC-SHA-256 with a shared 32-byte secret
};

/// Identity & access settings. Durations follow the SEGS seed.
struct identity_options {
  std::chrono::seconds access_token_ttl{std::chrono::minutes(15)};
  std::chrono::seconds refresh_token_ttl{std::chrono::hours(24 * 7)};
  std::chrono::seconds session_ttl{std::chrono::hours(24 * 7)};
  std::chrono::seconds otp_ttl{std::chrono::minutes(10)};
  int otp_max_attempts = 5;
  std::chrono::seconds otp_resend_cooldown{std::chrono::seconds(60)};

  /// Failed logins tolerated within `lockout_window` before the account
  /// (or unknown identifier) is locked.
  int max_login_attempts = 5;
  std::chrono::seconds lockout_window{std::chrono::minutes(15)};
  /// The first lockout lasts this long; each further one doubles, up to
  /// `lockout_max`.
  std::chrono::seconds lockout_base{std::chrono::minutes(5)};
  std::chrono::seconds lockout_max{std::chrono::hours(24)};

  std::size_t password_min_length = 8;
  std::size_t password_max_length = 128;
  /// argon2id cost. Defaults are libsodium's "interactive" limits; a login
  /// whose stored hash used other limits is transparently rehashed.
  std::uint64_t argon2_opslimit = 2;
  std::size_t argon2_memlimit = 64u * 1024u * 1024u;

  token_algorithm algorithm = token_algorithm::eddsa;
  std::string issuer = "segs";
  std::string audience = "segs-api";
  /// 32 bytes: the Ed25519 seed (eddsa) or the HMAC key (hs256). Empty: the
  /// grid creates a random key on first open and keeps it in storage, so
  /// tokens stay valid across restarts.
  std::vector<std::uint8_t> signing_key;
};

/// Storage settings common to every backend.
struct storage_options {
  /// Connections kept by the backend (SQLite files and PostgreSQL); an
  /// in-memory SQLite database always uses one.
  int pool_size = 4;
  /// How long a statement waits for a lock before failing with `unavailable`.
  std::chrono::milliseconds busy_timeout{5000};
  /// Attempts for a transaction that failed with a serialization failure or
  /// a deadlock (PostgreSQL) before the error is returned.
  int max_retries = 5;
  /// Apply pending migrations at open (the default). When false, a database
  /// that is behind the library is refused with `schema_mismatch`.
  bool migrate = true;
};

/// Market settings (market.hpp). `grid::open` refuses invalid ones with a
/// validation_error naming the member (`projection_batch`, or the
/// `market_settings` member of `defaults`, e.g. `slot_length`).
struct market_options {
  /// The settings of every region's market that has none of its own.
  market_settings defaults;
  /// The market commits each accepted order, amendment and cancel as one
  /// journal entry before answering, and writes the order, trade and slot
  /// rows it changed in batches: before anything reads them, at gate
  /// closures, and once this many rows are waiting (docs/market.md,
  /// "Durability"). Larger batches absorb bursts faster; the rows wait in
  /// memory (a few hundred bytes each) and a reopen replays their entries.
  /// 1 or more.
  std::size_t projection_batch = 5'000;
};

/// Everything `grid::open` accepts besides the URL.
struct options {
  /// The clock; null means the system clock.
  std::shared_ptr<segs::clock> clock;
  identity_options identity;
  storage_options storage;
  /// The deployment's regions and its default region (region.hpp).
  region_options regions;
  market_options market;
};

}  // namespace segs
