//! The writer: every message part is a function that writes its elements in schema order.
//! Values that Pennydrop never varies are written here, per network (docs/iso20022.md).

use crate::message::{
    AppHeader, CreditTransfer, Message, MessageKind, Network, OriginalRef, StatusReport,
    StatusRequest,
};
use crate::{Amount, Document, MemberId};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

pub(crate) const TCH: &str = "urn:tch";
pub(crate) const FEDNOW_INCOMING: &str = "urn:fednow:incoming:v001";
pub(crate) const FEDNOW_OUTGOING: &str = "urn:fednow:outgoing:v001";
pub(crate) const HEAD_01: &str = "urn:iso:std:iso:20022:tech:xsd:head.001.001.01";
pub(crate) const HEAD_02: &str = "urn:iso:std:iso:20022:tech:xsd:head.001.001.02";
/// FedNow's market practice (head.001.001.02 `MktPrctc`), as in its sample messages.
const FEDNOW_REGISTRY: &str =
    "www2.swift.com/mystandards/#/group/Federal_Reserve_Financial_Services/FedNow_Service";
const FEDNOW_PRACTICE: &str = "frb.fednow.01";
/// Longest `StsRsnInf/AddtlInf` (Max105Text).
const ADDITIONAL_INFO_MAX: usize = 105;

/// An XML writer that knows the namespace prefix of the elements it is writing. Writing into
/// a `Vec<u8>` cannot fail; `failed` records it anyway instead of panicking.
struct Out {
    w: Writer<Vec<u8>>,
    prefix: &'static str,
    failed: bool,
}

impl Out {
    fn event(&mut self, e: Event<'_>) {
        if self.w.write_event(e).is_err() {
            self.failed = true;
        }
    }

    fn qname(&self, local: &str) -> String {
        if self.prefix.is_empty() {
            local.to_string()
        } else {
            format!("{}:{local}", self.prefix)
        }
    }

    /// Opens an element under its exact name, with attributes (namespace declarations).
    fn open_raw(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for a in attrs {
            start.push_attribute(*a);
        }
        self.event(Event::Start(start));
    }

    fn close_raw(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    fn open(&mut self, local: &str) {
        let name = self.qname(local);
        self.open_raw(&name, &[]);
    }

    fn close(&mut self, local: &str) {
        let name = self.qname(local);
        self.close_raw(&name);
    }

    fn leaf_with(&mut self, local: &str, attrs: &[(&str, &str)], text: &str) {
        let name = self.qname(local);
        self.open_raw(&name, attrs);
        self.event(Event::Text(BytesText::new(text)));
        self.close_raw(&name);
    }

    fn leaf(&mut self, local: &str, text: &str) {
        self.leaf_with(local, &[], text);
    }

    /// `<a><b><c>text</c></b></a>` for `path = [a, b, c]`.
    fn chain(&mut self, path: &[&str], text: &str) {
        if let Some((last, outer)) = path.split_last() {
            outer.iter().for_each(|p| self.open(p));
            self.leaf(last, text);
            outer.iter().rev().for_each(|p| self.close(p));
        }
    }

    fn amount(&mut self, local: &str, amount: Amount) {
        self.leaf_with(local, &[("Ccy", "USD")], &amount.to_decimal());
    }
}

/// The whole message, envelope first.
pub(crate) fn message(m: &Message) -> String {
    let mut out = Out {
        w: Writer::new_with_indent(Vec::new(), b' ', 2),
        prefix: "",
        failed: false,
    };
    out.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    match m.network {
        Network::Rtp => rtp(&mut out, m),
        Network::FedNow => fednow(&mut out, m),
    }
    debug_assert!(!out.failed, "writing into memory failed");
    String::from_utf8_lossy(&out.w.into_inner()).into_owned()
}

/// The element of the TCH envelope that holds each kind of document.
pub(crate) fn rtp_wrapper(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::CreditTransfer => "CreditTransfer",
        MessageKind::StatusReport => "MessageStatusReport",
        MessageKind::StatusRequest => "PaymentStatusRequest",
    }
}

/// The element of the FedNow envelope that holds each kind of document.
pub(crate) fn fednow_wrapper(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::CreditTransfer => "FedNowCustomerCreditTransfer",
        MessageKind::StatusReport => "FedNowPaymentStatus",
        MessageKind::StatusRequest => "FedNowPaymentStatusRequest",
    }
}

/// TCH: `<Message xmlns="urn:tch"><AppHdr>head.001.001.01</AppHdr><CreditTransfer>` with the
/// document's root element directly inside (there is no `Document` element).
fn rtp(out: &mut Out, m: &Message) {
    let kind = m.document.kind();
    out.open_raw(
        "Message",
        &[
            ("xmlns", TCH),
            ("xmlns:head", HEAD_01),
            ("xmlns:doc", kind.namespace()),
        ],
    );
    out.open_raw("AppHdr", &[]);
    out.prefix = "head";
    header(out, &m.header, kind, Network::Rtp);
    out.prefix = "";
    out.close_raw("AppHdr");
    out.open_raw(rtp_wrapper(kind), &[]);
    out.prefix = "doc";
    document(out, &m.document, Network::Rtp);
    out.prefix = "";
    out.close_raw(rtp_wrapper(kind));
    out.close_raw("Message");
}

/// FedNow: participants send in `FedNowIncoming` and receive in `FedNowOutgoing`. Pennydrop
/// sends credit transfers and status requests and receives status reports, so the direction
/// follows the document's kind.
fn fednow(out: &mut Out, m: &Message) {
    let kind = m.document.kind();
    let (root, ns) = match kind {
        MessageKind::StatusReport => ("FedNowOutgoing", FEDNOW_OUTGOING),
        _ => ("FedNowIncoming", FEDNOW_INCOMING),
    };
    let body = format!("{root}Message");
    out.open_raw(root, &[("xmlns", ns)]);
    out.open_raw(&body, &[]);
    out.open_raw(fednow_wrapper(kind), &[]);
    out.open_raw("AppHdr", &[("xmlns", HEAD_02)]);
    header(out, &m.header, kind, Network::FedNow);
    out.close_raw("AppHdr");
    out.open_raw("Document", &[("xmlns", kind.namespace())]);
    document(out, &m.document, Network::FedNow);
    out.close_raw("Document");
    out.close_raw(fednow_wrapper(kind));
    out.close_raw(&body);
    out.close_raw(root);
}

fn header(out: &mut Out, h: &AppHeader, kind: MessageKind, network: Network) {
    let member = ["FIId", "FinInstnId", "ClrSysMmbId", "MmbId"];
    out.open("Fr");
    out.chain(&member, h.from.as_str());
    out.close("Fr");
    out.open("To");
    out.chain(&member, h.to.as_str());
    out.close("To");
    out.leaf("BizMsgIdr", h.business_message_id.as_str());
    out.leaf("MsgDefIdr", kind.definition());
    if network == Network::FedNow {
        out.open("MktPrctc");
        out.leaf("Regy", FEDNOW_REGISTRY);
        out.leaf("Id", FEDNOW_PRACTICE);
        out.close("MktPrctc");
    }
    out.leaf("CreDt", &h.created.to_string());
}

fn document(out: &mut Out, d: &Document, network: Network) {
    out.open(d.kind().root());
    match d {
        Document::CreditTransfer(c) => credit_transfer(out, c, network),
        Document::StatusReport(r) => status_report(out, r, network),
        Document::StatusRequest(r) => status_request(out, r, network),
    }
    out.close(d.kind().root());
}

fn group_header(out: &mut Out, message_id: &str, created: &jiff::Timestamp) {
    out.leaf("MsgId", message_id);
    out.leaf("CreDtTm", &created.to_string());
}

/// A financial institution by routing number; FedNow also names the scheme (`USABA`).
fn agent(out: &mut Out, local: &str, member: &MemberId, network: Network) {
    out.open(local);
    out.open("FinInstnId");
    out.open("ClrSysMmbId");
    if network == Network::FedNow {
        out.chain(&["ClrSysId", "Cd"], "USABA");
    }
    out.leaf("MmbId", member.as_str());
    out.close("ClrSysMmbId");
    out.close("FinInstnId");
    out.close(local);
}

fn credit_transfer(out: &mut Out, c: &CreditTransfer, network: Network) {
    out.open("GrpHdr");
    group_header(out, c.message_id.as_str(), &c.created);
    out.leaf("NbOfTxs", "1");
    if network == Network::Rtp {
        // TCH requires the total and the settlement date in the group header.
        out.amount("TtlIntrBkSttlmAmt", c.amount);
        out.leaf("IntrBkSttlmDt", &c.settlement_date.to_string());
    }
    out.open("SttlmInf");
    out.leaf("SttlmMtd", "CLRG");
    let system = match network {
        Network::Rtp => "TCH",
        Network::FedNow => "FDN",
    };
    out.chain(&["ClrSys", "Cd"], system);
    out.close("SttlmInf");
    out.close("GrpHdr");
    out.open("CdtTrfTxInf");
    transaction(out, c, network);
    out.close("CdtTrfTxInf");
}

fn payment_type(out: &mut Out, network: Network) {
    out.open("PmtTpInf");
    let (local, category) = match network {
        Network::Rtp => {
            out.chain(&["SvcLvl", "Cd"], "SDVA");
            ("STANDARD", "CONSUMER")
        }
        Network::FedNow => ("FDNA", "CONS"),
    };
    out.chain(&["LclInstrm", "Prtry"], local);
    out.chain(&["CtgyPurp", "Prtry"], category);
    out.close("PmtTpInf");
}

fn transaction(out: &mut Out, c: &CreditTransfer, network: Network) {
    out.open("PmtId");
    out.leaf("InstrId", c.instruction_id.as_str());
    out.leaf("EndToEndId", c.end_to_end_id.as_str());
    out.leaf("TxId", c.transaction_id.as_str());
    out.close("PmtId");
    payment_type(out, network);
    out.amount("IntrBkSttlmAmt", c.amount);
    if network == Network::FedNow {
        out.leaf("IntrBkSttlmDt", &c.settlement_date.to_string());
    }
    out.leaf("ChrgBr", "SLEV");
    agent(out, "InstgAgt", &c.debtor_agent, network);
    agent(out, "InstdAgt", &c.creditor_agent, network);
    out.chain(&["Dbtr", "Nm"], c.debtor.name.as_str());
    out.chain(&["DbtrAcct", "Id", "Othr", "Id"], c.debtor_account.as_str());
    agent(out, "DbtrAgt", &c.debtor_agent, network);
    agent(out, "CdtrAgt", &c.creditor_agent, network);
    out.chain(&["Cdtr", "Nm"], c.creditor.name.as_str());
    out.chain(
        &["CdtrAcct", "Id", "Othr", "Id"],
        c.creditor_account.as_str(),
    );
    if let Some(r) = &c.remittance {
        out.chain(&["RmtInf", "Ustrd"], r.as_str());
    }
}

/// `OrgnlMsgId` and `OrgnlMsgNmId` inside `local`.
fn original_group(out: &mut Out, local: &str, o: &OriginalRef) {
    out.open(local);
    out.leaf("OrgnlMsgId", o.message_id.as_str());
    out.leaf("OrgnlMsgNmId", o.kind.definition());
    out.close(local);
}

fn original_ids(out: &mut Out, o: &OriginalRef) {
    out.leaf("OrgnlEndToEndId", o.end_to_end_id.as_str());
    out.leaf("OrgnlTxId", o.transaction_id.as_str());
}

/// RTP names the original message once per group; FedNow per transaction.
fn status_report(out: &mut Out, r: &StatusReport, network: Network) {
    out.open("GrpHdr");
    group_header(out, r.message_id.as_str(), &r.created);
    out.close("GrpHdr");
    if network == Network::Rtp {
        original_group(out, "OrgnlGrpInfAndSts", &r.original);
    }
    out.open("TxInfAndSts");
    if network == Network::FedNow {
        original_group(out, "OrgnlGrpInf", &r.original);
    }
    original_ids(out, &r.original);
    out.leaf("TxSts", r.status.as_str());
    if r.reason.is_some() || r.additional_info.is_some() {
        out.open("StsRsnInf");
        if let Some(code) = &r.reason {
            out.chain(&["Rsn", "Cd"], code.as_str());
        }
        if let Some(info) = &r.additional_info {
            let chars: Vec<char> = info.as_str().chars().collect();
            for piece in chars.chunks(ADDITIONAL_INFO_MAX) {
                out.leaf("AddtlInf", &piece.iter().collect::<String>());
            }
        }
        out.close("StsRsnInf");
    }
    out.close("TxInfAndSts");
}

fn status_request(out: &mut Out, r: &StatusRequest, network: Network) {
    out.open("GrpHdr");
    group_header(out, r.message_id.as_str(), &r.created);
    out.close("GrpHdr");
    if network == Network::Rtp {
        original_group(out, "OrgnlGrpInf", &r.original);
    }
    out.open("TxInf");
    if network == Network::FedNow {
        original_group(out, "OrgnlGrpInf", &r.original);
    }
    original_ids(out, &r.original);
    out.close("TxInf");
}
