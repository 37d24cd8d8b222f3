-- Each stored local day's consumption per wall-clock hour (the hour's
-- quarter-hours: their Wh and how many), computed from meter_quarters the
-- first time it is needed (alerts' high_consumption baselines read seven
-- days of it). NULL until then. `dirty` marks the hours (bit h: the hour
-- that starts at h:00) that changed since: every merge into the day ORs in
-- the hours it touched, and the next reader computes only those again, so
-- the profile never disagrees with the quarter-hours. The encoding of
-- `hours` is the store's (telemetry_bucket_store.cpp).
ALTER TABLE meter_days ADD COLUMN hours BLOB;
ALTER TABLE meter_days ADD COLUMN dirty BIGINT NOT NULL DEFAULT 0;
