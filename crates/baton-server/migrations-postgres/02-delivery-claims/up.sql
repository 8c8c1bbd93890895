-- Version 2 (SQLite's 8): confirmations claimed by the node sending them.
ALTER TABLE confirmations ADD COLUMN claimed_by TEXT;
ALTER TABLE confirmations ADD COLUMN claimed_until TEXT;
