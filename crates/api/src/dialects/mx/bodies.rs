//! Every MX request body's decoder (Platform and Nexus), by operation, for `crate::fuzzing`:
//! the same functions the handlers call, from the raw bytes to what the engine takes. New
//! operations go at the end (the fuzz corpora's first byte is the index).

use super::error::MxError;
use super::{link_request, nexus, platform};
use crate::fuzzing::{context, status, BodyOperation};
use axum::body::Bytes;
use axum::http::StatusCode;

fn answer<T>(decoded: Result<T, MxError>) -> Result<(), StatusCode> {
    status(decoded, |e| e.http)
}

/// `nexus_create`: the body, then (when it starts a micro-deposit) its link request as
/// `nexus_start` makes it, here for an email whose account this request opens (no stored
/// names to fall back on).
fn nexus_create(body: &Bytes) -> Result<(), StatusCode> {
    answer(nexus::decode_nexus_create(body).and_then(|(request, _)| {
        if request.has_account_details() {
            link_request(&request, None).map(drop)
        } else {
            Ok(())
        }
    }))
}

/// `nexus_put`: the fields, then what the handler checks of them for a started micro-deposit
/// (amounts) or a pre-initiated one (account details, the record's names to fall back on).
fn nexus_put(body: &Bytes) -> Result<(), StatusCode> {
    answer(nexus::decode_nexus_put(body).and_then(|fields| {
        if fields.has_amounts() {
            fields.amounts().map(drop)
        } else {
            let request = fields.request()?;
            link_request(&request, Some(context::FALLBACK_HOLDER.into())).map(drop)
        }
    }))
}

/// The operations, by index.
pub(crate) const BODY_OPERATIONS: &[BodyOperation] = &[
    BodyOperation {
        name: "POST /users",
        handlers: &["platform.rs::create_user"],
        decode: |b| answer(platform::decode_user(b)),
    },
    BodyOperation {
        name: "POST /users/{user_guid}/micro_deposits",
        handlers: &["platform.rs::platform_create"],
        decode: |b| {
            answer(platform::decode_platform_create(
                b,
                context::FALLBACK_HOLDER,
            ))
        },
    },
    BodyOperation {
        name: "PUT /micro_deposits/{guid}/verify",
        handlers: &["platform.rs::platform_verify"],
        decode: |b| answer(platform::decode_verify(b)),
    },
    BodyOperation {
        name: "POST /micro_deposits (Nexus)",
        handlers: &["nexus.rs::nexus_create"],
        decode: nexus_create,
    },
    BodyOperation {
        name: "PUT /micro_deposits/{guid} (Nexus)",
        handlers: &["nexus.rs::nexus_put"],
        decode: nexus_put,
    },
];

/// Decodes `body` as operation `op` (modulo the count); a refusal is the status the handler
/// answers.
pub(crate) fn decode_body(op: u8, body: &Bytes) -> Result<(), StatusCode> {
    crate::fuzzing::run(BODY_OPERATIONS, op, body)
}
