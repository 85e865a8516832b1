-- Risk controls (docs/risk.md).

-- Every decision a risk rule made that is worth keeping: each refusal, each flag, each warning
-- near a limit, each pause. inputs is JSON: the figures the rule saw and the limit it applied.
CREATE TABLE risk_decisions (
    seq             {{serial_key}},
    decision_id     TEXT NOT NULL UNIQUE,
    tenant_id       TEXT NOT NULL,
    bank_account_id TEXT,
    rule            TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    inputs          TEXT NOT NULL,
    decided_on      BIGINT NOT NULL
);
CREATE INDEX risk_decisions_by_tenant ON risk_decisions (tenant_id, seq);
CREATE INDEX risk_decisions_by_time ON risk_decisions (decided_on);

-- Routing numbers and bank-account fingerprints no tenant may verify.
CREATE TABLE risk_blocklist (
    kind     TEXT NOT NULL,
    value    TEXT NOT NULL,
    reason   TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_on BIGINT NOT NULL,
    PRIMARY KEY (kind, value)
);

-- Per tenant: settings that override the deployment's (JSON), and the pause of its new
-- origination (set by the return-rate rule or an operator, cleared by an operator).
CREATE TABLE risk_tenants (
    tenant_id   TEXT PRIMARY KEY,
    settings    TEXT NOT NULL,
    paused_on   BIGINT,
    paused_rule TEXT,
    updated_on  BIGINT NOT NULL
);

-- What operators (and the system) did to risk controls, in order: who, what, why.
-- actor is the operator's API key ID, or 'system' for an automatic pause.
CREATE TABLE risk_audit (
    seq       {{serial_key}},
    audit_id  TEXT NOT NULL UNIQUE,
    action    TEXT NOT NULL,
    tenant_id TEXT,
    subject   TEXT NOT NULL,
    actor     TEXT NOT NULL,
    reason    TEXT NOT NULL,
    details   TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX risk_audit_by_time ON risk_audit (at);

-- An operator's unlock starts the count of a bank account's rounds afresh.
ALTER TABLE bank_accounts ADD COLUMN unlocked_on BIGINT;

-- The rules' counts: verifications per tenant by time, bank accounts by fingerprint across
-- tenants, returns per tenant by time.
CREATE INDEX verifications_by_tenant ON verifications (tenant_id, created_on);
CREATE INDEX bank_accounts_by_fingerprint ON bank_accounts (fingerprint, created_on);
CREATE INDEX ach_entries_returned ON ach_entries (tenant_id, returned_on);
