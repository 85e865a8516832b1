-- Micro-deposit amounts are a verification's secret: such entries keep amount_cents = 0 and
-- their amount sealed with the vault here (bound to the entry ID). NULL: amount_cents is the
-- amount (other entries, and rows of earlier releases). File totals are then set when the
-- file's text is built, not summed at the claim.
ALTER TABLE ach_entries ADD COLUMN sealed_amount TEXT;
