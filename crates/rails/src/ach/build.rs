//! Turning claimed entries into a NACHA file, and inbound files into returns and NOCs. Pure:
//! the same claim always gives the same bytes, which is what makes rewriting after a crash safe.

use pennydrop_core::model::{AchFile, BankAccountType, FileEntry, HolderType};
use pennydrop_core::text::nacha_text;
use pennydrop_core::AccountNumber;
use pennydrop_engine::ports::{CutoffClaim, FileIdentity};
use pennydrop_engine::returns::CorrectedData;
use std::collections::BTreeMap;

use nacha::{
    AccountType, Addenda, BatchParams, Entry, EntryDetail, FileBuilder, FileHeaderParams, SecCode,
    TransactionCode,
};

/// The originating bank and the company the holder sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OdfiConfig {
    /// The ODFI's routing number (9 digits); its first 8 digits start every trace number.
    pub routing_number: String,
    /// Where files go (immediate destination, 9 digits) and its name.
    pub immediate_destination: String,
    pub immediate_destination_name: String,
    /// Who sends them (immediate origin, up to 10) and its name.
    pub immediate_origin: String,
    pub immediate_origin_name: String,
    /// Company name on the holder's statement (16) and the company identification (10).
    pub company_name: String,
    pub company_identification: String,
    /// Use WEB instead of PPD for individuals (accounts linked online).
    pub web_for_individuals: bool,
}

impl OdfiConfig {
    /// The simulated ODFI, used when nothing is configured.
    pub fn simulated(company_name: &str) -> Self {
        Self {
            routing_number: SIMULATED_BANK.into(),
            immediate_destination: SIMULATED_BANK.into(),
            immediate_destination_name: "PENNYDROP SIMULATED BANK".into(),
            immediate_origin: "1234567890".into(),
            immediate_origin_name: company_name.to_string(),
            company_name: company_name.to_string(),
            company_identification: "1234567890".into(),
            web_for_individuals: false,
        }
    }

    /// Whether this is the simulated network's own ODFI (not a real bank).
    pub fn is_simulated(&self) -> bool {
        self.routing_number == SIMULATED_BANK
    }

    pub fn odfi_identification(&self) -> &str {
        self.routing_number.get(..8).unwrap_or(&self.routing_number)
    }
}

/// Company entry description for micro-entries (Nacha rule).
pub const ACCTVERIFY: &str = "ACCTVERIFY";

/// A name safe for file names: upper-case letters and digits.
pub fn file_name_stem(company: &str) -> String {
    let stem: String = company
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .take(16)
        .collect();
    if stem.is_empty() {
        "ACH".into()
    } else {
        stem
    }
}

/// The start of a file's name: the company stem and the creation time (New York).
pub fn file_name_prefix(company: &str, created: &jiff::Zoned) -> String {
    format!(
        "{}-{}",
        file_name_stem(company),
        created.strftime("%Y%m%d-%H%M%S")
    )
}

/// The file ID modifier rotates `A`-`Z`, `0`-`9` through the day's files; the name is the
/// prefix, the modifier and a short file ID: `PENNYDROP-20261123-141500-A-1a2b3c4d.ach`.
pub fn file_identity(claim: &CutoffClaim, files_today: i64) -> FileIdentity {
    const MODIFIERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let index = usize::try_from(files_today).unwrap_or(0) % MODIFIERS.len();
    let modifier = char::from(MODIFIERS[index]);
    let short_id = &claim.file_id.simple().to_string()[..8];
    FileIdentity {
        modifier,
        name: format!("{}-{modifier}-{short_id}.ach", claim.file_name_prefix),
    }
}

pub fn sec_code(holder: HolderType, odfi: &OdfiConfig) -> SecCode {
    match holder {
        HolderType::Business => SecCode::Ccd,
        HolderType::Individual | HolderType::Guest if odfi.web_for_individuals => SecCode::Web,
        HolderType::Individual | HolderType::Guest => SecCode::Ppd,
    }
}

pub fn account_type(t: BankAccountType) -> AccountType {
    match t {
        BankAccountType::Checking => AccountType::Checking,
        BankAccountType::Savings => AccountType::Savings,
        BankAccountType::GeneralLedger => AccountType::GeneralLedger,
        BankAccountType::Loan => AccountType::Loan,
    }
}

pub fn bank_account_type(t: AccountType) -> BankAccountType {
    match t {
        AccountType::Checking => BankAccountType::Checking,
        AccountType::Savings => BankAccountType::Savings,
        AccountType::GeneralLedger => BankAccountType::GeneralLedger,
        AccountType::Loan => BankAccountType::Loan,
    }
}

/// The trace number of an entry: the ODFI's 8 digits and the sequence's last 7.
pub fn trace_number(odfi: &OdfiConfig, trace_seq: i64) -> String {
    format!(
        "{}{:07}",
        odfi.odfi_identification(),
        trace_seq.rem_euclid(10_000_000)
    )
}

/// A file's NACHA entries gathered as its rows arrive (in trace order): one batch per SEC code,
/// company entry description `ACCTVERIFY`, effective date = the file's. Only the NACHA entries
/// are kept, not the rows they came from.
#[derive(Default)]
pub struct FileDraft {
    by_sec: BTreeMap<&'static str, (SecCode, Vec<Entry>)>,
}

impl FileDraft {
    /// Adds one entry with its opened account number.
    pub fn add(
        &mut self,
        odfi: &OdfiConfig,
        e: &FileEntry,
        number: &AccountNumber,
    ) -> Result<(), String> {
        let (sec, entry) = nacha_entry(odfi, e, number)?;
        self.by_sec
            .entry(sec.as_str())
            .or_insert_with(|| (sec, Vec::new()))
            .1
            .push(entry);
        Ok(())
    }

    /// The NACHA text of `file`.
    pub fn build(self, odfi: &OdfiConfig, file: &AchFile) -> Result<String, String> {
        let created = file
            .created_on
            .to_zoned(pennydrop_calendar::new_york_tz())
            .datetime();
        let mut builder = FileBuilder::new(FileHeaderParams {
            immediate_destination: odfi.immediate_destination.clone(),
            immediate_origin: odfi.immediate_origin.clone(),
            destination_name: nacha_text(&odfi.immediate_destination_name, 23),
            origin_name: nacha_text(&odfi.immediate_origin_name, 23),
            creation: created,
            file_id_modifier: file.file_id_modifier,
            reference_code: file.file_id.simple().to_string()[..8].to_ascii_uppercase(),
        });
        for (_, (sec, batch_entries)) in self.by_sec {
            builder = builder.batch(batch_params(odfi, sec, file.effective_date), batch_entries);
        }
        let built = builder.build().map_err(|e| e.to_string())?;
        Ok(built.to_text())
    }
}

/// The batch an entry of SEC code `sec` goes in.
fn batch_params(odfi: &OdfiConfig, sec: SecCode, effective_date: jiff::civil::Date) -> BatchParams {
    BatchParams {
        company_name: nacha_text(&odfi.company_name, 16),
        company_discretionary_data: String::new(),
        company_identification: odfi.company_identification.clone(),
        sec_code: sec,
        company_entry_description: ACCTVERIFY.into(),
        company_descriptive_date: None,
        effective_entry_date: effective_date,
        odfi_identification: odfi.odfi_identification().to_string(),
    }
}

/// The NACHA entry (and its SEC code) for one of a file's entries.
fn nacha_entry(
    odfi: &OdfiConfig,
    e: &FileEntry,
    number: &AccountNumber,
) -> Result<(SecCode, Entry), String> {
    let sec = sec_code(e.holder_type, odfi);
    let code = TransactionCode::live(account_type(e.bank_account_type), e.entry.is_credit);
    let amount = u64::try_from(e.entry.amount_cents).map_err(|_| "negative amount".to_string())?;
    let mut detail = EntryDetail::new(code, e.routing_number.clone(), number.expose(), amount)
        .individual_id(e.entry.bank_account_id.simple().to_string()[..15].to_ascii_uppercase())
        .individual_name(nacha_text(&e.holder_name, 22))
        .trace_number(trace_number(odfi, e.trace_seq));
    if sec == SecCode::Web {
        detail = detail.discretionary_data("S");
    }
    let mut entry = Entry::new(detail);
    if let Some(info) = &e.entry.addenda {
        entry = entry.with_payment_info(nacha_text(info, 80));
    }
    Ok((sec, entry))
}

/// The NACHA rule an entry would break in a file dated `effective_date`, if any: the rule's
/// name and what is wrong, with the account number masked. The same per-entry checks the
/// file validator makes (`nacha::check_entry`); the cutoff holds such an entry back.
pub fn entry_problem(
    odfi: &OdfiConfig,
    e: &FileEntry,
    number: &AccountNumber,
    effective_date: jiff::civil::Date,
) -> Option<(String, String)> {
    let (sec, entry) = match nacha_entry(odfi, e, number) {
        Ok(made) => made,
        Err(reason) => {
            return Some((
                nacha::Rule::Field.name().to_string(),
                format!("amount: {reason}"),
            ))
        }
    };
    let errors = nacha::check_entry(&batch_params(odfi, sec, effective_date), &entry);
    let first = errors.first()?;
    let field = first.field.map(|f| format!("{f}: ")).unwrap_or_default();
    let mut reason = format!("{field}{}", first.reason);
    let clear = number.expose();
    if clear.trim().len() >= 4 {
        reason = reason.replace(clear.trim(), "****");
    }
    Some((first.rule.name().to_string(), reason))
}

/// A return or NOC found in an inbound file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundItem {
    Return {
        original_trace: String,
        code: String,
    },
    Noc {
        original_trace: String,
        code: String,
        corrected: CorrectedData,
    },
}

impl InboundItem {
    pub fn original_trace(&self) -> &str {
        match self {
            InboundItem::Return { original_trace, .. }
            | InboundItem::Noc { original_trace, .. } => original_trace,
        }
    }

    /// The last seven digits of the original trace number: our trace sequence, modulo 10^7.
    pub fn original_trace_seq(&self) -> i64 {
        let t = self.original_trace();
        t.get(t.len().saturating_sub(7)..)
            .and_then(|s| s.parse().ok())
            .unwrap_or(-1)
    }
}

/// Reads an inbound file completely, or says why it cannot be used.
pub fn parse_inbound(text: &str) -> Result<Vec<InboundItem>, String> {
    let file = nacha::read_str(text).map_err(|e| e.to_string())?;
    let mut items = Vec::new();
    for batch in &file.batches {
        for entry in &batch.entries {
            for addenda in &entry.addenda {
                match addenda {
                    Addenda::Return(r) => items.push(InboundItem::Return {
                        original_trace: r.original_entry_trace.clone(),
                        code: r.return_reason_code.clone(),
                    }),
                    Addenda::Noc(n) => items.push(InboundItem::Noc {
                        original_trace: n.original_entry_trace.clone(),
                        code: n.change_code.clone(),
                        corrected: corrected_data(&n.change_code, &n.corrected_data)?,
                    }),
                    Addenda::Payment(_) => {}
                }
            }
        }
    }
    Ok(items)
}

fn slice(data: &str, from: usize, to: usize) -> String {
    data.get(from..to.min(data.len()))
        .unwrap_or("")
        .trim()
        .to_string()
}

fn account(
    data: &str,
    from: usize,
    to: usize,
    code: &str,
) -> Result<Option<AccountNumber>, String> {
    let raw = slice(data, from, to);
    AccountNumber::parse(&raw)
        .map(Some)
        .map_err(|e| format!("{code} corrected account number: {e}"))
}

fn routing(data: &str, from: usize, to: usize, code: &str) -> Result<Option<String>, String> {
    let raw = slice(data, from, to);
    pennydrop_core::RoutingNumber::parse(&raw)
        .map(|r| Some(r.to_string()))
        .map_err(|e| format!("{code} corrected routing number: {e}"))
}

fn transaction_type(
    data: &str,
    from: usize,
    code: &str,
) -> Result<Option<BankAccountType>, String> {
    let raw = slice(data, from, from + 2);
    let tc = raw
        .parse::<u8>()
        .ok()
        .and_then(TransactionCode::new)
        .ok_or_else(|| format!("{code} corrected transaction code {raw:?} is not valid"))?;
    Ok(Some(bank_account_type(tc.account_type())))
}

/// The corrected data of a NOC, by change code (positions as in the NACHA rules).
pub fn corrected_data(code: &str, data: &str) -> Result<CorrectedData, String> {
    let mut c = CorrectedData::default();
    match code {
        "C01" => c.account_number = account(data, 0, 17, code)?,
        "C02" => c.routing_number = routing(data, 0, 9, code)?,
        "C03" => {
            c.routing_number = routing(data, 0, 9, code)?;
            c.account_number = account(data, 12, 29, code)?;
        }
        "C04" => c.holder_name = Some(slice(data, 0, 22)).filter(|n| !n.is_empty()),
        "C05" => c.bank_account_type = transaction_type(data, 0, code)?,
        "C06" => {
            c.account_number = account(data, 0, 17, code)?;
            c.bank_account_type = transaction_type(data, 20, code)?;
        }
        "C07" => {
            c.routing_number = routing(data, 0, 9, code)?;
            c.account_number = account(data, 9, 26, code)?;
            c.bank_account_type = transaction_type(data, 26, code)?;
        }
        // C09 (individual ID) and later codes correct nothing Pennydrop stores; recorded only.
        _ => {}
    }
    Ok(c)
}

/// The simulated banks' answer to an outbox file: one return (addenda 99) per returned entry
/// and one notification of change (SEC COR, addenda 98) per corrected entry, sent back to the
/// originating bank.
pub fn simulated_reply(
    original: &nacha::File,
    returns: &[(nacha::Batch, nacha::Entry, String)],
    nocs: &[(nacha::Batch, nacha::Entry, String, String)],
    now: jiff::Timestamp,
) -> Result<String, String> {
    let created = now.to_zoned(pennydrop_calendar::new_york_tz()).datetime();
    let mut builder = FileBuilder::new(FileHeaderParams {
        immediate_destination: original.header.immediate_destination.clone(),
        immediate_origin: format!(" {SIMULATED_BANK}"),
        destination_name: original.header.destination_name.clone(),
        origin_name: "PENNYDROP SIM BANK".into(),
        creation: created,
        file_id_modifier: original.header.file_id_modifier,
        reference_code: "RETURNS".into(),
    });
    let mut seq = 0u32;
    let mut next_trace = || {
        seq += 1;
        format!("{}{seq:07}", &SIMULATED_BANK[..8])
    };
    for (batch, entry, code) in returns {
        let trace = next_trace();
        let d = &entry.detail;
        let ret = nacha::Addenda99 {
            return_reason_code: code.clone(),
            original_entry_trace: d.trace_number.clone(),
            date_of_death: None,
            original_rdfi_identification: d.rdfi_identification().to_string(),
            addenda_information: String::new(),
            trace_number: trace.clone(),
        };
        let detail = reply_detail(batch, entry, d.amount_cents, trace)?;
        builder = builder.batch(
            reply_batch(batch, batch.header.sec_code, SIMULATED_BANK),
            vec![Entry::new(detail).with_return(ret)],
        );
    }
    for (batch, entry, code, corrected) in nocs {
        let trace = next_trace();
        let d = &entry.detail;
        let noc = nacha::Addenda98 {
            change_code: code.clone(),
            original_entry_trace: d.trace_number.clone(),
            original_rdfi_identification: d.rdfi_identification().to_string(),
            corrected_data: corrected.clone(),
            trace_number: trace.clone(),
        };
        let detail = reply_detail(batch, entry, 0, trace)?;
        builder = builder.batch(
            reply_batch(batch, SecCode::Cor, SIMULATED_BANK),
            vec![Entry::new(detail).with_noc(noc)],
        );
    }
    Ok(builder.build().map_err(|e| e.to_string())?.to_string())
}

/// The simulated bank's routing number (the simulated ODFI and receiving bank).
pub const SIMULATED_BANK: &str = "110000000";

/// A return's or NOC's entry detail: back to the ODFI, with the return transaction code.
fn reply_detail(
    batch: &nacha::Batch,
    entry: &nacha::Entry,
    amount_cents: u64,
    trace: String,
) -> Result<EntryDetail, String> {
    let d = &entry.detail;
    let first8 = &batch.header.odfi_identification;
    let check = nacha::check_digit(first8)
        .ok_or_else(|| format!("ODFI identification {first8:?} is not 8 digits"))?;
    Ok(EntryDetail::new(
        return_code(d.transaction_code)?,
        format!("{first8}{check}"),
        d.dfi_account_number.clone(),
        amount_cents,
    )
    .individual_id(d.individual_id.clone())
    .individual_name(d.individual_name.clone())
    .trace_number(trace))
}

/// The return/NOC transaction code of a forward entry's code (22 → 21, 27 → 26, …).
fn return_code(tc: TransactionCode) -> Result<TransactionCode, String> {
    let code = match tc.get() {
        22 | 23 => 21,
        27 | 28 => 26,
        32 | 33 => 31,
        37 | 38 => 36,
        42 | 43 => 41,
        47 | 48 => 46,
        52 | 53 => 51,
        55 => 56,
        other => return Err(format!("no return code for transaction code {other}")),
    };
    TransactionCode::new(code).ok_or_else(|| format!("transaction code {code}"))
}

fn reply_batch(original: &nacha::Batch, sec: SecCode, rdfi: &str) -> BatchParams {
    BatchParams {
        company_name: original.header.company_name.clone(),
        company_discretionary_data: String::new(),
        company_identification: original.header.company_identification.clone(),
        sec_code: sec,
        company_entry_description: original.header.company_entry_description.clone(),
        company_descriptive_date: None,
        effective_entry_date: original
            .header
            .effective_entry_date
            .unwrap_or(jiff::civil::date(2000, 1, 1)),
        odfi_identification: rdfi[..8].to_string(),
    }
}
