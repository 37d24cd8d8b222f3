-- The runtime configuration (docs/operations.md, "Runtime configuration"):
-- one row per setting an admin changed, overriding its default until it is
-- reset (the row is then deleted). `value` is the text form of the setting's
-- type: "true"/"false", a decimal integer, or the text itself. Times are
-- microseconds since the epoch; `updated_by` a user's id, or NULL.
CREATE TABLE runtime_config (
  key         TEXT PRIMARY KEY,
  type        TEXT NOT NULL CHECK (type IN ('flag', 'integer', 'text')),
  value       TEXT NOT NULL,
  updated_at  BIGINT NOT NULL,
  updated_by  TEXT
);
