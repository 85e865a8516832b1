//! Shared helpers for the integration tests.
#![allow(dead_code)]

use jiff::civil::date;
use nacha::*;

/// A test data file from `tests/data` (copies of the shared samples; see tests/data/README.md).
pub fn data(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The names of the `.ach` samples.
pub const SAMPLES: &[&str] = &[
    "20110805A.ach",
    "cor-example.ach",
    "extended-ascii.ach",
    "long-line.ach",
    "ppd-debit-invalid-entryDetail-checkDigit.ach",
    "ppd-debit.ach",
    "ppd-mixedDebitCredit-invalid.ach",
    "ppd-mixedDebitCredit.ach",
    "return-WEB.ach",
    "short-line.ach",
    "two-micro-deposits.ach",
    "web-debit.ach",
];

/// A routing number with a valid check digit from its first eight digits.
pub fn routing(first8: &str) -> String {
    format!("{first8}{}", check_digit(first8).unwrap())
}

pub fn header_params() -> FileHeaderParams {
    FileHeaderParams {
        immediate_destination: "231380104".into(),
        immediate_origin: "121042882".into(),
        destination_name: "Federal Reserve Bank".into(),
        origin_name: "Pennydrop Bank".into(),
        creation: date(2026, 11, 23).at(9, 30, 15, 0),
        file_id_modifier: 'a',
        reference_code: "ref1".into(),
    }
}

pub fn batch_params(sec: SecCode, odfi: &str) -> BatchParams {
    BatchParams {
        company_name: "Pennydrop".into(),
        company_discretionary_data: String::new(),
        company_identification: "1234567890".into(),
        sec_code: sec,
        company_entry_description: "ACCTVERIFY".into(),
        company_descriptive_date: Some("SD1300".into()),
        effective_entry_date: date(2026, 11, 24),
        odfi_identification: odfi.into(),
    }
}

pub fn credit(account: &str, cents: u64) -> Entry {
    Entry::new(
        EntryDetail::new(
            TransactionCode::CHECKING_CREDIT,
            routing("23138010"),
            account,
            cents,
        )
        .individual_name("Jane Doe")
        .individual_id("cust-1"),
    )
}

pub fn debit(account: &str, cents: u64) -> Entry {
    Entry::new(
        EntryDetail::new(
            TransactionCode::CHECKING_DEBIT,
            routing("23138010"),
            account,
            cents,
        )
        .individual_name("Jane Doe")
        .individual_id("cust-1"),
    )
}

/// Two batches: micro-deposits (credits 12 + 34 and an offsetting debit of 46), and a
/// credits-only WEB batch with an addenda 05.
pub fn sample_file() -> File {
    let mut web = batch_params(SecCode::Web, "12104288");
    web.company_entry_description = "PAYOUT".into();
    FileBuilder::new(header_params())
        .batch(
            batch_params(SecCode::Ppd, "12104288"),
            vec![
                credit("12345678", 12),
                credit("12345678", 34),
                debit("12345678", 46),
            ],
        )
        .batch(
            web,
            vec![Entry::new(
                EntryDetail::new(
                    TransactionCode::SAVINGS_CREDIT,
                    routing("09100001"),
                    "987654321",
                    150_000,
                )
                .individual_name("Bob Smith")
                .discretionary_data("S"),
            )
            .with_payment_info("Invoice 42")],
        )
        .build()
        .unwrap()
}

/// The lines of a written file.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// Reads with both readers and checks they agree; returns the whole-file result.
pub fn read_both(text: &str) -> Result<File, ReadError> {
    let full = read_str(text);
    let streamed = stream(text);
    assert_eq!(full, streamed, "read_str and Reader disagree");
    full
}

/// Reads with the streaming reader, one batch at a time, and reassembles the file.
pub fn stream(text: &str) -> Result<File, ReadError> {
    let mut reader = Reader::new(text.as_bytes());
    let mut batches = Vec::new();
    while let Some(b) = reader.next_batch()? {
        batches.push(b);
    }
    Ok(File {
        header: reader.file_header().cloned().unwrap(),
        batches,
        control: reader.file_control().cloned().unwrap(),
    })
}

/// Replaces `len` characters at 1-based `pos` of 1-based line `line`.
pub fn patch(text: &str, line: usize, pos: usize, value: &str) -> String {
    let mut ls = lines(text);
    let l = &mut ls[line - 1];
    l.replace_range(pos - 1..pos - 1 + value.len(), value);
    ls.join("\n") + "\n"
}
