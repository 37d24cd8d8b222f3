// A settled local day's quarter-hours as one value (meter_days.packed): what
// a meter's range reads instead of seeking the day's quarter-hour blocks
// (docs/telemetry.md, "Packed days"). Pure: bytes in, aggregates out.
//
// Encoding, version 1 (every integer an unsigned LEB128 varint, signed ones
// zigzagged first):
//   byte     version (1)
//   byte     slots: the day's quarter-hours, (day end - day start) / 15 min
//   bytes    presence: ceil(slots / 8) bytes, bit i (byte i / 8, bit i % 8)
//            set when the quarter-hour starting at day start + i x 15 min
//            is stored
//   then per present quarter-hour, oldest first:
//   byte     mask: bits 0-5 say which of power_min, power_max, peak_max,
//            peak_at, voltage_min, voltage_max are not null; bit 6, that
//            peak_at's offset is in whole seconds
//   varints  the 19 aggregate fields in the order of the table's columns
//            (consumed_wh, produced_wh, readings, power_n, power_sum,
//            power_min, power_max, peak_max, peak_at, voltage_n,
//            voltage_sum, voltage_min, voltage_max, current_n, current_sum,
//            pf_n, pf_sum, freq_n, freq_sum), null ones left out, each a
//            zigzagged difference (mod 2^64): power_min, power_max,
//            voltage_min and voltage_max from their quarter-hour's mean
//            (sum / n, rounded toward zero; 0 when n <= 0), every other
//            field from the same field of the previous quarter-hour that
//            had one (0 before the first); except peak_at: its offset from
//            the quarter-hour's start, in seconds when bit 6 says so, else
//            in microseconds.
// Consecutive quarter-hours of a meter are alike, so most differences take
// one or two bytes: 20-30 bytes a quarter-hour, against 21 columns of a row.
#pragma once

#include "telemetry/aggregate.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace segs::telemetry {

inline constexpr std::uint8_t packed_day_version = 1;
/// The most quarter-hours a packed day holds (a 25-hour day has 100).
inline constexpr int packed_day_max_slots = 255;

struct packed_quarter {
  timestamp start{};  ///< the quarter-hour's first instant
  aggregate agg;
};

/// The bytes of the quarter-hours `qs` (start ascending, each at most once)
/// as the table's 19 columns hold them (current, power factor and frequency
/// keep no minimum or maximum: theirs are not stored)
/// of the day starting at `day_start` that has `slots` quarter-hours. None
/// when `slots` is out of 1..packed_day_max_slots or a quarter-hour is not
/// one of the day's.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> pack_day(timestamp day_start, int slots,
                                                                std::span<const packed_quarter> qs);

/// Appends the quarter-hours of `bytes` (made by pack_day for the day
/// starting at `day_start`) to `out`, oldest first. False, `out` unchanged,
/// when the bytes are not a whole encoding of a known version.
[[nodiscard]] bool unpack_day(timestamp day_start, std::span<const std::uint8_t> bytes,
                              std::vector<packed_quarter>& out);

}  // namespace segs::telemetry
