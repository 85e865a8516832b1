//! What the verification rules decide, as data: a [`Snapshot`] goes in, a [`Change`] comes out,
//! and the store applies the change atomically if the bank account's version still matches.

use jiff::Timestamp;
use uuid::Uuid;

use crate::crypto::Sealed;
use crate::model::{
    AchEntry, BankAccount, BankAccountStatus, BankAccountType, EntryHold, Event, ExceptionDetails,
    InstantCredit, InstantCreditStatus, NocRecord, StatusReason, Verification,
};

/// A bank account and every verification round it has had, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub bank_account: BankAccount,
    pub verifications: Vec<Verification>,
}

impl Snapshot {
    /// The newest verification round matching `pred`.
    pub fn latest(&self, pred: impl Fn(&Verification) -> bool) -> Option<&Verification> {
        self.verifications.iter().rev().find(|v| pred(v))
    }

    pub fn active(&self) -> Option<&Verification> {
        self.latest(|v| v.status.is_active())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub status: BankAccountStatus,
    pub reason: StatusReason,
    pub exception_details: Option<ExceptionDetails>,
}

/// Everything one decision writes. Applied in one transaction, guarded by the bank account's
/// version (the bank account is the aggregate root of its verifications).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Change {
    pub bank_account_id: Uuid,
    pub expected_version: i64,
    pub at: Option<Timestamp>,
    pub status: Option<StatusChange>,
    pub insert_verification: Option<Verification>,
    pub update_verification: Option<Verification>,
    pub ach_entries: Vec<AchEntry>,
    pub instant_credits: Vec<InstantCredit>,
    /// Hold these pending ACH entries back (they would break a file); a hold of an entry that
    /// is no longer pending makes the whole change stale.
    pub held_entries: Vec<EntryHold>,
    /// Cancel any still-pending ACH entries and instant credits of this verification.
    pub cancel_pending_of: Option<Uuid>,
    /// Record the rail's answer for an instant credit.
    pub credit_result: Option<(Uuid, InstantCreditStatus, Option<String>)>,
    pub events: Vec<Event>,
    /// Mark ACH entries returned: (entry ID, return reason code).
    pub entry_returns: Vec<(Uuid, String)>,
    /// Corrections from a notification of change.
    pub correction: Option<Correction>,
    pub nocs: Vec<NocRecord>,
}

/// New bank-account details from a notification of change. The account number arrives
/// re-encrypted, with its new fingerprint and last four.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Correction {
    pub routing_number: Option<String>,
    pub sealed: Option<Sealed>,
    pub last_four: Option<String>,
    pub fingerprint: Option<String>,
    pub holder_name: Option<String>,
    pub bank_account_type: Option<BankAccountType>,
    pub bank_name: Option<String>,
}

impl Change {
    pub fn new(snapshot: &Snapshot, at: Timestamp) -> Self {
        Self {
            bank_account_id: snapshot.bank_account.bank_account_id,
            expected_version: snapshot.bank_account.version,
            at: Some(at),
            ..Self::default()
        }
    }
}
