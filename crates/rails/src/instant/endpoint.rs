//! The simulated network as a bank endpoint: it speaks the connector's wire contract
//! (`docs/instant-connector.md`) over real HTTP, so `serve` with the simulator runs the same
//! code path as production. `pennydrop simulator serve` runs it alone.
//!
//! Behaviour: a credit to a participant of the envelope's network is posted to the simulated
//! account's statement and answered ACTC (RTP) or ACSC (FedNow); a magic account is rejected
//! with its reason (`crate::simulator::INSTANT_REJECTIONS`, `FEDNOW_REJECTIONS`); the
//! no-answer account ([`INSTANT_NO_ANSWER`]) is posted but its answer is withheld, so the
//! sender has to ask with a status request. Answers are kept in memory for status requests; a
//! restarted simulator answers 404 (never received) to older ones, and a resent credit posts
//! nothing new because postings are keyed by the end-to-end ID.

use crate::simulator::{CreditDecision, SimulatedBank, INSTANT_NO_ANSWER};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use iso20022::{
    AppHeader, CreditTransfer, Document, Max35Text, Message, Network, OriginalRef, ReasonCode,
    StatusReport, StatusRequest, TransactionStatus,
};
use pennydrop_core::model::InstantNetwork;
use pennydrop_core::participants::InstantRouting;
use pennydrop_core::{AccountNumber, Clock, RoutingNumber};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The path the endpoint answers on.
pub const PATH: &str = "/iso20022";

#[derive(Debug)]
pub struct Endpoint {
    bank: Arc<SimulatedBank>,
    routing: InstantRouting,
    clock: Arc<dyn Clock>,
    /// How long the no-answer account's request is held before the connection is answered
    /// with a 504 (the connector has given up long before).
    hold: Duration,
    answers: Mutex<HashMap<String, Answer>>,
}

#[derive(Debug, Clone)]
struct Answer {
    original: OriginalRef,
    status: TransactionStatus,
    reason: Option<ReasonCode>,
}

impl Endpoint {
    pub fn new(
        bank: Arc<SimulatedBank>,
        routing: InstantRouting,
        clock: Arc<dyn Clock>,
        hold: Duration,
    ) -> Arc<Self> {
        Arc::new(Self {
            bank,
            routing,
            clock,
            hold,
            answers: Mutex::default(),
        })
    }

    pub fn router(self: Arc<Self>) -> axum::Router {
        axum::Router::new()
            .route(PATH, axum::routing::post(receive))
            .with_state(self)
    }

    async fn credit(&self, network: Network, header: &AppHeader, t: &CreditTransfer) -> Response {
        let key = t.end_to_end_id.as_str().to_string();
        if let Some(known) = self.answer(&key) {
            return self.report(network, header, &known);
        }
        let (status, reason) = match self.decide(network, t).await {
            Ok(decision) => decision,
            Err(e) => {
                tracing::warn!(error = %e, "simulated bank storage failed");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        };
        let answer = Answer {
            original: original_of(t),
            status,
            reason,
        };
        self.remember(key, answer.clone());
        if t.creditor_account.as_str() == INSTANT_NO_ANSWER {
            tokio::time::sleep(self.hold).await;
            return StatusCode::GATEWAY_TIMEOUT.into_response();
        }
        self.report(network, header, &answer)
    }

    async fn decide(
        &self,
        network: Network,
        t: &CreditTransfer,
    ) -> Result<(TransactionStatus, Option<ReasonCode>), pennydrop_engine::ports::StoreError> {
        let network = engine_network(network);
        let rejected = |code: &str| (TransactionStatus::Rjct, ReasonCode::parse(code).ok());
        if self.routing.route_on(network, t.creditor_agent.as_str()) {
            let (Ok(routing), Ok(account)) = (
                RoutingNumber::parse(t.creditor_agent.as_str()),
                AccountNumber::parse(t.creditor_account.as_str()),
            ) else {
                return Ok(rejected("AC03"));
            };
            let decision = self
                .bank
                .receive_instant_credit(
                    network,
                    reference(&t.end_to_end_id),
                    &routing,
                    &account,
                    t.amount.cents(),
                    t.debtor.name.as_str(),
                    t.remittance
                        .as_ref()
                        .map(|r| r.as_str().to_string())
                        .unwrap_or_default(),
                )
                .await?;
            return Ok(match decision {
                CreditDecision::Posted => (accepted(network), None),
                CreditDecision::Rejected(code) => rejected(code),
            });
        }
        Ok(rejected("RC04"))
    }

    fn status(&self, network: Network, header: &AppHeader, r: &StatusRequest) -> Response {
        match self.answer(r.original.end_to_end_id.as_str()) {
            Some(answer) => self.report(network, header, &answer),
            None => StatusCode::NOT_FOUND.into_response(),
        }
    }

    fn answer(&self, key: &str) -> Option<Answer> {
        self.answers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    fn remember(&self, key: String, answer: Answer) {
        self.answers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, answer);
    }

    /// A pacs.002 about `answer`, from the receiving side back to the sender.
    fn report(&self, network: Network, request: &AppHeader, answer: &Answer) -> Response {
        let now = self.clock.now();
        let Ok(message_id) =
            Max35Text::parse(&format!("S{}", answer.original.end_to_end_id.as_str()))
        else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let message = Message {
            network,
            header: AppHeader {
                from: request.to.clone(),
                to: request.from.clone(),
                business_message_id: message_id.clone(),
                created: now,
            },
            document: Document::StatusReport(StatusReport {
                message_id,
                created: now,
                original: answer.original.clone(),
                status: answer.status,
                reason: answer.reason.clone(),
                additional_info: None,
            }),
        };
        xml(StatusCode::OK, message.to_xml())
    }
}

async fn receive(State(endpoint): State<Arc<Endpoint>>, body: String) -> Response {
    let message = match Message::from_xml(&body) {
        Ok(message) => message,
        Err(e) => {
            return problem(&format!(
                "not an ISO 20022 message this endpoint takes: {e}"
            ))
        }
    };
    match &message.document {
        Document::CreditTransfer(t) => endpoint.credit(message.network, &message.header, t).await,
        Document::StatusRequest(r) => endpoint.status(message.network, &message.header, r),
        Document::StatusReport(_) => {
            problem("a status report (pacs.002) is an answer; send a pacs.008 or a pacs.028")
        }
    }
}

fn problem(text: &str) -> Response {
    let body = serde_json::json!({ "error": text }).to_string();
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

fn xml(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

fn original_of(t: &CreditTransfer) -> OriginalRef {
    OriginalRef {
        message_id: t.message_id.clone(),
        kind: iso20022::MessageKind::CreditTransfer,
        end_to_end_id: t.end_to_end_id.clone(),
        transaction_id: t.transaction_id.clone(),
    }
}

/// The statement line's reference: the credit's UUID when the end-to-end ID is one (as
/// Pennydrop's are), so statements read as before.
fn reference(end_to_end_id: &Max35Text) -> String {
    uuid::Uuid::try_parse(end_to_end_id.as_str())
        .map(|u| u.to_string())
        .unwrap_or_else(|_| end_to_end_id.as_str().to_string())
}

/// RTP's receiving participant accepts with ACTC; FedNow reports settlement with ACSC.
fn accepted(network: InstantNetwork) -> TransactionStatus {
    match network {
        InstantNetwork::Rtp => TransactionStatus::Actc,
        InstantNetwork::FedNow => TransactionStatus::Acsc,
    }
}

fn engine_network(network: Network) -> InstantNetwork {
    match network {
        Network::Rtp => InstantNetwork::Rtp,
        Network::FedNow => InstantNetwork::FedNow,
    }
}
