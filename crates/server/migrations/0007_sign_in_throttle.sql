-- The login throttle's counts (issue 16), until now in one process's memory:
-- in the database, every server instance counts the same failures. See
-- crates/server/src/throttle.rs.

-- Failures under one key: kind "pair" (username and address), "address" or
-- "username". Deleted once older than the failure window.
CREATE TABLE sign_in_counts (
    kind     TEXT NOT NULL,
    key      TEXT NOT NULL,
    failures BIGINT NOT NULL,
    -- The last failure, in milliseconds since 1970 (UTC).
    last_ms  BIGINT NOT NULL,
    PRIMARY KEY (kind, key)
);

CREATE INDEX sign_in_counts_last ON sign_in_counts (last_ms);

-- Pairs "<username> <address>" that signed in successfully, and when.
CREATE TABLE sign_in_known (
    key   TEXT PRIMARY KEY NOT NULL,
    at_ms BIGINT NOT NULL
);

CREATE INDEX sign_in_known_at ON sign_in_known (at_ms);
