//! Files written by this crate are accepted by an independent validator, achlens 0.1.7 from
//! PyPI (installed by tests/third_party/setup.sh into <target>/nacha-validator-venv), and a
//! file whose amount was changed without fixing the control totals is rejected by it.
//!
//! Needs python3 and PyPI on first run.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use nacha::*;

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
    }
}

fn third_party_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/third_party")
}

/// Installs the validator if needed and returns the venv's python.
fn validator_python() -> PathBuf {
    let out = Command::new("bash")
        .arg(third_party_dir().join("setup.sh"))
        .arg(target_dir())
        .output()
        .expect("run setup.sh");
    assert!(
        out.status.success(),
        "setup.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    PathBuf::from(
        stdout
            .lines()
            .last()
            .expect("setup.sh prints the python path")
            .trim(),
    )
}

#[derive(Debug)]
struct Verdict {
    valid: bool,
    errors: u64,
    warnings: u64,
    rules: Vec<String>,
    report: String,
}

/// Runs the validator on all files in one process; one verdict per file, in order.
fn validate(python: &Path, files: &[PathBuf]) -> Vec<Verdict> {
    let out = Command::new(python)
        .arg(third_party_dir().join("validate.py"))
        .args(files)
        .output()
        .expect("run validate.py");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "validate.py failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<Verdict> = stdout
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            Verdict {
                valid: v["valid"].as_bool().unwrap(),
                errors: v["counts"]["error"].as_u64().unwrap(),
                warnings: v["counts"]["warning"].as_u64().unwrap(),
                rules: v["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["rule"].as_str().unwrap_or("").to_string())
                    .collect(),
                report: line.to_string(),
            }
        })
        .collect();
    assert_eq!(verdicts.len(), files.len(), "{stdout}");
    assert_eq!(
        out.status.code() == Some(0),
        verdicts.iter().all(|v| v.valid)
    );
    verdicts
}

fn batch(sec: SecCode, description: &str, odfi: &str) -> BatchParams {
    BatchParams {
        company_entry_description: description.into(),
        ..batch_params(sec, odfi)
    }
}

fn entry(code: TransactionCode, first8: &str, account: &str, cents: u64, name: &str) -> Entry {
    Entry::new(
        EntryDetail::new(code, routing(first8), account, cents)
            .individual_name(name)
            .individual_id(format!("ID-{account}")),
    )
}

/// The files to check: (name, file).
fn files() -> Vec<(&'static str, File)> {
    use TransactionCode as T;
    let ppd = FileBuilder::new(header_params())
        .batch(
            batch(SecCode::Ppd, "ACCTVERIFY", "12104288"),
            vec![
                entry(T::CHECKING_CREDIT, "23138010", "1001", 7, "JANE DOE"),
                entry(T::CHECKING_CREDIT, "23138010", "1001", 41, "JANE DOE"),
                entry(T::CHECKING_DEBIT, "23138010", "1001", 48, "JANE DOE"),
                entry(T::SAVINGS_CREDIT, "09100001", "2002", 13, "JOHN ROE"),
                entry(T::SAVINGS_CREDIT, "09100001", "2002", 22, "JOHN ROE"),
                entry(T::SAVINGS_DEBIT, "09100001", "2002", 35, "JOHN ROE"),
            ],
        )
        .build()
        .unwrap();

    let ccd = FileBuilder::new(header_params())
        .batch(
            batch(SecCode::Ccd, "PAYABLES", "12104288"),
            vec![
                entry(
                    T::CHECKING_CREDIT,
                    "02100002",
                    "3003",
                    1_250_000,
                    "ACME SUPPLY LLC",
                ),
                entry(
                    T::CHECKING_CREDIT,
                    "26107305",
                    "3004",
                    99_999,
                    "WIDGETS INC",
                ),
            ],
        )
        .batch(
            batch(SecCode::Ccd, "COLLECT", "12104288"),
            vec![entry(
                T::CHECKING_DEBIT,
                "02100002",
                "3005",
                420_000,
                "BIG CUSTOMER CO",
            )],
        )
        .build()
        .unwrap();

    let web = FileBuilder::new(header_params())
        .batch(
            batch(SecCode::Web, "VERIFY", "12104288"),
            vec![
                Entry::new(
                    EntryDetail::new(T::CHECKING_CREDIT, routing("23138010"), "4001", 1)
                        .individual_name("WEB USER ONE")
                        .discretionary_data("S"),
                )
                .with_payment_info("PENNYDROP VERIFICATION CODE MV1234"),
                Entry::new(
                    EntryDetail::new(T::CHECKING_DEBIT, routing("23138010"), "4002", 2599)
                        .individual_name("WEB USER TWO")
                        .discretionary_data("R"),
                )
                .with_payment_info("SUBSCRIPTION NOVEMBER"),
            ],
        )
        .build()
        .unwrap();

    let mut multi = FileBuilder::new(header_params());
    let routings = ["23138010", "09100001", "02100002", "12104288", "26107305"];
    for (i, sec) in [SecCode::Ppd, SecCode::Ccd, SecCode::Web, SecCode::Ppd]
        .into_iter()
        .enumerate()
    {
        let entries = (0..12)
            .map(|k| {
                let n = i * 100 + k;
                let code = if k % 4 == 3 {
                    T::CHECKING_DEBIT
                } else {
                    T::CHECKING_CREDIT
                };
                let e = EntryDetail::new(
                    code,
                    routing(routings[n % 5]),
                    format!("9{n:05}"),
                    1000 + n as u64,
                )
                .individual_name(format!("RECEIVER {n}"));
                let e = if sec == SecCode::Web {
                    e.discretionary_data("S")
                } else {
                    e
                };
                let e = Entry::new(e);
                if k % 5 == 0 {
                    e.with_payment_info(format!("REMITTANCE {n}"))
                } else {
                    e
                }
            })
            .collect();
        multi.add_batch(batch(sec, "PAYMENTS", "12104288"), entries);
    }
    let multi = multi.build().unwrap();

    let prenotes = FileBuilder::new(header_params())
        .batch(
            batch(SecCode::Ppd, "PRENOTE", "12104288"),
            vec![
                entry(
                    T::CHECKING_PRENOTE_CREDIT,
                    "23138010",
                    "5001",
                    0,
                    "PRENOTE ONE",
                ),
                entry(
                    T::SAVINGS_PRENOTE_DEBIT,
                    "09100001",
                    "5002",
                    0,
                    "PRENOTE TWO",
                ),
            ],
        )
        .build()
        .unwrap();

    vec![
        ("ppd-credits-debits.ach", ppd),
        ("ccd-two-batches.ach", ccd),
        ("web-addenda05.ach", web),
        ("multi-batch.ach", multi),
        ("ppd-prenotes.ach", prenotes),
    ]
}

#[test]
fn independent_validator_accepts_our_files_and_rejects_a_corrupted_one() {
    let python = validator_python();
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (name, file) in files() {
        let path = dir.path().join(name);
        std::fs::write(&path, file.to_string()).unwrap();
        paths.push(path);
    }
    assert_eq!(files()[3].1.batches.len(), 4);
    assert!(files()[3].1.control.block_count >= 6);

    // Corrupt the first credit of the PPD file: amount 7 -> 8, control records untouched.
    let good = files()[0].1.to_string();
    let corrupted = patch(&good, 3, 30, "0000000008");
    assert_ne!(corrupted, good);
    let e = read_str(&corrupted).unwrap_err();
    assert_eq!(
        e.kind,
        ReadErrorKind::ControlMismatch,
        "we reject it too: {e}"
    );
    let corrupted_path = dir.path().join("corrupted-amount.ach");
    std::fs::write(&corrupted_path, &corrupted).unwrap();

    // Corrupt the hash instead: another valid routing number for the same entry.
    let other_rdfi = routing("23138011");
    let corrupted_hash = patch(&good, 3, 4, &other_rdfi);
    assert!(read_str(&corrupted_hash).is_err());
    let corrupted_hash_path = dir.path().join("corrupted-hash.ach");
    std::fs::write(&corrupted_hash_path, &corrupted_hash).unwrap();

    let mut all = paths.clone();
    all.push(corrupted_path);
    all.push(corrupted_hash_path);
    let verdicts = validate(&python, &all);

    for (path, v) in paths.iter().zip(&verdicts) {
        assert!(v.valid, "{} rejected: {}", path.display(), v.report);
        assert_eq!((v.errors, v.warnings), (0, 0), "{}", v.report);
    }
    let bad = &verdicts[paths.len()];
    assert!(!bad.valid, "corrupted amount accepted: {}", bad.report);
    assert!(bad.errors >= 2, "{}", bad.report);
    let bad_hash = &verdicts[paths.len() + 1];
    assert!(
        !bad_hash.valid,
        "corrupted hash accepted: {}",
        bad_hash.report
    );
    eprintln!(
        "corrupted amount: {:?}; corrupted hash: {:?}",
        bad.rules, bad_hash.rules
    );
}
