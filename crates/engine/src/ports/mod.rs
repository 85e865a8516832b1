//! The engine's ports: one trait per outside system. Implementations live elsewhere
//! (`pennydrop-store` for the database, `pennydrop-rails` for the bank-facing systems); the
//! engine and the dialects see only these traits.

pub mod rails;
pub mod store;

pub use rails::{AchOperator, BatchSummary, CutoffReport, InboxReport, RailError, Statements};
pub use store::{
    AccountFilter, AccountStore, AchStore, Backend, BackendError, BankAccountLookup, CreditClaim,
    CutoffClaim, DecisionCount, DecisionFilter, Enrollment, EventStore, FileIdentity, FileTotals,
    FingerprintUse, IdempotencyStore, KeyStore, LinkOutcome, LinkStore, MicroEntryCounts,
    OperationsCounts, Pause, ReturnVolumes, ReturnedEntry, RiskStore, SimulatorStore, Store,
    StoreError, TracedEntry, VerificationStore, WebhookBacklog, WebhookStore,
};
