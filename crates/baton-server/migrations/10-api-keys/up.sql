-- Baton server schema, version 10: API keys.
-- An organisation's own systems (a carrier's tracking, a hotel's
-- booking system) act through the same intents and scope rule as its consoles.
-- Each key acts as a service user of its organisation (a `users` row that can
-- never sign in: no password), so authorship, audit and every reference to a
-- user hold as they do for people. Only the key's SHA-256 is stored.

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL UNIQUE REFERENCES users(id),
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,   -- the first characters, to tell keys apart
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
