//! Holder recovery within limits (issue 12, scope 4; docs/risk.md "Holder recovery"): every
//! verification answer says attempts left and expiry; after a failed round a new one starts
//! through the API, offering the other method where the bank can take it; past the rounds limit
//! the next round is refused by `velocity.bank-account-rounds` (and the refusal recorded) until
//! an operator unlocks the bank account, which the audit trail keeps with the operator's key.

mod common;

use common::{scalar, start_time, TestApp};
use jiff::{SignedDuration, Timestamp};
use pennydrop_core::model::Mode;
use pennydrop_core::risk::AuditAction;
use pennydrop_core::Clock;
use pennydrop_engine::access::CreatedKey;
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

const RULE: &str = "velocity.bank-account-rounds";
/// Reachable by RTP/FedNow in the simulated network.
const INSTANT_ROUTING: &str = "021000021";
/// Reachable by ACH only.
const ACH_ROUTING: &str = "231380104";

/// One answer with its headers.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn attempts_left(&self) -> Option<u32> {
        self.header("pennydrop-attempts-left")
            .map(|v| v.parse().expect("attempts left is a number"))
    }

    fn expires_on(&self) -> Option<Timestamp> {
        self.header("pennydrop-expires-on")
            .map(|v| v.parse().expect("expiry is RFC 3339"))
    }

    fn text(&self) -> String {
        self.body.to_string()
    }
}

async fn send(req: reqwest::RequestBuilder) -> Answer {
    let r = req.send().await.expect("send");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        headers,
        body,
    }
}

struct Moov<'a> {
    app: &'a TestApp,
    key: &'a CreatedKey,
}

impl Moov<'_> {
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.app
            .client
            .request(method, self.app.url(path))
            .basic_auth(&self.key.public_key, Some(&self.key.secret_key))
            .header("content-type", "application/json")
    }

    async fn post(&self, path: &str, body: &str) -> Answer {
        send(self.req(reqwest::Method::POST, path).body(body.to_string())).await
    }

    async fn put(&self, path: &str, body: &str) -> Answer {
        send(self.req(reqwest::Method::PUT, path).body(body.to_string())).await
    }

    async fn get(&self, path: &str) -> Answer {
        send(self.req(reqwest::Method::GET, path)).await
    }

    async fn account_with_bank(&self, routing: &str, number: &str) -> (String, String) {
        let a = self
            .post(
                "/accounts",
                &json!({"accountType": "individual", "profile": {"individual": {"name": {"firstName": "Jane", "lastName": "Doe"}}}})
                    .to_string(),
            )
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        let account = a.body["accountID"].as_str().expect("accountID").to_string();
        let body = json!({"account": {
            "holderName": "Jane Doe", "holderType": "individual", "accountNumber": number,
            "bankAccountType": "checking", "routingNumber": routing}});
        let b = self
            .post(
                &format!("/accounts/{account}/bank-accounts"),
                &body.to_string(),
            )
            .await;
        assert_eq!(b.status, 200, "{:?}", b.body);
        let bank = b.body["bankAccountID"].as_str().expect("id").to_string();
        (account, bank)
    }
}

async fn unlock(app: &TestApp, key: &CreatedKey, bank: &str, body: &str) -> Answer {
    send(
        app.client
            .post(app.url(&format!("/admin/bank-accounts/{bank}/unlock")))
            .basic_auth(&key.public_key, Some(&key.secret_key))
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
    .await
}

async fn refusals_recorded(app: &TestApp, bank: &str) -> i64 {
    scalar(
        &app.database_url(),
        &format!(
            "SELECT COUNT(*) FROM risk_decisions WHERE rule = '{RULE}' AND outcome = 'refused' \
             AND bank_account_id = '{bank}'"
        ),
    )
    .await
}

/// The unlock entries of the audit trail for `bank`, as (actor, reason).
async fn unlocks(app: &TestApp, bank: &str) -> Vec<(String, String)> {
    let trail = app
        .store
        .audit_trail(
            start_time(),
            start_time() + SignedDuration::from_hours(24 * 365),
        )
        .await
        .expect("audit trail");
    trail
        .into_iter()
        .map(|(_, a)| a)
        .filter(|a| a.action == AuditAction::BankAccountUnlocked && a.subject == bank)
        .map(|a| (a.actor, a.reason))
        .collect()
}

/// The whole acceptance path in the Moov dialect (sandbox: amounts 0/0, code MV0001).
async fn moov_flow(app: &TestApp) {
    let key = app.tenant(Mode::Sandbox).await;
    let operator = app.operator().await;
    let c = Moov { app, key: &key };
    let (account, bank) = c.account_with_bank(INSTANT_ROUTING, "12345678").await;
    let ba = format!("/accounts/{account}/bank-accounts/{bank}");
    let micro = format!("{ba}/micro-deposits");
    let verify = format!("{ba}/verify");

    // Three micro-deposit rounds, each locked out after three wrong pairs; each new round
    // starts through the API and says its attempts and expiry.
    for round in 1..=3u32 {
        app.clock.advance(SignedDuration::from_hours(1));
        let started = c.post(&micro, "").await;
        assert_eq!(started.status, 204, "round {round}: {:?}", started.body);
        assert_eq!(started.attempts_left(), Some(3), "round {round}");
        assert_eq!(
            started.expires_on(),
            Some(app.clock.now() + SignedDuration::from_hours(24 * 14))
        );
        assert_eq!(started.header("pennydrop-method"), Some("micro-deposits"));
        assert_eq!(
            started.header("pennydrop-rounds-left"),
            Some(format!("micro-deposits={}, instant=3", 3 - round).as_str())
        );
        assert_eq!(started.header("pennydrop-next-method"), None);
        for left in [2, 1] {
            let wrong = c.put(&micro, r#"{"amounts":[1,2]}"#).await;
            assert_eq!(wrong.status, 409, "{:?}", wrong.body);
            assert!(wrong.text().contains(&format!("{left} attempt(s) left")));
            assert_eq!(wrong.attempts_left(), Some(left));
            assert!(wrong.expires_on().is_some());
        }
        let locked = c.put(&micro, r#"{"amounts":[1,2]}"#).await;
        assert_eq!(locked.status, 409);
        assert_eq!(locked.attempts_left(), Some(0));
        assert_eq!(locked.expires_on(), None);
        // The bank is reachable instantly: instant verification is offered next.
        assert_eq!(locked.header("pennydrop-next-method"), Some("instant"));
        let got = c.get(&ba).await;
        assert_eq!(got.body["status"], "verificationFailed", "{:?}", got.body);
        assert_eq!(got.body["statusReason"], "micro-deposit-attempts-exceeded");
        assert_eq!(got.header("pennydrop-next-method"), Some("instant"));
    }

    // Past the limit: the next micro-deposit round is refused naming the rule, and recorded.
    let refused = c.post(&micro, "").await;
    assert_eq!(refused.status, 409, "{:?}", refused.body);
    assert!(refused.text().contains(RULE), "{:?}", refused.body);
    assert_eq!(
        refused.header("pennydrop-rounds-left"),
        Some("micro-deposits=0, instant=3")
    );
    assert_eq!(refusals_recorded(app, &bank).await, 1);

    // The offered method works within its own limit: three instant verifications, five wrong
    // codes each; then neither method has a round left.
    for round in 1..=3u32 {
        let started = c.post(&verify, "").await;
        assert_eq!(started.status, 200, "instant {round}: {:?}", started.body);
        assert_eq!(started.attempts_left(), Some(5));
        assert!(started.expires_on().is_some());
        assert_eq!(started.header("pennydrop-method"), Some("instant"));
        for _ in 0..5 {
            let wrong = c.put(&verify, r#"{"code":"MV9999"}"#).await;
            assert_eq!(wrong.status, 409);
        }
        let after = c.get(&verify).await;
        assert_eq!(after.body["status"], "max-attempts-exceeded");
        assert_eq!(after.attempts_left(), Some(0));
        let next = if round < 3 { "instant" } else { "none" };
        assert_eq!(after.header("pennydrop-next-method"), Some(next));
    }
    let got = c.get(&ba).await;
    assert_eq!(got.body["status"], "errored");
    assert_eq!(got.body["statusReason"], "max-verification-failures");
    for path in [&micro, &verify] {
        let refused = c.post(path, "").await;
        assert_eq!(refused.status, 409, "{path}");
        assert!(refused.text().contains(RULE), "{:?}", refused.body);
        assert_eq!(refused.header("pennydrop-next-method"), Some("none"));
    }
    assert_eq!(refusals_recorded(app, &bank).await, 3);

    // The unlock: operators only, with a reason.
    let tenant_key = unlock(app, &key, &bank, r#"{"reason":"holder called"}"#).await;
    assert_eq!(tenant_key.status, 403, "{:?}", tenant_key.body);
    let no_reason = unlock(app, &operator, &bank, r#"{"reason":"  "}"#).await;
    assert_eq!(no_reason.status, 422, "{:?}", no_reason.body);
    assert!(no_reason.body["reason"].is_string(), "{:?}", no_reason.body);
    assert!(unlocks(app, &bank).await.is_empty(), "nothing written");
    let unlocked = unlock(
        app,
        &operator,
        &bank,
        r#"{"reason":"holder confirmed identity by phone, ticket 4411"}"#,
    )
    .await;
    assert_eq!(unlocked.status, 200, "{:?}", unlocked.body);
    assert_eq!(unlocked.body["status"], "new");
    assert_eq!(unlocked.body["statusReason"], "admin-action");
    assert_eq!(
        unlocks(app, &bank).await,
        vec![(
            operator.public_key.clone(),
            "holder confirmed identity by phone, ticket 4411".to_string()
        )]
    );
    let audited = scalar(
        &app.database_url(),
        &format!(
            "SELECT COUNT(*) FROM risk_audit WHERE action = 'bankAccount.unlocked' \
             AND subject = '{bank}' AND actor = '{}'",
            operator.public_key
        ),
    )
    .await;
    assert_eq!(audited, 1);

    // A new round starts (later: time has moved since the unlock), with the full budget
    // again, and completes.
    app.clock.advance(SignedDuration::from_mins(1));
    let started = c.post(&micro, "").await;
    assert_eq!(started.status, 204, "{:?}", started.body);
    assert_eq!(started.attempts_left(), Some(3));
    assert_eq!(
        started.header("pennydrop-rounds-left"),
        Some("micro-deposits=2, instant=3")
    );
    let done = c.put(&micro, r#"{"amounts":[0,0]}"#).await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(done.header("pennydrop-next-method"), None);
    assert_eq!(done.attempts_left(), None);

    // A verified bank account is not unlocked; an unknown one is not found.
    let verified = unlock(app, &operator, &bank, r#"{"reason":"again"}"#).await;
    assert_eq!(verified.status, 409, "{:?}", verified.body);
    let unknown = unlock(
        app,
        &operator,
        "00000000-0000-4000-8000-000000000000",
        r#"{"reason":"x"}"#,
    )
    .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn moov_holder_recovers_within_limits_and_an_operator_unlocks() {
    let app = TestApp::sqlite().await;
    moov_flow(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn moov_holder_recovery_on_postgres() {
    let Some(app) = TestApp::postgres("recovery_moov").await else {
        return;
    };
    moov_flow(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn an_instant_credit_never_completed_offers_micro_deposits() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let c = Moov {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank(ACH_ROUTING, "12345678").await;
    let verify = format!("/accounts/{account}/bank-accounts/{bank}/verify");
    let started = c.post(&verify, "").await;
    assert_eq!(started.status, 200, "{:?}", started.body);
    app.clock.advance(SignedDuration::from_hours(24 * 14 + 1));
    let expired = c.get(&verify).await;
    assert_eq!(expired.body["status"], "expired");
    assert_eq!(expired.attempts_left(), Some(0));
    assert_eq!(
        expired.header("pennydrop-next-method"),
        Some("micro-deposits")
    );
    // Micro-deposits failed at a bank not reachable instantly: micro-deposits again.
    let micro = format!("/accounts/{account}/bank-accounts/{bank}/micro-deposits");
    assert_eq!(c.post(&micro, "").await.status, 204);
    for _ in 0..3 {
        c.put(&micro, r#"{"amounts":[1,2]}"#).await;
    }
    let got = c
        .get(&format!("/accounts/{account}/bank-accounts/{bank}"))
        .await;
    assert_eq!(got.header("pennydrop-next-method"), Some("micro-deposits"));
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Finicity.

struct Finicity<'a> {
    app: &'a TestApp,
    key: &'a CreatedKey,
    token: String,
}

impl Finicity<'_> {
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.app
            .client
            .request(method, self.app.url(path))
            .header("Finicity-App-Key", &self.key.public_key)
            .header("Finicity-App-Token", &self.token)
            .header("content-type", "application/json")
            .header("accept", "application/json")
    }

    async fn initiate(&self, customer: &str, number: &str) -> Answer {
        let body = json!({"receiver": {"routingNumber": ACH_ROUTING, "accountNumber": number,
            "accountType": "personalChecking", "name": "Bob Smith"}});
        send(
            self.req(
                reqwest::Method::POST,
                &format!("/microentry/v1/customers/{customer}"),
            )
            .body(body.to_string()),
        )
        .await
    }

    async fn amounts(&self, customer: &str, account: &str, body: &str) -> Answer {
        send(
            self.req(
                reqwest::Method::POST,
                &format!("/microentry/v1/customers/{customer}/accounts/{account}/amounts"),
            )
            .body(body.to_string()),
        )
        .await
    }

    async fn details(&self, customer: &str, account: &str) -> Answer {
        send(self.req(
            reqwest::Method::GET,
            &format!("/microentry/v1/customers/{customer}/accounts/{account}"),
        ))
        .await
    }
}

#[tokio::test]
async fn finicity_holder_recovers_within_limits_and_an_operator_unlocks() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let operator = app.operator().await;
    let token = common::finicity_token(&app, &key).await;
    let p = Finicity {
        app: &app,
        key: &key,
        token,
    };
    let customer = "cust-recovery";
    let mut account = String::new();
    for round in 1..=3u32 {
        // Finicity tokens live two hours: minutes between rounds.
        app.clock.advance(SignedDuration::from_mins(5));
        let r = p.initiate(customer, "55667788").await;
        assert_eq!(r.status, 200, "round {round}: {:?}", r.body);
        assert_eq!(r.attempts_left(), Some(3));
        assert_eq!(
            r.expires_on(),
            Some(app.clock.now() + SignedDuration::from_hours(24 * 14))
        );
        account = r.body["accountId"].as_str().expect("accountId").to_string();
        for left in [2, 1] {
            let wrong = p
                .amounts(customer, &account, r#"{"amounts":["0.01","0.02"]}"#)
                .await;
            assert_eq!(wrong.body["code"], "3200004", "{:?}", wrong.body);
            assert_eq!(wrong.attempts_left(), Some(left));
            assert!(wrong.expires_on().is_some());
        }
        let locked = p
            .amounts(customer, &account, r#"{"amounts":["0.01","0.02"]}"#)
            .await;
        assert_eq!(locked.body["code"], "3200003", "{:?}", locked.body);
        assert_eq!(locked.attempts_left(), Some(0));
        let next = if round < 3 {
            "micro-deposits"
        } else {
            // ACH-only bank, micro-deposits used up: instant (over same-day ACH) is left.
            "instant"
        };
        assert_eq!(locked.header("pennydrop-next-method"), Some(next));
        let d = p.details(customer, &account).await;
        assert_eq!(d.body["status"], "Failed");
        assert_eq!(d.attempts_left(), Some(0));
    }
    // Past the limit: refused naming the rule, recorded, with the rounds left.
    let refused = p.initiate(customer, "55667788").await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    assert_eq!(refused.body["code"], "3200001");
    assert!(refused.text().contains(RULE), "{:?}", refused.body);
    assert_eq!(refused.body["accountId"], account.as_str());
    assert_eq!(
        refused.header("pennydrop-rounds-left"),
        Some("micro-deposits=0, instant=3")
    );
    assert_eq!(refusals_recorded(&app, &account).await, 1);

    let unlocked = unlock(
        &app,
        &operator,
        &account,
        r#"{"reason":"support ticket 17"}"#,
    )
    .await;
    assert_eq!(unlocked.status, 200, "{:?}", unlocked.body);
    assert_eq!(
        unlocks(&app, &account).await,
        vec![(operator.public_key.clone(), "support ticket 17".to_string())]
    );
    app.clock.advance(SignedDuration::from_mins(1));
    let again = p.initiate(customer, "55667788").await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(again.body["accountId"], account.as_str());
    assert_eq!(again.attempts_left(), Some(3));
    assert_eq!(
        again.header("pennydrop-rounds-left"),
        Some("micro-deposits=2, instant=3")
    );
    let ok = p
        .amounts(customer, &account, r#"{"amounts":[0,"0.00"]}"#)
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    app.stop().await;
}

#[tokio::test]
async fn the_rounds_limit_follows_the_tenants_settings() {
    // A deployment with one micro-deposit round per bank account and no instant limit.
    let app = TestApp::sqlite_with(|config| {
        config.engine.risk = config
            .engine
            .risk
            .patched(&json!({"bankAccountRounds": {"microDeposits": 1}}))
            .expect("settings");
    })
    .await;
    let key = app.tenant(Mode::Sandbox).await;
    let c = Moov {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank(INSTANT_ROUTING, "12345678").await;
    let micro = format!("/accounts/{account}/bank-accounts/{bank}/micro-deposits");
    let started = c.post(&micro, "").await;
    assert_eq!(started.status, 204);
    assert_eq!(
        started.header("pennydrop-rounds-left"),
        Some("micro-deposits=0, instant=3")
    );
    for _ in 0..3 {
        c.put(&micro, r#"{"amounts":[1,2]}"#).await;
    }
    let refused = c.post(&micro, "").await;
    assert_eq!(refused.status, 409);
    assert!(refused.text().contains(RULE));
    // Switched off: no limit, no rounds figure.
    let app2 = TestApp::sqlite_with(|config| {
        config.engine.risk.bank_account_rounds.enabled = false;
    })
    .await;
    let key2 = app2.tenant(Mode::Sandbox).await;
    let c2 = Moov {
        app: &app2,
        key: &key2,
    };
    let (account, bank) = c2.account_with_bank(INSTANT_ROUTING, "12345678").await;
    let micro = format!("/accounts/{account}/bank-accounts/{bank}/micro-deposits");
    for _ in 0..4 {
        let started = c2.post(&micro, "").await;
        assert_eq!(started.status, 204, "{:?}", started.body);
        assert_eq!(started.header("pennydrop-rounds-left"), None);
        for _ in 0..3 {
            c2.put(&micro, r#"{"amounts":[1,2]}"#).await;
        }
    }
    app.stop().await;
    app2.stop().await;
}

// ---------------------------------------------------------------------------------------------
// MX Platform.

const MX_PLATFORM: &str = "application/vnd.mx.api.v1+json";

async fn mx(
    app: &TestApp,
    key: &CreatedKey,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Answer {
    let mut req = app
        .client
        .request(method, app.url(path))
        .basic_auth(&key.public_key, Some(&key.secret_key))
        .header("accept", MX_PLATFORM);
    if let Some(b) = body {
        req = req.header("content-type", MX_PLATFORM).body(b.to_string());
    }
    send(req).await
}

#[tokio::test]
async fn mx_platform_says_attempts_and_refuses_past_the_limit_until_unlocked() {
    let app = TestApp::sqlite_with(|config| {
        config.engine.risk.bank_account_rounds.micro_deposits = 2;
    })
    .await;
    let key = app.tenant(Mode::Sandbox).await;
    let operator = app.operator().await;
    let user = mx(
        &app,
        &key,
        reqwest::Method::POST,
        "/users",
        Some(json!({"user": {"email": "jane@example.com", "id": "recovery-user"}})),
    )
    .await;
    assert_eq!(user.status, 200, "{:?}", user.body);
    let user = user.body["user"]["guid"].as_str().unwrap().to_string();
    let create = json!({"micro_deposit": {"account_name": "My Checking", "account_number": "12345678",
        "account_type": "checking", "routing_number": ACH_ROUTING,
        "email": "jane@example.com", "first_name": "Jane", "last_name": "Doe"}});
    let wrong = json!({"micro_deposit": {"deposit_amount_1": "0.01", "deposit_amount_2": "0.02"}});
    let mut guid = String::new();
    for round in 1..=2u32 {
        app.clock.advance(SignedDuration::from_mins(5));
        let created = mx(
            &app,
            &key,
            reqwest::Method::POST,
            &format!("/users/{user}/micro_deposits"),
            Some(create.clone()),
        )
        .await;
        assert_eq!(created.status, 200, "round {round}: {:?}", created.body);
        assert_eq!(created.attempts_left(), Some(3));
        assert!(created.expires_on().is_some());
        guid = created.body["micro_deposit"]["guid"]
            .as_str()
            .unwrap()
            .to_string();
        for left in [2, 1, 0] {
            let denied = mx(
                &app,
                &key,
                reqwest::Method::PUT,
                &format!("/micro_deposits/{guid}/verify"),
                Some(wrong.clone()),
            )
            .await;
            assert_eq!(denied.status, 200, "{:?}", denied.body);
            assert_eq!(denied.attempts_left(), Some(left));
        }
        let got = mx(
            &app,
            &key,
            reqwest::Method::GET,
            &format!("/users/{user}/micro_deposits/{guid}"),
            None,
        )
        .await;
        assert_eq!(got.body["micro_deposit"]["status"], "PREVENTED");
        let next = if round == 1 {
            "micro-deposits"
        } else {
            "instant"
        };
        assert_eq!(got.header("pennydrop-next-method"), Some(next));
    }
    let refused = mx(
        &app,
        &key,
        reqwest::Method::POST,
        &format!("/users/{user}/micro_deposits"),
        Some(create.clone()),
    )
    .await;
    assert!(
        refused.status >= 400 && refused.status < 500,
        "{:?}",
        refused.body
    );
    assert!(refused.text().contains(RULE), "{:?}", refused.body);
    assert_eq!(
        refused.header("pennydrop-rounds-left"),
        Some("micro-deposits=0, instant=3")
    );
    let bank = guid.trim_start_matches("MIC-").to_string();
    assert_eq!(refusals_recorded(&app, &bank).await, 1);
    let unlocked = unlock(&app, &operator, &bank, r#"{"reason":"MX support case 9"}"#).await;
    assert_eq!(unlocked.status, 200, "{:?}", unlocked.body);
    app.clock.advance(SignedDuration::from_mins(1));
    let again = mx(
        &app,
        &key,
        reqwest::Method::POST,
        &format!("/users/{user}/micro_deposits"),
        Some(create),
    )
    .await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(again.attempts_left(), Some(3));
    assert_eq!(
        again.header("pennydrop-rounds-left"),
        Some("micro-deposits=1, instant=3")
    );
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// The CLI.

fn cli_unlock(app: &TestApp, bank: &str, reason: &str, user: Option<&str>) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pennydrop"));
    cmd.args([
        "risk",
        "unlock",
        "--bank-account",
        bank,
        "--reason",
        reason,
        "--data-dir",
    ])
    .arg(app.data_dir.path())
    .env_remove("PENNYDROP_DATABASE_URL")
    .env_remove("PENNYDROP_ENCRYPTION_KEY")
    .env_remove("RUST_BACKTRACE")
    .env_remove("RUST_LIB_BACKTRACE");
    match user {
        Some(u) => cmd.env("USER", u),
        None => cmd.env_remove("USER"),
    };
    cmd.output().expect("run pennydrop")
}

// The CLI runs as a blocking child process: with a single-threaded runtime the app's tasks would
// freeze meanwhile, possibly inside a write transaction the CLI then waits for (SQLite lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_unlocks_with_the_os_user_as_actor() {
    let app = TestApp::sqlite_with(|config| {
        config.engine.risk.bank_account_rounds.micro_deposits = 1;
    })
    .await;
    let key = app.tenant(Mode::Sandbox).await;
    let c = Moov {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank(ACH_ROUTING, "12345678").await;
    let micro = format!("/accounts/{account}/bank-accounts/{bank}/micro-deposits");
    assert_eq!(c.post(&micro, "").await.status, 204);
    for _ in 0..3 {
        c.put(&micro, r#"{"amounts":[1,2]}"#).await;
    }
    assert!(c.post(&micro, "").await.text().contains(RULE));

    let blank = cli_unlock(&app, &bank, " ", Some("ops-jane"));
    assert!(!blank.status.success());
    let err = String::from_utf8_lossy(&blank.stderr);
    assert!(err.contains("reason"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");

    app.clock.advance(SignedDuration::from_mins(1));
    let out = cli_unlock(&app, &bank, "holder called support", Some("ops-jane"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(printed["bankAccountID"], bank.as_str());
    assert_eq!(printed["status"], "new");
    assert_eq!(printed["statusReason"], "admin-action");
    assert!(printed["unlockedOn"].is_string());
    assert_eq!(
        unlocks(&app, &bank).await,
        vec![(
            "cli:ops-jane".to_string(),
            "holder called support".to_string()
        )]
    );
    // The CLI's clock is the wall clock (later than the test's): move past it before the round.
    app.clock
        .set(Timestamp::now() + SignedDuration::from_hours(1));
    let started = c.post(&micro, "").await;
    assert_eq!(started.status, 204, "{:?}", started.body);
    assert_eq!(
        started.header("pennydrop-rounds-left"),
        Some("micro-deposits=0, instant=3")
    );
    // An unlock during a round is refused; once it failed, without $USER the actor is "cli".
    let busy = cli_unlock(&app, &bank, "again", None);
    assert!(!busy.status.success());
    assert!(String::from_utf8_lossy(&busy.stderr).contains("in progress"));
    for _ in 0..3 {
        c.put(&micro, r#"{"amounts":[1,2]}"#).await;
    }
    let out = cli_unlock(&app, &bank, "again", None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(unlocks(&app, &bank).await.len(), 2);
    assert_eq!(unlocks(&app, &bank).await[1].0, "cli");
    app.stop().await;
}

#[tokio::test]
async fn production_rounds_count_attempts_only_once_the_credits_are_sent() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Moov {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank(ACH_ROUTING, "12345678").await;
    let micro = format!("/accounts/{account}/bank-accounts/{bank}/micro-deposits");
    // Deposits are at most 49 cents: 98 and 99 are always wrong.
    let wrong = r#"{"amounts":[98,99]}"#;
    let started = c.post(&micro, "").await;
    assert_eq!(started.status, 204, "{:?}", started.body);
    assert_eq!(started.attempts_left(), Some(3));
    assert_eq!(
        started.expires_on(),
        Some(app.clock.now() + SignedDuration::from_hours(24 * 14))
    );
    // Not sent yet: refused without using an attempt, and the header says so.
    let early = c.put(&micro, wrong).await;
    assert_eq!(early.status, 409);
    assert!(early.text().contains("not been sent"), "{:?}", early.body);
    assert_eq!(early.attempts_left(), Some(3));
    let cutoff = Moov {
        app: &app,
        key: &operator,
    }
    .post("/admin/ach/cutoffs", "")
    .await;
    assert_eq!(cutoff.status, 200, "{:?}", cutoff.body);
    for left in [2, 1, 0] {
        let r = c.put(&micro, wrong).await;
        assert_eq!(r.status, 409, "{:?}", r.body);
        assert_eq!(r.attempts_left(), Some(left));
    }
    let got = c.get(&micro.replace("/micro-deposits", "")).await;
    assert_eq!(got.body["status"], "verificationFailed");
    // An ACH-only bank: micro-deposits again.
    assert_eq!(got.header("pennydrop-next-method"), Some("micro-deposits"));
    app.clock.advance(SignedDuration::from_hours(1));
    let again = c.post(&micro, "").await;
    assert_eq!(again.status, 204, "{:?}", again.body);
    assert_eq!(again.attempts_left(), Some(3));
    assert_eq!(
        again.header("pennydrop-rounds-left"),
        Some("micro-deposits=1, instant=3")
    );
    app.stop().await;
}
