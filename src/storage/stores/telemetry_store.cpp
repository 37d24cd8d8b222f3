// SQL of meters and raw readings: the registry, repeats by exact key,
// listings, retention, and the reads other capabilities make (settlement,
// live load). The stored buckets are in telemetry_bucket_store.cpp.
#include "storage/stores/telemetry_store.hpp"
#include "storage/stores/counts.hpp"

#include "storage/enum_column.hpp"
#include "storage/stores/filter.hpp"
#include "storage/stores/in_list.hpp"
#include "storage/stores/listing.hpp"
#include "storage/stores/telemetry_blocks.hpp"
#include "telemetry/names.hpp"

#include <array>

// PostgreSQL sums BIGINT columns as NUMERIC: every SUM of one is cast back
// to BIGINT, so both backends answer integers.
namespace segs::storage::telemetry {

namespace {

// --- meters -----------------------------------------------------------------------

constexpr std::string_view meter_columns =
    "seq, id, meter_id, region, user_id, meter_type, status, building, room, address, latitude, "
    "longitude, capacity_w, installation_date, public_key, metadata, created_at, updated_at";

value opt(const std::optional<std::string>& v) { return v ? value(*v) : value(nullptr); }
value opt(const std::optional<double>& v) { return v ? value(*v) : value(nullptr); }
value opt(const std::optional<milli>& v) { return v ? value(v->value) : value(nullptr); }
std::optional<double> opt_f64(const row& r, std::size_t i) {
  if (r.is_null(i)) return std::nullopt;
  return r.f64(i);
}
std::optional<milli> opt_milli(const row& r, std::size_t i) {
  auto v = r.opt_i64(i);
  if (!v) return std::nullopt;
  return milli{*v};
}

meter_row decode_meter(const row& r) {
  meter_row out;
  out.seq = r.i64(0);
  auto& m = out.m;
  m.id = r.id(1);
  m.meter_id = r.text(2);
  m.region = r.text(3);
  if (!r.is_null(4)) m.user_id = r.id(4);
  m.meter_type = enum_column<meter_kind>(r, 5, "meters.meter_type");
  m.status = enum_column<meter_status>(r, 6, "meters.status");
  m.location.building = r.opt_text(7);
  m.location.room = r.opt_text(8);
  m.location.address = r.opt_text(9);
  m.location.latitude = opt_f64(r, 10);
  m.location.longitude = opt_f64(r, 11);
  m.capacity_kw = milli{r.i64(12)};
  if (auto d = r.opt_text(13)) {
    auto parsed = parse_iso_date(*d, "installation_date");
    if (!parsed)
      throw segs::exception(make_error(errc::internal,
                                       "meters.installation_date holds an unknown value: " + *d,
                                       "installation_date"));
    m.installation_date = *parsed;
  }
  m.public_key = r.opt_text(14).value_or("");
  m.metadata = r.text(15);
  m.created_at = from_micros(r.i64(16));
  m.updated_at = from_micros(r.i64(17));
  return out;
}

std::optional<std::string> date_text(const std::optional<std::chrono::year_month_day>& d) {
  if (!d) return std::nullopt;
  return to_iso_date(*d);
}
std::optional<std::string> key_text(const std::string& k) {
  if (k.empty()) return std::nullopt;
  return k;
}
value user_value(const std::optional<uuid>& u) {
  return u ? value(u->to_string()) : value(nullptr);
}

}  // namespace

std::int64_t insert_meter(transaction& tx, const segs::meter& m) {
  auto res = tx.exec(
      "INSERT INTO meters (id, meter_id, region, user_id, meter_type, status, building, room, "
      "address, latitude, longitude, capacity_w, installation_date, public_key, metadata, "
      "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
      "$14, $15, $16, $17) RETURNING seq",
      {m.id.to_string(), m.meter_id, m.region, user_value(m.user_id),
       std::string(to_string(m.meter_type)), std::string(to_string(m.status)),
       opt(m.location.building), opt(m.location.room), opt(m.location.address),
       opt(m.location.latitude), opt(m.location.longitude), m.capacity_kw.value,
       opt(date_text(m.installation_date)), opt(key_text(m.public_key)), m.metadata,
       to_micros(m.created_at), to_micros(m.updated_at)});
  return res.rows.at(0).i64(0);
}

void update_meter(transaction& tx, const meter_row& r) {
  const auto& m = r.m;
  tx.exec(
      "UPDATE meters SET region = $2, user_id = $3, meter_type = $4, status = $5, building = $6, "
      "room = $7, address = $8, latitude = $9, longitude = $10, capacity_w = $11, "
      "installation_date = $12, public_key = $13, metadata = $14, updated_at = $15 WHERE seq = $1",
      {r.seq, m.region, user_value(m.user_id), std::string(to_string(m.meter_type)),
       std::string(to_string(m.status)), opt(m.location.building), opt(m.location.room),
       opt(m.location.address), opt(m.location.latitude), opt(m.location.longitude),
       m.capacity_kw.value, opt(date_text(m.installation_date)), opt(key_text(m.public_key)),
       m.metadata, to_micros(m.updated_at)});
}

std::optional<meter_row> find_meter(transaction& tx, std::string_view ref) {
  // A UUID may be written in either case; ids are stored in canonical lower
  // case, so look it up in that form (an upper-case id was not found).
  const auto id = uuid::parse(ref);
  auto res = tx.exec("SELECT " + std::string(meter_columns) + " FROM meters WHERE " +
                         (id ? "id = $1" : "meter_id = $1"),
                     {id ? id->to_string() : std::string(ref)});
  if (res.rows.empty()) return std::nullopt;
  return decode_meter(res.rows.front());
}


std::vector<meter_row> find_meters(transaction& tx, const std::vector<std::string>& refs) {
  std::vector<meter_row> out;
  in_lists(refs, [&](const std::string& list, const std::vector<value>& params) {
    auto res = tx.exec("SELECT " + std::string(meter_columns) + " FROM meters WHERE meter_id IN (" +
                           list + ") OR id IN (" + list + ")",
                       params);
    for (const auto& r : res.rows) out.push_back(decode_meter(r));
  });
  return out;
}

std::vector<meter_row> meters_of_user(transaction& tx, const uuid& user) {
  auto res = tx.exec("SELECT " + std::string(meter_columns) +
                         " FROM meters WHERE user_id = $1 ORDER BY meter_id",
                     {user.to_string()});
  std::vector<meter_row> out;
  for (const auto& r : res.rows) out.push_back(decode_meter(r));
  return out;
}

void lock_meters(transaction& tx, const std::vector<std::int64_t>& seqs) {
  if (tx.dialect() != "postgres") return;  // SQLite's write transaction is exclusive
  in_lists(seqs, [&](const std::string& list, const std::vector<value>& params) {
    // Locked in seq order (the rows are locked after the sort), so two
    // writers never wait for each other in a cycle.
    tx.exec("SELECT seq FROM meters WHERE seq IN (" + list + ") ORDER BY seq FOR NO KEY UPDATE", params);
  });
}

bool has_readings(transaction& tx, std::int64_t seq) {
  return !tx.exec("SELECT 1 FROM meter_totals WHERE meter = $1 AND readings > 0", {seq}).rows.empty();
}

namespace {
filter meter_where(const meter_filter& f) {
  filter w;
  if (f.status) w.add("status = ?", std::string(to_string(*f.status)));
  if (f.region) w.add("region = ?", *f.region);
  if (f.user_id) w.add("user_id = ?", f.user_id->to_string());
  return w;
}
}  // namespace

page<meter_row> list_meters(transaction& tx, const meter_filter& f, page_request p) {
  auto w = meter_where(f);
  auto rows = fetch_page(tx,
                         {.select = std::string(meter_columns),
                          .from = "meters" + w.where(),
                          .params = w.params(),
                          .order_by = "meter_id"},
                         p);
  return to_page<meter_row>(std::move(rows), decode_meter);
}

std::pair<std::int64_t, std::int64_t> count_by_status(transaction& tx, meter_filter f) {
  f.status.reset();
  auto w = meter_where(f);
  auto res = tx.exec(
      "SELECT COALESCE(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0), COUNT(*) FROM meters" +
          w.where(),
      w.params());
  const auto active = res.rows.at(0).i64(0);
  return {active, res.rows.at(0).i64(1) - active};
}

void add_totals(transaction& tx, std::vector<meter_row>& rows) {
  for (auto& r : rows) {
    auto t = tx.exec("SELECT consumed_wh, produced_wh FROM meter_totals WHERE meter = $1", {r.seq});
    r.m.total_consumed = energy{t.rows.empty() ? 0 : t.rows.front().i64(0)};
    r.m.total_produced = energy{t.rows.empty() ? 0 : t.rows.front().i64(1)};
    if (auto last = latest_reading(tx, r.seq))
      r.m.last_reading = reading_brief{last->r.time, last->r.consumed, last->r.produced};
    else
      r.m.last_reading.reset();
  }
}

// --- readings -----------------------------------------------------------------------

namespace {

constexpr std::array<std::string_view, 13> reading_columns{
    "block", "meter", "ts", "consumed_wh", "produced_wh", "power", "peak_demand", "voltage", "current_ma",
    "power_factor", "frequency", "metadata", "received_at"};
constexpr std::string_view reading_select =
    "meter, ts, consumed_wh, produced_wh, power, peak_demand, voltage, current_ma, power_factor, "
    "frequency, metadata, received_at";
// The same columns of meter_readings AS r, after "SELECT r.".
constexpr std::string_view reading_select_r =
    "meter, r.ts, r.consumed_wh, r.produced_wh, r.power, r.peak_demand, r.voltage, r.current_ma, "
    "r.power_factor, r.frequency, r.metadata, r.received_at";

reading_row decode_reading(const row& r) {
  reading_row out;
  out.meter = r.i64(0);
  out.r.time = from_micros(r.i64(1));
  out.r.consumed = energy{r.i64(2)};
  out.r.produced = energy{r.i64(3)};
  out.r.power_kw = opt_milli(r, 4);
  out.r.peak_demand_kw = opt_milli(r, 5);
  out.r.voltage = opt_milli(r, 6);
  out.r.current = opt_milli(r, 7);
  out.r.power_factor = opt_milli(r, 8);
  out.r.frequency = opt_milli(r, 9);
  out.r.metadata = r.opt_text(10).value_or("");
  out.received_at = from_micros(r.i64(11));
  return out;
}

// Pushes block, meter, ts and the values: the columns of reading_columns.
void push_reading(std::vector<value>& v, const reading_row& row) {
  const auto& r = row.r;
  v.emplace_back(block_of(r.time, reading_block_us));
  v.emplace_back(row.meter);
  v.emplace_back(to_micros(r.time));
  v.emplace_back(r.consumed.wh);
  v.emplace_back(r.produced.wh);
  v.push_back(opt(r.power_kw));
  v.push_back(opt(r.peak_demand_kw));
  v.push_back(opt(r.voltage));
  v.push_back(opt(r.current));
  v.push_back(opt(r.power_factor));
  v.push_back(opt(r.frequency));
  v.push_back(r.metadata.empty() ? value(nullptr) : value(r.metadata));
  v.emplace_back(to_micros(row.received_at));
}

}  // namespace

std::map<std::pair<std::int64_t, std::int64_t>, reading_row> readings_at(
    transaction& tx, const std::vector<std::pair<std::int64_t, std::int64_t>>& keys) {
  std::map<std::pair<std::int64_t, std::int64_t>, reading_row> out;
  // A join with a VALUES list: both backends look each key up in the
  // primary key (a row-value IN list is a full scan on SQLite), so the cost
  // follows the batch, never the meters' history.
  std::vector<std::array<std::int64_t, 3>> listed;
  listed.reserve(keys.size());
  for (const auto& [meter, ts] : keys) listed.push_back({block_of(ts, reading_block_us), meter, ts});
  values_lists(listed, [&](const std::string& list, const std::vector<value>& params) {
    // PostgreSQL caches a statement's generic plan: planned while the table
    // was small, a plain join stayed a hash join over a scan of the whole
    // table as it grew (15 ms a batch after a few thousand readings). A
    // lateral subquery with a LIMIT (which keeps the planner from flattening
    // it into that join) is one key lookup per listed key, whatever the plan.
    const bool lateral = tx.dialect() == "postgres";
    auto res = tx.exec(lateral ? "SELECT r." + std::string(reading_select_r) + " FROM (VALUES " + list +
                                     ") AS k CROSS JOIN LATERAL (SELECT * FROM meter_readings x WHERE x.block = "
                                     "k.column1 AND x.meter = k.column2 AND x.ts = k.column3 LIMIT 1) AS r"
                               : "SELECT r." + std::string(reading_select_r) + " FROM (VALUES " + list +
                                     ") AS k JOIN meter_readings r ON r.block = k.column1 AND r.meter = "
                                     "k.column2 AND r.ts = k.column3",
                       params);
    for (const auto& r : res.rows) {
      auto row = decode_reading(r);
      out.emplace(std::pair{row.meter, to_micros(row.r.time)}, std::move(row));
    }
  });
  return out;
}

void append_readings(transaction& tx, const std::vector<reading_row>& rows) {
  if (rows.empty()) return;
  std::vector<value> values;
  values.reserve(rows.size() * reading_columns.size());
  for (const auto& r : rows) push_reading(values, r);
  tx.append("meter_readings", reading_columns, values);
}

void update_reading(transaction& tx, const reading_row& row) {
  std::vector<value> v;
  push_reading(v, row);
  tx.exec(
      "UPDATE meter_readings SET consumed_wh = $4, produced_wh = $5, power = $6, peak_demand = $7, "
      "voltage = $8, current_ma = $9, power_factor = $10, frequency = $11, metadata = $12, "
      "received_at = $13 WHERE block = $1 AND meter = $2 AND ts = $3",
      v);
}

std::optional<reading_row> latest_reading(transaction& tx, std::int64_t meter) {
  // The time of the latest reading is kept per meter (a time-major table has
  // no cheap "last row of this meter"); the row itself is one seek away, and
  // absent once the raw retention dropped it.
  auto last = tx.exec("SELECT last_ts FROM meter_totals WHERE meter = $1", {meter});
  if (last.rows.empty() || last.rows.front().is_null(0)) return std::nullopt;
  const auto ts = last.rows.front().i64(0);
  auto res = tx.exec("SELECT " + std::string(reading_select) +
                         " FROM meter_readings WHERE block = $1 AND meter = $2 AND ts = $3",
                     {block_of(ts, reading_block_us), meter, ts});
  if (res.rows.empty()) return std::nullopt;
  return decode_reading(res.rows.front());
}

page<reading_row> list_readings(transaction& tx, std::int64_t meter, timestamp from, timestamp to,
                                page_request p) {
  auto rows = fetch_page(tx,
                         {.select = std::string(reading_select),
                          .from = "meter_readings WHERE meter = $1 AND " + in_blocks("block", 4, 5) +
                                  " AND ts > $2 AND ts <= $3",
                          .params = {meter, to_micros(from), to_micros(to), block_of(from, reading_block_us),
                                     block_of(to, reading_block_us)},
                          .order_by = "ts"},
                         p);
  return to_page<reading_row>(std::move(rows), decode_reading);
}

std::vector<reading_row> readings_between(transaction& tx, std::int64_t meter, timestamp from,
                                          timestamp to) {
  auto res = tx.exec("SELECT " + std::string(reading_select) + " FROM meter_readings WHERE meter = $1 AND " +
                         in_blocks("block", 4, 5) + " AND ts > $2 AND ts <= $3 ORDER BY ts",
                     {meter, to_micros(from), to_micros(to), block_of(from, reading_block_us),
                      block_of(to, reading_block_us)});
  std::vector<reading_row> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back(decode_reading(r));
  return out;
}

std::int64_t drop_readings_before(transaction& tx, timestamp before) {
  // Time-major: the rows to drop are the leading blocks of the table.
  return tx
      .exec("DELETE FROM meter_readings WHERE block <= $1 AND ts < $2",
            {block_of(before, reading_block_us), to_micros(before)})
      .affected;
}

void merge_totals(transaction& tx, const std::vector<meter_total>& deltas) {
  if (deltas.empty()) return;
  static constexpr std::array<std::string_view, 5> cols{"meter", "readings", "consumed_wh", "produced_wh",
                                                        "last_ts"};
  std::vector<value> v;
  v.reserve(deltas.size() * cols.size());
  for (const auto& d : deltas) {
    v.emplace_back(d.meter);
    v.emplace_back(d.readings);
    v.emplace_back(d.consumed_wh);
    v.emplace_back(d.produced_wh);
    v.push_back(d.last ? value(to_micros(*d.last)) : value(nullptr));
  }
  tx.append("meter_totals", cols, v,
            "ON CONFLICT (meter) DO UPDATE SET readings = meter_totals.readings + excluded.readings, "
            "consumed_wh = meter_totals.consumed_wh + excluded.consumed_wh, "
            "produced_wh = meter_totals.produced_wh + excluded.produced_wh, "
            "last_ts = CASE WHEN meter_totals.last_ts IS NULL OR excluded.last_ts > meter_totals.last_ts "
            "THEN excluded.last_ts ELSE meter_totals.last_ts END");
}

std::vector<std::int64_t> meters_of_region(transaction& tx, std::string_view region) {
  auto res = tx.exec("SELECT seq FROM meters WHERE region = $1 ORDER BY seq", {std::string(region)});
  std::vector<std::int64_t> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back(r.i64(0));
  return out;
}

std::int64_t meters_in_service(transaction& tx, std::string_view region) {
  return tx
      .exec("SELECT COUNT(*) FROM meters WHERE region = $1 AND status <> 'decommissioned'",
            {std::string(region)})
      .rows.at(0)
      .i64(0);
}

std::vector<std::optional<std::int64_t>> latest_power(transaction& tx, std::string_view region,
                                                      timestamp from, timestamp to) {
  // The window is short (minutes): scan its blocks, all meters, and keep
  // each of the region's meters' latest row.
  auto res = tx.exec(
      "SELECT meter, ts, power FROM meter_readings WHERE block >= $4 AND block <= $5 AND ts > $2 "
      "AND ts <= $3 AND +meter IN (SELECT seq FROM meters WHERE region = $1)",
      {std::string(region), to_micros(from), to_micros(to), block_of(from, reading_block_us),
       block_of(to, reading_block_us)});
  std::map<std::int64_t, std::pair<std::int64_t, std::optional<std::int64_t>>> latest;
  for (const auto& r : res.rows) {
    auto [it, fresh] = latest.try_emplace(r.i64(0), r.i64(1), r.opt_i64(2));
    if (!fresh && r.i64(1) > it->second.first) it->second = {r.i64(1), r.opt_i64(2)};
  }
  std::vector<std::optional<std::int64_t>> out;
  out.reserve(latest.size());
  for (const auto& [meter, v] : latest) out.push_back(v.second);
  return out;
}

std::map<uuid, std::int64_t> net_export(transaction& tx, std::string_view region,
                                        const std::vector<uuid>& users, timestamp from, timestamp to) {
  std::map<uuid, std::int64_t> out;
  for (const auto& u : users) {
    // Raw readings: exact for any slot length (a slot need not be whole
    // quarter-hours); a settlement runs soon after delivery, well inside any
    // sensible raw retention.
    auto res = tx.exec(
        "SELECT COUNT(*), CAST(COALESCE(SUM(r.produced_wh - r.consumed_wh), 0) AS BIGINT) FROM meter_readings r "
        "WHERE r.meter IN (SELECT seq FROM meters WHERE user_id = $1 AND region = $2) AND " +
            in_blocks("r.block", 5, 6) + " AND r.ts > $3 AND r.ts <= $4",
        {u.to_string(), std::string(region), to_micros(from), to_micros(to), block_of(from, reading_block_us),
         block_of(to, reading_block_us)});
    if (res.rows.at(0).i64(0) > 0) out[u] = res.rows.at(0).i64(1);
  }
  return out;
}

std::vector<hour_energy> hours_energy(transaction& tx, const std::vector<std::pair<std::int64_t, timestamp>>& keys) {
  constexpr std::int64_t hour_us = 3'600'000'000;
  std::vector<hour_energy> out;
  // Hours many meters share (a batch at one time) are read as `block IN
  // (...) AND <the meters>` (select_keys: a range or IN lists), grouped by
  // meter; the scattered rest (late
  // readings) as a VALUES list of keys joined on the table's key prefix, as
  // readings_at does (and for the same reason, a lateral lookup on
  // PostgreSQL). Both seek each (meter, block) once and answer one row a
  // key: the sums, not the quarter-hours, leave the database.
  const bool lateral = tx.dialect() == "postgres";
  std::map<std::int64_t, std::vector<std::int64_t>> by_hour;  // hour start -> its meters, ascending
  for (const auto& [meter, start] : keys) by_hour[to_micros(start)].push_back(meter);
  for (auto& [start, meters] : by_hour) {
    std::sort(meters.begin(), meters.end());
    meters.erase(std::unique(meters.begin(), meters.end()), meters.end());
  }
  // (meter, hour start, first block, last block): an hour of a half-hour
  // zone straddles two blocks.
  std::vector<std::array<std::int64_t, 4>> scattered;
  for (const auto& [start, meters] : by_hour) {
    const auto b0 = block_of(start, quarter_block_us), b1 = block_of(start + hour_us - 1, quarter_block_us);
    // PostgreSQL: always the lateral lookup (a generic plan of the IN form,
    // cached while the table was small, scanned it: 50 ms a batch).
    if (meters.size() < 8 || lateral) {
      for (const auto m : meters) scattered.push_back({m, start, b0, b1});
      continue;
    }
    select_keys(tx, "meter", meters, [&](const std::string& where, const std::vector<value>& params) {
      std::vector<value> p = params;
      const auto at = p.size();
      p.insert(p.end(), {value(b0), value(b1), value(start), value(start + hour_us)});
      auto res = tx.exec("SELECT meter, CAST(SUM(consumed_wh) AS BIGINT), COUNT(*) FROM meter_quarters WHERE block IN ($" +
                             std::to_string(at + 1) + ", $" + std::to_string(at + 2) + ") AND " + where +
                             " AND start >= $" + std::to_string(at + 3) + " AND start < $" + std::to_string(at + 4) +
                             " GROUP BY meter",
                         p);
      for (const auto& r : res.rows)
        if (std::binary_search(meters.begin(), meters.end(), r.i64(0)))
          out.push_back({r.i64(0), from_micros(start), r.i64(1), r.i64(2)});
    });
  }
  // Padding with a meter that does not exist: a repeated key would be summed twice.
  values_lists(
      scattered,
      [&](const std::string& list, const std::vector<value>& params) {
        const std::string in_hour =
            "x.block IN (k.column3, k.column4) AND x.meter = k.column1 AND x.start >= k.column2 AND x.start < "
            "k.column2 + 3600000000";
        auto res = tx.exec(
            lateral ? "SELECT k.column1, k.column2, h.wh, h.n FROM (VALUES " + list +
                          ") AS k CROSS JOIN LATERAL (SELECT CAST(SUM(x.consumed_wh) AS BIGINT) AS wh, COUNT(*) AS n "
                          "FROM meter_quarters x WHERE " + in_hour + ") AS h WHERE h.n > 0"
                    : "SELECT k.column1, k.column2, CAST(SUM(x.consumed_wh) AS BIGINT), COUNT(*) FROM (VALUES " + list +
                          ") AS k JOIN meter_quarters x ON " + in_hour + " GROUP BY k.column1, k.column2",
            params);
        for (const auto& r : res.rows) out.push_back({r.i64(0), from_micros(r.i64(1)), r.i64(2), r.i64(3)});
      },
      std::array<std::int64_t, 4>{-1, 0, 0, 0});
  return out;
}

std::vector<silent_meter> silent_meters(transaction& tx, std::string_view region, timestamp cutoff) {
  auto res = tx.exec(
      "SELECT m.seq, m.id, m.meter_id, m.user_id, COALESCE(t.last_ts, m.created_at) FROM meters m "
      "LEFT JOIN meter_totals t ON t.meter = m.seq WHERE m.region = $1 AND m.status = 'active' "
      "AND COALESCE(t.last_ts, m.created_at) < $2",
      {std::string(region), to_micros(cutoff)});
  std::vector<silent_meter> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) {
    silent_meter m{r.i64(0), r.id(1), r.text(2), std::nullopt, from_micros(r.i64(4))};
    if (!r.is_null(3)) m.user_id = r.id(3);
    out.push_back(std::move(m));
  }
  return out;
}

std::map<std::string, std::int64_t> meters_by_region(transaction& tx) {
  return counts_by_region(tx, "SELECT region, COUNT(*) FROM meters GROUP BY region");
}

std::int64_t count_readings(transaction& tx) { return count_of(tx, "SELECT COUNT(*) FROM meter_readings"); }

}  // namespace segs::storage::telemetry
