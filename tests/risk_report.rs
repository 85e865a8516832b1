//! The annual-review risk report end to end: forward volume and returns made by real cutoffs
//! and return files read from the inbox, decisions and audit entries recorded through the
//! store, then the report read from the admin route and from the CLI against the same
//! database, as JSON and as CSV.

mod common;

use common::{Caller, TestApp};
use jiff::SignedDuration;
use pennydrop_core::model::Mode;
use pennydrop_core::risk::{
    AuditAction, AuditEntry, BlockEntry, BlockKind, RiskDecision, RiskOutcome, RiskRule,
    SYSTEM_ACTOR,
};
use pennydrop_core::Clock;
use pennydrop_engine::access::CreatedKey;
use pennydrop_engine::ports::Pause;
use serde_json::{json, Value};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_pennydrop");

/// A minimal RFC 4180 reader: quoted fields with doubled quotes and line breaks inside.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quote");
    assert!(field.is_empty() && row.is_empty(), "the last line ends");
    rows
}

/// The CSV's records as column-name → value maps.
fn records(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let rows = parse_csv(text);
    let header = rows[0].clone();
    rows[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), header.len(), "every line has every column: {r:?}");
            header.iter().cloned().zip(r.iter().cloned()).collect()
        })
        .collect()
}

async fn cutoff(app: &TestApp, operator: &CreatedKey) -> Value {
    let r = Caller { app, key: operator }
        .post("/admin/ach/cutoffs", "")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

/// Writes a return (code `code`) of the debit to `account_number` in the outbox file `name`
/// into the inbox, as the bank would, and reads the inbox.
async fn return_debit(app: &TestApp, name: &str, account_number: &str, code: &str) {
    let text = std::fs::read_to_string(app.data_dir.path().join("ach/outbox").join(name))
        .expect("outbox file");
    let file = nacha::read_str(&text).expect("our file reads");
    let mut returns = Vec::new();
    for batch in &file.batches {
        for entry in &batch.entries {
            if entry.detail.dfi_account_number.trim() == account_number
                && !entry.detail.transaction_code.is_credit()
            {
                returns.push((batch.clone(), entry.clone(), code.to_string()));
            }
        }
    }
    assert_eq!(returns.len(), 1, "one debit to {account_number}");
    let reply = pennydrop_rails::ach::simulated_reply(&file, &returns, &[], app.clock.now())
        .expect("return file");
    std::fs::write(
        app.data_dir
            .path()
            .join("ach/inbox")
            .join(format!("RETURN-{code}.ach")),
        reply,
    )
    .expect("write inbox");
    app.ach.process_inbox().await.expect("inbox read");
}

fn decision(tenant: Uuid, rule: RiskRule, outcome: RiskOutcome, app: &TestApp) -> RiskDecision {
    RiskDecision {
        decision_id: Uuid::new_v4(),
        tenant_id: tenant,
        bank_account_id: None,
        rule,
        outcome,
        inputs: json!({"count": 10, "max": 10}),
        decided_on: app.clock.now(),
    }
}

fn audit(
    action: AuditAction,
    tenant: Option<Uuid>,
    subject: &str,
    actor: &str,
    reason: &str,
    details: Value,
    app: &TestApp,
) -> AuditEntry {
    AuditEntry {
        audit_id: Uuid::new_v4(),
        action,
        tenant_id: tenant,
        subject: subject.into(),
        actor: actor.into(),
        reason: reason.into(),
        details,
        at: app.clock.now(),
    }
}

async fn scenario(app: TestApp) {
    let a = app.tenant(Mode::Production).await;
    let b = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let (ta, tb) = (a.account_id, b.account_id);
    let ca = Caller { app: &app, key: &a };
    let cb = Caller { app: &app, key: &b };

    // Tenant A: one account the bank takes, one it returns with R03 (all three entries).
    // Tenant B: one account the bank takes.
    let (acct, bank) = ca.account_with_bank("231380104", "55667788").await;
    ca.initiate_micro_deposits(&acct, &bank).await;
    let (acct, bank) = ca.account_with_bank("231380104", "3000000003").await;
    ca.initiate_micro_deposits(&acct, &bank).await;
    let (acct, bank) = cb.account_with_bank("231380104", "44556677").await;
    cb.initiate_micro_deposits(&acct, &bank).await;
    let done = cutoff(&app, &operator).await;
    assert_eq!(done["inbound"]["returns"], 3, "{done:?}");
    let name = done["files"][0]["fileName"].as_str().expect("file name");
    // A's other debit comes back unauthorized (R10), in a return file written to the inbox.
    app.clock.advance(SignedDuration::from_mins(30));
    return_debit(&app, name, "55667788", "R10").await;

    // Decisions and the audit trail, through the store as the risk component writes them.
    let store = app.store.clone();
    let decisions = [
        decision(ta, RiskRule::TenantHourly, RiskOutcome::NearLimit, &app),
        decision(ta, RiskRule::TenantHourly, RiskOutcome::Refused, &app),
        decision(tb, RiskRule::BlockedRouting, RiskOutcome::Refused, &app),
    ];
    let events: Vec<_> = decisions
        .iter()
        .map(|d| pennydrop_core::events::risk_decision(d, Uuid::new_v4()))
        .collect();
    store
        .record_risk_decisions(&decisions, &events)
        .await
        .expect("decisions");
    let paused = decision(ta, RiskRule::ReturnsUnauthorized, RiskOutcome::Paused, &app);
    let pause = Pause {
        tenant_id: ta,
        rule: RiskRule::ReturnsUnauthorized.as_str().into(),
        at: app.clock.now(),
        events: vec![pennydrop_core::events::risk_decision(
            &paused,
            Uuid::new_v4(),
        )],
        decision: Some(paused),
        audit: audit(
            AuditAction::TenantPaused,
            Some(ta),
            &ta.to_string(),
            SYSTEM_ACTOR,
            "the unauthorized return rate over 60 days is 50.00 %, the threshold is 0.50 %",
            json!({"rule": "returns.unauthorized"}),
            &app,
        ),
    };
    assert!(store.pause_tenant(&pause).await.expect("pause"));
    app.clock.advance(SignedDuration::from_hours(1));
    let resumed = audit(
        AuditAction::TenantResumed,
        Some(ta),
        &ta.to_string(),
        &operator.public_key,
        "reviewed with the originator, \"test\" returns",
        json!({}),
        &app,
    );
    assert!(store
        .resume_tenant(ta, &resumed, &[])
        .await
        .expect("resume"));
    let block = BlockEntry {
        kind: BlockKind::Routing,
        value: "011000015".into(),
        reason: "=fraud ring".into(),
        added_by: operator.public_key.clone(),
        added_on: app.clock.now(),
    };
    let blocked = audit(
        AuditAction::BlocklistAdded,
        None,
        "routing:011000015",
        &operator.public_key,
        "=fraud ring",
        json!({"kind": "routing"}),
        &app,
    );
    assert!(store.add_block(&block, &blocked).await.expect("block"));
    let unlocked = audit(
        AuditAction::BankAccountUnlocked,
        Some(tb),
        &bank,
        &operator.public_key,
        "holder called,\nverified by phone",
        json!({"holderName": "Jane Doe"}),
        &app,
    );
    store.record_audit(&unlocked).await.expect("audit");
    let settings = json!({"returnRates": {"unauthorizedBp": 40}});
    let changed = audit(
        AuditAction::SettingsChanged,
        Some(tb),
        &tb.to_string(),
        &operator.public_key,
        "stricter for B",
        settings.clone(),
        &app,
    );
    store
        .set_tenant_settings(tb, &settings, &changed)
        .await
        .expect("settings");

    // --- The admin route, JSON.
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let r = ops
        .get("/admin/risk/report?from=2026-11-23&to=2026-11-23")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let report = r.body;
    assert_eq!(report["reportVersion"], 1);
    assert_eq!(report["from"], "2026-11-23T00:00:00Z");
    assert_eq!(
        report["to"], "2026-11-24T00:00:00Z",
        "the `to` day included"
    );
    let tenant = |id: Uuid| {
        report["tenants"]
            .as_array()
            .expect("tenants")
            .iter()
            .find(|t| t["tenantID"] == id.to_string())
            .cloned()
            .unwrap_or_else(|| panic!("tenant {id} in {report:#}"))
    };
    let ra = tenant(ta);
    assert_eq!(ra["forwardDebits"], 2);
    assert_eq!(ra["forwardCredits"], 4);
    assert_eq!(ra["forwardEntries"], 6);
    let classes = &ra["returns"];
    assert_eq!(
        classes["unauthorized"],
        json!({"returnedDebits": 1, "debitRateBasisPoints": 5000, "returnedEntries": 1,
               "entryRateBasisPoints": 1666, "thresholdBasisPoints": 50})
    );
    assert_eq!(
        classes["administrative"],
        json!({"returnedDebits": 1, "debitRateBasisPoints": 5000, "returnedEntries": 3,
               "entryRateBasisPoints": 5000, "thresholdBasisPoints": 300})
    );
    assert_eq!(
        classes["overall"],
        json!({"returnedDebits": 2, "debitRateBasisPoints": 10000, "returnedEntries": 4,
               "entryRateBasisPoints": 6666, "thresholdBasisPoints": 1500})
    );
    assert_eq!(
        ra["returnCodes"],
        json!([{"code": "R03", "debits": 1, "credits": 2}, {"code": "R10", "debits": 1, "credits": 0}])
    );
    let rb = tenant(tb);
    assert_eq!(
        (rb["forwardDebits"].as_i64(), rb["forwardCredits"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(rb["returns"]["overall"]["returnedEntries"], 0);
    assert_eq!(
        rb["returns"]["unauthorized"]["thresholdBasisPoints"], 40,
        "the tenant's own threshold"
    );
    assert_eq!(report["totals"]["forwardEntries"], 9);
    assert_eq!(report["totals"]["returns"]["overall"]["returnedEntries"], 4);
    let hits = report["ruleHits"].as_array().expect("ruleHits");
    for (id, rule, outcome) in [
        (ta, "velocity.tenant-hourly", "near-limit"),
        (ta, "velocity.tenant-hourly", "refused"),
        (ta, "returns.unauthorized", "paused"),
        (tb, "blocklist.routing", "refused"),
    ] {
        assert!(
            hits.iter().any(|h| h["tenantID"] == id.to_string()
                && h["rule"] == rule
                && h["outcome"] == outcome
                && h["count"] == 1),
            "{rule} {outcome} in {hits:?}"
        );
    }
    let trail = report["auditTrail"].as_array().expect("auditTrail");
    let find = |action: &str| {
        trail
            .iter()
            .find(|e| e["action"] == action)
            .cloned()
            .unwrap_or_else(|| panic!("{action} in {trail:?}"))
    };
    let p = find("tenant.paused");
    assert_eq!(p["actor"], "system");
    assert_eq!(p["tenantID"], ta.to_string());
    assert_eq!(p["details"]["rule"], "returns.unauthorized");
    let res = find("tenant.resumed");
    assert_eq!(
        res["actor"],
        operator.public_key.as_str(),
        "the operator's key ID"
    );
    assert_eq!(
        res["reason"],
        "reviewed with the originator, \"test\" returns"
    );
    assert_eq!(res["at"], "2026-11-23T16:30:00Z");
    assert_eq!(find("blocklist.added")["subject"], "routing:011000015");
    let u = find("bankAccount.unlocked");
    assert_eq!(u["actor"], operator.public_key.as_str());
    assert!(u.get("details").is_none());
    assert_eq!(find("settings.changed")["details"], settings);
    let order: Vec<&str> = trail.iter().filter_map(|e| e["action"].as_str()).collect();
    let at = |a: &str| order.iter().position(|x| *x == a).unwrap_or(usize::MAX);
    assert!(
        at("tenant.paused") < at("tenant.resumed") && at("tenant.resumed") < at("blocklist.added")
    );
    let text = report.to_string();
    for secret in ["55667788", "3000000003", "44556677", "Jane Doe"] {
        assert!(!text.contains(secret), "{secret} in the report");
    }

    // --- The admin route, CSV.
    let csv = app
        .client
        .get(app.url("/admin/risk/report?from=2026-11-23&to=2026-11-24T00:00:00Z&format=csv"))
        .basic_auth(&operator.public_key, Some(&operator.secret_key))
        .send()
        .await
        .expect("send");
    assert_eq!(csv.status(), 200);
    assert!(csv
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv")));
    assert!(csv
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("attachment") && v.contains(".csv")));
    let csv_text = csv.text().await.expect("body");
    let check_csv = |text: &str| {
        let rows = records(text);
        assert_eq!(rows[0]["record"], "period");
        assert_eq!(rows[0]["name"], "2026-11-23T00:00:00Z/2026-11-24T00:00:00Z");
        let row = |record: &str, tenant: &str, name: &str| {
            rows.iter()
                .find(|r| r["record"] == record && r["tenantID"] == tenant && r["name"] == name)
                .cloned()
                .unwrap_or_else(|| panic!("{record} {tenant} {name}"))
        };
        let u = row("returns", &ta.to_string(), "unauthorized");
        assert_eq!(
            [
                &u["forwardDebits"],
                &u["forwardCredits"],
                &u["returnedDebits"],
                &u["debitRateBasisPoints"],
                &u["returnedEntries"],
                &u["entryRateBasisPoints"],
                &u["thresholdBasisPoints"]
            ],
            ["2", "4", "1", "5000", "1", "1666", "50"]
        );
        assert_eq!(
            row("returnCode", &ta.to_string(), "R03")["returnedEntries"],
            "3"
        );
        assert_eq!(row("totalReturns", "", "overall")["returnedEntries"], "4");
        assert_eq!(
            row("ruleHit", &tb.to_string(), "blocklist.routing")["count"],
            "1"
        );
        let resumed = row("audit", &ta.to_string(), "tenant.resumed");
        assert_eq!(resumed["actor"], operator.public_key);
        assert_eq!(
            resumed["reason"],
            "reviewed with the originator, \"test\" returns"
        );
        assert_eq!(
            row("audit", &ta.to_string(), "tenant.paused")["actor"],
            "system"
        );
        let unlock = row("audit", &tb.to_string(), "bankAccount.unlocked");
        assert_eq!(unlock["reason"], "holder called,\nverified by phone");
        assert_eq!(unlock["details"], "");
        assert_eq!(
            row("audit", "", "blocklist.added")["reason"],
            "'=fraud ring",
            "defused"
        );
        for secret in ["55667788", "3000000003", "44556677", "Jane Doe"] {
            assert!(!text.contains(secret), "{secret} in the CSV");
        }
    };
    check_csv(&csv_text);

    // --- The CLI against the same database: the same report.
    let run = |format: &str| {
        let out = std::process::Command::new(BIN)
            .args([
                "risk",
                "report",
                "--from",
                "2026-11-23",
                "--to",
                "2026-11-23",
                "--format",
                format,
            ])
            .arg("--data-dir")
            .arg(app.data_dir.path())
            .arg("--database-url")
            .arg(app.database_url())
            .env_remove("PENNYDROP_RISK")
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("run pennydrop");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let mut cli: Value = serde_json::from_str(&run("json")).expect("JSON");
    let mut api = report.clone();
    cli["generatedOn"] = Value::Null;
    api["generatedOn"] = Value::Null;
    assert_eq!(cli, api, "the CLI and the route give the same report");
    check_csv(&run("csv"));

    // Another period: nothing of this one.
    let r = ops
        .get("/admin/risk/report?from=2026-11-24&to=2026-12-31")
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["tenants"], json!([]), "{:?}", r.body);
    assert_eq!(r.body["auditTrail"], json!([]));

    // Bad parameters name themselves; tenants' keys may not read it.
    for (query, field) in [
        ("to=2026-11-23", "from"),
        ("from=2026-11-23", "to"),
        ("from=2026-11-23&to=yesterday", "to"),
        ("from=2026-11-24&to=2026-11-23", "to"),
        ("from=2026-11-23&to=2026-11-23&format=xml", "format"),
    ] {
        let r = ops.get(&format!("/admin/risk/report?{query}")).await;
        assert_eq!(r.status, 422, "{query}: {:?}", r.body);
        assert!(r.body["error"][field].is_string(), "{query}: {:?}", r.body);
    }
    let r = ca
        .get("/admin/risk/report?from=2026-11-23&to=2026-11-23")
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let bad = std::process::Command::new(BIN)
        .args(["risk", "report", "--from", "2026-11-23", "--to", "soon"])
        .arg("--data-dir")
        .arg(app.data_dir.path())
        .arg("--database-url")
        .arg(app.database_url())
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run pennydrop");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--to"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_risk_report_shows_volumes_returns_hits_and_who_acted() {
    scenario(TestApp::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_risk_report_shows_volumes_returns_hits_and_who_acted_on_postgres() {
    let Some(app) = TestApp::postgres("risk_report_postgres").await else {
        return;
    };
    scenario(app).await;
}
