-- Baton server schema, version 2: the full customer/partner domain.
-- Enumerations are stored as their snake_case wire names; small nested lists
-- (order lines, purposes, attempts, job ids) as JSON text.

-- Which customer fields each partner's jobs need (JSON array of PartnerField).
ALTER TABLE orgs ADD COLUMN visible_fields TEXT NOT NULL DEFAULT '[]';

ALTER TABLE contact_points ADD COLUMN purposes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE contact_points ADD COLUMN consent_service INTEGER NOT NULL DEFAULT 1;
ALTER TABLE contact_points ADD COLUMN consent_marketing INTEGER NOT NULL DEFAULT 0;

-- A customer merged into another keeps its row (so the merge can be undone) and
-- leaves every list, search and scope.
ALTER TABLE customers ADD COLUMN merged_into TEXT REFERENCES customers(id);

CREATE TABLE orders (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    number      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('order', 'subscription')),
    status      TEXT NOT NULL,
    placed_at   TEXT NOT NULL,
    lines       TEXT NOT NULL             -- JSON array of OrderLine
);
CREATE INDEX orders_customer ON orders(customer_id);

ALTER TABLE jobs ADD COLUMN order_id TEXT REFERENCES orders(id);

CREATE TABLE tickets (
    id                 TEXT PRIMARY KEY,
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
    paused_seconds     INTEGER NOT NULL DEFAULT 0,
    job_ids            TEXT NOT NULL DEFAULT '[]',
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX tickets_customer ON tickets(customer_id);
CREATE INDEX tickets_owner ON tickets(owner_org_id, status);
CREATE INDEX tickets_escalated ON tickets(escalated_org_id, status);

CREATE TABLE callbacks (
    id            TEXT PRIMARY KEY,
    customer_id   TEXT NOT NULL REFERENCES customers(id),
    owner_org_id  TEXT NOT NULL REFERENCES orgs(id),
    owner_user_id TEXT REFERENCES users(id),
    person_id     TEXT REFERENCES people(id),
    phone         TEXT NOT NULL,
    request       TEXT NOT NULL,
    due_at        TEXT,
    trigger       TEXT,                  -- JSON CallbackTrigger
    job_id        TEXT REFERENCES jobs(id),
    status        TEXT NOT NULL,
    attempts      TEXT NOT NULL DEFAULT '[]',
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX callbacks_customer ON callbacks(customer_id);
CREATE INDEX callbacks_owner ON callbacks(owner_org_id, status, due_at);
CREATE INDEX callbacks_job ON callbacks(job_id);

CREATE TABLE commitments (
    id            TEXT PRIMARY KEY,
    customer_id   TEXT NOT NULL REFERENCES customers(id),
    text          TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    owner_org_id  TEXT NOT NULL REFERENCES orgs(id),
    owner_user_id TEXT REFERENCES users(id),
    ticket_id     TEXT REFERENCES tickets(id),
    job_id        TEXT REFERENCES jobs(id),
    status        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    resolved_at   TEXT
);
CREATE INDEX commitments_customer ON commitments(customer_id);
CREATE INDEX commitments_owner ON commitments(owner_org_id, status, due_at);

-- The customer's history. Append-only: an entry's content never changes; only
-- the customer it is filed under moves, when customers are merged or unmerged.
CREATE TABLE timeline (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    author      TEXT NOT NULL,
    text        TEXT NOT NULL,
    job_id      TEXT,
    ticket_id   TEXT
);
CREATE INDEX timeline_customer ON timeline(customer_id);
CREATE TRIGGER timeline_append_only_update BEFORE UPDATE OF id, at, kind, org_id, author, text, job_id, ticket_id ON timeline
BEGIN SELECT RAISE(ABORT, 'timeline entries are append-only'); END;
CREATE TRIGGER timeline_append_only_delete BEFORE DELETE ON timeline
BEGIN SELECT RAISE(ABORT, 'timeline entries are append-only'); END;

-- The customer an audited write belongs to, for the record's audit trail.
ALTER TABLE audit_log ADD COLUMN customer_id TEXT;
CREATE INDEX audit_log_customer ON audit_log(customer_id, id);

CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- What the customer is told about each captured change and promise.
CREATE TABLE confirmations (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    person_id   TEXT,
    channel     TEXT,
    recipient   TEXT,
    summary     TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    at          TEXT NOT NULL,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX confirmations_customer ON confirmations(customer_id);
CREATE INDEX confirmations_status ON confirmations(status);

CREATE TABLE feedback (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    org_id      TEXT NOT NULL REFERENCES orgs(id),
    job_id      TEXT REFERENCES jobs(id),
    csat        INTEGER CHECK (csat BETWEEN 1 AND 5),
    nps         INTEGER CHECK (nps BETWEEN 0 AND 10),
    comment     TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX feedback_org ON feedback(org_id);

-- Merges of duplicate customers: `moved` lists every row that moved (JSON
-- {table: [ids]}), so an undo moves back exactly those.
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

CREATE INDEX people_name ON people(name COLLATE NOCASE);
CREATE INDEX addresses_postcode ON addresses(postcode);
