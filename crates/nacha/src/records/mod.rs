//! One type per record, each with `parse(&str)`, `to_line()` (94 characters), `Display` and
//! `validate()`.

pub(crate) mod addenda;
pub(crate) mod batch_header;
pub(crate) mod control;
pub(crate) mod entry_detail;
pub(crate) mod file_header;

pub use addenda::{Addenda, Addenda05, Addenda98, Addenda99};
pub use batch_header::BatchHeader;
pub use control::{BatchControl, FileControl};
pub use entry_detail::{EntryDetail, MAX_AMOUNT_CENTS};
pub use file_header::FileHeader;

use crate::field::Field;

/// The layout for naming positions of a line, chosen by its record type (and addenda type).
pub(crate) fn layout_for(line: &str) -> Option<&'static [Field]> {
    match line.as_bytes().first() {
        Some(b'1') => Some(file_header::LAYOUT),
        Some(b'5') => Some(batch_header::LAYOUT),
        Some(b'6') => Some(entry_detail::LAYOUT),
        Some(b'7') => Some(addenda::layout_for(line)),
        Some(b'8') => Some(control::batch::LAYOUT),
        Some(b'9') => Some(control::file::LAYOUT),
        _ => None,
    }
}
