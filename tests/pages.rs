//! The pages' frame in a real browser: the landing page and an unknown page render as HTML
//! with the one stylesheet, pass axe-core, and carry the headers every page needs.

mod common;

use common::browser::Browser;
use common::TestApp;

#[tokio::test]
async fn the_landing_page_and_an_unknown_page_are_accessible_html() {
    let app = TestApp::sqlite().await;
    let browser = Browser::start().await;
    browser.goto(&app.url("/")).await;
    assert!(browser.text().await.contains("Pennydrop is running"));
    browser.check("landing").await;
    browser.goto(&app.url("/console/nope")).await;
    assert!(browser
        .text()
        .await
        .contains("no route for GET /console/nope"));
    browser.check("not-found").await;
    browser.quit().await;

    let r = app.client.get(app.url("/")).send().await.unwrap();
    let h = r.headers();
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(h["referrer-policy"], "no-referrer");
    let css = app
        .client
        .get(app.url("/assets/pennydrop.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    app.stop().await;
}
