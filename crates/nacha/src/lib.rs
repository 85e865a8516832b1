//! NACHA (ACH) files: typed records, a file model, a builder that computes the control records,
//! strict whole-file and streaming readers, validation and summaries. Pure: no I/O besides the
//! [`std::io::BufRead`] the streaming [`Reader`] is given.
//!
//! * Records: [`FileHeader`] (1), [`BatchHeader`] (5), [`EntryDetail`] (6), [`Addenda05`],
//!   [`Addenda98`] (NOC), [`Addenda99`] (return) (7), [`BatchControl`] (8), [`FileControl`] (9).
//!   Each has `parse(&str)`, `to_line()` (always 94 characters), `Display` and `validate()`.
//!   Amounts are `u64` cents, dates [`jiff::civil::Date`], routing and trace numbers strings of
//!   digits. Alphanumeric fields lose their trailing blanks on parse (leading blanks are data and
//!   kept, so `to_line(parse(line)) == line`); the builder trims and upper-cases its inputs.
//! * Model: [`File`] → [`Batch`] → [`Entry`] → [`Addenda`]; `file.to_string()` writes it with
//!   `\n` line endings, a final newline, padded with all-9 records to a multiple of ten.
//! * [`FileBuilder`]: numbering, service classes, trace numbers, counts, hashes, totals, blocks.
//! * [`read_str`] / [`Reader`]: strict reading with line-numbered [`ReadError`]s.
//! * [`File::validate`]: every rule, including SEC code rules and unique trace numbers;
//!   [`check_entry`] / [`entry_errors`]: the rules about one entry alone, to leave out an entry
//!   that would fail before a file is built.
//! * [`summary`]: a serde-serialisable overview.
//!
//! # Strictness on input
//!
//! The readers reject anything that is not a well-formed file, naming the line and field: lines
//! that are not 94 characters, non-ASCII text, unknown record types and codes, records out of
//! order, wrong check digits, control records that do not add up, missing or excess padding.
//! Two tolerances, both configurable in [`ReadOptions`]: `\r\n` line endings are always
//! accepted, and by default a short line that evidently lost its trailing blanks in transit (it
//! does not end in a blank) is read as if padded. SEC codes other than PPD, CCD, WEB and COR
//! (e.g. IAT) are rejected. The immediate origin is free text (banks assign it), so
//! `" 000TESTER"` is accepted. Files this crate writes always pass the strict options.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod across;
mod builder;
mod codes;
mod field;
mod model;
mod reader;
mod records;
mod routing;
mod summary;
mod validate;

pub use builder::{check_entry, BatchParams, BuildError, FileBuilder, FileHeaderParams};
pub use codes::{AccountType, SecCode, ServiceClass, TransactionCode};
pub use field::{FieldError, RECORD_LEN};
pub use model::{Batch, Entry, File, Totals, BLOCKING_FACTOR, PADDING_LINE};
pub use reader::{read_str, read_str_with, Event, ReadError, ReadErrorKind, ReadOptions, Reader};
pub use records::{
    Addenda, Addenda05, Addenda98, Addenda99, BatchControl, BatchHeader, EntryDetail, FileControl,
    FileHeader, MAX_AMOUNT_CENTS,
};
pub use routing::{check_digit, valid_prefix, validate_routing};
pub use summary::{summary, BatchSummary, Summary};
pub use validate::{entry_errors, Rule, ValidationError, ValidationErrors, Validator};
