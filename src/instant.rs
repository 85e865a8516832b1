//! The instant rail's flags and its construction: the ISO 20022 bank connector pointed at a
//! real bank (`--instant-connector-url`) or at the simulated network's endpoint on a loopback
//! port; the participant directories; mutual TLS material (docs/instant-connector.md).

use anyhow::Context;
use pennydrop_core::model::InstantNetwork;
use pennydrop_core::Clock;
use pennydrop_rails::instant::{
    BankConnector, ConnectorConfig, ConnectorTls, Endpoint, InstantRouting, ParticipantDirectory,
};
use pennydrop_rails::SimulatedBank;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NetworkChoice {
    Rtp,
    Fednow,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preference {
    Rtp,
    Fednow,
}

/// Where instant credits go and how (`pennydrop serve --help`).
#[derive(Debug, Clone, clap::Args)]
pub struct InstantArgs {
    /// A bank's or gateway's ISO 20022 endpoint: instant credits are POSTed there as pacs.008
    /// (https with mutual TLS; http only to loopback). Without it, the simulated network's own
    /// endpoint takes them when the simulator is on.
    #[arg(long, env = "PENNYDROP_INSTANT_CONNECTOR_URL", value_name = "URL")]
    pub instant_connector_url: Option<url::Url>,
    /// Which instant networks to use.
    #[arg(
        long,
        env = "PENNYDROP_INSTANT_NETWORK",
        value_enum,
        default_value = "both"
    )]
    pub instant_network: NetworkChoice,
    /// With both networks, the one to use for a bank that is on both.
    #[arg(
        long,
        env = "PENNYDROP_INSTANT_PREFER",
        value_enum,
        default_value = "rtp"
    )]
    pub instant_prefer: Preference,
    /// RTP participant directory (CSV `routing_number,name`; default: the bundled sample,
    /// which is what the simulated network reaches).
    #[arg(long, env = "PENNYDROP_RTP_PARTICIPANTS", value_name = "FILE")]
    pub rtp_participants: Option<PathBuf>,
    /// FedNow participant directory (same format; default: the bundled sample).
    #[arg(long, env = "PENNYDROP_FEDNOW_PARTICIPANTS", value_name = "FILE")]
    pub fednow_participants: Option<PathBuf>,
    /// Pennydrop's client certificate for mutual TLS (PEM).
    #[arg(long, env = "PENNYDROP_INSTANT_CLIENT_CERT", value_name = "FILE")]
    pub instant_client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM, PKCS#8 or RSA or SEC1).
    #[arg(long, env = "PENNYDROP_INSTANT_CLIENT_KEY", value_name = "FILE")]
    pub instant_client_key: Option<PathBuf>,
    /// The CA the bank's server certificate must chain to (PEM); the system's roots are not
    /// trusted for this connection.
    #[arg(long, env = "PENNYDROP_INSTANT_CA", value_name = "FILE")]
    pub instant_ca: Option<PathBuf>,
    /// Seconds one exchange with the bank may take before its outcome counts as unknown.
    #[arg(long, env = "PENNYDROP_INSTANT_TIMEOUT_SECONDS", default_value_t = 10)]
    pub instant_timeout_seconds: u64,
    /// Seconds a credit may stay without a final answer before a status request asks about it.
    #[arg(
        long,
        env = "PENNYDROP_INSTANT_STATUS_AFTER_SECONDS",
        default_value_t = 30
    )]
    pub instant_status_after_seconds: u64,
    /// The debtor agent's routing number (default: the ODFI's, --odfi-routing).
    #[arg(long, env = "PENNYDROP_INSTANT_DEBTOR_AGENT", value_name = "ROUTING")]
    pub instant_debtor_agent: Option<String>,
    /// The account at the debtor agent the credits are paid from (required with
    /// --instant-connector-url).
    #[arg(long, env = "PENNYDROP_INSTANT_DEBTOR_ACCOUNT", value_name = "ACCOUNT")]
    pub instant_debtor_account: Option<String>,
}

/// The instant rail's settings, read from the flags (files are read when the app is built).
#[derive(Debug, Clone)]
pub struct InstantConfig {
    pub connector_url: Option<url::Url>,
    pub networks: Vec<InstantNetwork>,
    pub rtp_participants: Option<PathBuf>,
    pub fednow_participants: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub ca: Option<PathBuf>,
    pub timeout: Duration,
    pub debtor_agent: Option<String>,
    pub debtor_account: Option<String>,
    /// How long the simulated endpoint holds its no-answer account's request.
    pub simulator_hold: Duration,
}

/// The simulated settlement account Pennydrop pays instant credits from.
const SIMULATED_DEBTOR_ACCOUNT: &str = "1000000001";

impl Default for InstantConfig {
    fn default() -> Self {
        Self {
            connector_url: None,
            networks: vec![InstantNetwork::Rtp, InstantNetwork::FedNow],
            rtp_participants: None,
            fednow_participants: None,
            client_cert: None,
            client_key: None,
            ca: None,
            timeout: Duration::from_secs(10),
            debtor_agent: None,
            debtor_account: None,
            simulator_hold: Duration::from_secs(60),
        }
    }
}

impl InstantArgs {
    pub fn config(&self) -> InstantConfig {
        let preferred = match self.instant_prefer {
            Preference::Rtp => vec![InstantNetwork::Rtp, InstantNetwork::FedNow],
            Preference::Fednow => vec![InstantNetwork::FedNow, InstantNetwork::Rtp],
        };
        let networks = match self.instant_network {
            NetworkChoice::Rtp => vec![InstantNetwork::Rtp],
            NetworkChoice::Fednow => vec![InstantNetwork::FedNow],
            NetworkChoice::Both => preferred,
        };
        InstantConfig {
            connector_url: self.instant_connector_url.clone(),
            networks,
            rtp_participants: self.rtp_participants.clone(),
            fednow_participants: self.fednow_participants.clone(),
            client_cert: self.instant_client_cert.clone(),
            client_key: self.instant_client_key.clone(),
            ca: self.instant_ca.clone(),
            timeout: Duration::from_secs(self.instant_timeout_seconds.max(1)),
            debtor_agent: self.instant_debtor_agent.clone(),
            debtor_account: self.instant_debtor_account.clone(),
            ..InstantConfig::default()
        }
    }
}

impl InstantConfig {
    /// The participant directories of the networks in use, in preference order. With a real
    /// bank every network in use needs its file: the bundled samples describe the simulator.
    pub fn routing(&self) -> anyhow::Result<InstantRouting> {
        let mut networks = Vec::new();
        for network in &self.networks {
            let (path, sample, flag) = match network {
                InstantNetwork::Rtp => (
                    &self.rtp_participants,
                    pennydrop_core::participants::SAMPLE_RTP,
                    "--rtp-participants",
                ),
                InstantNetwork::FedNow => (
                    &self.fednow_participants,
                    pennydrop_core::participants::SAMPLE_FEDNOW,
                    "--fednow-participants",
                ),
            };
            let directory = match path {
                Some(path) => read_directory(path, flag)?,
                None if self.connector_url.is_some() => anyhow::bail!(
                    "--instant-connector-url needs {flag} FILE for {network} (or narrow \
                     --instant-network): the bundled sample lists only simulated banks"
                ),
                None => ParticipantDirectory::parse(sample).context("the bundled sample")?,
            };
            networks.push((*network, directory));
        }
        Ok(InstantRouting::new(networks))
    }

    /// The connector to a real bank, when `--instant-connector-url` is set.
    pub fn real_connector(
        &self,
        default_agent: &str,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Option<BankConnector>> {
        let Some(url) = &self.connector_url else {
            return Ok(None);
        };
        let debtor_account = self
            .debtor_account
            .clone()
            .context("--instant-connector-url needs --instant-debtor-account")?;
        let config = ConnectorConfig {
            url: url.clone(),
            routing: self.routing()?,
            timeout: self.timeout,
            debtor_agent: self.debtor_agent.clone().unwrap_or(default_agent.into()),
            debtor_account,
            tls: self.tls()?,
        };
        Ok(Some(BankConnector::new(config, clock)?))
    }

    fn tls(&self) -> anyhow::Result<Option<ConnectorTls>> {
        match (&self.client_cert, &self.client_key, &self.ca) {
            (None, None, None) => Ok(None),
            (Some(cert), Some(key), Some(ca)) => Ok(Some(ConnectorTls {
                client_cert_pem: read(cert, "--instant-client-cert")?,
                client_key_pem: read(key, "--instant-client-key")?,
                server_ca_pem: read(ca, "--instant-ca")?,
            })),
            _ => anyhow::bail!(
                "mutual TLS needs all three of --instant-client-cert, --instant-client-key and \
                 --instant-ca"
            ),
        }
    }

    /// Starts the simulated network's endpoint on a loopback port and returns a connector to
    /// it, with the task serving it.
    pub async fn simulated_connector(
        &self,
        bank: Arc<SimulatedBank>,
        agent: &str,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<(BankConnector, SimulatorEndpointTask)> {
        let routing = self.routing()?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("binding the simulated network's ISO 20022 endpoint on loopback")?;
        let address = listener.local_addr()?;
        let endpoint = Endpoint::new(bank, routing.clone(), clock.clone(), self.simulator_hold);
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, endpoint.router()).await {
                tracing::warn!(error = %e, "the simulated network's endpoint stopped");
            }
        });
        let url = url::Url::parse(&format!(
            "http://{address}{}",
            pennydrop_rails::instant::endpoint::PATH
        ))?;
        tracing::info!(%url, "simulated network: ISO 20022 endpoint");
        let config = ConnectorConfig {
            url,
            routing,
            timeout: self.timeout,
            debtor_agent: self.debtor_agent.clone().unwrap_or(agent.into()),
            debtor_account: self
                .debtor_account
                .clone()
                .unwrap_or(SIMULATED_DEBTOR_ACCOUNT.into()),
            tls: None,
        };
        Ok((
            BankConnector::new(config, clock)?,
            SimulatorEndpointTask(task),
        ))
    }
}

/// The simulated endpoint's server task; it stops when this is dropped.
#[derive(Debug)]
pub struct SimulatorEndpointTask(tokio::task::JoinHandle<()>);

impl Drop for SimulatorEndpointTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn read(path: &Path, flag: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{flag} {}", path.display()))
}

fn read_directory(path: &Path, flag: &str) -> anyhow::Result<ParticipantDirectory> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {flag} {}", path.display()))?;
    ParticipantDirectory::parse(&text).with_context(|| format!("{flag} {}", path.display()))
}
