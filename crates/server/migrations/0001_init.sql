-- Initial schema of the complaints server.
--
-- Migrations are embedded in the binary at compile time and applied in order
-- by `open_db`. A migration that has shipped is NEVER edited (sqlx checks
-- checksums and would refuse to start on existing databases): every schema
-- change, such as the tables of the sync issue, goes into a new file
-- `NNNN_description.sql` with the next number.

-- Key/value facts about this database itself (not about complaints).
CREATE TABLE server_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- When this database was created (RFC 3339, UTC).
INSERT INTO server_meta (key, value)
VALUES ('schema_created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
