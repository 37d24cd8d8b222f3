// Invoice amounts and instants as text (shared by the CSV export and the
// PDF document), and text in the PDF fonts' encoding.
#pragma once

#include "core/time_zone.hpp"

#include <segs/types.hpp>

#include <string>
#include <string_view>

namespace segs::billing {

/// Money with exactly `digits` decimals, rounded half to even first
/// ("12.30", "-0.05", "1200" with 0 digits).
[[nodiscard]] std::string amount_text(money m, int digits);

/// The local date in `z` ("2026-11-01") at local midnight, with the wall
/// time otherwise ("2026-10-31 23:00", seconds when there are any).
[[nodiscard]] std::string instant_text(timestamp t, const tz::zone& z);

/// UTF-8 text as WinAnsiEncoding (Windows-1252) bytes, the PDF's built-in
/// fonts' encoding: Latin-1 letters and the Windows-1252 extras kept,
/// anything else (and invalid UTF-8) as '?'; at most 2,000 characters
/// (libharu refuses to measure or show 64 KiB).
[[nodiscard]] std::string win_ansi(std::string_view s);

}  // namespace segs::billing
