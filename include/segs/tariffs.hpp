// libsegs — tariffs: time-of-use prices in a region's local time, overrides,
// and the pricing engine billing uses.
//
//     segs::tariff t;
//     t.effective_from = start;
//     t.periods = {{"peak", *segs::money::parse("0.32")}, {"off_peak", *segs::money::parse("0.12")}};
//     t.schedule = {{"peak", {segs::day_kind::mon, segs::day_kind::tue}, 17h, 21h, {}}};
//     t.default_period = "off_peak";
//     auto pricer = segs::tariff_pricer::compile(t, "Europe/Berlin", overrides).value();
//     auto p = pricer.price_at(bucket_start).value();   // p.period, p.effective_price_per_kwh
//     auto b = pricer.cost(from, to, usage).value();     // the lines of a bill
//
// Model. A tariff belongs to a region and is in effect over
// [effective_from, effective_to) (instants on the 15-minute grid; no end:
// open-ended). Its `schedule` maps local wall-clock time to named periods,
// each with a price per kWh: a local instant takes the period of the FIRST
// rule whose months, day and [start, end) contain it. A rule whose start is
// after its end wraps midnight and is matched on the day (and month) its
// window began: `fri 22:00-06:00` covers Saturday 00:00-06:00. On a date in
// `holidays` the day is `holiday`, not its weekday. Instants no rule covers
// take `default_period`.
//
// Pricing. A 15-minute bucket [start, start + 15 min) -- the energy of the
// readings stamped in (start, start + 15 min] -- is priced at the price in
// effect at its `start`; local wall time decides the period, so the hour a
// 25-hour day repeats is priced by each of its UTC instants' wall times,
// and a 23-hour day simply has 92 buckets. An override replaces
// (`price_per_kwh`) or scales (`multiplier`) the energy price over its
// [start, end); where several cover an instant, the most recently created
// wins (created_at, then id).
//
// Units: prices are `money` per kWh (micro-units, so at most 6 decimals);
// energy is whole Wh; `tax_percent` and `multiplier` are `ten_thousandths`.
// A multiplied price is rounded half to even to a micro-unit per kWh. The
// amounts of `cost` are computed exactly (Wh x micro-units per kWh, in
// 10^-9 currency units) and rounded half to even to the currency's minor
// unit only where a line is formed.
//
// Errors: validation_error naming the C++ member by its path
// (`schedule[1].start`, `periods[0].price_per_kwh`).
//
// The service (`grid::tariffs()`) stores tariffs and overrides per region:
//   - At any instant a region has at most one tariff in effect. Creating one
//     whose `effective_from` falls inside an open-ended predecessor ends the
//     predecessor there, provided that instant is not before the clock's
//     now; any other overlap is a conflict. A tariff may start in the past
//     (loading history) where no tariff was in effect.
//   - A tariff in effect or in the past is immutable (conflict): a change is
//     a new tariff from a future instant. One that has not begun may be
//     changed; moving its `effective_from` moves the end of the predecessor
//     it ended, under the same rule.
//   - An override starts no earlier than the current 15-minute bucket.
//     Removing one that has begun ends it at the end of the current bucket
//     (the past stays as it was priced); one that has not begun is removed
//     whole (its end becomes its start).
//
// Authorization (inside the library): every signed-in caller (user or API
// key) reads tariffs, prices and forecasts; `estimate` prices the caller's
// own metered profile. `tariffs:manage` (admins) creates and changes
// tariffs. `tariffs:operate` (operators for their region, admins for all)
// creates and removes overrides and reads `regions` and `analytics`.
// Every change is audited. Anonymous callers are unauthorized.
//
// Thread-safety: the types are plain values; a compiled `tariff_pricer` is
// immutable and may be shared between threads; the service is safe from
// several threads and lives as long as its grid.
#pragma once

#include <segs/access.hpp>
#include <segs/error.hpp>
#include <segs/export.hpp>
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

/// A decimal with four fixed decimals: `ten_thousandths{195000}` is 19.5
/// (a tax rate in percent), `ten_thousandths{12500}` is 1.25 (a multiplier).
struct ten_thousandths {
  std::int64_t value = 0;

  /// From decimal text ("19.5"); more than four decimals is a
  /// validation_error naming `field`.
  [[nodiscard]] static SEGS_EXPORT result<ten_thousandths> parse(std::string_view text,
                                                                 std::string_view field);
  /// Minimal decimal text ("19.5").
  [[nodiscard]] SEGS_EXPORT std::string to_string() const;
  friend constexpr auto operator<=>(ten_thousandths, ten_thousandths) = default;
};

/// The days a schedule rule names: the weekdays, and the region's holidays.
enum class day_kind : std::uint8_t { mon, tue, wed, thu, fri, sat, sun, holiday };
[[nodiscard]] SEGS_EXPORT std::string_view to_string(day_kind d) noexcept;
[[nodiscard]] SEGS_EXPORT result<day_kind> parse_day_kind(std::string_view text, std::string_view field = "days");

/// A named price: `name` is 1-32 of `a-z 0-9 _`, unique in its tariff.
struct tariff_period {
  std::string name;
  money price_per_kwh;  ///< >= 0
};

/// One line of a schedule: `period` on `days` (of `months`) over the local
/// wall-clock window [start, end).
struct schedule_rule {
  std::string period;           ///< a name in `periods`
  std::vector<day_kind> days;   ///< not empty
  std::chrono::minutes start{0};  ///< 00:00-23:45, on the 15-minute grid
  std::chrono::minutes end{0};    ///< 00:15-24:00, on the grid, != start; before start: wraps midnight
  std::vector<int> months;      ///< 1-12; empty: every month
};

/// A step of the tier adder: energy billed as `energy` in a billing cycle,
/// counted from the cycle's start, pays `adder_per_kwh` on top of its price
/// while the cycle's total is at most `up_to` (the last tier has none).
struct tariff_tier {
  std::optional<energy> up_to;  ///< ascending; none on the last tier only
  money adder_per_kwh;          ///< may be negative: a declining block's discount
};

/// A tariff of a region.
struct tariff {
  uuid id;
  std::string region;
  std::string name;      ///< 1-100 characters
  std::string currency;  ///< the region's (ISO 4217)
  timestamp effective_from{};              ///< on the 15-minute grid
  std::optional<timestamp> effective_to;   ///< after effective_from, on the grid; none: open-ended
  std::vector<tariff_period> periods;      ///< at least one
  std::vector<schedule_rule> schedule;
  std::string default_period;              ///< a name in `periods`
  std::vector<std::chrono::year_month_day> holidays;  ///< local dates of the region
  std::vector<tariff_tier> tiers;          ///< optional
  money fixed_charge_per_day;              ///< >= 0
  money demand_charge_per_kw;              ///< >= 0, on the cycle's highest 15-minute consumption / 0.25 h
  money export_price_per_kwh;              ///< >= 0, the feed-in credit
  ten_thousandths tax_percent;             ///< 0-100
  std::optional<uuid> created_by;
  timestamp created_at{};
};

/// A temporary price over [start, end): exactly one of `price_per_kwh`
/// (replaces the period's price) and `multiplier` (0-10, scales it).
struct tariff_override {
  uuid id;
  std::string region;
  timestamp start{};  ///< on the 15-minute grid
  timestamp end{};    ///< on the grid, after start (a removed override's shortened end)
  std::optional<money> price_per_kwh;
  std::optional<ten_thousandths> multiplier;
  std::string reason;
  std::optional<uuid> created_by;
  timestamp created_at{};
  std::optional<timestamp> removed_at;  ///< when it was removed (its end was then shortened)
};

/// Checks everything about `t`'s terms that needs no storage: periods,
/// schedule, default period, holidays, tiers, charges, tax, and that the
/// effective range lies on the 15-minute grid. Errors name the member by
/// its path (`schedule[1].start`).
[[nodiscard]] SEGS_EXPORT result<void> validate(const tariff& t);
/// Checks an override's own fields (exactly one of price and multiplier,
/// their ranges, the grid, start < end); errors name the member.
[[nodiscard]] SEGS_EXPORT result<void> validate(const tariff_override& o);

/// The price of one 15-minute bucket.
struct bucket_price {
  std::string_view period;        ///< the period's name (a view into the pricer)
  money price_per_kwh;            ///< the period's price
  money effective_price_per_kwh;  ///< with the override applied, if any
  std::optional<uuid> override_id;
};

/// A maximal run of buckets of one period at one effective price (and under
/// the same override, or none): [start, end).
struct price_span {
  timestamp start{};
  timestamp end{};
  std::string period;
  money price_per_kwh;
  money effective_price_per_kwh;
  std::optional<uuid> override_id;
};

/// What was metered in a 15-minute bucket [start, start + 15 min).
struct bucket_usage {
  timestamp start{};  ///< on the 15-minute grid
  energy consumed;    ///< >= 0
  energy produced;    ///< >= 0
};

/// The lines of a bill over [from, to), as `tariff_pricer::cost` forms them.
/// Every money member is rounded half to even to the currency's minor unit
/// from an exact sum.
struct bill {
  struct period_line {
    std::string period;
    energy consumed;   ///< the energy priced in this period
    money amount;      ///< sum over its buckets of consumed x effective price, rounded
  };
  struct tier_line {
    std::optional<energy> up_to;
    energy consumed;   ///< the energy that fell in this tier
    money adder_per_kwh;
    money amount;
  };
  std::vector<period_line> by_period;  ///< in the order of the tariff's `periods`; periods without energy left out
  money energy_charge;                 ///< the sum of by_period's rounded amounts
  std::vector<tier_line> tiers;        ///< tiers the energy reached
  money tier_charge;                   ///< the sum of tiers' rounded amounts
  int days = 0;                        ///< the local dates [from, to) touches
  money fixed_charge;                  ///< days x fixed_charge_per_day
  energy peak_consumed;                ///< the highest bucket's consumption
  std::optional<timestamp> peak_at;    ///< that bucket's start (the earliest on a tie); none without consumption
  money demand_charge;                 ///< peak_consumed / 0.25 h x demand_charge_per_kw, rounded
  energy exported;                     ///< the sum of produced
  money export_credit;                 ///< -(exported x export_price_per_kwh), rounded: a credit, <= 0
  money taxable;                       ///< energy_charge + tier_charge + fixed_charge + demand_charge
  money tax;                           ///< tax_percent of taxable, rounded
  money total;                         ///< taxable + export_credit + tax
};

/// A tariff compiled for pricing in its region's time zone, with the
/// overrides that may apply: pure (no storage, no clock), immutable.
class tariff_pricer {
 public:
  /// Compiles `t` (validated first) for the IANA zone `time_zone`, with
  /// `overrides` (other regions' are ignored). `minor_digits` is the
  /// currency's minor unit (2 for EUR, 0 for JPY). An unknown zone is a
  /// validation_error naming `time_zone`.
  [[nodiscard]] static SEGS_EXPORT result<tariff_pricer> compile(const tariff& t, std::string_view time_zone,
                                                                 std::span<const tariff_override> overrides = {},
                                                                 int minor_digits = 2);

  SEGS_EXPORT tariff_pricer(tariff_pricer&&) noexcept;
  SEGS_EXPORT tariff_pricer& operator=(tariff_pricer&&) noexcept;
  SEGS_EXPORT tariff_pricer(const tariff_pricer&);
  SEGS_EXPORT tariff_pricer& operator=(const tariff_pricer&);
  SEGS_EXPORT ~tariff_pricer();

  [[nodiscard]] SEGS_EXPORT const tariff& terms() const noexcept;

  /// The price of the bucket that starts at `bucket_start` (on the 15-minute
  /// grid, inside the tariff's effective range; validation_error naming
  /// `bucket_start` otherwise).
  [[nodiscard]] SEGS_EXPORT result<bucket_price> price_at(timestamp bucket_start) const;
  /// The buckets of [from, to) as maximal spans of one period at one
  /// effective price (the range on the grid and inside the effective range).
  [[nodiscard]] SEGS_EXPORT result<std::vector<price_span>> price_series(timestamp from, timestamp to) const;
  /// The period index (into `terms().periods`) and effective price of each
  /// bucket of [from, to), written to `periods` and `prices` (both of the
  /// range's bucket count): the engine's fast path, no allocation per bucket.
  [[nodiscard]] SEGS_EXPORT result<void> price_buckets(timestamp from, timestamp to, std::span<std::uint16_t> periods,
                                                       std::span<money> prices) const;
  /// Prices `usage` (buckets inside [from, to), ascending, on the grid, at
  /// most one per start) into the lines of a bill; tiers count from `from`.
  [[nodiscard]] SEGS_EXPORT result<bill> cost(timestamp from, timestamp to, std::span<const bucket_usage> usage) const;

 private:
  struct impl;
  explicit tariff_pricer(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// --- the service ---------------------------------------------------------------

class grid;
struct options;
namespace storage {
class backend;
}
namespace detail {
struct grid_core;
result<std::unique_ptr<grid>> open_grid(std::unique_ptr<storage::backend> backend, options opts);
}  // namespace detail

/// What `tariffs_service::update` changes; members left empty keep their value.
struct tariff_patch {
  std::optional<std::string> name;
  std::optional<timestamp> effective_from;
  /// Set: the new end (an inner none makes the tariff open-ended).
  std::optional<std::optional<timestamp>> effective_to;
  std::optional<std::vector<tariff_period>> periods;
  std::optional<std::vector<schedule_rule>> schedule;
  std::optional<std::string> default_period;
  std::optional<std::vector<std::chrono::year_month_day>> holidays;
  std::optional<std::vector<tariff_tier>> tiers;
  std::optional<money> fixed_charge_per_day;
  std::optional<money> demand_charge_per_kw;
  std::optional<money> export_price_per_kwh;
  std::optional<ten_thousandths> tax_percent;
};

/// The period in effect around an instant.
struct current_period {
  std::string name;
  money price_per_kwh;
  money effective_price_per_kwh;  ///< with the override, if any
  std::optional<uuid> override_id;
  /// The maximal span of this period at this effective price (and under the
  /// same override) around the bucket holding the instant, inside the tariff.
  timestamp starts_at{};
  std::optional<timestamp> ends_at;  ///< none: nothing known changes it
};

/// What `current` answers.
struct current_tariff {
  tariff in_effect;
  timestamp now{};
  current_period period;
  std::optional<timestamp> next_change_at;  ///< equals period.ends_at
};

/// Tariffs and overrides of a region that overlap a range, newest first.
struct tariff_history {
  std::vector<tariff> tariffs;
  std::vector<tariff_override> overrides;  ///< removed ones with their shortened end
};

/// What `estimate` answers: the consumption spread over the range's
/// buckets by the caller's metered profile and priced.
struct tariff_estimate {
  std::string region;
  std::string currency;
  timestamp from{};
  timestamp to{};
  energy consumption;
  std::vector<bill::period_line> by_period;
  money energy_charge;
  money tier_charge;
  money fixed_charge;
  /// On the spread series' highest bucket (0 without a demand charge):
  /// shown, but an artefact of the spread, so neither taxed nor in `total`.
  money demand_charge;
  money tax;    ///< tax_percent of the energy, tier and fixed charges
  money total;  ///< energy + tier + fixed + tax
};

/// The known prices of a region from the current bucket on.
struct price_forecast {
  std::string region;
  timestamp from{};
  timestamp to{};
  std::vector<price_span> prices;  ///< maximal spans; gaps where no tariff is in effect
};

/// A region and what it pays now.
struct region_tariff {
  std::string region;
  std::optional<tariff> in_effect;
  std::optional<current_period> period;
};

/// Prices against a region's metered consumption over a range.
struct tariff_analytics {
  std::string region;
  timestamp from{};
  timestamp to{};
  /// The mean effective price over the range's buckets that have a tariff,
  /// rounded half to even to a micro-unit; none without such a bucket.
  std::optional<money> time_weighted_price_per_kwh;
  /// The metered amount / the metered kWh; none without consumption.
  std::optional<money> consumption_weighted_price_per_kwh;
  /// The highest period price / the lowest non-zero one, over the tariffs
  /// in effect in the range, rounded to 4 decimals; none without a non-zero
  /// price.
  std::optional<double> peak_to_off_peak_ratio;
  std::int64_t overrides = 0;  ///< overlapping the range
  struct period_line {
    std::string period;
    std::int64_t quarter_hours = 0;  ///< the range's buckets in this period (hours = quarter_hours / 4)
    energy consumed;                 ///< the region's metered consumption in them
    money amount;                    ///< priced exactly, rounded to the minor unit
  };
  std::vector<period_line> by_period;  ///< by name, in the order first met
};

class SEGS_EXPORT tariffs_service {
 public:
  ~tariffs_service();
  tariffs_service(const tariffs_service&) = delete;
  tariffs_service& operator=(const tariffs_service&) = delete;

  /// `tariffs:manage`. `t.id`, `currency` (the region's), `created_by` and
  /// `created_at` are set here. not_found for an unknown region (field
  /// `region`), conflict for an overlap the rule above does not resolve.
  result<tariff> create(const principal& who, const tariff& t, const request_context& ctx = {});
  result<tariff> get(const principal& who, const uuid& id);
  /// `tariffs:manage`, a tariff that has not begun (conflict otherwise).
  result<tariff> update(const principal& who, const uuid& id, const tariff_patch& patch,
                        const request_context& ctx = {});
  /// The tariff in effect now in `region` (the caller's when none is named);
  /// not_found when none is.
  result<current_tariff> current(const principal& who, std::optional<std::string_view> region = {});
  /// [from, to), at most 366 days.
  result<tariff_history> history(const principal& who, std::optional<std::string_view> region, timestamp from,
                                 timestamp to);
  /// `consumption` spread over the 15-minute buckets of [from, to) (on the
  /// grid; default: from the current bucket's start, 30 local days) of the
  /// caller's region, in proportion to the caller's metered profile of the
  /// 28 days before now by local hour of the week (flat without readings),
  /// in whole Wh by largest remainder (ties to the earlier bucket), priced
  /// bucket by bucket; tiers count from `from`. At most 366 days, inside
  /// one tariff: the default range ends early at a scheduled tariff change,
  /// a range given across one is a validation_error naming `to`.
  result<tariff_estimate> estimate(const principal& who, energy consumption, std::optional<timestamp> from = {},
                                   std::optional<timestamp> to = {});
  /// `hours` (1-168) from the start of the current bucket.
  result<price_forecast> forecast(const principal& who, std::optional<std::string_view> region, int hours = 24);
  /// `tariffs:operate`: every region (in scope) with its tariff in effect now.
  result<std::vector<region_tariff>> regions(const principal& who);
  /// `tariffs:operate` in `region`: [from, to) on the grid, at most 366 days.
  result<tariff_analytics> analytics(const principal& who, std::string_view region, timestamp from, timestamp to);

  /// `tariffs:operate` in `o.region`. `id`, `created_by`, `created_at`,
  /// `removed_at` are set here. The start may not be before the current
  /// bucket's start (validation_error naming `start`).
  result<tariff_override> create_override(const principal& who, const tariff_override& o,
                                          const request_context& ctx = {});
  /// `tariffs:operate` in the override's region; conflict when it has
  /// ended or was removed.
  result<tariff_override> remove_override(const principal& who, const uuid& id, const request_context& ctx = {});

  /// The tariff of `region` in effect at `at` compiled with the region's
  /// overrides, for pricing series without storage (billing); not_found
  /// when none is in effect. Needs no permission: callers are the library's
  /// own capabilities and hosts.
  result<tariff_pricer> pricer_at(std::string_view region, timestamp at);

 private:
  friend result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend>, options);
  explicit tariffs_service(detail::grid_core& core);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace segs
