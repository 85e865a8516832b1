//! What operators look at: ACH files, held entries, inbound files, micro-entry monitoring,
//! readiness.

use pennydrop_core::model::{AchFile, HeldEntry, InboundFile};
use uuid::Uuid;

use crate::ports::{MicroEntryCounts, OperationsCounts};
use crate::service::{Engine, EngineError};

impl Engine {
    /// The newest ACH files first.
    pub async fn ach_files(&self, limit: i64) -> Result<Vec<AchFile>, EngineError> {
        Ok(self.store().list_files(limit).await?)
    }

    pub async fn ach_file(&self, file_id: Uuid) -> Result<AchFile, EngineError> {
        self.store()
            .ach_file(file_id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("ACH file {file_id} not found")))
    }

    /// Entries held back at cutoffs (they would have broken a file), the newest first.
    pub async fn held_entries(&self, limit: i64) -> Result<Vec<HeldEntry>, EngineError> {
        Ok(self.store().held_entries(limit).await?)
    }

    /// The newest inbound (return and NOC) files first.
    pub async fn inbound_files(&self, limit: i64) -> Result<Vec<InboundFile>, EngineError> {
        Ok(self.store().list_inbound(limit).await?)
    }

    /// Forward and returned micro-entries per tenant (Nacha's phase-2 monitoring).
    pub async fn micro_entry_counts(&self) -> Result<Vec<MicroEntryCounts>, EngineError> {
        Ok(self.store().micro_entry_counts().await?)
    }

    /// Pending entries, ACH files and inbound files by status (for metrics).
    pub async fn operations_counts(&self) -> Result<OperationsCounts, EngineError> {
        Ok(self.store().operations_counts().await?)
    }

    /// A round trip to the database.
    pub async fn health(&self) -> Result<(), EngineError> {
        Ok(self.store().health().await?)
    }

    /// Whether the database takes writes (see `Store::check_writable`): a database that
    /// answers but cannot be written is not ready either.
    pub async fn writable(&self) -> Result<(), EngineError> {
        Ok(self.store().check_writable().await?)
    }
}
