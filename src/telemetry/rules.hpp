// The telemetry rules that need no storage and no clock: what a serial, a
// meter and a reading may hold, and the bytes a device signs. Pure, so they
// are unit-tested alone (tests/unit/test_telemetry_rules.cpp).
#pragma once

#include <segs/telemetry.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace segs::telemetry {

/// Bulk submissions and corrections take at most this many rows.
inline constexpr std::size_t max_rows = 10'000;
/// How far ahead of the clock a reading's time may be.
inline constexpr std::chrono::minutes max_ahead{5};
/// Queries span at most this much.
inline constexpr std::chrono::days max_range{366};

/// 3-64 of `A-Z a-z 0-9 _ -`; validation_error naming `field` otherwise.
void check_serial(std::string_view serial, std::string_view field = "meter_id");
/// The members `spec` sets (validation_error naming the member). Creating:
/// `meter_id` and `capacity_kw` are required.
void check_meter_spec(const meter_spec& spec, bool creating);
/// The 32 bytes of a base64 Ed25519 public key, or none when `text` is not one.
[[nodiscard]] std::optional<std::string> decode_public_key(std::string_view text);

/// What is wrong with `r`, or none: ranges, metadata, and its time against
/// `now` (at most 5 minutes ahead) and the meter's installation (`installed`,
/// the start of its local installation day: a reading must end after it).
[[nodiscard]] std::optional<error> check_reading(const reading& r, timestamp now,
                                                 std::optional<timestamp> installed);

/// The bytes a device signs for a reading of meter `serial`.
[[nodiscard]] std::string signed_message(std::string_view serial, const reading& r,
                                         std::string_view time_text);
/// True when `signature` (base64) is a valid Ed25519 signature of `message`
/// by `public_key` (base64).
[[nodiscard]] bool signature_valid(std::string_view public_key, std::string_view signature,
                                   std::string_view message);

/// Checks a query range: start before end, at most 366 days.
void check_range(const time_range& r);

}  // namespace segs::telemetry
