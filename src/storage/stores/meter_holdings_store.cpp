// SQL of meter holdings: who held a meter over which span (migration 0012).
// A meter's holdings follow one another in time, so at most one is open;
// the partial unique index meter_holdings_open holds the service to that.
#include "storage/stores/columns.hpp"
#include "storage/stores/telemetry_store.hpp"

namespace segs::storage::telemetry {

namespace {

constexpr std::string_view holding_columns = "h.meter, h.user_id, h.held_from, h.held_to";
// Oldest first: PostgreSQL sorts NULLs last and SQLite first, so "since the
// beginning" is put first explicitly; seq orders holdings of one instant.
constexpr std::string_view holding_order =
    " ORDER BY h.meter, CASE WHEN h.held_from IS NULL THEN 0 ELSE 1 END, h.held_from, h.seq";

meter_holding decode(const row& r) {
  return {r.i64(0), r.id(1), time_at(r, 2), time_at(r, 3)};
}

std::vector<meter_holding> decode_all(const exec_result& res) {
  std::vector<meter_holding> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back(decode(r));
  return out;
}

}  // namespace

std::vector<meter_holding> holdings_of_meter(transaction& tx, std::int64_t meter) {
  return decode_all(tx.exec("SELECT " + std::string(holding_columns) +
                                " FROM meter_holdings h WHERE h.meter = $1" + std::string(holding_order),
                            {meter}));
}

std::vector<meter_holding> holdings_of_region(transaction& tx, std::string_view region, timestamp from,
                                              timestamp to) {
  // A holding that began and ended at one instant spans nothing: it
  // overlaps no range.
  return decode_all(tx.exec(
      "SELECT " + std::string(holding_columns) +
          " FROM meter_holdings h JOIN meters m ON m.seq = h.meter WHERE m.region = $1"
          " AND (h.held_from IS NULL OR h.held_from < $3) AND (h.held_to IS NULL OR h.held_to > $2)"
          " AND (h.held_from IS NULL OR h.held_to IS NULL OR h.held_to > h.held_from)" +
          std::string(holding_order),
      {std::string(region), to_micros(from), to_micros(to)}));
}

void open_holding(transaction& tx, std::int64_t meter, const uuid& user, std::optional<timestamp> from) {
  tx.exec("INSERT INTO meter_holdings (meter, user_id, held_from) VALUES ($1, $2, $3)",
          {meter, user.to_string(), nullable(from)});
}

void close_holding(transaction& tx, std::int64_t meter, timestamp to) {
  tx.exec("UPDATE meter_holdings SET held_to = $2 WHERE meter = $1 AND held_to IS NULL",
          {meter, to_micros(to)});
}

}  // namespace segs::storage::telemetry
