// SQL of meters and telemetry: the registry, raw readings and the stored
// aggregate levels (meter quarter-hours, meter local days, region
// quarter-hours). Functions run inside a transaction the caller owns.
#pragma once

#include "storage/backend.hpp"
#include "telemetry/aggregate.hpp"

#include <segs/telemetry.hpp>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace segs::storage::telemetry {

using segs::telemetry::aggregate;

/// A meter and its compact key (what readings and buckets carry).
struct meter_row {
  std::int64_t seq = 0;
  segs::meter m;
};

// --- the registry ---------------------------------------------------------------
/// Inserts `r.m` and answers its seq.
std::int64_t insert_meter(transaction& tx, const segs::meter& m);
/// Writes every mutable column of the meter with `r.seq`.
void update_meter(transaction& tx, const meter_row& r);
/// By serial, or by id when `ref` is a UUID.
std::optional<meter_row> find_meter(transaction& tx, std::string_view ref);
/// Every meter whose serial or id is in `refs`.
std::vector<meter_row> find_meters(transaction& tx, const std::vector<std::string>& refs);
std::vector<meter_row> meters_of_user(transaction& tx, const uuid& user);
bool has_readings(transaction& tx, std::int64_t seq);
/// Holds the rows of the meters `seqs` (ascending) until the transaction
/// ends, so writers of the same meters' readings run one after the other
/// and each sees what the one before committed. PostgreSQL: `FOR NO KEY
/// UPDATE`; SQLite needs no lock (its write transaction is exclusive).
void lock_meters(transaction& tx, const std::vector<std::int64_t>& seqs);

// --- holdings (meter_holdings_store.cpp) -----------------------------------------
/// Who held a meter over [from, to): from none = since the meter's
/// beginning, to none = still holds it.
struct meter_holding {
  std::int64_t meter = 0;
  uuid user;
  std::optional<timestamp> from;
  std::optional<timestamp> to;
};
/// A meter's holdings, oldest first.
std::vector<meter_holding> holdings_of_meter(transaction& tx, std::int64_t meter);
/// The holdings of the meters of `region` that overlap [from, to), ordered
/// by meter then from (none first).
std::vector<meter_holding> holdings_of_region(transaction& tx, std::string_view region, timestamp from,
                                              timestamp to);
/// Starts a holding of `user` (the meter must have no open one).
void open_holding(transaction& tx, std::int64_t meter, const uuid& user, std::optional<timestamp> from);
/// Ends the meter's open holding at `to` (none open: nothing changes).
void close_holding(transaction& tx, std::int64_t meter, timestamp to);

/// Who may be listed: the scope narrowing of the caller plus the query.
struct meter_filter {
  std::optional<meter_status> status;
  std::optional<std::string> region;
  std::optional<uuid> user_id;
};
page<meter_row> list_meters(transaction& tx, const meter_filter& f, page_request p);
/// Meters matching `f` (its status ignored): {active, every other status}.
std::pair<std::int64_t, std::int64_t> count_by_status(transaction& tx, meter_filter f);
/// Fills last_reading and the totals of each meter.
void add_totals(transaction& tx, std::vector<meter_row>& rows);

// --- readings -------------------------------------------------------------------
struct reading_row {
  std::int64_t meter = 0;
  reading r;
  timestamp received_at{};
};
/// The stored readings at these (meter, time in microseconds) keys, by key.
std::map<std::pair<std::int64_t, std::int64_t>, reading_row> readings_at(
    transaction& tx, const std::vector<std::pair<std::int64_t, std::int64_t>>& keys);
void append_readings(transaction& tx, const std::vector<reading_row>& rows);
void update_reading(transaction& tx, const reading_row& row);
std::optional<reading_row> latest_reading(transaction& tx, std::int64_t meter);
/// Time in (from, to], oldest first.
page<reading_row> list_readings(transaction& tx, std::int64_t meter, timestamp from, timestamp to,
                                page_request p);
std::vector<reading_row> readings_between(transaction& tx, std::int64_t meter, timestamp from,
                                          timestamp to);
/// Deletes raw readings with time before `before`; answers how many.
std::int64_t drop_readings_before(transaction& tx, timestamp before);

/// What a meter's whole history sums to, kept as readings arrive: a change
/// of it (counts and energies add; `last` is the latest time stored, the
/// later one wins).
struct meter_total {
  std::int64_t meter = 0;
  std::int64_t readings = 0;
  std::int64_t consumed_wh = 0;
  std::int64_t produced_wh = 0;
  std::optional<timestamp> last;
};
void merge_totals(transaction& tx, const std::vector<meter_total>& deltas);

// --- aggregates -----------------------------------------------------------------
/// A quarter-hour's consumption (alerts' high_consumption rule).
struct quarter_energy {
  std::int64_t meter = 0;
  timestamp start{};
  std::int64_t consumed_wh = 0;
};
struct stored_bucket {
  std::int64_t meter = 0;
  timestamp start{};
  timestamp end{};
  aggregate agg;
  /// Days only: the wall-clock hours (bit h: the hour that starts at h:00,
  /// as day_hours reads it) the delta touches; merged into the day's
  /// `dirty` hours.
  std::int64_t hours_touched = 0;
};
/// Merges `deltas` into the stored quarter-hours (or days); `replace`
/// overwrites instead. `totals`, when given, receives each merged
/// quarter-hour's consumption after the merge (the upserts answer it).
void merge_quarters(transaction& tx, const std::vector<stored_bucket>& deltas, bool replace = false,
                    std::vector<quarter_energy>* totals = nullptr);
void merge_days(transaction& tx, const std::vector<stored_bucket>& deltas, bool replace = false);
/// A meter's stored buckets with start in [from, to), oldest first.
/// Quarter-hours: the packed days entirely inside the range are decoded,
/// the rest of the range is read from the rows (docs/telemetry.md, "Packed
/// days").
std::vector<stored_bucket> quarters(transaction& tx, std::int64_t meter, timestamp from, timestamp to);
/// The same, from the rows of meter_quarters only (never a packed day):
/// for writers recomputing from them, whose transaction has not yet
/// dropped the packed form of the days it changes, and for packing.
std::vector<stored_bucket> quarter_rows(transaction& tx, std::int64_t meter, timestamp from, timestamp to);
std::vector<stored_bucket> days(transaction& tx, std::int64_t meter, timestamp from, timestamp to);
/// The quarter-hours of every meter of `region` with start in [from, to).
std::vector<stored_bucket> region_meter_quarters(transaction& tx, std::string_view region, timestamp from,
                                                 timestamp to);
/// A quarter-hour's consumption and production (billing).
struct quarter_flow {
  std::int64_t meter = 0;
  timestamp start{};
  std::int64_t consumed_wh = 0;
  std::int64_t produced_wh = 0;
};
/// The quarter-hours with start in [from, to) of `meters` (seqs, sorted,
/// unique), unordered: decoded from the packed days entirely inside the
/// range, the rest from the rows.
std::vector<quarter_flow> quarter_flows(transaction& tx, const std::vector<std::int64_t>& meters, timestamp from,
                                        timestamp to);
/// The start of the first and of the last stored quarter-hour of any meter.
std::optional<std::pair<timestamp, timestamp>> quarter_span(transaction& tx);

struct region_quarter {
  std::string region;
  timestamp start{};
  std::int64_t consumed_wh = 0;
  std::int64_t produced_wh = 0;
  std::int64_t readings = 0;
};
void merge_region_quarters(transaction& tx, const std::vector<region_quarter>& deltas);
std::vector<region_quarter> region_quarters(transaction& tx, std::string_view region, timestamp from,
                                            timestamp to);
std::int64_t meters_in_service(transaction& tx, std::string_view region);
/// Meters of `region` with a quarter-hour starting in [from, to).
std::int64_t meters_reporting(transaction& tx, std::string_view region, timestamp from, timestamp to);
/// Consumption per meter of `region`: quarter-hours starting in [from, d0)
/// and [d1, to), days starting in [d0, d1). Largest first, then by serial.
std::vector<top_consumer> top_consumers(transaction& tx, std::string_view region, timestamp from,
                                        timestamp d0, timestamp d1, timestamp to, int limit);
/// Each meter's latest reading's power in (from, to]: {meter, power or none}.
std::vector<std::optional<std::int64_t>> latest_power(transaction& tx, std::string_view region,
                                                      timestamp from, timestamp to);

/// The seqs of the meters of `region`.
std::vector<std::int64_t> meters_of_region(transaction& tx, std::string_view region);
/// Deletes every stored day of the meters of `region`.
void drop_days_of_region(transaction& tx, std::string_view region);

// --- for other capabilities -----------------------------------------------------
/// Net export, sum(produced - consumed) in Wh, of the readings with time in
/// (from, to] of each user's meters in `region`; users none of whose meters
/// has a reading there are absent.
std::map<uuid, std::int64_t> net_export(transaction& tx, std::string_view region,
                                        const std::vector<uuid>& users, timestamp from, timestamp to);

/// The stored quarter-hours of an hour of a meter: their consumption and how
/// many there are.
struct hour_energy {
  std::int64_t meter = 0;
  timestamp start{};  ///< the hour's first instant
  std::int64_t consumed_wh = 0;
  std::int64_t quarters = 0;
};
/// The stored quarter-hours of each (meter, hour's first instant) of `keys`
/// that has any, summed in the database (the high_consumption baselines);
/// an hour need not be aligned to UTC hours (half-hour zones).
std::vector<hour_energy> hours_energy(transaction& tx, const std::vector<std::pair<std::int64_t, timestamp>>& keys);

/// A local day's consumption per wall-clock hour 0-23 (the hour that
/// starts at the day's h:00, as tz::zone::from_local reads it): the Wh of the
/// quarter-hours starting in it and how many there are. Stored with the day
/// (meter_days.hours), computed on first use, dropped by any change to the day.
struct day_hours {
  std::array<std::int64_t, 24> wh{};
  std::array<std::int32_t, 24> quarters{};
};
/// A stored local day of a meter, with its hourly profile when computed,
/// and the hours that changed since (bit h: the hour that starts at h:00).
struct stored_day_hours {
  std::int64_t meter = 0;
  timestamp start{};  ///< the day's first instant
  std::optional<day_hours> hours;
  std::int64_t dirty = 0;
  // What the profile was computed against: storing it is skipped when the
  // day changed meanwhile (another transaction committed into it).
  std::int64_t readings = 0;
  std::int64_t consumed_wh = 0;
};
/// The stored days among `keys` (meter, the day's first instant); days
/// without readings have no row and are absent.
std::vector<stored_day_hours> day_hours_of(transaction& tx, const std::vector<std::pair<std::int64_t, timestamp>>& keys);
/// Stores the computed profiles of existing days (their dirty hours
/// cleared), each only if the day still holds what `day_hours_of` read.
void put_day_hours(transaction& tx, const std::vector<stored_day_hours>& days);

/// A settled day still to pack: its key and what packing read it as.
struct day_to_pack {
  std::int64_t meter = 0;
  timestamp start{};
  timestamp end{};
  std::int64_t readings = 0;
  std::int64_t consumed_wh = 0;
};
/// Up to `limit` days without a packed form that ended by `settled_by`,
/// the earliest end first. PostgreSQL: the rows stay locked until the
/// transaction ends and rows another transaction holds are skipped, so no
/// merge can commit into a day between the read of its quarter-hours and
/// put_packed_day (a merge waits, then drops the packed form).
std::vector<day_to_pack> days_to_pack(transaction& tx, timestamp settled_by, int limit);
/// Stores `packed` as the day's packed quarter-hours if the day still has
/// none and holds what days_to_pack read; answers whether it did.
bool put_packed_day(transaction& tx, const day_to_pack& d, const blob& packed);

/// An active meter of `region` with no reading after `cutoff`: its latest
/// reading's time, or its creation when it has none.
struct silent_meter {
  std::int64_t seq = 0;
  uuid id;
  std::string meter_id;
  std::optional<uuid> user_id;
  timestamp last_heard{};
};
std::vector<silent_meter> silent_meters(transaction& tx, std::string_view region, timestamp cutoff);

// --- counts (operations) ---
std::map<std::string, std::int64_t> meters_by_region(transaction& tx);
/// Raw reading rows kept.
std::int64_t count_readings(transaction& tx);

}  // namespace segs::storage::telemetry
