//! The bank-facing systems as the engine's callers drive them: the ACH rail an operator runs a
//! cutoff on, and a bank's statements (the simulated bank's, standing in for the holder's
//! banking app). `pennydrop-rails` implements both.

use async_trait::async_trait;
use pennydrop_core::model::{AchFile, StatementLine};
use pennydrop_core::{AccountNumber, RoutingNumber};

use super::StoreError;

/// What one pass over the inbox applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxReport {
    pub files: usize,
    pub returns: usize,
    pub nocs: usize,
    pub unmatched: usize,
    /// Returns of entries already returned (a file the bank sent again), skipped.
    pub repeated: usize,
    pub quarantined: usize,
}

/// What an operator's cutoff produced: the file it wrote (if anything was due) and what the
/// bank's answer applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutoffReport {
    pub file: Option<AchFile>,
    pub inbound: InboxReport,
}

/// A rail failure, described for the operator (the rail logs the details).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RailError(pub String);

/// The ACH rail as the operator drives it.
#[async_trait]
pub trait AchOperator: Send + Sync + std::fmt::Debug {
    /// Runs a cutoff now, then lets the bank answer.
    async fn cutoff_now(&self) -> Result<CutoffReport, RailError>;

    /// A file's NACHA text.
    async fn file_text(&self, file: &AchFile) -> Result<String, RailError>;

    /// A file's batches as written, read back from its NACHA text (no account number).
    async fn file_batches(&self, file: &AchFile) -> Result<Vec<BatchSummary>, RailError>;
}

/// One batch of a written ACH file, as the operator's console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSummary {
    pub batch_number: u32,
    pub sec_code: String,
    pub company_name: String,
    pub entry_description: String,
    /// Entry and addenda records, as the batch control counts them.
    pub entry_addenda_count: u32,
    pub total_debit_cents: u64,
    pub total_credit_cents: u64,
    /// The entries' trace sequence numbers (the last seven digits of their trace numbers).
    pub trace_seqs: Vec<i64>,
}

/// A bank's statements, as its account holders see them.
#[async_trait]
pub trait Statements: Send + Sync + std::fmt::Debug {
    /// The account's statement lines, oldest first.
    async fn statement(
        &self,
        routing: &RoutingNumber,
        account: &AccountNumber,
    ) -> Result<Vec<StatementLine>, StoreError>;
}
