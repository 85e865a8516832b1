//! Moov's response bodies, encoded from domain values (one place, shared by the routes).

use pennydrop_core::model::BankAccount;
use pennydrop_engine::payment_methods::PaymentMethod;
use serde_json::{json, Value};

use super::rfc3339;

pub fn bank_account_json(b: &BankAccount) -> Value {
    let mut v = json!({
        "bankAccountID": b.bank_account_id,
        "fingerprint": b.fingerprint,
        "status": b.status,
        "statusReason": b.status_reason,
        "holderName": b.holder_name,
        "holderType": b.holder_type,
        "bankName": b.bank_name,
        "bankAccountType": b.bank_account_type,
        "routingNumber": b.routing_number,
        "lastFourAccountNumber": b.last_four,
        "updatedOn": rfc3339(b.updated_on),
    });
    if let Some(details) = &b.exception_details {
        v["exceptionDetails"] = json!(details);
    }
    v
}

pub fn basic_json(methods: &[PaymentMethod]) -> Value {
    Value::Array(
        methods
            .iter()
            .map(|m| json!({"paymentMethodID": m.payment_method_id, "paymentMethodType": m.payment_method_type}))
            .collect(),
    )
}
