//! The builder's computed fields and errors, validation rules, and the summary.

mod common;

use common::*;
use jiff::civil::date;
use nacha::*;

#[test]
fn computed_fields() {
    let f = sample_file();
    assert_eq!(f.header.immediate_destination, "231380104");
    assert_eq!(f.header.file_id_modifier, 'A', "upper-cased");
    assert_eq!(
        f.header.destination_name, "FEDERAL RESERVE BANK",
        "upper-cased"
    );
    assert_eq!(f.header.creation_time, Some(jiff::civil::time(9, 30, 0, 0)));

    let b1 = &f.batches[0];
    assert_eq!(b1.header.batch_number, 1);
    assert_eq!(b1.header.service_class, ServiceClass::Mixed);
    assert_eq!(b1.header.company_descriptive_date, "SD1300");
    let traces: Vec<&str> = b1
        .entries
        .iter()
        .map(|e| e.detail.trace_number.as_str())
        .collect();
    assert_eq!(
        traces,
        ["121042880000001", "121042880000002", "121042880000003"]
    );
    assert_eq!(b1.control.entry_addenda_count, 3);
    assert_eq!(b1.control.entry_hash, 3 * 23138010);
    assert_eq!(b1.control.total_credit_cents, 46);
    assert_eq!(b1.control.total_debit_cents, 46);
    assert_eq!(b1.control.company_identification, "1234567890");
    assert_eq!(b1.control.batch_number, 1);

    let b2 = &f.batches[1];
    assert_eq!(b2.header.batch_number, 2);
    assert_eq!(b2.header.service_class, ServiceClass::CreditsOnly);
    let e = &b2.entries[0];
    assert!(e.detail.addenda_indicator);
    assert_eq!(e.detail.trace_number, "121042880000004");
    match &e.addenda[0] {
        Addenda::Payment(p) => {
            assert_eq!(p.payment_related_information, "INVOICE 42");
            assert_eq!(p.addenda_sequence_number, 1);
            assert_eq!(p.entry_detail_sequence_number, 4);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(b2.control.entry_addenda_count, 2);
    assert_eq!(b2.control.entry_hash, 9100001);

    assert_eq!(f.control.batch_count, 2);
    assert_eq!(f.control.block_count, 2);
    assert_eq!(f.control.entry_addenda_count, 5);
    assert_eq!(f.control.entry_hash, 3 * 23138010 + 9100001);
    assert_eq!(f.control.total_debit_cents, 46);
    assert_eq!(f.control.total_credit_cents, 150_046);
    f.validate().unwrap();
}

#[test]
fn written_file_is_padded_with_a_trailing_newline() {
    let text = sample_file().to_string();
    assert!(text.ends_with(&format!("{PADDING_LINE}\n")));
    let ls = lines(&text);
    assert_eq!(ls.len() % 10, 0);
    assert!(ls.iter().all(|l| l.len() == 94));
    assert_eq!(ls.iter().filter(|l| *l == PADDING_LINE).count(), 9);
    let mut out = String::new();
    sample_file().write(&mut out).unwrap();
    assert_eq!(out, text);
    let joined: String = sample_file().lines().map(|l| l + "\n").collect();
    assert_eq!(joined, text);
    assert_eq!(sample_file().to_bytes(), text.into_bytes());
}

#[test]
fn exactly_ten_records_need_no_padding() {
    // 1 + (2 + 6) + 1 = 10 records.
    let entries = (0..6).map(|i| credit(&format!("{i}00"), 10)).collect();
    let f = FileBuilder::new(header_params())
        .batch(batch_params(SecCode::Ppd, "12104288"), entries)
        .build()
        .unwrap();
    assert_eq!(f.control.block_count, 1);
    assert_eq!(lines(&f.to_string()).len(), 10);
}

#[test]
fn hash_keeps_the_rightmost_ten_digits() {
    // 500 entries to RDFI 99999999... is not a valid prefix; use 72999999 (prefix 72).
    let rdfi = routing("72999999");
    let entries = (0..200)
        .map(|i| {
            Entry::new(
                EntryDetail::new(
                    TransactionCode::CHECKING_CREDIT,
                    rdfi.clone(),
                    format!("A{i}"),
                    1,
                )
                .individual_name("Receiver"),
            )
        })
        .collect();
    let mut p = batch_params(SecCode::Ccd, "12104288");
    p.company_entry_description = "PAYABLES".into();
    let f = FileBuilder::new(header_params())
        .batch(p, entries)
        .build()
        .unwrap();
    assert_eq!(
        f.batches[0].control.entry_hash,
        (200u64 * 72999999) % 10_000_000_000
    );
    assert_eq!(read_both(&f.to_string()).unwrap(), f);
}

#[test]
fn explicit_trace_numbers_are_kept_and_automatic_ones_skip_them() {
    let f = FileBuilder::new(header_params())
        .batch(
            batch_params(SecCode::Ppd, "12104288"),
            vec![
                Entry::new(credit("1", 10).detail.trace_number("121042880000001")),
                credit("2", 10),
            ],
        )
        .build()
        .unwrap();
    assert_eq!(
        f.batches[0].entries[1].detail.trace_number,
        "121042880000002"
    );
}

fn build_err(batches: Vec<(BatchParams, Vec<Entry>)>) -> BuildError {
    let mut b = FileBuilder::new(header_params());
    for (p, e) in batches {
        b.add_batch(p, e);
    }
    b.build().expect_err("should not build")
}

fn ppd() -> BatchParams {
    batch_params(SecCode::Ppd, "12104288")
}

#[test]
fn builder_errors_are_located() {
    let dup = Entry::new(credit("1", 10).detail.trace_number("121042880000007"));
    let e = build_err(vec![(ppd(), vec![dup.clone()]), (ppd(), vec![dup])]);
    assert_eq!(
        e.to_string(),
        "batch 2, entry 1: trace number: trace number 121042880000007 is used twice"
    );

    let e = build_err(vec![(
        ppd(),
        vec![Entry::new(
            credit("1", 10).detail.trace_number("0910000100000001"),
        )],
    )]);
    assert_eq!(e.field, Some("trace number"));

    let e = build_err(vec![(
        ppd(),
        vec![Entry::new(
            credit("1", 10).detail.trace_number("091000010000001"),
        )],
    )]);
    assert_eq!(
        e.to_string(),
        "batch 1, entry 1: trace number: trace number 091000010000001 does not start with the ODFI identification 12104288"
    );

    let mut bad_indicator = credit("1", 10);
    bad_indicator.detail.addenda_indicator = true;
    let e = build_err(vec![(ppd(), vec![credit("1", 10), bad_indicator])]);
    assert_eq!(
        e.to_string(),
        "batch 1, entry 2: addenda record indicator: addenda record indicator is 1 but the entry has 0 addenda records"
    );

    let mut bad_routing = credit("1", 10);
    bad_routing.detail.rdfi_routing = "231380105".into();
    let e = build_err(vec![(ppd(), vec![bad_routing])]);
    assert_eq!(e.field, Some("RDFI routing"));
    assert_eq!((e.batch, e.entry), (Some(1), Some(1)));

    let e = build_err(vec![(ppd(), vec![credit("1", MAX_AMOUNT_CENTS + 1)])]);
    assert_eq!(e.field, Some("amount"));

    let e = build_err(vec![(ppd(), vec![])]);
    assert_eq!(e.to_string(), "batch 1: batch has no entries");

    let mut long = ppd();
    long.company_name = "A company name that is too long".into();
    let e = build_err(vec![(long, vec![credit("1", 10)])]);
    assert_eq!(
        e.to_string(),
        "batch 1: company name: 31 characters, at most 16 allowed"
    );

    let mut odfi = ppd();
    odfi.odfi_identification = "1210428".into();
    let e = build_err(vec![(odfi, vec![credit("1", 10)])]);
    assert_eq!(e.field, Some("originating DFI identification"));

    let e = FileBuilder::new(FileHeaderParams {
        immediate_destination: "231380105".into(),
        ..header_params()
    })
    .build()
    .unwrap_err();
    assert_eq!(e.field, Some("immediate destination"));
    assert_eq!(e.batch, None);

    let e = FileBuilder::new(FileHeaderParams {
        origin_name: "Café".into(),
        ..header_params()
    })
    .build()
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "file: immediate origin name: non-ASCII character 'é' at offset 4"
    );
}

#[test]
fn builder_runs_the_validation_rules() {
    // Prenotes carry no money.
    let prenote = Entry::new(EntryDetail::new(
        TransactionCode::CHECKING_PRENOTE_CREDIT,
        routing("23138010"),
        "1",
        5,
    ));
    let e = build_err(vec![(ppd(), vec![prenote])]);
    assert_eq!(
        e.to_string(),
        "batch 1, entry 1: amount: prenote (code 23) must have a zero amount"
    );

    // Micro-entry credits are under $1.00 and the debits do not exceed them.
    let e = build_err(vec![(ppd(), vec![credit("1", 100)])]);
    assert_eq!(
        e.to_string(),
        "batch 1, entry 1: amount: micro-entry credit of 100 cents is not under $1.00"
    );
    let e = build_err(vec![(ppd(), vec![credit("1", 10), debit("1", 11)])]);
    assert_eq!(
        e.to_string(),
        "batch 1: amount: micro-entry debits of 11 cents to account 1 at 231380104 exceed the credits of 10 cents (company 1234567890)"
    );
    // ... also when the debits are in another batch of the same file.
    let e = build_err(vec![
        (ppd(), vec![credit("1", 10)]),
        (ppd(), vec![debit("1", 11)]),
    ]);
    assert_eq!(e.batch, Some(1));

    // The paygate bug: savings credits with a checking debit for the same account.
    let savings = Entry::new(
        EntryDetail::new(
            TransactionCode::SAVINGS_CREDIT,
            routing("23138010"),
            "1",
            10,
        )
        .individual_name("Receiver"),
    );
    let e = build_err(vec![(ppd(), vec![savings, debit("1", 10)])]);
    assert_eq!(e.to_string(), "batch 1, entry 2: transaction code: account 1 at 231380104 is posted to as Checking (code 27) but as Savings by batch 1, entry 1; use one account type per account (e.g. 32 with 37, 22 with 27)");

    // WEB needs a payment type code.
    let e = build_err(vec![(
        batch_params(SecCode::Web, "12104288"),
        vec![credit("1", 10)],
    )]);
    assert_eq!(
        e.to_string(),
        "batch 1, entry 1: discretionary data: WEB payment type code must be S (single), R (recurring) or ST (standing), found \"\""
    );

    // Only one addenda 05 for PPD.
    let two = credit("1", 10)
        .with_payment_info("a")
        .with_payment_info("b");
    let e = build_err(vec![(ppd(), vec![two])]);
    assert_eq!(
        e.to_string(),
        "batch 1, entry 1: PPD entries carry at most one addenda 05, found 2"
    );
}

fn noc(trace: &str) -> Addenda98 {
    Addenda98 {
        change_code: "C01".into(),
        original_entry_trace: "121042880000001".into(),
        original_rdfi_identification: "23138010".into(),
        corrected_data: "1918171614".into(),
        trace_number: trace.into(),
    }
}

fn ret(code: &str) -> Addenda99 {
    Addenda99 {
        return_reason_code: code.into(),
        original_entry_trace: "121042880000001".into(),
        date_of_death: None,
        original_rdfi_identification: "23138010".into(),
        addenda_information: String::new(),
        trace_number: "091000010000001".into(),
    }
}

#[test]
fn nocs_and_returns() {
    let mut cor = batch_params(SecCode::Cor, "09100001");
    cor.company_entry_description = "NOC".into();
    let mut web = batch_params(SecCode::Web, "09100001");
    web.company_entry_description = "RETURN".into();
    let noc_entry = Entry::new(
        EntryDetail::new(
            TransactionCode::CHECKING_RETURN_CREDIT,
            routing("23138010"),
            "744-5678-99",
            0,
        )
        .discretionary_data("S"),
    )
    .with_noc(noc("091000010000001"));
    let return_entry = Entry::new(
        EntryDetail::new(
            TransactionCode::CHECKING_RETURN_DEBIT,
            routing("23138010"),
            "123",
            4500,
        )
        .discretionary_data("S"),
    )
    .with_return(Addenda99 {
        date_of_death: Some(date(2026, 1, 2)),
        ..ret("R14")
    });
    let f = FileBuilder::new(header_params())
        .batch(cor.clone(), vec![noc_entry.clone()])
        .batch(web.clone(), vec![return_entry.clone()])
        .build()
        .unwrap();
    assert_eq!(f.batches[0].header.service_class, ServiceClass::CreditsOnly);
    assert_eq!(f.batches[1].header.service_class, ServiceClass::DebitsOnly);
    assert_eq!(f.batches[1].control.total_debit_cents, 4500);
    assert_eq!(read_both(&f.to_string()).unwrap(), f);
    let s = summary(&f);
    assert_eq!((s.batches[0].noc_count, s.batches[1].return_count), (1, 1));

    // COR entries carry no money and exactly one addenda 98.
    let mut paid = noc_entry.clone();
    paid.detail.amount_cents = 1;
    let e = build_err(vec![(cor.clone(), vec![paid])]);
    assert_eq!(e.to_string(), "batch 1, entry 1: amount: COR (notification of change) entries carry no money, found 1 cents");
    let bare = Entry::new(noc_entry.detail.clone());
    let e = build_err(vec![(cor.clone(), vec![bare])]);
    assert_eq!(e.to_string(), "batch 1, entry 1: a COR entry needs exactly one addenda 98, found 0 addenda (0 of type 98)");
    let live = Entry::new(EntryDetail::new(
        TransactionCode::CHECKING_CREDIT,
        routing("23138010"),
        "1",
        0,
    ))
    .with_noc(noc("091000010000001"));
    let e = build_err(vec![(cor, vec![live])]);
    assert_eq!(e.field, Some("transaction code"));

    // NOCs only in COR batches; returns need a return code and vice versa.
    let e = build_err(vec![(web.clone(), vec![noc_entry])]);
    assert_eq!(e.to_string(), "batch 1, entry 1: addenda type code: addenda 98 (NOC) is only allowed in COR batches, not WEB");
    let forward_with_return =
        Entry::new(credit("1", 10).detail.discretionary_data("S")).with_return(ret("R01"));
    let e = build_err(vec![(web.clone(), vec![forward_with_return])]);
    assert_eq!(e.field, Some("transaction code"));
    let return_without_addenda = Entry::new(return_entry.detail.clone());
    let e = build_err(vec![(web, vec![return_without_addenda])]);
    assert_eq!(e.to_string(), "batch 1, entry 1: transaction code: transaction code 26 is for returns, which need an addenda 99");
}

#[test]
fn validate_reports_every_broken_rule() {
    let mut f = sample_file();
    f.batches[0].entries[0].detail.amount_cents += 1;
    f.batches[1].entries[0].detail.trace_number = "121042880000001".into();
    f.control.block_count = 7;
    f.batches[1].header.batch_number = 1;
    let errors = f.validate().unwrap_err().0;
    let rules: Vec<(Rule, Option<usize>, Option<&str>)> =
        errors.iter().map(|e| (e.rule, e.batch, e.field)).collect();
    assert_eq!(
        rules,
        [
            (
                Rule::ControlMismatch,
                Some(1),
                Some("total credit entry dollar amount")
            ),
            (Rule::BatchNumber, Some(2), Some("batch number")),
            (
                Rule::AddendaSequence,
                Some(2),
                Some("entry detail sequence number")
            ),
            (Rule::DuplicateTrace, Some(2), Some("trace number")),
            (Rule::BatchNumber, Some(2), Some("batch number")),
            (Rule::BlockCount, None, Some("block count")),
            (
                Rule::ControlMismatch,
                None,
                Some("total credit entry dollar amount")
            ),
        ],
        "{errors:#?}"
    );
    assert_eq!(
        errors[3].to_string(),
        "batch 2, entry 1: trace number: trace number 121042880000001 is also used by batch 1, entry 1"
    );
}

#[test]
fn transaction_code_helpers_keep_micro_deposit_pairs_right() {
    for account in [AccountType::Checking, AccountType::Savings] {
        let credit_code = TransactionCode::live(account, true);
        let debit_code = credit_code.offsetting_debit().unwrap();
        let f = FileBuilder::new(header_params())
            .batch(
                ppd(),
                vec![
                    Entry::new(
                        EntryDetail::new(credit_code, routing("23138010"), "55", 20)
                            .individual_name("Receiver"),
                    ),
                    Entry::new(
                        EntryDetail::new(credit_code, routing("23138010"), "55", 21)
                            .individual_name("Receiver"),
                    ),
                    Entry::new(
                        EntryDetail::new(debit_code, routing("23138010"), "55", 41)
                            .individual_name("Receiver"),
                    ),
                ],
            )
            .build()
            .unwrap();
        assert_eq!(f.batches[0].header.service_class, ServiceClass::Mixed);
    }
}

#[test]
fn summary_serializes() {
    let s = summary(&sample_file());
    assert_eq!(s.batch_count, 2);
    assert_eq!(s.entry_count, 4);
    assert_eq!(s.addenda_count, 1);
    assert_eq!(s.total_debit_cents, 46);
    assert_eq!(s.total_credit_cents, 150_046);
    assert_eq!(s.block_count, 2);
    assert_eq!(s.batches[1].sec_code, SecCode::Web);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["immediate_destination"], "231380104");
    assert_eq!(json["creation_date"], "2026-11-23");
    assert_eq!(json["creation_time"], "09:30:00");
    assert_eq!(json["batches"][0]["sec_code"], "PPD");
    assert_eq!(json["batches"][0]["service_class"], "mixed");
    assert_eq!(json["batches"][1]["effective_entry_date"], "2026-11-24");
    assert_eq!(json["batches"][1]["total_credit_cents"], 150_000);
    let back: Summary = serde_json::from_value(json).unwrap();
    assert_eq!(back, s);
}

#[test]
fn a_forward_entry_without_a_receiver_name_breaks_the_file() {
    let blank = Entry::new(
        EntryDetail::new(
            TransactionCode::CHECKING_CREDIT,
            routing("23138010"),
            "12345678",
            10,
        )
        .individual_name("   "),
    );
    let e = build_err(vec![(ppd(), vec![blank])]);
    assert_eq!(e.field, Some("individual name"), "{e}");
    assert!(e.to_string().contains("blank"), "{e}");
}
