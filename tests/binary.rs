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
    assert!(
        !logged.contains(key["secretKey"].as_str().unwrap()),
        "the secret is never logged"
    );

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
/// micro-deposits, instant verification, payment methods, tokens and ping. Any answer its zod
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
