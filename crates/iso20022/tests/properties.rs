//! Properties: every valid message survives write then read, and the reader never panics,
//! neither on arbitrary text nor on mutated valid messages.

use iso20022::*;
use proptest::prelude::*;

const CHARSET: &str = "abcXYZ019 /-?:().,'+";

fn text(max: usize) -> impl Strategy<Value = String> {
    let chars: Vec<char> = CHARSET.chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), 1..=max)
        .prop_map(|v| v.into_iter().collect())
}

fn t35() -> impl Strategy<Value = Max35Text> {
    text(35).prop_filter_map("blank", |s| Max35Text::parse(&s).ok())
}

fn t140() -> impl Strategy<Value = Max140Text> {
    text(140).prop_filter_map("blank", |s| Max140Text::parse(&s).ok())
}

fn member() -> impl Strategy<Value = MemberId> {
    (0u32..100_000_000).prop_map(|n| {
        let first8 = format!("{n:08}");
        let sum: u32 = first8
            .bytes()
            .zip([3u32, 7, 1].iter().cycle())
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        MemberId::parse(&format!("{first8}{}", (10 - sum % 10) % 10)).unwrap()
    })
}

fn account() -> impl Strategy<Value = AccountId> {
    "[A-Za-z0-9]{1,34}".prop_map(|s| AccountId::parse(&s).unwrap())
}

fn amount() -> impl Strategy<Value = Amount> {
    prop_oneof![1i64..1000, 1i64..=Amount::MAX_CENTS].prop_map(|c| Amount::from_cents(c).unwrap())
}

fn timestamp() -> impl Strategy<Value = jiff::Timestamp> {
    // 2000-01-01 to 2100-01-01, with nanoseconds.
    (946_684_800i64..4_102_444_800, 0i32..1_000_000_000)
        .prop_map(|(s, n)| jiff::Timestamp::new(s, n).unwrap())
}

fn date() -> impl Strategy<Value = jiff::civil::Date> {
    (2000i16..2100, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| jiff::civil::date(y, m, d))
}

fn credit() -> impl Strategy<Value = CreditTransfer> {
    let ids = (t35(), timestamp(), t35(), t35(), t35());
    let money = (amount(), date());
    let debtor = (t140(), account(), member());
    let creditor = (t140(), account(), member(), proptest::option::of(t140()));
    (ids, money, debtor, creditor).prop_map(|(i, m, d, c)| CreditTransfer {
        message_id: i.0,
        created: i.1,
        instruction_id: i.2,
        end_to_end_id: i.3,
        transaction_id: i.4,
        amount: m.0,
        settlement_date: m.1,
        debtor: Party { name: d.0 },
        debtor_account: d.1,
        debtor_agent: d.2,
        creditor: Party { name: c.0 },
        creditor_account: c.1,
        creditor_agent: c.2,
        remittance: c.3,
    })
}

fn original() -> impl Strategy<Value = OriginalRef> {
    let kinds = proptest::sample::select(MessageKind::ALL.to_vec());
    (t35(), kinds, t35(), t35()).prop_map(|(m, k, e, t)| OriginalRef {
        message_id: m,
        kind: k,
        end_to_end_id: e,
        transaction_id: t,
    })
}

fn report() -> impl Strategy<Value = StatusReport> {
    let status = proptest::sample::select(TransactionStatus::ALL.to_vec());
    let reason = proptest::option::of("[A-Z0-9]{1,4}".prop_map(|s| ReasonCode::parse(&s).unwrap()));
    (
        t35(),
        timestamp(),
        original(),
        status,
        reason,
        proptest::option::of(t140()),
    )
        .prop_map(
            |(id, created, original, status, reason, info)| StatusReport {
                message_id: id,
                created,
                original,
                status,
                reason,
                additional_info: info,
            },
        )
}

fn request() -> impl Strategy<Value = StatusRequest> {
    (t35(), timestamp(), original()).prop_map(|(id, created, original)| StatusRequest {
        message_id: id,
        created,
        original,
    })
}

fn message() -> impl Strategy<Value = Message> {
    let network = prop_oneof![Just(Network::Rtp), Just(Network::FedNow)];
    let header = (member(), member(), t35(), timestamp()).prop_map(|(f, t, b, c)| AppHeader {
        from: f,
        to: t,
        business_message_id: b,
        created: c,
    });
    let document = prop_oneof![
        credit().prop_map(Document::CreditTransfer),
        report().prop_map(Document::StatusReport),
        request().prop_map(Document::StatusRequest),
    ];
    (network, header, document).prop_map(|(network, header, document)| Message {
        network,
        header,
        document,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn write_then_read_gives_the_same_message(m in message()) {
        let xml = m.to_xml();
        prop_assert_eq!(Message::from_xml(&xml), Ok(m), "{}", xml);
    }

    #[test]
    fn the_reader_never_panics_on_arbitrary_text(s in "\\PC{0,400}") {
        let _ = Message::from_xml(&s);
    }

    #[test]
    fn the_reader_never_panics_on_mutated_messages(
        m in message(),
        cuts in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..20, "\\PC{0,6}"), 1..4),
    ) {
        let mut xml = m.to_xml();
        for (at, len, insert) in cuts {
            let start = at.index(xml.len());
            let end = (start + len).min(xml.len());
            if xml.is_char_boundary(start) && xml.is_char_boundary(end) {
                xml.replace_range(start..end, &insert);
            }
        }
        if let Ok(read) = Message::from_xml(&xml) {
            // Whatever reads must also write and read back to itself.
            prop_assert_eq!(Message::from_xml(&read.to_xml()), Ok(read));
        }
    }

    #[test]
    fn amounts_survive_the_decimal_form(c in 1i64..=Amount::MAX_CENTS) {
        let a = Amount::from_cents(c).unwrap();
        prop_assert_eq!(Amount::parse_decimal(&a.to_decimal()), Ok(a));
    }

    #[test]
    fn lossy_text_is_always_valid(s in "\\PC{0,300}") {
        if let Some(t) = Max140Text::lossy(&s) {
            prop_assert_eq!(Max140Text::parse(t.as_str()), Ok(t.clone()));
        }
    }
}
