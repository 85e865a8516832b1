//! Webhook delivery across processes (issue 11, scope 6): three `pennydrop serve` processes on
//! one PostgreSQL deliver a burst of 1,000 events — every one arrives, and no event is ever in
//! flight on two processes at once; a process SIGKILLed while it delivers loses nothing (its
//! lease expires and a restarted process sends the event).

mod common;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use pennydrop_store::testing::TestPostgres;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pennydrop");
const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes, base64

/// What the receiver saw: every event ID that arrived, and events that arrived while another
/// request carrying the same event was still open.
#[derive(Default)]
struct Seen {
    arrived: HashMap<String, usize>,
    open: HashSet<String>,
    overlaps: Vec<String>,
}

/// A receiver on loopback; each request stays open `hold` (so overlaps would show), and the
/// first `hang_first` requests never get an answer from it.
async fn receiver(hold: Duration, hang_first: usize) -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: HeaderMap, _body: Bytes| {
            let (s, calls) = (s.clone(), calls.clone());
            async move {
                let id = headers
                    .get("webhook-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < hang_first {
                    std::future::pending::<()>().await;
                }
                {
                    let mut seen = s.lock().unwrap();
                    if !seen.open.insert(id.clone()) {
                        seen.overlaps.push(id.clone());
                    }
                }
                tokio::time::sleep(hold).await;
                let mut seen = s.lock().unwrap();
                seen.open.remove(&id);
                *seen.arrived.entry(id).or_default() += 1;
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn cli(data_dir: &Path, db: &str, args: &[&str]) -> Value {
    let out = Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--database-url")
        .arg(db)
        .env("PENNYDROP_ENCRYPTION_KEY", KEY)
        .output()
        .expect("pennydrop");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// A server process, killed when dropped, so that a failing test leaves none behind.
struct Server(Child);

impl Server {
    fn kill(&mut self) -> std::io::Result<()> {
        self.0.kill()?;
        self.0.wait().map(|_| ())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

fn serve(data_dir: &Path, db: &str, lease_seconds: u64) -> (Server, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(["--database-url", db])
        .env("PENNYDROP_ENCRYPTION_KEY", KEY)
        .env("PENNYDROP_WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8")
        .env("PENNYDROP_WEBHOOK_LEASE_SECONDS", lease_seconds.to_string())
        .env("PENNYDROP_RATE_LIMIT_PRODUCTION", "1000000")
        // One account collects the burst's bank accounts: past the per-holder risk limit.
        .env(
            "PENNYDROP_RISK",
            r#"{"holderBankAccounts": {"enabled": false}}"#,
        )
        .env("PENNYDROP_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let base = common::bound_address(&mut child);
    (Server(child), base)
}

struct Tenant {
    client: reqwest::Client,
    user: String,
    secret: String,
}

impl Tenant {
    async fn post(&self, base: &str, path: &str, body: Value) -> Value {
        let r = self
            .client
            .post(format!("{base}{path}"))
            .basic_auth(&self.user, Some(&self.secret))
            .json(&body)
            .send()
            .await
            .expect("send");
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }

    /// One account with `n` linked bank accounts: `n` bankAccount.created events.
    async fn link_many(&self, base: &str, n: usize, first: usize) {
        let account = self
            .post(
                base,
                "/accounts",
                json!({"accountType": "individual",
                "profile": {"individual": {"name": {"firstName": "Burst", "lastName": "Test"}}}}),
            )
            .await;
        let id = account["accountID"].as_str().unwrap().to_string();
        for i in first..first + n {
            self.post(
                base,
                &format!("/accounts/{id}/bank-accounts"),
                json!({"account": {"holderName": "Burst Test", "holderType": "individual",
                    "accountNumber": format!("{}", 10_000_000 + i), "bankAccountType": "checking",
                    "routingNumber": "231380104"}}),
            )
            .await;
        }
    }
}

fn tenant(data_dir: &Path, db: &str) -> Tenant {
    let key = cli(data_dir, db, &["api-keys", "create", "--name", "burst"]);
    Tenant {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        user: key["publicKey"].as_str().unwrap().into(),
        secret: key["secretKey"].as_str().unwrap().into(),
    }
}

async fn wait_for(seen: &Arc<Mutex<Seen>>, n: usize, within: Duration) -> usize {
    let started = Instant::now();
    loop {
        let got = seen.lock().unwrap().arrived.len();
        if got >= n || started.elapsed() > within {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_deliver_a_burst_once_each() {
    let Some(db) = TestPostgres::create("webhook_processes_burst").await else {
        return;
    };
    let (url, seen) = receiver(Duration::from_millis(5), 0).await;
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let t = tenant(dirs[0].path(), &db.url);
    let mut servers: Vec<(Server, String)> =
        dirs.iter().map(|d| serve(d.path(), &db.url, 60)).collect();
    t.post(
        &servers[0].1,
        "/webhooks",
        json!({"url": url, "status": "enabled", "eventTypes": ["bankAccount.created"]}),
    )
    .await;
    // 1,000 events written through all three processes at once.
    let t = Arc::new(t);
    let mut writers = tokio::task::JoinSet::new();
    for (i, (_, base)) in servers.iter().enumerate() {
        for j in 0..4 {
            let (t, base) = (t.clone(), base.clone());
            let first = (i * 4 + j) * 1000;
            let n = if i * 4 + j < 4 { 84 } else { 83 };
            writers.spawn(async move { t.link_many(&base, n, first).await });
        }
    }
    writers.join_all().await;
    let got = wait_for(&seen, 1000, Duration::from_secs(120)).await;
    for (child, _) in &mut servers {
        let _ = child.kill();
    }
    let (overlaps, twice) = {
        let seen = seen.lock().unwrap();
        let twice: Vec<String> = seen
            .arrived
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(id, _)| id.clone())
            .collect();
        (seen.overlaps.clone(), twice)
    };
    assert_eq!(got, 1000, "every event arrived");
    assert!(overlaps.is_empty(), "in flight twice at once: {overlaps:?}");
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_while_delivering_loses_nothing() {
    let Some(db) = TestPostgres::create("webhook_processes_kill").await else {
        return;
    };
    // The first delivery attempt never gets an answer: the process is killed while it waits.
    let (url, seen) = receiver(Duration::from_millis(1), 1).await;
    let dir = tempfile::tempdir().unwrap();
    let t = tenant(dir.path(), &db.url);
    let (mut first, base) = serve(dir.path(), &db.url, 4);
    t.post(
        &base,
        "/webhooks",
        json!({"url": url, "status": "enabled", "eventTypes": ["*"]}),
    )
    .await;
    t.link_many(&base, 1, 0).await;
    // Let the process take the delivery and hang on it, then kill it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    first.kill().expect("SIGKILL");
    assert_eq!(
        seen.lock().unwrap().arrived.len(),
        0,
        "nothing answered before the kill"
    );
    let (mut second, _) = serve(dir.path(), &db.url, 4);
    let got = wait_for(&seen, 1, Duration::from_secs(30)).await;
    let _ = second.kill();
    assert_eq!(got, 1, "the event arrived after its lease expired");
    db.drop_database().await;
}
