//! Domain records: tenants' API keys, accounts and bank accounts, with the Moov vocabularies
//! for their enums.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::crypto::Sealed;

/// Declares a string enum with one canonical spelling per variant (the Moov wire value), used
/// for JSON and for storage alike.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The accepted spellings, for error messages.
            pub fn expected() -> String {
                [$($text),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// Sandbox tenants never reach a rail; production tenants do.
    Mode { Sandbox = "sandbox", Production = "production" }
);
wire_enum!(AccountType { Individual = "individual", Business = "business" });
wire_enum!(HolderType { Individual = "individual", Business = "business", Guest = "guest" });
wire_enum!(BankAccountType {
    Checking = "checking",
    Savings = "savings",
    GeneralLedger = "general-ledger",
    Loan = "loan",
});
wire_enum!(BankAccountStatus {
    New = "new",
    Verified = "verified",
    VerificationFailed = "verificationFailed",
    Pending = "pending",
    Errored = "errored",
});
wire_enum!(StatusReason {
    BankAccountCreated = "bank-account-created",
    VerificationInitiated = "verification-initiated",
    MicroDepositAttemptsExceeded = "micro-deposit-attempts-exceeded",
    MicroDepositExpired = "micro-deposit-expired",
    MaxVerificationFailures = "max-verification-failures",
    VerificationAttemptsExceeded = "verification-attempts-exceeded",
    VerificationExpired = "verification-expired",
    VerificationSuccessful = "verification-successful",
    AchDebitReturn = "ach-debit-return",
    AchCreditReturn = "ach-credit-return",
    RtpCreditFailure = "rtp-credit-failure",
    FednowCreditFailure = "fednow-credit-failure",
    MicroDepositReturn = "micro-deposit-return",
    AdminAction = "admin-action",
    Other = "other",
});

/// Why a bank account's status changed because of a rail: the return or rejection code.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExceptionDetails {
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ach_return_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtp_rejection_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fednow_rejection_code: Option<String>,
}

/// An API key pair's stored half. The secret itself is never stored, only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub public_key: String,
    pub secret_hash: String,
    pub name: String,
    /// The facilitator account (the tenant) this key acts for.
    pub account_id: Uuid,
    pub mode: Mode,
    pub created_on: Timestamp,
    pub revoked_on: Option<Timestamp>,
}

/// An OAuth2 access token's stored half: its hash, scopes and expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub token_hash: String,
    pub public_key: String,
    pub scopes: Vec<String>,
    pub created_on: Timestamp,
    pub expires_on: Timestamp,
}

/// A Moov account: either a tenant's facilitator account (`tenant_id == account_id`) or an
/// account the tenant created for one of its users.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub account_id: Uuid,
    pub tenant_id: Uuid,
    pub mode: Mode,
    pub account_type: AccountType,
    pub display_name: String,
    /// The Moov `profile` object as validated by the API layer.
    pub profile: serde_json::Value,
    pub metadata: BTreeMap<String, String>,
    pub foreign_id: Option<String>,
    pub created_on: Timestamp,
    pub updated_on: Timestamp,
}

impl Account {
    pub fn is_facilitator(&self) -> bool {
        self.account_id == self.tenant_id
    }
}

/// A linked bank account. The full account number exists only inside `sealed`.
#[derive(Debug, Clone, PartialEq)]
pub struct BankAccount {
    pub bank_account_id: Uuid,
    pub account_id: Uuid,
    pub tenant_id: Uuid,
    pub fingerprint: String,
    pub status: BankAccountStatus,
    pub status_reason: StatusReason,
    pub exception_details: Option<ExceptionDetails>,
    pub holder_name: String,
    pub holder_type: HolderType,
    pub bank_name: String,
    pub bank_account_type: BankAccountType,
    pub routing_number: String,
    pub last_four: String,
    pub sealed: Sealed,
    pub created_on: Timestamp,
    pub updated_on: Timestamp,
    pub disabled_on: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_through_parse_and_serde() {
        for s in BankAccountStatus::ALL {
            assert_eq!(BankAccountStatus::parse(s.as_str()), Some(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for r in StatusReason::ALL {
            assert_eq!(StatusReason::parse(r.as_str()), Some(*r));
        }
        assert_eq!(BankAccountType::GeneralLedger.as_str(), "general-ledger");
        assert_eq!(
            BankAccountStatus::VerificationFailed.as_str(),
            "verificationFailed"
        );
        assert_eq!(HolderType::parse("robot"), None);
        assert_eq!(HolderType::expected(), "individual, business, guest");
    }
}
