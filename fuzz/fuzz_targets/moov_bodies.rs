//! Feeds arbitrary bytes to the Moov dialect's request-body decoders
//! (`pennydrop_api::fuzzing`, the same functions the handlers call): the first byte picks the
//! operation, the rest is its body. A decoder must not panic, and a body it refuses must be
//! answered with a 4xx status, never a 5xx.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pennydrop_api::fuzzing::{decode, operation_name, Dialect};

const DIALECT: Dialect = Dialect::Moov;

fuzz_target!(|data: &[u8]| {
    let Some((&op, body)) = data.split_first() else {
        return;
    };
    if let Err(status) = decode(DIALECT, op, body) {
        assert!(
            status.is_client_error(),
            "{} answered {status} to a body it could not read",
            operation_name(DIALECT, op)
        );
    }
});
