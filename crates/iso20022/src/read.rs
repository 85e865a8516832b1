//! The reader: XML text to a small element tree (local names, resolved namespaces), then one
//! function per message part that takes what its type needs and names the path of anything
//! missing or malformed. Elements it does not need are ignored.

use crate::message::{
    AppHeader, CreditTransfer, Message, MessageKind, Network, OriginalRef, Party, StatusReport,
    StatusRequest, TransactionStatus,
};
use crate::write::{
    fednow_wrapper, rtp_wrapper, FEDNOW_INCOMING, FEDNOW_OUTGOING, HEAD_01, HEAD_02, TCH,
};
use crate::{AccountId, Amount, Document, Max140Text, Max35Text, MemberId, ReasonCode, TextError};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use thiserror::Error;

/// Why a message could not be read. Paths are local element names from the envelope's root,
/// e.g. `Message/CreditTransfer/FIToFICstmrCdtTrf/GrpHdr/MsgId`.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("not well-formed XML: {0}; the sender must fix the document")]
    Xml(String),
    #[error("unknown envelope {0}; expected <Message xmlns=\"urn:tch\"> (RTP) or <FedNowIncoming>/<FedNowOutgoing> (FedNow)")]
    UnknownEnvelope(String),
    #[error("missing element {path}; it is required to read this message")]
    Missing { path: String },
    #[error("invalid {path}: {problem}")]
    Invalid { path: String, problem: String },
}

/// Deeper documents are refused (the messages Pennydrop reads are about 10 levels deep).
const MAX_DEPTH: usize = 64;

#[derive(Debug, Default)]
struct Element {
    name: String,
    ns: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Element>,
}

fn xml_error(e: impl std::fmt::Display) -> ReadError {
    ReadError::Xml(e.to_string())
}

fn element(ns: ResolveResult<'_>, e: &BytesStart<'_>) -> Result<Element, ReadError> {
    let ns = match ns {
        ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
        ResolveResult::Unbound => String::new(),
        ResolveResult::Unknown(p) => {
            let p = String::from_utf8_lossy(&p);
            return Err(ReadError::Xml(format!("undeclared namespace prefix {p:?}")));
        }
    };
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(xml_error)?;
        if a.key.as_namespace_binding().is_some() {
            continue;
        }
        let local = a.key.local_name();
        let value = a.unescape_value().map_err(xml_error)?;
        attrs.push((
            String::from_utf8_lossy(local.as_ref()).into_owned(),
            value.into_owned(),
        ));
    }
    Ok(Element {
        name,
        ns,
        attrs,
        ..Element::default()
    })
}

/// The text of an entity or character reference (`&amp;`, `&#233;`).
fn reference(r: &BytesRef<'_>) -> Result<char, ReadError> {
    if let Some(c) = r.resolve_char_ref().map_err(xml_error)? {
        return Ok(c);
    }
    match r.decode().map_err(xml_error)?.as_ref() {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        other => Err(ReadError::Xml(format!("unknown entity &{other};"))),
    }
}

/// Adds `e` to the innermost open element, or makes it the root.
fn attach(stack: &mut [Element], root: &mut Option<Element>, e: Element) -> Result<(), ReadError> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(e),
        None if root.is_none() => *root = Some(e),
        None => return Err(ReadError::Xml("more than one root element".into())),
    }
    Ok(())
}

fn text_of(stack: &mut [Element]) -> Option<&mut String> {
    stack.last_mut().map(|e| &mut e.text)
}

fn tree(xml: &str) -> Result<Element, ReadError> {
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(xml_error)?;
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ReadError::Xml(format!(
                        "nested deeper than {MAX_DEPTH} elements"
                    )));
                }
                let el = element(ns, &e)?;
                stack.push(el);
            }
            Event::Empty(e) => {
                let el = element(ns, &e)?;
                attach(&mut stack, &mut root, el)?;
            }
            Event::End(_) => {
                let done = stack
                    .pop()
                    .ok_or_else(|| ReadError::Xml("unbalanced end tag".into()))?;
                attach(&mut stack, &mut root, done)?;
            }
            Event::Text(t) => {
                let t = t.xml_content().map_err(xml_error)?;
                match text_of(&mut stack) {
                    Some(s) => s.push_str(&t),
                    None if t.trim().is_empty() => {}
                    None => return Err(ReadError::Xml("text outside the root element".into())),
                }
            }
            Event::CData(c) => {
                let t = c.decode().map_err(xml_error)?;
                text_of(&mut stack)
                    .ok_or_else(|| ReadError::Xml("CDATA outside the root element".into()))?
                    .push_str(&t);
            }
            Event::GeneralRef(r) => {
                let c = reference(&r)?;
                text_of(&mut stack)
                    .ok_or_else(|| ReadError::Xml("reference outside the root element".into()))?
                    .push(c);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(ReadError::Xml("the document ends inside an element".into()));
    }
    root.ok_or_else(|| ReadError::Xml("no root element".into()))
}

/// An element and the path that reached it, for error messages.
struct At<'a> {
    el: &'a Element,
    path: String,
}

impl<'a> At<'a> {
    fn below(&self, name: &str) -> String {
        format!("{}/{name}", self.path)
    }

    fn invalid(&self, problem: impl std::fmt::Display) -> ReadError {
        ReadError::Invalid {
            path: self.path.clone(),
            problem: problem.to_string(),
        }
    }

    /// The one child called `name`, if any; more than one is an error (Pennydrop reads
    /// messages with one transaction).
    fn opt(&self, name: &str) -> Result<Option<At<'a>>, ReadError> {
        let mut found = self.el.children.iter().filter(|c| c.name == name);
        let first = found.next();
        if found.next().is_some() {
            return Err(ReadError::Invalid {
                path: self.below(name),
                problem: "appears more than once; Pennydrop reads messages with exactly one".into(),
            });
        }
        Ok(first.map(|el| At {
            el,
            path: self.below(name),
        }))
    }

    fn req(&self, name: &str) -> Result<At<'a>, ReadError> {
        self.opt(name)?.ok_or_else(|| ReadError::Missing {
            path: self.below(name),
        })
    }

    /// Follows `names` down, each required.
    fn get(&self, names: &[&str]) -> Result<At<'a>, ReadError> {
        let mut at = At {
            el: self.el,
            path: self.path.clone(),
        };
        for n in names {
            at = at.req(n)?;
        }
        Ok(at)
    }

    /// The element's text with surrounding whitespace removed; empty is an error.
    fn text(&self) -> Result<&'a str, ReadError> {
        let t = self.el.text.trim();
        if t.is_empty() {
            return Err(self.invalid("is empty"));
        }
        Ok(t)
    }

    fn parse<T>(&self, f: impl FnOnce(&str) -> Result<T, TextError>) -> Result<T, ReadError> {
        f(self.text()?).map_err(|e| self.invalid(e))
    }

    fn leaf<T>(
        &self,
        names: &[&str],
        f: impl FnOnce(&str) -> Result<T, TextError>,
    ) -> Result<T, ReadError> {
        self.get(names)?.parse(f)
    }

    fn timestamp(&self, name: &str) -> Result<jiff::Timestamp, ReadError> {
        let at = self.req(name)?;
        at.text()?.parse().map_err(|e: jiff::Error| {
            at.invalid(format!(
                "is not an ISO 8601 date-time with a UTC offset ({e})"
            ))
        })
    }

    fn date(&self, name: &str) -> Option<Result<jiff::civil::Date, ReadError>> {
        let at = match self.opt(name) {
            Ok(Some(at)) => at,
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        Some(at.text().and_then(|t| {
            let shape = t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-';
            t.parse()
                .ok()
                .filter(|_| shape)
                .ok_or_else(|| at.invalid("is not a date written YYYY-MM-DD"))
        }))
    }
}

fn root_at(el: &Element) -> At<'_> {
    At {
        el,
        path: el.name.clone(),
    }
}

/// Checks that `at` is in namespace `ns`.
fn expect_ns(at: &At<'_>, ns: &str) -> Result<(), ReadError> {
    if at.el.ns == ns {
        return Ok(());
    }
    Err(at.invalid(format!(
        "is in namespace {:?}; expected {ns:?} (this reader handles only the versions in docs/iso20022.md)",
        at.el.ns
    )))
}

pub(crate) fn message(xml: &str) -> Result<Message, ReadError> {
    let root = tree(xml)?;
    let at = root_at(&root);
    match (root.name.as_str(), root.ns.as_str()) {
        ("Message", TCH) => rtp(&at),
        ("FedNowIncoming", FEDNOW_INCOMING) | ("FedNowOutgoing", FEDNOW_OUTGOING) => fednow(&at),
        (name, ns) => Err(ReadError::UnknownEnvelope(format!(
            "<{name}> in namespace {ns:?}"
        ))),
    }
}

/// Which of the three documents a wrapper element holds.
fn wrapped(
    at: &At<'_>,
    wrapper: fn(MessageKind) -> &'static str,
) -> Result<MessageKind, ReadError> {
    let kinds: Vec<MessageKind> = MessageKind::ALL
        .into_iter()
        .filter(|k| at.el.children.iter().any(|c| c.name == wrapper(*k)))
        .collect();
    match kinds.as_slice() {
        [one] => Ok(*one),
        [] => Err(at.invalid(format!(
            "holds none of {}, {}, {}: Pennydrop reads only pacs.008, pacs.002 and pacs.028",
            wrapper(MessageKind::CreditTransfer),
            wrapper(MessageKind::StatusReport),
            wrapper(MessageKind::StatusRequest)
        ))),
        _ => Err(at.invalid("holds more than one document")),
    }
}

fn rtp(at: &At<'_>) -> Result<Message, ReadError> {
    let kind = wrapped(at, rtp_wrapper)?;
    let head = at.req("AppHdr")?;
    let header = app_header(&head, kind, HEAD_01)?;
    let doc = at.get(&[rtp_wrapper(kind), kind.root()])?;
    let document = document(&doc, kind)?;
    Ok(Message {
        network: Network::Rtp,
        header,
        document,
    })
}

fn fednow(at: &At<'_>) -> Result<Message, ReadError> {
    let body = at.req(&format!("{}Message", at.el.name))?;
    let kind = wrapped(&body, fednow_wrapper)?;
    let wrapper = body.req(fednow_wrapper(kind))?;
    let header = app_header(&wrapper.req("AppHdr")?, kind, HEAD_02)?;
    let doc = wrapper.get(&["Document", kind.root()])?;
    let document = document(&doc, kind)?;
    Ok(Message {
        network: Network::FedNow,
        header,
        document,
    })
}

fn app_header(head: &At<'_>, kind: MessageKind, ns: &str) -> Result<AppHeader, ReadError> {
    let member = ["FIId", "FinInstnId", "ClrSysMmbId", "MmbId"];
    let from = head.req("Fr")?;
    expect_ns(&from, ns)?;
    let definition = head.req("MsgDefIdr")?;
    if definition.text()? != kind.definition() {
        return Err(definition.invalid(format!(
            "says {:?} but the document is {}",
            definition.text()?,
            kind.definition()
        )));
    }
    Ok(AppHeader {
        from: from.leaf(&member, MemberId::parse)?,
        to: head.get(&["To"])?.leaf(&member, MemberId::parse)?,
        business_message_id: head.leaf(&["BizMsgIdr"], Max35Text::parse)?,
        created: head.timestamp("CreDt")?,
    })
}

fn document(doc: &At<'_>, kind: MessageKind) -> Result<Document, ReadError> {
    expect_ns(doc, kind.namespace())?;
    Ok(match kind {
        MessageKind::CreditTransfer => Document::CreditTransfer(credit_transfer(doc)?),
        MessageKind::StatusReport => Document::StatusReport(status_report(doc)?),
        MessageKind::StatusRequest => Document::StatusRequest(status_request(doc)?),
    })
}

fn amount(at: &At<'_>) -> Result<Amount, ReadError> {
    let currency = at
        .el
        .attrs
        .iter()
        .find(|(k, _)| k == "Ccy")
        .map(|(_, v)| v.as_str());
    if currency != Some("USD") {
        return Err(at.invalid(format!(
            "has currency {currency:?}; RTP and FedNow settle in USD (Ccy=\"USD\")"
        )));
    }
    at.parse(Amount::parse_decimal)
}

/// A person's or company's name: transliterated and cut to fit (names come from banks).
fn party(at: &At<'_>) -> Result<Party, ReadError> {
    let name = at.req("Nm")?;
    let text = name.text()?;
    let name = Max140Text::lossy(text).ok_or_else(|| name.invalid("has no usable characters"))?;
    Ok(Party { name })
}

fn agent(at: &At<'_>, name: &str) -> Result<MemberId, ReadError> {
    at.leaf(
        &[name, "FinInstnId", "ClrSysMmbId", "MmbId"],
        MemberId::parse,
    )
}

fn credit_transfer(doc: &At<'_>) -> Result<CreditTransfer, ReadError> {
    let group = doc.req("GrpHdr")?;
    let count = group.req("NbOfTxs")?;
    if count.text()? != "1" {
        return Err(count.invalid("must be 1: Pennydrop sends and reads one credit per message"));
    }
    let tx = doc.req("CdtTrfTxInf")?;
    let id = tx.req("PmtId")?;
    let settlement_date = match tx
        .date("IntrBkSttlmDt")
        .or_else(|| group.date("IntrBkSttlmDt"))
    {
        Some(d) => d?,
        None => {
            return Err(ReadError::Missing {
                path: tx.below("IntrBkSttlmDt"),
            })
        }
    };
    Ok(CreditTransfer {
        message_id: group.leaf(&["MsgId"], Max35Text::parse)?,
        created: group.timestamp("CreDtTm")?,
        instruction_id: id.leaf(&["InstrId"], Max35Text::parse)?,
        end_to_end_id: id.leaf(&["EndToEndId"], Max35Text::parse)?,
        transaction_id: id.leaf(&["TxId"], Max35Text::parse)?,
        amount: amount(&tx.req("IntrBkSttlmAmt")?)?,
        settlement_date,
        debtor: party(&tx.req("Dbtr")?)?,
        debtor_account: tx.leaf(&["DbtrAcct", "Id", "Othr", "Id"], AccountId::parse)?,
        debtor_agent: agent(&tx, "DbtrAgt")?,
        creditor: party(&tx.req("Cdtr")?)?,
        creditor_account: tx.leaf(&["CdtrAcct", "Id", "Othr", "Id"], AccountId::parse)?,
        creditor_agent: agent(&tx, "CdtrAgt")?,
        remittance: match tx.opt("RmtInf")? {
            Some(r) => r
                .opt("Ustrd")?
                .map(|u| u.parse(Max140Text::parse))
                .transpose()?,
            None => None,
        },
    })
}

/// The original message is named per transaction (`group_tx`, FedNow) or per group
/// (`group_doc`, RTP); either is accepted.
fn original(
    tx: &At<'_>,
    doc: &At<'_>,
    group_tx: &str,
    group_doc: &str,
) -> Result<OriginalRef, ReadError> {
    let group = match tx.opt(group_tx)? {
        Some(g) => g,
        None => doc.opt(group_doc)?.ok_or_else(|| ReadError::Missing {
            path: tx.below(group_tx),
        })?,
    };
    Ok(OriginalRef {
        message_id: group.leaf(&["OrgnlMsgId"], Max35Text::parse)?,
        kind: group.leaf(&["OrgnlMsgNmId"], MessageKind::from_definition)?,
        end_to_end_id: tx.leaf(&["OrgnlEndToEndId"], Max35Text::parse)?,
        transaction_id: tx.leaf(&["OrgnlTxId"], Max35Text::parse)?,
    })
}

fn status_report(doc: &At<'_>) -> Result<StatusReport, ReadError> {
    let group = doc.req("GrpHdr")?;
    let tx = doc.req("TxInfAndSts")?;
    let (reason, additional_info) = match tx.opt("StsRsnInf")? {
        Some(r) => reason(&r)?,
        None => (None, None),
    };
    Ok(StatusReport {
        message_id: group.leaf(&["MsgId"], Max35Text::parse)?,
        created: group.timestamp("CreDtTm")?,
        original: original(&tx, doc, "OrgnlGrpInf", "OrgnlGrpInfAndSts")?,
        status: tx.leaf(&["TxSts"], TransactionStatus::parse)?,
        reason,
        additional_info,
    })
}

/// `Rsn/Cd` and the `AddtlInf` pieces joined (the writer splits text longer than 105).
fn reason(r: &At<'_>) -> Result<(Option<ReasonCode>, Option<Max140Text>), ReadError> {
    let code = match r.opt("Rsn")? {
        Some(rsn) => Some(rsn.leaf(&["Cd"], ReasonCode::parse)?),
        None => None,
    };
    let joined: String =
        r.el.children
            .iter()
            .filter(|c| c.name == "AddtlInf")
            .map(|c| c.text.as_str())
            .collect();
    Ok((code, Max140Text::lossy(&joined)))
}

fn status_request(doc: &At<'_>) -> Result<StatusRequest, ReadError> {
    let group = doc.req("GrpHdr")?;
    let tx = doc.req("TxInf")?;
    Ok(StatusRequest {
        message_id: group.leaf(&["MsgId"], Max35Text::parse)?,
        created: group.timestamp("CreDtTm")?,
        original: original(&tx, doc, "OrgnlGrpInf", "OrgnlGrpInf")?,
    })
}
