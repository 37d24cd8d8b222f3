-- Who held each meter when (docs/telemetry.md, "Holdings"): billing splits a
-- meter's energy between its holders, so an owner change must not rewrite
-- the past. One row per holding [held_from, held_to): held_from NULL is
-- "since the meter's beginning", held_to NULL "still holds it". meters.user_id
-- stays the current holder, written in the same transaction as the open
-- holding. Times are microseconds since the epoch.
CREATE TABLE meter_holdings (
  seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  meter      BIGINT NOT NULL REFERENCES meters (seq),
  user_id    TEXT NOT NULL REFERENCES users (id),
  held_from  BIGINT,
  held_to    BIGINT
);
-- At most one open holding per meter: the one unassigning closes.
CREATE UNIQUE INDEX meter_holdings_open ON meter_holdings (meter) WHERE held_to IS NULL;
CREATE INDEX meter_holdings_meter ON meter_holdings (meter, held_from);
CREATE INDEX meter_holdings_user ON meter_holdings (user_id);

-- The history before this migration is unknown: a meter's current owner is
-- taken to have held it since its beginning.
INSERT INTO meter_holdings (meter, user_id, held_from, held_to)
SELECT seq, user_id, NULL, NULL FROM meters WHERE user_id IS NOT NULL;
