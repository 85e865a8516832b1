//! The Moov dialect's request bodies (see `pennydrop_fuzz::check_bodies`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pennydrop_api::fuzzing::Dialect;

fuzz_target!(|data: &[u8]| pennydrop_fuzz::check_bodies(Dialect::Moov, data));
