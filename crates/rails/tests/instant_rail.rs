//! The instant-rail conformance suite against the simulated bank network, plus what only the
//! simulator promises: postings happen once per end-to-end ID, and magic accounts are rejected.

use pennydrop_core::crypto::{SecretKey, Vault};
use pennydrop_core::{AccountNumber, RoutingNumber, SystemClock};
use pennydrop_engine::ports::Statements;
use pennydrop_engine::rail::{
    conformance, InstantRail, NoInstantRail, OutgoingCredit, RailOutcome,
};
use pennydrop_rails::SimulatedBank;
use pennydrop_store::testing::TempSqlite;
use std::sync::Arc;

async fn simulator() -> (SimulatedBank, TempSqlite) {
    let db = TempSqlite::new().expect("temp dir");
    let store = pennydrop_store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let vault = Arc::new(Vault::new(SecretKey::generate(), vec![], None));
    (SimulatedBank::new(store, vault, Arc::new(SystemClock)), db)
}

#[tokio::test]
async fn the_simulated_network_passes_the_instant_rail_conformance_suite() {
    let (bank, _db) = simulator().await;
    conformance::run(
        &bank,
        "021000021",
        "231380104",
        AccountNumber::parse("12345678").unwrap(),
    )
    .await;
    // Two submissions of one credit in the suite, one line on the statement.
    let statement = bank
        .statement(
            &RoutingNumber::parse("021000021").unwrap(),
            &AccountNumber::parse("12345678").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(statement.len(), 1);
    assert_eq!(statement[0].statement_text, "PENNYDROP MV1234");
}

#[tokio::test]
async fn magic_accounts_are_rejected_with_their_iso_reason() {
    let (bank, _db) = simulator().await;
    for (number, code) in pennydrop_rails::simulator::INSTANT_REJECTIONS {
        let credit = OutgoingCredit {
            credit_id: uuid::Uuid::new_v4(),
            routing_number: "021000021".into(),
            account_number: AccountNumber::parse(number).unwrap(),
            creditor_name: "X".into(),
            debtor_name: "PENNYDROP".into(),
            amount_cents: 1,
            remittance: "PENNYDROP MV0001".into(),
        };
        match bank.send_credit(&credit).await.unwrap() {
            RailOutcome::Rejected { code: got, .. } => assert_eq!(got, *code),
            other => panic!("{number}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn without_an_instant_rail_nothing_is_reachable() {
    let rail = NoInstantRail;
    assert!(!rail.reaches("021000021"));
}
