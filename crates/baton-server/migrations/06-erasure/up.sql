-- Baton server schema, version 6: erasing a customer at their request.
-- The erasure record stays; the customer's personal data is replaced in every
-- table that holds it. The timeline and the audit log stay append-only for
-- everything else: their rows may change only for an erased customer, and only
-- once that customer's erasure is recorded.

CREATE TABLE erasures (
    customer_id TEXT PRIMARY KEY REFERENCES customers(id),
    erased_at   TEXT NOT NULL,
    by_user     TEXT NOT NULL,
    reason      TEXT NOT NULL
);
ALTER TABLE customers ADD COLUMN erased_at TEXT;

DROP TRIGGER timeline_append_only_update;
CREATE TRIGGER timeline_append_only_update BEFORE UPDATE OF id, at, kind, org_id, author, text, job_id, ticket_id ON timeline
WHEN NOT EXISTS (SELECT 1 FROM erasures e WHERE e.customer_id = OLD.customer_id)
BEGIN SELECT RAISE(ABORT, 'timeline entries are append-only'); END;
DROP TRIGGER timeline_args_append_only;
CREATE TRIGGER timeline_args_append_only BEFORE UPDATE OF args ON timeline
WHEN NOT EXISTS (SELECT 1 FROM erasures e WHERE e.customer_id = OLD.customer_id)
BEGIN SELECT RAISE(ABORT, 'timeline entries are append-only'); END;

DROP TRIGGER audit_log_append_only_update;
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
WHEN OLD.customer_id IS NULL OR NOT EXISTS (SELECT 1 FROM erasures e WHERE e.customer_id = OLD.customer_id)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
