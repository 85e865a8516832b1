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

/// Functions of more than this many lines need a comment (above them) saying why.
const MAX_FUNCTION_LINES: usize = 80;

/// (start line, length, name) of each function in `text` outside `#[cfg(test)]` modules.
fn functions(text: &str) -> Vec<(usize, usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        let Some(at) = words.iter().position(|w| *w == "fn") else {
            continue;
        };
        let modifiers_only = words[..at]
            .iter()
            .all(|w| ["pub", "async", "const", "unsafe"].contains(w) || w.starts_with("pub("));
        if !modifiers_only || trimmed.starts_with("//") {
            continue;
        }
        let name: String = words
            .get(at + 1)
            .map(|w| {
                w.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            })
            .unwrap_or_default();
        let (mut depth, mut started) = (0i64, false);
        for (j, l) in lines.iter().enumerate().skip(i) {
            for ch in l.chars() {
                match ch {
                    '{' => {
                        depth += 1;
                        started = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if !started && l.trim_end().ends_with(';') {
                break;
            }
            if started && depth == 0 {
                out.push((i, j - i + 1, name.clone()));
                break;
            }
        }
    }
    out
}

/// Whether the comments and attributes just above line `at` say why the function is long.
fn explained(lines: &[&str], at: usize) -> bool {
    lines[..at]
        .iter()
        .rev()
        .take_while(|l| {
            let t = l.trim_start();
            t.starts_with("//") || t.starts_with("#[")
        })
        .any(|l| l.to_lowercase().contains("long"))
}

#[test]
fn long_functions_say_why() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["crates", "src", "bench/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut unexplained = Vec::new();
    for file in files {
        let path = file.to_string_lossy().replace('\\', "/");
        if path.contains("/tests/") || path.contains("/benches/") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        for (at, len, name) in functions(&text) {
            if len > MAX_FUNCTION_LINES && !explained(&lines, at) {
                unexplained.push(format!("{path}:{} {name} ({len} lines)", at + 1));
            }
        }
    }
    assert!(
        unexplained.is_empty(),
        "split these, or say above them why they must be long: {unexplained:#?}"
    );
}
