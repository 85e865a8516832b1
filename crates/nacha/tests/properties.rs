//! Property tests: random valid files survive build → write → read unchanged (with both
//! readers), random records survive parse(format(x)), and reading arbitrary or damaged input
//! never panics and both readers agree.

mod common;

use common::read_both;
use jiff::civil::{Date, DateTime, Time};
use nacha::*;
use proptest::prelude::*;
use proptest::sample::select;

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9 .,&/#*'-]{{0,{max}}}")).unwrap()
}

fn required(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Z0-9][A-Za-z0-9 .&-]{{0,{}}}", max - 1)).unwrap()
}

fn digits(n: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[0-9]{{{n}}}")).unwrap()
}

fn routing() -> impl Strategy<Value = String> {
    (
        select(vec![
            "01", "09", "12", "21", "26", "32", "61", "72", "80", "00",
        ]),
        digits(6),
    )
        .prop_map(|(p, d)| {
            let first8 = format!("{p}{d}");
            let check = check_digit(&first8).unwrap();
            format!("{first8}{check}")
        })
}

fn date() -> impl Strategy<Value = Date> {
    (2000i16..=2099, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap())
}

fn datetime() -> impl Strategy<Value = DateTime> {
    (date(), 0i8..24, 0i8..60, 0i8..60)
        .prop_map(|(d, h, m, s)| d.to_datetime(Time::new(h, m, s, 0).unwrap()))
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Forward(SecCode),
    Returns(SecCode),
    Noc,
}

fn forward_code() -> impl Strategy<Value = TransactionCode> {
    select(
        TransactionCode::ALL
            .iter()
            .copied()
            .filter(|c| !c.is_return_or_noc())
            .collect::<Vec<_>>(),
    )
}

fn return_code() -> impl Strategy<Value = TransactionCode> {
    select(
        TransactionCode::ALL
            .iter()
            .copied()
            .filter(|c| c.is_return_or_noc())
            .collect::<Vec<_>>(),
    )
}

/// An entry of a batch of `kind`; the account number is made unique later.
fn entry(kind: Kind) -> BoxedStrategy<Entry> {
    let base = (routing(), text(15), text(22), 0u64..=MAX_AMOUNT_CENTS);
    match kind {
        Kind::Forward(sec) => (
            base,
            forward_code(),
            select(vec!["S", "R", "ST"]),
            proptest::option::of(text(80)),
        )
            .prop_map(move |((r, id, name, amount), code, ptc, info)| {
                let amount = if code.is_prenote() { 0 } else { amount };
                // Forward entries name their receiver (a name of blanks or zeros is a broken
                // file).
                let name = if name.trim().trim_matches('0').is_empty() {
                    "RECEIVER".to_string()
                } else {
                    name
                };
                let mut d = EntryDetail::new(code, r, "", amount)
                    .individual_id(id)
                    .individual_name(name);
                if sec == SecCode::Web {
                    d = d.discretionary_data(ptc);
                }
                let e = Entry::new(d);
                match info {
                    Some(i) => e.with_payment_info(i),
                    None => e,
                }
            })
            .boxed(),
        Kind::Returns(sec) => (
            base,
            return_code(),
            select(vec!["R01", "R02", "R03", "R04", "R14", "R16", "R20", "R23"]),
            digits(15),
            digits(8),
            proptest::option::of(date()),
            text(44),
            digits(15),
        )
            .prop_map(
                move |((r, id, name, amount), code, reason, orig, rdfi, dod, info, trace)| {
                    let mut d = EntryDetail::new(code, r, "", amount)
                        .individual_id(id)
                        .individual_name(name);
                    if sec == SecCode::Web {
                        d = d.discretionary_data("S");
                    }
                    Entry::new(d).with_return(Addenda99 {
                        return_reason_code: reason.into(),
                        original_entry_trace: orig,
                        date_of_death: dod,
                        original_rdfi_identification: rdfi,
                        addenda_information: info.trim().to_string(),
                        trace_number: trace,
                    })
                },
            )
            .boxed(),
        Kind::Noc => (
            base,
            return_code(),
            select(vec!["C01", "C02", "C03", "C05", "C06", "C09"]),
            digits(15),
            digits(8),
            required(29),
            digits(15),
        )
            .prop_map(
                |((r, id, name, _), code, change, orig, rdfi, corrected, trace)| {
                    Entry::new(
                        EntryDetail::new(code, r, "", 0)
                            .individual_id(id)
                            .individual_name(name),
                    )
                    .with_noc(Addenda98 {
                        change_code: change.into(),
                        original_entry_trace: orig,
                        original_rdfi_identification: rdfi,
                        corrected_data: corrected.trim().to_string(),
                        trace_number: trace,
                    })
                },
            )
            .boxed(),
    }
}

fn batch() -> impl Strategy<Value = (BatchParams, Vec<Entry>)> {
    let kind = prop_oneof![
        4 => select(vec![SecCode::Ppd, SecCode::Ccd, SecCode::Web]).prop_map(Kind::Forward),
        1 => select(vec![SecCode::Ppd, SecCode::Web]).prop_map(Kind::Returns),
        1 => Just(Kind::Noc),
    ];
    kind.prop_flat_map(|kind| {
        let sec = match kind {
            Kind::Forward(s) | Kind::Returns(s) => s,
            Kind::Noc => SecCode::Cor,
        };
        (
            (
                required(16),
                text(20),
                required(10),
                required(10).prop_filter("no micro-entries", |d| d.trim() != "ACCTVERIFY"),
                proptest::option::of(text(6)),
                date(),
                digits(8),
            ),
            proptest::collection::vec(entry(kind), 1..8),
        )
            .prop_map(move |((name, disc, id, desc, ddate, eff, odfi), entries)| {
                (
                    BatchParams {
                        company_name: name,
                        company_discretionary_data: disc,
                        company_identification: id,
                        sec_code: sec,
                        company_entry_description: desc,
                        company_descriptive_date: ddate,
                        effective_entry_date: eff,
                        odfi_identification: odfi,
                    },
                    entries,
                )
            })
    })
}

fn builder() -> impl Strategy<Value = FileBuilder> {
    (
        routing(),
        required(10),
        text(23),
        text(23),
        datetime(),
        select(('A'..='Z').chain('0'..='9').collect::<Vec<_>>()),
        text(8),
        proptest::collection::vec(batch(), 1..5),
    )
        .prop_map(
            |(dest, origin, dname, oname, creation, modifier, reference, batches)| {
                let mut b = FileBuilder::new(FileHeaderParams {
                    immediate_destination: dest,
                    immediate_origin: origin,
                    destination_name: dname,
                    origin_name: oname,
                    creation,
                    file_id_modifier: modifier,
                    reference_code: reference,
                });
                let mut account = 0u32;
                for (params, mut entries) in batches {
                    for e in &mut entries {
                        // Unique account numbers: one account type per account.
                        account += 1;
                        e.detail.dfi_account_number = format!("ACCT-{account}");
                    }
                    b.add_batch(params, entries);
                }
                b
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn build_write_read_is_identity(b in builder()) {
        let file = b.build().unwrap();
        file.validate().unwrap();
        let text = file.to_string();
        prop_assert!(text.lines().all(|l| l.len() == 94));
        prop_assert_eq!(text.lines().count() % 10, 0);
        let read = read_both(&text).unwrap();
        prop_assert_eq!(&read, &file);
        prop_assert_eq!(read_str_with(&text, ReadOptions::strict()).unwrap(), file);
    }

    #[test]
    fn records_round_trip(
        b in builder(),
        settlement in proptest::option::of(1u16..=366),
        status in select(vec!['0', '1', '2']),
        mac in text(19),
    ) {
        let mut file = b.build().unwrap();
        for batch in &mut file.batches {
            batch.header.settlement_date = settlement;
            batch.header.originator_status_code = status;
            batch.control.message_authentication_code = mac.trim_end().to_string();
            let h = &batch.header;
            prop_assert_eq!(BatchHeader::parse(&h.to_line()).unwrap(), h.clone());
            let c = &batch.control;
            prop_assert_eq!(BatchControl::parse(&c.to_line()).unwrap(), c.clone());
            for e in &batch.entries {
                prop_assert_eq!(EntryDetail::parse(&e.detail.to_line()).unwrap(), e.detail.clone());
                for a in &e.addenda {
                    prop_assert_eq!(Addenda::parse(&a.to_line()).unwrap(), a.clone());
                }
            }
        }
        prop_assert_eq!(FileHeader::parse(&file.header.to_line()).unwrap(), file.header.clone());
        prop_assert_eq!(FileControl::parse(&file.control.to_line()).unwrap(), file.control.clone());
    }
}

#[derive(Debug, Clone)]
enum Damage {
    Replace(usize, char),
    Insert(usize, char),
    DeleteLine(usize),
    DuplicateLine(usize),
    Truncate(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    let ch = prop_oneof![
        select(vec![
            '0', '1', '5', '6', '7', '8', '9', ' ', '\n', '\r', 'A', 'é'
        ]),
        any::<char>(),
    ];
    prop_oneof![
        (any::<usize>(), ch.clone()).prop_map(|(i, c)| Damage::Replace(i, c)),
        (any::<usize>(), ch).prop_map(|(i, c)| Damage::Insert(i, c)),
        any::<usize>().prop_map(Damage::DeleteLine),
        any::<usize>().prop_map(Damage::DuplicateLine),
        any::<usize>().prop_map(Damage::Truncate),
    ]
}

fn apply(text: &str, d: &Damage) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut lines: Vec<&str> = text.lines().collect();
    match *d {
        Damage::Replace(i, c) => {
            let mut v = chars;
            let n = v.len();
            v[i % n] = c;
            v.into_iter().collect()
        }
        Damage::Insert(i, c) => {
            let mut v = chars;
            let n = v.len();
            v.insert(i % n, c);
            v.into_iter().collect()
        }
        Damage::DeleteLine(i) => {
            let n = lines.len();
            lines.remove(i % n);
            lines.join("\n") + "\n"
        }
        Damage::DuplicateLine(i) => {
            let n = lines.len();
            let l = lines[i % n];
            lines.insert(i % n, l);
            lines.join("\n") + "\n"
        }
        Damage::Truncate(i) => chars[..i % chars.len()].iter().collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        let _ = read_both(&s);
    }

    #[test]
    fn record_shaped_strings_never_panic(s in "([1-9][0-9 A-Z]{0,100}\r?\n){0,25}") {
        let _ = read_both(&s);
    }

    #[test]
    fn damaged_files_never_panic_and_readers_agree(
        b in builder(),
        damages in proptest::collection::vec(damage(), 1..4),
    ) {
        let mut text = b.build().unwrap().to_string();
        for d in &damages {
            text = apply(&text, d);
            if text.is_empty() {
                break;
            }
        }
        let _ = read_both(&text);
    }
}
