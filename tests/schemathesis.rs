//! The server answers as its own OpenAPI document says: schemathesis (pinned in
//! tests/schemathesis/setup.sh) generates valid and invalid requests for every operation of
//! GET /openapi.json and checks status codes, content types and response schemas, against the
//! real binary on a fresh data dir with a sandbox key. Bounded for the test suite (a few cases
//! per operation, a fixed seed); `scripts/schemathesis.sh` with a larger `MAX_EXAMPLES` is the
//! long run (docs/api.md).

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_pennydrop");
/// Cases per operation: about 1,000 in all over the document's operations and phases.
const MAX_EXAMPLES: &str = "8";
/// Scenarios of the stateful phase per kind of key.
const STATEFUL_SCENARIOS: &str = "60";

/// `pennydrop serve`, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `pennydrop api-keys create` with `flags` (`--sandbox`, `--operator` or none: production).
fn create_key(data_dir: &Path, flags: &[&str]) -> (String, String) {
    let out = Command::new(BIN)
        .args(["api-keys", "create", "--name", "schemathesis"])
        .args(flags)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("PENNYDROP_DATABASE_URL")
        .env_remove("PENNYDROP_ENCRYPTION_KEY")
        .output()
        .expect("run pennydrop api-keys create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let field = |name: &str| key[name].as_str().expect(name).to_string();
    (field("publicKey"), field("secretKey"))
}

fn serve(data_dir: &Path) -> (Server, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env_remove("PENNYDROP_DATABASE_URL")
        .env_remove("PENNYDROP_ENCRYPTION_KEY")
        .env("PENNYDROP_RATE_LIMIT_SANDBOX", "1000000")
        .env("PENNYDROP_RATE_LIMIT_PRODUCTION", "1000000")
        // Generated webhooks must never reach out: every network is refused.
        .env("PENNYDROP_WEBHOOK_DENY_NETWORKS", "0.0.0.0/0,::/0")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(data_dir.join("serve.log")).expect("log file"))
        .spawn()
        .expect("spawn pennydrop serve");
    let base = common::bound_address(&mut child);
    (Server(child), base)
}

/// Runs scripts/schemathesis.sh against `base` with `env` (credentials, phases) and returns its
/// summary line and its "API Links" count (`N covered / ...`), failing on any finding.
fn schemathesis(base: &str, data_dir: &Path, run: &str, env: &[(&str, &str)]) -> (String, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(Path::new(root).join("scripts/schemathesis.sh"))
        .current_dir(root)
        .env("PENNYDROP_URL", base)
        .env("MAX_EXAMPLES", MAX_EXAMPLES)
        .env("REPORT_DIR", data_dir.join(format!("report-{run}")))
        .envs(env.iter().copied())
        .output()
        .expect("run scripts/schemathesis.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis ({run}) found answers that do not match /openapi.json:\n{stdout}\n{stderr}\n\
         server log: {}",
        std::fs::read_to_string(data_dir.join("serve.log")).unwrap_or_default()
    );
    // It really ran: the summary counts the test cases, all passed.
    let summary = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Test cases:"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        summary.contains(" generated, ") && summary.trim_end().ends_with(" passed"),
        "{run}: {stdout}"
    );
    assert!(!stdout.contains("FAILURES"), "{run}: {stdout}");
    let links = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("API Links:"))
        .unwrap_or_default();
    (summary.trim().to_string(), links.trim().to_string())
}

#[test]
fn the_server_matches_its_openapi_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (public_key, secret_key) = create_key(dir.path(), &["--sandbox"]);
    let (_server, base) = serve(dir.path());
    let keys = [
        ("PENNYDROP_PUBLIC_KEY", public_key.as_str()),
        ("PENNYDROP_SECRET_KEY", secret_key.as_str()),
    ];
    let (summary, _) = schemathesis(&base, dir.path(), "sandbox", &keys);
    println!("schemathesis: {summary}");
}

/// A bearer token for `scopes`, from `POST /oauth2/token` with the key pair.
fn bearer(base: &str, public_key: &str, secret_key: &str, scopes: &str) -> String {
    let out = Command::new("curl")
        .args(["-fsS", &format!("{base}/oauth2/token"), "-u"])
        .arg(format!("{public_key}:{secret_key}"))
        .args(["-H", "content-type: application/json", "-d"])
        .arg(serde_json::json!({"grant_type": "client_credentials", "scope": scopes}).to_string())
        .output()
        .expect("run curl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token: Value = serde_json::from_slice(&out.stdout).expect("a token as JSON");
    token["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// The stateful phase follows the document's links (create an account, link a bank account,
/// initiate micro-deposits or instant verification, complete; register a webhook and use it;
/// Finicity initiate then read and answer; MX user, micro-deposit, verify) with every kind of
/// key: sandbox, production, operator, and a bearer token with narrow scopes. Finicity routes get
/// each key's Finicity-App-Key and token, MX routes its HTTP Basic.
#[test]
fn stateful_chains_match_the_document_with_every_kind_of_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = create_key(dir.path(), &["--sandbox"]);
    let production = create_key(dir.path(), &[]);
    let operator = create_key(dir.path(), &["--operator"]);
    let (_server, base) = serve(dir.path());
    let narrow = bearer(
        &base,
        &sandbox.0,
        &sandbox.1,
        "/accounts.read /accounts.write",
    );
    let runs = [
        ("sandbox", &sandbox, None),
        ("production", &production, None),
        ("operator", &operator, None),
        ("bearer", &sandbox, Some(narrow.as_str())),
    ];
    for (run, (public_key, secret_key), token) in runs {
        let mut env = vec![
            ("PHASES", "stateful"),
            ("MAX_EXAMPLES", STATEFUL_SCENARIOS),
            ("PENNYDROP_PUBLIC_KEY", public_key.as_str()),
            ("PENNYDROP_SECRET_KEY", secret_key.as_str()),
        ];
        if let Some(token) = token {
            env.push(("PENNYDROP_BEARER", token));
        }
        let (summary, links) = schemathesis(&base, dir.path(), run, &env);
        println!("schemathesis stateful, {run} key: {summary}; links: {links}");
        // The chains really ran: responses fed later requests through many links (a narrow
        // token meets 403s early, so fewer).
        let covered: u32 = links
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{run}: no link count in {links:?}"));
        let least = if token.is_some() { 2 } else { 10 };
        assert!(covered >= least, "{run}: only {links}");
    }
    // The admin routes start no chain: the operator key gets the other phases too.
    let env = [
        ("PHASES", "examples,coverage,fuzzing"),
        ("PENNYDROP_PUBLIC_KEY", operator.0.as_str()),
        ("PENNYDROP_SECRET_KEY", operator.1.as_str()),
    ];
    let (summary, _) = schemathesis(&base, dir.path(), "operator-stateless", &env);
    println!("schemathesis, operator key, every other phase: {summary}");
}
