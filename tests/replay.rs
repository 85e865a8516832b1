//! One seed replays a whole run: with the same seeded source of randomness, two servers given
//! the same requests mint the same IDs and draw the same micro-deposit amounts.

mod common;

use common::{Caller, TestApp};
use pennydrop_core::model::Mode;
use pennydrop_core::SeededRandom;
use std::sync::Arc;

/// (tenant, account, bank account, the two micro-deposit amounts) of one scripted run.
async fn scripted_run(seed: u64) -> (String, String, String, Vec<i64>) {
    let app = TestApp::sqlite_with(|c| c.random = Arc::new(SeededRandom::new(seed))).await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "55667788").await;
    c.initiate_micro_deposits(&account, &bank).await;
    let bank_id: uuid::Uuid = bank.parse().unwrap();
    let amounts = app
        .store
        .ach_entries_for(bank_id)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.is_credit)
        .map(|e| e.amount_cents)
        .collect();
    app.stop().await;
    (key.account_id.to_string(), account, bank, amounts)
}

#[tokio::test]
async fn the_same_seed_replays_ids_and_amounts() {
    let seed = SeededRandom::from_env_or_fresh().seed();
    let first = scripted_run(seed).await;
    let second = scripted_run(seed).await;
    assert_eq!(first, second, "seed {seed}");
    assert_eq!(first.3.len(), 2, "two micro-deposit credits");
    let other = scripted_run(seed.wrapping_add(1)).await;
    assert_ne!(first.1, other.1, "another seed, other IDs (seed {seed})");
}
