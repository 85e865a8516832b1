//! Reader errors: each defect is reported on the right line, naming the field, by both the
//! whole-file and the streaming reader.
//!
//! The sample file (see `common::sample_file`) is written as:
//! 1 file header · 2 batch header (PPD, 200) · 3-4 credits · 5 debit · 6 batch control ·
//! 7 batch header (WEB, 220) · 8 entry with addenda · 9 addenda 05 · 10 batch control ·
//! 11 file control · 12-20 padding.

mod common;

use common::*;
use nacha::*;

fn text() -> String {
    sample_file().to_string()
}

fn read_err(text: &str) -> ReadError {
    read_both(text).expect_err("should be rejected")
}

fn without_lines(text: &str, drop: impl Fn(usize) -> bool) -> String {
    lines(text)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !drop(i + 1))
        .map(|(_, l)| l + "\n")
        .collect()
}

fn insert_line(text: &str, before: usize, line: &str) -> String {
    let mut ls = lines(text);
    ls.insert(before - 1, line.to_string());
    ls.join("\n") + "\n"
}

#[test]
fn the_sample_reads_back_equal() {
    let file = sample_file();
    let text = file.to_string();
    assert_eq!(lines(&text).len(), 20);
    assert_eq!(read_both(&text).unwrap(), file);
    assert_eq!(
        read_str_with(&text, ReadOptions::strict()).unwrap(),
        file,
        "written files pass the strict options"
    );
}

#[test]
fn batch_total_mismatch() {
    let e = read_err(&patch(&text(), 3, 30, "0000000013"));
    assert_eq!(e.line, 6);
    assert_eq!(e.kind, ReadErrorKind::ControlMismatch);
    assert_eq!(
        e.to_string(),
        "line 6: total credit entry dollar amount: batch control says 46 but the credits of batch 1 add up to 47"
    );
    let e = read_err(&patch(&text(), 5, 30, "0000000047"));
    assert_eq!(e.field, Some("total debit entry dollar amount"));
}

#[test]
fn batch_hash_and_count_mismatch() {
    let e = read_err(&patch(&text(), 6, 11, "0069414031"));
    assert_eq!(
        e.to_string(),
        "line 6: entry hash: batch control says 0069414031 but the RDFI identifications of batch 1 add up to 0069414030"
    );
    let e = read_err(&patch(&text(), 6, 5, "000004"));
    assert_eq!(
        e.to_string(),
        "line 6: entry/addenda count: batch control says 4 but batch 1 has 3 entry and addenda records"
    );
    assert_eq!(e.kind, ReadErrorKind::ControlMismatch);
}

#[test]
fn batch_control_copies_of_header_fields() {
    let e = read_err(&patch(&text(), 6, 2, "220"));
    assert_eq!(e.field, Some("service class code"));
    assert_eq!(e.kind, ReadErrorKind::ControlMismatch);
    let e = read_err(&patch(&text(), 6, 45, "1234567891"));
    assert_eq!(e.field, Some("company identification"));
    let e = read_err(&patch(&text(), 6, 80, "12104289"));
    assert_eq!(e.field, Some("originating DFI identification"));
    let e = read_err(&patch(&text(), 6, 88, "0000002"));
    assert_eq!(e.kind, ReadErrorKind::BatchNumber);
    assert_eq!(
        e.to_string(),
        "line 6: batch number: batch control says 2 but the batch header (line 2) says 1"
    );
}

#[test]
fn batch_numbers_must_ascend() {
    let t = patch(&patch(&text(), 7, 88, "0000001"), 10, 88, "0000001");
    let e = read_err(&t);
    assert_eq!(e.line, 7);
    assert_eq!(e.kind, ReadErrorKind::BatchNumber);
    assert_eq!(
        e.to_string(),
        "line 7: batch number: batch number 1 is not greater than the previous batch number 1"
    );
}

#[test]
fn service_class_versus_entries() {
    // Line 8 becomes a savings debit in a credits-only batch.
    let e = read_err(&patch(&text(), 8, 2, "37"));
    assert_eq!(e.line, 8);
    assert_eq!(e.kind, ReadErrorKind::ServiceClass);
    assert_eq!(
        e.to_string(),
        "line 8: transaction code: transaction code 37 is a debit, not allowed in a credits-only batch (service class 220)"
    );
}

#[test]
fn unknown_transaction_code() {
    let e = read_err(&patch(&text(), 3, 2, "25"));
    assert_eq!(e.kind, ReadErrorKind::UnknownTransactionCode);
    assert_eq!(
        e.to_string(),
        "line 3: transaction code: unknown transaction code 25"
    );
}

#[test]
fn routing_check_digits() {
    let e = read_err(&patch(&text(), 3, 12, "5"));
    assert_eq!((e.line, e.kind), (3, ReadErrorKind::CheckDigit));
    let e = read_err(&patch(&text(), 1, 13, "5"));
    assert_eq!((e.line, e.kind), (1, ReadErrorKind::CheckDigit));
    assert_eq!(
        e.to_string(),
        "line 1: immediate destination: check digit 5 of routing number 231380105 is wrong (expected 4)"
    );
}

#[test]
fn file_control_mismatches() {
    let e = read_err(&patch(&text(), 11, 2, "000003"));
    assert_eq!(
        e.to_string(),
        "line 11: batch count: file control says 3 but the file has 2 batches"
    );
    let e = read_err(&patch(&text(), 11, 44, "000000150047"));
    assert_eq!(
        e.to_string(),
        "line 11: total credit entry dollar amount: file control says 150047 but the credits add up to 150046"
    );
    let e = read_err(&patch(&text(), 11, 32, "000000000047"));
    assert_eq!(e.field, Some("total debit entry dollar amount"));
    let e = read_err(&patch(&text(), 11, 14, "00000007"));
    assert_eq!(e.field, Some("entry/addenda count"));
    let e = read_err(&patch(&text(), 11, 22, "0000000000"));
    assert_eq!(e.field, Some("entry hash"));
    assert_eq!(e.kind, ReadErrorKind::ControlMismatch);
}

#[test]
fn block_count_and_padding() {
    let e = read_err(&patch(&text(), 11, 8, "000003"));
    assert_eq!(e.kind, ReadErrorKind::BlockCount);
    assert_eq!(
        e.to_string(),
        "line 11: block count: file control says 3 but 11 records make 2 blocks of 10"
    );

    let unpadded = without_lines(&text(), |n| n > 11);
    let e = read_err(&unpadded);
    assert_eq!(e.kind, ReadErrorKind::BlockCount);
    assert_eq!(
        e.to_string(),
        "line 11: file ends after 11 lines; block count 2 needs 20: pad with all-9 records to a multiple of 10"
    );
    let lenient = ReadOptions {
        allow_missing_padding: true,
        ..ReadOptions::default()
    };
    assert_eq!(read_str_with(&unpadded, lenient).unwrap(), sample_file());

    let e = read_err(&(text() + PADDING_LINE + "\n"));
    assert_eq!(
        e.to_string(),
        "line 21: padding record beyond the last block (block count 2)"
    );
    let e = read_err(&insert_line(&text(), 11, PADDING_LINE));
    assert_eq!(
        e.to_string(),
        "line 11: padding record (all 9s) before the file control"
    );
}

#[test]
fn missing_control_records() {
    let e = read_err(&without_lines(&text(), |n| n >= 11));
    assert_eq!(e.kind, ReadErrorKind::MissingFileControl);
    assert_eq!(
        e.to_string(),
        "line 10: file ends without a file control record (9)"
    );
    let e = read_err(&without_lines(&text(), |n| n >= 10));
    assert_eq!(e.kind, ReadErrorKind::MissingBatchControl);
    assert_eq!(
        e.to_string(),
        "line 9: file ends without a batch control for batch 2 (batch header on line 7)"
    );
    let e = read_err("");
    assert_eq!((e.line, e.kind), (1, ReadErrorKind::Empty));
}

#[test]
fn records_out_of_order() {
    let t = text();
    let ls = lines(&t);
    let swapped = [&ls[0], &ls[2], &ls[1]]
        .iter()
        .chain(ls[3..].iter().collect::<Vec<_>>().iter())
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    let e = read_err(&swapped);
    assert_eq!(e.kind, ReadErrorKind::OutOfOrder);
    assert_eq!(
        e.to_string(),
        "line 2: an entry detail record (6) where a batch header (5) or the file control (9) was expected"
    );
    let e = read_err(&insert_line(&t, 2, &ls[0]));
    assert_eq!(
        e.to_string(),
        "line 2: a second file header (1) where a batch header (5) or the file control (9) was expected"
    );
    let e = read_err(&without_lines(&t, |n| (3..=5).contains(&n)));
    assert_eq!(
        e.to_string(),
        "line 3: a batch control (8) directly after the batch header where an entry detail record (6) was expected"
    );
    let e = read_err(&insert_line(&t, 7, &ls[8]));
    assert_eq!(e.line, 7);
    assert_eq!(e.kind, ReadErrorKind::OutOfOrder);
    let e = read_err(&without_lines(&t, |n| n == 1));
    assert_eq!(
        e.to_string(),
        "line 1: a batch header (5) where a file header (record type 1) was expected"
    );
    let e = read_err(&insert_line(&t, 12, &ls[0]));
    assert_eq!(
        e.to_string(),
        "line 12: only all-9 padding records may follow the file control"
    );
}

#[test]
fn unknown_record_type() {
    let e = read_err(&patch(&text(), 3, 1, "3"));
    assert_eq!(e.kind, ReadErrorKind::UnknownRecordType);
    assert_eq!(
        e.to_string(),
        "line 3: record type code: unknown record type '3' (expected 1, 5, 6, 7, 8 or 9)"
    );
}

#[test]
fn addenda_indicator_versus_addenda() {
    let e = read_err(&patch(&text(), 8, 79, "0"));
    assert_eq!((e.line, e.kind), (9, ReadErrorKind::AddendaIndicator));
    assert_eq!(
        e.to_string(),
        "line 9: addenda record follows the entry on line 8 whose addenda record indicator is 0"
    );
    let e = read_err(&patch(&text(), 5, 79, "1"));
    assert_eq!((e.line, e.kind), (5, ReadErrorKind::AddendaIndicator));
    assert_eq!(
        e.to_string(),
        "line 5: addenda record indicator: addenda record indicator is 1 but no addenda record follows"
    );
}

#[test]
fn line_lengths() {
    let e = read_err(&insert_line(&text(), 3, ""));
    assert_eq!((e.line, e.kind), (3, ReadErrorKind::LineLength));
    let mut ls = lines(&text());
    ls[2].push('0');
    let e = read_err(&(ls.join("\n") + "\n"));
    assert_eq!(
        e.to_string(),
        "line 3: record is 95 characters long, expected 94"
    );
    // A short line that ends in a blank did not just lose its trailing blanks.
    let short = lines(&text())[1][..60].to_string() + " ";
    let mut ls = lines(&text());
    ls[1] = short;
    let e = read_err(&(ls.join("\n") + "\n"));
    assert_eq!(
        e.to_string(),
        "line 2: record is 61 characters long, expected 94"
    );
    // A short line that lost required fields is a length problem, not a field problem.
    let mut ls = lines(&text());
    ls[2].truncate(39);
    let e = read_err(&(ls.join("\n") + "\n"));
    assert_eq!(
        e.to_string(),
        "line 3: record is 39 characters long, expected 94"
    );
}

#[test]
fn stripped_trailing_blanks_are_tolerated_by_default_only() {
    let stripped: String = lines(&text())
        .iter()
        .map(|l| l.trim_end().to_string() + "\n")
        .collect();
    assert_eq!(read_both(&stripped).unwrap(), sample_file());
    let e = read_str_with(&stripped, ReadOptions::strict()).unwrap_err();
    assert_eq!(e.kind, ReadErrorKind::LineLength);
    assert_eq!(e.line, 1);
}

#[test]
fn trailing_blank_lines_after_the_padding_are_ignored() {
    let t = text() + "\n\n";
    assert_eq!(read_both(&t).unwrap(), sample_file());
    let t = text() + "\n" + PADDING_LINE + "\n";
    let e = read_err(&t);
    assert_eq!(
        e.to_string(),
        "line 22: record after a blank line at the end of the file"
    );
}

#[test]
fn no_final_newline_and_crlf() {
    let t = text();
    assert_eq!(read_both(t.trim_end()).unwrap(), sample_file());
    assert_eq!(read_both(&t.replace('\n', "\r\n")).unwrap(), sample_file());
}

#[test]
fn streaming_events_come_in_file_order_with_addenda_attached() {
    let t = text();
    let events: Vec<Event> = Reader::new(t.as_bytes()).collect::<Result<_, _>>().unwrap();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            Event::FileHeader(_) => "1",
            Event::BatchHeader(_) => "5",
            Event::Entry(_) => "6",
            Event::BatchControl(_) => "8",
            Event::FileControl(_) => "9",
        })
        .collect();
    assert_eq!(kinds, ["1", "5", "6", "6", "6", "8", "5", "6", "8", "9"]);
    match &events[7] {
        Event::Entry(e) => assert_eq!(e.addenda.len(), 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn streaming_reader_stops_after_the_first_error() {
    let t = patch(&text(), 6, 11, "0069414031");
    let mut reader = Reader::new(t.as_bytes());
    let mut seen = Vec::new();
    for item in reader.by_ref() {
        seen.push(item.is_ok());
    }
    // File header, batch header and the first two entries; the third entry is only emitted
    // once the batch control is read, which fails.
    assert_eq!(seen, [true, true, true, true, false]);
    assert!(reader.next().is_none());
}

#[test]
fn streaming_reader_reports_invalid_utf8_and_io_errors() {
    let mut bytes = text().into_bytes();
    bytes[94 + 1 + 10] = 0xff; // line 2, position 11 (company name)
    let err = Reader::new(&bytes[..])
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert_eq!(err.kind, ReadErrorKind::NonAscii);
    assert_eq!(err.line, 2);
    assert_eq!(err.field, Some("company name"));

    struct Broken;
    impl std::io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let err = Reader::new(std::io::BufReader::new(Broken))
        .next()
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind, ReadErrorKind::Io);
    assert_eq!(err.to_string(), "line 1: cannot read input: disk on fire");
}
