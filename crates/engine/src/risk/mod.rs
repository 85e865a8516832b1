//! The risk component: one place every use case that moves money or verifies asks before it
//! acts. The rules are pure ([`rules`]); this module reads what they need through the
//! [`RiskStore`](crate::ports::RiskStore) port, records their decisions, and carries out the
//! operators' actions (blocklist, pause and resume, settings), each with an audit entry.
//! `docs/risk.md` explains every rule.

pub mod report;
pub mod rules;
pub mod settings;

pub use settings::{Limit, ReturnRates, RiskSettings, Rounds, Shared, SignalAction};

use crate::rules::Refusal;
use crate::service::{Engine, EngineError};
use pennydrop_core::risk::RiskDecision;
use uuid::Uuid;

impl Engine {
    /// The settings that apply to a tenant: the deployment's with the tenant's overrides.
    pub async fn risk_settings(&self, tenant: Uuid) -> Result<RiskSettings, EngineError> {
        let state = self.store().tenant_risk(tenant).await?;
        if state.settings.is_null() {
            return Ok(self.config().risk.clone());
        }
        self.config()
            .risk
            .patched(&state.settings)
            .map_err(|p| EngineError::InvalidField {
                field: "settings".into(),
                reason: p.0,
            })
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
