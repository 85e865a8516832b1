//! Building files: give the header and batch parameters and the entries; the builder numbers
//! the batches, picks each service class, assigns missing trace numbers, fills addenda 05
//! sequence numbers, computes every control record and validates the result.

use std::fmt;

use jiff::civil::{Date, DateTime, Time};

use crate::codes::{SecCode, ServiceClass};
use crate::field::FieldError;
use crate::model::{Batch, Entry, File, Totals, BLOCKING_FACTOR};
use crate::records::{Addenda, BatchControl, BatchHeader, FileControl, FileHeader};

/// File header inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeaderParams {
    /// 9-digit routing number of the receiving point (usually the ODFI or the Fed).
    pub immediate_destination: String,
    /// Sender identification, up to 10 characters (e.g. the ODFI routing number or `1` + EIN).
    pub immediate_origin: String,
    /// Up to 23 characters.
    pub destination_name: String,
    /// Up to 23 characters.
    pub origin_name: String,
    /// Creation date and time (minutes precision is written).
    pub creation: DateTime,
    /// `A`–`Z` or `0`–`9`.
    pub file_id_modifier: char,
    /// Up to 8 characters, may be empty.
    pub reference_code: String,
}

/// Batch header inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchParams {
    /// Up to 16 characters, recognisable by the receiver.
    pub company_name: String,
    /// Up to 20 characters, may be empty.
    pub company_discretionary_data: String,
    /// Up to 10 characters.
    pub company_identification: String,
    /// PPD, CCD, WEB or COR.
    pub sec_code: SecCode,
    /// Up to 10 characters, `ACCTVERIFY` for micro-entries.
    pub company_entry_description: String,
    /// Up to 6 characters, e.g. `SD1300`.
    pub company_descriptive_date: Option<String>,
    /// Requested settlement date.
    pub effective_entry_date: Date,
    /// First 8 digits of the ODFI routing number.
    pub odfi_identification: String,
}

/// Why a file could not be built, located by 1-based batch and entry positions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct BuildError {
    /// 1-based batch position, if the problem is in a batch.
    pub batch: Option<usize>,
    /// 1-based entry position within the batch, if the problem is in an entry.
    pub entry: Option<usize>,
    /// The field at fault, if one is.
    pub field: Option<&'static str>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.batch, self.entry) {
            (Some(b), Some(e)) => write!(f, "batch {b}, entry {e}: ")?,
            (Some(b), None) => write!(f, "batch {b}: ")?,
            _ => write!(f, "file: ")?,
        }
        if let Some(field) = self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.reason)
    }
}

/// Builds a [`File`] from parameters and entries.
///
/// ```
/// use jiff::civil::date;
/// use nacha::*;
///
/// let file = FileBuilder::new(FileHeaderParams {
///     immediate_destination: "231380104".into(),
///     immediate_origin: "121042882".into(),
///     destination_name: "Federal Reserve Bank".into(),
///     origin_name: "My Bank Name".into(),
///     creation: date(2026, 11, 23).at(9, 30, 0, 0),
///     file_id_modifier: 'A',
///     reference_code: String::new(),
/// })
/// .batch(
///     BatchParams {
///         company_name: "Pennydrop".into(),
///         company_discretionary_data: String::new(),
///         company_identification: "1234567890".into(),
///         sec_code: SecCode::Ppd,
///         company_entry_description: "ACCTVERIFY".into(),
///         company_descriptive_date: None,
///         effective_entry_date: date(2026, 11, 24),
///         odfi_identification: "12104288".into(),
///     },
///     vec![
///         Entry::new(EntryDetail::new(TransactionCode::CHECKING_CREDIT, "231380104", "12345678", 12)
///             .individual_name("Jane Doe")),
///         Entry::new(EntryDetail::new(TransactionCode::CHECKING_CREDIT, "231380104", "12345678", 34)
///             .individual_name("Jane Doe")),
///         Entry::new(EntryDetail::new(TransactionCode::CHECKING_DEBIT, "231380104", "12345678", 46)
///             .individual_name("Jane Doe")),
///     ],
/// )
/// .build()
/// .unwrap();
/// assert_eq!(file.batches[0].control.total_credit_cents, 46);
/// assert_eq!(nacha::read_str(&file.to_string()).unwrap(), file);
/// ```
#[derive(Debug, Clone)]
pub struct FileBuilder {
    header: FileHeaderParams,
    batches: Vec<(BatchParams, Vec<Entry>)>,
}

/// Alphanumeric inputs are trimmed and upper-cased.
fn norm(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}

const MAX_BATCH_COUNT: u64 = 999_999;
const MAX_FILE_COUNT: u64 = 99_999_999;
const MAX_TOTAL: u64 = 999_999_999_999;

impl FileBuilder {
    /// A builder for a file with this header.
    pub fn new(header: FileHeaderParams) -> Self {
        FileBuilder {
            header,
            batches: Vec::new(),
        }
    }

    /// Adds a batch (chainable).
    pub fn batch(mut self, params: BatchParams, entries: Vec<Entry>) -> Self {
        self.batches.push((params, entries));
        self
    }

    /// Adds a batch (by reference).
    pub fn add_batch(&mut self, params: BatchParams, entries: Vec<Entry>) -> &mut Self {
        self.batches.push((params, entries));
        self
    }

    /// Computes every derived field and validates the file.
    pub fn build(self) -> Result<File, BuildError> {
        let header = file_header(&self.header)?;
        let mut traces = Traces::default();
        let mut batches = Vec::with_capacity(self.batches.len());
        let mut file_totals = Totals::default();
        let mut records: u64 = 2;
        for (bi, (params, entries)) in self.batches.into_iter().enumerate() {
            let (batch, totals) = build_batch(bi + 1, params, entries, &mut traces)?;
            records += 2 + totals.entry_addenda_count;
            file_totals.add(&totals);
            batches.push(batch);
        }
        let control = file_control(batches.len(), records, &file_totals)?;
        let file = File {
            header,
            batches,
            control,
        };
        if let Some(e) = file.validation_errors().into_iter().next() {
            return Err(BuildError {
                batch: e.batch,
                entry: e.entry,
                field: e.field,
                reason: e.reason,
            });
        }
        Ok(file)
    }
}

fn field_error(batch: Option<usize>, entry: Option<usize>, e: FieldError) -> BuildError {
    BuildError {
        batch,
        entry,
        field: Some(e.field),
        reason: e.reason,
    }
}

fn plain(batch: Option<usize>, entry: Option<usize>, reason: String) -> BuildError {
    BuildError {
        batch,
        entry,
        field: None,
        reason,
    }
}

fn file_header(p: &FileHeaderParams) -> Result<FileHeader, BuildError> {
    let creation_time = Time::new(p.creation.hour(), p.creation.minute(), 0, 0)
        .map_err(|e| plain(None, None, format!("creation time: {e}")))?;
    let header = FileHeader {
        immediate_destination: p.immediate_destination.trim().to_string(),
        immediate_origin: norm(&p.immediate_origin),
        creation_date: p.creation.date(),
        creation_time: Some(creation_time),
        file_id_modifier: p.file_id_modifier.to_ascii_uppercase(),
        destination_name: norm(&p.destination_name),
        origin_name: norm(&p.origin_name),
        reference_code: norm(&p.reference_code),
    };
    header.validate().map_err(|e| field_error(None, None, e))?;
    Ok(header)
}

/// Trace numbers used so far in the file, and the next sequence to hand out.
struct Traces {
    used: crate::across::TraceMap<()>,
    next_seq: u64,
}

impl Default for Traces {
    fn default() -> Self {
        Self {
            used: crate::across::TraceMap::with_capacity(0),
            next_seq: 1,
        }
    }
}

impl Traces {
    /// The next unused trace number of the ODFI.
    fn assign(&mut self, odfi: &str) -> Option<String> {
        while self.next_seq <= 9_999_999 {
            let candidate = format!("{odfi}{:07}", self.next_seq);
            self.next_seq += 1;
            if !self.used.contains(&candidate) {
                return Some(candidate);
            }
        }
        None
    }
}

fn batch_header(
    bn: Option<usize>,
    bp: &BatchParams,
    entries: &[Entry],
    batch_number: u32,
) -> Result<BatchHeader, BuildError> {
    let class = ServiceClass::for_entries(entries.iter().map(|e| e.detail.transaction_code));
    let header = header_of(bp, class, batch_number);
    header.validate().map_err(|e| field_error(bn, None, e))?;
    Ok(header)
}

/// The batch header the parameters make, text normalized.
fn header_of(bp: &BatchParams, service_class: ServiceClass, batch_number: u32) -> BatchHeader {
    BatchHeader {
        service_class,
        company_name: norm(&bp.company_name),
        company_discretionary_data: norm(&bp.company_discretionary_data),
        company_identification: norm(&bp.company_identification),
        sec_code: bp.sec_code,
        company_entry_description: norm(&bp.company_entry_description),
        company_descriptive_date: norm(bp.company_descriptive_date.as_deref().unwrap_or("")),
        effective_entry_date: Some(bp.effective_entry_date),
        settlement_date: None,
        originator_status_code: '1',
        odfi_identification: bp.odfi_identification.trim().to_string(),
        batch_number,
    }
}

/// One batch with its control record, and its totals.
fn build_batch(
    number: usize,
    bp: BatchParams,
    entries: Vec<Entry>,
    traces: &mut Traces,
) -> Result<(Batch, Totals), BuildError> {
    let bn = Some(number);
    if entries.is_empty() {
        return Err(plain(bn, None, "batch has no entries".into()));
    }
    let batch_number = u32::try_from(number)
        .ok()
        .filter(|n| *n <= 9_999_999)
        .ok_or_else(|| plain(bn, None, "more than 9999999 batches".into()))?;
    let header = batch_header(bn, &bp, &entries, batch_number)?;
    let mut totals = Totals::default();
    let mut built = Vec::with_capacity(entries.len());
    for (ei, entry) in entries.into_iter().enumerate() {
        let entry = build_entry(bn, Some(ei + 1), entry, &header.odfi_identification, traces)?;
        totals.add_entry(&entry.detail, entry.addenda.len() as u64);
        built.push(entry);
    }
    check_counts(bn, &totals, MAX_BATCH_COUNT, "batch")?;
    let control = BatchControl {
        service_class: header.service_class,
        entry_addenda_count: totals.entry_addenda_count as u32,
        entry_hash: totals.entry_hash,
        total_debit_cents: totals.total_debit_cents,
        total_credit_cents: totals.total_credit_cents,
        company_identification: header.company_identification.clone(),
        message_authentication_code: String::new(),
        odfi_identification: header.odfi_identification.clone(),
        batch_number,
    };
    let batch = Batch {
        header,
        entries: built,
        control,
    };
    Ok((batch, totals))
}

/// Whether the counts and totals fit the control record of a batch or the file.
fn check_counts(bn: Option<usize>, t: &Totals, max: u64, what: &str) -> Result<(), BuildError> {
    if t.entry_addenda_count > max {
        return Err(plain(
            bn,
            None,
            format!(
                "{} entry and addenda records do not fit the {what} control (at most {max})",
                t.entry_addenda_count
            ),
        ));
    }
    if t.total_debit_cents > MAX_TOTAL || t.total_credit_cents > MAX_TOTAL {
        return Err(plain(
            bn,
            None,
            format!("{what} totals do not fit 12 digits"),
        ));
    }
    Ok(())
}

/// Normalizes an entry's text fields, assigns (or checks) its trace number, numbers its
/// payment addenda, and validates it.
fn build_entry(
    bn: Option<usize>,
    en: Option<usize>,
    mut entry: Entry,
    odfi: &str,
    traces: &mut Traces,
) -> Result<Entry, BuildError> {
    normalize(&mut entry.detail);
    let d = &mut entry.detail;
    let trace_error = |reason: String| BuildError {
        batch: bn,
        entry: en,
        field: Some("trace number"),
        reason,
    };
    if d.trace_number.is_empty() {
        d.trace_number = traces.assign(odfi).ok_or_else(|| {
            plain(
                bn,
                en,
                "no trace sequence numbers left (more than 9999999 entries)".into(),
            )
        })?;
    } else if !d.trace_number.starts_with(odfi) {
        return Err(trace_error(format!(
            "trace number {} does not start with the ODFI identification {odfi}",
            d.trace_number
        )));
    }
    d.validate().map_err(|e| field_error(bn, en, e))?;
    if traces.used.insert(&d.trace_number, ()).is_some() {
        return Err(trace_error(format!(
            "trace number {} is used twice",
            d.trace_number
        )));
    }
    if d.addenda_indicator == entry.addenda.is_empty() {
        return Err(BuildError {
            batch: bn,
            entry: en,
            field: Some("addenda record indicator"),
            reason: format!(
                "addenda record indicator is {} but the entry has {} addenda records",
                u8::from(d.addenda_indicator),
                entry.addenda.len()
            ),
        });
    }
    number_addenda(bn, en, &mut entry)?;
    Ok(entry)
}

/// Text fields trimmed and upper-cased, as the file will carry them.
fn normalize(d: &mut crate::EntryDetail) {
    d.rdfi_routing = d.rdfi_routing.trim().to_string();
    d.dfi_account_number = norm(&d.dfi_account_number);
    d.individual_id = norm(&d.individual_id);
    d.individual_name = norm(&d.individual_name);
    d.discretionary_data = norm(&d.discretionary_data);
    d.trace_number = d.trace_number.trim().to_string();
}

/// Payment addenda are numbered 1, 2, … and carry the entry's sequence number.
fn number_addenda(
    bn: Option<usize>,
    en: Option<usize>,
    entry: &mut Entry,
) -> Result<(), BuildError> {
    number_payment_addenda(entry);
    for a in &entry.addenda {
        a.validate().map_err(|e| field_error(bn, en, e))?;
    }
    Ok(())
}

fn number_payment_addenda(entry: &mut Entry) {
    let entry_seq: u32 = entry
        .detail
        .trace_number
        .get(8..)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut payment_seq: u16 = 0;
    for a in &mut entry.addenda {
        if let Addenda::Payment(p) = a {
            payment_seq = payment_seq.saturating_add(1);
            p.payment_related_information = norm(&p.payment_related_information);
            p.addenda_sequence_number = payment_seq;
            p.entry_detail_sequence_number = entry_seq;
        }
    }
}

/// Whether `entry` would pass the validator in a batch built from `params`: the builder's
/// normalization (trimmed, upper-cased text; numbered payment addenda), then every rule of
/// [`File::validate`] about one entry alone ([`crate::entry_errors`]). An entry without a
/// trace number is checked with the batch's first one. Errors about the batch parameters
/// themselves are not reported here (they would concern every entry, not this one).
///
/// A caller assembling a file checks each entry first and leaves out the ones that fail, so
/// one bad entry cannot spoil the file.
pub fn check_entry(params: &BatchParams, entry: &Entry) -> Vec<crate::ValidationError> {
    let mut entry = entry.clone();
    normalize(&mut entry.detail);
    let odfi = params.odfi_identification.trim();
    if entry.detail.trace_number.is_empty() {
        entry.detail.trace_number = format!("{odfi}0000001");
    }
    number_payment_addenda(&mut entry);
    let class = ServiceClass::for_entries(std::iter::once(entry.detail.transaction_code));
    let header = header_of(params, class, 1);
    crate::validate::entry_errors(&header, &entry)
}

fn file_control(batches: usize, records: u64, totals: &Totals) -> Result<FileControl, BuildError> {
    check_counts(None, totals, MAX_FILE_COUNT, "file")?;
    Ok(FileControl {
        batch_count: batches as u32,
        block_count: records.div_ceil(BLOCKING_FACTOR) as u32,
        entry_addenda_count: totals.entry_addenda_count as u32,
        entry_hash: totals.entry_hash,
        total_debit_cents: totals.total_debit_cents,
        total_credit_cents: totals.total_credit_cents,
    })
}
