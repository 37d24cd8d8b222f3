-- A settled local day's quarter-hours packed into its row (docs/telemetry.md,
-- "Packed days"): a meter's range reads one value per day instead of seeking
-- the day's 24 quarter-hour blocks. meter_quarters stays the truth: `packed`
-- is NULL until grid::run_due_work packs the day after its end, and every
-- merge into the day (a late reading, a correction) sets it NULL again. The
-- encoding is src/telemetry/packed_day.hpp's.
ALTER TABLE meter_days ADD COLUMN packed BYTEA;
-- The days still to pack, oldest end first: the due work reads the front
-- of this index only.
CREATE INDEX meter_days_unpacked ON meter_days (day_end) WHERE packed IS NULL;
