//! What operators look at: ACH files, held entries, inbound files, micro-entry monitoring,
//! readiness.

use pennydrop_core::model::{AchFile, HeldEntry, InboundFile};
use uuid::Uuid;

use crate::ports::MicroEntryCounts;
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

    /// A round trip to the database.
    pub async fn health(&self) -> Result<(), EngineError> {
        Ok(self.store().health().await?)
    }
}
