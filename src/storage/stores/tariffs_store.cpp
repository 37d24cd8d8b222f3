// SQL of tariffs: their rows and child rows (periods, rules, holidays, tiers)
// and overrides.
#include "storage/stores/tariffs_store.hpp"
#include "storage/stores/counts.hpp"

#include "storage/stores/columns.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <string>

namespace segs::storage::tariffs {

namespace {


std::int64_t days_mask(const std::vector<day_kind>& days) {
  std::int64_t m = 0;
  for (auto d : days) m |= std::int64_t{1} << static_cast<int>(d);
  return m;
}
std::vector<day_kind> days_of(std::int64_t m) {
  std::vector<day_kind> out;
  for (int d = 0; d < 8; ++d)
    if (m & (std::int64_t{1} << d)) out.push_back(static_cast<day_kind>(d));
  return out;
}
std::int64_t months_mask(const std::vector<int>& months) {
  std::int64_t m = 0;
  for (auto x : months) m |= std::int64_t{1} << (x - 1);
  return m;
}
std::vector<int> months_of(std::int64_t m) {
  std::vector<int> out;
  for (int x = 1; x <= 12; ++x)
    if (m & (std::int64_t{1} << (x - 1))) out.push_back(x);
  return out;
}
std::int64_t day_number(std::chrono::year_month_day d) {
  return std::chrono::sys_days{d}.time_since_epoch().count();
}

constexpr std::string_view tariff_columns =
    "seq, id, region, name, currency, effective_from, effective_to, default_period, fixed_charge_per_day, "
    "demand_charge_per_kw, export_price_per_kwh, tax_percent, created_by, created_at";

void put_children(transaction& tx, std::int64_t seq, const tariff& t) {
  {
    std::vector<value> v;
    for (std::size_t i = 0; i < t.periods.size(); ++i) {
      v.emplace_back(seq);
      v.emplace_back(static_cast<std::int64_t>(i));
      v.emplace_back(t.periods[i].name);
      v.emplace_back(t.periods[i].price_per_kwh.micros);
    }
    static constexpr std::array<std::string_view, 4> cols{"tariff", "idx", "name", "price"};
    if (!v.empty()) tx.append("tariff_periods", cols, v);
  }
  {
    std::vector<value> v;
    for (std::size_t i = 0; i < t.schedule.size(); ++i) {
      const auto& r = t.schedule[i];
      v.emplace_back(seq);
      v.emplace_back(static_cast<std::int64_t>(i));
      v.emplace_back(r.period);
      v.emplace_back(days_mask(r.days));
      v.emplace_back(static_cast<std::int64_t>(r.start.count()));
      v.emplace_back(static_cast<std::int64_t>(r.end.count()));
      v.emplace_back(months_mask(r.months));
    }
    static constexpr std::array<std::string_view, 7> cols{"tariff", "idx",     "period", "days",
                                                          "start_min", "end_min", "months"};
    if (!v.empty()) tx.append("tariff_rules", cols, v);
  }
  {
    std::vector<std::int64_t> days;
    for (const auto& d : t.holidays) days.push_back(day_number(d));
    std::sort(days.begin(), days.end());
    days.erase(std::unique(days.begin(), days.end()), days.end());
    std::vector<value> v;
    for (const auto d : days) {
      v.emplace_back(seq);
      v.emplace_back(d);
    }
    static constexpr std::array<std::string_view, 2> cols{"tariff", "day"};
    if (!v.empty()) tx.append("tariff_holidays", cols, v);
  }
  {
    std::vector<value> v;
    for (std::size_t i = 0; i < t.tiers.size(); ++i) {
      v.emplace_back(seq);
      v.emplace_back(static_cast<std::int64_t>(i));
      v.push_back(t.tiers[i].up_to ? value(t.tiers[i].up_to->wh) : value(nullptr));
      v.emplace_back(t.tiers[i].adder_per_kwh.micros);
    }
    static constexpr std::array<std::string_view, 4> cols{"tariff", "idx", "up_to", "adder"};
    if (!v.empty()) tx.append("tariff_tiers", cols, v);
  }
}

void drop_children(transaction& tx, std::int64_t seq) {
  for (const char* table : {"tariff_periods", "tariff_rules", "tariff_holidays", "tariff_tiers"})
    tx.exec(std::string("DELETE FROM ") + table + " WHERE tariff = $1", {seq});
}

std::vector<tariff_row> decode_tariffs(transaction& tx, const exec_result& res) {
  std::vector<tariff_row> out;
  for (const auto& r : res.rows) {
    tariff_row tr;
    tr.seq = r.i64(0);
    auto& t = tr.t;
    t.id = r.id(1);
    t.region = r.text(2);
    t.name = r.text(3);
    t.currency = r.text(4);
    t.effective_from = from_micros(r.i64(5));
    t.effective_to = time_at(r, 6);
    t.default_period = r.text(7);
    t.fixed_charge_per_day = money{r.i64(8)};
    t.demand_charge_per_kw = money{r.i64(9)};
    t.export_price_per_kwh = money{r.i64(10)};
    t.tax_percent = ten_thousandths{r.i64(11)};
    t.created_by = id_at(r, 12);
    t.created_at = from_micros(r.i64(13));
    out.push_back(std::move(tr));
  }
  // The child rows (a region has few tariffs: four reads each).
  for (auto& tr : out) {
    auto& t = tr.t;
    for (const auto& r : tx.exec("SELECT name, price FROM tariff_periods WHERE tariff = $1 ORDER BY idx", {tr.seq}).rows)
      t.periods.push_back({r.text(0), money{r.i64(1)}});
    for (const auto& r :
         tx.exec("SELECT period, days, start_min, end_min, months FROM tariff_rules WHERE tariff = $1 ORDER BY idx",
                 {tr.seq})
             .rows)
      t.schedule.push_back({r.text(0), days_of(r.i64(1)), std::chrono::minutes{r.i64(2)},
                            std::chrono::minutes{r.i64(3)}, months_of(r.i64(4))});
    for (const auto& r : tx.exec("SELECT day FROM tariff_holidays WHERE tariff = $1 ORDER BY day", {tr.seq}).rows)
      t.holidays.emplace_back(std::chrono::sys_days{std::chrono::days{r.i64(0)}});
    for (const auto& r : tx.exec("SELECT up_to, adder FROM tariff_tiers WHERE tariff = $1 ORDER BY idx", {tr.seq}).rows) {
      tariff_tier tier;
      if (auto up = r.opt_i64(0)) tier.up_to = energy{*up};
      tier.adder_per_kwh = money{r.i64(1)};
      t.tiers.push_back(tier);
    }
  }
  return out;
}

constexpr std::string_view override_columns =
    "id, region, start_ts, end_ts, price, multiplier, reason, created_by, created_at, removed_at";

std::vector<tariff_override> decode_overrides(const exec_result& res) {
  std::vector<tariff_override> out;
  for (const auto& r : res.rows) {
    tariff_override o;
    o.id = r.id(0);
    o.region = r.text(1);
    o.start = from_micros(r.i64(2));
    o.end = from_micros(r.i64(3));
    if (auto p = r.opt_i64(4)) o.price_per_kwh = money{*p};
    if (auto m = r.opt_i64(5)) o.multiplier = ten_thousandths{*m};
    o.reason = r.text(6);
    o.created_by = id_at(r, 7);
    o.created_at = from_micros(r.i64(8));
    o.removed_at = time_at(r, 9);
    out.push_back(std::move(o));
  }
  return out;
}

constexpr std::int64_t unbounded = std::numeric_limits<std::int64_t>::max();

}  // namespace

std::int64_t insert_tariff(transaction& tx, const tariff& t) {
  auto res = tx.exec(
      "INSERT INTO tariffs (id, region, name, currency, effective_from, effective_to, default_period, "
      "fixed_charge_per_day, demand_charge_per_kw, export_price_per_kwh, tax_percent, created_by, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING seq",
      {t.id.to_string(), t.region, t.name, t.currency, to_micros(t.effective_from), nullable(t.effective_to),
       t.default_period, t.fixed_charge_per_day.micros, t.demand_charge_per_kw.micros, t.export_price_per_kwh.micros,
       t.tax_percent.value, nullable(t.created_by), to_micros(t.created_at)});
  const auto seq = res.rows.at(0).i64(0);
  put_children(tx, seq, t);
  return seq;
}

void update_tariff(transaction& tx, std::int64_t seq, const tariff& t) {
  tx.exec(
      "UPDATE tariffs SET name = $2, effective_from = $3, effective_to = $4, default_period = $5, "
      "fixed_charge_per_day = $6, demand_charge_per_kw = $7, export_price_per_kwh = $8, tax_percent = $9 "
      "WHERE seq = $1",
      {seq, t.name, to_micros(t.effective_from), nullable(t.effective_to), t.default_period,
       t.fixed_charge_per_day.micros, t.demand_charge_per_kw.micros, t.export_price_per_kwh.micros,
       t.tax_percent.value});
  drop_children(tx, seq);
  put_children(tx, seq, t);
}

void set_effective_to(transaction& tx, std::int64_t seq, std::optional<timestamp> to) {
  tx.exec("UPDATE tariffs SET effective_to = $2 WHERE seq = $1", {seq, nullable(to)});
}

std::optional<tariff_row> find_tariff(transaction& tx, const uuid& id) {
  auto rows = decode_tariffs(
      tx, tx.exec("SELECT " + std::string(tariff_columns) + " FROM tariffs WHERE id = $1", {id.to_string()}));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::vector<tariff_row> tariffs_overlapping(transaction& tx, std::string_view region, timestamp from,
                                            std::optional<timestamp> to) {
  return decode_tariffs(
      tx, tx.exec("SELECT " + std::string(tariff_columns) +
                      " FROM tariffs WHERE region = $1 AND effective_from < $2 AND (effective_to IS NULL OR "
                      "effective_to > $3) ORDER BY effective_from",
                  {std::string(region), to ? to_micros(*to) : unbounded, to_micros(from)}));
}

void insert_override(transaction& tx, const tariff_override& o) {
  tx.exec(
      "INSERT INTO tariff_overrides (id, region, start_ts, end_ts, price, multiplier, reason, created_by, "
      "created_at, removed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {o.id.to_string(), o.region, to_micros(o.start), to_micros(o.end),
       o.price_per_kwh ? value(o.price_per_kwh->micros) : value(nullptr),
       o.multiplier ? value(o.multiplier->value) : value(nullptr), o.reason, nullable(o.created_by),
       to_micros(o.created_at), nullable(o.removed_at)});
}

void update_override(transaction& tx, const tariff_override& o) {
  tx.exec("UPDATE tariff_overrides SET end_ts = $2, removed_at = $3 WHERE id = $1",
          {o.id.to_string(), to_micros(o.end), nullable(o.removed_at)});
}

std::optional<tariff_override> find_override(transaction& tx, const uuid& id) {
  auto rows = decode_overrides(
      tx.exec("SELECT " + std::string(override_columns) + " FROM tariff_overrides WHERE id = $1", {id.to_string()}));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::vector<tariff_override> overrides_overlapping(transaction& tx, std::string_view region, timestamp from,
                                                   std::optional<timestamp> to) {
  return decode_overrides(tx.exec("SELECT " + std::string(override_columns) +
                                      " FROM tariff_overrides WHERE region = $1 AND start_ts < $2 AND end_ts > $3 AND end_ts > start_ts "
                                      "ORDER BY start_ts, created_at, id",
                                  {std::string(region), to ? to_micros(*to) : unbounded, to_micros(from)}));
}

std::int64_t count_tariffs(transaction& tx) { return count_of(tx, "SELECT COUNT(*) FROM tariffs"); }

}  // namespace segs::storage::tariffs
