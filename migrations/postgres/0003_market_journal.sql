-- The market's command journal (src/market/journal.hpp): one entry per
-- accepted order, amendment and cancel of a region, committed before the
-- caller hears of it. market_orders, market_trades and market_slots are a
-- projection of it that the service writes in batches; replaying the
-- entries after a region's mark rebuilds exactly what was acknowledged.
CREATE TABLE market_journal (
  region  TEXT NOT NULL,
  seq     BIGINT NOT NULL,
  at      BIGINT NOT NULL,   -- the call's clock time, µs
  body    BYTEA NOT NULL,    -- the command
  PRIMARY KEY (region, seq)
);

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
-- keys only: trades are keyed by (region, slot_start, seq), the order of
-- the tape, stats and settlement (their ids derive from region and seq,
-- unique per region), and the orders' (region, seq) index, which only
-- rebuilt the counters the mark now keeps, is gone. Fewer indexes per row
-- is most of what a batch costs.
ALTER TABLE market_orders DROP CONSTRAINT market_orders_region_seq_key;
ALTER TABLE market_trades DROP CONSTRAINT market_trades_pkey;
ALTER TABLE market_trades DROP CONSTRAINT market_trades_region_seq_key;
DROP INDEX market_trades_slot;
ALTER TABLE market_trades ADD PRIMARY KEY (region, slot_start, seq);
