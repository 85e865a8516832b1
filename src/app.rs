//! Wiring: open and migrate the store, load keys and the bank directory, build the router, and
//! serve until shutdown.

use anyhow::Context;
use pennydrop_api::{AppState, Settings};
use pennydrop_core::crypto::Vault;
use pennydrop_core::directory::Directory;
use pennydrop_core::model::Mode;
use pennydrop_core::{Clock, OsRandom, Random, SystemClock};
use pennydrop_engine::access::CreatedKey;
use pennydrop_engine::ports::{AchOperator, Statements, Store};
use pennydrop_engine::rail::{InstantRail, NoInstantRail};
use pennydrop_engine::{Engine, EngineConfig};
use pennydrop_rails::ach::sftp::{SftpConfig, SftpTransport};
use pennydrop_rails::ach::{
    AchConfig, AchDirs, AchRail, DirectoryTransport, FileTransport, OdfiConfig, ReceivingBank,
};
use pennydrop_rails::webhooks::HttpWebhookSender;
use pennydrop_rails::SimulatedBank;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

use crate::config::{load_vault, StorageArgs};

#[derive(Debug, Clone)]
pub struct AppConfig {
    pub storage: StorageArgs,
    pub fedach_directory: Option<PathBuf>,
    pub clock: Arc<dyn Clock>,
    /// Where verification amounts, codes and IDs come from (the OS CSPRNG unless a test seeds
    /// one).
    pub random: Arc<dyn Random>,
    pub settings: Settings,
    pub engine: EngineConfig,
    /// Run the simulated bank network (the instant rail and statements). It stays off when a
    /// real bank is configured (an ODFI, SFTP or a drop directory) unless `force_simulator`.
    pub simulator: bool,
    /// Run the simulated network even beside a real bank (loudly).
    pub force_simulator: bool,
    /// The instant rail: the bank connector to a real bank or to the simulated network.
    pub instant: crate::instant::InstantConfig,
    /// How often the background sweeper expires verifications.
    pub sweep_every: Duration,
    /// The ODFI; None uses the simulated ODFI named after the engine's company name.
    pub odfi: Option<OdfiConfig>,
    /// How long the simulated bank waits before reading an outbox file.
    pub settlement_delay: jiff::SignedDuration,
    pub sftp: Option<SftpConfig>,
    /// Deliver through a directory instead (`DIR/outbound`, returns read from `DIR/inbound`).
    pub drop_dir: Option<PathBuf>,
    /// How often the ACH rail checks windows, the outbox and the inbox.
    pub ach_every: Duration,
    /// Client time limits (headers, bodies, shutdown grace).
    pub limits: crate::http::Limits,
    /// How long a webhook endpoint has to answer one delivery.
    pub webhook_timeout: Duration,
    /// Run the webhook delivery worker (tests that step deliveries themselves turn it off).
    pub webhook_worker: bool,
    /// Where cutoffs report their progress (the CLI's terminal; nobody in the server).
    pub progress: Arc<dyn pennydrop_core::progress::Progress>,
    /// Wraps the store the app works through, once migrations ran; the simulation puts its
    /// fault injection here (crates/sim). `serve` leaves it empty.
    pub store_layer: Option<Arc<dyn StoreLayer>>,
    /// Wraps the ACH rail's delivery transport, when one is configured; the simulation puts
    /// its transport faults here. `serve` leaves it empty.
    pub transport_layer: Option<Arc<dyn TransportLayer>>,
}

/// Something put in front of the app's store (see [`AppConfig::store_layer`]).
pub trait StoreLayer: Send + Sync + std::fmt::Debug {
    fn wrap(&self, store: Arc<dyn Store>) -> Arc<dyn Store>;
}

/// Something put in front of the ACH rail's delivery transport (see
/// [`AppConfig::transport_layer`]).
pub trait TransportLayer: Send + Sync + std::fmt::Debug {
    fn wrap(&self, transport: Arc<dyn FileTransport>) -> Arc<dyn FileTransport>;
}

impl AppConfig {
    pub fn new(storage: StorageArgs) -> Self {
        Self {
            storage,
            fedach_directory: None,
            clock: Arc::new(SystemClock),
            random: Arc::new(OsRandom),
            settings: Settings::default(),
            engine: EngineConfig::default(),
            simulator: true,
            force_simulator: false,
            instant: crate::instant::InstantConfig::default(),
            sweep_every: Duration::from_secs(60),
            odfi: None,
            settlement_delay: jiff::SignedDuration::ZERO,
            sftp: None,
            drop_dir: None,
            ach_every: Duration::from_secs(1),
            limits: crate::http::Limits::default(),
            webhook_timeout: Duration::from_secs(10),
            webhook_worker: true,
            progress: Arc::new(pennydrop_core::progress::Silent),
            store_layer: None,
            transport_layer: None,
        }
    }
}

pub struct App {
    pub state: AppState,
    /// The parts behind the engine, for the CLI and for tests that look underneath it.
    pub store: Arc<dyn Store>,
    pub vault: Arc<Vault>,
    pub ach: Arc<AchRail>,
    pub simulator: Option<Arc<SimulatedBank>>,
    /// The simulated network's ISO 20022 endpoint (on a loopback port) while the app lives.
    _simulator_endpoint: Option<crate::instant::SimulatorEndpointTask>,
    /// The sandbox key created on the very first start, if this was it.
    pub bootstrap_key: Option<CreatedKey>,
    sweep_every: Duration,
    ach_every: Duration,
    limits: crate::http::Limits,
    webhook_worker: bool,
    /// Where `GET /metrics` is served without authentication, if anywhere.
    metrics_listener: Option<TcpListener>,
}

impl App {
    /// Checks before it changes: the data directory must take files and the database must
    /// open, migrate and take writes before the first key is created.
    pub async fn build(config: AppConfig) -> anyhow::Result<Self> {
        let outbox_group = config.storage.ensure_data_dir()?;
        let url = config.storage.database_url();
        let database = open_database(&url).await?;
        let vault = Arc::new(load_vault(&config.storage.data_dir)?);
        // The simulated bank is another party: it keeps its books in the database directly.
        let simulator = simulator_on(&config).then(|| simulated_bank(&config, &database, &vault));
        let store = match &config.store_layer {
            Some(layer) => layer.wrap(database),
            None => database,
        };
        let (instant, simulator_endpoint) = instant_rail(&config, &simulator).await?;
        let engine = Arc::new(
            Engine::new(
                store.clone(),
                vault.clone(),
                config.clock.clone(),
                instant,
                config.engine.clone(),
            )
            .with_random(config.random.clone())
            .with_directory(Arc::new(directory(&config)?))
            .with_webhook_sender(Arc::new(
                HttpWebhookSender::new(
                    config.engine.webhook_networks.clone(),
                    config.webhook_timeout,
                )
                .context("webhook HTTP client")?,
            )),
        );
        let dirs = AchDirs::under(&config.storage.data_dir).with_outbox_group(outbox_group);
        let ach = ach_rail(&config, dirs, &store, &vault, &engine, &simulator)?;
        let bootstrap_key = if engine.has_keys().await? {
            None
        } else {
            let key = engine.create_tenant("sandbox", Mode::Sandbox).await?;
            // The secret goes to the console once (see `pennydrop serve`); the log gets the
            // public key only.
            tracing::info!(public_key = %key.public_key, account_id = %key.account_id,
                "first start: created a sandbox API key");
            Some(key)
        };
        log_summary(&config, &url, simulator.is_some(), &ach);
        let state = AppState {
            engine,
            ach: Some(ach.clone() as Arc<dyn AchOperator>),
            statements: simulator.clone().map(|s| s as Arc<dyn Statements>),
            settings: Arc::new(config.settings.clone()),
        };
        Ok(Self {
            state,
            store,
            vault,
            ach,
            simulator,
            _simulator_endpoint: simulator_endpoint,
            bootstrap_key,
            sweep_every: config.sweep_every,
            ach_every: config.ach_every,
            limits: config.limits,
            webhook_worker: config.webhook_worker,
            metrics_listener: None,
        })
    }

    /// Also serves `GET /metrics`, unauthenticated, on `listener` (`--metrics-listen`).
    pub fn with_metrics_listener(mut self, listener: TcpListener) -> Self {
        self.metrics_listener = Some(listener);
        self
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_background, background_stopped) = tokio::sync::oneshot::channel::<()>();
        let background = tokio::spawn(self.state.engine.clone().run_background(
            self.sweep_every,
            async {
                let _ = background_stopped.await;
            },
        ));
        let (stop_webhooks, webhooks_stopped) = tokio::sync::oneshot::channel::<()>();
        // One lease owner per process: two processes of one node never share a lease.
        let owner = format!("{}/{}", self.ach.config().node_id, std::process::id());
        let engine = self.state.engine.clone();
        let webhooks = self.webhook_worker.then(|| {
            tokio::spawn(engine.run_webhooks(owner, async {
                let _ = webhooks_stopped.await;
            }))
        });
        let (stop_ach, ach_stopped) = tokio::sync::oneshot::channel::<()>();
        let ach = Some(tokio::spawn(self.ach.clone().run_background(
            self.ach_every,
            async {
                let _ = ach_stopped.await;
            },
        )));
        let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
        let metrics = self.metrics_listener.map(|metrics_listener| {
            let router = pennydrop_api::metrics_router(self.state.clone());
            tokio::spawn(crate::http::serve(
                metrics_listener,
                router,
                self.limits,
                async {
                    let _ = metrics_stopped.await;
                },
            ))
        });
        let router = pennydrop_api::router(self.state);
        let served = crate::http::serve(listener, router, self.limits, shutdown)
            .await
            .context("HTTP server");
        let _ = stop_metrics.send(());
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        let _ = stop_background.send(());
        let _ = stop_ach.send(());
        let _ = stop_webhooks.send(());
        let _ = background.await;
        if let Some(webhooks) = webhooks {
            let _ = webhooks.await;
        }
        if let Some(ach) = ach {
            let _ = ach.await;
        }
        served
    }
}

/// Whether a real bank is configured: an ODFI of its own, a way to deliver files to one, or an
/// instant connector.
fn real_bank(config: &AppConfig) -> bool {
    let real_odfi = config.odfi.as_ref().is_some_and(|o| !o.is_simulated());
    real_odfi
        || config.sftp.is_some()
        || config.drop_dir.is_some()
        || config.instant.connector_url.is_some()
}

/// The simulated network never runs beside a real bank unless forced (DESIGN invariant 10).
fn simulator_on(config: &AppConfig) -> bool {
    match (config.simulator, real_bank(config), config.force_simulator) {
        (false, _, _) => false,
        (true, false, _) => true,
        (true, true, true) => {
            tracing::warn!(
                "!!! --force-simulator: the SIMULATED bank runs beside a REAL bank: it reads the \
                 outbox (or the drop directory's outbound/) and its simulated returns and NOCs \
                 will change real verifications !!!"
            );
            true
        }
        (true, true, false) => {
            tracing::warn!(
                "a real bank is configured (ODFI, delivery or instant connector): the simulated \
                 bank network is off \
                 (--force-simulator runs it anyway)"
            );
            false
        }
    }
}

/// One line at start-up with everything an operator checks first.
fn log_summary(config: &AppConfig, url: &str, simulator: bool, ach: &AchRail) {
    let now = config.clock.now();
    let next = config.engine.schedule.next_window(now).at;
    let odfi = &ach.config().odfi;
    let delivery = ach
        .config()
        .delivery
        .as_ref()
        .map_or_else(|| "local outbox only".to_string(), |d| d.describe());
    let outbox_group = ach
        .dirs()
        .outbox_group
        .as_ref()
        .map_or_else(|| "none".to_string(), |g| g.to_string());
    tracing::info!(
        database = %redact_url(url),
        data_dir = %config.storage.data_dir.display(),
        odfi = %format!("{} {}", odfi.routing_number, odfi.immediate_destination_name),
        cutoff_windows = %config.engine.schedule,
        next_cutoff = %next,
        simulator = if simulator { "on" } else { "off" },
        delivery = %delivery,
        outbox_group = %outbox_group,
        "pennydrop configuration"
    );
}

/// The FedACH directory from the configured file, or the bundled sample.
fn directory(config: &AppConfig) -> anyhow::Result<Directory> {
    let Some(path) = &config.fedach_directory else {
        return Ok(Directory::bundled());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading FedACH directory {}", path.display()))?;
    Directory::parse(&text).with_context(|| format!("parsing FedACH directory {}", path.display()))
}

fn simulated_bank(
    config: &AppConfig,
    store: &Arc<dyn Store>,
    vault: &Arc<Vault>,
) -> Arc<SimulatedBank> {
    let bank = SimulatedBank::new(store.clone(), vault.clone(), config.clock.clone());
    // Forced beside a drop directory, the simulated bank stands where the real one would: on
    // the far side of it, reading what was delivered and answering into `inbound/`.
    Arc::new(match &config.drop_dir {
        Some(dir) => {
            let (outbound, inbound) = DirectoryTransport::paths_under(dir);
            bank.behind_drop_dir(outbound, inbound)
        }
        None => bank,
    })
}

/// The bank connector to the configured bank, else to the simulated network's endpoint
/// (started here on a loopback port), else none: same-day ACH only.
async fn instant_rail(
    config: &AppConfig,
    simulator: &Option<Arc<SimulatedBank>>,
) -> anyhow::Result<(
    Arc<dyn InstantRail>,
    Option<crate::instant::SimulatorEndpointTask>,
)> {
    let agent = config
        .odfi
        .as_ref()
        .map_or(pennydrop_rails::ach::SIMULATED_BANK, |o| {
            o.routing_number.as_str()
        });
    let clock = config.clock.clone();
    if let Some(connector) = config.instant.real_connector(agent, clock.clone())? {
        return Ok((Arc::new(connector), None));
    }
    match simulator {
        Some(bank) => {
            let (connector, task) = config
                .instant
                .simulated_connector(bank.clone(), agent, clock)
                .await?;
            Ok((Arc::new(connector), Some(task)))
        }
        None => Ok((Arc::new(NoInstantRail), None)),
    }
}

fn ach_rail(
    config: &AppConfig,
    dirs: AchDirs,
    store: &Arc<dyn Store>,
    vault: &Arc<Vault>,
    engine: &Arc<Engine>,
    simulator: &Option<Arc<SimulatedBank>>,
) -> anyhow::Result<Arc<AchRail>> {
    let odfi = config
        .odfi
        .clone()
        .unwrap_or_else(|| OdfiConfig::simulated(&config.engine.company_name));
    let preparing = match &dirs.outbox_group {
        Some(g) => format!(
            "preparing the ACH directories for --outbox-group {g} (this process must own them \
             and be a member of the group, or run as root)"
        ),
        None => "preparing the ACH directories".to_string(),
    };
    let rail = AchRail::new(
        store.clone(),
        vault.clone(),
        config.clock.clone(),
        engine.clone(),
        AchConfig {
            odfi,
            schedule: config.engine.schedule.clone(),
            settlement_delay: config.settlement_delay,
            delivery: delivery(config, dirs.outbox_gid())?,
            node_id: crate::config::node_id(&config.storage.data_dir)?,
            writer_lease: jiff::SignedDuration::from_secs(60),
        },
        dirs,
        simulator.clone().map(|s| s as Arc<dyn ReceivingBank>),
    )
    .context(preparing)?
    .with_progress(config.progress.clone());
    Ok(Arc::new(rail))
}

/// The transport that takes files to the bank, if one is configured (at most one may be); a
/// drop directory's files are readable by the outbox group too (`outbox_gid`).
fn delivery(
    config: &AppConfig,
    outbox_gid: Option<u32>,
) -> anyhow::Result<Option<Arc<dyn FileTransport>>> {
    let transport: Arc<dyn FileTransport> = match (&config.sftp, &config.drop_dir) {
        (Some(_), Some(_)) => {
            anyhow::bail!("configure one delivery: SFTP or a drop directory, not both")
        }
        (Some(sftp), None) => Arc::new(SftpTransport::new(sftp.clone())),
        (None, Some(dir)) => {
            let t = DirectoryTransport::under(dir)
                .with_context(|| format!("preparing the drop directory {}", dir.display()))?;
            Arc::new(t.with_group(outbox_gid))
        }
        (None, None) => return Ok(None),
    };
    Ok(Some(match &config.transport_layer {
        Some(layer) => layer.wrap(transport),
        None => transport,
    }))
}

/// Opens the database, applies migrations and checks that it takes writes, with errors that
/// name where it looked and what to do.
pub async fn open_database(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let shown = match pennydrop_store::target(url) {
        Some(target) => format!("{} ({target})", redact_url(url)),
        None => redact_url(url),
    };
    let store = pennydrop_store::connect(url).await.with_context(|| {
        format!(
            "cannot open the database {shown}: check --database-url (PENNYDROP_DATABASE_URL) \
             and that the database server runs and accepts this user there"
        )
    })?;
    store.migrate().await.with_context(|| {
        format!("applying migrations to {shown} (can this user write to the database?)")
    })?;
    store.check_writable().await.with_context(|| {
        format!(
            "the database {shown} cannot be written: give the user running pennydrop write \
             access (the file and its directory for SQLite; a role with write rights on a \
             primary, not a standby, for PostgreSQL)"
        )
    })?;
    Ok(store)
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://./x.db"), "sqlite://./x.db");
    }
}
