-- Identity & access, the notification outbox and the audit log.
-- Portable conventions (see src/storage/backend.hpp): ids are UUID text,
-- timestamps integer microseconds since the epoch, booleans integers 0/1,
-- JSON documents text.

CREATE TABLE grid_secrets (
  name        TEXT PRIMARY KEY,
  value       BYTEA NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE TABLE roles (
  name          TEXT PRIMARY KEY,
  permissions   TEXT NOT NULL,             -- JSON array of permission strings
  scope         TEXT NOT NULL CHECK (scope IN ('self', 'department', 'region', 'all')),
  self_service  INTEGER NOT NULL DEFAULT 0,
  builtin       INTEGER NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);

CREATE TABLE users (
  id                   TEXT PRIMARY KEY,
  email                TEXT NOT NULL,
  email_key            TEXT NOT NULL UNIQUE,     -- lower-cased; freed on delete
  username             TEXT,
  username_key         TEXT UNIQUE,
  name                 TEXT NOT NULL,
  role                 TEXT NOT NULL REFERENCES roles (name),
  region               TEXT NOT NULL,
  department           TEXT NOT NULL,
  department_metadata  TEXT NOT NULL,
  wallet_address       TEXT,
  password_hash        TEXT,
  email_verified       INTEGER NOT NULL DEFAULT 0,
  status               TEXT NOT NULL CHECK (status IN ('pending_verification', 'active', 'suspended', 'deleted')),
  status_reason        TEXT,
  created_at           BIGINT NOT NULL,
  updated_at           BIGINT NOT NULL,
  last_login_at        BIGINT
);
CREATE INDEX users_region ON users (region);
CREATE INDEX users_department ON users (department);
CREATE INDEX users_role ON users (role);

CREATE TABLE user_preferences (
  user_id     TEXT PRIMARY KEY REFERENCES users (id),
  email       INTEGER NOT NULL,
  sms         INTEGER NOT NULL,
  push        INTEGER NOT NULL,
  alerts      INTEGER NOT NULL,
  billing     INTEGER NOT NULL,
  trading     INTEGER NOT NULL,
  security    INTEGER NOT NULL,
  updated_at  BIGINT NOT NULL
);

CREATE TABLE otp_codes (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users (id),
  purpose      TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
  code_hash    BYTEA NOT NULL,                  -- HMAC-SHA-256 under the grid's code key
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  consumed_at  BIGINT
);
CREATE INDEX otp_codes_user ON otp_codes (user_id, purpose);

CREATE TABLE sessions (
  id             TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL REFERENCES users (id),
  created_at     BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,
  last_used_at   BIGINT,
  revoked_at     BIGINT,
  revoke_reason  TEXT,
  ip             TEXT NOT NULL,
  user_agent     TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE refresh_tokens (
  token_hash  BYTEA PRIMARY KEY,                  -- SHA-256 of the opaque token
  session_id  TEXT NOT NULL REFERENCES sessions (id),
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  rotated_at  BIGINT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE revoked_tokens (
  jti         TEXT PRIMARY KEY,
  expires_at  BIGINT NOT NULL
);

CREATE TABLE login_throttle (
  identifier    TEXT PRIMARY KEY,                -- lower-cased email or username
  failures      INTEGER NOT NULL,
  window_start  BIGINT NOT NULL,
  locked_until  BIGINT,
  lockouts      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE api_keys (
  id            TEXT PRIMARY KEY,
  prefix        TEXT NOT NULL UNIQUE,
  secret_hash   BYTEA NOT NULL,
  name          TEXT NOT NULL,
  scopes        TEXT NOT NULL,                   -- JSON array
  region        TEXT,
  meter_ids     TEXT NOT NULL,                   -- JSON array
  created_by    TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT,
  revoked_at    BIGINT,
  last_used_at  BIGINT
);

CREATE TABLE outbox (
  seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id            TEXT NOT NULL UNIQUE,
  recipient     TEXT NOT NULL,
  purpose       TEXT NOT NULL,
  subject       TEXT NOT NULL,
  body          TEXT NOT NULL,
  code          TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  delivered_at  BIGINT
);
CREATE INDEX outbox_pending ON outbox (delivered_at, seq);

CREATE TABLE audit_log (
  seq         BIGINT PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  at          BIGINT NOT NULL,
  actor_kind  TEXT NOT NULL,
  actor_id    TEXT NOT NULL,
  action      TEXT NOT NULL,
  target_id   TEXT NOT NULL,
  outcome     TEXT NOT NULL,
  ip          TEXT NOT NULL,
  user_agent  TEXT NOT NULL,
  details     TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_target ON audit_log (target_id, seq);

-- The head of the hash chain: one row, updated with every append so that
-- concurrent appends serialize on its row lock.
CREATE TABLE audit_head (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  seq   BIGINT NOT NULL,
  hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
