//! Feeds arbitrary text to the RTP/FedNow participant directory reader
//! (`--rtp-participants`, `--fednow-participants`): it must not panic, a directory that reads
//! is never empty, and it reaches the routing number of every participant line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pennydrop_core::participants::ParticipantDirectory;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(directory) = ParticipantDirectory::parse(text) else {
        return;
    };
    assert!(!directory.is_empty(), "an empty directory was accepted");
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with("routing_number") {
            continue;
        }
        let routing = line.split(',').next().unwrap_or_default().trim();
        assert!(
            directory.contains(routing),
            "participant {routing:?} is missing from the directory it built"
        );
    }
});
