// libsegs — meters and telemetry: the meter registry, validated ingestion,
// time-bucket aggregation and the queries over it.
//
//     segs::meter_spec m;
//     m.meter_id = "SM_ENG_001_2025"; m.region = "berlin"; m.capacity_kw = segs::milli{50'000};
//     auto created = grid->telemetry().create_meter(admin, m).value();
//     segs::reading r;
//     r.time = *segs::parse_rfc3339("2026-03-01T10:15:00Z");
//     r.consumed = segs::energy{1250};   // Wh of 10:00-10:15
//     grid->telemetry().submit(gateway, "SM_ENG_001_2025", r);
//     auto hours = grid->telemetry().history(who, "SM_ENG_001_2025",
//                                            {start, end}, segs::bucket_width::hour);
//
// Units. Energy is whole Wh (`energy`); instantaneous values — kW, V, A,
// power factor, Hz — are fixed-point `milli`s (thousandths), so sums and
// means are exact until the one rounding at the edge (half to even, three
// decimals). A reading's `time` is the END of the interval it measures.
//
// Buckets. A reading belongs to the bucket (start, end] containing its
// time: one stamped 10:15 is energy of 10:00-10:15. Quarter-hours and hours
// are aligned to UTC; days and months follow the meter's region's time zone
// (a local day has 23, 24 or 25 hours). Two levels are stored and kept up to
// date in the transaction that stores the readings, late ones included:
// quarter-hours, and local days. An hour is its four stored quarter-hours, a
// month its stored days; no query reads raw readings except `readings` and
// `latest`. A range (start, end] selects the buckets that overlap it.
//
// Authorization (inside the library; what a caller may not see is
// not_found, so meter ids do not leak):
//   - `meters:manage` with scope all (admins) manages every meter; with
//     scope region (operators) the meters of its region.
//   - A user reads their own meters (`telemetry:read`) and submits readings
//     for them (`telemetry:write`, which the self-service roles hold).
//   - An API key with `telemetry:write` (a meter head-end) submits readings
//     for the meters of its region (every region when it has none), only
//     its `meter_ids` when it lists some.
//   - `telemetry:read` with scope region/all reads the meters in scope.
// Meter arguments (`std::string_view meter`) take the serial (`meter_id`)
// or the UUID.
//
// Holdings. A meter's owners follow one another in time: each holding is
// [effective_from, effective_to), and a 15-minute bucket's energy belongs to
// whoever held the meter at the bucket's start (billing reads them so; an
// owner change never rewrites the past). `assign_meter` opens a holding,
// `unassign_meter` closes it at the clock's now. A holding starts by
// default, for a meter that never had an owner, at the start of its
// installation date in its region's time zone (since the beginning when it
// has none; now when that date is still to come), and otherwise now.
// An explicit start may be backdated, but never after now nor before the
// end of the meter's last holding. Creating a meter with an owner opens its
// first holding the same way. `meter.user_id` is the current holder.
//
// Errors: validation_error naming the C++ member (`time`, `consumed`,
// `voltage`, ...), not_found, forbidden, conflict (a serial in use, a meter
// held by another user, a holding starting before the last one ended, a
// decommissioned meter, a reading conflicting with a stored one), unauthorized (a signed meter's missing or bad signature).
//
// Thread-safety: safe from several threads. Lifetime: from
// `grid::telemetry()`, lives as long as its grid.
#pragma once

#include <segs/access.hpp>
#include <segs/error.hpp>
#include <segs/export.hpp>
#include <segs/page.hpp>
#include <segs/types.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace segs {

class grid;
struct options;
namespace storage {
class backend;
}
namespace detail {
struct grid_core;
result<std::unique_ptr<grid>> open_grid(std::unique_ptr<storage::backend> backend, options opts);
}  // namespace detail

/// A decimal with three fixed decimals: `milli{1234}` is 1.234.
struct milli {
  std::int64_t value = 0;

  /// From decimal text ("240.5"); more than three decimals is a
  /// validation_error naming `field`.
  [[nodiscard]] static SEGS_EXPORT result<milli> parse(std::string_view text,
                                                       std::string_view field);
  /// Minimal decimal text ("240.5").
  [[nodiscard]] SEGS_EXPORT std::string to_string() const;
  [[nodiscard]] constexpr double to_double() const noexcept {
    return static_cast<double>(value) / 1000.0;
  }
  friend constexpr auto operator<=>(milli, milli) = default;
};

enum class meter_kind { smart_digital, smart_analog, net_meter, solar_inverter, battery, ev_charger };
enum class meter_status { active, inactive, maintenance, decommissioned };
[[nodiscard]] SEGS_EXPORT std::string_view to_string(meter_kind k) noexcept;
[[nodiscard]] SEGS_EXPORT std::string_view to_string(meter_status s) noexcept;
[[nodiscard]] SEGS_EXPORT result<meter_kind> parse_meter_kind(std::string_view text);
[[nodiscard]] SEGS_EXPORT result<meter_status> parse_meter_status(std::string_view text);

struct meter_location {
  std::optional<std::string> building;   ///< at most 200 characters
  std::optional<std::string> room;       ///< at most 200 characters
  std::optional<std::string> address;    ///< at most 500 characters
  std::optional<double> latitude;        ///< -90..90
  std::optional<double> longitude;       ///< -180..180
};

/// The latest reading of a meter, as listings show it.
struct reading_brief {
  timestamp time{};
  energy consumed;
  energy produced;
};

struct meter {
  uuid id;
  std::string meter_id;  ///< the serial: 3-64 of `A-Z a-z 0-9 _ -`, unique
  std::string region;
  std::optional<uuid> user_id;  ///< the owner; none while unassigned
  meter_kind meter_type = meter_kind::smart_digital;
  meter_status status = meter_status::active;
  meter_location location;
  milli capacity_kw;  ///< > 0
  std::optional<std::chrono::year_month_day> installation_date;  ///< a local date of the region
  std::string public_key;  ///< base64 of an Ed25519 key (32 bytes); empty: unsigned meter
  std::string metadata = "{}";  ///< a JSON object, at most 16 KiB
  timestamp created_at{};
  timestamp updated_at{};
  // Answered by reads (get_meter, list_meters), not stored with the meter:
  std::optional<reading_brief> last_reading;
  energy total_consumed;  ///< over every stored day
  energy total_produced;
};

/// What `create_meter` and `update_meter` take. Creating: `meter_id` and
/// `capacity_kw` are required, `region` defaults to the deployment's
/// default region, `meter_type` to smart_digital. Updating: absent members
/// keep their value; `meter_id` and `user_id` are not updated here (assign /
/// unassign), `region` only while the meter has no readings.
struct meter_spec {
  std::optional<std::string> meter_id;
  std::optional<std::string> region;
  std::optional<meter_kind> meter_type;
  std::optional<meter_location> location;
  std::optional<milli> capacity_kw;
  std::optional<std::chrono::year_month_day> installation_date;
  std::optional<std::string> public_key;  ///< "" removes the key
  std::optional<std::string> metadata;
  std::optional<uuid> user_id;  ///< creating only: the owner
};

/// One holding of a meter: `user_id` held it over [effective_from,
/// effective_to). effective_from none: since the meter's beginning;
/// effective_to none: still holds it.
struct meter_assignment {
  uuid user_id;
  std::optional<timestamp> effective_from;
  std::optional<timestamp> effective_to;
};

/// A meter's own proof that it holds its key (`register_signed_meter`).
struct device_proof {
  std::string public_key;  ///< base64 Ed25519 public key
  std::string signature;   ///< base64 Ed25519 signature of `signed_text`
  std::string signed_text; ///< the registration exactly as the device sent it
};

struct meter_query {
  std::optional<meter_status> status;
  std::optional<std::string> region;
  std::optional<uuid> user_id;
  int page = 1;
  int per_page = 20;
};

/// A page of meters, with the counts of the whole listing by status.
struct meter_listing {
  page<meter> meters;
  std::int64_t active_meters = 0;
  std::int64_t inactive_meters = 0;  ///< every status but active
};

/// One measurement. More than three decimals cannot be expressed; ranges
/// are checked by the service (validation_error naming the member).
struct reading {
  timestamp time{};   ///< end of the interval; at most 5 minutes ahead of the clock
  energy consumed;    ///< imported during the interval, >= 0
  energy produced;    ///< exported during the interval, >= 0
  std::optional<milli> power_kw;        ///< net active power at `time`, import positive
  std::optional<milli> peak_demand_kw;  ///< >= 0
  std::optional<milli> voltage;         ///< 0..1000 V
  std::optional<milli> current;         ///< 0..10000 A
  std::optional<milli> power_factor;    ///< 0..1
  std::optional<milli> frequency;       ///< 40..70 Hz
  std::string metadata;                 ///< a JSON object or empty, at most 4 KiB
};

/// A reading as stored.
struct stored_reading {
  uuid meter;
  std::string meter_id;  ///< the serial
  reading values;
  timestamp received_at{};
  /// True when `submit` found the same reading already stored.
  bool duplicate = false;
};

/// A device's signature of a reading: base64 Ed25519 over the UTF-8 bytes
/// "meter_id|time|consumed_wh|produced_wh" (the serial, the time as the
/// device wrote it, integers of Wh). Required for meters with a public key.
struct reading_signature {
  std::string signature;
  /// `time` exactly as the device wrote it; empty: `to_rfc3339(time)`.
  std::string time_text;
};

/// One row of a bulk submission.
struct meter_reading {
  std::string meter;  ///< serial or UUID
  reading values;
  reading_signature signed_by;
};

/// Why a bulk row was not stored.
struct rejected_reading {
  std::size_t index = 0;  ///< the row's position in the submission
  std::string field;      ///< the member at fault (`meter`, `time`, ...)
  errc code = errc::validation_error;
  std::string message;
};

/// The event "telemetry.readings": readings one call committed in one
/// region (a bulk call publishes one per region it touched).
struct readings_committed {
  std::vector<stored_reading> readings;
};

struct ingest_report {
  std::int64_t accepted = 0;
  std::int64_t duplicates = 0;
  std::vector<rejected_reading> rejected;
};

enum class bucket_width { quarter_hour, hour, day, month };
/// "15m", "1h", "1d", "1mo".
[[nodiscard]] SEGS_EXPORT std::string_view to_string(bucket_width w) noexcept;
[[nodiscard]] SEGS_EXPORT result<bucket_width> parse_bucket_width(std::string_view text);

/// An aggregate of the readings in (start, end]. A value no reading carried
/// is empty; means are arithmetic over the readings that carry the value.
struct bucket {
  timestamp start{};
  timestamp end{};
  energy consumed;
  energy produced;
  std::int64_t reading_count = 0;
  std::optional<milli> min_power_kw, avg_power_kw, max_power_kw;
  std::optional<milli> peak_demand_kw;  ///< the largest
  std::optional<milli> voltage_min, voltage_avg, voltage_max;
  std::optional<milli> current_avg, power_factor_avg, frequency_avg;
  [[nodiscard]] energy net() const noexcept { return consumed - produced; }
};

/// A range (start, end]: at most 366 days, start before end.
struct time_range {
  timestamp start{};
  timestamp end{};
};

struct meter_stats {
  std::string meter_id;
  time_range range;
  bucket totals;  ///< the whole range as one bucket (start/end = the range)
  std::optional<timestamp> peak_at;  ///< when peak_demand_kw was measured
};

struct day_total {
  std::chrono::year_month_day date;
  energy consumed;
  energy produced;
  std::optional<milli> peak_demand_kw;
};

struct month_total {
  std::chrono::year_month month;
  energy consumed;
  energy produced;
};

enum class compare_period { day, week, month };
[[nodiscard]] SEGS_EXPORT std::string_view to_string(compare_period p) noexcept;
[[nodiscard]] SEGS_EXPORT result<compare_period> parse_compare_period(std::string_view text);
struct period_total {
  time_range range;
  energy consumed;
  energy produced;
};
struct period_comparison {
  std::string meter_id;
  compare_period period = compare_period::day;
  period_total current;
  period_total previous;
  /// current - previous consumption.
  energy change;
  /// 100 x change / previous consumption, 2 decimals; none when the
  /// previous period consumed nothing.
  std::optional<double> change_percent;
};

struct region_stats {
  std::string region;
  time_range range;
  std::int64_t meters_total = 0;      ///< not decommissioned
  std::int64_t meters_reporting = 0;  ///< with a reading in the range
  energy consumed;
  energy produced;
  /// The highest quarter-hour load: the region's net energy of a quarter
  /// hour / 0.25 h.
  std::optional<milli> peak_load_kw;
  std::optional<timestamp> peak_at;   ///< that quarter-hour's end
};

struct top_consumer {
  int rank = 0;  ///< from 1; ties ordered by serial
  std::string meter_id;
  std::optional<uuid> user_id;
  energy consumed;
};

struct region_realtime {
  std::string region;
  timestamp as_of{};
  int window_minutes = 15;
  milli load_kw;        ///< sum of positive power_kw of each meter's latest reading
  milli generation_kw;  ///< sum of the magnitudes of the negative ones
  milli net_load_kw;
  std::int64_t meters_reporting = 0;
  std::int64_t meters_total = 0;
};

/// The P2P seed's analytics, defined exactly in docs/telemetry.md. Ratios
/// are rounded half to even to 4 decimals; empty when undefined.
struct meter_analytics {
  std::string meter_id;
  time_range range;
  energy consumed;
  energy produced;
  double average_daily_consumption_kwh = 0;
  std::optional<double> peak_consumption_kw;
  std::optional<double> efficiency_rating;
  std::vector<std::string> peak_hours;      ///< local, "09:00-11:00"
  std::vector<std::string> off_peak_hours;
  std::optional<double> weekend_vs_weekday_ratio;
  double carbon_offset_kg = 0;
  std::optional<double> renewable_energy_percent;
  std::optional<double> grid_independence_score;
};

/// Telemetry settings of a deployment.
struct telemetry_options {
  /// Raw readings older than this are deleted by `grid::run_due_work`;
  /// aggregates are kept. Empty: kept for ever.
  std::optional<std::chrono::hours> raw_retention;
};

class SEGS_EXPORT telemetry_service {
 public:
  ~telemetry_service();
  telemetry_service(const telemetry_service&) = delete;
  telemetry_service& operator=(const telemetry_service&) = delete;

  // --- the registry ----------------------------------------------------------
  /// Registers a meter (`meters:manage`; operators in their region).
  /// validation_error naming the member; conflict when the serial is taken.
  /// Audited "meter.create".
  result<meter> create_meter(const principal& who, const meter_spec& spec,
                             const request_context& ctx = {});
  /// A user registers their own device: `proof.signed_text` must carry a
  /// valid signature by `proof.public_key`, which becomes the meter's key
  /// (unauthorized otherwise). The meter is the caller's, in their region
  /// unless `spec.region` names another. Needs a signed-in user (unauthorized
  /// for anonymous callers, forbidden for API keys and the system).
  result<meter> register_signed_meter(const principal& who, const meter_spec& spec,
                                      const device_proof& proof, const request_context& ctx = {});
  /// Changes a meter (`meters:manage` in scope). Audited "meter.update".
  result<meter> update_meter(const principal& who, std::string_view meter,
                             const meter_spec& spec, const request_context& ctx = {});
  /// Sets the status (`meters:manage` in scope); `decommissioned` is final
  /// (conflict to leave it). `reason` is audited ("meter.status").
  result<meter> set_meter_status(const principal& who, std::string_view meter,
                                 meter_status status, std::string_view reason = {},
                                 const request_context& ctx = {});
  /// Decommissions: keeps every reading, takes no new ones.
  result<meter> decommission_meter(const principal& who, std::string_view meter,
                                   const request_context& ctx = {});
  /// Gives the meter to `user` from `effective_from` (`meters:manage` in
  /// scope; see "Holdings" above for the default and the rules): conflict
  /// when another user holds it (naming `meter_id`) or when effective_from
  /// is before the end of its last holding (naming `effective_from`);
  /// validation_error naming `effective_from` when it is after now;
  /// not_found for an unknown user. Assigning to the current holder changes
  /// nothing. Audited "meter.assign" with effective_from.
  result<meter> assign_meter(const principal& who, std::string_view meter, const uuid& user,
                             std::optional<timestamp> effective_from = std::nullopt,
                             const request_context& ctx = {});
  /// Takes the meter from its owner: their holding ends now. Audited
  /// "meter.unassign".
  result<meter> unassign_meter(const principal& who, std::string_view meter,
                               const request_context& ctx = {});
  /// Who held the meter when, oldest first (whoever may read the meter, as
  /// `get_meter`).
  result<std::vector<meter_assignment>> meter_assignments(const principal& who,
                                                          std::string_view meter);
  /// A meter the caller may read, with its last reading and totals.
  result<meter> get_meter(const principal& who, std::string_view meter);
  /// The meters in the caller's reach (own; an operator's region; all for
  /// admins), filtered and paged (page.hpp's rule).
  result<meter_listing> list_meters(const principal& who, const meter_query& q = {});
  /// The caller's meter: `meter` when given (it must be theirs), else the
  /// one they hold — not_found when none, validation_error naming
  /// `meter_id` when several.
  result<meter> my_meter(const principal& who, std::optional<std::string_view> meter = {});

  // --- readings ----------------------------------------------------------------
  /// Stores one reading. An exact repeat answers the stored reading with
  /// `duplicate` set; different values at the same time are a conflict.
  /// unauthorized for a signed meter without a valid `signature`.
  result<stored_reading> submit(const principal& who, std::string_view meter,
                                const reading& r, const reading_signature& sig = {});
  /// Stores up to 10,000 rows in one transaction; rows are independent:
  /// each bad row is reported, the good ones stored (validation_error
  /// naming `readings` beyond 10,000 rows).
  result<ingest_report> ingest(const principal& who, std::span<const meter_reading> rows);
  /// Replaces the readings at these times (inserting missing ones); needs
  /// `meters:manage` in scope and a `reason`. Audited with the old values.
  result<ingest_report> replace(const principal& who, std::string_view meter,
                                std::span<const reading> readings, std::string_view reason,
                                const request_context& ctx = {});
  /// The latest stored reading, or none.
  result<std::optional<stored_reading>> latest(const principal& who, std::string_view meter);
  /// Raw readings with time in (start, end], oldest first, paged.
  result<page<stored_reading>> readings(const principal& who, std::string_view meter,
                                        time_range range, page_request page = {});

  // --- aggregates --------------------------------------------------------------
  /// The non-empty buckets overlapping the range, oldest first.
  result<std::vector<bucket>> history(const principal& who, std::string_view meter,
                                      time_range range, bucket_width width = bucket_width::hour);
  result<meter_stats> stats(const principal& who, std::string_view meter, time_range range);
  /// Local days overlapping the range, in the region's time zone.
  result<std::vector<day_total>> daily(const principal& who, std::string_view meter,
                                       time_range range);
  /// The local months of `year` that hold readings.
  result<std::vector<month_total>> monthly(const principal& who, std::string_view meter, int year);
  /// The local period containing `date` (default: today) and the one before
  /// (weeks start on Monday).
  result<period_comparison> compare(const principal& who, std::string_view meter,
                                    compare_period period,
                                    std::optional<std::chrono::year_month_day> date = {});
  result<meter_analytics> analytics(const principal& who, std::string_view meter,
                                    time_range range);
  /// A region's totals and peak load (operators of the region, admins).
  result<region_stats> stats_of_region(const principal& who, std::string_view region,
                                       time_range range);
  /// The region's meters by consumption in the range; `limit` 1..100.
  result<std::vector<top_consumer>> top_consumers(const principal& who, std::string_view region,
                                                  time_range range, int limit = 10);
  /// Load from each meter's latest reading of the last 15 minutes.
  result<region_realtime> realtime(const principal& who, std::string_view region);

 private:
  friend result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend>, options);
  explicit telemetry_service(detail::grid_core& core);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace segs
