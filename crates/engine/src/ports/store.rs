//! The storage ports: what the engine (and the rails beside it) need from a database, split by
//! concern. `pennydrop-store` implements every one of them for SQLite and PostgreSQL and checks
//! them with one conformance suite; [`Store`] is the whole set, as one object.
//!
//! Every method is one durable transaction: when it returns `Ok`, the change is committed.

use async_trait::async_trait;
use jiff::Timestamp;
use pennydrop_core::change::{Change, Snapshot};
use pennydrop_core::model::{
    AccessToken, Account, AccountType, AchEntry, AchFile, AchFileStatus, ApiKey, BankAccount,
    Event, FileEntry, HeldEntry, InboundFile, InstantCredit, NocRecord, StatementLine,
};
use std::ops::ControlFlow;
use thiserror::Error;
use uuid::Uuid;

use crate::idempotency::{Claim, IdempotencyRecord, KeyId};
use crate::links::{Branding, VerificationLink};
use pennydrop_core::risk::{
    AuditEntry, BlockEntry, BlockKind, RiskDecision, RiskOutcome, RiskRule, TenantRisk,
};
use pennydrop_core::webhooks::{Delivery, Webhook};

/// A failure from the database driver, kept as its source.
pub type BackendError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[source] BackendError),
    #[error("migration failed: {0}")]
    Migrate(#[source] BackendError),
    #[error("stored row is corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("{0} already exists")]
    Conflict(String),
    /// The bank account changed since it was read; re-read and decide again.
    #[error("the bank account changed concurrently")]
    Stale,
    /// The request's idempotency reservation was taken over by another request (its lease ran
    /// out); nothing was written.
    #[error("the idempotency key's reservation was taken over by another request")]
    Fenced,
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
    pub account_type: Option<AccountType>,
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

/// One enrollment, written in one transaction: an account opened for it (if it had none), a
/// bank account linked (if it was not linked yet, with its `bankAccount.created` event), and
/// the first decision about that bank account (the micro-deposit round it starts).
#[derive(Debug, Clone, PartialEq)]
pub struct Enrollment {
    pub open_account: Option<Account>,
    pub link: Option<(BankAccount, Event)>,
    pub change: Change,
}

/// Tenants, API keys and access tokens.
#[async_trait]
pub trait KeyStore: Send + Sync + std::fmt::Debug {
    /// Creates a tenant: its facilitator account and its first API key, atomically.
    async fn create_tenant(&self, facilitator: &Account, key: &ApiKey) -> Result<(), StoreError>;

    /// Adds another key to an existing tenant.
    async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError>;

    async fn api_key(&self, public_key: &str) -> Result<Option<ApiKey>, StoreError>;

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;

    /// Marks a key revoked; its access tokens stop working with it. False if no such live key.
    async fn revoke_api_key(&self, public_key: &str, at: Timestamp) -> Result<bool, StoreError>;

    async fn count_api_keys(&self) -> Result<i64, StoreError>;

    /// Marks a key as an operator key (admin API). False if there is no such key.
    async fn set_operator(&self, public_key: &str, operator: bool) -> Result<bool, StoreError>;

    async fn insert_access_token(&self, token: &AccessToken) -> Result<(), StoreError>;

    /// The token and the key it was issued to, if both exist (revocation is checked by callers
    /// through `ApiKey::revoked_on`).
    async fn access_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(AccessToken, ApiKey)>, StoreError>;

    /// Moves a token's expiry (sliding sessions such as MX Nexus's). False if no such token.
    async fn touch_access_token(
        &self,
        token_hash: &str,
        expires_on: Timestamp,
    ) -> Result<bool, StoreError>;
}

/// Accounts and the bank accounts linked to them.
#[async_trait]
pub trait AccountStore: Send + Sync + std::fmt::Debug {
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

    /// Inserts the bank account (with its `bankAccount.created` event) unless an active one with
    /// the same fingerprint exists on the same account, in which case that one is returned
    /// unchanged and no event is written.
    async fn link_bank_account(
        &self,
        bank_account: &BankAccount,
        created_event: &Event,
    ) -> Result<LinkOutcome, StoreError>;

    /// Writes an enrollment in one transaction. `StoreError::Stale` if the bank account's
    /// version moved, `StoreError::Conflict` if the account or bank account it opens appeared
    /// meanwhile; nothing is written in either case.
    async fn enroll(&self, enrollment: &Enrollment) -> Result<(), StoreError>;

    async fn bank_account(
        &self,
        tenant: Uuid,
        account_id: Uuid,
        bank_account_id: Uuid,
    ) -> Result<Option<BankAccount>, StoreError>;

    /// The tenant's active bank accounts with this fingerprint (the same routing and account
    /// number), oldest first.
    async fn bank_accounts_with_fingerprint(
        &self,
        tenant: Uuid,
        fingerprint: &str,
    ) -> Result<Vec<BankAccount>, StoreError>;

    /// The operator's lookup across tenants (disabled ones included): bank accounts whose
    /// account number ends in these four digits, or with this fingerprint; the newest first,
    /// at most `limit`.
    async fn find_bank_accounts(
        &self,
        lookup: &BankAccountLookup,
        limit: i64,
    ) -> Result<Vec<BankAccount>, StoreError>;

    /// Active (not disabled) bank accounts of an account, oldest first.
    async fn list_bank_accounts(
        &self,
        tenant: Uuid,
        account_id: Uuid,
    ) -> Result<Vec<BankAccount>, StoreError>;

    /// Disables an active bank account, cancels its unsent money movements and records a
    /// `bankAccount.deleted` event. None if there was no such active bank account.
    async fn disable_bank_account(
        &self,
        tenant: Uuid,
        account_id: Uuid,
        bank_account_id: Uuid,
        at: Timestamp,
        event: &Event,
    ) -> Result<Option<BankAccount>, StoreError>;

    /// Writes the account's display name, profile, metadata, foreign ID and `updated_on` if it
    /// is connected and its stored `updated_on` is still `expected_updated_on` (compare and
    /// set). False, and nothing written, otherwise.
    async fn update_account(
        &self,
        account: &Account,
        expected_updated_on: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Disconnects a connected account in one transaction: marks it disconnected (no read
    /// finds it afterwards) and disables each bank account in `deleted` as
    /// [`AccountStore::disable_bank_account`] does, with its event. False if there was no such
    /// connected account; `StoreError::Conflict`, and nothing written, if the account's active
    /// bank accounts are not exactly those in `deleted`.
    async fn disconnect_account(
        &self,
        tenant: Uuid,
        account_id: Uuid,
        at: Timestamp,
        deleted: &[(Uuid, Event)],
    ) -> Result<bool, StoreError>;
}

/// Verification rounds and the instant credits they send.
#[async_trait]
pub trait VerificationStore: Send + Sync + std::fmt::Debug {
    /// An active bank account of the tenant with all its verification rounds.
    async fn snapshot(
        &self,
        tenant: Uuid,
        account_id: Uuid,
        bank_account_id: Uuid,
    ) -> Result<Option<Snapshot>, StoreError>;

    /// The same, by bank account ID alone (for background work).
    async fn snapshot_by_id(&self, bank_account_id: Uuid) -> Result<Option<Snapshot>, StoreError>;

    /// [`snapshot_by_id`](Self::snapshot_by_id) for many bank accounts in two queries, in no
    /// particular order; disabled or unknown ones are left out.
    async fn snapshots_by_ids(
        &self,
        bank_account_ids: &[Uuid],
    ) -> Result<Vec<Snapshot>, StoreError>;

    /// Applies a decision atomically. `StoreError::Stale` if the bank account's version moved.
    async fn apply(&self, change: &Change) -> Result<(), StoreError>;

    /// Applies several decisions (on different bank accounts) in one transaction: all of them or,
    /// with `StoreError::Stale` when any bank account's version moved, none. One commit for a
    /// chunk of a returns file instead of one per return.
    async fn apply_all(&self, changes: &[Change]) -> Result<(), StoreError>;

    /// Bank accounts with an active verification whose expiry is at or before `now`.
    async fn due_expirations(&self, now: Timestamp, limit: i64) -> Result<Vec<Uuid>, StoreError>;

    /// Instant credits still to send: pending ones, and submitted ones not answered since
    /// `stale_before` (their rail call may have been cut off by a crash).
    async fn open_instant_credits(
        &self,
        stale_before: Timestamp,
        limit: i64,
    ) -> Result<Vec<InstantCredit>, StoreError>;

    /// Marks a credit submitted unless another worker holds a fresh claim, and says what the
    /// claimer must do: send a credit that was pending, or ask about one submitted before
    /// `stale_before` whose answer never arrived. `None` when not claimed.
    async fn claim_instant_credit(
        &self,
        credit_id: Uuid,
        now: Timestamp,
        stale_before: Timestamp,
    ) -> Result<Option<CreditClaim>, StoreError>;

    async fn instant_credit(&self, credit_id: Uuid) -> Result<Option<InstantCredit>, StoreError>;
}

/// ACH origination (entries, cutoffs, files) and inbound files (returns, NOCs).
#[async_trait]
pub trait AchStore: Send + Sync + std::fmt::Debug {
    /// ACH entries of a bank account, oldest first.
    async fn ach_entries_for(&self, bank_account_id: Uuid) -> Result<Vec<AchEntry>, StoreError>;

    /// Every pending entry due by `due_by` with its bank-account details (`trace_seq` 0), by
    /// verification: what a cutoff checks before it claims. Read outside any transaction and
    /// handed to `visit` one at a time as the rows arrive (`Break` stops early).
    async fn each_due_entry(
        &self,
        due_by: Timestamp,
        visit: &mut (dyn FnMut(FileEntry) -> ControlFlow<()> + Send),
    ) -> Result<(), StoreError>;

    /// Entries held back at cutoffs, the newest first.
    async fn held_entries(&self, limit: i64) -> Result<Vec<HeldEntry>, StoreError>;

    /// The cutoff's one transaction: serialized against every other cutoff (in any process),
    /// it puts every pending entry due by `claim.due_by` into a new file with fresh trace
    /// sequences, marks their verifications sent, and remembers the window. None if nothing
    /// was due (the window is still remembered). Held entries are not pending: never claimed.
    async fn claim_cutoff(&self, claim: &CutoffClaim) -> Result<Option<AchFile>, StoreError>;

    /// The last scheduled window a cutoff ran for.
    async fn last_window_at(&self) -> Result<Option<Timestamp>, StoreError>;

    /// A file's entries with their bank-account details, in trace order.
    async fn file_entries(&self, file_id: Uuid) -> Result<Vec<FileEntry>, StoreError>;

    /// [`file_entries`](Self::file_entries) one at a time, as the rows arrive, without holding
    /// them: `visit` returns `Break` to stop early.
    async fn each_file_entry(
        &self,
        file_id: Uuid,
        visit: &mut (dyn FnMut(FileEntry) -> ControlFlow<()> + Send),
    ) -> Result<(), StoreError>;

    /// Stores a file's NACHA text and its totals unless it already has a text. True if this
    /// call stored it. (The claim cannot sum sealed micro-deposit amounts; the builder can.)
    async fn store_file_content(
        &self,
        file_id: Uuid,
        content: &str,
        totals: FileTotals,
    ) -> Result<bool, StoreError>;

    async fn file_content(&self, file_id: Uuid) -> Result<Option<String>, StoreError>;

    async fn mark_file(
        &self,
        file_id: Uuid,
        status: AchFileStatus,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Makes `writer` the writer of an assembled file if it already is, or if the file was
    /// claimed before `stale_before` (its claimer is presumed dead). True if `writer` may
    /// write it.
    async fn take_file(
        &self,
        file_id: Uuid,
        writer: &str,
        stale_before: Timestamp,
    ) -> Result<bool, StoreError>;

    async fn set_delivery_error(
        &self,
        file_id: Uuid,
        error: Option<&str>,
    ) -> Result<(), StoreError>;

    /// Files in a status, oldest first.
    async fn files_in_status(&self, status: AchFileStatus) -> Result<Vec<AchFile>, StoreError>;

    /// The newest files first.
    async fn list_files(&self, limit: i64) -> Result<Vec<AchFile>, StoreError>;

    async fn ach_file(&self, file_id: Uuid) -> Result<Option<AchFile>, StoreError>;

    /// The most recent entry whose trace sequence ends in `seq7` (the trace number's last 7
    /// digits), with its full trace sequence.
    async fn entry_by_trace(&self, seq7: i64) -> Result<Option<(AchEntry, i64)>, StoreError>;

    /// [`entry_by_trace`](Self::entry_by_trace) for many trace sequences: one result per
    /// `seq7`, in the same order (`None` where no entry has it), a query per wrap of the
    /// sequence instead of two per entry, each with the return code the entry already has.
    async fn entries_by_traces(
        &self,
        seq7s: &[i64],
    ) -> Result<Vec<Option<TracedEntry>>, StoreError>;

    /// Records returns, `(entry ID, code)`, on entries whose bank account was disabled after
    /// they left: nothing else changes (there is no bank account to decide on), but the entry
    /// is returned and counts toward its tenant's return rate. An entry that already has a
    /// return keeps it.
    async fn record_returns_of_disabled(
        &self,
        returns: &[(Uuid, String)],
        at: Timestamp,
    ) -> Result<(), StoreError>;

    async fn inbound_seen(&self, sha256: &str) -> Result<bool, StoreError>;

    async fn record_inbound(&self, file: &InboundFile) -> Result<(), StoreError>;

    /// The newest inbound files first.
    async fn list_inbound(&self, limit: i64) -> Result<Vec<InboundFile>, StoreError>;

    async fn nocs_for(&self, bank_account_id: Uuid) -> Result<Vec<NocRecord>, StoreError>;

    /// Notifications of change across tenants, the newest first, at most `limit`.
    async fn recent_nocs(&self, limit: i64) -> Result<Vec<NocRecord>, StoreError>;

    /// Entries the bank returned, across tenants, the newest return first, at most `limit`.
    async fn returned_entries(&self, limit: i64) -> Result<Vec<ReturnedEntry>, StoreError>;

    /// Forward and returned micro-entries per tenant (Nacha's phase-2 monitoring).
    async fn micro_entry_counts(&self) -> Result<Vec<MicroEntryCounts>, StoreError>;

    /// Entries waiting for a cutoff, ACH files by status and inbound files by status.
    async fn operations_counts(&self) -> Result<OperationsCounts, StoreError>;
}

/// The events outbox (what webhooks deliver).
#[async_trait]
pub trait EventStore: Send + Sync + std::fmt::Debug {
    /// The tenant's outbox events after sequence number `after`, oldest first.
    async fn events(
        &self,
        tenant: Uuid,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, Event)>, StoreError>;
}

/// The simulated bank's own books: statements of the accounts it holds and the outbox files
/// it has read. Nothing in the product reads them; they stand in for a real bank's records.
#[async_trait]
pub trait SimulatorStore: Send + Sync + std::fmt::Debug {
    /// Posts a line to a simulated account's statement; false if its reference was already posted.
    async fn simulator_post(&self, line: &StatementLine) -> Result<bool, StoreError>;

    /// A simulated account's statement, oldest first.
    async fn simulator_statement(
        &self,
        fingerprint: &str,
    ) -> Result<Vec<StatementLine>, StoreError>;

    /// Whether the simulated bank has read an outbox file.
    async fn simulator_file_was_read(&self, file_name: &str) -> Result<bool, StoreError>;

    /// Records that the simulated bank read an outbox file; false if it already had.
    async fn simulator_mark_file_read(
        &self,
        file_name: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
}

/// Idempotency records (see [`crate::idempotency`]). Besides these methods, every write
/// transaction of the other ports marks the current request's reservation committed
/// ([`crate::idempotency::current_claim`]), fenced by its owner: if the reservation is no longer
/// the caller's, the transaction fails with [`StoreError::Fenced`] and writes nothing.
#[async_trait]
pub trait IdempotencyStore: Send + Sync + std::fmt::Debug {
    async fn idempotency_record(&self, id: &KeyId)
        -> Result<Option<IdempotencyRecord>, StoreError>;

    /// Inserts a new reservation, replacing an expired record of the same key. False if a
    /// live record exists (another request got there first).
    async fn reserve_idempotency(
        &self,
        record: &IdempotencyRecord,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Hands an in-flight reservation whose lease ran out from `from` to `record.owner`.
    /// False if it is no longer `from`'s or no longer in flight.
    async fn take_over_idempotency(
        &self,
        record: &IdempotencyRecord,
        from: &str,
    ) -> Result<bool, StoreError>;

    /// Stores the sealed answer of the claim's request (state `done`). False if the claim no
    /// longer holds the key.
    async fn finish_idempotency(&self, claim: &Claim, sealed: &str) -> Result<bool, StoreError>;

    /// Forgets a reservation under which nothing was committed.
    async fn release_idempotency(&self, claim: &Claim) -> Result<(), StoreError>;

    /// Deletes records that expired before `now`; how many.
    async fn purge_idempotency(&self, now: Timestamp) -> Result<u64, StoreError>;
}

/// Webhook endpoints and their deliveries. Deliveries are made by the store itself: writing an
/// event (in any transaction) also queues one delivery per enabled webhook of its tenant that
/// subscribes to its type, so events written before a webhook existed never reach it.
#[async_trait]
pub trait WebhookStore: Send + Sync + std::fmt::Debug {
    async fn insert_webhook(&self, webhook: &Webhook) -> Result<(), StoreError>;

    /// The tenant's webhook, unless deleted.
    async fn webhook(&self, tenant: Uuid, webhook_id: Uuid) -> Result<Option<Webhook>, StoreError>;

    /// The tenant's webhooks, oldest first.
    async fn list_webhooks(&self, tenant: Uuid) -> Result<Vec<Webhook>, StoreError>;

    async fn update_webhook(&self, webhook: &Webhook) -> Result<(), StoreError>;

    /// Deletes a webhook and drops its undelivered deliveries. False if there was none.
    async fn delete_webhook(
        &self,
        tenant: Uuid,
        webhook_id: Uuid,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// A webhook's newest deliveries first.
    async fn deliveries(
        &self,
        tenant: Uuid,
        webhook_id: Uuid,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Makes a webhook's deliveries of events since `since` (or of one event) pending again,
    /// due `now`. How many.
    async fn replay_deliveries(
        &self,
        webhook_id: Uuid,
        since: Option<Timestamp>,
        event_id: Option<Uuid>,
        now: Timestamp,
    ) -> Result<u64, StoreError>;

    /// Leases up to `limit` pending deliveries due at `now` of enabled webhooks to `owner`
    /// until `lease_until` (each delivery is leased to one process at a time; an expired lease
    /// is taken over), oldest event first, with their webhook and event.
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        owner: &str,
        limit: i64,
    ) -> Result<Vec<(Delivery, Webhook, Event)>, StoreError>;

    /// Records an attempt's outcome and releases the lease (only `owner`'s); `disable` turns
    /// the webhook off with that reason. False if the lease was no longer `owner`'s.
    async fn record_delivery(
        &self,
        delivery: &Delivery,
        owner: &str,
        disable: Option<&str>,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// The deliveries still to be sent (pending, of enabled webhooks, every tenant) and when
    /// the oldest one's event was written.
    async fn webhook_backlog(&self) -> Result<WebhookBacklog, StoreError>;
}

/// What operators graph about webhooks: deliveries waiting to be sent and the oldest one's
/// event time. Deliveries of a disabled webhook wait for its tenant, not for us: not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookBacklog {
    pub pending: i64,
    pub oldest: Option<Timestamp>,
}

/// Narrowing and paging of the recorded risk decisions (newest first; `before` is a `seq`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecisionFilter {
    pub tenant_id: Option<Uuid>,
    pub bank_account_id: Option<Uuid>,
    pub rule: Option<RiskRule>,
    pub outcome: Option<RiskOutcome>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub before: Option<i64>,
    pub limit: i64,
}

/// How many decisions one rule made with one outcome for one tenant in a period (the
/// annual-review report's rule hits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionCount {
    pub tenant_id: Uuid,
    pub rule: RiskRule,
    pub outcome: RiskOutcome,
    pub count: i64,
}

/// A bank account with a given fingerprint, as the cross-tenant rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerprintUse {
    pub tenant_id: Uuid,
    pub bank_account_id: Uuid,
    pub holder_name: String,
}

/// A tenant's ACH volumes over a period: forward entries by direction (by the day their file
/// was created) and returns by code and direction (by the day the return was applied).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnVolumes {
    pub forward_debits: i64,
    pub forward_credits: i64,
    /// (return code, was the returned entry a debit, how many)
    pub returns: Vec<(String, bool, i64)>,
}

/// A pause of a tenant's new origination, with what is written beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pause {
    pub tenant_id: Uuid,
    pub rule: String,
    pub at: Timestamp,
    pub decision: Option<RiskDecision>,
    pub events: Vec<Event>,
    pub audit: AuditEntry,
}

/// Risk controls: recorded decisions, blocklist, tenant settings and pauses, the audit trail,
/// and the counts the rules read.
#[async_trait]
pub trait RiskStore: Send + Sync + std::fmt::Debug {
    /// Records decisions and their events in one transaction.
    async fn record_risk_decisions(
        &self,
        decisions: &[RiskDecision],
        events: &[Event],
    ) -> Result<(), StoreError>;

    /// Recorded decisions with their `seq`, newest first.
    async fn risk_decisions(
        &self,
        filter: &DecisionFilter,
    ) -> Result<Vec<(i64, RiskDecision)>, StoreError>;

    /// How many decisions each (rule, outcome) pair has, for the metrics.
    async fn risk_decision_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError>;

    /// How many decisions each (tenant, rule, outcome) has with `decided_on` in `[from, to)`,
    /// ordered by tenant, rule and outcome.
    async fn risk_decision_summary(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<DecisionCount>, StoreError>;

    /// A tenant's settings overrides and pause (defaults when it has none).
    async fn tenant_risk(&self, tenant: Uuid) -> Result<TenantRisk, StoreError>;

    /// Every tenant with settings or a pause.
    async fn tenants_risk(&self) -> Result<Vec<(Uuid, TenantRisk)>, StoreError>;

    /// Replaces a tenant's settings overrides, with the audit entry, in one transaction.
    async fn set_tenant_settings(
        &self,
        tenant: Uuid,
        settings: &serde_json::Value,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Pauses a tenant unless it is paused already (then writes nothing and returns false).
    async fn pause_tenant(&self, pause: &Pause) -> Result<bool, StoreError>;

    /// Lifts a tenant's pause (false, writing nothing, if it was not paused).
    async fn resume_tenant(
        &self,
        tenant: Uuid,
        audit: &AuditEntry,
        events: &[Event],
    ) -> Result<bool, StoreError>;

    /// Adds a blocklist entry with its audit entry; false (writing nothing) if it is there.
    async fn add_block(&self, entry: &BlockEntry, audit: &AuditEntry) -> Result<bool, StoreError>;

    /// Removes a blocklist entry with its audit entry; false (writing nothing) if absent.
    async fn remove_block(
        &self,
        kind: BlockKind,
        value: &str,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;

    async fn blocklist(&self) -> Result<Vec<BlockEntry>, StoreError>;

    /// The entry blocking this routing number or fingerprint, if any.
    async fn blocked(
        &self,
        routing: &str,
        fingerprint: &str,
    ) -> Result<Option<BlockEntry>, StoreError>;

    /// Appends to the audit trail on its own.
    async fn record_audit(&self, audit: &AuditEntry) -> Result<(), StoreError>;

    /// An operator's unlock, in one transaction: applies `change` (compare-and-set on the bank
    /// account's version, its status and `bankAccount.updated` event), sets the bank account's
    /// `unlocked_on`, and appends `audit`. `Stale` if the bank account moved meanwhile.
    async fn unlock_bank_account(
        &self,
        change: &Change,
        unlocked_on: Timestamp,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// The audit trail between two instants, oldest first.
    async fn audit_trail(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(i64, AuditEntry)>, StoreError>;

    /// Verifications the tenant initiated at or after `since`.
    async fn verifications_since(&self, tenant: Uuid, since: Timestamp) -> Result<i64, StoreError>;

    /// Bank accounts (any tenant, disabled ones too) with this fingerprint that were linked or
    /// had a verification initiated at or after `since`.
    async fn fingerprint_uses(
        &self,
        fingerprint: &str,
        since: Timestamp,
    ) -> Result<Vec<FingerprintUse>, StoreError>;

    /// ACH volumes per tenant in `[from, to)` (one tenant, or every tenant with any).
    async fn return_volumes(
        &self,
        tenant: Option<Uuid>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(Uuid, ReturnVolumes)>, StoreError>;
}

/// Verification links (the holder page) and each tenant's branding.
#[async_trait]
pub trait LinkStore: Send + Sync + std::fmt::Debug {
    async fn insert_link(&self, link: &VerificationLink) -> Result<(), StoreError>;

    /// The link whose token hashes to `token_hash`, whatever its state.
    async fn link_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<VerificationLink>, StoreError>;

    /// The link if it belongs to `tenant`.
    async fn link(
        &self,
        tenant: Uuid,
        link_id: Uuid,
    ) -> Result<Option<VerificationLink>, StoreError>;

    /// Marks a link revoked. False if there is no such unrevoked link of the tenant.
    async fn revoke_link(
        &self,
        tenant: Uuid,
        link_id: Uuid,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Binds a collect link to the bank account its holder entered. False if the link is
    /// unknown or already bound.
    async fn bind_link(&self, link_id: Uuid, bank_account_id: Uuid) -> Result<bool, StoreError>;

    /// Writes (inserts or replaces) a tenant's branding.
    async fn put_branding(&self, branding: &Branding) -> Result<(), StoreError>;

    async fn branding(&self, tenant: Uuid) -> Result<Option<Branding>, StoreError>;
}

/// Every storage port in one object, plus the database's own life cycle.
#[async_trait]
pub trait Store:
    KeyStore
    + AccountStore
    + VerificationStore
    + AchStore
    + EventStore
    + SimulatorStore
    + IdempotencyStore
    + WebhookStore
    + RiskStore
    + LinkStore
    + 'static
{
    fn backend(&self) -> Backend;

    /// Applies pending migrations.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// A round trip to the database, for readiness checks.
    async fn health(&self) -> Result<(), StoreError>;

    /// Whether this process may write: opens a write transaction and runs a write statement
    /// that changes no row, then rolls back. Fails on a read-only file or mount (SQLite), a
    /// read-only session or standby, or a role without write rights (PostgreSQL).
    async fn check_writable(&self) -> Result<(), StoreError>;
}

/// What a cutoff claims.
#[derive(Debug, Clone)]
pub struct CutoffClaim {
    pub file_id: Uuid,
    pub now: Timestamp,
    /// The scheduled window this cutoff is for (None for a manual cutoff).
    pub window_at: Option<Timestamp>,
    /// Entries due at or before this instant go into the file.
    pub due_by: Timestamp,
    pub effective_date: jiff::civil::Date,
    /// Start and end of the creation day, for the rotating file ID modifier.
    pub day_start: Timestamp,
    pub day_end: Timestamp,
    /// The file name starts with this (the ODFI's company and the creation time).
    pub file_name_prefix: String,
    /// Names the file from the claim and the number of files already created that day: the
    /// file ID modifier and the file name. The rule belongs to the ACH rail; the store calls
    /// it inside the claim, where that count is exact.
    pub name_file: fn(&CutoffClaim, i64) -> FileIdentity,
    /// The node claiming the file; it alone writes the file until the lease runs out.
    pub writer: String,
}

/// A file's credit and debit totals, in cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileTotals {
    pub credit_cents: i64,
    pub debit_cents: i64,
}

/// A file's name and its file ID modifier (`A`-`Z`, `0`-`9`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentity {
    pub modifier: char,
    pub name: String,
}

/// What operators graph: entries waiting for a cutoff, ACH files and inbound (return and NOC)
/// files by status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationsCounts {
    pub pending_entries: i64,
    pub files_by_status: Vec<(String, i64)>,
    pub inbound_by_status: Vec<(String, i64)>,
}

/// Nacha phase-2 monitoring figures for one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MicroEntryCounts {
    pub tenant_id: Uuid,
    pub forward: i64,
    pub returned: i64,
    pub forward_credits: i64,
    pub forward_debits: i64,
}

/// What an operator looks a bank account up by (never a full account number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankAccountLookup {
    /// The last four digits of the account number.
    LastFour(String),
    /// The keyed fingerprint of routing and account number.
    Fingerprint(String),
}

/// An entry the bank returned: the entry, the return reason code and when it was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnedEntry {
    pub entry: AchEntry,
    pub return_code: String,
    pub returned_on: Timestamp,
}

/// What a worker that claimed an instant credit does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditClaim {
    /// It was pending: nothing went out yet, send it.
    Send,
    /// It was submitted and never answered: it may have reached the bank, so ask (pacs.028).
    Ask,
}

/// An originated entry found by its trace number.
#[derive(Debug, Clone, PartialEq)]
pub struct TracedEntry {
    pub entry: AchEntry,
    /// The full trace sequence (the trace number carries its last 7 digits).
    pub trace_seq: i64,
    /// The return code already recorded on the entry, if it was returned.
    pub return_code: Option<String>,
}
