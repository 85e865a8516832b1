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

/// What every instant rail must do, checked by `crates/rails/tests/instant_rail.rs` against the
/// simulated network (and by any future bank connector's tests against a test endpoint).
pub mod conformance {
    use super::*;

    /// `reachable` must be a routing number the rail reaches, `unreachable` one it does not,
    /// and `account` an account its receiving bank accepts.
    pub async fn run(
        rail: &dyn InstantRail,
        reachable: &str,
        unreachable: &str,
        account: AccountNumber,
    ) {
        assert!(rail.reaches(reachable), "{reachable} should be reachable");
        assert!(
            !rail.reaches(unreachable),
            "{unreachable} should not be reachable"
        );
        let credit = OutgoingCredit {
            credit_id: Uuid::new_v4(),
            routing_number: reachable.to_string(),
            account_number: account,
            creditor_name: "JANE DOE".into(),
            debtor_name: "PENNYDROP".into(),
            amount_cents: 1,
            remittance: "PENNYDROP MV1234".into(),
        };
        let first = rail
            .send_credit(&credit)
            .await
            .unwrap_or_else(|e| panic!("a reachable bank answers: {e}"));
        assert_eq!(
            first,
            RailOutcome::Accepted,
            "a valid credit to a reachable bank is accepted"
        );
        // The end-to-end ID identifies the payment: resubmitting it (after a crash or timeout)
        // must report the same answer, never pay twice.
        let again = rail
            .send_credit(&credit)
            .await
            .unwrap_or_else(|e| panic!("a resubmission answers: {e}"));
        assert_eq!(
            again, first,
            "resubmitting the same credit gives the same answer"
        );
    }
}
