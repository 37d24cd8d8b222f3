// Byte views shared by the crypto helpers.
//
// Functions take `byte_view` so that std::vector, std::array and raw buffers
// all bind without copies; text goes through the std::string_view overloads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace segs::crypto {

/// A read-only view of bytes; it never owns what it points at.
using byte_view = std::span<const std::uint8_t>;

/// The bytes of `text` (no copy; valid as long as `text`'s storage is).
[[nodiscard]] inline byte_view as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

/// Initializes libsodium once per process. Idempotent and thread-safe; every
/// crypto entry point calls it, so callers never need to.
/// Throws segs::exception (errc::internal) if libsodium cannot initialize.
void ensure_sodium();

}  // namespace segs::crypto
