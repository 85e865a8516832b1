//! One test group per record type: field values of known lines, round trips both ways, and
//! errors that name the field.

use jiff::civil::{date, time};
use nacha::*;

const FILE_HEADER: &str = "101 031300012 2313801041503042207A094101Some Bank              Your Company Inc       A0000001";
const BATCH_HEADER: &str = "5220Your Company Inc                    0231380104WEBTrnsNicknaMar 5 150305   1081000030000001";
const ENTRY: &str = "622081000210123456789012345670000003521RAj##23920rjf31John Doe               S0081000030000000";
const ADDENDA05: &str = "705paygate transaction                                                             00016829038";
const ADDENDA98: &str = "798C01121042880000001      121042881918171614                                  091012980000088";
const ADDENDA99: &str = "799R01091400600000001      09100001                                            091000017611242";
const BATCH_CONTROL: &str = "822000000400324000840000000000000000000093200231380104                         081000030000001";
const FILE_CONTROL: &str = "9000003000002000000060050600106000000015000000000026820                                       ";

fn both_ways<T: PartialEq + std::fmt::Debug>(
    line: &str,
    parse: fn(&str) -> Result<T, FieldError>,
    to_line: fn(&T) -> String,
) -> T {
    let record = parse(line).unwrap();
    assert_eq!(to_line(&record), line, "format(parse(line)) == line");
    assert_eq!(
        parse(&to_line(&record)).unwrap(),
        record,
        "parse(format(x)) == x"
    );
    record
}

fn set(line: &str, pos: usize, value: &str) -> String {
    let mut s = line.to_string();
    s.replace_range(pos - 1..pos - 1 + value.len(), value);
    s
}

#[test]
fn file_header() {
    let h = both_ways(FILE_HEADER, FileHeader::parse, FileHeader::to_line);
    assert_eq!(h.immediate_destination, "031300012");
    assert_eq!(h.immediate_origin, "231380104");
    assert_eq!(h.creation_date, date(2015, 3, 4));
    assert_eq!(h.creation_time, Some(time(22, 7, 0, 0)));
    assert_eq!(h.file_id_modifier, 'A');
    assert_eq!(h.destination_name, "Some Bank");
    assert_eq!(h.origin_name, "Your Company Inc");
    assert_eq!(h.reference_code, "A0000001");
    assert_eq!(h.to_string(), FILE_HEADER);

    let blank_time = set(FILE_HEADER, 30, "    ");
    assert_eq!(FileHeader::parse(&blank_time).unwrap().creation_time, None);
    both_ways(&blank_time, FileHeader::parse, FileHeader::to_line);

    let e = FileHeader::parse(&set(FILE_HEADER, 13, "3")).unwrap_err();
    assert_eq!(e.field, "immediate destination");
    assert!(e.reason.contains("expected 2"), "{e}");
    let e = FileHeader::parse(&set(FILE_HEADER, 4, "0")).unwrap_err();
    assert_eq!(e.field, "immediate destination");
    assert_eq!(
        FileHeader::parse(&set(FILE_HEADER, 2, "02"))
            .unwrap_err()
            .field,
        "priority code"
    );
    assert_eq!(
        FileHeader::parse(&set(FILE_HEADER, 24, "150230"))
            .unwrap_err()
            .field,
        "file creation date"
    );
    assert_eq!(
        FileHeader::parse(&set(FILE_HEADER, 30, "2460"))
            .unwrap_err()
            .field,
        "file creation time"
    );
    assert_eq!(
        FileHeader::parse(&set(FILE_HEADER, 34, "a"))
            .unwrap_err()
            .field,
        "file ID modifier"
    );
    assert_eq!(
        FileHeader::parse(&set(FILE_HEADER, 35, "095"))
            .unwrap_err()
            .field,
        "record size"
    );
    assert_eq!(
        FileHeader::parse(&set(FILE_HEADER, 38, "20"))
            .unwrap_err()
            .field,
        "blocking factor"
    );
    assert_eq!(
        FileHeader::parse(&set(FILE_HEADER, 40, "2"))
            .unwrap_err()
            .field,
        "format code"
    );
    assert_eq!(
        FileHeader::parse(&set(FILE_HEADER, 14, "          "))
            .unwrap_err()
            .field,
        "immediate origin"
    );
    assert_eq!(
        FileHeader::parse(&set(FILE_HEADER, 45, "\t"))
            .unwrap_err()
            .field,
        "immediate destination name"
    );
    let e = FileHeader::parse(&FILE_HEADER[..93]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "record: record is 93 characters long, expected 94"
    );
    let e = FileHeader::parse(BATCH_HEADER).unwrap_err();
    assert_eq!(e.field, "record type code");
}

#[test]
fn batch_header() {
    let h = both_ways(BATCH_HEADER, BatchHeader::parse, BatchHeader::to_line);
    assert_eq!(h.service_class, ServiceClass::CreditsOnly);
    assert_eq!(h.company_name, "Your Company Inc");
    assert_eq!(h.company_discretionary_data, "");
    assert_eq!(h.company_identification, "0231380104");
    assert_eq!(h.sec_code, SecCode::Web);
    assert_eq!(h.company_entry_description, "TrnsNickna");
    assert_eq!(h.company_descriptive_date, "Mar 5");
    assert_eq!(h.effective_entry_date, Some(date(2015, 3, 5)));
    assert_eq!(h.settlement_date, None);
    assert_eq!(h.originator_status_code, '1');
    assert_eq!(h.odfi_identification, "08100003");
    assert_eq!(h.batch_number, 1);

    let settled = set(BATCH_HEADER, 76, "064");
    assert_eq!(
        BatchHeader::parse(&settled).unwrap().settlement_date,
        Some(64)
    );
    both_ways(&settled, BatchHeader::parse, BatchHeader::to_line);
    let zeros = set(BATCH_HEADER, 70, "000000");
    assert_eq!(
        BatchHeader::parse(&zeros).unwrap().effective_entry_date,
        None
    );
    both_ways(&zeros, BatchHeader::parse, BatchHeader::to_line);

    let e = BatchHeader::parse(&set(BATCH_HEADER, 2, "280")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "service class code: unknown service class code 280 (expected 200, 220 or 225)"
    );
    let e = BatchHeader::parse(&set(BATCH_HEADER, 51, "IAT")).unwrap_err();
    assert_eq!(e.field, "standard entry class code");
    assert_eq!(
        BatchHeader::parse(&set(BATCH_HEADER, 70, "151305"))
            .unwrap_err()
            .field,
        "effective entry date"
    );
    assert_eq!(
        BatchHeader::parse(&set(BATCH_HEADER, 76, "367"))
            .unwrap_err()
            .field,
        "settlement date"
    );
    assert_eq!(
        BatchHeader::parse(&set(BATCH_HEADER, 79, "5"))
            .unwrap_err()
            .field,
        "originator status code"
    );
    assert_eq!(
        BatchHeader::parse(&set(BATCH_HEADER, 80, "0810000A"))
            .unwrap_err()
            .field,
        "originating DFI identification"
    );
    assert_eq!(
        BatchHeader::parse(&set(BATCH_HEADER, 88, "000000 "))
            .unwrap_err()
            .field,
        "batch number"
    );
}

#[test]
fn entry_detail() {
    let e = both_ways(ENTRY, EntryDetail::parse, EntryDetail::to_line);
    assert_eq!(e.transaction_code, TransactionCode::CHECKING_CREDIT);
    assert_eq!(e.rdfi_routing, "081000210");
    assert_eq!(e.rdfi_identification(), "08100021");
    assert_eq!(e.dfi_account_number, "12345678901234567");
    assert_eq!(e.amount_cents, 3521);
    assert_eq!(e.individual_id, "RAj##23920rjf31");
    assert_eq!(e.individual_name, "John Doe");
    assert_eq!(e.discretionary_data, " S");
    assert!(!e.addenda_indicator);
    assert_eq!(e.trace_number, "081000030000000");

    let err = EntryDetail::parse(&set(ENTRY, 2, "25")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "transaction code: unknown transaction code 25"
    );
    let err = EntryDetail::parse(&set(ENTRY, 12, "1")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "check digit: check digit \"1\" does not match RDFI routing 08100021 (expected 0)"
    );
    let err = EntryDetail::parse(&set(ENTRY, 30, "00000035 1")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "amount: expected 10 digits, found \"00000035 1\""
    );
    assert_eq!(
        EntryDetail::parse(&set(ENTRY, 4, "9")).unwrap_err().field,
        "check digit"
    );
    assert_eq!(
        EntryDetail::parse(&set(ENTRY, 4, "0810002A"))
            .unwrap_err()
            .field,
        "RDFI routing"
    );
    assert_eq!(
        EntryDetail::parse(&set(ENTRY, 79, "2")).unwrap_err().field,
        "addenda record indicator"
    );
    assert_eq!(
        EntryDetail::parse(&set(ENTRY, 80, "08100003000000X"))
            .unwrap_err()
            .field,
        "trace number"
    );
    assert_eq!(
        EntryDetail::parse(&set(ENTRY, 60, "\u{7f}"))
            .unwrap_err()
            .field,
        "individual name"
    );
    let nonascii = format!("{}é{}", &ENTRY[..59], &ENTRY[60..]);
    assert_eq!(nonascii.chars().count(), 94);
    let err = EntryDetail::parse(&nonascii).unwrap_err();
    assert_eq!(
        err.to_string(),
        "individual name: non-ASCII character 'é' at position 60"
    );

    // Unassigned routing prefix 13 (with a correct check digit).
    let prefix = format!("13100021{}", check_digit("13100021").unwrap());
    let err = EntryDetail::parse(&set(ENTRY, 4, &prefix)).unwrap_err();
    assert_eq!(err.field, "RDFI routing");
}

#[test]
fn addenda_05() {
    let a = both_ways(ADDENDA05, Addenda05::parse, Addenda05::to_line);
    assert_eq!(a.payment_related_information, "paygate transaction");
    assert_eq!(a.addenda_sequence_number, 1);
    assert_eq!(a.entry_detail_sequence_number, 6829038);
    assert_eq!(Addenda::parse(ADDENDA05).unwrap(), Addenda::Payment(a));
    assert_eq!(
        Addenda05::parse(ADDENDA98).unwrap_err().field,
        "addenda type code"
    );
    assert_eq!(
        Addenda05::parse(&set(ADDENDA05, 84, "000A"))
            .unwrap_err()
            .field,
        "addenda sequence number"
    );
}

#[test]
fn addenda_98() {
    let a = both_ways(ADDENDA98, Addenda98::parse, Addenda98::to_line);
    assert_eq!(a.change_code, "C01");
    assert_eq!(a.original_entry_trace, "121042880000001");
    assert_eq!(a.original_rdfi_identification, "12104288");
    assert_eq!(a.corrected_data, "1918171614");
    assert_eq!(a.trace_number, "091012980000088");
    assert_eq!(Addenda::parse(ADDENDA98).unwrap(), Addenda::Noc(a));
    assert_eq!(
        Addenda98::parse(&set(ADDENDA98, 4, "R01"))
            .unwrap_err()
            .field,
        "change code"
    );
    assert_eq!(
        Addenda98::parse(&set(ADDENDA98, 22, "X"))
            .unwrap_err()
            .field,
        "reserved"
    );
    assert_eq!(
        Addenda98::parse(&set(ADDENDA98, 28, "1210428X"))
            .unwrap_err()
            .field,
        "original RDFI identification"
    );
}

#[test]
fn addenda_99() {
    let a = both_ways(ADDENDA99, Addenda99::parse, Addenda99::to_line);
    assert_eq!(a.return_reason_code, "R01");
    assert_eq!(a.original_entry_trace, "091400600000001");
    assert_eq!(a.date_of_death, None);
    assert_eq!(a.original_rdfi_identification, "09100001");
    assert_eq!(a.addenda_information, "");
    assert_eq!(a.trace_number, "091000017611242");
    assert_eq!(Addenda::parse(ADDENDA99).unwrap(), Addenda::Return(a));

    let dead = set(ADDENDA99, 4, "R14");
    let dead = set(&dead, 22, "240229");
    assert_eq!(
        Addenda99::parse(&dead).unwrap().date_of_death,
        Some(date(2024, 2, 29))
    );
    both_ways(&dead, Addenda99::parse, Addenda99::to_line);
    assert_eq!(
        Addenda99::parse(&set(ADDENDA99, 22, "230229"))
            .unwrap_err()
            .field,
        "date of death"
    );
    assert_eq!(
        Addenda99::parse(&set(ADDENDA99, 4, "X01"))
            .unwrap_err()
            .field,
        "return reason code"
    );
    let e = Addenda::parse(&set(ADDENDA99, 2, "10")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "addenda type code: unsupported addenda type code \"10\" (supported: 05, 98, 99)"
    );
}

#[test]
fn batch_control() {
    let c = both_ways(BATCH_CONTROL, BatchControl::parse, BatchControl::to_line);
    assert_eq!(c.service_class, ServiceClass::CreditsOnly);
    assert_eq!(c.entry_addenda_count, 4);
    assert_eq!(c.entry_hash, 32400084);
    assert_eq!(c.total_debit_cents, 0);
    assert_eq!(c.total_credit_cents, 9320);
    assert_eq!(c.company_identification, "0231380104");
    assert_eq!(c.message_authentication_code, "");
    assert_eq!(c.odfi_identification, "08100003");
    assert_eq!(c.batch_number, 1);
    assert_eq!(
        BatchControl::parse(&set(BATCH_CONTROL, 21, "00000000000-"))
            .unwrap_err()
            .field,
        "total debit entry dollar amount"
    );
    assert_eq!(
        BatchControl::parse(&set(BATCH_CONTROL, 74, "1"))
            .unwrap_err()
            .field,
        "reserved"
    );
    assert_eq!(
        BatchControl::parse(&set(BATCH_CONTROL, 5, "00000x"))
            .unwrap_err()
            .field,
        "entry/addenda count"
    );
}

#[test]
fn file_control() {
    let c = both_ways(FILE_CONTROL, FileControl::parse, FileControl::to_line);
    assert_eq!(c.batch_count, 3);
    assert_eq!(c.block_count, 2);
    assert_eq!(c.entry_addenda_count, 6);
    assert_eq!(c.entry_hash, 50600106);
    assert_eq!(c.total_debit_cents, 15000);
    assert_eq!(c.total_credit_cents, 26820);
    assert_eq!(
        FileControl::parse(&set(FILE_CONTROL, 8, "00000 "))
            .unwrap_err()
            .field,
        "block count"
    );
    assert_eq!(
        FileControl::parse(&set(FILE_CONTROL, 90, "0"))
            .unwrap_err()
            .field,
        "reserved"
    );
}

#[test]
fn to_line_is_always_94_characters_even_for_values_that_do_not_fit() {
    let mut e = EntryDetail::parse(ENTRY).unwrap();
    e.individual_name = "A name that is far too long for the field ü".into();
    e.amount_cents = u64::MAX;
    e.trace_number = "1".into();
    e.rdfi_routing = "12".into();
    assert_eq!(e.to_line().chars().count(), 94);
    assert!(e.validate().is_err());
    let mut h = FileHeader::parse(FILE_HEADER).unwrap();
    h.immediate_origin = "an origin that is too long".into();
    h.file_id_modifier = 'é';
    assert_eq!(h.to_line().len(), 94);
    assert!(h.validate().is_err());
}

#[test]
fn record_validate_names_fields() {
    let mut e = EntryDetail::parse(ENTRY).unwrap();
    e.amount_cents = MAX_AMOUNT_CENTS + 1;
    assert_eq!(e.validate().unwrap_err().field, "amount");
    let mut e = EntryDetail::parse(ENTRY).unwrap();
    e.dfi_account_number = "123456789012345678".into();
    assert_eq!(
        e.validate().unwrap_err().to_string(),
        "DFI account number: 18 characters, at most 17 allowed"
    );
    let mut e = EntryDetail::parse(ENTRY).unwrap();
    e.rdfi_routing = "081000211".into();
    assert_eq!(e.validate().unwrap_err().field, "RDFI routing");
    let mut h = FileHeader::parse(FILE_HEADER).unwrap();
    h.creation_date = date(1999, 12, 31);
    assert_eq!(h.validate().unwrap_err().field, "file creation date");
}
