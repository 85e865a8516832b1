-- Idempotency keys (see pennydrop_engine::idempotency): per tenant and mode, the request a key
-- was first used for, its reservation (owner and lease) and, once answered, the answer sealed
-- with the vault (an answer may carry a token). Kept 24 hours.
CREATE TABLE idempotency_keys (
    tenant_id    TEXT NOT NULL,
    mode         TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    body_sha256  TEXT NOT NULL,
    state        TEXT NOT NULL,
    owner        TEXT NOT NULL,
    locked_until BIGINT NOT NULL,
    expires_on   BIGINT NOT NULL,
    response     TEXT,
    PRIMARY KEY (tenant_id, mode, idem_key)
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_on);
