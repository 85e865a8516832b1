//! Strict readers: [`read_str`] for a whole file in memory and [`Reader`] for streaming from any
//! [`BufRead`]. Both run the same line-by-line state machine, so they accept and reject exactly
//! the same inputs with the same errors.
//!
//! What the readers check, in file order, stopping at the first problem:
//! * every line is ASCII and 94 characters (`\r\n` endings are accepted; see [`ReadOptions`] for
//!   lines whose trailing blanks were stripped);
//! * record order: file header, batches of (batch header, entries with addenda, batch control),
//!   file control, then only all-9 padding lines (and blank lines at the very end);
//! * every field of every record (see each record's `parse`), including RDFI and immediate
//!   destination check digits and known transaction codes, SEC codes and service classes;
//! * service class against each entry's direction; addenda indicator against the addenda present;
//! * batch numbers ascending; batch control against its header (service class, company
//!   identification, ODFI, batch number) and against its entries (count, hash, totals);
//! * file control against the batches (batch count, count, hash, totals) and the block count
//!   against the records, and the padding to a multiple of ten lines.
//!
//! Semantic rules that do not affect reading a file (SEC code rules, duplicate trace numbers,
//! micro-entry rules) are left to [`File::validate`](crate::File::validate).

use std::collections::VecDeque;
use std::io::BufRead;

use crate::codes::ServiceClass;
use crate::field::{self, FieldError, RECORD_LEN};
use crate::model::{Batch, Entry, File, Totals, BLOCKING_FACTOR, HASH_MODULUS, PADDING_LINE};
use crate::records::{
    self, Addenda, BatchControl, BatchHeader, EntryDetail, FileControl, FileHeader,
};

/// What went wrong, for callers that want to branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadErrorKind {
    /// No records at all.
    Empty,
    /// A line is not 94 characters.
    LineLength,
    /// A line contains a non-ASCII character.
    NonAscii,
    /// The first character is not 1, 5, 6, 7, 8 or 9.
    UnknownRecordType,
    /// A record where another was expected (e.g. an entry before a batch header).
    OutOfOrder,
    /// A field is malformed.
    InvalidField,
    /// A routing number's check digit is wrong.
    CheckDigit,
    /// A transaction code that is not in the code list.
    UnknownTransactionCode,
    /// An entry's direction is not allowed by its batch's service class.
    ServiceClass,
    /// Addenda records do not agree with the entry's addenda indicator.
    AddendaIndicator,
    /// Batch numbers are not ascending, or a control's batch number differs from its header's.
    BatchNumber,
    /// A control record's count, hash, total or copied field does not match.
    ControlMismatch,
    /// The batch control of the last batch is missing.
    MissingBatchControl,
    /// The file control is missing.
    MissingFileControl,
    /// The block count does not match the records, or the padding is wrong.
    BlockCount,
    /// The input could not be read.
    Io,
}

/// A reading error with the 1-based line it was found on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {}{reason}", field.map(|f| format!("{f}: ")).unwrap_or_default())]
pub struct ReadError {
    /// 1-based line number.
    pub line: usize,
    /// The field at fault, if one is.
    pub field: Option<&'static str>,
    /// What is wrong.
    pub reason: String,
    /// Category of the error.
    pub kind: ReadErrorKind,
}

impl ReadError {
    fn new(line: usize, kind: ReadErrorKind, field: Option<&'static str>, reason: String) -> Self {
        ReadError {
            line,
            field,
            reason,
            kind,
        }
    }
}

/// How lenient the readers are about transport damage. The default is strict except for one
/// common artefact: trailing blanks stripped from records (by editors, mail or FTP in text mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Accept a line shorter than 94 characters when it does not end in a blank (so its
    /// trailing blanks were evidently stripped): it is read as if padded with blanks, and any
    /// field that then turns out blank but required is reported as a line-length error.
    /// Lines longer than 94, and short lines that still end in a blank, are always rejected.
    /// Default `true`.
    pub allow_stripped_trailing_blanks: bool,
    /// Accept a file whose record count is not padded with all-9 lines to a multiple of ten.
    /// The block count must still be right. Default `false`.
    pub allow_missing_padding: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            allow_stripped_trailing_blanks: true,
            allow_missing_padding: false,
        }
    }
}

impl ReadOptions {
    /// Every line must be exactly 94 characters and the file padded.
    pub fn strict() -> Self {
        ReadOptions {
            allow_stripped_trailing_blanks: false,
            allow_missing_padding: false,
        }
    }
}

/// A record as the streaming reader delivers it. Entries come with their addenda attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The type 1 record (always first).
    FileHeader(FileHeader),
    /// A type 5 record.
    BatchHeader(BatchHeader),
    /// A type 6 record with its type 7 records.
    Entry(Entry),
    /// A type 8 record, already checked against the batch.
    BatchControl(BatchControl),
    /// The type 9 record, already checked against the file. Padding is checked after it.
    FileControl(FileControl),
}

/// Reads a whole file held in memory.
///
/// ```
/// let text = std::fs::read_to_string("tests/data/ppd-debit.ach").unwrap();
/// let file = nacha::read_str(&text).unwrap();
/// assert_eq!(file.batches.len(), 1);
/// ```
pub fn read_str(input: &str) -> Result<File, ReadError> {
    read_str_with(input, ReadOptions::default())
}

/// [`read_str`] with options.
pub fn read_str_with(input: &str, options: ReadOptions) -> Result<File, ReadError> {
    let mut machine = Machine::new(options);
    let mut events = VecDeque::new();
    let mut asm = Assembler::default();
    for line in split_lines(input) {
        machine.feed(line, &mut events)?;
        for e in events.drain(..) {
            asm.push(e);
        }
    }
    machine.finish(&mut events)?;
    for e in events.drain(..) {
        asm.push(e);
    }
    asm.into_file(machine.line)
}

/// Splits on `\n`, dropping one `\r` before it; a final line without `\n` counts.
fn split_lines(input: &str) -> impl Iterator<Item = &str> {
    let body = input.strip_suffix('\n').unwrap_or(input);
    let empty = input.is_empty();
    body.split('\n')
        .filter(move |_| !empty)
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// Collects events into a [`File`].
#[derive(Default)]
struct Assembler {
    header: Option<FileHeader>,
    batches: Vec<Batch>,
    batch: Option<(BatchHeader, Vec<Entry>)>,
    control: Option<FileControl>,
}

impl Assembler {
    fn push(&mut self, e: Event) {
        match e {
            Event::FileHeader(h) => self.header = Some(h),
            Event::BatchHeader(h) => self.batch = Some((h, Vec::new())),
            Event::Entry(en) => {
                if let Some((_, entries)) = &mut self.batch {
                    entries.push(en);
                }
            }
            Event::BatchControl(control) => {
                if let Some((header, entries)) = self.batch.take() {
                    self.batches.push(Batch {
                        header,
                        entries,
                        control,
                    });
                }
            }
            Event::FileControl(c) => self.control = Some(c),
        }
    }

    fn into_file(self, line: usize) -> Result<File, ReadError> {
        match (self.header, self.control) {
            (Some(header), Some(control)) => Ok(File {
                header,
                batches: self.batches,
                control,
            }),
            // The machine reports missing records itself; this is a safety net.
            _ => Err(ReadError::new(
                line.max(1),
                ReadErrorKind::MissingFileControl,
                None,
                "missing file control record".into(),
            )),
        }
    }
}

/// Streaming reader over any [`BufRead`]. It holds one entry (with its addenda) at a time when
/// used as an iterator of [`Event`]s, or one batch at a time with [`Reader::next_batch`], and
/// checks every control record as it arrives.
///
/// ```
/// let input = std::io::BufReader::new(std::fs::File::open("tests/data/web-debit.ach").unwrap());
/// let mut reader = nacha::Reader::new(input);
/// let mut entries = 0;
/// while let Some(batch) = reader.next_batch().unwrap() {
///     entries += batch.entries.len();
/// }
/// assert_eq!(entries, 6);
/// assert_eq!(reader.file_control().unwrap().batch_count, 3);
/// ```
pub struct Reader<R> {
    input: R,
    machine: Machine,
    pending: VecDeque<Event>,
    buf: Vec<u8>,
    done: bool,
    file_header: Option<FileHeader>,
    file_control: Option<FileControl>,
}

impl<R: BufRead> Reader<R> {
    /// A reader with default options.
    pub fn new(input: R) -> Self {
        Self::with_options(input, ReadOptions::default())
    }

    /// A reader with `options`.
    pub fn with_options(input: R, options: ReadOptions) -> Self {
        Reader {
            input,
            machine: Machine::new(options),
            pending: VecDeque::new(),
            buf: Vec::with_capacity(RECORD_LEN + 2),
            done: false,
            file_header: None,
            file_control: None,
        }
    }

    /// The file header, once read.
    pub fn file_header(&self) -> Option<&FileHeader> {
        self.file_header.as_ref()
    }

    /// The file control, once read (and checked against the batches).
    pub fn file_control(&self) -> Option<&FileControl> {
        self.file_control.as_ref()
    }

    /// Number of lines read so far.
    pub fn line(&self) -> usize {
        self.machine.line
    }

    /// The next record, or `None` after the file has been read to its end and found complete.
    pub fn next_event(&mut self) -> Result<Option<Event>, ReadError> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                match &e {
                    Event::FileHeader(h) => self.file_header = Some(h.clone()),
                    Event::FileControl(c) => self.file_control = Some(c.clone()),
                    _ => {}
                }
                return Ok(Some(e));
            }
            if self.done {
                return Ok(None);
            }
            if let Err(e) = self.step() {
                self.done = true;
                self.pending.clear();
                return Err(e);
            }
        }
    }

    /// Reads and feeds one line, or finishes at the end of input.
    fn step(&mut self) -> Result<(), ReadError> {
        self.buf.clear();
        let read = self.input.read_until(b'\n', &mut self.buf);
        match read {
            Err(e) => Err(ReadError::new(
                self.machine.line + 1,
                ReadErrorKind::Io,
                None,
                format!("cannot read input: {e}"),
            )),
            Ok(0) => {
                self.done = true;
                self.machine.finish(&mut self.pending)
            }
            Ok(_) => {
                let mut bytes: &[u8] = &self.buf;
                if let Some(b) = bytes.strip_suffix(b"\n") {
                    bytes = b;
                }
                if let Some(b) = bytes.strip_suffix(b"\r") {
                    bytes = b;
                }
                match std::str::from_utf8(bytes) {
                    Ok(text) => self.machine.feed(text, &mut self.pending),
                    Err(_) => {
                        let text = String::from_utf8_lossy(bytes);
                        self.machine.feed(&text, &mut self.pending)
                    }
                }
            }
        }
    }

    /// The next whole batch, or `None` once the file control has been read and the rest of
    /// the file checked. Only one batch is held in memory.
    pub fn next_batch(&mut self) -> Result<Option<Batch>, ReadError> {
        let mut current: Option<(BatchHeader, Vec<Entry>)> = None;
        while let Some(e) = self.next_event()? {
            match e {
                Event::BatchHeader(h) => current = Some((h, Vec::new())),
                Event::Entry(en) => {
                    if let Some((_, entries)) = &mut current {
                        entries.push(en);
                    }
                }
                Event::BatchControl(control) => {
                    if let Some((header, entries)) = current.take() {
                        return Ok(Some(Batch {
                            header,
                            entries,
                            control,
                        }));
                    }
                }
                Event::FileHeader(_) | Event::FileControl(_) => {}
            }
        }
        Ok(None)
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<Event, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_event().transpose()
    }
}

impl<R: BufRead> std::iter::FusedIterator for Reader<R> {}

// ----- the state machine ------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing read yet.
    Start,
    /// After the file header or a batch control: a batch header or the file control.
    BetweenBatches,
    /// After a batch header: the first entry.
    BatchStarted,
    /// After an entry or addenda: another entry, an addenda or the batch control.
    InEntries,
    /// After the file control: padding only.
    AfterFileControl,
    /// After a blank line following the file control: blank lines only.
    TrailingBlanks,
}

struct OpenBatch {
    header: BatchHeader,
    header_line: usize,
    totals: Totals,
}

struct PendingEntry {
    entry: Entry,
    line: usize,
}

struct Machine {
    options: ReadOptions,
    /// Number of the line being (or last) fed.
    line: usize,
    state: State,
    batch: Option<OpenBatch>,
    entry: Option<PendingEntry>,
    last_batch_number: Option<u32>,
    batch_count: u64,
    totals: Totals,
    /// Records from the file header to the file control.
    records: u64,
    /// All-9 lines after the file control.
    padding: u64,
    block_count: u64,
}

type Sink = VecDeque<Event>;

impl Machine {
    fn new(options: ReadOptions) -> Self {
        Machine {
            options,
            line: 0,
            state: State::Start,
            batch: None,
            entry: None,
            last_batch_number: None,
            batch_count: 0,
            totals: Totals::default(),
            records: 0,
            padding: 0,
            block_count: 0,
        }
    }

    fn err(&self, kind: ReadErrorKind, field: Option<&'static str>, reason: String) -> ReadError {
        ReadError::new(self.line, kind, field, reason)
    }

    /// Feeds one line (without its line ending).
    fn feed(&mut self, raw: &str, out: &mut Sink) -> Result<(), ReadError> {
        self.line += 1;
        match self.state {
            State::AfterFileControl | State::TrailingBlanks => return self.after_control(raw),
            _ => {}
        }
        let Some(layout) = records::layout_for(raw) else {
            let first = raw.chars().next();
            return Err(match first {
                None => self.err(
                    ReadErrorKind::LineLength,
                    None,
                    format!("empty line (record is 0 characters long, expected {RECORD_LEN})"),
                ),
                Some(c) => self.err(
                    ReadErrorKind::UnknownRecordType,
                    Some("record type code"),
                    format!("unknown record type {c:?} (expected 1, 5, 6, 7, 8 or 9)"),
                ),
            });
        };
        if let Some((pos, c)) = field::first_non_ascii(raw) {
            let name = field::field_at(layout, pos);
            return Err(self.err(
                ReadErrorKind::NonAscii,
                name,
                format!("non-ASCII character {c:?} at position {pos}"),
            ));
        }
        let padded;
        let line: &str = if raw.len() == RECORD_LEN {
            raw
        } else if raw.len() < RECORD_LEN
            && self.options.allow_stripped_trailing_blanks
            && !raw.ends_with(' ')
        {
            padded = format!("{raw:<RECORD_LEN$}");
            &padded
        } else {
            return Err(self.length_error(raw.len()));
        };
        if line == PADDING_LINE {
            return Err(self.err(
                ReadErrorKind::OutOfOrder,
                None,
                "padding record (all 9s) before the file control".into(),
            ));
        }
        self.records += 1;
        let result = match line.as_bytes()[0] {
            b'1' => self.file_header(line, out),
            b'5' => self.batch_header(line, out),
            b'6' => self.entry_detail(line, out),
            b'7' => self.addenda(line),
            b'8' => self.batch_control(line, out),
            _ => self.file_control(line, out),
        };
        // A field that only failed because the line was short is a line-length problem.
        match result {
            Err(e) if raw.len() < RECORD_LEN && e.line == self.line => {
                let start = e.field.and_then(|name| field::field_start(layout, name));
                if start.is_some_and(|s| s > raw.len()) {
                    Err(self.length_error(raw.len()))
                } else {
                    Err(e)
                }
            }
            other => other,
        }
    }

    fn length_error(&self, len: usize) -> ReadError {
        self.err(
            ReadErrorKind::LineLength,
            None,
            format!("record is {len} characters long, expected {RECORD_LEN}"),
        )
    }

    fn field_error(&self, e: FieldError) -> ReadError {
        let kind = match e.field {
            "check digit" => ReadErrorKind::CheckDigit,
            "immediate destination" if e.reason.contains("check digit") => {
                ReadErrorKind::CheckDigit
            }
            "transaction code" if e.reason.starts_with("unknown") => {
                ReadErrorKind::UnknownTransactionCode
            }
            _ => ReadErrorKind::InvalidField,
        };
        self.err(kind, Some(e.field), e.reason)
    }

    fn out_of_order(&self, found: &str) -> ReadError {
        let expected = match self.state {
            State::Start => "a file header (record type 1)",
            State::BetweenBatches => "a batch header (5) or the file control (9)",
            State::BatchStarted => "an entry detail record (6)",
            State::InEntries => "an entry (6), an addenda (7) or the batch control (8)",
            State::AfterFileControl | State::TrailingBlanks => "only padding",
        };
        self.err(
            ReadErrorKind::OutOfOrder,
            None,
            format!("{found} where {expected} was expected"),
        )
    }

    fn file_header(&mut self, line: &str, out: &mut Sink) -> Result<(), ReadError> {
        if self.state != State::Start {
            return Err(self.out_of_order("a second file header (1)"));
        }
        let h = FileHeader::parse(line).map_err(|e| self.field_error(e))?;
        out.push_back(Event::FileHeader(h));
        self.state = State::BetweenBatches;
        Ok(())
    }

    fn batch_header(&mut self, line: &str, out: &mut Sink) -> Result<(), ReadError> {
        if self.state != State::BetweenBatches {
            return Err(self.out_of_order("a batch header (5)"));
        }
        let h = BatchHeader::parse(line).map_err(|e| self.field_error(e))?;
        if let Some(prev) = self.last_batch_number {
            if h.batch_number <= prev {
                return Err(self.err(
                    ReadErrorKind::BatchNumber,
                    Some("batch number"),
                    format!(
                        "batch number {} is not greater than the previous batch number {prev}",
                        h.batch_number
                    ),
                ));
            }
        }
        self.last_batch_number = Some(h.batch_number);
        self.batch = Some(OpenBatch {
            header: h.clone(),
            header_line: self.line,
            totals: Totals::default(),
        });
        out.push_back(Event::BatchHeader(h));
        self.state = State::BatchStarted;
        Ok(())
    }

    fn entry_detail(&mut self, line: &str, out: &mut Sink) -> Result<(), ReadError> {
        if !matches!(self.state, State::BatchStarted | State::InEntries) {
            return Err(self.out_of_order("an entry detail record (6)"));
        }
        self.flush_entry(out)?;
        let d = EntryDetail::parse(line).map_err(|e| self.field_error(e))?;
        if let Some(b) = &mut self.batch {
            let class = b.header.service_class;
            if !class.allows(d.transaction_code) {
                let dir = if d.transaction_code.is_credit() {
                    "credit"
                } else {
                    "debit"
                };
                let what = match class {
                    ServiceClass::CreditsOnly => "credits-only",
                    _ => "debits-only",
                };
                return Err(self.err(
                    ReadErrorKind::ServiceClass,
                    Some("transaction code"),
                    format!(
                        "transaction code {} is a {dir}, not allowed in a {what} batch (service class {class})",
                        d.transaction_code
                    ),
                ));
            }
        }
        self.entry = Some(PendingEntry {
            entry: Entry {
                detail: d,
                addenda: Vec::new(),
            },
            line: self.line,
        });
        self.state = State::InEntries;
        Ok(())
    }

    fn addenda(&mut self, line: &str) -> Result<(), ReadError> {
        if self.state != State::InEntries {
            return Err(self.out_of_order("an addenda record (7)"));
        }
        let a = Addenda::parse(line).map_err(|e| self.field_error(e))?;
        let line_no = self.line;
        let Some(p) = &mut self.entry else {
            return Err(self.out_of_order("an addenda record (7)"));
        };
        if !p.entry.detail.addenda_indicator {
            return Err(ReadError::new(
                line_no,
                ReadErrorKind::AddendaIndicator,
                None,
                format!(
                    "addenda record follows the entry on line {} whose addenda record indicator is 0",
                    p.line
                ),
            ));
        }
        if p.entry.addenda.len() >= 9999 {
            return Err(ReadError::new(
                line_no,
                ReadErrorKind::InvalidField,
                None,
                "more than 9999 addenda records for one entry".into(),
            ));
        }
        p.entry.addenda.push(a);
        Ok(())
    }

    /// Emits the pending entry, checking that its addenda indicator was honoured.
    fn flush_entry(&mut self, out: &mut Sink) -> Result<(), ReadError> {
        let Some(p) = self.entry.take() else {
            return Ok(());
        };
        if p.entry.detail.addenda_indicator && p.entry.addenda.is_empty() {
            return Err(ReadError::new(
                p.line,
                ReadErrorKind::AddendaIndicator,
                Some("addenda record indicator"),
                "addenda record indicator is 1 but no addenda record follows".into(),
            ));
        }
        if let Some(b) = &mut self.batch {
            b.totals
                .add_entry(&p.entry.detail, p.entry.addenda.len() as u64);
        }
        out.push_back(Event::Entry(p.entry));
        Ok(())
    }

    fn batch_control(&mut self, line: &str, out: &mut Sink) -> Result<(), ReadError> {
        match self.state {
            State::InEntries => {}
            State::BatchStarted => {
                return Err(self.out_of_order("a batch control (8) directly after the batch header"))
            }
            _ => return Err(self.out_of_order("a batch control (8)")),
        }
        self.flush_entry(out)?;
        let c = BatchControl::parse(line).map_err(|e| self.field_error(e))?;
        let Some(b) = self.batch.take() else {
            return Err(self.out_of_order("a batch control (8)"));
        };
        self.check_batch_control(&b, &c)?;
        self.batch_count += 1;
        self.totals.add(&b.totals);
        out.push_back(Event::BatchControl(c));
        self.state = State::BetweenBatches;
        Ok(())
    }

    // Long on purpose: one check per batch-control field, in field order, each with its own
    // message; helpers would only hide the list.
    fn check_batch_control(&self, b: &OpenBatch, c: &BatchControl) -> Result<(), ReadError> {
        use crate::records::control::batch as l;
        let h = &b.header;
        let t = &b.totals;
        let n = h.batch_number;
        let mismatch = |field: &'static str, reason: String| {
            Err(self.err(ReadErrorKind::ControlMismatch, Some(field), reason))
        };
        if c.service_class != h.service_class {
            return mismatch(
                l::SERVICE_CLASS.name,
                format!(
                    "batch control says {} but the batch header (line {}) says {}",
                    c.service_class, b.header_line, h.service_class
                ),
            );
        }
        if u64::from(c.entry_addenda_count) != t.entry_addenda_count {
            return mismatch(
                l::COUNT.name,
                format!(
                    "batch control says {} but batch {n} has {} entry and addenda records",
                    c.entry_addenda_count, t.entry_addenda_count
                ),
            );
        }
        if c.entry_hash != t.entry_hash {
            return mismatch(
                l::HASH.name,
                format!(
                    "batch control says {:010} but the RDFI identifications of batch {n} add up to {:010}",
                    c.entry_hash, t.entry_hash
                ),
            );
        }
        if c.total_debit_cents != t.total_debit_cents {
            return mismatch(
                l::DEBIT.name,
                format!(
                    "batch control says {} but the debits of batch {n} add up to {}",
                    c.total_debit_cents, t.total_debit_cents
                ),
            );
        }
        if c.total_credit_cents != t.total_credit_cents {
            return mismatch(
                l::CREDIT.name,
                format!(
                    "batch control says {} but the credits of batch {n} add up to {}",
                    c.total_credit_cents, t.total_credit_cents
                ),
            );
        }
        if c.company_identification.trim() != h.company_identification.trim() {
            return mismatch(
                l::COMPANY_ID.name,
                format!(
                    "batch control says {:?} but the batch header (line {}) says {:?}",
                    c.company_identification, b.header_line, h.company_identification
                ),
            );
        }
        if c.odfi_identification != h.odfi_identification {
            return mismatch(
                l::ODFI.name,
                format!(
                    "batch control says {} but the batch header (line {}) says {}",
                    c.odfi_identification, b.header_line, h.odfi_identification
                ),
            );
        }
        if c.batch_number != h.batch_number {
            return Err(self.err(
                ReadErrorKind::BatchNumber,
                Some(l::BATCH_NUMBER.name),
                format!(
                    "batch control says {} but the batch header (line {}) says {}",
                    c.batch_number, b.header_line, h.batch_number
                ),
            ));
        }
        Ok(())
    }

    fn file_control(&mut self, line: &str, out: &mut Sink) -> Result<(), ReadError> {
        use crate::records::control::file as l;
        if self.state != State::BetweenBatches {
            return Err(self.out_of_order("the file control (9)"));
        }
        let c = FileControl::parse(line).map_err(|e| self.field_error(e))?;
        let t = &self.totals;
        let mismatch = |field: &'static str, reason: String| {
            Err(self.err(ReadErrorKind::ControlMismatch, Some(field), reason))
        };
        if u64::from(c.batch_count) != self.batch_count {
            return mismatch(
                l::BATCH_COUNT.name,
                format!(
                    "file control says {} but the file has {} batches",
                    c.batch_count, self.batch_count
                ),
            );
        }
        let blocks = self.records.div_ceil(BLOCKING_FACTOR);
        if u64::from(c.block_count) != blocks {
            return Err(self.err(
                ReadErrorKind::BlockCount,
                Some(l::BLOCK_COUNT.name),
                format!(
                    "file control says {} but {} records make {blocks} blocks of {BLOCKING_FACTOR}",
                    c.block_count, self.records
                ),
            ));
        }
        if u64::from(c.entry_addenda_count) != t.entry_addenda_count {
            return mismatch(
                l::COUNT.name,
                format!(
                    "file control says {} but the file has {} entry and addenda records",
                    c.entry_addenda_count, t.entry_addenda_count
                ),
            );
        }
        if c.entry_hash != t.entry_hash % HASH_MODULUS {
            return mismatch(
                l::HASH.name,
                format!(
                    "file control says {:010} but the batch entry hashes add up to {:010}",
                    c.entry_hash, t.entry_hash
                ),
            );
        }
        if c.total_debit_cents != t.total_debit_cents {
            return mismatch(
                l::DEBIT.name,
                format!(
                    "file control says {} but the debits add up to {}",
                    c.total_debit_cents, t.total_debit_cents
                ),
            );
        }
        if c.total_credit_cents != t.total_credit_cents {
            return mismatch(
                l::CREDIT.name,
                format!(
                    "file control says {} but the credits add up to {}",
                    c.total_credit_cents, t.total_credit_cents
                ),
            );
        }
        self.block_count = blocks;
        out.push_back(Event::FileControl(c));
        self.state = State::AfterFileControl;
        Ok(())
    }

    fn after_control(&mut self, raw: &str) -> Result<(), ReadError> {
        if raw.is_empty() {
            self.state = State::TrailingBlanks;
            return Ok(());
        }
        if self.state == State::TrailingBlanks {
            return Err(self.err(
                ReadErrorKind::OutOfOrder,
                None,
                "record after a blank line at the end of the file".into(),
            ));
        }
        if raw == PADDING_LINE {
            self.padding += 1;
            if self.records + self.padding > self.block_count * BLOCKING_FACTOR {
                return Err(self.err(
                    ReadErrorKind::BlockCount,
                    None,
                    format!(
                        "padding record beyond the last block (block count {})",
                        self.block_count
                    ),
                ));
            }
            return Ok(());
        }
        if raw.starts_with('9') && raw.bytes().all(|b| b == b'9') {
            return Err(self.length_error(raw.chars().count()));
        }
        Err(self.err(
            ReadErrorKind::OutOfOrder,
            None,
            "only all-9 padding records may follow the file control".into(),
        ))
    }

    /// Called at the end of input.
    fn finish(&mut self, out: &mut Sink) -> Result<(), ReadError> {
        let last = self.line.max(1);
        let at_end = |kind, reason: String| Err(ReadError::new(last, kind, None, reason));
        match self.state {
            State::Start => at_end(ReadErrorKind::Empty, "file is empty".into()),
            State::BatchStarted | State::InEntries => {
                self.flush_entry(out)?;
                let (n, header_line) = self
                    .batch
                    .as_ref()
                    .map(|b| (b.header.batch_number, b.header_line))
                    .unwrap_or_default();
                at_end(
                    ReadErrorKind::MissingBatchControl,
                    format!(
                        "file ends without a batch control for batch {n} (batch header on line {header_line})"
                    ),
                )
            }
            State::BetweenBatches => at_end(
                ReadErrorKind::MissingFileControl,
                "file ends without a file control record (9)".into(),
            ),
            State::AfterFileControl | State::TrailingBlanks => {
                let lines = self.records + self.padding;
                let expected = self.block_count * BLOCKING_FACTOR;
                if lines < expected && !self.options.allow_missing_padding {
                    return at_end(
                        ReadErrorKind::BlockCount,
                        format!(
                            "file ends after {lines} lines; block count {} needs {expected}: pad with all-9 records to a multiple of {BLOCKING_FACTOR}",
                            self.block_count
                        ),
                    );
                }
                Ok(())
            }
        }
    }
}
