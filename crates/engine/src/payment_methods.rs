//! Moov payment methods, derived from a bank account's status: nothing is stored, and IDs are
//! stable (UUIDv5 of the bank account ID and the method type).

use pennydrop_core::model::{BankAccount, BankAccountStatus};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentMethod {
    pub payment_method_id: Uuid,
    pub payment_method_type: &'static str,
}

fn method(b: &BankAccount, kind: &'static str) -> PaymentMethod {
    PaymentMethod {
        payment_method_id: Uuid::new_v5(&b.bank_account_id, kind.as_bytes()),
        payment_method_type: kind,
    }
}

/// Credits work as soon as a bank account is linked (plus `rtp-credit` when its bank is
/// reachable instantly); debits only once it is verified. An errored or disabled bank account
/// has none.
pub fn payment_methods(b: &BankAccount, instant_capable: bool) -> Vec<PaymentMethod> {
    if b.disabled_on.is_some() || b.status == BankAccountStatus::Errored {
        return Vec::new();
    }
    let mut methods = vec![
        method(b, "ach-credit-standard"),
        method(b, "ach-credit-same-day"),
    ];
    if instant_capable {
        methods.push(method(b, "rtp-credit"));
    }
    if b.status == BankAccountStatus::Verified {
        methods.extend(debit_methods(b));
    }
    methods
}

/// The methods a successful verification enables.
pub fn debit_methods(b: &BankAccount) -> Vec<PaymentMethod> {
    vec![method(b, "ach-debit-fund"), method(b, "ach-debit-collect")]
}
