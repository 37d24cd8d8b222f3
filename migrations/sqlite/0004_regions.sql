-- The region registry: every region string users, API keys and markets
-- carry names a row here, with its IANA time zone and ISO 4217 currency.
-- Physical references are floating point (volts, hertz, kg CO2 per kWh);
-- money never is.
CREATE TABLE regions (
  code                        TEXT PRIMARY KEY,
  name                        TEXT NOT NULL,
  time_zone                   TEXT NOT NULL,
  currency                    TEXT NOT NULL,
  nominal_voltage_v           REAL NOT NULL,
  nominal_frequency_hz        REAL NOT NULL,
  emission_factor_kg_per_kwh  REAL NOT NULL,
  created_at                  BIGINT NOT NULL,
  updated_at                  BIGINT NOT NULL
);

-- Regions already in use are registered in UTC with the library's default
-- currency (region_options::currency's default); an admin corrects them.
INSERT INTO regions (code, name, time_zone, currency, nominal_voltage_v, nominal_frequency_hz,
                     emission_factor_kg_per_kwh, created_at, updated_at)
SELECT code, code, 'UTC', 'USD', 230, 50, 0.4, CAST(strftime('%s', 'now') AS INTEGER) * 1000000, CAST(strftime('%s', 'now') AS INTEGER) * 1000000
FROM (
  SELECT region AS code FROM users WHERE region <> ''
  UNION SELECT region FROM api_keys WHERE region IS NOT NULL AND region <> ''
  UNION SELECT region FROM market_settings
  UNION SELECT region FROM market_slots
) AS in_use;
