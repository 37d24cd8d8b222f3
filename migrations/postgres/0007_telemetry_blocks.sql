-- Telemetry's series tables become time-major (issue 12, the ingest aim).
--
-- 0006 clustered raw readings and buckets by meter, (meter, time): readings
-- arrive by time, so a batch of 1,000 meters at one timestamp touched one
-- leaf page per meter in each table, and SQLite's WAL writes every dirtied
-- page whole at commit (40 KB written per reading). Here every per-meter
-- series is keyed (block, meter, time), `block` being the time floored to
-- a fixed width: an hour for raw readings and quarter-hours, a UTC day for
-- local days. A batch now touches the few pages of the current block, and
-- a meter's range is read by seeking each block of the range in turn (the
-- store enumerates them). Widths live in the store
-- (src/storage/stores/telemetry_blocks.hpp); this migration computes the
-- same floor division for existing rows.
--
-- meter_totals keeps per meter what reading the whole history would
-- answer: the readings' count and energy totals and the time of the latest
-- one (`last_ts`, null once none has been stored).

CREATE TABLE meter_readings_by_block (
  block         BIGINT NOT NULL,
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
  PRIMARY KEY (block, meter, ts)
);
INSERT INTO meter_readings_by_block
  SELECT (ts - (((ts % 3600000000) + 3600000000) % 3600000000)) / 3600000000, meter, ts, consumed_wh, produced_wh, power, peak_demand, voltage,
         current_ma, power_factor, frequency, metadata, received_at
  FROM meter_readings;

CREATE TABLE meter_quarters_by_block (
  block        BIGINT NOT NULL,
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
  PRIMARY KEY (block, meter, start)
);
INSERT INTO meter_quarters_by_block
  SELECT (start - (((start % 3600000000) + 3600000000) % 3600000000)) / 3600000000, meter, start, consumed_wh, produced_wh, readings, power_n, power_sum, power_min, power_max, peak_max, peak_at, voltage_n, voltage_sum, voltage_min, voltage_max, current_n, current_sum, pf_n, pf_sum, freq_n, freq_sum
  FROM meter_quarters;

CREATE TABLE meter_days_by_block (
  block        BIGINT NOT NULL,
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
  PRIMARY KEY (block, meter, start)
);
INSERT INTO meter_days_by_block
  SELECT (start - (((start % 86400000000) + 86400000000) % 86400000000)) / 86400000000, meter, start, day_end, consumed_wh, produced_wh, readings, power_n, power_sum, power_min, power_max, peak_max, peak_at, voltage_n, voltage_sum, voltage_min, voltage_max, current_n, current_sum, pf_n, pf_sum, freq_n, freq_sum
  FROM meter_days;

CREATE TABLE meter_totals (
  meter        BIGINT PRIMARY KEY,
  readings     BIGINT NOT NULL,
  consumed_wh  BIGINT NOT NULL,
  produced_wh  BIGINT NOT NULL,
  last_ts      BIGINT
);
-- From the days (kept when raw readings are dropped), the latest time from
-- the raw readings that remain.
INSERT INTO meter_totals (meter, readings, consumed_wh, produced_wh, last_ts)
  SELECT d.meter, CAST(SUM(d.readings) AS BIGINT), CAST(SUM(d.consumed_wh) AS BIGINT),
         CAST(SUM(d.produced_wh) AS BIGINT), (SELECT MAX(r.ts) FROM meter_readings r WHERE r.meter = d.meter)
  FROM meter_days d GROUP BY d.meter;

DROP TABLE meter_readings;
DROP TABLE meter_quarters;
DROP TABLE meter_days;
ALTER TABLE meter_readings_by_block RENAME TO meter_readings;
ALTER TABLE meter_quarters_by_block RENAME TO meter_quarters;
ALTER TABLE meter_days_by_block RENAME TO meter_days;
