//! The instant rail (RTP or FedNow) behind one trait. Implementations: the ISO 20022 bank
//! connector (`pennydrop-rails`, which also talks to the simulated network's endpoint), and
//! [`NoInstantRail`] when none is configured.

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
    /// The rail did not answer (timeout, connection or TLS failure, 5xx): the credit's outcome
    /// is unknown, so it stays submitted and is asked about later, never sent again.
    #[error("instant rail unavailable: {0}")]
    Unavailable(String),
    /// The rail refused the message itself (a 4xx): it was not taken, and asking again will
    /// not change that. The credit stays submitted for an operator to look at.
    #[error("instant rail refused the message: {0}")]
    Refused(String),
}

/// What the rail said about one credit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RailAnswer {
    /// Settled or rejected: the answer to apply.
    Final(RailOutcome),
    /// Received but not final yet (`ACTC`, `RCVD`, `PDNG`, or an acknowledgement): ask later.
    Pending,
    /// (Status requests only) the bank has no payment with this end-to-end ID: the credit never
    /// arrived, so it may be sent, with the same IDs.
    NotReceived,
}

#[async_trait]
pub trait InstantRail: Send + Sync + std::fmt::Debug {
    /// The network that reaches the receiving bank by the configured preference, or `None`
    /// when neither does (the verification then goes by same-day ACH).
    fn route(&self, routing_number: &str) -> Option<InstantNetwork>;

    /// Sends one credit (a pacs.008). Called once per credit; again only after the bank said,
    /// through [`InstantRail::ask_status`], that it never received it.
    async fn send_credit(
        &self,
        network: InstantNetwork,
        credit: &OutgoingCredit,
    ) -> Result<RailAnswer, RailError>;

    /// Asks about a credit whose outcome is unknown (a pacs.028 status request).
    async fn ask_status(
        &self,
        network: InstantNetwork,
        credit: &OutgoingCredit,
    ) -> Result<RailAnswer, RailError>;
}

/// No instant rail: every instant verification falls back to same-day ACH.
#[derive(Debug, Default)]
pub struct NoInstantRail;

#[async_trait]
impl InstantRail for NoInstantRail {
    fn route(&self, _routing_number: &str) -> Option<InstantNetwork> {
        None
    }

    async fn send_credit(
        &self,
        _network: InstantNetwork,
        _credit: &OutgoingCredit,
    ) -> Result<RailAnswer, RailError> {
        Err(RailError::Unavailable(
            "no instant rail is configured".into(),
        ))
    }

    async fn ask_status(
        &self,
        network: InstantNetwork,
        credit: &OutgoingCredit,
    ) -> Result<RailAnswer, RailError> {
        self.send_credit(network, credit).await
    }
}

/// What every instant rail must do, checked by `crates/rails/tests/instant_rail.rs` against the
/// bank connector talking to the simulated network's ISO 20022 endpoint, and by
/// `tests/instant_connector.rs` against an independent test bank.
pub mod conformance {
    use super::*;

    /// `reachable` must be a routing number the rail reaches on `network`, `unreachable` one it
    /// does not reach at all, and `account` an account its receiving bank accepts.
    pub async fn run(
        rail: &dyn InstantRail,
        network: InstantNetwork,
        reachable: &str,
        unreachable: &str,
        account: AccountNumber,
    ) {
        assert_eq!(rail.route(reachable), Some(network), "{reachable} route");
        assert_eq!(rail.route(unreachable), None, "{unreachable} route");
        let credit = OutgoingCredit {
            credit_id: Uuid::new_v4(),
            routing_number: reachable.to_string(),
            account_number: account,
            creditor_name: "JANE DOE".into(),
            debtor_name: "PENNYDROP".into(),
            amount_cents: 1,
            remittance: "PENNYDROP MV1234".into(),
        };
        let never_sent = rail
            .ask_status(network, &credit)
            .await
            .unwrap_or_else(|e| panic!("a status request is answered: {e}"));
        assert_eq!(
            never_sent,
            RailAnswer::NotReceived,
            "the bank has not seen a credit that was never sent"
        );
        let first = rail
            .send_credit(network, &credit)
            .await
            .unwrap_or_else(|e| panic!("a reachable bank answers: {e}"));
        assert_eq!(
            first,
            RailAnswer::Final(RailOutcome::Accepted),
            "a valid credit to a reachable bank is accepted"
        );
        // After a timeout or a crash the rail is asked, and must report the same answer.
        let asked = rail
            .ask_status(network, &credit)
            .await
            .unwrap_or_else(|e| panic!("a status request is answered: {e}"));
        assert_eq!(asked, first, "a status request reports the credit's answer");
    }
}
