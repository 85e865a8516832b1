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
    /// The faults injected since the last arming: (when, op).
    injected: Vec<(&'static str, &'static str)>,
    /// A call that fails the next time it is made, armed or not ([`StoreFaults::fail_next`]).
    next: Option<&'static str>,
}

impl Default for FaultState {
    fn default() -> Self {
        Self {
            rate: 0.0,
            rng: StdRng::seed_from_u64(0),
            injected: Vec::new(),
            next: None,
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
        s.injected
            .drain(..)
            .map(|(when, op)| format!("{when} {op}"))
            .collect()
    }

    /// The next call to `op` fails before it reaches the database (for tests that need one
    /// fault in one place).
    pub fn fail_next(&self, op: &'static str) {
        self.lock().next = Some(op);
    }

    /// Whether a call to `op` has failed since [`arm`](Self::arm), before or after it ran.
    pub fn struck(&self, op: &str) -> bool {
        self.lock().injected.iter().any(|&(_, o)| o == op)
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
        let (chosen, half) = (when == "before" && s.next == Some(op), s.rate / 2.0);
        if chosen {
            s.next = None;
        } else if half <= 0.0 || !s.rng.gen_bool(half) {
            return None;
        }
        s.injected.push((when, op));
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

    /// Runs the store call `op` (not started until the fault before it was drawn) between the
    /// two chances to fail.
    async fn guard<T>(
        &self,
        op: &'static str,
        call: impl std::future::Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        self.faults.before(op)?;
        let done = call.await;
        self.faults.after(op, done)
    }
}

#[async_trait]
impl KeyStore for FaultyStore {
    async fn create_tenant(&self, facilitator: &Account, key: &ApiKey) -> Result<(), StoreError> {
        self.guard("create_tenant", self.inner.create_tenant(facilitator, key))
            .await
    }

    async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.guard("insert_api_key", self.inner.insert_api_key(key))
            .await
    }

    async fn api_key(&self, public_key: &str) -> Result<Option<ApiKey>, StoreError> {
        self.guard("api_key", self.inner.api_key(public_key)).await
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.guard("list_api_keys", self.inner.list_api_keys())
            .await
    }

    async fn revoke_api_key(&self, public_key: &str, at: Timestamp) -> Result<bool, StoreError> {
        self.guard("revoke_api_key", self.inner.revoke_api_key(public_key, at))
            .await
    }

    async fn count_api_keys(&self) -> Result<i64, StoreError> {
        self.guard("count_api_keys", self.inner.count_api_keys())
            .await
    }

    async fn set_operator(&self, public_key: &str, operator: bool) -> Result<bool, StoreError> {
        self.guard(
            "set_operator",
            self.inner.set_operator(public_key, operator),
        )
        .await
    }

    async fn insert_access_token(&self, token: &AccessToken) -> Result<(), StoreError> {
        self.guard("insert_access_token", self.inner.insert_access_token(token))
            .await
    }

    async fn access_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(AccessToken, ApiKey)>, StoreError> {
        self.guard("access_token", self.inner.access_token(token_hash))
            .await
    }

    async fn touch_access_token(
        &self,
        token_hash: &str,
        expires_on: Timestamp,
    ) -> Result<bool, StoreError> {
        self.guard(
            "touch_access_token",
            self.inner.touch_access_token(token_hash, expires_on),
        )
        .await
    }
}

#[async_trait]
impl AccountStore for FaultyStore {
    async fn insert_account(&self, account: &Account) -> Result<(), StoreError> {
        self.guard("insert_account", self.inner.insert_account(account))
            .await
    }

    async fn account(&self, tenant: Uuid, account_id: Uuid) -> Result<Option<Account>, StoreError> {
        self.guard("account", self.inner.account(tenant, account_id))
            .await
    }

    async fn list_accounts(
        &self,
        tenant: Uuid,
        filter: &AccountFilter,
        skip: i64,
        count: i64,
    ) -> Result<Vec<Account>, StoreError> {
        self.guard(
            "list_accounts",
            self.inner.list_accounts(tenant, filter, skip, count),
        )
        .await
    }

    async fn link_bank_account(
        &self,
        bank_account: &BankAccount,
        created_event: &Event,
    ) -> Result<LinkOutcome, StoreError> {
        self.guard(
            "link_bank_account",
            self.inner.link_bank_account(bank_account, created_event),
        )
        .await
    }

    async fn enroll(&self, enrollment: &Enrollment) -> Result<(), StoreError> {
        self.guard("enroll", self.inner.enroll(enrollment)).await
    }

    async fn bank_account(
        &self,
        tenant: Uuid,
        account_id: Uuid,
        bank_account_id: Uuid,
    ) -> Result<Option<BankAccount>, StoreError> {
        self.guard(
            "bank_account",
            self.inner.bank_account(tenant, account_id, bank_account_id),
        )
        .await
    }

    async fn bank_accounts_with_fingerprint(
        &self,
        tenant: Uuid,
        fingerprint: &str,
    ) -> Result<Vec<BankAccount>, StoreError> {
        self.guard(
            "bank_accounts_with_fingerprint",
            self.inner
                .bank_accounts_with_fingerprint(tenant, fingerprint),
        )
        .await
    }

    async fn find_bank_accounts(
        &self,
        lookup: &BankAccountLookup,
        limit: i64,
    ) -> Result<Vec<BankAccount>, StoreError> {
        self.guard(
            "find_bank_accounts",
            self.inner.find_bank_accounts(lookup, limit),
        )
        .await
    }

    async fn list_bank_accounts(
        &self,
        tenant: Uuid,
        account_id: Uuid,
    ) -> Result<Vec<BankAccount>, StoreError> {
        self.guard(
            "list_bank_accounts",
            self.inner.list_bank_accounts(tenant, account_id),
        )
        .await
    }

    async fn disable_bank_account(
        &self,
        tenant: Uuid,
        account_id: Uuid,
        bank_account_id: Uuid,
        at: Timestamp,
        event: &Event,
    ) -> Result<Option<BankAccount>, StoreError> {
        self.guard(
            "disable_bank_account",
            self.inner
                .disable_bank_account(tenant, account_id, bank_account_id, at, event),
        )
        .await
    }

    async fn update_account(
        &self,
        account: &Account,
        expected_updated_on: Timestamp,
    ) -> Result<bool, StoreError> {
        self.guard(
            "update_account",
            self.inner.update_account(account, expected_updated_on),
        )
        .await
    }

    async fn disconnect_account(
        &self,
        tenant: Uuid,
        account_id: Uuid,
        at: Timestamp,
        deleted: &[(Uuid, Event)],
    ) -> Result<bool, StoreError> {
        self.guard(
            "disconnect_account",
            self.inner
                .disconnect_account(tenant, account_id, at, deleted),
        )
        .await
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
        self.guard(
            "snapshot",
            self.inner.snapshot(tenant, account_id, bank_account_id),
        )
        .await
    }

    async fn snapshot_by_id(&self, bank_account_id: Uuid) -> Result<Option<Snapshot>, StoreError> {
        self.guard("snapshot_by_id", self.inner.snapshot_by_id(bank_account_id))
            .await
    }

    async fn snapshots_by_ids(
        &self,
        bank_account_ids: &[Uuid],
    ) -> Result<Vec<Snapshot>, StoreError> {
        self.guard(
            "snapshots_by_ids",
            self.inner.snapshots_by_ids(bank_account_ids),
        )
        .await
    }

    async fn apply(&self, change: &Change) -> Result<(), StoreError> {
        self.guard("apply", self.inner.apply(change)).await
    }

    async fn apply_all(&self, changes: &[Change]) -> Result<(), StoreError> {
        self.guard("apply_all", self.inner.apply_all(changes)).await
    }

    async fn due_expirations(&self, now: Timestamp, limit: i64) -> Result<Vec<Uuid>, StoreError> {
        self.guard("due_expirations", self.inner.due_expirations(now, limit))
            .await
    }

    async fn open_instant_credits(
        &self,
        stale_before: Timestamp,
        limit: i64,
    ) -> Result<Vec<InstantCredit>, StoreError> {
        self.guard(
            "open_instant_credits",
            self.inner.open_instant_credits(stale_before, limit),
        )
        .await
    }

    async fn claim_instant_credit(
        &self,
        credit_id: Uuid,
        now: Timestamp,
        stale_before: Timestamp,
    ) -> Result<Option<CreditClaim>, StoreError> {
        self.guard(
            "claim_instant_credit",
            self.inner
                .claim_instant_credit(credit_id, now, stale_before),
        )
        .await
    }

    async fn instant_credit(&self, credit_id: Uuid) -> Result<Option<InstantCredit>, StoreError> {
        self.guard("instant_credit", self.inner.instant_credit(credit_id))
            .await
    }
}

#[async_trait]
impl AchStore for FaultyStore {
    async fn record_returns_of_disabled(
        &self,
        returns: &[(Uuid, String)],
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.guard(
            "record_returns_of_disabled",
            self.inner.record_returns_of_disabled(returns, at),
        )
        .await
    }

    async fn ach_entries_for(&self, bank_account_id: Uuid) -> Result<Vec<AchEntry>, StoreError> {
        self.guard(
            "ach_entries_for",
            self.inner.ach_entries_for(bank_account_id),
        )
        .await
    }

    async fn each_due_entry(
        &self,
        due_by: Timestamp,
        visit: &mut (dyn FnMut(FileEntry) -> ControlFlow<()> + Send),
    ) -> Result<(), StoreError> {
        self.guard("each_due_entry", self.inner.each_due_entry(due_by, visit))
            .await
    }

    async fn held_entries(&self, limit: i64) -> Result<Vec<HeldEntry>, StoreError> {
        self.guard("held_entries", self.inner.held_entries(limit))
            .await
    }

    async fn claim_cutoff(&self, claim: &CutoffClaim) -> Result<Option<AchFile>, StoreError> {
        self.guard("claim_cutoff", self.inner.claim_cutoff(claim))
            .await
    }

    async fn last_window_at(&self) -> Result<Option<Timestamp>, StoreError> {
        self.guard("last_window_at", self.inner.last_window_at())
            .await
    }

    async fn file_entries(&self, file_id: Uuid) -> Result<Vec<FileEntry>, StoreError> {
        self.guard("file_entries", self.inner.file_entries(file_id))
            .await
    }

    async fn each_file_entry(
        &self,
        file_id: Uuid,
        visit: &mut (dyn FnMut(FileEntry) -> ControlFlow<()> + Send),
    ) -> Result<(), StoreError> {
        self.guard(
            "each_file_entry",
            self.inner.each_file_entry(file_id, visit),
        )
        .await
    }

    async fn store_file_content(
        &self,
        file_id: Uuid,
        content: &str,
        totals: FileTotals,
    ) -> Result<bool, StoreError> {
        self.guard(
            "store_file_content",
            self.inner.store_file_content(file_id, content, totals),
        )
        .await
    }

    async fn file_content(&self, file_id: Uuid) -> Result<Option<String>, StoreError> {
        self.guard("file_content", self.inner.file_content(file_id))
            .await
    }

    async fn mark_file(
        &self,
        file_id: Uuid,
        status: AchFileStatus,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.guard("mark_file", self.inner.mark_file(file_id, status, at))
            .await
    }

    async fn take_file(
        &self,
        file_id: Uuid,
        writer: &str,
        stale_before: Timestamp,
    ) -> Result<bool, StoreError> {
        self.guard(
            "take_file",
            self.inner.take_file(file_id, writer, stale_before),
        )
        .await
    }

    async fn set_delivery_error(
        &self,
        file_id: Uuid,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.guard(
            "set_delivery_error",
            self.inner.set_delivery_error(file_id, error),
        )
        .await
    }

    async fn files_in_status(&self, status: AchFileStatus) -> Result<Vec<AchFile>, StoreError> {
        self.guard("files_in_status", self.inner.files_in_status(status))
            .await
    }

    async fn list_files(&self, limit: i64) -> Result<Vec<AchFile>, StoreError> {
        self.guard("list_files", self.inner.list_files(limit)).await
    }

    async fn ach_file(&self, file_id: Uuid) -> Result<Option<AchFile>, StoreError> {
        self.guard("ach_file", self.inner.ach_file(file_id)).await
    }

    async fn entry_by_trace(&self, seq7: i64) -> Result<Option<(AchEntry, i64)>, StoreError> {
        self.guard("entry_by_trace", self.inner.entry_by_trace(seq7))
            .await
    }

    async fn entries_by_traces(
        &self,
        seq7s: &[i64],
    ) -> Result<Vec<Option<TracedEntry>>, StoreError> {
        self.guard("entries_by_traces", self.inner.entries_by_traces(seq7s))
            .await
    }

    async fn inbound_seen(&self, sha256: &str) -> Result<bool, StoreError> {
        self.guard("inbound_seen", self.inner.inbound_seen(sha256))
            .await
    }

    async fn record_inbound(&self, file: &InboundFile) -> Result<(), StoreError> {
        self.guard("record_inbound", self.inner.record_inbound(file))
            .await
    }

    async fn list_inbound(&self, limit: i64) -> Result<Vec<InboundFile>, StoreError> {
        self.guard("list_inbound", self.inner.list_inbound(limit))
            .await
    }

    async fn nocs_for(&self, bank_account_id: Uuid) -> Result<Vec<NocRecord>, StoreError> {
        self.guard("nocs_for", self.inner.nocs_for(bank_account_id))
            .await
    }

    async fn recent_nocs(&self, limit: i64) -> Result<Vec<NocRecord>, StoreError> {
        self.guard("recent_nocs", self.inner.recent_nocs(limit))
            .await
    }

    async fn returned_entries(&self, limit: i64) -> Result<Vec<ReturnedEntry>, StoreError> {
        self.guard("returned_entries", self.inner.returned_entries(limit))
            .await
    }

    async fn micro_entry_counts(&self) -> Result<Vec<MicroEntryCounts>, StoreError> {
        self.guard("micro_entry_counts", self.inner.micro_entry_counts())
            .await
    }

    async fn operations_counts(&self) -> Result<OperationsCounts, StoreError> {
        self.guard("operations_counts", self.inner.operations_counts())
            .await
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
        self.guard("events", self.inner.events(tenant, after, limit))
            .await
    }
}

#[async_trait]
impl SimulatorStore for FaultyStore {
    async fn simulator_post(&self, line: &StatementLine) -> Result<bool, StoreError> {
        self.guard("simulator_post", self.inner.simulator_post(line))
            .await
    }

    async fn simulator_statement(
        &self,
        fingerprint: &str,
    ) -> Result<Vec<StatementLine>, StoreError> {
        self.guard(
            "simulator_statement",
            self.inner.simulator_statement(fingerprint),
        )
        .await
    }

    async fn simulator_file_was_read(&self, file_name: &str) -> Result<bool, StoreError> {
        self.guard(
            "simulator_file_was_read",
            self.inner.simulator_file_was_read(file_name),
        )
        .await
    }

    async fn simulator_mark_file_read(
        &self,
        file_name: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.guard(
            "simulator_mark_file_read",
            self.inner.simulator_mark_file_read(file_name, at),
        )
        .await
    }
}

#[async_trait]
impl IdempotencyStore for FaultyStore {
    async fn idempotency_record(
        &self,
        id: &KeyId,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.guard("idempotency_record", self.inner.idempotency_record(id))
            .await
    }

    async fn reserve_idempotency(
        &self,
        record: &IdempotencyRecord,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.guard(
            "reserve_idempotency",
            self.inner.reserve_idempotency(record, now),
        )
        .await
    }

    async fn take_over_idempotency(
        &self,
        record: &IdempotencyRecord,
        from: &str,
    ) -> Result<bool, StoreError> {
        self.guard(
            "take_over_idempotency",
            self.inner.take_over_idempotency(record, from),
        )
        .await
    }

    async fn finish_idempotency(&self, claim: &Claim, sealed: &str) -> Result<bool, StoreError> {
        self.guard(
            "finish_idempotency",
            self.inner.finish_idempotency(claim, sealed),
        )
        .await
    }

    async fn release_idempotency(&self, claim: &Claim) -> Result<(), StoreError> {
        self.guard("release_idempotency", self.inner.release_idempotency(claim))
            .await
    }

    async fn purge_idempotency(&self, now: Timestamp) -> Result<u64, StoreError> {
        self.guard("purge_idempotency", self.inner.purge_idempotency(now))
            .await
    }
}

#[async_trait]
impl WebhookStore for FaultyStore {
    async fn insert_webhook(&self, webhook: &Webhook) -> Result<(), StoreError> {
        self.guard("insert_webhook", self.inner.insert_webhook(webhook))
            .await
    }

    async fn webhook(&self, tenant: Uuid, webhook_id: Uuid) -> Result<Option<Webhook>, StoreError> {
        self.guard("webhook", self.inner.webhook(tenant, webhook_id))
            .await
    }

    async fn list_webhooks(&self, tenant: Uuid) -> Result<Vec<Webhook>, StoreError> {
        self.guard("list_webhooks", self.inner.list_webhooks(tenant))
            .await
    }

    async fn update_webhook(&self, webhook: &Webhook) -> Result<(), StoreError> {
        self.guard("update_webhook", self.inner.update_webhook(webhook))
            .await
    }

    async fn delete_webhook(
        &self,
        tenant: Uuid,
        webhook_id: Uuid,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.guard(
            "delete_webhook",
            self.inner.delete_webhook(tenant, webhook_id, at),
        )
        .await
    }

    async fn deliveries(
        &self,
        tenant: Uuid,
        webhook_id: Uuid,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        self.guard(
            "deliveries",
            self.inner.deliveries(tenant, webhook_id, limit),
        )
        .await
    }

    async fn replay_deliveries(
        &self,
        webhook_id: Uuid,
        since: Option<Timestamp>,
        event_id: Option<Uuid>,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        self.guard(
            "replay_deliveries",
            self.inner
                .replay_deliveries(webhook_id, since, event_id, now),
        )
        .await
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        owner: &str,
        limit: i64,
    ) -> Result<Vec<(Delivery, Webhook, Event)>, StoreError> {
        self.guard(
            "claim_deliveries",
            self.inner.claim_deliveries(now, lease_until, owner, limit),
        )
        .await
    }

    async fn record_delivery(
        &self,
        delivery: &Delivery,
        owner: &str,
        disable: Option<&str>,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.guard(
            "record_delivery",
            self.inner.record_delivery(delivery, owner, disable, at),
        )
        .await
    }

    async fn webhook_backlog(&self) -> Result<WebhookBacklog, StoreError> {
        self.guard("webhook_backlog", self.inner.webhook_backlog())
            .await
    }
}

#[async_trait]
impl RiskStore for FaultyStore {
    async fn record_risk_decisions(
        &self,
        decisions: &[RiskDecision],
        events: &[Event],
    ) -> Result<(), StoreError> {
        self.guard(
            "record_risk_decisions",
            self.inner.record_risk_decisions(decisions, events),
        )
        .await
    }

    async fn risk_decisions(
        &self,
        filter: &DecisionFilter,
    ) -> Result<Vec<(i64, RiskDecision)>, StoreError> {
        self.guard("risk_decisions", self.inner.risk_decisions(filter))
            .await
    }

    async fn risk_decision_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        self.guard("risk_decision_counts", self.inner.risk_decision_counts())
            .await
    }

    async fn risk_decision_summary(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<DecisionCount>, StoreError> {
        self.guard(
            "risk_decision_summary",
            self.inner.risk_decision_summary(from, to),
        )
        .await
    }

    async fn tenant_risk(&self, tenant: Uuid) -> Result<TenantRisk, StoreError> {
        self.guard("tenant_risk", self.inner.tenant_risk(tenant))
            .await
    }

    async fn tenants_risk(&self) -> Result<Vec<(Uuid, TenantRisk)>, StoreError> {
        self.guard("tenants_risk", self.inner.tenants_risk()).await
    }

    async fn set_tenant_settings(
        &self,
        tenant: Uuid,
        settings: &serde_json::Value,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.guard(
            "set_tenant_settings",
            self.inner.set_tenant_settings(tenant, settings, audit),
        )
        .await
    }

    async fn pause_tenant(&self, pause: &Pause) -> Result<bool, StoreError> {
        self.guard("pause_tenant", self.inner.pause_tenant(pause))
            .await
    }

    async fn resume_tenant(
        &self,
        tenant: Uuid,
        audit: &AuditEntry,
        events: &[Event],
    ) -> Result<bool, StoreError> {
        self.guard(
            "resume_tenant",
            self.inner.resume_tenant(tenant, audit, events),
        )
        .await
    }

    async fn add_block(&self, entry: &BlockEntry, audit: &AuditEntry) -> Result<bool, StoreError> {
        self.guard("add_block", self.inner.add_block(entry, audit))
            .await
    }

    async fn remove_block(
        &self,
        kind: BlockKind,
        value: &str,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        self.guard("remove_block", self.inner.remove_block(kind, value, audit))
            .await
    }

    async fn blocklist(&self) -> Result<Vec<BlockEntry>, StoreError> {
        self.guard("blocklist", self.inner.blocklist()).await
    }

    async fn blocked(
        &self,
        routing: &str,
        fingerprint: &str,
    ) -> Result<Option<BlockEntry>, StoreError> {
        self.guard("blocked", self.inner.blocked(routing, fingerprint))
            .await
    }

    async fn record_audit(&self, audit: &AuditEntry) -> Result<(), StoreError> {
        self.guard("record_audit", self.inner.record_audit(audit))
            .await
    }

    async fn unlock_bank_account(
        &self,
        change: &Change,
        unlocked_on: Timestamp,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.guard(
            "unlock_bank_account",
            self.inner.unlock_bank_account(change, unlocked_on, audit),
        )
        .await
    }

    async fn audit_trail(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(i64, AuditEntry)>, StoreError> {
        self.guard("audit_trail", self.inner.audit_trail(from, to))
            .await
    }

    async fn verifications_since(&self, tenant: Uuid, since: Timestamp) -> Result<i64, StoreError> {
        self.guard(
            "verifications_since",
            self.inner.verifications_since(tenant, since),
        )
        .await
    }

    async fn fingerprint_uses(
        &self,
        fingerprint: &str,
        since: Timestamp,
    ) -> Result<Vec<FingerprintUse>, StoreError> {
        self.guard(
            "fingerprint_uses",
            self.inner.fingerprint_uses(fingerprint, since),
        )
        .await
    }

    async fn return_volumes(
        &self,
        tenant: Option<Uuid>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(Uuid, ReturnVolumes)>, StoreError> {
        self.guard(
            "return_volumes",
            self.inner.return_volumes(tenant, from, to),
        )
        .await
    }
}

#[async_trait]
impl LinkStore for FaultyStore {
    async fn insert_link(&self, link: &VerificationLink) -> Result<(), StoreError> {
        self.guard("insert_link", self.inner.insert_link(link))
            .await
    }

    async fn link_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<VerificationLink>, StoreError> {
        self.guard(
            "link_by_token_hash",
            self.inner.link_by_token_hash(token_hash),
        )
        .await
    }

    async fn link(
        &self,
        tenant: Uuid,
        link_id: Uuid,
    ) -> Result<Option<VerificationLink>, StoreError> {
        self.guard("link", self.inner.link(tenant, link_id)).await
    }

    async fn revoke_link(
        &self,
        tenant: Uuid,
        link_id: Uuid,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.guard("revoke_link", self.inner.revoke_link(tenant, link_id, at))
            .await
    }

    async fn bind_link(&self, link_id: Uuid, bank_account_id: Uuid) -> Result<bool, StoreError> {
        self.guard("bind_link", self.inner.bind_link(link_id, bank_account_id))
            .await
    }

    async fn put_branding(&self, branding: &Branding) -> Result<(), StoreError> {
        self.guard("put_branding", self.inner.put_branding(branding))
            .await
    }

    async fn branding(&self, tenant: Uuid) -> Result<Option<Branding>, StoreError> {
        self.guard("branding", self.inner.branding(tenant)).await
    }
}

#[async_trait]
impl Store for FaultyStore {
    fn backend(&self) -> Backend {
        self.inner.backend()
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        self.guard("migrate", self.inner.migrate()).await
    }

    async fn health(&self) -> Result<(), StoreError> {
        self.guard("health", self.inner.health()).await
    }

    async fn check_writable(&self) -> Result<(), StoreError> {
        self.guard("check_writable", self.inner.check_writable())
            .await
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
