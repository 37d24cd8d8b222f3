// SHA-256, HMAC-SHA-256, keyed BLAKE2b and constant-time comparison.
//
// Thread-safety: every function may be called from any thread.
#pragma once

#include "crypto/bytes.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace segs::crypto {

/// A SHA-256 or HMAC-SHA-256 output.
using sha256_digest = std::array<std::uint8_t, 32>;

/// SHA-256 (FIPS 180-4) of `data`.
[[nodiscard]] sha256_digest sha256(byte_view data);
[[nodiscard]] sha256_digest sha256(std::string_view data);

/// HMAC-SHA-256 (RFC 2104) of `data` under `key`; any key length is accepted
/// (keys longer than the block are hashed first, as the RFC says).
[[nodiscard]] sha256_digest hmac_sha256(byte_view key, byte_view data);
[[nodiscard]] sha256_digest hmac_sha256(byte_view key, std::string_view data);

/// A 256-bit keyed BLAKE2b (RFC 7693) output.
using keyed_digest = std::array<std::uint8_t, 32>;

/// BLAKE2b-256 of `data` under `key` (16 to 64 bytes): a MAC several times
/// faster than HMAC-SHA-256, for naming secrets held in memory (the token
/// cache) without keeping them and without names an outsider could compute.
[[nodiscard]] keyed_digest keyed_hash(byte_view key, std::string_view data);

/// True when `a` and `b` hold the same bytes. The time taken depends only on
/// the lengths, never on where the contents differ, so comparing a presented
/// secret with a stored one leaks nothing but the (public) length. Views of
/// different lengths compare unequal without reading the contents.
[[nodiscard]] bool constant_time_equal(byte_view a, byte_view b) noexcept;
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace segs::crypto
