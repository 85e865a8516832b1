//! The verification rules, pure: a [`Snapshot`] and the time go in, a [`Change`] (or a
//! [`Refusal`]) comes out. No IO, no wall clock; randomness comes from the caller's CSPRNG.
//!
//! `docs/verification-states.md` lists every transition these functions make; the table-driven
//! tests at the bottom mirror it row by row.

use crate::recovery::{self, Method};
use crate::risk::Rounds;
use jiff::{SignedDuration, Timestamp};
use pennydrop_core::change::{Change, Snapshot, StatusChange};
use pennydrop_core::events;
use pennydrop_core::model::{
    AchEntry, BankAccount, BankAccountStatus, BankAccountType, EntryHold, EntryPurpose,
    EntryStatus, ExceptionDetails, InstantCredit, InstantCreditStatus, Mode, StatusReason,
    Verification, VerificationKind, VerificationSecret, VerificationStatus,
};
use rand::{Rng, RngCore};
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// Wrong amount pairs allowed per micro-deposit round.
pub const MICRO_DEPOSIT_ATTEMPTS: u32 = 3;
/// Wrong codes allowed per instant verification.
pub const INSTANT_ATTEMPTS: u32 = 5;
// Rounds a bank account gets per method are a risk setting (`bankAccountRounds`, Moov's 3 and
// 3 by default): the rules take them as a parameter, see `crate::recovery`.
/// Largest micro-deposit, in cents.
pub const MICRO_DEPOSIT_MAX_CENTS: i64 = 49;
/// Largest amount a holder may answer with: anything under a dollar is a plausible reading of
/// a statement and counts as an attempt when wrong; a dollar or more is not an answer at all
/// (the dialects refuse it without counting).
pub const MICRO_DEPOSIT_ANSWER_MAX_CENTS: i64 = 99;
/// The instant verification credit, in cents.
pub const VERIFICATION_CREDIT_CENTS: i64 = 1;
/// Sandbox secrets, as in Moov's SDK examples.
pub const SANDBOX_AMOUNTS: [i64; 2] = [0, 0];
pub const SANDBOX_CODE: &str = "0001";

/// How long a verification can be completed.
pub fn lifetime() -> SignedDuration {
    SignedDuration::from_hours(24 * 14)
}

/// Why a request was refused. `NoMicroDeposits` and `NoInstantVerification` are 404s; the rest
/// are 409s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the bank account is already verified")]
    AlreadyVerified,
    #[error("the bank account is {status} ({reason}) and cannot be verified; link it again with corrected details")]
    Unusable {
        status: BankAccountStatus,
        reason: StatusReason,
    },
    #[error(
        "a verification ({kind}) is already in progress; complete it or wait until it expires"
    )]
    InProgress { kind: VerificationKind },
    #[error("no micro-deposits were initiated for this bank account")]
    NoMicroDeposits,
    #[error("no instant verification was initiated for this bank account")]
    NoInstantVerification,
    #[error("the micro-deposits have not been sent yet; they leave at the next ACH cutoff window, try again once they appear on the statement (this did not count as an attempt)")]
    MicroDepositsNotSent,
    #[error("the verification credit has not been sent yet; try again once it appears on the statement (this did not count as an attempt)")]
    CreditNotSent,
    #[error("the amounts provided are incorrect; {attempts_left} attempt(s) left")]
    WrongAmounts { attempts_left: u32 },
    #[error("the amounts provided are incorrect; all {MICRO_DEPOSIT_ATTEMPTS} attempts are used and the micro-deposits failed (micro-deposit-attempts-exceeded)")]
    AmountAttemptsExhausted,
    #[error("the code provided is incorrect; {attempts_left} attempt(s) left")]
    WrongCode { attempts_left: u32 },
    #[error("the code provided is incorrect; all {INSTANT_ATTEMPTS} attempts are used (max-attempts-exceeded)")]
    CodeAttemptsExhausted,
    #[error("this verification has ended with status {status}; initiate a new one")]
    Ended { status: VerificationStatus },
    /// A risk rule refused the request (docs/risk.md); nothing was queued.
    #[error("refused by risk rule {rule}: {detail}")]
    Risk {
        rule: pennydrop_core::risk::RiskRule,
        detail: String,
    },
}

impl Refusal {
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Refusal::NoMicroDeposits | Refusal::NoInstantVerification
        )
    }
}

/// A decision that may write something even when it refuses (a wrong guess counts).
#[derive(Debug)]
pub struct Decision<T> {
    pub change: Option<Change>,
    pub result: Result<T, Refusal>,
}

impl<T> Decision<T> {
    fn refuse(refusal: Refusal) -> Self {
        Self {
            change: None,
            result: Err(refusal),
        }
    }
}

/// Which way an instant verification's credit travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditRoute {
    /// RTP or FedNow (chosen from the participant directories): the receiving bank is
    /// reachable instantly.
    Instant(InstantNetwork),
    /// Same-day ACH at the next cutoff window.
    Ach { due_at: Timestamp },
}

/// The instant rail's answer for one credit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RailOutcome {
    Accepted,
    /// An ISO 20022 status reason code (`AC03`, ...).
    Rejected {
        code: String,
    },
}

pub use pennydrop_core::model::InstantNetwork;

pub(crate) fn random_uuid(rng: &mut dyn RngCore) -> Uuid {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// Sets the bank account's status and records the `bankAccount.updated` event.
pub(crate) fn set_status(
    change: &mut Change,
    b: &BankAccount,
    status: BankAccountStatus,
    reason: StatusReason,
    details: Option<ExceptionDetails>,
    now: Timestamp,
    rng: &mut dyn RngCore,
) {
    change.events.push(events::bank_account_updated(
        b,
        status,
        reason,
        details.as_ref(),
        random_uuid(rng),
        now,
    ));
    change.status = Some(StatusChange {
        status,
        reason,
        exception_details: details,
    });
}

const INSTANT: &[VerificationKind] = &[VerificationKind::Instant, VerificationKind::InstantAch];

/// Checks shared by both ways of starting a verification, then the rounds limit of `method`.
/// A bank account errored because its rounds ran out (`max-verification-failures`) is refused
/// by the rounds rule, so that an unlock or a higher limit lets it start again.
pub(crate) fn may_start(snap: &Snapshot, rounds: Rounds, method: Method) -> Result<(), Refusal> {
    let b = &snap.bank_account;
    match b.status {
        BankAccountStatus::Verified => return Err(Refusal::AlreadyVerified),
        BankAccountStatus::Errored if b.status_reason != StatusReason::MaxVerificationFailures => {
            return Err(Refusal::Unusable {
                status: b.status,
                reason: b.status_reason,
            })
        }
        _ => {}
    }
    if let Some(active) = snap.active() {
        return Err(Refusal::InProgress { kind: active.kind });
    }
    match recovery::round_refusal(snap, rounds, method) {
        Some(refusal) => Err(refusal),
        None => Ok(()),
    }
}

fn new_verification(
    b: &BankAccount,
    kind: VerificationKind,
    secret: VerificationSecret,
    sent: bool,
    now: Timestamp,
    rng: &mut dyn RngCore,
) -> Verification {
    Verification {
        verification_id: random_uuid(rng),
        bank_account_id: b.bank_account_id,
        account_id: b.account_id,
        tenant_id: b.tenant_id,
        kind,
        status: if sent {
            VerificationStatus::SentCredit
        } else {
            VerificationStatus::New
        },
        secret,
        failed_attempts: 0,
        exception_details: None,
        created_on: now,
        expires_on: now.saturating_add(lifetime()).unwrap_or(now),
        sent_on: sent.then_some(now),
        updated_on: now,
    }
}

/// An ACH entry for verification `v`, created when `v` was.
fn ach_entry(
    v: &Verification,
    purpose: EntryPurpose,
    amount_cents: i64,
    is_credit: bool,
    addenda: Option<String>,
    due_at: Timestamp,
    rng: &mut dyn RngCore,
) -> AchEntry {
    AchEntry {
        entry_id: random_uuid(rng),
        tenant_id: v.tenant_id,
        bank_account_id: v.bank_account_id,
        verification_id: v.verification_id,
        purpose,
        amount_cents,
        sealed_amount: None,
        is_credit,
        addenda,
        due_at,
        status: EntryStatus::Pending,
        created_on: v.created_on,
    }
}

/// Starts a micro-deposit round. In production two CSPRNG amounts of 1–49¢ and a recoup debit
/// of their sum wait for the cutoff window `due_at`; in the sandbox the amounts are 0/0 and
/// can be completed at once.
pub fn initiate_micro_deposits(
    snap: &Snapshot,
    mode: Mode,
    rounds: Rounds,
    due_at: Timestamp,
    now: Timestamp,
    rng: &mut dyn RngCore,
) -> Result<Change, Refusal> {
    may_start(snap, rounds, Method::MicroDeposits)?;
    let b = &snap.bank_account;
    let mut change = Change::new(snap, now);
    let verification = match mode {
        Mode::Sandbox => new_verification(
            b,
            VerificationKind::MicroDeposits,
            VerificationSecret::Amounts(SANDBOX_AMOUNTS),
            true,
            now,
            rng,
        ),
        Mode::Production => {
            let a = rng.gen_range(1..=MICRO_DEPOSIT_MAX_CENTS);
            let c = rng.gen_range(1..=MICRO_DEPOSIT_MAX_CENTS);
            let v = new_verification(
                b,
                VerificationKind::MicroDeposits,
                VerificationSecret::Amounts([a, c]),
                false,
                now,
                rng,
            );
            for amount in [a, c] {
                let e = ach_entry(
                    &v,
                    EntryPurpose::MicroDepositCredit,
                    amount,
                    true,
                    None,
                    due_at,
                    rng,
                );
                change.ach_entries.push(e);
            }
            // Loan accounts take no debits (code 55 is for reversals only): the credits stand.
            if b.bank_account_type != BankAccountType::Loan {
                let e = ach_entry(
                    &v,
                    EntryPurpose::MicroDepositDebit,
                    a + c,
                    false,
                    None,
                    due_at,
                    rng,
                );
                change.ach_entries.push(e);
            }
            v
        }
    };
    set_status(
        &mut change,
        b,
        BankAccountStatus::Pending,
        StatusReason::VerificationInitiated,
        None,
        now,
        rng,
    );
    change.insert_verification = Some(verification);
    Ok(change)
}

fn amounts_match(expected: [i64; 2], given: [i64; 2]) -> bool {
    let mut e = expected;
    let mut g = given;
    e.sort_unstable();
    g.sort_unstable();
    let e_bytes: Vec<u8> = e.iter().flat_map(|x| x.to_be_bytes()).collect();
    let g_bytes: Vec<u8> = g.iter().flat_map(|x| x.to_be_bytes()).collect();
    bool::from(e_bytes.ct_eq(&g_bytes))
}

fn codes_match(expected: &str, given: &str) -> bool {
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// Marks the verification successful and the bank account verified; enables debits.
fn succeed(
    change: &mut Change,
    snap: &Snapshot,
    v: &Verification,
    now: Timestamp,
    rng: &mut dyn RngCore,
) {
    let b = &snap.bank_account;
    let mut done = v.clone();
    done.status = VerificationStatus::Successful;
    done.updated_on = now;
    change.update_verification = Some(done);
    set_status(
        change,
        b,
        BankAccountStatus::Verified,
        StatusReason::VerificationSuccessful,
        None,
        now,
        rng,
    );
    for pm in crate::payment_methods::debit_methods(b) {
        change.events.push(events::payment_method(
            b,
            true,
            pm.payment_method_id,
            random_uuid(rng),
            now,
        ));
    }
}

/// Completes the latest micro-deposit round with two amounts (order does not matter).
pub fn complete_micro_deposits(
    snap: &Snapshot,
    rounds: Rounds,
    amounts: [i64; 2],
    now: Timestamp,
    rng: &mut dyn RngCore,
) -> Decision<()> {
    let Some(v) = snap.latest(|v| v.kind == VerificationKind::MicroDeposits) else {
        return Decision::refuse(Refusal::NoMicroDeposits);
    };
    let VerificationSecret::Amounts(expected) = v.secret else {
        return Decision::refuse(Refusal::NoMicroDeposits);
    };
    match v.status {
        VerificationStatus::New => return Decision::refuse(Refusal::MicroDepositsNotSent),
        VerificationStatus::Successful => {
            // Repeating the right answer is idempotent; anything else is a conflict.
            return if amounts_match(expected, amounts) {
                Decision {
                    change: None,
                    result: Ok(()),
                }
            } else {
                Decision::refuse(Refusal::AlreadyVerified)
            };
        }
        VerificationStatus::SentCredit => {}
        status => return Decision::refuse(Refusal::Ended { status }),
    }
    let mut change = Change::new(snap, now);
    if amounts_match(expected, amounts) {
        succeed(&mut change, snap, v, now, rng);
        return Decision {
            change: Some(change),
            result: Ok(()),
        };
    }
    wrong_answer(change, snap, v, Attempts::MICRO_DEPOSITS, rounds, now, rng)
}

/// How wrong answers count for one method.
struct Attempts {
    max: u32,
    exceeded: StatusReason,
    wrong: fn(u32) -> Refusal,
    exhausted: Refusal,
    /// The `method` of `verification.attemptFailed`.
    method: &'static str,
}

impl Attempts {
    const MICRO_DEPOSITS: Attempts = Attempts {
        max: MICRO_DEPOSIT_ATTEMPTS,
        exceeded: StatusReason::MicroDepositAttemptsExceeded,
        wrong: |attempts_left| Refusal::WrongAmounts { attempts_left },
        exhausted: Refusal::AmountAttemptsExhausted,
        method: "micro-deposits",
    };
    const INSTANT: Attempts = Attempts {
        max: INSTANT_ATTEMPTS,
        exceeded: StatusReason::VerificationAttemptsExceeded,
        wrong: |attempts_left| Refusal::WrongCode { attempts_left },
        exhausted: Refusal::CodeAttemptsExhausted,
        method: "instant",
    };
}

/// Counts a wrong answer: one attempt fewer, and at the limit the verification ends and the
/// bank account fails (errored once neither method has a round left under `rounds`).
fn wrong_answer<T>(
    mut change: Change,
    snap: &Snapshot,
    v: &Verification,
    rule: Attempts,
    rounds: Rounds,
    now: Timestamp,
    rng: &mut dyn RngCore,
) -> Decision<T> {
    let mut failed = v.clone();
    failed.failed_attempts += 1;
    failed.updated_on = now;
    change.events.push(events::verification_attempt_failed(
        &events::Subject::of(&snap.bank_account, Some(v.verification_id)),
        rule.method,
        rule.max.saturating_sub(failed.failed_attempts),
        random_uuid(rng),
        now,
    ));
    let refusal = if failed.failed_attempts >= rule.max {
        failed.status = VerificationStatus::MaxAttemptsExceeded;
        let (status, reason) = if recovery::no_round_left(snap, rounds) {
            (
                BankAccountStatus::Errored,
                StatusReason::MaxVerificationFailures,
            )
        } else {
            (BankAccountStatus::VerificationFailed, rule.exceeded)
        };
        set_status(
            &mut change,
            &snap.bank_account,
            status,
            reason,
            None,
            now,
            rng,
        );
        rule.exhausted
    } else {
        (rule.wrong)(rule.max - failed.failed_attempts)
    };
    change.update_verification = Some(failed);
    Decision {
        change: Some(change),
        result: Err(refusal),
    }
}

/// Starts an instant verification: a 4-digit CSPRNG code (`MV1234`) on one $0.01 credit.
pub fn initiate_instant(
    snap: &Snapshot,
    mode: Mode,
    rounds: Rounds,
    route: CreditRoute,
    company_name: &str,
    now: Timestamp,
    rng: &mut dyn RngCore,
) -> Result<(Change, Verification), Refusal> {
    may_start(snap, rounds, Method::Instant)?;
    let b = &snap.bank_account;
    let mut change = Change::new(snap, now);
    let verification = match mode {
        Mode::Sandbox => new_verification(
            b,
            VerificationKind::Instant,
            VerificationSecret::Code(SANDBOX_CODE.into()),
            true,
            now,
            rng,
        ),
        Mode::Production => {
            let code = format!("{:04}", rng.gen_range(0..10_000));
            queue_coded_credit(&mut change, b, route, code, company_name, now, rng)
        }
    };
    set_status(
        &mut change,
        b,
        BankAccountStatus::Pending,
        StatusReason::VerificationInitiated,
        None,
        now,
        rng,
    );
    change.insert_verification = Some(verification.clone());
    Ok((change, verification))
}

/// The $0.01 credit carrying `MV<code>`: an instant credit, or a same-day ACH entry with the
/// code in its addenda when the bank cannot be reached instantly.
fn queue_coded_credit(
    change: &mut Change,
    b: &BankAccount,
    route: CreditRoute,
    code: String,
    company_name: &str,
    now: Timestamp,
    rng: &mut dyn RngCore,
) -> Verification {
    let remittance = format!("MV{code}");
    let secret = VerificationSecret::Code(code);
    match route {
        CreditRoute::Instant(network) => {
            let v = new_verification(b, VerificationKind::Instant, secret, false, now, rng);
            change.instant_credits.push(InstantCredit {
                credit_id: random_uuid(rng),
                tenant_id: b.tenant_id,
                bank_account_id: b.bank_account_id,
                verification_id: v.verification_id,
                amount_cents: VERIFICATION_CREDIT_CENTS,
                remittance: format!("{company_name} {remittance}"),
                network,
                status: InstantCreditStatus::Pending,
                reason_code: None,
                created_on: now,
                updated_on: now,
            });
            v
        }
        CreditRoute::Ach { due_at } => {
            let v = new_verification(b, VerificationKind::InstantAch, secret, false, now, rng);
            let e = ach_entry(
                &v,
                EntryPurpose::VerificationCredit,
                VERIFICATION_CREDIT_CENTS,
                true,
                Some(remittance),
                due_at,
                rng,
            );
            change.ach_entries.push(e);
            v
        }
    }
}

/// Accepts `MV1234`, `mv1234` or `1234`; returns the four digits.
pub fn parse_code(input: &str) -> Option<String> {
    let s = input.trim();
    let digits = s
        .strip_prefix("MV")
        .or_else(|| s.strip_prefix("mv"))
        .or_else(|| s.strip_prefix("Mv"))
        .or_else(|| s.strip_prefix("mV"))
        .unwrap_or(s);
    (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.to_string())
}

/// Completes the latest instant verification with the holder's code (already parsed).
pub fn complete_instant(
    snap: &Snapshot,
    rounds: Rounds,
    code: &str,
    now: Timestamp,
    rng: &mut dyn RngCore,
) -> Decision<Verification> {
    let Some(v) = snap.latest(|v| INSTANT.contains(&v.kind)) else {
        return Decision::refuse(Refusal::NoInstantVerification);
    };
    let VerificationSecret::Code(expected) = &v.secret else {
        return Decision::refuse(Refusal::NoInstantVerification);
    };
    match v.status {
        VerificationStatus::New => return Decision::refuse(Refusal::CreditNotSent),
        VerificationStatus::Successful => {
            return if codes_match(expected, code) {
                Decision {
                    change: None,
                    result: Ok(v.clone()),
                }
            } else {
                Decision::refuse(Refusal::AlreadyVerified)
            };
        }
        VerificationStatus::SentCredit => {}
        status => return Decision::refuse(Refusal::Ended { status }),
    }
    let mut change = Change::new(snap, now);
    if codes_match(expected, code) {
        succeed(&mut change, snap, v, now, rng);
        let done = change
            .update_verification
            .clone()
            .unwrap_or_else(|| v.clone());
        return Decision {
            change: Some(change),
            result: Ok(done),
        };
    }
    wrong_answer(change, snap, v, Attempts::INSTANT, rounds, now, rng)
}

/// Applies the instant rail's answer for a credit of verification `verification_id`, sent on
/// `network`. Returns a change that at least records the answer on
/// the credit and the `instantCredit.accepted` / `instantCredit.rejected` event.
pub fn credit_answered(
    snap: &Snapshot,
    verification_id: Uuid,
    credit_id: Uuid,
    network: InstantNetwork,
    outcome: &RailOutcome,
    now: Timestamp,
    rng: &mut dyn RngCore,
) -> Change {
    let mut change = Change::new(snap, now);
    change.credit_result = Some(match outcome {
        RailOutcome::Accepted => (credit_id, InstantCreditStatus::Accepted, None),
        RailOutcome::Rejected { code, .. } => {
            (credit_id, InstantCreditStatus::Rejected, Some(code.clone()))
        }
    });
    // The rail's answer is news even when the verification has moved on (e.g. expired).
    let code = match outcome {
        RailOutcome::Accepted => None,
        RailOutcome::Rejected { code } => Some(code.as_str()),
    };
    change.events.push(events::instant_credit_answered(
        &events::Subject::of(&snap.bank_account, Some(verification_id)),
        network.as_str(),
        code,
        random_uuid(rng),
        now,
    ));
    let Some(v) = snap
        .verifications
        .iter()
        .find(|v| v.verification_id == verification_id)
    else {
        return change;
    };
    // Only a verification still waiting for its credit moves; an expired one stays expired.
    if v.status != VerificationStatus::New {
        return change;
    }
    let mut next = v.clone();
    next.updated_on = now;
    match outcome {
        RailOutcome::Accepted => {
            next.status = VerificationStatus::SentCredit;
            next.sent_on = Some(now);
        }
        RailOutcome::Rejected { code } => {
            let (details, reason) = rejection_details(network, code);
            next.status = VerificationStatus::Failed;
            next.exception_details = Some(details.clone());
            set_status(
                &mut change,
                &snap.bank_account,
                BankAccountStatus::Errored,
                reason,
                Some(details),
                now,
                rng,
            );
        }
    }
    change.update_verification = Some(next);
    change
}

/// One row per ISO 20022 reason code an instant rail may give: its meaning, and whether Moov's
/// `rtpRejectionCode` / `fednowRejectionCode` enums carry it (docs/instant-connector.md).
struct RejectionCode {
    code: &'static str,
    meaning: &'static str,
    rtp: bool,
    fednow: bool,
}

const fn rejection(
    code: &'static str,
    meaning: &'static str,
    rtp: bool,
    fednow: bool,
) -> RejectionCode {
    RejectionCode {
        code,
        meaning,
        rtp,
        fednow,
    }
}

const REJECTION_CODES: &[RejectionCode] = &[
    rejection("AC02", "invalid debtor account number", false, true),
    rejection("AC03", "invalid creditor account number", true, true),
    rejection("AC04", "account closed", true, true),
    rejection("AC06", "account blocked", true, true),
    rejection("AC07", "creditor account closed", false, true),
    rejection("AC10", "invalid debtor account currency", false, true),
    rejection("AC11", "invalid creditor account currency", false, true),
    rejection("AC13", "invalid debtor account type", false, true),
    rejection("AC14", "creditor account type invalid", true, true),
    rejection("AG01", "transactions forbidden on this account", true, true),
    rejection("AG03", "transaction type not supported", true, true),
    rejection("BE06", "unknown end customer", false, true),
    rejection("DUPL", "duplicate payment", false, true),
    rejection("MD07", "account holder deceased", true, true),
    rejection(
        "NOAT",
        "receiving bank does not support this transaction",
        false,
        true,
    ),
    rejection("RC02", "invalid bank identifier", false, true),
    rejection("RC03", "invalid debtor agent", false, true),
    rejection("RC04", "invalid creditor agent", false, true),
];

/// What an instant rail rejection means for the bank account. The code goes into the network's
/// Moov field only when Moov's enum for that network has it (SDKs check the enums); any other
/// code is kept in the description.
pub fn rejection_details(network: InstantNetwork, code: &str) -> (ExceptionDetails, StatusReason) {
    let row = REJECTION_CODES.iter().find(|r| r.code == code);
    let meaning = row.map_or("credit rejected by the receiving bank", |r| r.meaning);
    let (name, reason, in_enum) = match network {
        InstantNetwork::Rtp => (
            "RTP",
            StatusReason::RtpCreditFailure,
            row.is_some_and(|r| r.rtp),
        ),
        InstantNetwork::FedNow => (
            "FedNow",
            StatusReason::FednowCreditFailure,
            row.is_some_and(|r| r.fednow),
        ),
    };
    let field = in_enum.then(|| code.to_string());
    let mut details = ExceptionDetails {
        description: format!("{name} credit rejected: {meaning} ({code})"),
        ..Default::default()
    };
    match network {
        InstantNetwork::Rtp => details.rtp_rejection_code = field,
        InstantNetwork::FedNow => details.fednow_rejection_code = field,
    }
    (details, reason)
}

/// Holds a verification's pending ACH entries back at a cutoff because one of them would break
/// the NACHA file (`holds` names every pending entry of the verification, each with the rule).
/// Nothing was sent and the same details would be held again, so the verification fails and
/// the bank account is `errored / other` (link it again with corrected details), with the rule
/// in `exceptionDetails`; a verification no longer active only gets its entries held.
pub fn hold_back(
    snap: &Snapshot,
    verification_id: Uuid,
    holds: Vec<EntryHold>,
    now: Timestamp,
    rng: &mut dyn RngCore,
) -> Change {
    let mut change = Change::new(snap, now);
    let rule = holds.first().map(|h| h.rule.clone()).unwrap_or_default();
    change.held_entries = holds;
    let Some(v) = snap
        .verifications
        .iter()
        .find(|v| v.verification_id == verification_id && v.status.is_active())
    else {
        return change;
    };
    let details = ExceptionDetails {
        description: format!(
            "ACH entry held back at the cutoff: it would break NACHA rule {rule}; nothing was sent. Link the bank account again with corrected details"
        ),
        ..Default::default()
    };
    let mut failed = v.clone();
    failed.status = VerificationStatus::Failed;
    failed.exception_details = Some(details.clone());
    failed.updated_on = now;
    change.update_verification = Some(failed);
    change.cancel_pending_of = Some(verification_id);
    set_status(
        &mut change,
        &snap.bank_account,
        BankAccountStatus::Errored,
        StatusReason::Other,
        Some(details),
        now,
        rng,
    );
    change
}

/// Expires the active verification if its 14 days are up.
pub fn expire(snap: &Snapshot, now: Timestamp, rng: &mut dyn RngCore) -> Option<Change> {
    let v = snap.active()?;
    if v.expires_on > now {
        return None;
    }
    let mut change = Change::new(snap, now);
    let mut expired = v.clone();
    expired.status = VerificationStatus::Expired;
    expired.updated_on = now;
    let reason = match v.kind {
        VerificationKind::MicroDeposits => StatusReason::MicroDepositExpired,
        VerificationKind::Instant | VerificationKind::InstantAch => {
            StatusReason::VerificationExpired
        }
    };
    set_status(
        &mut change,
        &snap.bank_account,
        BankAccountStatus::VerificationFailed,
        reason,
        None,
        now,
        rng,
    );
    change.cancel_pending_of = Some(v.verification_id);
    change.update_verification = Some(expired);
    Some(change)
}

/// An operator's unlock (docs/verification-states.md, row 23): the bank account's rounds count
/// again from now, and it becomes `new / admin-action`, ready for a new round of either
/// method. Returns the change and the unlock instant: the later of `now` and just after the
/// newest round, so that every round before the unlock stops counting even when the clock has
/// not moved. Refused for a verified bank account, one with a verification in progress, and
/// one errored for another reason than its rounds (a return or a rejection: link it again).
pub fn unlock(
    snap: &Snapshot,
    now: Timestamp,
    rng: &mut dyn RngCore,
) -> Result<(Change, Timestamp), Refusal> {
    let b = &snap.bank_account;
    match b.status {
        BankAccountStatus::Verified => return Err(Refusal::AlreadyVerified),
        BankAccountStatus::Errored if b.status_reason != StatusReason::MaxVerificationFailures => {
            return Err(Refusal::Unusable {
                status: b.status,
                reason: b.status_reason,
            })
        }
        _ => {}
    }
    if let Some(active) = snap.active() {
        return Err(Refusal::InProgress { kind: active.kind });
    }
    let after_last = snap
        .verifications
        .iter()
        .map(|v| v.created_on)
        .max()
        .and_then(|t| t.checked_add(SignedDuration::from_micros(1)).ok());
    let at = after_last.map_or(now, |t| t.max(now));
    let mut change = Change::new(snap, now);
    set_status(
        &mut change,
        b,
        BankAccountStatus::New,
        StatusReason::AdminAction,
        None,
        now,
        rng,
    );
    Ok((change, at))
}
