-- Baton server schema, version 17: one-question surveys sent to customers
-- after a job completes or a ticket resolves, answered by link with no account.
-- Only the SHA-256 of the link's token is kept here; the token itself waits on
-- its confirmation row (`link_token`) until the message goes out, then is
-- cleared. Neither is ever in a document, a timeline entry or the feed.
CREATE TABLE surveys (
    id              TEXT PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    -- The organisation the answer rates (the job's partner, the ticket's owner).
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    job_id          TEXT REFERENCES jobs(id),
    ticket_id       TEXT REFERENCES tickets(id),
    person_id       TEXT,
    confirmation_id TEXT NOT NULL,
    sent_by         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    answered_at     TEXT,
    feedback_id     TEXT,
    CHECK ((job_id IS NULL) <> (ticket_id IS NULL))
);
CREATE UNIQUE INDEX surveys_job ON surveys(job_id) WHERE job_id IS NOT NULL;
CREATE UNIQUE INDEX surveys_ticket ON surveys(ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX surveys_customer ON surveys(customer_id);
ALTER TABLE confirmations ADD COLUMN survey_id TEXT;
ALTER TABLE confirmations ADD COLUMN link_token TEXT;
-- Where a rating came from: an agent recording what the customer said, or the
-- customer answering a survey themselves.
ALTER TABLE feedback ADD COLUMN source TEXT NOT NULL DEFAULT 'agent' CHECK (source IN ('agent', 'survey'));
ALTER TABLE feedback ADD COLUMN ticket_id TEXT;
