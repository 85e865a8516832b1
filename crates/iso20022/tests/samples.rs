//! Hand-picked messages: round trips, what the XML looks like, and what the reader refuses.

mod common;

use common::*;
use iso20022::*;

#[test]
fn every_sample_round_trips() {
    for (name, m) in samples() {
        let xml = m.to_xml();
        assert_eq!(Message::from_xml(&xml), Ok(m), "{name}:\n{xml}");
    }
}

#[test]
fn the_reader_ignores_prefixes_whitespace_and_extra_elements() {
    let m = message(
        Network::Rtp,
        Document::CreditTransfer(credit(1, Some("PD 4821"))),
    );
    let xml = m
        .to_xml()
        .replace("doc:", "ct:")
        .replace("xmlns:doc", "xmlns:ct")
        .replace(
            "<ct:ChrgBr>",
            "<ct:SttlmPrty>HIGH</ct:SttlmPrty>\n\n  <ct:ChrgBr>",
        )
        .replace("<ct:MsgId>", "<ct:MsgId>  \n");
    assert_eq!(Message::from_xml(&xml), Ok(m));
}

#[test]
fn the_reader_names_the_missing_path() {
    let m = message(Network::FedNow, Document::CreditTransfer(credit(1, None)));
    let xml = m
        .to_xml()
        .replace("<EndToEndId>PD-VRF-7Q2K9</EndToEndId>", "");
    let err = Message::from_xml(&xml).unwrap_err();
    assert_eq!(
        err,
        ReadError::Missing {
            path: "FedNowIncoming/FedNowIncomingMessage/FedNowCustomerCreditTransfer/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/PmtId/EndToEndId".into()
        }
    );
}

#[test]
fn the_reader_refuses_bad_values_with_the_path() {
    let m = message(Network::Rtp, Document::CreditTransfer(credit(1, None)));
    let xml = m.to_xml().replace(">0.01<", ">0.001<");
    match Message::from_xml(&xml) {
        Err(ReadError::Invalid { path, problem }) => {
            assert!(path.ends_with("CdtTrfTxInf/IntrBkSttlmAmt"), "{path}");
            assert!(problem.contains("two fraction digits"), "{problem}");
        }
        other => panic!("{other:?}"),
    }
    let xml = m.to_xml().replace("Ccy=\"USD\"", "Ccy=\"EUR\"");
    assert!(matches!(
        Message::from_xml(&xml),
        Err(ReadError::Invalid { .. })
    ));
    let xml = m.to_xml().replace("pacs.008.001.08\"", "pacs.008.001.09\"");
    assert!(matches!(
        Message::from_xml(&xml),
        Err(ReadError::Invalid { .. })
    ));
}

#[test]
fn unknown_envelopes_and_broken_xml_are_refused() {
    assert!(matches!(
        Message::from_xml("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08\"/>"),
        Err(ReadError::UnknownEnvelope(_))
    ));
    assert!(matches!(
        Message::from_xml("<a><b></a>"),
        Err(ReadError::Xml(_))
    ));
    assert!(matches!(Message::from_xml(""), Err(ReadError::Xml(_))));
    let deep = "<a>".repeat(10_000);
    assert!(matches!(Message::from_xml(&deep), Err(ReadError::Xml(_))));
}

#[test]
fn account_numbers_stay_out_of_debug_output() {
    let m = message(Network::Rtp, Document::CreditTransfer(credit(1, None)));
    let debug = format!("{m:?}");
    assert!(!debug.contains("000123456789"), "{debug}");
    assert!(!debug.contains("98765432101"), "{debug}");
    assert!(debug.contains("AccountId(****6789)"));
}

/// Writes the samples as fuzzing seeds when ISO20022_SEED_DIR is set
/// (docs/fuzzing.md: the seeds of fuzz/corpus/read_iso20022); otherwise does nothing.
#[test]
fn write_fuzz_seeds() {
    let Ok(dir) = std::env::var("ISO20022_SEED_DIR") else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    for (name, m) in samples() {
        std::fs::write(format!("{dir}/{name}.xml"), m.to_xml()).unwrap();
    }
}
