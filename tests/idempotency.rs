//! Invariant 9: every mutating call is safe to retry. With `X-Idempotency-Key` (or the IETF
//! `Idempotency-Key`) the same request replays its first answer and changes nothing more, a
//! different request with the key is refused (422), a key still in flight is 409 with
//! `Retry-After`, and a crash between the change and its answer never lets a retry change
//! anything twice — in every dialect, on SQLite and PostgreSQL.

mod common;

use common::{finicity_token, nexus_session, Reply, TestApp};
use jiff::SignedDuration;
use pennydrop_core::model::Mode;
use pennydrop_core::Clock;
use pennydrop_engine::access::CreatedKey;
use pennydrop_engine::idempotency::{IdempotencyRecord, KeyId, RecordState};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const ROUTING: &str = "231380104";
const PLATFORM: &str = "application/vnd.mx.api.v1+json";
const NEXUS: &str = "application/vnd.mx.nexus.v1+json";

/// How a call authenticates.
#[derive(Clone)]
enum Auth {
    Basic(String, String),
    Headers(Vec<(String, String)>),
}

impl Auth {
    fn basic(key: &CreatedKey) -> Self {
        Auth::Basic(key.public_key.clone(), key.secret_key.clone())
    }
}

#[derive(Debug)]
struct Answer {
    reply: Reply,
    replayed: bool,
    retry_after: Option<String>,
    raw: String,
}

async fn send(
    client: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    auth: &Auth,
    body: Option<&Value>,
    key: Option<(&str, &str)>,
) -> Answer {
    let mut request = client.request(method, format!("{base}{path}"));
    request = match auth {
        Auth::Basic(user, secret) => request.basic_auth(user, Some(secret)),
        Auth::Headers(headers) => headers
            .iter()
            .fold(request, |r, (k, v)| r.header(k.as_str(), v.as_str())),
    };
    if let Some(b) = body {
        request = request
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    if let Some((header, value)) = key {
        request = request.header(header, value);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let replayed = header("idempotent-replayed").as_deref() == Some("true");
    let retry_after = header("retry-after");
    let raw = response.text().await.expect("body");
    let body = serde_json::from_str(&raw).unwrap_or(Value::Null);
    Answer {
        reply: Reply {
            status,
            request_id: None,
            body,
        },
        replayed,
        retry_after,
        raw,
    }
}

/// One tenant's calls in one dialect.
struct Client<'a> {
    app: &'a TestApp,
    auth: Auth,
}

impl Client<'_> {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Answer {
        send(
            &self.app.client,
            &self.app.base,
            method,
            path,
            &self.auth,
            body,
            key.map(|k| ("x-idempotency-key", k)),
        )
        .await
    }

    async fn post(&self, path: &str, body: &Value, key: &str) -> Answer {
        self.call(reqwest::Method::POST, path, Some(body), Some(key))
            .await
    }

    async fn put(&self, path: &str, body: &Value, key: &str) -> Answer {
        self.call(reqwest::Method::PUT, path, Some(body), Some(key))
            .await
    }

    /// Sends the call, then the same again: the second is the first's answer, replayed.
    async fn twice(&self, method: reqwest::Method, path: &str, body: &Value, key: &str) -> Answer {
        let first = self.call(method.clone(), path, Some(body), Some(key)).await;
        assert!(!first.replayed, "{path}: a first call is not a replay");
        let again = self.call(method, path, Some(body), Some(key)).await;
        assert!(again.replayed, "{path}: {again:?}");
        assert_eq!(
            (again.reply.status, &again.raw),
            (first.reply.status, &first.raw),
            "{path}: the replay is the first answer"
        );
        first
    }
}

async fn count(app: &TestApp, table: &str) -> i64 {
    common::scalar(
        &app.database_url(),
        &format!("SELECT COUNT(*) FROM {table}"),
    )
    .await
}

/// Row counts of everything a verification call may write.
async fn rows(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "accounts",
        "bank_accounts",
        "verifications",
        "ach_entries",
        "instant_credits",
        "events",
        "access_tokens",
    ] {
        out.push(count(app, table).await);
    }
    out
}

async fn failed_attempts(app: &TestApp) -> i64 {
    common::scalar(
        &app.database_url(),
        "SELECT COALESCE(SUM(failed_attempts), 0) FROM verifications",
    )
    .await
}

/// Runs a cutoff (the simulated bank posts the credits at once).
async fn cutoff(app: &TestApp) {
    let operator = app.operator().await;
    let r = common::Caller {
        app,
        key: &operator,
    }
    .post("/admin/ach/cutoffs", "")
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

/// Cents that are certainly not the two micro-deposits on the simulated statement.
async fn wrong_cents(app: &TestApp, key: &CreatedKey, routing: &str, number: &str) -> [i64; 2] {
    let r = common::Caller { app, key }
        .get(&format!(
            "/simulator/accounts/{routing}/{number}/transactions"
        ))
        .await;
    let credits: Vec<i64> = r.body["transactions"]
        .as_array()
        .expect("statement")
        .iter()
        .filter(|t| t["direction"] == "credit")
        .map(|t| t["amountCents"].as_i64().unwrap())
        .collect();
    assert_eq!(credits.len(), 2, "{:?}", r.body);
    [
        credits[0],
        if credits[1] == 99 { 98 } else { credits[1] + 1 },
    ]
}

fn dollars(cents: i64) -> String {
    format!("0.{cents:02}")
}

fn person(foreign_id: &str) -> Value {
    json!({"accountType": "individual", "foreignID": foreign_id,
        "profile": {"individual": {"name": {"firstName": "Jane", "lastName": "Doe"},
        "email": "jane@example.com"}}})
}

fn bank(number: &str, routing: &str) -> Value {
    json!({"account": {"holderName": "Jane Doe", "holderType": "individual",
        "accountNumber": number, "bankAccountType": "checking", "routingNumber": routing}})
}

#[tokio::test]
async fn moov_create_link_initiate_and_verify_replay() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let c = Client {
        app: &app,
        auth: Auth::basic(&key),
    };
    let post = reqwest::Method::POST;
    let put = reqwest::Method::PUT;

    let created = c
        .twice(post.clone(), "/accounts", &person("idem-1"), "acct-1")
        .await;
    assert_eq!(created.reply.status, 200, "{:?}", created.reply.body);
    let account = created.reply.body["accountID"]
        .as_str()
        .unwrap()
        .to_string();
    let accounts_before = count(&app, "accounts").await;

    // Same key, another body: 422 naming the key and what differs; nothing created.
    let other = c.post("/accounts", &person("idem-2"), "acct-1").await;
    assert_eq!(other.reply.status, 422, "{:?}", other.reply.body);
    let message = other.reply.body["idempotencyKey"].as_str().unwrap();
    assert!(
        message.contains("POST /accounts") && message.contains("body"),
        "{message}"
    );
    assert_eq!(count(&app, "accounts").await, accounts_before);

    // The IETF header name works the same way; both names with different values are refused.
    let ietf = send(
        &app.client,
        &app.base,
        post.clone(),
        "/accounts",
        &c.auth,
        Some(&person("idem-3")),
        Some(("idempotency-key", "acct-3")),
    )
    .await;
    assert_eq!(ietf.reply.status, 200);
    let again = send(
        &app.client,
        &app.base,
        post.clone(),
        "/accounts",
        &c.auth,
        Some(&person("idem-3")),
        Some(("idempotency-key", "acct-3")),
    )
    .await;
    assert!(again.replayed);
    assert_eq!(again.raw, ietf.raw);
    let both = app
        .client
        .post(app.url("/accounts"))
        .basic_auth(&key.public_key, Some(&key.secret_key))
        .header("x-idempotency-key", "a")
        .header("idempotency-key", "b")
        .json(&person("idem-4"))
        .send()
        .await
        .unwrap();
    assert_eq!(both.status(), 422);
    let bad = c.post("/accounts", &person("idem-5"), "has space").await;
    assert_eq!(bad.reply.status, 422, "{:?}", bad.reply.body);

    // Link, start micro-deposits, answer wrongly: each replayed, each done once.
    let bank_path = format!("/accounts/{account}/bank-accounts");
    let linked = c
        .twice(
            post.clone(),
            &bank_path,
            &bank("11223344", ROUTING),
            "link-1",
        )
        .await;
    assert_eq!(linked.reply.status, 200, "{:?}", linked.reply.body);
    let bank_id = linked.reply.body["bankAccountID"].as_str().unwrap();
    let micro = format!("{bank_path}/{bank_id}/micro-deposits");
    let initiated = c.twice(post.clone(), &micro, &json!({}), "micro-1").await;
    assert_eq!(initiated.reply.status, 204, "{}", initiated.raw);
    assert_eq!(
        count(&app, "ach_entries").await,
        3,
        "two credits and a debit, once"
    );

    cutoff(&app).await;
    let wrong = json!({"amounts": wrong_cents(&app, &key, ROUTING, "11223344").await});
    let answered = c.twice(put.clone(), &micro, &wrong, "wrong-1").await;
    assert_eq!(answered.reply.status, 409, "{}", answered.raw);
    assert_eq!(
        failed_attempts(&app).await,
        1,
        "a replayed attempt is not counted"
    );
    let third = c.put(&micro, &wrong, "wrong-2").await;
    assert!(!third.replayed);
    assert_eq!(failed_attempts(&app).await, 2);

    // A key belongs to one tenant (and mode): another tenant's same key is its own.
    let other_key = app.tenant(Mode::Production).await;
    let d = Client {
        app: &app,
        auth: Auth::basic(&other_key),
    };
    let theirs = d.post("/accounts", &person("idem-1"), "acct-1").await;
    assert_eq!(theirs.reply.status, 200);
    assert!(!theirs.replayed);
    assert_ne!(theirs.reply.body["accountID"], json!(account));
    app.stop().await;
}

#[tokio::test]
async fn moov_instant_verification_replays() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let c = Client {
        app: &app,
        auth: Auth::basic(&key),
    };
    let account = c.post("/accounts", &person("i-1"), "i-acct").await;
    let account = account.reply.body["accountID"]
        .as_str()
        .unwrap()
        .to_string();
    let linked = c
        .post(
            &format!("/accounts/{account}/bank-accounts"),
            &bank("99887766", "021000021"),
            "i-link",
        )
        .await;
    let bank_id = linked.reply.body["bankAccountID"].as_str().unwrap();
    let verify = format!("/accounts/{account}/bank-accounts/{bank_id}/verify");
    let started = c
        .twice(reqwest::Method::POST, &verify, &json!({}), "i-start")
        .await;
    assert_eq!(started.reply.status, 200, "{}", started.raw);
    assert_eq!(count(&app, "instant_credits").await, 1, "one $0.01 credit");
    app.state.engine.dispatch_open_credits().await.unwrap();
    // The background worker may hold the credit; wait until the rail's answer is recorded.
    for _ in 0..500 {
        let got = c.call(reqwest::Method::GET, &verify, None, None).await;
        if got.reply.body["status"] != "new" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let statement = common::Caller {
        app: &app,
        key: &key,
    }
    .get("/simulator/accounts/021000021/99887766/transactions")
    .await;
    let text = statement.body["transactions"][0]["statementText"]
        .as_str()
        .expect("the credit is on the statement")
        .to_string();
    let code = &text[text.find("MV").unwrap() + 2..][..4];
    let wrong = if code == "0000" { "MV1111" } else { "MV0000" };
    let answered = c
        .twice(
            reqwest::Method::PUT,
            &verify,
            &json!({"code": wrong}),
            "i-code",
        )
        .await;
    assert_eq!(answered.reply.status, 409, "{}", answered.raw);
    assert_eq!(
        failed_attempts(&app).await,
        1,
        "a replayed attempt is not counted"
    );
    app.stop().await;
}

#[tokio::test]
async fn finicity_initiate_and_verify_replay() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let token = finicity_token(&app, &key).await;
    let c = Client {
        app: &app,
        auth: Auth::Headers(vec![
            ("Finicity-App-Key".into(), key.public_key.clone()),
            ("Finicity-App-Token".into(), token),
        ]),
    };
    let receiver = |number: &str| {
        json!({"receiver": {"routingNumber": ROUTING, "accountNumber": number,
            "accountType": "personalChecking", "name": "Bob Smith"}})
    };
    let path = "/microentry/v1/customers/cust-1";
    let before = rows(&app).await;
    let first = c
        .twice(reqwest::Method::POST, path, &receiver("44556677"), "f-1")
        .await;
    assert_eq!(first.reply.status, 200, "{}", first.raw);
    let after = rows(&app).await;
    assert_ne!(before, after);
    let other = c.post(path, &receiver("44556678"), "f-1").await;
    assert_eq!(other.reply.status, 422, "{}", other.raw);
    assert_eq!(other.reply.body["code"], "14020");
    assert_eq!(rows(&app).await, after, "nothing more written");

    let account = first.reply.body["accountId"].as_str().unwrap();
    let amounts = format!("{path}/accounts/{account}/amounts");
    cutoff(&app).await;
    let [a, b] = wrong_cents(&app, &key, ROUTING, "44556677").await;
    let verify = c
        .twice(
            reqwest::Method::POST,
            &amounts,
            &json!({"amounts": [dollars(a), dollars(b)]}),
            "f-2",
        )
        .await;
    assert!(verify.reply.status >= 400, "{}", verify.raw);
    assert_eq!(
        failed_attempts(&app).await,
        1,
        "a replayed attempt is not counted"
    );
    app.stop().await;
}

#[tokio::test]
async fn mx_platform_and_nexus_create_and_verify_replay() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let platform = Client {
        app: &app,
        auth: Auth::Headers(vec![
            (
                "authorization".into(),
                format!("Basic {}", base64_pair(&key.public_key, &key.secret_key)),
            ),
            ("accept".into(), PLATFORM.into()),
        ]),
    };
    let user = platform
        .post(
            "/users",
            &json!({"user": {"email": "jane@example.com"}}),
            "u-1",
        )
        .await;
    assert_eq!(user.reply.status, 200, "{}", user.raw);
    let user = user.reply.body["user"]["guid"]
        .as_str()
        .unwrap()
        .to_string();
    let md = json!({"micro_deposit": {"account_name": "My Checking", "account_number": "10203040",
        "account_type": "checking", "routing_number": ROUTING, "email": "jane@example.com",
        "first_name": "Jane", "last_name": "Doe"}});
    let path = format!("/users/{user}/micro_deposits");
    let created = platform
        .twice(reqwest::Method::POST, &path, &md, "p-1")
        .await;
    assert_eq!(created.reply.status, 200, "{}", created.raw);
    let after = rows(&app).await;
    let mut other = md.clone();
    other["micro_deposit"]["account_number"] = json!("10203041");
    let refused = platform.post(&path, &other, "p-1").await;
    assert_eq!(refused.reply.status, 422, "{}", refused.raw);
    assert!(refused.reply.body["error"]["message"].is_string());
    assert_eq!(rows(&app).await, after);
    let guid = created.reply.body["micro_deposit"]["guid"]
        .as_str()
        .unwrap();
    cutoff(&app).await;
    let [a, b] = wrong_cents(&app, &key, ROUTING, "10203040").await;
    let verify =
        json!({"micro_deposit": {"deposit_amount_1": dollars(a), "deposit_amount_2": dollars(b)}});
    platform
        .twice(
            reqwest::Method::PUT,
            &format!("/micro_deposits/{guid}/verify"),
            &verify,
            "p-2",
        )
        .await;
    assert_eq!(
        failed_attempts(&app).await,
        1,
        "a replayed attempt is not counted"
    );

    let session = nexus_session(&app, &key).await;
    let nexus = Client {
        app: &app,
        auth: Auth::Headers(vec![
            ("MD-SESSION-TOKEN".into(), session),
            ("accept".into(), NEXUS.into()),
        ]),
    };
    let md = json!({"micro_deposit": {"first_name": "Josh", "last_name": "James",
        "email": "josh@example.com", "account_number": "50607080",
        "account_type_name": "CHECKING", "routing_number": ROUTING}});
    let created = nexus
        .twice(reqwest::Method::POST, "/micro_deposits", &md, "n-1")
        .await;
    assert_eq!(created.reply.status, 200, "{}", created.raw);
    let after = rows(&app).await;
    let mut other = md.clone();
    other["micro_deposit"]["email"] = json!("other@example.com");
    let refused = nexus.post("/micro_deposits", &other, "n-1").await;
    assert_eq!(refused.reply.status, 422, "{}", refused.raw);
    assert!(refused.reply.body["code"].is_u64());
    assert_eq!(rows(&app).await, after);
    let guid = created.reply.body["micro_deposit"]["guid"]
        .as_str()
        .unwrap();
    cutoff(&app).await;
    let [a, b] = wrong_cents(&app, &key, ROUTING, "50607080").await;
    nexus
        .twice(
            reqwest::Method::PUT,
            &format!("/micro_deposits/{guid}"),
            &json!({"deposit_amount_1": dollars(a), "deposit_amount_2": dollars(b)}),
            "n-2",
        )
        .await;
    assert_eq!(failed_attempts(&app).await, 2, "one more attempt, not two");
    app.stop().await;
}

fn base64_pair(user: &str, secret: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
}

async fn concurrent_requests_with_one_key_make_one_change(app: TestApp) {
    let key = app.tenant(Mode::Production).await;
    let auth = Auth::basic(&key);
    let body = person("concurrent");
    let before = count(&app, "accounts").await;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (client, base, auth, body) = (
            app.client.clone(),
            app.base.clone(),
            auth.clone(),
            body.clone(),
        );
        calls.spawn(async move {
            send(
                &client,
                &base,
                reqwest::Method::POST,
                "/accounts",
                &auth,
                Some(&body),
                Some(("x-idempotency-key", "same")),
            )
            .await
        });
    }
    let answers = calls.join_all().await;
    assert_eq!(
        count(&app, "accounts").await,
        before + 1,
        "exactly one change"
    );
    let mut ids = std::collections::BTreeSet::new();
    for a in &answers {
        match a.reply.status {
            200 => {
                ids.insert(a.reply.body["accountID"].to_string());
            }
            409 => assert!(a.retry_after.is_some(), "{a:?}"),
            other => panic!("{other}: {a:?}"),
        }
    }
    assert_eq!(ids.len(), 1, "every answer names the one account");
    app.stop().await;
}

#[tokio::test]
async fn twenty_concurrent_requests_with_one_key_sqlite() {
    concurrent_requests_with_one_key_make_one_change(TestApp::sqlite().await).await;
}

#[tokio::test]
async fn twenty_concurrent_requests_with_one_key_postgres() {
    let Some(app) = TestApp::postgres("idempotency_concurrent").await else {
        return;
    };
    concurrent_requests_with_one_key_make_one_change(app).await;
}

#[tokio::test]
async fn in_flight_is_409_until_its_lease_runs_out_then_taken_over() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let c = Client {
        app: &app,
        auth: Auth::basic(&key),
    };
    let body = person("lease");
    let now = app.clock.now();
    // A request of a process that died before it changed anything.
    let record = IdempotencyRecord {
        id: KeyId {
            tenant_id: key.account_id,
            mode: Mode::Sandbox,
            key: "held".into(),
        },
        method: "POST".into(),
        path: "/accounts".into(),
        body_sha256: pennydrop_core::crypto::sha256_hex(body.to_string().as_bytes()),
        state: RecordState::InFlight,
        owner: "dead-process".into(),
        locked_until: now + SignedDuration::from_secs(60),
        expires_on: now + SignedDuration::from_hours(24),
        response: None,
    };
    assert!(app.store.reserve_idempotency(&record, now).await.unwrap());
    let busy = c.post("/accounts", &body, "held").await;
    assert_eq!(busy.reply.status, 409, "{}", busy.raw);
    assert_eq!(busy.retry_after.as_deref(), Some("60"));
    let before = count(&app, "accounts").await;
    app.clock.advance(SignedDuration::from_secs(61));
    let taken = c.post("/accounts", &body, "held").await;
    assert_eq!(taken.reply.status, 200, "{}", taken.raw);
    assert_eq!(count(&app, "accounts").await, before + 1);
    assert!(c.post("/accounts", &body, "held").await.replayed);

    // Kept 24 hours: after that the key is free for a new request.
    app.clock.advance(SignedDuration::from_hours(25));
    let fresh = c.post("/accounts", &person("lease-2"), "held").await;
    assert_eq!(fresh.reply.status, 200, "{}", fresh.raw);
    assert!(!fresh.replayed);
    assert_eq!(app.state.engine.purge_idempotency().await.unwrap(), 0);
    app.clock.advance(SignedDuration::from_hours(25));
    assert_eq!(app.state.engine.purge_idempotency().await.unwrap(), 1);
    app.stop().await;
}

async fn server_faults_are_not_kept(app: TestApp) {
    let key = app.tenant(Mode::Production).await;
    let c = Client {
        app: &app,
        auth: Auth::basic(&key),
    };
    let refuse = if app.postgres_url().is_some() {
        vec![
            "CREATE FUNCTION pd_refuse() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER pd_refuse BEFORE INSERT ON accounts \
             FOR EACH ROW EXECUTE FUNCTION pd_refuse()",
        ]
    } else {
        vec![
            "CREATE TRIGGER pd_refuse BEFORE INSERT ON accounts \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        ]
    };
    for statement in &refuse {
        app.sql(statement).await;
    }
    let failed = c.post("/accounts", &person("fault"), "fault-1").await;
    assert_eq!(failed.reply.status, 500, "{}", failed.raw);
    assert_eq!(
        count(&app, "idempotency_keys").await,
        0,
        "a 5xx is not kept"
    );
    let drop = if app.postgres_url().is_some() {
        "DROP TRIGGER pd_refuse ON accounts"
    } else {
        "DROP TRIGGER pd_refuse"
    };
    app.sql(drop).await;
    let retried = c.post("/accounts", &person("fault"), "fault-1").await;
    assert_eq!(retried.reply.status, 200, "{}", retried.raw);
    assert!(!retried.replayed);
    app.stop().await;
}

#[tokio::test]
async fn server_faults_are_not_kept_sqlite() {
    server_faults_are_not_kept(TestApp::sqlite().await).await;
}

#[tokio::test]
async fn server_faults_are_not_kept_postgres() {
    let Some(app) = TestApp::postgres("idempotency_faults").await else {
        return;
    };
    server_faults_are_not_kept(app).await;
}

#[tokio::test]
async fn refused_credentials_keep_nothing_and_answers_are_sealed() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let wrong = Client {
        app: &app,
        auth: Auth::Basic(key.public_key.clone(), "pdsk_wrong".into()),
    };
    assert_eq!(
        wrong
            .post("/accounts", &person("x"), "k")
            .await
            .reply
            .status,
        401
    );
    assert_eq!(count(&app, "idempotency_keys").await, 0);
    // An OAuth2 token answer is kept to replay it, but only sealed.
    let token = send(
        &app.client,
        &app.base,
        reqwest::Method::POST,
        "/oauth2/token",
        &Auth::basic(&key),
        None,
        Some(("x-idempotency-key", "tok")),
    )
    .await;
    let form = app
        .client
        .post(app.url("/oauth2/token"))
        .basic_auth(&key.public_key, Some(&key.secret_key))
        .header("x-idempotency-key", "tok-2")
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "/accounts.read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200, "{token:?}");
    let secret = form.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let db = std::fs::read(app.data_dir.path().join("pennydrop.db")).unwrap();
    let wal = std::fs::read(app.data_dir.path().join("pennydrop.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the kept answer holds the token only sealed"
        );
    }
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// A crash between the change and its answer (the real binary, SIGKILLed)
// ---------------------------------------------------------------------------------------------

const BIN: &str = env!("CARGO_BIN_EXE_pennydrop");
const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes, base64

fn serve(data_dir: &Path, database_url: Option<&str>, hang: bool) -> (std::process::Child, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("PENNYDROP_ENCRYPTION_KEY", KEY)
        .env("PENNYDROP_LOG", "warn")
        .env_remove("PENNYDROP_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    if hang {
        cmd.arg("--fault-hang-before-answer");
    }
    let mut child = cmd.spawn().expect("spawn serve");
    let base = common::bound_address(&mut child);
    (child, base)
}

fn api_key(data_dir: &Path, database_url: Option<&str>) -> CreatedKey {
    let mut cmd = Command::new(BIN);
    cmd.args(["api-keys", "create", "--name", "crash", "--data-dir"])
        .arg(data_dir)
        .env("PENNYDROP_ENCRYPTION_KEY", KEY)
        .env_remove("PENNYDROP_DATABASE_URL");
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    let out = cmd.output().expect("api-keys create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    CreatedKey {
        public_key: v["publicKey"].as_str().unwrap().into(),
        secret_key: v["secretKey"].as_str().unwrap().into(),
        account_id: v["accountID"].as_str().unwrap().parse().unwrap(),
        mode: Mode::Production,
    }
}

async fn sigkill_between_change_and_answer(database_url: Option<String>) {
    let data = tempfile::tempdir().unwrap();
    let db = database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", data.path().join("pennydrop.db").display()));
    let key = api_key(data.path(), database_url.as_deref());
    let auth = Auth::basic(&key);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let (mut child, base) = serve(data.path(), database_url.as_deref(), true);
    let body = person("crash-1");
    let hung = tokio::spawn({
        let (client, base, auth, body) = (client.clone(), base.clone(), auth.clone(), body.clone());
        async move {
            send(
                &client,
                &base,
                reqwest::Method::POST,
                "/accounts",
                &auth,
                Some(&body),
                Some(("x-idempotency-key", "crash-key")),
            )
            .await
        }
    });
    // The change commits, then the answer hangs: wait for the change, then kill the server.
    let count_sql = "SELECT COUNT(*) FROM accounts WHERE foreign_id = 'crash-1'";
    let mut committed = false;
    for _ in 0..600 {
        if common::scalar(&db, count_sql).await == 1 {
            committed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(committed, "the first request's change was committed");
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(
        hung.await.is_err(),
        "the first request never got its answer"
    );

    let (mut child, base) = serve(data.path(), database_url.as_deref(), false);
    let retry = send(
        &client,
        &base,
        reqwest::Method::POST,
        "/accounts",
        &auth,
        Some(&body),
        Some(("x-idempotency-key", "crash-key")),
    )
    .await;
    // Within the first request's lease the retry is told to wait; nothing is done again.
    assert_eq!(retry.reply.status, 409, "{}", retry.raw);
    assert!(retry.retry_after.is_some(), "{retry:?}");
    assert_eq!(
        common::scalar(&db, count_sql).await,
        1,
        "exactly one change"
    );
    child.kill().expect("kill");
    let _ = child.wait();
}

#[tokio::test]
async fn an_answer_lost_after_its_change_is_never_done_again() {
    let app = TestApp::sqlite_with(|c| c.settings.hang_before_keeping_answers = true).await;
    let key = app.tenant(Mode::Production).await;
    let auth = Auth::basic(&key);
    let hung = tokio::spawn({
        let (client, base, auth) = (app.client.clone(), app.base.clone(), auth.clone());
        async move {
            send(
                &client,
                &base,
                reqwest::Method::POST,
                "/accounts",
                &auth,
                Some(&person("lost")),
                Some(("x-idempotency-key", "lost")),
            )
            .await
        }
    });
    let count_sql = "SELECT COUNT(*) FROM accounts WHERE foreign_id = 'lost'";
    let db = app.database_url();
    for _ in 0..600 {
        if common::scalar(&db, count_sql).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    hung.abort();
    let c = Client { app: &app, auth };
    let waiting = c.post("/accounts", &person("lost"), "lost").await;
    assert_eq!(waiting.reply.status, 409, "{}", waiting.raw);
    assert_eq!(waiting.retry_after.as_deref(), Some("60"));
    app.clock.advance(SignedDuration::from_secs(61));
    let lost = c.post("/accounts", &person("lost"), "lost").await;
    assert_eq!(lost.reply.status, 409, "{}", lost.raw);
    assert!(lost.retry_after.is_none());
    assert!(
        lost.raw.contains("stopped before answering"),
        "{}",
        lost.raw
    );
    assert_eq!(
        common::scalar(&db, count_sql).await,
        1,
        "exactly one change"
    );
    app.stop().await;
}

#[tokio::test]
async fn sigkill_between_change_and_answer_sqlite() {
    sigkill_between_change_and_answer(None).await;
}

#[tokio::test]
async fn sigkill_between_change_and_answer_postgres() {
    let Some(db) = pennydrop_store::testing::TestPostgres::create("idempotency_crash").await else {
        return;
    };
    sigkill_between_change_and_answer(Some(db.url.clone())).await;
    db.drop_database().await;
}
