-- The admin page (issue 16): a device an administrator signed out for good,
-- and when each token was last used (updated at most once a minute).
ALTER TABLE devices ADD COLUMN revoked_at TEXT NULL;
ALTER TABLE tokens ADD COLUMN last_contact_at TEXT NULL;
