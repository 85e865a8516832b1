//! Use cases. Each one reads a snapshot, lets the pure rules decide, and applies the decision
//! with a compare-and-set on the bank account's version, retrying on a concurrent change.

use crate::ports::{CreditClaim, Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use pennydrop_calendar::CutoffSchedule;
use pennydrop_core::change::{Change, Snapshot};
use pennydrop_core::crypto::Vault;
use pennydrop_core::directory::Directory;
use pennydrop_core::model::{InstantCredit, Mode, Verification, VerificationSecret};
use pennydrop_core::random::{OsRandom, Random, Rng};
use pennydrop_core::Clock;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::accounts::Tenant;
use crate::idempotency::IdempotencyProblem;
use crate::link::LinkError;
use crate::rail::{InstantRail, OutgoingCredit, RailAnswer, RailOutcome};
use crate::recovery::{self, Method};
use crate::rules::{self, CreditRoute, Decision, Refusal};

/// How many times a decision is retried when the bank account changes underneath it.
pub(crate) const MAX_RETRIES: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A refusal about a bank account that was already linked (an enrollment's twin).
    #[error("{refusal}")]
    RefusedOn {
        bank_account_id: Uuid,
        refusal: Refusal,
    },
    /// The link details have problems; each names its field.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// Something with this identity already exists.
    #[error("{0} already exists")]
    Conflict(String),
    #[error("too much concurrent activity on this bank account; retry")]
    Busy,
    /// Over a rate limit (requests per second, or a key locked out after failed attempts).
    #[error("too many requests; retry in {retry_after} s")]
    Throttled { retry_after: u64 },
    #[error(transparent)]
    Store(StoreError),
    #[error("stored account number cannot be decrypted: {0}")]
    Crypto(#[from] pennydrop_core::crypto::CryptoError),
    /// A webhook's settings are refused; the problem names the field.
    #[error(transparent)]
    Webhook(#[from] crate::webhooks::WebhookProblem),
    /// The request's idempotency key does not let it run (see [`crate::idempotency`]).
    #[error(transparent)]
    Idempotency(#[from] crate::idempotency::IdempotencyProblem),
    /// One field of the request is invalid; `field` is its dotted path in the request
    /// (`profile.business.legalBusinessName`).
    #[error("{field} {reason}")]
    InvalidField { field: String, reason: String },
    /// The resource's nature does not allow the request (the facilitator account cannot be
    /// disconnected).
    #[error("{0}")]
    NotAllowed(String),
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => EngineError::Conflict(what),
            StoreError::Fenced => EngineError::Busy,
            other => EngineError::Store(other),
        }
    }
}

/// What an [`EngineError`] means to an API client, for dialects to give their own shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// No such resource, or nothing of the kind to act on.
    NotFound,
    /// The resource's state does not allow the request.
    Refused,
    /// The request's details are invalid (each problem names its field).
    Invalid,
    /// Something with this identity already exists.
    Conflict,
    /// Too much concurrent activity; retrying is safe.
    Busy,
    /// Over a rate limit: answer 429 with `Retry-After` ([`EngineError::retry_after`]).
    Throttled,
    /// The idempotency key is malformed, or was first used for a different request: 422.
    KeyMisused,
    /// A request with the same idempotency key is in progress (409 with `Retry-After`,
    /// [`EngineError::retry_after`]), or was carried out but its answer was lost (409).
    KeyInProgress,
    /// Our fault, not the caller's.
    Internal,
}

impl EngineError {
    pub fn class(&self) -> ErrorClass {
        match self {
            EngineError::NotFound(_) => ErrorClass::NotFound,
            EngineError::Refused(r) | EngineError::RefusedOn { refusal: r, .. } => {
                if r.is_not_found() {
                    ErrorClass::NotFound
                } else {
                    ErrorClass::Refused
                }
            }
            EngineError::Link(_) | EngineError::Webhook(_) | EngineError::InvalidField { .. } => {
                ErrorClass::Invalid
            }
            EngineError::NotAllowed(_) => ErrorClass::Refused,
            EngineError::Conflict(_) => ErrorClass::Conflict,
            EngineError::Busy => ErrorClass::Busy,
            EngineError::Throttled { .. } => ErrorClass::Throttled,
            EngineError::Store(_) | EngineError::Crypto(_) => ErrorClass::Internal,
            EngineError::Idempotency(p) => match p {
                IdempotencyProblem::InvalidKey(_) | IdempotencyProblem::Reused { .. } => {
                    ErrorClass::KeyMisused
                }
                IdempotencyProblem::InFlight { .. }
                | IdempotencyProblem::AnswerLost { .. }
                | IdempotencyProblem::Replayed => ErrorClass::KeyInProgress,
            },
        }
    }

    /// Seconds to wait, for a throttled request.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            EngineError::Throttled { retry_after } => Some(*retry_after),
            EngineError::Idempotency(p) => p.retry_after(),
            _ => None,
        }
    }

    /// The refusal, whichever bank account it is about.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            EngineError::Refused(r) | EngineError::RefusedOn { refusal: r, .. } => Some(r),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The ODFI company name that appears on statements.
    pub company_name: String,
    pub schedule: CutoffSchedule,
    /// How long `x-wait-for: rail-response` waits for the instant rail.
    pub rail_wait: Duration,
    /// A submitted instant credit with no final answer for this long is asked about (pacs.028).
    pub status_after: SignedDuration,
    /// Requests per second per tenant, and the lockout after failed authentications.
    pub rate_limits: crate::limits::RateLimits,
    /// Networks webhook targets may (not) be in.
    pub webhook_networks: crate::webhooks::NetworkPolicy,
    /// How long a worker holds the deliveries it claimed before another may take them over.
    pub webhook_lease: SignedDuration,
    /// The deployment's risk settings (tenants may override them; `docs/risk.md`).
    pub risk: crate::risk::RiskSettings,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            company_name: "PENNYDROP".into(),
            schedule: CutoffSchedule::default_windows(),
            rail_wait: Duration::from_secs(10),
            status_after: SignedDuration::from_secs(30),
            rate_limits: crate::limits::RateLimits::default(),
            webhook_networks: crate::webhooks::NetworkPolicy::default(),
            webhook_lease: crate::webhooks::LEASE,
            risk: crate::risk::RiskSettings::default(),
        }
    }
}

#[derive(Debug)]
pub struct Engine {
    store: Arc<dyn Store>,
    vault: Arc<Vault>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Random>,
    directory: Arc<Directory>,
    instant: Arc<dyn InstantRail>,
    config: EngineConfig,
    wake: Notify,
    limiter: crate::limits::Limiter,
    webhook_sender: Arc<dyn crate::webhooks::WebhookSender>,
    webhook_wake: Notify,
    metrics: Arc<crate::metrics::Metrics>,
}

/// One return or notification of change from an inbound file, matched to its original entry.
#[derive(Debug, Clone)]
pub enum InboundAction {
    Return {
        entry: pennydrop_core::model::AchEntry,
        code: String,
    },
    Noc {
        entry: pennydrop_core::model::AchEntry,
        code: String,
        corrected: crate::returns::CorrectedData,
    },
}

impl InboundAction {
    pub fn entry(&self) -> &pennydrop_core::model::AchEntry {
        match self {
            Self::Return { entry, .. } | Self::Noc { entry, .. } => entry,
        }
    }
}

/// Which bank account a call is about, as seen by a tenant.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub tenant: Uuid,
    pub mode: Mode,
    pub account_id: Uuid,
    pub bank_account_id: Uuid,
}

impl Engine {
    pub fn new(
        store: Arc<dyn Store>,
        vault: Arc<Vault>,
        clock: Arc<dyn Clock>,
        instant: Arc<dyn InstantRail>,
        config: EngineConfig,
    ) -> Self {
        Self {
            store,
            vault,
            clock,
            random: Arc::new(OsRandom),
            directory: Arc::new(Directory::bundled()),
            instant,
            config,
            wake: Notify::new(),
            limiter: crate::limits::Limiter::default(),
            webhook_sender: Arc::new(crate::webhooks::NoWebhookSender),
            webhook_wake: Notify::new(),
            metrics: Arc::default(),
        }
    }

    /// Where webhooks go (HTTP in production).
    pub fn with_webhook_sender(mut self, sender: Arc<dyn crate::webhooks::WebhookSender>) -> Self {
        self.webhook_sender = sender;
        self
    }

    pub(crate) fn webhook_sender(&self) -> &dyn crate::webhooks::WebhookSender {
        self.webhook_sender.as_ref()
    }

    /// Wakes the webhook worker (events were just written or replayed).
    pub fn wake_webhooks(&self) {
        self.webhook_wake.notify_one();
    }

    /// The webhook delivery worker until `shutdown` resolves: a pass every second, or at once
    /// when woken. `owner` names this process in delivery leases.
    pub async fn run_webhooks(
        self: Arc<Self>,
        owner: String,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let mut poll = tokio::time::interval(Duration::from_secs(1));
        // Attempts run beside the loop: a pass never waits for a slow endpoint, so other
        // endpoints' deliveries (and other tenants') go out on the next pass.
        let mut in_flight = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.webhook_wake.notified() => {}
                _ = poll.tick() => {}
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => continue,
            }
            let room = crate::webhooks::MAX_IN_FLIGHT.saturating_sub(in_flight.len());
            if room == 0 {
                continue;
            }
            if let Err(e) = self.start_due_webhooks(&owner, room, &mut in_flight).await {
                tracing::warn!(error = %e, "webhook delivery pass failed");
            }
        }
    }

    /// The in-process metrics registry (HTTP requests, cutoffs).
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// Draws randomness (amounts, codes, IDs) from `random` instead of the OS CSPRNG.
    pub fn with_random(mut self, random: Arc<dyn Random>) -> Self {
        self.random = random;
        self
    }

    /// Names banks (and, if authoritative, refuses unknown ones) from `directory` instead of
    /// the bundled sample.
    pub fn with_directory(mut self, directory: Arc<Directory>) -> Self {
        self.directory = directory;
        self
    }

    pub(crate) fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub(crate) fn vault(&self) -> &Vault {
        &self.vault
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub(crate) fn random(&self) -> &dyn Random {
        self.random.as_ref()
    }

    /// An independent source of randomness for a component working beside the engine (the
    /// ACH rail), derived from the engine's, so seeded runs replay.
    pub fn fork_random(&self, label: &str) -> Arc<dyn Random> {
        self.random.fork(label)
    }

    pub(crate) fn rng(&self) -> Rng<'_> {
        Rng(self.random.as_ref())
    }

    pub(crate) fn directory(&self) -> &Directory {
        &self.directory
    }

    pub(crate) fn limiter(&self) -> &crate::limits::Limiter {
        &self.limiter
    }

    /// A snapshot by bank account ID alone, its secrets opened.
    pub(crate) async fn snapshot_by_id(&self, id: Uuid) -> Result<Option<Snapshot>, EngineError> {
        match self.store.snapshot_by_id(id).await? {
            Some(snap) => Ok(Some(self.opened(snap)?)),
            None => Ok(None),
        }
    }

    /// The snapshot with its verification secrets opened for the rules.
    fn opened(&self, mut snap: Snapshot) -> Result<Snapshot, EngineError> {
        for v in &mut snap.verifications {
            if let VerificationSecret::Sealed(sealed) = &v.secret {
                let plain = self
                    .vault
                    .open_bytes(sealed, v.verification_id.as_bytes())?;
                let text = String::from_utf8(plain)
                    .map_err(|_| pennydrop_core::crypto::CryptoError::Corrupt)?;
                v.secret = VerificationSecret::decode(v.kind, &text)
                    .ok_or(pennydrop_core::crypto::CryptoError::Corrupt)?;
            }
        }
        Ok(snap)
    }

    /// A verification as it is stored: its secret sealed, bound to the verification's ID.
    fn sealed(&self, v: &Verification) -> Verification {
        let mut stored = v.clone();
        if !matches!(v.secret, VerificationSecret::Sealed(_)) {
            let clear = v.secret.encode();
            stored.secret = VerificationSecret::Sealed(
                self.vault
                    .seal_bytes(clear.as_bytes(), v.verification_id.as_bytes()),
            );
        }
        stored
    }

    /// A decision as it is stored (secrets sealed).
    pub(crate) fn sealed_change(&self, change: &Change) -> Change {
        let mut stored = change.clone();
        stored.insert_verification = change.insert_verification.as_ref().map(|v| self.sealed(v));
        stored.update_verification = change.update_verification.as_ref().map(|v| self.sealed(v));
        // The MV code travels in the credit's remittance and in an ACH credit's addenda.
        for credit in &mut stored.instant_credits {
            credit.remittance = self
                .vault
                .seal_text(&credit.remittance, credit.credit_id.as_bytes());
        }
        // Micro-deposit amounts are the holder's secret too (the debit is their sum).
        for entry in &mut stored.ach_entries {
            let aad = entry.entry_id.as_bytes();
            entry.addenda = entry.addenda.as_ref().map(|a| self.vault.seal_text(a, aad));
            if entry.amount_is_secret() && entry.sealed_amount.is_none() {
                let amount = entry.amount_cents.to_string();
                entry.sealed_amount = Some(self.vault.seal_text(&amount, aad));
                entry.amount_cents = 0;
            }
        }
        stored
    }

    /// Applies a decision with its secrets sealed.
    pub(crate) async fn apply(&self, change: &Change) -> Result<(), StoreError> {
        self.store.apply(&self.sealed_change(change)).await?;
        if !change.events.is_empty() {
            self.wake_webhooks();
        }
        Ok(())
    }

    /// When the next cutoff window closes (micro-deposits queued now leave then).
    pub(crate) fn next_window_at(&self) -> Timestamp {
        self.config.schedule.next_window(self.clock.now()).at
    }

    pub fn instant_capable(&self, routing_number: &str) -> bool {
        self.instant.route(routing_number).is_some()
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    fn not_found(t: &Target) -> EngineError {
        EngineError::NotFound(format!("bank account {} not found", t.bank_account_id))
    }

    /// The current snapshot, with any due expiry applied first (lazy expiry).
    pub async fn snapshot(&self, t: &Target) -> Result<Snapshot, EngineError> {
        for _ in 0..MAX_RETRIES {
            let snap = self
                .store
                .snapshot(t.tenant, t.account_id, t.bank_account_id)
                .await?
                .ok_or_else(|| Self::not_found(t))
                .and_then(|s| self.opened(s))?;
            match rules::expire(&snap, self.clock.now(), &mut self.rng()) {
                None => return Ok(snap),
                Some(change) => match self.apply(&change).await {
                    Ok(()) | Err(StoreError::Stale) => continue,
                    Err(e) => return Err(e.into()),
                },
            }
        }
        Err(EngineError::Busy)
    }

    /// A bank account as it is now (any due expiry applied first).
    pub async fn bank_account(
        &self,
        t: &Target,
    ) -> Result<pennydrop_core::model::BankAccount, EngineError> {
        Ok(self.snapshot(t).await?.bank_account)
    }

    /// An account's active bank accounts as they are now (due expiries applied first), oldest
    /// first; NotFound if the account is not the tenant's.
    pub async fn bank_accounts(
        &self,
        tenant: Tenant,
        account_id: Uuid,
    ) -> Result<Vec<pennydrop_core::model::BankAccount>, EngineError> {
        self.account(tenant, account_id).await?;
        let listed = self.store.list_bank_accounts(tenant.id, account_id).await?;
        let mut out = Vec::with_capacity(listed.len());
        for b in listed {
            // Only bank accounts whose status can still move by time need a second look.
            if b.status != pennydrop_core::model::BankAccountStatus::Pending {
                out.push(b);
                continue;
            }
            match self.snapshot(&tenant.target_of(&b)).await {
                Ok(snap) => out.push(snap.bank_account),
                Err(EngineError::NotFound(_)) => {} // disabled meanwhile
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Runs `decide` against fresh snapshots until its change applies cleanly.
    async fn decide<T>(
        &self,
        t: &Target,
        mut decide: impl FnMut(&Snapshot, Timestamp) -> Decision<T>,
    ) -> Result<T, EngineError> {
        for _ in 0..MAX_RETRIES {
            let snap = self.snapshot(t).await?;
            let decision = decide(&snap, self.clock.now());
            if let Some(change) = &decision.change {
                match self.apply(change).await {
                    Ok(()) => {}
                    Err(StoreError::Stale) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            return decision.result.map_err(EngineError::from);
        }
        Err(EngineError::Busy)
    }

    /// Asks the risk component before a verification starts, unless the rules will refuse it
    /// anyway (verified, unusable, one in progress), so that their refusal is the answer.
    /// Returns the tenant's settings and the snapshot it looked at, for the start itself.
    async fn screen_start(
        &self,
        t: &Target,
        method: Method,
    ) -> Result<(crate::risk::RiskSettings, Snapshot), EngineError> {
        let snap = self.snapshot(t).await?;
        let controls = self.tenant_controls(t.tenant).await?;
        let rounds = controls.settings.bank_account_rounds;
        if rules::may_start(&snap, rounds, method).is_ok() {
            let id = Some(snap.bank_account.bank_account_id);
            self.screen_initiation(&snap.bank_account, t.mode, id, &controls)
                .await?;
        }
        Ok((controls.settings, snap))
    }

    pub async fn initiate_micro_deposits(&self, t: &Target) -> Result<(), EngineError> {
        let (settings, _) = self.screen_start(t, Method::MicroDeposits).await?;
        let due_at = self.config.schedule.next_window(self.clock.now()).at;
        let rounds = settings.bank_account_rounds;
        let mut verdict = None;
        let result = self
            .decide(t, |snap, now| {
                verdict = recovery::rounds_verdict(snap, &settings, Method::MicroDeposits);
                match rules::initiate_micro_deposits(
                    snap,
                    t.mode,
                    rounds,
                    due_at,
                    now,
                    &mut self.rng(),
                ) {
                    Ok(change) => Decision {
                        change: Some(change),
                        result: Ok(()),
                    },
                    Err(r) => Decision {
                        change: None,
                        result: Err(r),
                    },
                }
            })
            .await;
        self.record_rounds_verdict(t.tenant, t.bank_account_id, verdict, result)
            .await
    }

    pub async fn complete_micro_deposits(
        &self,
        t: &Target,
        amounts: [i64; 2],
    ) -> Result<(), EngineError> {
        let rounds = self
            .screen_completion(&self.snapshot(t).await?.bank_account)
            .await?
            .bank_account_rounds;
        self.decide(t, |snap, now| {
            rules::complete_micro_deposits(snap, rounds, amounts, now, &mut self.rng())
        })
        .await
    }

    /// Starts an instant verification. With `wait`, waits (bounded) for the instant rail's
    /// answer before returning the verification.
    pub async fn initiate_instant(
        &self,
        t: &Target,
        wait: bool,
    ) -> Result<Verification, EngineError> {
        let (settings, snap) = self.screen_start(t, Method::Instant).await?;
        let now = self.clock.now();
        let route = match self.instant.route(&snap.bank_account.routing_number) {
            Some(network) => CreditRoute::Instant(network),
            None => CreditRoute::Ach {
                due_at: self.config.schedule.next_window(now).at,
            },
        };
        let company = self.config.company_name.clone();
        let rounds = settings.bank_account_rounds;
        let mut verdict = None;
        let mut credits: Vec<InstantCredit> = Vec::new();
        let result = self
            .decide(t, |snap, now| {
                verdict = recovery::rounds_verdict(snap, &settings, Method::Instant);
                match rules::initiate_instant(
                    snap,
                    t.mode,
                    rounds,
                    route,
                    &company,
                    now,
                    &mut self.rng(),
                ) {
                    Ok((change, v)) => {
                        credits = change.instant_credits.clone();
                        Decision {
                            change: Some(change),
                            result: Ok(v),
                        }
                    }
                    Err(r) => Decision {
                        change: None,
                        result: Err(r),
                    },
                }
            })
            .await;
        let verification = self
            .record_rounds_verdict(t.tenant, t.bank_account_id, verdict, result)
            .await?;
        if credits.is_empty() {
            return Ok(verification);
        }
        if wait {
            let send = async {
                for credit in &credits {
                    if let Err(e) = self.dispatch_credit(credit).await {
                        tracing::warn!(error = %e, credit_id = %credit.credit_id, "instant credit dispatch failed");
                    }
                }
            };
            if tokio::time::timeout(self.config.rail_wait, send)
                .await
                .is_err()
            {
                tracing::warn!("instant rail did not answer within the x-wait-for bound");
            }
            return self.instant_verification(t).await;
        }
        self.wake.notify_one();
        Ok(verification)
    }

    /// The latest instant verification of the bank account.
    pub async fn instant_verification(&self, t: &Target) -> Result<Verification, EngineError> {
        let snap = self.snapshot(t).await?;
        snap.latest(|v| v.kind != pennydrop_core::model::VerificationKind::MicroDeposits)
            .cloned()
            .ok_or(EngineError::Refused(Refusal::NoInstantVerification))
    }

    pub async fn complete_instant(
        &self,
        t: &Target,
        code: &str,
    ) -> Result<Verification, EngineError> {
        let rounds = self
            .screen_completion(&self.snapshot(t).await?.bank_account)
            .await?
            .bank_account_rounds;
        self.decide(t, |snap, now| {
            rules::complete_instant(snap, rounds, code, now, &mut self.rng())
        })
        .await
    }

    /// Sends one instant credit, or asks about one whose answer never came, unless another
    /// worker holds it; applies a final answer. A credit is sent once: after a timeout or a
    /// crash it is asked about (pacs.028), and sent again only if the bank never received it.
    pub async fn dispatch_credit(&self, credit: &InstantCredit) -> Result<(), EngineError> {
        self.dispatch_credit_since(credit, self.clock.now() - self.config.status_after)
            .await
    }

    async fn dispatch_credit_since(
        &self,
        credit: &InstantCredit,
        stale_before: Timestamp,
    ) -> Result<(), EngineError> {
        let now = self.clock.now();
        let Some(claim) = self
            .store
            .claim_instant_credit(credit.credit_id, now, stale_before)
            .await?
        else {
            return Ok(());
        };
        let Some(outgoing) = self.outgoing_credit(credit).await? else {
            return Ok(()); // disabled meanwhile: the disable cancelled what was still pending
        };
        let network = credit.network;
        let mut answer = match claim {
            CreditClaim::Send => self.instant.send_credit(network, &outgoing).await,
            CreditClaim::Ask => self.instant.ask_status(network, &outgoing).await,
        };
        if matches!(answer, Ok(RailAnswer::NotReceived)) {
            answer = self.instant.send_credit(network, &outgoing).await;
        }
        match answer {
            Ok(RailAnswer::Final(outcome)) => self.apply_credit_answer(credit, &outcome).await,
            Ok(RailAnswer::Pending | RailAnswer::NotReceived) => Ok(()),
            Err(e) => {
                // Left submitted: after `status_after` it is asked about (never resent).
                tracing::warn!(error = %e, credit_id = %credit.credit_id, "instant credit outcome unknown");
                Ok(())
            }
        }
    }

    /// The credit as the rail sends it (account number and remittance opened), or `None` when
    /// the bank account was disabled.
    async fn outgoing_credit(
        &self,
        credit: &InstantCredit,
    ) -> Result<Option<OutgoingCredit>, EngineError> {
        let Some(snap) = self.snapshot_by_id(credit.bank_account_id).await? else {
            return Ok(None);
        };
        let b = &snap.bank_account;
        Ok(Some(OutgoingCredit {
            credit_id: credit.credit_id,
            routing_number: b.routing_number.clone(),
            account_number: self.vault.open(&b.sealed, b.bank_account_id.as_bytes())?,
            creditor_name: b.holder_name.clone(),
            debtor_name: self.config.company_name.clone(),
            amount_cents: credit.amount_cents,
            remittance: self
                .vault
                .open_text(&credit.remittance, credit.credit_id.as_bytes())?,
        }))
    }

    async fn apply_credit_answer(
        &self,
        credit: &InstantCredit,
        outcome: &RailOutcome,
    ) -> Result<(), EngineError> {
        for _ in 0..MAX_RETRIES {
            let Some(snap) = self.snapshot_by_id(credit.bank_account_id).await? else {
                return Ok(());
            };
            let change: Change = rules::credit_answered(
                &snap,
                credit.verification_id,
                credit.credit_id,
                credit.network,
                outcome,
                self.clock.now(),
                &mut self.rng(),
            );
            match self.apply(&change).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Stale) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Busy)
    }

    /// Runs a background decision on a bank account by ID until it applies.
    async fn decide_by_id(
        &self,
        bank_account_id: Uuid,
        mut decide: impl FnMut(&Snapshot, Timestamp) -> Result<Option<Change>, EngineError>,
    ) -> Result<bool, EngineError> {
        for _ in 0..MAX_RETRIES {
            let Some(snap) = self.snapshot_by_id(bank_account_id).await? else {
                return Ok(false); // disabled: nothing left to change
            };
            let Some(change) = decide(&snap, self.clock.now())? else {
                return Ok(false);
            };
            match self.apply(&change).await {
                Ok(()) => return Ok(true),
                Err(StoreError::Stale) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Busy)
    }

    /// Applies returns and NOCs from an inbound file with one commit per layer instead of one
    /// each: the first item of every bank account goes in the first layer, the second in the
    /// second, and so on, so each layer holds distinct bank accounts and a later item sees the
    /// earlier one's effect. Each decision is made on its bank account's snapshot, read fresh
    /// for each layer. If anything else changed one of the bank accounts meanwhile (the store
    /// reports the layer stale and applies none of it), the layer is applied one item at a
    /// time, each retried.
    pub async fn apply_inbound(&self, actions: &[InboundAction]) -> Result<(), EngineError> {
        let mut seen: std::collections::HashMap<Uuid, usize> = std::collections::HashMap::new();
        let mut layers: Vec<Vec<&InboundAction>> = Vec::new();
        for action in actions {
            let before = seen.entry(action.entry().bank_account_id).or_insert(0);
            if layers.len() <= *before {
                layers.push(Vec::new());
            }
            layers[*before].push(action);
            *before += 1;
        }
        for layer in &layers {
            self.apply_inbound_layer(layer).await?;
        }
        Ok(())
    }

    async fn apply_inbound_layer(&self, actions: &[&InboundAction]) -> Result<(), EngineError> {
        if actions.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = actions.iter().map(|a| a.entry().bank_account_id).collect();
        let mut snaps: std::collections::HashMap<Uuid, Snapshot> = std::collections::HashMap::new();
        for snap in self.store.snapshots_by_ids(&ids).await? {
            snaps.insert(snap.bank_account.bank_account_id, self.opened(snap)?);
        }
        let mut changes = Vec::with_capacity(actions.len());
        let mut of_disabled = Vec::new();
        for action in actions {
            let Some(snap) = snaps.get(&action.entry().bank_account_id) else {
                // Disabled: no bank account to decide on, but a return is still the entry's.
                if let InboundAction::Return { entry, code } = action {
                    of_disabled.push((entry.entry_id, code.clone()));
                }
                continue;
            };
            let change = self.inbound_change(snap, action, self.clock.now())?;
            changes.push(self.sealed_change(&change));
        }
        if !of_disabled.is_empty() {
            self.store
                .record_returns_of_disabled(&of_disabled, self.clock.now())
                .await?;
        }
        match self.store.apply_all(&changes).await {
            Ok(()) => {
                if changes.iter().any(|c| !c.events.is_empty()) {
                    self.wake_webhooks();
                }
                Ok(())
            }
            Err(StoreError::Stale) => {
                for action in actions {
                    self.apply_inbound_one(action).await?;
                }
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn apply_inbound_one(&self, action: &InboundAction) -> Result<bool, EngineError> {
        let applied = self
            .decide_by_id(action.entry().bank_account_id, |snap, now| {
                self.inbound_change(snap, action, now).map(Some)
            })
            .await?;
        // Not applied only when the bank account is gone (the decision always changes
        // something): disconnected since the layer read it, and the return is still the entry's.
        if let (false, InboundAction::Return { entry, code }) = (applied, action) {
            self.store
                .record_returns_of_disabled(&[(entry.entry_id, code.clone())], self.clock.now())
                .await?;
        }
        Ok(applied)
    }

    /// The decision for one return (`returns::ach_return`) or NOC (`returns::noc`, with the
    /// corrected account number sealed and the fingerprint recomputed).
    fn inbound_change(
        &self,
        snap: &Snapshot,
        action: &InboundAction,
        now: Timestamp,
    ) -> Result<Change, EngineError> {
        match action {
            InboundAction::Return { entry, code } => Ok(crate::returns::ach_return(
                snap,
                entry,
                code,
                now,
                &mut self.rng(),
            )),
            InboundAction::Noc {
                entry,
                code,
                corrected,
            } => self.noc_change(snap, entry, code, corrected, now),
        }
    }

    /// Holds back the pending entries of a verification that a cutoff found would break its
    /// file (`holds`: the rule per entry) and fails the verification (`rules::hold_back`), in
    /// one transaction. False if none of them is pending any more (claimed or cancelled
    /// meanwhile), in which case nothing changes.
    pub async fn hold_back(
        &self,
        bank_account_id: Uuid,
        verification_id: Uuid,
        holds: &[pennydrop_core::model::EntryHold],
    ) -> Result<bool, EngineError> {
        for _ in 0..MAX_RETRIES {
            let Some(snap) = self.snapshot_by_id(bank_account_id).await? else {
                return Ok(false); // disabled: its pending entries were cancelled
            };
            let pending: Vec<_> = self
                .store
                .ach_entries_for(bank_account_id)
                .await?
                .into_iter()
                .filter(|e| e.status == pennydrop_core::model::EntryStatus::Pending)
                .map(|e| e.entry_id)
                .collect();
            let still: Vec<_> = holds
                .iter()
                .filter(|h| pending.contains(&h.entry_id))
                .cloned()
                .collect();
            if still.is_empty() {
                return Ok(false);
            }
            let now = self.clock.now();
            let change =
                crate::rules::hold_back(&snap, verification_id, still, now, &mut self.rng());
            match self.apply(&change).await {
                Ok(()) => return Ok(true),
                Err(StoreError::Stale) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Busy)
    }

    /// A notification of change: re-encrypts a corrected account number, updates the
    /// fingerprint, routing number, holder name or account type, and records the NOC.
    fn noc_change(
        &self,
        snap: &Snapshot,
        entry: &pennydrop_core::model::AchEntry,
        change_code: &str,
        corrected: &crate::returns::CorrectedData,
        now: Timestamp,
    ) -> Result<Change, EngineError> {
        let vault = &self.vault;
        let b = &snap.bank_account;
        let mut fields = Vec::new();
        let mut fix = pennydrop_core::change::Correction::default();
        let current = vault.open(&b.sealed, b.bank_account_id.as_bytes())?;
        let number = corrected
            .account_number
            .clone()
            .unwrap_or_else(|| current.clone());
        let routing = corrected
            .routing_number
            .clone()
            .unwrap_or_else(|| b.routing_number.clone());
        if let Some(n) = &corrected.account_number {
            fix.sealed = Some(vault.seal(n, b.bank_account_id.as_bytes()));
            fix.last_four = Some(n.last_four());
            fields.push("accountNumber".to_string());
        }
        if let Some(r) = &corrected.routing_number {
            fix.routing_number = Some(r.clone());
            fields.push("routingNumber".to_string());
        }
        if corrected.account_number.is_some() || corrected.routing_number.is_some() {
            if let Ok(r) = pennydrop_core::RoutingNumber::parse(&routing) {
                fix.fingerprint = Some(vault.fingerprint(&r, &number));
            }
        }
        if let Some(name) = &corrected.holder_name {
            fix.holder_name = Some(name.clone());
            fields.push("holderName".to_string());
        }
        if let Some(t) = corrected.bank_account_type {
            fix.bank_account_type = Some(t);
            fields.push("bankAccountType".to_string());
        }
        Ok(crate::returns::noc(
            snap,
            entry,
            change_code,
            fix,
            fields,
            now,
            &mut self.rng(),
        ))
    }

    /// Sends every pending instant credit and asks about every one left unanswered for
    /// `status_after`; returns how many were attempted.
    pub async fn dispatch_open_credits(&self) -> Result<usize, EngineError> {
        self.dispatch_open_credits_since(self.clock.now() - self.config.status_after)
            .await
    }

    /// After a restart: asks about every credit submitted before now whose answer was never
    /// stored (the previous process may have sent it and died), without waiting out
    /// `status_after`.
    pub async fn recover_instant_credits(&self) -> Result<usize, EngineError> {
        self.dispatch_open_credits_since(self.clock.now()).await
    }

    async fn dispatch_open_credits_since(
        &self,
        stale_before: Timestamp,
    ) -> Result<usize, EngineError> {
        let open = self.store.open_instant_credits(stale_before, 100).await?;
        for credit in &open {
            self.dispatch_credit_since(credit, stale_before).await?;
        }
        Ok(open.len())
    }

    /// Expires every verification whose time is up, so statuses and events are right even for
    /// bank accounts nobody reads. Returns how many bank accounts changed.
    pub async fn expire_due(&self) -> Result<usize, EngineError> {
        let mut total = 0;
        loop {
            let due = self.store.due_expirations(self.clock.now(), 500).await?;
            if due.is_empty() {
                return Ok(total);
            }
            let mut progressed = 0;
            for id in due {
                let Some(snap) = self.snapshot_by_id(id).await? else {
                    continue;
                };
                if let Some(change) = rules::expire(&snap, self.clock.now(), &mut self.rng()) {
                    match self.apply(&change).await {
                        Ok(()) => progressed += 1,
                        Err(StoreError::Stale) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            total += progressed;
            if progressed == 0 {
                return Ok(total);
            }
        }
    }

    /// Background work until `shutdown` resolves: sends instant credits as soon as they are
    /// queued (or left behind by a crash) and sweeps expiries every `sweep_every`.
    pub async fn run_background(
        self: Arc<Self>,
        sweep_every: Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        match self.recover_instant_credits().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(credits = n, "asked about instant credits left unanswered"),
            Err(e) => tracing::warn!(error = %e, "instant credit recovery failed"),
        }
        let mut sweep = tokio::time::interval(sweep_every);
        let mut poll = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.wake.notified() => {}
                _ = poll.tick() => {}
                _ = sweep.tick() => {
                    match self.expire_due().await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(expired = n, "expired verifications"),
                        Err(e) => tracing::warn!(error = %e, "expiry sweep failed"),
                    }
                    if let Err(e) = self.purge_idempotency().await {
                        tracing::warn!(error = %e, "idempotency key purge failed");
                    }
                    continue;
                }
            }
            if let Err(e) = self.dispatch_open_credits().await {
                tracing::warn!(error = %e, "instant credit dispatch failed");
            }
        }
    }
}
