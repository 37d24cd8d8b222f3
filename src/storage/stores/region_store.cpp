#include "storage/stores/region_store.hpp"

#include <segs/error.hpp>

namespace segs::storage::regions {

namespace {

constexpr std::string_view columns =
    "code, name, time_zone, currency, nominal_voltage_v, nominal_frequency_hz, "
    "emission_factor_kg_per_kwh, created_at, updated_at";

region decode(const row& r) {
  region out;
  out.code = r.text(0);
  out.name = r.text(1);
  out.time_zone = r.text(2);
  out.currency = r.text(3);
  auto units = currency_minor_units(out.currency);
  if (!units)
    throw segs::exception(make_error(errc::internal,
                                     "regions.currency holds an unknown code: " + out.currency,
                                     "currency"));
  out.currency_minor_units = *units;
  out.nominal_voltage_v = r.f64(4);
  out.nominal_frequency_hz = r.f64(5);
  out.emission_factor_kg_per_kwh = r.f64(6);
  out.created_at = from_micros(r.i64(7));
  out.updated_at = from_micros(r.i64(8));
  return out;
}

}  // namespace

std::optional<region> find(transaction& tx, std::string_view code) {
  auto res = tx.exec("SELECT " + std::string(columns) + " FROM regions WHERE code = $1",
                     {std::string(code)});
  if (res.rows.empty()) return std::nullopt;
  return decode(res.rows.front());
}

bool exists(transaction& tx, std::string_view code) {
  return !tx.exec("SELECT 1 FROM regions WHERE code = $1", {std::string(code)}).rows.empty();
}

std::vector<region> all(transaction& tx) {
  auto res = tx.exec("SELECT " + std::string(columns) + " FROM regions ORDER BY code");
  std::vector<region> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back(decode(r));
  return out;
}

void save(transaction& tx, const region& r, bool creating) {
  if (creating) {
    tx.exec("INSERT INTO regions (" + std::string(columns) +
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            {r.code, r.name, r.time_zone, r.currency, r.nominal_voltage_v, r.nominal_frequency_hz,
             r.emission_factor_kg_per_kwh, to_micros(r.created_at), to_micros(r.updated_at)});
    return;
  }
  tx.exec(
      "UPDATE regions SET name = $2, time_zone = $3, currency = $4, nominal_voltage_v = $5, "
      "nominal_frequency_hz = $6, emission_factor_kg_per_kwh = $7, updated_at = $8 WHERE code = $1",
      {r.code, r.name, r.time_zone, r.currency, r.nominal_voltage_v, r.nominal_frequency_hz,
       r.emission_factor_kg_per_kwh, to_micros(r.updated_at)});
}

}  // namespace segs::storage::regions
