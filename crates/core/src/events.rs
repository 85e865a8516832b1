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
