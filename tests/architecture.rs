//! The layering that docs/architecture.md promises, checked: the HTTP dialects reach the
//! database and the rails only through the engine's ports, and no dialect imports another.

use std::path::Path;
use std::process::Command;

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

#[test]
fn the_api_crate_depends_on_the_engine_and_core_only() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(cargo())
        .args([
            "tree",
            "-p",
            "pennydrop-api",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(root)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("pennydrop-engine"), "{tree}");
    for forbidden in ["sqlx", "pennydrop-store", "pennydrop-rails"] {
        let hits: Vec<&str> = tree
            .lines()
            .filter(|l| l.split_whitespace().next() == Some(forbidden))
            .collect();
        assert!(
            hits.is_empty(),
            "pennydrop-api must not depend on {forbidden}: {hits:?}"
        );
    }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_dialect_imports_another() {
    let dialects = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/api/src/dialects");
    let names = ["moov", "finicity", "mx"];
    for own in names {
        let mut files = Vec::new();
        rust_files(&dialects.join(own), &mut files);
        assert!(!files.is_empty(), "{own} has sources");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read");
            for other in names.iter().filter(|n| **n != own) {
                for needle in [
                    format!("dialects::{other}"),
                    format!("super::super::{other}"),
                ] {
                    assert!(
                        !text.contains(&needle),
                        "{} imports the {other} dialect ({needle})",
                        file.display()
                    );
                }
            }
        }
    }
}
