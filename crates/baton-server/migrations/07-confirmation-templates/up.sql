-- Baton server schema, version 7: confirmations worded by the retailer. Partners
-- send customers only these, so nothing a partner writes (a link, a request for
-- payment) goes out under the retailer's name.

CREATE TABLE confirmation_templates (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
