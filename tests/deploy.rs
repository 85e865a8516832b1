//! The deployment files keep their promises. No container engine runs here, so the Dockerfile
//! is read rather than built: it must build the same release binary we ship (`cargo build
//! --release --locked -p pennydrop`), run it as a non-root user, keep the data directory in a
//! volume and declare a health check on `/health`. The systemd unit is checked by
//! `systemd-analyze verify` where that program exists.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Dockerfile's instructions, continuation lines joined.
fn instructions() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    out
}

#[test]
fn the_dockerfile_builds_the_locked_release_binary_and_runs_it_unprivileged() {
    let all = instructions();
    let stages: Vec<&String> = all.iter().filter(|i| i.starts_with("FROM ")).collect();
    assert_eq!(stages.len(), 2, "multi-stage: {stages:?}");
    assert!(stages[0].contains(" AS build"), "{stages:?}");
    assert!(
        stages[1].contains("-slim"),
        "a small runtime image: {stages:?}"
    );
    let build = all
        .iter()
        .find(|i| i.starts_with("RUN ") && i.contains("cargo build"))
        .expect("a cargo build step");
    let words: Vec<&str> = build.split_whitespace().collect();
    for word in ["--release", "--locked", "-p", "pennydrop"] {
        assert!(words.contains(&word), "{word} in {build}");
    }
    let runtime: Vec<&String> = all
        .iter()
        .skip_while(|i| !std::ptr::eq(*i, stages[1]))
        .collect();
    let user = runtime
        .iter()
        .find_map(|i| i.strip_prefix("USER "))
        .expect("a USER in the runtime stage");
    assert!(!["root", "0"].contains(&user.trim()), "non-root: {user}");
    let volume = runtime
        .iter()
        .find_map(|i| i.strip_prefix("VOLUME "))
        .expect("a VOLUME");
    assert!(volume.contains("/var/lib/pennydrop"), "{volume}");
    let data_dir = runtime
        .iter()
        .any(|i| i.starts_with("ENV ") && i.contains("PENNYDROP_DATA_DIR=/var/lib/pennydrop"));
    assert!(data_dir, "the data directory is the volume");
    let health = runtime
        .iter()
        .find(|i| i.starts_with("HEALTHCHECK "))
        .expect("a HEALTHCHECK");
    assert!(health.contains("/health"), "{health}");
    assert!(runtime.iter().any(|i| i.contains("COPY --from=build")));
    let ignored = std::fs::read_to_string(root().join(".dockerignore")).expect(".dockerignore");
    assert!(ignored.lines().any(|l| l.trim() == "target"));
}

#[test]
fn the_systemd_unit_verifies() {
    let unit = root().join("deploy/pennydrop.service");
    let text = std::fs::read_to_string(&unit).expect("unit");
    assert!(text.contains("ExecStart=/usr/local/bin/pennydrop serve"));
    assert!(text.contains("DynamicUser=yes") || text.contains("User="));
    let Ok(probe) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("SKIPPED systemd-analyze verify: systemd-analyze is not installed");
        return;
    };
    assert!(probe.status.success());
    // ExecStart must exist for verify: point it at the binary this test run built.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("pennydrop.service");
    let exec = env!("CARGO_BIN_EXE_pennydrop");
    std::fs::write(&copy, text.replace("/usr/local/bin/pennydrop", exec)).unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&copy)
        .output()
        .expect("systemd-analyze verify");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "systemd-analyze verify: {stderr}");
    let own: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("pennydrop.service"))
        .collect();
    assert!(own.is_empty(), "warnings about the unit: {own:?}");
}
