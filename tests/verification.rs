//! Micro-deposits and instant verification over HTTP, on the simulated bank network, with the
//! clock moved instead of waiting.

mod common;

use common::{Caller, TestApp};
use jiff::SignedDuration;
use pennydrop_core::model::{EntryPurpose, Mode};
use pennydrop_core::Clock;
use serde_json::Value;
use std::sync::Arc;

fn paths(account: &str, bank: &str) -> (String, String, String) {
    let base = format!("/accounts/{account}/bank-accounts/{bank}");
    (
        base.clone(),
        format!("{base}/micro-deposits"),
        format!("{base}/verify"),
    )
}

async fn event_types(app: &TestApp, tenant: uuid::Uuid) -> Vec<(String, Value)> {
    app.store
        .events(tenant, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, e)| (e.event_type, e.data))
        .collect()
}

#[tokio::test]
async fn sandbox_micro_deposits_complete_with_zeros_and_write_events() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("021000021", "12345678").await;
    let (ba, micro, _) = paths(&account, &bank);

    let r = c.post(&micro, "").await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let got = c.get(&ba).await;
    assert_eq!(got.body["status"], "pending");
    assert_eq!(got.body["statusReason"], "verification-initiated");
    assert_eq!(
        c.post(&micro, "").await.status,
        409,
        "one active round at a time"
    );

    let r = c.put(&micro, r#"{"amounts":[0,0]}"#).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body, serde_json::json!({"status": "verified"}));
    let got = c.get(&ba).await;
    assert_eq!(got.body["status"], "verified");
    assert_eq!(got.body["statusReason"], "verification-successful");

    let bank_id: uuid::Uuid = bank.parse().unwrap();
    assert!(
        app.store.ach_entries_for(bank_id).await.unwrap().is_empty(),
        "sandbox reaches no rail"
    );
    let events = event_types(&app, key.account_id).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "bankAccount.created",
            "bankAccount.updated",
            "bankAccount.updated",
            "paymentMethod.enabled",
            "paymentMethod.enabled"
        ]
    );
    assert_eq!(events[1].1["statusReason"], "verification-initiated");
    assert_eq!(events[2].1["status"], "verified");
    assert_eq!(events[3].1["sourceID"], bank);

    // Verified accounts add the debit payment methods.
    let methods = c
        .get(&format!(
            "/accounts/{account}/payment-methods?sourceID={bank}"
        ))
        .await;
    let kinds: Vec<&str> = methods
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["paymentMethodType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "ach-credit-standard",
            "ach-credit-same-day",
            "rtp-credit",
            "ach-debit-fund",
            "ach-debit-collect"
        ]
    );
    app.stop().await;
}

async fn fifty_concurrent_wrong_guesses(app: TestApp) {
    let key = app.tenant(Mode::Sandbox).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("021000021", "12345678").await;
    let (ba, micro, _) = paths(&account, &bank);
    assert_eq!(c.post(&micro, "").await.status, 204);

    let url = app.url(&micro);
    let mut tasks = Vec::new();
    for i in 0..50 {
        let client = app.client.clone();
        let url = url.clone();
        let (pk, sk) = (key.public_key.clone(), key.secret_key.clone());
        tasks.push(tokio::spawn(async move {
            let r = client
                .put(url)
                .basic_auth(pk, Some(sk))
                .header("content-type", "application/json")
                .body(format!(r#"{{"amounts":[{},{}]}}"#, 1 + i % 40, 2))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }));
    }
    let mut counted = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 409, "{body}");
        if body.contains("attempt(s) left") || body.contains("attempts are used") {
            counted += 1;
        } else {
            assert!(body.contains("max-attempts-exceeded"), "{body}");
        }
    }
    assert_eq!(counted, 3, "exactly three wrong attempts count");
    let snap = app
        .store
        .snapshot_by_id(bank.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(snap.verifications[0].failed_attempts, 3);
    let r = c.put(&micro, r#"{"amounts":[0,0]}"#).await;
    assert_eq!(
        r.status, 409,
        "the right amounts are refused after three failures"
    );
    let got = c.get(&ba).await;
    assert_eq!(got.body["status"], "verificationFailed");
    assert_eq!(got.body["statusReason"], "micro-deposit-attempts-exceeded");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_wrong_guesses_count_three_on_sqlite() {
    fifty_concurrent_wrong_guesses(TestApp::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_wrong_guesses_count_three_on_postgres() {
    if let Some(app) =
        TestApp::postgres("fifty_concurrent_wrong_guesses_count_three_on_postgres").await
    {
        fifty_concurrent_wrong_guesses(app).await;
    }
}

#[tokio::test]
async fn production_micro_deposits_wait_for_the_cutoff() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "12345678").await;
    let (_, micro, _) = paths(&account, &bank);
    // Monday 2026-11-23 10:00 ET is 15:00Z: the clock sits exactly on a window, so the next
    // window is 14:15 ET the same day.
    assert_eq!(c.post(&micro, "").await.status, 204);
    let entries = app
        .store
        .ach_entries_for(bank.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(entries.len(), 3);
    let credits: Vec<i64> = entries
        .iter()
        .filter(|e| e.purpose == EntryPurpose::MicroDepositCredit)
        .map(|e| e.amount_cents)
        .collect();
    let debit = entries
        .iter()
        .find(|e| e.purpose == EntryPurpose::MicroDepositDebit)
        .unwrap();
    assert_eq!(debit.amount_cents, credits.iter().sum::<i64>());
    assert!(
        entries
            .iter()
            .all(|e| e.due_at.to_string() == "2026-11-23T19:15:00Z"),
        "{entries:?}"
    );

    // Before the ACH rail has sent them: 409, and no attempt is used.
    let r = c
        .put(
            &micro,
            &format!(r#"{{"amounts":[{},{}]}}"#, credits[0], credits[1]),
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(
        r.body["error"].as_str().unwrap().contains("not been sent"),
        "{:?}",
        r.body
    );
    let snap = app
        .store
        .snapshot_by_id(bank.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(snap.verifications[0].failed_attempts, 0);

    // Malformed amounts are a 422 naming `amounts`; malformed JSON a 400.
    let r = c.put(&micro, r#"{"amounts":[1]}"#).await;
    assert_eq!(r.status, 422);
    assert!(r.body["amounts"].is_string());
    assert_eq!(c.put(&micro, "{").await.status, 400);
    app.stop().await;
}

#[tokio::test]
async fn production_instant_verification_on_the_simulated_network() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("021000021", "99887766").await;
    let (ba, _, verify) = paths(&account, &bank);

    let r = c.post_with(&verify, ("x-wait-for", "rail-response")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["verificationMethod"], "instant");
    assert_eq!(r.body["status"], "sent-credit");

    let statement = c
        .get("/simulator/accounts/021000021/99887766/transactions")
        .await;
    assert_eq!(statement.status, 200);
    let lines = statement.body["transactions"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["amountCents"], 1);
    assert_eq!(lines[0]["direction"], "credit");
    let text = lines[0]["statementText"].as_str().unwrap();
    let code = &text[text.find("MV").unwrap() + 2..][..4];

    let wrong = if code == "0000" { "1111" } else { "0000" };
    let r = c.put(&verify, &format!(r#"{{"code":"MV{wrong}"}}"#)).await;
    assert_eq!(r.status, 409);
    assert!(r.body["error"]
        .as_str()
        .unwrap()
        .contains("4 attempt(s) left"));
    let r = c.put(&verify, r#"{"code":"12"}"#).await;
    assert_eq!(r.status, 422, "a malformed code is not an attempt");
    let r = c.put(&verify, &format!(r#"{{"code":"mv{code}"}}"#)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "successful");
    assert_eq!(c.get(&verify).await.body["status"], "successful");
    let got = c.get(&ba).await;
    assert_eq!(got.body["status"], "verified");
    app.stop().await;
}

#[tokio::test]
async fn without_waiting_the_background_worker_sends_the_credit() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("021000021", "55554444").await;
    let (_, _, verify) = paths(&account, &bank);
    let r = c.post(&verify, "").await;
    assert_eq!(r.body["status"], "new");
    // The background worker sends it without being asked; wait (bounded) for its answer.
    let mut status = Value::Null;
    for _ in 0..250 {
        status = c.get(&verify).await.body["status"].clone();
        if status != "new" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, "sent-credit");
    // A second pass finds nothing to send.
    assert_eq!(app.state.engine.dispatch_open_credits().await.unwrap(), 0);
    let statement = c
        .get("/simulator/accounts/021000021/55554444/transactions")
        .await;
    assert_eq!(
        statement.body["transactions"].as_array().unwrap().len(),
        1,
        "sent exactly once"
    );
    app.stop().await;
}

#[tokio::test]
async fn rail_rejections_fail_the_verification_with_exception_details() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    for (number, code) in [
        ("4000000003", "AC03"),
        ("4000000004", "AC04"),
        ("4000000006", "AC06"),
    ] {
        let (account, bank) = c.account_with_bank("021000021", number).await;
        let (ba, _, verify) = paths(&account, &bank);
        let r = c.post_with(&verify, ("x-wait-for", "rail-response")).await;
        assert_eq!(r.body["status"], "failed", "{number}: {:?}", r.body);
        assert_eq!(r.body["exceptionDetails"]["rtpRejectionCode"], code);
        let got = c.get(&ba).await;
        assert_eq!(got.body["status"], "errored");
        assert_eq!(got.body["statusReason"], "rtp-credit-failure");
        assert_eq!(got.body["exceptionDetails"]["rtpRejectionCode"], code);
        assert!(got.body["exceptionDetails"]["description"]
            .as_str()
            .unwrap()
            .contains(code));
        let statement = c
            .get(&format!(
                "/simulator/accounts/021000021/{number}/transactions"
            ))
            .await;
        assert!(
            statement.body["transactions"]
                .as_array()
                .unwrap()
                .is_empty(),
            "nothing posted"
        );
        // An errored bank account cannot start another verification.
        assert_eq!(c.post(&verify, "").await.status, 409);
        let methods = c.get(&format!("/accounts/{account}/payment-methods")).await;
        assert!(
            methods.body.as_array().unwrap().is_empty(),
            "errored accounts have no payment methods"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn banks_off_the_instant_network_get_a_same_day_ach_credit() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "12345678").await;
    let (_, _, verify) = paths(&account, &bank);
    let r = c.post_with(&verify, ("x-wait-for", "rail-response")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["verificationMethod"], "ach");
    assert_eq!(r.body["status"], "new");
    let entries = app
        .store
        .ach_entries_for(bank.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].amount_cents, 1);
    assert!(entries[0].is_credit);
    assert_eq!(entries[0].purpose, EntryPurpose::VerificationCredit);
    let stored = entries[0].addenda.as_deref().unwrap();
    assert!(stored.starts_with("sealed:"), "the code is sealed at rest");
    let code = app
        .vault
        .open_text(stored, entries[0].entry_id.as_bytes())
        .unwrap();
    assert!(code.starts_with("MV"), "{code}");
    let r = c.put(&verify, r#"{"code":"MV0000"}"#).await;
    assert_eq!(r.status, 409);
    assert!(r.body["error"].as_str().unwrap().contains("not been sent"));
    let methods = c.get(&format!("/accounts/{account}/payment-methods")).await;
    let kinds: Vec<&str> = methods
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["paymentMethodType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["ach-credit-standard", "ach-credit-same-day"],
        "no rtp-credit off the instant network"
    );
    app.stop().await;
}

#[tokio::test]
async fn five_wrong_codes_then_limits_on_verifications() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("021000021", "12345678").await;
    let (ba, _, verify) = paths(&account, &bank);
    for round in 1..=3 {
        let r = c.post(&verify, "").await;
        assert_eq!(r.status, 200, "round {round}: {:?}", r.body);
        assert_eq!(r.body["status"], "sent-credit");
        for attempt in 1..=5 {
            let r = c.put(&verify, r#"{"code":"MV9999"}"#).await;
            assert_eq!(r.status, 409, "round {round} attempt {attempt}");
        }
        assert_eq!(c.get(&verify).await.body["status"], "max-attempts-exceeded");
        assert_eq!(
            c.put(&verify, r#"{"code":"MV0001"}"#).await.status,
            409,
            "too late for the right code"
        );
        // Micro-deposit rounds are still left, so the bank account is not errored
        // (errored / max-verification-failures once neither method has a round left).
        let got = c.get(&ba).await;
        assert_eq!(got.body["status"], "verificationFailed");
        assert_eq!(got.body["statusReason"], "verification-attempts-exceeded");
    }
    let r = c.post(&verify, "").await;
    assert_eq!(
        r.status, 409,
        "at most three verifications per bank account"
    );
    assert!(
        r.body["error"]
            .as_str()
            .unwrap()
            .contains("velocity.bank-account-rounds"),
        "{:?}",
        r.body
    );
    app.stop().await;
}

#[tokio::test]
async fn expiry_happens_on_access_and_in_the_sweeper() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account_a, bank_a) = c.account_with_bank("021000021", "11112222").await;
    let (account_b, bank_b) = c.account_with_bank("021000021", "33334444").await;
    let (ba_a, micro_a, _) = paths(&account_a, &bank_a);
    let (_, _, verify_b) = paths(&account_b, &bank_b);
    assert_eq!(c.post(&micro_a, "").await.status, 204);
    assert_eq!(c.post(&verify_b, "").await.status, 200);

    app.clock
        .advance(SignedDuration::from_hours(24 * 14) - SignedDuration::from_secs(1));
    assert_eq!(
        c.get(&ba_a).await.body["status"],
        "pending",
        "not a second early"
    );
    app.clock.advance(SignedDuration::from_secs(1));

    // A: read through the API, expired lazily.
    let got = c.get(&ba_a).await;
    assert_eq!(got.body["status"], "verificationFailed");
    assert_eq!(got.body["statusReason"], "micro-deposit-expired");
    assert_eq!(c.put(&micro_a, r#"{"amounts":[0,0]}"#).await.status, 409);
    // B: nobody reads it; the sweeper expires it and writes the event.
    let swept = app.state.engine.expire_due().await.unwrap();
    assert_eq!(swept, 1);
    let snap = app
        .store
        .snapshot_by_id(bank_b.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        snap.bank_account.status_reason.as_str(),
        "verification-expired"
    );
    let events = event_types(&app, key.account_id).await;
    let expired: Vec<&Value> = events
        .iter()
        .filter(|(t, d)| t == "bankAccount.updated" && d["status"] == "verificationFailed")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(expired.len(), 2);
    assert_eq!(
        app.state.engine.expire_due().await.unwrap(),
        0,
        "nothing left to expire"
    );
    // A new round may start after expiry.
    assert_eq!(c.post(&micro_a, "").await.status, 204);
    let _ = app.clock.now();
    app.stop().await;
}

#[tokio::test]
async fn payment_methods_come_with_the_link_when_asked() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let account = c.create_account().await;
    let body = r#"{"account":{"holderName":"Jane","holderType":"individual","accountNumber":"12345678","bankAccountType":"checking","routingNumber":"021000021"}}"#;
    let r = common::reply(
        app.client
            .post(app.url(&format!("/accounts/{account}/bank-accounts")))
            .basic_auth(&key.public_key, Some(&key.secret_key))
            .header("x-wait-for", "payment-method")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let methods = r.body["paymentMethods"].as_array().unwrap();
    let kinds: Vec<&str> = methods
        .iter()
        .map(|m| m["paymentMethodType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["ach-credit-standard", "ach-credit-same-day", "rtp-credit"]
    );
    // IDs are stable across calls.
    let listed = c.get(&format!("/accounts/{account}/payment-methods")).await;
    assert_eq!(
        listed.body[0]["paymentMethodID"],
        methods[0]["paymentMethodID"]
    );
    assert_eq!(
        listed.body[0]["bankAccount"]["bankAccountID"],
        r.body["bankAccountID"]
    );
    let one = c
        .get(&format!(
            "/accounts/{account}/payment-methods/{}",
            methods[2]["paymentMethodID"].as_str().unwrap()
        ))
        .await;
    assert_eq!(one.body["paymentMethodType"], "rtp-credit");
    let none = c
        .get(&format!(
            "/accounts/{account}/payment-methods?sourceID={}",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert!(none.body.as_array().unwrap().is_empty());
    // Without the header, no paymentMethods field.
    let again = c
        .post(&format!("/accounts/{account}/bank-accounts"), body)
        .await;
    assert!(again.body.get("paymentMethods").is_none());
    app.stop().await;
}

#[tokio::test]
async fn the_simulator_can_be_turned_off() {
    let app = TestApp::sqlite_with(|c| c.simulator = false).await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("021000021", "12345678").await;
    let (_, _, verify) = paths(&account, &bank);
    let r = c.post_with(&verify, ("x-wait-for", "rail-response")).await;
    assert_eq!(
        r.body["verificationMethod"], "ach",
        "no instant rail: ACH fallback"
    );
    assert_eq!(
        c.get("/simulator/accounts/021000021/12345678/transactions")
            .await
            .status,
        404
    );
    let _: Arc<()> = Arc::new(());
    app.stop().await;
}

#[tokio::test]
async fn verification_secrets_are_sealed_in_the_database() {
    use sqlx::Connection;
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("021000021", "99887711").await;
    c.initiate_micro_deposits(&account, &bank).await;
    let (account2, bank2) = c.account_with_bank("021000021", "99887722").await;
    let r = c
        .post_with(
            &format!("/accounts/{account2}/bank-accounts/{bank2}/verify"),
            ("x-wait-for", "rail-response"),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let url = format!(
        "sqlite://{}",
        app.data_dir.path().join("pennydrop.db").display()
    );
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let secrets: Vec<String> = sqlx::query_scalar("SELECT secret FROM verifications")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(secrets.len(), 2);
    for s in &secrets {
        assert!(s.starts_with("sealed:"), "a secret in clear: {s}");
    }
    // The code the holder reads on the statement still completes the verification.
    let statement = c
        .get("/simulator/accounts/021000021/99887722/transactions")
        .await;
    let text = statement.body["transactions"][0]["statementText"]
        .as_str()
        .unwrap()
        .to_string();
    let code = text.rsplit("MV").next().unwrap().to_string();
    let done = c
        .put(
            &format!("/accounts/{account2}/bank-accounts/{bank2}/verify"),
            &format!(r#"{{"code":"MV{code}"}}"#),
        )
        .await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(done.body["status"], "successful");
    app.stop().await;
}
