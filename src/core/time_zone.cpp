// The tz database through date/tz (see time_zone.hpp for why here only).
#include "core/time_zone.hpp"

#include <date/tz.h>

#include <stdexcept>
#include <string>

namespace segs::tz {

namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

const date::time_zone* of(const void* p) { return static_cast<const date::time_zone*>(p); }

// Calendar days count the same in std::chrono and date (days since
// 1970-01-01), which is how dates cross between the two libraries.
date::local_days local_days_of(std::chrono::year_month_day d) {
  return date::local_days{date::days{std::chrono::sys_days{d}.time_since_epoch().count()}};
}
std::chrono::year_month_day ymd_of_days(std::int64_t days_since_epoch) {
  return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{days_since_epoch}}};
}

}  // namespace

std::optional<zone> zone::find(std::string_view iana) {
  if (iana.empty() || iana.size() > 64) return std::nullopt;
  try {
    return zone(date::locate_zone(std::string(iana)));
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
}

zone zone::utc() { return zone(date::locate_zone("Etc/UTC")); }

std::string_view zone::name() const { return of(tz_)->name(); }

std::chrono::seconds zone::offset(timestamp at) const {
  return of(tz_)->get_info(std::chrono::floor<seconds>(at)).offset;
}

local_time zone::to_local(timestamp at) const {
  const auto off = offset(at);
  const auto wall = at.time_since_epoch() + std::chrono::duration_cast<microseconds>(off);
  const auto day = std::chrono::floor<std::chrono::days>(wall);
  return {ymd_of_days(day.count()), wall - std::chrono::duration_cast<microseconds>(day), off};
}

std::chrono::year_month_day zone::date_of(timestamp at) const { return to_local(at).date; }

wall_time_kind zone::classify(std::chrono::year_month_day d, microseconds since_midnight) const {
  const auto lt = local_days_of(d) + since_midnight;
  switch (of(tz_)->get_info(std::chrono::floor<seconds>(lt)).result) {
    case date::local_info::nonexistent: return wall_time_kind::nonexistent;
    case date::local_info::ambiguous: return wall_time_kind::repeated;
    default: return wall_time_kind::unique;
  }
}

timestamp zone::from_local(std::chrono::year_month_day d, microseconds since_midnight,
                           repeated pick) const {
  const auto lt = local_days_of(d) + since_midnight;
  const auto info = of(tz_)->get_info(std::chrono::floor<seconds>(lt));
  // `first` is the period before a transition, `second` the one after: a
  // skipped time reads with the offset before the gap (RFC 5545).
  const auto off = info.result == date::local_info::ambiguous && pick == repeated::latest
                       ? info.second.offset
                       : info.first.offset;
  return timestamp{lt.time_since_epoch() - std::chrono::duration_cast<microseconds>(off)};
}

timestamp zone::start_of_day(std::chrono::year_month_day d) const {
  const auto lt = local_days_of(d);
  const auto info = of(tz_)->get_info(lt);
  // Midnight skipped: the day begins where the gap ends.
  if (info.result == date::local_info::nonexistent)
    return std::chrono::time_point_cast<microseconds>(info.second.begin);
  return from_local(d, microseconds{0}, repeated::earliest);
}

timestamp zone::start_of_month(std::chrono::year_month m) const {
  return start_of_day(m / std::chrono::day{1});
}

}  // namespace segs::tz
