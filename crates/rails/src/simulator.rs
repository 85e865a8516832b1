//! The simulated bank network. It accepts instant credits like an RTP participant would,
//! posts them to simulated accounts' statements, and rejects a few documented magic account
//! numbers the way real banks do.
//!
//! Statements are stored by account fingerprint, so the simulator never stores an account
//! number either.

use async_trait::async_trait;
use pennydrop_core::crypto::Vault;
use pennydrop_core::model::StatementLine;
use pennydrop_core::{AccountNumber, Clock, RoutingNumber};
use pennydrop_engine::rail::{InstantNetwork, InstantRail, OutgoingCredit, RailError, RailOutcome};
use pennydrop_store::{Store, StoreError};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Routing numbers the simulated network treats as instant (RTP) participants by default: the
/// simulated bank itself and a few large banks that are RTP participants in real life.
pub const DEFAULT_INSTANT_ROUTING_NUMBERS: &[&str] = &[
    "110000000", // PENNYDROP SIMULATED BANK
    "021000021", // JPMorgan Chase
    "026009593", // Bank of America
    "121000358", // Bank of America (CA)
    "322271627", // JPMorgan Chase (CA)
    "091000019", // Wells Fargo
];

/// Account numbers the simulated banks reject on the instant rail, with the ISO 20022 reason.
pub const INSTANT_REJECTIONS: &[(&str, &str)] = &[
    ("4000000003", "AC03"), // invalid creditor account number
    ("4000000004", "AC04"), // closed account
    ("4000000006", "AC06"), // blocked account
    ("4000000014", "AC14"), // creditor account type invalid
    ("4000000001", "AG01"), // transactions forbidden
    ("4000000007", "MD07"), // account holder deceased
];

/// The rejection the simulated network gives an account number, if any.
pub fn instant_rejection(account_number: &str) -> Option<&'static str> {
    INSTANT_REJECTIONS
        .iter()
        .find(|(number, _)| *number == account_number)
        .map(|(_, code)| *code)
}

#[derive(Debug)]
pub struct SimulatedBank {
    store: Arc<dyn Store>,
    vault: Arc<Vault>,
    clock: Arc<dyn Clock>,
    instant_routing: BTreeSet<String>,
}

impl SimulatedBank {
    pub fn new(store: Arc<dyn Store>, vault: Arc<Vault>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            vault,
            clock,
            instant_routing: DEFAULT_INSTANT_ROUTING_NUMBERS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    /// Replaces the set of routing numbers reachable over the instant rail.
    pub fn with_instant_routing(mut self, routing: impl IntoIterator<Item = String>) -> Self {
        self.instant_routing = routing.into_iter().collect();
        self
    }

    /// A simulated account's statement, oldest first.
    pub async fn statement(
        &self,
        routing: &RoutingNumber,
        account: &AccountNumber,
    ) -> Result<Vec<StatementLine>, StoreError> {
        self.store
            .simulator_statement(&self.vault.fingerprint(routing, account))
            .await
    }

    /// Posts one line to a simulated account's statement (idempotent on `reference`).
    #[allow(clippy::too_many_arguments)]
    pub async fn post(
        &self,
        reference: String,
        routing: &RoutingNumber,
        account: &AccountNumber,
        amount_cents: i64,
        is_credit: bool,
        rail: &str,
        company_name: &str,
        description: &str,
        statement_text: String,
    ) -> Result<bool, StoreError> {
        self.store
            .simulator_post(&StatementLine {
                reference,
                fingerprint: self.vault.fingerprint(routing, account),
                routing_number: routing.to_string(),
                last_four_account_number: account.last_four(),
                posted_on: self.clock.now(),
                amount_cents,
                direction: if is_credit { "credit" } else { "debit" },
                rail: rail.to_string(),
                company_name: company_name.to_string(),
                description: description.to_string(),
                statement_text,
            })
            .await
    }
}

#[async_trait]
impl InstantRail for SimulatedBank {
    fn network(&self) -> InstantNetwork {
        InstantNetwork::Rtp
    }

    fn reaches(&self, routing_number: &str) -> bool {
        self.instant_routing.contains(routing_number)
    }

    async fn send_credit(&self, credit: &OutgoingCredit) -> Result<RailOutcome, RailError> {
        if let Some(code) = instant_rejection(credit.account_number.expose()) {
            return Ok(RailOutcome::Rejected {
                network: InstantNetwork::Rtp,
                code: code.to_string(),
            });
        }
        let routing = RoutingNumber::parse(&credit.routing_number)
            .map_err(|e| RailError::Unavailable(format!("simulated network: {e}")))?;
        // The end-to-end ID is the posting reference: a resubmission posts nothing new.
        self.post(
            credit.credit_id.to_string(),
            &routing,
            &credit.account_number,
            credit.amount_cents,
            true,
            "rtp",
            &credit.debtor_name,
            "ACCTVERIFY",
            credit.remittance.clone(),
        )
        .await
        .map_err(|e| RailError::Unavailable(format!("simulated bank storage: {e}")))?;
        Ok(RailOutcome::Accepted)
    }
}
