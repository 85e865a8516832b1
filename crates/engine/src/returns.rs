//! What ACH returns and notifications of change do to a verification, as pure rules. The
//! mapping is documented in `docs/ach.md` and mirrored by the tests below.

use jiff::Timestamp;
use pennydrop_core::change::{Change, Correction, Snapshot};
use pennydrop_core::events;
use pennydrop_core::model::{
    AchEntry, BankAccountStatus, BankAccountType, EntryPurpose, ExceptionDetails, NocRecord,
    StatusReason, VerificationStatus,
};
use rand::RngCore;

use crate::rules::{random_uuid, set_status};

/// How a return reason code is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnClass {
    /// The account cannot be found or the number is wrong: the holder may re-enter details.
    AccountNotFound,
    /// The account exists but cannot be used (closed, frozen, deceased, refused, ...).
    AccountUnusable,
    /// Insufficient or uncollected funds: the account exists.
    Funds,
    /// The receiver says the debit was not authorized: stop debits.
    Unauthorized,
    /// The file was wrong (a bug in the writer): alert, change nothing.
    FormatError,
    /// Anything else: treated like an unusable account.
    Other,
}

pub fn classify(code: &str) -> ReturnClass {
    match code {
        "R03" | "R04" => ReturnClass::AccountNotFound,
        "R02" | "R06" | "R08" | "R12" | "R13" | "R14" | "R15" | "R16" | "R17" | "R20" | "R23"
        | "R34" | "R38" | "R39" => ReturnClass::AccountUnusable,
        "R01" | "R09" => ReturnClass::Funds,
        "R05" | "R07" | "R10" | "R11" | "R29" => ReturnClass::Unauthorized,
        "R18" | "R19" | "R24" | "R25" | "R26" | "R27" | "R28" => ReturnClass::FormatError,
        _ => ReturnClass::Other,
    }
}

/// Moov's `achReturnCode` enum: codes outside it are described but not set as the code.
const MOOV_RETURN_CODES: &[&str] = &[
    "R02", "R03", "R04", "R05", "R07", "R08", "R10", "R11", "R12", "R13", "R14", "R15", "R16",
    "R17", "R20", "R23", "R29", "R34", "R38", "R39",
];

pub fn describe(code: &str) -> &'static str {
    match code {
        "R01" => "insufficient funds",
        "R02" => "account closed",
        "R03" => "no account or unable to locate account",
        "R04" => "invalid account number",
        "R05" => "unauthorized debit to consumer account",
        "R06" => "returned at the originator's request",
        "R07" => "authorization revoked by customer",
        "R08" => "payment stopped",
        "R09" => "uncollected funds",
        "R10" => "customer advises not authorized",
        "R11" => "entry not in accordance with the authorization",
        "R12" => "branch sold to another bank",
        "R13" => "RDFI not qualified to participate",
        "R14" => "representative payee deceased",
        "R15" => "beneficiary or account holder deceased",
        "R16" => "account frozen",
        "R17" => "entry with invalid account number initiated under questionable circumstances",
        "R20" => "non-transaction account",
        "R23" => "credit entry refused by receiver",
        "R29" => "corporate customer advises not authorized",
        _ => "returned by the receiving bank",
    }
}

fn details(code: &str) -> ExceptionDetails {
    ExceptionDetails {
        description: format!("ACH return {code}: {}", describe(code)),
        ach_return_code: MOOV_RETURN_CODES.contains(&code).then(|| code.to_string()),
        ..Default::default()
    }
}

/// Applies a return of `entry` with reason `code`. Always records the return on the entry and
/// the `ach.returnReceived` event.
pub fn ach_return(
    snap: &Snapshot,
    entry: &AchEntry,
    code: &str,
    now: Timestamp,
    rng: &mut dyn RngCore,
) -> Change {
    let mut change = Change::new(snap, now);
    change
        .entry_returns
        .push((entry.entry_id, code.to_string()));
    change.events.push(events::ach_return_received(
        &events::Subject::of(&snap.bank_account, Some(entry.verification_id)),
        code,
        describe(code),
        random_uuid(rng),
        now,
    ));
    let class = classify(code);
    let b = &snap.bank_account;
    let credit_reason = match entry.purpose {
        EntryPurpose::MicroDepositCredit => StatusReason::MicroDepositReturn,
        EntryPurpose::VerificationCredit => StatusReason::AchCreditReturn,
        EntryPurpose::MicroDepositDebit => StatusReason::AchDebitReturn,
    };
    let target = match (entry.is_credit, class) {
        (_, ReturnClass::FormatError) => None,
        (true, ReturnClass::AccountNotFound) => Some(BankAccountStatus::VerificationFailed),
        (true, ReturnClass::Funds) => None,
        (true, _) => Some(BankAccountStatus::Errored),
        (false, ReturnClass::Funds) => None,
        (false, ReturnClass::Unauthorized) => Some(BankAccountStatus::Errored),
        // Other debit returns only matter once debits are allowed; before that the credits'
        // own returns decide.
        (false, _) if b.status == BankAccountStatus::Verified => Some(BankAccountStatus::Errored),
        (false, _) => None,
    };
    let Some(status) = target else { return change };
    let d = details(code);
    // The round in progress ends with the bank account: a debit the holder calls unauthorized
    // (R10, ...) must not leave its micro-deposits open to be answered, verifying the account;
    // nor may a late return of an earlier round's entry leave the next round open beside an
    // account it made unusable (at most one round is in progress).
    if let Some(v) = snap.verifications.iter().find(|v| v.status.is_active()) {
        {
            let mut failed = v.clone();
            failed.status = VerificationStatus::Failed;
            failed.exception_details = Some(d.clone());
            failed.updated_on = now;
            change.update_verification = Some(failed);
            change.cancel_pending_of = Some(v.verification_id);
        }
    }
    // A second return for the same account (the other credit, the debit) changes nothing new.
    let same = b.status == status
        && b.status_reason == credit_reason
        && b.exception_details
            .as_ref()
            .and_then(|e| e.ach_return_code.clone())
            == d.ach_return_code;
    if !same {
        set_status(&mut change, b, status, credit_reason, Some(d), now, rng);
    }
    change
}

/// Corrected data from a notification of change, already parsed by change code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CorrectedData {
    pub routing_number: Option<String>,
    pub account_number: Option<pennydrop_core::AccountNumber>,
    pub holder_name: Option<String>,
    pub bank_account_type: Option<BankAccountType>,
}

/// Applies a notification of change: the correction (sealed by the caller), its record and the
/// `ach.nocApplied` event (the names of the corrected fields only). The
/// bank account's status does not change; later entries use the corrected details.
pub fn noc(
    snap: &Snapshot,
    entry: &AchEntry,
    change_code: &str,
    correction: Correction,
    changed_fields: Vec<String>,
    now: Timestamp,
    rng: &mut dyn RngCore,
) -> Change {
    let mut change = Change::new(snap, now);
    change.nocs.push(NocRecord {
        noc_id: random_uuid(rng),
        tenant_id: snap.bank_account.tenant_id,
        bank_account_id: snap.bank_account.bank_account_id,
        entry_id: entry.entry_id,
        change_code: change_code.to_string(),
        changed_fields: changed_fields.clone(),
        received_on: now,
    });
    change.events.push(events::ach_noc_applied(
        &events::Subject::of(&snap.bank_account, Some(entry.verification_id)),
        change_code,
        &changed_fields,
        random_uuid(rng),
        now,
    ));
    change.correction = Some(correction);
    change
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_has_a_class() {
        for (code, class) in [
            ("R01", ReturnClass::Funds),
            ("R02", ReturnClass::AccountUnusable),
            ("R03", ReturnClass::AccountNotFound),
            ("R04", ReturnClass::AccountNotFound),
            ("R05", ReturnClass::Unauthorized),
            ("R07", ReturnClass::Unauthorized),
            ("R09", ReturnClass::Funds),
            ("R10", ReturnClass::Unauthorized),
            ("R11", ReturnClass::Unauthorized),
            ("R12", ReturnClass::AccountUnusable),
            ("R13", ReturnClass::AccountUnusable),
            ("R14", ReturnClass::AccountUnusable),
            ("R15", ReturnClass::AccountUnusable),
            ("R16", ReturnClass::AccountUnusable),
            ("R17", ReturnClass::AccountUnusable),
            ("R18", ReturnClass::FormatError),
            ("R19", ReturnClass::FormatError),
            ("R20", ReturnClass::AccountUnusable),
            ("R23", ReturnClass::AccountUnusable),
            ("R25", ReturnClass::FormatError),
            ("R26", ReturnClass::FormatError),
            ("R27", ReturnClass::FormatError),
            ("R28", ReturnClass::FormatError),
            ("R29", ReturnClass::Unauthorized),
            ("R99", ReturnClass::Other),
        ] {
            assert_eq!(classify(code), class, "{code}");
        }
        assert_eq!(details("R03").ach_return_code.as_deref(), Some("R03"));
        assert_eq!(details("R01").ach_return_code, None, "outside Moov's enum");
    }
}
