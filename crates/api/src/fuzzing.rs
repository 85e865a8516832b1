//! The IO-free entry point for the fuzz targets in `fuzz/` (`moov_bodies`, `finicity_bodies`,
//! `mx_bodies`; docs/fuzzing.md): every request body a dialect reads, decoded by exactly the
//! functions its handlers call, from the raw bytes up to what the engine takes. Nothing here
//! touches the database, the principal or the path.

use axum::body::Bytes;
use axum::http::StatusCode;

use crate::dialects::{finicity, moov, mx};

/// Which dialect's bodies to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Moov,
    Finicity,
    Mx,
}

fn names(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Moov => moov::bodies::OPERATIONS,
        Dialect::Finicity => finicity::BODY_OPERATIONS,
        Dialect::Mx => mx::BODY_OPERATIONS,
    }
}

/// How many body-taking operations `dialect` has (operation indexes are `0..count`).
pub fn operations(dialect: Dialect) -> u8 {
    u8::try_from(names(dialect).len()).unwrap_or(u8::MAX)
}

fn index(dialect: Dialect, op: u8) -> usize {
    usize::from(op) % names(dialect).len()
}

/// The name of operation `op` (taken modulo [`operations`]), for failure messages.
pub fn operation_name(dialect: Dialect, op: u8) -> &'static str {
    names(dialect)[index(dialect, op)]
}

/// Decodes `body` as operation `op`'s request body (`op` modulo [`operations`]). `Ok` when the
/// decoder accepts it; otherwise the HTTP status the handler answers.
pub fn decode(dialect: Dialect, op: u8, body: &[u8]) -> Result<(), StatusCode> {
    let body = Bytes::copy_from_slice(body);
    let op = index(dialect, op);
    match dialect {
        Dialect::Moov => moov::bodies::decode_body(op, &body),
        Dialect::Finicity => finicity::decode_body(op, &body),
        Dialect::Mx => mx::decode_body(op, &body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Dialect; 3] = [Dialect::Moov, Dialect::Finicity, Dialect::Mx];

    /// One accepted body per operation, in order (from the docs' and tests' examples).
    fn accepted(dialect: Dialect) -> Vec<&'static str> {
        match dialect {
            Dialect::Moov => vec![
                r#"{"accountType":"individual","profile":{"individual":{"name":{"firstName":"Jules","lastName":"Doe"},"email":"jules@example.com"}}}"#,
                r#"{"foreignID":"customer-7"}"#,
                r#"{"account":{"holderName":"Jules Doe","holderType":"individual","accountNumber":"12345678","bankAccountType":"checking","routingNumber":"231380104"}}"#,
                r#"{"amounts":[18,21]}"#,
                r#"{"code":"MV1234"}"#,
                r#"{"url":"https://hooks.example.com/p","status":"enabled","eventTypes":["*"]}"#,
                r#"{"since":"2026-12-01T00:00:00Z"}"#,
                r#"{"expiresOn":"2026-12-09T15:00:00Z"}"#,
                r#"{"companyName":"Acme"}"#,
                r#"{"reason":"holder called"}"#,
                r#"{"settings":{},"reason":"pilot"}"#,
                r#"{"routingNumber":"231380104","reason":"fraud ring"}"#,
                r#"{"grant_type":"client_credentials","scope":"/accounts.read"}"#,
                "grant_type=client_credentials&scope=%2Faccounts.read",
            ],
            Dialect::Finicity => vec![
                r#"{"partnerId":"pdpk_x","partnerSecret":"pdsk_y"}"#,
                r#"{"receiver":{"routingNumber":"011000138","accountNumber":"5111111111","accountType":"personalChecking","name":"Bob Smith"}}"#,
                r#"{"amounts":[0.12,0.15]}"#,
            ],
            Dialect::Mx => vec![
                r#"{"user":{"email":"jane@example.com"}}"#,
                r#"{"micro_deposit":{"account_number":"0004321567000","account_type":"CHECKING","routing_number":"021000021","email":"jane@example.com","first_name":"Jane","last_name":"Doe"}}"#,
                r#"{"micro_deposit":{"deposit_amount_1":0.12,"deposit_amount_2":"0.15"}}"#,
                r#"{"micro_deposit":{"account_number":"0004321567000","account_type_name":"CHECKING","routing_number":"021000021","email":"jane@example.com","first_name":"Jane","last_name":"Doe"}}"#,
                r#"{"micro_deposit":{"deposit_amount_1":"0.12","deposit_amount_2":"0.15"}}"#,
            ],
        }
    }

    #[test]
    fn every_operation_accepts_its_example() {
        for dialect in ALL {
            let examples = accepted(dialect);
            assert_eq!(
                examples.len(),
                usize::from(operations(dialect)),
                "{dialect:?}"
            );
            for (op, body) in (0..).zip(examples) {
                assert_eq!(
                    decode(dialect, op, body.as_bytes()),
                    Ok(()),
                    "{dialect:?} {}: {body}",
                    operation_name(dialect, op)
                );
            }
        }
    }

    #[test]
    fn garbage_is_a_client_error_for_every_operation() {
        for dialect in ALL {
            for op in 0..operations(dialect) {
                for body in ["{", "[]", "\"x\"", "{\"amounts\":[1e400]}", "\u{0}"] {
                    if let Err(status) = decode(dialect, op, body.as_bytes()) {
                        assert!(
                            status.is_client_error(),
                            "{dialect:?} {} answered {status} to {body:?}",
                            operation_name(dialect, op)
                        );
                    }
                }
                // A form body has no syntax to break: unknown pairs are ignored.
                if !operation_name(dialect, op).ends_with("(form)") {
                    let refused = decode(dialect, op, b"{");
                    assert!(refused.is_err(), "{dialect:?} {op}: half an object");
                }
            }
        }
    }
}
