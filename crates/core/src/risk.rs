//! Risk-control records: the decisions the risk rules made, the blocklist, and what operators
//! (and the system) did to the controls. The rules themselves live in `pennydrop_engine::risk`;
//! `docs/risk.md` explains each one.

use crate::model::wire_enum;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

wire_enum!(
    /// Every rule the risk component applies, by the name operators and API answers see.
    RiskRule {
        TenantHourly = "velocity.tenant-hourly",
        TenantDaily = "velocity.tenant-daily",
        BankAccountRounds = "velocity.bank-account-rounds",
        HolderBankAccounts = "velocity.holder-bank-accounts",
        SharedTenants = "shared.tenants",
        SharedHolderNames = "shared.holder-names",
        BlockedRouting = "blocklist.routing",
        BlockedFingerprint = "blocklist.fingerprint",
        ReturnsUnauthorized = "returns.unauthorized",
        ReturnsAdministrative = "returns.administrative",
        ReturnsOverall = "returns.overall",
        TenantPaused = "tenant.paused",
    }
);

wire_enum!(
    /// What a recorded decision did.
    RiskOutcome {
        /// The request was refused; nothing was queued.
        Refused = "refused",
        /// Allowed, but the signal is recorded (a rule configured to flag rather than block).
        Flagged = "flagged",
        /// Allowed, at or past the early-warning share of a limit.
        NearLimit = "near-limit",
        /// A return rate crossed its early-warning threshold.
        Warned = "warned",
        /// A return rate crossed its threshold: the tenant's new origination is paused.
        Paused = "paused",
    }
);

/// One recorded decision of a risk rule, with the figures it saw (`inputs`, JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct RiskDecision {
    pub decision_id: Uuid,
    pub tenant_id: Uuid,
    pub bank_account_id: Option<Uuid>,
    pub rule: RiskRule,
    pub outcome: RiskOutcome,
    pub inputs: serde_json::Value,
    pub decided_on: Timestamp,
}

wire_enum!(
    /// What a blocklist entry matches.
    BlockKind { Routing = "routing", Fingerprint = "fingerprint" }
);

/// One blocklist entry. A fingerprint is the vault's keyed hash of routing and account number,
/// never the number itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockEntry {
    pub kind: BlockKind,
    pub value: String,
    pub reason: String,
    pub added_by: String,
    pub added_on: Timestamp,
}

wire_enum!(
    /// What an operator (or the system) did to the risk controls.
    AuditAction {
        BlocklistAdded = "blocklist.added",
        BlocklistRemoved = "blocklist.removed",
        TenantPaused = "tenant.paused",
        TenantResumed = "tenant.resumed",
        SettingsChanged = "settings.changed",
        BankAccountUnlocked = "bankAccount.unlocked",
    }
);

/// Who acted when the system itself did (an automatic pause).
pub const SYSTEM_ACTOR: &str = "system";

/// One entry of the risk audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub audit_id: Uuid,
    pub action: AuditAction,
    pub tenant_id: Option<Uuid>,
    /// What was acted on: a tenant ID, a blocklist entry (`routing:021000021`), a bank account.
    pub subject: String,
    /// The operator's API key ID, or [`SYSTEM_ACTOR`].
    pub actor: String,
    pub reason: String,
    pub details: serde_json::Value,
    pub at: Timestamp,
}

/// A tenant's risk state: its settings overrides (a JSON merge patch over the deployment's)
/// and whether its new origination is paused, since when and by which rule.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TenantRisk {
    pub settings: serde_json::Value,
    pub paused_on: Option<Timestamp>,
    pub paused_rule: Option<String>,
}
