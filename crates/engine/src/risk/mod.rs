//! The risk component: one place every use case that moves money or verifies asks before it
//! acts. The rules are pure ([`rules`]); this module reads what they need through the
//! [`RiskStore`](crate::ports::RiskStore) port, records their decisions, and carries out the
//! operators' actions (blocklist, pause and resume, settings), each with an audit entry.
//! `docs/risk.md` explains every rule.

pub mod operator;
pub mod report;
pub mod rules;
pub mod settings;

pub use operator::{BlockTarget, TenantControls};
pub use settings::{Limit, ReturnRates, RiskSettings, Rounds, Shared, SignalAction};

use crate::ports::{DecisionFilter, Pause};
use crate::rules::Refusal;
use crate::service::{Engine, EngineError};
use pennydrop_core::model::{BankAccount, Mode};
use pennydrop_core::risk::{
    AuditAction, AuditEntry, RiskDecision, RiskOutcome, RiskRule, SYSTEM_ACTOR,
};
use uuid::Uuid;

impl Engine {
    /// The settings that apply to a tenant: the deployment's with the tenant's overrides.
    pub async fn risk_settings(&self, tenant: Uuid) -> Result<RiskSettings, EngineError> {
        Ok(self.tenant_controls(tenant).await?.settings)
    }
}

impl Engine {
    /// Records decisions, each with its `risk.decision` event for the tenant, in one
    /// transaction. `bank_account_id` names what they are about, when they are about one.
    pub(crate) async fn record_verdicts(
        &self,
        tenant: Uuid,
        bank_account_id: Option<Uuid>,
        verdicts: &[rules::Verdict],
    ) -> Result<(), EngineError> {
        if verdicts.is_empty() {
            return Ok(());
        }
        let now = self.clock().now();
        let mut decisions = Vec::with_capacity(verdicts.len());
        let mut events = Vec::with_capacity(verdicts.len());
        for v in verdicts {
            let d = RiskDecision {
                decision_id: crate::rules::random_uuid(&mut self.rng()),
                tenant_id: tenant,
                bank_account_id,
                rule: v.rule,
                outcome: v.outcome,
                inputs: v.inputs.clone(),
                decided_on: now,
            };
            events.push(pennydrop_core::events::risk_decision(
                &d,
                crate::rules::random_uuid(&mut self.rng()),
            ));
            decisions.push(d);
        }
        self.store()
            .record_risk_decisions(&decisions, &events)
            .await?;
        self.wake_webhooks();
        Ok(())
    }

    /// Records the verdicts and turns the first refusal among them into the engine's error.
    pub(crate) async fn enforce(
        &self,
        tenant: Uuid,
        bank_account_id: Option<Uuid>,
        verdicts: Vec<rules::Verdict>,
    ) -> Result<(), EngineError> {
        self.record_verdicts(tenant, bank_account_id, &verdicts)
            .await?;
        match verdicts.into_iter().find(rules::Verdict::refuses) {
            Some(v) => Err(EngineError::Refused(Refusal::Risk {
                rule: v.rule,
                detail: v.detail,
            })),
            None => Ok(()),
        }
    }
}

/// The first refusal ends a screening; flags and near-limit notes gathered before it are kept
/// only when nothing refuses.
#[derive(Default)]
struct Screening {
    verdicts: Vec<rules::Verdict>,
}

impl Screening {
    /// Adds a verdict; true if it refuses (stop screening).
    fn add(&mut self, verdict: Option<rules::Verdict>) -> bool {
        match verdict {
            Some(v) if v.refuses() => {
                self.verdicts = vec![v];
                true
            }
            Some(v) => {
                self.verdicts.push(v);
                false
            }
            None => false,
        }
    }
}

fn days(n: u32) -> jiff::SignedDuration {
    jiff::SignedDuration::from_hours(24 * i64::from(n))
}

/// A tenant's effective settings and its pause, read once per request and handed to each
/// screening.
#[derive(Debug, Clone)]
pub(crate) struct Controls {
    pub settings: RiskSettings,
    pub state: pennydrop_core::risk::TenantRisk,
}

impl Engine {
    /// The tenant's settings and pause.
    pub(crate) async fn tenant_controls(&self, tenant: Uuid) -> Result<Controls, EngineError> {
        let state = self.store().tenant_risk(tenant).await?;
        let settings = if state.settings.is_null() {
            self.config().risk.clone()
        } else {
            self.config()
                .risk
                .patched(&state.settings)
                .map_err(|p| EngineError::InvalidField {
                    field: "settings".into(),
                    reason: p.0,
                })?
        };
        Ok(Controls { settings, state })
    }

    /// Before a verification starts (micro-deposits, instant credit, enrollment): the tenant's
    /// pause, the blocklist, the tenant's velocity, and the same bank account elsewhere.
    /// `recorded_as` is the bank account's ID when it exists (an enrollment's new one does not
    /// yet).
    pub(crate) async fn screen_initiation(
        &self,
        b: &BankAccount,
        mode: Mode,
        recorded_as: Option<Uuid>,
        controls: &Controls,
    ) -> Result<(), EngineError> {
        let tenant = b.tenant_id;
        let (settings, state) = (&controls.settings, &controls.state);
        let mut s = Screening::default();
        if let Some(paused_on) = state.paused_on {
            let rule = state.paused_rule.clone().unwrap_or_default();
            s.add(Some(rules::paused(paused_on, &rule)));
            return self.enforce(tenant, recorded_as, s.verdicts).await;
        }
        if self.screen_blocklist(settings, b, &mut s).await? {
            return self.enforce(tenant, recorded_as, s.verdicts).await;
        }
        let now = self.clock().now();
        let near = settings.near_limit_percent;
        for (rule, limit, window) in [
            (
                RiskRule::TenantHourly,
                settings.tenant_hourly,
                jiff::SignedDuration::from_hours(1),
            ),
            (RiskRule::TenantDaily, settings.tenant_daily, days(1)),
        ] {
            if !limit.enabled {
                continue;
            }
            let count = self
                .store()
                .verifications_since(tenant, now - window)
                .await?;
            if s.add(rules::count_limit(rule, limit, near, count)) {
                return self.enforce(tenant, recorded_as, s.verdicts).await;
            }
        }
        // Sandbox tenants share a handful of test account numbers: the signals across tenants
        // and names would only be noise there.
        if mode == Mode::Sandbox {
            return self.enforce(tenant, recorded_as, s.verdicts).await;
        }
        let shared = settings.shared_tenants;
        if shared.enabled {
            let others = self.same_bank_account(b, shared.window_days).await?;
            if s.add(rules::shared_tenants(shared, tenant, &others)) {
                return self.enforce(tenant, recorded_as, s.verdicts).await;
            }
        }
        let shared = settings.shared_holder_names;
        if shared.enabled {
            let others = self.same_bank_account(b, shared.window_days).await?;
            s.add(rules::shared_holder_names(shared, &b.holder_name, &others));
        }
        self.enforce(tenant, recorded_as, s.verdicts).await
    }

    /// Other bank accounts with the same fingerprint used within the last `window_days`.
    async fn same_bank_account(
        &self,
        b: &BankAccount,
        window_days: u32,
    ) -> Result<Vec<crate::ports::FingerprintUse>, EngineError> {
        let since = self.clock().now() - days(window_days);
        let uses = self.store().fingerprint_uses(&b.fingerprint, since).await?;
        Ok(uses
            .into_iter()
            .filter(|u| u.bank_account_id != b.bank_account_id)
            .collect())
    }

    /// Adds the blocklist's verdict; true if it refuses.
    async fn screen_blocklist(
        &self,
        settings: &RiskSettings,
        b: &BankAccount,
        s: &mut Screening,
    ) -> Result<bool, EngineError> {
        if !settings.blocklist.enabled {
            return Ok(false);
        }
        let entry = self
            .store()
            .blocked(&b.routing_number, &b.fingerprint)
            .await?;
        Ok(s.add(entry.as_ref().map(rules::blocked)))
    }

    /// Before a bank account is linked: the blocklist, and how many bank accounts its holder
    /// has (a bank account already linked with the same details is not a new one).
    pub(crate) async fn screen_link(
        &self,
        candidate: &BankAccount,
        controls: &Controls,
    ) -> Result<(), EngineError> {
        let tenant = candidate.tenant_id;
        let settings = &controls.settings;
        let mut s = Screening::default();
        if self.screen_blocklist(settings, candidate, &mut s).await? {
            return self.enforce(tenant, None, s.verdicts).await;
        }
        if settings.holder_bank_accounts.enabled {
            let linked = self
                .store()
                .list_bank_accounts(tenant, candidate.account_id)
                .await?;
            if linked
                .iter()
                .all(|b| b.fingerprint != candidate.fingerprint)
            {
                let count = i64::try_from(linked.len()).unwrap_or(i64::MAX);
                s.add(rules::count_limit(
                    RiskRule::HolderBankAccounts,
                    settings.holder_bank_accounts,
                    settings.near_limit_percent,
                    count,
                ));
            }
        }
        self.enforce(tenant, None, s.verdicts).await
    }

    /// Before a holder's answer is checked: a bank account blocklisted meanwhile cannot be
    /// verified. Returns the tenant's settings, for the rules that check the answer.
    pub(crate) async fn screen_completion(
        &self,
        b: &BankAccount,
    ) -> Result<RiskSettings, EngineError> {
        let settings = self.tenant_controls(b.tenant_id).await?.settings;
        let mut s = Screening::default();
        self.screen_blocklist(&settings, b, &mut s).await?;
        self.enforce(b.tenant_id, Some(b.bank_account_id), s.verdicts)
            .await?;
        Ok(settings)
    }

    /// After returns were applied: the tenant's return rates over each window. Crossing a
    /// threshold pauses the tenant's new origination (once, until an operator resumes it);
    /// crossing the warning share records a warning (once per window length).
    pub async fn review_return_rates(
        &self,
        tenant: Uuid,
    ) -> Result<Vec<rules::Verdict>, EngineError> {
        let Controls { settings, state } = self.tenant_controls(tenant).await?;
        let now = self.clock().now();
        // Up to and including now: the returns just applied carry this instant.
        let until = now + jiff::SignedDuration::from_micros(1);
        let mut found = Vec::new();
        for &window in &settings.return_rates.windows_days {
            let volumes = self
                .store()
                .return_volumes(Some(tenant), now - days(window), until)
                .await?
                .into_iter()
                .next()
                .map(|(_, v)| v)
                .unwrap_or_default();
            found.extend(rules::return_rates(
                &settings.return_rates,
                window,
                &volumes,
            ));
        }
        let mut acted = Vec::new();
        let mut paused = state.paused_on.is_some();
        for v in found {
            match v.outcome {
                RiskOutcome::Paused if !paused && self.pause_for(tenant, &v).await? => {
                    paused = true;
                    acted.push(v);
                }
                RiskOutcome::Warned if !self.warned_recently(tenant, &v).await? => {
                    self.record_verdicts(tenant, None, std::slice::from_ref(&v))
                        .await?;
                    acted.push(v);
                }
                _ => {}
            }
        }
        Ok(acted)
    }

    async fn warned_recently(&self, tenant: Uuid, v: &rules::Verdict) -> Result<bool, EngineError> {
        let window = v.inputs["windowDays"].as_u64().unwrap_or(60);
        let since = self.clock().now() - days(u32::try_from(window).unwrap_or(60));
        let earlier = self
            .store()
            .risk_decisions(&DecisionFilter {
                tenant_id: Some(tenant),
                rule: Some(v.rule),
                outcome: Some(RiskOutcome::Warned),
                from: Some(since),
                limit: 1,
                ..Default::default()
            })
            .await?;
        Ok(!earlier.is_empty())
    }

    /// Pauses the tenant by a return-rate verdict: decision, event and audit entry together.
    async fn pause_for(&self, tenant: Uuid, v: &rules::Verdict) -> Result<bool, EngineError> {
        let now = self.clock().now();
        let decision = RiskDecision {
            decision_id: crate::rules::random_uuid(&mut self.rng()),
            tenant_id: tenant,
            bank_account_id: None,
            rule: v.rule,
            outcome: RiskOutcome::Paused,
            inputs: v.inputs.clone(),
            decided_on: now,
        };
        let event = pennydrop_core::events::risk_decision(
            &decision,
            crate::rules::random_uuid(&mut self.rng()),
        );
        let audit = self.audit_entry(
            AuditAction::TenantPaused,
            Some(tenant),
            tenant.to_string(),
            SYSTEM_ACTOR,
            &v.detail,
            serde_json::json!({"rule": v.rule, "inputs": v.inputs}),
        );
        let pause = Pause {
            tenant_id: tenant,
            rule: v.rule.as_str().into(),
            at: now,
            decision: Some(decision),
            events: vec![event],
            audit,
        };
        let done = self.store().pause_tenant(&pause).await?;
        if done {
            tracing::warn!(%tenant, rule = %v.rule, "tenant origination paused by return rate");
            self.wake_webhooks();
        }
        Ok(done)
    }

    fn audit_entry(
        &self,
        action: AuditAction,
        tenant: Option<Uuid>,
        subject: String,
        actor: &str,
        reason: &str,
        details: serde_json::Value,
    ) -> AuditEntry {
        AuditEntry {
            audit_id: crate::rules::random_uuid(&mut self.rng()),
            action,
            tenant_id: tenant,
            subject,
            actor: actor.into(),
            reason: reason.into(),
            details,
            at: self.clock().now(),
        }
    }
}
