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
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
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
pub(crate) use wire_enum;

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
    /// Operator keys may use the admin API (ACH files, cutoffs, monitoring).
    pub operator: bool,
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
    /// When an operator last unlocked the bank account: only verification rounds created at or
    /// after it count against the rounds limit (docs/risk.md, "Holder recovery").
    pub unlocked_on: Option<Timestamp>,
    /// Optimistic-concurrency version, bumped by every status change.
    pub version: i64,
}

wire_enum!(
    /// Moov's verification statuses; micro-deposit rounds use the same vocabulary internally.
    VerificationStatus {
        New = "new",
        SentCredit = "sent-credit",
        Successful = "successful",
        Failed = "failed",
        Expired = "expired",
        MaxAttemptsExceeded = "max-attempts-exceeded",
    }
);

impl VerificationStatus {
    /// A verification in this status can still change (be sent, completed or expire).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            VerificationStatus::New | VerificationStatus::SentCredit
        )
    }
}

wire_enum!(
    /// How a verification proves ownership: two micro-deposits, or one coded credit sent
    /// instantly (RTP/FedNow) or by same-day ACH.
    VerificationKind {
        MicroDeposits = "micro-deposits",
        Instant = "instant",
        InstantAch = "ach",
    }
);

/// One verification round of a bank account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub verification_id: Uuid,
    pub bank_account_id: Uuid,
    pub account_id: Uuid,
    pub tenant_id: Uuid,
    pub kind: VerificationKind,
    pub status: VerificationStatus,
    /// The secret the holder must repeat: two amounts in cents, or the 4-digit code.
    pub secret: VerificationSecret,
    pub failed_attempts: u32,
    pub exception_details: Option<ExceptionDetails>,
    pub created_on: Timestamp,
    pub expires_on: Timestamp,
    pub sent_on: Option<Timestamp>,
    pub updated_on: Timestamp,
}

/// Why a verification ended without success, as data (never read back from a description).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureCause {
    /// The receiving bank returned an entry (the NACHA return reason code, e.g. `R03`).
    AchReturn(String),
    /// The RTP network rejected the credit (ISO 20022 reason code, e.g. `AC03`).
    RtpRejection(String),
    /// The FedNow service rejected the credit.
    FedNowRejection(String),
    /// Nobody completed it in time.
    Expired,
    /// Too many wrong answers.
    AttemptsExhausted,
}

impl Verification {
    /// Why this verification failed, if it did.
    pub fn failure_cause(&self) -> Option<FailureCause> {
        let details = self.exception_details.as_ref();
        let code = |f: fn(&ExceptionDetails) -> &Option<String>| details.and_then(|d| f(d).clone());
        match self.status {
            VerificationStatus::Expired => Some(FailureCause::Expired),
            VerificationStatus::MaxAttemptsExceeded => Some(FailureCause::AttemptsExhausted),
            VerificationStatus::Failed => code(|d| &d.ach_return_code)
                .map(FailureCause::AchReturn)
                .or_else(|| code(|d| &d.rtp_rejection_code).map(FailureCause::RtpRejection))
                .or_else(|| code(|d| &d.fednow_rejection_code).map(FailureCause::FedNowRejection)),
            VerificationStatus::New
            | VerificationStatus::SentCredit
            | VerificationStatus::Successful => None,
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub enum VerificationSecret {
    Amounts([i64; 2]),
    Code(String),
    /// Either of the above encrypted with the vault, as it is stored: the engine seals before
    /// writing and opens after reading, so the database alone never reveals a secret.
    Sealed(crate::crypto::Sealed),
}

impl std::fmt::Debug for VerificationSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerificationSecret::Amounts(_) => f.write_str("Amounts(**)"),
            VerificationSecret::Code(_) => f.write_str("Code(****)"),
            VerificationSecret::Sealed(_) => f.write_str("Sealed"),
        }
    }
}

const SEALED_PREFIX: &str = "sealed:";

impl VerificationSecret {
    /// Storage form: `"12,34"` or `"1234"` in clear (what is sealed), or
    /// `sealed:<key id>:<base64>`.
    pub fn encode(&self) -> String {
        use base64::Engine;
        match self {
            VerificationSecret::Amounts([a, b]) => format!("{a},{b}"),
            VerificationSecret::Code(c) => c.clone(),
            VerificationSecret::Sealed(s) => format!(
                "{SEALED_PREFIX}{}:{}",
                s.key_id,
                base64::engine::general_purpose::STANDARD.encode(&s.ciphertext)
            ),
        }
    }

    pub fn decode(kind: VerificationKind, s: &str) -> Option<Self> {
        use base64::Engine;
        if let Some(rest) = s.strip_prefix(SEALED_PREFIX) {
            let (key_id, b64) = rest.split_once(':')?;
            let ciphertext = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
            return Some(VerificationSecret::Sealed(crate::crypto::Sealed {
                key_id: key_id.to_string(),
                ciphertext,
            }));
        }
        match kind {
            VerificationKind::MicroDeposits => {
                let (a, b) = s.split_once(',')?;
                Some(VerificationSecret::Amounts([
                    a.parse().ok()?,
                    b.parse().ok()?,
                ]))
            }
            VerificationKind::Instant | VerificationKind::InstantAch => {
                Some(VerificationSecret::Code(s.to_string()))
            }
        }
    }
}

wire_enum!(
    /// Why an ACH entry exists.
    EntryPurpose {
        MicroDepositCredit = "micro-deposit-credit",
        MicroDepositDebit = "micro-deposit-debit",
        VerificationCredit = "verification-credit",
    }
);

wire_enum!(
    /// An entry waits (`pending`), leaves in a file (`batched`), is cancelled with its
    /// verification, or is held back at a cutoff because it would have broken the file.
    EntryStatus { Pending = "pending", Batched = "batched", Cancelled = "cancelled", Held = "held" }
);

/// A money movement waiting for (or placed in) a NACHA file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AchEntry {
    pub entry_id: Uuid,
    pub tenant_id: Uuid,
    pub bank_account_id: Uuid,
    pub verification_id: Uuid,
    pub purpose: EntryPurpose,
    /// The amount; 0 as stored when `sealed_amount` holds it.
    pub amount_cents: i64,
    /// A micro-deposit's amount sealed with the vault (it is the holder's secret), as stored;
    /// None once opened, and for entries whose amount is no secret.
    pub sealed_amount: Option<String>,
    pub is_credit: bool,
    /// Free text for an addenda 05 record (e.g. the `MV1234` code), if any.
    pub addenda: Option<String>,
    /// The cutoff window this entry is due for.
    pub due_at: Timestamp,
    pub status: EntryStatus,
    pub created_on: Timestamp,
}

impl AchEntry {
    /// The amount an operator may see: None while it is a sealed verification secret.
    pub fn visible_amount(&self) -> Option<i64> {
        self.sealed_amount.is_none().then_some(self.amount_cents)
    }

    /// Whether the amount is a verification secret (a micro-deposit credit, or the recoup
    /// debit that equals their sum).
    pub fn amount_is_secret(&self) -> bool {
        matches!(
            self.purpose,
            EntryPurpose::MicroDepositCredit | EntryPurpose::MicroDepositDebit
        )
    }
}

/// Why an entry was held back at a cutoff: the NACHA rule it would have broken (e.g.
/// `individual-name`) and what is wrong, never the account number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryHold {
    pub entry_id: Uuid,
    pub rule: String,
    pub reason: String,
}

/// An entry held back at a cutoff, as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldEntry {
    pub entry: AchEntry,
    pub rule: String,
    pub reason: String,
    pub held_on: Timestamp,
}

wire_enum!(
    /// The instant network a credit travels on.
    InstantNetwork { Rtp = "rtp", FedNow = "fednow" }
);

wire_enum!(InstantCreditStatus {
    Pending = "pending",
    Submitted = "submitted",
    Accepted = "accepted",
    Rejected = "rejected",
});

/// A credit waiting for (or sent over) the instant rail. `credit_id` is the end-to-end ID: the
/// rail de-duplicates on it, so a resubmission after a crash cannot pay twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstantCredit {
    pub credit_id: Uuid,
    pub tenant_id: Uuid,
    pub bank_account_id: Uuid,
    pub verification_id: Uuid,
    pub amount_cents: i64,
    pub remittance: String,
    /// Chosen from the participant directories when the credit is queued; status requests go
    /// to the same network.
    pub network: InstantNetwork,
    pub status: InstantCreditStatus,
    pub reason_code: Option<String>,
    pub created_on: Timestamp,
    pub updated_on: Timestamp,
}

wire_enum!(
    /// An originated file's progress: assembled in the database, written to the outbox,
    /// delivered to the bank (SFTP) when delivery is configured.
    AchFileStatus { Assembled = "assembled", Written = "written", Delivered = "delivered" }
);

/// A NACHA file Pennydrop originated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AchFile {
    pub file_id: Uuid,
    pub file_name: String,
    pub created_on: Timestamp,
    pub window_at: Option<Timestamp>,
    pub effective_date: jiff::civil::Date,
    pub file_id_modifier: char,
    pub entry_count: i64,
    pub total_credit_cents: i64,
    pub total_debit_cents: i64,
    pub status: AchFileStatus,
    pub written_on: Option<Timestamp>,
    pub delivered_on: Option<Timestamp>,
    pub delivery_error: Option<String>,
}

/// An entry placed in a file, with what the file needs to know about its bank account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub entry: AchEntry,
    pub trace_seq: i64,
    pub routing_number: String,
    pub sealed: Sealed,
    pub holder_name: String,
    pub holder_type: HolderType,
    pub bank_account_type: BankAccountType,
}

wire_enum!(InboundStatus { Applied = "applied", Quarantined = "quarantined" });

/// A file received from the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundFile {
    pub inbound_id: Uuid,
    pub file_name: String,
    pub sha256: String,
    pub received_on: Timestamp,
    pub status: InboundStatus,
    pub error: Option<String>,
    pub returns: i64,
    pub nocs: i64,
}

/// A returned or corrected entry, found by its trace number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginatedEntry {
    pub entry: AchEntry,
    pub trace_number: String,
    pub return_code: Option<String>,
}

/// A notification of change as recorded (never the corrected data itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NocRecord {
    pub noc_id: Uuid,
    pub tenant_id: Uuid,
    pub bank_account_id: Uuid,
    pub entry_id: Uuid,
    pub change_code: String,
    pub changed_fields: Vec<String>,
    pub received_on: Timestamp,
}

/// One line of a simulated bank account's statement: what the holder would read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementLine {
    /// Unique per posting (the rail's reference: end-to-end ID or trace number), so a redelivery
    /// never posts twice.
    pub reference: String,
    #[serde(skip)]
    pub fingerprint: String,
    pub routing_number: String,
    pub last_four_account_number: String,
    #[serde(with = "timestamp_rfc3339")]
    pub posted_on: Timestamp,
    pub amount_cents: i64,
    /// `credit` or `debit`.
    pub direction: &'static str,
    pub rail: String,
    pub company_name: String,
    pub description: String,
    /// The text on the holder's statement, e.g. `ACME ACCTVERIFY MV1234`.
    pub statement_text: String,
}

mod timestamp_rfc3339 {
    use jiff::Timestamp;
    pub fn serialize<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_string())
    }
}

/// A webhook event waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event_id: Uuid,
    pub tenant_id: Uuid,
    pub event_type: String,
    pub data: serde_json::Value,
    pub created_on: Timestamp,
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
