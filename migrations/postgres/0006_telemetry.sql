-- Meters and telemetry: the registry, raw readings, and the two stored
-- aggregate levels (quarter-hours in UTC, local days of the meter's region).
-- Energy is integer Wh; instantaneous values are integer thousandths
-- ("milli": W for kW, mV, mA, thousandths of the power factor, mHz); times
-- are microseconds since the epoch.

CREATE TABLE meters (
  seq                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,       -- the compact key readings and buckets carry
  id                 TEXT NOT NULL UNIQUE,
  meter_id           TEXT NOT NULL UNIQUE,  -- the serial
  region             TEXT NOT NULL REFERENCES regions (code),
  user_id            TEXT REFERENCES users (id),
  meter_type         TEXT NOT NULL CHECK (meter_type IN ('smart_digital', 'smart_analog', 'net_meter', 'solar_inverter', 'battery', 'ev_charger')),
  status             TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'maintenance', 'decommissioned')),
  building           TEXT,
  room               TEXT,
  address            TEXT,
  latitude           DOUBLE PRECISION,
  longitude          DOUBLE PRECISION,
  capacity_w         BIGINT NOT NULL,
  installation_date  TEXT,                  -- YYYY-MM-DD, local to the region
  public_key         TEXT,                  -- base64 Ed25519
  metadata           TEXT NOT NULL,
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL
);
CREATE INDEX meters_region ON meters (region, meter_id);
CREATE INDEX meters_user ON meters (user_id);

-- One row per meter and time: the END of the interval it measures.
CREATE TABLE meter_readings (
  meter         BIGINT NOT NULL,
  ts            BIGINT NOT NULL,
  consumed_wh   BIGINT NOT NULL,
  produced_wh   BIGINT NOT NULL,
  power         BIGINT,
  peak_demand   BIGINT,
  voltage       BIGINT,
  current_ma    BIGINT,
  power_factor  BIGINT,
  frequency     BIGINT,
  metadata      TEXT,
  received_at   BIGINT NOT NULL,
  PRIMARY KEY (meter, ts)
);

-- The aggregate of a meter's readings in (start, start + 15 minutes].
CREATE TABLE meter_quarters (
  meter        BIGINT NOT NULL,
  start        BIGINT NOT NULL,
  consumed_wh  BIGINT NOT NULL,
  produced_wh  BIGINT NOT NULL,
  readings     BIGINT NOT NULL,
  power_n      BIGINT NOT NULL,
  power_sum    BIGINT NOT NULL,
  power_min    BIGINT,
  power_max    BIGINT,
  peak_max     BIGINT,
  peak_at      BIGINT,
  voltage_n    BIGINT NOT NULL,
  voltage_sum  BIGINT NOT NULL,
  voltage_min  BIGINT,
  voltage_max  BIGINT,
  current_n    BIGINT NOT NULL,
  current_sum  BIGINT NOT NULL,
  pf_n         BIGINT NOT NULL,
  pf_sum       BIGINT NOT NULL,
  freq_n       BIGINT NOT NULL,
  freq_sum     BIGINT NOT NULL,
  PRIMARY KEY (meter, start)
);

-- The aggregate of a meter's readings in a local day (day_start, day_end].
CREATE TABLE meter_days (
  meter        BIGINT NOT NULL,
  start        BIGINT NOT NULL,
  day_end      BIGINT NOT NULL,
  consumed_wh  BIGINT NOT NULL,
  produced_wh  BIGINT NOT NULL,
  readings     BIGINT NOT NULL,
  power_n      BIGINT NOT NULL,
  power_sum    BIGINT NOT NULL,
  power_min    BIGINT,
  power_max    BIGINT,
  peak_max     BIGINT,
  peak_at      BIGINT,
  voltage_n    BIGINT NOT NULL,
  voltage_sum  BIGINT NOT NULL,
  voltage_min  BIGINT,
  voltage_max  BIGINT,
  current_n    BIGINT NOT NULL,
  current_sum  BIGINT NOT NULL,
  pf_n         BIGINT NOT NULL,
  pf_sum       BIGINT NOT NULL,
  freq_n       BIGINT NOT NULL,
  freq_sum     BIGINT NOT NULL,
  PRIMARY KEY (meter, start)
);

-- A region's energy per quarter-hour (its load curve, for the peak).
CREATE TABLE region_quarters (
  region       TEXT NOT NULL,
  start        BIGINT NOT NULL,
  consumed_wh  BIGINT NOT NULL,
  produced_wh  BIGINT NOT NULL,
  readings     BIGINT NOT NULL,
  PRIMARY KEY (region, start)
);
