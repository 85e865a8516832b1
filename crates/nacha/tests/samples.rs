//! Reading every sample file (copies in tests/data, see tests/data/README.md) with the expected
//! result, and round-tripping every record line they contain.

mod common;

use std::io::{BufReader, Read};

use common::*;
use nacha::*;

fn err(name: &str) -> ReadError {
    read_both(&data(name)).expect_err(name)
}

fn ok(name: &str) -> File {
    read_both(&data(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn valid_samples_read_and_validate() {
    for name in [
        "ppd-debit.ach",
        "ppd-mixedDebitCredit.ach",
        "web-debit.ach",
        "return-WEB.ach",
        "cor-example.ach",
        "ppd-mixedDebitCredit-invalid.ach",
    ] {
        let file = ok(name);
        file.validate()
            .unwrap_or_else(|e| panic!("{name} should validate: {e}"));
    }
}

#[test]
fn ppd_debit_fields() {
    let f = ok("ppd-debit.ach");
    assert_eq!(f.header.immediate_destination, "231380104");
    assert_eq!(f.header.immediate_origin, "0121042882");
    assert_eq!(f.header.origin_name, "My Bank Name");
    assert_eq!(f.batches.len(), 1);
    let b = &f.batches[0];
    assert_eq!(b.header.service_class, ServiceClass::DebitsOnly);
    assert_eq!(b.header.sec_code, SecCode::Ppd);
    assert_eq!(
        b.header.effective_entry_date,
        Some(jiff::civil::date(2019, 6, 25))
    );
    let e = &b.entries[0].detail;
    assert_eq!(e.transaction_code, TransactionCode::CHECKING_DEBIT);
    assert_eq!(e.rdfi_routing, "231380104");
    assert_eq!(e.dfi_account_number, "12345678");
    assert_eq!(e.amount_cents, 100_000_000);
    assert_eq!(e.individual_name, "Receiver Account Name");
    assert_eq!(e.trace_number, "121042880000001");
    assert_eq!(f.control.total_debit_cents, 100_000_000);
    assert_eq!(f.control.block_count, 1);
}

#[test]
fn ppd_debit_is_rejected_in_strict_mode_because_its_lines_lost_their_trailing_blanks() {
    let e = read_str_with(&data("ppd-debit.ach"), ReadOptions::strict()).unwrap_err();
    assert_eq!(e.line, 1);
    assert_eq!(e.kind, ReadErrorKind::LineLength);
    assert_eq!(
        e.to_string(),
        "line 1: record is 75 characters long, expected 94"
    );
}

#[test]
fn return_web_has_two_returns() {
    let f = ok("return-WEB.ach");
    let returns: Vec<_> = f.entries().filter_map(Entry::return_addenda).collect();
    assert_eq!(returns.len(), 2);
    assert_eq!(returns[0].return_reason_code, "R01");
    assert_eq!(returns[0].original_entry_trace, "091400600000001");
    assert_eq!(returns[0].original_rdfi_identification, "09100001");
    assert_eq!(returns[0].date_of_death, None);
    assert_eq!(returns[1].return_reason_code, "R03");
    // Company identification is "123456789 " in the header but " 123456789" in the control.
    assert_eq!(f.batches[0].control.company_identification, " 123456789");
    assert_eq!(
        f.batches[0].header.effective_entry_date,
        Some(jiff::civil::date(2000, 1, 1))
    );
    let s = summary(&f);
    assert_eq!(s.batches[0].return_count, 1);
    assert_eq!(s.total_debit_cents, 12354);
    assert_eq!(s.total_credit_cents, 4565);
}

#[test]
fn cor_example_is_a_noc() {
    let f = ok("cor-example.ach");
    let b = &f.batches[0];
    assert_eq!(b.header.sec_code, SecCode::Cor);
    assert_eq!(b.header.effective_entry_date, None, "000000");
    let noc = b.entries[0].noc_addenda().unwrap();
    assert_eq!(noc.change_code, "C01");
    assert_eq!(noc.original_entry_trace, "121042880000001");
    assert_eq!(noc.corrected_data, "1918171614");
    assert_eq!(summary(&f).batches[0].noc_count, 1);
}

#[test]
fn web_debit_keeps_leading_blanks_of_fields() {
    let f = ok("web-debit.ach");
    assert_eq!(f.batches.len(), 3);
    assert_eq!(f.batches[0].entries[0].detail.discretionary_data, " S");
    assert_eq!(f.batches[0].header.company_descriptive_date, "Mar 5");
    assert_eq!(f.batches[2].header.service_class, ServiceClass::DebitsOnly);
    assert_eq!(f.header.reference_code, "A0000001");
}

#[test]
fn mixed_debit_credit_invalid_is_accepted_with_a_free_text_origin() {
    // Upstream calls it invalid for its immediate origin; the origin is bank-assigned free text,
    // right-justified, so " 000TESTER" is accepted and kept.
    let f = ok("ppd-mixedDebitCredit-invalid.ach");
    assert_eq!(f.header.immediate_origin, "000TESTER");
    assert_eq!(f.batches[0].control.total_debit_cents, 100_000);
    assert_eq!(f.batches[0].control.total_credit_cents, 100_000);
}

#[test]
fn two_micro_deposits_reads_but_fails_validation_for_the_code_pairing_bug() {
    let f = ok("two-micro-deposits.ach");
    let errors = f.validate().unwrap_err().0;
    assert_eq!(errors.len(), 2, "{errors:?}");
    for (e, batch) in errors.iter().zip([1, 2]) {
        assert_eq!(e.rule, Rule::AccountType);
        assert_eq!((e.batch, e.entry), (Some(batch), Some(3)));
        assert!(
            e.reason.contains("Checking (code 27) but as Savings"),
            "{e}"
        );
    }
}

#[test]
fn iat_sample_is_rejected_at_its_first_iat_batch() {
    let e = err("20110805A.ach");
    assert_eq!(e.line, 49);
    assert_eq!(e.field, Some("standard entry class code"));
    assert_eq!(
        e.to_string(),
        "line 49: standard entry class code: unsupported SEC code \"IAT\" (supported: PPD, CCD, WEB, COR)"
    );
}

#[test]
fn iat_sample_without_iat_batches_shows_its_defective_file_control() {
    // Keep the two PPD batches (lines 1-48) and the original file control: the file control
    // says 5 batches for what is now 2 (the original has 4 with the IAT ones).
    let text = data("20110805A.ach");
    let ls = lines(&text);
    let mut kept: Vec<String> = ls[..48].to_vec();
    kept.push(ls.last().unwrap().clone());
    // Its file control also fills the reserved positions 56-94 with zeros.
    let e = read_both(&(kept.join("\n") + "\n")).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "line 49: reserved: reserved field must be blank, found \"{}\"",
            "0".repeat(39)
        )
    );
    kept[48].replace_range(55.., &" ".repeat(39));
    let e = read_both(&(kept.join("\n") + "\n")).unwrap_err();
    assert_eq!(e.line, 49);
    assert_eq!(e.kind, ReadErrorKind::ControlMismatch);
    assert_eq!(
        e.to_string(),
        "line 49: batch count: file control says 5 but the file has 2 batches"
    );
}

#[test]
fn invalid_check_digit_sample() {
    let e = err("ppd-debit-invalid-entryDetail-checkDigit.ach");
    assert_eq!(e.line, 3);
    assert_eq!(e.kind, ReadErrorKind::CheckDigit);
    assert_eq!(
        e.to_string(),
        "line 3: check digit: check digit \"5\" does not match RDFI routing 23138010 (expected 4)"
    );
}

#[test]
fn short_line_sample() {
    let e = err("short-line.ach");
    assert_eq!(e.line, 5);
    assert_eq!(e.kind, ReadErrorKind::LineLength);
    assert_eq!(
        e.to_string(),
        "line 5: record is 74 characters long, expected 94"
    );
}

#[test]
fn long_line_sample() {
    let e = err("long-line.ach");
    assert_eq!(e.line, 3);
    assert_eq!(e.kind, ReadErrorKind::LineLength);
    assert_eq!(
        e.to_string(),
        "line 3: record is 98 characters long, expected 94"
    );
}

#[test]
fn extended_ascii_sample() {
    let e = err("extended-ascii.ach");
    assert_eq!(e.line, 15);
    assert_eq!(e.kind, ReadErrorKind::NonAscii);
    assert_eq!(
        e.to_string(),
        "line 15: individual name: non-ASCII character 'ż' at position 68"
    );
    // The streaming reader says the same when given the raw bytes.
    let bytes = std::fs::read(format!(
        "{}/tests/data/extended-ascii.ach",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let streamed: Result<Vec<Event>, ReadError> = Reader::new(&bytes[..]).collect();
    assert_eq!(streamed.unwrap_err(), e);
}

#[test]
fn every_sample_line_round_trips_through_its_record_type() {
    let mut checked = 0;
    for name in SAMPLES {
        for (i, raw) in lines(&data(name)).iter().enumerate() {
            // Lines whose trailing blanks were stripped are compared padded; lines that are
            // otherwise broken (wrong length, non-ASCII) are the samples' deliberate defects.
            let line = if raw.len() < 94 && !raw.ends_with(' ') {
                format!("{raw:<94}")
            } else {
                raw.clone()
            };
            if line.len() != 94 || !line.is_ascii() || line == PADDING_LINE {
                continue;
            }
            let formatted = match &line[..1] {
                "1" => FileHeader::parse(&line)
                    .map(|r| roundtrip(r, FileHeader::parse, FileHeader::to_line)),
                "5" => BatchHeader::parse(&line)
                    .map(|r| roundtrip(r, BatchHeader::parse, BatchHeader::to_line)),
                "6" => EntryDetail::parse(&line)
                    .map(|r| roundtrip(r, EntryDetail::parse, EntryDetail::to_line)),
                "7" => {
                    Addenda::parse(&line).map(|r| roundtrip(r, Addenda::parse, Addenda::to_line))
                }
                "8" => BatchControl::parse(&line)
                    .map(|r| roundtrip(r, BatchControl::parse, BatchControl::to_line)),
                "9" => FileControl::parse(&line)
                    .map(|r| roundtrip(r, FileControl::parse, FileControl::to_line)),
                _ => unreachable!(),
            };
            match formatted {
                Ok(out) => {
                    assert_eq!(out, line, "{name}:{}", i + 1);
                    checked += 1;
                }
                Err(e) => {
                    // The only lines that do not parse are the deliberate defects.
                    let expected = matches!(
                        (*name, i + 1),
                        ("ppd-debit-invalid-entryDetail-checkDigit.ach", 3)
                            | ("20110805A.ach", 49..=93)
                    );
                    assert!(expected, "{name}:{}: {e}", i + 1);
                }
            }
        }
    }
    assert!(checked > 100, "{checked}");
}

/// Checks parse(format(x)) == x and returns format(x).
fn roundtrip<T: PartialEq + std::fmt::Debug + std::fmt::Display>(
    record: T,
    parse: fn(&str) -> Result<T, FieldError>,
    to_line: fn(&T) -> String,
) -> String {
    let line = to_line(&record);
    assert_eq!(line.len(), 94);
    assert_eq!(record.to_string(), line, "Display is the line");
    assert_eq!(parse(&line).unwrap(), record);
    line
}

#[test]
fn written_samples_equal_their_input_up_to_the_final_newline_and_stripped_blanks() {
    for name in [
        "ppd-debit.ach",
        "ppd-mixedDebitCredit.ach",
        "ppd-mixedDebitCredit-invalid.ach",
        "web-debit.ach",
        "return-WEB.ach",
        "cor-example.ach",
        "two-micro-deposits.ach",
    ] {
        let text = data(name);
        let written = ok(name).to_string();
        let input: Vec<String> = text.lines().map(|l| format!("{l:<94}")).collect();
        assert_eq!(lines(&written), input, "{name}");
        assert!(written.ends_with('\n'));
    }
}

#[test]
fn crlf_line_endings_are_accepted() {
    let text = data("web-debit.ach").replace('\n', "\r\n");
    assert_eq!(read_both(&text).unwrap(), ok("web-debit.ach"));
}

#[test]
fn independent_100k_file_reads_validates_and_round_trips() {
    let path = format!(
        "{}/tests/data/independent-100k.ach.gz",
        env!("CARGO_MANIFEST_DIR")
    );
    let gz = std::fs::File::open(&path).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut text)
        .unwrap();
    let file = read_str(&text).unwrap();
    assert_eq!(file.batches.len(), 100);
    assert_eq!(file.entries().count(), 100_000);
    assert_eq!(file.control.entry_addenda_count, 100_000);
    file.validate().unwrap();
    // Written by an independent implementation, and we write it back byte for byte.
    assert!(file.to_string() == text, "round trip differs");

    // The streaming reader straight from the compressed file, one entry at a time.
    let gz = std::fs::File::open(&path).unwrap();
    let reader = Reader::new(BufReader::new(flate2::read::GzDecoder::new(gz)));
    let (mut entries, mut debits) = (0u64, 0u64);
    for event in reader {
        if let Event::Entry(e) = event.unwrap() {
            entries += 1;
            if e.detail.transaction_code.is_debit() {
                debits += e.detail.amount_cents;
            }
        }
    }
    assert_eq!(entries, 100_000);
    assert_eq!(debits, file.control.total_debit_cents);
}

#[test]
fn batch_by_batch_validation_and_summary_equal_the_whole_file_ones() {
    for name in [
        "ppd-debit.ach",
        "ppd-mixedDebitCredit.ach",
        "web-debit.ach",
        "return-WEB.ach",
        "cor-example.ach",
        "ppd-mixedDebitCredit-invalid.ach",
        "two-micro-deposits.ach",
    ] {
        let whole = ok(name);
        let text = data(name);
        let mut reader = Reader::new(text.as_bytes());
        let mut batches = Vec::new();
        let mut summaries = Vec::new();
        while let Some(batch) = reader.next_batch().unwrap() {
            summaries.push(BatchSummary::of(&batch));
            batches.push(batch);
        }
        let header = reader.file_header().unwrap();
        let mut v = Validator::with_capacity(header, 8);
        for batch in &batches {
            v.batch(batch);
        }
        let errors = v.finish(reader.file_control().unwrap());
        assert_eq!(errors, whole.validation_errors(), "{name}");
        let streamed = Summary::from_batches(header, summaries);
        assert_eq!(streamed, summary(&whole), "{name}");
    }
}
