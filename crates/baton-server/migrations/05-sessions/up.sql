-- Baton server schema, version 5: sessions a security team accepts.
-- A session ends when signed out, when idle for longer than the server allows
-- (`last_seen_at`), at its absolute expiry (`expires_at`), or when its user is
-- disabled. Failed sign-ins are counted per username and per source address, so
-- a lock survives a restart.

ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
UPDATE sessions SET last_seen_at = created_at;
CREATE INDEX sessions_user ON sessions(user_id);

ALTER TABLE users ADD COLUMN disabled_at TEXT;

CREATE TABLE sign_in_failures (
    key             TEXT PRIMARY KEY,   -- 'user:<lower-cased name>' or 'addr:<ip>'
    failures        INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    next_allowed_at TEXT NOT NULL       -- no attempt is checked before this
);
