-- The devices the server knows, each with the SHA-256 (hex) of the secret key
-- it holds (made on the device, never in an operation): a device id taken
-- from an operation is of no use without the key, so nobody can sign in as
-- another tablet and make edits that tablet would never pull.
CREATE TABLE devices (
    id          TEXT PRIMARY KEY NOT NULL,
    key_hash    TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
