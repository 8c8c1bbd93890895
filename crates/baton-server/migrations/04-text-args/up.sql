-- Baton server schema, version 4: texts the server writes keep their values apart.
-- `timeline.text` and `confirmations.summary` hold the server's template, with
-- `{n}` for the n-th value in `args` / `summary_args` (JSON arrays of TextArg),
-- so the scope rule can mask a value a partner may not see before the text is
-- rendered for it. Rows written before this version have no values: their text
-- renders as stored.

ALTER TABLE timeline ADD COLUMN args TEXT NOT NULL DEFAULT '[]';
CREATE TRIGGER timeline_args_append_only BEFORE UPDATE OF args ON timeline
BEGIN SELECT RAISE(ABORT, 'timeline entries are append-only'); END;

ALTER TABLE confirmations ADD COLUMN summary_args TEXT NOT NULL DEFAULT '[]';
