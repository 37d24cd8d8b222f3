// Telemetry's time blocks: every per-meter series table (raw readings,
// quarter-hours, local days) is keyed (block, meter, time), where `block` is
// the time floored to a fixed width. Readings arrive by time, so a batch of
// many meters at one instant touches only the pages of the current block
// (a key led by the meter touched one page per meter: SQLite's WAL writes
// each dirtied page whole at commit). A meter's range is read by seeking
// each block of the range in turn: `in_blocks` enumerates them inside the
// statement, so one statement still answers one range.
//
// Migration 0007 computes the same floor division for rows stored before.
#pragma once

#include <segs/types.hpp>

#include <cstdint>
#include <string>

namespace segs::storage::telemetry {

/// Block widths in microseconds.
inline constexpr std::int64_t reading_block_us = 3'600'000'000;  // an hour: raw readings
inline constexpr std::int64_t quarter_block_us = 3'600'000'000;  // an hour: four quarter-hours
inline constexpr std::int64_t day_block_us = 86'400'000'000;     // a UTC day: local days

/// floor(t / width), also for times before the epoch.
constexpr std::int64_t block_of(std::int64_t t_us, std::int64_t width) {
  const std::int64_t q = t_us / width;
  return (t_us % width != 0 && t_us < 0) ? q - 1 : q;
}
inline std::int64_t block_of(timestamp t, std::int64_t width) { return block_of(to_micros(t), width); }

/// "block IN (<every block from $lo to $hi>)": the blocks of a range, listed
/// by a recursive query so the statement's text does not depend on the
/// range (one cached statement). Both backends seek each listed block.
inline std::string in_blocks(std::string_view column, int lo_param, int hi_param) {
  return std::string(column) + " IN (WITH RECURSIVE blocks(b) AS (SELECT CAST($" +
         std::to_string(lo_param) + " AS BIGINT) UNION ALL SELECT b + 1 FROM blocks WHERE b < $" +
         std::to_string(hi_param) + ") SELECT b FROM blocks)";
}

}  // namespace segs::storage::telemetry
