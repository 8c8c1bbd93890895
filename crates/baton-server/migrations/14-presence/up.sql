-- Baton server schema, version 14: who is on which record right now. One row
-- per user and customer, renewed while the record is on their screen and
-- cleared once it lapses; nothing about the customer but its id.
CREATE TABLE presence (
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    user_id          TEXT NOT NULL REFERENCES users(id),
    activity         TEXT NOT NULL CHECK (activity IN ('viewing', 'editing')),
    contact_point_id TEXT,
    since            TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    PRIMARY KEY (customer_id, user_id)
);
CREATE INDEX presence_expires ON presence(expires_at);
