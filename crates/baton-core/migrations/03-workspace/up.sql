-- What the role home views and the record's markers need, kept in step with the
-- customers' and jobs' documents by the cache code (times are Unix seconds).

-- Open tickets (open or pending) of every cached customer: an agent's "my tickets".
CREATE TABLE tickets (
    id             TEXT PRIMARY KEY,
    customer_id    TEXT NOT NULL,
    customer_name  TEXT NOT NULL,
    owner_org_id   TEXT NOT NULL,
    owner_user_id  TEXT,
    escalated_to   TEXT,             -- the partner organisation working on it, if any
    resolution_due INTEGER NOT NULL,
    doc            TEXT NOT NULL     -- JSON Ticket
);
CREATE INDEX tickets_customer ON tickets(customer_id);
CREATE INDEX tickets_owner ON tickets(owner_org_id, owner_user_id, resolution_due);
CREATE INDEX tickets_escalated ON tickets(escalated_to, resolution_due);

-- Order and ticket numbers, for search ("O-300001", "T-400001").
CREATE TABLE number_index (
    number      TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('order', 'ticket')),
    customer_id TEXT NOT NULL
);
CREATE INDEX number_index_number ON number_index(number);
CREATE INDEX number_index_customer ON number_index(customer_id);

-- The jobs board: a partner's jobs by appointment day and status.
ALTER TABLE jobs ADD COLUMN org_id TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN appointment_at INTEGER;
UPDATE jobs SET org_id = json_extract(doc, '$.org_id'), status = json_extract(doc, '$.status'),
                appointment_at = unixepoch(json_extract(doc, '$.appointment_start'));
CREATE INDEX jobs_board ON jobs(org_id, appointment_at);

-- When this user last looked at each record: drives "changed since you looked".
-- `seen_at` is the last time the record was on screen (opened or refreshed);
-- `compared_to` is the `seen_at` before the current opening, what markers
-- compare against while the record stays on screen.
CREATE TABLE record_views (
    customer_id TEXT PRIMARY KEY,
    seen_at     TEXT NOT NULL,
    compared_to TEXT
);

-- Caches from before this version: index what they already hold.
INSERT INTO tickets
SELECT json_extract(t.value, '$.id'), c.id, c.display_name,
       json_extract(t.value, '$.owner_org_id'), json_extract(t.value, '$.owner_user_id'),
       json_extract(t.value, '$.escalation.org_id'),
       unixepoch(json_extract(t.value, '$.sla.resolution_due')), t.value
FROM customers c, json_each(c.doc, '$.tickets') t
WHERE json_extract(t.value, '$.status') IN ('open', 'pending');

INSERT INTO number_index
SELECT json_extract(o.value, '$.number'), 'order', c.id FROM customers c, json_each(c.doc, '$.orders') o;
INSERT INTO number_index
SELECT json_extract(t.value, '$.number'), 'ticket', c.id FROM customers c, json_each(c.doc, '$.tickets') t;

-- Notifications already shown for owned callbacks coming due (never twice).
CREATE TABLE notified (
    item_id TEXT PRIMARY KEY,
    due_at  INTEGER NOT NULL
);
