// SQL of telemetry's stored buckets: meter quarter-hours and local days
// (merged from a batch's deltas, read back by range), a region's quarter-hour
// load curve, and the region queries that read them. The registry and raw
// readings are in telemetry_store.cpp; both implement telemetry_store.hpp.
#include "storage/stores/telemetry_store.hpp"

#include <array>

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
std::string merge_clause(std::string_view t, bool replace) {
  std::string s = "ON CONFLICT (meter, start) DO UPDATE SET ";
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
  return s;
}

void merge_into(transaction& tx, std::string_view table, bool with_end,
                const std::vector<stored_bucket>& deltas, bool replace) {
  if (deltas.empty()) return;
  std::vector<std::string_view> cols{"meter", "start"};
  if (with_end) cols.push_back("day_end");
  cols.insert(cols.end(), aggregate_columns.begin(), aggregate_columns.end());
  std::vector<value> v;
  v.reserve(deltas.size() * cols.size());
  for (const auto& d : deltas) {
    v.emplace_back(d.meter);
    v.emplace_back(to_micros(d.start));
    if (with_end) v.emplace_back(to_micros(d.end));
    push_aggregate(v, d.agg);
  }
  // The clause is built from the library's own column names only.
  tx.append(table, cols, v, merge_clause(table, replace));
}

std::vector<stored_bucket> read_buckets(transaction& tx, std::string_view table, bool with_end,
                                        std::int64_t meter, timestamp from, timestamp to) {
  const std::string end_col = with_end ? "day_end" : "start";
  auto res = tx.exec("SELECT meter, start, " + end_col + ", " + std::string(aggregate_select) +
                         " FROM " + std::string(table) +
                         " WHERE meter = $1 AND start >= $2 AND start < $3 ORDER BY start",
                     {meter, to_micros(from), to_micros(to)});
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

}  // namespace

void merge_quarters(transaction& tx, const std::vector<stored_bucket>& deltas, bool replace) {
  merge_into(tx, "meter_quarters", false, deltas, replace);
}
void merge_days(transaction& tx, const std::vector<stored_bucket>& deltas, bool replace) {
  merge_into(tx, "meter_days", true, deltas, replace);
}
std::vector<stored_bucket> quarters(transaction& tx, std::int64_t meter, timestamp from, timestamp to) {
  return read_buckets(tx, "meter_quarters", false, meter, from, to);
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

void drop_days(transaction& tx, std::int64_t meter) {
  tx.exec("DELETE FROM meter_days WHERE meter = $1", {meter});
}

std::int64_t meters_reporting(transaction& tx, std::string_view region, timestamp from, timestamp to) {
  return tx
      .exec(
          "SELECT COUNT(*) FROM meters m WHERE m.region = $1 AND EXISTS (SELECT 1 FROM "
          "meter_quarters q WHERE q.meter = m.seq AND q.start >= $2 AND q.start < $3)",
          {std::string(region), to_micros(from), to_micros(to)})
      .rows.at(0)
      .i64(0);
}

std::vector<top_consumer> top_consumers(transaction& tx, std::string_view region, timestamp from,
                                        timestamp d0, timestamp d1, timestamp to, int limit) {
  // Each part starts from the region's meters and seeks each meter's rows
  // by its key (meter, start): the tables have no index on time alone, and a
  // scan of every meter's buckets was most of this query's time. Empty
  // edges are left out.
  std::string parts;
  std::vector<value> params{std::string(region)};
  auto part = [&](std::string_view table, timestamp lo, timestamp hi) {
    if (!(lo < hi)) return;
    params.emplace_back(to_micros(lo));
    params.emplace_back(to_micros(hi));
    if (!parts.empty()) parts += " UNION ALL ";
    parts += "SELECT m.seq AS meter, b.consumed_wh FROM meters m JOIN " + std::string(table) +
             " b ON b.meter = m.seq AND b.start >= $" + std::to_string(params.size() - 1) +
             " AND b.start < $" + std::to_string(params.size()) + " WHERE m.region = $1";
  };
  part("meter_quarters", from, d0);
  part("meter_days", d0, d1);
  part("meter_quarters", d1, to);
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

}  // namespace segs::storage::telemetry
