-- Baton console cache, version 1. Holds only what the signed-in user may see.

-- `server_doc` is the last document the server sent; `doc` is that plus the
-- user's edits not yet confirmed by the feed (see outbox). The UI reads `doc`.
CREATE TABLE customers (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL,
    display_name TEXT NOT NULL,
    server_doc   TEXT NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX customers_number ON customers(number);

CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    number      TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX jobs_customer ON jobs(customer_id);
CREATE INDEX jobs_number ON jobs(number);

-- Phone numbers (E.164) and emails of every person, for screen pop and search.
CREATE TABLE contact_index (
    customer_id TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    person_name TEXT NOT NULL,
    kind        TEXT NOT NULL,
    label       TEXT NOT NULL,
    value       TEXT NOT NULL
);
CREATE INDEX contact_index_value ON contact_index(value);
CREATE INDEX contact_index_customer ON contact_index(customer_id);

-- Names for search. The FTS5 index is external-content over `name_rows`, so a
-- customer's rows are found (and deleted) through an ordinary index. The cache
-- code keeps the two in step; during a snapshot it skips the FTS index and
-- rebuilds it once at the end (sync_state 'names_stale').
CREATE TABLE name_rows (
    id          INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    person_id   TEXT NOT NULL,        -- '' for the account's display name
    name        TEXT NOT NULL
);
CREATE INDEX name_rows_customer ON name_rows(customer_id);

CREATE VIRTUAL TABLE name_index USING fts5(
    name,
    content = 'name_rows',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Cursor, epoch, snapshot progress, client id.
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Every edit the user made, written in the same transaction as its optimistic
-- change. `pending` rows are pushed; `applied` rows stay until the feed has
-- delivered `applied_seq`; `rejected` rows stay until the user has seen them.
CREATE TABLE outbox (
    client_seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL,
    target      TEXT NOT NULL,        -- what the edit changes, e.g. contact:<id>
    intent      TEXT NOT NULL,        -- JSON Intent
    created_at  TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'rejected')),
    applied_seq INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    error_code  TEXT,
    error       TEXT,
    conflict    TEXT,                 -- JSON Conflict, when the edit replaced an unseen value
    resolved    INTEGER NOT NULL DEFAULT 0  -- the user has dealt with a rejection or conflict
);
CREATE INDEX outbox_state ON outbox(state, client_seq);
CREATE INDEX outbox_customer ON outbox(customer_id);
