//! Whole-file validation: everything the reader checks, plus the rules that need the whole file
//! or knowledge of SEC codes.

use crate::EntryDetail;
use std::fmt;

use rustc_hash::FxHashMap;

use crate::across::{AccountMap, TraceMap};
use crate::codes::{AccountType, SecCode};
use crate::field::FieldError;
use crate::model::{Batch, Entry, File, Totals, BLOCKING_FACTOR};
use crate::records::{Addenda, BatchHeader, FileControl, FileHeader};

/// Which rule a [`ValidationError`] breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A field does not fit its layout or is malformed (includes routing check digits).
    Field,
    /// A batch has no entries.
    EmptyBatch,
    /// An entry's direction is not allowed by the batch's service class.
    ServiceClass,
    /// Batch numbers not ascending, or control and header disagree.
    BatchNumber,
    /// A control record does not match what it summarises.
    ControlMismatch,
    /// The file control's block count is wrong.
    BlockCount,
    /// The addenda indicator does not match the addenda present.
    AddendaIndicator,
    /// An addenda 05's sequence numbers are wrong.
    AddendaSequence,
    /// A rule of the batch's SEC code (COR, returns, WEB payment type, addenda types).
    SecCode,
    /// A prenote carries money.
    Prenote,
    /// A trace number appears twice in the file.
    DuplicateTrace,
    /// Micro-entry (`ACCTVERIFY`) rules.
    MicroEntry,
    /// The same account is posted to as two different account types.
    AccountType,
    /// A forward entry's receiver name (individual or company name field) is blank, or in a
    /// PPD or WEB batch holds nothing but zeros and blanks; receiving banks and validators such
    /// as moov-io/ach refuse the file.
    IndividualName,
    /// A live forward entry (not a prenote, return or NOC) moves no money.
    ZeroAmount,
    /// Trace numbers do not ascend within a batch.
    TraceOrder,
    /// A trace number does not start with the batch's ODFI identification.
    TraceOdfi,
    /// Forward entries and returns are mixed in one batch.
    Category,
}

impl Rule {
    /// A stable, kebab-case name for logs and operator views, e.g. `individual-name`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Field => "field",
            Rule::EmptyBatch => "empty-batch",
            Rule::ServiceClass => "service-class",
            Rule::BatchNumber => "batch-number",
            Rule::ControlMismatch => "control-mismatch",
            Rule::BlockCount => "block-count",
            Rule::AddendaIndicator => "addenda-indicator",
            Rule::AddendaSequence => "addenda-sequence",
            Rule::SecCode => "sec-code",
            Rule::Prenote => "prenote",
            Rule::DuplicateTrace => "duplicate-trace",
            Rule::MicroEntry => "micro-entry",
            Rule::AccountType => "account-type",
            Rule::IndividualName => "individual-name",
            Rule::ZeroAmount => "zero-amount",
            Rule::TraceOrder => "trace-order",
            Rule::TraceOdfi => "trace-odfi",
            Rule::Category => "category",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One broken rule, located by 1-based batch position and entry position within the batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    /// 1-based position of the batch in the file, if the error is about a batch.
    pub batch: Option<usize>,
    /// 1-based position of the entry in its batch, if the error is about an entry.
    pub entry: Option<usize>,
    /// The field at fault, if one is.
    pub field: Option<&'static str>,
    /// The rule broken.
    pub rule: Rule,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for ValidationError {
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

/// All the rules a file breaks (never empty when returned as an error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

struct Collector {
    errors: Vec<ValidationError>,
    batch: Option<usize>,
    entry: Option<usize>,
}

impl Collector {
    fn push(&mut self, rule: Rule, field: Option<&'static str>, reason: impl Into<String>) {
        self.errors.push(ValidationError {
            batch: self.batch,
            entry: self.entry,
            field,
            rule,
            reason: reason.into(),
        });
    }

    fn field(&mut self, r: Result<(), FieldError>) {
        if let Err(e) = r {
            self.push(Rule::Field, Some(e.field), e.reason);
        }
    }
}

impl File {
    /// Checks every rule and returns all the broken ones.
    ///
    /// Rules: field formats and routing check digits of every record; batch numbers ascending;
    /// no empty batches; service class consistent with entries; batch and file control counts,
    /// hashes, totals, copied fields and block count; addenda indicator vs addenda present;
    /// addenda 05 sequence numbers; prenotes are zero; SEC rules (COR entries are zero-amount
    /// return/NOC codes with exactly one addenda 98; addenda 98 only in COR; returns carry
    /// exactly one addenda 99 and a return code, return codes carry an addenda 99; PPD, CCD and
    /// WEB entries carry at most one addenda 05; WEB payment type `S`, `R` or `ST`); receiver
    /// names not blank (nor only zeros in PPD and WEB); live entries not zero; trace numbers
    /// unique, ascending within a batch and starting with the batch's ODFI; no forward entries
    /// beside returns in a batch; micro-entries (`ACCTVERIFY`) under $1.00 with offsetting
    /// debits not exceeding the credits per account; one account type per account. The rules
    /// about one entry alone are [`entry_errors`].
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let errors = self.validation_errors();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(errors))
        }
    }

    /// Like [`File::validate`], returning the (possibly empty) list.
    pub fn validation_errors(&self) -> Vec<ValidationError> {
        let entries: usize = self.batches.iter().map(|b| b.entries.len()).sum();
        let mut v = Validator::with_capacity(&self.header, entries);
        for batch in &self.batches {
            v.batch(batch);
        }
        v.finish(&self.control)
    }
}

/// [`File::validate`] one batch at a time, for files read with the streaming
/// [`Reader`](crate::Reader): the same rules, the same errors in the same order, holding only
/// what the rules across batches need (a few dozen bytes per entry for the trace numbers and
/// accounts seen).
///
/// ```
/// let input = std::io::BufReader::new(std::fs::File::open("tests/data/web-debit.ach").unwrap());
/// let mut reader = nacha::Reader::new(input);
/// let mut batches = Vec::new();
/// while let Some(batch) = reader.next_batch().unwrap() {
///     batches.push(batch);
/// }
/// let mut v = nacha::Validator::new(reader.file_header().unwrap());
/// for batch in &batches {
///     v.batch(batch);
/// }
/// assert!(v.finish(reader.file_control().unwrap()).is_empty());
/// ```
pub struct Validator {
    c: Collector,
    across: AcrossEntries,
    totals: Totals,
    last_number: Option<u32>,
    batches: usize,
    records: u64,
}

impl Validator {
    /// Starts with the file header's rules.
    pub fn new(header: &FileHeader) -> Self {
        Self::with_capacity(header, 0)
    }

    /// [`Validator::new`] with room for `entries` entries (a file's size / 94 is a bound).
    pub fn with_capacity(header: &FileHeader, entries: usize) -> Self {
        let mut c = Collector {
            errors: Vec::new(),
            batch: None,
            entry: None,
        };
        c.field(header.validate());
        Validator {
            c,
            across: AcrossEntries::with_capacity(entries),
            totals: Totals::default(),
            last_number: None,
            batches: 0,
            records: 2,
        }
    }

    /// Checks the next batch in file order.
    pub fn batch(&mut self, batch: &Batch) {
        self.batches += 1;
        let bn = self.batches;
        let c = &mut self.c;
        c.batch = Some(bn);
        c.entry = None;
        c.field(batch.header.validate());
        check_batch_number(c, batch, self.last_number);
        self.last_number = Some(batch.header.batch_number);
        if batch.entries.is_empty() {
            c.push(Rule::EmptyBatch, None, "batch has no entries");
        }
        let mut order = BatchOrder::default();
        for (ei, entry) in batch.entries.iter().enumerate() {
            c.entry = Some(ei + 1);
            validate_entry(c, &batch.header, entry);
            order.check(c, entry);
            self.across.check(c, &batch.header, entry, (bn, ei + 1));
        }
        c.entry = None;
        let totals = batch.totals();
        validate_batch_control(c, batch, &totals);
        self.totals.add(&totals);
        self.records += batch.record_count();
    }

    /// The file-wide rules and the file control; every error found, in file order.
    pub fn finish(mut self, control: &FileControl) -> Vec<ValidationError> {
        let c = &mut self.c;
        c.batch = None;
        c.entry = None;
        self.across.report_micro_debits(c);
        c.batch = None;
        let counts = (self.batches, self.records);
        validate_file_control(c, control, counts, &self.totals);
        self.c.errors
    }
}

fn check_batch_number(c: &mut Collector, batch: &Batch, previous: Option<u32>) {
    if let Some(prev) = previous {
        if batch.header.batch_number <= prev {
            c.push(
                Rule::BatchNumber,
                Some("batch number"),
                format!(
                    "batch number {} is not greater than the previous batch number {prev}",
                    batch.header.batch_number
                ),
            );
        }
    }
}

/// The rules that look across entries: unique trace numbers, one account type per account,
/// micro-entry debits not above the credits per company and account.
struct AcrossEntries {
    /// Trace number → (batch, entry) of its last use.
    traces: TraceMap<(u32, u32)>,
    /// (routing, account) → (account type, batch, entry) of its first posting.
    account_types: AccountMap<(AccountType, u32, u32)>,
    reported_accounts: AccountMap<()>,
    /// company → (routing, account) → (credits, debits, first batch) of micro-entries.
    micro: FxHashMap<String, AccountMap<(u64, u64, usize)>>,
}

/// A 1-based position kept in 32 bits (a file of 2^32 entries would be 400 GB).
fn pos32((b, e): (usize, usize)) -> (u32, u32) {
    let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (narrow(b), narrow(e))
}

impl AcrossEntries {
    fn with_capacity(entries: usize) -> Self {
        Self {
            traces: TraceMap::with_capacity(entries),
            account_types: AccountMap::with_capacity(entries),
            reported_accounts: AccountMap::default(),
            micro: FxHashMap::default(),
        }
    }

    fn check(
        &mut self,
        c: &mut Collector,
        header: &BatchHeader,
        entry: &Entry,
        at: (usize, usize),
    ) {
        let d = &entry.detail;
        if let Some((b0, e0)) = self.traces.insert(&d.trace_number, pos32(at)) {
            c.push(
                Rule::DuplicateTrace,
                Some("trace number"),
                format!(
                    "trace number {} is also used by batch {b0}, entry {e0}",
                    d.trace_number
                ),
            );
        }
        if !d.transaction_code.is_return_or_noc() {
            self.account_type(c, d, at);
        }
        let is_micro = header.company_entry_description.trim() == "ACCTVERIFY";
        if is_micro && d.transaction_code.is_live() {
            self.micro_entry(header.company_identification.trim(), d, at.0);
        }
    }

    fn account_type(&mut self, c: &mut Collector, d: &EntryDetail, at: (usize, usize)) {
        let code = d.transaction_code;
        let (routing, account) = (d.rdfi_routing.as_str(), d.dfi_account_number.as_str());
        let ty = code.account_type();
        let (b, e) = pos32(at);
        // One lookup: the first posting is stored, or the stored one compared.
        let &mut (first, b0, e0) = self.account_types.entry(routing, account, || (ty, b, e));
        if first != ty && self.reported_accounts.insert_new(routing, account, ()) {
            c.push(
                Rule::AccountType,
                Some("transaction code"),
                format!(
                    "account {} at {} is posted to as {ty:?} (code {code}) but as {first:?} by batch {b0}, entry {e0}; use one account type per account (e.g. 32 with 37, 22 with 27)",
                    d.dfi_account_number, d.rdfi_routing
                ),
            );
        }
    }

    fn micro_entry(&mut self, company: &str, d: &EntryDetail, bn: usize) {
        let credit = d.transaction_code.is_credit();
        if !self.micro.contains_key(company) {
            self.micro
                .insert(company.to_string(), AccountMap::default());
        }
        let Some(accounts) = self.micro.get_mut(company) else {
            return;
        };
        let slot = accounts.entry(&d.rdfi_routing, &d.dfi_account_number, || (0, 0, bn));
        if credit {
            slot.0 = slot.0.saturating_add(d.amount_cents);
        } else {
            slot.1 = slot.1.saturating_add(d.amount_cents);
        }
    }

    /// Micro-entry debits above the credits, per company and account, in batch order.
    fn report_micro_debits(&self, c: &mut Collector) {
        let mut errors: Vec<_> = self
            .micro
            .iter()
            .flat_map(|(company, accounts)| accounts.iter().map(move |(r, a, v)| (company, r, a, v)))
            .filter(|(_, _, _, (credits, debits, _))| debits > credits)
            .map(|(company, routing, account, (credits, debits, bn))| {
                (
                    *bn,
                    format!(
                        "micro-entry debits of {debits} cents to account {account} at {routing} exceed the credits of {credits} cents (company {company})"
                    ),
                )
            })
            .collect();
        errors.sort();
        for (bn, reason) in errors {
            c.batch = Some(bn);
            c.push(Rule::MicroEntry, Some("amount"), reason);
        }
    }
}
/// The rules one entry must keep on its own, in a batch with `header`: the same checks
/// [`File::validate`] makes of every entry (field formats and the routing check digit, the
/// service class, prenotes, the addenda indicator and addenda, the SEC code's rules, the
/// receiver's name, a live entry's amount and a micro-entry credit's cap, the trace number's
/// ODFI). The rules across entries (unique and ascending trace numbers, one account type per
/// account, micro-entry debits within the credits, forward entries apart from returns) are
/// not among them. Errors carry no batch or entry position.
pub fn entry_errors(header: &BatchHeader, entry: &Entry) -> Vec<ValidationError> {
    let mut c = Collector {
        errors: Vec::new(),
        batch: None,
        entry: None,
    };
    validate_entry(&mut c, header, entry);
    c.errors
}

fn validate_entry(c: &mut Collector, header: &BatchHeader, entry: &Entry) {
    let d = &entry.detail;
    let code = d.transaction_code;
    let class = header.service_class;
    c.field(d.validate());
    if !class.allows(code) {
        c.push(
            Rule::ServiceClass,
            Some("transaction code"),
            format!(
                "transaction code {code} is a {} but the batch's service class is {class}",
                if code.is_credit() { "credit" } else { "debit" }
            ),
        );
    }
    if code.is_prenote() && d.amount_cents != 0 {
        c.push(
            Rule::Prenote,
            Some("amount"),
            format!("prenote (code {code}) must have a zero amount"),
        );
    }
    if d.addenda_indicator == entry.addenda.is_empty() {
        c.push(
            Rule::AddendaIndicator,
            Some("addenda record indicator"),
            format!(
                "addenda record indicator is {} but the entry has {} addenda records",
                u8::from(d.addenda_indicator),
                entry.addenda.len()
            ),
        );
    }
    let addenda = AddendaCounts::of(c, entry);
    if header.sec_code == SecCode::Cor {
        cor_rules(c, entry, &addenda);
    } else {
        sec_rules(c, header.sec_code, entry, &addenda);
        amount_rules(c, header, d);
    }
    trace_odfi(c, header, d);
}

/// Live entries move money, and a micro-entry credit stays under $1.00.
fn amount_rules(c: &mut Collector, header: &BatchHeader, d: &EntryDetail) {
    let code = d.transaction_code;
    if code.is_live() && d.amount_cents == 0 {
        c.push(
            Rule::ZeroAmount,
            Some("amount"),
            format!("a live entry (code {code}) must move money; a prenote sends nothing"),
        );
    }
    let is_micro = header.company_entry_description.trim() == "ACCTVERIFY";
    if is_micro && code.is_live() && code.is_credit() && d.amount_cents >= 100 {
        c.push(
            Rule::MicroEntry,
            Some("amount"),
            format!(
                "micro-entry credit of {} cents is not under $1.00",
                d.amount_cents
            ),
        );
    }
}

/// The trace number starts with the ODFI identification of the batch that originates it.
fn trace_odfi(c: &mut Collector, header: &BatchHeader, d: &EntryDetail) {
    let odfi = header.odfi_identification.as_str();
    if d.trace_number.len() == 15 && d.trace_number.get(..8) != Some(odfi) {
        c.push(
            Rule::TraceOdfi,
            Some("trace number"),
            format!(
                "trace number {} does not start with the batch's ODFI identification {odfi}",
                d.trace_number
            ),
        );
    }
}

/// What an entry is to its batch: a forward entry, a return, or a notification of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    Forward,
    Return,
    Noc,
}

impl EntryKind {
    fn of(entry: &Entry) -> Self {
        if entry.return_addenda().is_some() {
            EntryKind::Return
        } else if entry.noc_addenda().is_some() {
            EntryKind::Noc
        } else {
            EntryKind::Forward
        }
    }

    fn name(self) -> &'static str {
        match self {
            EntryKind::Forward => "forward",
            EntryKind::Return => "return",
            EntryKind::Noc => "notification-of-change",
        }
    }
}

/// The rules about an entry's place in its batch: trace numbers ascend, and forward entries
/// and returns are not mixed (notifications of change may sit with either).
#[derive(Default)]
struct BatchOrder {
    last_trace: Option<String>,
    kind: Option<EntryKind>,
}

impl BatchOrder {
    fn check(&mut self, c: &mut Collector, entry: &Entry) {
        let trace = &entry.detail.trace_number;
        if let Some(last) = &self.last_trace {
            if trace <= last {
                c.push(
                    Rule::TraceOrder,
                    Some("trace number"),
                    format!(
                        "trace number {trace} does not ascend from the previous entry's {last}"
                    ),
                );
            }
        }
        let last = self.last_trace.get_or_insert_with(String::new);
        last.clear();
        last.push_str(trace);
        let kind = EntryKind::of(entry);
        if kind == EntryKind::Noc {
            return;
        }
        match self.kind {
            None => self.kind = Some(kind),
            Some(first) if first != kind => c.push(
                Rule::Category,
                None,
                format!(
                    "a {} entry in a batch of {} entries; put forward entries and returns in separate batches",
                    kind.name(),
                    first.name()
                ),
            ),
            Some(_) => {}
        }
    }
}

/// How many addenda of each kind an entry has (payment addenda checked on the way).
struct AddendaCounts {
    payments: usize,
    nocs: usize,
    returns: usize,
    total: usize,
}

impl AddendaCounts {
    fn of(c: &mut Collector, entry: &Entry) -> Self {
        let d = &entry.detail;
        let mut payments = 0usize;
        for a in &entry.addenda {
            c.field(a.validate());
            if let Addenda::Payment(p) = a {
                payments += 1;
                let seq = u16::try_from(payments).unwrap_or(u16::MAX);
                if p.addenda_sequence_number != seq {
                    c.push(
                        Rule::AddendaSequence,
                        Some("addenda sequence number"),
                        format!(
                            "addenda sequence number is {} but this is addenda {payments} of the entry",
                            p.addenda_sequence_number
                        ),
                    );
                }
                let trace_seq = d.trace_number.get(8..).and_then(|s| s.parse::<u32>().ok());
                if trace_seq != Some(p.entry_detail_sequence_number) {
                    c.push(
                        Rule::AddendaSequence,
                        Some("entry detail sequence number"),
                        format!(
                            "entry detail sequence number {:07} is not the last 7 digits of trace number {}",
                            p.entry_detail_sequence_number, d.trace_number
                        ),
                    );
                }
            }
        }
        let count = |f: fn(&Addenda) -> bool| entry.addenda.iter().filter(|a| f(a)).count();
        Self {
            payments,
            nocs: count(|a| matches!(a, Addenda::Noc(_))),
            returns: count(|a| matches!(a, Addenda::Return(_))),
            total: entry.addenda.len(),
        }
    }
}

/// A COR entry: no money, a return/NOC code, exactly one addenda 98.
fn cor_rules(c: &mut Collector, entry: &Entry, a: &AddendaCounts) {
    let d = &entry.detail;
    let code = d.transaction_code;
    let (nocs, n) = (a.nocs, a.total);
    if d.amount_cents != 0 {
        c.push(
            Rule::SecCode,
            Some("amount"),
            format!(
                "COR (notification of change) entries carry no money, found {} cents",
                d.amount_cents
            ),
        );
    }
    if !code.is_return_or_noc() {
        c.push(
            Rule::SecCode,
            Some("transaction code"),
            format!(
                "COR entries use a return/NOC transaction code (21, 26, 31, 36, ...), found {code}"
            ),
        );
    }
    if nocs != 1 || n != 1 {
        c.push(
            Rule::SecCode,
            None,
            format!(
                "a COR entry needs exactly one addenda 98, found {n} addenda ({nocs} of type 98)"
            ),
        );
    }
}

/// Any other SEC code: no NOCs, returns well formed, at most one payment addenda, WEB's
/// payment type code.
fn sec_rules(c: &mut Collector, sec: SecCode, entry: &Entry, a: &AddendaCounts) {
    let d = &entry.detail;
    let code = d.transaction_code;
    let (nocs, returns, payments, n) = (a.nocs, a.returns, a.payments, a.total);
    if !code.is_return_or_noc() {
        receiver_name(c, sec, d);
    }
    if nocs > 0 {
        c.push(
            Rule::SecCode,
            Some("addenda type code"),
            format!("addenda 98 (NOC) is only allowed in COR batches, not {sec}"),
        );
    }
    if returns > 0 && (returns != 1 || n != 1) {
        c.push(
            Rule::SecCode,
            None,
            format!("a return carries exactly one addenda 99 and nothing else, found {n} addenda"),
        );
    }
    if returns > 0 && !code.is_return_or_noc() {
        c.push(
            Rule::SecCode,
            Some("transaction code"),
            format!("a return (addenda 99) needs a return transaction code (21, 26, 31, 36, ...), found {code}"),
        );
    }
    if code.is_return_or_noc() && returns == 0 {
        c.push(
            Rule::SecCode,
            Some("transaction code"),
            format!("transaction code {code} is for returns, which need an addenda 99"),
        );
    }
    if payments > 1 {
        c.push(
            Rule::SecCode,
            None,
            format!("{sec} entries carry at most one addenda 05, found {payments}"),
        );
    }
    if sec == SecCode::Web && !code.is_return_or_noc() {
        let ptc = d.discretionary_data.trim();
        if !matches!(ptc, "S" | "R" | "ST") {
            c.push(
                Rule::SecCode,
                Some("discretionary data"),
                format!("WEB payment type code must be S (single), R (recurring) or ST (standing), found {:?}", d.discretionary_data),
            );
        }
    }
}

/// A forward entry names its receiver: not blank, and in PPD and WEB batches (consumers) not
/// only zeros either, as moov-io/ach requires.
fn receiver_name(c: &mut Collector, sec: SecCode, d: &EntryDetail) {
    let name = d.individual_name.trim();
    if name.is_empty() {
        c.push(
            Rule::IndividualName,
            Some("individual name"),
            "the receiver's name is blank (only spaces); name the receiver".to_string(),
        );
    } else if matches!(sec, SecCode::Ppd | SecCode::Web)
        && name.chars().all(|ch| ch == '0' || ch == ' ')
    {
        c.push(
            Rule::IndividualName,
            Some("individual name"),
            format!("the receiver's name is only zeros ({name:?}); name the receiver"),
        );
    }
}

fn validate_batch_control(c: &mut Collector, batch: &Batch, t: &Totals) {
    use crate::records::control::batch as l;
    let h = &batch.header;
    let k = &batch.control;
    c.field(k.validate());
    let mut mismatch = |field: &'static str, said: String, is: String| {
        c.push(
            Rule::ControlMismatch,
            Some(field),
            format!("batch control says {said} but the batch has {is}"),
        );
    };
    if k.service_class != h.service_class {
        mismatch(
            l::SERVICE_CLASS.name,
            k.service_class.to_string(),
            format!("service class {} in its header", h.service_class),
        );
    }
    if u64::from(k.entry_addenda_count) != t.entry_addenda_count {
        mismatch(
            l::COUNT.name,
            k.entry_addenda_count.to_string(),
            format!("{} entry and addenda records", t.entry_addenda_count),
        );
    }
    if k.entry_hash != t.entry_hash {
        mismatch(
            l::HASH.name,
            format!("{:010}", k.entry_hash),
            format!("entry hash {:010}", t.entry_hash),
        );
    }
    if k.total_debit_cents != t.total_debit_cents {
        mismatch(
            l::DEBIT.name,
            k.total_debit_cents.to_string(),
            format!("{} cents of debits", t.total_debit_cents),
        );
    }
    if k.total_credit_cents != t.total_credit_cents {
        mismatch(
            l::CREDIT.name,
            k.total_credit_cents.to_string(),
            format!("{} cents of credits", t.total_credit_cents),
        );
    }
    if k.company_identification.trim() != h.company_identification.trim() {
        mismatch(
            l::COMPANY_ID.name,
            format!("{:?}", k.company_identification),
            format!("{:?} in its header", h.company_identification),
        );
    }
    if k.odfi_identification != h.odfi_identification {
        mismatch(
            l::ODFI.name,
            k.odfi_identification.clone(),
            format!("{} in its header", h.odfi_identification),
        );
    }
    if k.batch_number != h.batch_number {
        c.push(
            Rule::BatchNumber,
            Some(l::BATCH_NUMBER.name),
            format!(
                "batch control says {} but the batch header says {}",
                k.batch_number, h.batch_number
            ),
        );
    }
}

fn validate_file_control(c: &mut Collector, k: &FileControl, counts: (usize, u64), t: &Totals) {
    use crate::records::control::file as l;
    let (batches, records) = counts;
    let blocks = records.div_ceil(BLOCKING_FACTOR);
    c.field(k.validate());
    let mut mismatch = |rule: Rule, field: &'static str, said: String, is: String| {
        c.push(
            rule,
            Some(field),
            format!("file control says {said} but the file has {is}"),
        );
    };
    if k.batch_count as usize != batches {
        mismatch(
            Rule::ControlMismatch,
            l::BATCH_COUNT.name,
            k.batch_count.to_string(),
            format!("{batches} batches"),
        );
    }
    if u64::from(k.block_count) != blocks {
        mismatch(
            Rule::BlockCount,
            l::BLOCK_COUNT.name,
            k.block_count.to_string(),
            format!("{records} records, which make {blocks} blocks"),
        );
    }
    if u64::from(k.entry_addenda_count) != t.entry_addenda_count {
        mismatch(
            Rule::ControlMismatch,
            l::COUNT.name,
            k.entry_addenda_count.to_string(),
            format!("{} entry and addenda records", t.entry_addenda_count),
        );
    }
    if k.entry_hash != t.entry_hash {
        mismatch(
            Rule::ControlMismatch,
            l::HASH.name,
            format!("{:010}", k.entry_hash),
            format!("entry hash {:010}", t.entry_hash),
        );
    }
    if k.total_debit_cents != t.total_debit_cents {
        mismatch(
            Rule::ControlMismatch,
            l::DEBIT.name,
            k.total_debit_cents.to_string(),
            format!("{} cents of debits", t.total_debit_cents),
        );
    }
    if k.total_credit_cents != t.total_credit_cents {
        mismatch(
            Rule::ControlMismatch,
            l::CREDIT.name,
            k.total_credit_cents.to_string(),
            format!("{} cents of credits", t.total_credit_cents),
        );
    }
}
