//! Feeds arbitrary bytes (as lossy UTF-8) to the whole-file reader and to the streaming
//! reader and checks that they agree: same error, or the same file. A file that reads must
//! also write back to text that reads to the same file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nacha::{read_str, File, Reader};

fn stream(text: &str) -> Result<File, nacha::ReadError> {
    let mut reader = Reader::new(text.as_bytes());
    let mut batches = Vec::new();
    while let Some(batch) = reader.next_batch()? {
        batches.push(batch);
    }
    match (reader.file_header(), reader.file_control()) {
        (Some(header), Some(control)) => Ok(File {
            header: header.clone(),
            batches,
            control: control.clone(),
        }),
        _ => panic!("streaming reader finished without a file header and control"),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let full = read_str(&text);
    let streamed = stream(&text);
    assert_eq!(full, streamed, "read_str and Reader disagree");
    if let Ok(file) = full {
        let written = file.to_string();
        assert_eq!(
            read_str(&written).as_ref(),
            Ok(&file),
            "write/read round trip"
        );
        let _ = file.validate();
        let _ = nacha::summary(&file);
    }
});
