//! The risk component: one place every use case that moves money or verifies asks before it
//! acts. The rules are pure ([`rules`]); this module reads what they need through the
//! [`RiskStore`](crate::ports::RiskStore) port, records their decisions, and carries out the
//! operators' actions (blocklist, pause and resume, settings), each with an audit entry.
//! `docs/risk.md` explains every rule.

pub mod settings;

pub use settings::{Limit, ReturnRates, RiskSettings, Rounds, Shared, SignalAction};

use crate::service::{Engine, EngineError};
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
