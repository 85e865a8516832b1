//! A short run of every cargo-fuzz target (`scripts/fuzz.sh`, fuzz/fuzz_targets/): each parser
//! of outside input (NACHA and ISO 20022 readers, each dialect's request bodies, the FedACH and
//! participant directories, the configuration file) gets arbitrary input, starting from its
//! committed corpus, for a few seconds. The script installs cargo-fuzz when it is missing and
//! builds fuzz/ (its own workspace) the first time, which takes a few minutes. The long runs
//! (10M executions per target) are in docs/fuzzing.md.

use std::path::Path;
use std::process::Command;

/// Seconds per target: enough to replay the corpus and try new inputs around it.
const SECONDS: &str = "5";

#[test]
fn every_fuzz_target_runs_without_a_crash() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let targets = Command::new(root.join("scripts/fuzz.sh"))
        .arg("--list")
        .output()
        .expect("run scripts/fuzz.sh --list");
    let targets = String::from_utf8_lossy(&targets.stdout).into_owned();
    let listed: Vec<&str> = targets.lines().collect();
    let mut on_disk: Vec<String> = std::fs::read_dir(root.join("fuzz/fuzz_targets"))
        .expect("fuzz/fuzz_targets")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".rs").map(str::to_string)
        })
        .collect();
    on_disk.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(
        sorted, on_disk,
        "scripts/fuzz.sh lists every target in fuzz/fuzz_targets"
    );

    let out = Command::new(root.join("scripts/fuzz.sh"))
        .args(["all", SECONDS])
        // The test binary's own environment must not leak into the fuzz build.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run scripts/fuzz.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "a fuzz target failed:\n{stdout}\n{stderr}"
    );
    for target in &listed {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("fuzz {target}: ")))
            .unwrap_or_else(|| panic!("no result for {target}:\n{stdout}\n{stderr}"));
        let executions: u64 = line
            .split_whitespace()
            .nth(2)
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no execution count in {line:?}"));
        assert!(executions > 0, "{line}");
        assert!(line.ends_with(", 0 crashes"), "{line}");
        println!("{line}");
    }
}
