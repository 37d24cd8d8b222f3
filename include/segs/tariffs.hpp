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
// Thread-safety: the types are plain values; a compiled `tariff_pricer` is
// immutable and may be shared between threads.
#pragma once

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
  std::string_view period;
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

}  // namespace segs
