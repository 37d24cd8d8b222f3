-- The revocation log (docs/architecture.md, "Verified tokens"): every write
-- that ends sessions or changes what a signed-in user may do (logout,
-- suspension, deletion, a role or password change, a profile's region) adds
-- one row, in its own transaction, so that processes sharing this database
-- drop the verified tokens they hold for that user within a second.
--
-- `revocation_epoch` is one row whose counter every such write increments:
-- its row lock orders the writers, so epochs become visible in commit order
-- and without gaps, and a reader that has seen epoch N has seen every row up
-- to N. `user_id` NULL means everyone (a role's permissions changed). Rows
-- more than 10,000 epochs old are pruned; a reader that finds rows missing
-- forgets every token it holds.
CREATE TABLE revocation_epoch (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  epoch  BIGINT NOT NULL
);
INSERT INTO revocation_epoch (id, epoch) VALUES (1, 0);

CREATE TABLE token_revocations (
  epoch       BIGINT PRIMARY KEY,
  user_id     TEXT,
  revoked_at  BIGINT NOT NULL
);
