//! What operators do to the risk controls. Each action names its actor (the operator's API key
//! ID, or `cli:USER` from the command line) and a reason, and is written with its audit entry
//! in one transaction.

use super::RiskSettings;
use crate::ports::DecisionFilter;
use crate::service::{Engine, EngineError};
use pennydrop_core::risk::{AuditAction, BlockEntry, BlockKind, RiskDecision, TenantRisk};
use pennydrop_core::{AccountNumber, RoutingNumber};
use serde_json::json;
use uuid::Uuid;

/// What an operator asks to block.
#[derive(Debug, Clone)]
pub enum BlockTarget {
    Routing(RoutingNumber),
    /// One bank account's details, by a bank account linked with them (any tenant).
    BankAccount(Uuid),
    /// One bank account's details, as typed by the operator (kept only as the fingerprint).
    Details(RoutingNumber, AccountNumber),
}

/// A tenant's risk state as operators see it.
#[derive(Debug, Clone)]
pub struct TenantControls {
    pub tenant_id: Uuid,
    pub state: TenantRisk,
    pub effective: RiskSettings,
}

fn reason_required(reason: &str) -> Result<(), EngineError> {
    if reason.trim().is_empty() {
        return Err(EngineError::InvalidField {
            field: "reason".into(),
            reason: "is required: say why, for the audit trail".into(),
        });
    }
    crate::input::check_text(reason, 500).map_err(|p| EngineError::InvalidField {
        field: "reason".into(),
        reason: p.to_string(),
    })
}

/// How a blocklist entry is named in the API and the audit trail: `routing:021000021`,
/// `fingerprint:…`.
pub fn block_id(kind: BlockKind, value: &str) -> String {
    format!("{}:{}", kind.as_str(), value)
}

/// Parses a blocklist entry's ID back into its kind and value.
pub fn parse_block_id(id: &str) -> Option<(BlockKind, &str)> {
    let (kind, value) = id.split_once(':')?;
    let kind = BlockKind::parse(kind)?;
    (!value.is_empty()).then_some((kind, value))
}

impl Engine {
    /// Adds a blocklist entry; `Conflict` if it is there already.
    pub async fn block(
        &self,
        actor: &str,
        target: &BlockTarget,
        reason: &str,
    ) -> Result<BlockEntry, EngineError> {
        reason_required(reason)?;
        let (kind, value, about) = match target {
            BlockTarget::Routing(r) => (BlockKind::Routing, r.to_string(), json!({})),
            BlockTarget::Details(r, n) => (
                BlockKind::Fingerprint,
                self.vault().fingerprint(r, n),
                json!({"routingNumber": r.to_string(), "lastFour": n.last_four()}),
            ),
            BlockTarget::BankAccount(id) => {
                let snap = self
                    .snapshot_by_id(*id)
                    .await?
                    .ok_or_else(|| EngineError::NotFound(format!("bank account {id} not found")))?;
                let b = snap.bank_account;
                (
                    BlockKind::Fingerprint,
                    b.fingerprint.clone(),
                    json!({"bankAccountID": id, "routingNumber": b.routing_number, "lastFour": b.last_four}),
                )
            }
        };
        let entry = BlockEntry {
            kind,
            value: value.clone(),
            reason: reason.into(),
            added_by: actor.into(),
            added_on: self.clock().now(),
        };
        let audit = self.audit_entry(
            AuditAction::BlocklistAdded,
            None,
            block_id(kind, &value),
            actor,
            reason,
            about,
        );
        if !self.store().add_block(&entry, &audit).await? {
            return Err(EngineError::Conflict(format!(
                "blocklist entry {}",
                block_id(kind, &value)
            )));
        }
        tracing::info!(entry = %block_id(kind, &value), %actor, "blocklist entry added");
        Ok(entry)
    }

    /// Removes a blocklist entry by its ID (`routing:…`, `fingerprint:…`).
    pub async fn unblock(&self, actor: &str, id: &str, reason: &str) -> Result<(), EngineError> {
        reason_required(reason)?;
        let not_found = || EngineError::NotFound(format!("blocklist entry {id} not found"));
        let (kind, value) = parse_block_id(id).ok_or_else(not_found)?;
        let audit = self.audit_entry(
            AuditAction::BlocklistRemoved,
            None,
            id.into(),
            actor,
            reason,
            json!({}),
        );
        if !self.store().remove_block(kind, value, &audit).await? {
            return Err(not_found());
        }
        tracing::info!(entry = %id, %actor, "blocklist entry removed");
        Ok(())
    }

    pub async fn blocklist(&self) -> Result<Vec<BlockEntry>, EngineError> {
        Ok(self.store().blocklist().await?)
    }

    /// Pauses a tenant's new origination by hand; `Conflict` if it is paused already.
    pub async fn pause_tenant(
        &self,
        actor: &str,
        tenant: Uuid,
        reason: &str,
    ) -> Result<(), EngineError> {
        reason_required(reason)?;
        self.find_tenant(tenant).await?;
        let audit = self.audit_entry(
            AuditAction::TenantPaused,
            Some(tenant),
            tenant.to_string(),
            actor,
            reason,
            json!({}),
        );
        let pause = crate::ports::Pause {
            tenant_id: tenant,
            rule: format!("operator:{actor}"),
            at: self.clock().now(),
            decision: None,
            events: Vec::new(),
            audit,
        };
        if !self.store().pause_tenant(&pause).await? {
            return Err(EngineError::Conflict(format!("a pause of tenant {tenant}")));
        }
        tracing::warn!(%tenant, %actor, "tenant origination paused by an operator");
        Ok(())
    }

    /// Lifts a tenant's pause; `NotFound` if it is not paused.
    pub async fn resume_tenant(
        &self,
        actor: &str,
        tenant: Uuid,
        reason: &str,
    ) -> Result<(), EngineError> {
        reason_required(reason)?;
        let state = self.store().tenant_risk(tenant).await?;
        let details = json!({"pausedOn": state.paused_on.map(|t| t.to_string()), "pausedBy": state.paused_rule});
        let audit = self.audit_entry(
            AuditAction::TenantResumed,
            Some(tenant),
            tenant.to_string(),
            actor,
            reason,
            details,
        );
        let event = pennydrop_core::events::risk_tenant_resumed(
            tenant,
            reason,
            crate::rules::random_uuid(&mut self.rng()),
            self.clock().now(),
        );
        if !self.store().resume_tenant(tenant, &audit, &[event]).await? {
            return Err(EngineError::NotFound(format!(
                "tenant {tenant} is not paused"
            )));
        }
        self.wake_webhooks();
        tracing::info!(%tenant, %actor, "tenant origination resumed");
        Ok(())
    }

    /// Replaces a tenant's settings overrides (a JSON merge patch over the deployment's).
    pub async fn set_tenant_risk_settings(
        &self,
        actor: &str,
        tenant: Uuid,
        overrides: &serde_json::Value,
        reason: &str,
    ) -> Result<TenantControls, EngineError> {
        reason_required(reason)?;
        self.find_tenant(tenant).await?;
        self.config()
            .risk
            .patched(overrides)
            .map_err(|p| EngineError::InvalidField {
                field: "settings".into(),
                reason: p.0,
            })?;
        let audit = self.audit_entry(
            AuditAction::SettingsChanged,
            Some(tenant),
            tenant.to_string(),
            actor,
            reason,
            json!({"settings": overrides}),
        );
        self.store()
            .set_tenant_settings(tenant, overrides, &audit)
            .await?;
        self.tenant_risk_controls(tenant).await
    }

    /// A tenant's overrides, pause and effective settings.
    pub async fn tenant_risk_controls(&self, tenant: Uuid) -> Result<TenantControls, EngineError> {
        self.find_tenant(tenant).await?;
        let super::Controls {
            settings: effective,
            state,
        } = self.tenant_controls(tenant).await?;
        Ok(TenantControls {
            tenant_id: tenant,
            state,
            effective,
        })
    }

    /// Every tenant that has overrides or a pause.
    pub async fn tenants_with_controls(&self) -> Result<Vec<(Uuid, TenantRisk)>, EngineError> {
        Ok(self.store().tenants_risk().await?)
    }

    /// Recorded decisions, newest first, with their sequence numbers (for paging).
    pub async fn risk_decisions(
        &self,
        filter: &DecisionFilter,
    ) -> Result<Vec<(i64, RiskDecision)>, EngineError> {
        let mut f = filter.clone();
        f.limit = f.limit.clamp(1, 500);
        Ok(self.store().risk_decisions(&f).await?)
    }

    /// Decisions per (rule, outcome), for the metrics.
    pub async fn risk_decision_counts(&self) -> Result<Vec<(String, String, i64)>, EngineError> {
        Ok(self.store().risk_decision_counts().await?)
    }

    async fn find_tenant(&self, tenant: Uuid) -> Result<(), EngineError> {
        crate::access::find_tenant(self.store(), tenant)
            .await
            .map(|_| ())
    }
}
