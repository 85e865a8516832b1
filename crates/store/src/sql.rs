//! The SQL implementations. One macro body generates both stores so the two can never drift
//! apart; only `connect` and the migration folder differ per backend.

use async_trait::async_trait;
use jiff::Timestamp;
use pennydrop_core::change::{Change, Snapshot};
use pennydrop_core::clock::{from_micros, to_micros};
use pennydrop_core::crypto::Sealed;
use pennydrop_core::model::{
    AccessToken, Account, AccountType, AchEntry, AchFile, AchFileStatus, ApiKey, BankAccount,
    BankAccountStatus, BankAccountType, EntryPurpose, EntryStatus, Event, ExceptionDetails,
    FileEntry, HeldEntry, HolderType, InboundFile, InboundStatus, InstantCredit,
    InstantCreditStatus, InstantNetwork, Mode, NocRecord, StatementLine, StatusReason,
    Verification, VerificationKind, VerificationSecret, VerificationStatus,
};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Row;
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

use pennydrop_core::risk::{
    AuditAction, AuditEntry, BlockEntry, BlockKind, RiskDecision, RiskOutcome, RiskRule, TenantRisk,
};
use pennydrop_core::webhooks::{Delivery, DeliveryStatus, Webhook, WebhookStatus};
use pennydrop_engine::idempotency::{Claim, IdempotencyRecord, KeyId, RecordState};
use pennydrop_engine::links::{Branding, LinkKind, VerificationLink};

use crate::{
    AccountFilter, AccountStore, AchStore, Backend, BankAccountLookup, CreditClaim, CutoffClaim,
    DecisionCount, DecisionFilter, Enrollment, EventStore, FileTotals, FingerprintUse,
    IdempotencyStore, KeyStore, LinkOutcome, LinkStore, MicroEntryCounts, OperationsCounts, Pause,
    ReturnVolumes, ReturnedEntry, RiskStore, SimulatorStore, Store, StoreError, TracedEntry,
    VerificationStore, WebhookBacklog, WebhookStore,
};

/// The driver's errors become [`StoreError`]s (the error type belongs to the engine's ports, so
/// `?` cannot convert them by itself).
trait Db<T> {
    fn db(self) -> Result<T, StoreError>;
}

impl<T> Db<T> for Result<T, sqlx::Error> {
    fn db(self) -> Result<T, StoreError> {
        self.map_err(db_error)
    }
}

impl<T> Db<T> for Result<T, sqlx::migrate::MigrateError> {
    fn db(self) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::Migrate(Box::new(e)))
    }
}

impl<T> Db<T> for Result<T, StoreError> {
    fn db(self) -> Result<T, StoreError> {
        self
    }
}

fn db_error(e: sqlx::Error) -> StoreError {
    StoreError::Database(Box::new(e))
}

/// SQLite allows one writer at a time. Rather than letting several connections race for the
/// write lock (each loser sleeping in SQLite's busy handler for up to 100 ms a try, which made the
/// request tail), every write goes through one dedicated connection: write transactions queue
/// for it first come, first served, and start with `BEGIN IMMEDIATE` so the lock is taken up
/// front instead of on a deferred transaction's first write. Reads use the other connections and,
/// in WAL mode, never wait for the writer. The busy timeout remains for other processes (the CLI)
/// writing the same file.
/// The writer connection's page cache: `-N` is N KiB (SQLite's convention).
const WRITER_CACHE_KIB: &str = "-65536";

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) a SQLite database in WAL mode with full durability on commit.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .db()?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL keeps a 2xx durable even on power loss, at some cost in commit latency.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // The writer first: it creates the file and switches it to WAL before the readers open.
        // The writer updates a million rows in one cutoff claim; SQLite's default page cache
        // (2 MiB) would send most of that through the kernel's page cache, page by page.
        let writer_options = options.clone().pragma("cache_size", WRITER_CACHE_KIB);
        let writer = SqlitePoolOptions::new()
            // A ping before every use would double the hops to SQLite's worker thread; an
            // embedded database does not drop connections.
            .test_before_acquire(false)
            .max_connections(1)
            .min_connections(1)
            // Queued writers wait behind the one connection; a cutoff over a million entries
            // holds it for seconds.
            .acquire_timeout(Duration::from_secs(120))
            .connect_with(writer_options)
            .await
            .db()?;
        let pool = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(8)
            .connect_with(options)
            .await
            .db()?;
        Ok(Self { pool, writer })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The one connection every write goes through (see the type's documentation).
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.db()
    }
}

/// PostgreSQL handles concurrent writers itself, so its writer is the same pool.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    writer: PgPool,
}

impl PostgresStore {
    /// Connects once directly first, so that a server that is down or refuses the login is
    /// reported as such at once (the pool alone would retry and report only a timeout).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        use sqlx::{ConnectOptions, Connection};
        let options = PgConnectOptions::from_str(url).db()?;
        let first = tokio::time::timeout(Duration::from_secs(10), options.connect())
            .await
            .map_err(|_| db_error(sqlx::Error::PoolTimedOut))?
            .db()?;
        first.close().await.db()?;
        let pool = PgPoolOptions::new()
            // No ping before every query (one more round trip each, a tenth of the request
            // time in the benchmark's profile): a connection the server dropped fails its
            // next query, which reports the error, and the pool replaces it.
            .test_before_acquire(false)
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .db()?;
        Ok(Self {
            writer: pool.clone(),
            pool,
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn writer(&self) -> &PgPool {
        &self.writer
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        self.writer.begin().await.db()
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

/// Entries with their bank-account details (the columns `file_entry_from_row` reads), with
/// `trace_seq` as given and the rest of the query after `WHERE`.
fn file_entries_sql(trace_seq: &str, where_order: &str) -> String {
    let columns: Vec<String> = ACH_ENTRY_COLUMNS
        .split(", ")
        .map(|c| format!("e.{}", c.trim()))
        .collect();
    format!(
        "SELECT {}, {trace_seq}, b.routing_number, b.account_number_key_id, \
         b.account_number_ciphertext, b.holder_name, b.holder_type, b.bank_account_type \
         FROM ach_entries e JOIN bank_accounts b ON b.bank_account_id = e.bank_account_id \
         WHERE {where_order}",
        columns.join(", ")
    )
}

/// `$from, $from+1, …` for `n` values (an `IN (…)` list; both backends number parameters).
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per set-based statement, and values per `IN (…)` list. SQLite finds each numbered
/// parameter by walking the statement's list of parameter names, so a statement's binding
/// costs grow with the square of its parameters: a few hundred at most stay cheap.
const SET_ROWS: usize = 32;
const IN_LIST: usize = 128;

/// `($1, $2), ($3, $4)` for `rows` rows of `cols` parameters each: a `VALUES` list, whose
/// columns both databases name `column1`, `column2`, ….
fn values_rows(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", placeholders(r * cols + 1, cols)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// When a change happened, in the store's microseconds.
fn change_at(c: &Change) -> i64 {
    to_micros(c.at.unwrap_or(Timestamp::UNIX_EPOCH))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

const ACCOUNT_COLUMNS: &str = "account_id, tenant_id, mode, account_type, display_name, profile, \
     metadata, foreign_id, created_on, updated_on";
const API_KEY_COLUMNS: &str =
    "public_key, secret_hash, name, account_id, mode, created_on, revoked_on, operator";
const BANK_ACCOUNT_COLUMNS: &str = "bank_account_id, account_id, tenant_id, fingerprint, status, \
     status_reason, exception_details, holder_name, holder_type, bank_name, bank_account_type, \
     routing_number, last_four, account_number_key_id, account_number_ciphertext, created_on, \
     updated_on, disabled_on, version, unlocked_on";
const VERIFICATION_COLUMNS: &str = "verification_id, bank_account_id, account_id, tenant_id, kind, \
     status, secret, failed_attempts, exception_details, created_on, expires_on, sent_on, updated_on";
const ACH_ENTRY_COLUMNS: &str = "entry_id, tenant_id, bank_account_id, verification_id, purpose, \
     amount_cents, is_credit, addenda, due_at, status, created_on, sealed_amount";
const INSTANT_CREDIT_COLUMNS: &str = "credit_id, tenant_id, bank_account_id, verification_id, \
     amount_cents, remittance, status, reason_code, created_on, updated_on, network";
const ACH_FILE_COLUMNS: &str = "file_id, file_name, created_on, window_at, effective_date, \
     file_id_modifier, entry_count, total_credit_cents, total_debit_cents, status, written_on, \
     delivered_on, delivery_error";
const INBOUND_COLUMNS: &str =
    "inbound_id, file_name, sha256, received_on, status, error, returns, nocs";
/// One delivery per enabled webhook of the tenant that wants the type, for each of `events`
/// events (`$1`…`$n`, their IDs), in the transaction that inserts them.
fn fan_out_sql(events: usize) -> String {
    format!(
        "INSERT INTO webhook_deliveries (webhook_id, event_id, tenant_id, \
         event_seq, status, attempts, next_attempt_at, created_on) \
         SELECT w.webhook_id, e.event_id, e.tenant_id, e.seq, 'pending', 0, e.created_on, e.created_on \
         FROM events e JOIN webhooks w ON w.tenant_id = e.tenant_id \
         WHERE e.event_id IN ({}) AND w.status = 'enabled' AND w.deleted_on IS NULL \
         AND (w.event_types = ' ' OR w.event_types LIKE ('% ' || e.event_type || ' %'))",
        placeholders(1, events)
    )
}
const LINK_COLUMNS: &str = "link_id, token_hash, tenant_id, mode, account_id, bank_account_id, \
    kind, created_on, expires_on, revoked_on";

const WEBHOOK_COLUMNS: &str = "webhook_id, tenant_id, url, description, status, event_types, \
     secret, disabled_reason, created_on, updated_on, previous_secret, previous_secret_until";
const DELIVERY_COLUMNS: &str = "webhook_id, event_id, tenant_id, event_seq, status, attempts, \
     next_attempt_at, last_status_code, last_error, delivered_on, created_on";
const STATEMENT_COLUMNS: &str = "reference, fingerprint, routing_number, last_four, posted_on, \
     amount_cents, is_credit, rail, company_name, description, statement_text";

/// Event types as stored: space-delimited with a space at each end; `" "` for every type.
fn event_types_text(types: &[String]) -> String {
    format!(" {} ", types.join(" ")).replace("  ", " ")
}

fn details_json(d: Option<&ExceptionDetails>) -> Option<String> {
    d.and_then(|d| serde_json::to_string(d).ok())
}

fn parse_details(d: Option<String>) -> Result<Option<ExceptionDetails>, StoreError> {
    match d {
        Some(d) => serde_json::from_str(&d)
            .map(Some)
            .map_err(|_| corrupt("exception details", &d)),
        None => Ok(None),
    }
}

macro_rules! sql_store {
    ($store:ident, $db:ty, $row:ty, $backend:expr) => {
        impl $store {
            fn account_from_row(row: &$row) -> Result<Account, StoreError> {
                let profile: String = row.try_get("profile").db()?;
                let metadata: String = row.try_get("metadata").db()?;
                let mode: String = row.try_get("mode").db()?;
                let account_type: String = row.try_get("account_type").db()?;
                Ok(Account {
                    account_id: uuid(&row.try_get::<String, _>("account_id").db()?).db()?,
                    tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?).db()?,
                    mode: enum_value(Mode::parse, "mode", &mode).db()?,
                    account_type: enum_value(AccountType::parse, "account type", &account_type).db()?,
                    display_name: row.try_get("display_name").db()?,
                    profile: serde_json::from_str(&profile).map_err(|_| corrupt("profile", &profile)).db()?,
                    metadata: serde_json::from_str(&metadata)
                        .map_err(|_| corrupt("metadata", &metadata)).db()?,
                    foreign_id: row.try_get("foreign_id").db()?,
                    created_on: from_micros(row.try_get("created_on").db()?),
                    updated_on: from_micros(row.try_get("updated_on").db()?),
                })
            }

            fn link_from_row(row: &$row) -> Result<VerificationLink, StoreError> {
                let mode: String = row.try_get("mode").db()?;
                let kind: String = row.try_get("kind").db()?;
                Ok(VerificationLink {
                    link_id: uuid(&row.try_get::<String, _>("link_id").db()?)?,
                    token_hash: row.try_get("token_hash").db()?,
                    tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?)?,
                    mode: enum_value(Mode::parse, "mode", &mode)?,
                    account_id: uuid(&row.try_get::<String, _>("account_id").db()?)?,
                    bank_account_id: row
                        .try_get::<Option<String>, _>("bank_account_id")
                        .db()?
                        .map(|id| uuid(&id))
                        .transpose()?,
                    kind: enum_value(LinkKind::parse, "link kind", &kind)?,
                    created_on: from_micros(row.try_get("created_on").db()?),
                    expires_on: from_micros(row.try_get("expires_on").db()?),
                    revoked_on: row.try_get::<Option<i64>, _>("revoked_on").db()?.map(from_micros),
                })
            }

            fn api_key_from_row(row: &$row) -> Result<ApiKey, StoreError> {
                let mode: String = row.try_get("mode").db()?;
                Ok(ApiKey {
                    public_key: row.try_get("public_key").db()?,
                    secret_hash: row.try_get("secret_hash").db()?,
                    name: row.try_get("name").db()?,
                    account_id: uuid(&row.try_get::<String, _>("account_id").db()?).db()?,
                    mode: enum_value(Mode::parse, "mode", &mode).db()?,
                    created_on: from_micros(row.try_get("created_on").db()?),
                    revoked_on: row.try_get::<Option<i64>, _>("revoked_on").db()?.map(from_micros),
                    operator: row.try_get("operator").db()?,
                })
            }

            fn bank_account_from_row(row: &$row) -> Result<BankAccount, StoreError> {
                let status: String = row.try_get("status").db()?;
                let reason: String = row.try_get("status_reason").db()?;
                let holder_type: String = row.try_get("holder_type").db()?;
                let account_type: String = row.try_get("bank_account_type").db()?;
                let exception_details = parse_details(row.try_get("exception_details").db()?).db()?;
                Ok(BankAccount {
                    bank_account_id: uuid(&row.try_get::<String, _>("bank_account_id").db()?).db()?,
                    account_id: uuid(&row.try_get::<String, _>("account_id").db()?).db()?,
                    tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?).db()?,
                    fingerprint: row.try_get("fingerprint").db()?,
                    status: enum_value(BankAccountStatus::parse, "status", &status).db()?,
                    status_reason: enum_value(StatusReason::parse, "status reason", &reason).db()?,
                    exception_details,
                    holder_name: row.try_get("holder_name").db()?,
                    holder_type: enum_value(HolderType::parse, "holder type", &holder_type).db()?,
                    bank_name: row.try_get("bank_name").db()?,
                    bank_account_type: enum_value(
                        BankAccountType::parse,
                        "bank account type",
                        &account_type,
                    ).db()?,
                    routing_number: row.try_get("routing_number").db()?,
                    last_four: row.try_get("last_four").db()?,
                    sealed: Sealed {
                        key_id: row.try_get("account_number_key_id").db()?,
                        ciphertext: row.try_get("account_number_ciphertext").db()?,
                    },
                    created_on: from_micros(row.try_get("created_on").db()?),
                    updated_on: from_micros(row.try_get("updated_on").db()?),
                    disabled_on: row.try_get::<Option<i64>, _>("disabled_on").db()?.map(from_micros),
                    unlocked_on: row.try_get::<Option<i64>, _>("unlocked_on").db()?.map(from_micros),
                    version: row.try_get("version").db()?,
                })
            }

            fn verification_from_row(row: &$row) -> Result<Verification, StoreError> {
                let kind: String = row.try_get("kind").db()?;
                let kind = enum_value(VerificationKind::parse, "verification kind", &kind).db()?;
                let status: String = row.try_get("status").db()?;
                let secret: String = row.try_get("secret").db()?;
                let attempts: i64 = row.try_get("failed_attempts").db()?;
                Ok(Verification {
                    verification_id: uuid(&row.try_get::<String, _>("verification_id").db()?).db()?,
                    bank_account_id: uuid(&row.try_get::<String, _>("bank_account_id").db()?).db()?,
                    account_id: uuid(&row.try_get::<String, _>("account_id").db()?).db()?,
                    tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?).db()?,
                    kind,
                    status: enum_value(VerificationStatus::parse, "verification status", &status).db()?,
                    secret: VerificationSecret::decode(kind, &secret)
                        .ok_or_else(|| StoreError::Corrupt("verification secret".into())).db()?,
                    failed_attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts", &attempts.to_string())).db()?,
                    exception_details: parse_details(row.try_get("exception_details").db()?).db()?,
                    created_on: from_micros(row.try_get("created_on").db()?),
                    expires_on: from_micros(row.try_get("expires_on").db()?),
                    sent_on: row.try_get::<Option<i64>, _>("sent_on").db()?.map(from_micros),
                    updated_on: from_micros(row.try_get("updated_on").db()?),
                })
            }

            fn noc_from_row(row: &$row) -> Result<NocRecord, StoreError> {
                let fields: String = row.try_get("changed_fields").db()?;
                Ok(NocRecord {
                    noc_id: uuid(&row.try_get::<String, _>("noc_id").db()?).db()?,
                    tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?).db()?,
                    bank_account_id: uuid(&row.try_get::<String, _>("bank_account_id").db()?).db()?,
                    entry_id: uuid(&row.try_get::<String, _>("entry_id").db()?).db()?,
                    change_code: row.try_get("change_code").db()?,
                    changed_fields: fields.split(',').filter(|f| !f.is_empty()).map(str::to_string).collect(),
                    received_on: from_micros(row.try_get("received_on").db()?),
                })
            }

            fn ach_entry_from_row(row: &$row) -> Result<AchEntry, StoreError> {
                let purpose: String = row.try_get("purpose").db()?;
                let status: String = row.try_get("status").db()?;
                Ok(AchEntry {
                    entry_id: uuid(&row.try_get::<String, _>("entry_id").db()?).db()?,
                    tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?).db()?,
                    bank_account_id: uuid(&row.try_get::<String, _>("bank_account_id").db()?).db()?,
                    verification_id: uuid(&row.try_get::<String, _>("verification_id").db()?).db()?,
                    purpose: enum_value(EntryPurpose::parse, "entry purpose", &purpose).db()?,
                    amount_cents: row.try_get("amount_cents").db()?,
                    sealed_amount: row.try_get("sealed_amount").db()?,
                    is_credit: row.try_get("is_credit").db()?,
                    addenda: row.try_get("addenda").db()?,
                    due_at: from_micros(row.try_get("due_at").db()?),
                    status: enum_value(EntryStatus::parse, "entry status", &status).db()?,
                    created_on: from_micros(row.try_get("created_on").db()?),
                })
            }

            fn instant_credit_from_row(row: &$row) -> Result<InstantCredit, StoreError> {
                let status: String = row.try_get("status").db()?;
                Ok(InstantCredit {
                    credit_id: uuid(&row.try_get::<String, _>("credit_id").db()?).db()?,
                    tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?).db()?,
                    bank_account_id: uuid(&row.try_get::<String, _>("bank_account_id").db()?).db()?,
                    verification_id: uuid(&row.try_get::<String, _>("verification_id").db()?).db()?,
                    amount_cents: row.try_get("amount_cents").db()?,
                    remittance: row.try_get("remittance").db()?,
                    network: enum_value(InstantNetwork::parse, "instant network", &row.try_get::<String, _>("network").db()?).db()?,
                    status: enum_value(InstantCreditStatus::parse, "credit status", &status).db()?,
                    reason_code: row.try_get("reason_code").db()?,
                    created_on: from_micros(row.try_get("created_on").db()?),
                    updated_on: from_micros(row.try_get("updated_on").db()?),
                })
            }

            fn statement_line_from_row(row: &$row) -> Result<StatementLine, StoreError> {
                let is_credit: bool = row.try_get("is_credit").db()?;
                Ok(StatementLine {
                    reference: row.try_get("reference").db()?,
                    fingerprint: row.try_get("fingerprint").db()?,
                    routing_number: row.try_get("routing_number").db()?,
                    last_four_account_number: row.try_get("last_four").db()?,
                    posted_on: from_micros(row.try_get("posted_on").db()?),
                    amount_cents: row.try_get("amount_cents").db()?,
                    direction: if is_credit { "credit" } else { "debit" },
                    rail: row.try_get("rail").db()?,
                    company_name: row.try_get("company_name").db()?,
                    description: row.try_get("description").db()?,
                    statement_text: row.try_get("statement_text").db()?,
                })
            }

            fn ach_file_from_row(row: &$row) -> Result<AchFile, StoreError> {
                let status: String = row.try_get("status").db()?;
                let date: String = row.try_get("effective_date").db()?;
                let modifier: String = row.try_get("file_id_modifier").db()?;
                Ok(AchFile {
                    file_id: uuid(&row.try_get::<String, _>("file_id").db()?).db()?,
                    file_name: row.try_get("file_name").db()?,
                    created_on: from_micros(row.try_get("created_on").db()?),
                    window_at: row.try_get::<Option<i64>, _>("window_at").db()?.map(from_micros),
                    effective_date: date.parse().map_err(|_| corrupt("effective date", &date)).db()?,
                    file_id_modifier: modifier.chars().next().ok_or_else(|| corrupt("file ID modifier", &modifier)).db()?,
                    entry_count: row.try_get("entry_count").db()?,
                    total_credit_cents: row.try_get("total_credit_cents").db()?,
                    total_debit_cents: row.try_get("total_debit_cents").db()?,
                    status: enum_value(AchFileStatus::parse, "file status", &status).db()?,
                    written_on: row.try_get::<Option<i64>, _>("written_on").db()?.map(from_micros),
                    delivered_on: row.try_get::<Option<i64>, _>("delivered_on").db()?.map(from_micros),
                    delivery_error: row.try_get("delivery_error").db()?,
                })
            }

            fn inbound_from_row(row: &$row) -> Result<InboundFile, StoreError> {
                let status: String = row.try_get("status").db()?;
                Ok(InboundFile {
                    inbound_id: uuid(&row.try_get::<String, _>("inbound_id").db()?).db()?,
                    file_name: row.try_get("file_name").db()?,
                    sha256: row.try_get("sha256").db()?,
                    received_on: from_micros(row.try_get("received_on").db()?),
                    status: enum_value(InboundStatus::parse, "inbound status", &status).db()?,
                    error: row.try_get("error").db()?,
                    returns: row.try_get("returns").db()?,
                    nocs: row.try_get("nocs").db()?,
                })
            }

            fn file_entry_from_row(row: &$row) -> Result<FileEntry, StoreError> {
                        let holder_type: String = row.try_get("holder_type").db()?;
                        let account_type: String = row.try_get("bank_account_type").db()?;
                        Ok(FileEntry {
                            entry: Self::ach_entry_from_row(row).db()?,
                            trace_seq: row.try_get("trace_seq").db()?,
                            routing_number: row.try_get("routing_number").db()?,
                            sealed: Sealed {
                                key_id: row.try_get("account_number_key_id").db()?,
                                ciphertext: row.try_get("account_number_ciphertext").db()?,
                            },
                            holder_name: row.try_get("holder_name").db()?,
                            holder_type: enum_value(HolderType::parse, "holder type", &holder_type).db()?,
                            bank_account_type: enum_value(BankAccountType::parse, "bank account type", &account_type).db()?,
                        })
            }

            /// A decision's writes inside a caller's transaction; `Stale` if the version moved.
            async fn apply_in(tx: &mut sqlx::Transaction<'static, $db>, c: &Change) -> Result<(), StoreError> {
                Self::apply_states_in(tx, std::slice::from_ref(c)).await?;
                let events: Vec<&Event> = c.events.iter().collect();
                Self::insert_events_in(tx, &events).await
            }

            /// Changes without their events (the caller inserts them), in order. Changes to
            /// distinct bank accounts touch disjoint rows, so each part of them goes in one
            /// set-based statement per chunk; a bank account that appears twice needs the first
            /// change applied before the second's compare-and-set, so those go one at a time.
            async fn apply_states_in(tx: &mut sqlx::Transaction<'static, $db>, changes: &[Change]) -> Result<(), StoreError> {
                let mut seen = std::collections::HashSet::new();
                if !changes.iter().all(|c| seen.insert(c.bank_account_id)) {
                    for c in changes {
                        Self::apply_distinct_in(tx, std::slice::from_ref(c)).await?;
                    }
                    return Ok(());
                }
                for chunk in changes.chunks(SET_ROWS) {
                    Self::apply_distinct_in(tx, chunk).await?;
                }
                Ok(())
            }

            /// Changes to distinct bank accounts. Within each change the parts keep their order
            /// (the compare-and-set first: it takes the write lock).
            async fn apply_distinct_in(tx: &mut sqlx::Transaction<'static, $db>, changes: &[Change]) -> Result<(), StoreError> {
                Self::compare_and_set_in(tx, changes).await?;
                for c in changes {
                    Self::insert_verification_in(tx, c).await?;
                }
                Self::update_verifications_in(tx, changes).await?;
                for c in changes {
                    Self::queue_money_in(tx, c).await?;
                    Self::hold_in(tx, c, change_at(c)).await?;
                }
                Self::cancel_pending_in(tx, changes).await?;
                for c in changes {
                    Self::record_credit_result_in(tx, c).await?;
                }
                Self::return_entries_in(tx, changes).await?;
                for c in changes {
                    Self::correct_in(tx, c, change_at(c)).await?;
                }
                Ok(())
            }

            /// Events with their webhook deliveries, a few statements for many events: rows of
            /// one multi-row INSERT each, then one fan-out per chunk. Sequence numbers follow
            /// the slice's order.
            async fn insert_events_in(tx: &mut sqlx::Transaction<'static, $db>, events: &[&Event]) -> Result<(), StoreError> {
                for chunk in events.chunks(SET_ROWS) {
                    let rows = (0..chunk.len())
                        .map(|i| format!("(${}, ${}, ${}, ${}, ${})", 5 * i + 1, 5 * i + 2, 5 * i + 3, 5 * i + 4, 5 * i + 5))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!("INSERT INTO events (event_id, tenant_id, event_type, data, created_on) VALUES {rows}");
                    let mut insert = sqlx::query(&sql);
                    for e in chunk {
                        insert = insert
                            .bind(e.event_id.to_string())
                            .bind(e.tenant_id.to_string())
                            .bind(&e.event_type)
                            .bind(e.data.to_string())
                            .bind(to_micros(e.created_on));
                    }
                    insert.execute(&mut **tx).await.db()?;
                    let sql = fan_out_sql(chunk.len());
                    let mut fan_out = sqlx::query(&sql);
                    for e in chunk {
                        fan_out = fan_out.bind(e.event_id.to_string());
                    }
                    fan_out.execute(&mut **tx).await.db()?;
                }
                Ok(())
            }

            fn webhook_from_row(row: &$row) -> Result<Webhook, StoreError> {
                let status: String = row.try_get("status").db()?;
                let types: String = row.try_get("event_types").db()?;
                Ok(Webhook {
                    webhook_id: uuid(&row.try_get::<String, _>("webhook_id").db()?).db()?,
                    tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?).db()?,
                    url: row.try_get("url").db()?,
                    description: row.try_get("description").db()?,
                    status: enum_value(WebhookStatus::parse, "webhook status", &status).db()?,
                    event_types: types.split_whitespace().map(str::to_string).collect(),
                    secret: row.try_get("secret").db()?,
                    previous_secret: match (
                        row.try_get::<Option<String>, _>("previous_secret").db()?,
                        row.try_get::<Option<i64>, _>("previous_secret_until").db()?,
                    ) {
                        (Some(s), Some(until)) => Some((s, from_micros(until))),
                        _ => None,
                    },
                    disabled_reason: row.try_get("disabled_reason").db()?,
                    created_on: from_micros(row.try_get("created_on").db()?),
                    updated_on: from_micros(row.try_get("updated_on").db()?),
                })
            }

            fn delivery_from_row(row: &$row) -> Result<Delivery, StoreError> {
                let status: String = row.try_get("status").db()?;
                Ok(Delivery {
                    webhook_id: uuid(&row.try_get::<String, _>("webhook_id").db()?).db()?,
                    event_id: uuid(&row.try_get::<String, _>("event_id").db()?).db()?,
                    tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?).db()?,
                    sequence: row.try_get("event_seq").db()?,
                    status: enum_value(DeliveryStatus::parse, "delivery status", &status).db()?,
                    attempts: row.try_get("attempts").db()?,
                    next_attempt_at: from_micros(row.try_get("next_attempt_at").db()?),
                    last_status_code: row.try_get("last_status_code").db()?,
                    last_error: row.try_get("last_error").db()?,
                    delivered_on: row.try_get::<Option<i64>, _>("delivered_on").db()?.map(from_micros),
                    created_on: from_micros(row.try_get("created_on").db()?),
                })
            }

            fn tenant_risk_from_row(row: &$row) -> Result<(Uuid, TenantRisk), StoreError> {
                let settings: String = row.try_get("settings").db()?;
                Ok((
                    uuid(&row.try_get::<String, _>("tenant_id").db()?)?,
                    TenantRisk {
                        settings: serde_json::from_str(&settings).map_err(|_| corrupt("risk settings", &settings))?,
                        paused_on: row.try_get::<Option<i64>, _>("paused_on").db()?.map(from_micros),
                        paused_rule: row.try_get("paused_rule").db()?,
                    },
                ))
            }

            fn block_from_row(row: &$row) -> Result<BlockEntry, StoreError> {
                Ok(BlockEntry {
                    kind: enum_value(BlockKind::parse, "block kind", &row.try_get::<String, _>("kind").db()?)?,
                    value: row.try_get("value").db()?,
                    reason: row.try_get("reason").db()?,
                    added_by: row.try_get("added_by").db()?,
                    added_on: from_micros(row.try_get("added_on").db()?),
                })
            }

            /// Marks the current request's idempotency reservation committed, in the caller's
            /// transaction; `Fenced` if the reservation is no longer this request's.
            async fn mark_claim_in(tx: &mut sqlx::Transaction<'static, $db>) -> Result<(), StoreError> {
                let Some(claim) = pennydrop_engine::idempotency::current_claim() else {
                    return Ok(());
                };
                let done = sqlx::query(
                    "UPDATE idempotency_keys SET state = 'committed' \
                     WHERE tenant_id = $1 AND mode = $2 AND idem_key = $3 AND owner = $4 \
                     AND state IN ('in_flight', 'committed')",
                )
                .bind(claim.id.tenant_id.to_string())
                .bind(claim.id.mode.as_str())
                .bind(&claim.id.key)
                .bind(&claim.owner)
                .execute(&mut **tx)
                .await.db()?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Fenced);
                }
                Ok(())
            }

            fn idempotency_from_row(row: &$row) -> Result<IdempotencyRecord, StoreError> {
                let mode: String = row.try_get("mode").db()?;
                let state: String = row.try_get("state").db()?;
                Ok(IdempotencyRecord {
                    id: KeyId {
                        tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?).db()?,
                        mode: enum_value(Mode::parse, "mode", &mode).db()?,
                        key: row.try_get("idem_key").db()?,
                    },
                    method: row.try_get("method").db()?,
                    path: row.try_get("path").db()?,
                    body_sha256: row.try_get("body_sha256").db()?,
                    state: enum_value(RecordState::parse, "idempotency state", &state).db()?,
                    owner: row.try_get("owner").db()?,
                    locked_until: from_micros(row.try_get("locked_until").db()?),
                    expires_on: from_micros(row.try_get("expires_on").db()?),
                    response: row.try_get("response").db()?,
                })
            }

            /// Moves each bank account's version (and status), or `Stale` if one moved meanwhile.
            async fn compare_and_set_in(tx: &mut sqlx::Transaction<'static, $db>, changes: &[Change]) -> Result<(), StoreError> {
                let (with_status, without): (Vec<&Change>, Vec<&Change>) =
                    changes.iter().partition(|c| c.status.is_some());
                let mut updated = 0;
                if !with_status.is_empty() {
                    let sql = format!(
                        "UPDATE bank_accounts SET status = v.column3, status_reason = v.column4, \
                         exception_details = v.column5, updated_on = v.column6, version = bank_accounts.version + 1 \
                         FROM (VALUES {}) AS v \
                         WHERE bank_accounts.bank_account_id = v.column1 AND bank_accounts.version = v.column2 \
                         AND bank_accounts.disabled_on IS NULL",
                        values_rows(with_status.len(), 6)
                    );
                    let mut q = sqlx::query(&sql);
                    for c in &with_status {
                        let s = c.status.as_ref();
                        q = q
                            .bind(c.bank_account_id.to_string())
                            .bind(c.expected_version)
                            .bind(s.map(|s| s.status.as_str()))
                            .bind(s.map(|s| s.reason.as_str()))
                            .bind(details_json(s.and_then(|s| s.exception_details.as_ref())))
                            .bind(change_at(c));
                    }
                    updated += q.execute(&mut **tx).await.db()?.rows_affected();
                }
                if !without.is_empty() {
                    let sql = format!(
                        "UPDATE bank_accounts SET version = bank_accounts.version + 1 \
                         FROM (VALUES {}) AS v \
                         WHERE bank_accounts.bank_account_id = v.column1 AND bank_accounts.version = v.column2 \
                         AND bank_accounts.disabled_on IS NULL",
                        values_rows(without.len(), 2)
                    );
                    let mut q = sqlx::query(&sql);
                    for c in &without {
                        q = q.bind(c.bank_account_id.to_string()).bind(c.expected_version);
                    }
                    updated += q.execute(&mut **tx).await.db()?.rows_affected();
                }
                if usize::try_from(updated).ok() != Some(changes.len()) {
                    return Err(StoreError::Stale);
                }
                Ok(())
            }

            /// Inserts a new verification round.
            async fn insert_verification_in(tx: &mut sqlx::Transaction<'static, $db>, c: &Change) -> Result<(), StoreError> {
                if let Some(v) = &c.insert_verification {
                    let sql = format!(
                        "INSERT INTO verifications ({VERIFICATION_COLUMNS}) VALUES \
                         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                    );
                    sqlx::query(&sql)
                        .bind(v.verification_id.to_string())
                        .bind(v.bank_account_id.to_string())
                        .bind(v.account_id.to_string())
                        .bind(v.tenant_id.to_string())
                        .bind(v.kind.as_str())
                        .bind(v.status.as_str())
                        .bind(v.secret.encode())
                        .bind(i64::from(v.failed_attempts))
                        .bind(details_json(v.exception_details.as_ref()))
                        .bind(to_micros(v.created_on))
                        .bind(to_micros(v.expires_on))
                        .bind(v.sent_on.map(to_micros))
                        .bind(to_micros(v.updated_on))
                        .execute(&mut **tx)
                        .await.db()?;
                }
                Ok(())
            }

            /// Updates the verification rounds the changes moved.
            async fn update_verifications_in(tx: &mut sqlx::Transaction<'static, $db>, changes: &[Change]) -> Result<(), StoreError> {
                let rounds: Vec<&Verification> = changes.iter().filter_map(|c| c.update_verification.as_ref()).collect();
                if rounds.is_empty() {
                    return Ok(());
                }
                let sql = format!(
                    "UPDATE verifications SET status = v.column2, failed_attempts = v.column3, \
                     exception_details = v.column4, sent_on = v.column5, updated_on = v.column6 \
                     FROM (VALUES {}) AS v WHERE verifications.verification_id = v.column1",
                    values_rows(rounds.len(), 6)
                );
                let mut q = sqlx::query(&sql);
                for v in rounds {
                    q = q
                        .bind(v.verification_id.to_string())
                        .bind(v.status.as_str())
                        .bind(i64::from(v.failed_attempts))
                        .bind(details_json(v.exception_details.as_ref()))
                        .bind(v.sent_on.map(to_micros))
                        .bind(to_micros(v.updated_on));
                }
                q.execute(&mut **tx).await.db()?;
                Ok(())
            }

            /// Queues the ACH entries and instant credits a decision starts.
            async fn queue_money_in(tx: &mut sqlx::Transaction<'static, $db>, c: &Change) -> Result<(), StoreError> {
                for e in &c.ach_entries {
                    let sql = format!(
                        "INSERT INTO ach_entries ({ACH_ENTRY_COLUMNS}) VALUES \
                         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                    );
                    sqlx::query(&sql)
                        .bind(e.entry_id.to_string())
                        .bind(e.tenant_id.to_string())
                        .bind(e.bank_account_id.to_string())
                        .bind(e.verification_id.to_string())
                        .bind(e.purpose.as_str())
                        .bind(e.amount_cents)
                        .bind(e.is_credit)
                        .bind(&e.addenda)
                        .bind(to_micros(e.due_at))
                        .bind(e.status.as_str())
                        .bind(to_micros(e.created_on))
                        .bind(&e.sealed_amount)
                        .execute(&mut **tx)
                        .await.db()?;
                }
                for credit in &c.instant_credits {
                    let sql = format!(
                        "INSERT INTO instant_credits ({INSTANT_CREDIT_COLUMNS}) VALUES \
                         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    );
                    sqlx::query(&sql)
                        .bind(credit.credit_id.to_string())
                        .bind(credit.tenant_id.to_string())
                        .bind(credit.bank_account_id.to_string())
                        .bind(credit.verification_id.to_string())
                        .bind(credit.amount_cents)
                        .bind(&credit.remittance)
                        .bind(credit.status.as_str())
                        .bind(&credit.reason_code)
                        .bind(to_micros(credit.created_on))
                        .bind(to_micros(credit.updated_on))
                        .bind(credit.network.as_str())
                        .execute(&mut **tx)
                        .await.db()?;
                }
                Ok(())
            }

            /// Holds entries back; `Stale` if one is no longer pending (a cutoff claimed it, or
            /// it was cancelled), so nothing of the decision is written.
            async fn hold_in(tx: &mut sqlx::Transaction<'static, $db>, c: &Change, at: i64) -> Result<(), StoreError> {
                for h in &c.held_entries {
                    let held = sqlx::query(
                        "UPDATE ach_entries SET status = 'held', held_rule = $1, held_reason = $2, held_on = $3 \
                         WHERE entry_id = $4 AND status = 'pending'",
                    )
                    .bind(&h.rule)
                    .bind(&h.reason)
                    .bind(at)
                    .bind(h.entry_id.to_string())
                    .execute(&mut **tx)
                    .await.db()?;
                    if held.rows_affected() != 1 {
                        return Err(StoreError::Stale);
                    }
                }
                Ok(())
            }

            /// Cancels what is still pending of the rounds the changes end.
            async fn cancel_pending_in(tx: &mut sqlx::Transaction<'static, $db>, changes: &[Change]) -> Result<(), StoreError> {
                let ended: Vec<&Change> = changes.iter().filter(|c| c.cancel_pending_of.is_some()).collect();
                if ended.is_empty() {
                    return Ok(());
                }
                let sql = format!(
                    "UPDATE ach_entries SET status = 'cancelled' WHERE status = 'pending' AND verification_id IN ({})",
                    placeholders(1, ended.len())
                );
                let mut q = sqlx::query(&sql);
                for c in &ended {
                    q = q.bind(c.cancel_pending_of.map(|v| v.to_string()));
                }
                q.execute(&mut **tx).await.db()?;
                let sql = format!(
                    "UPDATE instant_credits SET status = 'rejected', reason_code = 'CANCELLED', updated_on = v.column2 \
                     FROM (VALUES {}) AS v \
                     WHERE instant_credits.verification_id = v.column1 AND instant_credits.status = 'pending'",
                    values_rows(ended.len(), 2)
                );
                let mut q = sqlx::query(&sql);
                for c in &ended {
                    q = q.bind(c.cancel_pending_of.map(|v| v.to_string())).bind(change_at(c));
                }
                q.execute(&mut **tx).await.db()?;
                Ok(())
            }

            /// Records an instant rail's answer to a credit.
            async fn record_credit_result_in(tx: &mut sqlx::Transaction<'static, $db>, c: &Change) -> Result<(), StoreError> {
                if let Some((credit_id, status, reason)) = &c.credit_result {
                    sqlx::query("UPDATE instant_credits SET status = $1, reason_code = $2, updated_on = $3 WHERE credit_id = $4")
                        .bind(status.as_str())
                        .bind(reason)
                        .bind(change_at(c))
                        .bind(credit_id.to_string())
                        .execute(&mut **tx)
                        .await.db()?;
                }
                Ok(())
            }

            /// Marks the entries the bank returned, with the return code.
            async fn return_entries_in(tx: &mut sqlx::Transaction<'static, $db>, changes: &[Change]) -> Result<(), StoreError> {
                let returns: Vec<(&Uuid, &String, i64)> = changes
                    .iter()
                    .flat_map(|c| c.entry_returns.iter().map(move |(id, code)| (id, code, change_at(c))))
                    .collect();
                for chunk in returns.chunks(SET_ROWS) {
                    let sql = format!(
                        "UPDATE ach_entries SET return_code = v.column2, returned_on = v.column3 \
                         FROM (VALUES {}) AS v WHERE ach_entries.entry_id = v.column1",
                        values_rows(chunk.len(), 3)
                    );
                    let mut q = sqlx::query(&sql);
                    for (id, code, at) in chunk {
                        q = q.bind(id.to_string()).bind(*code).bind(*at);
                    }
                    q.execute(&mut **tx).await.db()?;
                }
                Ok(())
            }

            /// Applies a notification of change to the bank account and records it.
            async fn correct_in(tx: &mut sqlx::Transaction<'static, $db>, c: &Change, at: i64) -> Result<(), StoreError> {
                if let Some(fix) = &c.correction {
                    sqlx::query(
                        "UPDATE bank_accounts SET \
                         routing_number = COALESCE($1, routing_number), \
                         account_number_key_id = COALESCE($2, account_number_key_id), \
                         account_number_ciphertext = COALESCE($3, account_number_ciphertext), \
                         last_four = COALESCE($4, last_four), fingerprint = COALESCE($5, fingerprint), \
                         holder_name = COALESCE($6, holder_name), bank_account_type = COALESCE($7, bank_account_type), \
                         bank_name = COALESCE($8, bank_name), updated_on = $9 \
                         WHERE bank_account_id = $10",
                    )
                    .bind(&fix.routing_number)
                    .bind(fix.sealed.as_ref().map(|s| s.key_id.clone()))
                    .bind(fix.sealed.as_ref().map(|s| s.ciphertext.clone()))
                    .bind(&fix.last_four)
                    .bind(&fix.fingerprint)
                    .bind(&fix.holder_name)
                    .bind(fix.bank_account_type.map(|t| t.as_str()))
                    .bind(&fix.bank_name)
                    .bind(at)
                    .bind(c.bank_account_id.to_string())
                    .execute(&mut **tx)
                    .await.db()?;
                }
                for noc in &c.nocs {
                    sqlx::query(
                        "INSERT INTO ach_notifications (noc_id, tenant_id, bank_account_id, entry_id, change_code, \
                         changed_fields, received_on) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (entry_id, change_code) DO NOTHING",
                    )
                    .bind(noc.noc_id.to_string())
                    .bind(noc.tenant_id.to_string())
                    .bind(noc.bank_account_id.to_string())
                    .bind(noc.entry_id.to_string())
                    .bind(&noc.change_code)
                    .bind(noc.changed_fields.join(","))
                    .bind(to_micros(noc.received_on))
                    .execute(&mut **tx)
                    .await.db()?;
                }
                Ok(())
            }

            /// Inserts a bank account unless an active one with its fingerprint is on the same
            /// account. True if inserted.
            async fn insert_bank_account_in(tx: &mut sqlx::Transaction<'static, $db>, b: &BankAccount) -> Result<bool, StoreError> {
                let sql = format!(
                    "INSERT INTO bank_accounts ({BANK_ACCOUNT_COLUMNS}) VALUES \
                     ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
                     ON CONFLICT (account_id, fingerprint) WHERE disabled_on IS NULL DO NOTHING"
                );
                let inserted = sqlx::query(&sql)
                    .bind(b.bank_account_id.to_string())
                    .bind(b.account_id.to_string())
                    .bind(b.tenant_id.to_string())
                    .bind(&b.fingerprint)
                    .bind(b.status.as_str())
                    .bind(b.status_reason.as_str())
                    .bind(details_json(b.exception_details.as_ref()))
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
                    .bind(b.version)
                    .bind(b.unlocked_on.map(to_micros))
                    .execute(&mut **tx)
                    .await.db()?;
                Ok(inserted.rows_affected() == 1)
            }

            /// Names and records the cutoff's file (status `assembled`, writer the claimer).
            async fn new_file_in(tx: &mut sqlx::Transaction<'static, $db>, claim: &CutoffClaim, due: &$row, count: i64) -> Result<AchFile, StoreError> {
                let today = sqlx::query("SELECT COUNT(*) AS n FROM ach_files WHERE created_on >= $1 AND created_on < $2")
                    .bind(to_micros(claim.day_start))
                    .bind(to_micros(claim.day_end))
                    .fetch_one(&mut **tx)
                    .await.db()?;
                let files_today: i64 = today.try_get("n").db()?;
                let identity = (claim.name_file)(claim, files_today);
                let file = AchFile {
                    file_id: claim.file_id,
                    file_name: identity.name,
                    created_on: claim.now,
                    window_at: claim.window_at,
                    effective_date: claim.effective_date,
                    file_id_modifier: identity.modifier,
                    entry_count: count,
                    total_credit_cents: due.try_get("credits").db()?,
                    total_debit_cents: due.try_get("debits").db()?,
                    status: AchFileStatus::Assembled,
                    written_on: None,
                    delivered_on: None,
                    delivery_error: None,
                };
                let sql = format!(
                    "INSERT INTO ach_files ({ACH_FILE_COLUMNS}, writer) VALUES \
                     ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, NULL, $11)"
                );
                sqlx::query(&sql)
                    .bind(file.file_id.to_string())
                    .bind(&file.file_name)
                    .bind(to_micros(file.created_on))
                    .bind(file.window_at.map(to_micros))
                    .bind(file.effective_date.to_string())
                    .bind(file.file_id_modifier.to_string())
                    .bind(file.entry_count)
                    .bind(file.total_credit_cents)
                    .bind(file.total_debit_cents)
                    .bind(file.status.as_str())
                    .bind(&claim.writer)
                    .execute(&mut **tx)
                    .await.db()?;
                Ok(file)
            }

            /// Puts the due entries in the file with fresh trace sequences, marks their
            /// verifications sent and bumps their bank accounts' versions.
            async fn claim_entries_in(tx: &mut sqlx::Transaction<'static, $db>, claim: &CutoffClaim, file: &AchFile, next_seq: i64) -> Result<(), StoreError> {
                let count = file.entry_count;
                let claimed = sqlx::query(
                    "UPDATE ach_entries SET status = 'batched', file_id = $1, trace_seq = $2 + r.rn - 1 \
                     FROM (SELECT entry_id AS rid, ROW_NUMBER() OVER (ORDER BY created_on, entry_id) AS rn \
                           FROM ach_entries WHERE status = 'pending' AND due_at <= $3) r \
                     WHERE ach_entries.entry_id = r.rid",
                )
                .bind(file.file_id.to_string())
                .bind(next_seq)
                .bind(to_micros(claim.due_by))
                .execute(&mut **tx)
                .await.db()?;
                if i64::try_from(claimed.rows_affected()).unwrap_or(-1) != count {
                    return Err(StoreError::Corrupt(format!(
                        "cutoff counted {count} due entries but claimed {}",
                        claimed.rows_affected()
                    )));
                }
                sqlx::query("UPDATE ach_origination_state SET next_trace_seq = next_trace_seq + $1 WHERE id = 1")
                    .bind(count)
                    .execute(&mut **tx)
                    .await.db()?;
                // The money is on its way: the verifications can now be completed.
                let sent = sqlx::query(
                    "UPDATE verifications SET status = 'sent-credit', sent_on = $1, updated_on = $1 \
                     WHERE status = 'new' AND verification_id IN (SELECT verification_id FROM ach_entries WHERE file_id = $2) \
                     RETURNING verification_id, bank_account_id, account_id, tenant_id, kind",
                )
                .bind(to_micros(claim.now))
                .bind(file.file_id.to_string())
                .fetch_all(&mut **tx)
                .await.db()?;
                Self::micro_deposits_sent_in(tx, claim, file, &sent).await?;
                sqlx::query(
                    "UPDATE bank_accounts SET version = version + 1 \
                     WHERE bank_account_id IN (SELECT bank_account_id FROM ach_entries WHERE file_id = $1)",
                )
                .bind(file.file_id.to_string())
                .execute(&mut **tx)
                .await.db()?;
                Ok(())
            }

            /// One `microDeposits.sent` event per micro-deposit round the claim sent (an
            /// ACH-fallback instant credit has none), in the claim's transaction.
            async fn micro_deposits_sent_in(tx: &mut sqlx::Transaction<'static, $db>, claim: &CutoffClaim, file: &AchFile, sent: &[$row]) -> Result<(), StoreError> {
                let mut events = Vec::new();
                for row in sent {
                    let kind: String = row.try_get("kind").db()?;
                    if kind != VerificationKind::MicroDeposits.as_str() {
                        continue;
                    }
                    let subject = pennydrop_core::events::Subject {
                        tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?).db()?,
                        bank_account_id: uuid(&row.try_get::<String, _>("bank_account_id").db()?).db()?,
                        account_id: uuid(&row.try_get::<String, _>("account_id").db()?).db()?,
                        verification_id: Some(uuid(&row.try_get::<String, _>("verification_id").db()?).db()?),
                    };
                    events.push(pennydrop_core::events::micro_deposits_sent(&subject, file.file_id, claim.effective_date, claim.now));
                }
                Self::insert_events_in(tx, &events.iter().collect::<Vec<_>>()).await
            }

            async fn event(&self, event_id: Uuid) -> Result<Option<Event>, StoreError> {
                let row = sqlx::query(
                    "SELECT event_id, tenant_id, event_type, data, created_on FROM events WHERE event_id = $1",
                )
                .bind(event_id.to_string())
                .fetch_optional(&self.pool)
                .await.db()?;
                row.as_ref().map(Self::event_from_row).transpose()
            }

            fn event_from_row(row: &$row) -> Result<Event, StoreError> {
                let data: String = row.try_get("data").db()?;
                Ok(Event {
                    event_id: uuid(&row.try_get::<String, _>("event_id").db()?).db()?,
                    tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?).db()?,
                    event_type: row.try_get("event_type").db()?,
                    data: serde_json::from_str(&data).map_err(|_| corrupt("event data", &data)).db()?,
                    created_on: from_micros(row.try_get("created_on").db()?),
                })
            }

            /// Hands each row to `visit` as it arrives, until the rows end or `visit` stops.
            async fn visit_file_entries(
                mut rows: futures_util::stream::BoxStream<'_, Result<$row, sqlx::Error>>,
                visit: &mut (dyn FnMut(FileEntry) -> std::ops::ControlFlow<()> + Send),
            ) -> Result<(), StoreError> {
                while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows).await.db()? {
                    if visit(Self::file_entry_from_row(&row).db()?).is_break() {
                        break;
                    }
                }
                Ok(())
            }

            async fn verifications_of(&self, bank_account_id: Uuid) -> Result<Vec<Verification>, StoreError> {
                let sql = format!(
                    "SELECT {VERIFICATION_COLUMNS} FROM verifications WHERE bank_account_id = $1 ORDER BY seq"
                );
                let rows = sqlx::query(&sql)
                    .bind(bank_account_id.to_string())
                    .fetch_all(&self.pool)
                    .await.db()?;
                rows.iter().map(Self::verification_from_row).collect()
            }
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> Result<(), StoreError> {
                crate::migrations::migrator($backend)
                    .await
                    .db()?
                    .run(&self.writer)
                    .await
                    .db()?;
                Ok(())
            }

            async fn health(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await.db()?;
                Ok(())
            }

            async fn check_writable(&self) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                // A write statement takes the write lock (SQLite) and is refused in a read-only
                // transaction or without UPDATE rights (PostgreSQL) even when it matches no row.
                sqlx::query("UPDATE api_keys SET name = name WHERE public_key = ''")
                    .execute(&mut *tx)
                    .await
                    .db()?;
                tx.rollback().await.db()?;
                Ok(())
            }
        }

        #[async_trait]
        impl KeyStore for $store {
            async fn create_tenant(&self, facilitator: &Account, key: &ApiKey) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                insert_account_sql!(&mut *tx, facilitator).db()?;
                insert_api_key_sql!(&mut *tx, key).db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(())
            }

            async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                insert_api_key_sql!(&mut *tx, key).db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(())
            }

            async fn touch_access_token(&self, token_hash: &str, expires_on: Timestamp) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE access_tokens SET expires_on = $1 WHERE token_hash = $2")
                    .bind(to_micros(expires_on))
                    .bind(token_hash)
                    .execute(&self.writer)
                    .await.db()?;
                Ok(done.rows_affected() == 1)
            }

            async fn api_key(&self, public_key: &str) -> Result<Option<ApiKey>, StoreError> {
                let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE public_key = $1");
                let row = sqlx::query(&sql).bind(public_key).fetch_optional(&self.pool).await.db()?;
                row.as_ref().map(Self::api_key_from_row).transpose()
            }

            async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
                let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys ORDER BY created_on, public_key");
                let rows = sqlx::query(&sql).fetch_all(&self.pool).await.db()?;
                rows.iter().map(Self::api_key_from_row).collect()
            }

            async fn revoke_api_key(&self, public_key: &str, at: Timestamp) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_on = $1 WHERE public_key = $2 AND revoked_on IS NULL",
                )
                .bind(to_micros(at))
                .bind(public_key)
                .execute(&mut *tx)
                .await.db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(done.rows_affected() == 1)
            }

            async fn count_api_keys(&self) -> Result<i64, StoreError> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM api_keys").fetch_one(&self.pool).await.db()?;
                Ok(row.try_get("n").db()?)
            }

            async fn insert_access_token(&self, token: &AccessToken) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO access_tokens (token_hash, public_key, scopes, created_on, expires_on) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&token.token_hash)
                .bind(&token.public_key)
                .bind(token.scopes.join(" "))
                .bind(to_micros(token.created_on))
                .bind(to_micros(token.expires_on))
                .execute(&mut *tx)
                .await.db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(())
            }

            async fn access_token(
                &self,
                token_hash: &str,
            ) -> Result<Option<(AccessToken, ApiKey)>, StoreError> {
                let sql = format!(
                    "SELECT t.token_hash, t.scopes, t.created_on AS t_created, t.expires_on, \
                     k.public_key, k.secret_hash, k.name, k.account_id, k.mode, k.created_on, k.revoked_on, k.operator \
                     FROM access_tokens t JOIN api_keys k ON k.public_key = t.public_key \
                     WHERE t.token_hash = $1"
                );
                let Some(row) = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await.db()? else {
                    return Ok(None);
                };
                let key = Self::api_key_from_row(&row).db()?;
                let scopes: String = row.try_get("scopes").db()?;
                let token = AccessToken {
                    token_hash: row.try_get("token_hash").db()?,
                    public_key: key.public_key.clone(),
                    scopes: scopes.split_whitespace().map(str::to_string).collect(),
                    created_on: from_micros(row.try_get("t_created").db()?),
                    expires_on: from_micros(row.try_get("expires_on").db()?),
                };
                Ok(Some((token, key)))
            }

            async fn set_operator(&self, public_key: &str, operator: bool) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE api_keys SET operator = $1 WHERE public_key = $2")
                    .bind(operator)
                    .bind(public_key)
                    .execute(&self.writer)
                    .await.db()?;
                Ok(done.rows_affected() == 1)
            }
        }

        #[async_trait]
        impl AccountStore for $store {
            async fn insert_account(&self, account: &Account) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                insert_account_sql!(&mut *tx, account).db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(())
            }

            async fn account(&self, tenant: Uuid, account_id: Uuid) -> Result<Option<Account>, StoreError> {
                let sql = format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE account_id = $1 AND tenant_id = $2 \
                     AND disconnected_on IS NULL"
                );
                let row = sqlx::query(&sql)
                    .bind(account_id.to_string())
                    .bind(tenant.to_string())
                    .fetch_optional(&self.pool)
                    .await.db()?;
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
                    "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE tenant_id = $1 AND disconnected_on IS NULL \
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
                    .await.db()?;
                rows.iter().map(Self::account_from_row).collect()
            }

            async fn link_bank_account(&self, b: &BankAccount, created: &Event) -> Result<LinkOutcome, StoreError> {
                let mut tx = self.begin_write().await?;
                if Self::insert_bank_account_in(&mut tx, b).await? {
                    insert_event_sql!(&mut *tx, created).db()?;
                    Self::mark_claim_in(&mut tx).await?;
                    tx.commit().await.db()?;
                    return Ok(LinkOutcome::Created(b.clone()));
                }
                tx.rollback().await.db()?;
                let sql = format!(
                    "SELECT {BANK_ACCOUNT_COLUMNS} FROM bank_accounts \
                     WHERE account_id = $1 AND fingerprint = $2 AND disabled_on IS NULL"
                );
                let row = sqlx::query(&sql)
                    .bind(b.account_id.to_string())
                    .bind(&b.fingerprint)
                    .fetch_optional(&self.pool)
                    .await.db()?;
                match row {
                    Some(row) => Ok(LinkOutcome::Existing(Self::bank_account_from_row(&row).db()?)),
                    // The conflicting row was disabled between our insert and select; a retry
                    // will insert.
                    None => Err(StoreError::Conflict("bank account (concurrent disable)".into())),
                }
            }

            async fn enroll(&self, e: &Enrollment) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                if let Some(a) = &e.open_account {
                    insert_account_sql!(&mut *tx, a)?;
                }
                if let Some((b, created)) = &e.link {
                    if !Self::insert_bank_account_in(&mut tx, b).await? {
                        return Err(StoreError::Conflict(format!("bank account {}", b.bank_account_id)));
                    }
                    insert_event_sql!(&mut *tx, created).db()?;
                }
                Self::apply_in(&mut tx, &e.change).await?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(())
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
                    .await.db()?;
                row.as_ref().map(Self::bank_account_from_row).transpose()
            }

            async fn bank_accounts_with_fingerprint(
                &self,
                tenant: Uuid,
                fingerprint: &str,
            ) -> Result<Vec<BankAccount>, StoreError> {
                let sql = format!(
                    "SELECT {BANK_ACCOUNT_COLUMNS} FROM bank_accounts \
                     WHERE tenant_id = $1 AND fingerprint = $2 AND disabled_on IS NULL \
                     ORDER BY created_on, bank_account_id"
                );
                let rows = sqlx::query(&sql)
                    .bind(tenant.to_string())
                    .bind(fingerprint)
                    .fetch_all(&self.pool)
                    .await.db()?;
                rows.iter().map(Self::bank_account_from_row).collect()
            }

            async fn find_bank_accounts(
                &self,
                lookup: &BankAccountLookup,
                limit: i64,
            ) -> Result<Vec<BankAccount>, StoreError> {
                let (column, value) = match lookup {
                    BankAccountLookup::LastFour(v) => ("last_four", v),
                    BankAccountLookup::Fingerprint(v) => ("fingerprint", v),
                };
                let sql = format!(
                    "SELECT {BANK_ACCOUNT_COLUMNS} FROM bank_accounts WHERE {column} = $1 \
                     ORDER BY created_on DESC, bank_account_id LIMIT $2"
                );
                let rows = sqlx::query(&sql)
                    .bind(value.as_str())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await.db()?;
                rows.iter().map(Self::bank_account_from_row).collect()
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
                    .await.db()?;
                rows.iter().map(Self::bank_account_from_row).collect()
            }

            async fn disable_bank_account(
                &self,
                tenant: Uuid,
                account_id: Uuid,
                bank_account_id: Uuid,
                at: Timestamp,
                event: &Event,
            ) -> Result<Option<BankAccount>, StoreError> {
                let mut tx = self.begin_write().await?;
                let ids = (tenant, account_id, bank_account_id);
                let Some(disabled) = Self::disable_in(&mut tx, ids, at, event).await? else {
                    tx.rollback().await.db()?;
                    return Ok(None);
                };
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(Some(disabled))
            }

            async fn update_account(
                &self,
                account: &Account,
                expected_updated_on: Timestamp,
            ) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE accounts SET display_name = $1, profile = $2, metadata = $3, \
                     foreign_id = $4, updated_on = $5 \
                     WHERE account_id = $6 AND tenant_id = $7 AND updated_on = $8 \
                     AND disconnected_on IS NULL",
                )
                .bind(&account.display_name)
                .bind(account.profile.to_string())
                .bind(serde_json::to_string(&account.metadata).unwrap_or_else(|_| "{}".into()))
                .bind(&account.foreign_id)
                .bind(to_micros(account.updated_on))
                .bind(account.account_id.to_string())
                .bind(account.tenant_id.to_string())
                .bind(to_micros(expected_updated_on))
                .execute(&mut *tx)
                .await.db()?;
                if done.rows_affected() != 1 {
                    tx.rollback().await.db()?;
                    return Ok(false);
                }
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(true)
            }

            async fn disconnect_account(
                &self,
                tenant: Uuid,
                account_id: Uuid,
                at: Timestamp,
                deleted: &[(Uuid, Event)],
            ) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                // The account row first: its lock orders concurrent disconnects.
                let done = sqlx::query(
                    "UPDATE accounts SET disconnected_on = $1, updated_on = $1 \
                     WHERE account_id = $2 AND tenant_id = $3 AND disconnected_on IS NULL",
                )
                .bind(to_micros(at))
                .bind(account_id.to_string())
                .bind(tenant.to_string())
                .execute(&mut *tx)
                .await.db()?;
                if done.rows_affected() != 1 {
                    tx.rollback().await.db()?;
                    return Ok(false);
                }
                for (bank_account_id, event) in deleted {
                    let ids = (tenant, account_id, *bank_account_id);
                    if Self::disable_in(&mut tx, ids, at, event).await?.is_none() {
                        tx.rollback().await.db()?;
                        return Err(StoreError::Conflict(format!("bank account {bank_account_id} (concurrent disable)")));
                    }
                }
                let left: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM bank_accounts WHERE account_id = $1 AND disabled_on IS NULL",
                )
                .bind(account_id.to_string())
                .fetch_one(&mut *tx)
                .await.db()?;
                if left != 0 {
                    tx.rollback().await.db()?;
                    return Err(StoreError::Conflict(format!("account {account_id} (concurrent link)")));
                }
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(true)
            }
        }

        impl $store {
            /// Disables one active bank account inside `tx`: cancels its unsent ACH entries and
            /// pending instant credits and writes `event`. None if it was not active.
            async fn disable_in(
                tx: &mut sqlx::Transaction<'static, $db>,
                (tenant, account_id, bank_account_id): (Uuid, Uuid, Uuid),
                at: Timestamp,
                event: &Event,
            ) -> Result<Option<BankAccount>, StoreError> {
                let sql = format!(
                    "UPDATE bank_accounts SET disabled_on = $1, updated_on = $1, version = version + 1 \
                     WHERE bank_account_id = $2 AND account_id = $3 AND tenant_id = $4 \
                     AND disabled_on IS NULL RETURNING {BANK_ACCOUNT_COLUMNS}"
                );
                let row = sqlx::query(&sql)
                    .bind(to_micros(at))
                    .bind(bank_account_id.to_string())
                    .bind(account_id.to_string())
                    .bind(tenant.to_string())
                    .fetch_optional(&mut **tx)
                    .await.db()?;
                let Some(row) = row else { return Ok(None) };
                let disabled = Self::bank_account_from_row(&row).db()?;
                sqlx::query("UPDATE ach_entries SET status = 'cancelled' WHERE bank_account_id = $1 AND status = 'pending'")
                    .bind(bank_account_id.to_string())
                    .execute(&mut **tx)
                    .await.db()?;
                sqlx::query(
                    "UPDATE instant_credits SET status = 'rejected', reason_code = 'CANCELLED', updated_on = $1 \
                     WHERE bank_account_id = $2 AND status = 'pending'",
                )
                .bind(to_micros(at))
                .bind(bank_account_id.to_string())
                .execute(&mut **tx)
                .await.db()?;
                insert_event_sql!(&mut **tx, event).db()?;
                Ok(Some(disabled))
            }
        }

        #[async_trait]
        impl VerificationStore for $store {
            async fn snapshot(
                &self,
                tenant: Uuid,
                account_id: Uuid,
                bank_account_id: Uuid,
            ) -> Result<Option<Snapshot>, StoreError> {
                let Some(bank_account) = self.bank_account(tenant, account_id, bank_account_id).await.db()? else {
                    return Ok(None);
                };
                let verifications = self.verifications_of(bank_account_id).await.db()?;
                Ok(Some(Snapshot { bank_account, verifications }))
            }

            async fn snapshot_by_id(&self, bank_account_id: Uuid) -> Result<Option<Snapshot>, StoreError> {
                let sql = format!(
                    "SELECT {BANK_ACCOUNT_COLUMNS} FROM bank_accounts \
                     WHERE bank_account_id = $1 AND disabled_on IS NULL"
                );
                let row = sqlx::query(&sql)
                    .bind(bank_account_id.to_string())
                    .fetch_optional(&self.pool)
                    .await.db()?;
                let Some(row) = row else { return Ok(None) };
                let bank_account = Self::bank_account_from_row(&row).db()?;
                let verifications = self.verifications_of(bank_account_id).await.db()?;
                Ok(Some(Snapshot { bank_account, verifications }))
            }

            async fn snapshots_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Snapshot>, StoreError> {
                let mut snaps: std::collections::HashMap<Uuid, Snapshot> = std::collections::HashMap::new();
                for chunk in ids.chunks(IN_LIST) {
                    let list = placeholders(1, chunk.len());
                    let sql = format!(
                        "SELECT {BANK_ACCOUNT_COLUMNS} FROM bank_accounts \
                         WHERE bank_account_id IN ({list}) AND disabled_on IS NULL"
                    );
                    let mut query = sqlx::query(&sql);
                    for id in chunk {
                        query = query.bind(id.to_string());
                    }
                    for row in query.fetch_all(&self.pool).await.db()? {
                        let bank_account = Self::bank_account_from_row(&row).db()?;
                        snaps.insert(bank_account.bank_account_id, Snapshot { bank_account, verifications: Vec::new() });
                    }
                    let sql = format!(
                        "SELECT {VERIFICATION_COLUMNS} FROM verifications WHERE bank_account_id IN ({list}) ORDER BY seq"
                    );
                    let mut query = sqlx::query(&sql);
                    for id in chunk {
                        query = query.bind(id.to_string());
                    }
                    for row in query.fetch_all(&self.pool).await.db()? {
                        let v = Self::verification_from_row(&row)?;
                        if let Some(snap) = snaps.get_mut(&v.bank_account_id) {
                            snap.verifications.push(v);
                        }
                    }
                }
                Ok(snaps.into_values().collect())
            }

            async fn apply(&self, c: &Change) -> Result<(), StoreError> {
                self.apply_all(std::slice::from_ref(c)).await
            }

            async fn apply_all(&self, changes: &[Change]) -> Result<(), StoreError> {
                if changes.is_empty() {
                    return Ok(());
                }
                let mut tx = self.begin_write().await?;
                Self::apply_states_in(&mut tx, changes).await?;
                let events: Vec<&Event> = changes.iter().flat_map(|c| &c.events).collect();
                Self::insert_events_in(&mut tx, &events).await?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(())
            }

            async fn due_expirations(&self, now: Timestamp, limit: i64) -> Result<Vec<Uuid>, StoreError> {
                let rows = sqlx::query(
                    "SELECT DISTINCT v.bank_account_id FROM verifications v \
                     JOIN bank_accounts b ON b.bank_account_id = v.bank_account_id \
                     WHERE v.status IN ('new', 'sent-credit') AND v.expires_on <= $1 AND b.disabled_on IS NULL \
                     LIMIT $2",
                )
                .bind(to_micros(now))
                .bind(limit)
                .fetch_all(&self.pool)
                .await.db()?;
                rows.iter()
                    .map(|r| uuid(&r.try_get::<String, _>("bank_account_id").db()?))
                    .collect()
            }

            async fn open_instant_credits(
                &self,
                stale_before: Timestamp,
                limit: i64,
            ) -> Result<Vec<InstantCredit>, StoreError> {
                let sql = format!(
                    "SELECT {INSTANT_CREDIT_COLUMNS} FROM instant_credits \
                     WHERE status = 'pending' OR (status = 'submitted' AND updated_on < $1) \
                     ORDER BY created_on LIMIT $2"
                );
                let rows = sqlx::query(&sql)
                    .bind(to_micros(stale_before))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await.db()?;
                rows.iter().map(Self::instant_credit_from_row).collect()
            }

            async fn claim_instant_credit(
                &self,
                credit_id: Uuid,
                now: Timestamp,
                stale_before: Timestamp,
            ) -> Result<Option<CreditClaim>, StoreError> {
                let send = sqlx::query(
                    "UPDATE instant_credits SET status = 'submitted', updated_on = $1 \
                     WHERE credit_id = $2 AND status = 'pending'",
                )
                .bind(to_micros(now))
                .bind(credit_id.to_string())
                .execute(&self.writer)
                .await.db()?;
                if send.rows_affected() == 1 {
                    return Ok(Some(CreditClaim::Send));
                }
                let ask = sqlx::query(
                    "UPDATE instant_credits SET updated_on = $1 WHERE credit_id = $2 \
                     AND status = 'submitted' AND updated_on < $3",
                )
                .bind(to_micros(now))
                .bind(credit_id.to_string())
                .bind(to_micros(stale_before))
                .execute(&self.writer)
                .await.db()?;
                Ok((ask.rows_affected() == 1).then_some(CreditClaim::Ask))
            }

            async fn instant_credit(&self, credit_id: Uuid) -> Result<Option<InstantCredit>, StoreError> {
                let sql = format!("SELECT {INSTANT_CREDIT_COLUMNS} FROM instant_credits WHERE credit_id = $1");
                let row = sqlx::query(&sql).bind(credit_id.to_string()).fetch_optional(&self.pool).await.db()?;
                row.as_ref().map(Self::instant_credit_from_row).transpose()
            }
        }

        #[async_trait]
        impl AchStore for $store {
            async fn ach_entries_for(&self, bank_account_id: Uuid) -> Result<Vec<AchEntry>, StoreError> {
                let sql = format!(
                    "SELECT {ACH_ENTRY_COLUMNS} FROM ach_entries WHERE bank_account_id = $1 \
                     ORDER BY created_on, purpose, entry_id"
                );
                let rows = sqlx::query(&sql).bind(bank_account_id.to_string()).fetch_all(&self.pool).await.db()?;
                rows.iter().map(Self::ach_entry_from_row).collect()
            }

            async fn each_due_entry(
                &self,
                due_by: Timestamp,
                visit: &mut (dyn FnMut(FileEntry) -> std::ops::ControlFlow<()> + Send),
            ) -> Result<(), StoreError> {
                let sql = file_entries_sql(
                    "CAST(0 AS BIGINT) AS trace_seq",
                    "e.status = 'pending' AND e.due_at <= $1 ORDER BY e.verification_id, e.entry_id",
                );
                let rows = sqlx::query(&sql).bind(to_micros(due_by)).fetch(&self.pool);
                Self::visit_file_entries(rows, visit).await
            }

            async fn held_entries(&self, limit: i64) -> Result<Vec<HeldEntry>, StoreError> {
                let sql = format!(
                    "SELECT {ACH_ENTRY_COLUMNS}, held_rule, held_reason, held_on FROM ach_entries \
                     WHERE status = 'held' ORDER BY held_on DESC, entry_id LIMIT $1"
                );
                let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await.db()?;
                rows.iter()
                    .map(|row| {
                        Ok(HeldEntry {
                            entry: Self::ach_entry_from_row(row)?,
                            rule: row.try_get::<Option<String>, _>("held_rule").db()?.unwrap_or_default(),
                            reason: row.try_get::<Option<String>, _>("held_reason").db()?.unwrap_or_default(),
                            held_on: from_micros(row.try_get::<Option<i64>, _>("held_on").db()?.unwrap_or(0)),
                        })
                    })
                    .collect()
            }

            async fn claim_cutoff(&self, claim: &CutoffClaim) -> Result<Option<AchFile>, StoreError> {
                let mut tx = self.begin_write().await?;
                // Taking this row's write lock first serializes cutoffs across processes.
                let row = sqlx::query(
                    "UPDATE ach_origination_state SET last_window_at = COALESCE($1, last_window_at) \
                     WHERE id = 1 RETURNING next_trace_seq",
                )
                .bind(claim.window_at.map(to_micros))
                .fetch_one(&mut *tx)
                .await.db()?;
                let next_seq: i64 = row.try_get("next_trace_seq").db()?;
                let due = sqlx::query(
                    "SELECT COUNT(*) AS n, \
                     CAST(COALESCE(SUM(CASE WHEN is_credit THEN amount_cents ELSE 0 END), 0) AS BIGINT) AS credits, \
                     CAST(COALESCE(SUM(CASE WHEN is_credit THEN 0 ELSE amount_cents END), 0) AS BIGINT) AS debits \
                     FROM ach_entries WHERE status = 'pending' AND due_at <= $1",
                )
                .bind(to_micros(claim.due_by))
                .fetch_one(&mut *tx)
                .await.db()?;
                let count: i64 = due.try_get("n").db()?;
                if count == 0 {
                    tx.commit().await.db()?;
                    return Ok(None);
                }
                let file = Self::new_file_in(&mut tx, claim, &due, count).await?;
                Self::claim_entries_in(&mut tx, claim, &file, next_seq).await?;
                tx.commit().await.db()?;
                Ok(Some(file))
            }

            async fn last_window_at(&self) -> Result<Option<Timestamp>, StoreError> {
                let row = sqlx::query("SELECT last_window_at FROM ach_origination_state WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await.db()?;
                Ok(row.try_get::<Option<i64>, _>("last_window_at").db()?.map(from_micros))
            }

            async fn file_entries(&self, file_id: Uuid) -> Result<Vec<FileEntry>, StoreError> {
                let mut out = Vec::new();
                self.each_file_entry(file_id, &mut |e| {
                    out.push(e);
                    std::ops::ControlFlow::Continue(())
                })
                .await?;
                Ok(out)
            }

            async fn each_file_entry(
                &self,
                file_id: Uuid,
                visit: &mut (dyn FnMut(FileEntry) -> std::ops::ControlFlow<()> + Send),
            ) -> Result<(), StoreError> {
                let sql = file_entries_sql("e.trace_seq", "e.file_id = $1 ORDER BY e.trace_seq");
                // Streamed row by row: a cutoff can hold a million entries.
                let rows = sqlx::query(&sql).bind(file_id.to_string()).fetch(&self.pool);
                Self::visit_file_entries(rows, visit).await
            }

            async fn store_file_content(&self, file_id: Uuid, content: &str, totals: FileTotals) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE ach_files SET content = $1, total_credit_cents = $2, total_debit_cents = $3 \
                     WHERE file_id = $4 AND content IS NULL",
                )
                    .bind(content)
                    .bind(totals.credit_cents)
                    .bind(totals.debit_cents)
                    .bind(file_id.to_string())
                    .execute(&self.writer)
                    .await.db()?;
                Ok(done.rows_affected() == 1)
            }

            async fn file_content(&self, file_id: Uuid) -> Result<Option<String>, StoreError> {
                let row = sqlx::query("SELECT content FROM ach_files WHERE file_id = $1")
                    .bind(file_id.to_string())
                    .fetch_optional(&self.pool)
                    .await.db()?;
                match row {
                    Some(row) => Ok(row.try_get("content").db()?),
                    None => Ok(None),
                }
            }

            async fn mark_file(&self, file_id: Uuid, status: AchFileStatus, at: Timestamp) -> Result<(), StoreError> {
                let sql = match status {
                    AchFileStatus::Assembled => "UPDATE ach_files SET status = 'assembled' WHERE file_id = $2 AND $1 = $1",
                    AchFileStatus::Written => "UPDATE ach_files SET status = 'written', written_on = COALESCE(written_on, $1) \
                                               WHERE file_id = $2 AND status = 'assembled'",
                    AchFileStatus::Delivered => "UPDATE ach_files SET status = 'delivered', delivered_on = $1, delivery_error = NULL \
                                                 WHERE file_id = $2",
                };
                sqlx::query(sql).bind(to_micros(at)).bind(file_id.to_string()).execute(&self.writer).await.db()?;
                Ok(())
            }

            async fn take_file(&self, file_id: Uuid, writer: &str, stale_before: Timestamp) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE ach_files SET writer = $1 WHERE file_id = $2 AND status = 'assembled' \
                     AND (writer = $1 OR created_on < $3)",
                )
                .bind(writer)
                .bind(file_id.to_string())
                .bind(to_micros(stale_before))
                .execute(&self.writer)
                .await.db()?;
                Ok(done.rows_affected() == 1)
            }

            async fn record_returns_of_disabled(&self, returns: &[(Uuid, String)], at: Timestamp) -> Result<(), StoreError> {
                let mut tx = self.writer.begin().await.db()?;
                for (entry_id, code) in returns {
                    sqlx::query(
                        "UPDATE ach_entries SET return_code = $1, returned_on = $2 \
                         WHERE entry_id = $3 AND return_code IS NULL",
                    )
                    .bind(code)
                    .bind(to_micros(at))
                    .bind(entry_id.to_string())
                    .execute(&mut *tx)
                    .await.db()?;
                }
                tx.commit().await.db()?;
                Ok(())
            }

            async fn set_delivery_error(&self, file_id: Uuid, error: Option<&str>) -> Result<(), StoreError> {
                sqlx::query("UPDATE ach_files SET delivery_error = $1 WHERE file_id = $2")
                    .bind(error)
                    .bind(file_id.to_string())
                    .execute(&self.writer)
                    .await.db()?;
                Ok(())
            }

            async fn files_in_status(&self, status: AchFileStatus) -> Result<Vec<AchFile>, StoreError> {
                let sql = format!("SELECT {ACH_FILE_COLUMNS} FROM ach_files WHERE status = $1 ORDER BY created_on, file_id");
                let rows = sqlx::query(&sql).bind(status.as_str()).fetch_all(&self.pool).await.db()?;
                rows.iter().map(Self::ach_file_from_row).collect()
            }

            async fn list_files(&self, limit: i64) -> Result<Vec<AchFile>, StoreError> {
                let sql = format!("SELECT {ACH_FILE_COLUMNS} FROM ach_files ORDER BY created_on DESC, file_id LIMIT $1");
                let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await.db()?;
                rows.iter().map(Self::ach_file_from_row).collect()
            }

            async fn ach_file(&self, file_id: Uuid) -> Result<Option<AchFile>, StoreError> {
                let sql = format!("SELECT {ACH_FILE_COLUMNS} FROM ach_files WHERE file_id = $1");
                let row = sqlx::query(&sql).bind(file_id.to_string()).fetch_optional(&self.pool).await.db()?;
                row.as_ref().map(Self::ach_file_from_row).transpose()
            }

            async fn entry_by_trace(&self, seq7: i64) -> Result<Option<(AchEntry, i64)>, StoreError> {
                let row = sqlx::query("SELECT next_trace_seq FROM ach_origination_state WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await.db()?;
                let next: i64 = row.try_get("next_trace_seq").db()?;
                // Trace numbers carry 7 digits of the sequence; try every wrap, newest first.
                let mut candidate = seq7 + (next / 10_000_000) * 10_000_000;
                while candidate >= 0 {
                    let sql = format!("SELECT {ACH_ENTRY_COLUMNS}, trace_seq FROM ach_entries WHERE trace_seq = $1");
                    if let Some(row) = sqlx::query(&sql).bind(candidate).fetch_optional(&self.pool).await.db()? {
                        return Ok(Some((Self::ach_entry_from_row(&row).db()?, row.try_get("trace_seq").db()?)));
                    }
                    candidate -= 10_000_000;
                }
                Ok(None)
            }

            async fn entries_by_traces(&self, seq7s: &[i64]) -> Result<Vec<Option<TracedEntry>>, StoreError> {
                let row = sqlx::query("SELECT next_trace_seq FROM ach_origination_state WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await.db()?;
                let next: i64 = row.try_get("next_trace_seq").db()?;
                let mut found: Vec<Option<TracedEntry>> = vec![None; seq7s.len()];
                // Newest wrap first, as entry_by_trace: a sequence found in a newer wrap wins.
                let mut wrap = (next / 10_000_000) * 10_000_000;
                while wrap >= 0 {
                    let open: Vec<(usize, i64)> = seq7s
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| found[*i].is_none())
                        .map(|(i, s)| (i, s + wrap))
                        .collect();
                    if open.is_empty() {
                        break;
                    }
                    let mut by_seq = std::collections::HashMap::new();
                    for chunk in open.chunks(IN_LIST) {
                        let sql = format!(
                            "SELECT {ACH_ENTRY_COLUMNS}, trace_seq, return_code FROM ach_entries WHERE trace_seq IN ({})",
                            placeholders(1, chunk.len())
                        );
                        let mut query = sqlx::query(&sql);
                        for (_, candidate) in chunk {
                            query = query.bind(*candidate);
                        }
                        for row in query.fetch_all(&self.pool).await.db()? {
                            let trace_seq: i64 = row.try_get("trace_seq").db()?;
                            let traced = TracedEntry {
                                entry: Self::ach_entry_from_row(&row).db()?,
                                trace_seq,
                                return_code: row.try_get("return_code").db()?,
                            };
                            by_seq.insert(trace_seq, traced);
                        }
                    }
                    for (i, candidate) in open {
                        if let Some(traced) = by_seq.get(&candidate) {
                            found[i] = Some(traced.clone());
                        }
                    }
                    wrap -= 10_000_000;
                }
                Ok(found)
            }

            async fn inbound_seen(&self, sha256: &str) -> Result<bool, StoreError> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM ach_inbound_files WHERE sha256 = $1")
                    .bind(sha256)
                    .fetch_one(&self.pool)
                    .await.db()?;
                Ok(row.try_get::<i64, _>("n").db()? > 0)
            }

            async fn record_inbound(&self, f: &InboundFile) -> Result<(), StoreError> {
                let sql = format!(
                    "INSERT INTO ach_inbound_files ({INBOUND_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (sha256) DO NOTHING"
                );
                sqlx::query(&sql)
                    .bind(f.inbound_id.to_string())
                    .bind(&f.file_name)
                    .bind(&f.sha256)
                    .bind(to_micros(f.received_on))
                    .bind(f.status.as_str())
                    .bind(&f.error)
                    .bind(f.returns)
                    .bind(f.nocs)
                    .execute(&self.writer)
                    .await.db()?;
                Ok(())
            }

            async fn list_inbound(&self, limit: i64) -> Result<Vec<InboundFile>, StoreError> {
                let sql = format!("SELECT {INBOUND_COLUMNS} FROM ach_inbound_files ORDER BY received_on DESC, inbound_id LIMIT $1");
                let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await.db()?;
                rows.iter().map(Self::inbound_from_row).collect()
            }

            async fn nocs_for(&self, bank_account_id: Uuid) -> Result<Vec<NocRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT noc_id, tenant_id, bank_account_id, entry_id, change_code, changed_fields, received_on \
                     FROM ach_notifications WHERE bank_account_id = $1 ORDER BY received_on, noc_id",
                )
                .bind(bank_account_id.to_string())
                .fetch_all(&self.pool)
                .await.db()?;
                rows.iter().map(Self::noc_from_row).collect()
            }

            async fn recent_nocs(&self, limit: i64) -> Result<Vec<NocRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT noc_id, tenant_id, bank_account_id, entry_id, change_code, changed_fields, received_on \
                     FROM ach_notifications ORDER BY received_on DESC, noc_id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await.db()?;
                rows.iter().map(Self::noc_from_row).collect()
            }

            async fn returned_entries(&self, limit: i64) -> Result<Vec<ReturnedEntry>, StoreError> {
                let sql = format!(
                    "SELECT {ACH_ENTRY_COLUMNS}, return_code, returned_on FROM ach_entries \
                     WHERE return_code IS NOT NULL AND returned_on IS NOT NULL \
                     ORDER BY returned_on DESC, entry_id LIMIT $1"
                );
                let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await.db()?;
                rows.iter()
                    .map(|row| {
                        Ok(ReturnedEntry {
                            entry: Self::ach_entry_from_row(row)?,
                            return_code: row.try_get("return_code").db()?,
                            returned_on: from_micros(row.try_get("returned_on").db()?),
                        })
                    })
                    .collect()
            }

            async fn micro_entry_counts(&self) -> Result<Vec<MicroEntryCounts>, StoreError> {
                let rows = sqlx::query(
                    "SELECT tenant_id, COUNT(*) AS forward, \
                     CAST(COALESCE(SUM(CASE WHEN return_code IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT) AS returned, \
                     CAST(COALESCE(SUM(CASE WHEN is_credit THEN 1 ELSE 0 END), 0) AS BIGINT) AS credits, \
                     CAST(COALESCE(SUM(CASE WHEN is_credit THEN 0 ELSE 1 END), 0) AS BIGINT) AS debits \
                     FROM ach_entries WHERE status = 'batched' GROUP BY tenant_id ORDER BY tenant_id",
                )
                .fetch_all(&self.pool)
                .await.db()?;
                rows.iter()
                    .map(|row| {
                        Ok(MicroEntryCounts {
                            tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?).db()?,
                            forward: row.try_get("forward").db()?,
                            returned: row.try_get("returned").db()?,
                            forward_credits: row.try_get("credits").db()?,
                            forward_debits: row.try_get("debits").db()?,
                        })
                    })
                    .collect()
            }

            async fn operations_counts(&self) -> Result<OperationsCounts, StoreError> {
                let pending: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM ach_entries WHERE status = 'pending'",
                )
                .fetch_one(&self.pool)
                .await
                .db()?;
                let mut by_status = Vec::new();
                for table in ["ach_files", "ach_inbound_files"] {
                    let rows = sqlx::query(&format!(
                        "SELECT status, COUNT(*) AS n FROM {table} GROUP BY status ORDER BY status"
                    ))
                    .fetch_all(&self.pool)
                    .await
                    .db()?;
                    let counts = rows
                        .iter()
                        .map(|row| Ok((row.try_get("status").db()?, row.try_get("n").db()?)))
                        .collect::<Result<Vec<(String, i64)>, StoreError>>()?;
                    by_status.push(counts);
                }
                let inbound_by_status = by_status.pop().unwrap_or_default();
                let files_by_status = by_status.pop().unwrap_or_default();
                Ok(OperationsCounts {
                    pending_entries: pending,
                    files_by_status,
                    inbound_by_status,
                })
            }
        }

        #[async_trait]
        impl EventStore for $store {
            async fn events(&self, tenant: Uuid, after: i64, limit: i64) -> Result<Vec<(i64, Event)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT seq, event_id, tenant_id, event_type, data, created_on FROM events \
                     WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                )
                .bind(tenant.to_string())
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await.db()?;
                rows.iter()
                    .map(|row| Ok((row.try_get("seq").db()?, Self::event_from_row(row)?)))
                    .collect()
            }
        }

        #[async_trait]
        impl SimulatorStore for $store {
            async fn simulator_post(&self, l: &StatementLine) -> Result<bool, StoreError> {
                let sql = format!(
                    "INSERT INTO simulator_transactions ({STATEMENT_COLUMNS}) VALUES \
                     ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (reference) DO NOTHING"
                );
                let done = sqlx::query(&sql)
                    .bind(&l.reference)
                    .bind(&l.fingerprint)
                    .bind(&l.routing_number)
                    .bind(&l.last_four_account_number)
                    .bind(to_micros(l.posted_on))
                    .bind(l.amount_cents)
                    .bind(l.direction == "credit")
                    .bind(&l.rail)
                    .bind(&l.company_name)
                    .bind(&l.description)
                    .bind(&l.statement_text)
                    .execute(&self.writer)
                    .await.db()?;
                Ok(done.rows_affected() == 1)
            }

            async fn simulator_statement(&self, fingerprint: &str) -> Result<Vec<StatementLine>, StoreError> {
                let sql = format!(
                    "SELECT {STATEMENT_COLUMNS} FROM simulator_transactions WHERE fingerprint = $1 ORDER BY seq"
                );
                let rows = sqlx::query(&sql).bind(fingerprint).fetch_all(&self.pool).await.db()?;
                rows.iter().map(Self::statement_line_from_row).collect()
            }

            async fn simulator_file_was_read(&self, file_name: &str) -> Result<bool, StoreError> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM simulator_ach_files WHERE file_name = $1")
                    .bind(file_name)
                    .fetch_one(&self.pool)
                    .await.db()?;
                Ok(row.try_get::<i64, _>("n").db()? > 0)
            }

            async fn simulator_mark_file_read(&self, file_name: &str, at: Timestamp) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO simulator_ach_files (file_name, read_on) VALUES ($1, $2) ON CONFLICT (file_name) DO NOTHING",
                )
                .bind(file_name)
                .bind(to_micros(at))
                .execute(&self.writer)
                .await.db()?;
                Ok(done.rows_affected() == 1)
            }
        }

        #[async_trait]
        impl IdempotencyStore for $store {
            async fn idempotency_record(&self, id: &KeyId) -> Result<Option<IdempotencyRecord>, StoreError> {
                let row = sqlx::query(
                    "SELECT tenant_id, mode, idem_key, method, path, body_sha256, state, owner, \
                     locked_until, expires_on, response FROM idempotency_keys \
                     WHERE tenant_id = $1 AND mode = $2 AND idem_key = $3",
                )
                .bind(id.tenant_id.to_string())
                .bind(id.mode.as_str())
                .bind(&id.key)
                .fetch_optional(&self.pool)
                .await.db()?;
                row.as_ref().map(Self::idempotency_from_row).transpose()
            }

            async fn reserve_idempotency(&self, r: &IdempotencyRecord, now: Timestamp) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND mode = $2 AND idem_key = $3 \
                     AND expires_on <= $4",
                )
                .bind(r.id.tenant_id.to_string())
                .bind(r.id.mode.as_str())
                .bind(&r.id.key)
                .bind(to_micros(now))
                .execute(&mut *tx)
                .await.db()?;
                let done = sqlx::query(
                    "INSERT INTO idempotency_keys (tenant_id, mode, idem_key, method, path, body_sha256, \
                     state, owner, locked_until, expires_on, response) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL) \
                     ON CONFLICT (tenant_id, mode, idem_key) DO NOTHING",
                )
                .bind(r.id.tenant_id.to_string())
                .bind(r.id.mode.as_str())
                .bind(&r.id.key)
                .bind(&r.method)
                .bind(&r.path)
                .bind(&r.body_sha256)
                .bind(r.state.as_str())
                .bind(&r.owner)
                .bind(to_micros(r.locked_until))
                .bind(to_micros(r.expires_on))
                .execute(&mut *tx)
                .await.db()?;
                tx.commit().await.db()?;
                Ok(done.rows_affected() == 1)
            }

            async fn take_over_idempotency(&self, r: &IdempotencyRecord, from: &str) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE idempotency_keys SET owner = $1, locked_until = $2 \
                     WHERE tenant_id = $3 AND mode = $4 AND idem_key = $5 AND owner = $6 \
                     AND state = 'in_flight'",
                )
                .bind(&r.owner)
                .bind(to_micros(r.locked_until))
                .bind(r.id.tenant_id.to_string())
                .bind(r.id.mode.as_str())
                .bind(&r.id.key)
                .bind(from)
                .execute(&self.writer)
                .await.db()?;
                Ok(done.rows_affected() == 1)
            }

            async fn finish_idempotency(&self, claim: &Claim, sealed: &str) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE idempotency_keys SET state = 'done', response = $1 \
                     WHERE tenant_id = $2 AND mode = $3 AND idem_key = $4 AND owner = $5 \
                     AND state IN ('in_flight', 'committed')",
                )
                .bind(sealed)
                .bind(claim.id.tenant_id.to_string())
                .bind(claim.id.mode.as_str())
                .bind(&claim.id.key)
                .bind(&claim.owner)
                .execute(&self.writer)
                .await.db()?;
                Ok(done.rows_affected() == 1)
            }

            async fn release_idempotency(&self, claim: &Claim) -> Result<(), StoreError> {
                sqlx::query(
                    "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND mode = $2 AND idem_key = $3 \
                     AND owner = $4 AND state = 'in_flight'",
                )
                .bind(claim.id.tenant_id.to_string())
                .bind(claim.id.mode.as_str())
                .bind(&claim.id.key)
                .bind(&claim.owner)
                .execute(&self.writer)
                .await.db()?;
                Ok(())
            }

            async fn purge_idempotency(&self, now: Timestamp) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM idempotency_keys WHERE expires_on <= $1")
                    .bind(to_micros(now))
                    .execute(&self.writer)
                    .await.db()?;
                Ok(done.rows_affected())
            }
        }

        #[async_trait]
        impl WebhookStore for $store {
            async fn insert_webhook(&self, w: &Webhook) -> Result<(), StoreError> {
                let sql = format!(
                    "INSERT INTO webhooks ({WEBHOOK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                );
                sqlx::query(&sql)
                    .bind(w.webhook_id.to_string())
                    .bind(w.tenant_id.to_string())
                    .bind(&w.url)
                    .bind(&w.description)
                    .bind(w.status.as_str())
                    .bind(event_types_text(&w.event_types))
                    .bind(&w.secret)
                    .bind(&w.disabled_reason)
                    .bind(to_micros(w.created_on))
                    .bind(to_micros(w.updated_on))
                    .bind(w.previous_secret.as_ref().map(|(s, _)| s.clone()))
                    .bind(w.previous_secret.as_ref().map(|(_, until)| to_micros(*until)))
                    .execute(&self.writer)
                    .await.db()?;
                Ok(())
            }

            async fn webhook(&self, tenant: Uuid, webhook_id: Uuid) -> Result<Option<Webhook>, StoreError> {
                let sql = format!(
                    "SELECT {WEBHOOK_COLUMNS} FROM webhooks \
                     WHERE webhook_id = $1 AND tenant_id = $2 AND deleted_on IS NULL"
                );
                let row = sqlx::query(&sql)
                    .bind(webhook_id.to_string())
                    .bind(tenant.to_string())
                    .fetch_optional(&self.pool)
                    .await.db()?;
                row.as_ref().map(Self::webhook_from_row).transpose()
            }

            async fn list_webhooks(&self, tenant: Uuid) -> Result<Vec<Webhook>, StoreError> {
                let sql = format!(
                    "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE tenant_id = $1 AND deleted_on IS NULL \
                     ORDER BY created_on, webhook_id"
                );
                let rows = sqlx::query(&sql).bind(tenant.to_string()).fetch_all(&self.pool).await.db()?;
                rows.iter().map(Self::webhook_from_row).collect()
            }

            async fn update_webhook(&self, w: &Webhook) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE webhooks SET url = $1, description = $2, status = $3, event_types = $4, \
                     disabled_reason = $5, updated_on = $6, secret = $9, previous_secret = $10, \
                     previous_secret_until = $11 \
                     WHERE webhook_id = $7 AND tenant_id = $8 AND deleted_on IS NULL",
                )
                .bind(&w.url)
                .bind(&w.description)
                .bind(w.status.as_str())
                .bind(event_types_text(&w.event_types))
                .bind(&w.disabled_reason)
                .bind(to_micros(w.updated_on))
                .bind(w.webhook_id.to_string())
                .bind(w.tenant_id.to_string())
                .bind(&w.secret)
                .bind(w.previous_secret.as_ref().map(|(s, _)| s.clone()))
                .bind(w.previous_secret.as_ref().map(|(_, until)| to_micros(*until)))
                .execute(&self.writer)
                .await.db()?;
                Ok(())
            }

            async fn delete_webhook(&self, tenant: Uuid, webhook_id: Uuid, at: Timestamp) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE webhooks SET deleted_on = $1, status = 'disabled', updated_on = $1 \
                     WHERE webhook_id = $2 AND tenant_id = $3 AND deleted_on IS NULL",
                )
                .bind(to_micros(at))
                .bind(webhook_id.to_string())
                .bind(tenant.to_string())
                .execute(&mut *tx)
                .await.db()?;
                sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND status = 'pending'")
                    .bind(webhook_id.to_string())
                    .execute(&mut *tx)
                    .await.db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(done.rows_affected() == 1)
            }

            async fn deliveries(&self, tenant: Uuid, webhook_id: Uuid, limit: i64) -> Result<Vec<Delivery>, StoreError> {
                let sql = format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
                     WHERE webhook_id = $1 AND tenant_id = $2 ORDER BY event_seq DESC LIMIT $3"
                );
                let rows = sqlx::query(&sql)
                    .bind(webhook_id.to_string())
                    .bind(tenant.to_string())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await.db()?;
                rows.iter().map(Self::delivery_from_row).collect()
            }

            async fn replay_deliveries(
                &self,
                webhook_id: Uuid,
                since: Option<Timestamp>,
                event_id: Option<Uuid>,
                now: Timestamp,
            ) -> Result<u64, StoreError> {
                let done = sqlx::query(
                    "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, \
                     lease_owner = NULL, lease_until = NULL \
                     WHERE webhook_id = $2 AND (event_id = $3 OR ($3 IS NULL AND created_on >= $4))",
                )
                .bind(to_micros(now))
                .bind(webhook_id.to_string())
                .bind(event_id.map(|e| e.to_string()))
                .bind(to_micros(since.unwrap_or(Timestamp::UNIX_EPOCH)))
                .execute(&self.writer)
                .await.db()?;
                Ok(done.rows_affected())
            }

            async fn claim_deliveries(
                &self,
                now: Timestamp,
                lease_until: Timestamp,
                owner: &str,
                limit: i64,
            ) -> Result<Vec<(Delivery, Webhook, Event)>, StoreError> {
                // Woken after every change, the worker usually finds nothing due: a read says so
                // without queueing for the writer.
                let due = sqlx::query(
                    "SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
                     AND (lease_until IS NULL OR lease_until <= $1) LIMIT 1",
                )
                .bind(to_micros(now))
                .fetch_optional(&self.pool)
                .await.db()?;
                if due.is_none() {
                    return Ok(Vec::new());
                }
                // One statement, so SQLite takes its write lock at once (a read upgraded to a
                // write inside a transaction fails with "database is locked" under contention);
                // PostgreSQL skips rows another process is claiming.
                let skip_locked = match $backend {
                    Backend::Postgres => " FOR UPDATE OF d SKIP LOCKED",
                    Backend::Sqlite => "",
                };
                let sql = format!(
                    "UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2 \
                     WHERE (webhook_id, event_id) IN (SELECT d.webhook_id, d.event_id \
                     FROM webhook_deliveries d JOIN webhooks w ON w.webhook_id = d.webhook_id \
                     WHERE d.status = 'pending' AND d.next_attempt_at <= $3 \
                     AND (d.lease_until IS NULL OR d.lease_until <= $3) \
                     AND w.status = 'enabled' AND w.deleted_on IS NULL \
                     ORDER BY d.event_seq LIMIT $4{skip_locked}) \
                     AND (lease_until IS NULL OR lease_until <= $3) \
                     RETURNING {DELIVERY_COLUMNS}"
                );
                let rows = sqlx::query(&sql)
                    .bind(owner)
                    .bind(to_micros(lease_until))
                    .bind(to_micros(now))
                    .bind(limit)
                    .fetch_all(&self.writer)
                    .await.db()?;
                let mut claimed = rows.iter().map(Self::delivery_from_row).collect::<Result<Vec<_>, _>>()?;
                claimed.sort_by_key(|d| d.sequence);
                // One read per webhook of the pass, not one per delivery.
                let mut webhooks: std::collections::HashMap<Uuid, Option<Webhook>> = std::collections::HashMap::new();
                let mut out = Vec::with_capacity(claimed.len());
                for d in claimed {
                    if !webhooks.contains_key(&d.webhook_id) {
                        let w = self.webhook(d.tenant_id, d.webhook_id).await?;
                        webhooks.insert(d.webhook_id, w);
                    }
                    let Some(Some(w)) = webhooks.get(&d.webhook_id).cloned() else { continue };
                    let Some(e) = self.event(d.event_id).await? else { continue };
                    out.push((d, w, e));
                }
                Ok(out)
            }

            async fn record_delivery(
                &self,
                d: &Delivery,
                owner: &str,
                disable: Option<&str>,
                at: Timestamp,
            ) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, \
                     last_status_code = $4, last_error = $5, delivered_on = $6, lease_owner = NULL, \
                     lease_until = NULL WHERE webhook_id = $7 AND event_id = $8 AND lease_owner = $9",
                )
                .bind(d.status.as_str())
                .bind(d.attempts)
                .bind(to_micros(d.next_attempt_at))
                .bind(d.last_status_code)
                .bind(&d.last_error)
                .bind(d.delivered_on.map(to_micros))
                .bind(d.webhook_id.to_string())
                .bind(d.event_id.to_string())
                .bind(owner)
                .execute(&mut *tx)
                .await.db()?;
                if let Some(reason) = disable {
                    sqlx::query(
                        "UPDATE webhooks SET status = 'disabled', disabled_reason = $1, updated_on = $2 \
                         WHERE webhook_id = $3",
                    )
                    .bind(reason)
                    .bind(to_micros(at))
                    .bind(d.webhook_id.to_string())
                    .execute(&mut *tx)
                    .await.db()?;
                }
                tx.commit().await.db()?;
                Ok(done.rows_affected() == 1)
            }

            async fn webhook_backlog(&self) -> Result<WebhookBacklog, StoreError> {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n, MIN(d.created_on) AS oldest \
                     FROM webhook_deliveries d JOIN webhooks w ON w.webhook_id = d.webhook_id \
                     WHERE d.status = 'pending' AND w.status = 'enabled' AND w.deleted_on IS NULL",
                )
                .fetch_one(&self.pool)
                .await
                .db()?;
                Ok(WebhookBacklog {
                    pending: row.try_get("n").db()?,
                    oldest: row.try_get::<Option<i64>, _>("oldest").db()?.map(from_micros),
                })
            }
        }

        #[async_trait]
        impl RiskStore for $store {
            async fn record_risk_decisions(
                &self,
                decisions: &[RiskDecision],
                events: &[Event],
            ) -> Result<(), StoreError> {
                if decisions.is_empty() && events.is_empty() {
                    return Ok(());
                }
                let mut tx = self.begin_write().await?;
                for d in decisions {
                    insert_decision_sql!(&mut *tx, d).db()?;
                }
                for e in events {
                    insert_event_sql!(&mut *tx, e).db()?;
                }
                tx.commit().await.db()?;
                Ok(())
            }

            async fn risk_decisions(
                &self,
                f: &DecisionFilter,
            ) -> Result<Vec<(i64, RiskDecision)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT seq, decision_id, tenant_id, bank_account_id, rule, outcome, inputs, decided_on \
                     FROM risk_decisions \
                     WHERE ($1 IS NULL OR tenant_id = $1) AND ($2 IS NULL OR bank_account_id = $2) \
                     AND ($3 IS NULL OR rule = $3) AND ($4 IS NULL OR outcome = $4) \
                     AND ($5 IS NULL OR decided_on >= $5) AND ($6 IS NULL OR decided_on < $6) \
                     AND ($7 IS NULL OR seq < $7) \
                     ORDER BY seq DESC LIMIT $8",
                )
                .bind(f.tenant_id.map(|t| t.to_string()))
                .bind(f.bank_account_id.map(|b| b.to_string()))
                .bind(f.rule.map(|r| r.as_str()))
                .bind(f.outcome.map(|o| o.as_str()))
                .bind(f.from.map(to_micros))
                .bind(f.to.map(to_micros))
                .bind(f.before)
                .bind(f.limit)
                .fetch_all(&self.pool)
                .await
                .db()?;
                rows.iter()
                    .map(|row| {
                        let bank_account: Option<String> = row.try_get("bank_account_id").db()?;
                        let inputs: String = row.try_get("inputs").db()?;
                        Ok((
                            row.try_get("seq").db()?,
                            RiskDecision {
                                decision_id: uuid(&row.try_get::<String, _>("decision_id").db()?)?,
                                tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?)?,
                                bank_account_id: bank_account.as_deref().map(uuid).transpose()?,
                                rule: enum_value(RiskRule::parse, "risk rule", &row.try_get::<String, _>("rule").db()?)?,
                                outcome: enum_value(RiskOutcome::parse, "risk outcome", &row.try_get::<String, _>("outcome").db()?)?,
                                inputs: serde_json::from_str(&inputs).map_err(|_| corrupt("risk inputs", &inputs))?,
                                decided_on: from_micros(row.try_get("decided_on").db()?),
                            },
                        ))
                    })
                    .collect()
            }

            async fn risk_decision_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT rule, outcome, COUNT(*) AS n FROM risk_decisions GROUP BY rule, outcome ORDER BY rule, outcome",
                )
                .fetch_all(&self.pool)
                .await
                .db()?;
                rows.iter()
                    .map(|row| Ok((row.try_get("rule").db()?, row.try_get("outcome").db()?, row.try_get("n").db()?)))
                    .collect()
            }

            async fn risk_decision_summary(
                &self,
                from: Timestamp,
                to: Timestamp,
            ) -> Result<Vec<DecisionCount>, StoreError> {
                let rows = sqlx::query(
                    "SELECT tenant_id, rule, outcome, COUNT(*) AS n FROM risk_decisions \
                     WHERE decided_on >= $1 AND decided_on < $2 \
                     GROUP BY tenant_id, rule, outcome ORDER BY tenant_id, rule, outcome",
                )
                .bind(to_micros(from))
                .bind(to_micros(to))
                .fetch_all(&self.pool)
                .await
                .db()?;
                rows.iter()
                    .map(|row| {
                        Ok(DecisionCount {
                            tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?)?,
                            rule: enum_value(RiskRule::parse, "risk rule", &row.try_get::<String, _>("rule").db()?)?,
                            outcome: enum_value(RiskOutcome::parse, "risk outcome", &row.try_get::<String, _>("outcome").db()?)?,
                            count: row.try_get("n").db()?,
                        })
                    })
                    .collect()
            }

            async fn tenant_risk(&self, tenant: Uuid) -> Result<TenantRisk, StoreError> {
                let row = sqlx::query(
                    "SELECT tenant_id, settings, paused_on, paused_rule FROM risk_tenants WHERE tenant_id = $1",
                )
                .bind(tenant.to_string())
                .fetch_optional(&self.pool)
                .await
                .db()?;
                match row {
                    Some(row) => Ok(Self::tenant_risk_from_row(&row)?.1),
                    None => Ok(TenantRisk::default()),
                }
            }

            async fn tenants_risk(&self) -> Result<Vec<(Uuid, TenantRisk)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT tenant_id, settings, paused_on, paused_rule FROM risk_tenants ORDER BY tenant_id",
                )
                .fetch_all(&self.pool)
                .await
                .db()?;
                rows.iter().map(Self::tenant_risk_from_row).collect()
            }

            async fn set_tenant_settings(
                &self,
                tenant: Uuid,
                settings: &serde_json::Value,
                audit: &AuditEntry,
            ) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO risk_tenants (tenant_id, settings, updated_on) VALUES ($1, $2, $3) \
                     ON CONFLICT (tenant_id) DO UPDATE SET settings = $2, updated_on = $3",
                )
                .bind(tenant.to_string())
                .bind(settings.to_string())
                .bind(to_micros(audit.at))
                .execute(&mut *tx)
                .await
                .db()?;
                insert_audit_sql!(&mut *tx, audit).db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(())
            }

            async fn pause_tenant(&self, p: &Pause) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO risk_tenants (tenant_id, settings, updated_on) VALUES ($1, '{}', $2) \
                     ON CONFLICT (tenant_id) DO NOTHING",
                )
                .bind(p.tenant_id.to_string())
                .bind(to_micros(p.at))
                .execute(&mut *tx)
                .await
                .db()?;
                let paused = sqlx::query(
                    "UPDATE risk_tenants SET paused_on = $1, paused_rule = $2, updated_on = $1 \
                     WHERE tenant_id = $3 AND paused_on IS NULL",
                )
                .bind(to_micros(p.at))
                .bind(&p.rule)
                .bind(p.tenant_id.to_string())
                .execute(&mut *tx)
                .await
                .db()?;
                if paused.rows_affected() == 0 {
                    return Ok(false);
                }
                if let Some(d) = &p.decision {
                    insert_decision_sql!(&mut *tx, d).db()?;
                }
                for e in &p.events {
                    insert_event_sql!(&mut *tx, e).db()?;
                }
                insert_audit_sql!(&mut *tx, &p.audit).db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(true)
            }

            async fn resume_tenant(
                &self,
                tenant: Uuid,
                audit: &AuditEntry,
                events: &[Event],
            ) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let resumed = sqlx::query(
                    "UPDATE risk_tenants SET paused_on = NULL, paused_rule = NULL, updated_on = $1 \
                     WHERE tenant_id = $2 AND paused_on IS NOT NULL",
                )
                .bind(to_micros(audit.at))
                .bind(tenant.to_string())
                .execute(&mut *tx)
                .await
                .db()?;
                if resumed.rows_affected() == 0 {
                    return Ok(false);
                }
                for e in events {
                    insert_event_sql!(&mut *tx, e).db()?;
                }
                insert_audit_sql!(&mut *tx, audit).db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(true)
            }

            async fn add_block(&self, b: &BlockEntry, audit: &AuditEntry) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let added = sqlx::query(
                    "INSERT INTO risk_blocklist (kind, value, reason, added_by, added_on) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, value) DO NOTHING",
                )
                .bind(b.kind.as_str())
                .bind(&b.value)
                .bind(&b.reason)
                .bind(&b.added_by)
                .bind(to_micros(b.added_on))
                .execute(&mut *tx)
                .await
                .db()?;
                if added.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_audit_sql!(&mut *tx, audit).db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(true)
            }

            async fn remove_block(
                &self,
                kind: BlockKind,
                value: &str,
                audit: &AuditEntry,
            ) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let removed = sqlx::query("DELETE FROM risk_blocklist WHERE kind = $1 AND value = $2")
                    .bind(kind.as_str())
                    .bind(value)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                if removed.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_audit_sql!(&mut *tx, audit).db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(true)
            }

            async fn blocklist(&self) -> Result<Vec<BlockEntry>, StoreError> {
                let rows = sqlx::query(
                    "SELECT kind, value, reason, added_by, added_on FROM risk_blocklist ORDER BY added_on, kind, value",
                )
                .fetch_all(&self.pool)
                .await
                .db()?;
                rows.iter().map(Self::block_from_row).collect()
            }

            async fn blocked(
                &self,
                routing: &str,
                fingerprint: &str,
            ) -> Result<Option<BlockEntry>, StoreError> {
                let row = sqlx::query(
                    "SELECT kind, value, reason, added_by, added_on FROM risk_blocklist \
                     WHERE (kind = 'routing' AND value = $1) OR (kind = 'fingerprint' AND value = $2) \
                     ORDER BY kind LIMIT 1",
                )
                .bind(routing)
                .bind(fingerprint)
                .fetch_optional(&self.pool)
                .await
                .db()?;
                row.as_ref().map(Self::block_from_row).transpose()
            }

            async fn unlock_bank_account(
                &self,
                change: &Change,
                unlocked_on: Timestamp,
                audit: &AuditEntry,
            ) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                Self::apply_in(&mut tx, change).await?;
                sqlx::query("UPDATE bank_accounts SET unlocked_on = $1 WHERE bank_account_id = $2")
                    .bind(to_micros(unlocked_on))
                    .bind(change.bank_account_id.to_string())
                    .execute(&mut *tx)
                    .await
                    .db()?;
                insert_audit_sql!(&mut *tx, audit).db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(())
            }

            async fn record_audit(&self, audit: &AuditEntry) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                insert_audit_sql!(&mut *tx, audit).db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(())
            }

            async fn audit_trail(
                &self,
                from: Timestamp,
                to: Timestamp,
            ) -> Result<Vec<(i64, AuditEntry)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT seq, audit_id, action, tenant_id, subject, actor, reason, details, at \
                     FROM risk_audit WHERE at >= $1 AND at < $2 ORDER BY seq",
                )
                .bind(to_micros(from))
                .bind(to_micros(to))
                .fetch_all(&self.pool)
                .await
                .db()?;
                rows.iter()
                    .map(|row| {
                        let tenant: Option<String> = row.try_get("tenant_id").db()?;
                        let details: String = row.try_get("details").db()?;
                        Ok((
                            row.try_get("seq").db()?,
                            AuditEntry {
                                audit_id: uuid(&row.try_get::<String, _>("audit_id").db()?)?,
                                action: enum_value(AuditAction::parse, "audit action", &row.try_get::<String, _>("action").db()?)?,
                                tenant_id: tenant.as_deref().map(uuid).transpose()?,
                                subject: row.try_get("subject").db()?,
                                actor: row.try_get("actor").db()?,
                                reason: row.try_get("reason").db()?,
                                details: serde_json::from_str(&details).map_err(|_| corrupt("audit details", &details))?,
                                at: from_micros(row.try_get("at").db()?),
                            },
                        ))
                    })
                    .collect()
            }

            async fn verifications_since(&self, tenant: Uuid, since: Timestamp) -> Result<i64, StoreError> {
                sqlx::query_scalar("SELECT COUNT(*) FROM verifications WHERE tenant_id = $1 AND created_on >= $2")
                    .bind(tenant.to_string())
                    .bind(to_micros(since))
                    .fetch_one(&self.pool)
                    .await
                    .db()
            }

            async fn fingerprint_uses(
                &self,
                fingerprint: &str,
                since: Timestamp,
            ) -> Result<Vec<FingerprintUse>, StoreError> {
                let rows = sqlx::query(
                    "SELECT b.tenant_id, b.bank_account_id, b.holder_name FROM bank_accounts b \
                     WHERE b.fingerprint = $1 AND (b.created_on >= $2 OR EXISTS ( \
                       SELECT 1 FROM verifications v WHERE v.bank_account_id = b.bank_account_id AND v.created_on >= $2)) \
                     ORDER BY b.created_on",
                )
                .bind(fingerprint)
                .bind(to_micros(since))
                .fetch_all(&self.pool)
                .await
                .db()?;
                rows.iter()
                    .map(|row| {
                        Ok(FingerprintUse {
                            tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?)?,
                            bank_account_id: uuid(&row.try_get::<String, _>("bank_account_id").db()?)?,
                            holder_name: row.try_get("holder_name").db()?,
                        })
                    })
                    .collect()
            }

            async fn return_volumes(
                &self,
                tenant: Option<Uuid>,
                from: Timestamp,
                to: Timestamp,
            ) -> Result<Vec<(Uuid, ReturnVolumes)>, StoreError> {
                let tenant = tenant.map(|t| t.to_string());
                let forward = sqlx::query(
                    "SELECT e.tenant_id, \
                     CAST(COALESCE(SUM(CASE WHEN e.is_credit THEN 0 ELSE 1 END), 0) AS BIGINT) AS debits, \
                     CAST(COALESCE(SUM(CASE WHEN e.is_credit THEN 1 ELSE 0 END), 0) AS BIGINT) AS credits \
                     FROM ach_entries e JOIN ach_files f ON f.file_id = e.file_id \
                     WHERE f.created_on >= $1 AND f.created_on < $2 AND ($3 IS NULL OR e.tenant_id = $3) \
                     GROUP BY e.tenant_id",
                )
                .bind(to_micros(from))
                .bind(to_micros(to))
                .bind(&tenant)
                .fetch_all(&self.pool)
                .await
                .db()?;
                let returns = sqlx::query(
                    "SELECT tenant_id, return_code, is_credit, COUNT(*) AS n FROM ach_entries \
                     WHERE return_code IS NOT NULL AND returned_on >= $1 AND returned_on < $2 \
                     AND ($3 IS NULL OR tenant_id = $3) \
                     GROUP BY tenant_id, return_code, is_credit ORDER BY tenant_id, return_code",
                )
                .bind(to_micros(from))
                .bind(to_micros(to))
                .bind(&tenant)
                .fetch_all(&self.pool)
                .await
                .db()?;
                let mut out: std::collections::BTreeMap<Uuid, ReturnVolumes> = Default::default();
                for row in &forward {
                    let v = out.entry(uuid(&row.try_get::<String, _>("tenant_id").db()?)?).or_default();
                    v.forward_debits = row.try_get("debits").db()?;
                    v.forward_credits = row.try_get("credits").db()?;
                }
                for row in &returns {
                    let v = out.entry(uuid(&row.try_get::<String, _>("tenant_id").db()?)?).or_default();
                    let is_credit: bool = row.try_get("is_credit").db()?;
                    v.returns.push((row.try_get("return_code").db()?, !is_credit, row.try_get("n").db()?));
                }
                Ok(out.into_iter().collect())
            }
        }

        #[async_trait]
        impl LinkStore for $store {
            async fn insert_link(&self, l: &VerificationLink) -> Result<(), StoreError> {
                let sql = format!(
                    "INSERT INTO verification_links ({LINK_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                );
                sqlx::query(&sql)
                    .bind(l.link_id.to_string())
                    .bind(&l.token_hash)
                    .bind(l.tenant_id.to_string())
                    .bind(l.mode.as_str())
                    .bind(l.account_id.to_string())
                    .bind(l.bank_account_id.map(|id| id.to_string()))
                    .bind(l.kind.as_str())
                    .bind(to_micros(l.created_on))
                    .bind(to_micros(l.expires_on))
                    .bind(l.revoked_on.map(to_micros))
                    .execute(&self.writer)
                    .await.db()?;
                Ok(())
            }

            async fn link_by_token_hash(&self, token_hash: &str) -> Result<Option<VerificationLink>, StoreError> {
                let sql = format!("SELECT {LINK_COLUMNS} FROM verification_links WHERE token_hash = $1");
                let row = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await.db()?;
                row.as_ref().map(Self::link_from_row).transpose()
            }

            async fn link(&self, tenant: Uuid, link_id: Uuid) -> Result<Option<VerificationLink>, StoreError> {
                let sql = format!(
                    "SELECT {LINK_COLUMNS} FROM verification_links WHERE link_id = $1 AND tenant_id = $2"
                );
                let row = sqlx::query(&sql)
                    .bind(link_id.to_string())
                    .bind(tenant.to_string())
                    .fetch_optional(&self.pool)
                    .await.db()?;
                row.as_ref().map(Self::link_from_row).transpose()
            }

            async fn revoke_link(&self, tenant: Uuid, link_id: Uuid, at: Timestamp) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE verification_links SET revoked_on = $1 \
                     WHERE link_id = $2 AND tenant_id = $3 AND revoked_on IS NULL",
                )
                .bind(to_micros(at))
                .bind(link_id.to_string())
                .bind(tenant.to_string())
                .execute(&mut *tx)
                .await.db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(done.rows_affected() == 1)
            }

            async fn bind_link(&self, link_id: Uuid, bank_account_id: Uuid) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE verification_links SET bank_account_id = $1 \
                     WHERE link_id = $2 AND bank_account_id IS NULL",
                )
                .bind(bank_account_id.to_string())
                .bind(link_id.to_string())
                .execute(&self.writer)
                .await.db()?;
                Ok(done.rows_affected() == 1)
            }

            async fn put_branding(&self, b: &Branding) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO tenant_branding \
                     (tenant_id, company_name, logo_url, brand_color, support_contact, updated_on) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (tenant_id) DO UPDATE SET company_name = excluded.company_name, \
                     logo_url = excluded.logo_url, brand_color = excluded.brand_color, \
                     support_contact = excluded.support_contact, updated_on = excluded.updated_on",
                )
                .bind(b.tenant_id.to_string())
                .bind(&b.company_name)
                .bind(&b.logo_url)
                .bind(&b.brand_color)
                .bind(&b.support_contact)
                .bind(to_micros(b.updated_on))
                .execute(&mut *tx)
                .await.db()?;
                Self::mark_claim_in(&mut tx).await?;
                tx.commit().await.db()?;
                Ok(())
            }

            async fn branding(&self, tenant: Uuid) -> Result<Option<Branding>, StoreError> {
                let row = sqlx::query(
                    "SELECT tenant_id, company_name, logo_url, brand_color, support_contact, updated_on \
                     FROM tenant_branding WHERE tenant_id = $1",
                )
                .bind(tenant.to_string())
                .fetch_optional(&self.pool)
                .await.db()?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(Branding {
                    tenant_id: uuid(&row.try_get::<String, _>("tenant_id").db()?)?,
                    company_name: row.try_get("company_name").db()?,
                    logo_url: row.try_get("logo_url").db()?,
                    brand_color: row.try_get("brand_color").db()?,
                    support_contact: row.try_get("support_contact").db()?,
                    updated_on: from_micros(row.try_get("updated_on").db()?),
                }))
            }
        }

    };
}

macro_rules! insert_decision_sql {
    ($exec:expr, $d:expr) => {{
        let d: &RiskDecision = $d;
        sqlx::query(
            "INSERT INTO risk_decisions (decision_id, tenant_id, bank_account_id, rule, outcome, inputs, decided_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(d.decision_id.to_string())
        .bind(d.tenant_id.to_string())
        .bind(d.bank_account_id.map(|b| b.to_string()))
        .bind(d.rule.as_str())
        .bind(d.outcome.as_str())
        .bind(d.inputs.to_string())
        .bind(to_micros(d.decided_on))
        .execute($exec)
        .await
        .map(|_| ())
    }};
}

macro_rules! insert_audit_sql {
    ($exec:expr, $a:expr) => {{
        let a: &AuditEntry = $a;
        sqlx::query(
            "INSERT INTO risk_audit (audit_id, action, tenant_id, subject, actor, reason, details, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(a.audit_id.to_string())
        .bind(a.action.as_str())
        .bind(a.tenant_id.map(|t| t.to_string()))
        .bind(&a.subject)
        .bind(&a.actor)
        .bind(&a.reason)
        .bind(a.details.to_string())
        .bind(to_micros(a.at))
        .execute($exec)
        .await
        .map(|_| ())
    }};
}

macro_rules! insert_event_sql {
    ($exec:expr, $e:expr) => {{
        let e: &Event = $e;
        let inserted = sqlx::query(
            "INSERT INTO events (event_id, tenant_id, event_type, data, created_on) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(e.event_id.to_string())
        .bind(e.tenant_id.to_string())
        .bind(&e.event_type)
        .bind(e.data.to_string())
        .bind(to_micros(e.created_on))
        .execute($exec)
        .await;
        let fan_out = fan_out_sql(1);
        match inserted {
            Ok(_) => sqlx::query(&fan_out)
                .bind(e.event_id.to_string())
                .execute($exec)
                .await
                .map(|_| ()),
            Err(err) => Err(err),
        }
    }};
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
                    db_error(e)
                }
            })
    }};
}

macro_rules! insert_api_key_sql {
    ($exec:expr, $k:expr) => {{
        let k: &ApiKey = $k;
        let sql = format!(
            "INSERT INTO api_keys ({API_KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        );
        sqlx::query(&sql)
            .bind(&k.public_key)
            .bind(&k.secret_hash)
            .bind(&k.name)
            .bind(k.account_id.to_string())
            .bind(k.mode.as_str())
            .bind(to_micros(k.created_on))
            .bind(k.revoked_on.map(to_micros))
            .bind(k.operator)
            .execute($exec)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict(format!("API key {}", k.public_key))
                } else {
                    db_error(e)
                }
            })
    }};
}

sql_store!(
    SqliteStore,
    sqlx::Sqlite,
    sqlx::sqlite::SqliteRow,
    Backend::Sqlite
);
sql_store!(
    PostgresStore,
    sqlx::Postgres,
    sqlx::postgres::PgRow,
    Backend::Postgres
);
