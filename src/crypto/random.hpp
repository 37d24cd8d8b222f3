// Randomness from the operating system's CSPRNG (libsodium randombytes).
//
// Thread-safety: every function may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace segs::crypto {

/// `n` bytes from the CSPRNG.
[[nodiscard]] std::vector<std::uint8_t> random_bytes(std::size_t n);

/// An opaque token: `bytes` random bytes (default 32 = 256 bits) as
/// unpadded base64url text (43 characters for 32 bytes).
[[nodiscard]] std::string random_token(std::size_t bytes = 32);

/// `digits` decimal digits, each uniform in 0-9 (randombytes_uniform has no
/// modulo bias), so leading zeros occur: "004217" is a valid 6-digit code.
[[nodiscard]] std::string random_digits(std::size_t digits = 6);

}  // namespace segs::crypto
