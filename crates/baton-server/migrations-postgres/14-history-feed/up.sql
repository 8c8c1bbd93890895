-- Protocol 2: a customer's history travels as its own feed records. A change
-- row of a customer is now its current state (`part` NULL), one history item
-- (`item`), or the customer's whole recent history for one scope (`history`).
ALTER TABLE changes ADD COLUMN part TEXT CHECK (part IN ('item', 'history'));

-- History written in the current transaction and not yet in the feed: every
-- insert or change of a timeline entry or a confirmation lands here (by the
-- triggers below, whatever code wrote it), and the feed append of the
-- customer takes it out. So an edit ships what it added, never the rest.
CREATE TABLE history_pending (
    customer_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('timeline', 'confirmation')),
    id          TEXT NOT NULL,
    PRIMARY KEY (customer_id, kind, id)
);

CREATE FUNCTION history_pending_timeline() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO history_pending (customer_id, kind, id) VALUES (NEW.customer_id, 'timeline', NEW.id)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE FUNCTION history_pending_confirmation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO history_pending (customer_id, kind, id) VALUES (NEW.customer_id, 'confirmation', NEW.id)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER timeline_pending AFTER INSERT OR UPDATE ON timeline
    FOR EACH ROW EXECUTE FUNCTION history_pending_timeline();
-- A delivery claim (claimed_by, claimed_until) changes nothing a console shows.
CREATE TRIGGER confirmations_pending
    AFTER INSERT OR UPDATE OF customer_id, person_id, channel, recipient, summary, summary_args, changed_by, org_id,
                              at, status, attempts, last_error, next_attempt_at, sent_at ON confirmations
    FOR EACH ROW EXECUTE FUNCTION history_pending_confirmation();

-- What a partner may see of a customer's history depends on its work there
-- (jobs, tickets, the people and numbers it sees). The digest of that, as last
-- sent to the partner's scope: when it changes, the scope gets the customer's
-- history anew instead of one more item.
CREATE TABLE feed_views (
    scope       TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    digest      TEXT NOT NULL,
    PRIMARY KEY (scope, customer_id)
);
