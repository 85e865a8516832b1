//! Every Moov-dialect request body's decoder, by operation, for `crate::fuzzing`: the same
//! functions the handlers call, from the raw bytes to what the engine takes. New operations go
//! at the end (the fuzz corpora's first byte is the index).

use super::error::ApiError;
use super::{
    account_updates, accounts, bank_accounts, links, oauth, risk, unlock, verification, webhooks,
};
use crate::fuzzing::{status, BodyOperation};
use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};

fn answer<T>(decoded: Result<T, ApiError>) -> Result<(), StatusCode> {
    status(decoded, ApiError::status)
}

/// A token request as `create_token` decodes it with this `Content-Type` and no
/// `Authorization` header: the client's credentials come from the body.
fn token_request(body: &Bytes, content_type: &'static str) -> Result<(), StatusCode> {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    answer(oauth::decode_token_request(&headers, body))
}

/// The operations, by index.
pub(crate) const BODY_OPERATIONS: &[BodyOperation] = &[
    BodyOperation {
        name: "POST /accounts",
        handlers: &["accounts.rs::create"],
        decode: |b| answer(accounts::decode_create(b)),
    },
    BodyOperation {
        name: "PATCH /accounts/{accountID}",
        handlers: &["account_updates.rs::update"],
        decode: |b| answer(account_updates::decode_update(b)),
    },
    BodyOperation {
        name: "POST /accounts/{accountID}/bank-accounts",
        handlers: &["bank_accounts.rs::link"],
        decode: |b| answer(bank_accounts::decode_link(b)),
    },
    BodyOperation {
        name: "PUT .../micro-deposits",
        handlers: &["verification.rs::complete_micro_deposits"],
        decode: |b| answer(verification::decode_amounts(b)),
    },
    BodyOperation {
        name: "PUT .../verify",
        handlers: &["verification.rs::complete_instant"],
        decode: |b| answer(verification::decode_instant_code(b)),
    },
    BodyOperation {
        name: "POST /webhooks, PUT /webhooks/{webhookID}",
        handlers: &["webhooks.rs::create", "webhooks.rs::update"],
        decode: |b| answer(webhooks::decode_webhook(b)),
    },
    BodyOperation {
        name: "POST /webhooks/{webhookID}/replay",
        handlers: &["webhooks.rs::replay"],
        decode: |b| answer(webhooks::decode_replay(b)),
    },
    BodyOperation {
        name: "POST /accounts/{accountID}/bank-accounts/{bankAccountID}/verification-links",
        handlers: &["links.rs::create"],
        decode: |b| answer(links::decode_link(b)),
    },
    BodyOperation {
        name: "PUT /branding",
        handlers: &["links.rs::put_branding"],
        decode: |b| answer(links::decode_branding(b)),
    },
    BodyOperation {
        name: "POST /admin/bank-accounts/{bankAccountID}/unlock",
        handlers: &["unlock.rs::unlock"],
        decode: |b| answer(unlock::decode_unlock(b)),
    },
    BodyOperation {
        name: "PUT /admin/risk/tenants/{tenantID}/settings",
        handlers: &["risk.rs::put_settings"],
        decode: |b| answer(risk::decode_settings(b)),
    },
    BodyOperation {
        name: "POST /admin/risk/blocklist",
        handlers: &["risk.rs::add_block"],
        decode: |b| answer(risk::decode_block(b)),
    },
    BodyOperation {
        name: "POST /oauth2/token (JSON)",
        handlers: &["oauth.rs::create_token"],
        decode: |b| token_request(b, "application/json"),
    },
    BodyOperation {
        name: "POST /oauth2/token (form)",
        handlers: &["oauth.rs::create_token"],
        decode: |b| token_request(b, "application/x-www-form-urlencoded"),
    },
    BodyOperation {
        name: "POST /accounts/{accountID}/verification-links",
        handlers: &["links.rs::create_collect"],
        decode: |b| answer(links::decode_collect_link(b)),
    },
    BodyOperation {
        name: "POST /admin/risk/tenants/{tenantID}/pause",
        handlers: &["risk.rs::pause"],
        decode: |b| answer(risk::decode_pause(b)),
    },
    BodyOperation {
        name: "POST /admin/risk/tenants/{tenantID}/resume",
        handlers: &["risk.rs::resume"],
        decode: |b| answer(risk::decode_resume(b)),
    },
];

/// Decodes `body` as operation `op` (modulo the count); a refusal is the status the handler
/// answers.
pub(crate) fn decode_body(op: u8, body: &Bytes) -> Result<(), StatusCode> {
    crate::fuzzing::run(BODY_OPERATIONS, op, body)
}
