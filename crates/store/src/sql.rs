//! The SQL implementations. One macro body generates both stores so the two can never drift
//! apart; only `connect` and the migration folder differ per backend.

use async_trait::async_trait;
use jiff::Timestamp;
use pennydrop_core::clock::{from_micros, to_micros};
use pennydrop_core::crypto::Sealed;
use pennydrop_core::model::{
    AccessToken, Account, AccountType, ApiKey, BankAccount, BankAccountStatus, BankAccountType,
    ExceptionDetails, HolderType, Mode, StatusReason,
};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Row;
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

use crate::{AccountFilter, Backend, LinkOutcome, Store, StoreError};

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) a SQLite database in WAL mode with full durability on commit.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL keeps a 2xx durable even on power loss, at some cost in commit latency.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value:?}"))
}

fn uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|_| corrupt("uuid", s))
}

fn enum_value<T>(parse: fn(&str) -> Option<T>, what: &str, s: &str) -> Result<T, StoreError> {
    parse(s).ok_or_else(|| corrupt(what, s))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

const ACCOUNT_COLUMNS: &str = "account_id, tenant_id, mode, account_type, display_name, profile, \
     metadata, foreign_id, created_on, updated_on";
const API_KEY_COLUMNS: &str =
    "public_key, secret_hash, name, account_id, mode, created_on, revoked_on";
const BANK_ACCOUNT_COLUMNS: &str = "bank_account_id, account_id, tenant_id, fingerprint, status, \
     status_reason, exception_details, holder_name, holder_type, bank_name, bank_account_type, \
     routing_number, last_four, account_number_key_id, account_number_ciphertext, created_on, \
     updated_on, disabled_on";

macro_rules! sql_store {
    ($store:ident, $row:ty, $backend:expr, $migrations:literal) => {
        impl $store {
            fn account_from_row(row: &$row) -> Result<Account, StoreError> {
                let profile: String = row.try_get("profile")?;
                let metadata: String = row.try_get("metadata")?;
                let mode: String = row.try_get("mode")?;
                let account_type: String = row.try_get("account_type")?;
                Ok(Account {
                    account_id: uuid(&row.try_get::<String, _>("account_id")?)?,
                    tenant_id: uuid(&row.try_get::<String, _>("tenant_id")?)?,
                    mode: enum_value(Mode::parse, "mode", &mode)?,
                    account_type: enum_value(AccountType::parse, "account type", &account_type)?,
                    display_name: row.try_get("display_name")?,
                    profile: serde_json::from_str(&profile).map_err(|_| corrupt("profile", &profile))?,
                    metadata: serde_json::from_str(&metadata)
                        .map_err(|_| corrupt("metadata", &metadata))?,
                    foreign_id: row.try_get("foreign_id")?,
                    created_on: from_micros(row.try_get("created_on")?),
                    updated_on: from_micros(row.try_get("updated_on")?),
                })
            }

            fn api_key_from_row(row: &$row) -> Result<ApiKey, StoreError> {
                let mode: String = row.try_get("mode")?;
                Ok(ApiKey {
                    public_key: row.try_get("public_key")?,
                    secret_hash: row.try_get("secret_hash")?,
                    name: row.try_get("name")?,
                    account_id: uuid(&row.try_get::<String, _>("account_id")?)?,
                    mode: enum_value(Mode::parse, "mode", &mode)?,
                    created_on: from_micros(row.try_get("created_on")?),
                    revoked_on: row.try_get::<Option<i64>, _>("revoked_on")?.map(from_micros),
                })
            }

            fn bank_account_from_row(row: &$row) -> Result<BankAccount, StoreError> {
                let status: String = row.try_get("status")?;
                let reason: String = row.try_get("status_reason")?;
                let holder_type: String = row.try_get("holder_type")?;
                let account_type: String = row.try_get("bank_account_type")?;
                let details: Option<String> = row.try_get("exception_details")?;
                let exception_details = match details {
                    Some(d) => Some(
                        serde_json::from_str::<ExceptionDetails>(&d)
                            .map_err(|_| corrupt("exception details", &d))?,
                    ),
                    None => None,
                };
                Ok(BankAccount {
                    bank_account_id: uuid(&row.try_get::<String, _>("bank_account_id")?)?,
                    account_id: uuid(&row.try_get::<String, _>("account_id")?)?,
                    tenant_id: uuid(&row.try_get::<String, _>("tenant_id")?)?,
                    fingerprint: row.try_get("fingerprint")?,
                    status: enum_value(BankAccountStatus::parse, "status", &status)?,
                    status_reason: enum_value(StatusReason::parse, "status reason", &reason)?,
                    exception_details,
                    holder_name: row.try_get("holder_name")?,
                    holder_type: enum_value(HolderType::parse, "holder type", &holder_type)?,
                    bank_name: row.try_get("bank_name")?,
                    bank_account_type: enum_value(
                        BankAccountType::parse,
                        "bank account type",
                        &account_type,
                    )?,
                    routing_number: row.try_get("routing_number")?,
                    last_four: row.try_get("last_four")?,
                    sealed: Sealed {
                        key_id: row.try_get("account_number_key_id")?,
                        ciphertext: row.try_get("account_number_ciphertext")?,
                    },
                    created_on: from_micros(row.try_get("created_on")?),
                    updated_on: from_micros(row.try_get("updated_on")?),
                    disabled_on: row.try_get::<Option<i64>, _>("disabled_on")?.map(from_micros),
                })
            }
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> Result<(), StoreError> {
                sqlx::migrate!($migrations).run(&self.pool).await?;
                Ok(())
            }

            async fn health(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_tenant(&self, facilitator: &Account, key: &ApiKey) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                insert_account_sql!(&mut *tx, facilitator)?;
                insert_api_key_sql!(&mut *tx, key)?;
                tx.commit().await?;
                Ok(())
            }

            async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
                insert_api_key_sql!(&self.pool, key)?;
                Ok(())
            }

            async fn api_key(&self, public_key: &str) -> Result<Option<ApiKey>, StoreError> {
                let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE public_key = $1");
                let row = sqlx::query(&sql).bind(public_key).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::api_key_from_row).transpose()
            }

            async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
                let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys ORDER BY created_on, public_key");
                let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                rows.iter().map(Self::api_key_from_row).collect()
            }

            async fn revoke_api_key(&self, public_key: &str, at: Timestamp) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_on = $1 WHERE public_key = $2 AND revoked_on IS NULL",
                )
                .bind(to_micros(at))
                .bind(public_key)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn count_api_keys(&self) -> Result<i64, StoreError> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM api_keys").fetch_one(&self.pool).await?;
                Ok(row.try_get("n")?)
            }

            async fn insert_access_token(&self, token: &AccessToken) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO access_tokens (token_hash, public_key, scopes, created_on, expires_on) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&token.token_hash)
                .bind(&token.public_key)
                .bind(token.scopes.join(" "))
                .bind(to_micros(token.created_on))
                .bind(to_micros(token.expires_on))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn access_token(
                &self,
                token_hash: &str,
            ) -> Result<Option<(AccessToken, ApiKey)>, StoreError> {
                let sql = format!(
                    "SELECT t.token_hash, t.scopes, t.created_on AS t_created, t.expires_on, \
                     k.public_key, k.secret_hash, k.name, k.account_id, k.mode, k.created_on, k.revoked_on \
                     FROM access_tokens t JOIN api_keys k ON k.public_key = t.public_key \
                     WHERE t.token_hash = $1"
                );
                let Some(row) = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await? else {
                    return Ok(None);
                };
                let key = Self::api_key_from_row(&row)?;
                let scopes: String = row.try_get("scopes")?;
                let token = AccessToken {
                    token_hash: row.try_get("token_hash")?,
                    public_key: key.public_key.clone(),
                    scopes: scopes.split_whitespace().map(str::to_string).collect(),
                    created_on: from_micros(row.try_get("t_created")?),
                    expires_on: from_micros(row.try_get("expires_on")?),
                };
                Ok(Some((token, key)))
            }

            async fn insert_account(&self, account: &Account) -> Result<(), StoreError> {
                insert_account_sql!(&self.pool, account)?;
                Ok(())
            }

            async fn account(&self, tenant: Uuid, account_id: Uuid) -> Result<Option<Account>, StoreError> {
                let sql = format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE account_id = $1 AND tenant_id = $2"
                );
                let row = sqlx::query(&sql)
                    .bind(account_id.to_string())
                    .bind(tenant.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::account_from_row).transpose()
            }

            async fn list_accounts(
                &self,
                tenant: Uuid,
                filter: &AccountFilter,
                skip: i64,
                count: i64,
            ) -> Result<Vec<Account>, StoreError> {
                let sql = format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE tenant_id = $1 \
                     AND ($2 IS NULL OR foreign_id = $2) AND ($3 IS NULL OR account_type = $3) \
                     ORDER BY created_on, account_id LIMIT $4 OFFSET $5"
                );
                let rows = sqlx::query(&sql)
                    .bind(tenant.to_string())
                    .bind(filter.foreign_id.as_deref())
                    .bind(filter.account_type.map(|t| t.as_str()))
                    .bind(count)
                    .bind(skip)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::account_from_row).collect()
            }

            async fn link_bank_account(&self, b: &BankAccount) -> Result<LinkOutcome, StoreError> {
                let details = b
                    .exception_details
                    .as_ref()
                    .map(|d| serde_json::to_string(d).unwrap_or_default());
                let sql = format!(
                    "INSERT INTO bank_accounts ({BANK_ACCOUNT_COLUMNS}) VALUES \
                     ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
                     ON CONFLICT (account_id, fingerprint) WHERE disabled_on IS NULL DO NOTHING"
                );
                let inserted = sqlx::query(&sql)
                    .bind(b.bank_account_id.to_string())
                    .bind(b.account_id.to_string())
                    .bind(b.tenant_id.to_string())
                    .bind(&b.fingerprint)
                    .bind(b.status.as_str())
                    .bind(b.status_reason.as_str())
                    .bind(details)
                    .bind(&b.holder_name)
                    .bind(b.holder_type.as_str())
                    .bind(&b.bank_name)
                    .bind(b.bank_account_type.as_str())
                    .bind(&b.routing_number)
                    .bind(&b.last_four)
                    .bind(&b.sealed.key_id)
                    .bind(&b.sealed.ciphertext)
                    .bind(to_micros(b.created_on))
                    .bind(to_micros(b.updated_on))
                    .bind(b.disabled_on.map(to_micros))
                    .execute(&self.pool)
                    .await?;
                if inserted.rows_affected() == 1 {
                    return Ok(LinkOutcome::Created(b.clone()));
                }
                let sql = format!(
                    "SELECT {BANK_ACCOUNT_COLUMNS} FROM bank_accounts \
                     WHERE account_id = $1 AND fingerprint = $2 AND disabled_on IS NULL"
                );
                let row = sqlx::query(&sql)
                    .bind(b.account_id.to_string())
                    .bind(&b.fingerprint)
                    .fetch_optional(&self.pool)
                    .await?;
                match row {
                    Some(row) => Ok(LinkOutcome::Existing(Self::bank_account_from_row(&row)?)),
                    // The conflicting row was disabled between our insert and select; a retry
                    // will insert.
                    None => Err(StoreError::Conflict("bank account (concurrent disable)".into())),
                }
            }

            async fn bank_account(
                &self,
                tenant: Uuid,
                account_id: Uuid,
                bank_account_id: Uuid,
            ) -> Result<Option<BankAccount>, StoreError> {
                let sql = format!(
                    "SELECT {BANK_ACCOUNT_COLUMNS} FROM bank_accounts \
                     WHERE bank_account_id = $1 AND account_id = $2 AND tenant_id = $3 \
                     AND disabled_on IS NULL"
                );
                let row = sqlx::query(&sql)
                    .bind(bank_account_id.to_string())
                    .bind(account_id.to_string())
                    .bind(tenant.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::bank_account_from_row).transpose()
            }

            async fn list_bank_accounts(
                &self,
                tenant: Uuid,
                account_id: Uuid,
            ) -> Result<Vec<BankAccount>, StoreError> {
                let sql = format!(
                    "SELECT {BANK_ACCOUNT_COLUMNS} FROM bank_accounts \
                     WHERE account_id = $1 AND tenant_id = $2 AND disabled_on IS NULL \
                     ORDER BY created_on, bank_account_id"
                );
                let rows = sqlx::query(&sql)
                    .bind(account_id.to_string())
                    .bind(tenant.to_string())
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::bank_account_from_row).collect()
            }

            async fn disable_bank_account(
                &self,
                tenant: Uuid,
                account_id: Uuid,
                bank_account_id: Uuid,
                at: Timestamp,
            ) -> Result<Option<BankAccount>, StoreError> {
                let sql = format!(
                    "UPDATE bank_accounts SET disabled_on = $1, updated_on = $1 \
                     WHERE bank_account_id = $2 AND account_id = $3 AND tenant_id = $4 \
                     AND disabled_on IS NULL RETURNING {BANK_ACCOUNT_COLUMNS}"
                );
                let row = sqlx::query(&sql)
                    .bind(to_micros(at))
                    .bind(bank_account_id.to_string())
                    .bind(account_id.to_string())
                    .bind(tenant.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::bank_account_from_row).transpose()
            }
        }
    };
}

macro_rules! insert_account_sql {
    ($exec:expr, $a:expr) => {{
        let a: &Account = $a;
        let sql = format!(
            "INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        );
        sqlx::query(&sql)
            .bind(a.account_id.to_string())
            .bind(a.tenant_id.to_string())
            .bind(a.mode.as_str())
            .bind(a.account_type.as_str())
            .bind(&a.display_name)
            .bind(a.profile.to_string())
            .bind(serde_json::to_string(&a.metadata).unwrap_or_else(|_| "{}".into()))
            .bind(&a.foreign_id)
            .bind(to_micros(a.created_on))
            .bind(to_micros(a.updated_on))
            .execute($exec)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict(format!("account {}", a.account_id))
                } else {
                    StoreError::from(e)
                }
            })
    }};
}

macro_rules! insert_api_key_sql {
    ($exec:expr, $k:expr) => {{
        let k: &ApiKey = $k;
        let sql =
            format!("INSERT INTO api_keys ({API_KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
        sqlx::query(&sql)
            .bind(&k.public_key)
            .bind(&k.secret_hash)
            .bind(&k.name)
            .bind(k.account_id.to_string())
            .bind(k.mode.as_str())
            .bind(to_micros(k.created_on))
            .bind(k.revoked_on.map(to_micros))
            .execute($exec)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict(format!("API key {}", k.public_key))
                } else {
                    StoreError::from(e)
                }
            })
    }};
}

sql_store!(
    SqliteStore,
    sqlx::sqlite::SqliteRow,
    Backend::Sqlite,
    "./migrations/sqlite"
);
sql_store!(
    PostgresStore,
    sqlx::postgres::PgRow,
    Backend::Postgres,
    "./migrations/postgres"
);
