//! Every operation `/openapi.json` lists is served: the test reads the document from the
//! running app, calls each (method, path) with a real caller of its dialect and real IDs, and
//! fails on a 405 or on a 404 from the router ("no route for ...", as opposed to a handler's
//! 404 about a resource). Destructive operations run last, the account's disconnect last of all.

mod common;

use common::{finicity_token, nexus_session, reply, Caller, Reply, TestApp};
use pennydrop_core::model::Mode;
use pennydrop_engine::access::CreatedKey;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const ROUTING: &str = "231380104";
const NUMBER: &str = "11223344";
const PLATFORM: &str = "application/vnd.mx.api.v1+json";
const NEXUS: &str = "application/vnd.mx.nexus.v1+json";

struct Callers {
    key: CreatedKey,
    operator: CreatedKey,
    finicity: String,
    nexus: String,
}

fn text(v: &Value, what: &str) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} missing"))
        .to_string()
}

/// The Moov resources: an account with a bank account whose micro-deposits went into a file.
async fn moov_ids(app: &TestApp, c: &Callers, ids: &mut BTreeMap<&'static str, String>) {
    let moov = Caller { app, key: &c.key };
    let (account, bank) = moov.account_with_bank(ROUTING, NUMBER).await;
    moov.initiate_micro_deposits(&account, &bank).await;
    let ops = Caller {
        app,
        key: &c.operator,
    };
    let cutoff = ops.post("/admin/ach/cutoffs", "").await;
    assert_eq!(cutoff.status, 200, "{:?}", cutoff.body);
    ids.insert("fileID", text(&cutoff.body["files"][0]["fileID"], "fileID"));
    let methods = moov
        .get(&format!("/accounts/{account}/payment-methods"))
        .await;
    let method = &methods.body[0]["paymentMethodID"];
    ids.insert("paymentMethodID", text(method, "paymentMethodID"));
    let webhook = moov
        .post(
            "/webhooks",
            &json!({"url": "http://127.0.0.1:9/hooks", "status": "enabled", "eventTypes": ["*"]})
                .to_string(),
        )
        .await;
    assert_eq!(webhook.status, 201, "{:?}", webhook.body);
    ids.insert("webhookID", text(&webhook.body["webhookID"], "webhookID"));
    let link = moov
        .post(
            &format!("/accounts/{account}/bank-accounts/{bank}/verification-links"),
            "{}",
        )
        .await;
    assert_eq!(link.status, 201, "{:?}", link.body);
    ids.insert("linkID", text(&link.body["linkID"], "linkID"));
    let url = text(&link.body["url"], "url");
    let token = url.rsplit('/').next().unwrap_or_default().to_string();
    ids.insert("token", token);
    ids.insert("accountID", account);
    ids.insert("bankAccountID", bank);
    ids.insert("routingNumber", ROUTING.into());
    ids.insert("accountNumber", NUMBER.into());
    ids.insert("tenantID", c.key.account_id.to_string());
    ids.insert("entryID", format!("routing:{ROUTING}"));
}

/// A Finicity micro-entry, an MX Platform user with a micro-deposit, an MX Nexus micro-deposit.
async fn vendor_ids(app: &TestApp, c: &Callers, ids: &mut BTreeMap<&'static str, String>) {
    let receiver = json!({"receiver": {"routingNumber": ROUTING, "accountNumber": "55667788",
        "accountType": "checking", "name": "Bob Smith"}});
    let r = call(
        app,
        c,
        "POST",
        "/microentry/v1/customers/c-routes",
        Some(receiver),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    ids.insert("customerId", "c-routes".into());
    ids.insert("accountId", text(&r.body["accountId"], "accountId"));

    let user = json!({"user": {"email": "jane@example.com", "id": "routes-1"}});
    let r = call(app, c, "POST", "/users", Some(user)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let user = text(&r.body["user"]["guid"], "user guid");
    let deposit = json!({"micro_deposit": {"account_name": "Checking", "account_number": "66778899",
        "account_type": "checking", "routing_number": ROUTING, "email": "jane@example.com",
        "first_name": "Jane", "last_name": "Doe"}});
    let r = call(
        app,
        c,
        "POST",
        &format!("/users/{user}/micro_deposits"),
        Some(deposit),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    ids.insert(
        "micro_deposit_guid",
        text(&r.body["micro_deposit"]["guid"], "guid"),
    );
    ids.insert("user_guid", user);

    let pre = json!({"micro_deposit": {"first_name": "Josh", "last_name": "James",
        "email": "josh@example.com"}});
    let r = call(app, c, "POST", "/micro_deposits", Some(pre)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    ids.insert("guid", text(&r.body["micro_deposit"]["guid"], "nexus guid"));
}

/// The caller a path's dialect expects: its key pair (the operator's for `/admin`), Finicity's
/// app key and token, MX's media types and Nexus's session token.
async fn call(app: &TestApp, c: &Callers, method: &str, path: &str, body: Option<Value>) -> Reply {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes())
        .unwrap_or_else(|e| panic!("{method}: {e}"));
    let key = if path.starts_with("/admin") || path == "/metrics" {
        &c.operator
    } else {
        &c.key
    };
    let nexus = path.starts_with("/micro_deposits") && !path.ends_with("/verify");
    let media = if nexus || path == "/sessions" {
        NEXUS
    } else if path.starts_with("/users") || path.starts_with("/micro_deposits") {
        PLATFORM
    } else {
        "application/json"
    };
    let mut request = app
        .client
        .request(method, app.url(path))
        .basic_auth(&key.public_key, Some(&key.secret_key))
        .header("accept", media)
        .header("Finicity-App-Key", &key.public_key)
        .header("Finicity-App-Token", &c.finicity);
    if nexus {
        request = request.header("MD-SESSION-TOKEN", &c.nexus);
    }
    if let Some(b) = body {
        request = request.header("content-type", media).body(b.to_string());
    }
    reply(request.send().await.expect("send")).await
}

/// (method, path) of every operation in the document, destructive ones last.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if op.get("responses").is_some() {
                ops.push((method.clone(), path.clone()));
            }
        }
    }
    let rank = |(m, p): &(String, String)| match (m.as_str(), p.as_str()) {
        ("delete", "/accounts/{accountID}") => 2,
        ("delete", _) => 1,
        _ => 0,
    };
    ops.sort_by_key(rank);
    ops
}

fn fill(path: &str, ids: &BTreeMap<&'static str, String>) -> String {
    let mut out = path.to_string();
    while let Some(start) = out.find('{') {
        let end = start + out[start..].find('}').expect("closing brace");
        let name = &out[start + 1..end];
        let id = ids
            .get(name)
            .unwrap_or_else(|| panic!("no real ID for {{{name}}} in {path}: add one to the setup"));
        out.replace_range(start..=end, id);
    }
    out
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    // The webhook ping goes to a closed port on loopback, never off the machine.
    let app = TestApp::sqlite_with(|c| {
        c.engine.webhook_networks.allow =
            pennydrop_engine::webhooks::NetworkPolicy::parse_list("127.0.0.1").unwrap();
    })
    .await;
    let key = app.tenant(Mode::Production).await;
    let callers = Callers {
        finicity: finicity_token(&app, &key).await,
        nexus: nexus_session(&app, &key).await,
        operator: app.operator().await,
        key,
    };
    let mut ids = BTreeMap::new();
    moov_ids(&app, &callers, &mut ids).await;
    vendor_ids(&app, &callers, &mut ids).await;

    let doc = call(&app, &callers, "GET", "/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    let ops = operations(&doc.body);
    assert!(ops.len() > 40, "{ops:?}");
    let mut unrouted = Vec::new();
    for (method, path) in &ops {
        let url = fill(path, &ids);
        let body = matches!(method.as_str(), "post" | "put" | "patch").then(|| json!({}));
        let r = call(&app, &callers, method, &url, body).await;
        let no_route = r.status == 404 && r.body.to_string().contains("no route for");
        if r.status == 405 || no_route {
            unrouted.push(format!(
                "{} {path} -> {} {}",
                method.to_uppercase(),
                r.status,
                r.body
            ));
        }
    }
    assert!(
        unrouted.is_empty(),
        "documented but not served:\n{}",
        unrouted.join("\n")
    );
    app.stop().await;
}
