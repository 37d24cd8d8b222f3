-- The market's command journal (src/market/journal.hpp): one entry per
-- accepted order, amendment and cancel of a region, committed before the
-- caller hears of it. market_orders, market_trades and market_slots are a
-- projection of it that the service writes in batches; replaying the
-- entries after a region's mark rebuilds exactly what was acknowledged.
CREATE TABLE market_journal (
  region  TEXT NOT NULL,
  seq     BIGINT NOT NULL,
  at      BIGINT NOT NULL,   -- the call's clock time, µs
  body    BLOB NOT NULL,     -- the command
  PRIMARY KEY (region, seq)
) WITHOUT ROWID;

-- How far the projection of each region has applied its journal, and the
-- region's counters at that point (entries up to journal_seq are deleted
-- from the journal when the projection commits).
CREATE TABLE market_projection (
  region       TEXT PRIMARY KEY,
  journal_seq  BIGINT NOT NULL,
  order_seq    BIGINT NOT NULL,  -- the last order id (and priority) used
  trade_seq    BIGINT NOT NULL   -- the last trade seq used
);

-- The tables the journal projects are written in batches and read by these
-- keys only: trades are clustered on (region, slot_start, seq), the order
-- of the tape, stats and settlement (their ids derive from region and seq,
-- unique per region), orders on their id; the orders' (region, seq) index,
-- which only rebuilt the counters the mark now keeps, is gone. Fewer
-- b-trees per row is most of what a batch costs.
CREATE TABLE market_orders_projected (
  id             TEXT PRIMARY KEY,
  region         TEXT NOT NULL,
  seq            BIGINT NOT NULL,          -- the engine's id, unique per region
  priority       BIGINT NOT NULL,          -- time priority; renewed when an amendment loses it
  slot_start     BIGINT NOT NULL,
  user_id        TEXT NOT NULL REFERENCES users (id),
  side           TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  order_type     TEXT NOT NULL CHECK (order_type IN ('limit', 'market')),
  time_in_force  TEXT NOT NULL CHECK (time_in_force IN ('gtc', 'ioc', 'fok')),
  post_only      INTEGER NOT NULL,
  price          BIGINT,
  quantity_wh    BIGINT NOT NULL,
  filled_wh      BIGINT NOT NULL,
  remaining_wh   BIGINT NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('open', 'partially_filled', 'filled', 'cancelled', 'expired')),
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO market_orders_projected
  SELECT id, region, seq, priority, slot_start, user_id, side, order_type, time_in_force, post_only, price,
         quantity_wh, filled_wh, remaining_wh, status, created_at, updated_at
  FROM market_orders;
DROP TABLE market_orders;
ALTER TABLE market_orders_projected RENAME TO market_orders;
CREATE INDEX market_orders_user ON market_orders (user_id, created_at);
CREATE INDEX market_orders_live ON market_orders (region, slot_start, priority) WHERE remaining_wh > 0;

CREATE TABLE market_trades_projected (
  region         TEXT NOT NULL,
  seq            BIGINT NOT NULL,          -- execution order, per region
  id             TEXT NOT NULL,
  slot_start     BIGINT NOT NULL,
  price          BIGINT NOT NULL,
  quantity_wh    BIGINT NOT NULL,
  buy_order_id   TEXT NOT NULL,
  sell_order_id  TEXT NOT NULL,
  buyer_id       TEXT NOT NULL,
  seller_id      TEXT NOT NULL,
  aggressor      TEXT CHECK (aggressor IN ('buy', 'sell')),   -- NULL: an auction trade
  buyer_fee      BIGINT NOT NULL,
  seller_fee     BIGINT NOT NULL,
  executed_at    BIGINT NOT NULL,
  PRIMARY KEY (region, slot_start, seq)
) WITHOUT ROWID;
INSERT INTO market_trades_projected
  SELECT region, seq, id, slot_start, price, quantity_wh, buy_order_id, sell_order_id, buyer_id, seller_id,
         aggressor, buyer_fee, seller_fee, executed_at
  FROM market_trades;
DROP TABLE market_trades;
ALTER TABLE market_trades_projected RENAME TO market_trades;
CREATE INDEX market_trades_buyer ON market_trades (buyer_id, executed_at);
CREATE INDEX market_trades_seller ON market_trades (seller_id, executed_at);
