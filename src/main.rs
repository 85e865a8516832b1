use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use pennydrop::app::{App, AppConfig};
use pennydrop::config::{AchArgs, StorageArgs};
use pennydrop::output;
use pennydrop_calendar::CutoffSchedule;
use pennydrop_core::model::Mode;
use pennydrop_core::OsRandom;
use pennydrop_core::{AccountNumber, Clock, RoutingNumber, SystemClock};
use pennydrop_engine::access::{add_key_to_tenant, create_tenant_key, find_tenant};
use std::net::SocketAddr;
use std::path::PathBuf;
use uuid::Uuid;

/// Pennydrop: self-hosted bank-account verification (micro-deposits and instant verification)
/// behind a Moov-compatible API.
#[derive(Debug, Parser)]
#[command(name = "pennydrop", version)]
struct Cli {
    /// Log format.
    #[arg(long, env = "PENNYDROP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,

    /// A TOML configuration file: any option with a PENNYDROP_* variable, by its long name
    /// (`listen = "0.0.0.0:8080"`). Flags beat the environment, which beats the file.
    #[arg(long, env = "PENNYDROP_CONFIG", value_name = "PATH", global = true)]
    config: Option<PathBuf>,

    /// On an error, print its full chain of causes and a backtrace (as RUST_BACKTRACE=1 does).
    #[arg(long, global = true)]
    verbose: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service.
    Serve(ServeArgs),
    /// The ACH rail: cutoffs and NACHA files.
    #[command(subcommand)]
    Ach(AchCommand),
    /// The simulated bank network.
    #[command(subcommand)]
    Simulator(SimulatorCommand),
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Manage API keys.
    #[command(name = "api-keys", subcommand)]
    ApiKeys(ApiKeysCommand),
    /// A tenant's webhooks: list them, show their deliveries, send events again.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// Risk controls (docs/risk.md): the blocklist, pausing and resuming a tenant's new
    /// origination, recorded decisions, the annual-review report. Changes are audited with
    /// `cli:$USER` as the actor.
    #[command(subcommand)]
    Risk(RiskCommand),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PENNYDROP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// A second address serving only GET /metrics, without authentication (for a Prometheus
    /// scraper on a private network). On the API address /metrics needs an operator key.
    #[arg(long, env = "PENNYDROP_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    #[command(flatten)]
    pub storage: StorageArgs,
    /// FedACH participant directory file (155-character lines). Without it a small bundled
    /// sample names a few banks and unknown routing numbers get an empty bankName.
    #[arg(long, env = "PENNYDROP_FEDACH_DIRECTORY")]
    pub fedach_directory: Option<PathBuf>,
    /// Run the simulated bank network (instant rail and statements). It stays off when a real
    /// bank is configured (--odfi-routing, SFTP or a drop directory) unless --force-simulator.
    #[arg(long, env = "PENNYDROP_SIMULATOR", default_value_t = true, action = clap::ArgAction::Set)]
    pub simulator: bool,
    /// Run the simulated bank network even beside a real bank. Its simulated returns then
    /// change real verifications: for rehearsals only.
    #[arg(long, env = "PENNYDROP_FORCE_SIMULATOR", default_value_t = false)]
    pub force_simulator: bool,
    /// Fault injection for crash tests: keyed requests commit their change, then never answer.
    #[arg(
        long,
        hide = true,
        env = "PENNYDROP_FAULT_HANG_BEFORE_ANSWER",
        default_value_t = false
    )]
    pub fault_hang_before_answer: bool,
    /// ACH cutoff windows, wall-clock times in America/New_York on banking days.
    #[arg(
        long,
        env = "PENNYDROP_CUTOFF_WINDOWS",
        default_value = "10:00,14:15,16:15"
    )]
    pub cutoff_windows: String,
    /// Company name on the holder's statement (RTP debtor name, ACH company name).
    #[arg(long, env = "PENNYDROP_COMPANY_NAME", default_value = "PENNYDROP")]
    pub company_name: String,
    /// The address holders reach this service at; verification links are `{public-url}/v/{token}`
    /// (default: `http://` and the Host the API caller used, which is right when the platform and
    /// its holders reach the service at the same address; set it behind a proxy or TLS).
    #[arg(long, env = "PENNYDROP_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    #[command(flatten)]
    pub instant: pennydrop::instant::InstantArgs,
    /// Seconds between background expiry sweeps.
    #[arg(long, env = "PENNYDROP_EXPIRY_SWEEP_SECONDS", default_value_t = 60)]
    pub expiry_sweep_seconds: u64,
    /// Seconds a client has to send a request's headers (also closes idle keep-alive
    /// connections).
    #[arg(long, env = "PENNYDROP_HEADER_TIMEOUT_SECONDS", default_value_t = 10)]
    pub header_timeout_seconds: u64,
    /// Seconds a request body may go without sending data.
    #[arg(long, env = "PENNYDROP_BODY_TIMEOUT_SECONDS", default_value_t = 10)]
    pub body_timeout_seconds: u64,
    /// Requests per second a production tenant may make (Moov's limit); above it, 429.
    #[arg(long, env = "PENNYDROP_RATE_LIMIT_PRODUCTION", default_value_t = 40)]
    pub rate_limit_production: u32,
    /// Requests per second a sandbox tenant may make (Moov's limit); above it, 429.
    #[arg(long, env = "PENNYDROP_RATE_LIMIT_SANDBOX", default_value_t = 10)]
    pub rate_limit_sandbox: u32,
    /// Seconds a shutdown waits for requests in flight before exiting anyway.
    #[arg(long, env = "PENNYDROP_SHUTDOWN_GRACE_SECONDS", default_value_t = 30)]
    pub shutdown_grace_seconds: u64,
    /// Networks webhooks may reach besides the public internet, comma-separated CIDRs or
    /// addresses (e.g. 127.0.0.0/8 for a receiver on this machine). Loopback and private
    /// networks are refused unless listed; link-local (cloud metadata) always.
    #[arg(long, env = "PENNYDROP_WEBHOOK_ALLOW_NETWORKS", default_value = "")]
    pub webhook_allow_networks: String,
    /// Networks webhooks may never reach, comma-separated CIDRs or addresses.
    #[arg(long, env = "PENNYDROP_WEBHOOK_DENY_NETWORKS", default_value = "")]
    pub webhook_deny_networks: String,
    /// Seconds a webhook endpoint has to answer one delivery (then it is retried).
    #[arg(long, env = "PENNYDROP_WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10)]
    pub webhook_timeout_seconds: u64,
    /// Seconds a process holds the webhook deliveries it is sending before another process
    /// may take them over (it is presumed dead then); keep it above the timeout.
    #[arg(long, env = "PENNYDROP_WEBHOOK_LEASE_SECONDS", default_value_t = 60)]
    pub webhook_lease_seconds: u64,
    /// Risk settings for the whole deployment, as a JSON merge patch over the defaults
    /// (docs/risk.md), e.g. '{"tenantHourly":{"max":200}}'. Tenants' own overrides (admin API)
    /// apply on top.
    #[arg(
        long,
        env = "PENNYDROP_RISK",
        value_name = "JSON",
        default_value = "{}"
    )]
    pub risk: String,
    #[command(flatten)]
    pub ach: AchArgs,
}

// Parsed once per process; boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum AchCommand {
    /// Run a cutoff now: pending entries leave in a NACHA file in the outbox.
    Cutoff {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(flatten)]
        ach: AchArgs,
        /// Company name on the holder's statement (ACH company name).
        #[arg(long, env = "PENNYDROP_COMPANY_NAME", default_value = "PENNYDROP")]
        company_name: String,
        /// ACH cutoff windows, wall-clock times in America/New_York on banking days.
        #[arg(
            long,
            env = "PENNYDROP_CUTOFF_WINDOWS",
            default_value = "10:00,14:15,16:15"
        )]
        cutoff_windows: String,
    },
    /// Apply the returns and notifications of change waiting in the inbox now (pulled from the
    /// bank first when delivery is configured); prints what was applied as JSON.
    Inbox {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(flatten)]
        ach: AchArgs,
    },
    /// List the entries cutoffs held back because they would have broken the file (JSON lines:
    /// entry, verification, rule, reason; never the account number).
    Held {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Summarize NACHA files, or list their errors (exit status 1 if any is invalid).
    Inspect {
        /// The NACHA files to read; each is reported.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum SimulatorCommand {
    /// Run the simulated network's ISO 20022 endpoint alone (what `serve` starts on a loopback
    /// port), for a Pennydrop started with --instant-connector-url pointing at it.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: SocketAddr,
        /// The RTP participants the simulated banks are (default: the bundled sample).
        #[arg(long, value_name = "FILE")]
        rtp_participants: Option<PathBuf>,
        /// The FedNow participants the simulated banks are (default: the bundled sample).
        #[arg(long, value_name = "FILE")]
        fednow_participants: Option<PathBuf>,
        /// Seconds the no-answer account's request is held before a 504.
        #[arg(long, default_value_t = 60)]
        hold_seconds: u64,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Print a simulated account's statement (what the holder would see) as JSON lines.
    Statement {
        /// The simulated account's routing number (9 digits).
        #[arg(long)]
        routing: String,
        /// The simulated account's account number.
        #[arg(long)]
        account: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ApiKeysCommand {
    /// Create a key pair and print it once as JSON. Without --account, creates a new tenant.
    Create {
        /// A name for the key, to recognise it in `api-keys list`.
        #[arg(long)]
        name: String,
        /// Sandbox tenant: verifications never reach a rail.
        #[arg(long)]
        sandbox: bool,
        /// Add the key to this existing tenant (facilitator account ID) instead.
        #[arg(long, conflicts_with = "sandbox")]
        account: Option<Uuid>,
        /// An operator key: may use the admin API (ACH files, cutoffs, monitoring).
        #[arg(long)]
        operator: bool,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// List key pairs (public keys only) as JSON lines.
    List {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Revoke a key pair; its access tokens stop working at once.
    Revoke {
        /// The public key of the pair to revoke.
        public_key: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Debug, Subcommand)]
enum WebhooksCommand {
    /// List the tenant's webhooks as JSON lines (never their secrets).
    List {
        /// The tenant: its facilitator account ID (`accountID` printed by `api-keys create`).
        #[arg(long, value_name = "ACCOUNT_ID")]
        tenant: Uuid,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// A webhook's deliveries, newest first, as JSON lines: status, attempts, last answer,
    /// next attempt.
    Deliveries {
        /// The tenant: its facilitator account ID (`accountID` printed by `api-keys create`).
        #[arg(long, value_name = "ACCOUNT_ID")]
        tenant: Uuid,
        /// The webhook (`webhookID`, as `webhooks list` prints it).
        webhook_id: Uuid,
        /// How many deliveries to show, newest first (1 to 1000).
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=1000))]
        count: i64,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Send events to a webhook again: one event, or every event since a time. Their
    /// deliveries become pending, due now; a running `serve` sends them within a second.
    /// Prints `{"replayed": N}`.
    Replay {
        /// The tenant: its facilitator account ID (`accountID` printed by `api-keys create`).
        #[arg(long, value_name = "ACCOUNT_ID")]
        tenant: Uuid,
        /// The webhook (`webhookID`, as `webhooks list` prints it).
        webhook_id: Uuid,
        #[command(flatten)]
        what: ReplayWhat,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Debug, Subcommand)]
enum RiskCommand {
    /// Let a bank account whose verification rounds ran out start again: its rounds count
    /// from now and it becomes `new / admin-action`. Audited with the reason and `cli:$USER`.
    /// Prints the bank account's ID, status, status reason and unlock time as JSON.
    Unlock {
        /// The bank account (`bankAccountID`).
        #[arg(long = "bank-account", value_name = "BANK_ACCOUNT_ID")]
        bank_account: Uuid,
        /// Why it is unlocked (kept in the audit trail).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// The blocklist: routing numbers and bank accounts no tenant may verify.
    #[command(subcommand)]
    Blocklist(BlocklistCommand),
    /// Pause a tenant's new verifications (what the return-rate rule does by itself).
    Pause(TenantAction),
    /// Lift a tenant's pause.
    Resume(TenantAction),
    /// Recorded risk decisions, newest first, as JSON lines.
    Decisions {
        /// Only this tenant's (its facilitator account ID).
        #[arg(long, value_name = "ACCOUNT_ID")]
        tenant: Option<Uuid>,
        /// Only this rule's (e.g. velocity.tenant-hourly).
        #[arg(long)]
        rule: Option<String>,
        /// How many (1 to 500).
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=500))]
        count: i64,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// The annual-review evidence for a period: forward and returned entries per tenant and
    /// Nacha return class, rule hits, pauses and resumes, blocklist changes, unlocks and
    /// settings changes with who made them (docs/risk.md, "The annual-review report").
    Report {
        /// Start of the period: a date (YYYY-MM-DD, from 00:00 UTC) or an RFC 3339 time.
        #[arg(long, value_name = "DATE")]
        from: String,
        /// End of the period: a date (YYYY-MM-DD, that UTC day included) or an RFC 3339 time
        /// (excluded).
        #[arg(long, value_name = "DATE")]
        to: String,
        /// json (one document) or csv (RFC 4180, one record per line, for a spreadsheet).
        #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
        format: ReportFormat,
        /// The deployment's risk settings, as given to `serve` (its thresholds are reported
        /// beside the rates).
        #[arg(
            long,
            env = "PENNYDROP_RISK",
            value_name = "JSON",
            default_value = "{}"
        )]
        risk: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

/// `risk pause` and `risk resume`: which tenant, and why.
#[derive(Debug, clap::Args)]
struct TenantAction {
    /// The tenant: its facilitator account ID.
    #[arg(long, value_name = "ACCOUNT_ID")]
    tenant: Uuid,
    /// Why, for the audit trail.
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Debug, Subcommand)]
enum BlocklistCommand {
    /// The entries, as JSON lines.
    List {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Block a routing number, or one bank account's details (by a linked bank account's ID,
    /// or with --account-number-stdin so the number stays out of shell history).
    Add {
        /// A routing number to block (alone), or the routing number of the details to block.
        #[arg(long, value_name = "ROUTING")]
        routing: Option<String>,
        /// Read the account number from standard input (with --routing).
        #[arg(long, requires = "routing")]
        account_number_stdin: bool,
        /// Block the details of this linked bank account (any tenant's).
        #[arg(long, value_name = "BANK_ACCOUNT_ID", conflicts_with_all = ["routing", "account_number_stdin"])]
        bank_account: Option<Uuid>,
        /// Why, for the audit trail.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Remove an entry by its ID (`routing:...` or `fingerprint:...`, as `list` prints it).
    Remove {
        /// The entry's ID (`routing:021000021`, `fingerprint:...`).
        entry_id: String,
        /// Why, for the audit trail.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Json,
    Csv,
}

/// Which events `webhooks replay` sends again: exactly one of the two.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
struct ReplayWhat {
    /// The one event to send again (its `eventID`, as `webhooks deliveries` prints it).
    #[arg(long, value_name = "EVENT_ID")]
    event: Option<Uuid>,
    /// Send again every event written at or after this time (RFC 3339, e.g.
    /// 2026-12-02T15:00:00Z).
    #[arg(long, value_name = "RFC3339")]
    since: Option<jiff::Timestamp>,
}

/// Logs go to stderr, with colours only when stderr is a terminal (a file or journald gets
/// plain text).
fn init_logging(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("PENNYDROP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn open_store(
    storage: &StorageArgs,
) -> anyhow::Result<std::sync::Arc<dyn pennydrop_store::Store>> {
    storage.ensure_data_dir()?;
    pennydrop::app::open_database(&storage.database_url()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

/// Errors end the process with one line, `error: ...` and its causes, and status 1; the full
/// chain and a backtrace only when asked (--verbose, RUST_BACKTRACE). Output cut short by a
/// reader that went away (`| head`) ends it quietly.
fn main() -> std::process::ExitCode {
    let cli = match parse_cli() {
        Ok(cli) => cli,
        Err(err) => return report(&err, false),
    };
    if cli.verbose && std::env::var_os("RUST_BACKTRACE").is_none() {
        // Before any thread starts: anyhow captures backtraces when this is set.
        std::env::set_var("RUST_LIB_BACKTRACE", "1");
    }
    init_logging(cli.log_format);
    let verbose = cli.verbose;
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
        .and_then(|runtime| runtime.block_on(run(cli)));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => report(&err, verbose),
    }
}

fn report(err: &anyhow::Error, verbose: bool) -> std::process::ExitCode {
    if output::is_broken_pipe(err) {
        return std::process::ExitCode::SUCCESS;
    }
    if verbose || std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
        let _ = output::note(format_args!("error: {err:?}"));
    } else {
        let _ = output::note(format_args!(
            "error: {}",
            format!("{err:#}").replace('\n', " ")
        ));
    }
    std::process::ExitCode::FAILURE
}

/// The command line, over the configuration file's values (see `pennydrop::settings_file`).
fn parse_cli() -> anyhow::Result<Cli> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut command = Cli::command();
    if let Some(path) = pennydrop::settings_file::path_from(&args) {
        let values = pennydrop::settings_file::load(&path)?;
        command = pennydrop::settings_file::apply(command, &values, &path)?;
    }
    let matches = command
        .try_get_matches_from(args)
        .unwrap_or_else(|e| e.exit());
    Ok(Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit()))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Simulator(SimulatorCommand::Statement {
            routing,
            account,
            storage,
        }) => statement(&routing, &account, &storage).await,
        Command::Simulator(SimulatorCommand::Serve {
            listen,
            rtp_participants,
            fednow_participants,
            hold_seconds,
            storage,
        }) => {
            let instant = pennydrop::instant::InstantConfig {
                rtp_participants,
                fednow_participants,
                simulator_hold: std::time::Duration::from_secs(hold_seconds),
                ..Default::default()
            };
            simulator_serve(listen, &instant, &storage).await
        }
        Command::Ach(AchCommand::Cutoff {
            storage,
            ach,
            company_name,
            cutoff_windows,
        }) => cutoff(storage, &ach, company_name, &cutoff_windows).await,
        Command::Ach(AchCommand::Inbox { storage, ach }) => inbox(storage, &ach).await,
        Command::Ach(AchCommand::Held { storage }) => held(&storage).await,
        Command::Ach(AchCommand::Inspect { files, json }) => inspect(&files, json),
        Command::Migrate { storage } => {
            open_store(&storage).await?;
            output::note(format_args!(
                "migrations applied to {}",
                pennydrop::app::redact_url(&storage.database_url())
            ))?;
            Ok(())
        }
        Command::ApiKeys(command) => api_keys(command).await,
        Command::Webhooks(command) => webhooks(command).await,
        Command::Risk(command) => risk(command).await,
    }
}

/// `pennydrop serve`: check the configuration, bind, open and check the database, then
/// create the first-start key, print the banner and serve until a signal. Nothing is written
/// before the address is bound.
async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let (listen, metrics_listen) = (args.listen, args.metrics_listen);
    let config = serve_config(args)?;
    let listener = bind(listen, "--listen (PENNYDROP_LISTEN)").await?;
    let metrics = match metrics_listen {
        Some(addr) => Some(bind(addr, "--metrics-listen (PENNYDROP_METRICS_LISTEN)").await?),
        None => None,
    };
    let mut app = App::build(config).await?;
    let address = listener.local_addr()?;
    banner(&app, address);
    if let Some(metrics) = metrics {
        let at = metrics.local_addr()?;
        tracing::info!(address = %at, "metrics listening");
        let _ = output::line(format_args!("metrics on http://{at}/metrics"));
        app = app.with_metrics_listener(metrics);
    }
    tracing::info!(%address, "pennydrop listening");
    let _ = output::line(format_args!("listening on http://{address}"));
    app.serve(listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn bind(addr: SocketAddr, flag: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!(
            "cannot listen on {addr}: another program may be using it; stop it or choose \
             another address with {flag}"
        )
    })
}

/// The first start's key pair, on stdout only and once (the log has the public key only).
/// Printing is best effort: a console that is gone must not stop the server.
fn banner(app: &App, address: SocketAddr) {
    let Some(key) = &app.bootstrap_key else {
        return;
    };
    let Ok(json) = serde_json::to_string(key) else {
        return;
    };
    let printed = output::line(
        "First start: created a sandbox API key. Keep the secret; it is not shown again.",
    )
    .and_then(|_| output::line(&json))
    .and_then(|_| {
        output::line(format_args!(
            "Try: curl -u '{}:SECRET_KEY' http://{address}/accounts/{}",
            key.public_key, key.account_id
        ))
    });
    if let Err(e) = printed {
        tracing::warn!(error = %e, "could not print the first-start key to stdout");
    }
}

/// The service's configuration from the flags (parsing only: nothing is touched yet).
fn serve_config(args: ServeArgs) -> anyhow::Result<AppConfig> {
    let mut config = AppConfig::new(args.storage);
    config.fedach_directory = args.fedach_directory;
    config.simulator = args.simulator;
    config.force_simulator = args.force_simulator;
    config.settings.hang_before_keeping_answers = args.fault_hang_before_answer;
    config.engine.schedule =
        CutoffSchedule::parse(&args.cutoff_windows).context("--cutoff-windows")?;
    config.engine.company_name = args.company_name;
    // Not the listen address: with port 0, or 0.0.0.0, it is no address a holder can open.
    config.settings.public_url = args.public_url.map(|u| u.trim_end_matches('/').to_string());
    config.instant = args.instant.config();
    config.engine.status_after =
        jiff::SignedDuration::from_secs(args.instant.instant_status_after_seconds.max(1) as i64);
    config.sweep_every = std::time::Duration::from_secs(args.expiry_sweep_seconds.max(1));
    config.engine.rate_limits.production_per_second = args.rate_limit_production;
    config.engine.rate_limits.sandbox_per_second = args.rate_limit_sandbox;
    config.engine.webhook_networks = pennydrop_engine::webhooks::NetworkPolicy {
        allow: pennydrop_engine::webhooks::NetworkPolicy::parse_list(&args.webhook_allow_networks)
            .map_err(|e| anyhow::anyhow!("--webhook-allow-networks: {e}"))?,
        deny: pennydrop_engine::webhooks::NetworkPolicy::parse_list(&args.webhook_deny_networks)
            .map_err(|e| anyhow::anyhow!("--webhook-deny-networks: {e}"))?,
    };
    config.webhook_timeout = std::time::Duration::from_secs(args.webhook_timeout_seconds.max(1));
    config.engine.webhook_lease =
        jiff::SignedDuration::from_secs(args.webhook_lease_seconds.max(1).try_into().unwrap_or(60));
    config.limits = pennydrop::http::Limits {
        header_timeout: std::time::Duration::from_secs(args.header_timeout_seconds.max(1)),
        body_timeout: std::time::Duration::from_secs(args.body_timeout_seconds.max(1)),
        shutdown_grace: std::time::Duration::from_secs(args.shutdown_grace_seconds),
    };
    let risk: serde_json::Value =
        serde_json::from_str(&args.risk).context("--risk: not valid JSON")?;
    config.engine.risk = pennydrop_engine::risk::RiskSettings::default()
        .patched(&risk)
        .map_err(|e| anyhow::anyhow!("--risk: {e}"))?;
    configure_ach(&mut config, &args.ach)?;
    config.settlement_delay =
        jiff::SignedDuration::from_secs(args.ach.settlement_delay_seconds.max(0));
    Ok(config)
}

/// The ODFI and the delivery transport from the ACH flags.
fn configure_ach(config: &mut AppConfig, ach: &AchArgs) -> anyhow::Result<()> {
    config.odfi = ach.odfi(&config.engine.company_name)?;
    config.sftp = ach.sftp()?;
    config.drop_dir = ach.ach_drop_dir.clone();
    Ok(())
}

/// `pennydrop simulator serve`: the simulated network's ISO 20022 endpoint, until Ctrl-C or
/// SIGTERM. It posts to the statements in the given storage.
async fn simulator_serve(
    listen: SocketAddr,
    instant: &pennydrop::instant::InstantConfig,
    storage: &StorageArgs,
) -> anyhow::Result<()> {
    let store = open_store(storage).await?;
    let vault = std::sync::Arc::new(pennydrop::config::load_vault(&storage.data_dir)?);
    let clock: std::sync::Arc<dyn pennydrop_core::Clock> =
        std::sync::Arc::new(pennydrop_core::SystemClock);
    let bank = std::sync::Arc::new(pennydrop_rails::SimulatedBank::new(
        store,
        vault,
        clock.clone(),
    ));
    let endpoint = pennydrop_rails::instant::Endpoint::new(
        bank,
        instant.routing()?,
        clock,
        instant.simulator_hold,
    );
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let address = listener.local_addr()?;
    output::line(format_args!(
        "simulated network: ISO 20022 endpoint at http://{address}{}",
        pennydrop_rails::instant::endpoint::PATH
    ))?;
    axum::serve(listener, endpoint.router())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the simulated network's endpoint")
}

/// `pennydrop simulator statement`.
async fn statement(routing: &str, account: &str, storage: &StorageArgs) -> anyhow::Result<()> {
    let store = open_store(storage).await?;
    let vault = pennydrop::config::load_vault(&storage.data_dir)?;
    let routing = RoutingNumber::parse(routing).context("--routing")?;
    let account = AccountNumber::parse(account).context("--account")?;
    for line in store
        .simulator_statement(&vault.fingerprint(&routing, &account))
        .await?
    {
        let line = pennydrop_rails::simulator::open_line(&vault, line)?;
        output::line(serde_json::to_string(&line)?)?;
    }
    Ok(())
}

/// `pennydrop ach cutoff`: finish files left behind, then cut off everything pending.
async fn cutoff(
    storage: StorageArgs,
    ach: &AchArgs,
    company_name: String,
    cutoff_windows: &str,
) -> anyhow::Result<()> {
    let mut config = AppConfig::new(storage);
    config.engine.company_name = company_name;
    config.engine.schedule = CutoffSchedule::parse(cutoff_windows).context("--cutoff-windows")?;
    configure_ach(&mut config, ach)?;
    config.simulator = false;
    let progress = pennydrop::progress::TerminalProgress::stderr();
    config.progress = std::sync::Arc::new(progress.clone());
    let app = App::build(config).await?;
    let rail = app.ach.clone();
    rail.finish_pending().await?;
    let cut = rail.cutoff_now().await;
    progress.finish();
    match cut? {
        Some(file) => output::line(
            serde_json::json!({"fileID": file.file_id, "fileName": file.file_name, "entryCount": file.entry_count,
                "totalCreditCents": file.total_credit_cents, "totalDebitCents": file.total_debit_cents}),
        )?,
        None => output::note("nothing pending")?,
    }
    Ok(())
}

/// `pennydrop ach inbox`: the inbox applied once, as the background rail would.
async fn inbox(storage: StorageArgs, ach: &AchArgs) -> anyhow::Result<()> {
    let mut config = AppConfig::new(storage);
    configure_ach(&mut config, ach)?;
    config.simulator = false;
    let app = App::build(config).await?;
    let report = app.ach.process_inbox().await?;
    output::line(
        serde_json::json!({"files": report.files, "returns": report.returns,
        "nocs": report.nocs, "unmatched": report.unmatched, "repeated": report.repeated,
        "quarantined": report.quarantined}),
    )?;
    Ok(())
}

/// `pennydrop ach held`: the entries cutoffs held back, newest first.
async fn held(storage: &StorageArgs) -> anyhow::Result<()> {
    let store = open_store(storage).await?;
    for h in store.held_entries(1000).await? {
        let line = serde_json::json!({
            "entryID": h.entry.entry_id,
            "verificationID": h.entry.verification_id,
            "bankAccountID": h.entry.bank_account_id,
            "tenantID": h.entry.tenant_id,
            "amountCents": h.entry.visible_amount(),
            "isCredit": h.entry.is_credit,
            "rule": h.rule,
            "reason": h.reason,
            "heldOn": h.held_on.to_string(),
        });
        output::line(line)?;
    }
    Ok(())
}

/// `pennydrop ach inspect FILE...`: each file's summary, or its errors; exit status 1 if any
/// file is invalid. A file that reads but breaks a rule of the validator (what moov-io/ach
/// refuses too: blank receiver names, check digits, zero amounts, trace order, SEC rules, ...)
/// is invalid as well.
fn inspect(files: &[PathBuf], json: bool) -> anyhow::Result<()> {
    let mut invalid = 0;
    for file in files {
        if !inspect_one(file, json, files.len() > 1)? {
            invalid += 1;
        }
    }
    if invalid > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// Reports one file; whether it is valid. Errors only when stdout cannot be written. The file is
/// read and validated batch by batch (`nacha::Reader`, `nacha::Validator`), so memory stays
/// near one batch plus what the rules across batches keep per entry, whatever the file's size;
/// a progress bar shows the bytes read on a terminal.
fn inspect_one(file: &std::path::Path, json: bool, several: bool) -> anyhow::Result<bool> {
    let (summary, errors) = match read_and_validate(file) {
        Ok(read) => read,
        Err(problem) => {
            output::note(format_args!("{}: {problem}", file.display()))?;
            return Ok(false);
        }
    };
    if !errors.is_empty() {
        for e in errors {
            output::note(format_args!("{}: {} ({})", file.display(), e, e.rule))?;
        }
        return Ok(false);
    }
    if json {
        let mut value = serde_json::to_value(&summary)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("file".into(), file.display().to_string().into());
        }
        output::line(serde_json::to_string_pretty(&value)?)?;
    } else {
        if several {
            output::line(format_args!("{}:", file.display()))?;
        }
        output::text(&inspect_text(&summary))?;
    }
    Ok(true)
}

/// Why a file could not be read as NACHA at all.
#[derive(Debug)]
enum InspectProblem {
    Io(std::io::Error),
    Read(nacha::ReadError),
}

impl std::fmt::Display for InspectProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "cannot read: {e}"),
            Self::Read(e) => e.fmt(f),
        }
    }
}

impl From<std::io::Error> for InspectProblem {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<nacha::ReadError> for InspectProblem {
    fn from(e: nacha::ReadError) -> Self {
        Self::Read(e)
    }
}

/// The file's summary and every rule it breaks.
fn read_and_validate(
    path: &std::path::Path,
) -> Result<(nacha::Summary, Vec<nacha::ValidationError>), InspectProblem> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let progress = pennydrop::progress::TerminalProgress::stderr();
    let input = progress
        .bytes(&format!("reading {}", path.display()), size)
        .wrap_read(file);
    let result = validate_stream(std::io::BufReader::with_capacity(1 << 16, input));
    progress.finish();
    result
}

fn validate_stream(
    input: impl std::io::BufRead,
) -> Result<(nacha::Summary, Vec<nacha::ValidationError>), InspectProblem> {
    let mut reader = nacha::Reader::new(input);
    let mut validator: Option<nacha::Validator> = None;
    let mut batches = Vec::new();
    while let Some(batch) = reader.next_batch()? {
        let v = match (validator.as_mut(), reader.file_header()) {
            (Some(v), _) => v,
            (None, Some(header)) => validator.insert(nacha::Validator::new(header)),
            (None, None) => continue, // the reader reports a missing header itself
        };
        v.batch(&batch);
        batches.push(nacha::BatchSummary::of(&batch));
    }
    // After the last batch the reader has checked the file control (or returned its error).
    let (Some(header), Some(control)) = (reader.file_header(), reader.file_control()) else {
        return Err(InspectProblem::Read(nacha::ReadError {
            line: reader.line().max(1),
            field: None,
            reason: "missing file control record".into(),
            kind: nacha::ReadErrorKind::MissingFileControl,
        }));
    };
    let validator = validator.unwrap_or_else(|| nacha::Validator::new(header));
    let errors = validator.finish(control);
    Ok((nacha::Summary::from_batches(header, batches), errors))
}

/// `pennydrop api-keys create | list | revoke`.
async fn api_keys(command: ApiKeysCommand) -> anyhow::Result<()> {
    let clock = SystemClock;
    match command {
        ApiKeysCommand::Create {
            name,
            sandbox,
            account,
            operator,
            storage,
        } => {
            let store = open_store(&storage).await?;
            let mode = if sandbox {
                Mode::Sandbox
            } else {
                Mode::Production
            };
            let created = match account {
                Some(tenant) => add_key_to_tenant(store.as_ref(), &clock, &name, tenant).await?,
                None => create_tenant_key(store.as_ref(), &clock, &OsRandom, &name, mode).await?,
            };
            if operator {
                store.set_operator(&created.public_key, true).await?;
            }
            output::line(serde_json::to_string(&created)?)?;
        }
        ApiKeysCommand::List { storage } => {
            let store = open_store(&storage).await?;
            for key in store.list_api_keys().await? {
                let line = serde_json::json!({
                    "publicKey": key.public_key,
                    "name": key.name,
                    "accountID": key.account_id,
                    "mode": key.mode,
                    "createdOn": key.created_on.to_string(),
                    "revokedOn": key.revoked_on.map(|t| t.to_string()),
                });
                output::line(line)?;
            }
        }
        ApiKeysCommand::Revoke {
            public_key,
            storage,
        } => {
            let store = open_store(&storage).await?;
            if !store.revoke_api_key(&public_key, clock.now()).await? {
                anyhow::bail!("no active API key {public_key}");
            }
            output::note(format_args!("revoked {public_key}"))?;
        }
    }
    Ok(())
}

/// The engine over the data directory's database, acting for the tenant whose facilitator
/// account is `tenant`. No rail and no webhook sender: deliveries go out from `serve`.
async fn tenant_engine(
    storage: &StorageArgs,
    tenant: Uuid,
) -> anyhow::Result<(pennydrop_engine::Engine, pennydrop_engine::accounts::Tenant)> {
    let store = open_store(storage).await?;
    let tenant = find_tenant(store.as_ref(), tenant).await?;
    let engine = engine_over(store, storage)?;
    Ok((engine, tenant))
}

/// `pennydrop webhooks list | deliveries | replay`: JSON lines, in the API's shapes.
async fn webhooks(command: WebhooksCommand) -> anyhow::Result<()> {
    match command {
        WebhooksCommand::List { tenant, storage } => {
            let (engine, tenant) = tenant_engine(&storage, tenant).await?;
            for webhook in engine.webhooks(tenant).await? {
                output::line(pennydrop_api::webhook_json(&webhook))?;
            }
        }
        WebhooksCommand::Deliveries {
            tenant,
            webhook_id,
            count,
            storage,
        } => {
            let (engine, tenant) = tenant_engine(&storage, tenant).await?;
            for delivery in engine.webhook_deliveries(tenant, webhook_id, count).await? {
                output::line(pennydrop_api::delivery_json(&delivery))?;
            }
        }
        WebhooksCommand::Replay {
            tenant,
            webhook_id,
            what,
            storage,
        } => {
            let (engine, tenant) = tenant_engine(&storage, tenant).await?;
            let n = engine
                .replay_webhook(tenant, webhook_id, what.since, what.event)
                .await?;
            output::line(serde_json::json!({ "replayed": n }))?;
        }
    }
    Ok(())
}

/// The engine over the data directory's database, for operator commands.
async fn operator_engine(storage: &StorageArgs) -> anyhow::Result<pennydrop_engine::Engine> {
    engine_over(open_store(storage).await?, storage)
}

/// The engine over `store` with the data directory's keys, the wall clock and no rail.
fn engine_over(
    store: std::sync::Arc<dyn pennydrop_engine::ports::Store>,
    storage: &StorageArgs,
) -> anyhow::Result<pennydrop_engine::Engine> {
    let vault = std::sync::Arc::new(pennydrop::config::load_vault(&storage.data_dir)?);
    Ok(pennydrop_engine::Engine::new(
        store,
        vault,
        std::sync::Arc::new(SystemClock),
        std::sync::Arc::new(pennydrop_engine::rail::NoInstantRail),
        pennydrop_engine::EngineConfig::default(),
    ))
}

/// Who acts from the command line, in the risk audit trail.
fn cli_actor() -> String {
    let user = std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty() && u.chars().all(|c| c.is_ascii_graphic()));
    match user {
        Some(u) => format!("cli:{u}"),
        None => "cli".into(),
    }
}

/// `pennydrop risk blocklist list | add | remove`.
async fn blocklist(command: BlocklistCommand) -> anyhow::Result<()> {
    use pennydrop_engine::risk::BlockTarget;
    match command {
        BlocklistCommand::List { storage } => {
            for entry in operator_engine(&storage).await?.blocklist().await? {
                output::line(pennydrop_api::block_json(&entry))?;
            }
        }
        BlocklistCommand::Add {
            routing,
            account_number_stdin,
            bank_account,
            reason,
            storage,
        } => {
            let target = match (routing, bank_account) {
                (Some(r), None) => {
                    let routing = RoutingNumber::parse(&r).map_err(|e| anyhow::anyhow!("--routing: {e}"))?;
                    if account_number_stdin {
                        let mut line = String::new();
                        std::io::stdin().read_line(&mut line)?;
                        let number = pennydrop_core::AccountNumber::parse(line.trim())
                            .map_err(|e| anyhow::anyhow!("account number on stdin: {e}"))?;
                        BlockTarget::Details(routing, number)
                    } else {
                        BlockTarget::Routing(routing)
                    }
                }
                (None, Some(id)) => BlockTarget::BankAccount(id),
                _ => anyhow::bail!("give --routing (with --account-number-stdin for one bank account) or --bank-account"),
            };
            let engine = operator_engine(&storage).await?;
            let entry = engine.block(&cli_actor(), &target, &reason).await?;
            output::line(pennydrop_api::block_json(&entry))?;
        }
        BlocklistCommand::Remove {
            entry_id,
            reason,
            storage,
        } => {
            let engine = operator_engine(&storage).await?;
            engine.unblock(&cli_actor(), &entry_id, &reason).await?;
            output::note(format_args!("removed {entry_id}"))?;
        }
    }
    Ok(())
}

/// `pennydrop risk ...`: JSON lines in the admin API's shapes.
async fn risk(command: RiskCommand) -> anyhow::Result<()> {
    match command {
        RiskCommand::Unlock {
            bank_account,
            reason,
            storage,
        } => {
            let engine = operator_engine(&storage).await?;
            let b = engine
                .unlock_bank_account(&cli_actor(), bank_account, &reason)
                .await?;
            output::line(serde_json::json!({
                "bankAccountID": b.bank_account_id,
                "status": b.status,
                "statusReason": b.status_reason,
                "unlockedOn": b.unlocked_on.map(|t| t.to_string()),
            }))?;
        }
        RiskCommand::Blocklist(command) => blocklist(command).await?,
        RiskCommand::Pause(a) => {
            let engine = operator_engine(&a.storage).await?;
            engine
                .pause_tenant(&cli_actor(), a.tenant, &a.reason)
                .await?;
            output::note(format_args!("paused {}", a.tenant))?;
        }
        RiskCommand::Resume(a) => {
            let engine = operator_engine(&a.storage).await?;
            engine
                .resume_tenant(&cli_actor(), a.tenant, &a.reason)
                .await?;
            output::note(format_args!("resumed {}", a.tenant))?;
        }
        RiskCommand::Decisions {
            tenant,
            rule,
            count,
            storage,
        } => {
            let rule = rule
                .map(|r| {
                    pennydrop_core::risk::RiskRule::parse(&r).ok_or_else(|| {
                        anyhow::anyhow!(
                            "--rule: {r:?} is not one of {}",
                            pennydrop_core::risk::RiskRule::expected()
                        )
                    })
                })
                .transpose()?;
            let filter = pennydrop_engine::ports::DecisionFilter {
                tenant_id: tenant,
                rule,
                limit: count,
                ..Default::default()
            };
            let engine = operator_engine(&storage).await?;
            for (seq, d) in engine.risk_decisions(&filter).await? {
                output::line(pennydrop_api::decision_json(seq, &d))?;
            }
        }
        RiskCommand::Report {
            from,
            to,
            format,
            risk,
            storage,
        } => risk_report(&from, &to, format, &risk, &storage).await?,
    }
    Ok(())
}

/// `pennydrop risk report`: the annual-review evidence, JSON or CSV, on stdout.
async fn risk_report(
    from: &str,
    to: &str,
    format: ReportFormat,
    risk: &str,
    storage: &StorageArgs,
) -> anyhow::Result<()> {
    let (from, to) = pennydrop_engine::risk::report::parse_period(from, to)
        .map_err(|e| anyhow::anyhow!("--{e}"))?;
    let patch: serde_json::Value = serde_json::from_str(risk).context("--risk: not valid JSON")?;
    let config = pennydrop_engine::EngineConfig {
        risk: pennydrop_engine::risk::RiskSettings::default()
            .patched(&patch)
            .map_err(|e| anyhow::anyhow!("--risk: {e}"))?,
        ..Default::default()
    };
    let store = open_store(storage).await?;
    // The report reads no account number, so the engine gets a throwaway vault
    // instead of the data directory's keys.
    let vault = pennydrop_core::crypto::Vault::new(
        pennydrop_core::crypto::SecretKey::generate(),
        vec![],
        None,
    );
    let engine = pennydrop_engine::Engine::new(
        store,
        std::sync::Arc::new(vault),
        std::sync::Arc::new(SystemClock),
        std::sync::Arc::new(pennydrop_engine::rail::NoInstantRail),
        config,
    );
    let report = engine.risk_report(from, to).await?;
    match format {
        ReportFormat::Json => output::line(serde_json::to_string_pretty(&report.to_json())?)?,
        ReportFormat::Csv => output::text(&report.to_csv())?,
    }
    Ok(())
}

fn cents(c: u64) -> String {
    pennydrop_core::money::dollars(i64::try_from(c).unwrap_or(i64::MAX))
}

/// A human-readable summary for `pennydrop ach inspect`.
fn inspect_text(s: &nacha::Summary) -> String {
    let mut out = format!(
        "file {} -> {} ({} -> {}), created {} modifier {}\n{} batch(es), {} entries, {} addenda, debits {}, credits {}, {} block(s)\n",
        s.immediate_origin.trim(),
        s.immediate_destination.trim(),
        s.origin_name,
        s.destination_name,
        s.creation_date,
        s.file_id_modifier,
        s.batch_count,
        s.entry_count,
        s.addenda_count,
        cents(s.total_debit_cents),
        cents(s.total_credit_cents),
        s.block_count,
    );
    for b in &s.batches {
        out.push_str(&format!(
            "  batch {} {} {} \"{}\" {} effective {}: {} entries, debits {}, credits {}, {} return(s), {} NOC(s)\n",
            b.batch_number,
            b.sec_code,
            b.service_class.code(),
            b.company_name,
            b.company_entry_description,
            b.effective_entry_date.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
            b.entry_count,
            cents(b.total_debit_cents),
            cents(b.total_credit_cents),
            b.return_count,
            b.noc_count,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every argument anywhere in the tree, by its command path, that has no help text.
    fn undocumented(command: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            let builtin = ["help", "version"].contains(&id);
            if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                out.push(format!("{path} {id}"));
            }
        }
        for sub in command.get_subcommands() {
            undocumented(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_argument_has_help_text() {
        let mut command = Cli::command();
        command.build();
        let mut missing = Vec::new();
        undocumented(&command, "pennydrop", &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:?}");
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
