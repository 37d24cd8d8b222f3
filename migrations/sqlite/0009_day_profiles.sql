-- Each stored local day's consumption per wall-clock hour (the hour's
-- quarter-hours: their Wh and how many), computed from meter_quarters the
-- first time it is needed once the day is written (alerts' high_consumption
-- baselines read seven days of it). NULL until then, and set back to NULL
-- by every change to the day's row, so it never disagrees with the
-- quarter-hours. The encoding is the store's (telemetry_store.cpp).
ALTER TABLE meter_days ADD COLUMN hours BLOB;
