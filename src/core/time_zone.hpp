// IANA time zones: local dates and wall-clock times of a region.
//
// The one file that names the time zone library. GCC 12 has the C++20
// calendar (std::chrono::year_month_day, weekday) but not its time zones, so
// the zones come from Howard Hinnant's date/tz over the system's tz database
// (/usr/share/zoneinfo); when the toolchain moves to GCC 14, std::chrono's
// zones replace date/tz in time_zone.cpp and nothing else changes.
//
// Wall times that do not exist (the hour skipped when clocks go forward) are
// read with the offset in force before the gap, as RFC 5545 does: 02:30 on
// the spring-forward night of Europe/Berlin is 01:30Z, which the clocks show
// as 03:30. Wall times that occur twice (the hour repeated when clocks go
// back) are the earlier instant unless the caller asks for the later one.
//
// Thread-safety: a `zone` is an immutable handle into the process-wide,
// read-only tz database (loaded once, thread-safe); copy it freely.
#pragma once

#include <segs/types.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace segs::tz {

/// Which instant a wall time that occurs twice means.
enum class repeated { earliest, latest };

/// What a wall time is in a zone on a given date.
enum class wall_time_kind {
  unique,       ///< exactly one instant
  nonexistent,  ///< skipped by a forward transition
  repeated,     ///< occurs twice (a backward transition)
};

/// A wall-clock reading: the local date and the time since local midnight.
struct local_time {
  std::chrono::year_month_day date;
  std::chrono::microseconds since_midnight{0};
  /// The zone's offset from UTC at that instant (east positive).
  std::chrono::seconds offset{0};
};

class zone {
 public:
  /// The zone named `iana` ("Europe/Berlin", "UTC"), or none when the tz
  /// database has no such zone.
  [[nodiscard]] static std::optional<zone> find(std::string_view iana);
  /// UTC.
  [[nodiscard]] static zone utc();

  [[nodiscard]] std::string_view name() const;
  /// The offset from UTC at `at` (east positive).
  [[nodiscard]] std::chrono::seconds offset(timestamp at) const;
  /// The wall clock at `at`.
  [[nodiscard]] local_time to_local(timestamp at) const;
  /// The local date at `at`.
  [[nodiscard]] std::chrono::year_month_day date_of(timestamp at) const;
  /// Whether `date` + `since_midnight` is skipped, repeated or unique here.
  [[nodiscard]] wall_time_kind classify(std::chrono::year_month_day date,
                                        std::chrono::microseconds since_midnight) const;
  /// The instant a wall time means (see the header's comment for skipped
  /// and repeated times). `since_midnight` may be 24:00 or more: it counts
  /// on into the following days.
  [[nodiscard]] timestamp from_local(std::chrono::year_month_day date,
                                     std::chrono::microseconds since_midnight,
                                     repeated pick = repeated::earliest) const;
  /// The first instant of a local date (local midnight, or the end of a gap
  /// that swallowed it). A local day is [start_of_day(d), start_of_day(d+1)):
  /// 23, 24 or 25 hours, or 23.5/24.5 where DST moves by 30 minutes.
  [[nodiscard]] timestamp start_of_day(std::chrono::year_month_day date) const;
  /// The first instant of a local calendar month.
  [[nodiscard]] timestamp start_of_month(std::chrono::year_month month) const;

  friend bool operator==(const zone& a, const zone& b) noexcept { return a.tz_ == b.tz_; }

 private:
  explicit zone(const void* tz) : tz_(tz) {}
  const void* tz_;  // const date::time_zone*, kept opaque so date/tz stays in time_zone.cpp
};

}  // namespace segs::tz
