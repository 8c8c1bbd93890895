-- Protocol 2: a customer's history (timeline entries and confirmations)
-- arrives as its own feed records and is kept here, beside the customer's
-- state in `customers`. The record screen reads both.
CREATE TABLE history (
    seq         INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    id          TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('timeline', 'confirmation')),
    -- When it happened (Unix milliseconds), for order; ties keep arrival order.
    at          INTEGER NOT NULL,
    doc         TEXT NOT NULL,
    UNIQUE (customer_id, id)
);
CREATE INDEX history_customer_at ON history(customer_id, at, seq);

-- The server holds older history of the customer than this cache does.
ALTER TABLE customers ADD COLUMN history_older INTEGER NOT NULL DEFAULT 0;

-- A cache from before holds whole documents of protocol 1: the next sync takes
-- a new snapshot (queued edits stay). Until it has, the records show as they were.
DELETE FROM sync_state WHERE key IN ('cursor', 'snapshot_token', 'epoch');
