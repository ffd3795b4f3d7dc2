-- Auth: regions, branches, users and their sign-in tokens.
--
-- See the `auth` module docs (crates/server/src/auth.rs). Login rate limiting
-- is kept in memory (it resets when the server restarts), not here.

-- A region of the manufacturer's after-sales network (e.g. "EAST").
CREATE TABLE regions (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL
);

-- A dealer branch / service station; complaints carry its code (`branch_code`).
CREATE TABLE branches (
    code        TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code)
);

CREATE INDEX branches_region_code ON branches (region_code);

-- A person who signs in. Staff and branch managers belong to a branch,
-- regional managers to a region, administrators to neither.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL
                  CHECK (role IN ('staff', 'branch_manager', 'regional_manager', 'admin')),
    branch_code   TEXT NULL REFERENCES branches (code),
    region_code   TEXT NULL REFERENCES regions (code),
    -- argon2id, as a PHC string ("$argon2id$v=19$m=...,t=...,p=...$salt$hash").
    password_hash TEXT NOT NULL,
    -- 1: may not sign in, and every token of the user is refused.
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

-- A sign-in on a device. The token itself is never stored: only its SHA-256
-- (hex), so a copy of the database does not hand out sessions.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    -- The device the token was issued to (the app's device id).
    device     TEXT NOT NULL,
    -- RFC 3339 UTC timestamps.
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT NULL
);

CREATE INDEX tokens_user_id ON tokens (user_id);
