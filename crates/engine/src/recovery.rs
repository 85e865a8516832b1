//! Holder recovery, pure: how many attempts and rounds a bank account has left, when its
//! round expires, which method it may start next, and the rounds-per-bank-account rule
//! (`velocity.bank-account-rounds`). Every dialect renders [`Recovery`] (docs/risk.md,
//! "Holder recovery"); the verification rules ask [`round_refusal`] before a new round.

use jiff::Timestamp;
use pennydrop_core::change::Snapshot;
use pennydrop_core::model::{
    BankAccountStatus, StatusReason, Verification, VerificationKind, VerificationStatus,
};
use pennydrop_core::risk::{RiskOutcome, RiskRule};
use serde_json::json;

use crate::risk::rules::{count_limit, Verdict};
use crate::risk::{Limit, RiskSettings, Rounds};
use crate::rules::{Refusal, INSTANT_ATTEMPTS, MICRO_DEPOSIT_ATTEMPTS};

/// The two ways of verifying, as the recovery answers name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    MicroDeposits,
    /// An instant verification, whichever way its credit travels (RTP/FedNow or same-day ACH).
    Instant,
}

impl Method {
    /// `micro-deposits` or `instant`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::MicroDeposits => "micro-deposits",
            Method::Instant => "instant",
        }
    }

    pub fn of(kind: VerificationKind) -> Method {
        match kind {
            VerificationKind::MicroDeposits => Method::MicroDeposits,
            VerificationKind::Instant | VerificationKind::InstantAch => Method::Instant,
        }
    }

    /// Wrong answers allowed per round of this method.
    pub fn attempts(self) -> u32 {
        match self {
            Method::MicroDeposits => MICRO_DEPOSIT_ATTEMPTS,
            Method::Instant => INSTANT_ATTEMPTS,
        }
    }

    /// Rounds a bank account gets between operator unlocks; `None` when the rule is off.
    pub fn limit(self, rounds: Rounds) -> Option<u32> {
        if !rounds.enabled {
            return None;
        }
        Some(match self {
            Method::MicroDeposits => rounds.micro_deposits,
            Method::Instant => rounds.instant,
        })
    }

    fn noun(self) -> &'static str {
        match self {
            Method::MicroDeposits => "micro-deposit rounds",
            Method::Instant => "instant verifications",
        }
    }
}

/// Rounds of `method` that count against the limit: those created at or after the last unlock.
pub fn rounds_used(snap: &Snapshot, method: Method) -> u32 {
    let since = snap.bank_account.unlocked_on;
    let n = snap
        .verifications
        .iter()
        .filter(|v| Method::of(v.kind) == method)
        .filter(|v| since.is_none_or(|s| v.created_on >= s))
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Rounds of `method` the bank account may still start; `None` when there is no limit.
pub fn rounds_left(snap: &Snapshot, rounds: Rounds, method: Method) -> Option<u32> {
    method
        .limit(rounds)
        .map(|max| max.saturating_sub(rounds_used(snap, method)))
}

/// True when neither method has a round left (both limited and used up).
pub fn no_round_left(snap: &Snapshot, rounds: Rounds) -> bool {
    [Method::MicroDeposits, Method::Instant]
        .iter()
        .all(|m| rounds_left(snap, rounds, *m) == Some(0))
}

fn refusal_detail(method: Method, max: u32) -> String {
    format!(
        "this bank account has used all {max} {} allowed; an operator can unlock it",
        method.noun()
    )
}

/// The refusal of a new round of `method` when the bank account has used its rounds.
pub fn round_refusal(snap: &Snapshot, rounds: Rounds, method: Method) -> Option<Refusal> {
    let max = method.limit(rounds)?;
    (rounds_used(snap, method) >= max).then(|| Refusal::Risk {
        rule: RiskRule::BankAccountRounds,
        detail: refusal_detail(method, max),
    })
}

/// What the rounds rule decides about one more round of `method`, worth recording: a refusal
/// at the limit, or a near-limit record (from `nearLimitPercent` of it).
pub fn rounds_verdict(snap: &Snapshot, settings: &RiskSettings, method: Method) -> Option<Verdict> {
    let max = method.limit(settings.bank_account_rounds)?;
    let count = rounds_used(snap, method);
    let limit = Limit { enabled: true, max };
    let mut v = count_limit(
        RiskRule::BankAccountRounds,
        limit,
        settings.near_limit_percent,
        i64::from(count),
    )?;
    v.inputs = json!({
        "method": method.as_str(),
        "count": count,
        "max": max,
        "unlockedOn": snap.bank_account.unlocked_on.map(|t| t.to_string()),
    });
    if v.outcome == RiskOutcome::Refused {
        v.detail = refusal_detail(method, max);
    }
    Some(v)
}

/// What a holder (through the platform) can still do: the figures every verification answer
/// and error carries (docs/risk.md, "Holder recovery"). Never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recovery {
    /// The method of the latest round, when there is one.
    pub method: Option<Method>,
    /// Wrong answers the latest round still takes: its remaining attempts while it can be
    /// completed, 0 once it ended without success. `None` without a round, or once verified.
    pub attempts_left: Option<u32>,
    /// When the latest round stops accepting answers, while it can still be completed.
    pub expires_on: Option<Timestamp>,
    /// Rounds each method may still start (`None`: that method has no limit).
    pub micro_deposit_rounds_left: Option<u32>,
    pub instant_rounds_left: Option<u32>,
    /// What to start next, once the latest round ended without success (see [`Next`]).
    pub next: Option<Next>,
}

/// The next step offered after a round failed, expired or was returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Start a round of this method (the other method first, where the bank can take it).
    Start(Method),
    /// Every round allowed is used: an operator must unlock the bank account.
    Locked,
}

impl Next {
    /// `micro-deposits`, `instant` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Next::Start(m) => m.as_str(),
            Next::Locked => "none",
        }
    }
}

fn attempts_left(v: &Verification) -> u32 {
    Method::of(v.kind)
        .attempts()
        .saturating_sub(v.failed_attempts)
}

/// The recovery figures of a bank account as it is at `now` (expiry already applied by the
/// caller's snapshot). `instant_capable`: the bank is reachable by RTP or FedNow.
pub fn recovery(
    snap: &Snapshot,
    rounds: Rounds,
    instant_capable: bool,
    now: Timestamp,
) -> Recovery {
    let b = &snap.bank_account;
    let mut out = Recovery {
        micro_deposit_rounds_left: rounds_left(snap, rounds, Method::MicroDeposits),
        instant_rounds_left: rounds_left(snap, rounds, Method::Instant),
        ..Recovery::default()
    };
    let Some(latest) = snap.verifications.last() else {
        return out;
    };
    let method = Method::of(latest.kind);
    out.method = Some(method);
    if b.status == BankAccountStatus::Verified || latest.status == VerificationStatus::Successful {
        return out;
    }
    if latest.status.is_active() && latest.expires_on > now {
        out.attempts_left = Some(attempts_left(latest));
        out.expires_on = Some(latest.expires_on);
        return out;
    }
    out.attempts_left = Some(0);
    // An errored bank account takes no new round, unless the rounds ran out (an unlock, or a
    // higher limit, brings it back).
    if b.status == BankAccountStatus::Errored
        && b.status_reason != StatusReason::MaxVerificationFailures
    {
        return out;
    }
    let left = |m: Method| rounds_left(snap, rounds, m) != Some(0);
    // The other method first: instant after micro-deposits only where the bank is reachable
    // instantly (otherwise it is one more same-day ACH credit, no faster), micro-deposits after
    // an instant credit the holder never completed.
    let order: &[Method] = match method {
        Method::MicroDeposits if instant_capable => &[Method::Instant, Method::MicroDeposits],
        Method::MicroDeposits => &[Method::MicroDeposits, Method::Instant],
        Method::Instant => &[Method::MicroDeposits, Method::Instant],
    };
    out.next = Some(
        order
            .iter()
            .copied()
            .find(|m| left(*m))
            .map_or(Next::Locked, Next::Start),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;
    use pennydrop_core::crypto::Sealed;
    use pennydrop_core::model::{BankAccount, BankAccountType, HolderType, VerificationSecret};
    use uuid::Uuid;

    fn t0() -> Timestamp {
        "2026-12-01T15:00:00Z".parse().unwrap()
    }

    fn moov() -> Rounds {
        RiskSettings::default().bank_account_rounds
    }

    fn snap(status: BankAccountStatus, reason: StatusReason) -> Snapshot {
        Snapshot {
            bank_account: BankAccount {
                bank_account_id: Uuid::nil(),
                account_id: Uuid::nil(),
                tenant_id: Uuid::nil(),
                fingerprint: "f".into(),
                status,
                status_reason: reason,
                exception_details: None,
                holder_name: "Jane Doe".into(),
                holder_type: HolderType::Individual,
                bank_name: "X".into(),
                bank_account_type: BankAccountType::Checking,
                routing_number: "021000021".into(),
                last_four: "5678".into(),
                sealed: Sealed {
                    key_id: "k".into(),
                    ciphertext: "c".into(),
                },
                created_on: t0(),
                updated_on: t0(),
                disabled_on: None,
                unlocked_on: None,
                version: 1,
            },
            verifications: vec![],
        }
    }

    fn push(s: &mut Snapshot, kind: VerificationKind, status: VerificationStatus, failed: u32) {
        let n = i64::try_from(s.verifications.len()).unwrap();
        let created = t0() + SignedDuration::from_hours(n);
        s.verifications.push(Verification {
            verification_id: Uuid::new_v4(),
            bank_account_id: Uuid::nil(),
            account_id: Uuid::nil(),
            tenant_id: Uuid::nil(),
            kind,
            status,
            secret: VerificationSecret::Amounts([12, 34]),
            failed_attempts: failed,
            exception_details: None,
            created_on: created,
            expires_on: created + SignedDuration::from_hours(24 * 14),
            sent_on: Some(created),
            updated_on: created,
        });
    }

    use BankAccountStatus as BA;
    use StatusReason as R;
    use VerificationKind::{Instant, InstantAch, MicroDeposits as Micro};
    use VerificationStatus as V;

    #[test]
    fn an_active_round_says_attempts_left_and_expiry() {
        let mut s = snap(BA::Pending, R::VerificationInitiated);
        push(&mut s, Micro, V::SentCredit, 1);
        let r = recovery(&s, moov(), true, t0());
        assert_eq!(r.method, Some(Method::MicroDeposits));
        assert_eq!(r.attempts_left, Some(2));
        assert_eq!(
            r.expires_on,
            Some(t0() + SignedDuration::from_hours(24 * 14))
        );
        assert_eq!(r.micro_deposit_rounds_left, Some(2));
        assert_eq!(r.instant_rounds_left, Some(3));
        assert_eq!(r.next, None, "nothing to offer while a round runs");
        // An instant verification has five attempts.
        let mut s = snap(BA::Pending, R::VerificationInitiated);
        push(&mut s, InstantAch, V::SentCredit, 4);
        assert_eq!(recovery(&s, moov(), false, t0()).attempts_left, Some(1));
    }

    #[test]
    fn failed_micro_deposits_offer_instant_where_the_bank_can_take_it() {
        let mut s = snap(BA::VerificationFailed, R::MicroDepositAttemptsExceeded);
        push(&mut s, Micro, V::MaxAttemptsExceeded, 3);
        let r = recovery(&s, moov(), true, t0());
        assert_eq!(r.attempts_left, Some(0));
        assert_eq!(r.expires_on, None);
        assert_eq!(r.next, Some(Next::Start(Method::Instant)));
        // Not reachable instantly: another round of micro-deposits.
        let r = recovery(&s, moov(), false, t0());
        assert_eq!(r.next, Some(Next::Start(Method::MicroDeposits)));
        // Expired and returned rounds are offered the same way.
        let mut e = snap(BA::VerificationFailed, R::MicroDepositExpired);
        push(&mut e, Micro, V::Expired, 0);
        assert_eq!(
            recovery(&e, moov(), true, t0()).next,
            Some(Next::Start(Method::Instant))
        );
    }

    #[test]
    fn an_instant_credit_never_completed_offers_micro_deposits() {
        for status in [V::Expired, V::MaxAttemptsExceeded, V::Failed] {
            let mut s = snap(BA::VerificationFailed, R::VerificationExpired);
            push(&mut s, Instant, status, 0);
            let r = recovery(&s, moov(), true, t0());
            assert_eq!(r.next, Some(Next::Start(Method::MicroDeposits)), "{status}");
        }
    }

    #[test]
    fn within_limits_only() {
        // Instant verifications used up: micro-deposits again, even where instant is possible.
        let mut s = snap(BA::VerificationFailed, R::MicroDepositAttemptsExceeded);
        for _ in 0..3 {
            push(&mut s, Instant, V::Expired, 0);
        }
        push(&mut s, Micro, V::MaxAttemptsExceeded, 3);
        let r = recovery(&s, moov(), true, t0());
        assert_eq!(r.instant_rounds_left, Some(0));
        assert_eq!(r.micro_deposit_rounds_left, Some(2));
        assert_eq!(r.next, Some(Next::Start(Method::MicroDeposits)));
        // Everything used: locked until an operator unlocks.
        push(&mut s, Micro, V::MaxAttemptsExceeded, 3);
        push(&mut s, Micro, V::MaxAttemptsExceeded, 3);
        s.bank_account.status = BA::Errored;
        s.bank_account.status_reason = R::MaxVerificationFailures;
        let r = recovery(&s, moov(), true, t0());
        assert_eq!(r.next, Some(Next::Locked));
        assert_eq!(r.next.map(Next::as_str), Some("none"));
        assert!(no_round_left(&s, moov()));
        assert!(round_refusal(&s, moov(), Method::MicroDeposits).is_some());
        // The rule switched off: no limit, rounds left unknown, always a next method.
        let off = Rounds {
            enabled: false,
            ..moov()
        };
        let r = recovery(&s, off, true, t0());
        assert_eq!(
            (r.micro_deposit_rounds_left, r.instant_rounds_left),
            (None, None)
        );
        assert_eq!(r.next, Some(Next::Start(Method::Instant)));
        assert!(round_refusal(&s, off, Method::Instant).is_none());
        // After an unlock only later rounds count.
        s.bank_account.unlocked_on = s
            .verifications
            .last()
            .map(|v| v.created_on + SignedDuration::from_micros(1));
        assert_eq!(rounds_used(&s, Method::MicroDeposits), 0);
        assert_eq!(rounds_left(&s, moov(), Method::Instant), Some(3));
    }

    #[test]
    fn nothing_to_offer_once_verified_or_unusable() {
        let mut s = snap(BA::Verified, R::VerificationSuccessful);
        push(&mut s, Micro, V::Successful, 1);
        let r = recovery(&s, moov(), true, t0());
        assert_eq!((r.attempts_left, r.expires_on, r.next), (None, None, None));
        let mut s = snap(BA::Errored, R::RtpCreditFailure);
        push(&mut s, Instant, V::Failed, 0);
        let r = recovery(&s, moov(), true, t0());
        assert_eq!(r.attempts_left, Some(0));
        assert_eq!(r.next, None, "link it again: no new round");
        // A fresh bank account: rounds only.
        let r = recovery(&snap(BA::New, R::BankAccountCreated), moov(), true, t0());
        assert_eq!(r.method, None);
        assert_eq!(r.micro_deposit_rounds_left, Some(3));
    }

    #[test]
    fn the_rounds_verdict_refuses_at_the_limit_and_records_near_it() {
        let settings = RiskSettings::default();
        let mut s = snap(BA::VerificationFailed, R::MicroDepositExpired);
        push(&mut s, Micro, V::Expired, 0);
        assert_eq!(rounds_verdict(&s, &settings, Method::MicroDeposits), None);
        push(&mut s, Micro, V::Expired, 0);
        let near = rounds_verdict(&s, &settings, Method::MicroDeposits).unwrap();
        assert_eq!(near.outcome, RiskOutcome::NearLimit);
        push(&mut s, Micro, V::Expired, 0);
        let refused = rounds_verdict(&s, &settings, Method::MicroDeposits).unwrap();
        assert_eq!(refused.outcome, RiskOutcome::Refused);
        assert_eq!(refused.rule, RiskRule::BankAccountRounds);
        assert_eq!(refused.inputs["method"], "micro-deposits");
        assert_eq!(refused.inputs["count"], 3);
        assert_eq!(refused.inputs["max"], 3);
        assert!(
            refused.detail.contains("operator can unlock"),
            "{}",
            refused.detail
        );
    }
}
