//! Feeds arbitrary text to the FedACH directory reader (`--fedach-directory FILE`): it must not
//! panic, and a directory that reads is never empty and answers for the routing number of
//! every line in it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pennydrop_core::directory::Directory;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(directory) = Directory::parse(text) else {
        return;
    };
    assert!(!directory.is_empty(), "an empty directory was accepted");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let routing = line[..9].trim();
        assert!(
            directory.lookup(routing).is_some(),
            "a line's routing number {routing:?} is not found in the directory it built"
        );
    }
});
