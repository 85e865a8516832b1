//! Feeds arbitrary bytes (when they are UTF-8) to the ISO 20022 reader: it must not panic,
//! and a message that reads must write back to XML that reads to the same message.
#![no_main]

use iso20022::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(message) = Message::from_xml(text) {
        let written = message.to_xml();
        assert_eq!(
            Message::from_xml(&written).as_ref(),
            Ok(&message),
            "write/read round trip"
        );
    }
});
