-- Baton server schema, version 1.
-- Timestamps are RFC 3339 text in UTC. Ids are opaque text.

CREATE TABLE orgs (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('retailer', 'partner'))
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('agent', 'partner_dispatcher', 'supervisor')),
    org_id        TEXT NOT NULL REFERENCES orgs(id)
);

-- Bearer tokens are stored as SHA-256 hashes: a copy of this table logs nobody in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE customers (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE people (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    name        TEXT NOT NULL,
    roles       TEXT NOT NULL,          -- JSON array of PersonRole
    position    INTEGER NOT NULL
);
CREATE INDEX people_customer ON people(customer_id, position);

CREATE TABLE contact_points (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people(id),
    kind       TEXT NOT NULL CHECK (kind IN ('phone', 'email')),
    label      TEXT NOT NULL,
    value      TEXT NOT NULL,           -- E.164 for phones, lower-case for emails
    preferred  INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    position   INTEGER NOT NULL
);
CREATE INDEX contact_points_person ON contact_points(person_id, position);
CREATE INDEX contact_points_value ON contact_points(value);

CREATE TABLE addresses (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('billing', 'delivery', 'installation')),
    line1       TEXT NOT NULL,
    line2       TEXT,
    city        TEXT NOT NULL,
    postcode    TEXT NOT NULL
);
CREATE INDEX addresses_customer ON addresses(customer_id);

CREATE TABLE jobs (
    id                TEXT PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    customer_id       TEXT NOT NULL REFERENCES customers(id),
    org_id            TEXT NOT NULL REFERENCES orgs(id),
    kind              TEXT NOT NULL,
    status            TEXT NOT NULL,
    summary           TEXT NOT NULL,
    contact_person_id TEXT REFERENCES people(id),
    address_id        TEXT REFERENCES addresses(id),
    appointment_start TEXT,
    appointment_end   TEXT,
    updated_at        TEXT NOT NULL
);
CREATE INDEX jobs_org ON jobs(org_id, id);
CREATE INDEX jobs_customer ON jobs(customer_id);

-- The change feed. One row per (scope, document) change; `seq` is allocated inside
-- the single write transaction, so seq order is commit order and a cursor can
-- never skip a late commit. `doc` is the whole document as that scope may see it.
CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    scope      TEXT NOT NULL,
    entity     TEXT NOT NULL CHECK (entity IN ('customer', 'job')),
    entity_id  TEXT NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('upsert', 'remove')),
    doc        TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX changes_scope_seq ON changes(scope, seq);

-- Every processed mutation and its outcome: a retry is answered from here.
CREATE TABLE mutations (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    client_id  TEXT NOT NULL,
    client_seq INTEGER NOT NULL,
    name       TEXT NOT NULL,
    intent     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Contact-data conflicts: the value an edit replaced without having seen it.
CREATE TABLE conflicts (
    id             INTEGER PRIMARY KEY,
    mutation_id    TEXT NOT NULL REFERENCES mutations(id),
    customer_id    TEXT NOT NULL,
    field          TEXT NOT NULL,
    base_value     TEXT NOT NULL,
    replaced_value TEXT NOT NULL,
    winning_value  TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

-- Who changed what, in which organisation, when, from what to what.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    org_id    TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before    TEXT,
    after     TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

-- Server facts. `epoch` names this database: a console whose cursor came from
-- another database (a restore, a fresh demo) is told to re-snapshot.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
