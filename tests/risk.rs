//! Risk controls (docs/risk.md) end to end: each rule tripped and stayed just under, in more
//! than one dialect; the return-rate pause from return files in the inbox, and the operator's
//! resume; the blocklist from the admin API and the CLI; every decision recorded and counted.
//! Time moves with the manual clock.

mod common;

use common::{finicity_token, reply, Caller, Reply, TestApp};
use jiff::SignedDuration;
use pennydrop_core::model::Mode;
use pennydrop_engine::access::CreatedKey;
use serde_json::{json, Value};

const ROUTING: &str = "231380104";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Dialect {
    Moov,
    Finicity,
    Mx,
}

const DIALECTS: [Dialect; 3] = [Dialect::Moov, Dialect::Finicity, Dialect::Mx];

/// A holder of `tenant` asks to verify a bank account in `dialect`; `n` tells holders apart.
/// The answer of the step that starts the verification (or of the link, if that refused).
async fn start(
    app: &TestApp,
    key: &CreatedKey,
    dialect: Dialect,
    n: usize,
    account_number: &str,
    holder: (&str, &str),
) -> Reply {
    let c = Caller { app, key };
    match dialect {
        Dialect::Moov => {
            let account = c.create_account().await;
            let body = json!({"account": {"holderName": format!("{} {}", holder.0, holder.1),
                "holderType": "individual", "accountNumber": account_number,
                "bankAccountType": "checking", "routingNumber": ROUTING}});
            let linked = c
                .post(
                    &format!("/accounts/{account}/bank-accounts"),
                    &body.to_string(),
                )
                .await;
            if linked.status != 200 {
                return linked;
            }
            let bank = linked.body["bankAccountID"].as_str().unwrap().to_string();
            c.post(
                &format!("/accounts/{account}/bank-accounts/{bank}/micro-deposits"),
                "",
            )
            .await
        }
        Dialect::Finicity => {
            let token = finicity_token(app, key).await;
            let body = json!({"receiver": {"accountType": "personalChecking", "routingNumber": ROUTING,
                "accountNumber": account_number, "name": format!("{} {}", holder.0, holder.1)}});
            reply(
                app.client
                    .post(app.url(&format!("/microentry/v1/customers/c-{n}")))
                    .header("Finicity-App-Key", &key.public_key)
                    .header("Finicity-App-Token", token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
        Dialect::Mx => {
            let user = c
                .post(
                    "/users",
                    &json!({"user": {"id": format!("u-{n}")}}).to_string(),
                )
                .await;
            assert_eq!(user.status, 200, "{:?}", user.body);
            let user = user.body["user"]["guid"].as_str().unwrap().to_string();
            c.post(
                &format!("/users/{user}/micro_deposits"),
                &json!({"micro_deposit": {"account_number": account_number, "account_type": "CHECKING",
                    "routing_number": ROUTING, "first_name": holder.0, "last_name": holder.1}})
                .to_string(),
            )
            .await
        }
    }
}

fn ok(r: &Reply) -> bool {
    (200..300).contains(&r.status)
}

/// A refusal in the dialect's own error shape that names the rule.
fn refused_by(r: &Reply, rule: &str, dialect: Dialect) {
    assert!(
        (400..500).contains(&r.status),
        "{dialect:?}: {} {:?}",
        r.status,
        r.body
    );
    let message = match dialect {
        Dialect::Moov => r.body["error"].as_str(),
        Dialect::Finicity => r.body["message"].as_str(),
        Dialect::Mx => r.body["error"]["message"].as_str(),
    };
    let message = message.unwrap_or_else(|| panic!("{dialect:?}: error shape {:?}", r.body));
    assert!(
        message.contains(&format!("risk rule {rule}")),
        "{dialect:?}: {message}"
    );
}

async fn set_overrides(app: &TestApp, operator: &CreatedKey, tenant: &CreatedKey, settings: Value) {
    let r = Caller { app, key: operator }
        .put(
            &format!("/admin/risk/tenants/{}/settings", tenant.account_id),
            &json!({"settings": settings, "reason": "test limits"}).to_string(),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

async fn decisions(app: &TestApp, operator: &CreatedKey, query: &str) -> Vec<Value> {
    let r = Caller { app, key: operator }
        .get(&format!("/admin/risk/decisions?{query}"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["decisions"].as_array().unwrap().clone()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    common::scalar(&app.database_url(), sql).await
}

#[tokio::test]
async fn tenant_velocity_per_hour_refuses_at_the_limit_and_recovers_with_the_hour() {
    let app = TestApp::sqlite().await;
    let operator = app.operator().await;
    for (i, dialect) in DIALECTS.into_iter().enumerate() {
        let key = app.tenant(Mode::Sandbox).await;
        set_overrides(&app, &operator, &key, json!({"tenantHourly": {"max": 2}})).await;
        let tenant = key.account_id;
        for n in 0..2 {
            let r = start(
                &app,
                &key,
                dialect,
                10 * i + n,
                &format!("1000{n}"),
                ("Jane", "Doe"),
            )
            .await;
            assert!(ok(&r), "{dialect:?} #{n}: {:?}", r.body);
        }
        // The second one reached 80 % of the limit: recorded as near it, nothing else refused.
        let near = decisions(
            &app,
            &operator,
            &format!("tenantID={tenant}&rule=velocity.tenant-hourly"),
        )
        .await;
        assert_eq!(near.len(), 1, "{near:?}");
        assert_eq!(near[0]["outcome"], "near-limit");
        assert_eq!(near[0]["inputs"], json!({"count": 1, "max": 2}));

        let rounds = format!("SELECT COUNT(*) FROM verifications WHERE tenant_id = '{tenant}'");
        let before = count(&app, &rounds).await;
        let r = start(&app, &key, dialect, 10 * i + 2, "10002", ("Jane", "Doe")).await;
        refused_by(&r, "velocity.tenant-hourly", dialect);
        assert_eq!(
            count(&app, &rounds).await,
            before,
            "a refusal queues nothing"
        );
        let refused = decisions(
            &app,
            &operator,
            &format!("tenantID={tenant}&outcome=refused"),
        )
        .await;
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0]["rule"], "velocity.tenant-hourly");
        assert_eq!(refused[0]["inputs"], json!({"count": 2, "max": 2}));

        app.clock.advance(SignedDuration::from_mins(61));
        let r = start(&app, &key, dialect, 10 * i + 3, "10003", ("Jane", "Doe")).await;
        assert!(ok(&r), "{dialect:?} an hour later: {:?}", r.body);
    }
    // Pages of one, newest first, follow each other without gaps.
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let all = ops
        .get("/admin/risk/decisions?rule=velocity.tenant-hourly")
        .await;
    let all: Vec<i64> = all.body["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["sequence"].as_i64().unwrap())
        .collect();
    assert_eq!(all.len(), 6);
    let mut paged = Vec::new();
    let mut query = "rule=velocity.tenant-hourly&count=4".to_string();
    loop {
        let page = ops.get(&format!("/admin/risk/decisions?{query}")).await;
        paged.extend(
            page.body["decisions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["sequence"].as_i64().unwrap()),
        );
        match page.body["nextBefore"].as_i64() {
            Some(before) => query = format!("rule=velocity.tenant-hourly&count=4&before={before}"),
            None => break,
        }
    }
    assert_eq!(paged, all);
    let bad = ops.get("/admin/risk/decisions?rule=velocity.nope").await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert!(
        bad.body.to_string().contains("velocity.tenant-hourly"),
        "lists the rules"
    );
    // Each refusal reached the tenant as an event, and the metrics count them.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM events WHERE event_type = 'risk.decision'"
        )
        .await,
        6
    );
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .basic_auth(&operator.public_key, Some(&operator.secret_key))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "pennydrop_risk_decisions_total{rule=\"velocity.tenant-hourly\",outcome=\"refused\"} 3"
        ),
        "{metrics}"
    );
    app.stop().await;
}

#[tokio::test]
async fn tenant_velocity_per_day_counts_a_rolling_day() {
    let app = TestApp::sqlite().await;
    let operator = app.operator().await;
    for (i, dialect) in [Dialect::Moov, Dialect::Mx].into_iter().enumerate() {
        let key = app.tenant(Mode::Sandbox).await;
        set_overrides(
            &app,
            &operator,
            &key,
            json!({"tenantHourly": {"enabled": false}, "tenantDaily": {"max": 2}}),
        )
        .await;
        for n in 0..2 {
            let r = start(
                &app,
                &key,
                dialect,
                10 * i + n,
                &format!("2000{n}"),
                ("Jane", "Doe"),
            )
            .await;
            assert!(ok(&r), "{dialect:?}: {:?}", r.body);
            app.clock.advance(SignedDuration::from_hours(3));
        }
        let r = start(&app, &key, dialect, 10 * i + 2, "20002", ("Jane", "Doe")).await;
        refused_by(&r, "velocity.tenant-daily", dialect);
        // A day after the first, one slot is free again.
        app.clock
            .advance(SignedDuration::from_hours(18) + SignedDuration::from_secs(1));
        let r = start(&app, &key, dialect, 10 * i + 3, "20003", ("Jane", "Doe")).await;
        assert!(ok(&r), "{dialect:?}: {:?}", r.body);
    }
    app.stop().await;
}

#[tokio::test]
async fn bank_accounts_per_holder_are_limited_at_link_time() {
    let app = TestApp::sqlite().await;
    let operator = app.operator().await;
    let key = app.tenant(Mode::Sandbox).await;
    set_overrides(
        &app,
        &operator,
        &key,
        json!({"holderBankAccounts": {"max": 2}}),
    )
    .await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    // Moov: one account, a third bank account refused; the same details again are no new one.
    let account = c.create_account().await;
    for n in ["30001", "30002"] {
        let r = c.link(&account, n).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let r = c.link(&account, "30003").await;
    refused_by(&r, "velocity.holder-bank-accounts", Dialect::Moov);
    assert_eq!(
        c.link(&account, "30001").await.status,
        200,
        "already linked"
    );
    // Finicity: one customer, a third account refused.
    for (n, number) in ["30011", "30012", "30013"].iter().enumerate() {
        let r = start(&app, &key, Dialect::Finicity, 7, number, ("Jane", "Doe")).await;
        if n < 2 {
            assert!(ok(&r), "{:?}", r.body);
        } else {
            refused_by(&r, "velocity.holder-bank-accounts", Dialect::Finicity);
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn the_same_bank_account_under_another_tenant_and_name_is_recorded_and_can_be_blocked() {
    let app = TestApp::sqlite().await;
    let operator = app.operator().await;
    let first = app.tenant(Mode::Production).await;
    let r = start(&app, &first, Dialect::Moov, 1, "40001", ("Jane", "Doe")).await;
    assert!(ok(&r), "{:?}", r.body);

    for (i, dialect) in [Dialect::Moov, Dialect::Finicity].into_iter().enumerate() {
        // Flag (the default): recorded, allowed.
        let second = app.tenant(Mode::Production).await;
        let r = start(&app, &second, dialect, 10 + i, "40001", ("John", "Roe")).await;
        assert!(ok(&r), "{dialect:?}: {:?}", r.body);
        let found = decisions(&app, &operator, &format!("tenantID={}", second.account_id)).await;
        let rules: Vec<(&str, &str)> = found
            .iter()
            .map(|d| (d["rule"].as_str().unwrap(), d["outcome"].as_str().unwrap()))
            .collect();
        assert!(rules.contains(&("shared.tenants", "flagged")), "{rules:?}");
        assert!(
            rules.contains(&("shared.holder-names", "flagged")),
            "{rules:?}"
        );
        let d = found
            .iter()
            .find(|d| d["rule"] == "shared.holder-names")
            .unwrap();
        assert!(
            !d.to_string().contains("Jane"),
            "other holders' names stay out: {d}"
        );

        // Block: refused, naming the rule.
        let third = app.tenant(Mode::Production).await;
        set_overrides(
            &app,
            &operator,
            &third,
            json!({"sharedTenants": {"action": "block"}}),
        )
        .await;
        let r = start(&app, &third, dialect, 20 + i, "40001", ("Jane", "Doe")).await;
        refused_by(&r, "shared.tenants", dialect);

        let fourth = app.tenant(Mode::Production).await;
        set_overrides(
            &app,
            &operator,
            &fourth,
            json!({"sharedTenants": {"enabled": false}, "sharedHolderNames": {"action": "block"}}),
        )
        .await;
        let r = start(&app, &fourth, dialect, 30 + i, "40001", ("Janet", "Doe")).await;
        refused_by(&r, "shared.holder-names", dialect);

        // Just under: with enough others tolerated, and the same name, nothing is recorded.
        let fifth = app.tenant(Mode::Production).await;
        set_overrides(
            &app,
            &operator,
            &fifth,
            json!({"sharedTenants": {"maxOthers": 20, "action": "block"},
                   "sharedHolderNames": {"maxOthers": 20, "action": "block"}}),
        )
        .await;
        let r = start(&app, &fifth, dialect, 40 + i, "40001", ("JANE", "DOE")).await;
        assert!(ok(&r), "{dialect:?}: {:?}", r.body);
        assert!(
            decisions(&app, &operator, &format!("tenantID={}", fifth.account_id))
                .await
                .is_empty()
        );
    }
    // Outside the window the account is nobody else's any more.
    app.clock.advance(SignedDuration::from_hours(24 * 61));
    let late = app.tenant(Mode::Production).await;
    set_overrides(
        &app,
        &operator,
        &late,
        json!({"sharedTenants": {"action": "block"}}),
    )
    .await;
    let r = start(&app, &late, Dialect::Mx, 99, "40001", ("Jane", "Doe")).await;
    assert!(ok(&r), "{:?}", r.body);
    app.stop().await;
}

#[tokio::test]
async fn blocklisted_routing_numbers_and_bank_accounts_are_refused_and_the_changes_audited() {
    let app = TestApp::sqlite().await;
    let operator = app.operator().await;
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let key = app.tenant(Mode::Sandbox).await;
    // Just under: another routing number on the list leaves this one alone.
    let r = ops
        .post(
            "/admin/risk/blocklist",
            &json!({"routingNumber": "021000021", "reason": "another bank"}).to_string(),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let other_bank = app.tenant(Mode::Sandbox).await;
    for (n, dialect) in [Dialect::Moov, Dialect::Mx].into_iter().enumerate() {
        let r = start(&app, &other_bank, dialect, 20 + n, "50009", ("Jane", "Doe")).await;
        assert!(ok(&r), "{dialect:?}: {:?}", r.body);
    }
    let r = ops
        .delete("/admin/risk/blocklist/routing:021000021?reason=cleared")
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let r = ops
        .post(
            "/admin/risk/blocklist",
            &json!({"routingNumber": ROUTING, "reason": "bank under investigation"}).to_string(),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["entryID"], format!("routing:{ROUTING}"));
    assert_eq!(r.body["addedBy"], operator.public_key);
    let again = ops
        .post(
            "/admin/risk/blocklist",
            &json!({"routingNumber": ROUTING, "reason": "again"}).to_string(),
        )
        .await;
    assert_eq!(again.status, 409);
    let no_reason = ops
        .post(
            "/admin/risk/blocklist",
            &json!({"routingNumber": "021000021", "reason": " "}).to_string(),
        )
        .await;
    assert_eq!(no_reason.status, 422, "{:?}", no_reason.body);
    for (n, dialect) in DIALECTS.into_iter().enumerate() {
        let r = start(&app, &key, dialect, n, "50001", ("Jane", "Doe")).await;
        refused_by(&r, "blocklist.routing", dialect);
    }
    let r = ops
        .delete(&format!(
            "/admin/risk/blocklist/routing:{ROUTING}?reason=cleared"
        ))
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);

    // One bank account's details, by a linked bank account: every tenant's copy is refused.
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank(ROUTING, "50002").await;
    let r = ops
        .post(
            "/admin/risk/blocklist",
            &json!({"bankAccountID": bank, "reason": "reported stolen"}).to_string(),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = c
        .post(
            &format!("/accounts/{account}/bank-accounts/{bank}/micro-deposits"),
            "",
        )
        .await;
    refused_by(&r, "blocklist.fingerprint", Dialect::Moov);
    let other = app.tenant(Mode::Sandbox).await;
    let r = start(&app, &other, Dialect::Finicity, 9, "50002", ("Jane", "Doe")).await;
    refused_by(&r, "blocklist.fingerprint", Dialect::Finicity);
    let r = start(
        &app,
        &other,
        Dialect::Finicity,
        10,
        "50003",
        ("Jane", "Doe"),
    )
    .await;
    assert!(ok(&r), "other details pass: {:?}", r.body);
    let r = start(&app, &other, Dialect::Moov, 11, "50004", ("Jane", "Doe")).await;
    assert!(ok(&r), "other details pass: {:?}", r.body);

    // Who did what, and why.
    let audit = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM risk_audit WHERE actor = '{}' AND action IN ('blocklist.added', 'blocklist.removed')",
            operator.public_key
        ),
    )
    .await;
    assert_eq!(audit, 5);
    let listed = ops.get("/admin/risk/blocklist").await;
    assert_eq!(listed.body["entries"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["entries"][0]["kind"], "fingerprint");
    app.stop().await;
}

// The CLI runs as a blocking child process: with a single-threaded runtime the app's tasks would
// freeze meanwhile, possibly inside a write transaction the CLI then waits for (SQLite lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_blocklists_and_its_operator_is_in_the_audit_trail() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pennydrop"))
            .args(args)
            .arg("--data-dir")
            .arg(app.data_dir.path())
            .env("USER", "alice")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(
        &[
            "risk",
            "blocklist",
            "add",
            "--routing",
            ROUTING,
            "--account-number-stdin",
            "--reason",
            "fraud ring",
        ],
        "60001\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entry: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(entry["addedBy"], "cli:alice");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("60001"),
        "never the number"
    );
    let r = start(&app, &key, Dialect::Moov, 1, "60001", ("Jane", "Doe")).await;
    refused_by(&r, "blocklist.fingerprint", Dialect::Moov);
    let out = run(&["risk", "blocklist", "list"], "");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    let id = entry["entryID"].as_str().unwrap();
    let out = run(
        &["risk", "blocklist", "remove", id, "--reason", "resolved"],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = start(&app, &key, Dialect::Moov, 2, "60001", ("Jane", "Doe")).await;
    assert!(ok(&r), "{:?}", r.body);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM risk_audit WHERE actor = 'cli:alice'"
        )
        .await,
        2
    );
    let out = run(
        &["risk", "blocklist", "remove", id, "--reason", "again"],
        "",
    );
    assert!(!out.status.success());
    app.stop().await;
}

/// A production tenant whose micro-deposits the simulated bank returns R03 (account number
/// 3000000003): the return file lands in the inbox at the cutoff.
async fn returned_round(app: &TestApp, key: &CreatedKey, operator: &CreatedKey) {
    let c = Caller { app, key };
    let (account, bank) = c.account_with_bank(ROUTING, "3000000003").await;
    c.initiate_micro_deposits(&account, &bank).await;
    let r = Caller { app, key: operator }
        .post("/admin/ach/cutoffs", "")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(
        r.body["inbound"]["returns"].as_u64().unwrap() >= 1,
        "{:?}",
        r.body
    );
}

async fn pause_and_resume(app: TestApp) {
    let operator = app.operator().await;
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let key = app.tenant(Mode::Production).await;
    set_overrides(
        &app,
        &operator,
        &key,
        json!({"returnRates": {"minDebits": 1}}),
    )
    .await;
    // Just under: a tenant left at the default minimum volume is watched, not paused.
    let small = app.tenant(Mode::Production).await;
    returned_round(&app, &small, &operator).await;
    returned_round(&app, &key, &operator).await;

    let state = ops
        .get(&format!("/admin/risk/tenants/{}", small.account_id))
        .await;
    assert_eq!(state.body["paused"], false, "{:?}", state.body);
    let state = ops
        .get(&format!("/admin/risk/tenants/{}", key.account_id))
        .await;
    assert_eq!(state.body["paused"], true, "{:?}", state.body);
    assert_eq!(state.body["pausedBy"], "returns.administrative");
    let paused = decisions(
        &app,
        &operator,
        &format!("tenantID={}&outcome=paused", key.account_id),
    )
    .await;
    assert_eq!(paused.len(), 1, "one pause, however many windows crossed");
    assert_eq!(paused[0]["inputs"]["forwardDebits"], 1);
    assert_eq!(paused[0]["inputs"]["returnedDebits"], 1);

    for (n, dialect) in DIALECTS.into_iter().enumerate() {
        let r = start(&app, &key, dialect, n, &format!("7000{n}"), ("Jane", "Doe")).await;
        refused_by(&r, "tenant.paused", dialect);
    }
    let no = ops
        .post(
            &format!("/admin/risk/tenants/{}/resume", key.account_id),
            "{}",
        )
        .await;
    assert_eq!(no.status, 422, "a reason is required: {:?}", no.body);
    let r = ops
        .post(
            &format!("/admin/risk/tenants/{}/resume", key.account_id),
            &json!({"reason": "returns explained: closed accounts from an old list"}).to_string(),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["paused"], false);
    for (n, dialect) in DIALECTS.into_iter().enumerate() {
        let r = start(
            &app,
            &key,
            dialect,
            10 + n,
            &format!("7001{n}"),
            ("Jane", "Doe"),
        )
        .await;
        assert!(ok(&r), "{dialect:?}: {:?}", r.body);
    }
    let trail = |action: &str| {
        format!(
            "SELECT COUNT(*) FROM risk_audit WHERE action = '{action}' AND tenant_id = '{}' AND actor = '{}'",
            key.account_id,
            if action == "tenant.paused" { "system".to_string() } else { operator.public_key.clone() }
        )
    };
    assert_eq!(count(&app, &trail("tenant.paused")).await, 1);
    assert_eq!(count(&app, &trail("tenant.resumed")).await, 1);
    // The annual-review report shows both, with who acted.
    let report = ops
        .get("/admin/risk/report?from=2026-11-01&to=2026-11-30")
        .await;
    assert_eq!(report.status, 200, "{:?}", report.body);
    let mine: Vec<&Value> = report.body["auditTrail"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["tenantID"] == key.account_id.to_string())
        .collect();
    let actions: Vec<(&str, &str)> = mine
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert!(
        actions.contains(&("tenant.paused", "system")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("tenant.resumed", operator.public_key.as_str())),
        "{actions:?}"
    );
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM events WHERE tenant_id = '{}' AND event_type IN ('risk.decision', 'risk.tenantResumed')",
                key.account_id
            )
        )
        .await,
        1 + 1 + 3 + 1,
        "a flag (the small tenant linked the same account first), the pause, three refusals, \
         the resume: {:?}",
        decisions(&app, &operator, &format!("tenantID={}", key.account_id)).await
    );
    app.stop().await;
}

#[tokio::test]
async fn returns_over_the_threshold_pause_the_tenant_until_an_operator_resumes() {
    pause_and_resume(TestApp::sqlite().await).await;
}

#[tokio::test]
async fn returns_over_the_threshold_pause_the_tenant_until_an_operator_resumes_on_postgres() {
    if let Some(app) = TestApp::postgres("risk_pause").await {
        pause_and_resume(app).await;
    }
}

#[tokio::test]
async fn settings_overrides_are_checked_and_audited() {
    let app = TestApp::sqlite().await;
    let operator = app.operator().await;
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let key = app.tenant(Mode::Sandbox).await;
    let path = format!("/admin/risk/tenants/{}/settings", key.account_id);
    let r = ops
        .put(
            &path,
            &json!({"settings": {"tenantHourlyy": {"max": 1}}, "reason": "typo"}).to_string(),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert!(r.body.to_string().contains("tenantHourlyy"), "{:?}", r.body);
    let r = ops
        .put(
            &path,
            &json!({"settings": {"tenantHourly": {"max": 5}}, "reason": "pilot"}).to_string(),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["effective"]["tenantHourly"],
        json!({"enabled": true, "max": 5})
    );
    assert_eq!(r.body["effective"]["tenantDaily"]["max"], 10000);
    assert_eq!(r.body["overrides"], json!({"tenantHourly": {"max": 5}}));
    let r = ops
        .put(
            &format!("/admin/risk/tenants/{}/settings", uuid::Uuid::new_v4()),
            &json!({"settings": {}, "reason": "x"}).to_string(),
        )
        .await;
    assert_eq!(r.status, 404);
    let tenant = Caller {
        app: &app,
        key: &key,
    };
    assert_eq!(tenant.get("/admin/risk/decisions").await.status, 403);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM risk_audit WHERE action = 'settings.changed'"
        )
        .await,
        1
    );
    let listed = ops.get("/admin/risk/tenants").await;
    assert_eq!(listed.body["tenants"].as_array().unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn the_deployments_settings_come_from_the_risk_flag() {
    let app = TestApp::sqlite_with(|c| {
        c.engine.risk = c
            .engine
            .risk
            .patched(&json!({"tenantHourly": {"max": 1}}))
            .unwrap();
    })
    .await;
    let operator = app.operator().await;
    let key = app.tenant(Mode::Sandbox).await;
    let settings = Caller {
        app: &app,
        key: &operator,
    }
    .get("/admin/risk/settings")
    .await;
    assert_eq!(settings.body["tenantHourly"]["max"], 1);
    assert!(ok(&start(
        &app,
        &key,
        Dialect::Mx,
        1,
        "80001",
        ("Jane", "Doe")
    )
    .await));
    let r = start(&app, &key, Dialect::Mx, 2, "80002", ("Jane", "Doe")).await;
    refused_by(&r, "velocity.tenant-hourly", Dialect::Mx);
    app.stop().await;
}

/// Production micro-deposit rounds of fresh bank accounts at `number`, one cutoff for them all.
async fn rounds(app: &TestApp, key: &CreatedKey, operator: &CreatedKey, numbers: &[&str]) {
    let c = Caller { app, key };
    for number in numbers {
        let (account, bank) = c.account_with_bank(ROUTING, number).await;
        c.initiate_micro_deposits(&account, &bank).await;
    }
    let r = Caller { app, key: operator }
        .post("/admin/ach/cutoffs", "")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

#[tokio::test]
async fn an_administrative_rate_just_under_the_threshold_warns_and_the_next_return_pauses() {
    let app = TestApp::sqlite().await;
    let operator = app.operator().await;
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let key = app.tenant(Mode::Production).await;
    let tenant = key.account_id;
    // 33 good rounds and one R03: 1 of 34 debits is 2.94 %, under 3 % but past 80 % of it.
    let mut numbers: Vec<String> = (0..33).map(|n| format!("9100{n:04}")).collect();
    numbers.push("3000000003".into());
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    rounds(&app, &key, &operator, &numbers).await;
    let state = ops.get(&format!("/admin/risk/tenants/{tenant}")).await;
    assert_eq!(state.body["paused"], false, "{:?}", state.body);
    let warned = decisions(
        &app,
        &operator,
        &format!("tenantID={tenant}&outcome=warned"),
    )
    .await;
    assert_eq!(
        warned.len(),
        1,
        "one warning per rule, not per window: {warned:?}"
    );
    assert!(warned.iter().all(|d| d["rule"] == "returns.administrative"));
    assert_eq!(warned[0]["inputs"]["rateBasisPoints"], 294);
    assert_eq!(warned[0]["inputs"]["forwardDebits"], 34);
    let r = start(
        &app,
        &key,
        Dialect::Finicity,
        1,
        "91010001",
        ("Jane", "Doe"),
    )
    .await;
    assert!(ok(&r), "still allowed: {:?}", r.body);

    // A second R03 (2 of 36 debits, 5.6 %) pauses.
    rounds(&app, &key, &operator, &["3000000003"]).await;
    let state = ops.get(&format!("/admin/risk/tenants/{tenant}")).await;
    assert_eq!(state.body["paused"], true, "{:?}", state.body);
    assert_eq!(state.body["pausedBy"], "returns.administrative");
    let warned = decisions(
        &app,
        &operator,
        &format!("tenantID={tenant}&outcome=warned"),
    )
    .await;
    assert_eq!(warned.len(), 1, "no second warning within the window");
    let r = start(&app, &key, Dialect::Mx, 2, "91010002", ("Jane", "Doe")).await;
    refused_by(&r, "tenant.paused", Dialect::Mx);
    app.stop().await;
}

#[tokio::test]
async fn an_unauthorized_return_of_the_recoup_debit_pauses_at_half_a_percent() {
    let app = TestApp::sqlite().await;
    let operator = app.operator().await;
    let key = app.tenant(Mode::Production).await;
    set_overrides(
        &app,
        &operator,
        &key,
        json!({"returnRates": {"minDebits": 1}}),
    )
    .await;
    rounds(&app, &key, &operator, &["3000000010"]).await;
    let state = Caller {
        app: &app,
        key: &operator,
    }
    .get(&format!("/admin/risk/tenants/{}", key.account_id))
    .await;
    assert_eq!(
        state.body["pausedBy"], "returns.unauthorized",
        "{:?}",
        state.body
    );
    for (n, dialect) in [Dialect::Moov, Dialect::Finicity].into_iter().enumerate() {
        let r = start(&app, &key, dialect, n, &format!("9200{n}"), ("Jane", "Doe")).await;
        refused_by(&r, "tenant.paused", dialect);
    }
    app.stop().await;
}
