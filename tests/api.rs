//! The Moov-compatible API over HTTP: authentication, scopes, tenant isolation, validation
//! errors and request IDs.

mod common;

use common::{reply, Caller, TestApp};
use jiff::SignedDuration;
use pennydrop_core::model::Mode;
use pennydrop_core::Clock;
use serde_json::json;

async fn token(
    app: &TestApp,
    key: &pennydrop_engine::access::CreatedKey,
    scope: &str,
) -> common::Reply {
    reply(
        app.client
            .post(app.url("/oauth2/token"))
            .basic_auth(&key.public_key, Some(&key.secret_key))
            .json(&json!({"grant_type": "client_credentials", "scope": scope}))
            .send()
            .await
            .expect("send"),
    )
    .await
}

async fn bearer(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> common::Reply {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        request = request
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    reply(request.send().await.expect("send")).await
}

const LINK_BODY: &str = r#"{"account":{"holderName":"Jane Doe","holderType":"individual","accountNumber":"0004321567000","bankAccountType":"checking","routingNumber":"021000021"}}"#;

#[tokio::test]
async fn another_tenants_ids_answer_404_on_sqlite() {
    another_tenants_ids_answer_404(TestApp::sqlite().await).await;
}

#[tokio::test]
async fn another_tenants_ids_answer_404_on_postgres() {
    if let Some(app) = TestApp::postgres("another_tenants_ids_answer_404_on_postgres").await {
        another_tenants_ids_answer_404(app).await;
    }
}

async fn another_tenants_ids_answer_404(app: TestApp) {
    let key_a = app.tenant(Mode::Production).await;
    let key_b = app.tenant(Mode::Production).await;
    let a = Caller {
        app: &app,
        key: &key_a,
    };
    let b = Caller {
        app: &app,
        key: &key_b,
    };
    let account = a.create_account().await;
    let linked = a.link(&account, "0004321567000").await;
    assert_eq!(linked.status, 200);
    let bank_account = linked.body["bankAccountID"].as_str().unwrap().to_string();

    for r in [
        b.get(&format!("/accounts/{account}")).await,
        b.get(&format!("/accounts/{account}/bank-accounts")).await,
        b.get(&format!("/accounts/{account}/bank-accounts/{bank_account}"))
            .await,
        b.delete(&format!("/accounts/{account}/bank-accounts/{bank_account}"))
            .await,
        b.post(&format!("/accounts/{account}/bank-accounts"), LINK_BODY)
            .await,
        b.get(&format!("/accounts/{}", key_a.account_id)).await,
    ] {
        assert_eq!(r.status, 404, "{:?}", r.body);
        assert!(r.body["error"].as_str().unwrap().contains("not found"));
    }
    // Tenant B's listing holds only its own facilitator account.
    let listed = b.get("/accounts").await;
    let ids: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["accountID"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![key_b.account_id.to_string()]);
    // A's bank account is untouched by B's attempts.
    assert_eq!(
        a.get(&format!("/accounts/{account}/bank-accounts/{bank_account}"))
            .await
            .status,
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn read_only_token_gets_403_on_link_and_disable_on_sqlite() {
    read_only_token_gets_403_on_link_and_disable(TestApp::sqlite().await).await;
}

#[tokio::test]
async fn read_only_token_gets_403_on_link_and_disable_on_postgres() {
    if let Some(app) =
        TestApp::postgres("read_only_token_gets_403_on_link_and_disable_on_postgres").await
    {
        read_only_token_gets_403_on_link_and_disable(app).await;
    }
}

async fn read_only_token_gets_403_on_link_and_disable(app: TestApp) {
    let key = app.tenant(Mode::Production).await;
    let caller = Caller {
        app: &app,
        key: &key,
    };
    let account = caller.create_account().await;
    let bank_account = caller.link(&account, "0004321567000").await.body["bankAccountID"]
        .as_str()
        .unwrap()
        .to_string();

    let t = token(
        &app,
        &key,
        &format!("/accounts/{account}/bank-accounts.read"),
    )
    .await;
    assert_eq!(t.status, 200, "{:?}", t.body);
    assert_eq!(t.body["token_type"], "Bearer");
    assert_eq!(t.body["expires_in"], 3600);
    assert_eq!(
        t.body["scope"],
        format!("/accounts/{account}/bank-accounts.read")
    );
    let read_token = t.body["access_token"].as_str().unwrap().to_string();

    let list = bearer(
        &app,
        reqwest::Method::GET,
        &format!("/accounts/{account}/bank-accounts"),
        &read_token,
        None,
    )
    .await;
    assert_eq!(list.status, 200);
    let link = bearer(
        &app,
        reqwest::Method::POST,
        &format!("/accounts/{account}/bank-accounts"),
        &read_token,
        Some(LINK_BODY),
    )
    .await;
    assert_eq!(link.status, 403, "{:?}", link.body);
    assert!(link.body["error"]
        .as_str()
        .unwrap()
        .contains("bank-accounts.write"));
    let disable = bearer(
        &app,
        reqwest::Method::DELETE,
        &format!("/accounts/{account}/bank-accounts/{bank_account}"),
        &read_token,
        None,
    )
    .await;
    assert_eq!(disable.status, 403);
    // The token carries only its scopes: no account creation, no other scopes.
    let create = bearer(
        &app,
        reqwest::Method::POST,
        "/accounts",
        &read_token,
        Some("{}"),
    )
    .await;
    assert_eq!(create.status, 403);

    // A write token can link and disable.
    let w = token(
        &app,
        &key,
        &format!("/accounts/{account}/bank-accounts.write /accounts/{account}/bank-accounts.read"),
    )
    .await;
    let write_token = w.body["access_token"].as_str().unwrap().to_string();
    let disable = bearer(
        &app,
        reqwest::Method::DELETE,
        &format!("/accounts/{account}/bank-accounts/{bank_account}"),
        &write_token,
        None,
    )
    .await;
    assert_eq!(disable.status, 204);
    app.stop().await;
}

#[tokio::test]
async fn tokens_expire_and_die_with_their_key() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let t = token(&app, &key, "/accounts.read").await;
    let access = t.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        bearer(&app, reqwest::Method::GET, "/accounts", &access, None)
            .await
            .status,
        200
    );

    app.clock.advance(SignedDuration::from_secs(3599));
    assert_eq!(
        bearer(&app, reqwest::Method::GET, "/accounts", &access, None)
            .await
            .status,
        200
    );
    app.clock.advance(SignedDuration::from_secs(1));
    let expired = bearer(&app, reqwest::Method::GET, "/accounts", &access, None).await;
    assert_eq!(expired.status, 401);
    assert!(expired.request_id.is_some());

    let t = token(&app, &key, "/accounts.read").await;
    let fresh = t.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        bearer(&app, reqwest::Method::GET, "/accounts", &fresh, None)
            .await
            .status,
        200
    );
    app.store
        .revoke_api_key(&key.public_key, app.clock.now())
        .await
        .unwrap();
    assert_eq!(
        bearer(&app, reqwest::Method::GET, "/accounts", &fresh, None)
            .await
            .status,
        401
    );
    let caller = Caller {
        app: &app,
        key: &key,
    };
    assert_eq!(
        caller.get("/accounts").await.status,
        401,
        "a revoked key fails Basic auth too"
    );
    app.stop().await;
}

#[tokio::test]
async fn token_requests_are_checked() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let other = app.tenant(Mode::Production).await;

    // Form-encoded with credentials in the body works too.
    let form = reply(
        app.client
            .post(app.url("/oauth2/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=client_credentials&client_id={}&client_secret={}&scope=%2Faccounts.read+%2Fping.read",
                key.public_key, key.secret_key
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(form.status, 200, "{:?}", form.body);
    assert_eq!(form.body["scope"], "/accounts.read /ping.read");

    let unknown = token(&app, &key, "/transfers.write").await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body["scope"]
        .as_str()
        .unwrap()
        .contains("/transfers.write"));
    let foreign = token(
        &app,
        &key,
        &format!("/accounts/{}/bank-accounts.read", other.account_id),
    )
    .await;
    assert_eq!(foreign.status, 422);
    let missing = token(&app, &key, "").await;
    assert_eq!(missing.status, 422);

    let wrong_secret = reply(
        app.client
            .post(app.url("/oauth2/token"))
            .basic_auth(&key.public_key, Some("nope"))
            .json(&json!({"grant_type": "client_credentials", "scope": "/accounts.read"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(wrong_secret.status, 401);
    let bad_grant = reply(
        app.client
            .post(app.url("/oauth2/token"))
            .basic_auth(&key.public_key, Some(&key.secret_key))
            .json(&json!({"grant_type": "password"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bad_grant.status, 400);
    assert!(bad_grant.body["error"]
        .as_str()
        .unwrap()
        .contains("grant_type"));
    app.stop().await;
}

#[tokio::test]
async fn bad_input_gets_the_right_status_a_useful_message_and_a_request_id() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let caller = Caller {
        app: &app,
        key: &key,
    };
    let account = caller.create_account().await;
    let path = format!("/accounts/{account}/bank-accounts");
    let link = |routing: &str, number: &str, holder_type: &str| {
        json!({"account": {"holderName": "Jane Doe", "holderType": holder_type, "accountNumber": number,
            "bankAccountType": "checking", "routingNumber": routing}})
        .to_string()
    };

    let cases = [
        (
            link("021000022", "0004321567000", "individual"),
            422,
            "routingNumber",
            "check digit",
        ),
        (
            link("021000021", "123", "individual"),
            422,
            "accountNumber",
            "4 to 17 digits",
        ),
        (
            link("021000021", "0004321567000", "robot"),
            422,
            "holderType",
            "individual, business, guest",
        ),
        (
            r#"{"account": {"holderName": "#.to_string(),
            400,
            "malformed JSON",
            "",
        ),
        (
            r#"{"plaid": {"token": "x"}}"#.to_string(),
            422,
            "not supported",
            "",
        ),
        (
            r#"{"account": {"holderName": 5}}"#.to_string(),
            422,
            "account.holderName",
            "string",
        ),
        ("{}".to_string(), 422, "account", ""),
    ];
    for (body, status, needle, needle2) in cases {
        let r = caller.post(&path, &body).await;
        assert_eq!(r.status, status, "{body}: {:?}", r.body);
        let text = r.body.to_string();
        assert!(
            text.contains(needle) && text.contains(needle2),
            "{body}: {text}"
        );
        assert!(
            !text.contains("0004321567000"),
            "messages never echo the account number"
        );
        let id = r.request_id.expect("x-request-id on errors");
        assert!(uuid::Uuid::parse_str(&id).is_ok());
    }
    // 422 bodies use BankAccountValidationError's field names.
    let r = caller
        .post(&path, &link("021000022", "0004321567000", "individual"))
        .await;
    assert!(r.body["account"].is_string());
    let r = caller
        .post(&path, r#"{"mx": {"authorizationCode": "x"}}"#)
        .await;
    assert!(r.body["mx"].as_str().unwrap().contains("not supported"));

    // Unknown and malformed IDs.
    let unknown = uuid::Uuid::new_v4();
    for p in [
        format!("/accounts/{unknown}"),
        format!("/accounts/{unknown}/bank-accounts"),
        format!("/accounts/{account}/bank-accounts/{unknown}"),
        "/accounts/not-a-uuid".to_string(),
        "/nowhere".to_string(),
    ] {
        let r = caller.get(&p).await;
        assert_eq!(r.status, 404, "{p}");
        assert!(r.body["error"].is_string());
        assert!(r.request_id.is_some());
    }

    // Account creation errors nest under "error" like Moov's CreateAccountError.
    let r = caller.post("/accounts", r#"{"accountType":"individual","profile":{"individual":{"name":{"firstName":"Jane"}}}}"#).await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.body["error"]["profile"]["individual"]["name"]["lastName"],
        "is required"
    );
    let r = caller
        .post("/accounts", r#"{"accountType":"robot","profile":{}}"#)
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body["error"]["accountType"]
        .as_str()
        .unwrap()
        .contains("\"robot\" is not one of individual"));
    let r = caller.get("/accounts?count=abc").await;
    assert_eq!(r.status, 400);
    assert!(r.body["error"].as_str().unwrap().contains("count"));
    app.stop().await;
}

#[tokio::test]
async fn request_ids_are_echoed_when_they_are_uuids() {
    let app = TestApp::sqlite().await;
    let mine = uuid::Uuid::new_v4().to_string();
    let r = reply(
        app.client
            .get(app.url("/health"))
            .header("x-request-id", &mine)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.request_id.as_deref(), Some(mine.as_str()));
    let r = reply(
        app.client
            .get(app.url("/ping"))
            .header("x-request-id", "not-a-uuid")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 401);
    let id = r.request_id.unwrap();
    assert_ne!(id, "not-a-uuid");
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    app.stop().await;
}

#[tokio::test]
async fn accounts_page_with_count_and_skip_and_relinking_is_idempotent() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let caller = Caller {
        app: &app,
        key: &key,
    };
    let mut ids = vec![key.account_id.to_string()];
    for _ in 0..4 {
        app.clock.advance(SignedDuration::from_secs(1));
        ids.push(caller.create_account().await);
    }
    let page = caller.get("/accounts?count=2&skip=1").await;
    let got: Vec<&str> = page
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["accountID"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        ids[1..3].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let by_foreign = caller.get("/accounts?foreignID=u-1").await;
    assert_eq!(by_foreign.body.as_array().unwrap().len(), 4);

    let account = &ids[1];
    let first = caller.link(account, "0004321567000").await;
    let second = caller.link(account, "0004321567000").await;
    assert_eq!(first.body["bankAccountID"], second.body["bankAccountID"]);
    assert_eq!(first.body["fingerprint"].as_str().unwrap().len(), 64);
    assert_eq!(first.body["bankName"], "JPMORGAN CHASE BANK, NA");
    assert_eq!(first.body["lastFourAccountNumber"], "7000");
    assert_eq!(first.body["status"], "new");
    assert_eq!(first.body["statusReason"], "bank-account-created");
    app.stop().await;
}

#[tokio::test]
async fn unknown_routing_numbers_get_an_empty_bank_name_with_the_bundled_directory() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let caller = Caller {
        app: &app,
        key: &key,
    };
    let account = caller.create_account().await;
    // 231380104 is in the sample; 011000028 (valid check digit) is not.
    let body = json!({"account": {"holderName": "J", "holderType": "business", "accountNumber": "12345678",
        "bankAccountType": "savings", "routingNumber": "011000028"}});
    let r = caller
        .post(
            &format!("/accounts/{account}/bank-accounts"),
            &body.to_string(),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["bankName"], "");
    app.stop().await;
}

#[tokio::test]
async fn ping_checks_credentials_and_health_checks_the_database() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let caller = Caller {
        app: &app,
        key: &key,
    };
    assert_eq!(caller.get("/ping").await.status, 200);
    let health = reply(app.client.get(app.url("/health")).send().await.unwrap()).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["database"], "ok");
    app.stop().await;
}

#[tokio::test]
async fn an_operator_supplied_directory_is_authoritative() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("FedACHdir.txt");
    // Only the JPMorgan line of the bundled sample.
    let line = pennydrop_core::directory::BUNDLED_SAMPLE
        .lines()
        .find(|l| l.starts_with("021000021"))
        .unwrap();
    std::fs::write(&path, format!("{line}\n")).unwrap();
    let app = TestApp::sqlite_with(|c| c.fedach_directory = Some(path.clone())).await;
    let key = app.tenant(Mode::Production).await;
    let caller = Caller {
        app: &app,
        key: &key,
    };
    let account = caller.create_account().await;
    assert_eq!(caller.link(&account, "12345678").await.status, 200);
    let body = json!({"account": {"holderName": "J", "holderType": "individual", "accountNumber": "12345678",
        "bankAccountType": "checking", "routingNumber": "026009593"}});
    let r = caller
        .post(
            &format!("/accounts/{account}/bank-accounts"),
            &body.to_string(),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body["account"]
        .as_str()
        .unwrap()
        .contains("not in the FedACH participant directory"));
    app.stop().await;
}

/// `{account_id}` and `{accountID}` are the same path for this comparison.
fn normalize(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let app = TestApp::sqlite().await;
    let r = reply(
        app.client
            .get(app.url("/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["openapi"], "3.0.3");
    let documented: std::collections::BTreeSet<String> = r.body["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(|p| normalize(p))
        .collect();
    // Every path literal registered with `.route(` in the API crate must be documented.
    let mut routes = Vec::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/api/src/dialects");
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let mut rest = text.as_str();
            while let Some(i) = rest.find(".route(") {
                rest = &rest[i + 7..];
                let start = rest.find('"').unwrap() + 1;
                let end = start + rest[start..].find('"').unwrap();
                routes.push(rest[start..end].to_string());
            }
        }
    }
    assert!(routes.len() > 30, "{routes:?}");
    for route in &routes {
        assert!(
            documented.contains(&normalize(route)),
            "{route} is not in openapi.json"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn simulated_statements_are_only_for_the_tenant_that_linked_the_account() {
    let app = TestApp::sqlite().await;
    let owner = app.tenant(Mode::Production).await;
    let other = app.tenant(Mode::Production).await;
    let sandbox = app.tenant(Mode::Sandbox).await;
    let operator = app.operator().await;
    let a = Caller {
        app: &app,
        key: &owner,
    };
    let (account, bank) = a.account_with_bank("021000021", "99887766").await;
    let r = a
        .post_with(
            &format!("/accounts/{account}/bank-accounts/{bank}/verify"),
            ("x-wait-for", "rail-response"),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let path = "/simulator/accounts/021000021/99887766/transactions";
    let seen = a.get(path).await;
    assert_eq!(seen.status, 200, "{:?}", seen.body);
    assert!(
        seen.body["transactions"]
            .as_array()
            .is_some_and(|t| !t.is_empty()),
        "the owner sees the verification credit: {:?}",
        seen.body
    );

    let ops = Caller {
        app: &app,
        key: &operator,
    };
    assert_eq!(ops.get(path).await.status, 200, "an operator may look");
    for key in [&other, &sandbox] {
        let r = Caller { app: &app, key }.get(path).await;
        assert_eq!(r.status, 404, "{:?}", r.body);
        assert!(r.body.get("transactions").is_none());
    }
    // The owner's own token, scoped to another of its accounts, sees nothing either.
    let elsewhere = a.create_account().await;
    let scoped = token(
        &app,
        &owner,
        &format!("/accounts/{elsewhere}/bank-accounts.read"),
    )
    .await;
    assert_eq!(scoped.status, 200, "{:?}", scoped.body);
    let t = scoped.body["access_token"].as_str().unwrap();
    let r = bearer(&app, reqwest::Method::GET, path, t, None).await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    let right = token(
        &app,
        &owner,
        &format!("/accounts/{account}/bank-accounts.read"),
    )
    .await;
    let t = right.body["access_token"].as_str().unwrap();
    let r = bearer(&app, reqwest::Method::GET, path, t, None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    app.stop().await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::sqlite_with(|c| {
        c.limits.header_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    let address = app.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /ping HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    // The server closes the connection (perhaps after a 408); the bound only keeps a broken
    // server from hanging the suite.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        stream.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "the connection is still open");
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "no answer but a timeout: {text}"
    );
    // The server itself is fine.
    let ok = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn a_tenant_over_its_rate_limit_gets_429_with_retry_after_in_every_dialect() {
    let app = TestApp::sqlite_with(|c| {
        c.engine.rate_limits = pennydrop_engine::limits::RateLimits::default();
    })
    .await;
    let key = app.tenant(Mode::Sandbox).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..100 {
        let r = app
            .client
            .get(app.url("/ping"))
            .basic_auth(&key.public_key, Some(&key.secret_key))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            retry_after = r.headers().get("retry-after").cloned();
        }
        statuses.push(r.status().as_u16());
    }
    let passed = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(
        passed, 10,
        "a sandbox tenant gets 10 requests a second: {statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 90);
    assert_eq!(retry_after.unwrap().to_str().unwrap(), "1");
    // The MX and Finicity doors share the same limit, in their own shapes.
    let mx = reply(
        app.client
            .get(app.url("/users"))
            .basic_auth(&key.public_key, Some(&key.secret_key))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(mx.status, 429, "{:?}", mx.body);
    assert!(mx.body["error"]["message"].is_string(), "{:?}", mx.body);
    let finicity = reply(
        app.client
            .post(app.url("/aggregation/v2/partners/authentication"))
            .header("Finicity-App-Key", &key.public_key)
            .json(&json!({"partnerId": key.public_key, "partnerSecret": key.secret_key}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(finicity.status, 429, "{:?}", finicity.body);
    assert_eq!(finicity.body["code"], "3300001");
    // A second later the tenant passes again; another tenant was never affected.
    app.clock.advance(SignedDuration::from_secs(1));
    assert_eq!(c.get("/ping").await.status, 200);
    let other = app.tenant(Mode::Sandbox).await;
    let o = Caller {
        app: &app,
        key: &other,
    };
    assert_eq!(o.get("/ping").await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn repeated_wrong_secrets_lock_the_key_out() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let wrong = |secret: &'static str| {
        let app = &app;
        let public = key.public_key.clone();
        async move {
            app.client
                .get(app.url("/ping"))
                .basic_auth(public, Some(secret))
                .send()
                .await
                .unwrap()
        }
    };
    let limits = pennydrop_engine::limits::RateLimits::default();
    for _ in 0..=limits.failures_allowed {
        assert_eq!(wrong("pdsk_wrong").await.status(), 401);
    }
    let locked = wrong("pdsk_wrong").await;
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().contains_key("retry-after"));
    let c = Caller {
        app: &app,
        key: &key,
    };
    assert_eq!(
        c.get("/ping").await.status,
        429,
        "even the right secret waits"
    );
    app.clock.advance(limits.lockout);
    assert_eq!(c.get("/ping").await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn failures_across_many_keys_from_one_address_lock_the_address_out() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let limits = pennydrop_engine::limits::RateLimits::default();
    // A prober spraying public keys: each key fails once, the address many times.
    for i in 0..=limits.failures_allowed {
        let r = app
            .client
            .get(app.url("/ping"))
            .basic_auth(format!("pdpk_guess{i}"), Some("pdsk_guess"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    // From that address even a valid key waits now (all test clients share 127.0.0.1).
    let c = Caller {
        app: &app,
        key: &key,
    };
    let r = c.get("/ping").await;
    assert_eq!(r.status, 429, "{:?}", r.body);
    app.clock.advance(limits.lockout);
    assert_eq!(c.get("/ping").await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn guessed_tokens_lock_the_address_out_on_every_token_door() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let limits = pennydrop_engine::limits::RateLimits::default();
    // Each door that takes a token: a Moov bearer token, a Finicity app token, an MX session.
    let doors: [(&str, &str, &str); 3] = [
        ("/accounts", "authorization", "Bearer pdat_guess"),
        (
            "/microentry/v1/customers/c-1/accounts/a-1",
            "finicity-app-token",
            "guess",
        ),
        ("/micro_deposits", "md-session-token", "guess"),
    ];
    for (path, header, value) in doors {
        let app_for_door = TestApp::sqlite().await;
        for i in 0..=limits.failures_allowed {
            let r = app_for_door
                .client
                .get(app_for_door.url(path))
                .header(header, format!("{value}{i}"))
                .header("finicity-app-key", "pdpk_any")
                .header("accept", "application/vnd.mx.nexus.v1+json")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401, "{path} guess {i}");
        }
        let r = app_for_door
            .client
            .get(app_for_door.url(path))
            .header(header, format!("{value}-again"))
            .header("finicity-app-key", "pdpk_any")
            .header("accept", "application/vnd.mx.nexus.v1+json")
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            429,
            "{path}: the guessing address is locked out"
        );
        assert!(r.headers().contains_key("retry-after"), "{path}");
        app_for_door.stop().await;
    }
    // A client elsewhere, with a real key, is not affected.
    let c = Caller {
        app: &app,
        key: &key,
    };
    assert_eq!(c.get("/ping").await.status, 200);
    app.stop().await;
}

/// A database that answers but refuses writes (here a PostgreSQL database turned read-only, as
/// a standby after a failover is) makes `/health` not ready, naming why.
#[tokio::test]
async fn health_is_not_ready_when_the_database_cannot_be_written() {
    let Some(app) =
        TestApp::postgres("health_is_not_ready_when_the_database_cannot_be_written").await
    else {
        return;
    };
    let health = reply(app.client.get(app.url("/health")).send().await.unwrap()).await;
    assert_eq!(health.status, 200, "{:?}", health.body);
    app.sql("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = on', current_database()); END $$")
        .await;
    // The server's connections were opened read-write; new ones will be read-only.
    app.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let health = loop {
        let health = reply(app.client.get(app.url("/health")).send().await.unwrap()).await;
        if health.body["database"] == "read-only" || std::time::Instant::now() > deadline {
            break health;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(health.status, 503, "{:?}", health.body);
    assert_eq!(health.body["database"], "read-only");
    assert_eq!(health.body["status"], "unavailable");
    app.stop().await;
}
