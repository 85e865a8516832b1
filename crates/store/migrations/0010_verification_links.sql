-- Verification links (the holder page, docs/pages.md). The token itself is never stored:
-- token_hash is its SHA-256 (hex), looked up by equality. bank_account_id is NULL for a
-- collect link until the holder has entered their bank account.
CREATE TABLE verification_links (
    link_id         TEXT PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    tenant_id       TEXT NOT NULL,
    mode            TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    bank_account_id TEXT,
    kind            TEXT NOT NULL,
    created_on      BIGINT NOT NULL,
    expires_on      BIGINT NOT NULL,
    revoked_on      BIGINT
);
CREATE INDEX verification_links_by_account ON verification_links (tenant_id, account_id);

-- How a tenant's holder page looks: its display name, an https logo, a brand colour
-- (#rrggbb) and a support contact.
CREATE TABLE tenant_branding (
    tenant_id       TEXT PRIMARY KEY,
    company_name    TEXT NOT NULL,
    logo_url        TEXT,
    brand_color     TEXT,
    support_contact TEXT,
    updated_on      BIGINT NOT NULL
);

-- The console finds bank accounts by their last four digits (fingerprints have their index).
CREATE INDEX bank_accounts_by_last_four ON bank_accounts (last_four, created_on);
