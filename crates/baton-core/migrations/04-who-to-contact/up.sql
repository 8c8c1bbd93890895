-- Who to contact: board rows, queue rows and notifications name the job's
-- contact person and the number to reach them on, not the account holder.
-- `phone` follows Person::appointment_phone (preferred for appointments, any
-- for appointments, preferred, first); the cache code keeps it in step.
CREATE TABLE people (
    customer_id TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    phone       TEXT,
    PRIMARY KEY (customer_id, person_id)
) WITHOUT ROWID;

ALTER TABLE jobs ADD COLUMN contact_person_id TEXT;

-- Caches from before this version: index what they already hold.
UPDATE jobs SET contact_person_id = json_extract(doc, '$.contact_person_id');
INSERT INTO people
SELECT c.id, json_extract(p.value, '$.id'), json_extract(p.value, '$.name'),
       (SELECT json_extract(cp.value, '$.value') FROM json_each(p.value, '$.contacts') cp
         WHERE json_extract(cp.value, '$.kind') = 'phone'
         ORDER BY (EXISTS (SELECT 1 FROM json_each(cp.value, '$.purposes') u WHERE u.value = 'appointments')
                   AND json_extract(cp.value, '$.preferred')) DESC,
                  EXISTS (SELECT 1 FROM json_each(cp.value, '$.purposes') u WHERE u.value = 'appointments') DESC,
                  json_extract(cp.value, '$.preferred') DESC,
                  cp.key
         LIMIT 1)
FROM customers c, json_each(c.doc, '$.people') p;
