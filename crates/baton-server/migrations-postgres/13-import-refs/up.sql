-- The retailer's own reference of every imported record, so that importing a
-- file again updates what the first run made. Imported records get ids in the
-- order they arrive (`cus_r0000000001`, …), so that rows and their indexes
-- grow at their end during a bulk import.
CREATE TABLE import_refs (
    kind         TEXT NOT NULL,
    external_ref TEXT NOT NULL,
    id           TEXT NOT NULL,
    PRIMARY KEY (kind, external_ref)
);

-- Before, an imported record's id was a hash of its reference (`cus_i` and 20
-- hex digits), and no reference was kept. Where such records exist, a
-- reference not found above is looked up by that hash too.
INSERT INTO meta (key, value)
SELECT 'import_hashed_ids', '1'
WHERE EXISTS (SELECT 1 FROM customers WHERE id LIKE 'cus\_i%' ESCAPE '\')
   OR EXISTS (SELECT 1 FROM people WHERE id LIKE 'per\_i%' ESCAPE '\')
   OR EXISTS (SELECT 1 FROM contact_points WHERE id LIKE 'cp\_i%' ESCAPE '\')
   OR EXISTS (SELECT 1 FROM addresses WHERE id LIKE 'adr\_i%' ESCAPE '\')
   OR EXISTS (SELECT 1 FROM orders WHERE id LIKE 'ord\_i%' ESCAPE '\')
   OR EXISTS (SELECT 1 FROM jobs WHERE id LIKE 'job\_i%' ESCAPE '\');
