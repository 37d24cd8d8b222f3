-- Notifications: what a person is told, made in the transaction of the
-- event that caused them (docs/operations.md, "Notifications"). Times are
-- microseconds since the epoch; `data` is a JSON object as text.

CREATE TABLE notifications (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('alert_raised', 'alert_escalated', 'alert_resolved',
                'invoice_issued', 'invoice_overdue', 'dispute_resolved', 'order_filled',
                'order_expired', 'slot_settled', 'password_changed', 'api_key_created', 'test')),
  severity    TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  title       TEXT NOT NULL,
  body        TEXT NOT NULL,
  data        TEXT NOT NULL,
  emailed     INTEGER NOT NULL,
  created_at  BIGINT NOT NULL,
  read_at     BIGINT
);
-- One's history, newest first (ids are UUID v7: time-ordered ties).
CREATE INDEX notifications_user ON notifications (user_id, created_at, id);
-- The unread count and "unread" filter.
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
-- Retention: read notifications by age.
CREATE INDEX notifications_read ON notifications (read_at) WHERE read_at IS NOT NULL;

-- Preferences per kind group and channel, and quiet hours (minutes after
-- local midnight; none when both are NULL). The columns of 0001 stay: the
-- master switches `email`, `sms`, `push` and the group switches.
ALTER TABLE user_preferences ADD COLUMN alerts_in_app INTEGER NOT NULL DEFAULT 1;
ALTER TABLE user_preferences ADD COLUMN alerts_email INTEGER NOT NULL DEFAULT 1;
ALTER TABLE user_preferences ADD COLUMN billing_in_app INTEGER NOT NULL DEFAULT 1;
ALTER TABLE user_preferences ADD COLUMN billing_email INTEGER NOT NULL DEFAULT 1;
ALTER TABLE user_preferences ADD COLUMN trading_in_app INTEGER NOT NULL DEFAULT 1;
ALTER TABLE user_preferences ADD COLUMN trading_email INTEGER NOT NULL DEFAULT 0;
ALTER TABLE user_preferences ADD COLUMN quiet_start INTEGER;
ALTER TABLE user_preferences ADD COLUMN quiet_end INTEGER;
