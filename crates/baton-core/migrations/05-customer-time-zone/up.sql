-- The customer's time zone on each queue row, so a queue shows their local
-- time beside a due time without reading the whole document.
ALTER TABLE follow_ups ADD COLUMN customer_time_zone TEXT;

-- Caches from before this version: index what they already hold.
UPDATE follow_ups SET customer_time_zone =
    (SELECT json_extract(c.doc, '$.time_zone') FROM customers c WHERE c.id = follow_ups.customer_id);
