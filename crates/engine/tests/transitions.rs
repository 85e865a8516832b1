//! Every row of `docs/verification-states.md`, as a table: a starting snapshot, an action, and
//! the verification status, bank-account status/reason, exception details and events the rules
//! must produce. Expiry is exercised by moving time, never by sleeping.
//!
//! Rows 4 and 13 for ACH (credits leaving in a NACHA file) are not here: the cutoff's claim
//! transaction makes that transition for every entry of a file at once, in SQL, and the store
//! conformance suite checks it (see docs/verification-states.md).
//!
//! Randomness (amounts, codes, IDs) comes from one seed per run, printed when a test fails;
//! `PENNYDROP_SEED=<seed> cargo test -p pennydrop-engine --test transitions` replays it.

use jiff::{SignedDuration, Timestamp};
use pennydrop_core::change::{Change, Snapshot};
use pennydrop_core::crypto::{SecretKey, Vault};
use pennydrop_core::model::{
    BankAccount, BankAccountStatus as BA, BankAccountType, HolderType, Mode, StatusReason as R,
    Verification, VerificationKind, VerificationSecret, VerificationStatus as V,
};
use pennydrop_core::random::SeededRandom;
use pennydrop_core::{AccountNumber, RoutingNumber};
use pennydrop_engine::rules::{self, CreditRoute, InstantNetwork, RailOutcome, Refusal};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use std::cell::RefCell;
use std::sync::LazyLock;
use uuid::Uuid;

fn t0() -> Timestamp {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

fn later(days: i64) -> Timestamp {
    t0() + SignedDuration::from_hours(24 * days)
}

/// This run's seed: `PENNYDROP_SEED` to replay one, otherwise fresh.
static SEED: LazyLock<u64> = LazyLock::new(|| SeededRandom::from_env_or_fresh().seed());

thread_local! {
    /// Each test (the harness runs each on its own thread, named after it) draws from its own
    /// generator, derived from the run's seed and its name, so parallel tests replay exactly.
    static TEST_RNG: RefCell<StdRng> = RefCell::new({
        let name = std::thread::current().name().unwrap_or("").to_string();
        let salt = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        StdRng::seed_from_u64(*SEED ^ salt)
    });
}

/// Prints the seed when the test holding it fails.
struct SeedGuard;

impl Drop for SeedGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "replay this failure with PENNYDROP_SEED={} cargo test -p pennydrop-engine --test transitions",
                *SEED
            );
        }
    }
}

fn seeded() -> SeedGuard {
    LazyLock::force(&SEED);
    SeedGuard
}

/// The test's generator.
struct TestRng;

impl RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        TEST_RNG.with(|r| r.borrow_mut().next_u32())
    }
    fn next_u64(&mut self) -> u64 {
        TEST_RNG.with(|r| r.borrow_mut().next_u64())
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        TEST_RNG.with(|r| r.borrow_mut().fill_bytes(dest))
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        TEST_RNG.with(|r| r.borrow_mut().try_fill_bytes(dest))
    }
}

fn rng() -> TestRng {
    TestRng
}

fn bank_account(status: BA, reason: R, kind: BankAccountType) -> BankAccount {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let id = Uuid::new_v4();
    let number = AccountNumber::parse("12345678").unwrap();
    BankAccount {
        bank_account_id: id,
        account_id: Uuid::new_v4(),
        tenant_id: Uuid::new_v4(),
        fingerprint: vault.fingerprint(&RoutingNumber::parse("021000021").unwrap(), &number),
        status,
        status_reason: reason,
        exception_details: None,
        holder_name: "Jane Doe".into(),
        holder_type: HolderType::Individual,
        bank_name: "X".into(),
        bank_account_type: kind,
        routing_number: "021000021".into(),
        last_four: "5678".into(),
        sealed: vault.seal(&number, id.as_bytes()),
        created_on: t0(),
        updated_on: t0(),
        disabled_on: None,
        unlocked_on: None,
        version: 4,
    }
}

fn fresh() -> Snapshot {
    Snapshot {
        bank_account: bank_account(BA::New, R::BankAccountCreated, BankAccountType::Checking),
        verifications: vec![],
    }
}

fn round(snap: &Snapshot, kind: VerificationKind, status: V, attempts: u32) -> Verification {
    let b = &snap.bank_account;
    Verification {
        verification_id: Uuid::new_v4(),
        bank_account_id: b.bank_account_id,
        account_id: b.account_id,
        tenant_id: b.tenant_id,
        kind,
        status,
        secret: match kind {
            VerificationKind::MicroDeposits => VerificationSecret::Amounts([12, 34]),
            _ => VerificationSecret::Code("4321".into()),
        },
        failed_attempts: attempts,
        exception_details: None,
        created_on: t0(),
        expires_on: later(14),
        sent_on: (status != V::New).then_some(t0()),
        updated_on: t0(),
    }
}

/// A pending bank account whose latest round is `kind` in `status`, after `earlier` ended rounds.
fn with_round(kind: VerificationKind, status: V, attempts: u32, earlier: usize) -> Snapshot {
    let mut snap = fresh();
    snap.bank_account.status = BA::Pending;
    snap.bank_account.status_reason = R::VerificationInitiated;
    for _ in 0..earlier {
        let v = round(&snap, kind, V::Expired, 0);
        snap.verifications.push(v);
    }
    let v = round(&snap, kind, status, attempts);
    snap.verifications.push(v);
    snap
}

/// Moov's rounds per bank account: 3 micro-deposit rounds, 3 instant verifications.
fn moov() -> pennydrop_engine::risk::Rounds {
    pennydrop_engine::risk::RiskSettings::default().bank_account_rounds
}

/// `snap` with `n` expired rounds of `kind` before its latest one.
fn after(mut snap: Snapshot, kind: VerificationKind, n: usize) -> Snapshot {
    for _ in 0..n {
        let v = round(&snap, kind, V::Expired, 0);
        snap.verifications.insert(0, v);
    }
    snap
}

fn due() -> Timestamp {
    t0() + SignedDuration::from_hours(1)
}

struct Row {
    name: &'static str,
    snapshot: Snapshot,
    act: fn(&Snapshot) -> Result<Change, Refusal>,
    verification: Option<V>,
    bank_account: Option<(BA, R)>,
    events: &'static [&'static str],
}

fn micro_initiate_production(s: &Snapshot) -> Result<Change, Refusal> {
    rules::initiate_micro_deposits(s, Mode::Production, moov(), due(), t0(), &mut rng())
}
fn micro_initiate_sandbox(s: &Snapshot) -> Result<Change, Refusal> {
    rules::initiate_micro_deposits(s, Mode::Sandbox, moov(), due(), t0(), &mut rng())
}
fn decision(d: rules::Decision<impl std::fmt::Debug>) -> Result<Change, Refusal> {
    match (d.change, d.result) {
        (Some(c), _) => Ok(c),
        (None, Err(r)) => Err(r),
        (None, Ok(v)) => panic!("no change but success: {v:?}"),
    }
}
fn micro_right(s: &Snapshot) -> Result<Change, Refusal> {
    decision(rules::complete_micro_deposits(
        s,
        moov(),
        [34, 12],
        t0(),
        &mut rng(),
    ))
}
fn micro_wrong(s: &Snapshot) -> Result<Change, Refusal> {
    decision(rules::complete_micro_deposits(
        s,
        moov(),
        [12, 35],
        t0(),
        &mut rng(),
    ))
}
fn expire_at_14_days(s: &Snapshot) -> Result<Change, Refusal> {
    assert!(
        rules::expire(s, later(14) - SignedDuration::from_secs(1), &mut rng()).is_none(),
        "not a second early"
    );
    Ok(rules::expire(s, later(14), &mut rng()).expect("due"))
}
fn instant_initiate_rtp(s: &Snapshot) -> Result<Change, Refusal> {
    rules::initiate_instant(
        s,
        Mode::Production,
        moov(),
        CreditRoute::Instant(InstantNetwork::Rtp),
        "ACME",
        t0(),
        &mut rng(),
    )
    .map(|(c, _)| c)
}
fn instant_initiate_ach(s: &Snapshot) -> Result<Change, Refusal> {
    rules::initiate_instant(
        s,
        Mode::Production,
        moov(),
        CreditRoute::Ach { due_at: due() },
        "ACME",
        t0(),
        &mut rng(),
    )
    .map(|(c, _)| c)
}
fn instant_initiate_sandbox(s: &Snapshot) -> Result<Change, Refusal> {
    rules::initiate_instant(
        s,
        Mode::Sandbox,
        moov(),
        CreditRoute::Instant(InstantNetwork::Rtp),
        "ACME",
        t0(),
        &mut rng(),
    )
    .map(|(c, _)| c)
}
fn latest_id(s: &Snapshot) -> Uuid {
    s.verifications.last().unwrap().verification_id
}
fn rail_accepts(s: &Snapshot) -> Result<Change, Refusal> {
    Ok(rules::credit_answered(
        s,
        latest_id(s),
        Uuid::new_v4(),
        InstantNetwork::Rtp,
        &RailOutcome::Accepted,
        t0(),
        &mut rng(),
    ))
}
fn rtp_rejects(s: &Snapshot) -> Result<Change, Refusal> {
    let outcome = RailOutcome::Rejected {
        code: "AC04".into(),
    };
    Ok(rules::credit_answered(
        s,
        latest_id(s),
        Uuid::new_v4(),
        InstantNetwork::Rtp,
        &outcome,
        t0(),
        &mut rng(),
    ))
}
fn fednow_rejects(s: &Snapshot) -> Result<Change, Refusal> {
    let outcome = RailOutcome::Rejected {
        code: "AC03".into(),
    };
    Ok(rules::credit_answered(
        s,
        latest_id(s),
        Uuid::new_v4(),
        InstantNetwork::FedNow,
        &outcome,
        t0(),
        &mut rng(),
    ))
}
fn held_at_cutoff(s: &Snapshot) -> Result<Change, Refusal> {
    let hold = pennydrop_core::model::EntryHold {
        entry_id: Uuid::new_v4(),
        rule: "individual-name".into(),
        reason: "individual name: the receiver's name is blank".into(),
    };
    Ok(rules::hold_back(
        s,
        latest_id(s),
        vec![hold],
        t0(),
        &mut rng(),
    ))
}
fn unlock(s: &Snapshot) -> Result<Change, Refusal> {
    rules::unlock(s, t0(), &mut rng()).map(|(c, _)| c)
}
fn code_right(s: &Snapshot) -> Result<Change, Refusal> {
    decision(rules::complete_instant(s, moov(), "4321", t0(), &mut rng()))
}
fn code_wrong(s: &Snapshot) -> Result<Change, Refusal> {
    decision(rules::complete_instant(s, moov(), "4322", t0(), &mut rng()))
}

const UPDATED: &str = "bankAccount.updated";
const PM: &str = "paymentMethod.enabled";
const FAILED_ATTEMPT: &str = "verification.attemptFailed";
const ACCEPTED: &str = "instantCredit.accepted";
const REJECTED: &str = "instantCredit.rejected";

fn rows() -> Vec<Row> {
    use VerificationKind::{Instant, InstantAch, MicroDeposits as Micro};
    let mut verification_failed = fresh();
    verification_failed.bank_account.status = BA::VerificationFailed;
    verification_failed.bank_account.status_reason = R::MicroDepositExpired;
    let expired = round(&verification_failed, Micro, V::Expired, 0);
    verification_failed.verifications.push(expired);
    vec![
        Row {
            name: "2 initiate micro-deposits (production)",
            snapshot: fresh(),
            act: micro_initiate_production,
            verification: Some(V::New),
            bank_account: Some((BA::Pending, R::VerificationInitiated)),
            events: &[UPDATED],
        },
        Row {
            name: "2b initiate again after an expired round",
            snapshot: verification_failed,
            act: micro_initiate_production,
            verification: Some(V::New),
            bank_account: Some((BA::Pending, R::VerificationInitiated)),
            events: &[UPDATED],
        },
        Row {
            name: "3 initiate micro-deposits (sandbox)",
            snapshot: fresh(),
            act: micro_initiate_sandbox,
            verification: Some(V::SentCredit),
            bank_account: Some((BA::Pending, R::VerificationInitiated)),
            events: &[UPDATED],
        },
        Row {
            name: "5 right amounts, any order",
            snapshot: with_round(Micro, V::SentCredit, 2, 0),
            act: micro_right,
            verification: Some(V::Successful),
            bank_account: Some((BA::Verified, R::VerificationSuccessful)),
            events: &[UPDATED, PM, PM],
        },
        Row {
            name: "6 wrong amounts with attempts left",
            snapshot: with_round(Micro, V::SentCredit, 1, 0),
            act: micro_wrong,
            verification: Some(V::SentCredit),
            bank_account: None,
            events: &[FAILED_ATTEMPT],
        },
        Row {
            name: "7 third wrong amounts",
            snapshot: with_round(Micro, V::SentCredit, 2, 0),
            act: micro_wrong,
            verification: Some(V::MaxAttemptsExceeded),
            bank_account: Some((BA::VerificationFailed, R::MicroDepositAttemptsExceeded)),
            events: &[FAILED_ATTEMPT, UPDATED],
        },
        Row {
            name: "7b third wrong amounts in the last micro-deposit round, instant rounds left",
            snapshot: with_round(Micro, V::SentCredit, 2, 2),
            act: micro_wrong,
            verification: Some(V::MaxAttemptsExceeded),
            bank_account: Some((BA::VerificationFailed, R::MicroDepositAttemptsExceeded)),
            events: &[FAILED_ATTEMPT, UPDATED],
        },
        Row {
            name: "8 third wrong amounts in the last round of either method",
            snapshot: after(with_round(Micro, V::SentCredit, 2, 2), Instant, 3),
            act: micro_wrong,
            verification: Some(V::MaxAttemptsExceeded),
            bank_account: Some((BA::Errored, R::MaxVerificationFailures)),
            events: &[FAILED_ATTEMPT, UPDATED],
        },
        Row {
            name: "9 micro-deposits expire after 14 days (sent)",
            snapshot: with_round(Micro, V::SentCredit, 1, 0),
            act: expire_at_14_days,
            verification: Some(V::Expired),
            bank_account: Some((BA::VerificationFailed, R::MicroDepositExpired)),
            events: &[UPDATED],
        },
        Row {
            name: "9b micro-deposits expire after 14 days (unsent)",
            snapshot: with_round(Micro, V::New, 0, 0),
            act: expire_at_14_days,
            verification: Some(V::Expired),
            bank_account: Some((BA::VerificationFailed, R::MicroDepositExpired)),
            events: &[UPDATED],
        },
        Row {
            name: "10 initiate instant, bank reachable instantly",
            snapshot: fresh(),
            act: instant_initiate_rtp,
            verification: Some(V::New),
            bank_account: Some((BA::Pending, R::VerificationInitiated)),
            events: &[UPDATED],
        },
        Row {
            name: "11 initiate instant, ACH fallback",
            snapshot: fresh(),
            act: instant_initiate_ach,
            verification: Some(V::New),
            bank_account: Some((BA::Pending, R::VerificationInitiated)),
            events: &[UPDATED],
        },
        Row {
            name: "12 initiate instant (sandbox)",
            snapshot: fresh(),
            act: instant_initiate_sandbox,
            verification: Some(V::SentCredit),
            bank_account: Some((BA::Pending, R::VerificationInitiated)),
            events: &[UPDATED],
        },
        Row {
            name: "13 rail accepts the credit",
            snapshot: with_round(Instant, V::New, 0, 0),
            act: rail_accepts,
            verification: Some(V::SentCredit),
            bank_account: None,
            events: &[ACCEPTED],
        },
        Row {
            name: "14 RTP rejects the credit",
            snapshot: with_round(Instant, V::New, 0, 0),
            act: rtp_rejects,
            verification: Some(V::Failed),
            bank_account: Some((BA::Errored, R::RtpCreditFailure)),
            events: &[REJECTED, UPDATED],
        },
        Row {
            name: "15 FedNow rejects the credit",
            snapshot: with_round(Instant, V::New, 0, 0),
            act: fednow_rejects,
            verification: Some(V::Failed),
            bank_account: Some((BA::Errored, R::FednowCreditFailure)),
            events: &[REJECTED, UPDATED],
        },
        Row {
            name: "16 right code",
            snapshot: with_round(Instant, V::SentCredit, 4, 0),
            act: code_right,
            verification: Some(V::Successful),
            bank_account: Some((BA::Verified, R::VerificationSuccessful)),
            events: &[UPDATED, PM, PM],
        },
        Row {
            name: "16b right code on the ACH fallback",
            snapshot: with_round(InstantAch, V::SentCredit, 0, 0),
            act: code_right,
            verification: Some(V::Successful),
            bank_account: Some((BA::Verified, R::VerificationSuccessful)),
            events: &[UPDATED, PM, PM],
        },
        Row {
            name: "17 wrong code with attempts left",
            snapshot: with_round(Instant, V::SentCredit, 3, 0),
            act: code_wrong,
            verification: Some(V::SentCredit),
            bank_account: None,
            events: &[FAILED_ATTEMPT],
        },
        Row {
            name: "18 fifth wrong code",
            snapshot: with_round(Instant, V::SentCredit, 4, 0),
            act: code_wrong,
            verification: Some(V::MaxAttemptsExceeded),
            bank_account: Some((BA::VerificationFailed, R::VerificationAttemptsExceeded)),
            events: &[FAILED_ATTEMPT, UPDATED],
        },
        Row {
            name: "18b fifth wrong code in the third verification, micro-deposit rounds left",
            snapshot: with_round(Instant, V::SentCredit, 4, 2),
            act: code_wrong,
            verification: Some(V::MaxAttemptsExceeded),
            bank_account: Some((BA::VerificationFailed, R::VerificationAttemptsExceeded)),
            events: &[FAILED_ATTEMPT, UPDATED],
        },
        Row {
            name: "19 fifth wrong code in the last round of either method",
            snapshot: after(with_round(Instant, V::SentCredit, 4, 2), Micro, 3),
            act: code_wrong,
            verification: Some(V::MaxAttemptsExceeded),
            bank_account: Some((BA::Errored, R::MaxVerificationFailures)),
            events: &[FAILED_ATTEMPT, UPDATED],
        },
        Row {
            name: "20 instant verification expires after 14 days",
            snapshot: with_round(Instant, V::SentCredit, 0, 0),
            act: expire_at_14_days,
            verification: Some(V::Expired),
            bank_account: Some((BA::VerificationFailed, R::VerificationExpired)),
            events: &[UPDATED],
        },
        Row {
            name: "20b unsent instant verification expires",
            snapshot: with_round(Instant, V::New, 0, 0),
            act: expire_at_14_days,
            verification: Some(V::Expired),
            bank_account: Some((BA::VerificationFailed, R::VerificationExpired)),
            events: &[UPDATED],
        },
        Row {
            name: "23 an operator unlocks a bank account whose rounds ran out",
            snapshot: {
                let mut s = after(with_round(Micro, V::MaxAttemptsExceeded, 3, 2), Instant, 3);
                s.bank_account.status = BA::Errored;
                s.bank_account.status_reason = R::MaxVerificationFailures;
                s
            },
            act: unlock,
            verification: None,
            bank_account: Some((BA::New, R::AdminAction)),
            events: &[UPDATED],
        },
        Row {
            name: "23b an operator unlocks a bank account whose round failed",
            snapshot: {
                let mut s = with_round(Micro, V::MaxAttemptsExceeded, 3, 0);
                s.bank_account.status = BA::VerificationFailed;
                s.bank_account.status_reason = R::MicroDepositAttemptsExceeded;
                s
            },
            act: unlock,
            verification: None,
            bank_account: Some((BA::New, R::AdminAction)),
            events: &[UPDATED],
        },
        Row {
            name: "22 micro-deposit entries held back at the cutoff",
            snapshot: with_round(Micro, V::New, 0, 0),
            act: held_at_cutoff,
            verification: Some(V::Failed),
            bank_account: Some((BA::Errored, R::Other)),
            events: &[UPDATED],
        },
        Row {
            name: "22b ACH-fallback credit held back at the cutoff",
            snapshot: with_round(InstantAch, V::New, 0, 0),
            act: held_at_cutoff,
            verification: Some(V::Failed),
            bank_account: Some((BA::Errored, R::Other)),
            events: &[UPDATED],
        },
    ]
}

#[test]
fn every_row_of_the_transition_table() {
    let _seed = seeded();
    for row in rows() {
        let change =
            (row.act)(&row.snapshot).unwrap_or_else(|r| panic!("{}: refused: {r}", row.name));
        assert_eq!(
            change.expected_version, row.snapshot.bank_account.version,
            "{}: CAS on the read version",
            row.name
        );
        let v = change
            .insert_verification
            .as_ref()
            .or(change.update_verification.as_ref());
        assert_eq!(
            v.map(|v| v.status),
            row.verification,
            "{}: verification status",
            row.name
        );
        assert_eq!(
            change.status.as_ref().map(|s| (s.status, s.reason)),
            row.bank_account,
            "{}: bank account status",
            row.name
        );
        let types: Vec<&str> = change
            .events
            .iter()
            .map(|e| e.event_type.as_str())
            .collect();
        assert_eq!(types, row.events, "{}: events", row.name);
        // Every bankAccount.updated event carries the new status, as moov.md describes it.
        for e in change.events.iter().filter(|e| e.event_type == UPDATED) {
            let s = change
                .status
                .as_ref()
                .expect("an update event comes with a status change");
            assert_eq!(e.data["status"], s.status.as_str(), "{}", row.name);
            assert_eq!(e.data["statusReason"], s.reason.as_str(), "{}", row.name);
            assert_eq!(
                e.data["bankAccountID"],
                row.snapshot.bank_account.bank_account_id.to_string()
            );
        }
    }
}

#[test]
fn a_hold_names_the_rule_and_only_holds_once_the_verification_is_over() {
    let _seed = seeded();
    let snap = with_round(VerificationKind::MicroDeposits, V::New, 0, 0);
    let change = held_at_cutoff(&snap).unwrap();
    assert_eq!(change.held_entries.len(), 1);
    assert_eq!(change.cancel_pending_of, Some(latest_id(&snap)));
    let details = change
        .update_verification
        .unwrap()
        .exception_details
        .unwrap();
    assert!(
        details.description.contains("individual-name"),
        "{details:?}"
    );
    assert_eq!(change.status.unwrap().exception_details, Some(details));
    // An expired round keeps its status; its entries are only held.
    let over = with_round(VerificationKind::MicroDeposits, V::Expired, 0, 0);
    let change = held_at_cutoff(&over).unwrap();
    assert_eq!(change.held_entries.len(), 1);
    assert!(change.update_verification.is_none() && change.status.is_none());
    assert!(change.events.is_empty());
}

#[test]
fn rejections_carry_exception_details_on_both_records() {
    let _seed = seeded();
    let snap = with_round(VerificationKind::Instant, V::New, 0, 0);
    let change = rtp_rejects(&snap).unwrap();
    let details = change
        .status
        .as_ref()
        .unwrap()
        .exception_details
        .clone()
        .unwrap();
    assert_eq!(details.rtp_rejection_code.as_deref(), Some("AC04"));
    assert!(details.description.contains("closed"));
    assert_eq!(
        change.update_verification.unwrap().exception_details,
        Some(details.clone())
    );
    assert_eq!(
        change.events[1].data["exceptionDetails"]["rtpRejectionCode"],
        "AC04"
    );
    let change = fednow_rejects(&snap).unwrap();
    let details = change.status.unwrap().exception_details.unwrap();
    assert_eq!(details.fednow_rejection_code.as_deref(), Some("AC03"));
    assert_eq!(details.rtp_rejection_code, None);
}

#[test]
fn production_micro_deposits_queue_two_credits_and_a_recoup_debit() {
    let _seed = seeded();
    for _ in 0..200 {
        let change = rules::initiate_micro_deposits(
            &fresh(),
            Mode::Production,
            moov(),
            due(),
            t0(),
            &mut rng(),
        )
        .unwrap();
        let entries = &change.ach_entries;
        assert_eq!(entries.len(), 3);
        let credits: Vec<i64> = entries
            .iter()
            .filter(|e| e.is_credit)
            .map(|e| e.amount_cents)
            .collect();
        let debits: Vec<i64> = entries
            .iter()
            .filter(|e| !e.is_credit)
            .map(|e| e.amount_cents)
            .collect();
        assert_eq!(credits.len(), 2);
        assert!(credits.iter().all(|c| (1..=49).contains(c)), "{credits:?}");
        assert_eq!(
            debits,
            vec![credits[0] + credits[1]],
            "the debit recoups exactly the credits"
        );
        assert!(entries.iter().all(|e| e.due_at == due()));
        let Some(VerificationSecret::Amounts(secret)) =
            change.insert_verification.map(|v| v.secret)
        else {
            panic!()
        };
        let mut sorted = credits.clone();
        sorted.sort();
        let mut s = secret.to_vec();
        s.sort();
        assert_eq!(s, sorted);
    }
    // Loan accounts take no debit.
    let mut loan = fresh();
    loan.bank_account.bank_account_type = BankAccountType::Loan;
    let change = micro_initiate_production(&loan).unwrap();
    assert!(change.ach_entries.iter().all(|e| e.is_credit));
}

#[test]
fn sandbox_never_reaches_a_rail() {
    let _seed = seeded();
    let change = micro_initiate_sandbox(&fresh()).unwrap();
    assert!(change.ach_entries.is_empty() && change.instant_credits.is_empty());
    let v = change.insert_verification.unwrap();
    assert_eq!(v.secret, VerificationSecret::Amounts([0, 0]));
    let (change, v) = rules::initiate_instant(
        &fresh(),
        Mode::Sandbox,
        moov(),
        CreditRoute::Ach { due_at: due() },
        "X",
        t0(),
        &mut rng(),
    )
    .unwrap();
    assert!(change.ach_entries.is_empty() && change.instant_credits.is_empty());
    assert_eq!(v.secret, VerificationSecret::Code("0001".into()));
}

#[test]
fn instant_routes_put_the_code_on_the_right_rail() {
    let _seed = seeded();
    let change = instant_initiate_rtp(&fresh()).unwrap();
    assert_eq!(change.instant_credits.len(), 1);
    assert!(change.ach_entries.is_empty());
    let credit = &change.instant_credits[0];
    assert_eq!(credit.amount_cents, 1);
    let Some(VerificationSecret::Code(code)) = change
        .insert_verification
        .as_ref()
        .map(|v| v.secret.clone())
    else {
        panic!()
    };
    assert_eq!(credit.remittance, format!("ACME MV{code}"));
    let change = instant_initiate_ach(&fresh()).unwrap();
    assert_eq!(
        change.insert_verification.as_ref().unwrap().kind,
        VerificationKind::InstantAch
    );
    assert_eq!(change.ach_entries.len(), 1);
    assert_eq!(change.ach_entries[0].amount_cents, 1);
    assert!(change.ach_entries[0]
        .addenda
        .as_deref()
        .unwrap()
        .starts_with("MV"));
}

#[test]
fn refusals_change_nothing() {
    let _seed = seeded();
    use VerificationKind::{Instant, MicroDeposits as Micro};
    let mut verified = fresh();
    verified.bank_account.status = BA::Verified;
    assert_eq!(
        micro_initiate_production(&verified).unwrap_err(),
        Refusal::AlreadyVerified
    );
    let mut errored = fresh();
    errored.bank_account.status = BA::Errored;
    errored.bank_account.status_reason = R::RtpCreditFailure;
    assert!(matches!(
        instant_initiate_rtp(&errored).unwrap_err(),
        Refusal::Unusable { .. }
    ));
    let active = with_round(Micro, V::SentCredit, 0, 0);
    assert_eq!(
        instant_initiate_rtp(&active).unwrap_err(),
        Refusal::InProgress { kind: Micro }
    );
    assert_eq!(
        micro_initiate_production(&active).unwrap_err(),
        Refusal::InProgress { kind: Micro }
    );
    let mut exhausted = with_round(Micro, V::Expired, 0, 2);
    exhausted.bank_account.status = BA::VerificationFailed;
    let rounds_rule = |r: Refusal| {
        matches!(
            r,
            Refusal::Risk {
                rule: pennydrop_core::risk::RiskRule::BankAccountRounds,
                ..
            }
        )
    };
    assert!(rounds_rule(
        micro_initiate_production(&exhausted).unwrap_err()
    ));
    // The other method still has its rounds.
    assert!(instant_initiate_rtp(&exhausted).is_ok());
    let mut exhausted = with_round(Instant, V::Expired, 0, 2);
    exhausted.bank_account.status = BA::VerificationFailed;
    assert!(rounds_rule(instant_initiate_rtp(&exhausted).unwrap_err()));
    // Rounds out of both methods: errored, refused by the rounds rule (not "link it again").
    let mut both = after(with_round(Instant, V::MaxAttemptsExceeded, 5, 2), Micro, 3);
    both.bank_account.status = BA::Errored;
    both.bank_account.status_reason = R::MaxVerificationFailures;
    assert!(rounds_rule(instant_initiate_rtp(&both).unwrap_err()));
    assert!(rounds_rule(micro_initiate_production(&both).unwrap_err()));
    // The rule switched off: no limit.
    let off = pennydrop_engine::risk::Rounds {
        enabled: false,
        ..moov()
    };
    assert!(
        rules::initiate_micro_deposits(&both, Mode::Production, off, due(), t0(), &mut rng())
            .is_ok()
    );
    // After an unlock only the rounds created since count.
    let (_, unlocked_on) = rules::unlock(&both, t0(), &mut rng()).unwrap();
    assert!(
        unlocked_on > t0(),
        "just after the newest round, even at the same instant"
    );
    let mut unlocked = both.clone();
    unlocked.bank_account.unlocked_on = Some(unlocked_on);
    unlocked.bank_account.status = BA::New;
    unlocked.bank_account.status_reason = R::AdminAction;
    assert!(micro_initiate_production(&unlocked).is_ok());
    assert!(instant_initiate_rtp(&unlocked).is_ok());
    // Unlocking is refused where it makes no sense.
    assert_eq!(unlock(&verified).unwrap_err(), Refusal::AlreadyVerified);
    assert!(matches!(
        unlock(&errored).unwrap_err(),
        Refusal::Unusable { .. }
    ));
    assert_eq!(
        unlock(&active).unwrap_err(),
        Refusal::InProgress { kind: Micro }
    );

    // Completing before the credits are sent does not count as an attempt.
    let unsent = with_round(Micro, V::New, 0, 0);
    let d = rules::complete_micro_deposits(&unsent, moov(), [12, 34], t0(), &mut rng());
    assert!(d.change.is_none());
    assert_eq!(d.result.unwrap_err(), Refusal::MicroDepositsNotSent);
    let d = rules::complete_instant(
        &with_round(Instant, V::New, 0, 0),
        moov(),
        "4321",
        t0(),
        &mut rng(),
    );
    assert!(d.change.is_none());
    assert_eq!(d.result.unwrap_err(), Refusal::CreditNotSent);
    // Nothing to complete.
    assert_eq!(
        rules::complete_micro_deposits(&fresh(), moov(), [1, 2], t0(), &mut rng())
            .result
            .unwrap_err(),
        Refusal::NoMicroDeposits
    );
    assert_eq!(
        rules::complete_instant(&fresh(), moov(), "0001", t0(), &mut rng())
            .result
            .unwrap_err(),
        Refusal::NoInstantVerification
    );
    // Ended rounds refuse even the right answer.
    for status in [V::Expired, V::MaxAttemptsExceeded, V::Failed] {
        let d = rules::complete_micro_deposits(
            &with_round(Micro, status, 3, 0),
            moov(),
            [12, 34],
            t0(),
            &mut rng(),
        );
        assert!(d.change.is_none());
        assert_eq!(d.result.unwrap_err(), Refusal::Ended { status });
    }
    // A repeated right answer after success is idempotent; a wrong one is a conflict.
    let done = with_round(Micro, V::Successful, 0, 0);
    assert!(
        rules::complete_micro_deposits(&done, moov(), [12, 34], t0(), &mut rng())
            .result
            .is_ok()
    );
    assert_eq!(
        rules::complete_micro_deposits(&done, moov(), [1, 2], t0(), &mut rng())
            .result
            .unwrap_err(),
        Refusal::AlreadyVerified
    );
    // A late rail answer does not revive an expired verification.
    let expired = with_round(Instant, V::Expired, 0, 0);
    let change = rail_accepts(&expired).unwrap();
    assert!(change.update_verification.is_none() && change.status.is_none());
    assert!(
        change.credit_result.is_some(),
        "the answer is still recorded on the credit"
    );
}

#[test]
fn wrong_answers_count_down() {
    let _seed = seeded();
    let d = rules::complete_micro_deposits(
        &with_round(VerificationKind::MicroDeposits, V::SentCredit, 0, 0),
        moov(),
        [1, 2],
        t0(),
        &mut rng(),
    );
    assert_eq!(
        d.result.unwrap_err(),
        Refusal::WrongAmounts { attempts_left: 2 }
    );
    let d = rules::complete_instant(
        &with_round(VerificationKind::Instant, V::SentCredit, 0, 0),
        moov(),
        "0000",
        t0(),
        &mut rng(),
    );
    assert_eq!(
        d.result.unwrap_err(),
        Refusal::WrongCode { attempts_left: 4 }
    );
}

#[test]
fn codes_parse_in_every_documented_form() {
    let _seed = seeded();
    for ok in ["MV1234", "mv1234", "1234", " MV1234 "] {
        assert_eq!(rules::parse_code(ok).as_deref(), Some("1234"), "{ok}");
    }
    for bad in ["MV123", "12345", "MVabcd", "", "MV 1234", "XY1234"] {
        assert_eq!(rules::parse_code(bad), None, "{bad}");
    }
}

/// A return of an earlier round's credit that arrives while a later round is in progress (the
/// file reached the bank late) ends the round in progress with the bank account, as it would
/// the entry's own round; found by the simulation's transport faults (seed 20188).
#[test]
fn a_late_return_of_an_earlier_round_ends_the_round_in_progress() {
    let _seed = seeded();
    use pennydrop_core::model::{AchEntry, EntryPurpose, EntryStatus};
    let mut snap = with_round(VerificationKind::MicroDeposits, V::SentCredit, 0, 0);
    let current = latest_id(&snap);
    let mut earlier = snap.verifications[0].clone();
    earlier.verification_id = Uuid::new_v4();
    earlier.status = V::MaxAttemptsExceeded;
    snap.verifications.push(earlier.clone());
    let entry = AchEntry {
        entry_id: Uuid::new_v4(),
        tenant_id: snap.bank_account.tenant_id,
        bank_account_id: snap.bank_account.bank_account_id,
        verification_id: earlier.verification_id,
        purpose: EntryPurpose::MicroDepositCredit,
        amount_cents: 12,
        sealed_amount: None,
        is_credit: true,
        addenda: None,
        due_at: t0(),
        status: EntryStatus::Batched,
        created_on: t0(),
    };
    let change = pennydrop_engine::returns::ach_return(&snap, &entry, "R02", t0(), &mut rng());
    assert_eq!(
        change.status.as_ref().map(|s| (s.status, s.reason)),
        Some((BA::Errored, R::MicroDepositReturn))
    );
    let failed = change
        .update_verification
        .expect("the round in progress ends");
    assert_eq!(
        (failed.verification_id, failed.status),
        (current, V::Failed)
    );
    assert_eq!(change.cancel_pending_of, Some(current));
}

/// The return mapping of docs/ach.md, row by row.
#[test]
fn ach_returns_follow_the_documented_mapping() {
    let _seed = seeded();
    use pennydrop_core::model::{AchEntry, EntryPurpose, EntryStatus};
    use pennydrop_engine::returns::ach_return;
    fn entry(s: &Snapshot, purpose: EntryPurpose, credit: bool) -> AchEntry {
        AchEntry {
            entry_id: Uuid::new_v4(),
            tenant_id: s.bank_account.tenant_id,
            bank_account_id: s.bank_account.bank_account_id,
            verification_id: latest_id(s),
            purpose,
            amount_cents: 12,
            sealed_amount: None,
            is_credit: credit,
            addenda: None,
            due_at: t0(),
            status: EntryStatus::Batched,
            created_on: t0(),
        }
    }
    let micro = || with_round(VerificationKind::MicroDeposits, V::SentCredit, 0, 0);
    let mut verified = with_round(VerificationKind::MicroDeposits, V::Successful, 0, 0);
    verified.bank_account.status = BA::Verified;
    verified.bank_account.status_reason = R::VerificationSuccessful;
    let fallback = with_round(VerificationKind::InstantAch, V::SentCredit, 0, 0);
    use EntryPurpose::{
        MicroDepositCredit as Credit, MicroDepositDebit as Debit, VerificationCredit as Code,
    };
    /// (snapshot, purpose, is_credit, code, expected bank account change, verification fails)
    type ReturnRow = (
        Snapshot,
        EntryPurpose,
        bool,
        &'static str,
        Option<(BA, R)>,
        bool,
    );
    let rows: Vec<ReturnRow> = vec![
        (
            micro(),
            Credit,
            true,
            "R03",
            Some((BA::VerificationFailed, R::MicroDepositReturn)),
            true,
        ),
        (
            micro(),
            Credit,
            true,
            "R04",
            Some((BA::VerificationFailed, R::MicroDepositReturn)),
            true,
        ),
        (
            micro(),
            Credit,
            true,
            "R02",
            Some((BA::Errored, R::MicroDepositReturn)),
            true,
        ),
        (
            micro(),
            Credit,
            true,
            "R16",
            Some((BA::Errored, R::MicroDepositReturn)),
            true,
        ),
        (
            micro(),
            Credit,
            true,
            "R20",
            Some((BA::Errored, R::MicroDepositReturn)),
            true,
        ),
        (
            micro(),
            Credit,
            true,
            "R23",
            Some((BA::Errored, R::MicroDepositReturn)),
            true,
        ),
        (
            micro(),
            Credit,
            true,
            "R99",
            Some((BA::Errored, R::MicroDepositReturn)),
            true,
        ),
        (
            fallback.clone(),
            Code,
            true,
            "R03",
            Some((BA::VerificationFailed, R::AchCreditReturn)),
            true,
        ),
        (
            fallback,
            Code,
            true,
            "R14",
            Some((BA::Errored, R::AchCreditReturn)),
            true,
        ),
        (micro(), Credit, true, "R01", None, false),
        (micro(), Credit, true, "R18", None, false),
        (micro(), Debit, false, "R01", None, false),
        (micro(), Debit, false, "R09", None, false),
        (micro(), Debit, false, "R03", None, false),
        (
            micro(),
            Debit,
            false,
            "R10",
            Some((BA::Errored, R::AchDebitReturn)),
            true,
        ),
        (
            micro(),
            Debit,
            false,
            "R29",
            Some((BA::Errored, R::AchDebitReturn)),
            true,
        ),
        (
            verified.clone(),
            Debit,
            false,
            "R02",
            Some((BA::Errored, R::AchDebitReturn)),
            false,
        ),
        (verified.clone(), Debit, false, "R01", None, false),
        (verified, Debit, false, "R26", None, false),
    ];
    for (snap, purpose, credit, code, expected, fails) in rows {
        let e = entry(&snap, purpose, credit);
        let change = ach_return(&snap, &e, code, t0(), &mut rng());
        assert_eq!(
            change.entry_returns,
            vec![(e.entry_id, code.to_string())],
            "{code}: recorded"
        );
        assert_eq!(
            change.status.as_ref().map(|s| (s.status, s.reason)),
            expected,
            "{code} on {purpose:?}"
        );
        if let Some(s) = &change.status {
            let details = s.exception_details.as_ref().expect("details");
            assert!(details.description.contains(code));
        }
        assert_eq!(
            change.update_verification.as_ref().map(|v| v.status) == Some(V::Failed),
            fails,
            "{code} on {purpose:?}: verification"
        );
        // Every return is news, whether or not it changes the bank account.
        let received = &change.events[0];
        assert_eq!(received.event_type, "ach.returnReceived", "{code}");
        assert_eq!(received.data["returnCode"], code);
        assert_eq!(
            received.data["description"],
            pennydrop_engine::returns::describe(code)
        );
        assert_eq!(
            received.data["verificationID"],
            e.verification_id.to_string()
        );
        assert_eq!(
            received.data["bankAccountID"],
            snap.bank_account.bank_account_id.to_string()
        );
    }
}

/// Pennydrop's own events carry IDs, names and counts: never an amount, a code or a number.
#[test]
fn attempt_and_credit_events_carry_what_the_docs_promise() {
    let _seed = seeded();
    let snap = with_round(VerificationKind::MicroDeposits, V::SentCredit, 0, 0);
    let change = micro_wrong(&snap).unwrap();
    let data = &change.events[0].data;
    assert_eq!(data["method"], "micro-deposits");
    assert_eq!(data["attemptsLeft"], 2);
    assert_eq!(data["verificationID"], latest_id(&snap).to_string());
    assert_eq!(data["accountID"], snap.bank_account.account_id.to_string());
    let last = with_round(VerificationKind::Instant, V::SentCredit, 4, 0);
    let change = code_wrong(&last).unwrap();
    assert_eq!(change.events[0].data["method"], "instant");
    assert_eq!(change.events[0].data["attemptsLeft"], 0);
    let keys: Vec<&str> = data
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "accountID",
            "attemptsLeft",
            "bankAccountID",
            "method",
            "verificationID"
        ],
        "nothing but the documented fields"
    );

    let instant = with_round(VerificationKind::Instant, V::New, 0, 0);
    let accepted = &rail_accepts(&instant).unwrap().events[0];
    assert_eq!(accepted.event_type, "instantCredit.accepted");
    assert_eq!(accepted.data["network"], "rtp");
    assert!(accepted.data.get("reasonCode").is_none());
    let rejected = &fednow_rejects(&instant).unwrap().events[0];
    assert_eq!(rejected.event_type, "instantCredit.rejected");
    assert_eq!(
        rejected.data["network"], "fednow",
        "the rejection names its network"
    );
    assert_eq!(rejected.data["reasonCode"], "AC03");
    // An answer for a verification that moved on is still reported, and changes nothing else.
    let expired = with_round(VerificationKind::Instant, V::Expired, 0, 0);
    let late = rtp_rejects(&expired).unwrap();
    assert!(late.status.is_none());
    assert_eq!(late.events.len(), 1);
    assert_eq!(late.events[0].data["reasonCode"], "AC04");
}
