//! The bank connector: instant credits as ISO 20022 messages over HTTPS (mutual TLS) to a bank
//! or gateway that speaks RTP and/or FedNow. The wire contract is `docs/instant-connector.md`.
//!
//! One credit is one pacs.008, sent once. When its answer does not come (timeout, connection
//! or TLS failure, 5xx, an acknowledgement without a status) the engine later calls
//! [`InstantRail::ask_status`], which sends a pacs.028 status request for the same end-to-end
//! ID; a pacs.008 goes out again only when the bank answers that it never received it (404).

use async_trait::async_trait;
use iso20022::{
    AccountId, Amount, AppHeader, CreditTransfer, Document, Max140Text, Max35Text, MemberId,
    Message, MessageKind, Network, OriginalRef, Party, StatusReport, StatusRequest,
    TransactionStatus,
};
use jiff::Timestamp;
use pennydrop_core::model::InstantNetwork;
use pennydrop_core::participants::InstantRouting;
use pennydrop_core::Clock;
use pennydrop_engine::rail::{InstantRail, OutgoingCredit, RailAnswer, RailError, RailOutcome};
use std::sync::Arc;
use std::time::Duration;

/// The client side of mutual TLS: Pennydrop's certificate and key, and the one CA the bank's
/// server certificate must chain to (the system's roots are not trusted). All PEM.
#[derive(Clone)]
pub struct ConnectorTls {
    pub client_cert_pem: Vec<u8>,
    pub client_key_pem: Vec<u8>,
    pub server_ca_pem: Vec<u8>,
}

impl std::fmt::Debug for ConnectorTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectorTls { .. }")
    }
}

/// Where and how the connector sends.
#[derive(Debug, Clone)]
pub struct ConnectorConfig {
    /// Every message is POSTed here: `https://`, or `http://` to a loopback address only.
    pub url: url::Url,
    pub routing: InstantRouting,
    /// How long one exchange may take before its outcome counts as unknown.
    pub timeout: Duration,
    /// The debtor agent: the routing number of the bank that sends for Pennydrop.
    pub debtor_agent: String,
    /// The account the credits are paid from, at the debtor agent.
    pub debtor_account: String,
    pub tls: Option<ConnectorTls>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    #[error("instant connector URL {0}: plain http is allowed only to a loopback address; use https with --instant-client-cert, --instant-client-key and --instant-ca")]
    PlainHttpNotLoopback(String),
    #[error("instant connector URL {0}: https needs --instant-client-cert, --instant-client-key and --instant-ca (mutual TLS)")]
    MissingTls(String),
    #[error("instant connector URL {0}: only http and https are supported")]
    Scheme(String),
    #[error("instant connector TLS material: {0}")]
    Tls(String),
    #[error("instant connector debtor {field}: {problem}")]
    Debtor {
        field: &'static str,
        problem: String,
    },
}

/// An [`InstantRail`] that speaks ISO 20022 to a bank endpoint.
#[derive(Debug)]
pub struct BankConnector {
    client: reqwest::Client,
    config: ConnectorConfig,
    debtor_agent: MemberId,
    debtor_account: AccountId,
    clock: Arc<dyn Clock>,
}

impl BankConnector {
    pub fn new(config: ConnectorConfig, clock: Arc<dyn Clock>) -> Result<Self, ConnectorError> {
        check_url(&config)?;
        let debtor_agent =
            MemberId::parse(&config.debtor_agent).map_err(|e| ConnectorError::Debtor {
                field: "agent",
                problem: e.to_string(),
            })?;
        let debtor_account =
            AccountId::parse(&config.debtor_account).map_err(|e| ConnectorError::Debtor {
                field: "account",
                problem: e.to_string(),
            })?;
        Ok(Self {
            client: http_client(&config)?,
            config,
            debtor_agent,
            debtor_account,
            clock,
        })
    }

    fn credit_transfer(
        &self,
        network: Network,
        credit: &OutgoingCredit,
    ) -> Result<Message, RailError> {
        let now = self.clock.now();
        let ids = CreditIds::of(credit)?;
        let transfer = CreditTransfer {
            message_id: ids.message_id.clone(),
            created: now,
            instruction_id: ids.end_to_end_id.clone(),
            end_to_end_id: ids.end_to_end_id.clone(),
            transaction_id: ids.end_to_end_id.clone(),
            amount: Amount::from_cents(credit.amount_cents).map_err(invalid("amount"))?,
            settlement_date: now.to_zoned(pennydrop_calendar::new_york_tz()).date(),
            debtor: party(&credit.debtor_name, "debtor name")?,
            debtor_account: self.debtor_account.clone(),
            debtor_agent: self.debtor_agent.clone(),
            creditor: party(&credit.creditor_name, "creditor name")?,
            creditor_account: AccountId::parse(credit.account_number.expose())
                .map_err(invalid("creditor account"))?,
            creditor_agent: MemberId::parse(&credit.routing_number)
                .map_err(invalid("creditor agent"))?,
            remittance: Max140Text::lossy(&credit.remittance),
        };
        let header = self.header(&ids.message_id, &transfer.creditor_agent, now);
        Ok(Message {
            network,
            header,
            document: Document::CreditTransfer(transfer),
        })
    }

    fn status_request(
        &self,
        network: Network,
        credit: &OutgoingCredit,
    ) -> Result<Message, RailError> {
        let now = self.clock.now();
        let ids = CreditIds::of(credit)?;
        let message_id = status_request_id(credit, now)?;
        let creditor_agent =
            MemberId::parse(&credit.routing_number).map_err(invalid("creditor agent"))?;
        let request = StatusRequest {
            message_id: message_id.clone(),
            created: now,
            original: ids.original(),
        };
        Ok(Message {
            network,
            header: self.header(&message_id, &creditor_agent, now),
            document: Document::StatusRequest(request),
        })
    }

    fn header(&self, message_id: &Max35Text, to: &MemberId, now: Timestamp) -> AppHeader {
        AppHeader {
            from: self.debtor_agent.clone(),
            to: to.clone(),
            business_message_id: message_id.clone(),
            created: now,
        }
    }

    /// POSTs one message and reads what came back.
    async fn exchange(&self, message: &Message) -> Result<Reply, RailError> {
        let response = self
            .client
            .post(self.config.url.clone())
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            .header(reqwest::header::ACCEPT, "application/xml")
            .body(message.to_xml())
            .send()
            .await
            .map_err(|e| RailError::Unavailable(describe(&e)))?;
        let status = response.status();
        match status.as_u16() {
            200 => {
                let body = response
                    .text()
                    .await
                    .map_err(|e| RailError::Unavailable(describe(&e)))?;
                let reply = Message::from_xml(&body).map_err(|e| {
                    RailError::Unavailable(format!("the bank's answer is not a status report: {e}"))
                })?;
                Ok(Reply::Status(Box::new(reply)))
            }
            202 => Ok(Reply::Acknowledged),
            404 => Ok(Reply::NotFound),
            400..=499 => Err(RailError::Refused(format!("HTTP {status}"))),
            _ => Err(RailError::Unavailable(format!("HTTP {status}"))),
        }
    }

    async fn send(
        &self,
        network: InstantNetwork,
        credit: &OutgoingCredit,
        message: Message,
    ) -> Result<RailAnswer, RailError> {
        let expected = CreditIds::of(credit)?.end_to_end_id;
        match self.exchange(&message).await? {
            Reply::Status(reply) => answer_of(network, &reply, &expected),
            Reply::Acknowledged => Ok(RailAnswer::Pending),
            Reply::NotFound => match message.document {
                Document::StatusRequest(_) => Ok(RailAnswer::NotReceived),
                _ => Err(RailError::Refused("HTTP 404 to a credit transfer".into())),
            },
        }
    }
}

#[async_trait]
impl InstantRail for BankConnector {
    fn route(&self, routing_number: &str) -> Option<InstantNetwork> {
        self.config.routing.route(routing_number)
    }

    async fn send_credit(
        &self,
        network: InstantNetwork,
        credit: &OutgoingCredit,
    ) -> Result<RailAnswer, RailError> {
        let message = self.credit_transfer(wire_network(network), credit)?;
        self.send(network, credit, message).await
    }

    async fn ask_status(
        &self,
        network: InstantNetwork,
        credit: &OutgoingCredit,
    ) -> Result<RailAnswer, RailError> {
        let message = self.status_request(wire_network(network), credit)?;
        self.send(network, credit, message).await
    }
}

const CONTENT_TYPE: &str = "application/xml; charset=utf-8";

enum Reply {
    Status(Box<Message>),
    Acknowledged,
    NotFound,
}

/// The IDs of a credit's pacs.008, all derived from the credit ID so that a resend after a
/// "never received" carries the very same ones.
struct CreditIds {
    message_id: Max35Text,
    end_to_end_id: Max35Text,
}

impl CreditIds {
    /// 32 lowercase hex digits (the message ID with a letter before them).
    fn of(credit: &OutgoingCredit) -> Result<Self, RailError> {
        let hex = credit.credit_id.simple().to_string();
        Ok(Self {
            message_id: Max35Text::parse(&format!("M{hex}")).map_err(invalid("message id"))?,
            end_to_end_id: Max35Text::parse(&hex).map_err(invalid("end-to-end id"))?,
        })
    }

    fn original(&self) -> OriginalRef {
        OriginalRef {
            message_id: self.message_id.clone(),
            kind: MessageKind::CreditTransfer,
            end_to_end_id: self.end_to_end_id.clone(),
            transaction_id: self.end_to_end_id.clone(),
        }
    }
}

/// A status request's own message ID: unique per request (the credit and the moment).
fn status_request_id(credit: &OutgoingCredit, now: Timestamp) -> Result<Max35Text, RailError> {
    let hex = credit.credit_id.simple().to_string();
    let micros = now.as_microsecond().rem_euclid(10_i64.pow(16));
    Max35Text::parse(&format!("Q{}{micros:016}", &hex[..16])).map_err(invalid("message id"))
}

fn party(name: &str, what: &'static str) -> Result<Party, RailError> {
    Max140Text::lossy(name)
        .map(|name| Party { name })
        .ok_or_else(|| RailError::Refused(format!("{what}: nothing left after transliteration")))
}

fn invalid<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> RailError {
    move |e| RailError::Refused(format!("{what}: {e}"))
}

fn wire_network(network: InstantNetwork) -> Network {
    match network {
        InstantNetwork::Rtp => Network::Rtp,
        InstantNetwork::FedNow => Network::FedNow,
    }
}

/// Reads a status report about `expected`: final, pending, or a reply about something else.
fn answer_of(
    network: InstantNetwork,
    reply: &Message,
    expected: &Max35Text,
) -> Result<RailAnswer, RailError> {
    let Document::StatusReport(report) = &reply.document else {
        return Err(RailError::Unavailable(
            "the bank answered with a message that is not a status report".into(),
        ));
    };
    if &report.original.end_to_end_id != expected {
        return Err(RailError::Unavailable(format!(
            "the bank's status report is about end-to-end ID {}, not {}",
            report.original.end_to_end_id.as_str(),
            expected.as_str()
        )));
    }
    Ok(meaning(network, report))
}

/// What a transaction status means, per network (docs/instant-connector.md): RTP's receiving
/// participant accepts with ACTC, while on FedNow ACTC is only the network's technical
/// acceptance and the final word is ACSC.
fn meaning(network: InstantNetwork, report: &StatusReport) -> RailAnswer {
    use TransactionStatus::*;
    match (report.status, network) {
        (Acsc | Accp | Acwp, _) | (Actc, InstantNetwork::Rtp) => {
            RailAnswer::Final(RailOutcome::Accepted)
        }
        (Rjct, _) => RailAnswer::Final(RailOutcome::Rejected {
            code: report
                .reason
                .as_ref()
                .map_or_else(|| "NARR".to_string(), |r| r.as_str().to_string()),
        }),
        (Actc | Rcvd | Pdng, _) => RailAnswer::Pending,
    }
}

fn check_url(config: &ConnectorConfig) -> Result<(), ConnectorError> {
    let url = &config.url;
    match url.scheme() {
        "https" if config.tls.is_none() => Err(ConnectorError::MissingTls(url.to_string())),
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(ConnectorError::PlainHttpNotLoopback(url.to_string())),
        _ => Err(ConnectorError::Scheme(url.to_string())),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

fn http_client(config: &ConnectorConfig) -> Result<reqwest::Client, ConnectorError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    if let Some(tls) = &config.tls {
        let ca = reqwest::Certificate::from_pem(&tls.server_ca_pem)
            .map_err(|e| ConnectorError::Tls(format!("--instant-ca: {e}")))?;
        let mut pem = tls.client_cert_pem.clone();
        pem.push(b'\n');
        pem.extend_from_slice(&tls.client_key_pem);
        let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
            ConnectorError::Tls(format!("--instant-client-cert / --instant-client-key: {e}"))
        })?;
        builder = builder
            .tls_built_in_root_certs(false)
            .add_root_certificate(ca)
            .identity(identity)
            .https_only(true);
    }
    builder
        .build()
        .map_err(|e| ConnectorError::Tls(e.to_string()))
}

/// The error chain without anything from the request (which holds an account number).
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "no answer within the timeout"
    } else if e.is_connect() {
        "could not connect (or the TLS handshake failed)"
    } else {
        "the exchange failed"
    };
    let mut text = what.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str, tls: bool) -> ConnectorConfig {
        ConnectorConfig {
            url: url::Url::parse(url).unwrap_or_else(|e| panic!("{e}")),
            routing: InstantRouting::default(),
            timeout: Duration::from_secs(1),
            debtor_agent: "110000000".into(),
            debtor_account: "1234567890".into(),
            tls: tls.then(|| ConnectorTls {
                client_cert_pem: vec![],
                client_key_pem: vec![],
                server_ca_pem: vec![],
            }),
        }
    }

    #[test]
    fn plain_http_is_for_loopback_only() {
        assert!(check_url(&config("http://127.0.0.1:9/iso20022", false)).is_ok());
        assert!(check_url(&config("http://localhost:9/", false)).is_ok());
        assert!(check_url(&config("http://[::1]:9/", false)).is_ok());
        assert!(matches!(
            check_url(&config("http://bank.example/iso20022", false)),
            Err(ConnectorError::PlainHttpNotLoopback(_))
        ));
        assert!(matches!(
            check_url(&config("https://bank.example/iso20022", false)),
            Err(ConnectorError::MissingTls(_))
        ));
        assert!(check_url(&config("https://bank.example/iso20022", true)).is_ok());
        assert!(matches!(
            check_url(&config("ftp://bank.example/", true)),
            Err(ConnectorError::Scheme(_))
        ));
    }
}
