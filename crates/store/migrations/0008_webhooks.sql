-- Webhook endpoints per tenant. event_types is space-delimited with a space at each end
-- (' bankAccount.created bankAccount.updated '), ' ' for every type, so a LIKE finds a type;
-- secret is the signing secret sealed with the vault; after a rotation the previous one stays
-- valid (signatures carry both) until previous_secret_until.
CREATE TABLE webhooks (
    webhook_id      TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL,
    status          TEXT NOT NULL,
    event_types     TEXT NOT NULL,
    secret          TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until BIGINT,
    disabled_reason TEXT,
    created_on      BIGINT NOT NULL,
    updated_on      BIGINT NOT NULL,
    deleted_on      BIGINT
);
CREATE INDEX webhooks_by_tenant ON webhooks (tenant_id, created_on);

-- One event on its way to one webhook, queued in the transaction that wrote the event.
-- A worker leases due rows (lease_owner, lease_until) while it sends them.
CREATE TABLE webhook_deliveries (
    webhook_id       TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    tenant_id        TEXT NOT NULL,
    event_seq        BIGINT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    lease_owner      TEXT,
    lease_until      BIGINT,
    last_status_code BIGINT,
    last_error       TEXT,
    delivered_on     BIGINT,
    created_on       BIGINT NOT NULL,
    PRIMARY KEY (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, event_seq);
