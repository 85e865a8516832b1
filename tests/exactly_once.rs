//! Invariant 2: every money movement is written into exactly one delivered file, across
//! crashes, restarts and several server processes sharing one PostgreSQL.
//!
//! The kill test SIGKILLs `pennydrop serve` at random moments while clients queue
//! micro-deposits and an operator runs cutoffs, restarts it, and finally checks the outbox
//! against the database. The multi-process test runs three servers on one PostgreSQL database
//! cutting off at the same time.

mod common;

use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_pennydrop");
const KEY: &str = "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c="; // 32 bytes, base64

fn base_command(data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(data_dir);
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    } else {
        cmd.env_remove("PENNYDROP_DATABASE_URL");
    }
    cmd.env("PENNYDROP_ENCRYPTION_KEY", encryption_key());
    cmd
}

fn encryption_key() -> String {
    use base64::Engine;
    let bytes: Vec<u8> = KEY.bytes().take(32).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn create_key(data_dir: &Path, database_url: Option<&str>, extra: &[&str]) -> (String, String) {
    let mut cmd = base_command(data_dir, database_url);
    // api-keys takes the storage flags after the subcommand.
    let mut args = vec!["api-keys", "create", "--name", "exactly-once"];
    args.extend_from_slice(extra);
    let out = Command::new(BIN)
        .args(&args)
        .arg("--data-dir")
        .arg(data_dir)
        .args(
            database_url
                .map(|u| vec!["--database-url", u])
                .unwrap_or_default(),
        )
        .env("PENNYDROP_ENCRYPTION_KEY", encryption_key())
        .output()
        .expect("api-keys create");
    let _ = &mut cmd;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    (
        v["publicKey"].as_str().unwrap().to_string(),
        v["secretKey"].as_str().unwrap().to_string(),
    )
}

struct Server {
    child: Child,
    base: String,
}

fn start(data_dir: &Path, database_url: Option<&str>, log: &Path) -> Server {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .env("PENNYDROP_RATE_LIMIT_PRODUCTION", "100000")
        .env("PENNYDROP_RATE_LIMIT_SANDBOX", "100000")
        .arg(data_dir)
        .args(
            database_url
                .map(|u| vec!["--database-url", u])
                .unwrap_or_default(),
        )
        .env("PENNYDROP_ENCRYPTION_KEY", encryption_key())
        .env("PENNYDROP_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .expect("log"),
        )
        .spawn()
        .expect("spawn serve");
    let base = common::bound_address(&mut child);
    Server { child, base }
}

type Keys = ((String, String), (String, String));

/// Queues micro-deposits (3 entries each) until stopped or the server dies.
async fn queue_micro_deposits(
    base: String,
    key: (String, String),
    stop: tokio::sync::watch::Receiver<bool>,
) -> usize {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let mut queued = 0;
    let mut n: u64 = 0;
    while !*stop.borrow() {
        n += 1;
        let account = client
            .post(format!("{base}/accounts"))
            .basic_auth(&key.0, Some(&key.1))
            .header("content-type", "application/json")
            .body(r#"{"accountType":"individual","profile":{"individual":{"name":{"firstName":"K","lastName":"Ill"}}}}"#)
            .send()
            .await;
        let Ok(account) = account else { break };
        let Ok(account) = account.json::<Value>().await else {
            break;
        };
        let Some(account_id) = account["accountID"].as_str() else {
            break;
        };
        let number = format!(
            "{}{:06}",
            rand::thread_rng().gen_range(1000..9999),
            n % 1_000_000
        );
        let body = format!(
            r#"{{"account":{{"holderName":"K","holderType":"individual","accountNumber":"{number}","bankAccountType":"checking","routingNumber":"231380104"}}}}"#
        );
        let Ok(linked) = client
            .post(format!("{base}/accounts/{account_id}/bank-accounts"))
            .basic_auth(&key.0, Some(&key.1))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
        else {
            break;
        };
        let Ok(linked) = linked.json::<Value>().await else {
            break;
        };
        let Some(bank) = linked["bankAccountID"].as_str() else {
            break;
        };
        let Ok(r) = client
            .post(format!(
                "{base}/accounts/{account_id}/bank-accounts/{bank}/micro-deposits"
            ))
            .basic_auth(&key.0, Some(&key.1))
            .send()
            .await
        else {
            break;
        };
        if r.status() == 204 {
            queued += 1;
        }
    }
    queued
}

/// Runs cutoffs until stopped or the server dies.
async fn keep_cutting_off(
    base: String,
    operator: (String, String),
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    while !*stop.borrow() {
        let r = client
            .post(format!("{base}/admin/ach/cutoffs"))
            .basic_auth(&operator.0, Some(&operator.1))
            .send()
            .await;
        if r.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn final_cutoffs(base: &str, operator: &(String, String)) {
    let client = reqwest::Client::new();
    loop {
        let r: Value = client
            .post(format!("{base}/admin/ach/cutoffs"))
            .basic_auth(&operator.0, Some(&operator.1))
            .send()
            .await
            .expect("cutoff")
            .json()
            .await
            .expect("json");
        if r["files"].as_array().is_some_and(|f| f.is_empty()) {
            return;
        }
    }
}

/// Every trace number in every outbox file, with the file it is in.
fn traces_in_outboxes(outboxes: &[PathBuf]) -> (HashMap<String, Vec<String>>, usize) {
    let mut traces: HashMap<String, Vec<String>> = HashMap::new();
    let mut files = 0;
    for outbox in outboxes {
        let Ok(dir) = std::fs::read_dir(outbox) else {
            continue;
        };
        for entry in dir {
            let entry = entry.expect("dir entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(entry.path()).expect("read file");
            let file = nacha::read_str(&text)
                .unwrap_or_else(|e| panic!("{name} is not a valid NACHA file: {e}"));
            for batch in &file.batches {
                for e in &batch.entries {
                    traces
                        .entry(e.detail.trace_number.clone())
                        .or_default()
                        .push(name.clone());
                }
            }
        }
    }
    (traces, files)
}

/// The database's view: every entry's status and trace number.
async fn entries_in_database(url: &str) -> (usize, usize, BTreeMap<String, String>) {
    use sqlx::{Connection, Row};
    let rows = if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.expect("sqlite");
        sqlx::query("SELECT entry_id, status, trace_seq, file_id FROM ach_entries")
            .fetch_all(&mut conn)
            .await
            .expect("query")
            .into_iter()
            .map(|r| {
                (
                    r.get::<String, _>(0),
                    r.get::<String, _>(1),
                    r.get::<Option<i64>, _>(2),
                    r.get::<Option<String>, _>(3),
                )
            })
            .collect::<Vec<_>>()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.expect("postgres");
        sqlx::query("SELECT entry_id, status, trace_seq, file_id FROM ach_entries")
            .fetch_all(&mut conn)
            .await
            .expect("query")
            .into_iter()
            .map(|r| {
                (
                    r.get::<String, _>(0),
                    r.get::<String, _>(1),
                    r.get::<Option<i64>, _>(2),
                    r.get::<Option<String>, _>(3),
                )
            })
            .collect::<Vec<_>>()
    };
    let total = rows.len();
    let mut pending = 0;
    let mut traces = BTreeMap::new();
    for (id, status, seq, file) in rows {
        match status.as_str() {
            "batched" => {
                assert!(file.is_some(), "batched entry {id} has no file");
                let seq = seq.expect("batched entries have a trace sequence");
                // The simulated ODFI is 110000000.
                traces.insert(format!("11000000{:07}", seq % 10_000_000), id);
            }
            "pending" => pending += 1,
            other => panic!("unexpected entry status {other}"),
        }
    }
    (total, pending, traces)
}

fn check_exactly_once(
    outboxes: &[PathBuf],
    total: usize,
    pending: usize,
    db_traces: &BTreeMap<String, String>,
) {
    assert_eq!(pending, 0, "every queued entry left in a file");
    assert_eq!(
        db_traces.len(),
        total,
        "no two entries share a trace number"
    );
    let (file_traces, files) = traces_in_outboxes(outboxes);
    assert!(files > 0);
    for (trace, in_files) in &file_traces {
        assert_eq!(in_files.len(), 1, "trace {trace} appears in {in_files:?}");
        assert!(
            db_traces.contains_key(trace),
            "trace {trace} in a file but not in the database"
        );
    }
    for trace in db_traces.keys() {
        assert!(
            file_traces.contains_key(trace),
            "entry with trace {trace} is in no file"
        );
    }
    assert_eq!(file_traces.len(), total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_cutoffs_loses_and_duplicates_nothing() {
    let seed: u64 = std::env::var("PENNYDROP_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen());
    eprintln!("kill test seed {seed} (rerun with PENNYDROP_KILL_SEED={seed})");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("serve.log");
    let keys: Keys = (
        create_key(dir.path(), None, &[]),
        create_key(dir.path(), None, &["--operator"]),
    );
    let mut queued = 0;
    for _round in 0..8 {
        let mut server = start(dir.path(), None, &log);
        let (tx, rx) = tokio::sync::watch::channel(false);
        let clients: Vec<_> = (0..2)
            .map(|_| {
                tokio::spawn(queue_micro_deposits(
                    server.base.clone(),
                    keys.0.clone(),
                    rx.clone(),
                ))
            })
            .collect();
        let cutter = tokio::spawn(keep_cutting_off(
            server.base.clone(),
            keys.1.clone(),
            rx.clone(),
        ));
        tokio::time::sleep(Duration::from_millis(rng.gen_range(100..600))).await;
        server.child.kill().expect("SIGKILL");
        let _ = server.child.wait();
        let _ = tx.send(true);
        for c in clients {
            queued += c.await.expect("client");
        }
        let _ = cutter.await;
    }
    assert!(queued > 0, "the clients queued micro-deposits");
    let mut server = start(dir.path(), None, &log);
    final_cutoffs(&server.base, &keys.1).await;
    server.child.kill().expect("kill");
    let _ = server.child.wait();

    let url = format!("sqlite://{}", dir.path().join("pennydrop.db").display());
    let (total, pending, traces) = entries_in_database(&url).await;
    assert!(
        total >= queued * 3,
        "{total} entries for {queued} acknowledged micro-deposit rounds"
    );
    check_exactly_once(&[dir.path().join("ach/outbox")], total, pending, &traces);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_on_one_postgres_cut_off_exactly_once() {
    let Some(db) = pennydrop_store::testing::TestPostgres::create(
        "three_processes_on_one_postgres_cut_off_exactly_once",
    )
    .await
    else {
        return;
    };
    let dirs: Vec<tempfile::TempDir> = (0..3)
        .map(|_| tempfile::tempdir().expect("tempdir"))
        .collect();
    let log = dirs[0].path().join("serve.log");
    let keys: Keys = (
        create_key(dirs[0].path(), Some(&db.url), &[]),
        create_key(dirs[0].path(), Some(&db.url), &["--operator"]),
    );
    let mut servers: Vec<Server> = dirs
        .iter()
        .map(|d| start(d.path(), Some(&db.url), &log))
        .collect();
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for s in &servers {
        tasks.push(tokio::spawn(async { 0usize }));
        let (base, key, rx2) = (s.base.clone(), keys.0.clone(), rx.clone());
        tasks.push(tokio::spawn(async move {
            queue_micro_deposits(base, key, rx2).await
        }));
        let (base, op, rx3) = (s.base.clone(), keys.1.clone(), rx.clone());
        tasks.push(tokio::spawn(async move {
            keep_cutting_off(base, op, rx3).await;
            0
        }));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _ = tx.send(true);
    let mut queued = 0;
    for t in tasks {
        queued += t.await.expect("task");
    }
    assert!(queued > 0);
    // All three finish whatever is left, at the same time.
    let finals: Vec<_> = servers
        .iter()
        .map(|s| {
            let (base, op) = (s.base.clone(), keys.1.clone());
            tokio::spawn(async move { final_cutoffs(&base, &op).await })
        })
        .collect();
    for f in finals {
        f.await.expect("final cutoff");
    }
    for s in &mut servers {
        let _ = s.child.kill();
        let _ = s.child.wait();
    }
    let (total, pending, traces) = entries_in_database(&db.url).await;
    assert!(total >= queued * 3);
    let outboxes: Vec<PathBuf> = dirs.iter().map(|d| d.path().join("ach/outbox")).collect();
    let (_, files) = traces_in_outboxes(&outboxes);
    eprintln!("{queued} rounds, {total} entries, {files} files across three processes");
    check_exactly_once(&outboxes, total, pending, &traces);
    db.drop_database().await;
}
