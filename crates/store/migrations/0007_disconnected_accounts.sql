-- Moov's DELETE /accounts/{accountID} disconnects an account: it stays in the database (its
-- bank accounts disabled, its events kept) but no read finds it again. NULL: connected.
ALTER TABLE accounts ADD COLUMN disconnected_on BIGINT;
