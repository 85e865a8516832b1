-- Tenants (facilitator accounts) and the accounts they create.
CREATE TABLE accounts (
    account_id   TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    mode         TEXT NOT NULL,
    account_type TEXT NOT NULL,
    display_name TEXT NOT NULL,
    profile      TEXT NOT NULL,
    metadata     TEXT NOT NULL,
    foreign_id   TEXT,
    created_on   BIGINT NOT NULL,
    updated_on   BIGINT NOT NULL
);
CREATE INDEX accounts_by_tenant ON accounts (tenant_id, created_on, account_id);

-- API key pairs: only a hash of the secret is kept.
CREATE TABLE api_keys (
    public_key  TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    name        TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts (account_id),
    mode        TEXT NOT NULL,
    created_on  BIGINT NOT NULL,
    revoked_on  BIGINT
);

-- OAuth2 access tokens: hash, scopes (space-separated) and expiry.
CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    public_key TEXT NOT NULL REFERENCES api_keys (public_key),
    scopes     TEXT NOT NULL,
    created_on BIGINT NOT NULL,
    expires_on BIGINT NOT NULL
);

-- Linked bank accounts; the account number exists only as AES-256-GCM ciphertext.
CREATE TABLE bank_accounts (
    bank_account_id           TEXT PRIMARY KEY,
    account_id                TEXT NOT NULL REFERENCES accounts (account_id),
    tenant_id                 TEXT NOT NULL,
    fingerprint               TEXT NOT NULL,
    status                    TEXT NOT NULL,
    status_reason             TEXT NOT NULL,
    exception_details         TEXT,
    holder_name               TEXT NOT NULL,
    holder_type               TEXT NOT NULL,
    bank_name                 TEXT NOT NULL,
    bank_account_type         TEXT NOT NULL,
    routing_number            TEXT NOT NULL,
    last_four                 TEXT NOT NULL,
    account_number_key_id     TEXT NOT NULL,
    account_number_ciphertext {{bytes}} NOT NULL,
    created_on                BIGINT NOT NULL,
    updated_on                BIGINT NOT NULL,
    disabled_on               BIGINT
);
CREATE UNIQUE INDEX bank_accounts_one_active_per_fingerprint
    ON bank_accounts (account_id, fingerprint) WHERE disabled_on IS NULL;
CREATE INDEX bank_accounts_by_account ON bank_accounts (account_id, created_on);
