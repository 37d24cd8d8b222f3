// SQL of telemetry's stored buckets: meter quarter-hours and local days
// (merged from a batch's deltas, read back by range), a region's quarter-hour
// load curve, and the region queries that read them. The registry and raw
// readings are in telemetry_store.cpp; both implement telemetry_store.hpp.
#include "storage/stores/telemetry_store.hpp"

#include "storage/multi_row.hpp"

#include "storage/stores/in_list.hpp"
#include "storage/stores/telemetry_blocks.hpp"
#include "telemetry/packed_day.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <map>

// PostgreSQL sums BIGINT columns as NUMERIC: every SUM of one is cast back
// to BIGINT, so both backends answer integers.
namespace segs::storage::telemetry {

namespace {

value opt(const std::optional<std::int64_t>& v) { return v ? value(*v) : value(nullptr); }

}  // namespace

namespace {

constexpr std::array<std::string_view, 19> aggregate_columns{
    "consumed_wh", "produced_wh", "readings",    "power_n",   "power_sum",   "power_min",
    "power_max",   "peak_max",    "peak_at",     "voltage_n", "voltage_sum", "voltage_min",
    "voltage_max", "current_n",   "current_sum", "pf_n",      "pf_sum",      "freq_n",
    "freq_sum"};
constexpr std::string_view aggregate_select =
    "consumed_wh, produced_wh, readings, power_n, power_sum, power_min, power_max, peak_max, "
    "peak_at, voltage_n, voltage_sum, voltage_min, voltage_max, current_n, current_sum, pf_n, "
    "pf_sum, freq_n, freq_sum";

void push_aggregate(std::vector<value>& v, const aggregate& a) {
  v.emplace_back(a.consumed_wh);
  v.emplace_back(a.produced_wh);
  v.emplace_back(a.readings);
  v.emplace_back(a.power.n);
  v.emplace_back(a.power.sum);
  v.push_back(opt(a.power.min));
  v.push_back(opt(a.power.max));
  v.push_back(opt(a.peak_max));
  v.push_back(a.peak_at ? value(to_micros(*a.peak_at)) : value(nullptr));
  v.emplace_back(a.voltage.n);
  v.emplace_back(a.voltage.sum);
  v.push_back(opt(a.voltage.min));
  v.push_back(opt(a.voltage.max));
  v.emplace_back(a.current.n);
  v.emplace_back(a.current.sum);
  v.emplace_back(a.power_factor.n);
  v.emplace_back(a.power_factor.sum);
  v.emplace_back(a.frequency.n);
  v.emplace_back(a.frequency.sum);
}

aggregate decode_aggregate(const row& r, std::size_t i) {
  aggregate a;
  a.consumed_wh = r.i64(i + 0);
  a.produced_wh = r.i64(i + 1);
  a.readings = r.i64(i + 2);
  a.power.n = r.i64(i + 3);
  a.power.sum = r.i64(i + 4);
  a.power.min = r.opt_i64(i + 5);
  a.power.max = r.opt_i64(i + 6);
  a.peak_max = r.opt_i64(i + 7);
  if (auto at = r.opt_i64(i + 8)) a.peak_at = from_micros(*at);
  a.voltage.n = r.i64(i + 9);
  a.voltage.sum = r.i64(i + 10);
  a.voltage.min = r.opt_i64(i + 11);
  a.voltage.max = r.opt_i64(i + 12);
  a.current.n = r.i64(i + 13);
  a.current.sum = r.i64(i + 14);
  a.power_factor.n = r.i64(i + 15);
  a.power_factor.sum = r.i64(i + 16);
  a.frequency.n = r.i64(i + 17);
  a.frequency.sum = r.i64(i + 18);
  return a;
}

// "ON CONFLICT ... DO UPDATE" merging the new partial aggregate (excluded)
// into the stored one (`t`, the table's name): sums add, minima and maxima
// compare (a NULL side loses), the peak keeps its earliest time on a tie.
// A day's hourly profile (`hours`) learns which hours a merge touched
// (`dirty`), and only those are computed again when next needed
// (day_hours); a replacement drops it whole.
std::string merge_clause(std::string_view t, bool replace, bool days) {
  std::string s = "ON CONFLICT (block, meter, start) DO UPDATE SET ";
  bool first = true;
  auto set = [&](std::string_view col, const std::string& expr) {
    if (!first) s += ", ";
    first = false;
    s += std::string(col) + " = " + expr;
  };
  const std::string T(t);
  for (auto col : aggregate_columns) {
    const std::string c(col), old = T + "." + c, ex = "excluded." + c;
    if (replace) {
      set(col, ex);
    } else if (col.ends_with("_min")) {
      set(col, "CASE WHEN " + old + " IS NULL OR " + ex + " < " + old + " THEN " + ex + " ELSE " + old + " END");
    } else if (col.ends_with("_max") && col != "peak_max") {
      set(col, "CASE WHEN " + old + " IS NULL OR " + ex + " > " + old + " THEN " + ex + " ELSE " + old + " END");
    } else if (col == "peak_max" || col == "peak_at") {
      const std::string wins = "excluded.peak_max IS NOT NULL AND (" + T + ".peak_max IS NULL OR excluded.peak_max > " +
                               T + ".peak_max OR (excluded.peak_max = " + T + ".peak_max AND excluded.peak_at < " +
                               T + ".peak_at))";
      set(col, "CASE WHEN " + wins + " THEN " + ex + " ELSE " + old + " END");
    } else {
      set(col, old + " + " + ex);
    }
  }
  // Either way the day's packed quarter-hours are stale: read from the rows
  // until the day is packed again.
  if (days)
    s += replace ? ", hours = NULL, dirty = 0, packed = NULL"
                 : ", dirty = " + T + ".dirty | excluded.dirty, packed = NULL";
  return s;
}

// The block width of each bucket table: days are in day blocks, quarters in
// hour blocks.
std::int64_t width_of(bool days) { return days ? day_block_us : quarter_block_us; }

void merge_into(transaction& tx, std::string_view table, bool with_end,
                const std::vector<stored_bucket>& deltas, bool replace,
                std::vector<quarter_energy>* totals = nullptr) {
  if (deltas.empty()) return;
  std::vector<std::string_view> cols{"block", "meter", "start"};
  if (with_end) {
    cols.push_back("day_end");
    cols.push_back("dirty");
  }
  cols.insert(cols.end(), aggregate_columns.begin(), aggregate_columns.end());
  std::vector<value> v;
  v.reserve(deltas.size() * cols.size());
  for (const auto& d : deltas) {
    v.emplace_back(block_of(d.start, width_of(with_end)));
    v.emplace_back(d.meter);
    v.emplace_back(to_micros(d.start));
    if (with_end) {
      v.emplace_back(to_micros(d.end));
      v.emplace_back(d.hours_touched);
    }
    push_aggregate(v, d.agg);
  }
  // The clause is built from the library's own column names only.
  if (!totals) {
    tx.append(table, cols, v, merge_clause(table, replace, with_end));
    return;
  }
  // The same multi-row upserts, each answering the merged rows' totals.
  const std::string clause = merge_clause(table, replace, with_end) + " RETURNING meter, start, consumed_wh";
  multi_row_texts texts;
  const std::size_t width = cols.size();
  for_multi_rows(deltas.size(), [&](std::size_t first, std::size_t n) {
    const auto& sql = texts.of(n, [&](std::size_t rows) {
      std::string t = "INSERT INTO " + std::string(table) + " (";
      for (std::size_t c = 0; c < width; ++c) t += (c ? ", " : "") + std::string(cols[c]);
      t += ") VALUES ";
      for (std::size_t r = 0; r < rows; ++r) {
        t += r ? ", (" : "(";
        for (std::size_t c = 0; c < width; ++c) t += (c ? ", $" : "$") + std::to_string(r * width + c + 1);
        t += ")";
      }
      return t + " " + clause;
    });
    auto res = tx.exec(sql, std::span<const value>(v).subspan(first * width, n * width));
    for (const auto& r : res.rows) totals->push_back({r.i64(0), from_micros(r.i64(1)), r.i64(2)});
  });
}

std::vector<stored_bucket> decode_buckets(const exec_result& res, bool with_end) {
  std::vector<stored_bucket> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) {
    stored_bucket b;
    b.meter = r.i64(0);
    b.start = from_micros(r.i64(1));
    b.end = with_end ? from_micros(r.i64(2)) : b.start + segs::telemetry::quarter;
    b.agg = decode_aggregate(r, 3);
    out.push_back(std::move(b));
  }
  return out;
}

std::string bucket_select(bool with_end) {
  return "SELECT meter, start, " + std::string(with_end ? "day_end" : "start") + ", " +
         std::string(aggregate_select);
}

// A meter's range: each block of it is sought by (block, meter).
std::vector<stored_bucket> read_buckets(transaction& tx, std::string_view table, bool with_end,
                                        std::int64_t meter, timestamp from, timestamp to) {
  if (!(from < to)) return {};
  const auto w = width_of(with_end);
  // Unordered: the blocks are sought in order, so rows come sorted; the
  // sort below only guards a backend's other plan (it costs a check).
  auto res = tx.exec(bucket_select(with_end) + " FROM " + std::string(table) + " WHERE meter = $1 AND " +
                         in_blocks("block", 4, 5) + " AND start >= $2 AND start < $3",
                     {meter, to_micros(from), to_micros(to), block_of(from, w), block_of(to, w)});
  auto out = decode_buckets(res, with_end);
  auto by_start = [](const stored_bucket& a, const stored_bucket& b) { return a.start < b.start; };
  if (!std::is_sorted(out.begin(), out.end(), by_start)) std::sort(out.begin(), out.end(), by_start);
  return out;
}

}  // namespace

void merge_quarters(transaction& tx, const std::vector<stored_bucket>& deltas, bool replace,
                    std::vector<quarter_energy>* totals) {
  merge_into(tx, "meter_quarters", false, deltas, replace, totals);
}
void merge_days(transaction& tx, const std::vector<stored_bucket>& deltas, bool replace) {
  merge_into(tx, "meter_days", true, deltas, replace);
}
std::vector<stored_bucket> quarter_rows(transaction& tx, std::int64_t meter, timestamp from, timestamp to) {
  return read_buckets(tx, "meter_quarters", false, meter, from, to);
}

std::vector<stored_bucket> quarters(transaction& tx, std::int64_t meter, timestamp from, timestamp to) {
  if (!(from < to)) return {};
  // The packed days entirely inside the range: each of the range's day
  // blocks sought by (block, meter). A day starting before `from` (its
  // start may lie in the block before) is not entirely inside, so its part
  // of the range is read from the rows below.
  auto days = tx.exec("SELECT start, day_end, packed FROM meter_days WHERE meter = $1 AND " +
                          in_blocks("block", 4, 5) + " AND start >= $2 AND day_end <= $3 AND packed IS NOT NULL",
                      {meter, to_micros(from), to_micros(to), block_of(from, day_block_us),
                       block_of(to, day_block_us)});
  if (days.rows.empty()) return quarter_rows(tx, meter, from, to);
  auto& rows = days.rows;
  if (!std::is_sorted(rows.begin(), rows.end(), [](const row& a, const row& b) { return a.i64(0) < b.i64(0); }))
    std::sort(rows.begin(), rows.end(), [](const row& a, const row& b) { return a.i64(0) < b.i64(0); });
  // The rest of the range, between the decoded days, from the rows: one
  // statement per gap (adjacent unpacked days are one gap).
  std::vector<stored_bucket> out;
  // Room for the range's quarter-hours (up to two months' worth at once;
  // a longer range grows as usual).
  out.reserve(static_cast<std::size_t>(std::min<std::int64_t>((to - from) / segs::telemetry::quarter, 62 * 100)));
  std::vector<segs::telemetry::packed_quarter> decoded;
  timestamp at = from;
  auto rows_until = [&](timestamp until) {
    if (!(at < until)) return;
    auto part = quarter_rows(tx, meter, at, until);
    out.insert(out.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  };
  for (const auto& r : rows) {
    const auto start = from_micros(r.i64(0)), end = from_micros(r.i64(1));
    // A meter's days do not overlap (a meter with readings keeps its
    // region, a zone change rebuilds them); guarded all the same.
    if (start < at) continue;
    decoded.clear();
    // Bytes of another version (or a day the encoding could not hold)
    // leave the day to the rows.
    if (!segs::telemetry::unpack_day(start, r.bytes(2), decoded)) continue;
    if (!decoded.empty() && !(decoded.back().start < end)) continue;
    rows_until(start);
    for (auto& q : decoded) out.push_back({meter, q.start, q.start + segs::telemetry::quarter, q.agg, 0});
    at = end;
  }
  rows_until(to);
  return out;
}
std::vector<stored_bucket> days(transaction& tx, std::int64_t meter, timestamp from, timestamp to) {
  return read_buckets(tx, "meter_days", true, meter, from, to);
}

void merge_region_quarters(transaction& tx, const std::vector<region_quarter>& deltas) {
  if (deltas.empty()) return;
  static constexpr std::array<std::string_view, 5> cols{"region", "start", "consumed_wh",
                                                        "produced_wh", "readings"};
  std::vector<value> v;
  v.reserve(deltas.size() * cols.size());
  for (const auto& d : deltas) {
    v.emplace_back(d.region);
    v.emplace_back(to_micros(d.start));
    v.emplace_back(d.consumed_wh);
    v.emplace_back(d.produced_wh);
    v.emplace_back(d.readings);
  }
  tx.append("region_quarters", cols, v,
            "ON CONFLICT (region, start) DO UPDATE SET "
            "consumed_wh = region_quarters.consumed_wh + excluded.consumed_wh, "
            "produced_wh = region_quarters.produced_wh + excluded.produced_wh, "
            "readings = region_quarters.readings + excluded.readings");
}

std::vector<region_quarter> region_quarters(transaction& tx, std::string_view region, timestamp from,
                                            timestamp to) {
  auto res = tx.exec(
      "SELECT start, consumed_wh, produced_wh, readings FROM region_quarters "
      "WHERE region = $1 AND start >= $2 AND start < $3 ORDER BY start",
      {std::string(region), to_micros(from), to_micros(to)});
  std::vector<region_quarter> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows)
    out.push_back({std::string(region), from_micros(r.i64(0)), r.i64(1), r.i64(2), r.i64(3)});
  return out;
}

std::vector<stored_bucket> region_meter_quarters(transaction& tx, std::string_view region, timestamp from,
                                                 timestamp to) {
  if (!(from < to)) return {};
  // Every meter's rows of the range's blocks, kept for the region's meters.
  auto res = tx.exec(bucket_select(false) +
                         " FROM meter_quarters WHERE block >= $4 AND block <= $5 AND start >= $2 AND start < $3 "
                         "AND +meter IN (SELECT seq FROM meters WHERE region = $1) ORDER BY meter, start",
                     {std::string(region), to_micros(from), to_micros(to), block_of(from, quarter_block_us),
                      block_of(to, quarter_block_us)});
  return decode_buckets(res, false);
}

namespace {
void decode_flows(const exec_result& res, std::vector<quarter_flow>& out) {
  out.reserve(out.size() + res.rows.size());
  for (const auto& r : res.rows) out.push_back({r.i64(0), from_micros(r.i64(1)), r.i64(2), r.i64(3)});
}
}  // namespace

namespace {
// The rows of meters [lo, hi] in [from, to).
void flow_rows(transaction& tx, std::int64_t lo, std::int64_t hi, timestamp from, timestamp to,
               std::vector<quarter_flow>& out) {
  // Each hour block of the range is one seek to the meters' run of keys.
  decode_flows(tx.exec("SELECT meter, start, consumed_wh, produced_wh FROM meter_quarters WHERE " +
                           in_blocks("block", 3, 4) + " AND meter >= $1 AND meter <= $2 AND start >= $5 AND start < $6",
                       {lo, hi, block_of(from, quarter_block_us), block_of(to, quarter_block_us), to_micros(from),
                        to_micros(to)}),
               out);
}
}  // namespace

std::vector<quarter_flow> quarter_flows(transaction& tx, const std::vector<std::int64_t>& meters, timestamp from,
                                        timestamp to) {
  std::vector<quarter_flow> out;
  if (!(from < to) || meters.empty()) return out;
  const auto lo = meters.front();
  const auto hi = meters.back();
  auto wanted = [&](std::int64_t m) { return std::binary_search(meters.begin(), meters.end(), m); };
  // Settled days are packed (docs/telemetry.md, "Packed days"): a meter-day
  // is one row to decode instead of its 96 quarter-hour rows. The days
  // entirely inside the range first, then the rest from the rows.
  auto days = tx.exec("SELECT meter, start, day_end, packed FROM meter_days WHERE " + in_blocks("block", 3, 4) +
                          " AND meter >= $1 AND meter <= $2 AND start >= $5 AND day_end <= $6 AND packed IS NOT NULL",
                      {lo, hi, block_of(from, day_block_us), block_of(to, day_block_us), to_micros(from),
                       to_micros(to)});
  // Per meter, the decoded days' [start, end): what the rows must not repeat.
  std::map<std::int64_t, std::vector<std::pair<std::int64_t, std::int64_t>>> covered;
  std::vector<segs::telemetry::packed_quarter> decoded;
  for (const auto& r : days.rows) {
    const auto meter = r.i64(0);
    if (!wanted(meter)) continue;
    decoded.clear();
    // Bytes of another version (or a day the encoding could not hold) leave
    // the day to the rows.
    if (!segs::telemetry::unpack_day(from_micros(r.i64(1)), r.bytes(3), decoded)) continue;
    for (const auto& q : decoded) out.push_back({meter, q.start, q.agg.consumed_wh, q.agg.produced_wh});
    covered[meter].emplace_back(r.i64(1), r.i64(2));
  }
  const std::int64_t range_us = to_micros(to) - to_micros(from);
  std::vector<std::int64_t> rest;  // meters whose range the packed days do not cover whole
  for (const auto m : meters) {
    auto it = covered.find(m);
    std::int64_t sum = 0;
    if (it != covered.end()) {
      std::sort(it->second.begin(), it->second.end());
      for (const auto& [a, b] : it->second) sum += b - a;
    }
    if (sum != range_us) rest.push_back(m);
  }
  if (rest.empty()) return out;
  std::vector<quarter_flow> rows;
  // Few meters: a seek per meter and hour block; many: one run of the keys.
  if (rest.size() <= 32) {
    for (const auto m : rest) flow_rows(tx, m, m, from, to, rows);
  } else {
    flow_rows(tx, rest.front(), rest.back(), from, to, rows);
  }
  for (const auto& f : rows) {
    if (!std::binary_search(rest.begin(), rest.end(), f.meter)) continue;
    if (const auto it = covered.find(f.meter); it != covered.end()) {
      const auto t = to_micros(f.start);
      const auto& spans = it->second;
      const auto k = std::upper_bound(spans.begin(), spans.end(), std::pair{t, std::numeric_limits<std::int64_t>::max()});
      if (k != spans.begin() && t < std::prev(k)->second) continue;  // decoded already
    }
    out.push_back(f);
  }
  return out;
}

std::optional<std::pair<timestamp, timestamp>> quarter_span(transaction& tx) {
  // The extreme blocks are the ends of the primary key; the extreme starts
  // are within them.
  auto res = tx.exec(
      "SELECT (SELECT MIN(start) FROM meter_quarters WHERE block = (SELECT MIN(block) FROM meter_quarters)), "
      "(SELECT MAX(start) FROM meter_quarters WHERE block = (SELECT MAX(block) FROM meter_quarters))");
  const auto& r = res.rows.at(0);
  if (r.is_null(0)) return std::nullopt;
  return std::pair{from_micros(r.i64(0)), from_micros(r.i64(1))};
}

void drop_days_of_region(transaction& tx, std::string_view region) {
  tx.exec("DELETE FROM meter_days WHERE meter IN (SELECT seq FROM meters WHERE region = $1)",
          {std::string(region)});
}

std::int64_t meters_reporting(transaction& tx, std::string_view region, timestamp from, timestamp to) {
  if (!(from < to)) return 0;
  // Per meter of the region, a seek of the range's blocks that stops at the
  // first quarter-hour found (a scan of the blocks reads every meter's rows).
  return tx
      .exec(
          "SELECT COUNT(*) FROM meters m WHERE m.region = $1 AND EXISTS (SELECT 1 FROM meter_quarters q "
          "WHERE q.meter = m.seq AND " + in_blocks("q.block", 4, 5) + " AND q.start >= $2 AND q.start < $3)",
          {std::string(region), to_micros(from), to_micros(to), block_of(from, quarter_block_us),
           block_of(to, quarter_block_us)})
      .rows.at(0)
      .i64(0);
}

std::vector<top_consumer> top_consumers(transaction& tx, std::string_view region, timestamp from,
                                        timestamp d0, timestamp d1, timestamp to, int limit) {
  // Each part scans the blocks of its range (the tables are time-major)
  // and keeps the region's meters. "+meter" keeps SQLite from driving the
  // scan by the meter list: a range scan per meter. Empty edges are left out.
  std::string parts;
  std::vector<value> params{std::string(region)};
  auto part = [&](std::string_view table, std::int64_t width, timestamp lo, timestamp hi) {
    if (!(lo < hi)) return;
    const auto n = params.size();
    params.emplace_back(to_micros(lo));
    params.emplace_back(to_micros(hi));
    params.emplace_back(block_of(lo, width));
    params.emplace_back(block_of(hi, width));
    auto p = [&](std::size_t i) { return "$" + std::to_string(n + i); };
    if (!parts.empty()) parts += " UNION ALL ";
    parts += "SELECT b.meter, b.consumed_wh FROM " + std::string(table) + " b WHERE b.block >= " + p(3) +
             " AND b.block <= " + p(4) + " AND b.start >= " + p(1) + " AND b.start < " + p(2) +
             " AND +b.meter IN (SELECT seq FROM meters WHERE region = $1)";
  };
  part("meter_quarters", quarter_block_us, from, d0);
  part("meter_days", day_block_us, d0, d1);
  part("meter_quarters", quarter_block_us, d1, to);
  if (parts.empty()) return {};
  params.emplace_back(std::int64_t{limit});
  // SUM of a BIGINT is numeric on PostgreSQL: cast (see add_totals).
  auto res = tx.exec(
      "SELECT m.meter_id, m.user_id, CAST(SUM(e.consumed_wh) AS BIGINT) AS consumed FROM (" + parts +
          ") AS e JOIN meters m ON m.seq = e.meter "
          "GROUP BY m.seq, m.meter_id, m.user_id ORDER BY consumed DESC, m.meter_id LIMIT $" +
          std::to_string(params.size()),
      params);
  std::vector<top_consumer> out;
  int rank = 0;
  for (const auto& r : res.rows) {
    top_consumer c;
    c.rank = ++rank;
    c.meter_id = r.text(0);
    if (!r.is_null(1)) c.user_id = r.id(1);
    c.consumed = energy{r.i64(2)};
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

// meter_days.hours: 24 little-endian int64 Wh, then 24 little-endian int32
// quarter-hour counts (288 bytes).
constexpr std::size_t day_hours_bytes = 24 * 8 + 24 * 4;

blob encode(const day_hours& h) {
  blob b(day_hours_bytes);
  std::size_t at = 0;
  auto put = [&](std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) b[at++] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  for (const auto wh : h.wh) put(static_cast<std::uint64_t>(wh), 8);
  for (const auto n : h.quarters) put(static_cast<std::uint32_t>(n), 4);
  return b;
}

std::optional<day_hours> decode_hours(const row& r, std::size_t i) {
  if (r.is_null(i)) return std::nullopt;
  const auto& b = r.bytes(i);
  if (b.size() != day_hours_bytes) return std::nullopt;  // not this encoding: computed again
  day_hours h;
  std::size_t at = 0;
  auto get = [&](int bytes) {
    std::uint64_t v = 0;
    for (int k = 0; k < bytes; ++k) v |= std::uint64_t{b[at++]} << (8 * k);
    return v;
  };
  for (auto& wh : h.wh) wh = static_cast<std::int64_t>(get(8));
  for (auto& n : h.quarters) n = static_cast<std::int32_t>(get(4));
  return h;
}

}  // namespace

std::vector<stored_day_hours> day_hours_of(transaction& tx, const std::vector<std::pair<std::int64_t, timestamp>>& keys) {
  std::vector<stored_day_hours> out;
  std::vector<std::array<std::int64_t, 3>> listed;
  listed.reserve(keys.size());
  for (const auto& [meter, start] : keys) listed.push_back({block_of(start, day_block_us), meter, to_micros(start)});
  // Each key sought in the primary key (a lateral lookup on PostgreSQL, as
  // readings_at explains); a padded list repeats its last key, so a day may
  // come twice and is answered once.
  const bool lateral = tx.dialect() == "postgres";
  values_lists(listed, [&](const std::string& list, const std::vector<value>& params) {
    auto res = tx.exec(
        lateral ? "SELECT d.meter, d.start, d.hours, d.dirty, d.readings, d.consumed_wh FROM (VALUES " + list +
                      ") AS k CROSS JOIN LATERAL (SELECT meter, start, hours, dirty, readings, consumed_wh FROM "
                      "meter_days x WHERE x.block = k.column1 AND x.meter = k.column2 AND x.start = k.column3 LIMIT 1) "
                      "AS d"
                : "SELECT d.meter, d.start, d.hours, d.dirty, d.readings, d.consumed_wh FROM (VALUES " + list +
                      ") AS k JOIN meter_days d ON d.block = k.column1 AND d.meter = k.column2 AND d.start = k.column3",
        params);
    for (const auto& r : res.rows)
      out.push_back({r.i64(0), from_micros(r.i64(1)), decode_hours(r, 2), r.i64(3), r.i64(4), r.i64(5)});
  });
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.meter != b.meter ? a.meter < b.meter : a.start < b.start;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const auto& a, const auto& b) { return a.meter == b.meter && a.start == b.start; }),
            out.end());
  return out;
}

void put_day_hours(transaction& tx, const std::vector<stored_day_hours>& days) {
  for (const auto& d : days) {
    if (!d.hours) continue;
    // Under READ COMMITTED another transaction may have merged into the day
    // since it was read: then the profile is not stored (computed again next
    // time). Any merge that changes the profile changes the day's readings,
    // consumption or dirty hours.
    tx.exec(
        "UPDATE meter_days SET hours = $1, dirty = 0 WHERE block = $2 AND meter = $3 AND start = $4 AND dirty = $5 "
        "AND readings = $6 AND consumed_wh = $7",
        {encode(*d.hours), block_of(d.start, day_block_us), d.meter, to_micros(d.start), d.dirty, d.readings,
         d.consumed_wh});
  }
}

std::vector<day_to_pack> days_to_pack(transaction& tx, timestamp settled_by, int limit) {
  // The front of meter_days_unpacked (a partial index of the days without a
  // packed form, by end). The limit is the library's own constant, written
  // into the text so PostgreSQL's generic plan knows it is small (an index
  // scan that stops early, never a scan of the table).
  const std::string sql = "SELECT meter, start, day_end, readings, consumed_wh FROM meter_days "
                          "WHERE packed IS NULL AND day_end <= $1 ORDER BY day_end LIMIT " +
                          std::to_string(limit) +
                          (tx.dialect() == "postgres" ? " FOR NO KEY UPDATE SKIP LOCKED" : "");
  auto res = tx.exec(sql, {to_micros(settled_by)});
  std::vector<day_to_pack> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows)
    out.push_back({r.i64(0), from_micros(r.i64(1)), from_micros(r.i64(2)), r.i64(3), r.i64(4)});
  return out;
}

bool put_packed_day(transaction& tx, const day_to_pack& d, const blob& packed) {
  // As put_day_hours: only if the day still holds what was read (under
  // PostgreSQL days_to_pack's lock already keeps merges out).
  return tx
             .exec("UPDATE meter_days SET packed = $1 WHERE block = $2 AND meter = $3 AND start = $4 AND packed IS "
                   "NULL AND readings = $5 AND consumed_wh = $6",
                   {packed, block_of(d.start, day_block_us), d.meter, to_micros(d.start), d.readings,
                    d.consumed_wh})
             .affected == 1;
}

}  // namespace segs::storage::telemetry
