// libsegs — value types shared by every capability.
//
// Energy is an integer number of watt-hours, money an integer number of
// micro-units of the deployment's currency, time a UTC instant with
// microsecond resolution, identifiers UUIDs (version 7 for new rows).
// Floating point never holds money inside the library: decimal text is parsed
// exactly, and every conversion that can lose precision names its rounding.
//
// Thread-safety: all types here are immutable values and safe to share.
#pragma once

#include <segs/error.hpp>
#include <segs/export.hpp>

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace segs {

/// How a conversion that cannot be exact rounds.
enum class rounding {
  half_even,  ///< banker's rounding: 2.5 -> 2, 3.5 -> 4 (invoices)
  half_up,    ///< away from zero on a tie: 2.5 -> 3, -2.5 -> -3
  down,       ///< towards zero
  exact,      ///< refuse: a conversion that would round is a validation error
};

/// A UTC instant, microsecond resolution.
using timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

/// Microseconds since the Unix epoch (the storage form of a timestamp).
[[nodiscard]] constexpr std::int64_t to_micros(timestamp t) noexcept {
  return t.time_since_epoch().count();
}
[[nodiscard]] constexpr timestamp from_micros(std::int64_t us) noexcept {
  return timestamp{std::chrono::microseconds{us}};
}
/// RFC 3339 UTC text: "2025-01-31T12:00:00.123456Z" (fraction omitted when 0).
[[nodiscard]] SEGS_EXPORT std::string to_rfc3339(timestamp t);
/// Parses RFC 3339 with a "Z" or numeric offset; errors name `field`.
[[nodiscard]] SEGS_EXPORT result<timestamp> parse_rfc3339(std::string_view text,
                                                          std::string_view field = "timestamp");

/// A calendar date as ISO 8601 text: "2026-03-29".
[[nodiscard]] SEGS_EXPORT std::string to_iso_date(std::chrono::year_month_day d);
/// Parses "YYYY-MM-DD" (a valid date); errors name `field`.
[[nodiscard]] SEGS_EXPORT result<std::chrono::year_month_day> parse_iso_date(
    std::string_view text, std::string_view field = "date");

/// Parses a decimal string ("12", "-0.5", "1.234567") into an integer count of
/// 10^-scale units, rounding as asked. Errors name `field`.
[[nodiscard]] SEGS_EXPORT result<std::int64_t> parse_decimal(std::string_view text, int scale,
                                                             rounding mode,
                                                             std::string_view field);
/// Formats an integer count of 10^-scale units as a minimal decimal string.
[[nodiscard]] SEGS_EXPORT std::string format_decimal(std::int64_t units, int scale);
/// Divides with the given rounding (the building block of every rescale).
/// REQUIRES: divisor > 0. `rounding::exact` with a remainder returns an error.
[[nodiscard]] SEGS_EXPORT result<std::int64_t> divide(std::int64_t value, std::int64_t divisor,
                                                      rounding mode);

/// Energy in whole watt-hours.
struct energy {
  std::int64_t wh = 0;

  /// From decimal kWh text, e.g. "1.5" -> 1500 Wh. More than three decimals
  /// is refused (`rounding::exact`) unless another mode is given.
  [[nodiscard]] static SEGS_EXPORT result<energy> from_kwh(std::string_view kwh,
                                                           rounding mode = rounding::exact,
                                                           std::string_view field = "quantity_kwh");
  /// kWh as a minimal decimal string ("1.5").
  [[nodiscard]] SEGS_EXPORT std::string to_kwh_string() const;
  /// kWh as a double, for display and JSON numbers only.
  [[nodiscard]] constexpr double kwh() const noexcept { return static_cast<double>(wh) / 1000.0; }

  friend constexpr auto operator<=>(energy, energy) = default;
  friend constexpr energy operator+(energy a, energy b) noexcept { return {a.wh + b.wh}; }
  friend constexpr energy operator-(energy a, energy b) noexcept { return {a.wh - b.wh}; }
};

/// Money in micro-units (10^-6) of the deployment's currency.
struct money {
  std::int64_t micros = 0;

  /// From decimal currency text, e.g. "0.245" -> 245000 micros.
  [[nodiscard]] static SEGS_EXPORT result<money> parse(std::string_view units,
                                                        rounding mode = rounding::exact,
                                                        std::string_view field = "amount");
  /// Rounds to the currency's minor unit (`minor_digits` decimals, 2 for most
  /// currencies), half to even by default, as invoices do.
  [[nodiscard]] SEGS_EXPORT money round_to_minor(int minor_digits = 2,
                                                 rounding mode = rounding::half_even) const;
  /// Minimal decimal string in currency units ("0.245").
  [[nodiscard]] SEGS_EXPORT std::string to_string() const;

  friend constexpr auto operator<=>(money, money) = default;
  friend constexpr money operator+(money a, money b) noexcept { return {a.micros + b.micros}; }
  friend constexpr money operator-(money a, money b) noexcept { return {a.micros - b.micros}; }
};

/// A 128-bit UUID. New identifiers are version 7 (time ordered, RFC 9562).
struct uuid {
  std::array<std::uint8_t, 16> bytes{};

  /// Canonical lower-case 8-4-4-4-12 text.
  [[nodiscard]] SEGS_EXPORT std::string to_string() const;
  /// Parses canonical text (either case). Errors name `field`.
  [[nodiscard]] static SEGS_EXPORT result<uuid> parse(std::string_view text,
                                                      std::string_view field = "id");
  [[nodiscard]] constexpr int version() const noexcept { return bytes[6] >> 4; }
  [[nodiscard]] constexpr bool is_nil() const noexcept {
    for (auto b : bytes)
      if (b != 0) return false;
    return true;
  }
  friend constexpr auto operator<=>(const uuid&, const uuid&) = default;
};

}  // namespace segs
