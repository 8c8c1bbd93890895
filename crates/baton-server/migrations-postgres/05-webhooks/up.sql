-- Baton server schema (PostgreSQL), version 5: outbound webhooks (as SQLite version 11).
-- Outbound webhooks: an organisation's subscriptions to events about its own
-- work, and every delivery, written in the transaction of the change that
-- caused it (an outbox: nothing is lost across restarts), sent at least once
-- with retries and back-off, kept as a log admins read and replay.

CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id),
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,          -- JSON array of WebhookEvent
    secret      TEXT NOT NULL,          -- signs each delivery (HMAC-SHA256); shown once
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    disabled_at TEXT
);
CREATE INDEX webhooks_org ON webhooks(org_id);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks(id),
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT,
    claimed_by      TEXT,
    claimed_until   TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, created_at);
