//! The instant rail (RTP or FedNow) behind one trait. Implementations: the simulated bank
//! network (`pennydrop-rails`), and [`NoInstantRail`] when none is configured.

use async_trait::async_trait;
use pennydrop_core::AccountNumber;
use uuid::Uuid;

pub use crate::rules::{InstantNetwork, RailOutcome};

/// One credit to send (a pacs.008 in ISO 20022 terms).
#[derive(Debug, Clone)]
pub struct OutgoingCredit {
    /// End-to-end ID. The rail must treat a repeated ID as the same payment.
    pub credit_id: Uuid,
    pub routing_number: String,
    pub account_number: AccountNumber,
    pub creditor_name: String,
    pub debtor_name: String,
    pub amount_cents: i64,
    /// Unstructured remittance (`RmtInf/Ustrd`): what the holder reads, e.g. `ACME MV1234`.
    pub remittance: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RailError {
    /// The rail did not answer; the credit stays submitted and is asked about again later.
    #[error("instant rail unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait InstantRail: Send + Sync + std::fmt::Debug {
    fn network(&self) -> InstantNetwork;

    /// Whether the receiving bank can take an instant credit.
    fn reaches(&self, routing_number: &str) -> bool;

    /// Sends (or, for a repeated `credit_id`, re-reports) one credit.
    async fn send_credit(&self, credit: &OutgoingCredit) -> Result<RailOutcome, RailError>;
}

/// No instant rail: every instant verification falls back to same-day ACH.
#[derive(Debug, Default)]
pub struct NoInstantRail;

#[async_trait]
impl InstantRail for NoInstantRail {
    fn network(&self) -> InstantNetwork {
        InstantNetwork::Rtp
    }

    fn reaches(&self, _routing_number: &str) -> bool {
        false
    }

    async fn send_credit(&self, _credit: &OutgoingCredit) -> Result<RailOutcome, RailError> {
        Err(RailError::Unavailable(
            "no instant rail is configured".into(),
        ))
    }
}
