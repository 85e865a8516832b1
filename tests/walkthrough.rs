//! The README's walk-through is a tested script: every ```bash block of README.md, in order,
//! runs in one bash (`set -euo pipefail`) against the real binary started from a fresh
//! directory with no configuration, exactly as a newcomer would run them — `pennydrop` on the
//! PATH, the server's default data directory `./pennydrop-data`, `curl` and `jq`.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_pennydrop");

/// The ```bash blocks of a Markdown text, in order.
fn bash_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```bash") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "an unclosed ```bash block");
    blocks
}

#[test]
fn the_blocks_are_found_in_order() {
    let md = "text\n```bash\necho one\n```\n```sh\nnot run\n```\n```bash\necho two\n```\n";
    assert_eq!(bash_blocks(md), vec!["echo one\n", "echo two\n"]);
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn the_readme_walkthrough_runs_top_to_bottom() {
    for tool in ["curl", "jq", "bash"] {
        assert!(
            have(tool),
            "{tool} is needed by the README walk-through (.ci/run installs it)"
        );
    }
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let blocks = bash_blocks(&readme);
    assert!(blocks.len() >= 5, "the walk-through has its blocks");
    let dir = tempfile::tempdir().expect("tempdir");
    let bin_dir = Path::new(BIN).parent().expect("binary's directory");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // A newcomer's shell: no PENNYDROP_* configuration. The manual pace of a reader never meets
    // the rate limits; a script does, so only they are raised.
    let clean = |cmd: &mut Command| {
        for (k, _) in std::env::vars() {
            if k.starts_with("PENNYDROP_") || k == "RUST_BACKTRACE" {
                cmd.env_remove(k);
            }
        }
        cmd.current_dir(dir.path()).env("PATH", &path);
    };
    let mut serve = Command::new(BIN);
    clean(&mut serve);
    serve
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("PENNYDROP_RATE_LIMIT_PRODUCTION", "100000")
        .env("PENNYDROP_RATE_LIMIT_SANDBOX", "100000")
        .env("PENNYDROP_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut server = serve.spawn().expect("pennydrop serve");
    let base = common::bound_address(&mut server);
    let script = format!("set -euo pipefail\n{}", blocks.join("\n"));
    let mut bash = Command::new("bash");
    clean(&mut bash);
    let out = bash
        .arg("-c")
        .arg(&script)
        .env("PD", &base)
        .output()
        .expect("bash");
    let _ = server.kill();
    let _ = server.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the walk-through stopped ({}).\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    // What the README says the blocks show.
    for expected in [
        r#"{"ping":"pong"}"#,
        r#"{"status":"new","bankName":"JPMORGAN CHASE BANK, NA","lastFourAccountNumber":"7000"}"#,
        r#"{"verificationMethod":"instant","status":"sent-credit"}"#,
        r#"{"status":"successful"}"#,
        r#"{"status":"verificationFailed","statusReason":"micro-deposit-return","code":"R03"}"#,
        "idempotent-replayed: true",
        r#"{"status":"Completed"}"#,
        r#"{"status":"Verified"}"#,
        r#"{"status":"VERIFIED"}"#,
        r#"{"status":"REQUESTED"}"#,
    ] {
        assert!(stdout.contains(expected), "{expected} not shown:\n{stdout}");
    }
    assert!(
        !stdout.contains("null"),
        "a value the README expects is missing:\n{stdout}"
    );
}
