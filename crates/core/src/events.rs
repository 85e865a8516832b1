//! Webhook event payloads, as Moov documents them.

use jiff::Timestamp;
use serde_json::json;
use uuid::Uuid;

use crate::model::{BankAccount, BankAccountStatus, Event, ExceptionDetails, StatusReason};

pub const BANK_ACCOUNT_CREATED: &str = "bankAccount.created";
pub const BANK_ACCOUNT_UPDATED: &str = "bankAccount.updated";
pub const BANK_ACCOUNT_DELETED: &str = "bankAccount.deleted";
pub const PAYMENT_METHOD_ENABLED: &str = "paymentMethod.enabled";
pub const PAYMENT_METHOD_DISABLED: &str = "paymentMethod.disabled";

pub fn bank_account_created(b: &BankAccount, event_id: Uuid, at: Timestamp) -> Event {
    Event {
        event_id,
        tenant_id: b.tenant_id,
        event_type: BANK_ACCOUNT_CREATED.into(),
        data: json!({"bankAccountID": b.bank_account_id, "accountID": b.account_id, "status": b.status}),
        created_on: at,
    }
}

pub fn bank_account_deleted(b: &BankAccount, event_id: Uuid, at: Timestamp) -> Event {
    Event {
        event_id,
        tenant_id: b.tenant_id,
        event_type: BANK_ACCOUNT_DELETED.into(),
        data: json!({"bankAccountID": b.bank_account_id, "accountID": b.account_id, "status": b.status}),
        created_on: at,
    }
}

pub fn bank_account_updated(
    b: &BankAccount,
    status: BankAccountStatus,
    reason: StatusReason,
    details: Option<&ExceptionDetails>,
    event_id: Uuid,
    at: Timestamp,
) -> Event {
    let mut data = json!({
        "bankAccountID": b.bank_account_id,
        "accountID": b.account_id,
        "status": status,
        "statusReason": reason,
    });
    if let Some(d) = details {
        data["exceptionDetails"] = json!(d);
    }
    Event {
        event_id,
        tenant_id: b.tenant_id,
        event_type: BANK_ACCOUNT_UPDATED.into(),
        data,
        created_on: at,
    }
}

pub fn payment_method(
    b: &BankAccount,
    enabled: bool,
    payment_method_id: Uuid,
    event_id: Uuid,
    at: Timestamp,
) -> Event {
    Event {
        event_id,
        tenant_id: b.tenant_id,
        event_type: if enabled {
            PAYMENT_METHOD_ENABLED
        } else {
            PAYMENT_METHOD_DISABLED
        }
        .into(),
        data: json!({"accountID": b.account_id, "paymentMethodID": payment_method_id, "sourceID": b.bank_account_id}),
        created_on: at,
    }
}

// Pennydrop's own event types: what Moov folds into `bankAccount.updated` but integrators ask
// for separately. Each carries IDs and names, never an account number, an amount or a code.

pub const MICRO_DEPOSITS_SENT: &str = "microDeposits.sent";
pub const VERIFICATION_ATTEMPT_FAILED: &str = "verification.attemptFailed";
pub const ACH_RETURN_RECEIVED: &str = "ach.returnReceived";
pub const ACH_NOC_APPLIED: &str = "ach.nocApplied";
pub const INSTANT_CREDIT_ACCEPTED: &str = "instantCredit.accepted";
pub const INSTANT_CREDIT_REJECTED: &str = "instantCredit.rejected";
pub const RISK_DECISION: &str = "risk.decision";
pub const RISK_TENANT_RESUMED: &str = "risk.tenantResumed";

/// Which bank account (and verification) an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub tenant_id: Uuid,
    pub bank_account_id: Uuid,
    pub account_id: Uuid,
    pub verification_id: Option<Uuid>,
}

impl Subject {
    pub fn of(b: &BankAccount, verification_id: Option<Uuid>) -> Self {
        Self {
            tenant_id: b.tenant_id,
            bank_account_id: b.bank_account_id,
            account_id: b.account_id,
            verification_id,
        }
    }

    fn event(&self, event_type: &str, extra: serde_json::Value, id: Uuid, at: Timestamp) -> Event {
        let mut data = json!({"bankAccountID": self.bank_account_id, "accountID": self.account_id});
        if let Some(v) = self.verification_id {
            data["verificationID"] = json!(v);
        }
        if let (Some(d), serde_json::Value::Object(more)) = (data.as_object_mut(), extra) {
            d.extend(more);
        }
        Event {
            event_id: id,
            tenant_id: self.tenant_id,
            event_type: event_type.into(),
            data,
            created_on: at,
        }
    }
}

/// A micro-deposit round's credits were claimed into an ACH file at a cutoff. Written by the
/// store inside the claim, so its ID is derived from the file's and the verification's IDs
/// (a verification is sent at most once), which keeps a seeded run replayable.
pub fn micro_deposits_sent(
    s: &Subject,
    file_id: Uuid,
    effective_date: jiff::civil::Date,
    at: Timestamp,
) -> Event {
    let id = Uuid::new_v5(&file_id, s.verification_id.unwrap_or_default().as_bytes());
    s.event(
        MICRO_DEPOSITS_SENT,
        json!({"effectiveDate": effective_date.to_string()}),
        id,
        at,
    )
}

/// A wrong amount pair or code was counted; `attempts_left` is 0 when it was the last one.
pub fn verification_attempt_failed(
    s: &Subject,
    method: &str,
    attempts_left: u32,
    id: Uuid,
    at: Timestamp,
) -> Event {
    s.event(
        VERIFICATION_ATTEMPT_FAILED,
        json!({"method": method, "attemptsLeft": attempts_left}),
        id,
        at,
    )
}

/// An ACH return of one of the verification's entries arrived (`R03`, with its meaning).
pub fn ach_return_received(
    s: &Subject,
    return_code: &str,
    description: &str,
    id: Uuid,
    at: Timestamp,
) -> Event {
    s.event(
        ACH_RETURN_RECEIVED,
        json!({"returnCode": return_code, "description": description}),
        id,
        at,
    )
}

/// A notification of change was applied: the names of the corrected fields, never values.
pub fn ach_noc_applied(
    s: &Subject,
    change_code: &str,
    corrected_fields: &[String],
    id: Uuid,
    at: Timestamp,
) -> Event {
    s.event(
        ACH_NOC_APPLIED,
        json!({"changeCode": change_code, "correctedFields": corrected_fields}),
        id,
        at,
    )
}

/// The instant rail (`rtp` or `fednow`) answered a verification credit.
pub fn instant_credit_answered(
    s: &Subject,
    network: &str,
    rejection_code: Option<&str>,
    id: Uuid,
    at: Timestamp,
) -> Event {
    match rejection_code {
        None => s.event(INSTANT_CREDIT_ACCEPTED, json!({"network": network}), id, at),
        Some(code) => s.event(
            INSTANT_CREDIT_REJECTED,
            json!({"network": network, "reasonCode": code}),
            id,
            at,
        ),
    }
}

/// A risk rule refused, flagged, warned about or paused something of the tenant's
/// (docs/risk.md): the rule and outcome, never the figures of other tenants.
pub fn risk_decision(d: &crate::risk::RiskDecision, id: Uuid) -> Event {
    let mut data = json!({
        "decisionID": d.decision_id,
        "rule": d.rule,
        "outcome": d.outcome,
    });
    if let Some(b) = d.bank_account_id {
        data["bankAccountID"] = json!(b);
    }
    Event {
        event_id: id,
        tenant_id: d.tenant_id,
        event_type: RISK_DECISION.into(),
        data,
        created_on: d.decided_on,
    }
}

/// An operator lifted the pause of the tenant's new origination.
pub fn risk_tenant_resumed(tenant: Uuid, reason: &str, id: Uuid, at: Timestamp) -> Event {
    Event {
        event_id: id,
        tenant_id: tenant,
        event_type: RISK_TENANT_RESUMED.into(),
        data: json!({"reason": reason}),
        created_on: at,
    }
}
