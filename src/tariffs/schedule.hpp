// The schedule compiled for the pricer, and the fixed-point helpers the
// engine shares. Internal: the public contract is include/segs/tariffs.hpp.
//
// A local day's 96 quarter-hour slots take their periods from a table that
// depends on the day's (month, day kind) -- the rules that apply on their
// own day -- and on the previous day's -- the wrapping rules whose window
// spills past midnight. Keys with the same applicable rules share a
// "variant", so a year of days needs a handful of tables, not 365.
#pragma once

#include <segs/tariffs.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace segs::tariffs {

__extension__ using wide = __int128;  // Wh x micro-units per kWh sums overflow 64 bits

inline constexpr std::int64_t quarter_us = 900'000'000;
inline constexpr std::int64_t day_us = 86'400'000'000;
inline constexpr int slots_per_day = 96;
inline constexpr int key_count = 12 * 8;  // (month, day kind)

[[nodiscard]] constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
[[nodiscard]] constexpr bool on_grid(timestamp t) noexcept { return to_micros(t) % quarter_us == 0; }

/// A validation_error naming `field` (a member's path, `schedule[1].start`).
inline error invalid(std::string field, const std::string& what) {
  return make_error(errc::validation_error, field + " " + what, field);
}

/// v / d rounded half to even. REQUIRES: d > 0.
[[nodiscard]] constexpr wide round_half_even(wide v, wide d) noexcept {
  wide q = v / d;
  const wide r = v % d;
  if (r == 0) return q;
  const wide abs_r = r < 0 ? -r : r;
  const wide rest = d - abs_r;
  if (abs_r > rest || (abs_r == rest && q % 2 != 0)) q += v < 0 ? -1 : 1;
  return q;
}

[[nodiscard]] constexpr wide pow10(int n) noexcept {
  wide p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

/// `v` units of 10^-scale currency (scale >= 6) rounded half to even to the
/// minor unit, as money; none when money cannot hold it.
[[nodiscard]] constexpr std::optional<money> rounded(wide v, int scale, int minor_digits) noexcept {
  const wide q = round_half_even(v, pow10(scale - minor_digits)) * pow10(6 - minor_digits);
  if (q > std::numeric_limits<std::int64_t>::max() || q < std::numeric_limits<std::int64_t>::min())
    return std::nullopt;
  return money{static_cast<std::int64_t>(q)};
}

using day_table = std::array<std::uint16_t, slots_per_day>;

class compiled_schedule {
 public:
  /// REQUIRES: validate(t) succeeded.
  explicit compiled_schedule(const tariff& t);

  /// (month - 1) * 8 + day kind of the local date `day` (days since 1970-01-01).
  [[nodiscard]] int key_of(std::int64_t day) const;
  [[nodiscard]] std::size_t spill_variants() const noexcept { return spill_masks_.size(); }
  [[nodiscard]] std::size_t variant_pairs() const noexcept { return own_masks_.size() * spill_masks_.size(); }
  /// The table index of a day whose own key is `key` and whose previous day's is `prev_key`.
  [[nodiscard]] std::size_t pair_of(int key, int prev_key) const noexcept {
    return own_of_key_[static_cast<std::size_t>(key)] * spill_masks_.size() +
           spill_of_key_[static_cast<std::size_t>(prev_key)];
  }
  /// The periods of the 96 slots of a day of pair `pair`.
  void fill(std::size_t pair, day_table& out) const;

 private:
  struct rule {
    std::uint16_t period = 0;
    int start = 0;  // slots
    int end = 0;    // slots, 1..96
    bool wraps = false;
  };
  std::vector<rule> rules_;
  std::vector<std::vector<char>> own_masks_;    // per variant: which rules apply on their own day
  std::vector<std::vector<char>> spill_masks_;  // per variant: which wrapping rules spill into the next day
  std::array<std::size_t, key_count> own_of_key_{};
  std::array<std::size_t, key_count> spill_of_key_{};
  std::vector<std::int64_t> holidays_;  // sorted local day numbers
  std::uint16_t default_period_ = 0;
};

/// The day tables one call needs, built on first use: each call owns its
/// cache, so a compiled pricer stays immutable and shareable.
class day_tables {
 public:
  explicit day_tables(const compiled_schedule& s) : s_(s), index_(s.variant_pairs(), -1) {}
  [[nodiscard]] const day_table& of_day(std::int64_t day);

 private:
  const compiled_schedule& s_;
  std::vector<std::int32_t> index_;
  std::deque<day_table> tables_;  // a deque: references stay valid as it grows
  std::int64_t last_day_ = std::numeric_limits<std::int64_t>::min();
  int last_key_ = 0;
  const day_table* last_ = nullptr;
};

}  // namespace segs::tariffs
