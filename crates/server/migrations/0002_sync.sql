-- Sync: the server's operation log and the records it merges into.
--
-- See the `sync` module docs (crates/server/src/sync.rs) for the protocol.

-- Every operation the server accepted, once, in commit order. `seq` is the
-- pull cursor: AUTOINCREMENT never hands out a seq twice (not even after the
-- newest row is deleted), and push allocates seqs inside a `BEGIN IMMEDIATE`
-- transaction, so seq order is commit order.
CREATE TABLE ops (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The operation's own id: a retried push finds it here and is not applied again.
    op_id       TEXT NOT NULL UNIQUE,
    -- The complaint's id.
    record_id   TEXT NOT NULL,
    -- The device that made the operation (pull skips a device's own ops).
    device      TEXT NOT NULL,
    -- The operation's HLC stamp, "<wall_ms>-<counter>".
    hlc         TEXT NOT NULL,
    -- The operation as JSON (the `Op` of the shared domain crate).
    body        TEXT NOT NULL,
    -- When the server accepted it (RFC 3339, UTC).
    received_at TEXT NOT NULL
);

CREATE INDEX ops_record_id ON ops (record_id);

-- The merged state of each complaint: a function of the ops above.
CREATE TABLE records (
    id          TEXT PRIMARY KEY NOT NULL,
    -- The record's sync state as JSON (`RecordState`: every version of every field).
    state       TEXT NOT NULL,
    -- The complaint as the merged fields describe it (JSON), NULL if they do not make one.
    complaint   TEXT,
    -- The seq of the newest operation applied to this record.
    updated_seq INTEGER NOT NULL
);
