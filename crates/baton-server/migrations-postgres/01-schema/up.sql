-- Baton server schema for PostgreSQL, version 1: the same tables and rules as
-- SQLite's migrations 1 to 7. Timestamps are RFC 3339 text in UTC (fixed width,
-- so they compare and sort as text); ids are opaque text; enumerations are their
-- snake_case wire names; small nested lists are JSON text. Tables the store
-- orders by insertion carry a `rowid`, as SQLite's tables do implicitly.

CREATE TABLE orgs (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('retailer', 'partner')),
    visible_fields TEXT NOT NULL DEFAULT '[]'   -- JSON array of PartnerField
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('agent', 'partner_dispatcher', 'supervisor')),
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    disabled_at   TEXT
);

-- Bearer tokens are stored as SHA-256 hashes: a copy of this table logs nobody in.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    last_seen_at TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE sign_in_failures (
    key             TEXT PRIMARY KEY,   -- 'user:<lower-cased name>' or 'addr:<ip>'
    failures        INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    next_allowed_at TEXT NOT NULL
);

CREATE TABLE customers (
    id           TEXT PRIMARY KEY,
    rowid        BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    number       TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    merged_into  TEXT REFERENCES customers(id),
    erased_at    TEXT
);

CREATE TABLE people (
    id          TEXT PRIMARY KEY,
    rowid       BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    name        TEXT NOT NULL,
    roles       TEXT NOT NULL,
    position    INTEGER NOT NULL
);
CREATE INDEX people_customer ON people(customer_id, position);
CREATE INDEX people_name ON people(lower(name));

CREATE TABLE contact_points (
    id                TEXT PRIMARY KEY,
    person_id         TEXT NOT NULL REFERENCES people(id),
    kind              TEXT NOT NULL CHECK (kind IN ('phone', 'email')),
    label             TEXT NOT NULL,
    value             TEXT NOT NULL,           -- E.164 for phones, lower-case for emails
    preferred         INTEGER NOT NULL,
    updated_at        TEXT NOT NULL,
    updated_by        TEXT NOT NULL,
    position          INTEGER NOT NULL,
    purposes          TEXT NOT NULL DEFAULT '[]',
    consent_service   INTEGER NOT NULL DEFAULT 1,
    consent_marketing INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX contact_points_person ON contact_points(person_id, position);
CREATE INDEX contact_points_value ON contact_points(value);

CREATE TABLE addresses (
    id          TEXT PRIMARY KEY,
    rowid       BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('billing', 'delivery', 'installation')),
    line1       TEXT NOT NULL,
    line2       TEXT,
    city        TEXT NOT NULL,
    postcode    TEXT NOT NULL
);
CREATE INDEX addresses_customer ON addresses(customer_id);
CREATE INDEX addresses_postcode ON addresses(postcode);

CREATE TABLE orders (
    id          TEXT PRIMARY KEY,
    rowid       BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    number      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('order', 'subscription')),
    status      TEXT NOT NULL,
    placed_at   TEXT NOT NULL,
    lines       TEXT NOT NULL
);
CREATE INDEX orders_customer ON orders(customer_id);

CREATE TABLE jobs (
    id                TEXT PRIMARY KEY,
    rowid             BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
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
    updated_at        TEXT NOT NULL,
    order_id          TEXT REFERENCES orders(id)
);
CREATE INDEX jobs_org ON jobs(org_id, id);
CREATE INDEX jobs_customer ON jobs(customer_id);

-- The change feed. `seq` is allocated under the write lock every write takes
-- (see db.rs), so seq order is commit order and a cursor never skips a late commit.
CREATE TABLE changes (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope      TEXT NOT NULL,
    entity     TEXT NOT NULL CHECK (entity IN ('customer', 'job')),
    entity_id  TEXT NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('upsert', 'remove')),
    doc        TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX changes_scope_seq ON changes(scope, seq);

CREATE TABLE mutations (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    client_id  TEXT NOT NULL,
    client_seq BIGINT NOT NULL,
    name       TEXT NOT NULL,
    intent     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE conflicts (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mutation_id    TEXT NOT NULL REFERENCES mutations(id),
    customer_id    TEXT NOT NULL,
    field          TEXT NOT NULL,
    base_value     TEXT NOT NULL,
    replaced_value TEXT NOT NULL,
    winning_value  TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    customer_id TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_customer ON audit_log(customer_id, id);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE tickets (
    id                 TEXT PRIMARY KEY,
    rowid              BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    number             TEXT NOT NULL UNIQUE,
    customer_id        TEXT NOT NULL REFERENCES customers(id),
    subject            TEXT NOT NULL,
    status             TEXT NOT NULL,
    priority           TEXT NOT NULL,
    owner_org_id       TEXT NOT NULL REFERENCES orgs(id),
    owner_user_id      TEXT REFERENCES users(id),
    escalated_org_id   TEXT REFERENCES orgs(id),
    escalated_at       TEXT,
    escalated_by       TEXT,
    escalation_reason  TEXT,
    first_response_due TEXT NOT NULL,
    first_response_at  TEXT,
    resolution_due     TEXT NOT NULL,
    resolved_at        TEXT,
    paused_since       TEXT,
    pause_reason       TEXT,
    paused_seconds     BIGINT NOT NULL DEFAULT 0,
    job_ids            TEXT NOT NULL DEFAULT '[]',
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX tickets_customer ON tickets(customer_id);
CREATE INDEX tickets_owner ON tickets(owner_org_id, status);
CREATE INDEX tickets_escalated ON tickets(escalated_org_id, status);

CREATE TABLE callbacks (
    id                TEXT PRIMARY KEY,
    rowid             BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    customer_id       TEXT NOT NULL REFERENCES customers(id),
    owner_org_id      TEXT NOT NULL REFERENCES orgs(id),
    owner_user_id     TEXT REFERENCES users(id),
    person_id         TEXT REFERENCES people(id),
    phone             TEXT NOT NULL,
    request           TEXT NOT NULL,
    due_at            TEXT,
    trigger           TEXT,
    job_id            TEXT REFERENCES jobs(id),
    status            TEXT NOT NULL,
    attempts          TEXT NOT NULL DEFAULT '[]',
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    due_until         TEXT,
    escalation_level  INTEGER NOT NULL DEFAULT 0,
    escalated_at      TEXT,
    escalation_reason TEXT
);
CREATE INDEX callbacks_customer ON callbacks(customer_id);
CREATE INDEX callbacks_owner ON callbacks(owner_org_id, status, due_at);
CREATE INDEX callbacks_job ON callbacks(job_id);
CREATE INDEX callbacks_sweep ON callbacks(status, escalation_level);

CREATE TABLE commitments (
    id                TEXT PRIMARY KEY,
    rowid             BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    customer_id       TEXT NOT NULL REFERENCES customers(id),
    text              TEXT NOT NULL,
    due_at            TEXT NOT NULL,
    owner_org_id      TEXT NOT NULL REFERENCES orgs(id),
    owner_user_id     TEXT REFERENCES users(id),
    ticket_id         TEXT REFERENCES tickets(id),
    job_id            TEXT REFERENCES jobs(id),
    status            TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    resolved_at       TEXT,
    escalation_level  INTEGER NOT NULL DEFAULT 0,
    escalated_at      TEXT,
    escalation_reason TEXT
);
CREATE INDEX commitments_customer ON commitments(customer_id);
CREATE INDEX commitments_owner ON commitments(owner_org_id, status, due_at);
CREATE INDEX commitments_sweep ON commitments(status, escalation_level, due_at);

CREATE TABLE timeline (
    id          TEXT PRIMARY KEY,
    rowid       BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    author      TEXT NOT NULL,
    text        TEXT NOT NULL,
    job_id      TEXT,
    ticket_id   TEXT,
    args        TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX timeline_customer ON timeline(customer_id);

CREATE TABLE confirmations (
    id              TEXT PRIMARY KEY,
    rowid           BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    person_id       TEXT,
    channel         TEXT,
    recipient       TEXT,
    summary         TEXT NOT NULL,
    changed_by      TEXT NOT NULL,
    org_id          TEXT NOT NULL,
    at              TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT,
    sent_at         TEXT,
    summary_args    TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX confirmations_customer ON confirmations(customer_id);
CREATE INDEX confirmations_status ON confirmations(status);
CREATE INDEX confirmations_due ON confirmations(status, next_attempt_at);

CREATE TABLE feedback (
    id          TEXT PRIMARY KEY,
    rowid       BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    org_id      TEXT NOT NULL REFERENCES orgs(id),
    job_id      TEXT REFERENCES jobs(id),
    csat        INTEGER CHECK (csat BETWEEN 1 AND 5),
    nps         INTEGER CHECK (nps BETWEEN 0 AND 10),
    comment     TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX feedback_org ON feedback(org_id);

CREATE TABLE merges (
    id          TEXT PRIMARY KEY,
    survivor_id TEXT NOT NULL REFERENCES customers(id),
    merged_id   TEXT NOT NULL REFERENCES customers(id),
    moved       TEXT NOT NULL,
    at          TEXT NOT NULL,
    by_user     TEXT NOT NULL,
    undone_at   TEXT
);
CREATE INDEX merges_survivor ON merges(survivor_id);

CREATE TABLE erasures (
    customer_id TEXT PRIMARY KEY REFERENCES customers(id),
    erased_at   TEXT NOT NULL,
    by_user     TEXT NOT NULL,
    reason      TEXT NOT NULL
);

CREATE TABLE confirmation_templates (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

-- The timeline and the audit log are append-only. Their rows may change only for
-- an erased customer, once that customer's erasure is recorded; only a timeline
-- entry's customer moves otherwise (merges and their undoing).
CREATE FUNCTION timeline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'timeline entries are append-only';
    END IF;
    IF (NEW.id, NEW.at, NEW.kind, NEW.org_id, NEW.author, NEW.text, NEW.job_id, NEW.ticket_id, NEW.args)
       IS DISTINCT FROM (OLD.id, OLD.at, OLD.kind, OLD.org_id, OLD.author, OLD.text, OLD.job_id, OLD.ticket_id, OLD.args)
       AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.customer_id = OLD.customer_id) THEN
        RAISE EXCEPTION 'timeline entries are append-only';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER timeline_append_only BEFORE UPDATE OR DELETE ON timeline
    FOR EACH ROW EXECUTE FUNCTION timeline_append_only();

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.customer_id IS NULL
       OR NOT EXISTS (SELECT 1 FROM erasures e WHERE e.customer_id = OLD.customer_id) THEN
        RAISE EXCEPTION 'the audit log is append-only';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
