-- Optimistic concurrency: every change to a bank account or its verifications bumps this.
ALTER TABLE bank_accounts ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- Verification rounds: micro-deposits and instant (or ACH-fallback) coded credits.
CREATE TABLE verifications (
    -- Rounds are ordered by seq: several can share a timestamp.
    seq               {{serial_key}},
    verification_id   TEXT NOT NULL UNIQUE,
    bank_account_id   TEXT NOT NULL REFERENCES bank_accounts (bank_account_id),
    account_id        TEXT NOT NULL,
    tenant_id         TEXT NOT NULL,
    kind              TEXT NOT NULL,
    status            TEXT NOT NULL,
    secret            TEXT NOT NULL,
    failed_attempts   BIGINT NOT NULL,
    exception_details TEXT,
    created_on        BIGINT NOT NULL,
    expires_on        BIGINT NOT NULL,
    sent_on           BIGINT,
    updated_on        BIGINT NOT NULL
);
CREATE INDEX verifications_by_bank_account ON verifications (bank_account_id, seq);
CREATE INDEX verifications_active_expiry ON verifications (expires_on) WHERE status IN ('new', 'sent-credit');

-- Money movements waiting for a NACHA file (the ACH rail picks them up at each cutoff).
CREATE TABLE ach_entries (
    entry_id        TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    bank_account_id TEXT NOT NULL REFERENCES bank_accounts (bank_account_id),
    verification_id TEXT NOT NULL REFERENCES verifications (verification_id),
    purpose         TEXT NOT NULL,
    amount_cents    BIGINT NOT NULL CHECK (amount_cents >= 0),
    is_credit       BOOLEAN NOT NULL,
    addenda         TEXT,
    due_at          BIGINT NOT NULL,
    status          TEXT NOT NULL,
    created_on      BIGINT NOT NULL
);
CREATE INDEX ach_entries_due ON ach_entries (status, due_at);
CREATE INDEX ach_entries_by_verification ON ach_entries (verification_id);

-- Credits for the instant rail; credit_id is the end-to-end ID the rail de-duplicates on.
CREATE TABLE instant_credits (
    credit_id       TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    bank_account_id TEXT NOT NULL REFERENCES bank_accounts (bank_account_id),
    verification_id TEXT NOT NULL REFERENCES verifications (verification_id),
    amount_cents    BIGINT NOT NULL CHECK (amount_cents > 0),
    remittance      TEXT NOT NULL,
    status          TEXT NOT NULL,
    reason_code     TEXT,
    created_on      BIGINT NOT NULL,
    updated_on      BIGINT NOT NULL
);
CREATE INDEX instant_credits_open ON instant_credits (status, updated_on);

-- The webhook outbox: written in the same transaction as the change it describes.
CREATE TABLE events (
    seq        {{serial_key}},
    event_id   TEXT NOT NULL UNIQUE,
    tenant_id  TEXT NOT NULL,
    event_type TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_on BIGINT NOT NULL
);
CREATE INDEX events_by_tenant ON events (tenant_id, seq);

-- The simulated bank network's statements, keyed by account fingerprint (never the number).
CREATE TABLE simulator_transactions (
    seq            {{serial_key}},
    reference      TEXT NOT NULL UNIQUE,
    fingerprint    TEXT NOT NULL,
    routing_number TEXT NOT NULL,
    last_four      TEXT NOT NULL,
    posted_on      BIGINT NOT NULL,
    amount_cents   BIGINT NOT NULL,
    is_credit      BOOLEAN NOT NULL,
    rail           TEXT NOT NULL,
    company_name   TEXT NOT NULL,
    description    TEXT NOT NULL,
    statement_text TEXT NOT NULL
);
CREATE INDEX simulator_transactions_by_account ON simulator_transactions (fingerprint, seq);
