-- The scorecard figures story 5 names beside CSAT and NPS.
-- Whether the customer had to repeat something already known (1 yes, 0 no;
-- NULL when the question was not asked).
ALTER TABLE feedback ADD COLUMN reasked INTEGER CHECK (reasked IN (0, 1));
-- When each change to a partner's records first reached one of its live
-- consoles: one row per (partner, feed seq), kept a year.
CREATE TABLE propagation (
    org_id       TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    changed_at   TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    lag_ms       BIGINT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX propagation_period ON propagation(org_id, changed_at, lag_ms);
