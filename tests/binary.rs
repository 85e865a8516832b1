//! The `pennydrop` binary as a newcomer meets it: `api-keys`, `serve` (first start, graceful
//! shutdown), the official Moov Python SDK against it, and no plaintext account numbers in the
//! database or the log.

mod common;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pennydrop");

fn pennydrop(data_dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("PENNYDROP_DATABASE_URL")
        .env_remove("PENNYDROP_ENCRYPTION_KEY")
        .output()
        .expect("run pennydrop")
}

fn create_key(data_dir: &Path, name: &str, sandbox: bool) -> Value {
    create_key_with(data_dir, name, if sandbox { &["--sandbox"] } else { &[] })
}

fn create_key_with(data_dir: &Path, name: &str, extra: &[&str]) -> Value {
    let mut args = vec!["api-keys", "create", "--name", name];
    args.extend_from_slice(extra);
    let out = pennydrop(data_dir, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf8");
    assert_eq!(stdout.lines().count(), 1, "exactly one line: {stdout}");
    serde_json::from_str(stdout.trim()).expect("one JSON object")
}

struct Server {
    child: Child,
    base: String,
    first_lines: Vec<String>,
}

/// Starts `pennydrop serve` on an ephemeral port and waits for its "listening on" line.
fn serve(data_dir: &Path, log: &Path) -> Server {
    serve_with(data_dir, log, &[])
}

fn serve_with(data_dir: &Path, log: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .env("PENNYDROP_RATE_LIMIT_PRODUCTION", "100000")
        .env("PENNYDROP_RATE_LIMIT_SANDBOX", "100000")
        // The SDK's webhook flow runs its receiver on loopback.
        .env("PENNYDROP_WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8")
        .arg(data_dir)
        .args(extra)
        .env_remove("PENNYDROP_DATABASE_URL")
        .env_remove("PENNYDROP_ENCRYPTION_KEY")
        .env("PENNYDROP_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).expect("log file"))
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut first_lines = Vec::new();
    let base = loop {
        let line = lines
            .next()
            .expect("serve printed its address")
            .expect("line");
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.to_string();
        }
        first_lines.push(line);
    };
    Server {
        child,
        base,
        first_lines,
    }
}

impl Server {
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "serve did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

#[test]
fn api_keys_create_list_and_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let production = create_key(dir.path(), "acme", false);
    let obj = production.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["accountID", "mode", "publicKey", "secretKey"]);
    assert_eq!(production["mode"], "production");
    assert_eq!(create_key(dir.path(), "play", true)["mode"], "sandbox");

    let list = pennydrop(dir.path(), &["api-keys", "list"]);
    let text = String::from_utf8(list.stdout).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains(production["publicKey"].as_str().unwrap()));
    assert!(
        !text.contains(production["secretKey"].as_str().unwrap()),
        "secrets are never listed"
    );

    let pk = production["publicKey"].as_str().unwrap();
    assert!(pennydrop(dir.path(), &["api-keys", "revoke", pk])
        .status
        .success());
    let again = pennydrop(dir.path(), &["api-keys", "revoke", pk]);
    assert!(!again.status.success(), "revoking a revoked key fails");
    assert!(String::from_utf8_lossy(&again.stderr).contains("no active API key"));
}

#[test]
fn first_start_prints_a_working_sandbox_key_once_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let server = serve(dir.path(), &log);
    let key_line = server
        .first_lines
        .iter()
        .find(|l| l.starts_with('{'))
        .expect("the first start prints the sandbox key");
    let key: Value = serde_json::from_str(key_line).unwrap();
    assert_eq!(key["mode"], "sandbox");
    let server_lines = server.first_lines.clone();
    let try_line = server_lines.iter().find(|l| l.starts_with("Try: curl"));
    assert!(
        try_line.is_some_and(|l| l.contains(&server.base)),
        "the banner names the address actually bound: {server_lines:?}"
    );
    let r = http()
        .get(format!(
            "{}/accounts/{}",
            server.base,
            key["accountID"].as_str().unwrap()
        ))
        .basic_auth(
            key["publicKey"].as_str().unwrap(),
            key["secretKey"].as_str(),
        )
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let status = server.terminate();
    assert!(status.success(), "SIGTERM is a clean shutdown: {status:?}");
    let logged = std::fs::read_to_string(&log).unwrap();
    let secret = key["secretKey"].as_str().unwrap();
    assert!(!logged.contains(secret), "the secret is never logged");
    assert!(
        logged.contains(key["publicKey"].as_str().unwrap()),
        "the log names the first key by its public key"
    );
    assert!(!logged.contains('\u{1b}'), "no colour codes in a log file");
    let printed = server_lines.iter().filter(|l| l.contains(secret)).count();
    assert_eq!(printed, 1, "the secret is printed once: {server_lines:?}");

    // The second start finds keys and prints none.
    let server = serve(dir.path(), &log);
    assert!(server.first_lines.iter().all(|l| !l.starts_with('{')));
    server.terminate();
    let key_file = dir.path().join("encryption.key");
    assert!(key_file.exists());
}

fn sqlite_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["pennydrop.db", "pennydrop.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.join(name)) {
            all.extend(bytes);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn run_sdk(server: &Server, key: &Value, flows: &str) {
    run_sdk_with(server, key, None, flows)
}

fn run_sdk_with(server: &Server, key: &Value, operator: Option<&Value>, flows: &str) {
    let root = env!("CARGO_MANIFEST_DIR");
    let venv = Path::new(root).join("target").join("sdk-venv");
    let out = Command::new(Path::new(root).join("tests/sdk/run.sh"))
        .arg(flows)
        .current_dir(root)
        .env("SDK_VENV", &venv)
        .env("PENNYDROP_BASE_URL", &server.base)
        .env("PENNYDROP_PUBLIC_KEY", key["publicKey"].as_str().unwrap())
        .env("PENNYDROP_SECRET_KEY", key["secretKey"].as_str().unwrap())
        .env(
            "PENNYDROP_OPERATOR_PUBLIC_KEY",
            operator.and_then(|o| o["publicKey"].as_str()).unwrap_or(""),
        )
        .env(
            "PENNYDROP_OPERATOR_SECRET_KEY",
            operator.and_then(|o| o["secretKey"].as_str()).unwrap_or(""),
        )
        .output()
        .expect("run tests/sdk/run.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "SDK flow {flows} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&format!("PASS {flows}:")), "{stdout}");
    let steps = stdout.lines().filter(|l| l.contains(" ok ")).count();
    assert!(steps >= 10, "the flow ran its steps: {stdout}");
}

/// The official Moov TypeScript SDK (pinned in tests/sdk/ts/package-lock.json) over every Moov
/// route: accounts of both types (create, list, get, update, disconnect), bank accounts,
/// micro-deposits, instant verification, payment methods, tokens, webhooks and ping. Any answer its zod
/// schemas reject fails the run.
#[test]
fn moov_typescript_sdk_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = create_key(dir.path(), "ts-sandbox", true);
    let server = serve(dir.path(), &dir.path().join("serve.log"));
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(Path::new(root).join("tests/sdk/ts/run.sh"))
        .current_dir(root)
        .env("PENNYDROP_BASE_URL", &server.base)
        .env(
            "PENNYDROP_PUBLIC_KEY",
            sandbox["publicKey"].as_str().unwrap(),
        )
        .env(
            "PENNYDROP_SECRET_KEY",
            sandbox["secretKey"].as_str().unwrap(),
        )
        .output()
        .expect("run tests/sdk/ts/run.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("PASS typescript"),
        "TypeScript SDK run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(server.terminate().success());
}

#[test]
fn moov_python_sdk_end_to_end_and_nothing_leaks() {
    let dir = tempfile::tempdir().unwrap();
    let production = create_key(dir.path(), "sdk-production", false);
    let sandbox = create_key(dir.path(), "sdk-sandbox", true);
    let operator = create_key_with(dir.path(), "sdk-operator", &["--operator"]);
    let log = dir.path().join("serve.log");
    let server = serve(dir.path(), &log);

    // Foundation, sandbox micro-deposits ([0,0]) and instant (MV0001), payment methods, tokens.
    run_sdk(&server, &sandbox, "sandbox-all");
    // Production instant verification on the simulated network, with the code read from the
    // simulator statement, and five wrong codes ending in max-attempts-exceeded.
    // Production micro-deposits through the ACH rail and the simulated bank (amounts read from
    // the statement), and an R03 return and a C01 NOC applied.
    run_sdk_with(&server, &production, Some(&operator), "production-all");
    run_sdk(&server, &production, "foundation");

    // Link a known number through the API, verify it instantly, read its statement by HTTP and
    // by CLI, then look for the number everywhere it must not be.
    let secret_number = "987654321012345";
    let auth = (
        production["publicKey"].as_str().unwrap(),
        production["secretKey"].as_str().unwrap(),
    );
    let account: Value = http()
        .post(format!("{}/accounts", server.base))
        .basic_auth(auth.0, Some(auth.1))
        .header("content-type", "application/json")
        .body(r#"{"accountType":"business","profile":{"business":{"legalBusinessName":"Acme"}}}"#)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let account_id = account["accountID"].as_str().unwrap();
    let linked: Value = http()
        .post(format!("{}/accounts/{account_id}/bank-accounts", server.base))
        .basic_auth(auth.0, Some(auth.1))
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"account":{{"holderName":"Acme","holderType":"business","accountNumber":"{secret_number}","bankAccountType":"checking","routingNumber":"021000021"}}}}"#
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        !linked.to_string().contains(secret_number),
        "responses carry only the last four"
    );
    let bank_id = linked["bankAccountID"].as_str().unwrap();
    let verify: Value = http()
        .post(format!(
            "{}/accounts/{account_id}/bank-accounts/{bank_id}/verify",
            server.base
        ))
        .basic_auth(auth.0, Some(auth.1))
        .header("x-wait-for", "rail-response")
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(verify["status"], "sent-credit");
    let statement = http()
        .get(format!(
            "{}/simulator/accounts/021000021/{secret_number}/transactions",
            server.base
        ))
        .basic_auth(auth.0, Some(auth.1))
        .send()
        .unwrap();
    assert_eq!(statement.status(), 200);
    let cli = pennydrop(
        dir.path(),
        &[
            "simulator",
            "statement",
            "--routing",
            "021000021",
            "--account",
            secret_number,
        ],
    );
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let cli_out = String::from_utf8(cli.stdout).unwrap();
    assert_eq!(cli_out.lines().count(), 1, "{cli_out}");
    let line: Value = serde_json::from_str(cli_out.trim()).unwrap();
    assert!(line["statementText"]
        .as_str()
        .unwrap()
        .starts_with("PENNYDROP MV"));
    assert_eq!(line["amountCents"], 1);
    let status = server.terminate();
    assert!(status.success());

    let logged = std::fs::read(&log).unwrap();
    assert!(!logged.is_empty(), "debug logging was on");
    assert!(
        contains(
            &logged,
            "/simulator/accounts/{routing_number}/{account_number}/transactions"
        ),
        "routes are logged as templates"
    );
    assert!(
        !contains(&logged, secret_number),
        "account number found in the log"
    );
    let db = sqlite_bytes(dir.path());
    assert!(db.len() > 4096);
    assert!(
        !contains(&db, secret_number),
        "plaintext account number in the SQLite files"
    );
    assert!(
        contains(&db, "2345"),
        "sanity: the last four are stored in clear"
    );
}

#[tokio::test]
async fn postgres_tables_hold_no_plaintext_account_number() {
    let Some(app) =
        common::TestApp::postgres("postgres_tables_hold_no_plaintext_account_number").await
    else {
        return;
    };
    let key = app.tenant(pennydrop_core::model::Mode::Production).await;
    let caller = common::Caller {
        app: &app,
        key: &key,
    };
    let account = caller.create_account().await;
    for number in ["11112222333344", "55556666777788"] {
        assert_eq!(caller.link(&account, number).await.status, 200);
    }
    let db_url = app.postgres_url().expect("postgres app");
    let dump = Command::new("pg_dump")
        .args(["--data-only", "--dbname", &db_url])
        .output()
        .expect("pg_dump is installed with PostgreSQL");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let text = String::from_utf8_lossy(&dump.stdout);
    assert!(
        text.contains("bank_accounts"),
        "the dump has the bank_accounts table"
    );
    assert!(
        text.contains("3344") && text.contains("7788"),
        "sanity: last four present"
    );
    for number in ["11112222333344", "55556666777788"] {
        assert!(!text.contains(number), "plaintext {number} in pg_dump");
    }
    app.stop().await;
}

#[test]
fn ach_inspect_summarizes_valid_files_and_names_the_line_of_an_error() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/nacha/tests/data");
    let ok = Command::new(BIN)
        .args(["ach", "inspect"])
        .arg(data.join("ppd-mixedDebitCredit.ach"))
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let text = String::from_utf8(ok.stdout).unwrap();
    assert!(text.contains("batch 1 PPD"), "{text}");
    let json = Command::new(BIN)
        .args(["ach", "inspect", "--json"])
        .arg(data.join("ppd-mixedDebitCredit.ach"))
        .output()
        .unwrap();
    let summary: Value = serde_json::from_slice(&json.stdout).expect("JSON summary");
    assert_eq!(
        summary["batch_count"]
            .as_u64()
            .or(summary["batchCount"].as_u64()),
        Some(1),
        "{summary}"
    );
    let bad = Command::new(BIN)
        .args(["ach", "inspect"])
        .arg(data.join("ppd-debit-invalid-entryDetail-checkDigit.ach"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("line 3"), "{err}");
}

/// A file that reads but breaks a validator rule moov-io/ach also applies (a PPD receiver
/// named only zeros) is reported invalid, with the rule, like a file that does not read.
#[test]
fn ach_inspect_reports_the_rules_a_readable_file_breaks() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/nacha/tests/data");
    let text = std::fs::read_to_string(data.join("ppd-mixedDebitCredit.ach")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Line 3 is the first entry; the individual name is positions 55-76.
    lines[2].replace_range(54..76, &format!("{:<22}", "0000"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zeros.ach");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    assert!(nacha::read_str(&std::fs::read_to_string(&path).unwrap()).is_ok());
    let out = Command::new(BIN)
        .args(["ach", "inspect"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("batch 1, entry 1: individual name") && err.contains("(individual-name)"),
        "{err}"
    );
}

#[test]
fn a_real_bank_turns_the_simulator_off_unless_forced_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let real = [
        "--log-format",
        "json",
        "--odfi-routing",
        "091000019",
        "--odfi-name",
        "WELLS",
    ];
    let server = serve_with(dir.path(), &log, &real);
    let key: Value = serde_json::from_str(&server.first_lines[1]).expect("first-start key");
    let auth = (
        key["publicKey"].as_str().unwrap().to_string(),
        key["secretKey"].as_str().unwrap().to_string(),
    );
    let statement = http()
        .get(format!(
            "{}/simulator/accounts/021000021/12345678/transactions",
            server.base
        ))
        .basic_auth(&auth.0, Some(&auth.1))
        .send()
        .unwrap();
    assert_eq!(statement.status(), 404, "no simulated network");
    assert!(server.terminate().success());
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("the simulated bank network is off"),
        "{logged}"
    );
    assert!(logged.contains("pennydrop configuration"), "{logged}");
    assert!(logged.contains(r#""simulator":"off""#), "{logged}");
    assert!(
        logged.contains("091000019"),
        "the summary names the ODFI: {logged}"
    );

    let forced_log = dir.path().join("forced.log");
    let mut forced = real.to_vec();
    forced.push("--force-simulator");
    let server = serve_with(dir.path(), &forced_log, &forced);
    let health = http()
        .get(format!("{}/health", server.base))
        .send()
        .unwrap();
    assert_eq!(
        health.status(),
        200,
        "serving (and its signal handler installed)"
    );
    assert!(server.terminate().success());
    let logged = std::fs::read_to_string(&forced_log).unwrap();
    assert!(
        logged.contains("the SIMULATED bank runs beside a REAL bank"),
        "{logged}"
    );
}

/// `--outbox-group` names the group in the configuration summary and lets it through the data
/// directory (0710); a group that does not exist stops `serve` at start-up, naming the flag.
#[cfg(unix)]
#[test]
fn serve_takes_an_outbox_group_and_refuses_one_that_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (group, gid) = common::outbox_test_group();
    let log = dir.path().join("serve.log");
    let server = serve_with(&data, &log, &["--outbox-group", &group]);
    let health = http()
        .get(format!("{}/health", server.base))
        .send()
        .unwrap();
    assert_eq!(
        health.status(),
        200,
        "serving (and its signal handler installed)"
    );
    assert!(server.terminate().success());
    let logged = std::fs::read_to_string(&log).unwrap();
    let summary = logged
        .lines()
        .find(|l| l.contains("pennydrop configuration"))
        .unwrap_or_else(|| panic!("a summary line: {logged}"));
    assert!(
        summary.contains(&format!("(gid {gid})")),
        "the summary names the outbox group: {summary}"
    );
    assert_eq!(common::mode_and_group(&data), (0o710, gid));
    assert_eq!(
        common::mode_and_group(&data.join("ach/outbox")),
        (0o750, gid)
    );

    let fresh = dir.path().join("fresh");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&fresh)
        .args(["--outbox-group", "pennydrop-no-such-group"])
        .env_remove("PENNYDROP_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve started with a group that does not exist");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr");
    assert!(!status.success());
    assert!(
        stderr.contains("--outbox-group") && stderr.contains("pennydrop-no-such-group"),
        "{stderr}"
    );
    assert!(!fresh.exists(), "nothing created before refusing: {stderr}");
}

#[test]
fn sigterm_exits_within_the_grace_period_even_with_a_stuck_client() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let server = serve_with(
        dir.path(),
        &log,
        &[
            "--shutdown-grace-seconds",
            "1",
            "--body-timeout-seconds",
            "600",
            "--header-timeout-seconds",
            "600",
        ],
    );
    let health = http()
        .get(format!("{}/health", server.base))
        .send()
        .unwrap();
    assert_eq!(health.status(), 200);
    // An authenticated request whose body never finishes: in flight until the grace period
    // ends it.
    let key: Value = serde_json::from_str(&server.first_lines[1]).expect("first-start key");
    let credentials = base64_basic(
        key["publicKey"].as_str().unwrap(),
        key["secretKey"].as_str().unwrap(),
    );
    let address = server.base.trim_start_matches("http://").to_string();
    let mut stuck = std::net::TcpStream::connect(&address).unwrap();
    stuck
        .write_all(
            format!(
                "POST /accounts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic {credentials}\r\n\
                 Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"accountType\":"
            )
            .as_bytes(),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // `terminate` fails the test if the process is still running 20 s after SIGTERM.
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("still open after the shutdown grace period"),
        "{logged}"
    );
    drop(stuck);
}

fn base64_basic(user: &str, password: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

/// Runs `pennydrop` with `args` (no data dir added) and the PENNYDROP_* variables that would
/// change the outcome removed.
fn run(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(BIN);
    command.args(args);
    for var in [
        "PENNYDROP_DATABASE_URL",
        "PENNYDROP_ENCRYPTION_KEY",
        "PENNYDROP_DATA_DIR",
        "PENNYDROP_CONFIG",
        "PENNYDROP_LISTEN",
        "RUST_BACKTRACE",
        "RUST_LIB_BACKTRACE",
    ] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    command.output().expect("run pennydrop")
}

#[test]
fn an_occupied_port_stops_serve_before_it_creates_anything() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let out = run(
        &["serve", "--listen", &address, "--data-dir", data_arg],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("--listen") && stderr.contains(&address),
        "{stderr}"
    );
    assert!(!data.exists(), "no data directory is created");
    assert!(!stdout.contains("secretKey"), "no key is created: {stdout}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line: {stderr}");
}

/// Makes `path` immutable (even root cannot create files in it) until dropped; None when
/// `chattr` is missing or the filesystem refuses it.
struct Immutable<'a>(&'a Path);

impl<'a> Immutable<'a> {
    fn set(path: &'a Path) -> Option<Self> {
        let ok = Command::new("chattr").arg("+i").arg(path).status();
        matches!(ok, Ok(s) if s.success()).then_some(Immutable(path))
    }
}

impl Drop for Immutable<'_> {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(self.0).status();
    }
}

#[test]
fn a_read_only_data_directory_is_a_clear_start_up_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // File modes do not stop root; an immutable directory does (and stops anyone else too).
    let Some(_immutable) = Immutable::set(&data) else {
        eprintln!("SKIPPED a_read_only_data_directory_is_a_clear_start_up_error: chattr +i is unavailable here");
        return;
    };
    let data_arg = data.to_str().unwrap();
    let out = run(
        &["serve", "--listen", "127.0.0.1:0", "--data-dir", data_arg],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("the data directory {data_arg} is not writable"))
            && stderr.contains("--data-dir")
            && stderr.contains("write access"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
}

#[test]
fn a_dead_postgres_port_is_named_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // A port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/pennydrop");
    let started = Instant::now();
    let out = run(
        &["migrate", "--data-dir", dir.path().to_str().unwrap()],
        &[("PENNYDROP_DATABASE_URL", &url)],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no 10 s pool timeout"
    );
    assert!(
        stderr.contains(&format!("host 127.0.0.1, port {port}"))
            && stderr.contains("PENNYDROP_DATABASE_URL")
            && !stderr.contains("pool timed out"),
        "{stderr}"
    );
}

#[test]
fn the_configuration_file_yields_to_the_environment_which_yields_to_flags() {
    let dir = tempfile::tempdir().unwrap();
    let [from_file, from_env, from_flag] = ["file", "env", "flag"].map(|n| dir.path().join(n));
    let config = dir.path().join("pennydrop.toml");
    std::fs::write(
        &config,
        format!(
            "data-dir = {:?}\nlog-format = \"json\"\n",
            from_file.display().to_string()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let create = ["api-keys", "create", "--name", "k"];
    let with_config = [&["--config", config][..], &create[..]].concat();
    assert!(run(&with_config, &[]).status.success());
    assert!(
        from_file.join("pennydrop.db").exists(),
        "the file's data-dir"
    );
    let env_dir = from_env.to_str().unwrap();
    assert!(run(&with_config, &[("PENNYDROP_DATA_DIR", env_dir)])
        .status
        .success());
    assert!(
        from_env.join("pennydrop.db").exists(),
        "the environment beats the file"
    );
    let flag = [
        &with_config[..],
        &["--data-dir", from_flag.to_str().unwrap()][..],
    ]
    .concat();
    assert!(run(&flag, &[("PENNYDROP_DATA_DIR", env_dir)])
        .status
        .success());
    assert!(
        from_flag.join("pennydrop.db").exists(),
        "the flag beats both"
    );
    // PENNYDROP_CONFIG names the file too.
    assert!(run(&create[..], &[("PENNYDROP_CONFIG", config)])
        .status
        .success());
    let list = run(&["api-keys", "list"], &[("PENNYDROP_CONFIG", config)]);
    assert_eq!(String::from_utf8_lossy(&list.stdout).lines().count(), 2);

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "listen = \"127.0.0.1:0\"\ncolour = \"blue\"\n").unwrap();
    let out = run(
        &["--config", bad.to_str().unwrap(), "api-keys", "list"],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("unknown key `colour`"), "{stderr}");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/pennydrop.toml");
    let out = run(
        &["--config", example.to_str().unwrap(), "serve", "--help"],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ach_inspect_takes_several_files_and_stops_quietly_on_a_closed_pipe() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/nacha/tests/data");
    let good = data.join("ppd-mixedDebitCredit.ach");
    let bad = data.join("ppd-debit-invalid-entryDetail-checkDigit.ach");
    let out = Command::new(BIN)
        .args(["ach", "inspect"])
        .args([&good, &bad, &good])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "one invalid file: status 1");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("batch 1 PPD").count(),
        2,
        "both good files: {text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3"));

    // Far more than a pipe holds, then the reader goes away after one line (`| head -1`).
    let mut child = Command::new(BIN)
        .args(["ach", "inspect"])
        .args(std::iter::repeat_n(&good, 3000))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "quiet: {stderr}");
    assert!(out.status.success(), "{:?}", out.status);
}

#[test]
fn version_and_one_line_errors() {
    let out = run(&["--version"], &[]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("pennydrop {}", env!("CARGO_PKG_VERSION"))
    );
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().to_str().unwrap();
    let revoke = ["api-keys", "revoke", "pdpk_nope", "--data-dir", dir];
    let out = run(&revoke, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: no active API key pdpk_nope"),
        "{stderr}"
    );
    let verbose = [&revoke[..], &["--verbose"][..]].concat();
    let stderr = String::from_utf8_lossy(&run(&verbose, &[]).stderr).to_string();
    assert!(stderr.contains("Stack backtrace"), "{stderr}");
}

#[test]
fn metrics_need_an_operator_on_the_api_port_and_access_logs_name_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let operator = create_key_with(dir.path(), "ops", &["--operator"]);
    let tenant = create_key(dir.path(), "tenant", true);
    let extra = ["--metrics-listen", "127.0.0.1:0", "--log-format", "json"];
    let server = serve_with(dir.path(), &log, &extra);
    let metrics_url = server
        .first_lines
        .iter()
        .find_map(|l| l.strip_prefix("metrics on "))
        .expect("the metrics address is printed")
        .to_string();
    let (pk, sk) = (
        tenant["publicKey"].as_str().unwrap(),
        tenant["secretKey"].as_str(),
    );
    let account = tenant["accountID"].as_str().unwrap();
    let r = http()
        .get(format!("{}/accounts/{account}", server.base))
        .basic_auth(pk, sk)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let metrics = format!("{}/metrics", server.base);
    assert_eq!(http().get(&metrics).send().unwrap().status(), 401);
    let r = http().get(&metrics).basic_auth(pk, sk).send().unwrap();
    assert_eq!(r.status(), 403, "a tenant key is not an operator key");
    let ops = (
        operator["publicKey"].as_str().unwrap(),
        operator["secretKey"].as_str(),
    );
    let text = http()
        .get(&metrics)
        .basic_auth(ops.0, ops.1)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        text.contains(
            "pennydrop_http_requests_total{route=\"/accounts/{account_id}\",method=\"GET\",status=\"2xx\",dialect=\"moov\"} 1"
        ),
        "{text}"
    );
    for family in [
        "pennydrop_http_request_duration_seconds_bucket",
        "pennydrop_ach_pending_entries 0",
        "# TYPE pennydrop_ach_files gauge",
        "# TYPE pennydrop_ach_inbound_files gauge",
        "# TYPE pennydrop_ach_cutoff_duration_seconds histogram",
    ] {
        assert!(text.contains(family), "{family}: {text}");
    }
    let open = http().get(&metrics_url).send().unwrap();
    assert_eq!(open.status(), 200, "no credentials on --metrics-listen");
    assert!(open
        .text()
        .unwrap()
        .contains("pennydrop_http_requests_total"));
    let other = metrics_url.replace("/metrics", &format!("/accounts/{account}"));
    assert_eq!(
        http()
            .get(&other)
            .basic_auth(pk, sk)
            .send()
            .unwrap()
            .status(),
        404
    );
    server.terminate();

    let logged = std::fs::read_to_string(&log).unwrap();
    let line = logged
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| {
            l["fields"]["message"] == "request finished"
                && l["span"]["route"] == "/accounts/{account_id}"
        })
        .unwrap_or_else(|| panic!("an access log line: {logged}"));
    assert_eq!(line["span"]["tenant"], account, "{line}");
    assert_eq!(line["span"]["key"], pk, "{line}");
    assert!(!logged.contains(sk.unwrap()), "secrets are never logged");
}

/// A webhook receiver on loopback (plain std, one request per connection): answers 500 to
/// its first call and 200 after; records every body.
fn webhook_receiver() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/hooks?token=query-secret-42",
        listener.local_addr().unwrap()
    );
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let bodies = got.clone();
    std::thread::spawn(move || {
        for (calls, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let status = if calls == 0 { "500 Oops" } else { "200 OK" };
            if calls > 0 {
                bodies
                    .lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap());
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    });
    (url, got)
}

/// Waits (bounded) until `ready` holds; the worker delivers on its own schedule.
fn eventually(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn json_lines(out: &std::process::Output) -> Vec<Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn webhooks_cli_lists_shows_deliveries_and_replays_and_logs_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let key = create_key(dir.path(), "acme", false);
    let tenant = key["accountID"].as_str().unwrap();
    let auth = (
        key["publicKey"].as_str().unwrap(),
        key["secretKey"].as_str(),
    );
    let (url, got) = webhook_receiver();
    let server = serve(dir.path(), &log);
    let created: Value = http()
        .post(format!("{}/webhooks", server.base))
        .basic_auth(auth.0, auth.1)
        .json(&serde_json::json!({"url": url, "status": "enabled",
            "eventTypes": ["bankAccount.created"], "description": "cli"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let webhook = created["webhookID"]
        .as_str()
        .expect("webhookID")
        .to_string();
    let secret: Value = http()
        .get(format!("{}/webhooks/{webhook}/secret", server.base))
        .basic_auth(auth.0, auth.1)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let secret = secret["secret"].as_str().unwrap().to_string();
    let account: Value = http()
        .post(format!("{}/accounts", server.base))
        .basic_auth(auth.0, auth.1)
        .json(
            &serde_json::json!({"accountType": "individual", "profile": {"individual": {
            "name": {"firstName": "Jane", "lastName": "Doe"}, "email": "jane@example.com"}}}),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    let account = account["accountID"].as_str().unwrap();
    let linked = http()
        .post(format!("{}/accounts/{account}/bank-accounts", server.base))
        .basic_auth(auth.0, auth.1)
        .json(&serde_json::json!({"account": {"holderName": "Jane Doe",
            "holderType": "individual", "accountNumber": "55554444",
            "bankAccountType": "checking", "routingNumber": "021000021"}}))
        .send()
        .unwrap();
    assert_eq!(linked.status(), 200);
    // The first attempt gets a 500; the retry (10 s of backoff later) is delivered.
    eventually("the retry is delivered", || got.lock().unwrap().len() == 1);
    let event = got.lock().unwrap()[0]["eventID"]
        .as_str()
        .unwrap()
        .to_string();

    let data_dir = dir.path().to_str().unwrap();
    let cli = |args: &[&str]| run(&[args, &["--data-dir", data_dir]].concat(), &[]);
    let listed = json_lines(&cli(&["webhooks", "list", "--tenant", tenant]));
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["webhookID"], webhook.as_str());
    assert_eq!(listed[0]["url"], url.as_str());
    let text = serde_json::to_string(&listed).unwrap();
    assert!(
        !text.contains(&secret) && !text.contains("whsec_"),
        "{text}"
    );

    let deliveries = json_lines(&cli(&[
        "webhooks",
        "deliveries",
        "--tenant",
        tenant,
        &webhook,
    ]));
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    assert_eq!(deliveries[0]["eventID"], event.as_str());
    assert_eq!(deliveries[0]["status"], "delivered");
    assert_eq!(deliveries[0]["attempts"], 2);
    assert_eq!(deliveries[0]["lastStatusCode"], 200);

    let replayed = json_lines(&cli(&[
        "webhooks", "replay", "--tenant", tenant, &webhook, "--event", &event,
    ]));
    assert_eq!(replayed, [serde_json::json!({"replayed": 1})]);
    eventually("the running server sends the replayed event", || {
        got.lock().unwrap().len() == 2
    });
    assert_eq!(got.lock().unwrap()[1]["eventID"], event.as_str());
    let since = cli(&[
        "webhooks",
        "replay",
        "--tenant",
        tenant,
        &webhook,
        "--since",
        "2000-01-01T00:00:00Z",
    ]);
    assert_eq!(json_lines(&since), [serde_json::json!({"replayed": 1})]);
    let none = cli(&[
        "webhooks",
        "replay",
        "--tenant",
        tenant,
        &webhook,
        "--since",
        "2999-01-01T00:00:00Z",
    ]);
    assert_eq!(json_lines(&none), [serde_json::json!({"replayed": 0})]);
    let count = cli(&[
        "webhooks",
        "deliveries",
        "--tenant",
        tenant,
        &webhook,
        "--count",
        "1",
    ]);
    assert_eq!(json_lines(&count).len(), 1);

    // Errors: one line each, exit status 1.
    let stranger = uuid::Uuid::new_v4().to_string();
    for args in [
        vec!["webhooks", "list", "--tenant", &stranger],
        vec!["webhooks", "deliveries", "--tenant", tenant, &stranger],
        vec!["webhooks", "replay", "--tenant", tenant, &webhook],
    ] {
        let out = cli(&args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error"), "{args:?}: {err}");
        if args[1] != "replay" {
            assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        }
    }

    assert!(server.terminate().success());
    let log = std::fs::read_to_string(&log).unwrap();
    let failed: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("webhook delivery attempt failed"))
        .collect();
    assert_eq!(failed.len(), 1, "one line for the failed attempt: {log}");
    for part in [webhook.as_str(), event.as_str(), "attempt=1", "status=500"] {
        assert!(failed[0].contains(part), "{part}: {}", failed[0]);
    }
    for leak in [
        secret.as_str(),
        "query-secret-42",
        "\"eventID\"",
        "55554444",
    ] {
        assert!(!log.contains(leak), "{leak} in the log:\n{log}");
    }
}

/// A holder's link carries its token in the path: the access log records the route template
/// and never the token, with debug logging on, for a page, a refused form and an unknown link.
#[test]
fn verification_link_tokens_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let key = create_key(dir.path(), "links", true);
    let log = dir.path().join("serve.log");
    let server = serve(dir.path(), &log);
    let auth = (
        key["publicKey"].as_str().unwrap(),
        key["secretKey"].as_str().unwrap(),
    );
    let post = |path: &str, body: &str| -> Value {
        http()
            .post(format!("{}{path}", server.base))
            .basic_auth(auth.0, Some(auth.1))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let account = post(
        "/accounts",
        r#"{"accountType":"individual","profile":{"individual":{"name":{"firstName":"Jane","lastName":"Doe"}}}}"#,
    );
    let account = account["accountID"].as_str().unwrap();
    let bank = post(
        &format!("/accounts/{account}/bank-accounts"),
        r#"{"account":{"holderName":"Jane Doe","holderType":"individual","accountNumber":"55667788","bankAccountType":"checking","routingNumber":"021000021"}}"#,
    );
    let bank = bank["bankAccountID"].as_str().unwrap();
    let link = post(
        &format!("/accounts/{account}/bank-accounts/{bank}/verification-links"),
        "{}",
    );
    let url = link["url"].as_str().unwrap().to_string();
    let token = url.rsplit('/').next().unwrap().to_string();
    assert!(token.len() >= 40, "{url}");
    let page = http().get(&url).send().unwrap();
    assert_eq!(page.status(), 200);
    let refused = http()
        .post(format!("{url}/amounts"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("amount1=0.12&amount2=0.13")
        .send()
        .unwrap();
    assert_eq!(refused.status(), 403, "a form without its tag");
    let unknown = "A".repeat(43);
    let gone = http()
        .get(format!("{}/v/{unknown}", server.base))
        .send()
        .unwrap();
    assert_eq!(gone.status(), 404);
    assert!(server.terminate().success());

    let logged = std::fs::read(&log).unwrap();
    assert!(
        contains(&logged, "/v/{token}"),
        "routes are logged as templates"
    );
    assert!(!contains(&logged, &token), "a link's token reached the log");
    assert!(
        !contains(&logged, &unknown),
        "an unknown token reached the log"
    );
}

/// `pennydrop simulator serve` killed when the test ends, however it ends.
struct SimulatorProcess {
    child: Child,
    url: String,
}

impl Drop for SimulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn simulator_serve(data_dir: &Path) -> SimulatorProcess {
    let mut child = Command::new(BIN)
        .args([
            "simulator",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(data_dir)
        .env_remove("PENNYDROP_DATABASE_URL")
        .env_remove("PENNYDROP_ENCRYPTION_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn simulator serve");
    let stdout = child.stdout.take().expect("stdout");
    let line = BufReader::new(stdout)
        .lines()
        .next()
        .expect("the simulator printed its address")
        .expect("line");
    let url = line
        .rsplit(' ')
        .next()
        .expect("an address at the end")
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    SimulatorProcess { child, url }
}

/// The simulated network run alone, as a separate bank: `serve` pointed at it with
/// `--instant-connector-url` sends the credit over HTTP, the statement shows the code, and the
/// holder's code completes the verification.
#[test]
fn the_simulator_serves_alone_and_serve_reaches_it_through_the_connector() {
    let dir = tempfile::tempdir().unwrap();
    let simulator = simulator_serve(dir.path());
    let key = create_key(dir.path(), "instant", false);
    let participants = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/core/participants");
    let (rtp, fednow) = (
        participants.join("rtp.csv"),
        participants.join("fednow.csv"),
    );
    let connector = [
        "--instant-connector-url",
        &simulator.url,
        "--rtp-participants",
        rtp.to_str().unwrap(),
        "--fednow-participants",
        fednow.to_str().unwrap(),
        "--instant-debtor-account",
        "1000000001",
    ];
    let server = serve_with(dir.path(), &dir.path().join("serve.log"), &connector);
    let auth = (
        key["publicKey"].as_str().unwrap().to_string(),
        key["secretKey"].as_str().unwrap().to_string(),
    );
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| -> Value {
        let mut request = http()
            .request(method, format!("{}{path}", server.base))
            .basic_auth(&auth.0, Some(&auth.1))
            .header("x-wait-for", "rail-response");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().unwrap_or(Value::Null)
    };
    let account = call(
        reqwest::Method::POST,
        "/accounts",
        Some(serde_json::json!({"accountType": "individual",
            "profile": {"individual": {"name": {"firstName": "Jane", "lastName": "Doe"}}}})),
    )["accountID"]
        .as_str()
        .unwrap()
        .to_string();
    let bank = call(
        reqwest::Method::POST,
        &format!("/accounts/{account}/bank-accounts"),
        Some(serde_json::json!({"account": {"holderName": "Jane Doe", "holderType": "individual",
            "accountNumber": "12345678", "bankAccountType": "checking", "routingNumber": "021000021"}})),
    )["bankAccountID"]
        .as_str()
        .unwrap()
        .to_string();
    let verify = format!("/accounts/{account}/bank-accounts/{bank}/verify");
    let started = call(reqwest::Method::POST, &verify, None);
    assert_eq!(started["verificationMethod"], "instant", "{started}");
    assert_eq!(started["status"], "sent-credit", "{started}");

    let statement = pennydrop(
        dir.path(),
        &[
            "simulator",
            "statement",
            "--routing",
            "021000021",
            "--account",
            "12345678",
        ],
    );
    let line: Value = serde_json::from_slice(&statement.stdout).expect("one statement line");
    assert_eq!(line["rail"], "rtp", "{line}");
    let text = line["statementText"].as_str().unwrap();
    let code = &text[text.len() - 6..];
    assert!(code.starts_with("MV"), "{text}");
    let done = call(
        reqwest::Method::PUT,
        &verify,
        Some(serde_json::json!({ "code": code })),
    );
    assert_eq!(done["status"], "successful", "{done}");
    assert!(server.terminate().success());
}

#[path = "../crates/nacha/benches/common/mod.rs"]
mod nacha_file;

/// Runs `command` under a pseudo-terminal (util-linux `script`) and returns what the terminal
/// showed (stdout and stderr together).
fn on_a_terminal(command: &str) -> String {
    let out = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .output()
        .expect("util-linux script");
    assert!(out.status.success(), "{command}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What a terminal draws (a carriage return or an escape sequence) and a pipe must never see.
fn has_terminal_drawing(text: &str) -> bool {
    text.contains('\r') || text.contains("\u{1b}[")
}

/// `ach inspect` of a big file shows a progress bar on a terminal and nothing extra on a pipe.
#[test]
fn ach_inspect_shows_progress_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.ach");
    let file = nacha_file::builder(20_000).build().unwrap();
    std::fs::write(&path, file.to_bytes()).unwrap();
    let piped = Command::new(BIN)
        .args(["ach", "inspect"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(piped.status.success(), "{piped:?}");
    assert!(
        piped.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    assert!(!has_terminal_drawing(&String::from_utf8_lossy(
        &piped.stdout
    )));
    let shown = on_a_terminal(&format!("{BIN} ach inspect {}", path.display()));
    assert!(shown.contains("reading"), "{shown}");
    assert!(has_terminal_drawing(&shown), "{shown}");
    assert!(
        shown.contains("20000 entries"),
        "the summary follows: {shown}"
    );
}

/// `ach cutoff` names its stages on a terminal; on a pipe it prints its result and log only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ach_cutoff_shows_progress_on_a_terminal_only() {
    let mut app = common::TestApp::sqlite().await;
    let key = app.tenant(pennydrop_core::model::Mode::Production).await;
    let caller = common::Caller {
        app: &app,
        key: &key,
    };
    for number in ["111100001111", "111100002222"] {
        let (account, bank) = caller.account_with_bank("021000021", number).await;
        caller.initiate_micro_deposits(&account, &bank).await;
    }
    let data_dir = std::mem::replace(&mut app.data_dir, tempfile::tempdir().unwrap());
    app.stop().await;
    let cutoff = format!("{BIN} ach cutoff --data-dir {}", data_dir.path().display());
    let shown = on_a_terminal(&cutoff);
    assert!(shown.contains("due entries"), "{shown}");
    assert!(has_terminal_drawing(&shown), "{shown}");
    assert!(shown.contains("\"entryCount\":6"), "{shown}");
    // Nothing left to cut off: the second run, piped, says so without drawing.
    let piped = Command::new(BIN)
        .args(["ach", "cutoff", "--data-dir"])
        .arg(data_dir.path())
        .output()
        .unwrap();
    assert!(piped.status.success(), "{piped:?}");
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(stderr.contains("nothing pending"), "{stderr}");
    assert!(!has_terminal_drawing(&stderr), "{stderr}");
}
