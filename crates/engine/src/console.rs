//! What the operator console (`/console`) needs beyond the admin API's reads: its sign-in
//! sessions (access tokens with the `console` scope, sliding), the tenants and their keys,
//! masked ACH entries of a file, and the bank-account lookup by last four or fingerprint.
//! Nothing here ever hands out a full account number.

use jiff::{SignedDuration, Timestamp};
use pennydrop_core::crypto::{hash_secret, secrets_equal};
use pennydrop_core::model::{AchEntry, ApiKey, BankAccount, Mode};
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::access::{Caller, CreatedKey, Session, TokenProblem};
use crate::ports::BankAccountLookup;
use crate::service::{Engine, EngineError};

/// The scope of a console session's token: it grants nothing in any dialect.
pub const CONSOLE_SCOPE: &str = "console";
/// The prefix of a console session's secret (the cookie value).
pub const CONSOLE_PREFIX: &str = "pdcs_";

/// A signed-in console session: who, and the secret the cookie carries.
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    pub session: Session,
    /// The operator's public key (the actor named in audits).
    pub actor: String,
    /// The CSRF token every form of this session carries (derived from the session's secret).
    pub csrf: String,
}

impl ConsoleSession {
    /// Whether `presented` is this session's CSRF token (constant time).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        secrets_equal(&hash_secret(presented), &hash_secret(&self.csrf))
    }
}

/// The CSRF token of the session whose secret is `secret`: a hash under its own label, so it
/// reveals nothing about the secret and a cross-site page cannot compute it.
pub fn csrf_token(secret: &str) -> String {
    hash_secret(&format!("pennydrop console csrf:{secret}"))
}

/// A tenant as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSummary {
    pub id: Uuid,
    pub name: String,
    pub mode: Mode,
}

/// An entry of an ACH file with its bank account's last four digits (never more).
#[derive(Debug, Clone)]
pub struct MaskedEntry {
    pub entry: AchEntry,
    pub trace_seq: i64,
    pub routing_number: String,
    pub last_four: String,
    pub holder_name: String,
}

/// Why a console sign-in did not open a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInProblem {
    /// Unknown or revoked key, wrong secret, or not an operator key (one answer for all).
    Refused,
}

impl Engine {
    /// Signs an operator in: checks the key pair like every dialect (failures count towards
    /// the lockout), refuses keys that are not operator keys, and issues a session token living
    /// `idle` (slid on every use). The secret is the cookie's value.
    pub async fn console_sign_in(
        &self,
        public_key: &str,
        secret_key: &str,
        from: Option<std::net::IpAddr>,
        idle: SignedDuration,
    ) -> Result<Result<(String, ConsoleSession), SignInProblem>, EngineError> {
        let caller = self.authenticate_from(public_key, secret_key, from).await?;
        let Some(caller) = caller.filter(|c| c.key.operator) else {
            return Ok(Err(SignInProblem::Refused));
        };
        let issued = self
            .issue_token(&caller, vec![CONSOLE_SCOPE.into()], idle, CONSOLE_PREFIX)
            .await?;
        let session = Session {
            token: issued.token,
            caller,
        };
        let console = console_session(session, &issued.secret);
        Ok(Ok((issued.secret, console)))
    }

    /// The console session the cookie `secret` opens, slid forward by `idle`; `None` when it
    /// is unknown, expired, revoked, not a console session or not an operator's.
    pub async fn console_session(
        &self,
        secret: &str,
        from: Option<std::net::IpAddr>,
        idle: SignedDuration,
    ) -> Result<Option<ConsoleSession>, EngineError> {
        if !secret.starts_with(CONSOLE_PREFIX) {
            return Ok(None);
        }
        let session = match self.open_session_from(secret, from).await? {
            Ok(s) => s,
            Err(TokenProblem::Unknown | TokenProblem::Revoked | TokenProblem::Expired(_)) => {
                return Ok(None)
            }
        };
        if !session.has_scope(CONSOLE_SCOPE) || !session.caller.key.operator {
            return Ok(None);
        }
        self.slide_session(&session, idle).await?;
        Ok(Some(console_session(session, secret)))
    }

    /// Ends a console session at once (sign-out): its token expires now.
    pub async fn end_console_session(&self, session: &ConsoleSession) -> Result<(), EngineError> {
        self.slide_session(&session.session, SignedDuration::ZERO)
            .await
    }

    /// Every API key, operator keys included (never a secret: only its hash is stored).
    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, EngineError> {
        Ok(self.store().list_api_keys().await?)
    }

    /// Revokes a key pair; its tokens stop working at once. `NotFound` if no live key has
    /// this public key. Logged with the operator's key as the actor.
    pub async fn revoke_api_key(&self, actor: &str, public_key: &str) -> Result<(), EngineError> {
        let now = self.clock().now();
        if !self.store().revoke_api_key(public_key, now).await? {
            return Err(EngineError::NotFound(format!(
                "no live API key {public_key}"
            )));
        }
        tracing::info!(actor, key = public_key, "API key revoked");
        Ok(())
    }

    /// Adds a key pair to an existing tenant (see [`crate::access::add_key_to_tenant`]).
    pub async fn add_api_key(
        &self,
        actor: &str,
        name: &str,
        tenant: Uuid,
    ) -> Result<CreatedKey, EngineError> {
        let created =
            crate::access::add_key_to_tenant(self.store(), self.clock(), name, tenant).await?;
        tracing::info!(actor, key = %created.public_key, %tenant, "API key created");
        Ok(created)
    }

    /// The tenants that have keys (operator keys' own tenants excluded), by name.
    pub async fn tenants(&self) -> Result<Vec<TenantSummary>, EngineError> {
        let mut ids = BTreeMap::new();
        for key in self.store().list_api_keys().await? {
            if !key.operator {
                ids.entry(key.account_id).or_insert(key.mode);
            }
        }
        let mut out = Vec::with_capacity(ids.len());
        for (id, mode) in ids {
            let name = self
                .store()
                .account(id, id)
                .await?
                .map(|a| a.display_name)
                .unwrap_or_default();
            out.push(TenantSummary { id, name, mode });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// The entries of an ACH file with last four digits only.
    pub async fn ach_file_entries(&self, file_id: Uuid) -> Result<Vec<MaskedEntry>, EngineError> {
        self.ach_file(file_id).await?;
        let entries = self.store().file_entries(file_id).await?;
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            let number = self
                .vault()
                .open(&e.sealed, e.entry.bank_account_id.as_bytes())?;
            out.push(MaskedEntry {
                last_four: number.last_four(),
                trace_seq: e.trace_seq,
                routing_number: e.routing_number,
                holder_name: e.holder_name,
                entry: e.entry,
            });
        }
        Ok(out)
    }

    /// The operator's lookup across tenants: by last four digits or by fingerprint, newest
    /// first, at most 100.
    pub async fn find_bank_accounts(
        &self,
        lookup: &BankAccountLookup,
    ) -> Result<Vec<BankAccount>, EngineError> {
        Ok(self.store().find_bank_accounts(lookup, 100).await?)
    }

    /// One bank account by ID, in any tenant (the operator's lookup).
    pub async fn bank_account_by_id(
        &self,
        bank_account_id: Uuid,
    ) -> Result<Option<BankAccount>, EngineError> {
        Ok(self
            .store()
            .snapshot_by_id(bank_account_id)
            .await?
            .map(|s| s.bank_account))
    }

    /// When the next cutoff window closes.
    pub fn next_cutoff(&self) -> Timestamp {
        self.next_window_at()
    }
}

fn console_session(session: Session, secret: &str) -> ConsoleSession {
    let Caller { key } = &session.caller;
    ConsoleSession {
        actor: key.public_key.clone(),
        csrf: csrf_token(secret),
        session,
    }
}

impl Engine {
    /// The tenant whose facilitator account is `id`, in its mode.
    pub async fn tenant_by_id(&self, id: Uuid) -> Result<crate::Tenant, EngineError> {
        crate::access::find_tenant(self.store(), id).await
    }
}

impl Engine {
    /// Returned entries across tenants, the newest return first.
    pub async fn returned_entries(
        &self,
        limit: i64,
    ) -> Result<Vec<crate::ports::ReturnedEntry>, EngineError> {
        Ok(self.store().returned_entries(limit).await?)
    }

    /// Notifications of change across tenants, the newest first.
    pub async fn recent_nocs(
        &self,
        limit: i64,
    ) -> Result<Vec<pennydrop_core::model::NocRecord>, EngineError> {
        Ok(self.store().recent_nocs(limit).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_token_is_the_sessions_own_and_reveals_nothing() {
        let a = csrf_token("pdcs_one");
        assert_eq!(a, csrf_token("pdcs_one"), "stable for a session");
        assert_ne!(a, csrf_token("pdcs_two"), "another session, another token");
        assert!(!a.contains("pdcs_one"));
        assert_ne!(a, hash_secret("pdcs_one"), "not the stored token hash");
    }
}
