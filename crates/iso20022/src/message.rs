//! One Rust type per message part. Fields the networks require but Pennydrop never varies
//! (settlement method, service level, charge bearer, ...) are not fields: the writer fills them
//! in per network (see `write.rs`) and the reader ignores them.

use crate::{AccountId, Amount, Max140Text, Max35Text, MemberId, ReasonCode, TextError};
use jiff::civil::Date;
use jiff::Timestamp;

/// Which network's envelope wraps the header and the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Network {
    /// The Clearing House RTP: `<Message xmlns="urn:tch">`, head.001.001.01.
    Rtp,
    /// The Federal Reserve's FedNow: `<FedNowIncoming>` / `<FedNowOutgoing>`, head.001.001.02.
    FedNow,
}

/// The three message definitions Pennydrop reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    CreditTransfer,
    StatusReport,
    StatusRequest,
}

impl MessageKind {
    pub const ALL: [MessageKind; 3] = [
        MessageKind::CreditTransfer,
        MessageKind::StatusReport,
        MessageKind::StatusRequest,
    ];

    /// The message definition identifier (`MsgDefIdr`, `OrgnlMsgNmId`).
    pub fn definition(&self) -> &'static str {
        match self {
            MessageKind::CreditTransfer => "pacs.008.001.08",
            MessageKind::StatusReport => "pacs.002.001.10",
            MessageKind::StatusRequest => "pacs.028.001.03",
        }
    }

    /// The XML namespace of the document.
    pub fn namespace(&self) -> &'static str {
        match self {
            MessageKind::CreditTransfer => "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08",
            MessageKind::StatusReport => "urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10",
            MessageKind::StatusRequest => "urn:iso:std:iso:20022:tech:xsd:pacs.028.001.03",
        }
    }

    /// The message's root element inside `Document`.
    pub fn root(&self) -> &'static str {
        match self {
            MessageKind::CreditTransfer => "FIToFICstmrCdtTrf",
            MessageKind::StatusReport => "FIToFIPmtStsRpt",
            MessageKind::StatusRequest => "FIToFIPmtStsReq",
        }
    }

    /// Reads a definition identifier such as `pacs.008.001.08`.
    pub fn from_definition(s: &str) -> Result<Self, TextError> {
        Self::ALL
            .into_iter()
            .find(|k| k.definition() == s)
            .ok_or(TextError::UnknownDefinition)
    }
}

/// The business application header (head.001): who sends to whom, and the message's id.
/// `MsgDefIdr` is not a field: it is written from the document's kind, and the reader checks
/// that it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppHeader {
    pub from: MemberId,
    pub to: MemberId,
    pub business_message_id: Max35Text,
    pub created: Timestamp,
}

/// A debtor or creditor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: Max140Text,
}

/// pacs.008.001.08 `FIToFICstmrCdtTrf` with exactly one transaction: the credit that carries
/// a verification code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditTransfer {
    pub message_id: Max35Text,
    pub created: Timestamp,
    pub instruction_id: Max35Text,
    pub end_to_end_id: Max35Text,
    pub transaction_id: Max35Text,
    pub amount: Amount,
    pub settlement_date: Date,
    pub debtor: Party,
    pub debtor_account: AccountId,
    pub debtor_agent: MemberId,
    pub creditor: Party,
    pub creditor_account: AccountId,
    pub creditor_agent: MemberId,
    /// `RmtInf/Ustrd`: where the verification code travels.
    pub remittance: Option<Max140Text>,
}

/// The message and transaction a status report or request refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalRef {
    pub message_id: Max35Text,
    pub kind: MessageKind,
    pub end_to_end_id: Max35Text,
    pub transaction_id: Max35Text,
}

/// `ExternalPaymentTransactionStatus1Code` values the networks use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionStatus {
    /// Accepted technical validation.
    Actc,
    /// Accepted, settlement completed.
    Acsc,
    /// Accepted without posting (RTP: accepted, funds not yet posted to the account).
    Acwp,
    /// Accepted customer profile.
    Accp,
    /// Received.
    Rcvd,
    /// Pending.
    Pdng,
    /// Rejected; a reason code says why.
    Rjct,
}

impl TransactionStatus {
    pub const ALL: [TransactionStatus; 7] = [
        Self::Actc,
        Self::Acsc,
        Self::Acwp,
        Self::Accp,
        Self::Rcvd,
        Self::Pdng,
        Self::Rjct,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Actc => "ACTC",
            Self::Acsc => "ACSC",
            Self::Acwp => "ACWP",
            Self::Accp => "ACCP",
            Self::Rcvd => "RCVD",
            Self::Pdng => "PDNG",
            Self::Rjct => "RJCT",
        }
    }

    pub fn parse(s: &str) -> Result<Self, TextError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or(TextError::UnknownStatus)
    }
}

/// pacs.002.001.10 `FIToFIPmtStsRpt` with exactly one `TxInfAndSts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub message_id: Max35Text,
    pub created: Timestamp,
    pub original: OriginalRef,
    pub status: TransactionStatus,
    pub reason: Option<ReasonCode>,
    /// `StsRsnInf/AddtlInf`. The schema's AddtlInf is Max105Text, repeatable: text longer
    /// than 105 characters is written as two elements, and the reader joins them.
    pub additional_info: Option<Max140Text>,
}

/// pacs.028.001.03 `FIToFIPmtStsReq` with exactly one `TxInf`: "what happened to this
/// credit?" (never resend a pacs.008 after a timeout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRequest {
    pub message_id: Max35Text,
    pub created: Timestamp,
    pub original: OriginalRef,
}

/// The business document inside the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    CreditTransfer(CreditTransfer),
    StatusReport(StatusReport),
    StatusRequest(StatusRequest),
}

impl Document {
    pub fn kind(&self) -> MessageKind {
        match self {
            Document::CreditTransfer(_) => MessageKind::CreditTransfer,
            Document::StatusReport(_) => MessageKind::StatusReport,
            Document::StatusRequest(_) => MessageKind::StatusRequest,
        }
    }
}

/// A whole message as it travels: network envelope, application header and document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub network: Network,
    pub header: AppHeader,
    pub document: Document,
}

impl Message {
    /// The message as XML (UTF-8, with an XML declaration), in the network's envelope.
    pub fn to_xml(&self) -> String {
        crate::write::message(self)
    }

    /// Reads a message in either network's envelope. Strict about what the types need,
    /// tolerant of namespace prefixes, whitespace between elements and optional elements it
    /// does not use.
    pub fn from_xml(xml: &str) -> Result<Message, crate::ReadError> {
        crate::read::message(xml)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_definitions_round_trip() {
        for s in TransactionStatus::ALL {
            assert_eq!(TransactionStatus::parse(s.as_str()), Ok(s));
        }
        assert_eq!(
            TransactionStatus::parse("actc"),
            Err(TextError::UnknownStatus)
        );
        for k in MessageKind::ALL {
            assert_eq!(MessageKind::from_definition(k.definition()), Ok(k));
            assert!(k.namespace().ends_with(k.definition()));
        }
        assert_eq!(
            MessageKind::from_definition("pacs.008.001.09"),
            Err(TextError::UnknownDefinition)
        );
    }
}
