//! The bank connector against an independent bank (tests/iso20022/test_bank.py: Python, lxml,
//! the published pacs.008 schema; it shares no code with Pennydrop): what a user relies on when
//! instant verifications go to a real bank over ISO 20022. Accepted, rejected (with the
//! network's rejection code) and unanswered credits; one pacs.008 per credit, also across a
//! SIGKILL; and mutual TLS that refuses a wrong client certificate and an unpinned server.

mod common;

use common::{Caller, TestApp};
use jiff::SignedDuration;
use pennydrop_core::model::{InstantNetwork, Mode};
use pennydrop_core::{AccountNumber, SystemClock};
use pennydrop_engine::rail::{InstantRail, OutgoingCredit, RailAnswer, RailError, RailOutcome};
use pennydrop_rails::instant::{
    BankConnector, ConnectorConfig, ConnectorTls, InstantRouting, ParticipantDirectory,
};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_pennydrop");
/// On both networks in the test directories (RTP is preferred).
const RTP_BANK: &str = "021000021";
/// On FedNow only.
const FEDNOW_BANK: &str = "110000026";
const REJECTED: &str = "4000000003";
const NO_ANSWER: &str = "4000000099";
const DEBTOR_ACCOUNT: &str = "1000000001";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The virtualenv python with lxml and the published schemas (tests/iso20022/setup.sh).
fn python() -> String {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo().join("target"));
    let out = Command::new("bash")
        .arg(repo().join("tests/iso20022/setup.sh"))
        .arg(&target)
        .output()
        .expect("run setup.sh");
    assert!(
        out.status.success(),
        "tests/iso20022/setup.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_string()
}

/// A child process that is killed (SIGKILL) and reaped when dropped, also on a panic.
struct Killed(Child);

impl Killed {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The independent bank, its port and its request log.
struct Bank {
    _process: Killed,
    port: u16,
    log: PathBuf,
}

impl Bank {
    /// Starts test_bank.py on a free loopback port, logging to `log` (appended across restarts).
    fn start(log: &Path, extra: &[&str]) -> Bank {
        let mut child = Command::new(python())
            .arg(repo().join("tests/iso20022/test_bank.py"))
            .args(["--listen", "127.0.0.1:0", "--log"])
            .arg(log)
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn test_bank.py");
        let stdout = child.stdout.take().expect("piped stdout");
        let process = Killed(child);
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("read the bank's first line");
        let port = first
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("test_bank.py printed {first:?}, not `listening PORT`"));
        Bank {
            _process: process,
            port,
            log: log.to_path_buf(),
        }
    }

    fn url(&self, scheme: &str) -> url::Url {
        url::Url::parse(&format!("{scheme}://127.0.0.1:{}/", self.port)).expect("url")
    }

    /// Every request the bank logged, in order.
    fn requests(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("log line {l:?}: {e}")))
            .collect()
    }
}

fn of_kind<'a>(requests: &'a [Value], kind: &str, end_to_end_id: &str) -> Vec<&'a Value> {
    requests
        .iter()
        .filter(|r| r["kind"] == kind && r["end_to_end_id"] == end_to_end_id)
        .collect()
}

/// RTP reaches both test banks; FedNow only the second (so the first goes by RTP).
fn participant_files(dir: &Path) -> (PathBuf, PathBuf) {
    let rtp = dir.join("rtp.csv");
    let fednow = dir.join("fednow.csv");
    std::fs::write(
        &rtp,
        format!("routing_number,name\n{RTP_BANK},TEST BANK RTP\n"),
    )
    .expect("write rtp.csv");
    std::fs::write(
        &fednow,
        format!("routing_number,name\n{RTP_BANK},TEST BANK RTP\n{FEDNOW_BANK},TEST BANK FEDNOW\n"),
    )
    .expect("write fednow.csv");
    (rtp, fednow)
}

// ---------------------------------------------------------------------------------------------
// a) accepted, rejected, no answer

/// What one instant verification did: the API's answer and the pacs.008 the bank got for it.
struct Sent {
    verification: Value,
    bank_account: String,
    verify: String,
    end_to_end_id: String,
    network: String,
}

/// Links `number` at `routing`, starts an instant verification waiting for the rail, and finds
/// the one pacs.008 the bank logged meanwhile.
async fn verify(c: &Caller<'_>, bank: &Bank, routing: &str, number: &str) -> Sent {
    let before = bank.requests().len();
    let (account, bank_account) = c.account_with_bank(routing, number).await;
    let ba = format!("/accounts/{account}/bank-accounts/{bank_account}");
    let verify = format!("{ba}/verify");
    let r = c.post_with(&verify, ("x-wait-for", "rail-response")).await;
    assert_eq!(r.status, 200, "{number}: {:?}", r.body);
    assert_eq!(r.body["verificationMethod"], "instant", "{:?}", r.body);
    let requests = bank.requests();
    let credits: Vec<&Value> = requests[before..]
        .iter()
        .filter(|r| r["kind"] == "pacs.008")
        .collect();
    assert_eq!(credits.len(), 1, "one pacs.008 for {number}: {credits:?}");
    Sent {
        verification: r.body,
        bank_account: ba,
        verify,
        end_to_end_id: credits[0]["end_to_end_id"].as_str().expect("id").into(),
        network: credits[0]["network"].as_str().expect("network").into(),
    }
}

/// Polls the verification (the background worker may be the one applying the answer).
async fn status_becomes(c: &Caller<'_>, verify: &str, wanted: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..250 {
        last = c.get(verify).await.body;
        if last["status"] == wanted {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the verification did not become {wanted}: {last:?}");
}

async fn assert_rejected(c: &Caller<'_>, sent: &Sent, field: &str, other: &str) {
    assert_eq!(
        sent.verification["status"], "failed",
        "{:?}",
        sent.verification
    );
    let details = &sent.verification["exceptionDetails"];
    assert_eq!(details[field], "AC03", "{details:?}");
    assert!(details[other].is_null(), "{details:?}");
    let ba = c.get(&sent.bank_account).await;
    assert_eq!(ba.body["status"], "errored", "{:?}", ba.body);
}

/// The bank's log: every request valid, exactly one pacs.008 per verification, and every
/// request on the network its credit went by.
fn assert_one_credit_each(bank: &Bank, sent: &[&Sent]) {
    let requests = bank.requests();
    assert!(
        requests.iter().all(|r| r["valid"] == true),
        "the bank found invalid requests: {requests:#?}"
    );
    let credits = requests.iter().filter(|r| r["kind"] == "pacs.008").count();
    assert_eq!(credits, sent.len(), "{requests:#?}");
    for s in sent {
        assert_eq!(of_kind(&requests, "pacs.008", &s.end_to_end_id).len(), 1);
        for r in requests
            .iter()
            .filter(|r| r["end_to_end_id"] == s.end_to_end_id.as_str())
        {
            assert_eq!(r["network"], s.network.as_str(), "{r:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_independent_bank_answers_accepted_rejected_and_no_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (rtp, fednow) = participant_files(dir.path());
    let bank = Bank::start(&dir.path().join("bank.jsonl"), &["--hold", "5"]);
    let status_after = SignedDuration::from_secs(30);
    let url = bank.url("http");
    let app = TestApp::sqlite_with(|config| {
        config.instant.connector_url = Some(url);
        config.instant.rtp_participants = Some(rtp);
        config.instant.fednow_participants = Some(fednow);
        config.instant.debtor_account = Some(DEBTOR_ACCOUNT.into());
        config.instant.timeout = Duration::from_secs(1);
        config.engine.status_after = status_after;
    })
    .await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let accepted = verify(&c, &bank, RTP_BANK, "12345678").await;
    assert_eq!(accepted.verification["status"], "sent-credit");
    assert_eq!(accepted.network, "rtp", "a bank on both goes by RTP");
    let accepted_fednow = verify(&c, &bank, FEDNOW_BANK, "12345678").await;
    assert_eq!(accepted_fednow.verification["status"], "sent-credit");
    assert_eq!(accepted_fednow.network, "fednow");

    let rejected = verify(&c, &bank, RTP_BANK, REJECTED).await;
    assert_rejected(&c, &rejected, "rtpRejectionCode", "fednowRejectionCode").await;
    let rejected_fednow = verify(&c, &bank, FEDNOW_BANK, REJECTED).await;
    assert_rejected(
        &c,
        &rejected_fednow,
        "fednowRejectionCode",
        "rtpRejectionCode",
    )
    .await;

    // No answer within the timeout: the outcome is unknown, so the verification stays new.
    let silent = verify(&c, &bank, RTP_BANK, NO_ANSWER).await;
    assert_eq!(
        silent.verification["status"], "new",
        "{:?}",
        silent.verification
    );
    assert_eq!(c.get(&silent.verify).await.body["status"], "new");
    // After status_after the engine asks (pacs.028) instead of sending again.
    app.clock
        .advance(status_after + SignedDuration::from_secs(1));
    app.state
        .engine
        .dispatch_open_credits()
        .await
        .expect("dispatch");
    status_becomes(&c, &silent.verify, "sent-credit").await;
    let asked = of_kind(&bank.requests(), "pacs.028", &silent.end_to_end_id).len();
    assert!(
        asked >= 1,
        "a status request was sent: {:#?}",
        bank.requests()
    );

    let all = [
        &accepted,
        &accepted_fednow,
        &rejected,
        &rejected_fednow,
        &silent,
    ];
    assert_one_credit_each(&bank, &all);
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// b) SIGKILL after the credit left

const ENCRYPTION_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes, base64

/// `pennydrop ARGS --data-dir DIR` with the test's encryption key and nothing from the
/// environment that could point it elsewhere.
fn pennydrop(args: &[&str], data_dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("PENNYDROP_ENCRYPTION_KEY", ENCRYPTION_KEY)
        .env("PENNYDROP_LOG", "warn")
        .env_remove("PENNYDROP_DATABASE_URL")
        .env_remove("PENNYDROP_CONFIG")
        .arg("--data-dir")
        .arg(data_dir);
    cmd
}

/// A production key, made with the CLI before the server starts: (public, secret).
fn production_key(data_dir: &Path) -> (String, String) {
    let out = pennydrop(&["api-keys", "create", "--name", "instant"], data_dir)
        .output()
        .expect("api-keys create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let field = |f: &str| v[f].as_str().expect("key field").to_string();
    (field("publicKey"), field("secretKey"))
}

/// `pennydrop serve` against the bank; (process, base URL).
fn serve(data_dir: &Path, bank: &Bank, participants: &(PathBuf, PathBuf)) -> (Killed, String) {
    let mut cmd = pennydrop(&["serve", "--listen", "127.0.0.1:0"], data_dir);
    cmd.arg("--instant-connector-url")
        .arg(bank.url("http").as_str())
        .arg("--rtp-participants")
        .arg(&participants.0)
        .arg("--fednow-participants")
        .arg(&participants.1)
        .args(["--instant-debtor-account", DEBTOR_ACCOUNT])
        .args(["--instant-timeout-seconds", "30"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn serve");
    let base = common::bound_address(&mut child);
    (Killed(child), base)
}

/// The Moov API of a spawned server, with one key.
struct Api {
    client: reqwest::Client,
    base: String,
    key: (String, String),
}

impl Api {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .basic_auth(&self.key.0, Some(&self.key.1));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("send");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body:?}");
        body
    }

    /// Creates an account, links `number` at the RTP bank; the verify path.
    async fn link(&self, number: &str) -> String {
        let account = self
            .call(
                reqwest::Method::POST,
                "/accounts",
                Some(
                    serde_json::json!({"accountType": "individual", "profile": {"individual":
                    {"name": {"firstName": "Jane", "lastName": "Doe"}}}}),
                ),
            )
            .await["accountID"]
            .as_str()
            .expect("accountID")
            .to_string();
        let linked = self
            .call(
                reqwest::Method::POST,
                &format!("/accounts/{account}/bank-accounts"),
                Some(serde_json::json!({"account": {"holderName": "Jane Doe",
                    "holderType": "individual", "accountNumber": number,
                    "bankAccountType": "checking", "routingNumber": RTP_BANK}})),
            )
            .await;
        let bank = linked["bankAccountID"].as_str().expect("bankAccountID");
        format!("/accounts/{account}/bank-accounts/{bank}/verify")
    }
}

/// Polls the bank's log (a real process) until a pacs.008 arrived; its end-to-end ID.
async fn credit_arrives(bank: &Bank) -> String {
    for _ in 0..600 {
        if let Some(credit) = bank.requests().iter().find(|r| r["kind"] == "pacs.008") {
            return credit["end_to_end_id"].as_str().expect("id").to_string();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no pacs.008 reached the bank");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_after_the_credit_left_recovers_with_a_status_request_not_a_second_credit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("data dir");
    let participants = participant_files(dir.path());
    // The bank keeps the credit and holds its answer far longer than the test runs.
    let bank = Bank::start(&dir.path().join("bank.jsonl"), &["--hold", "600"]);
    let key = production_key(&data);
    let (mut first, base) = serve(&data, &bank, &participants);
    let api = Api {
        client: reqwest::Client::new(),
        base,
        key,
    };
    let verify = api.link(NO_ANSWER).await;
    let started = api.call(reqwest::Method::POST, &verify, None).await;
    assert_eq!(started["status"], "new", "{started:?}");
    let end_to_end_id = credit_arrives(&bank).await;
    first.kill(); // SIGKILL while the credit's answer is outstanding

    let (_second, base) = serve(&data, &bank, &participants);
    let api = Api { base, ..api };
    let mut last = Value::Null;
    for _ in 0..600 {
        last = api.call(reqwest::Method::GET, &verify, None).await;
        if last["status"] != "new" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last["status"], "sent-credit", "{last:?}");
    let requests = bank.requests();
    assert_eq!(
        of_kind(&requests, "pacs.008", &end_to_end_id).len(),
        1,
        "the credit was sent once: {requests:#?}"
    );
    assert!(!of_kind(&requests, "pacs.028", &end_to_end_id).is_empty());
    assert!(requests.iter().all(|r| r["valid"] == true), "{requests:#?}");
}

// ---------------------------------------------------------------------------------------------
// c) mutual TLS

/// A certificate authority and what it signed, as PEM.
struct Ca {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pem: String,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let key = rcgen::KeyPair::generate().expect("key");
        let pem = params.self_signed(&key).expect("self-signed").pem();
        Ca {
            issuer: rcgen::Issuer::new(params, key),
            pem,
        }
    }

    /// (certificate PEM, key PEM): a server certificate for 127.0.0.1, or a client one.
    fn sign(&self, server: bool) -> (String, String) {
        let names = if server {
            vec!["127.0.0.1".to_string()]
        } else {
            vec![]
        };
        let mut params = rcgen::CertificateParams::new(names).expect("params");
        let name = if server { "bank" } else { "pennydrop" };
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.extended_key_usages = vec![if server {
            rcgen::ExtendedKeyUsagePurpose::ServerAuth
        } else {
            rcgen::ExtendedKeyUsagePurpose::ClientAuth
        }];
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &self.issuer).expect("sign");
        (cert.pem(), key.serialize_pem())
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write PEM");
    path.to_string_lossy().into_owned()
}

/// A connector to `bank` over https with this client identity, trusting only `server_ca`.
fn tls_connector(bank: &Bank, client: &(String, String), server_ca: &str) -> BankConnector {
    let directory = ParticipantDirectory::parse(&format!("{RTP_BANK},TEST BANK\n")).expect("dir");
    let config = ConnectorConfig {
        url: bank.url("https"),
        routing: InstantRouting::new(vec![(InstantNetwork::Rtp, directory)]),
        timeout: Duration::from_secs(5),
        debtor_agent: "110000000".into(),
        debtor_account: DEBTOR_ACCOUNT.into(),
        tls: Some(ConnectorTls {
            client_cert_pem: client.0.clone().into_bytes(),
            client_key_pem: client.1.clone().into_bytes(),
            server_ca_pem: server_ca.as_bytes().to_vec(),
        }),
    };
    BankConnector::new(config, Arc::new(SystemClock)).expect("connector")
}

fn credit() -> OutgoingCredit {
    OutgoingCredit {
        credit_id: uuid::Uuid::new_v4(),
        routing_number: RTP_BANK.into(),
        account_number: AccountNumber::parse("12345678").expect("account"),
        creditor_name: "Jane Doe".into(),
        debtor_name: "PENNYDROP".into(),
        amount_cents: 1,
        remittance: "PENNYDROP MV1234".into(),
    }
}

/// Sends one credit; (answer, whether the bank logged a pacs.008 for it).
async fn send(connector: &BankConnector, bank: &Bank) -> (Result<RailAnswer, RailError>, bool) {
    let credit = credit();
    let network = connector.route(RTP_BANK).expect("routed");
    let answer = connector.send_credit(network, &credit).await;
    let id = credit.credit_id.simple().to_string();
    (
        answer,
        !of_kind(&bank.requests(), "pacs.008", &id).is_empty(),
    )
}

#[tokio::test]
async fn mutual_tls_refuses_a_wrong_client_certificate_and_an_unpinned_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let (a, b) = (Ca::new("Test CA A"), Ca::new("Test CA B"));
    let (server_a, client_a) = (a.sign(true), a.sign(false));
    let (server_b, client_b) = (b.sign(true), b.sign(false));
    let client_ca = write(d, "ca-a.pem", &a.pem);
    let log = d.join("bank.jsonl");
    let bank_args = |server: &(String, String), tag: &str| {
        let cert = write(d, &format!("server-{tag}.pem"), &server.0);
        let key = write(d, &format!("server-{tag}.key"), &server.1);
        let ca = client_ca.clone();
        vec![
            "--tls-cert".to_string(),
            cert,
            "--tls-key".into(),
            key,
            "--client-ca".into(),
            ca,
        ]
    };
    let args = bank_args(&server_a, "a");
    let bank = Bank::start(&log, &args.iter().map(String::as_str).collect::<Vec<_>>());

    let (answer, logged) = send(&tls_connector(&bank, &client_a, &a.pem), &bank).await;
    assert!(
        matches!(answer, Ok(RailAnswer::Final(RailOutcome::Accepted))),
        "{answer:?}"
    );
    assert!(logged, "the bank received the credit");

    let (answer, logged) = send(&tls_connector(&bank, &client_b, &a.pem), &bank).await;
    assert!(
        matches!(answer, Err(RailError::Unavailable(_))),
        "{answer:?}"
    );
    assert!(
        !logged,
        "a client certificate from another CA never gets a request in"
    );
    drop(bank);

    // A server whose certificate does not chain to the pinned CA is never talked to.
    let args = bank_args(&server_b, "b");
    let bank = Bank::start(&log, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let (answer, logged) = send(&tls_connector(&bank, &client_a, &a.pem), &bank).await;
    assert!(
        matches!(answer, Err(RailError::Unavailable(_))),
        "{answer:?}"
    );
    assert!(!logged, "nothing was sent to an unpinned server");
}
