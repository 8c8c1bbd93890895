-- Baton server schema, version 8: confirmations claimed by the node sending them.
-- Several server nodes may share a database; a node claims a batch of due
-- confirmations for a while before sending, so no other node sends them too. A
-- node that dies mid-batch leaves its claims to lapse, and another sends them.

ALTER TABLE confirmations ADD COLUMN claimed_by TEXT;
ALTER TABLE confirmations ADD COLUMN claimed_until TEXT;
