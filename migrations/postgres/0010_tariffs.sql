-- Tariffs: time-of-use prices per region, their schedules, holidays and
-- tiers, and temporary price overrides (docs/tariffs.md). Money is integer
-- micro-units (prices per kWh), energy Wh, times microseconds since the
-- epoch, tax and multipliers ten-thousandths.
CREATE TABLE tariffs (
  seq                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id                    TEXT NOT NULL UNIQUE,
  region                TEXT NOT NULL REFERENCES regions (code),
  name                  TEXT NOT NULL,
  currency              TEXT NOT NULL,
  effective_from        BIGINT NOT NULL,
  effective_to          BIGINT,              -- NULL: open-ended
  default_period        TEXT NOT NULL,
  fixed_charge_per_day  BIGINT NOT NULL,
  demand_charge_per_kw  BIGINT NOT NULL,
  export_price_per_kwh  BIGINT NOT NULL,
  tax_percent           BIGINT NOT NULL,
  created_by            TEXT,
  created_at            BIGINT NOT NULL
);
CREATE INDEX tariffs_region ON tariffs (region, effective_from);

-- A tariff's periods, schedule rules and tiers in their order (`idx`), and
-- its holidays (local dates, days since 1970-01-01).
CREATE TABLE tariff_periods (
  tariff  BIGINT NOT NULL REFERENCES tariffs (seq),
  idx     INTEGER NOT NULL,
  name    TEXT NOT NULL,
  price   BIGINT NOT NULL,
  PRIMARY KEY (tariff, idx)
);
CREATE TABLE tariff_rules (
  tariff     BIGINT NOT NULL REFERENCES tariffs (seq),
  idx        INTEGER NOT NULL,
  period     TEXT NOT NULL,
  days       INTEGER NOT NULL,   -- bit d set: day kind d (mon 0 ... sun 6, holiday 7)
  start_min  INTEGER NOT NULL,   -- local minutes since midnight
  end_min    INTEGER NOT NULL,
  months     INTEGER NOT NULL,   -- bit m-1 set: month m; 0: every month
  PRIMARY KEY (tariff, idx)
);
CREATE TABLE tariff_holidays (
  tariff  BIGINT NOT NULL REFERENCES tariffs (seq),
  day     BIGINT NOT NULL,
  PRIMARY KEY (tariff, day)
);
CREATE TABLE tariff_tiers (
  tariff  BIGINT NOT NULL REFERENCES tariffs (seq),
  idx     INTEGER NOT NULL,
  up_to   BIGINT,                -- Wh; NULL on the last tier
  adder   BIGINT NOT NULL,
  PRIMARY KEY (tariff, idx)
);

-- Overrides: exactly one of price and multiplier. Removing one shortens its
-- end and sets removed_at; the row stays for history and billing.
CREATE TABLE tariff_overrides (
  seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  region      TEXT NOT NULL REFERENCES regions (code),
  start_ts    BIGINT NOT NULL,
  end_ts      BIGINT NOT NULL,
  price       BIGINT,
  multiplier  BIGINT,
  reason      TEXT NOT NULL,
  created_by  TEXT,
  created_at  BIGINT NOT NULL,
  removed_at  BIGINT,
  CHECK ((price IS NULL) <> (multiplier IS NULL))
);
CREATE INDEX tariff_overrides_region ON tariff_overrides (region, start_ts);
