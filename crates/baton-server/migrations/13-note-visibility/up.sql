-- Baton server schema, version 13: a note is shared with everyone on the case
-- or internal to the writer's organisation. Entries written before are shared,
-- as they always were. Append-only like the rest of an entry (erasure aside).
ALTER TABLE timeline ADD COLUMN visibility TEXT NOT NULL DEFAULT 'shared'
    CHECK (visibility IN ('shared', 'internal'));
CREATE TRIGGER timeline_visibility_append_only BEFORE UPDATE OF visibility ON timeline
WHEN NOT EXISTS (SELECT 1 FROM erasures e WHERE e.customer_id = OLD.customer_id)
BEGIN SELECT RAISE(ABORT, 'timeline entries are append-only'); END;
