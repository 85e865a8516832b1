//! Webhooks end to end: a tenant registers an endpoint with Moov's API; every event written
//! from then on reaches a real HTTP receiver on loopback, signed with Moov's X-Signature and
//! the Standard Webhooks signature, retried with backoff on the injected clock until it is
//! delivered or the retry horizon passes; tenants never see each other's webhooks.

mod common;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use common::{Caller, Reply, TestApp};
use jiff::SignedDuration;
use pennydrop_core::model::Mode;
use pennydrop_core::webhooks::{moov_signature, standard_signature};
use pennydrop_engine::webhooks::NetworkPolicy;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A webhook receiver on loopback: records every request, answers `fail_first` calls with
/// `failure` and the rest with 200.
#[derive(Clone)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    calls: Arc<AtomicUsize>,
    url: String,
}

impl Receiver {
    async fn start(fail_first: usize, failure: StatusCode) -> Self {
        let got = Arc::new(Mutex::new(Vec::new()));
        let calls = Arc::new(AtomicUsize::new(0));
        let (g, c) = (got.clone(), calls.clone());
        let app = axum::Router::new().route(
            "/hooks",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let (g, c) = (g.clone(), c.clone());
                async move {
                    if c.fetch_add(1, Ordering::SeqCst) < fail_first {
                        return failure;
                    }
                    g.lock().unwrap().push((headers, body));
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { got, calls, url }
    }

    fn deliveries(&self) -> Vec<(HeaderMap, Bytes)> {
        self.got.lock().unwrap().clone()
    }
}

async fn app() -> TestApp {
    TestApp::sqlite_with(|c| {
        // The test steps deliveries itself, on the manual clock.
        c.webhook_worker = false;
        c.engine.webhook_networks = NetworkPolicy {
            allow: NetworkPolicy::parse_list("127.0.0.0/8").unwrap(),
            deny: vec![],
        };
    })
    .await
}

async fn send_json(
    c: &Caller<'_>,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let mut r = c
        .app
        .client
        .request(method, c.app.url(path))
        .basic_auth(&c.key.public_key, Some(&c.key.secret_key));
    if let Some(b) = body {
        r = r.json(&b);
    }
    common::reply(r.send().await.unwrap()).await
}

async fn register(c: &Caller<'_>, url: &str, types: Value) -> (String, String) {
    let r = send_json(
        c,
        reqwest::Method::POST,
        "/webhooks",
        Some(json!({"url": url, "status": "enabled", "eventTypes": types, "description": "test"})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["webhookID"].as_str().unwrap().to_string();
    let s = c.get(&format!("/webhooks/{id}/secret")).await;
    assert_eq!(s.status, 200);
    let secret = s.body["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (id, secret)
}

/// Runs delivery passes until nothing is due.
async fn deliver(app: &TestApp) {
    for _ in 0..50 {
        if app.state.engine.deliver_due_webhooks("test").await.unwrap() == 0 {
            return;
        }
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Checks both signatures of one delivery; returns its envelope.
fn verified(h: &HeaderMap, body: &Bytes, secret: &str, webhook_id: &str) -> Value {
    let moov = moov_signature(
        secret,
        header(h, "x-timestamp"),
        header(h, "x-nonce"),
        webhook_id,
    );
    assert_eq!(header(h, "x-signature"), moov, "Moov's signature");
    assert_eq!(header(h, "x-webhook-id"), webhook_id);
    let ts: i64 = header(h, "webhook-timestamp").parse().unwrap();
    let standard = standard_signature(secret, header(h, "webhook-id"), ts, body).unwrap();
    assert_eq!(
        header(h, "webhook-signature"),
        standard,
        "Standard Webhooks' signature"
    );
    let mut tampered = body.to_vec();
    tampered[1] ^= 1;
    assert_ne!(
        standard_signature(secret, header(h, "webhook-id"), ts, &tampered).unwrap(),
        standard,
        "a tampered body fails the body signature"
    );
    let v: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(header(h, "webhook-id"), v["eventID"].as_str().unwrap());
    v
}

#[tokio::test]
async fn every_event_of_a_flow_arrives_signed_and_in_sequence() {
    let app = app().await;
    // The independent verifier checks webhook-timestamp against the wall clock (5 minutes).
    app.clock.set(jiff::Timestamp::now());
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    // An event before the webhook exists never reaches it.
    let (early, _) = c.account_with_bank("231380104", "11112222").await;
    let receiver = Receiver::start(0, StatusCode::OK).await;
    let (id, secret) = register(&c, &receiver.url, json!(["*"])).await;

    let (account, bank) = c.account_with_bank("021000021", "99887766").await;
    let verify = format!("/accounts/{account}/bank-accounts/{bank}/verify");
    let r = c.post_with(&verify, ("x-wait-for", "rail-response")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let lines = c
        .get("/simulator/accounts/021000021/99887766/transactions")
        .await;
    let text = lines.body["transactions"][0]["statementText"]
        .as_str()
        .unwrap()
        .to_string();
    let code = &text[text.find("MV").unwrap()..][..6];
    let done = c.put(&verify, &json!({"code": code}).to_string()).await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    let (returned, returned_bank) = c.account_with_bank("231380104", "3000000003").await;
    c.initiate_micro_deposits(&returned, &returned_bank).await;
    let (corrected, corrected_bank) = c.account_with_bank("231380104", "3100000001").await;
    c.initiate_micro_deposits(&corrected, &corrected_bank).await;
    let cutoff = Caller {
        app: &app,
        key: &operator,
    }
    .post("/admin/ach/cutoffs", "")
    .await;
    assert_eq!(cutoff.status, 200);
    deliver(&app).await;

    let got = receiver.deliveries();
    let envelopes: Vec<Value> = got
        .iter()
        .map(|(h, b)| verified(h, b, &secret, &id))
        .collect();
    independently_verified(&secret, &got);
    assert!(
        envelopes.iter().any(|e| e["type"] == "ach.nocApplied"),
        "the C01 NOC: {envelopes:?}"
    );
    let types: Vec<&str> = envelopes
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for expected in [
        "bankAccount.created",
        "bankAccount.updated",
        "paymentMethod.enabled",
    ] {
        assert!(types.contains(&expected), "{expected} in {types:?}");
    }
    assert!(
        envelopes
            .iter()
            .any(|e| e["data"]["statusReason"] == "micro-deposit-return"),
        "the R03 return: {envelopes:?}"
    );
    assert!(
        envelopes
            .iter()
            .all(|e| e["data"]["bankAccountID"] != json!(early)),
        "nothing from before the webhook"
    );
    let mut sequences: Vec<i64> = envelopes
        .iter()
        .map(|e| e["sequence"].as_i64().unwrap())
        .collect();
    let sorted = {
        let mut s = sequences.clone();
        s.sort();
        s
    };
    sequences.dedup();
    assert_eq!(sequences.len(), envelopes.len(), "one delivery per event");
    assert_eq!(sorted.len(), envelopes.len());
    let body = String::from_utf8_lossy(
        &got.iter()
            .flat_map(|(_, b)| b.to_vec())
            .collect::<Vec<u8>>(),
    )
    .to_string();
    for secret_text in ["99887766", "3000000003", code] {
        assert!(
            !body.contains(secret_text),
            "{secret_text} in a webhook body"
        );
    }
    let log = c.get(&format!("/webhooks/{id}/deliveries")).await;
    assert_eq!(log.status, 200);
    assert!(
        log.body
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "delivered"),
        "{:?}",
        log.body
    );
    app.stop().await;
}

#[tokio::test]
async fn failures_are_retried_with_backoff_until_delivered_or_the_horizon() {
    let app = app().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let flaky = Receiver::start(3, StatusCode::INTERNAL_SERVER_ERROR).await;
    let (flaky_id, _) = register(&c, &flaky.url, json!(["bankAccount.created"])).await;
    let dead = Receiver::start(usize::MAX, StatusCode::SERVICE_UNAVAILABLE).await;
    let (dead_id, _) = register(&c, &dead.url, json!(["bankAccount.created"])).await;
    c.account_with_bank("021000021", "55554444").await;

    deliver(&app).await;
    for _ in 0..6 {
        // Not due again until its backoff has passed on the clock.
        let before = flaky.calls.load(Ordering::SeqCst);
        deliver(&app).await;
        assert_eq!(
            flaky.calls.load(Ordering::SeqCst),
            before,
            "no retry before the backoff"
        );
        app.clock.advance(SignedDuration::from_mins(2));
        deliver(&app).await;
    }
    let got = flaky.deliveries();
    let ids: BTreeSet<String> = got
        .iter()
        .map(|(_, b)| serde_json::from_slice::<Value>(b).unwrap()["eventID"].to_string())
        .collect();
    assert_eq!(
        (got.len(), ids.len()),
        (1, 1),
        "delivered once after three 500s"
    );
    let log = c.get(&format!("/webhooks/{flaky_id}/deliveries")).await;
    assert_eq!(log.body[0]["status"], "delivered");
    assert_eq!(log.body[0]["attempts"], 4);

    let pending = c.get(&format!("/webhooks/{dead_id}/deliveries")).await;
    assert_eq!(pending.body[0]["status"], "pending", "{:?}", pending.body);
    assert_eq!(pending.body[0]["lastStatusCode"], 503);
    for _ in 0..80 {
        app.clock.advance(SignedDuration::from_hours(1));
        deliver(&app).await;
    }
    let failed = c.get(&format!("/webhooks/{dead_id}/deliveries")).await;
    assert_eq!(
        failed.body[0]["status"], "failed",
        "past the 72 h horizon: {:?}",
        failed.body
    );
    app.stop().await;
}

#[tokio::test]
async fn gone_disables_the_webhook() {
    let app = app().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let gone = Receiver::start(usize::MAX, StatusCode::GONE).await;
    let (id, _) = register(&c, &gone.url, json!(["*"])).await;
    c.account_with_bank("021000021", "55554444").await;
    deliver(&app).await;
    let w = c.get(&format!("/webhooks/{id}")).await;
    assert_eq!(w.body["status"], "disabled", "{:?}", w.body);
    assert!(w.body["disabledReason"].as_str().unwrap().contains("410"));
    app.stop().await;
}

#[tokio::test]
async fn ping_sends_a_signed_test_event() {
    let app = app().await;
    let key = app.tenant(Mode::Sandbox).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let receiver = Receiver::start(0, StatusCode::OK).await;
    let (id, secret) = register(&c, &receiver.url, json!(["bankAccount.updated"])).await;
    let r = send_json(
        &c,
        reqwest::Method::POST,
        &format!("/webhooks/{id}/ping"),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["responseStatusCode"], 200);
    assert_eq!(r.body["requestBodySent"]["type"], "event.test");
    let got = receiver.deliveries();
    assert_eq!(got.len(), 1);
    let envelope = verified(&got[0].0, &got[0].1, &secret, &id);
    assert_eq!(envelope["type"], "event.test");
    let types = c.get("/event-types").await;
    assert!(types
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["type"] == "bankAccount.updated"));
    app.stop().await;
}

#[tokio::test]
async fn targets_are_checked_and_tenants_never_see_each_other() {
    let app = app().await;
    let a = app.tenant(Mode::Production).await;
    let b = app.tenant(Mode::Production).await;
    let ca = Caller { app: &app, key: &a };
    let cb = Caller { app: &app, key: &b };
    for bad in [
        "http://169.254.169.254/latest/meta-data",
        "https://user:secret@example.com/hooks",
        "ftp://example.com/hooks",
        "http://10.0.0.1/hooks",
        "not a url",
    ] {
        let r = send_json(
            &ca,
            reqwest::Method::POST,
            "/webhooks",
            Some(json!({"url": bad, "status": "enabled", "eventTypes": ["*"]})),
        )
        .await;
        assert_eq!(r.status, 422, "{bad}: {:?}", r.body);
        assert!(r.body["url"].is_string(), "{bad}: {:?}", r.body);
    }
    let unknown_type = send_json(
        &ca,
        reqwest::Method::POST,
        "/webhooks",
        Some(json!({"url": "https://example.com/h", "status": "enabled", "eventTypes": ["transfer.created"]})),
    )
    .await;
    assert_eq!(unknown_type.status, 422);
    let (id, _) = register(&ca, "https://example.com/hooks", json!(["*"])).await;
    for (method, path) in [
        (reqwest::Method::GET, format!("/webhooks/{id}")),
        (reqwest::Method::PUT, format!("/webhooks/{id}")),
        (reqwest::Method::DELETE, format!("/webhooks/{id}")),
        (reqwest::Method::GET, format!("/webhooks/{id}/secret")),
        (reqwest::Method::POST, format!("/webhooks/{id}/ping")),
        (reqwest::Method::GET, format!("/webhooks/{id}/deliveries")),
    ] {
        let body = (method == reqwest::Method::PUT).then(
            || json!({"url": "https://example.com/x", "status": "enabled", "eventTypes": ["*"]}),
        );
        let r = send_json(&cb, method.clone(), &path, body).await;
        assert_eq!(r.status, 404, "{method} {path}: {:?}", r.body);
    }
    assert_eq!(cb.get("/webhooks").await.body, json!([]));
    assert_eq!(ca.get("/webhooks").await.body.as_array().unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_rotated_secret_overlaps_the_old_one_for_a_day() {
    let app = app().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let receiver = Receiver::start(0, StatusCode::OK).await;
    let (id, old) = register(&c, &receiver.url, json!(["*"])).await;
    let rotated = send_json(
        &c,
        reqwest::Method::POST,
        &format!("/webhooks/{id}/secret/rotate"),
        None,
    )
    .await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let new = rotated.body["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(
        c.get(&format!("/webhooks/{id}/secret")).await.body["secret"],
        json!(new)
    );
    let signatures = |h: &HeaderMap| {
        header(h, "webhook-signature")
            .split(' ')
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    c.account_with_bank("021000021", "55554444").await;
    deliver(&app).await;
    let (h, body) = receiver.deliveries().pop().unwrap();
    let ts: i64 = header(&h, "webhook-timestamp").parse().unwrap();
    let id_header = header(&h, "webhook-id").to_string();
    let sigs = signatures(&h);
    for secret in [&new, &old] {
        let expected = standard_signature(secret, &id_header, ts, &body).unwrap();
        assert!(
            sigs.contains(&expected),
            "signed with each secret: {sigs:?}"
        );
    }
    assert_eq!(
        header(&h, "x-signature"),
        moov_signature(&new, header(&h, "x-timestamp"), header(&h, "x-nonce"), &id)
    );
    // After the overlap only the new secret signs.
    app.clock.advance(SignedDuration::from_hours(25));
    c.account_with_bank("021000021", "55554445").await;
    deliver(&app).await;
    let (h, body) = receiver.deliveries().pop().unwrap();
    let ts: i64 = header(&h, "webhook-timestamp").parse().unwrap();
    let expected = standard_signature(&new, header(&h, "webhook-id"), ts, &body).unwrap();
    assert_eq!(signatures(&h), vec![expected]);
    app.stop().await;
}

#[tokio::test]
async fn pennydrops_own_events_arrive_with_their_documented_data() {
    let app = app().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let receiver = Receiver::start(0, StatusCode::OK).await;
    let own = [
        "microDeposits.sent",
        "verification.attemptFailed",
        "ach.returnReceived",
        "ach.nocApplied",
        "instantCredit.accepted",
        "instantCredit.rejected",
    ];
    let (id, secret) = register(&c, &receiver.url, json!(own)).await;

    // Micro-deposits: one answered wrong, one returned R03, one corrected by a C01 NOC.
    let mut micro = Vec::new();
    for number in ["55667788", "3000000003", "3100000001"] {
        let (account, bank) = c.account_with_bank("231380104", number).await;
        c.initiate_micro_deposits(&account, &bank).await;
        micro.push((account, bank));
    }
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let cutoff = ops.post("/admin/ach/cutoffs", "").await;
    assert_eq!(cutoff.status, 200, "{:?}", cutoff.body);
    assert_eq!(cutoff.body["inbound"]["returns"], 3, "{:?}", cutoff.body);
    assert_eq!(cutoff.body["inbound"]["nocs"], 3, "{:?}", cutoff.body);
    let statement = c
        .get("/simulator/accounts/231380104/55667788/transactions")
        .await;
    let credits: Vec<i64> = statement.body["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["direction"] == "credit" && t["description"] == "ACCTVERIFY")
        .map(|t| t["amountCents"].as_i64().unwrap())
        .collect();
    assert_eq!(credits.len(), 2, "{:?}", statement.body);
    let (wrong, wrong_bank) = &micro[0];
    let r = c
        .put(
            &format!("/accounts/{wrong}/bank-accounts/{wrong_bank}/micro-deposits"),
            r#"{"amounts":[99,99]}"#,
        )
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);

    // Instant credits over RTP: one accepted, one rejected with AC03.
    let mut instant = Vec::new();
    for number in ["99887766", "4000000003"] {
        let (account, bank) = c.account_with_bank("021000021", number).await;
        let verify = format!("/accounts/{account}/bank-accounts/{bank}/verify");
        let r = c.post_with(&verify, ("x-wait-for", "rail-response")).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        instant.push(bank);
    }
    let lines = c
        .get("/simulator/accounts/021000021/99887766/transactions")
        .await;
    let text = lines.body["transactions"][0]["statementText"]
        .as_str()
        .unwrap()
        .to_string();
    let code = text[text.find("MV").unwrap()..][..6].to_string();
    deliver(&app).await;

    let got = receiver.deliveries();
    let envelopes: Vec<Value> = got
        .iter()
        .map(|(h, b)| verified(h, b, &secret, &id))
        .collect();
    let types: BTreeSet<&str> = envelopes
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        own.into_iter().collect(),
        "only what it subscribed to, and all of it"
    );

    let sent = data_of(&envelopes, "microDeposits.sent");
    assert_eq!(sent.len(), 3, "one per round claimed: {sent:?}");
    for (account, bank) in &micro {
        let d = sent
            .iter()
            .find(|d| d["bankAccountID"] == json!(bank))
            .unwrap_or_else(|| panic!("{bank} sent: {sent:?}"));
        assert_eq!(d["accountID"], json!(account));
        assert!(d["verificationID"].is_string() && d["effectiveDate"].is_string());
    }
    let failed = data_of(&envelopes, "verification.attemptFailed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["bankAccountID"], json!(wrong_bank));
    assert_eq!(failed[0]["accountID"], json!(wrong));
    assert_eq!(failed[0]["method"], "micro-deposits");
    assert_eq!(failed[0]["attemptsLeft"], 2);
    assert!(failed[0]["verificationID"].is_string());

    let returned = data_of(&envelopes, "ach.returnReceived");
    assert_eq!(
        returned.len(),
        3,
        "both credits and the debit: {returned:?}"
    );
    for d in &returned {
        assert_eq!(d["bankAccountID"], json!(micro[1].1));
        assert_eq!(d["accountID"], json!(micro[1].0));
        assert_eq!(d["returnCode"], "R03");
        assert_eq!(d["description"], "no account or unable to locate account");
    }
    let nocs = data_of(&envelopes, "ach.nocApplied");
    assert_eq!(nocs.len(), 3, "{nocs:?}");
    for d in &nocs {
        assert_eq!(d["bankAccountID"], json!(micro[2].1));
        assert_eq!(d["accountID"], json!(micro[2].0));
        assert_eq!(d["changeCode"], "C01");
        assert_eq!(d["correctedFields"], json!(["accountNumber"]));
    }
    let accepted = data_of(&envelopes, "instantCredit.accepted");
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert_eq!(accepted[0]["bankAccountID"], json!(instant[0]));
    assert_eq!(accepted[0]["network"], "rtp");
    assert!(accepted[0].get("reasonCode").is_none());
    let rejected = data_of(&envelopes, "instantCredit.rejected");
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0]["bankAccountID"], json!(instant[1]));
    assert_eq!(rejected[0]["network"], "rtp");
    assert_eq!(rejected[0]["reasonCode"], "AC03");
    for d in accepted.iter().chain(&rejected) {
        assert!(d["accountID"].is_string() && d["verificationID"].is_string());
    }

    // Nothing secret: no number, no amount (as a field, a number or text), no MV code. The
    // only number in any payload is a count of attempts.
    for e in &envelopes {
        for (k, v) in e["data"].as_object().unwrap() {
            assert!(!v.is_number() || k == "attemptsLeft", "{k} in {e}");
        }
    }
    let mut names = Vec::new();
    envelopes.iter().for_each(|e| keys(e, &mut names));
    assert!(
        names.iter().all(|k| !k.to_lowercase().contains("amount")),
        "{names:?}"
    );
    let body: String = got
        .iter()
        .map(|(_, b)| String::from_utf8_lossy(b).to_string())
        .collect();
    let pair = format!("{},{}", credits[0], credits[1]);
    let reversed = format!("{},{}", credits[1], credits[0]);
    for secret_text in [
        "55667788",
        "3000000003",
        "3100000001",
        "3100000010",
        "99887766",
        "4000000003",
        code.as_str(),
        pair.as_str(),
        reversed.as_str(),
    ] {
        assert!(
            !body.contains(secret_text),
            "{secret_text} in a webhook body"
        );
    }
    app.stop().await;
}

/// The `data` of every delivered event of `event_type`.
fn data_of<'a>(envelopes: &'a [Value], event_type: &str) -> Vec<&'a Value> {
    envelopes
        .iter()
        .filter(|e| e["type"] == event_type)
        .map(|e| &e["data"])
        .collect()
}

/// Every key anywhere in a JSON value.
fn keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, inner) in m {
                out.push(k.clone());
                keys(inner, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|inner| keys(inner, out)),
        _ => {}
    }
}

/// `GET /metrics` as an operator sees it.
async fn metrics(app: &TestApp, ops: &pennydrop_engine::access::CreatedKey) -> String {
    let r = app
        .client
        .get(app.url("/metrics"))
        .basic_auth(&ops.public_key, Some(&ops.secret_key))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in {text}"))
}

#[tokio::test]
async fn metrics_count_attempts_by_outcome_and_show_the_backlog_and_its_age() {
    let app = app().await;
    let ops = app.operator().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let receiver = Receiver::start(1, StatusCode::INTERNAL_SERVER_ERROR).await;
    register(&c, &receiver.url, json!(["bankAccount.created"])).await;
    let before = metrics(&app, &ops).await;
    assert_eq!(metric(&before, "pennydrop_webhook_pending_deliveries"), 0.0);
    c.account_with_bank("021000021", "55554444").await;

    deliver(&app).await;
    app.clock.advance(SignedDuration::from_secs(7));
    let failing = metrics(&app, &ops).await;
    let attempts = "pennydrop_webhook_delivery_attempts_total";
    assert_eq!(
        metric(&failing, &format!("{attempts}{{outcome=\"retried\"}}")),
        1.0
    );
    assert_eq!(
        metric(&failing, &format!("{attempts}{{outcome=\"delivered\"}}")),
        0.0
    );
    assert_eq!(
        metric(&failing, "pennydrop_webhook_pending_deliveries"),
        1.0
    );
    assert_eq!(
        metric(&failing, "pennydrop_webhook_oldest_pending_age_seconds"),
        7.0,
        "the event was written 7 s ago on the injected clock"
    );

    app.clock.advance(SignedDuration::from_mins(2));
    deliver(&app).await;
    let delivered = metrics(&app, &ops).await;
    assert_eq!(
        metric(&delivered, &format!("{attempts}{{outcome=\"delivered\"}}")),
        1.0
    );
    assert_eq!(
        metric(&delivered, &format!("{attempts}{{outcome=\"failed\"}}")),
        0.0
    );
    assert_eq!(
        metric(&delivered, "pennydrop_webhook_pending_deliveries"),
        0.0
    );
    assert_eq!(
        metric(&delivered, "pennydrop_webhook_oldest_pending_age_seconds"),
        0.0
    );
    app.stop().await;
}

/// Every delivery checked by an independent Standard Webhooks implementation (the
/// `standardwebhooks` package from PyPI), which must also refuse each with a tampered body.
fn independently_verified(secret: &str, got: &[(HeaderMap, Bytes)]) {
    use base64::Engine;
    let deliveries: Vec<Value> = got
        .iter()
        .map(|(h, b)| {
            let headers: serde_json::Map<String, Value> = h
                .iter()
                .filter_map(|(k, v)| Some((k.to_string(), json!(v.to_str().ok()?))))
                .collect();
            json!({"headers": headers, "body": base64::engine::general_purpose::STANDARD.encode(b)})
        })
        .collect();
    let root = env!("CARGO_MANIFEST_DIR");
    let mut child = std::process::Command::new(std::path::Path::new(root).join("tests/sdk/run.sh"))
        .arg("--verify-webhooks")
        .current_dir(root)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tests/sdk/run.sh");
    let input = json!({"secret": secret, "deliveries": deliveries}).to_string();
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input.as_bytes())
        .expect("write deliveries");
    let out = child.wait_with_output().expect("verifier");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "standardwebhooks refused a delivery:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.contains(&format!("{} deliveries, 0 failures", got.len())),
        "{report}"
    );
}

#[tokio::test]
async fn a_hanging_endpoint_delays_no_other() {
    // The real delivery worker this time (on its one-second poll and wake-ups).
    let app = TestApp::sqlite_with(|c| {
        c.engine.webhook_networks = NetworkPolicy {
            allow: NetworkPolicy::parse_list("127.0.0.0/8").unwrap(),
            deny: vec![],
        };
    })
    .await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let hung = Arc::new(AtomicUsize::new(0));
    let h = hung.clone();
    let stuck = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move || {
            let h = h.clone();
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                std::future::pending::<StatusCode>().await
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stuck_url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, stuck).await });
    register(&c, &stuck_url, json!(["*"])).await;
    let healthy = Receiver::start(0, StatusCode::OK).await;
    register(&c, &healthy.url, json!(["*"])).await;

    c.account_with_bank("021000021", "55554444").await;
    c.account_with_bank("021000021", "55554445").await;
    let mut waited = 0;
    while healthy.deliveries().len() < 2 && waited < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
    assert_eq!(
        healthy.deliveries().len(),
        2,
        "the healthy endpoint got both events"
    );
    assert!(
        hung.load(Ordering::SeqCst) >= 1,
        "while the other one hangs"
    );
    app.stop().await;
}
