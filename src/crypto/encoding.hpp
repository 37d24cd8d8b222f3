// Text encodings of bytes: base64url (RFC 4648 section 5, no padding, as JOSE
// uses it) and lowercase hex.
//
// Decoders are strict: a string that is not the canonical encoding of some
// bytes (a character outside the alphabet, '=' padding, whitespace, an
// impossible length, non-zero unused trailing bits) yields std::nullopt, so
// one token has exactly one spelling.
#pragma once

#include "crypto/bytes.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace segs::crypto {

/// base64url without padding.
[[nodiscard]] std::string base64url_encode(byte_view bytes);
[[nodiscard]] std::string base64url_encode(std::string_view text);

/// The bytes `text` encodes, or std::nullopt if it is not canonical unpadded
/// base64url. The empty string decodes to no bytes.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

/// Lowercase hex, two characters per byte.
[[nodiscard]] std::string hex_encode(byte_view bytes);

/// The bytes `text` encodes (upper or lower case), or std::nullopt for an odd
/// length or a non-hex character.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view text);

}  // namespace segs::crypto
