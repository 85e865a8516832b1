//! Every Finicity request body's decoder, by operation, for `crate::fuzzing`: the same
//! functions the handlers call, from the raw bytes to what the engine takes. New operations go
//! at the end (the fuzz corpora's first byte is the index).

use super::error::FinicityError;
use super::wire;
use crate::fuzzing::{status, BodyOperation};
use axum::body::Bytes;
use axum::http::StatusCode;

fn answer<T>(decoded: Result<T, FinicityError>) -> Result<(), StatusCode> {
    status(decoded, |e| e.http)
}

/// The operations, by index.
pub(crate) const BODY_OPERATIONS: &[BodyOperation] = &[
    BodyOperation {
        name: "POST /aggregation/v2/partners/authentication",
        handlers: &["mod.rs::authenticate"],
        decode: |b| answer(wire::decode_authentication(b)),
    },
    BodyOperation {
        name: "POST /microentry/v1/customers/{customerId}",
        handlers: &["mod.rs::initiate"],
        decode: |b| answer(wire::decode_initiation(b)),
    },
    BodyOperation {
        name: "POST /microentry/v1/customers/{customerId}/accounts/{accountId}/amounts",
        handlers: &["mod.rs::verify"],
        decode: |b| answer(wire::decode_amounts(b)),
    },
];

/// Decodes `body` as operation `op` (modulo the count); a refusal is the status the handler
/// answers.
pub(crate) fn decode_body(op: u8, body: &Bytes) -> Result<(), StatusCode> {
    crate::fuzzing::run(BODY_OPERATIONS, op, body)
}
