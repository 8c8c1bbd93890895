-- A note is shared with everyone on the case or internal to the writer's
-- organisation. Entries written before are shared, as they always were; the
-- timeline's append-only trigger covers the new column like every other.
ALTER TABLE timeline ADD COLUMN visibility TEXT NOT NULL DEFAULT 'shared'
    CHECK (visibility IN ('shared', 'internal'));
