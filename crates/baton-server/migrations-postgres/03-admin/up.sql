-- Baton server schema (PostgreSQL), version 3: administration. The same as
-- SQLite's version 9: the `admin` role, deactivated organisations with their
-- own escalation SLAs, last sign-in, and one-time codes stored as hashes.

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('agent', 'partner_dispatcher', 'supervisor', 'admin'));
ALTER TABLE users ADD COLUMN last_sign_in_at TEXT;
ALTER TABLE users ADD COLUMN created_at TEXT;
CREATE INDEX users_org ON users(org_id);

ALTER TABLE orgs ADD COLUMN deactivated_at TEXT;
ALTER TABLE orgs ADD COLUMN callback_sla_minutes BIGINT;
ALTER TABLE orgs ADD COLUMN commitment_sla_minutes BIGINT;

CREATE TABLE user_codes (
    code_hash  TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    purpose    TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX user_codes_user ON user_codes(user_id);
