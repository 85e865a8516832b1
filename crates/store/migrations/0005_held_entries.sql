-- Entries held back at a cutoff (status 'held') because they would have broken the file: the
-- NACHA rule and what is wrong (never the account number), and when.
ALTER TABLE ach_entries ADD COLUMN held_rule TEXT;
ALTER TABLE ach_entries ADD COLUMN held_reason TEXT;
ALTER TABLE ach_entries ADD COLUMN held_on BIGINT;
CREATE INDEX ach_entries_held ON ach_entries (held_on);
