-- Billing: settings per region, gapless invoice numbers per region and year,
-- invoices with their lines, payments, credit notes and disputes. Amounts
-- are integer micro-units of the currency, quantities thousandths of their
-- unit, times microseconds (docs/billing.md).

-- A region's settings; regions without a row bill under the defaults.
CREATE TABLE billing_settings (
  region         TEXT PRIMARY KEY,
  cycle_day      INTEGER NOT NULL CHECK (cycle_day BETWEEN 1 AND 28),
  due_days       INTEGER NOT NULL CHECK (due_days BETWEEN 0 AND 365),
  auto_generate  INTEGER NOT NULL,
  auto_generated TEXT,                      -- the last period due work generated
  updated_at     BIGINT NOT NULL
);

-- The last number given per region and year. Taken and advanced in the
-- transaction that stores the invoices it numbers, so a crash leaves no gap;
-- its row lock queues concurrent generators.
CREATE TABLE invoice_numbers (
  region  TEXT NOT NULL,
  year    INTEGER NOT NULL,
  last    BIGINT NOT NULL,
  PRIMARY KEY (region, year)
);

CREATE TABLE invoices (
  id               TEXT PRIMARY KEY,
  number           TEXT NOT NULL UNIQUE,
  user_id          TEXT NOT NULL,
  region           TEXT NOT NULL,
  currency         TEXT NOT NULL,
  period           TEXT NOT NULL,            -- YYYY-MM
  cycle_start      BIGINT NOT NULL,
  cycle_end        BIGINT NOT NULL,
  issued_at        BIGINT NOT NULL,
  due_at           BIGINT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('issued', 'partially_paid', 'paid', 'overdue', 'disputed', 'void')),
  subtotal         BIGINT NOT NULL,
  tax              BIGINT NOT NULL,
  total            BIGINT NOT NULL,
  amount_paid      BIGINT NOT NULL,
  amount_credited  BIGINT NOT NULL,
  consumed_wh      BIGINT NOT NULL,
  produced_wh      BIGINT NOT NULL,
  overdue_at       BIGINT,                   -- when due work found it overdue
  UNIQUE (user_id, region, period)           -- one invoice per customer, region and period
);
CREATE INDEX invoices_user ON invoices (user_id, issued_at);
CREATE INDEX invoices_region ON invoices (region, period, number);
CREATE INDEX invoices_due ON invoices (status, due_at);

CREATE TABLE invoice_lines (
  invoice_id   TEXT NOT NULL,
  line         INTEGER NOT NULL,
  kind         TEXT NOT NULL,
  description  TEXT NOT NULL,
  period       TEXT,
  quantity     BIGINT NOT NULL,
  unit         TEXT NOT NULL,
  unit_price   BIGINT,
  amount       BIGINT NOT NULL,
  PRIMARY KEY (invoice_id, line)
);

CREATE TABLE invoice_payments (
  id               TEXT PRIMARY KEY,
  invoice_id       TEXT NOT NULL,
  user_id          TEXT NOT NULL,            -- the invoice's customer
  amount           BIGINT NOT NULL,
  method           TEXT NOT NULL,
  reference        TEXT,
  paid_at          BIGINT NOT NULL,
  paid_by          TEXT,
  idempotency_key  TEXT,
  request_hash     TEXT NOT NULL,
  status_after     TEXT NOT NULL,
  paid_after       BIGINT NOT NULL,
  due_after        BIGINT NOT NULL,
  UNIQUE (invoice_id, idempotency_key)
);
CREATE INDEX invoice_payments_user ON invoice_payments (user_id, paid_at);

CREATE TABLE credit_notes (
  id          TEXT PRIMARY KEY,
  invoice_id  TEXT NOT NULL,
  amount      BIGINT NOT NULL,
  reason      TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  created_by  TEXT
);
CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id, created_at);

CREATE TABLE invoice_disputes (
  id              TEXT PRIMARY KEY,
  invoice_id      TEXT NOT NULL,
  reason          TEXT NOT NULL,
  opened_by       TEXT,
  opened_at       BIGINT NOT NULL,
  outcome         TEXT CHECK (outcome IN ('upheld', 'rejected')),
  note            TEXT,
  credit_note_id  TEXT,
  resolved_by     TEXT,
  resolved_at     BIGINT
);
-- At most one open dispute per invoice.
CREATE UNIQUE INDEX invoice_disputes_open ON invoice_disputes (invoice_id) WHERE resolved_at IS NULL;
