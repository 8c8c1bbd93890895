-- Baton server schema, version 9: administration.
-- A retailer or partner `admin` role; organisations that can be deactivated and
-- carry their own escalation SLAs; when each user last signed in; and one-time
-- codes (invitations and password resets) stored as hashes.
--
-- SQLite cannot change a CHECK constraint in place, so `users` is rebuilt (the
-- server runs migrations with foreign keys off and checks them afterwards).

CREATE TABLE users_new (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,   -- '' while an invitation is pending: no password signs in
    role            TEXT NOT NULL CHECK (role IN ('agent', 'partner_dispatcher', 'supervisor', 'admin')),
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    disabled_at     TEXT,
    last_sign_in_at TEXT,
    created_at      TEXT
);
INSERT INTO users_new (id, username, display_name, password_hash, role, org_id, disabled_at)
    SELECT id, username, display_name, password_hash, role, org_id, disabled_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_org ON users(org_id);

ALTER TABLE orgs ADD COLUMN deactivated_at TEXT;
ALTER TABLE orgs ADD COLUMN callback_sla_minutes INTEGER;
ALTER TABLE orgs ADD COLUMN commitment_sla_minutes INTEGER;

CREATE TABLE user_codes (
    code_hash  TEXT PRIMARY KEY,     -- SHA-256 of the code: a copy of this table sets no password
    user_id    TEXT NOT NULL REFERENCES users(id),
    purpose    TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX user_codes_user ON user_codes(user_id);
