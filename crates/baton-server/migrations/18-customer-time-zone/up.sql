-- Baton server schema, version 18: the customer's own time zone (an IANA
-- name), so whoever calls them sees their local time beside a due time.
-- NULL: not recorded; the retailer's time zone stands in.
ALTER TABLE customers ADD COLUMN time_zone TEXT;
