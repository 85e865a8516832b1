//! Every Moov-dialect request body's decoder, by operation, for `crate::fuzzing`: the same
//! functions the handlers call, from the raw bytes to what the engine takes.

use super::error::ApiError;
use super::{
    account_updates, accounts, bank_accounts, links, oauth, risk, unlock, verification, webhooks,
};
use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};

/// The operations, by index.
pub(crate) const OPERATIONS: &[&str] = &[
    "POST /accounts",
    "PATCH /accounts/{accountID}",
    "POST /accounts/{accountID}/bank-accounts",
    "PUT .../micro-deposits",
    "PUT .../verify",
    "POST /webhooks, PUT /webhooks/{webhookID}",
    "POST /webhooks/{webhookID}/replay",
    "POST .../verification-links",
    "PUT /branding",
    "POST /admin/bank-accounts/{bankAccountID}/unlock",
    "PUT /admin/risk/tenants/{tenantID}/settings",
    "POST /admin/risk/blocklist",
    "POST /oauth2/token (JSON)",
    "POST /oauth2/token (form)",
];

fn token_request(body: &Bytes, content_type: &'static str) -> Result<(), ApiError> {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    oauth::parse_request(&headers, body).map(drop)
}

fn decode(op: usize, body: &Bytes) -> Result<(), ApiError> {
    match op {
        0 => accounts::decode_create(body).map(drop),
        1 => account_updates::decode_update(body).map(drop),
        2 => bank_accounts::parse_link_body(body).map(drop),
        3 => verification::parse_amounts(body).map(drop),
        4 => verification::parse_instant_code(body).map(drop),
        5 => webhooks::settings(body).map(drop),
        6 => webhooks::replay_request(body).map(drop),
        7 => links::optional_body(body)
            .and_then(|l| links::expiry(&l))
            .map(drop),
        8 => links::decode_branding(body).map(drop),
        9 => unlock::unlock_reason(body).map(drop),
        10 => risk::decode_settings(body).map(drop),
        11 => risk::decode_block(body).map(drop),
        12 => token_request(body, "application/json"),
        _ => token_request(body, "application/x-www-form-urlencoded"),
    }
}

/// Decodes `body` as operation `op`; a refusal is the status the handler answers.
pub(crate) fn decode_body(op: usize, body: &Bytes) -> Result<(), StatusCode> {
    decode(op, body).map_err(|e| e.status())
}
