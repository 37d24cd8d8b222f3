-- Alerts: what the rules raise on readings, the rules' durable counts, and
-- their settings per region and meter (docs/alerts.md).

-- One row per alert. Values and thresholds are integer thousandths of the
-- rule's unit (mV, mHz, kW as W, Wh, thousandths of minutes); times
-- are microseconds since the epoch.
CREATE TABLE alerts (
  seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE,
  meter            BIGINT NOT NULL REFERENCES meters (seq),
  meter_uuid       TEXT NOT NULL,         -- the meter's id and serial (neither changes),
  meter_serial     TEXT NOT NULL,         -- kept here so listings read one table
  user_id          TEXT,                  -- the meter's owner when it was raised
  region           TEXT NOT NULL REFERENCES regions (code),
  type             TEXT NOT NULL CHECK (type IN ('over_voltage', 'under_voltage', 'frequency_deviation', 'low_power_factor', 'over_capacity', 'high_consumption', 'meter_offline')),
  severity         TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  status           TEXT NOT NULL CHECK (status IN ('active', 'acknowledged', 'resolved')),
  message          TEXT NOT NULL,
  value            BIGINT NOT NULL,
  threshold        BIGINT NOT NULL,
  occurrences      BIGINT NOT NULL,
  first_seen_at    BIGINT NOT NULL,
  last_seen_at     BIGINT NOT NULL,
  acknowledged_at  BIGINT,
  acknowledged_by  TEXT,
  acknowledge_note TEXT NOT NULL,
  resolved_at      BIGINT,
  resolved_by      TEXT,
  resolution       TEXT CHECK (resolution IN ('manual', 'auto')),
  resolution_note  TEXT NOT NULL
);
-- At most one open alert per meter and type.
CREATE UNIQUE INDEX alerts_open ON alerts (meter, type) WHERE status <> 'resolved';
CREATE INDEX alerts_region ON alerts (region, first_seen_at);
CREATE INDEX alerts_user ON alerts (user_id, first_seen_at);
CREATE INDEX alerts_meter ON alerts (meter, first_seen_at);

-- The rules' consecutive counts per meter and type. Only rules away from
-- rest have a row: counting readings that meet the condition, or, while an
-- alert is open, readings that do not. `last_ts` is the newest reading
-- counted: an older one moves no count.
CREATE TABLE alert_state (
  meter     BIGINT NOT NULL,
  type      TEXT NOT NULL,
  meeting   BIGINT NOT NULL,
  clearing  BIGINT NOT NULL,
  last_ts   BIGINT NOT NULL,
  PRIMARY KEY (meter, type)
);

-- Rule settings of a region (meter 0) or overrides of one meter: a row per
-- setting changed from its default ("voltage_band", "over_voltage.fire_after",
-- ...), the value in integer thousandths, minutes, counts or 0/1.
CREATE TABLE alert_settings (
  region  TEXT NOT NULL REFERENCES regions (code),
  meter   BIGINT NOT NULL,
  name    TEXT NOT NULL,
  value   BIGINT NOT NULL,
  PRIMARY KEY (region, meter, name)
);
