//! The operator console (docs/console.md): in a real browser an operator signs in, sees a file
//! after a cutoff, downloads it, finds a bank account by last four, replays a webhook
//! delivery, resumes a paused tenant, creates and revokes a key, and signs out, with axe-core
//! and screenshots on every page. Over plain HTTP: a request without the session or without
//! the CSRF token is refused, the cookie's attributes, the idle expiry on the manual clock,
//! and that only operator keys sign in.

mod common;

use axum::body::Bytes;
use axum::http::StatusCode;
use common::browser::Browser;
use common::{Caller, TestApp};
use jiff::SignedDuration;
use pennydrop_core::model::Mode;
use pennydrop_engine::access::CreatedKey;
use pennydrop_engine::webhooks::NetworkPolicy;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs in over HTTP: the answer (303 with the cookie, or the refusal).
async fn sign_in(app: &TestApp, key: &CreatedKey, proto: Option<&str>) -> reqwest::Response {
    let mut r = client()
        .post(app.url("/console/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "public_key={}&secret_key={}",
            key.public_key, key.secret_key
        ));
    if let Some(p) = proto {
        r = r.header("x-forwarded-proto", p);
    }
    r.send().await.unwrap()
}

fn set_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// `pd_console=...` from a Set-Cookie value.
fn cookie_pair(set: &str) -> String {
    set.split(';').next().unwrap().to_string()
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> (u16, String, String) {
    let r = client()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

async fn post(app: &TestApp, path: &str, cookie: &str, form: &str) -> (u16, String) {
    let r = client()
        .post(app.url(path))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The CSRF token in a console page's forms.
fn csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn without_a_session_or_its_csrf_token_the_console_refuses() {
    let app = TestApp::sqlite().await;
    let tenant = app.tenant(Mode::Sandbox).await;
    let operator = app.operator().await;

    let (status, location, _) = get(&app, "/console/files", "").await;
    assert_eq!((status, location.as_str()), (303, "/console/login"));
    let revoke = format!("public_key={}", tenant.public_key);
    assert_eq!(post(&app, "/console/keys/revoke", "", &revoke).await.0, 403);
    let forged = "pd_console=pdcs_forged";
    assert_eq!(
        post(&app, "/console/keys/revoke", forged, &revoke).await.0,
        403
    );

    let signed = sign_in(&app, &operator, None).await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let cookie = cookie_pair(&set_cookie(&signed));
    let (status, _, html) = get(&app, "/console", &cookie).await;
    assert_eq!(status, 200, "{html}");
    let token = csrf(&html);
    for form in [revoke.clone(), format!("{revoke}&csrf=wrong")] {
        let (status, html) = post(&app, "/console/keys/revoke", &cookie, &form).await;
        assert_eq!(status, 403, "{html}");
        assert!(html.contains("security token"), "{html}");
    }
    let c = Caller {
        app: &app,
        key: &tenant,
    };
    assert_eq!(c.get("/accounts").await.status, 200, "the key still works");

    let (status, _) = post(
        &app,
        "/console/keys/revoke",
        &cookie,
        &format!("{revoke}&csrf={token}"),
    )
    .await;
    assert_eq!(status, 303, "with the token the same form works");
    assert_eq!(c.get("/accounts").await.status, 401, "revoked");
    app.stop().await;
}

#[tokio::test]
async fn the_cookie_is_http_only_strict_and_secure_behind_tls() {
    let app = TestApp::sqlite().await;
    let operator = app.operator().await;
    let plain = set_cookie(&sign_in(&app, &operator, None).await);
    assert!(plain.starts_with("pd_console=pdcs_"), "{plain}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(plain.contains(attribute), "{plain} lacks {attribute}");
    }
    assert!(!plain.contains("Secure"), "{plain}");
    let tls = set_cookie(&sign_in(&app, &operator, Some("https")).await);
    assert!(tls.contains("; Secure"), "{tls}");
    app.stop().await;
}

#[tokio::test]
async fn only_operator_keys_sign_in_and_failures_count_towards_the_lockout() {
    let app = TestApp::sqlite().await;
    let tenant = app.tenant(Mode::Production).await;
    let refused = sign_in(&app, &tenant, None).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&refused).is_empty());
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("not an operator key"));

    let operator = app.operator().await;
    let wrong = CreatedKey {
        secret_key: "pdsk_wrong".into(),
        ..operator.clone()
    };
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(sign_in(&app, &wrong, None).await.status().as_u16());
    }
    assert_eq!(statuses[0], 401);
    assert_eq!(
        statuses.last(),
        Some(&429),
        "wrong secrets lock the key out: {statuses:?}"
    );
    assert_eq!(
        sign_in(&app, &operator, None).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right secret, while locked out"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_session_slides_expires_when_idle_and_ends_at_sign_out() {
    let app = TestApp::sqlite().await;
    let operator = app.operator().await;
    let cookie = cookie_pair(&set_cookie(&sign_in(&app, &operator, None).await));
    app.clock.advance(SignedDuration::from_mins(20));
    assert_eq!(get(&app, "/console", &cookie).await.0, 200);
    app.clock.advance(SignedDuration::from_mins(20));
    assert_eq!(get(&app, "/console", &cookie).await.0, 200, "slid on use");
    app.clock.advance(SignedDuration::from_mins(31));
    let (status, location, _) = get(&app, "/console", &cookie).await;
    assert_eq!((status, location.as_str()), (303, "/console/login"));

    let cookie = cookie_pair(&set_cookie(&sign_in(&app, &operator, None).await));
    let (_, _, html) = get(&app, "/console", &cookie).await;
    let r = client()
        .post(app.url("/console/logout"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={}", csrf(&html)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie(&r).contains("Max-Age=0"));
    assert_eq!(get(&app, "/console", &cookie).await.0, 303, "ended");
    app.stop().await;
}

/// A webhook receiver on loopback that counts what it gets.
async fn receiver() -> (String, Arc<AtomicUsize>) {
    let got = Arc::new(AtomicUsize::new(0));
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |_body: Bytes| {
            let g = g.clone();
            async move {
                g.fetch_add(1, Ordering::SeqCst);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

/// The page's text, or None while the browser is between pages (a stale body).
async fn settled_text(browser: &Browser) -> Option<String> {
    let body = browser
        .client
        .find(fantoccini::Locator::Css("body"))
        .await
        .ok()?;
    body.text().await.ok()
}

/// Waits until the page shows `needle` (after a click that submits a form).
async fn until(browser: &Browser, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Some(text) = settled_text(browser).await {
            if text.contains(needle) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never showed {needle:?}: {last}");
}

async fn deliver(app: &TestApp) {
    for _ in 0..20 {
        if app.state.engine.deliver_due_webhooks("test").await.unwrap() == 0 {
            return;
        }
    }
}

/// A production tenant with a bank account whose micro-deposits went out in a file, a webhook
/// that received the events, and a pause on the tenant.
struct Day {
    tenant: CreatedKey,
    operator: CreatedKey,
    bank: String,
    file_name: String,
    hooks: Arc<AtomicUsize>,
}

async fn a_day(app: &TestApp) -> Day {
    let tenant = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let (url, hooks) = receiver().await;
    let c = Caller { app, key: &tenant };
    let hook = c
        .post(
            "/webhooks",
            &json!({"url": url, "status": "enabled", "eventTypes": ["*"]}).to_string(),
        )
        .await;
    assert_eq!(hook.status, 201, "{:?}", hook.body);
    let (account, bank) = c.account_with_bank("231380104", "55667788").await;
    c.initiate_micro_deposits(&account, &bank).await;
    // The simulated bank returns this one R03 (tests/ach.rs).
    let (returned, returned_bank) = c.account_with_bank("231380104", "3000000003").await;
    c.initiate_micro_deposits(&returned, &returned_bank).await;
    let ops = Caller {
        app,
        key: &operator,
    };
    let cutoff = ops.post("/admin/ach/cutoffs", "").await;
    assert_eq!(cutoff.status, 200, "{:?}", cutoff.body);
    let file_name = cutoff.body["files"][0]["fileName"]
        .as_str()
        .unwrap()
        .to_string();
    deliver(app).await;
    assert!(hooks.load(Ordering::SeqCst) > 0, "events were delivered");
    // The returns may have paused the tenant already (docs/risk.md); either way it is paused.
    let _ = app
        .state
        .engine
        .pause_tenant("test", tenant.account_id, "a test pause")
        .await;
    Day {
        tenant,
        operator,
        bank,
        file_name,
        hooks,
    }
}

/// The NACHA text through the browser's own session cookie.
async fn download(app: &TestApp, browser: &Browser, path: &str) -> String {
    let cookie = browser.client.get_named_cookie("pd_console").await.unwrap();
    let r = client()
        .get(app.url(path))
        .header("cookie", format!("pd_console={}", cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    r.text().await.unwrap()
}

#[tokio::test]
async fn an_operator_runs_the_day_in_the_browser() {
    let app = TestApp::sqlite_with(|c| {
        c.webhook_worker = false;
        c.engine.webhook_networks = NetworkPolicy {
            allow: NetworkPolicy::parse_list("127.0.0.0/8").unwrap(),
            deny: vec![],
        };
    })
    .await;
    let day = a_day(&app).await;
    let browser = Browser::start().await;

    browser.goto(&app.url("/console")).await;
    until(&browser, "Sign in").await;
    browser.check("console-login").await;
    browser.fill("#public_key", &day.operator.public_key).await;
    browser.fill("#secret_key", &day.operator.secret_key).await;
    browser.click("form[action='/console/login'] button").await;
    until(&browser, "Return rate per tenant").await;
    browser.check("console-overview").await;

    browser.goto(&app.url("/console/files")).await;
    until(&browser, &day.file_name).await;
    browser.check("console-files").await;
    browser.click("td a[href^='/console/files/']").await;
    let text = until(&browser, "Entries").await;
    assert!(text.contains("••••7788"), "{text}");
    assert!(text.contains("ACCTVERIFY"), "the batch header: {text}");
    assert!(!text.contains("55667788"), "never the full number");
    browser.check("console-file").await;
    let href = browser
        .client
        .find(fantoccini::Locator::Css("a[download]"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let nacha = download(&app, &browser, &href).await;
    assert!(nacha.starts_with("101"), "{nacha}");

    browser.goto(&app.url("/console/lookup?q=55667788")).await;
    let text = until(&browser, "Type a bank account ID").await;
    let source = browser.client.source().await.unwrap();
    assert!(!text.contains("55667788") && !source.contains("55667788"));
    browser.goto(&app.url("/console/lookup")).await;
    browser.fill("#q", "7788").await;
    browser.click("form[action='/console/lookup'] button").await;
    let text = until(&browser, "1 found").await;
    assert!(
        text.contains(&day.bank) && text.contains("••••7788"),
        "{text}"
    );
    browser.check("console-lookup").await;

    browser.goto(&app.url("/console/inbound")).await;
    let text = until(&browser, "Inbound files").await;
    assert!(text.contains("R03"), "{text}");
    browser.check("console-inbound").await;

    browser.goto(&app.url("/console/webhooks")).await;
    until(&browser, "Webhook deliveries").await;
    browser.check("console-webhooks").await;
    let before = day.hooks.load(Ordering::SeqCst);
    browser
        .click("form[action='/console/webhooks/replay'] button")
        .await;
    until(&browser, "queued again").await;
    deliver(&app).await;
    assert_eq!(
        day.hooks.load(Ordering::SeqCst),
        before + 1,
        "replayed once"
    );

    browser.goto(&app.url("/console/risk")).await;
    until(&browser, "paused since").await;
    browser.check("console-risk").await;
    browser.fill("#reason-1", "reviewed the returns").await;
    browser
        .click("form[action='/console/risk/resume'] button")
        .await;
    until(&browser, "No tenant is paused").await;

    browser.goto(&app.url("/console/keys")).await;
    until(&browser, "Create a key").await;
    browser.check("console-keys").await;
    let revoke = format!("button[aria-label='Revoke {}']", day.tenant.public_key);
    browser.click(&revoke).await;
    until(&browser, "The key is revoked").await;
    let c = Caller {
        app: &app,
        key: &day.tenant,
    };
    assert_eq!(c.get("/accounts").await.status, 401, "revoked");
    browser.fill("#key-name", "reporting").await;
    browser.click("form[action='/console/keys'] button").await;
    until(&browser, "Key created").await;
    browser.check("console-key-created").await;

    browser.click("#sign-out").await;
    until(&browser, "Secret key").await;
    browser.goto(&app.url("/console/keys")).await;
    until(&browser, "Secret key").await;
    browser.quit().await;
    app.stop().await;
}
