-- Open callbacks and commitments of every cached customer, for the queues
-- (supervisor review, an agent's own follow-ups). Kept in step with the
-- customers' documents by the cache code; times are Unix seconds so filters
-- compare numbers. `doc` is the item itself (JSON Callback or Commitment).
CREATE TABLE follow_ups (
    kind             TEXT NOT NULL CHECK (kind IN ('callback', 'commitment')),
    id               TEXT NOT NULL,
    customer_id      TEXT NOT NULL,
    customer_name    TEXT NOT NULL,
    owner_org_id     TEXT NOT NULL,
    owner_org_name   TEXT NOT NULL,
    owner_user_id    TEXT,
    due_at           INTEGER,          -- NULL: waiting for its trigger
    overdue_at       INTEGER,          -- the end of the window, else due_at
    escalation_level INTEGER NOT NULL,
    doc              TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX follow_ups_customer ON follow_ups(customer_id);
CREATE INDEX follow_ups_owner ON follow_ups(owner_org_id, overdue_at);

-- Caches from before this version: index what they already hold.
INSERT INTO follow_ups
SELECT 'callback', json_extract(cb.value, '$.id'), c.id, c.display_name,
       json_extract(cb.value, '$.owner_org_id'), json_extract(cb.value, '$.owner_org_name'),
       json_extract(cb.value, '$.owner_user_id'),
       unixepoch(json_extract(cb.value, '$.due_at')),
       unixepoch(COALESCE(json_extract(cb.value, '$.due_until'), json_extract(cb.value, '$.due_at'))),
       CASE json_extract(cb.value, '$.escalation.level')
            WHEN 'owner_supervisor' THEN 1 WHEN 'retailer_supervisor' THEN 2 ELSE 0 END,
       cb.value
FROM customers c, json_each(c.doc, '$.callbacks') cb
WHERE json_extract(cb.value, '$.status') IN ('waiting', 'queued');

INSERT INTO follow_ups
SELECT 'commitment', json_extract(cm.value, '$.id'), c.id, c.display_name,
       json_extract(cm.value, '$.owner_org_id'), json_extract(cm.value, '$.owner_org_name'),
       json_extract(cm.value, '$.owner_user_id'),
       unixepoch(json_extract(cm.value, '$.due_at')), unixepoch(json_extract(cm.value, '$.due_at')),
       CASE json_extract(cm.value, '$.escalation.level')
            WHEN 'owner_supervisor' THEN 1 WHEN 'retailer_supervisor' THEN 2 ELSE 0 END,
       cm.value
FROM customers c, json_each(c.doc, '$.commitments') cm
WHERE json_extract(cm.value, '$.status') = 'open';
