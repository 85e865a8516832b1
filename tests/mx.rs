//! The MX dialects end to end (docs/mx.md): MX Platform users and micro-deposits with HTTP
//! Basic, MX Nexus micro-deposits with `MD-SESSION-TOKEN` sessions, on the simulated bank.
//! Every Platform response body is validated against the JSON Schemas of the MX spec subset
//! (tests/mx/run.sh); Nexus bodies are checked against seed 003's shapes here.

mod common;

use common::{reply, Caller, Reply, TestApp};
use jiff::SignedDuration;
use pennydrop_core::model::Mode;
use pennydrop_engine::access::CreatedKey;
use serde_json::{json, Value};
use std::sync::Mutex;

const ROUTING: &str = "231380104";
const PLATFORM: &str = "application/vnd.mx.api.v1+json";
const NEXUS: &str = "application/vnd.mx.nexus.v1+json";

/// Platform calls with one key; every body is kept for schema validation.
struct Platform<'a> {
    app: &'a TestApp,
    key: &'a CreatedKey,
    bodies: &'a Mutex<Vec<Value>>,
}

impl Platform<'_> {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .basic_auth(&self.key.public_key, Some(&self.key.secret_key))
            .header("accept", PLATFORM);
        if let Some(b) = body {
            request = request.header("content-type", PLATFORM).body(b.to_string());
        }
        let response = request.send().await.expect("send");
        if response.status().is_success() && response.status() != 204 {
            let media = response.headers()["content-type"].to_str().unwrap();
            assert_eq!(media, PLATFORM);
        }
        let r = reply(response).await;
        self.keep(path, &r);
        r
    }

    fn keep(&self, path: &str, r: &Reply) {
        let schema = if r.status != 200 {
            return;
        } else if r.body.get("micro_deposits").is_some() {
            "MicrodepositsResponseBody"
        } else if r.body.get("micro_deposit").is_some() {
            "MicrodepositSingleResponseBody"
        } else {
            return;
        };
        self.bodies
            .lock()
            .unwrap()
            .push(json!({"schema": schema, "label": path, "body": r.body}));
    }

    async fn get(&self, path: &str) -> Reply {
        self.call(reqwest::Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
    async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }
    async fn delete(&self, path: &str) -> Reply {
        self.call(reqwest::Method::DELETE, path, None).await
    }

    async fn user(&self) -> String {
        let r = self
            .post(
                "/users",
                json!({"user": {"email": "jane@example.com", "id": "partner-user-1"}}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let guid = r.body["user"]["guid"].as_str().unwrap().to_string();
        assert!(guid.starts_with("USR-"), "{guid}");
        guid
    }

    async fn create(&self, user: &str, number: &str) -> Value {
        let r = self
            .post(
                &format!("/users/{user}/micro_deposits"),
                json!({"micro_deposit": {"account_name": "My Checking", "account_number": number,
                    "account_type": "checking", "routing_number": ROUTING,
                    "email": "jane@example.com", "first_name": "Jane", "last_name": "Doe"}}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["micro_deposit"].clone()
    }

    async fn verify(&self, guid: &str, a: Value, b: Value) -> Reply {
        self.put(
            &format!("/micro_deposits/{guid}/verify"),
            json!({"micro_deposit": {"deposit_amount_1": a, "deposit_amount_2": b}}),
        )
        .await
    }
}

/// Runs tests/mx/run.sh on the collected Platform bodies.
fn validate_platform_bodies(bodies: &Mutex<Vec<Value>>) {
    let bodies = bodies.lock().unwrap().clone();
    assert!(!bodies.is_empty(), "no bodies collected");
    let root = env!("CARGO_MANIFEST_DIR");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), Value::Array(bodies).to_string()).unwrap();
    let out = std::process::Command::new(format!("{root}/tests/mx/run.sh"))
        .arg(file.path())
        .current_dir(root)
        .env("MX_VENV", format!("{root}/target/mx-venv"))
        .output()
        .expect("run tests/mx/run.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schema validation failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("bodies valid"), "{stdout}");
    eprintln!("{}", stdout.lines().last().unwrap_or_default());
}

async fn cutoff(app: &TestApp, operator: &CreatedKey) -> Value {
    let ops = Caller { app, key: operator };
    let r = ops.post("/admin/ach/cutoffs", "").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

/// The two micro-deposit credits on the simulated statement, in dollars.
async fn amounts(c: &Caller<'_>, number: &str) -> [String; 2] {
    let statement = c
        .get(&format!(
            "/simulator/accounts/{ROUTING}/{number}/transactions"
        ))
        .await;
    let cents: Vec<i64> = statement.body["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["direction"] == "credit" && t["description"] == "ACCTVERIFY")
        .map(|t| t["amountCents"].as_i64().unwrap())
        .collect();
    assert_eq!(cents.len(), 2, "{statement:?}");
    [format!("0.{:02}", cents[0]), format!("0.{:02}", cents[1])]
}

/// A wrong pair that differs from the right one.
fn wrong(right: &[String; 2]) -> (Value, Value) {
    let a = if right[0] == "0.01" { 0.02 } else { 0.01 };
    (json!(a), json!(right[1]))
}

#[tokio::test]
async fn platform_micro_deposits_end_to_end() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let bodies = Mutex::new(Vec::new());
    let p = Platform {
        app: &app,
        key: &key,
        bodies: &bodies,
    };
    let moov = Caller {
        app: &app,
        key: &key,
    };
    let user = p.user().await;
    let got = p.get(&format!("/users/{user}")).await;
    assert_eq!(got.body["user"]["id"], "partner-user-1");
    assert_eq!(p.get("/users").await.body["pagination"]["total_entries"], 1);

    let good = p.create(&user, "55667788").await;
    assert_eq!(good["status"], "REQUESTED", "{good}");
    assert_eq!(good["account_number"], "****7788", "masked: {good}");
    assert_eq!(good["account_type"], "CHECKING");
    assert_eq!(good["routing_number"], ROUTING);
    assert_eq!(good["first_name"], "Jane");
    assert_eq!(good["last_name"], "Doe");
    assert_eq!(good["email"], "jane@example.com");
    assert_eq!(good["user_guid"], user.as_str());
    assert!(good["verified_at"].is_null());
    assert!(good["error_message"].is_null());
    assert!(!good.to_string().contains("55667788"));
    let good_guid = good["guid"].as_str().unwrap().to_string();
    assert!(good_guid.starts_with("MIC-"));

    // Same details again while active: CONFLICTED.
    let dup = p
        .post(
            &format!("/users/{user}/micro_deposits"),
            json!({"micro_deposit": {"account_number": "55667788", "account_type": "CHECKING",
                "routing_number": ROUTING, "first_name": "Jane", "last_name": "Doe"}}),
        )
        .await;
    assert_eq!(dup.status, 409, "{:?}", dup.body);
    assert_eq!(dup.body["error"]["status"], "CONFLICTED");

    // Verifying before the deposits leave is refused without counting.
    let early = p.verify(&good_guid, json!(0.01), json!(0.02)).await;
    assert_eq!(early.status, 409, "{:?}", early.body);
    assert!(early.body["error"]["message"].is_string());

    let prevented = p.create(&user, "55667799").await;
    let prevented_guid = prevented["guid"].as_str().unwrap().to_string();
    let returned = p.create(&user, "3000000003").await;
    let returned_guid = returned["guid"].as_str().unwrap().to_string();
    let list = p.get(&format!("/users/{user}/micro_deposits")).await;
    assert_eq!(list.body["micro_deposits"].as_array().unwrap().len(), 3);
    assert_eq!(list.body["pagination"]["total_entries"], 3);
    let page = p
        .get(&format!(
            "/users/{user}/micro_deposits?page=2&records_per_page=2"
        ))
        .await;
    assert_eq!(page.body["micro_deposits"].as_array().unwrap().len(), 1);
    assert_eq!(page.body["pagination"]["total_pages"], 2);

    cutoff(&app, &operator).await;

    // Deposited; a wrong pair is DENIED, the right one VERIFIED (string and number amounts).
    let base = format!("/users/{user}/micro_deposits");
    let got = p.get(&format!("{base}/{good_guid}")).await;
    assert_eq!(got.body["micro_deposit"]["status"], "DEPOSITED");
    let right = amounts(&moov, "55667788").await;
    let (a, b) = wrong(&right);
    let denied = p.verify(&good_guid, a, b).await;
    assert_eq!(denied.status, 200, "{:?}", denied.body);
    assert_eq!(denied.body["micro_deposit"]["status"], "DENIED");
    let malformed = p.verify(&good_guid, json!(0.075), json!("0.01")).await;
    assert_eq!(malformed.status, 400, "{:?}", malformed.body);
    assert!(malformed.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("deposit_amount_1"));
    let missing = p
        .put(
            &format!("/micro_deposits/{good_guid}/verify"),
            json!({"micro_deposit": {"deposit_amount_1": 0.01}}),
        )
        .await;
    assert_eq!(missing.status, 400);
    let first: f64 = right[0].parse().unwrap();
    let verified = p.verify(&good_guid, json!(first), json!(right[1])).await;
    assert_eq!(verified.status, 200, "{:?}", verified.body);
    assert_eq!(verified.body["micro_deposit"]["status"], "VERIFIED");
    assert!(verified.body["micro_deposit"]["verified_at"].is_string());

    // Three wrong pairs: PREVENTED.
    let right = amounts(&moov, "55667799").await;
    let (a, b) = wrong(&right);
    for expected in ["DENIED", "DENIED", "PREVENTED"] {
        let r = p.verify(&prevented_guid, a.clone(), b.clone()).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["micro_deposit"]["status"], expected);
    }
    let after = p
        .verify(&prevented_guid, json!(right[0]), json!(right[1]))
        .await;
    assert_eq!(after.status, 409, "{:?}", after.body);

    // R03: ERRORED with the reason.
    let got = p.get(&format!("{base}/{returned_guid}")).await;
    assert_eq!(
        got.body["micro_deposit"]["status"], "ERRORED",
        "{:?}",
        got.body
    );
    assert!(got.body["micro_deposit"]["error_message"].is_string());
    assert_eq!(got.body["micro_deposit"]["error_code"], "R03");

    // DELETE.
    let deleted = p.delete(&format!("{base}/{returned_guid}")).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(p.get(&format!("{base}/{returned_guid}")).await.status, 404);
    assert_eq!(
        p.delete(&format!("{base}/{returned_guid}")).await.status,
        404
    );

    validate_platform_bodies(&bodies);
    app.stop().await;
}

#[tokio::test]
async fn platform_sandbox_verifies_with_zero_amounts() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let bodies = Mutex::new(Vec::new());
    let p = Platform {
        app: &app,
        key: &key,
        bodies: &bodies,
    };
    let user = p.user().await;
    let md = p.create(&user, "12345678").await;
    let guid = md["guid"].as_str().unwrap();
    let r = p.verify(guid, json!("0.00"), json!(0)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["micro_deposit"]["status"], "VERIFIED");
    validate_platform_bodies(&bodies);
    app.stop().await;
}

/// Found by the simulation (crates/sim, cross-dialect check): a bank account linked through
/// Moov without micro-deposits was read through MX as a micro-deposit with status REJECTED
/// (which means a refused create) while Finicity and the user's MX list knew no such
/// micro-deposit. It is not found, in both MX reads.
#[tokio::test]
async fn a_bank_account_without_micro_deposits_is_no_mx_micro_deposit() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let moov = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = moov.account_with_bank(ROUTING, "12345678").await;
    let bodies = Mutex::new(Vec::new());
    let p = Platform {
        app: &app,
        key: &key,
        bodies: &bodies,
    };
    let r = p
        .get(&format!("/users/USR-{account}/micro_deposits/MIC-{bank}"))
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    let r = p.get(&format!("/users/USR-{account}/micro_deposits")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["micro_deposits"], json!([]), "{:?}", r.body);
    app.stop().await;
}

#[tokio::test]
async fn platform_isolation_auth_and_malformed_input() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let other = app.tenant(Mode::Sandbox).await;
    let bodies = Mutex::new(Vec::new());
    let p = Platform {
        app: &app,
        key: &key,
        bodies: &bodies,
    };
    let q = Platform {
        app: &app,
        key: &other,
        bodies: &bodies,
    };
    let user = p.user().await;
    let guid = p.create(&user, "12345678").await["guid"]
        .as_str()
        .unwrap()
        .to_string();

    // Another tenant sees nothing.
    for r in [
        q.get(&format!("/users/{user}")).await,
        q.get(&format!("/users/{user}/micro_deposits")).await,
        q.get(&format!("/users/{user}/micro_deposits/{guid}")).await,
        q.delete(&format!("/users/{user}/micro_deposits/{guid}"))
            .await,
        q.verify(&guid, json!(0), json!(0)).await,
        p.get("/users/USR-not-a-uuid").await,
        p.get(&format!("/users/{user}/micro_deposits/MIC-nope"))
            .await,
    ] {
        assert_eq!(r.status, 404, "{:?}", r.body);
        assert!(r.body["error"]["message"].is_string(), "{:?}", r.body);
    }
    assert_eq!(q.get("/users").await.body["pagination"]["total_entries"], 0);

    // Authentication.
    let path = format!("/users/{user}/micro_deposits");
    let none = reply(app.client.get(app.url(&path)).send().await.unwrap()).await;
    assert_eq!(none.status, 401);
    assert!(none.body["error"]["message"].is_string());
    let wrong = reply(
        app.client
            .get(app.url(&path))
            .basic_auth(&key.public_key, Some("pdsk_wrong"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(wrong.status, 401);
    let bearer = reply(
        app.client
            .get(app.url(&path))
            .bearer_auth("nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bearer.status, 401);

    // Media types: application/json works too, others are 406.
    let json_accept = app
        .client
        .get(app.url(&path))
        .basic_auth(&key.public_key, Some(&key.secret_key))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(json_accept.status(), 200);
    assert_eq!(
        json_accept.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let html = app
        .client
        .get(app.url(&path))
        .basic_auth(&key.public_key, Some(&key.secret_key))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 406);

    // Malformed input: 400 in MX's shape, the account number never echoed.
    let raw = reply(
        app.client
            .post(app.url(&path))
            .basic_auth(&key.public_key, Some(&key.secret_key))
            .header("content-type", PLATFORM)
            .body("{nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(raw.status, 400);
    assert!(raw.body["error"]["message"].is_string());
    for (body, needle) in [
        (json!({"nope": 1}), "micro_deposit"),
        (
            json!({"micro_deposit": {"account_type": "CHECKING", "routing_number": ROUTING}}),
            "account_number",
        ),
        (
            json!({"micro_deposit": {"account_number": "87654321", "account_type": "BROKERAGE",
            "routing_number": ROUTING, "first_name": "J", "last_name": "D"}}),
            "account_type",
        ),
        (
            json!({"micro_deposit": {"account_number": "87654321", "account_type": "SAVINGS",
            "routing_number": "123456789", "first_name": "J", "last_name": "D"}}),
            "routing_number",
        ),
        (
            json!({"micro_deposit": {"account_number": "12-34x", "account_type": "savings",
            "routing_number": ROUTING, "first_name": "J", "last_name": "D"}}),
            "account_number",
        ),
    ] {
        let r = p.post(&path, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{body}: {message}");
        assert!(!message.contains("87654321"), "{message}");
    }
    let bad_user = p.post("/users", json!({"user": {"email": "nope"}})).await;
    assert_eq!(bad_user.status, 400);
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Nexus
// ---------------------------------------------------------------------------------------------

struct Nexus<'a> {
    app: &'a TestApp,
    token: String,
}

async fn session(app: &TestApp, key: &CreatedKey) -> String {
    let r = reply(
        app.client
            .post(app.url("/sessions"))
            .basic_auth(&key.public_key, Some(&key.secret_key))
            .header("accept", NEXUS)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["session"]["token"].as_str().unwrap().to_string()
}

impl Nexus<'_> {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .header("MD-SESSION-TOKEN", &self.token)
            .header("accept", NEXUS);
        if let Some(b) = body {
            request = request.header("content-type", NEXUS).body(b.to_string());
        }
        let response = request.send().await.expect("send");
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            NEXUS,
            "{path}"
        );
        let r = reply(response).await;
        if r.status == 200 {
            if let Some(list) = r.body["micro_deposits"].as_array() {
                list.iter().for_each(check_nexus_shape);
            } else {
                check_nexus_shape(&r.body["micro_deposit"]);
            }
        } else {
            assert!(r.body["code"].is_u64(), "{:?}", r.body);
            assert!(r.body["message"].is_string(), "{:?}", r.body);
        }
        r
    }
    async fn get(&self, path: &str) -> Reply {
        self.call(reqwest::Method::GET, path, None).await
    }
    async fn post(&self, body: Value) -> Reply {
        self.call(reqwest::Method::POST, "/micro_deposits", Some(body))
            .await
    }
    async fn put(&self, guid: &str, body: Value) -> Reply {
        self.call(
            reqwest::Method::PUT,
            &format!("/micro_deposits/{guid}"),
            Some(body),
        )
        .await
    }
    async fn create(&self, email: &str, number: &str) -> Value {
        let r = self
            .post(
                json!({"micro_deposit": {"first_name": "Josh", "last_name": "James",
                "email": email, "account_name": "My Test Account", "account_number": number,
                "account_type_name": "CHECKING", "routing_number": ROUTING}}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["micro_deposit"].clone()
    }
}

/// Seed 003's MicrodepositResponse / PreinitiateResponse: every field present, with its type
/// (strings may be null where the seed's examples are null).
fn check_nexus_shape(md: &Value) {
    let m = md
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {md}"));
    let strings = [
        "account_name",
        "account_number",
        "account_type_name",
        "created_at",
        "email",
        "error_code",
        "error_message",
        "first_name",
        "guid",
        "institution_name",
        "last_name",
        "routing_number",
        "status_name",
        "updated_at",
        "verified_at",
    ];
    for f in strings {
        let v = m.get(f).unwrap_or_else(|| panic!("{f} missing: {md}"));
        assert!(v.is_string() || v.is_null(), "{f} not a string: {md}");
    }
    for f in ["status", "account_type"] {
        let v = m.get(f).unwrap_or_else(|| panic!("{f} missing: {md}"));
        assert!(v.is_u64() || v.is_null(), "{f} not an integer: {md}");
    }
    assert!(m["status"].is_u64());
    assert!(m["guid"].as_str().unwrap().starts_with("MIC-"));
    assert_eq!(m.len(), strings.len() + 2, "no unexpected fields: {md}");
    let names = [
        "INITIATED",
        "REQUESTED",
        "DEPOSITED",
        "VERIFIED",
        "ERRORED",
        "DENIED",
        "PREVENTED",
        "CONFLICTED",
        "REJECTED",
        "PREINITIATED",
    ];
    let status = m["status"].as_u64().unwrap() as usize;
    assert_eq!(m["status_name"], names[status], "{md}");
    match m["account_type"].as_u64() {
        Some(1) => assert_eq!(m["account_type_name"], "CHECKING"),
        Some(2) => assert_eq!(m["account_type_name"], "SAVINGS"),
        None => assert!(m["account_type_name"].is_null()),
        Some(other) => panic!("account_type {other}"),
    }
}

#[tokio::test]
async fn nexus_micro_deposits_end_to_end() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let moov = Caller {
        app: &app,
        key: &key,
    };
    let n = Nexus {
        app: &app,
        token: session(&app, &key).await,
    };

    // Pre-initiate, then supply the account details with PUT.
    let pre = n
        .post(
            json!({"micro_deposit": {"first_name": "Josh", "last_name": "James",
            "email": "josh@example.com"}}),
        )
        .await;
    assert_eq!(pre.status, 200, "{:?}", pre.body);
    let pre = pre.body["micro_deposit"].clone();
    assert_eq!(pre["status"], 9);
    assert_eq!(pre["status_name"], "PREINITIATED");
    assert_eq!(pre["email"], "josh@example.com");
    let pre_guid = pre["guid"].as_str().unwrap().to_string();
    let early = n
        .put(
            &pre_guid,
            json!({"deposit_amount_1": 0.01, "deposit_amount_2": 0.02}),
        )
        .await;
    assert_eq!(early.status, 409);
    let started = n
        .put(
            &pre_guid,
            json!({"micro_deposit": {"account_number": "55667788", "account_type_name": "savings",
                "routing_number": ROUTING}}),
        )
        .await;
    assert_eq!(started.status, 200, "{:?}", started.body);
    let started = started.body["micro_deposit"].clone();
    assert_eq!(started["status"], 1, "{started}");
    assert_eq!(started["status_name"], "REQUESTED");
    assert_eq!(started["account_type"], 2);
    assert_eq!(started["account_number"], "****7788");
    assert_eq!(started["first_name"], "Josh");
    assert_eq!(started["last_name"], "James");
    let good_guid = started["guid"].as_str().unwrap().to_string();
    // The pre-initiated guid now names the started micro-deposit.
    let again = n.get(&format!("/micro_deposits/{pre_guid}")).await;
    assert_eq!(again.body["micro_deposit"]["guid"], good_guid.as_str());

    // Duplicate: 4220.
    let dup = n
        .post(
            json!({"micro_deposit": {"email": "josh@example.com", "account_number": "55667788",
            "account_type_name": "SAVINGS", "routing_number": ROUTING}}),
        )
        .await;
    assert_eq!(dup.status, 422, "{:?}", dup.body);
    assert_eq!(dup.body["code"], 4220);

    let prevented = n.create("pat@example.com", "55667799").await;
    let prevented_guid = prevented["guid"].as_str().unwrap().to_string();
    let returned = n.create("ret@example.com", "3000000003").await;
    let returned_guid = returned["guid"].as_str().unwrap().to_string();
    let list = n.get("/micro_deposits").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["micro_deposits"].as_array().unwrap().len(), 3);

    cutoff(&app, &operator).await;

    let got = n.get(&format!("/micro_deposits/{good_guid}")).await;
    assert_eq!(got.body["micro_deposit"]["status"], 2);
    assert_eq!(got.body["micro_deposit"]["status_name"], "DEPOSITED");
    let right = amounts(&moov, "55667788").await;
    let (a, b) = wrong(&right);
    let denied = n
        .put(
            &good_guid,
            json!({"deposit_amount_1": a, "deposit_amount_2": b}),
        )
        .await;
    assert_eq!(denied.status, 200, "{:?}", denied.body);
    assert_eq!(denied.body["micro_deposit"]["status"], 5);
    let malformed = n
        .put(
            &good_guid,
            json!({"deposit_amount_1": "0.075", "deposit_amount_2": 0.01}),
        )
        .await;
    assert_eq!(malformed.status, 400);
    let missing = n.put(&good_guid, json!({"deposit_amount_1": 0.01})).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["code"], 4001);
    let verified = n
        .put(
            &good_guid,
            json!({"deposit_amount_1": right[0], "deposit_amount_2": right[1]}),
        )
        .await;
    assert_eq!(verified.status, 200, "{:?}", verified.body);
    assert_eq!(verified.body["micro_deposit"]["status"], 3);
    assert_eq!(verified.body["micro_deposit"]["status_name"], "VERIFIED");
    assert!(verified.body["micro_deposit"]["verified_at"].is_string());

    let right = amounts(&moov, "55667799").await;
    let (a, b) = wrong(&right);
    for expected in [5, 5, 6] {
        let r = n
            .put(
                &prevented_guid,
                json!({"micro_deposit": {"deposit_amount_1": a, "deposit_amount_2": b}}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["micro_deposit"]["status"], expected);
    }
    assert_eq!(
        n.get(&format!("/micro_deposits/{prevented_guid}"))
            .await
            .body["micro_deposit"]["status_name"],
        "PREVENTED"
    );

    let got = n.get(&format!("/micro_deposits/{returned_guid}")).await;
    assert_eq!(got.body["micro_deposit"]["status"], 4, "{:?}", got.body);
    assert_eq!(got.body["micro_deposit"]["status_name"], "ERRORED");
    assert!(got.body["micro_deposit"]["error_message"].is_string());
    app.stop().await;
}

#[tokio::test]
async fn nexus_sessions_isolation_and_errors() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let other = app.tenant(Mode::Sandbox).await;
    let n = Nexus {
        app: &app,
        token: session(&app, &key).await,
    };
    let q = Nexus {
        app: &app,
        token: session(&app, &other).await,
    };
    let md = n.create("josh@example.com", "12345678").await;
    let guid = md["guid"].as_str().unwrap().to_string();
    // Sandbox: 0/0 verifies.
    let r = n
        .put(
            &guid,
            json!({"deposit_amount_1": "0.00", "deposit_amount_2": 0}),
        )
        .await;
    assert_eq!(
        r.body["micro_deposit"]["status_name"], "VERIFIED",
        "{:?}",
        r.body
    );

    // Another tenant's session sees nothing.
    let r = q.get(&format!("/micro_deposits/{guid}")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["code"], 4040);
    let r = q
        .put(&guid, json!({"deposit_amount_1": 0, "deposit_amount_2": 0}))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        q.get("/micro_deposits").await.body["micro_deposits"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // A Nexus micro-deposit is not reachable as a Platform user's.
    let platform_user = md["guid"].as_str().unwrap().replace("MIC-", "USR-");
    let p = Caller {
        app: &app,
        key: &key,
    };
    assert_eq!(p.get(&format!("/users/{platform_user}")).await.status, 404);

    // Missing parameters: 4001.
    for body in [
        json!({"micro_deposit": {"first_name": "Josh", "email": "josh@example.com"}}),
        json!({"micro_deposit": {"email": "josh@example.com", "account_number": "12345678"}}),
        json!({"micro_deposit": {"account_number": "12345678", "account_type_name": "CHECKING",
            "routing_number": ROUTING}}),
        json!({"first_name": "Josh"}),
    ] {
        let r = n.post(body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
        assert_eq!(r.body["code"], 4001, "{body}");
    }
    let rejected = n
        .post(json!({"micro_deposit": {"email": "x@example.com", "first_name": "J", "last_name": "D",
            "account_number": "12345678", "account_type_name": "CHECKING", "routing_number": "123456789"}}))
        .await;
    assert_eq!(rejected.status, 400);
    assert_eq!(rejected.body["status_name"], "REJECTED");

    // Sessions: missing or unknown → 401 4011; each call slides the 30 minutes; expiry → 4011.
    let none = reply(
        app.client
            .get(app.url("/micro_deposits"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(none.status, 401);
    assert_eq!(none.body["code"], 4011);
    let bogus = Nexus {
        app: &app,
        token: "bogus".into(),
    };
    assert_eq!(bogus.get("/micro_deposits").await.body["code"], 4011);
    // A Moov Bearer token is not a session, and a session is not a Moov Bearer token.
    let moov = reply(
        app.client
            .get(app.url("/accounts"))
            .bearer_auth(&n.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(moov.status, 403, "{:?}", moov.body);
    let no_key = reply(app.client.post(app.url("/sessions")).send().await.unwrap()).await;
    assert_eq!(no_key.status, 401);

    app.clock.advance(SignedDuration::from_mins(20));
    assert_eq!(n.get("/micro_deposits").await.status, 200);
    app.clock.advance(SignedDuration::from_mins(20));
    assert_eq!(
        n.get("/micro_deposits").await.status,
        200,
        "slid by the last call"
    );
    app.clock.advance(SignedDuration::from_mins(31));
    let expired = n.get("/micro_deposits").await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.body["code"], 4011);
    app.stop().await;
}

#[tokio::test]
async fn a_refused_nexus_create_stores_nothing_and_leaves_the_email_usable() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let n = Nexus {
        app: &app,
        token: session(&app, &key).await,
    };
    let moov = Caller {
        app: &app,
        key: &key,
    };
    let long = json!({"micro_deposit": {"first_name": "J".repeat(1000), "last_name": "James",
        "email": "stuck@example.com", "account_number": "12345678",
        "account_type_name": "CHECKING", "routing_number": ROUTING}});
    let r = n.post(long).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert_eq!(r.body["status_name"], "REJECTED", "{:?}", r.body);
    assert_eq!(
        moov.get("/accounts?foreignID=mx-nexus:stuck@example.com")
            .await
            .body,
        json!([]),
        "no per-email account was left behind"
    );
    for email in [
        "a\u{0}b@example.com",
        "bell\u{7}@example.com",
        "x\u{202E}y@example.com",
    ] {
        let r = n
            .post(
                json!({"micro_deposit": {"first_name": "Josh", "last_name": "James",
                "email": email, "account_number": "12345678",
                "account_type_name": "CHECKING", "routing_number": ROUTING}}),
            )
            .await;
        assert_eq!(r.status, 400, "{email:?}: {:?}", r.body);
    }
    let md = n.create("stuck@example.com", "12345678").await;
    assert_eq!(
        md["status_name"], "DEPOSITED",
        "the email still works: {md}"
    );
    app.stop().await;
}
