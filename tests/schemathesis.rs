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

/// `pennydrop serve`, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sandbox_key(data_dir: &Path) -> (String, String) {
    let out = Command::new(BIN)
        .args(["api-keys", "create", "--name", "schemathesis", "--sandbox"])
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

#[test]
fn the_server_matches_its_openapi_document() {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().expect("tempdir");
    let (public_key, secret_key) = sandbox_key(dir.path());
    let (server, base) = serve(dir.path());
    let report = dir.path().join("report");
    let out = Command::new(Path::new(root).join("scripts/schemathesis.sh"))
        .current_dir(root)
        .env("PENNYDROP_URL", &base)
        .env("PENNYDROP_PUBLIC_KEY", &public_key)
        .env("PENNYDROP_SECRET_KEY", &secret_key)
        .env("MAX_EXAMPLES", MAX_EXAMPLES)
        .env("REPORT_DIR", &report)
        .output()
        .expect("run scripts/schemathesis.sh");
    drop(server);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis found answers that do not match /openapi.json:\n{stdout}\n{stderr}\n\
         server log: {}",
        std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default()
    );
    // It really ran: the summary counts the test cases, all passed.
    let summary = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Test cases:"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        summary.contains(" generated, ") && summary.trim_end().ends_with(" passed"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAILURES"), "{stdout}");
    println!("schemathesis: {}", summary.trim());
}
