-- Baton server schema, version 3: the follow-up engine.
-- Escalation state lives on the item itself, written in the same transaction as
-- its timeline entry: a sweep that dies rolls back whole, and a finished one is
-- never repeated (the level only goes up).

ALTER TABLE callbacks ADD COLUMN due_until TEXT;           -- end of the callback window
ALTER TABLE callbacks ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;  -- 0 none, 1 owner's supervisors, 2 retailer's
ALTER TABLE callbacks ADD COLUMN escalated_at TEXT;
ALTER TABLE callbacks ADD COLUMN escalation_reason TEXT;
CREATE INDEX callbacks_sweep ON callbacks(status, escalation_level);

ALTER TABLE commitments ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE commitments ADD COLUMN escalated_at TEXT;
ALTER TABLE commitments ADD COLUMN escalation_reason TEXT;
CREATE INDEX commitments_sweep ON commitments(status, escalation_level, due_at);

-- Delivery of confirmations: when to try next, and when it went out.
ALTER TABLE confirmations ADD COLUMN next_attempt_at TEXT;
ALTER TABLE confirmations ADD COLUMN sent_at TEXT;
CREATE INDEX confirmations_due ON confirmations(status, next_attempt_at);
