//! What the three body targets share (`moov_bodies`, `finicity_bodies`, `mx_bodies`): the first
//! byte picks the operation, the rest is its body, decoded by `pennydrop_api::fuzzing` (the
//! functions the handlers call). A decoder must not panic, and a body it refuses must be
//! answered with a 4xx status, never a 5xx.

use pennydrop_api::fuzzing::{decode, operation_name, Dialect};

pub fn check_bodies(dialect: Dialect, data: &[u8]) {
    let Some((&op, body)) = data.split_first() else {
        return;
    };
    if let Err(status) = decode(dialect, op, body) {
        assert!(
            status.is_client_error(),
            "{dialect:?} {} answered {status} to a body it could not read",
            operation_name(dialect, op)
        );
    }
}
