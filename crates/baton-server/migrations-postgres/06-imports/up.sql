-- Baton server schema (PostgreSQL), version 6: bulk imports (as SQLite version 12).
-- Bulk imports sent to `POST /v1/imports`: what was asked, how far it got and
-- the rows it rejected (line and reason). The node running one renews
-- `lease_until` as it goes; an import still running after its lease has
-- lapsed was interrupted (its node stopped) and is reported so. Re-running
-- the same file is safe: rows are upserted by their external references.
CREATE TABLE imports (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    user_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    format        TEXT NOT NULL CHECK (format IN ('csv', 'jsonl')),
    status        TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    rows_read     INTEGER NOT NULL DEFAULT 0,
    rows_imported INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    rejections    TEXT NOT NULL DEFAULT '[]',   -- JSON array of RowRejection (the first 1,000)
    error         TEXT,                         -- why a failed import stopped
    created_at    TEXT NOT NULL,
    finished_at   TEXT,
    lease_until   TEXT NOT NULL
);
CREATE INDEX imports_created ON imports(created_at);
