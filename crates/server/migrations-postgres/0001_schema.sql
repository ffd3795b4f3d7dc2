-- The schema on PostgreSQL: the tables SQLite's migrations 0001–0006 arrive
-- at (see the comments there for what each column means), in PostgreSQL's
-- types. Integers are BIGINT throughout, as SQLite's are 64-bit. A shipped
-- migration here is never edited either: a change is a new file, in both
-- directories.

CREATE TABLE server_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

INSERT INTO server_meta (key, value)
VALUES ('schema_created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));

-- The op log. `seq` comes from a sequence, which hands out numbers in
-- insert order, not commit order: pushes take the log's advisory lock
-- first (crates/server/src/txn.rs, `begin_write`), which makes the two the same.
CREATE TABLE ops (
    seq         BIGSERIAL PRIMARY KEY,
    op_id       TEXT NOT NULL UNIQUE,
    record_id   TEXT NOT NULL,
    device      TEXT NOT NULL,
    hlc         TEXT NOT NULL,
    body        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    username    TEXT
);

CREATE INDEX ops_record_id ON ops (record_id);

CREATE TABLE records (
    id          TEXT PRIMARY KEY NOT NULL,
    state       TEXT NOT NULL,
    complaint   TEXT,
    updated_seq BIGINT NOT NULL,
    branch      TEXT NOT NULL DEFAULT '',
    scope_seq   BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX records_branch ON records (branch, scope_seq);

CREATE TABLE record_moves (
    seq         BIGINT NOT NULL,
    record_id   TEXT NOT NULL,
    from_branch TEXT NOT NULL,
    to_branch   TEXT NOT NULL,
    PRIMARY KEY (seq, record_id)
);

CREATE INDEX record_moves_from ON record_moves (from_branch, seq);

CREATE TABLE regions (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE branches (
    code        TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code)
);

CREATE INDEX branches_region_code ON branches (region_code);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL
                  CHECK (role IN ('staff', 'branch_manager', 'regional_manager', 'admin')),
    branch_code   TEXT NULL REFERENCES branches (code),
    region_code   TEXT NULL REFERENCES regions (code),
    password_hash TEXT NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    device     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT NULL
);

CREATE INDEX tokens_user_id ON tokens (user_id);

CREATE TABLE ops_set_aside (
    op_id        TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    device       TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    body         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    set_aside_at TEXT NOT NULL
);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE devices (
    id          TEXT PRIMARY KEY NOT NULL,
    key_hash    TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
