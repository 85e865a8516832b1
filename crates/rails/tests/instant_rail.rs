//! The instant-rail conformance suite against the bank connector talking ISO 20022 over real
//! HTTP to the simulated network's endpoint (what `serve` runs), plus what only the simulator
//! promises: postings happen once per end-to-end ID, magic accounts are rejected with their
//! reason on the right network, and the no-answer account is found by a status request.

use pennydrop_core::crypto::{SecretKey, Vault};
use pennydrop_core::model::InstantNetwork;
use pennydrop_core::{AccountNumber, RoutingNumber, SystemClock};
use pennydrop_engine::ports::Statements;
use pennydrop_engine::rail::{
    conformance, InstantRail, NoInstantRail, OutgoingCredit, RailAnswer, RailError, RailOutcome,
};
use pennydrop_rails::instant::{BankConnector, ConnectorConfig, Endpoint, InstantRouting};
use pennydrop_rails::simulator::{FEDNOW_REJECTIONS, INSTANT_NO_ANSWER, INSTANT_REJECTIONS};
use pennydrop_rails::SimulatedBank;
use pennydrop_store::testing::TempSqlite;
use std::sync::Arc;
use std::time::Duration;

struct Network {
    bank: Arc<SimulatedBank>,
    connector: BankConnector,
    _db: TempSqlite,
    _server: tokio::task::JoinHandle<()>,
}

/// The simulated network's endpoint on a loopback port and a connector to it. The endpoint
/// holds the no-answer account's request for `hold`; the connector gives up after `timeout`.
async fn network(timeout: Duration, hold: Duration) -> Network {
    let db = TempSqlite::new().expect("temp dir");
    let store = pennydrop_store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let vault = Arc::new(Vault::new(SecretKey::generate(), vec![], None));
    let bank = Arc::new(SimulatedBank::new(store, vault, Arc::new(SystemClock)));
    let routing = InstantRouting::sample().expect("bundled directories");
    let endpoint = Endpoint::new(bank.clone(), routing.clone(), Arc::new(SystemClock), hold);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        axum::serve(listener, endpoint.router())
            .await
            .expect("serve");
    });
    let config = ConnectorConfig {
        url: url::Url::parse(&format!("http://{address}/iso20022")).expect("url"),
        routing,
        timeout,
        debtor_agent: "110000000".into(),
        debtor_account: "1000000001".into(),
        tls: None,
    };
    let connector = BankConnector::new(config, Arc::new(SystemClock)).expect("connector");
    Network {
        bank,
        connector,
        _db: db,
        _server: server,
    }
}

fn credit(routing: &str, account: &str) -> OutgoingCredit {
    OutgoingCredit {
        credit_id: uuid::Uuid::new_v4(),
        routing_number: routing.into(),
        account_number: AccountNumber::parse(account).expect("account"),
        creditor_name: "Zoë O'Brien-Smith".into(),
        debtor_name: "PENNYDROP".into(),
        amount_cents: 1,
        remittance: "PENNYDROP MV0001".into(),
    }
}

#[tokio::test]
async fn the_connector_and_the_simulated_endpoint_pass_the_conformance_suite_on_both_networks() {
    let net = network(Duration::from_secs(5), Duration::from_secs(1)).await;
    // 021000021 is on both networks (RTP preferred); 110000026 only on FedNow.
    conformance::run(
        &net.connector,
        InstantNetwork::Rtp,
        "021000021",
        "231380104",
        AccountNumber::parse("12345678").unwrap(),
    )
    .await;
    conformance::run(
        &net.connector,
        InstantNetwork::FedNow,
        "110000026",
        "231380104",
        AccountNumber::parse("12345678").unwrap(),
    )
    .await;
    // One credit per network in the suite, each asked about twice: one line per statement.
    for routing in ["021000021", "110000026"] {
        let statement = net
            .bank
            .statement(
                &RoutingNumber::parse(routing).unwrap(),
                &AccountNumber::parse("12345678").unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(statement.len(), 1, "{routing}");
        assert_eq!(statement[0].statement_text, "PENNYDROP MV1234");
        assert_eq!(statement[0].amount_cents, 1);
    }
}

#[tokio::test]
async fn magic_accounts_are_rejected_with_their_iso_reason_on_each_network() {
    let net = network(Duration::from_secs(5), Duration::from_secs(1)).await;
    for (network, routing) in [
        (InstantNetwork::Rtp, "021000021"),
        (InstantNetwork::FedNow, "110000026"),
    ] {
        for (number, code) in INSTANT_REJECTIONS {
            let answer = net
                .connector
                .send_credit(network, &credit(routing, number))
                .await
                .unwrap();
            let expected = RailAnswer::Final(RailOutcome::Rejected {
                code: code.to_string(),
            });
            assert_eq!(answer, expected, "{network} {number}");
        }
    }
    for (number, code) in FEDNOW_REJECTIONS {
        let fednow = net
            .connector
            .send_credit(InstantNetwork::FedNow, &credit("110000026", number))
            .await
            .unwrap();
        assert_eq!(
            fednow,
            RailAnswer::Final(RailOutcome::Rejected {
                code: code.to_string()
            })
        );
        let rtp = net
            .connector
            .send_credit(InstantNetwork::Rtp, &credit("021000021", number))
            .await
            .unwrap();
        assert_eq!(rtp, RailAnswer::Final(RailOutcome::Accepted), "{number}");
    }
}

#[tokio::test]
async fn a_credit_with_no_answer_times_out_and_a_status_request_finds_it_settled() {
    let net = network(Duration::from_millis(300), Duration::from_secs(3)).await;
    let c = credit("021000021", INSTANT_NO_ANSWER);
    let sent = net.connector.send_credit(InstantNetwork::Rtp, &c).await;
    assert!(
        matches!(sent, Err(RailError::Unavailable(_))),
        "no answer within the timeout: {sent:?}"
    );
    let asked = net
        .connector
        .ask_status(InstantNetwork::Rtp, &c)
        .await
        .unwrap();
    assert_eq!(asked, RailAnswer::Final(RailOutcome::Accepted));
}

#[tokio::test]
async fn a_bank_on_neither_network_is_refused_by_the_network() {
    let net = network(Duration::from_secs(5), Duration::from_secs(1)).await;
    // 026009593 is on RTP only: sent over FedNow anyway, the network refuses the agent.
    let answer = net
        .connector
        .send_credit(InstantNetwork::FedNow, &credit("026009593", "12345678"))
        .await
        .unwrap();
    assert_eq!(
        answer,
        RailAnswer::Final(RailOutcome::Rejected {
            code: "RC04".into()
        })
    );
}

#[tokio::test]
async fn without_an_instant_rail_nothing_is_reachable() {
    let rail = NoInstantRail;
    assert_eq!(rail.route("021000021"), None);
}
