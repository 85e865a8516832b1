//! Sample messages shared by the tests: realistic values and edge values.
#![allow(dead_code)]

use iso20022::*;

pub fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

pub fn t35(s: &str) -> Max35Text {
    Max35Text::parse(s).unwrap()
}

pub fn t140(s: &str) -> Max140Text {
    Max140Text::parse(s).unwrap()
}

pub fn member(s: &str) -> MemberId {
    MemberId::parse(s).unwrap()
}

pub fn header(network: Network) -> AppHeader {
    AppHeader {
        from: member("021000021"),
        to: member("231380104"),
        business_message_id: t35("B20261202021000021PNDROP000000001"),
        created: ts("2026-12-02T11:40:00Z"),
    }
    .with_network(network)
}

trait WithNetwork {
    fn with_network(self, network: Network) -> Self;
}

impl WithNetwork for AppHeader {
    fn with_network(mut self, network: Network) -> Self {
        if network == Network::FedNow {
            self.created = ts("2026-12-02T11:40:00.123Z");
        }
        self
    }
}

pub fn credit(amount_cents: i64, remittance: Option<&str>) -> CreditTransfer {
    CreditTransfer {
        message_id: t35("M20261202021000021PNDROP000000001"),
        created: ts("2026-12-02T11:40:00Z"),
        instruction_id: t35("20261202021000021PNDROP0000001"),
        end_to_end_id: t35("PD-VRF-7Q2K9"),
        transaction_id: t35("20261202021000021PNDROP0000001"),
        amount: Amount::from_cents(amount_cents).unwrap(),
        settlement_date: jiff::civil::date(2026, 12, 2),
        debtor: Party {
            name: t140("Pennydrop Verification Services"),
        },
        debtor_account: AccountId::parse("000123456789").unwrap(),
        debtor_agent: member("021000021"),
        creditor: Party {
            name: t140("Maria Jose Garcia"),
        },
        creditor_account: AccountId::parse("98765432101").unwrap(),
        creditor_agent: member("231380104"),
        remittance: remittance.map(t140),
    }
}

pub fn original() -> OriginalRef {
    OriginalRef {
        message_id: t35("M20261202021000021PNDROP000000001"),
        kind: MessageKind::CreditTransfer,
        end_to_end_id: t35("PD-VRF-7Q2K9"),
        transaction_id: t35("20261202021000021PNDROP0000001"),
    }
}

pub fn report(status: TransactionStatus, reason: Option<&str>, info: Option<&str>) -> StatusReport {
    StatusReport {
        message_id: t35("M20261202231380104RTPBANK00000042"),
        created: ts("2026-12-02T11:40:02Z"),
        original: original(),
        status,
        reason: reason.map(|r| ReasonCode::parse(r).unwrap()),
        additional_info: info.map(t140),
    }
}

pub fn request() -> StatusRequest {
    StatusRequest {
        message_id: t35("M20261202021000021PNDROP000000002"),
        created: ts("2026-12-02T11:40:30Z"),
        original: original(),
    }
}

pub fn message(network: Network, document: Document) -> Message {
    Message {
        network,
        header: header(network),
        document,
    }
}

/// Every kind Pennydrop writes, on both networks, with realistic and edge values.
pub fn samples() -> Vec<(String, Message)> {
    let long = "Pennydrop verification code 4821 for account ending 6789 - if you did not expect this deposit call us at (800) 555-0100 ok thanks. Bye".to_string();
    let long: String = long.chars().take(140).collect();
    let max35 = "A".repeat(35);
    let mut out = Vec::new();
    for (net, tag) in [(Network::Rtp, "rtp"), (Network::FedNow, "fednow")] {
        let docs: Vec<(&str, Document)> = vec![
            (
                "pacs008-typical",
                Document::CreditTransfer(credit(1, Some("PD 4821"))),
            ),
            (
                "pacs008-no-remittance",
                Document::CreditTransfer(credit(37, None)),
            ),
            (
                "pacs008-largest",
                Document::CreditTransfer({
                    let mut c = credit(Amount::MAX_CENTS, Some(&long));
                    c.message_id = t35(&max35);
                    c.end_to_end_id = t35(&max35);
                    c.creditor.name = t140(&"Z".repeat(140));
                    c.creditor_account = AccountId::parse(&"9".repeat(34)).unwrap();
                    c
                }),
            ),
            (
                "pacs002-accepted",
                Document::StatusReport(report(TransactionStatus::Acsc, None, None)),
            ),
            (
                "pacs002-rejected",
                Document::StatusReport(report(TransactionStatus::Rjct, Some("AC03"), Some(&long))),
            ),
            ("pacs028", Document::StatusRequest(request())),
        ];
        for (name, d) in docs {
            out.push((format!("{tag}-{name}"), message(net, d)));
        }
    }
    out
}
