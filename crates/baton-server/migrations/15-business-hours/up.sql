-- Baton server schema, version 15: an organisation's business hours (JSON
-- BusinessCalendar: time zone, opening periods, holidays). NULL: open around
-- the clock, as every organisation was before.
ALTER TABLE orgs ADD COLUMN calendar TEXT;
