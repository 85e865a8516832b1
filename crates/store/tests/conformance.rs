//! The store conformance suite against each backend.

use pennydrop_store::testing::{TempSqlite, TestPostgres};
use pennydrop_store::{conformance, Backend};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_conformance_suite() {
    let db = TempSqlite::new().expect("temp dir");
    let store = pennydrop_store::connect(&db.url).await.expect("connect");
    assert_eq!(store.backend(), Backend::Sqlite);
    store.migrate().await.expect("migrate");
    conformance::run_all(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_conformance_suite() {
    let Some(db) = TestPostgres::create("postgres_passes_the_conformance_suite").await else {
        return;
    };
    let store = pennydrop_store::connect(&db.url).await.expect("connect");
    assert_eq!(store.backend(), Backend::Postgres);
    store.migrate().await.expect("migrate");
    conformance::run_all(store.clone()).await;
    drop(store);
    db.drop_database().await;
}
