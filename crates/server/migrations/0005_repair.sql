-- Operations an older version accepted that can no longer be read or merged
-- (see `repair.rs`): kept here, out of the op log, for the record. In the
-- log, each is replaced by a `{"withdrawn": …}` entry that tells the devices.
CREATE TABLE ops_set_aside (
    op_id        TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    device       TEXT NOT NULL,
    -- Its seq in the log before it was set aside.
    seq          INTEGER NOT NULL,
    body         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    set_aside_at TEXT NOT NULL
);

-- Facts about the database itself, e.g. which version of the log check it passed.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
