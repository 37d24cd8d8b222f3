// Internal to the telemetry service: the implementation behind
// `segs::telemetry_service`, shared by the files of src/telemetry/ that each
// hold one responsibility (registry, ingestion, queries, analytics).
//
// Stateless: everything lives in storage, so any number of grids (and
// processes) may ingest into one database. A batch of readings is one
// transaction: its raw rows and the deltas of every aggregate they fall in
// (meter quarter-hours, meter local days, region quarter-hours) commit
// together, so aggregates never disagree with the raw rows, after a crash
// included.
#pragma once

#include "core/time_zone.hpp"
#include "grid_core.hpp"
#include "storage/stores/telemetry_store.hpp"
#include "telemetry/aggregate.hpp"

#include <segs/telemetry.hpp>

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace segs::detail {



/// What a caller wants to do with a meter.
enum class meter_access { read, write, manage };

/// True when `who` may act on `m` so (see telemetry.hpp's banner).
[[nodiscard]] bool may(const principal& who, const meter& m, meter_access a);
/// True when `who` manages or reads the meters of `region` (operators of it, admins).
[[nodiscard]] bool reaches_region(const principal& who, std::string_view region, std::string_view perm);

/// The time zone of a registered region (internal error for a zone the tz
/// database lacks, which `regions` never stores).
[[nodiscard]] tz::zone zone_of(storage::transaction& tx, std::string_view region);
[[nodiscard]] tz::zone zone_of(const region& r);

/// The local day (start, end) containing the reading time `t` (end of
/// interval: an instant on midnight belongs to the day before).
struct day_span {
  timestamp start{};
  timestamp end{};
};
[[nodiscard]] day_span day_of(const tz::zone& z, timestamp t);

/// Rebuilds the stored local days of the meters of `region` from their
/// quarter-hours in zone `z` (a region's time zone changed). Runs in the
/// caller's transaction: the region change and its days commit together.
void rebuild_days(storage::transaction& tx, std::string_view region, const tz::zone& z);

/// The windows of a local day's hourly profile: hour h is [h:00, h:00 +
/// 1 h) with h:00 as tz::zone::from_local reads it (a skipped hour reads
/// like the hour after the gap; the second pass of a repeated hour is in
/// none).
[[nodiscard]] std::array<timestamp, 24> hour_windows(const tz::zone& z, std::chrono::year_month_day date);
/// The hours of a day's profile (bit h) a quarter-hour's readings touch,
/// remembering each day's windows (a batch's readings share a few days).
class hours_touched {
 public:
  [[nodiscard]] std::int64_t of(const tz::zone& z, timestamp day_start, timestamp quarter);

 private:
  std::map<std::pair<const void*, std::int64_t>, std::array<timestamp, 24>> windows_;
};

/// A local date of a meter, in its region's zone.
struct meter_day {
  std::int64_t meter = 0;
  const tz::zone* zone = nullptr;
  std::chrono::year_month_day date;
};
/// The consumption per wall-clock hour of those of `days` that have stored
/// data, keyed (meter, the day's first instant in µs): read from the days,
/// computed from the quarter-hours (and stored, in `tx`) where a day changed
/// since it was last computed (telemetry_profiles.cpp).
std::map<std::pair<std::int64_t, std::int64_t>, storage::telemetry::day_hours> day_hours(
    storage::transaction& tx, const std::vector<meter_day>& days);

}  // namespace segs::detail

namespace segs {

struct telemetry_service::impl {
  detail::grid_core& core;

  /// The meter `ref` names when `who` may act on it so: not_found when it
  /// does not exist or `who` may not even read it, forbidden otherwise.
  storage::telemetry::meter_row require(storage::transaction& tx, const principal& who,
                                   std::string_view ref, detail::meter_access a);
  /// Stores `rows`; `replacing` overwrites differing stored readings
  /// (corrections) instead of refusing them as conflicts. Publishes
  /// "telemetry.readings" after commit. `audit` (replacing) records the old
  /// values in the same transaction. `stored`, when given, receives the
  /// stored reading of the last row kept (new or an exact repeat): what
  /// `submit` answers, without reading it back.
  ingest_report store_readings(const principal& who, std::span<const meter_reading> rows,
                               bool replacing, std::string_view reason = {},
                               const request_context& ctx = {}, stored_reading* stored = nullptr);
  /// Deletes raw readings past the retention; answers how many.
  std::int64_t drop_expired_readings();
  /// Packs up to packed_days_per_run settled days (ended by `now`), oldest
  /// first; answers how many it packed (telemetry_packing.cpp).
  std::int64_t pack_settled_days(timestamp now);
};

}  // namespace segs
