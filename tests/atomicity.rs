//! "Nothing is half-written": a Finicity initiate and an MX create each open the customer (or
//! user), link the bank account and start the micro-deposits in one transaction. A database
//! failure injected at the last of those writes (a trigger that refuses the verification row)
//! must leave none of the earlier ones behind, on SQLite and on PostgreSQL.

mod common;

use common::{finicity_token, nexus_session, reply, Caller, Reply, TestApp};
use pennydrop_core::model::Mode;
use pennydrop_engine::access::CreatedKey;
use serde_json::{json, Value};
use sqlx::Connection;

const ROUTING: &str = "231380104";
const NEXUS: &str = "application/vnd.mx.nexus.v1+json";

fn database_url(app: &TestApp) -> String {
    app.postgres_url().unwrap_or_else(|| {
        format!(
            "sqlite://{}",
            app.data_dir.path().join("pennydrop.db").display()
        )
    })
}

/// Runs statements against the app's own database, outside the app.
async fn execute(app: &TestApp, statements: &[&str]) {
    let url = database_url(app);
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("sqlite");
        for s in statements {
            sqlx::query(s).execute(&mut conn).await.expect(s);
        }
    } else {
        let mut conn = sqlx::PgConnection::connect(&url).await.expect("postgres");
        for s in statements {
            sqlx::query(s).execute(&mut conn).await.expect(s);
        }
    }
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let url = database_url(app);
    let sql = format!("SELECT COUNT(*) FROM {table}");
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("sqlite");
        sqlx::query_scalar(&sql)
            .fetch_one(&mut conn)
            .await
            .expect("count")
    } else {
        let mut conn = sqlx::PgConnection::connect(&url).await.expect("postgres");
        sqlx::query_scalar(&sql)
            .fetch_one(&mut conn)
            .await
            .expect("count")
    }
}

/// Every write a micro-deposit start makes, table by table.
async fn rows(app: &TestApp) -> [i64; 5] {
    [
        count(app, "accounts").await,
        count(app, "bank_accounts").await,
        count(app, "verifications").await,
        count(app, "ach_entries").await,
        count(app, "events").await,
    ]
}

/// From now on the database refuses every new verification round.
async fn refuse_rounds(app: &TestApp) {
    if app.postgres_url().is_some() {
        execute(
            app,
            &[
                "CREATE FUNCTION pd_injected_failure() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER pd_refuse_rounds BEFORE INSERT ON verifications \
                 FOR EACH ROW EXECUTE FUNCTION pd_injected_failure()",
            ],
        )
        .await;
    } else {
        execute(
            app,
            &[
                "CREATE TRIGGER pd_refuse_rounds BEFORE INSERT ON verifications \
               BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
            ],
        )
        .await;
    }
}

async fn accept_rounds(app: &TestApp) {
    let drop = if app.postgres_url().is_some() {
        "DROP TRIGGER pd_refuse_rounds ON verifications"
    } else {
        "DROP TRIGGER pd_refuse_rounds"
    };
    execute(app, &[drop]).await;
}

async fn finicity_initiate(app: &TestApp, key: &CreatedKey, token: &str, customer: &str) -> Reply {
    let body = json!({"receiver": {"accountType": "personalChecking", "routingNumber": ROUTING,
        "accountNumber": "12345678", "name": "Jane Doe"}});
    reply(
        app.client
            .post(app.url(&format!("/microentry/v1/customers/{customer}")))
            .header("Finicity-App-Key", &key.public_key)
            .header("Finicity-App-Token", token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn nexus_create(app: &TestApp, session: &str, email: &str) -> Reply {
    let body = json!({"micro_deposit": {"email": email, "first_name": "Josh", "last_name": "James",
        "account_number": "55667788", "account_type_name": "SAVINGS", "routing_number": ROUTING}});
    reply(
        app.client
            .post(app.url("/micro_deposits"))
            .header("MD-SESSION-TOKEN", session)
            .header("accept", NEXUS)
            .header("content-type", NEXUS)
            .body(body.to_string())
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn platform_create(c: &Caller<'_>, user: &str) -> Reply {
    c.post(
        &format!("/users/{user}/micro_deposits"),
        &json!({"micro_deposit": {"account_number": "99887766", "account_type": "CHECKING",
            "routing_number": ROUTING, "first_name": "Jane", "last_name": "Doe"}})
        .to_string(),
    )
    .await
}

async fn run(app: TestApp) {
    let key = app.tenant(Mode::Production).await;
    let moov = Caller {
        app: &app,
        key: &key,
    };
    let token = finicity_token(&app, &key).await;
    let session = nexus_session(&app, &key).await;
    let user = moov
        .post("/users", &json!({"user": {"id": "u-1"}}).to_string())
        .await;
    assert_eq!(user.status, 200, "{:?}", user.body);
    let user = user.body["user"]["guid"].as_str().unwrap().to_string();
    let before = rows(&app).await;

    refuse_rounds(&app).await;
    let finicity = finicity_initiate(&app, &key, &token, "c-atomic").await;
    assert_eq!(finicity.status, 500, "{:?}", finicity.body);
    assert_eq!(finicity.body["code"], "3000000");
    let nexus = nexus_create(&app, &session, "atomic@example.com").await;
    assert_eq!(nexus.status, 500, "{:?}", nexus.body);
    let platform = platform_create(&moov, &user).await;
    assert_eq!(platform.status, 500, "{:?}", platform.body);
    // No customer, no Nexus account, no bank account, no event: nothing was half-written.
    assert_eq!(rows(&app).await, before);
    assert_eq!(
        moov.get("/accounts?foreignID=c-atomic").await.body,
        json!([])
    );
    assert_eq!(
        moov.get("/accounts?foreignID=mx-nexus:atomic@example.com")
            .await
            .body,
        json!([])
    );
    let listed = moov.get(&format!("/users/{user}/micro_deposits")).await;
    assert_eq!(
        listed.body["micro_deposits"],
        json!([]),
        "{:?}",
        listed.body
    );

    // The same requests succeed once the database accepts them, and write everything.
    accept_rounds(&app).await;
    let finicity = finicity_initiate(&app, &key, &token, "c-atomic").await;
    assert_eq!(finicity.status, 200, "{:?}", finicity.body);
    let nexus = nexus_create(&app, &session, "atomic@example.com").await;
    assert_eq!(nexus.status, 200, "{:?}", nexus.body);
    let platform = platform_create(&moov, &user).await;
    assert_eq!(platform.status, 200, "{:?}", platform.body);
    let after = rows(&app).await;
    assert_eq!(after[0], before[0] + 2, "a customer and a Nexus account");
    assert_eq!(after[1], before[1] + 3, "three bank accounts");
    assert_eq!(after[2], before[2] + 3, "three micro-deposit rounds");
    let customers: Value = moov.get("/accounts?foreignID=c-atomic").await.body;
    assert_eq!(customers.as_array().map(Vec::len), Some(1));
    app.stop().await;
}

#[tokio::test]
async fn finicity_initiate_and_mx_create_are_atomic_on_sqlite() {
    run(TestApp::sqlite().await).await;
}

#[tokio::test]
async fn finicity_initiate_and_mx_create_are_atomic_on_postgres() {
    let Some(app) = TestApp::postgres("atomic_enrollment").await else {
        return;
    };
    run(app).await;
}
