//! Returns the simulation's transport runs found lost, each a regression test here.

use axum::http::Method;
use pennydrop_core::model::Mode;
use pennydrop_engine::access::CreatedKey;
use pennydrop_sim::world::World;
use serde_json::{json, Value};

/// A platform's request, which must succeed; its answer's body.
async fn call(world: &World, key: &CreatedKey, method: Method, path: &str, body: Value) -> Value {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let r = world
        .request(method, path, Some(key), &[], &body)
        .await
        .expect("an answer");
    assert!(r.status < 300, "{path}: {r:?}");
    r.body
}

/// A world starting on a Monday afternoon whose one platform linked the number the simulated
/// bank returns R04 and started micro-deposits, then a day passed (every cutoff window of that
/// day with it): the world, the platform's key and the bank account's path.
async fn micro_deposits_to_a_returned_number(seed: u64) -> (World, CreatedKey, String) {
    let start = "2026-03-02T15:00:00Z".parse().expect("a timestamp");
    let world = World::start(seed, start, false)
        .await
        .expect("the world starts");
    let engine = world.app().expect("the app").state.engine.clone();
    let key = engine
        .create_tenant("platform", Mode::Production)
        .await
        .expect("a tenant");
    let opened = json!({"accountType": "individual",
        "profile": {"individual": {"name": {"firstName": "Jane", "lastName": "Doe"}}}});
    let account = call(&world, &key, Method::POST, "/accounts", opened).await["accountID"]
        .as_str()
        .expect("an account ID")
        .to_string();
    let linked = json!({"account": {"holderName": "Jane Doe", "holderType": "individual",
        "accountNumber": "3000000004", "bankAccountType": "checking",
        "routingNumber": "021000021"}});
    let bank = call(
        &world,
        &key,
        Method::POST,
        &format!("/accounts/{account}/bank-accounts"),
        linked,
    )
    .await["bankAccountID"]
        .as_str()
        .expect("a bank account ID")
        .to_string();
    let path = format!("/accounts/{account}/bank-accounts/{bank}");
    let start = format!("{path}/micro-deposits");
    call(&world, &key, Method::POST, &start, Value::Null).await;
    world.clock.advance(jiff::SignedDuration::from_hours(24));
    (world, key, path)
}

/// A store failure while the inbox reads a returns file: the file must be read again by the
/// next round. It used to stay claimed (under a hidden name) until the process restarted, and
/// its returns waited that long (seed 10 of the first transport run).
#[tokio::test(flavor = "current_thread")]
async fn a_returns_file_whose_reading_failed_is_read_again_by_the_next_round() {
    let (world, key, path) = micro_deposits_to_a_returned_number(7).await;
    let call = |method: Method, path: String, body: Value| {
        let (world, key) = (&world, &key);
        async move { call(world, key, method, &path, body).await }
    };

    let ach = world.app().expect("the app").ach.clone();
    world.faults.fail_next("inbound_seen");
    let failed = ach.tick().await;
    assert!(failed.is_err(), "the round fails on the store: {failed:?}");
    let waiting: Vec<String> = std::fs::read_dir(&ach.dirs().inbox)
        .expect("the inbox")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(
        waiting.len() == 1 && waiting[0].starts_with("RETURNS-"),
        "the returns file is back in the inbox, visible: {waiting:?}"
    );
    assert_eq!(
        call(Method::GET, path.clone(), Value::Null).await["status"],
        "pending"
    );

    ach.tick().await.expect("the next round");
    let shown = call(Method::GET, path, Value::Null).await;
    assert_eq!(
        shown["exceptionDetails"]["achReturnCode"], "R04",
        "the return applied: {shown}"
    );
}

/// The holder disconnects the bank account after its micro-deposits left and before the bank
/// returns them: the returns are still the entries' (they count toward the tenant's return
/// rate). They used to be dropped (seeds 20148, 20156, 20263 and 20309 of a transport run, whose
/// files reached the bank late).
#[tokio::test(flavor = "current_thread")]
async fn a_return_after_the_bank_account_was_disconnected_is_recorded() {
    let (world, key, path) = micro_deposits_to_a_returned_number(8).await;
    let app = world.app().expect("the app");
    let file = app
        .ach
        .cutoff_now()
        .await
        .expect("the cutoff")
        .expect("a file");
    call(&world, &key, Method::DELETE, &path, Value::Null).await;

    let report = app
        .ach
        .exchange_with_bank()
        .await
        .expect("the bank answers");
    assert_eq!(report.returns, 3, "both credits and the debit come back");
    let seqs: Vec<i64> = app
        .store
        .file_entries(file.file_id)
        .await
        .expect("the file's entries")
        .iter()
        .map(|e| e.trace_seq % 10_000_000)
        .collect();
    let codes: Vec<Option<String>> = app
        .store
        .entries_by_traces(&seqs)
        .await
        .expect("the entries")
        .into_iter()
        .map(|t| t.and_then(|t| t.return_code))
        .collect();
    assert_eq!(
        codes,
        vec![Some("R04".to_string()); 3],
        "each entry is returned"
    );
}
