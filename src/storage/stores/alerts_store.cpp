// SQL of alerts. The partial unique index alerts_open holds at most one open
// alert per (meter, type); lookups of open alerts use it.
#include "storage/stores/alerts_store.hpp"
#include "storage/stores/counts.hpp"

#include "storage/stores/columns.hpp"

#include "alerts/names.hpp"
#include "storage/enum_column.hpp"
#include "storage/stores/filter.hpp"
#include "storage/stores/in_list.hpp"
#include "storage/stores/listing.hpp"

#include <map>

namespace segs::storage::alerts {

namespace {

constexpr std::string_view alert_columns =
    "seq, meter, id, meter_uuid, meter_serial, user_id, region, type, severity, status, message, value, "
    "threshold, occurrences, first_seen_at, last_seen_at, acknowledged_at, acknowledged_by, acknowledge_note, "
    "resolved_at, resolved_by, resolution, resolution_note";


alert_row decode(const row& r) {
  alert_row out;
  out.seq = r.i64(0);
  out.meter = r.i64(1);
  auto& a = out.a;
  a.id = r.id(2);
  a.meter_uuid = r.id(3);
  a.meter_id = r.text(4);
  a.user_id = id_at(r, 5);
  a.region = r.text(6);
  a.type = enum_column<alert_type>(r, 7, "alerts.type");
  a.severity = enum_column<alert_severity>(r, 8, "alerts.severity");
  a.status = enum_column<alert_status>(r, 9, "alerts.status");
  a.message = r.text(10);
  a.value = milli{r.i64(11)};
  a.threshold = milli{r.i64(12)};
  a.occurrences = r.i64(13);
  a.first_seen_at = from_micros(r.i64(14));
  a.last_seen_at = from_micros(r.i64(15));
  a.acknowledged_at = time_at(r, 16);
  a.acknowledged_by = id_at(r, 17);
  a.acknowledge_note = r.text(18);
  a.resolved_at = time_at(r, 19);
  a.resolved_by = id_at(r, 20);
  a.resolution = opt_enum_column<alert_resolution>(r, 21, "alerts.resolution");
  a.resolution_note = r.text(22);
  return out;
}

std::vector<alert_row> decode_all(const exec_result& res) {
  std::vector<alert_row> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back(decode(r));
  return out;
}

value resolution_of(const segs::alert& a) {
  return a.resolution ? value(std::string(to_string(*a.resolution))) : value(nullptr);
}

filter where_of(const alert_filter& f) {
  filter w;
  if (!f.who.all) {
    if (f.who.user && f.who.region) {
      const auto user = w.bind(f.who.user->to_string());
      const auto region = w.bind(*f.who.region);
      w.add("(user_id = " + user + " OR region = " + region + ")");
    } else if (f.who.user) {
      w.add("user_id = ?", f.who.user->to_string());
    } else if (f.who.region) {
      w.add("region = ?", *f.who.region);
    } else {
      w.add("1 = 0");
    }
  }
  if (f.status) w.add("status = ?", std::string(to_string(*f.status)));
  if (f.open_only) w.add("status <> 'resolved'");
  if (f.severity) w.add("severity = ?", std::string(to_string(*f.severity)));
  if (f.type) w.add("type = ?", std::string(to_string(*f.type)));
  if (f.meter) w.add("meter = ?", *f.meter);
  if (f.region) w.add("region = ?", *f.region);
  if (f.from) w.add("first_seen_at >= ?", to_micros(*f.from));
  if (f.to) w.add("first_seen_at < ?", to_micros(*f.to));
  return w;
}

}  // namespace

std::int64_t insert_alert(transaction& tx, const alert_row& r) {
  const auto& a = r.a;
  auto res = tx.exec(
      "INSERT INTO alerts (meter, id, meter_uuid, meter_serial, user_id, region, type, severity, status, message, "
      "value, threshold, occurrences, first_seen_at, last_seen_at, acknowledged_at, acknowledged_by, "
      "acknowledge_note, resolved_at, resolved_by, resolution, resolution_note) VALUES ($1, $2, $3, $4, $5, $6, "
      "$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) RETURNING seq",
      {r.meter, a.id.to_string(), a.meter_uuid.to_string(), a.meter_id, nullable(a.user_id), a.region,
       std::string(to_string(a.type)), std::string(to_string(a.severity)), std::string(to_string(a.status)),
       a.message, a.value.value, a.threshold.value, a.occurrences, to_micros(a.first_seen_at),
       to_micros(a.last_seen_at), nullable(a.acknowledged_at), nullable(a.acknowledged_by), a.acknowledge_note,
       nullable(a.resolved_at), nullable(a.resolved_by), resolution_of(a), a.resolution_note});
  return res.rows.at(0).i64(0);
}

void update_alert(transaction& tx, const alert_row& r) {
  const auto& a = r.a;
  tx.exec(
      "UPDATE alerts SET severity = $2, status = $3, message = $4, value = $5, threshold = $6, occurrences = $7, "
      "last_seen_at = $8, acknowledged_at = $9, acknowledged_by = $10, acknowledge_note = $11, resolved_at = "
      "$12, resolved_by = $13, resolution = $14, resolution_note = $15 WHERE seq = $1",
      {r.seq, std::string(to_string(a.severity)), std::string(to_string(a.status)), a.message, a.value.value,
       a.threshold.value, a.occurrences, to_micros(a.last_seen_at), nullable(a.acknowledged_at),
       nullable(a.acknowledged_by), a.acknowledge_note, nullable(a.resolved_at), nullable(a.resolved_by),
       resolution_of(a), a.resolution_note});
}

std::optional<alert_row> find_alert(transaction& tx, const uuid& id) {
  auto res = tx.exec("SELECT " + std::string(alert_columns) + " FROM alerts WHERE id = $1", {id.to_string()});
  if (res.rows.empty()) return std::nullopt;
  return decode(res.rows.front());
}

std::vector<alert_row> open_alerts_of(transaction& tx, const std::vector<std::int64_t>& meters) {
  std::vector<alert_row> out;
  select_keys(tx, "meter", meters, [&](const std::string& where, const std::vector<value>& params) {
    auto rows = decode_all(tx.exec(
        "SELECT " + std::string(alert_columns) + " FROM alerts WHERE " + where + " AND status <> 'resolved'", params));
    for (auto& r : rows)
      if (std::binary_search(meters.begin(), meters.end(), r.meter)) out.push_back(std::move(r));
  });
  // A padded IN list repeats its last entry: the same alert may come twice.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  out.erase(std::unique(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq == b.seq; }),
            out.end());
  return out;
}

std::vector<std::int64_t> meters_with_open(transaction& tx, std::string_view region, alert_type type) {
  auto res = tx.exec("SELECT meter FROM alerts WHERE region = $1 AND type = $2 AND status <> 'resolved'",
                     {std::string(region), std::string(to_string(type))});
  std::vector<std::int64_t> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back(r.i64(0));
  return out;
}

page<alert_row> list_alerts(transaction& tx, const alert_filter& f, page_request p, bool oldest_first) {
  const auto w = where_of(f);
  auto rows = fetch_page(tx,
                         {.select = std::string(alert_columns),
                          .from = "alerts" + w.where(),
                          .params = w.params(),
                          .order_by = oldest_first ? "first_seen_at, seq" : "first_seen_at DESC, seq DESC"},
                         p);
  return to_page<alert_row>(std::move(rows), decode);
}

std::vector<alert_row> report_rows(transaction& tx, const alert_filter& f, std::optional<timestamp> resolved_from,
                                   std::optional<timestamp> resolved_to) {
  auto g = f;
  g.from.reset();
  g.to.reset();
  auto w = where_of(g);
  std::string seen = "1 = 1";
  if (f.from) seen += " AND first_seen_at >= " + w.bind(to_micros(*f.from));
  if (f.to) seen += " AND first_seen_at < " + w.bind(to_micros(*f.to));
  std::string resolved = "1 = 0";
  if (resolved_from && resolved_to)
    resolved = "resolved_at >= " + w.bind(to_micros(*resolved_from)) + " AND resolved_at < " +
               w.bind(to_micros(*resolved_to));
  w.add("((" + seen + ") OR (" + resolved + "))");
  return decode_all(
      tx.exec("SELECT " + std::string(alert_columns) + " FROM alerts" + w.where() + " ORDER BY seq", w.params()));
}

std::vector<state_row> states_of(transaction& tx, const std::vector<std::int64_t>& meters) {
  std::map<std::pair<std::int64_t, alert_type>, state_row> found;
  select_keys(tx, "meter", meters, [&](const std::string& where, const std::vector<value>& params) {
    auto res = tx.exec("SELECT meter, type, meeting, clearing, last_ts FROM alert_state WHERE " + where, params);
    for (const auto& r : res.rows) {
      if (!std::binary_search(meters.begin(), meters.end(), r.i64(0))) continue;
      state_row s{r.i64(0), enum_column<alert_type>(r, 1, "alert_state.type"), r.i64(2), r.i64(3),
                  from_micros(r.i64(4))};
      found[{s.meter, s.type}] = s;
    }
  });
  std::vector<state_row> out;
  out.reserve(found.size());
  for (auto& [k, v] : found) out.push_back(v);
  return out;
}

void put_states(transaction& tx, const std::vector<state_row>& rows) {
  if (rows.empty()) return;
  static constexpr std::array<std::string_view, 5> cols{"meter", "type", "meeting", "clearing", "last_ts"};
  std::vector<value> v;
  v.reserve(rows.size() * cols.size());
  for (const auto& s : rows) {
    v.emplace_back(s.meter);
    v.emplace_back(std::string(to_string(s.type)));
    v.emplace_back(s.meeting);
    v.emplace_back(s.clearing);
    v.emplace_back(to_micros(s.last));
  }
  tx.append("alert_state", cols, v,
            "ON CONFLICT (meter, type) DO UPDATE SET meeting = excluded.meeting, clearing = excluded.clearing, "
            "last_ts = excluded.last_ts");
}

void drop_states(transaction& tx, const std::vector<std::pair<std::int64_t, alert_type>>& keys) {
  for (const auto& [meter, type] : keys)
    tx.exec("DELETE FROM alert_state WHERE meter = $1 AND type = $2", {meter, std::string(to_string(type))});
}

setting_rows settings_of(transaction& tx, std::string_view region, std::int64_t meter) {
  auto res = tx.exec("SELECT name, value FROM alert_settings WHERE region = $1 AND meter = $2 ORDER BY name",
                     {std::string(region), meter});
  setting_rows out;
  for (const auto& r : res.rows) out.emplace_back(r.text(0), r.i64(1));
  return out;
}

std::vector<std::pair<std::int64_t, setting_rows>> meter_settings_of(transaction& tx, std::string_view region) {
  auto res = tx.exec(
      "SELECT meter, name, value FROM alert_settings WHERE region = $1 AND meter <> 0 ORDER BY meter, name",
      {std::string(region)});
  std::vector<std::pair<std::int64_t, setting_rows>> out;
  for (const auto& r : res.rows) {
    if (out.empty() || out.back().first != r.i64(0)) out.emplace_back(r.i64(0), setting_rows{});
    out.back().second.emplace_back(r.text(1), r.i64(2));
  }
  return out;
}

void put_settings(transaction& tx, std::string_view region, std::int64_t meter, const setting_rows& rows) {
  for (const auto& [name, v] : rows)
    tx.exec(
        "INSERT INTO alert_settings (region, meter, name, value) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (region, meter, name) DO UPDATE SET value = excluded.value",
        {std::string(region), meter, name, v});
}

std::map<std::string, std::int64_t> open_by_region(transaction& tx) {
  return counts_by_region(tx, "SELECT region, COUNT(*) FROM alerts WHERE status <> 'resolved' GROUP BY region");
}

std::map<std::string, std::int64_t> open_by_severity(transaction& tx, std::string_view region) {
  return counts_by_key(tx,
                       "SELECT severity, COUNT(*) FROM alerts WHERE region = $1 AND status <> 'resolved' "
                       "GROUP BY severity",
                       {std::string(region)});
}

}  // namespace segs::storage::alerts
