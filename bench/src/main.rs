//! Pennydrop load benchmark.
//!
//! For each backend (SQLite in a fresh temporary data directory, PostgreSQL in a fresh database
//! that is dropped at the end) and each client count, this starts the real app in-process on an
//! ephemeral port, creates a sandbox tenant and one account per client, and lets N concurrent
//! HTTP clients drive the sandbox verification flow
//!
//! ```text
//! POST /accounts/{id}/bank-accounts                   link (200)
//! POST /accounts/{id}/bank-accounts/{bank}/micro-deposits   initiate (204)
//! PUT  /accounts/{id}/bank-accounts/{bank}/micro-deposits   complete {"amounts":[0,0]} (200)
//! ```
//!
//! Then, against the same database and through the same driver and pool settings the app uses
//! (`SqliteStore::connect` / `PostgresStore::connect`), N concurrent tasks run single-row
//! `BEGIN; INSERT; COMMIT` transactions into a throwaway table: the raw durable-commit rate. The
//! ratio says what fraction of that rate the service reaches, counting the write transactions one
//! flow performs.
//!
//! `cargo run --release -p pennydrop-bench -- --clients 1,8,32 --flows 2000 --backend both`

use anyhow::{bail, Context};
use clap::{Parser, ValueEnum};
use pennydrop::app::{App, AppConfig};
use pennydrop::config::StorageArgs;
use pennydrop_core::model::Mode;
use pennydrop_core::SystemClock;
use pennydrop_engine::access::CreatedKey;
use pennydrop_store::{PostgresStore, SqliteStore};
use serde_json::Value;
use sqlx::Connection;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// N tasks share `total` single-row `BEGIN; INSERT; COMMIT` transactions on `pool` (a SQLite or
/// PostgreSQL pool from the store's own `connect`), after a short warm-up; drops its table after.
macro_rules! raw_inserts_run {
    ($pool:expr, $clients:expr, $total:expr) => {{
        async {
            let pool = $pool.clone();
            let clients: usize = $clients;
            let total: usize = $total;
            let table = format!("bench_raw_{}", uuid::Uuid::new_v4().simple());
            sqlx::query(&format!(
                "CREATE TABLE {table} (id TEXT PRIMARY KEY, payload TEXT NOT NULL, \
                 created_at BIGINT NOT NULL)"
            ))
            .execute(&pool)
            .await
            .context("creating the raw-insert table")?;
            let insert = Arc::new(format!(
                "INSERT INTO {table} (id, payload, created_at) VALUES ($1, $2, $3)"
            ));
            let mut elapsed = Duration::ZERO;
            let mut latencies_us = Vec::with_capacity(total);
            let mut errors = 0u64;
            let mut first_error = None;
            for (phase, count) in [(0, (clients * 4).min(total)), (1, total)] {
                let remaining = Arc::new(AtomicUsize::new(count));
                let started = Instant::now();
                let mut tasks = Vec::with_capacity(clients);
                for _ in 0..clients {
                    let pool = pool.clone();
                    let insert = insert.clone();
                    let remaining = remaining.clone();
                    tasks.push(tokio::spawn(async move {
                        let mut lat = Vec::new();
                        let mut errors = 0u64;
                        let mut first_error: Option<String> = None;
                        while take_one(&remaining) {
                            let t = Instant::now();
                            let one = async {
                                let mut tx = pool.begin().await?;
                                sqlx::query(insert.as_str())
                                    .bind(uuid::Uuid::new_v4().to_string())
                                    .bind(PAYLOAD)
                                    .bind(unix_micros())
                                    .execute(&mut *tx)
                                    .await?;
                                tx.commit().await
                            }
                            .await;
                            match one {
                                Ok(()) => lat.push(micros(t.elapsed())),
                                Err(e) => {
                                    errors += 1;
                                    first_error.get_or_insert_with(|| e.to_string());
                                }
                            }
                        }
                        (lat, errors, first_error)
                    }));
                }
                for task in tasks {
                    let (lat, e, first) = task.await.context("insert task panicked")?;
                    if phase == 1 {
                        latencies_us.extend(lat);
                        errors += e;
                        if first_error.is_none() {
                            first_error = first;
                        }
                    }
                }
                if phase == 1 {
                    elapsed = started.elapsed();
                }
            }
            let _ = sqlx::query(&format!("DROP TABLE {table}"))
                .execute(&pool)
                .await;
            anyhow::Ok(RawResult {
                inserts: latencies_us.len(),
                elapsed,
                latencies_us,
                errors,
                first_error,
            })
        }
        .await
    }};
}

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Durable write transactions one flow performs: link (bank account + `bankAccount.created`
/// event in one transaction), initiate (verification + bank-account CAS + event in one
/// transaction), complete (verification + bank-account CAS + events in one transaction). The
/// authentication and snapshot reads in between write nothing.
const WRITE_TX_PER_FLOW: usize = 3;

const ROUTING: &str = "021000021";

#[derive(Debug, Parser)]
#[command(
    name = "pennydrop-bench",
    about = "N concurrent HTTP clients drive link → initiate → complete against SQLite and \
             PostgreSQL, next to the raw durable-insert rate of the same database."
)]
struct Args {
    /// Concurrent clients; a comma-separated list runs one measurement per count.
    #[arg(long, value_delimiter = ',', default_value = "16")]
    clients: Vec<usize>,

    /// Measured flows per run (each is 3 HTTP requests), shared among the clients.
    #[arg(long, default_value_t = 2000)]
    flows: usize,

    /// Unmeasured warm-up flows before each run (at the same concurrency).
    #[arg(long, default_value_t = 50)]
    warmup: usize,

    /// Which databases to measure.
    #[arg(long, value_enum, default_value_t = BackendChoice::Both)]
    backend: BackendChoice,

    /// Single-row insert transactions for the raw baseline; defaults to flows × 3, the number
    /// of durable write transactions the measured flows perform.
    #[arg(long)]
    raw_inserts: Option<usize>,

    /// PostgreSQL server (a fresh database is created on it for each run and dropped after).
    #[arg(long, env = "PENNYDROP_TEST_POSTGRES_URL", default_value = DEFAULT_POSTGRES_URL)]
    postgres_url: String,

    /// Parent directory for the temporary SQLite data directories (default: the system temp
    /// directory). The database's fsync cost depends on the filesystem underneath.
    #[arg(long)]
    sqlite_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendChoice {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

const STEPS: [&str; 3] = ["link", "initiate", "complete"];

/// What one client task recorded.
#[derive(Default)]
struct ClientStats {
    flow_us: Vec<u64>,
    step_us: [Vec<u64>; 3],
    non_2xx: u64,
    transport_errors: u64,
    failed_flows: u64,
    samples: Vec<String>,
}

impl ClientStats {
    fn merge(&mut self, other: ClientStats) {
        self.flow_us.extend(other.flow_us);
        for (mine, theirs) in self.step_us.iter_mut().zip(other.step_us) {
            mine.extend(theirs);
        }
        self.non_2xx += other.non_2xx;
        self.transport_errors += other.transport_errors;
        self.failed_flows += other.failed_flows;
        for s in other.samples {
            if self.samples.len() < 5 {
                self.samples.push(s);
            }
        }
    }
}

enum FlowError {
    Status {
        step: usize,
        status: u16,
        body: String,
    },
    Transport {
        step: usize,
        error: String,
    },
    Body {
        step: usize,
        error: String,
    },
}

impl FlowError {
    fn describe(&self) -> String {
        match self {
            FlowError::Status { step, status, body } => {
                format!("{}: HTTP {status} {body}", STEPS[*step])
            }
            FlowError::Transport { step, error } => format!("{}: transport: {error}", STEPS[*step]),
            FlowError::Body { step, error } => format!("{}: body: {error}", STEPS[*step]),
        }
    }
}

struct HttpResult {
    elapsed: Duration,
    stats: ClientStats,
}

struct RawResult {
    inserts: usize,
    elapsed: Duration,
    latencies_us: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
}

struct RunResult {
    backend: Backend,
    clients: usize,
    http: HttpResult,
    raw: RawResult,
}

/// One client's fixed context.
struct Flow {
    base: String,
    key: CreatedKey,
    account_id: String,
}

#[tokio::main]
// Long on purpose: a benchmark driver reads best as one script of its steps.
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.clients.is_empty() || args.clients.contains(&0) {
        bail!("--clients needs one or more counts, each at least 1");
    }
    if args.flows == 0 {
        bail!("--flows must be at least 1");
    }
    let raw_inserts = args.raw_inserts.unwrap_or(args.flows * WRITE_TX_PER_FLOW);
    let backends: Vec<Backend> = match args.backend {
        BackendChoice::Sqlite => vec![Backend::Sqlite],
        BackendChoice::Postgres => vec![Backend::Postgres],
        BackendChoice::Both => vec![Backend::Sqlite, Backend::Postgres],
    };

    let mut header = String::new();
    machine_header(&mut header, &args);
    let mut results = Vec::new();
    let mut notes = Vec::new();
    for backend in backends {
        match backend {
            Backend::Sqlite => {
                let version = sqlite_version()
                    .await
                    .unwrap_or_else(|e| format!("? ({e:#})"));
                notes.push(format!(
                    "SQLite {version}: WAL, synchronous=FULL, one writer connection and 8 readers (the app's settings; the raw inserts use the 8), \
                     data directory under {}",
                    args.sqlite_dir
                        .clone()
                        .unwrap_or_else(std::env::temp_dir)
                        .display()
                ));
            }
            Backend::Postgres => match postgres_settings(&args.postgres_url).await {
                Ok(s) => notes.push(format!("PostgreSQL {s}, pool of 16 (the app's settings)")),
                Err(e) => {
                    eprintln!(
                        "\n*** SKIPPED PostgreSQL: {} unreachable ({e:#}). Set \
                         PENNYDROP_TEST_POSTGRES_URL or --postgres-url, or start PostgreSQL. ***\n",
                        pennydrop::app::redact_url(&args.postgres_url)
                    );
                    notes.push("PostgreSQL: SKIPPED (unreachable)".into());
                    continue;
                }
            },
        }
        for &clients in &args.clients {
            eprintln!(
                "== {} with {clients} client(s): {} warm-up + {} flows, then {raw_inserts} raw inserts",
                backend.name(),
                args.warmup,
                args.flows
            );
            let run = match backend {
                Backend::Sqlite => run_sqlite(&args, clients, raw_inserts).await,
                Backend::Postgres => run_postgres(&args, clients, raw_inserts).await,
            }
            .with_context(|| format!("{} with {clients} client(s)", backend.name()))?;
            eprintln!(
                "   {:.0} flows/s, raw {:.0} inserts/s, non-2xx {}",
                per_second(run.http.stats.flow_us.len(), run.http.elapsed),
                per_second(run.raw.inserts, run.raw.elapsed),
                run.http.stats.non_2xx
            );
            results.push(run);
        }
    }

    let mut out = header;
    for note in &notes {
        let _ = writeln!(out, "- {note}");
    }
    let _ = writeln!(out, "- load average at end: {}", load_average());
    out.push('\n');
    report(&mut out, &results, args.flows);
    print!("{out}");

    let problems: u64 = results
        .iter()
        .map(|r| r.http.stats.non_2xx + r.http.stats.transport_errors + r.raw.errors)
        .sum();
    if problems > 0 {
        eprintln!("WARNING: {problems} failed request(s) or insert(s); see the tables above");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Backends

async fn run_sqlite(args: &Args, clients: usize, raw_inserts: usize) -> anyhow::Result<RunResult> {
    let dir = match &args.sqlite_dir {
        Some(parent) => tempfile::Builder::new()
            .prefix("pennydrop-bench-")
            .tempdir_in(parent),
        None => tempfile::Builder::new()
            .prefix("pennydrop-bench-")
            .tempdir(),
    }
    .context("creating a temporary data directory")?;
    let storage = StorageArgs {
        data_dir: dir.path().to_path_buf(),
        database_url: None,
        outbox_group: None,
    };
    let url = storage.database_url();
    let http = run_http(storage, clients, args.flows, args.warmup).await?;
    let store = SqliteStore::connect(&url)
        .await
        .with_context(|| format!("opening {url}"))?;
    let raw = raw_inserts_run!(store.pool(), clients, raw_inserts);
    store.pool().close().await;
    Ok(RunResult {
        backend: Backend::Sqlite,
        clients,
        http,
        raw: raw?,
    })
}

async fn run_postgres(
    args: &Args,
    clients: usize,
    raw_inserts: usize,
) -> anyhow::Result<RunResult> {
    let db = BenchPostgres::create(&args.postgres_url).await?;
    let result = async {
        let data_dir = tempfile::Builder::new()
            .prefix("pennydrop-bench-")
            .tempdir()
            .context("creating a temporary data directory")?;
        let storage = StorageArgs {
            data_dir: data_dir.path().to_path_buf(),
            database_url: Some(db.url.clone()),
            outbox_group: None,
        };
        let http = run_http(storage, clients, args.flows, args.warmup).await?;
        let store = PostgresStore::connect(&db.url)
            .await
            .context("connecting to the benchmark database")?;
        let raw = raw_inserts_run!(store.pool(), clients, raw_inserts);
        store.pool().close().await;
        Ok(RunResult {
            backend: Backend::Postgres,
            clients,
            http,
            raw: raw?,
        })
    }
    .await;
    db.drop_database().await;
    result
}

/// A throwaway PostgreSQL database on the configured server.
struct BenchPostgres {
    admin_url: String,
    name: String,
    url: String,
}

impl BenchPostgres {
    async fn create(admin_url: &str) -> anyhow::Result<Self> {
        let mut conn = sqlx::PgConnection::connect(admin_url)
            .await
            .with_context(|| format!("connecting to {}", pennydrop::app::redact_url(admin_url)))?;
        let name = format!("pennydrop_bench_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .with_context(|| format!("CREATE DATABASE {name}"))?;
        let _ = conn.close().await;
        Ok(Self {
            url: with_database(admin_url, &name),
            admin_url: admin_url.to_string(),
            name,
        })
    }

    async fn drop_database(self) {
        let dropped = async {
            let mut conn = sqlx::PgConnection::connect(&self.admin_url).await?;
            sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn)
            .await?;
            conn.close().await
        }
        .await;
        if let Err(e) = dropped {
            eprintln!("warning: could not drop database {}: {e}", self.name);
        }
    }
}

/// `url` with its database name replaced, keeping any query string.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let prefix = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{db}?{q}"),
        None => format!("{prefix}/{db}"),
    }
}

async fn sqlite_version() -> anyhow::Result<String> {
    let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await?;
    let (v,): (String,) = sqlx::query_as("SELECT sqlite_version()")
        .fetch_one(&mut conn)
        .await?;
    let _ = conn.close().await;
    Ok(v)
}

async fn postgres_settings(url: &str) -> anyhow::Result<String> {
    let mut conn = tokio::time::timeout(Duration::from_secs(10), sqlx::PgConnection::connect(url))
        .await
        .context("timed out")??;
    let mut parts = Vec::new();
    for setting in [
        "server_version",
        "fsync",
        "synchronous_commit",
        "wal_sync_method",
    ] {
        let (v,): (String,) = sqlx::query_as(&format!("SHOW {setting}"))
            .fetch_one(&mut conn)
            .await?;
        parts.push(if setting == "server_version" {
            v
        } else {
            format!("{setting}={v}")
        });
    }
    let _ = conn.close().await;
    Ok(parts.join(", "))
}

// ---------------------------------------------------------------------------------------------
// The HTTP flows

async fn run_http(
    storage: StorageArgs,
    clients: usize,
    flows: usize,
    warmup: usize,
) -> anyhow::Result<HttpResult> {
    let mut config = AppConfig::new(storage);
    config.clock = Arc::new(SystemClock);
    // The benchmark measures the service, not the per-tenant rate limit.
    config.engine.rate_limits.production_per_second = u32::MAX;
    config.engine.rate_limits.sandbox_per_second = u32::MAX;
    // Nor the velocity limits: the checks still run on every request, they just never refuse
    // (one holder links every bench account, thousands an hour).
    let risk = &mut config.engine.risk;
    for limit in [
        &mut risk.tenant_hourly,
        &mut risk.tenant_daily,
        &mut risk.holder_bank_accounts,
    ] {
        limit.max = u32::MAX;
    }
    let app = App::build(config).await.context("building the app")?;
    let state = app.state.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding 127.0.0.1:0")?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.serve(listener, async {
        let _ = stopped.await;
    }));

    let result = async {
        let key = state
            .engine
            .create_tenant("bench", Mode::Sandbox)
            .await
            .context("creating the sandbox tenant")?;
        let setup = reqwest::Client::new();
        let mut contexts = Vec::with_capacity(clients);
        for i in 0..clients {
            let account_id = create_account(&setup, &base, &key, i).await?;
            contexts.push(Arc::new(Flow {
                base: base.clone(),
                key: key.clone(),
                account_id,
            }));
        }
        // One HTTP client (connection pool) per simulated client, reused across phases.
        let http: Vec<reqwest::Client> = (0..clients)
            .map(|_| reqwest::Client::builder().build())
            .collect::<Result<_, _>>()
            .context("building HTTP clients")?;
        let sequence = Arc::new(AtomicUsize::new(0));
        let warm = drive(&contexts, &http, &sequence, warmup).await?;
        if warm.non_2xx + warm.transport_errors > 0 {
            bail!(
                "warm-up failed: {} non-2xx, {} transport errors; first: {:?}",
                warm.non_2xx,
                warm.transport_errors,
                warm.samples
            );
        }
        let started = Instant::now();
        let stats = drive(&contexts, &http, &sequence, flows).await?;
        let elapsed = started.elapsed();
        Ok(HttpResult { elapsed, stats })
    }
    .await;

    drop(state);
    let _ = stop.send(());
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("warning: server stopped with an error: {e:#}"),
        Err(e) => eprintln!("warning: server task failed: {e}"),
    }
    result
}

async fn create_account(
    http: &reqwest::Client,
    base: &str,
    key: &CreatedKey,
    i: usize,
) -> anyhow::Result<String> {
    let body = serde_json::json!({
        "accountType": "individual",
        "profile": {"individual": {
            "name": {"firstName": "Bench", "lastName": format!("Client{i}")},
            "email": format!("bench{i}@example.com")}},
        "foreignID": format!("bench-{i}"),
    });
    let response = http
        .post(format!("{base}/accounts"))
        .basic_auth(&key.public_key, Some(&key.secret_key))
        .json(&body)
        .send()
        .await
        .context("POST /accounts")?;
    let status = response.status();
    let text = response.text().await.context("POST /accounts body")?;
    if !status.is_success() {
        bail!("POST /accounts answered {status}: {text}");
    }
    let value: Value = serde_json::from_str(&text).context("POST /accounts body")?;
    value["accountID"]
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("no accountID in {text}"))
}

/// Runs `total` flows over all clients (each takes the next flow number until none are left).
async fn drive(
    contexts: &[Arc<Flow>],
    http: &[reqwest::Client],
    sequence: &Arc<AtomicUsize>,
    total: usize,
) -> anyhow::Result<ClientStats> {
    let remaining = Arc::new(AtomicUsize::new(total));
    let mut tasks = Vec::with_capacity(contexts.len());
    for (ctx, client) in contexts.iter().zip(http) {
        let ctx = ctx.clone();
        let client = client.clone();
        let remaining = remaining.clone();
        let sequence = sequence.clone();
        tasks.push(tokio::spawn(async move {
            let mut stats = ClientStats::default();
            while take_one(&remaining) {
                let n = sequence.fetch_add(1, Ordering::Relaxed);
                let started = Instant::now();
                let mut steps = [0u64; 3];
                match one_flow(&ctx, &client, n, &mut steps).await {
                    Ok(()) => {
                        stats.flow_us.push(micros(started.elapsed()));
                        for (list, us) in stats.step_us.iter_mut().zip(steps) {
                            list.push(us);
                        }
                    }
                    Err(e) => {
                        stats.failed_flows += 1;
                        match e {
                            FlowError::Transport { .. } => stats.transport_errors += 1,
                            FlowError::Status { .. } | FlowError::Body { .. } => {
                                stats.non_2xx += u64::from(matches!(e, FlowError::Status { .. }))
                            }
                        }
                        if stats.samples.len() < 5 {
                            stats.samples.push(e.describe());
                        }
                    }
                }
            }
            stats
        }));
    }
    let mut all = ClientStats::default();
    for task in tasks {
        all.merge(task.await.context("client task panicked")?);
    }
    Ok(all)
}

fn take_one(remaining: &AtomicUsize) -> bool {
    remaining
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok()
}

/// A unique, valid account number: a random 3-digit prefix and the flow's sequence number
/// (13 digits, so never one of the simulator's 10-digit magic numbers).
fn account_number(n: usize) -> String {
    let prefix = 100 + rand::random::<u16>() % 900;
    format!("{prefix}{:010}", n)
}

async fn one_flow(
    ctx: &Flow,
    http: &reqwest::Client,
    n: usize,
    steps: &mut [u64; 3],
) -> Result<(), FlowError> {
    let bank_accounts = format!("{}/accounts/{}/bank-accounts", ctx.base, ctx.account_id);
    let auth =
        |r: reqwest::RequestBuilder| r.basic_auth(&ctx.key.public_key, Some(&ctx.key.secret_key));

    // 1. link
    let body = serde_json::json!({"account": {
        "holderName": "Bench Holder", "holderType": "individual",
        "accountNumber": account_number(n), "bankAccountType": "checking",
        "routingNumber": ROUTING}});
    let t = Instant::now();
    let linked = request(auth(http.post(&bank_accounts).json(&body)), 0, 200).await?;
    steps[0] = micros(t.elapsed());
    let value: Value = serde_json::from_str(&linked).map_err(|e| FlowError::Body {
        step: 0,
        error: e.to_string(),
    })?;
    let bank = value["bankAccountID"].as_str().ok_or(FlowError::Body {
        step: 0,
        error: format!("no bankAccountID in {linked}"),
    })?;
    let micro = format!("{bank_accounts}/{bank}/micro-deposits");

    // 2. initiate
    let t = Instant::now();
    request(auth(http.post(&micro)), 1, 204).await?;
    steps[1] = micros(t.elapsed());

    // 3. complete
    let t = Instant::now();
    let done = request(
        auth(
            http.put(&micro)
                .json(&serde_json::json!({"amounts": [0, 0]})),
        ),
        2,
        200,
    )
    .await?;
    steps[2] = micros(t.elapsed());
    if !done.contains("verified") {
        return Err(FlowError::Body {
            step: 2,
            error: format!("not verified: {done}"),
        });
    }
    Ok(())
}

/// Sends, reads the whole body, and checks the status.
async fn request(
    builder: reqwest::RequestBuilder,
    step: usize,
    expect: u16,
) -> Result<String, FlowError> {
    let transport = |e: reqwest::Error| FlowError::Transport {
        step,
        error: e.to_string(),
    };
    let response = builder.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(transport)?;
    if status != expect {
        return Err(FlowError::Status {
            step,
            status,
            body: body.chars().take(200).collect(),
        });
    }
    Ok(body)
}

// ---------------------------------------------------------------------------------------------
// The raw baseline

/// About the size of a bank-account row's variable part (sealed number, fingerprint, names).
const PAYLOAD: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\
                       0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\
                       0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// ---------------------------------------------------------------------------------------------
// Reporting

fn unix_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    let s = elapsed.as_secs_f64();
    if s > 0.0 {
        count as f64 / s
    } else {
        0.0
    }
}

/// Nearest-rank percentile of an exactly sorted list, in milliseconds.
fn percentile_ms(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

fn sorted(mut v: Vec<u64>) -> Vec<u64> {
    v.sort_unstable();
    v
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The 1, 5 and 15 minute load averages: other work on the machine skews every number here.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

fn machine_header(out: &mut String, args: &Args) {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get().to_string())
        .unwrap_or_else(|_| "?".into());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_else(|| "? GiB".into());
    let load = load_average();
    let date = command_line("date", &["-u"]).unwrap_or_else(|| "unknown date".into());
    let commit =
        command_line("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = command_line("git", &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.is_empty());
    let clients: Vec<String> = args.clients.iter().map(|c| c.to_string()).collect();
    let _ = writeln!(out, "## Pennydrop benchmark\n");
    let _ = writeln!(
        out,
        "- machine: {cpus} × {model}, {memory} RAM (client and server share these CPUs)"
    );
    let _ = writeln!(out, "- date: {date}; load average at start: {load}");
    let _ = writeln!(
        out,
        "- commit: {commit}{}",
        if dirty {
            " (with uncommitted changes)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "- run: --clients {} --flows {} --warmup {} --backend {:?}; one flow = link → initiate → \
         complete (3 requests, {WRITE_TX_PER_FLOW} write transactions)",
        clients.join(","),
        args.flows,
        args.warmup,
        args.backend
    );
}

// Long on purpose: a benchmark driver reads best as one script of its steps.
fn report(out: &mut String, results: &[RunResult], flows: usize) {
    let _ = writeln!(out, "### HTTP flows (sandbox link → initiate → complete)\n");
    let _ = writeln!(
        out,
        "| backend | clients | flows ok | seconds | flows/s | requests/s | flow p50 ms | flow p99 ms | request p50 ms | request p99 ms | non-2xx | transport errors |"
    );
    let _ = writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in results {
        let s = &r.http.stats;
        let flow = sorted(s.flow_us.clone());
        let requests = sorted(s.step_us.iter().flatten().copied().collect());
        let ok = flow.len();
        // Requests that got an answer: 3 per successful flow plus the failed ones' partial work
        // is not counted, so requests/s is 3 × flows/s for clean runs.
        let _ = writeln!(
            out,
            "| {} | {} | {ok}/{flows} | {:.2} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} |",
            r.backend.name(),
            r.clients,
            r.http.elapsed.as_secs_f64(),
            per_second(ok, r.http.elapsed),
            per_second(requests.len(), r.http.elapsed),
            percentile_ms(&flow, 50.0),
            percentile_ms(&flow, 99.0),
            percentile_ms(&requests, 50.0),
            percentile_ms(&requests, 99.0),
            s.non_2xx,
            s.transport_errors,
        );
    }

    let _ = writeln!(out, "\n### Per request\n");
    let _ = writeln!(
        out,
        "| backend | clients | request | p50 ms | p99 ms | max ms |"
    );
    let _ = writeln!(out, "|---|---:|---|---:|---:|---:|");
    for r in results {
        for (i, step) in STEPS.iter().enumerate() {
            let lat = sorted(r.http.stats.step_us[i].clone());
            let _ = writeln!(
                out,
                "| {} | {} | {step} | {:.2} | {:.2} | {:.2} |",
                r.backend.name(),
                r.clients,
                percentile_ms(&lat, 50.0),
                percentile_ms(&lat, 99.0),
                percentile_ms(&lat, 100.0),
            );
        }
    }

    let _ = writeln!(
        out,
        "\n### Raw limit: single-row durable INSERT transactions, same driver and pool\n"
    );
    let _ = writeln!(
        out,
        "| backend | clients | inserts | inserts/s | insert p50 ms | insert p99 ms | errors | service write tx/s (flows/s × {WRITE_TX_PER_FLOW}) | ratio |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        let raw = sorted(r.raw.latencies_us.clone());
        let raw_rate = per_second(r.raw.inserts, r.raw.elapsed);
        let service_tx =
            per_second(r.http.stats.flow_us.len(), r.http.elapsed) * WRITE_TX_PER_FLOW as f64;
        let ratio = if raw_rate > 0.0 {
            service_tx / raw_rate
        } else {
            f64::NAN
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {} | {:.0} | {:.2} |",
            r.backend.name(),
            r.clients,
            r.raw.inserts,
            raw_rate,
            percentile_ms(&raw, 50.0),
            percentile_ms(&raw, 99.0),
            r.raw.errors,
            service_tx,
            ratio,
        );
    }

    let mut samples = Vec::new();
    for r in results {
        for s in &r.http.stats.samples {
            samples.push(format!("{} {}c: {s}", r.backend.name(), r.clients));
        }
        if let Some(e) = &r.raw.first_error {
            samples.push(format!(
                "{} {}c raw insert: {e}",
                r.backend.name(),
                r.clients
            ));
        }
    }
    if !samples.is_empty() {
        let _ = writeln!(out, "\nFirst errors:\n");
        for s in samples {
            let _ = writeln!(out, "- {s}");
        }
    }
    let _ = writeln!(
        out,
        "\nratio = (flows/s × {WRITE_TX_PER_FLOW} write transactions per flow) / raw inserts/s at \
         the same concurrency: the share of the database's raw durable-commit rate the service \
         reaches."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "x"),
            "postgres://h:5432/x"
        );
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile_ms(&v, 50.0), 50.0);
        assert_eq!(percentile_ms(&v, 99.0), 99.0);
        assert_eq!(percentile_ms(&v, 100.0), 100.0);
        assert_eq!(percentile_ms(&[7000], 99.0), 7.0);
    }

    #[test]
    fn account_numbers_are_valid_and_unique() {
        let a = account_number(1);
        let b = account_number(2);
        assert_eq!(a.len(), 13);
        assert!(a.bytes().all(|c| c.is_ascii_digit()));
        assert_ne!(a[3..], b[3..]);
    }
}
