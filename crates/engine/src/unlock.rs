//! Holder recovery in the engine: the recovery figures every dialect renders, the rounds rule's
//! records, and the operator's unlock (docs/risk.md, "Holder recovery").

use pennydrop_core::model::BankAccount;
use pennydrop_core::risk::{AuditAction, AuditEntry, RiskRule};
use serde_json::json;
use uuid::Uuid;

use crate::ports::StoreError;
use crate::recovery::{self, Method, Recovery};
use crate::risk::rules::Verdict;
use crate::rules::{self, Refusal};
use crate::service::{Engine, EngineError, Target, MAX_RETRIES};

/// Longest reason an operator may give for an unlock.
pub const MAX_UNLOCK_REASON: usize = 500;

impl Engine {
    /// Attempts left, expiry, rounds left and the method offered next for a bank account as it
    /// is now (due expiry applied first).
    pub async fn recovery(&self, t: &Target) -> Result<Recovery, EngineError> {
        let snap = self.snapshot(t).await?;
        let rounds = self.risk_settings(t.tenant).await?.bank_account_rounds;
        let capable = self.instant_capable(&snap.bank_account.routing_number);
        Ok(recovery::recovery(
            &snap,
            rounds,
            capable,
            self.clock().now(),
        ))
    }

    /// Records what the rounds rule decided about a new round once the outcome is known: its
    /// refusal when the round was refused by it, a near-limit record when the round started.
    pub(crate) async fn record_rounds_verdict<T>(
        &self,
        tenant: Uuid,
        bank_account_id: Uuid,
        verdict: Option<Verdict>,
        result: Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let Some(v) = verdict else {
            return result;
        };
        let refused_by_rounds = matches!(
            &result,
            Err(EngineError::Refused(Refusal::Risk {
                rule: RiskRule::BankAccountRounds,
                ..
            }) | EngineError::RefusedOn {
                refusal: Refusal::Risk {
                    rule: RiskRule::BankAccountRounds,
                    ..
                },
                ..
            })
        );
        if v.refuses() == refused_by_rounds && (refused_by_rounds || result.is_ok()) {
            self.record_verdicts(tenant, Some(bank_account_id), &[v])
                .await?;
        }
        result
    }

    /// An operator unlocks a bank account whose rounds ran out (or failed): in one transaction
    /// its rounds count again from now, it becomes `new / admin-action` (with its
    /// `bankAccount.updated` event), and the audit trail records `actor` (the operator's API
    /// key ID, or `cli:<user>`) with the `reason`. Refused for a verified bank account, one
    /// with a verification in progress, one errored for another reason; a disabled bank
    /// account is not found.
    pub async fn unlock_bank_account(
        &self,
        actor: &str,
        bank_account_id: Uuid,
        reason: &str,
    ) -> Result<BankAccount, EngineError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(EngineError::InvalidField {
                field: "reason".into(),
                reason: "is required: say why the bank account is unlocked".into(),
            });
        }
        crate::input::check_text(reason, MAX_UNLOCK_REASON).map_err(|p| {
            EngineError::InvalidField {
                field: "reason".into(),
                reason: p.to_string(),
            }
        })?;
        let not_found = || {
            EngineError::NotFound(format!(
                "bank account {bank_account_id} not found (a disabled bank account cannot be unlocked; link it again)"
            ))
        };
        for _ in 0..MAX_RETRIES {
            let snap = self
                .snapshot_by_id(bank_account_id)
                .await?
                .ok_or_else(not_found)?;
            let now = self.clock().now();
            let (change, unlocked_on) = rules::unlock(&snap, now, &mut self.rng())?;
            let b = &snap.bank_account;
            let audit = AuditEntry {
                audit_id: rules::random_uuid(&mut self.rng()),
                action: AuditAction::BankAccountUnlocked,
                tenant_id: Some(b.tenant_id),
                subject: bank_account_id.to_string(),
                actor: actor.to_string(),
                reason: reason.to_string(),
                details: json!({
                    "accountID": b.account_id,
                    "fromStatus": b.status,
                    "fromStatusReason": b.status_reason,
                    "roundsUsed": {
                        "microDeposits": recovery::rounds_used(&snap, Method::MicroDeposits),
                        "instant": recovery::rounds_used(&snap, Method::Instant),
                    },
                    "previousUnlockOn": b.unlocked_on.map(|t| t.to_string()),
                    "unlockedOn": unlocked_on.to_string(),
                }),
                at: now,
            };
            match self
                .store()
                .unlock_bank_account(&change, unlocked_on, &audit)
                .await
            {
                Ok(()) => {}
                Err(StoreError::Stale) => continue,
                Err(e) => return Err(e.into()),
            }
            self.wake_webhooks();
            tracing::info!(%bank_account_id, actor, "bank account unlocked");
            return Ok(self
                .snapshot_by_id(bank_account_id)
                .await?
                .ok_or_else(not_found)?
                .bank_account);
        }
        Err(EngineError::Busy)
    }
}
