-- Given and family name, kept beside the display name `name` for clients
-- that ask for them separately (the SEGS seed's first_name/last_name).
-- NULL when the account never gave them.
ALTER TABLE users ADD COLUMN first_name TEXT;
ALTER TABLE users ADD COLUMN last_name TEXT;
