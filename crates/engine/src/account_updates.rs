//! Changing an account after it was opened: update its profile, metadata and foreign ID
//! (Moov's `PATCH /accounts/{accountID}`), and disconnect it (Moov's
//! `DELETE /accounts/{accountID}`: the account disappears from every read and its bank
//! accounts are disabled, each with its `bankAccount.deleted` event).

use jiff::{SignedDuration, Timestamp};
use pennydrop_core::events;
use pennydrop_core::model::{Account, AccountType};
use pennydrop_core::random::uuid;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::accounts::Tenant;
use crate::ports::StoreError;
use crate::service::{Engine, EngineError, MAX_RETRIES};

/// What to change on an account. The dialect has checked each field's text (with
/// [`crate::input`]); the engine checks that the result is still a whole profile of the
/// account's type, derives the display name from it, and writes it atomically.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountUpdate {
    /// Profile fields to change, shaped like the stored profile under the account type's key
    /// (`{"individual": {...}}` or `{"business": {...}}`): objects merge key by key and a
    /// `null` removes its key (a JSON merge patch, RFC 7396).
    pub profile: Option<Value>,
    /// Replaces the metadata (an empty map clears it).
    pub metadata: Option<BTreeMap<String, String>>,
    /// Replaces the foreign ID; `Some(None)` removes it.
    pub foreign_id: Option<Option<String>>,
}

/// Applies a JSON merge patch (RFC 7396) to `target`.
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (key, value) in patch {
            if value.is_null() {
                t.remove(key);
            } else {
                merge(t.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

fn text<'a>(profile: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(profile, |v, k| v.get(k))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// The display name a profile gives: an individual's "first last", a business's trade name or
/// else its legal name. None when the profile does not have them (accounts opened by the
/// Finicity and MX dialects may not), in which case the current display name stays.
pub fn display_name(account_type: AccountType, profile: &Value) -> Option<String> {
    match account_type {
        AccountType::Individual => {
            let first = text(profile, &["individual", "name", "firstName"])?;
            let last = text(profile, &["individual", "name", "lastName"])?;
            Some(format!("{first} {last}"))
        }
        AccountType::Business => text(profile, &["business", "doingBusinessAs"])
            .or_else(|| text(profile, &["business", "legalBusinessName"]))
            .map(str::to_string),
    }
}

fn invalid(field: &str, reason: &str) -> EngineError {
    EngineError::InvalidField {
        field: field.to_string(),
        reason: reason.to_string(),
    }
}

/// The profile fields an account of this type must keep once it has them.
fn required_fields(account_type: AccountType) -> &'static [&'static [&'static str]] {
    match account_type {
        AccountType::Individual => &[
            &["individual", "name", "firstName"],
            &["individual", "name", "lastName"],
        ],
        AccountType::Business => &[&["business", "legalBusinessName"]],
    }
}

/// The profile after `patch`: only the account type's own key may be patched, and the fields
/// it requires may be changed but not removed.
fn patched_profile(account: &Account, patch: &Value) -> Result<Value, EngineError> {
    let own = account.account_type.as_str();
    let Value::Object(parts) = patch else {
        return Err(invalid("profile", "must be an object"));
    };
    if let Some(other) = parts.keys().find(|k| k.as_str() != own) {
        let reason = format!("not allowed for {} account", article(own));
        return Err(invalid(&format!("profile.{other}"), &reason));
    }
    let mut profile = account.profile.clone();
    merge(&mut profile, patch);
    for path in required_fields(account.account_type) {
        let had = text(&account.profile, path).is_some();
        if had && text(&profile, path).is_none() {
            return Err(invalid(
                &format!("profile.{}", path.join(".")),
                "cannot be removed",
            ));
        }
    }
    Ok(profile)
}

fn article(account_type: &str) -> String {
    match account_type.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {account_type}"),
        _ => format!("a {account_type}"),
    }
}

/// The account as `update` leaves it at `now` (pure).
pub fn updated(
    account: &Account,
    update: &AccountUpdate,
    now: Timestamp,
) -> Result<Account, EngineError> {
    let mut next = account.clone();
    if let Some(patch) = &update.profile {
        next.profile = patched_profile(account, patch)?;
        if let Some(name) = display_name(account.account_type, &next.profile) {
            next.display_name = name;
        }
    }
    if let Some(metadata) = &update.metadata {
        next.metadata = metadata.clone();
    }
    if let Some(foreign_id) = &update.foreign_id {
        next.foreign_id = foreign_id.clone();
    }
    // Strictly later than before, so that the store's compare-and-set on `updated_on` also
    // tells two updates within one clock tick apart.
    next.updated_on = now.max(account.updated_on + SignedDuration::from_micros(1));
    Ok(next)
}

impl Engine {
    /// Changes an account's profile, metadata or foreign ID (see [`AccountUpdate`]); retried
    /// when a concurrent update moved it in between.
    pub async fn update_account(
        &self,
        tenant: Tenant,
        account_id: Uuid,
        update: &AccountUpdate,
    ) -> Result<Account, EngineError> {
        for _ in 0..MAX_RETRIES {
            let current = self.account(tenant, account_id).await?;
            let next = updated(&current, update, self.clock().now())?;
            if self
                .store()
                .update_account(&next, current.updated_on)
                .await?
            {
                tracing::info!(%account_id, "account updated");
                return Ok(next);
            }
        }
        Err(EngineError::Busy)
    }

    /// Disconnects an account: no read finds it afterwards, its bank accounts are disabled
    /// (their unsent money movements cancelled, a `bankAccount.deleted` event each). The
    /// tenant's own (facilitator) account cannot be disconnected.
    pub async fn disconnect_account(
        &self,
        tenant: Tenant,
        account_id: Uuid,
    ) -> Result<(), EngineError> {
        for _ in 0..MAX_RETRIES {
            let account = self.account(tenant, account_id).await?;
            if account.is_facilitator() {
                return Err(EngineError::NotAllowed(
                    "the facilitator account cannot be disconnected; revoke its API keys instead"
                        .into(),
                ));
            }
            let now = self.clock().now();
            let bank_accounts = self
                .store()
                .list_bank_accounts(tenant.id, account_id)
                .await?;
            let deleted: Vec<_> = bank_accounts
                .iter()
                .map(|b| {
                    let event = events::bank_account_deleted(b, uuid(self.random()), now);
                    (b.bank_account_id, event)
                })
                .collect();
            let store = self.store();
            match store
                .disconnect_account(tenant.id, account_id, now, &deleted)
                .await
            {
                Ok(true) => {
                    tracing::info!(%account_id, bank_accounts = deleted.len(), "account disconnected");
                    return Ok(());
                }
                Ok(false) => {
                    return Err(EngineError::NotFound(format!(
                        "account {account_id} not found"
                    )))
                }
                // A bank account was linked or disabled meanwhile: look again.
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pennydrop_core::model::Mode;
    use serde_json::json;

    fn account(account_type: AccountType, profile: Value) -> Account {
        let t0: Timestamp = "2026-01-05T15:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        Account {
            account_id: Uuid::nil(),
            tenant_id: Uuid::max(),
            mode: Mode::Sandbox,
            account_type,
            display_name: "old".into(),
            profile,
            metadata: BTreeMap::new(),
            foreign_id: Some("f-1".into()),
            created_on: t0,
            updated_on: t0,
        }
    }

    #[test]
    fn merge_follows_rfc_7396() {
        let mut v = json!({"a": {"b": 1, "c": 2}, "d": 3});
        merge(&mut v, &json!({"a": {"b": null, "e": 4}, "d": [1]}));
        assert_eq!(v, json!({"a": {"c": 2, "e": 4}, "d": [1]}));
    }

    #[test]
    fn an_individual_update_merges_and_renames() {
        let a = account(
            AccountType::Individual,
            json!({"individual": {"name": {"firstName": "Jane", "lastName": "Doe", "middleName": "Q"}, "email": "j@example.com"}}),
        );
        let update = AccountUpdate {
            profile: Some(json!({"individual": {"name": {"lastName": "Roe", "middleName": null}}})),
            metadata: Some(BTreeMap::from([("k".to_string(), "v".to_string())])),
            foreign_id: Some(None),
        };
        let next = updated(&a, &update, a.updated_on).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            next.profile,
            json!({"individual": {"name": {"firstName": "Jane", "lastName": "Roe"}, "email": "j@example.com"}})
        );
        assert_eq!(next.display_name, "Jane Roe");
        assert_eq!(next.metadata.len(), 1);
        assert_eq!(next.foreign_id, None);
        assert!(
            next.updated_on > a.updated_on,
            "updated_on moves even within one tick"
        );
    }

    #[test]
    fn the_other_type_and_removing_a_required_field_are_refused() {
        let b = account(
            AccountType::Business,
            json!({"business": {"legalBusinessName": "Acme", "ownersProvided": false}}),
        );
        let other = AccountUpdate {
            profile: Some(json!({"individual": {"email": "a@example.com"}})),
            ..AccountUpdate::default()
        };
        let e = updated(&b, &other, b.updated_on)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("profile.individual not allowed for a business account")
        );
        let removal = AccountUpdate {
            profile: Some(json!({"business": {"legalBusinessName": null}})),
            ..AccountUpdate::default()
        };
        let e = updated(&b, &removal, b.updated_on)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("profile.business.legalBusinessName cannot be removed")
        );
        let dba = AccountUpdate {
            profile: Some(
                json!({"business": {"doingBusinessAs": "Acme Shop", "ownersProvided": true}}),
            ),
            ..AccountUpdate::default()
        };
        let next = updated(&b, &dba, b.updated_on).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(next.display_name, "Acme Shop");
        assert_eq!(next.profile["business"]["ownersProvided"], true);
    }
}
