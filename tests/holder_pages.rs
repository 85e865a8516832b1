//! The holder page in a real browser (docs/pages.md): sandbox and production micro-deposits,
//! an instant code, a wrong pair with the attempts left, the locked page past the rounds limit,
//! the expiry page for expired and revoked links, collect mode, Spanish; axe-core and
//! screenshots on each page. Plus plain HTTP checks of the CSRF tag and revocation.

mod common;

use common::browser::Browser;
use common::{Caller, TestApp};
use jiff::SignedDuration;
use pennydrop_core::model::Mode;
use serde_json::Value;

const ACH_ROUTING: &str = "231380104";
const INSTANT_ROUTING: &str = "021000021";

async fn link(c: &Caller<'_>, account: &str, bank: &str) -> String {
    let r = c
        .post(
            &format!("/accounts/{account}/bank-accounts/{bank}/verification-links"),
            "",
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["url"].as_str().expect("url").to_string()
}

fn dollars(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn amounts_from(statement: &Value) -> Vec<i64> {
    statement["transactions"]
        .as_array()
        .expect("transactions")
        .iter()
        .filter(|t| t["direction"] == "credit" && t["description"] == "ACCTVERIFY")
        .filter_map(|t| t["amountCents"].as_i64())
        .collect()
}

async fn answer(browser: &Browser, a: &str, b: &str) {
    browser.fill("#amount1", a).await;
    browser.fill("#amount2", b).await;
    browser.click("form[action$='/amounts'] button").await;
}

#[tokio::test]
async fn a_holder_verifies_through_the_page() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let branding = c
        .put(
            "/branding",
            r##"{"companyName": "Acme Pay", "brandColor": "#1b4d3e", "supportContact": "help@acme.example"}"##,
        )
        .await;
    assert_eq!(branding.status, 200, "{:?}", branding.body);
    let browser = Browser::start().await;

    // Sandbox micro-deposits: a wrong pair first, then 0.00 and $0.00.
    let (account, bank) = c.account_with_bank(ACH_ROUTING, "11112222").await;
    c.initiate_micro_deposits(&account, &bank).await;
    let url = link(&c, &account, &bank).await;
    browser.goto(&url).await;
    let text = browser.text().await;
    assert!(text.contains("Acme Pay"), "{text}");
    assert!(text.contains("ending in 2222"), "{text}");
    assert!(!text.contains("11112222"), "only the last four: {text}");
    assert!(text.contains("described ACCTVERIFY"), "{text}");
    assert!(text.contains("by "), "{text}");
    browser.check("holder-deposits").await;
    answer(&browser, "0.12", ".13").await;
    let text = browser.text().await;
    assert!(text.contains("don't match"), "{text}");
    assert!(text.contains("Attempts left: 2"), "{text}");
    browser.check("holder-wrong-pair").await;
    browser.goto(&format!("{url}?lang=es")).await;
    let text = browser.text().await;
    assert!(
        text.contains("Monto 1") && text.contains("ACCTVERIFY"),
        "{text}"
    );
    browser.check("holder-spanish").await;
    browser.goto(&url).await;
    answer(&browser, "0.00", "$0.00").await;
    assert!(browser.text().await.contains("Bank account verified"));
    browser.check("holder-verified").await;

    // An instant code, typed without its MV.
    let (account, bank) = c.account_with_bank(INSTANT_ROUTING, "12345678").await;
    let started = c
        .post_with(
            &format!("/accounts/{account}/bank-accounts/{bank}/verify"),
            ("x-wait-for", "rail-response"),
        )
        .await;
    assert!(started.status < 300, "{started:?}");
    browser.goto(&link(&c, &account, &bank).await).await;
    assert!(browser.text().await.contains("Code"));
    browser.check("holder-code").await;
    browser.fill("#code", "0001").await;
    browser.click("form[action$='/code'] button").await;
    assert!(browser.text().await.contains("Bank account verified"));

    // No round yet: the holder starts micro-deposits from the page.
    let (account, bank) = c.account_with_bank(ACH_ROUTING, "33334444").await;
    browser.goto(&link(&c, &account, &bank).await).await;
    browser.check("holder-start").await;
    browser.click("form[action$='/start'] button").await;
    assert!(browser.text().await.contains("Amount 1"));

    // Collect mode: the holder enters a bank account, then confirms it.
    let account = c.create_account().await;
    let r = c
        .post(
            &format!("/accounts/{account}/verification-links"),
            r#"{"mode": "collect"}"#,
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    browser.goto(r.body["url"].as_str().expect("url")).await;
    assert!(browser.text().await.contains("Routing number"));
    browser.check("holder-collect").await;
    browser.fill("#routing", ACH_ROUTING).await;
    browser.fill("#account", "99887766").await;
    browser.click("form[action$='/collect'] button").await;
    let text = browser.text().await;
    assert!(text.contains("ending in 7766"), "{text}");
    answer(&browser, "0.00", "0.00").await;
    assert!(browser.text().await.contains("Bank account verified"));
    let banks = c.get(&format!("/accounts/{account}/bank-accounts")).await;
    assert_eq!(banks.body[0]["status"], "verified", "{:?}", banks.body);

    // Revoked and expired links show the expiry page.
    let (account, bank) = c.account_with_bank(ACH_ROUTING, "55556666").await;
    let revoked = c
        .post(
            &format!("/accounts/{account}/bank-accounts/{bank}/verification-links"),
            "",
        )
        .await;
    let link_id = revoked.body["linkID"].as_str().expect("linkID");
    let gone = c
        .delete(&format!(
            "/accounts/{account}/bank-accounts/{bank}/verification-links/{link_id}"
        ))
        .await;
    assert_eq!(gone.status, 204);
    browser
        .goto(revoked.body["url"].as_str().expect("url"))
        .await;
    assert!(browser.text().await.contains("no longer valid"));
    browser.check("holder-expired").await;
    let expiring = link(&c, &account, &bank).await;
    app.clock.advance(SignedDuration::from_hours(15 * 24));
    browser.goto(&expiring).await;
    assert!(browser.text().await.contains("no longer valid"));

    browser.quit().await;
    app.stop().await;
}

#[tokio::test]
async fn a_holder_completes_a_production_round_after_a_cutoff() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank(ACH_ROUTING, "55667788").await;
    c.initiate_micro_deposits(&account, &bank).await;
    let url = link(&c, &account, &bank).await;
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let cutoff = ops.post("/admin/ach/cutoffs", "").await;
    assert_eq!(cutoff.status, 200, "{:?}", cutoff.body);
    let statement = c
        .get(&format!(
            "/simulator/accounts/{ACH_ROUTING}/55667788/transactions"
        ))
        .await;
    let amounts = amounts_from(&statement.body);
    assert_eq!(amounts.len(), 2, "{statement:?}");

    let browser = Browser::start().await;
    browser.goto(&url).await;
    let first = format!("${}", dollars(amounts[0]));
    let second = dollars(amounts[1]);
    answer(&browser, &first, second.trim_start_matches('0')).await;
    assert!(browser.text().await.contains("Bank account verified"));
    browser.quit().await;

    let banks = c
        .get(&format!("/accounts/{account}/bank-accounts/{bank}"))
        .await;
    assert_eq!(banks.body["status"], "verified", "{:?}", banks.body);
    app.stop().await;
}

#[tokio::test]
async fn forms_without_the_links_tag_are_refused_and_revoked_links_are_gone() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Sandbox).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank(ACH_ROUTING, "11112222").await;
    c.initiate_micro_deposits(&account, &bank).await;
    let url = link(&c, &account, &bank).await;
    let page = app.client.get(&url).send().await.expect("get");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("name=\"csrf\""));

    for csrf in ["", "&csrf=00"] {
        let r = app
            .client
            .post(format!("{url}/amounts"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("amount1=0.00&amount2=0.00{csrf}"))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403);
    }
    let still = c
        .get(&format!("/accounts/{account}/bank-accounts/{bank}"))
        .await;
    assert_eq!(still.body["status"], "pending", "nothing was answered");

    let unknown = app
        .client
        .get(app.url("/v/nope"))
        .send()
        .await
        .expect("get");
    assert_eq!(unknown.status(), 404);

    let r = c
        .post(
            &format!("/accounts/{account}/bank-accounts/{bank}/verification-links"),
            r#"{"expiresOn": "2020-01-01T00:00:00Z"}"#,
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let r = c
        .post(
            &format!("/accounts/{account}/bank-accounts/{bank}/verification-links"),
            "",
        )
        .await;
    let link_id = r.body["linkID"].as_str().expect("linkID").to_string();
    let path = format!("/accounts/{account}/bank-accounts/{bank}/verification-links/{link_id}");
    let elsewhere = format!(
        "/accounts/{account}/bank-accounts/{}/verification-links/{link_id}",
        uuid::Uuid::new_v4()
    );
    assert_eq!(
        c.delete(&elsewhere).await.status,
        404,
        "under another bank account's path"
    );
    assert_eq!(c.delete(&path).await.status, 204);
    let gone = app
        .client
        .get(r.body["url"].as_str().expect("url"))
        .send()
        .await
        .expect("get");
    assert_eq!(gone.status(), 410);
    let other = app.tenant(Mode::Sandbox).await;
    let o = Caller {
        app: &app,
        key: &other,
    };
    assert_eq!(o.delete(&path).await.status, 404, "another tenant's link");
    app.stop().await;
}

/// A holder who used the only round the tenant allows, with three wrong pairs, sees the locked
/// page (no method left: contact the platform), in English and in Spanish.
#[tokio::test]
async fn a_holder_past_the_rounds_limit_sees_the_locked_page() {
    let app = TestApp::sqlite().await;
    let operator = app.operator().await;
    let key = app.tenant(Mode::Sandbox).await;
    let r = Caller {
        app: &app,
        key: &operator,
    }
    .put(
        &format!("/admin/risk/tenants/{}/settings", key.account_id),
        r#"{"settings": {"bankAccountRounds": {"microDeposits": 1, "instant": 0}}, "reason": "one round only"}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank(ACH_ROUTING, "44445555").await;
    c.initiate_micro_deposits(&account, &bank).await;
    let url = link(&c, &account, &bank).await;
    let browser = Browser::start().await;
    browser.goto(&url).await;
    for _ in 0..3 {
        answer(&browser, "0.12", "0.13").await;
    }
    let text = browser.text().await;
    assert!(text.contains("No attempts left"), "{text}");
    assert!(!text.contains("Amount 1"), "no form to answer: {text}");
    browser.check("holder-locked").await;
    browser.goto(&format!("{url}?lang=es")).await;
    assert!(browser.text().await.contains("No quedan intentos"));
    browser.quit().await;
    app.stop().await;
}
