//! Pennydrop's storage: one [`Store`] trait with a SQLite implementation (embedded, the default)
//! and a PostgreSQL implementation (for several server processes), both checked by the same
//! [`conformance`] suite.
//!
//! Both implementations share their SQL text (written with `$1` placeholders, which SQLite also
//! understands) and differ only in connection setup and migrations.

pub mod conformance;
mod sql;
pub mod testing;

use async_trait::async_trait;
use jiff::Timestamp;
use pennydrop_core::model::{AccessToken, Account, ApiKey, BankAccount};
use std::sync::Arc;
use thiserror::Error;
use uuid::Uuid;

pub use sql::{PostgresStore, SqliteStore};

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored row is corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("{0} already exists")]
    Conflict(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Optional narrowing of an account listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFilter {
    pub foreign_id: Option<String>,
    pub account_type: Option<pennydrop_core::model::AccountType>,
}

/// What linking a bank account did: made a new one, or found the identical active one.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkOutcome {
    Created(BankAccount),
    Existing(BankAccount),
}

impl LinkOutcome {
    pub fn into_inner(self) -> BankAccount {
        match self {
            LinkOutcome::Created(b) | LinkOutcome::Existing(b) => b,
        }
    }
}

/// Everything Pennydrop keeps. Every method is one durable transaction: when it returns `Ok`,
/// the change is committed.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    fn backend(&self) -> Backend;

    /// Applies pending migrations.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// A round trip to the database, for readiness checks.
    async fn health(&self) -> Result<(), StoreError>;

    /// Creates a tenant: its facilitator account and its first API key, atomically.
    async fn create_tenant(&self, facilitator: &Account, key: &ApiKey) -> Result<(), StoreError>;

    /// Adds another key to an existing tenant.
    async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError>;

    async fn api_key(&self, public_key: &str) -> Result<Option<ApiKey>, StoreError>;

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;

    /// Marks a key revoked; its access tokens stop working with it. False if no such live key.
    async fn revoke_api_key(&self, public_key: &str, at: Timestamp) -> Result<bool, StoreError>;

    async fn count_api_keys(&self) -> Result<i64, StoreError>;

    async fn insert_access_token(&self, token: &AccessToken) -> Result<(), StoreError>;

    /// The token and the key it was issued to, if both exist (revocation is checked by callers
    /// through `ApiKey::revoked_on`).
    async fn access_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(AccessToken, ApiKey)>, StoreError>;

    async fn insert_account(&self, account: &Account) -> Result<(), StoreError>;

    /// The account if it belongs to `tenant` (the facilitator itself included).
    async fn account(&self, tenant: Uuid, account_id: Uuid) -> Result<Option<Account>, StoreError>;

    /// The tenant's accounts matching `filter`, oldest first.
    async fn list_accounts(
        &self,
        tenant: Uuid,
        filter: &AccountFilter,
        skip: i64,
        count: i64,
    ) -> Result<Vec<Account>, StoreError>;

    /// Inserts the bank account unless an active one with the same fingerprint exists on the same
    /// account, in which case that one is returned unchanged.
    async fn link_bank_account(
        &self,
        bank_account: &BankAccount,
    ) -> Result<LinkOutcome, StoreError>;

    async fn bank_account(
        &self,
        tenant: Uuid,
        account_id: Uuid,
        bank_account_id: Uuid,
    ) -> Result<Option<BankAccount>, StoreError>;

    /// Active (not disabled) bank accounts of an account, oldest first.
    async fn list_bank_accounts(
        &self,
        tenant: Uuid,
        account_id: Uuid,
    ) -> Result<Vec<BankAccount>, StoreError>;

    /// Disables an active bank account. None if there was no such active bank account.
    async fn disable_bank_account(
        &self,
        tenant: Uuid,
        account_id: Uuid,
        bank_account_id: Uuid,
        at: Timestamp,
    ) -> Result<Option<BankAccount>, StoreError>;
}

/// Opens the store named by `url` (`sqlite://PATH` or `postgres://...`), creating a SQLite file
/// if needed. Does not migrate.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    }
}
