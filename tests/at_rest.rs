//! Invariants 3 and 7 at rest: after a production flow through every rail (micro-deposits by
//! ACH, an instant credit over RTP, an instant code by same-day ACH, a return), the database
//! (SQLite files with the WAL, or a `pg_dump` of PostgreSQL) holds no account number, no MV
//! code and no micro-deposit amount pair in clear — the simulated bank's books included — and
//! every micro-deposit entry keeps its amount sealed.

mod common;

use common::{Caller, TestApp};
use pennydrop_core::model::Mode;
use serde_json::Value;
use sqlx::Connection;

/// Runs a production flow; returns the secrets a dump must not show.
async fn full_flow(app: &TestApp) -> Vec<String> {
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller { app, key: &key };
    let o = Caller {
        app,
        key: &operator,
    };
    let mut secrets = Vec::new();
    // Micro-deposits, cut off and posted by the simulated bank.
    let (account, bank) = c.account_with_bank("231380104", "55667711").await;
    c.initiate_micro_deposits(&account, &bank).await;
    // One that the simulated bank returns (R03).
    let (returned, returned_bank) = c.account_with_bank("231380104", "3000000003").await;
    c.initiate_micro_deposits(&returned, &returned_bank).await;
    // An instant verification over RTP, and one that falls back to same-day ACH.
    let (instant, instant_bank) = c.account_with_bank("021000021", "99887766").await;
    let verify = format!("/accounts/{instant}/bank-accounts/{instant_bank}/verify");
    let r = c.post_with(&verify, ("x-wait-for", "rail-response")).await;
    assert_eq!(r.body["verificationMethod"], "instant", "{:?}", r.body);
    let (fallback, fallback_bank) = c.account_with_bank("231380104", "12345678").await;
    let verify_ach = format!("/accounts/{fallback}/bank-accounts/{fallback_bank}/verify");
    assert_eq!(c.post(&verify_ach, "").await.status, 200);
    let r = o.post("/admin/ach/cutoffs", "").await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    for number in ["55667711", "3000000003", "99887766", "12345678"] {
        secrets.push(number.to_string());
    }
    let statement = |routing: &str, number: &str| {
        format!("/simulator/accounts/{routing}/{number}/transactions")
    };
    let lines = c.get(&statement("231380104", "55667711")).await.body;
    let cents: Vec<i64> = credits(&lines);
    assert_eq!(cents.len(), 2, "{lines:?}");
    // The pair as the rules once stored it ("a,b"), either way round.
    secrets.push(format!("{},{}", cents[0], cents[1]));
    secrets.push(format!("{},{}", cents[1], cents[0]));
    for (routing, number) in [("021000021", "99887766"), ("231380104", "12345678")] {
        let lines = c.get(&statement(routing, number)).await.body;
        let text = lines["transactions"][0]["statementText"]
            .as_str()
            .unwrap_or_else(|| panic!("a coded credit on {number}: {lines:?}"))
            .to_string();
        let at = text.find("MV").expect("MV code");
        secrets.push(text[at..at + 6].to_string());
    }
    secrets
}

/// Micro-deposit entries in the database: (how many, how many with their amount in clear).
async fn micro_entries(url: &str) -> (i64, i64) {
    let all = "SELECT COUNT(*) FROM ach_entries \
               WHERE purpose IN ('micro-deposit-credit', 'micro-deposit-debit')";
    let clear = "SELECT COUNT(*) FROM ach_entries \
                 WHERE purpose IN ('micro-deposit-credit', 'micro-deposit-debit') \
                 AND (amount_cents <> 0 OR sealed_amount IS NULL)";
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.expect("sqlite");
        let a: i64 = sqlx::query_scalar(all)
            .fetch_one(&mut c)
            .await
            .expect("count");
        let b: i64 = sqlx::query_scalar(clear)
            .fetch_one(&mut c)
            .await
            .expect("count");
        (a, b)
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.expect("postgres");
        let a: i64 = sqlx::query_scalar(all)
            .fetch_one(&mut c)
            .await
            .expect("count");
        let b: i64 = sqlx::query_scalar(clear)
            .fetch_one(&mut c)
            .await
            .expect("count");
        (a, b)
    }
}

fn credits(statement: &Value) -> Vec<i64> {
    statement["transactions"]
        .as_array()
        .expect("transactions")
        .iter()
        .filter(|t| t["direction"] == "credit")
        .map(|t| t["amountCents"].as_i64().unwrap())
        .collect()
}

fn assert_absent(what: &str, bytes: &[u8], secrets: &[String]) {
    assert!(bytes.len() > 1000, "{what} is not empty");
    for s in secrets {
        assert!(
            !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
            "{s:?} in clear in {what}"
        );
    }
}

#[tokio::test]
async fn sqlite_files_hold_no_secret_in_clear() {
    let app = TestApp::sqlite().await;
    let secrets = full_flow(&app).await;
    let dir = app.data_dir.path();
    let mut all = Vec::new();
    for f in ["pennydrop.db", "pennydrop.db-wal"] {
        all.extend(std::fs::read(dir.join(f)).unwrap_or_default());
    }
    assert_absent("the SQLite files", &all, &secrets);
    let url = format!("sqlite://{}", dir.join("pennydrop.db").display());
    assert_eq!(
        micro_entries(&url).await,
        (6, 0),
        "amounts sealed in ach_entries"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_postgres_dump_holds_no_secret_in_clear() {
    let Some(app) = TestApp::postgres("at_rest_dump").await else {
        return;
    };
    let secrets = full_flow(&app).await;
    let url = app.postgres_url().expect("postgres");
    let dump = std::process::Command::new("pg_dump")
        .arg("--data-only")
        .arg(&url)
        .output()
        .expect("pg_dump (postgresql-client) is installed");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    assert!(String::from_utf8_lossy(&dump.stdout).contains("COPY public.verifications"));
    assert_absent("the PostgreSQL dump", &dump.stdout, &secrets);
    assert_eq!(
        micro_entries(&url).await,
        (6, 0),
        "amounts sealed in ach_entries"
    );
    app.stop().await;
}
