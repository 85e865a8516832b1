use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use pennydrop::app::{App, AppConfig};
use pennydrop::config::{AchArgs, StorageArgs};
use pennydrop_calendar::CutoffSchedule;
use pennydrop_core::model::Mode;
use pennydrop_core::OsRandom;
use pennydrop_core::{AccountNumber, Clock, RoutingNumber, SystemClock};
use pennydrop_engine::access::{add_key_to_tenant, create_tenant_key};
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
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PENNYDROP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
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
    /// Comma-separated routing numbers the simulated network reaches over RTP (default: the
    /// simulated bank and a few large banks).
    #[arg(long, env = "PENNYDROP_INSTANT_ROUTING_NUMBERS", value_delimiter = ',')]
    pub instant_routing_numbers: Option<Vec<String>>,
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
        #[arg(long, env = "PENNYDROP_COMPANY_NAME", default_value = "PENNYDROP")]
        company_name: String,
        #[arg(
            long,
            env = "PENNYDROP_CUTOFF_WINDOWS",
            default_value = "10:00,14:15,16:15"
        )]
        cutoff_windows: String,
    },
    /// List the entries cutoffs held back because they would have broken the file (JSON lines:
    /// entry, verification, rule, reason; never the account number).
    Held {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Summarize a NACHA file, or list its errors (exit status 1 if it is invalid).
    Inspect {
        file: PathBuf,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum SimulatorCommand {
    /// Print a simulated account's statement (what the holder would see) as JSON lines.
    Statement {
        #[arg(long)]
        routing: String,
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
        public_key: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PENNYDROP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
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
    let url = storage.database_url();
    let store = pennydrop_store::connect(&url)
        .await
        .with_context(|| format!("opening database {}", pennydrop::app::redact_url(&url)))?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Simulator(SimulatorCommand::Statement {
            routing,
            account,
            storage,
        }) => statement(&routing, &account, &storage).await,
        Command::Ach(AchCommand::Cutoff {
            storage,
            ach,
            company_name,
            cutoff_windows,
        }) => cutoff(storage, &ach, company_name, &cutoff_windows).await,
        Command::Ach(AchCommand::Held { storage }) => held(&storage).await,
        Command::Ach(AchCommand::Inspect { file, json }) => inspect(&file, json),
        Command::Migrate { storage } => {
            open_store(&storage).await?;
            eprintln!(
                "migrations applied to {}",
                pennydrop::app::redact_url(&storage.database_url())
            );
            Ok(())
        }
        Command::ApiKeys(command) => api_keys(command).await,
    }
}

/// `pennydrop serve`: configure, start, print the first-start key, serve until a signal.
async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = AppConfig::new(args.storage);
    config.fedach_directory = args.fedach_directory;
    config.simulator = args.simulator;
    config.force_simulator = args.force_simulator;
    config.settings.hang_before_keeping_answers = args.fault_hang_before_answer;
    config.engine.schedule =
        CutoffSchedule::parse(&args.cutoff_windows).context("--cutoff-windows")?;
    config.engine.company_name = args.company_name;
    for r in args.instant_routing_numbers.iter().flatten() {
        RoutingNumber::parse(r).with_context(|| format!("--instant-routing-numbers: {r}"))?;
    }
    config.instant_routing_numbers = args.instant_routing_numbers;
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
    config.limits = pennydrop::http::Limits {
        header_timeout: std::time::Duration::from_secs(args.header_timeout_seconds.max(1)),
        body_timeout: std::time::Duration::from_secs(args.body_timeout_seconds.max(1)),
        shutdown_grace: std::time::Duration::from_secs(args.shutdown_grace_seconds),
    };
    configure_ach(&mut config, &args.ach)?;
    config.settlement_delay =
        jiff::SignedDuration::from_secs(args.ach.settlement_delay_seconds.max(0));
    let listen = args.listen;
    let app = App::build(config).await?;
    if let Some(key) = &app.bootstrap_key {
        // Printed once, to the console only (never to the log): the secret is not stored.
        println!("First start: created a sandbox API key. Keep the secret; it is not shown again.");
        println!("{}", serde_json::to_string(key)?);
        println!(
            "Try: curl -u '{}:{}' http://{}/accounts/{}",
            key.public_key, key.secret_key, listen, key.account_id
        );
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, "pennydrop listening");
    println!("listening on http://{address}");
    app.serve(listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// The ODFI and the delivery transport from the ACH flags.
fn configure_ach(config: &mut AppConfig, ach: &AchArgs) -> anyhow::Result<()> {
    config.odfi = ach.odfi(&config.engine.company_name)?;
    config.sftp = ach.sftp()?;
    config.drop_dir = ach.ach_drop_dir.clone();
    Ok(())
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
        println!("{}", serde_json::to_string(&line)?);
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
    let app = App::build(config).await?;
    let rail = app.ach.clone();
    rail.finish_pending().await?;
    match rail.cutoff_now().await? {
        Some(file) => println!(
            "{}",
            serde_json::json!({"fileID": file.file_id, "fileName": file.file_name, "entryCount": file.entry_count,
                "totalCreditCents": file.total_credit_cents, "totalDebitCents": file.total_debit_cents})
        ),
        None => eprintln!("nothing pending"),
    }
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
        println!("{line}");
    }
    Ok(())
}

/// `pennydrop ach inspect`: a summary, or the file's errors and exit status 1. A file that
/// reads but breaks a rule of the validator (what moov-io/ach refuses too: blank receiver
/// names, check digits, zero amounts, trace order, SEC rules, ...) is invalid as well.
fn inspect(file: &std::path::Path, json: bool) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    match nacha::read_str(&text) {
        Ok(parsed) if parsed.validate().is_err() => {
            for e in parsed.validation_errors() {
                eprintln!("{}: {} ({})", file.display(), e, e.rule);
            }
            std::process::exit(1);
        }
        Ok(parsed) => {
            let summary = nacha::summary(&parsed);
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                print!("{}", inspect_text(&summary));
            }
            Ok(())
        }
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            std::process::exit(1);
        }
    }
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
            println!("{}", serde_json::to_string(&created)?);
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
                println!("{line}");
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
            eprintln!("revoked {public_key}");
        }
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
