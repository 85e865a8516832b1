//! Error answers at the HTTP edge and for bad input, in every dialect (docs/dialects.md, "Error
//! shapes"): 413, 414 and 415 are JSON in the dialect's shape, messages are written for
//! people, and amounts are read as decimal text (never through a float) and, when refused,
//! never count as an attempt.

mod common;

use common::{finicity_token, nexus_session, reply, Caller, Reply, TestApp};
use pennydrop_core::model::Mode;
use pennydrop_engine::access::CreatedKey;
use serde_json::{json, Value};

const ROUTING: &str = "231380104";
const PLATFORM: &str = "application/vnd.mx.api.v1+json";
const NEXUS: &str = "application/vnd.mx.nexus.v1+json";

/// Which error shape an answer must have.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Moov,
    Finicity,
    MxPlatform,
    MxNexus,
}

/// Asserts `r` is a JSON error in `shape` with `status`; returns its message.
fn message(shape: Shape, status: u16, r: &Reply) -> String {
    assert_eq!(r.status, status, "{shape:?}: {:?}", r.body);
    let text = match shape {
        Shape::Moov => r.body["error"].as_str(),
        Shape::MxPlatform => r.body["error"]["message"].as_str(),
        Shape::Finicity => {
            assert!(r.body["code"].is_string(), "{shape:?}: {:?}", r.body);
            r.body["message"].as_str()
        }
        Shape::MxNexus => {
            assert!(r.body["code"].is_u64(), "{shape:?}: {:?}", r.body);
            r.body["message"].as_str()
        }
    };
    text.unwrap_or_else(|| panic!("{shape:?} {status}: not its error shape: {:?}", r.body))
        .to_string()
}

/// A caller in each dialect, with its credentials.
struct Callers<'a> {
    app: &'a TestApp,
    key: &'a CreatedKey,
    finicity: String,
    nexus: String,
}

impl<'a> Callers<'a> {
    async fn new(app: &'a TestApp, key: &'a CreatedKey) -> Self {
        let finicity = finicity_token(app, key).await;
        let nexus = nexus_session(app, key).await;
        Self {
            app,
            key,
            finicity,
            nexus,
        }
    }

    /// A request in `shape`'s dialect to one of its routes, with its authentication.
    fn request(
        &self,
        shape: Shape,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        let request = self.app.client.request(method, self.app.url(path));
        match shape {
            Shape::Moov | Shape::MxPlatform => {
                request.basic_auth(&self.key.public_key, Some(&self.key.secret_key))
            }
            Shape::Finicity => request
                .header("Finicity-App-Key", &self.key.public_key)
                .header("Finicity-App-Token", &self.finicity),
            Shape::MxNexus => request.header("MD-SESSION-TOKEN", &self.nexus),
        }
    }

    /// A POST route of each dialect that takes a JSON body.
    fn posts() -> [(Shape, &'static str); 4] {
        [
            (Shape::Moov, "/accounts"),
            (Shape::Finicity, "/microentry/v1/customers/c-1"),
            (Shape::MxPlatform, "/users"),
            (Shape::MxNexus, "/micro_deposits"),
        ]
    }
}

async fn send(request: reqwest::RequestBuilder) -> Reply {
    reply(request.send().await.expect("send")).await
}

#[tokio::test]
async fn oversized_bodies_are_413_json_in_each_dialect() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let callers = Callers::new(&app, &key).await;
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(2 * 1024 * 1024 + 16));
    for (shape, path) in Callers::posts() {
        for keyed in [false, true] {
            let mut request = callers
                .request(shape, reqwest::Method::POST, path)
                .header("content-type", "application/json")
                .body(big.clone());
            if keyed {
                request = request.header("Idempotency-Key", format!("big-{path}"));
            }
            let r = send(request).await;
            let text = message(shape, 413, &r);
            assert!(text.contains("too large"), "{shape:?}: {text}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn long_uris_are_414_json() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let callers = Callers::new(&app, &key).await;
    let long = "a".repeat(9 * 1024);
    for (shape, path) in [
        (Shape::Moov, format!("/accounts?foreignID={long}")),
        (
            Shape::Finicity,
            format!("/microentry/v1/customers/c-1/accounts/{long}"),
        ),
        (Shape::MxPlatform, format!("/users/{long}")),
        (Shape::MxNexus, format!("/micro_deposits/{long}")),
    ] {
        let r = send(callers.request(shape, reqwest::Method::GET, &path)).await;
        let text = message(shape, 414, &r);
        assert!(text.contains("too long"), "{shape:?}: {text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn bodies_not_declared_as_json_are_415() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let callers = Callers::new(&app, &key).await;
    let body = r#"{"accountType":"individual","profile":{"individual":{"name":{"firstName":"Jane","lastName":"Doe"}}}}"#;
    for (shape, path) in Callers::posts() {
        for content_type in [Some("text/plain"), Some("application/xml"), None] {
            let mut request = callers
                .request(shape, reqwest::Method::POST, path)
                .body(body);
            if let Some(ct) = content_type {
                request = request.header("content-type", ct);
            }
            let r = send(request).await;
            let text = message(shape, 415, &r);
            assert!(text.contains("application/json"), "{shape:?}: {text}");
        }
    }
    // JSON under its own and MX's media types is accepted, and an empty body needs none.
    let moov = Caller {
        app: &app,
        key: &key,
    };
    assert_eq!(moov.post("/accounts", body).await.status, 200);
    let r = send(
        callers
            .request(Shape::MxPlatform, reqwest::Method::POST, "/users")
            .header("content-type", PLATFORM)
            .header("accept", PLATFORM)
            .body(r#"{"user":{"email":"jane@example.com"}}"#),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = send(
        callers
            .request(Shape::MxNexus, reqwest::Method::GET, "/micro_deposits")
            .header("accept", NEXUS),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let (account, bank) = moov.account_with_bank("021000021", "12345678").await;
    let r = moov
        .post_with(
            &format!("/accounts/{account}/bank-accounts/{bank}/micro-deposits"),
            ("x-wait-for", "rail-response"),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    app.stop().await;
}

/// A sandbox Finicity account whose round is deposited (the amounts are 0 and 0).
async fn finicity_account(callers: &Callers<'_>) -> String {
    let body = json!({"receiver": {"routingNumber": ROUTING, "accountNumber": "12345678",
        "accountType": "personalChecking", "name": "Bob Smith"}});
    let r = send(
        callers
            .request(
                Shape::Finicity,
                reqwest::Method::POST,
                "/microentry/v1/customers/c-1",
            )
            .json(&body),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "Completed");
    r.body["accountId"].as_str().expect("accountId").to_string()
}

async fn finicity_amounts(callers: &Callers<'_>, account: &str, raw: &str) -> Reply {
    send(
        callers
            .request(
                Shape::Finicity,
                reqwest::Method::POST,
                &format!("/microentry/v1/customers/c-1/accounts/{account}/amounts"),
            )
            .header("content-type", "application/json")
            .body(raw.to_string()),
    )
    .await
}

#[tokio::test]
async fn finicity_refuses_malformed_amounts_without_counting_an_attempt() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let callers = Callers::new(&app, &key).await;
    let account = finicity_account(&callers).await;
    // Each would be a wrong pair (the sandbox amounts are 0 and 0): three wrong pairs end the
    // round, so repeating them shows none was counted.
    for _ in 0..2 {
        for bad in [
            r#"{"amounts":[1e-2,0]}"#,
            r#"{"amounts":[1E-2,0]}"#,
            r#"{"amounts":[" 0.01","0"]}"#,
            r#"{"amounts":["0.01 ","0"]}"#,
        ] {
            let r = finicity_amounts(&callers, &account, bad).await;
            let text = message(Shape::Finicity, 400, &r);
            assert_eq!(r.body["code"], "3000003", "{bad}: {text}");
            assert!(text.contains("amounts[0]"), "{bad}: {text}");
        }
    }
    let details = send(callers.request(
        Shape::Finicity,
        reqwest::Method::GET,
        &format!("/microentry/v1/customers/c-1/accounts/{account}"),
    ))
    .await;
    assert_eq!(details.body["status"], "Completed", "{:?}", details.body);
    let ok = finicity_amounts(&callers, &account, r#"{"amounts":[0,"0.00"]}"#).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["status"], "Verified", "{:?}", ok.body);
    app.stop().await;
}

#[tokio::test]
async fn huge_amounts_are_never_echoed_through_a_float() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let callers = Callers::new(&app, &key).await;
    let huge = "100000000000000000000";
    let floats = ["e+20", "e20", "1e+", "100000000000000000000.0"];

    let account = finicity_account(&callers).await;
    let r = finicity_amounts(&callers, &account, &format!(r#"{{"amounts":[{huge},0]}}"#)).await;
    let text = message(Shape::Finicity, 400, &r);

    let moov = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = moov.account_with_bank("021000021", "12345678").await;
    moov.initiate_micro_deposits(&account, &bank).await;
    let r = moov
        .put(
            &format!("/accounts/{account}/bank-accounts/{bank}/micro-deposits"),
            &format!(r#"{{"amounts":[{huge},0]}}"#),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let moov_text = r.body["amounts"].as_str().expect("amounts").to_string();

    for t in [&text, &moov_text] {
        assert!(t.contains(huge), "{t}");
        for float in floats {
            assert!(!t.contains(float), "{t}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_shaped_nested_object_gets_a_message_for_people() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let moov = Caller {
        app: &app,
        key: &key,
    };
    let r = moov
        .post(
            "/accounts",
            r#"{"accountType":"individual","profile":{"individual":{"name":["Jane","Doe"]}}}"#,
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let text = r.body["error"]["profile"]["individual"]["name"]["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{:?}", r.body))
        .to_string();
    assert_eq!(text, "must be an object, not a list");
    let all = r.body.to_string();
    for internal in ["invalid length", "struct", "IndividualName", "elements"] {
        assert!(!all.contains(internal), "{all}");
    }
    let r = moov
        .post(
            "/accounts",
            r#"{"accountType":"individual","profile":{"individual":{"name":{"firstName":7}}}}"#,
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let text: Value = r.body["error"]["profile"]["individual"]["name"]["firstName"].clone();
    assert_eq!(
        text, "must be a string, not a whole number 7",
        "{:?}",
        r.body
    );
    app.stop().await;
}
