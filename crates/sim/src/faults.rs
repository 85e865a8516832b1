//! Store faults: [`FaultyStore`] wraps the app's store (through `AppConfig::store_layer`) and,
//! while [`StoreFaults`] is armed, fails calls the seed picks: before the call reaches the
//! database (the database is unreachable; nothing was written) or after it returned (the
//! commit happened but its answer was lost, as when a connection drops after COMMIT). Disarmed,
//! it only passes calls through.
//!
//! The `impl` blocks below delegate every port method of `pennydrop_engine::ports::store`; a
//! method added there fails to compile here until it is delegated too.

use async_trait::async_trait;
use jiff::Timestamp;
use pennydrop_core::change::{Change, Snapshot};
use pennydrop_core::model::{
    AccessToken, Account, AchEntry, AchFile, AchFileStatus, ApiKey, BankAccount, Event, FileEntry,
    HeldEntry, InboundFile, InstantCredit, NocRecord, StatementLine,
};
use pennydrop_core::risk::{AuditEntry, BlockEntry, BlockKind, RiskDecision, TenantRisk};
use pennydrop_core::webhooks::{Delivery, Webhook};
use pennydrop_engine::idempotency::{Claim, IdempotencyRecord, KeyId};
use pennydrop_engine::links::{Branding, VerificationLink};
use pennydrop_engine::ports::store::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// The error an injected fault returns, inside `StoreError::Database` as a driver's would be.
#[derive(Debug, thiserror::Error)]
#[error("injected store fault ({when} {op})")]
pub struct InjectedFault {
    pub op: &'static str,
    pub when: &'static str,
}

/// Whether, and how often, store calls fail; shared by the world and every store it wraps, so
/// it outlives the process's crashes.
#[derive(Debug, Default)]
pub struct StoreFaults {
    state: Mutex<FaultState>,
}

#[derive(Debug)]
struct FaultState {
    /// The chance that one call fails (half before, half after the call); 0 is disarmed.
    rate: f64,
    rng: StdRng,
    /// The faults injected since the last arming, as `before op` / `after op`.
    injected: Vec<String>,
}

impl Default for FaultState {
    fn default() -> Self {
        Self {
            rate: 0.0,
            rng: StdRng::seed_from_u64(0),
            injected: Vec::new(),
        }
    }
}

impl StoreFaults {
    /// From now on each call fails with probability `rate`, as `seed` draws it.
    pub fn arm(&self, rate: f64, seed: u64) {
        let mut s = self.lock();
        s.rate = rate;
        s.rng = StdRng::seed_from_u64(seed);
        s.injected.clear();
    }

    /// Stops failing calls; returns the faults injected since [`arm`](Self::arm).
    pub fn disarm(&self) -> Vec<String> {
        let mut s = self.lock();
        s.rate = 0.0;
        std::mem::take(&mut s.injected)
    }

    /// Whether a call to `op` has failed since [`arm`](Self::arm), before or after it ran.
    pub fn struck(&self, op: &str) -> bool {
        self.lock()
            .injected
            .iter()
            .any(|f| f.split_once(' ').is_some_and(|(_, o)| o == op))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        // A panic elsewhere cannot leave the state half-changed: every change is one assignment.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether this call fails at `when`, drawn only while armed (so a disarmed run draws
    /// nothing and stays the run it was).
    fn strikes(&self, op: &'static str, when: &'static str) -> Option<StoreError> {
        let mut s = self.lock();
        if s.rate <= 0.0 {
            return None;
        }
        let half = s.rate / 2.0;
        if !s.rng.gen_bool(half) {
            return None;
        }
        s.injected.push(format!("{when} {op}"));
        Some(StoreError::Database(Box::new(InjectedFault { op, when })))
    }

    fn before(&self, op: &'static str) -> Result<(), StoreError> {
        self.strikes(op, "before").map_or(Ok(()), Err)
    }

    fn after<T>(&self, op: &'static str, done: Result<T, StoreError>) -> Result<T, StoreError> {
        match (done, self.strikes(op, "after")) {
            (Ok(_), Some(lost)) => Err(lost),
            (done, _) => done,
        }
    }
}

/// The app's store with [`StoreFaults`] in front of every call.
#[derive(Debug)]
pub struct FaultyStore {
    inner: Arc<dyn Store>,
    faults: Arc<StoreFaults>,
}

impl FaultyStore {
    pub fn wrap(inner: Arc<dyn Store>, faults: Arc<StoreFaults>) -> Arc<dyn Store> {
        Arc::new(Self { inner, faults })
    }
}

#[async_trait]
impl KeyStore for FaultyStore {
    async fn create_tenant(&self, facilitator: &Account, key: &ApiKey) -> Result<(), StoreError> {
        self.faults.before("create_tenant")?;
        let done = self.inner.create_tenant(facilitator, key).await;
        self.faults.after("create_tenant", done)
    }

    async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.faults.before("insert_api_key")?;
        let done = self.inner.insert_api_key(key).await;
        self.faults.after("insert_api_key", done)
    }

    async fn api_key(&self, public_key: &str) -> Result<Option<ApiKey>, StoreError> {
        self.faults.before("api_key")?;
        let done = self.inner.api_key(public_key).await;
        self.faults.after("api_key", done)
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.faults.before("list_api_keys")?;
        let done = self.inner.list_api_keys().await;
        self.faults.after("list_api_keys", done)
    }

    async fn revoke_api_key(&self, public_key: &str, at: Timestamp) -> Result<bool, StoreError> {
        self.faults.before("revoke_api_key")?;
        let done = self.inner.revoke_api_key(public_key, at).await;
        self.faults.after("revoke_api_key", done)
    }

    async fn count_api_keys(&self) -> Result<i64, StoreError> {
        self.faults.before("count_api_keys")?;
        let done = self.inner.count_api_keys().await;
        self.faults.after("count_api_keys", done)
    }

    async fn set_operator(&self, public_key: &str, operator: bool) -> Result<bool, StoreError> {
        self.faults.before("set_operator")?;
        let done = self.inner.set_operator(public_key, operator).await;
        self.faults.after("set_operator", done)
    }

    async fn insert_access_token(&self, token: &AccessToken) -> Result<(), StoreError> {
        self.faults.before("insert_access_token")?;
        let done = self.inner.insert_access_token(token).await;
        self.faults.after("insert_access_token", done)
    }

    async fn access_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(AccessToken, ApiKey)>, StoreError> {
        self.faults.before("access_token")?;
        let done = self.inner.access_token(token_hash).await;
        self.faults.after("access_token", done)
    }

    async fn touch_access_token(
        &self,
        token_hash: &str,
        expires_on: Timestamp,
    ) -> Result<bool, StoreError> {
        self.faults.before("touch_access_token")?;
        let done = self.inner.touch_access_token(token_hash, expires_on).await;
        self.faults.after("touch_access_token", done)
    }
}

#[async_trait]
impl AccountStore for FaultyStore {
    async fn insert_account(&self, account: &Account) -> Result<(), StoreError> {
        self.faults.before("insert_account")?;
        let done = self.inner.insert_account(account).await;
        self.faults.after("insert_account", done)
    }

    async fn account(&self, tenant: Uuid, account_id: Uuid) -> Result<Option<Account>, StoreError> {
        self.faults.before("account")?;
        let done = self.inner.account(tenant, account_id).await;
        self.faults.after("account", done)
    }

    async fn list_accounts(
        &self,
        tenant: Uuid,
        filter: &AccountFilter,
        skip: i64,
        count: i64,
    ) -> Result<Vec<Account>, StoreError> {
        self.faults.before("list_accounts")?;
        let done = self.inner.list_accounts(tenant, filter, skip, count).await;
        self.faults.after("list_accounts", done)
    }

    async fn link_bank_account(
        &self,
        bank_account: &BankAccount,
        created_event: &Event,
    ) -> Result<LinkOutcome, StoreError> {
        self.faults.before("link_bank_account")?;
        let done = self
            .inner
            .link_bank_account(bank_account, created_event)
            .await;
        self.faults.after("link_bank_account", done)
    }

    async fn enroll(&self, enrollment: &Enrollment) -> Result<(), StoreError> {
        self.faults.before("enroll")?;
        let done = self.inner.enroll(enrollment).await;
        self.faults.after("enroll", done)
    }

    async fn bank_account(
        &self,
        tenant: Uuid,
        account_id: Uuid,
        bank_account_id: Uuid,
    ) -> Result<Option<BankAccount>, StoreError> {
        self.faults.before("bank_account")?;
        let done = self
            .inner
            .bank_account(tenant, account_id, bank_account_id)
            .await;
        self.faults.after("bank_account", done)
    }

    async fn bank_accounts_with_fingerprint(
        &self,
        tenant: Uuid,
        fingerprint: &str,
    ) -> Result<Vec<BankAccount>, StoreError> {
        self.faults.before("bank_accounts_with_fingerprint")?;
        let done = self
            .inner
            .bank_accounts_with_fingerprint(tenant, fingerprint)
            .await;
        self.faults.after("bank_accounts_with_fingerprint", done)
    }

    async fn find_bank_accounts(
        &self,
        lookup: &BankAccountLookup,
        limit: i64,
    ) -> Result<Vec<BankAccount>, StoreError> {
        self.faults.before("find_bank_accounts")?;
        let done = self.inner.find_bank_accounts(lookup, limit).await;
        self.faults.after("find_bank_accounts", done)
    }

    async fn list_bank_accounts(
        &self,
        tenant: Uuid,
        account_id: Uuid,
    ) -> Result<Vec<BankAccount>, StoreError> {
        self.faults.before("list_bank_accounts")?;
        let done = self.inner.list_bank_accounts(tenant, account_id).await;
        self.faults.after("list_bank_accounts", done)
    }

    async fn disable_bank_account(
        &self,
        tenant: Uuid,
        account_id: Uuid,
        bank_account_id: Uuid,
        at: Timestamp,
        event: &Event,
    ) -> Result<Option<BankAccount>, StoreError> {
        self.faults.before("disable_bank_account")?;
        let done = self
            .inner
            .disable_bank_account(tenant, account_id, bank_account_id, at, event)
            .await;
        self.faults.after("disable_bank_account", done)
    }

    async fn update_account(
        &self,
        account: &Account,
        expected_updated_on: Timestamp,
    ) -> Result<bool, StoreError> {
        self.faults.before("update_account")?;
        let done = self
            .inner
            .update_account(account, expected_updated_on)
            .await;
        self.faults.after("update_account", done)
    }

    async fn disconnect_account(
        &self,
        tenant: Uuid,
        account_id: Uuid,
        at: Timestamp,
        deleted: &[(Uuid, Event)],
    ) -> Result<bool, StoreError> {
        self.faults.before("disconnect_account")?;
        let done = self
            .inner
            .disconnect_account(tenant, account_id, at, deleted)
            .await;
        self.faults.after("disconnect_account", done)
    }
}

#[async_trait]
impl VerificationStore for FaultyStore {
    async fn snapshot(
        &self,
        tenant: Uuid,
        account_id: Uuid,
        bank_account_id: Uuid,
    ) -> Result<Option<Snapshot>, StoreError> {
        self.faults.before("snapshot")?;
        let done = self
            .inner
            .snapshot(tenant, account_id, bank_account_id)
            .await;
        self.faults.after("snapshot", done)
    }

    async fn snapshot_by_id(&self, bank_account_id: Uuid) -> Result<Option<Snapshot>, StoreError> {
        self.faults.before("snapshot_by_id")?;
        let done = self.inner.snapshot_by_id(bank_account_id).await;
        self.faults.after("snapshot_by_id", done)
    }

    async fn snapshots_by_ids(
        &self,
        bank_account_ids: &[Uuid],
    ) -> Result<Vec<Snapshot>, StoreError> {
        self.faults.before("snapshots_by_ids")?;
        let done = self.inner.snapshots_by_ids(bank_account_ids).await;
        self.faults.after("snapshots_by_ids", done)
    }

    async fn apply(&self, change: &Change) -> Result<(), StoreError> {
        self.faults.before("apply")?;
        let done = self.inner.apply(change).await;
        self.faults.after("apply", done)
    }

    async fn apply_all(&self, changes: &[Change]) -> Result<(), StoreError> {
        self.faults.before("apply_all")?;
        let done = self.inner.apply_all(changes).await;
        self.faults.after("apply_all", done)
    }

    async fn due_expirations(&self, now: Timestamp, limit: i64) -> Result<Vec<Uuid>, StoreError> {
        self.faults.before("due_expirations")?;
        let done = self.inner.due_expirations(now, limit).await;
        self.faults.after("due_expirations", done)
    }

    async fn open_instant_credits(
        &self,
        stale_before: Timestamp,
        limit: i64,
    ) -> Result<Vec<InstantCredit>, StoreError> {
        self.faults.before("open_instant_credits")?;
        let done = self.inner.open_instant_credits(stale_before, limit).await;
        self.faults.after("open_instant_credits", done)
    }

    async fn claim_instant_credit(
        &self,
        credit_id: Uuid,
        now: Timestamp,
        stale_before: Timestamp,
    ) -> Result<Option<CreditClaim>, StoreError> {
        self.faults.before("claim_instant_credit")?;
        let done = self
            .inner
            .claim_instant_credit(credit_id, now, stale_before)
            .await;
        self.faults.after("claim_instant_credit", done)
    }

    async fn instant_credit(&self, credit_id: Uuid) -> Result<Option<InstantCredit>, StoreError> {
        self.faults.before("instant_credit")?;
        let done = self.inner.instant_credit(credit_id).await;
        self.faults.after("instant_credit", done)
    }
}

#[async_trait]
impl AchStore for FaultyStore {
    async fn ach_entries_for(&self, bank_account_id: Uuid) -> Result<Vec<AchEntry>, StoreError> {
        self.faults.before("ach_entries_for")?;
        let done = self.inner.ach_entries_for(bank_account_id).await;
        self.faults.after("ach_entries_for", done)
    }

    async fn each_due_entry(
        &self,
        due_by: Timestamp,
        visit: &mut (dyn FnMut(FileEntry) -> ControlFlow<()> + Send),
    ) -> Result<(), StoreError> {
        self.faults.before("each_due_entry")?;
        let done = self.inner.each_due_entry(due_by, visit).await;
        self.faults.after("each_due_entry", done)
    }

    async fn held_entries(&self, limit: i64) -> Result<Vec<HeldEntry>, StoreError> {
        self.faults.before("held_entries")?;
        let done = self.inner.held_entries(limit).await;
        self.faults.after("held_entries", done)
    }

    async fn claim_cutoff(&self, claim: &CutoffClaim) -> Result<Option<AchFile>, StoreError> {
        self.faults.before("claim_cutoff")?;
        let done = self.inner.claim_cutoff(claim).await;
        self.faults.after("claim_cutoff", done)
    }

    async fn last_window_at(&self) -> Result<Option<Timestamp>, StoreError> {
        self.faults.before("last_window_at")?;
        let done = self.inner.last_window_at().await;
        self.faults.after("last_window_at", done)
    }

    async fn file_entries(&self, file_id: Uuid) -> Result<Vec<FileEntry>, StoreError> {
        self.faults.before("file_entries")?;
        let done = self.inner.file_entries(file_id).await;
        self.faults.after("file_entries", done)
    }

    async fn each_file_entry(
        &self,
        file_id: Uuid,
        visit: &mut (dyn FnMut(FileEntry) -> ControlFlow<()> + Send),
    ) -> Result<(), StoreError> {
        self.faults.before("each_file_entry")?;
        let done = self.inner.each_file_entry(file_id, visit).await;
        self.faults.after("each_file_entry", done)
    }

    async fn store_file_content(
        &self,
        file_id: Uuid,
        content: &str,
        totals: FileTotals,
    ) -> Result<bool, StoreError> {
        self.faults.before("store_file_content")?;
        let done = self
            .inner
            .store_file_content(file_id, content, totals)
            .await;
        self.faults.after("store_file_content", done)
    }

    async fn file_content(&self, file_id: Uuid) -> Result<Option<String>, StoreError> {
        self.faults.before("file_content")?;
        let done = self.inner.file_content(file_id).await;
        self.faults.after("file_content", done)
    }

    async fn mark_file(
        &self,
        file_id: Uuid,
        status: AchFileStatus,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.faults.before("mark_file")?;
        let done = self.inner.mark_file(file_id, status, at).await;
        self.faults.after("mark_file", done)
    }

    async fn take_file(
        &self,
        file_id: Uuid,
        writer: &str,
        stale_before: Timestamp,
    ) -> Result<bool, StoreError> {
        self.faults.before("take_file")?;
        let done = self.inner.take_file(file_id, writer, stale_before).await;
        self.faults.after("take_file", done)
    }

    async fn set_delivery_error(
        &self,
        file_id: Uuid,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.faults.before("set_delivery_error")?;
        let done = self.inner.set_delivery_error(file_id, error).await;
        self.faults.after("set_delivery_error", done)
    }

    async fn files_in_status(&self, status: AchFileStatus) -> Result<Vec<AchFile>, StoreError> {
        self.faults.before("files_in_status")?;
        let done = self.inner.files_in_status(status).await;
        self.faults.after("files_in_status", done)
    }

    async fn list_files(&self, limit: i64) -> Result<Vec<AchFile>, StoreError> {
        self.faults.before("list_files")?;
        let done = self.inner.list_files(limit).await;
        self.faults.after("list_files", done)
    }

    async fn ach_file(&self, file_id: Uuid) -> Result<Option<AchFile>, StoreError> {
        self.faults.before("ach_file")?;
        let done = self.inner.ach_file(file_id).await;
        self.faults.after("ach_file", done)
    }

    async fn entry_by_trace(&self, seq7: i64) -> Result<Option<(AchEntry, i64)>, StoreError> {
        self.faults.before("entry_by_trace")?;
        let done = self.inner.entry_by_trace(seq7).await;
        self.faults.after("entry_by_trace", done)
    }

    async fn entries_by_traces(
        &self,
        seq7s: &[i64],
    ) -> Result<Vec<Option<TracedEntry>>, StoreError> {
        self.faults.before("entries_by_traces")?;
        let done = self.inner.entries_by_traces(seq7s).await;
        self.faults.after("entries_by_traces", done)
    }

    async fn inbound_seen(&self, sha256: &str) -> Result<bool, StoreError> {
        self.faults.before("inbound_seen")?;
        let done = self.inner.inbound_seen(sha256).await;
        self.faults.after("inbound_seen", done)
    }

    async fn record_inbound(&self, file: &InboundFile) -> Result<(), StoreError> {
        self.faults.before("record_inbound")?;
        let done = self.inner.record_inbound(file).await;
        self.faults.after("record_inbound", done)
    }

    async fn list_inbound(&self, limit: i64) -> Result<Vec<InboundFile>, StoreError> {
        self.faults.before("list_inbound")?;
        let done = self.inner.list_inbound(limit).await;
        self.faults.after("list_inbound", done)
    }

    async fn nocs_for(&self, bank_account_id: Uuid) -> Result<Vec<NocRecord>, StoreError> {
        self.faults.before("nocs_for")?;
        let done = self.inner.nocs_for(bank_account_id).await;
        self.faults.after("nocs_for", done)
    }

    async fn recent_nocs(&self, limit: i64) -> Result<Vec<NocRecord>, StoreError> {
        self.faults.before("recent_nocs")?;
        let done = self.inner.recent_nocs(limit).await;
        self.faults.after("recent_nocs", done)
    }

    async fn returned_entries(&self, limit: i64) -> Result<Vec<ReturnedEntry>, StoreError> {
        self.faults.before("returned_entries")?;
        let done = self.inner.returned_entries(limit).await;
        self.faults.after("returned_entries", done)
    }

    async fn micro_entry_counts(&self) -> Result<Vec<MicroEntryCounts>, StoreError> {
        self.faults.before("micro_entry_counts")?;
        let done = self.inner.micro_entry_counts().await;
        self.faults.after("micro_entry_counts", done)
    }

    async fn operations_counts(&self) -> Result<OperationsCounts, StoreError> {
        self.faults.before("operations_counts")?;
        let done = self.inner.operations_counts().await;
        self.faults.after("operations_counts", done)
    }
}

#[async_trait]
impl EventStore for FaultyStore {
    async fn events(
        &self,
        tenant: Uuid,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, Event)>, StoreError> {
        self.faults.before("events")?;
        let done = self.inner.events(tenant, after, limit).await;
        self.faults.after("events", done)
    }
}

#[async_trait]
impl SimulatorStore for FaultyStore {
    async fn simulator_post(&self, line: &StatementLine) -> Result<bool, StoreError> {
        self.faults.before("simulator_post")?;
        let done = self.inner.simulator_post(line).await;
        self.faults.after("simulator_post", done)
    }

    async fn simulator_statement(
        &self,
        fingerprint: &str,
    ) -> Result<Vec<StatementLine>, StoreError> {
        self.faults.before("simulator_statement")?;
        let done = self.inner.simulator_statement(fingerprint).await;
        self.faults.after("simulator_statement", done)
    }

    async fn simulator_file_was_read(&self, file_name: &str) -> Result<bool, StoreError> {
        self.faults.before("simulator_file_was_read")?;
        let done = self.inner.simulator_file_was_read(file_name).await;
        self.faults.after("simulator_file_was_read", done)
    }

    async fn simulator_mark_file_read(
        &self,
        file_name: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.faults.before("simulator_mark_file_read")?;
        let done = self.inner.simulator_mark_file_read(file_name, at).await;
        self.faults.after("simulator_mark_file_read", done)
    }
}

#[async_trait]
impl IdempotencyStore for FaultyStore {
    async fn idempotency_record(
        &self,
        id: &KeyId,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.faults.before("idempotency_record")?;
        let done = self.inner.idempotency_record(id).await;
        self.faults.after("idempotency_record", done)
    }

    async fn reserve_idempotency(
        &self,
        record: &IdempotencyRecord,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.faults.before("reserve_idempotency")?;
        let done = self.inner.reserve_idempotency(record, now).await;
        self.faults.after("reserve_idempotency", done)
    }

    async fn take_over_idempotency(
        &self,
        record: &IdempotencyRecord,
        from: &str,
    ) -> Result<bool, StoreError> {
        self.faults.before("take_over_idempotency")?;
        let done = self.inner.take_over_idempotency(record, from).await;
        self.faults.after("take_over_idempotency", done)
    }

    async fn finish_idempotency(&self, claim: &Claim, sealed: &str) -> Result<bool, StoreError> {
        self.faults.before("finish_idempotency")?;
        let done = self.inner.finish_idempotency(claim, sealed).await;
        self.faults.after("finish_idempotency", done)
    }

    async fn release_idempotency(&self, claim: &Claim) -> Result<(), StoreError> {
        self.faults.before("release_idempotency")?;
        let done = self.inner.release_idempotency(claim).await;
        self.faults.after("release_idempotency", done)
    }

    async fn purge_idempotency(&self, now: Timestamp) -> Result<u64, StoreError> {
        self.faults.before("purge_idempotency")?;
        let done = self.inner.purge_idempotency(now).await;
        self.faults.after("purge_idempotency", done)
    }
}

#[async_trait]
impl WebhookStore for FaultyStore {
    async fn insert_webhook(&self, webhook: &Webhook) -> Result<(), StoreError> {
        self.faults.before("insert_webhook")?;
        let done = self.inner.insert_webhook(webhook).await;
        self.faults.after("insert_webhook", done)
    }

    async fn webhook(&self, tenant: Uuid, webhook_id: Uuid) -> Result<Option<Webhook>, StoreError> {
        self.faults.before("webhook")?;
        let done = self.inner.webhook(tenant, webhook_id).await;
        self.faults.after("webhook", done)
    }

    async fn list_webhooks(&self, tenant: Uuid) -> Result<Vec<Webhook>, StoreError> {
        self.faults.before("list_webhooks")?;
        let done = self.inner.list_webhooks(tenant).await;
        self.faults.after("list_webhooks", done)
    }

    async fn update_webhook(&self, webhook: &Webhook) -> Result<(), StoreError> {
        self.faults.before("update_webhook")?;
        let done = self.inner.update_webhook(webhook).await;
        self.faults.after("update_webhook", done)
    }

    async fn delete_webhook(
        &self,
        tenant: Uuid,
        webhook_id: Uuid,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.faults.before("delete_webhook")?;
        let done = self.inner.delete_webhook(tenant, webhook_id, at).await;
        self.faults.after("delete_webhook", done)
    }

    async fn deliveries(
        &self,
        tenant: Uuid,
        webhook_id: Uuid,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        self.faults.before("deliveries")?;
        let done = self.inner.deliveries(tenant, webhook_id, limit).await;
        self.faults.after("deliveries", done)
    }

    async fn replay_deliveries(
        &self,
        webhook_id: Uuid,
        since: Option<Timestamp>,
        event_id: Option<Uuid>,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        self.faults.before("replay_deliveries")?;
        let done = self
            .inner
            .replay_deliveries(webhook_id, since, event_id, now)
            .await;
        self.faults.after("replay_deliveries", done)
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        owner: &str,
        limit: i64,
    ) -> Result<Vec<(Delivery, Webhook, Event)>, StoreError> {
        self.faults.before("claim_deliveries")?;
        let done = self
            .inner
            .claim_deliveries(now, lease_until, owner, limit)
            .await;
        self.faults.after("claim_deliveries", done)
    }

    async fn record_delivery(
        &self,
        delivery: &Delivery,
        owner: &str,
        disable: Option<&str>,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.faults.before("record_delivery")?;
        let done = self
            .inner
            .record_delivery(delivery, owner, disable, at)
            .await;
        self.faults.after("record_delivery", done)
    }

    async fn webhook_backlog(&self) -> Result<WebhookBacklog, StoreError> {
        self.faults.before("webhook_backlog")?;
        let done = self.inner.webhook_backlog().await;
        self.faults.after("webhook_backlog", done)
    }
}

#[async_trait]
impl RiskStore for FaultyStore {
    async fn record_risk_decisions(
        &self,
        decisions: &[RiskDecision],
        events: &[Event],
    ) -> Result<(), StoreError> {
        self.faults.before("record_risk_decisions")?;
        let done = self.inner.record_risk_decisions(decisions, events).await;
        self.faults.after("record_risk_decisions", done)
    }

    async fn risk_decisions(
        &self,
        filter: &DecisionFilter,
    ) -> Result<Vec<(i64, RiskDecision)>, StoreError> {
        self.faults.before("risk_decisions")?;
        let done = self.inner.risk_decisions(filter).await;
        self.faults.after("risk_decisions", done)
    }

    async fn risk_decision_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        self.faults.before("risk_decision_counts")?;
        let done = self.inner.risk_decision_counts().await;
        self.faults.after("risk_decision_counts", done)
    }

    async fn risk_decision_summary(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<DecisionCount>, StoreError> {
        self.faults.before("risk_decision_summary")?;
        let done = self.inner.risk_decision_summary(from, to).await;
        self.faults.after("risk_decision_summary", done)
    }

    async fn tenant_risk(&self, tenant: Uuid) -> Result<TenantRisk, StoreError> {
        self.faults.before("tenant_risk")?;
        let done = self.inner.tenant_risk(tenant).await;
        self.faults.after("tenant_risk", done)
    }

    async fn tenants_risk(&self) -> Result<Vec<(Uuid, TenantRisk)>, StoreError> {
        self.faults.before("tenants_risk")?;
        let done = self.inner.tenants_risk().await;
        self.faults.after("tenants_risk", done)
    }

    async fn set_tenant_settings(
        &self,
        tenant: Uuid,
        settings: &serde_json::Value,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.faults.before("set_tenant_settings")?;
        let done = self
            .inner
            .set_tenant_settings(tenant, settings, audit)
            .await;
        self.faults.after("set_tenant_settings", done)
    }

    async fn pause_tenant(&self, pause: &Pause) -> Result<bool, StoreError> {
        self.faults.before("pause_tenant")?;
        let done = self.inner.pause_tenant(pause).await;
        self.faults.after("pause_tenant", done)
    }

    async fn resume_tenant(
        &self,
        tenant: Uuid,
        audit: &AuditEntry,
        events: &[Event],
    ) -> Result<bool, StoreError> {
        self.faults.before("resume_tenant")?;
        let done = self.inner.resume_tenant(tenant, audit, events).await;
        self.faults.after("resume_tenant", done)
    }

    async fn add_block(&self, entry: &BlockEntry, audit: &AuditEntry) -> Result<bool, StoreError> {
        self.faults.before("add_block")?;
        let done = self.inner.add_block(entry, audit).await;
        self.faults.after("add_block", done)
    }

    async fn remove_block(
        &self,
        kind: BlockKind,
        value: &str,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        self.faults.before("remove_block")?;
        let done = self.inner.remove_block(kind, value, audit).await;
        self.faults.after("remove_block", done)
    }

    async fn blocklist(&self) -> Result<Vec<BlockEntry>, StoreError> {
        self.faults.before("blocklist")?;
        let done = self.inner.blocklist().await;
        self.faults.after("blocklist", done)
    }

    async fn blocked(
        &self,
        routing: &str,
        fingerprint: &str,
    ) -> Result<Option<BlockEntry>, StoreError> {
        self.faults.before("blocked")?;
        let done = self.inner.blocked(routing, fingerprint).await;
        self.faults.after("blocked", done)
    }

    async fn record_audit(&self, audit: &AuditEntry) -> Result<(), StoreError> {
        self.faults.before("record_audit")?;
        let done = self.inner.record_audit(audit).await;
        self.faults.after("record_audit", done)
    }

    async fn unlock_bank_account(
        &self,
        change: &Change,
        unlocked_on: Timestamp,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.faults.before("unlock_bank_account")?;
        let done = self
            .inner
            .unlock_bank_account(change, unlocked_on, audit)
            .await;
        self.faults.after("unlock_bank_account", done)
    }

    async fn audit_trail(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(i64, AuditEntry)>, StoreError> {
        self.faults.before("audit_trail")?;
        let done = self.inner.audit_trail(from, to).await;
        self.faults.after("audit_trail", done)
    }

    async fn verifications_since(&self, tenant: Uuid, since: Timestamp) -> Result<i64, StoreError> {
        self.faults.before("verifications_since")?;
        let done = self.inner.verifications_since(tenant, since).await;
        self.faults.after("verifications_since", done)
    }

    async fn fingerprint_uses(
        &self,
        fingerprint: &str,
        since: Timestamp,
    ) -> Result<Vec<FingerprintUse>, StoreError> {
        self.faults.before("fingerprint_uses")?;
        let done = self.inner.fingerprint_uses(fingerprint, since).await;
        self.faults.after("fingerprint_uses", done)
    }

    async fn return_volumes(
        &self,
        tenant: Option<Uuid>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(Uuid, ReturnVolumes)>, StoreError> {
        self.faults.before("return_volumes")?;
        let done = self.inner.return_volumes(tenant, from, to).await;
        self.faults.after("return_volumes", done)
    }
}

#[async_trait]
impl LinkStore for FaultyStore {
    async fn insert_link(&self, link: &VerificationLink) -> Result<(), StoreError> {
        self.faults.before("insert_link")?;
        let done = self.inner.insert_link(link).await;
        self.faults.after("insert_link", done)
    }

    async fn link_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<VerificationLink>, StoreError> {
        self.faults.before("link_by_token_hash")?;
        let done = self.inner.link_by_token_hash(token_hash).await;
        self.faults.after("link_by_token_hash", done)
    }

    async fn link(
        &self,
        tenant: Uuid,
        link_id: Uuid,
    ) -> Result<Option<VerificationLink>, StoreError> {
        self.faults.before("link")?;
        let done = self.inner.link(tenant, link_id).await;
        self.faults.after("link", done)
    }

    async fn revoke_link(
        &self,
        tenant: Uuid,
        link_id: Uuid,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.faults.before("revoke_link")?;
        let done = self.inner.revoke_link(tenant, link_id, at).await;
        self.faults.after("revoke_link", done)
    }

    async fn bind_link(&self, link_id: Uuid, bank_account_id: Uuid) -> Result<bool, StoreError> {
        self.faults.before("bind_link")?;
        let done = self.inner.bind_link(link_id, bank_account_id).await;
        self.faults.after("bind_link", done)
    }

    async fn put_branding(&self, branding: &Branding) -> Result<(), StoreError> {
        self.faults.before("put_branding")?;
        let done = self.inner.put_branding(branding).await;
        self.faults.after("put_branding", done)
    }

    async fn branding(&self, tenant: Uuid) -> Result<Option<Branding>, StoreError> {
        self.faults.before("branding")?;
        let done = self.inner.branding(tenant).await;
        self.faults.after("branding", done)
    }
}

#[async_trait]
impl Store for FaultyStore {
    fn backend(&self) -> Backend {
        self.inner.backend()
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        self.faults.before("migrate")?;
        let done = self.inner.migrate().await;
        self.faults.after("migrate", done)
    }

    async fn health(&self) -> Result<(), StoreError> {
        self.faults.before("health")?;
        let done = self.inner.health().await;
        self.faults.after("health", done)
    }

    async fn check_writable(&self) -> Result<(), StoreError> {
        self.faults.before("check_writable")?;
        let done = self.inner.check_writable().await;
        self.faults.after("check_writable", done)
    }
}

/// Puts a [`FaultyStore`] in front of the app's store at every start of the process.
#[derive(Debug)]
pub struct FaultLayer(pub Arc<StoreFaults>);

impl pennydrop::app::StoreLayer for FaultLayer {
    fn wrap(&self, store: Arc<dyn Store>) -> Arc<dyn Store> {
        FaultyStore::wrap(store, self.0.clone())
    }
}
