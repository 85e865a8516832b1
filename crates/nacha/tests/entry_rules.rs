//! The per-entry rules moov-io/ach applies to PPD, CCD and WEB entries, one test per rule, and
//! `check_entry`: the same rules for one entry before it goes into a file.

mod common;

use common::*;
use jiff::civil::date;
use nacha::*;

/// The rules `validate` reports at (batch, entry), without the control mismatches that follow
/// from editing an entry in place.
fn broken(f: &File) -> Vec<(Rule, Option<usize>, Option<usize>)> {
    f.validation_errors()
        .into_iter()
        .filter(|e| e.rule != Rule::ControlMismatch)
        .map(|e| (e.rule, e.batch, e.entry))
        .collect()
}

fn rules(errors: &[ValidationError]) -> Vec<Rule> {
    errors.iter().map(|e| e.rule).collect()
}

#[test]
fn a_consumer_name_of_only_zeros_breaks_ppd_and_web_but_not_ccd() {
    let mut f = sample_file();
    f.batches[0].entries[1].detail.individual_name = "000 0".into();
    assert_eq!(broken(&f), [(Rule::IndividualName, Some(1), Some(2))]);
    let e = &f.validation_errors()[0];
    assert_eq!(e.field, Some("individual name"));
    assert!(e.reason.contains("only zeros"), "{e}");

    let mut web = sample_file();
    web.batches[1].entries[0].detail.individual_name = "0".into();
    assert_eq!(broken(&web), [(Rule::IndividualName, Some(2), Some(1))]);

    // moov-io/ach asks only that a CCD receiver (a company) is named at all.
    let ccd = FileBuilder::new(header_params())
        .batch(
            batch_params(SecCode::Ccd, "12104288"),
            vec![Entry::new(credit("1", 10).detail.individual_name("0000"))],
        )
        .build();
    assert!(ccd.is_ok(), "{ccd:?}");
}

#[test]
fn a_live_entry_of_zero_cents_breaks_the_file_but_a_prenote_does_not() {
    let mut f = sample_file();
    f.batches[1].entries[0].detail.amount_cents = 0;
    assert_eq!(broken(&f), [(Rule::ZeroAmount, Some(2), Some(1))]);

    let prenote = Entry::new(EntryDetail::new(
        TransactionCode::CHECKING_PRENOTE_CREDIT,
        routing("23138010"),
        "12345678",
        0,
    ))
    .detail
    .individual_name("Jane Doe");
    let built = FileBuilder::new(header_params())
        .batch(
            batch_params(SecCode::Ppd, "12104288"),
            vec![Entry::new(prenote)],
        )
        .build();
    assert!(built.is_ok(), "{built:?}");
}

#[test]
fn trace_numbers_ascend_within_a_batch() {
    let mut f = sample_file();
    let entries = &mut f.batches[0].entries;
    let (first, second) = (
        entries[0].detail.trace_number.clone(),
        entries[1].detail.trace_number.clone(),
    );
    entries[0].detail.trace_number = second;
    entries[1].detail.trace_number = first;
    assert_eq!(broken(&f), [(Rule::TraceOrder, Some(1), Some(2))]);
}

#[test]
fn a_trace_number_starts_with_the_batch_odfi() {
    let mut f = sample_file();
    let d = &mut f.batches[1].entries[0].detail;
    let seq = d.trace_number[8..].to_string();
    d.trace_number = format!("09100001{seq}");
    assert_eq!(broken(&f), [(Rule::TraceOdfi, Some(2), Some(1))]);
}

#[test]
fn forward_entries_and_returns_are_not_mixed_in_a_batch() {
    let mut f = sample_file();
    let returned = Entry::new(
        EntryDetail::new(
            TransactionCode::CHECKING_RETURN_DEBIT,
            routing("23138010"),
            "123",
            4500,
        )
        .individual_name("Jane Doe")
        .discretionary_data("S")
        .trace_number("121042880000099"),
    )
    .with_return(Addenda99 {
        return_reason_code: "R01".into(),
        original_entry_trace: "121042880000001".into(),
        date_of_death: None,
        original_rdfi_identification: "23138010".into(),
        addenda_information: String::new(),
        trace_number: "121042880000099".into(),
    });
    f.batches[1].entries.push(returned);
    let found = broken(&f);
    assert!(
        found.contains(&(Rule::Category, Some(2), Some(2))),
        "{found:?}"
    );
}

#[test]
fn rules_have_stable_names() {
    assert_eq!(Rule::IndividualName.name(), "individual-name");
    assert_eq!(Rule::ZeroAmount.to_string(), "zero-amount");
    assert_eq!(Rule::TraceOrder.name(), "trace-order");
    assert_eq!(Rule::Field.name(), "field");
}

fn params() -> BatchParams {
    batch_params(SecCode::Ppd, "12104288")
}

fn entry(routing_number: &str, account: &str, cents: u64, name: &str) -> Entry {
    Entry::new(
        EntryDetail::new(
            TransactionCode::CHECKING_CREDIT,
            routing_number,
            account,
            cents,
        )
        .individual_name(name),
    )
}

#[test]
fn check_entry_passes_what_the_builder_writes() {
    // Lower case is upper-cased and a missing trace number is assigned, as the builder does.
    let good = entry(&routing("23138010"), "12345678", 12, "jane doe").with_payment_info("MV1234");
    assert_eq!(check_entry(&params(), &good), []);
    let file = FileBuilder::new(header_params())
        .batch(params(), vec![good])
        .build();
    assert!(file.is_ok(), "{file:?}");
}

#[test]
fn check_entry_reports_the_rules_an_entry_breaks_on_its_own() {
    let p = params();
    let cases = [
        (
            entry(&routing("23138010"), "1", 12, "  "),
            Rule::IndividualName,
            "individual name",
        ),
        (
            entry("231380105", "1", 12, "Jane"),
            Rule::Field,
            "RDFI routing",
        ),
        (
            entry(&routing("23138010"), "1", MAX_AMOUNT_CENTS + 1, "Jane"),
            Rule::Field,
            "amount",
        ),
        (
            entry(&routing("23138010"), "1", 100, "Jane"),
            Rule::MicroEntry,
            "amount",
        ),
        (
            entry(&routing("23138010"), "1", 0, "Jane"),
            Rule::ZeroAmount,
            "amount",
        ),
        (
            entry(&routing("23138010"), "1", 12, "ZOË"),
            Rule::Field,
            "individual name",
        ),
        (
            entry(&routing("23138010"), "   ", 12, "Jane"),
            Rule::Field,
            "DFI account number",
        ),
    ];
    for (e, rule, field) in cases {
        let errors = check_entry(&p, &e);
        assert_eq!(rules(&errors)[0], rule, "{errors:?}");
        assert_eq!(errors[0].field, Some(field), "{errors:?}");
        assert_eq!((errors[0].batch, errors[0].entry), (None, None));
        // The file validator says the same of that entry.
        let mut built = sample_file();
        let mut placed = e.clone();
        placed.detail.trace_number = built.batches[0].entries[0].detail.trace_number.clone();
        placed.detail.individual_name = placed.detail.individual_name.to_ascii_uppercase();
        built.batches[0].entries[0] = placed;
        let in_file: Vec<Rule> = broken(&built)
            .into_iter()
            .filter(|(_, b, e)| (*b, *e) == (Some(1), Some(1)))
            .map(|(r, _, _)| r)
            .collect();
        assert_eq!(in_file, rules(&errors), "{field}");
    }
}

#[test]
fn check_entry_ignores_the_batch_parameters_own_faults() {
    let mut p = params();
    p.company_name = "x".repeat(40);
    p.effective_entry_date = date(2026, 11, 24);
    let good = entry(&routing("23138010"), "12345678", 12, "Jane");
    assert_eq!(check_entry(&p, &good), []);
}
