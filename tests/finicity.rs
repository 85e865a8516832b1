//! The Finicity micro-entry dialect (docs/finicity.md): partner authentication, initiate,
//! details and verify, in-process on SQLite with the simulated bank, every response body
//! validated against the spec's JSON Schemas (tests/finicity/validate.py); and a client
//! generated from the spec by openapi-python-client driving the real binary.

mod common;

use common::{reply, Caller, Reply, TestApp};
use jiff::SignedDuration;
use pennydrop_core::model::Mode;
use pennydrop_core::Clock;
use pennydrop_engine::access::CreatedKey;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

const ROUTING: &str = "231380104";
const STATUSES: [&str; 7] = [
    "Pending",
    "Completed",
    "Verified",
    "Rejected",
    "Returned",
    "Failed",
    "Expired",
];

/// The venv's interpreter (created once per test process by tests/finicity/setup.sh).
fn python(with_client: bool) -> String {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let root = env!("CARGO_MANIFEST_DIR");
    let mut cmd = Command::new("bash");
    cmd.arg(Path::new(root).join("tests/finicity/setup.sh"));
    if with_client {
        cmd.arg("client");
    }
    let out = cmd
        .current_dir(root)
        .output()
        .expect("run tests/finicity/setup.sh");
    assert!(
        out.status.success(),
        "setup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .lines()
        .last()
        .unwrap()
        .to_string()
}

/// Collects (operation, status, body) and validates them all against the spec at the end.
#[derive(Default)]
struct Schemas(Mutex<Vec<Value>>);

impl Schemas {
    fn record(&self, operation: &str, r: &Reply) {
        self.0.lock().unwrap().push(json!({
            "operation": operation, "status": r.status, "body": r.body}));
    }

    fn check(&self) {
        let items = self.0.lock().unwrap().clone();
        assert!(!items.is_empty());
        let root = env!("CARGO_MANIFEST_DIR");
        let mut child = Command::new(python(false))
            .arg(Path::new(root).join("tests/finicity/validate.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run validate.py");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(Value::Array(items).to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "responses do not match the spec:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("0 problem(s)"), "{stdout}");
    }
}

/// A Finicity partner: one API key, its token, and the schema recorder.
struct Partner<'a> {
    app: &'a TestApp,
    key: &'a CreatedKey,
    token: String,
    schemas: &'a Schemas,
}

async fn authenticate(
    app: &TestApp,
    app_key: Option<&str>,
    body: &str,
    schemas: &Schemas,
) -> Reply {
    let mut req = app
        .client
        .post(app.url("/aggregation/v2/partners/authentication"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(k) = app_key {
        req = req.header("Finicity-App-Key", k);
    }
    let r = reply(req.send().await.unwrap()).await;
    schemas.record("CreateToken", &r);
    r
}

impl<'a> Partner<'a> {
    async fn new(app: &'a TestApp, key: &'a CreatedKey, schemas: &'a Schemas) -> Self {
        let body = json!({"partnerId": key.public_key, "partnerSecret": key.secret_key});
        let r = authenticate(app, Some(&key.public_key), &body.to_string(), schemas).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let token = r.body["token"].as_str().expect("token").to_string();
        Self {
            app,
            key,
            token,
            schemas,
        }
    }

    async fn send(
        &self,
        operation: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.app.client.request(method, self.app.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let r = reply(req.send().await.unwrap()).await;
        self.schemas.record(operation, &r);
        r
    }

    fn auth(&self) -> [(&str, &str); 2] {
        [
            ("Finicity-App-Key", self.key.public_key.as_str()),
            ("Finicity-App-Token", self.token.as_str()),
        ]
    }

    async fn initiate(&self, customer: &str, body: &Value) -> Reply {
        self.send(
            "InitiateMicroAmountDeposits",
            reqwest::Method::POST,
            &format!("/microentry/v1/customers/{customer}"),
            Some(&body.to_string()),
            &self.auth(),
        )
        .await
    }

    async fn details(&self, customer: &str, account: &str) -> Reply {
        let r = self
            .send(
                "GetMicroDepositsDetails",
                reqwest::Method::GET,
                &format!("/microentry/v1/customers/{customer}/accounts/{account}"),
                None,
                &self.auth(),
            )
            .await;
        if r.status == 200 {
            let status = r.body["status"].as_str().unwrap();
            assert!(STATUSES.contains(&status), "{status}");
        }
        r
    }

    async fn amounts(&self, customer: &str, account: &str, raw: &str) -> Reply {
        self.send(
            "VerifyMicroAmountDeposits",
            reqwest::Method::POST,
            &format!("/microentry/v1/customers/{customer}/accounts/{account}/amounts"),
            Some(raw),
            &self.auth(),
        )
        .await
    }
}

fn receiver(account_number: &str, account_type: &str) -> Value {
    json!({"receiver": {"routingNumber": ROUTING, "accountNumber": account_number,
        "accountType": account_type, "name": "Bob Smith", "memo": "micro deposit transfer"}})
}

async fn cutoff(app: &TestApp, operator: &CreatedKey) {
    let r = Caller { app, key: operator }
        .post("/admin/ach/cutoffs", "")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

/// The two micro-deposit credits on the simulated statement, in cents.
async fn statement_cents(app: &TestApp, key: &CreatedKey, account_number: &str) -> Vec<i64> {
    let r = Caller { app, key }
        .get(&format!(
            "/simulator/accounts/{ROUTING}/{account_number}/transactions"
        ))
        .await;
    let credits: Vec<i64> = r.body["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["direction"] == "credit" && t["description"] == "ACCTVERIFY")
        .map(|t| t["amountCents"].as_i64().unwrap())
        .collect();
    assert_eq!(credits.len(), 2, "{:?}", r.body);
    credits
}

fn dollars(cents: i64) -> String {
    format!("0.{cents:02}")
}

/// Production partner with an initiated and cut-off (deposited) account: (customer, accountId, number).
async fn deposited(p: &Partner<'_>, operator: &CreatedKey, customer: &str, number: &str) -> String {
    let r = p
        .initiate(customer, &receiver(number, "personalChecking"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let account = r.body["accountId"].as_str().unwrap().to_string();
    cutoff(p.app, operator).await;
    let d = p.details(customer, &account).await;
    assert_eq!(d.body["status"], "Completed", "{:?}", d.body);
    account
}

#[tokio::test]
async fn production_flow_initiate_cutoff_verify() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let schemas = Schemas::default();
    let p = Partner::new(&app, &key, &schemas).await;
    let customer = "1005061234";

    let r = p
        .initiate(customer, &receiver("55667788", "personalChecking"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "Pending");
    assert_eq!(r.body["depositCount"], 2);
    assert_eq!(r.body["railType"], "ach");
    let account = r.body["accountId"].as_str().unwrap().to_string();

    let d = p.details(customer, &account).await;
    assert_eq!(d.status, 200, "{:?}", d.body);
    assert_eq!(d.body["status"], "Pending");
    assert_eq!(d.body["routingNumber"], ROUTING);
    assert_eq!(d.body["accountNumberLast4"], "7788");
    assert_eq!(d.body["railType"], "ach");
    assert_eq!(d.body["creationDate"], "2026-11-23T15:00:00");

    // Before the money leaves: 3200002 Pending, and no attempt is used.
    let early = p
        .amounts(customer, &account, r#"{"amounts":[0.01,0.02]}"#)
        .await;
    assert_eq!(early.status, 400);
    assert_eq!(early.body["code"], "3200002");
    assert!(early.body["message"]
        .as_str()
        .unwrap()
        .starts_with("Microdeposit is in Pending status"));

    // The same details again while in progress: 409 3100001 naming the account.
    let again = p
        .initiate(customer, &receiver("55667788", "personalChecking"))
        .await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert_eq!(again.body["code"], "3100001");
    assert_eq!(again.body["accountId"], account.as_str());

    cutoff(&app, &operator).await;
    assert_eq!(
        p.details(customer, &account).await.body["status"],
        "Completed"
    );
    let cents = statement_cents(&app, &key, "55667788").await;
    let body = format!(
        r#"{{"amounts":[{},{}]}}"#,
        dollars(cents[1]),
        dollars(cents[0])
    );
    let ok = p.amounts(customer, &account, &body).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["status"], "Verified");
    // Repeating the right answer is idempotent.
    assert_eq!(p.amounts(customer, &account, &body).await.status, 200);
    assert_eq!(
        p.details(customer, &account).await.body["status"],
        "Verified"
    );

    // The Moov API sees the same customer and bank account.
    let moov = Caller {
        app: &app,
        key: &key,
    };
    let listed = moov.get(&format!("/accounts?foreignID={customer}")).await;
    let accounts = listed.body.as_array().unwrap();
    assert_eq!(accounts.len(), 1, "{:?}", listed.body);
    assert_eq!(accounts[0]["accountType"], "individual");
    assert_eq!(accounts[0]["displayName"], "Bob Smith");
    let id = accounts[0]["accountID"].as_str().unwrap();
    let bank = moov
        .get(&format!("/accounts/{id}/bank-accounts/{account}"))
        .await;
    assert_eq!(bank.body["status"], "verified");

    // Verified accounts cannot start again.
    let verified = p
        .initiate(customer, &receiver("55667788", "personalChecking"))
        .await;
    assert_eq!(verified.status, 409);
    assert_eq!(verified.body["code"], "3100001");
    schemas.check();
    app.stop().await;
}

#[tokio::test]
async fn wrong_amounts_then_right_ones_as_strings() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let schemas = Schemas::default();
    let p = Partner::new(&app, &key, &schemas).await;
    let account = deposited(&p, &operator, "cust-7", "44556677").await;
    let cents = statement_cents(&app, &key, "44556677").await;
    let wrong = format!(
        r#"{{"amounts":[{},{}]}}"#,
        dollars((cents[0] % 49) + 1),
        dollars(cents[1])
    );
    let r = p.amounts("cust-7", &account, &wrong).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert_eq!(r.body["code"], "3200004");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("2 attempt(s) left"),
        "{:?}",
        r.body
    );
    assert_eq!(r.body["status"], "Completed");
    let right = json!({"amounts": [dollars(cents[0]), dollars(cents[1])]});
    let ok = p.amounts("cust-7", &account, &right.to_string()).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["status"], "Verified");
    schemas.check();
    app.stop().await;
}

#[tokio::test]
async fn attempts_exceeded_refuses_even_the_right_amounts() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let schemas = Schemas::default();
    let p = Partner::new(&app, &key, &schemas).await;
    let account = deposited(&p, &operator, "cust-8", "44556678").await;
    let cents = statement_cents(&app, &key, "44556678").await;
    let wrong = format!(
        r#"{{"amounts":[{},{}]}}"#,
        dollars((cents[0] % 49) + 1),
        dollars(cents[1])
    );
    for left in [2, 1] {
        let r = p.amounts("cust-8", &account, &wrong).await;
        assert_eq!(r.body["code"], "3200004", "{:?}", r.body);
        assert!(r.body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{left} attempt(s) left")));
    }
    let third = p.amounts("cust-8", &account, &wrong).await;
    assert_eq!(third.status, 400);
    assert_eq!(third.body["code"], "3200003", "{:?}", third.body);
    assert_eq!(third.body["status"], "Failed");
    let right = format!(
        r#"{{"amounts":[{},{}]}}"#,
        dollars(cents[0]),
        dollars(cents[1])
    );
    let refused = p.amounts("cust-8", &account, &right).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["code"], "3200003");
    assert_eq!(p.details("cust-8", &account).await.body["status"], "Failed");

    // A new round may start after one ran out of attempts (same accountId).
    let again = p
        .initiate("cust-8", &receiver("44556678", "personalChecking"))
        .await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(again.body["accountId"], account.as_str());
    assert_eq!(again.body["status"], "Pending");
    schemas.check();
    app.stop().await;
}

#[tokio::test]
async fn an_r03_return_shows_returned() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let schemas = Schemas::default();
    let p = Partner::new(&app, &key, &schemas).await;
    let r = p
        .initiate("cust-r03", &receiver("3000000003", "personalSavings"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let account = r.body["accountId"].as_str().unwrap().to_string();
    cutoff(&app, &operator).await;
    let d = p.details("cust-r03", &account).await;
    assert_eq!(d.body["status"], "Returned", "{:?}", d.body);
    assert!(d.body["statusDescription"]
        .as_str()
        .unwrap()
        .contains("R03"));
    let v = p
        .amounts("cust-r03", &account, r#"{"amounts":[0.01,0.02]}"#)
        .await;
    assert_eq!(v.status, 400);
    assert_eq!(v.body["code"], "3200002");
    assert_eq!(v.body["message"], "Microdeposit is in Returned status");
    schemas.check();
    app.stop().await;
}

#[tokio::test]
async fn sandbox_deposits_at_once_and_expiry_after_14_days() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let schemas = Schemas::default();
    let p = Partner::new(&app, &key, &schemas).await;
    let r = p
        .initiate("biz-1", &receiver("12345678", "businessChecking"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "Completed");
    let account = r.body["accountId"].as_str().unwrap().to_string();
    let ok = p
        .amounts("biz-1", &account, r#"{"amounts":[0,"0.00"]}"#)
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    let listed = Caller {
        app: &app,
        key: &key,
    }
    .get("/accounts?foreignID=biz-1")
    .await;
    assert_eq!(listed.body[0]["accountType"], "business");

    // Another account of the same customer, left alone for 14 days (with a fresh token).
    let r = p.initiate("biz-1", &receiver("12345679", "Savings")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let second = r.body["accountId"].as_str().unwrap().to_string();
    app.clock.advance(SignedDuration::from_hours(24 * 14 + 1));
    let p = Partner::new(&app, &key, &schemas).await;
    assert_eq!(p.details("biz-1", &second).await.body["status"], "Expired");
    let v = p.amounts("biz-1", &second, r#"{"amounts":[0,0]}"#).await;
    assert_eq!(v.body["code"], "3200002");
    assert_eq!(v.body["message"], "Microdeposit is in Expired status");
    schemas.check();
    app.stop().await;
}

#[tokio::test]
async fn tenants_are_isolated() {
    let app = TestApp::sqlite().await;
    let a = app.tenant(Mode::Sandbox).await;
    let b = app.tenant(Mode::Sandbox).await;
    let schemas = Schemas::default();
    let pa = Partner::new(&app, &a, &schemas).await;
    let pb = Partner::new(&app, &b, &schemas).await;
    let r = pa
        .initiate("shared-id", &receiver("12345678", "checking"))
        .await;
    let account = r.body["accountId"].as_str().unwrap().to_string();
    let d = pb.details("shared-id", &account).await;
    assert_eq!(d.status, 404);
    assert_eq!(d.body["code"], "14001");
    let v = pb
        .amounts("shared-id", &account, r#"{"amounts":[0,0]}"#)
        .await;
    assert_eq!(v.status, 404);
    assert_eq!(v.body["code"], "14001");
    // B's own customer with the same ID does not see A's account either.
    let own = pb
        .initiate("shared-id", &receiver("87654321", "checking"))
        .await;
    assert_eq!(own.status, 200);
    assert_eq!(pb.details("shared-id", &account).await.status, 404);
    // A token used with another key's App-Key is refused.
    let mixed = pb
        .send(
            "GetMicroDepositsDetails",
            reqwest::Method::GET,
            &format!("/microentry/v1/customers/shared-id/accounts/{account}"),
            None,
            &[
                ("Finicity-App-Key", a.public_key.as_str()),
                ("Finicity-App-Token", pb.token.as_str()),
            ],
        )
        .await;
    assert_eq!(mixed.status, 401);
    assert_eq!(mixed.body["code"], "10022");
    schemas.check();
    app.stop().await;
}

#[tokio::test]
async fn authentication_failures() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let schemas = Schemas::default();
    let good = json!({"partnerId": key.public_key, "partnerSecret": key.secret_key}).to_string();

    let r = authenticate(&app, None, &good, &schemas).await;
    assert_eq!((r.status, r.body["code"].clone()), (401, json!("10026")));
    let wrong_secret =
        json!({"partnerId": key.public_key, "partnerSecret": "pdsk_nope"}).to_string();
    let r = authenticate(&app, Some(&key.public_key), &wrong_secret, &schemas).await;
    assert_eq!((r.status, r.body["code"].clone()), (401, json!("24302")));
    let r = authenticate(&app, Some("pdpk_other"), &good, &schemas).await;
    assert_eq!((r.status, r.body["code"].clone()), (401, json!("24302")));
    let r = authenticate(&app, Some(&key.public_key), "{nope", &schemas).await;
    assert_eq!((r.status, r.body["code"].clone()), (400, json!("14020")));
    let r = authenticate(&app, Some(&key.public_key), "{}", &schemas).await;
    assert_eq!((r.status, r.body["code"].clone()), (400, json!("10005")));

    let p = Partner::new(&app, &key, &schemas).await;
    let path = "/microentry/v1/customers/c-1";
    let body = receiver("12345678", "checking").to_string();
    let call = |headers: Vec<(&'static str, String)>| {
        let p = &p;
        let body = body.clone();
        async move {
            let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            p.send(
                "InitiateMicroAmountDeposits",
                reqwest::Method::POST,
                path,
                Some(&body),
                &h,
            )
            .await
        }
    };
    let pk = key.public_key.clone();
    let r = call(vec![("Finicity-App-Key", pk.clone())]).await;
    assert_eq!((r.status, r.body["code"].clone()), (401, json!("10024")));
    let r = call(vec![("Finicity-App-Token", p.token.clone())]).await;
    assert_eq!((r.status, r.body["code"].clone()), (401, json!("10026")));
    let r = call(vec![
        ("Finicity-App-Key", pk.clone()),
        ("Finicity-App-Token", "not-a-token".into()),
    ])
    .await;
    assert_eq!((r.status, r.body["code"].clone()), (401, json!("10022")));
    let r = call(vec![
        ("Finicity-App-Key", "pdpk_someone_else".into()),
        ("Finicity-App-Token", p.token.clone()),
    ])
    .await;
    assert_eq!((r.status, r.body["code"].clone()), (401, json!("10022")));

    // A Moov OAuth token is not a Finicity token, nor the other way round.
    let moov = Caller {
        app: &app,
        key: &key,
    }
    .post(
        "/oauth2/token",
        r#"{"grant_type":"client_credentials","scope":"/accounts.read"}"#,
    )
    .await;
    let moov_token = moov.body["access_token"].as_str().unwrap().to_string();
    let r = call(vec![
        ("Finicity-App-Key", pk.clone()),
        ("Finicity-App-Token", moov_token),
    ])
    .await;
    assert_eq!((r.status, r.body["code"].clone()), (401, json!("10022")));
    let bearer = app
        .client
        .get(app.url("/accounts"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 403);

    // Tokens live two hours, then 10023.
    app.clock.advance(SignedDuration::from_secs(2 * 3600 - 1));
    let r = call(vec![
        ("Finicity-App-Key", pk.clone()),
        ("Finicity-App-Token", p.token.clone()),
    ])
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    app.clock.advance(SignedDuration::from_secs(1));
    let r = call(vec![
        ("Finicity-App-Key", pk.clone()),
        ("Finicity-App-Token", p.token.clone()),
    ])
    .await;
    assert_eq!((r.status, r.body["code"].clone()), (401, json!("10023")));

    // Revoking the key kills its tokens at once.
    let p2 = Partner::new(&app, &key, &schemas).await;
    app.store
        .revoke_api_key(&key.public_key, app.clock.now())
        .await
        .unwrap();
    let r = p2
        .details("c-1", "00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!((r.status, r.body["code"].clone()), (401, json!("10022")));
    schemas.check();
    app.stop().await;
}

#[tokio::test]
async fn malformed_input() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let schemas = Schemas::default();
    let p = Partner::new(&app, &key, &schemas).await;
    let raw = |body: &str| {
        let p = &p;
        let body = body.to_string();
        async move {
            p.send(
                "InitiateMicroAmountDeposits",
                reqwest::Method::POST,
                "/microentry/v1/customers/c-9",
                Some(&body),
                &p.auth(),
            )
            .await
        }
    };
    let with = |field: &str, value: Value| {
        let mut b = receiver("12345678", "personalChecking");
        b["receiver"][field] = value;
        b.to_string()
    };
    for (body, code) in [
        ("{not json".to_string(), "14020"),
        ("{}".to_string(), "14020"),
        (with("routingNumber", json!("123456789")), "20024"),
        (with("routingNumber", json!("12345")), "20024"),
        (with("accountNumber", json!("12")), "3000001"),
        (with("accountNumber", json!("12ab5678")), "3000001"),
        (with("memo", json!("x".repeat(81))), "3000003"),
        (with("memo", json!("tab\there")), "3000003"),
        (with("accountType", json!("loan")), "14020"),
        (with("name", json!("")), "14020"),
        (
            json!({"receiver": receiver("12345678", "checking")["receiver"], "callbackUrl": "https://example.com/cb"})
                .to_string(),
            "14020",
        ),
    ] {
        let r = raw(&body).await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
        assert_eq!(r.body["code"], code, "{body}: {:?}", r.body);
        assert!(
            !r.body.to_string().contains("12ab5678"),
            "account numbers are never echoed"
        );
    }
    // Nothing was created by the refused requests.
    assert_eq!(
        Caller {
            app: &app,
            key: &key
        }
        .get("/accounts?foreignID=c-9")
        .await
        .body,
        json!([])
    );

    let r = p
        .initiate("c-9", &receiver("12345678", "personalChecking"))
        .await;
    let account = r.body["accountId"].as_str().unwrap().to_string();
    for body in [
        r#"{"amounts":[0.075,0.01]}"#,
        r#"{"amounts":[-0.01,0.01]}"#,
        r#"{"amounts":["abc",0.01]}"#,
        r#"{"amounts":[0.01]}"#,
        r#"{"amounts":[0.01,0.02,0.03]}"#,
        r#"{"amounts":[1.5,0.01]}"#,
        r#"{"amounts":null}"#,
    ] {
        let r = p.amounts("c-9", &account, body).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.body["code"], "3000003", "{body}: {:?}", r.body);
    }
    let r = p.amounts("c-9", &account, "{oops").await;
    assert_eq!((r.status, r.body["code"].clone()), (400, json!("14020")));
    // Malformed amounts used no attempt.
    assert_eq!(
        p.amounts("c-9", &account, r#"{"amounts":[0,0]}"#)
            .await
            .status,
        200
    );
    for (customer, acct) in [
        ("nobody", account.as_str()),
        ("c-9", "5011648377"),
        ("c-9", "00000000-0000-0000-0000-000000000000"),
    ] {
        let r = p.details(customer, acct).await;
        assert_eq!(r.status, 404, "{customer} {acct}");
        assert_eq!(r.body["code"], "14001");
    }
    schemas.check();
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// The generated client against the real binary.

const BIN: &str = env!("CARGO_BIN_EXE_pennydrop");

fn create_key(data_dir: &Path, name: &str, extra: &[&str]) -> Value {
    let out = Command::new(BIN)
        .args(["api-keys", "create", "--name", name])
        .args(extra)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("PENNYDROP_DATABASE_URL")
        .env_remove("PENNYDROP_ENCRYPTION_KEY")
        .output()
        .expect("run pennydrop");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn generated_openapi_client_completes_the_flow_against_the_binary() {
    let python = python(true);
    let dir = tempfile::tempdir().unwrap();
    let production = create_key(dir.path(), "finicity-client", &[]);
    let operator = create_key(dir.path(), "finicity-ops", &["--operator"]);
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .env("PENNYDROP_RATE_LIMIT_PRODUCTION", "100000")
        .env("PENNYDROP_RATE_LIMIT_SANDBOX", "100000")
        .arg(dir.path())
        .env_remove("PENNYDROP_DATABASE_URL")
        .env_remove("PENNYDROP_ENCRYPTION_KEY")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.path().join("serve.log")).unwrap())
        .spawn()
        .expect("spawn serve");
    let base = common::bound_address(&mut child);
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(&python)
        .arg(Path::new(root).join("tests/finicity/client_flow.py"))
        .env(
            "PYTHONPATH",
            Path::new(root).join("target").join("finicity-client"),
        )
        .env("PENNYDROP_BASE_URL", &base)
        .env(
            "PENNYDROP_PUBLIC_KEY",
            production["publicKey"].as_str().unwrap(),
        )
        .env(
            "PENNYDROP_SECRET_KEY",
            production["secretKey"].as_str().unwrap(),
        )
        .env(
            "PENNYDROP_OPERATOR_PUBLIC_KEY",
            operator["publicKey"].as_str().unwrap(),
        )
        .env(
            "PENNYDROP_OPERATOR_SECRET_KEY",
            operator["secretKey"].as_str().unwrap(),
        )
        .output()
        .expect("run client_flow.py");
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let _ = child.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "generated-client flow failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("PASS finicity generated client"),
        "{stdout}"
    );
}
