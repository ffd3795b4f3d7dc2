-- Scoped sync and audit (issue 5): who made each operation, which branch
-- each complaint belongs to, and when complaints moved between branches.
--
-- See the `sync` module docs (crates/server/src/sync.rs), "Scope".

-- The signed-in user who pushed the operation (NULL for operations accepted
-- before sign-in existed). The op's JSON `body` carries it too.
ALTER TABLE ops ADD COLUMN username TEXT;

-- The complaint's current branch (its merged `branch_code`): pull returns a
-- record's operations only to users whose scope holds this branch.
ALTER TABLE records ADD COLUMN branch TEXT NOT NULL DEFAULT '';

-- The seq of the operation that put the record into its current branch (its
-- creation, or its latest move). A device whose cursor is behind it has not
-- seen the record in this branch, so pull sends it the record's whole log.
ALTER TABLE records ADD COLUMN scope_seq INTEGER NOT NULL DEFAULT 0;

UPDATE records SET
    branch = COALESCE(json_extract(complaint, '$.branch_code'), ''),
    scope_seq = COALESCE((SELECT MIN(seq) FROM ops WHERE ops.record_id = records.id), 0);

CREATE INDEX records_branch ON records (branch, scope_seq);

-- Every change of a complaint's branch: devices of the old branch are told
-- (pull's `removed`) to delete it.
CREATE TABLE record_moves (
    -- The seq of the operation that moved it.
    seq         INTEGER NOT NULL,
    record_id   TEXT NOT NULL,
    from_branch TEXT NOT NULL,
    to_branch   TEXT NOT NULL,
    PRIMARY KEY (seq, record_id)
);

CREATE INDEX record_moves_from ON record_moves (from_branch, seq);
