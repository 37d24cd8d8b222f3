-- The energy market: settings per region, delivery slots, orders, trades and
-- the settlement ledger. Prices and amounts are integer micro-units of the
-- currency (per kWh for prices), energy integer Wh, times microseconds.

-- A region's own settings; regions without a row trade under the defaults.
CREATE TABLE market_settings (
  region                 TEXT PRIMARY KEY,
  settings               TEXT NOT NULL,   -- JSON (src/storage/stores/market_store.cpp)
  updated_at             BIGINT NOT NULL
);

-- A delivery slot that has held an order or was closed by an operator. It
-- keeps the settings it opened with, so a settings change applies to slots
-- that hold no orders yet.
CREATE TABLE market_slots (
  region          TEXT NOT NULL,
  slot_start      BIGINT NOT NULL,
  settings        TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('open', 'closed', 'settled')),
  gate_at         BIGINT NOT NULL,
  sequence        BIGINT NOT NULL,        -- the book's change counter
  clearing_price  BIGINT,
  cleared_wh      BIGINT,
  closed_at       BIGINT,
  settled_at      BIGINT,
  PRIMARY KEY (region, slot_start)
);
CREATE INDEX market_slots_gate ON market_slots (state, gate_at);

CREATE TABLE market_orders (
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
  updated_at     BIGINT NOT NULL,
  UNIQUE (region, seq)
);
CREATE INDEX market_orders_user ON market_orders (user_id, created_at);
-- The live orders, read when a grid opens to rebuild the books.
CREATE INDEX market_orders_live ON market_orders (region, slot_start, priority) WHERE remaining_wh > 0;

CREATE TABLE market_trades (
  id             TEXT PRIMARY KEY,
  region         TEXT NOT NULL,
  seq            BIGINT NOT NULL,          -- execution order, per region
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
  UNIQUE (region, seq)
);
CREATE INDEX market_trades_slot ON market_trades (region, slot_start, seq);
CREATE INDEX market_trades_buyer ON market_trades (buyer_id, executed_at);
CREATE INDEX market_trades_seller ON market_trades (seller_id, executed_at);

-- Settlement entries, read by billing. user_id NULL: the grid operator.
CREATE TABLE ledger_entries (
  id           TEXT PRIMARY KEY,
  region       TEXT NOT NULL,
  slot_start   BIGINT NOT NULL,
  line         INTEGER NOT NULL,
  user_id      TEXT,
  kind         TEXT NOT NULL CHECK (kind IN ('trade_debit', 'trade_credit', 'fee', 'imbalance_charge', 'imbalance_refund')),
  energy_wh    BIGINT NOT NULL,
  amount       BIGINT NOT NULL,
  created_at   BIGINT NOT NULL,
  UNIQUE (region, slot_start, line)
);
CREATE INDEX ledger_entries_user ON ledger_entries (user_id, created_at);
