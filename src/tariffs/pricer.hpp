// The compiled pricer's state and the walk every pricing call shares.
// Internal: the public contract is include/segs/tariffs.hpp.
//
// The walk never converts a bucket's time on its own: it visits runs of
// consecutive buckets that share a UTC offset, a local date and an
// override, so a run's wall-clock slots are consecutive in its day's table.
// Per local day it asks the time zone for one offset (the last bucket's);
// only a day whose offset changes is bisected to find the change. A day
// whose offset changes and changes back again would go unseen -- no zone
// in the tz database has one.
#pragma once

#include "core/time_zone.hpp"
#include "tariffs/overrides.hpp"
#include "tariffs/schedule.hpp"

#include <segs/tariffs.hpp>

#include <algorithm>
#include <cstdint>

namespace segs {

/// A run of `count` buckets from `start`: bucket k is in period
/// `period[k]` at the price `prices[period[k]]`, under override row `row`
/// (0: none).
struct tariff_run {
  std::int64_t start = 0;
  std::int64_t count = 0;
  const std::uint16_t* period = nullptr;
  const money* prices = nullptr;
  std::uint32_t row = 0;
};

struct tariff_pricer::impl {
  tariff terms;
  tz::zone zone;
  int minor_digits = 2;
  tariffs::compiled_schedule schedule;
  tariffs::override_table overrides;

  impl(tariff t, tz::zone z, int minor, tariffs::override_table o)
      : terms(std::move(t)), zone(z), minor_digits(minor), schedule(terms), overrides(std::move(o)) {}

  /// [from, to) on the grid, from <= to, inside the effective range; errors
  /// name `from` or `to`.
  [[nodiscard]] result<void> check_range(timestamp from, timestamp to) const;
  [[nodiscard]] std::optional<uuid> override_id(std::uint32_t row) const {
    if (row == 0) return std::nullopt;
    return overrides.ids[row - 1];
  }

  [[nodiscard]] std::int64_t offset_us(std::int64_t at) const {
    return std::chrono::duration_cast<std::chrono::microseconds>(zone.offset(from_micros(at))).count();
  }

  /// Visits the buckets of [from, to) (µs, on the grid) as tariff_runs, in order.
  template <class Visit>
  void walk(std::int64_t from, std::int64_t to, Visit&& visit) const;
};

template <class Visit>
void tariff_pricer::impl::walk(std::int64_t from, std::int64_t to, Visit&& visit) const {
  using tariffs::day_us;
  using tariffs::quarter_us;
  if (from >= to) return;
  tariffs::day_tables tables(schedule);
  const auto& segs = overrides.segments;
  const std::size_t periods = terms.periods.size();
  auto seg = std::upper_bound(segs.begin(), segs.end(), from,
                              [](std::int64_t v, const tariffs::override_segment& s) { return v < s.end; });
  std::int64_t u = from;
  std::int64_t off = offset_us(u);
  while (u < to) {
    const std::int64_t wall = u + off;
    const std::int64_t day = tariffs::floor_div(wall, day_us);
    // The first bucket whose wall time at this offset is on the next day.
    std::int64_t end = -tariffs::floor_div(-((day + 1) * day_us - off), quarter_us) * quarter_us;
    end = std::min(end, to);
    bool changes = false;
    if (offset_us(end - quarter_us) != off) {
      // Bisect for the first bucket at another offset.
      std::int64_t lo = 0;
      std::int64_t hi = (end - u) / quarter_us - 1;
      while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        if (offset_us(u + mid * quarter_us) != off)
          hi = mid;
        else
          lo = mid + 1;
      }
      end = u + lo * quarter_us;
      changes = true;
    }
    if (end > u) {
      // Floored: an offset off the 15-minute grid (old local mean times) still lands in a slot.
      const auto first = static_cast<std::size_t>((wall - day * day_us) / quarter_us);
      const std::uint16_t* slots = tables.of_day(day).data() + first;
      for (std::int64_t c = u; c < end;) {
        while (seg != segs.end() && seg->end <= c) ++seg;
        std::uint32_t row = 0;
        std::int64_t stop = end;
        if (seg != segs.end()) {
          if (seg->start <= c) {
            row = seg->row;
            stop = std::min(end, seg->end);
          } else {
            stop = std::min(end, seg->start);
          }
        }
        visit(tariff_run{c, (stop - c) / quarter_us, slots + (c - u) / quarter_us,
                         overrides.prices.data() + row * periods, row});
        c = stop;
      }
    }
    u = end;
    if (changes) off = offset_us(u);
  }
}

}  // namespace segs
