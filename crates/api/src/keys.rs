//! Creating tenants and API key pairs (used by the CLI and by the first start of `serve`).

use pennydrop_core::crypto::{hash_secret, random_token};
use pennydrop_core::model::{Account, AccountType, ApiKey, Mode};
use pennydrop_core::Clock;
use pennydrop_store::{Store, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The one-time answer to "create a key": the only moment the secret is visible.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedKey {
    pub public_key: String,
    pub secret_key: String,
    #[serde(rename = "accountID")]
    pub account_id: Uuid,
    pub mode: Mode,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("no tenant with facilitator account {0}")]
    UnknownTenant(Uuid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn new_pair() -> (String, String) {
    (
        format!("pdpk_{}", random_token(15)),
        format!("pdsk_{}", random_token(32)),
    )
}

/// Creates a new tenant (a facilitator account named `name`) with its first key pair.
pub async fn create_tenant_key(
    store: &dyn Store,
    clock: &dyn Clock,
    name: &str,
    mode: Mode,
) -> Result<CreatedKey, KeyError> {
    let now = clock.now();
    let tenant = Uuid::new_v4();
    let facilitator = Account {
        account_id: tenant,
        tenant_id: tenant,
        mode,
        account_type: AccountType::Business,
        display_name: name.to_string(),
        profile: serde_json::json!({"business": {"legalBusinessName": name}}),
        metadata: BTreeMap::new(),
        foreign_id: None,
        created_on: now,
        updated_on: now,
    };
    let (public_key, secret_key) = new_pair();
    let key = ApiKey {
        public_key: public_key.clone(),
        secret_hash: hash_secret(&secret_key),
        name: name.to_string(),
        account_id: tenant,
        mode,
        created_on: now,
        revoked_on: None,
        operator: false,
    };
    store.create_tenant(&facilitator, &key).await?;
    Ok(CreatedKey {
        public_key,
        secret_key,
        account_id: tenant,
        mode,
    })
}

/// Adds a key pair to an existing tenant (for rotation: create the new key, deploy, revoke the
/// old one). The key takes the tenant's mode.
pub async fn add_key_to_tenant(
    store: &dyn Store,
    clock: &dyn Clock,
    name: &str,
    tenant: Uuid,
) -> Result<CreatedKey, KeyError> {
    let facilitator = store
        .account(tenant, tenant)
        .await?
        .ok_or(KeyError::UnknownTenant(tenant))?;
    let (public_key, secret_key) = new_pair();
    let key = ApiKey {
        public_key: public_key.clone(),
        secret_hash: hash_secret(&secret_key),
        name: name.to_string(),
        account_id: tenant,
        mode: facilitator.mode,
        created_on: clock.now(),
        revoked_on: None,
        operator: false,
    };
    store.insert_api_key(&key).await?;
    Ok(CreatedKey {
        public_key,
        secret_key,
        account_id: tenant,
        mode: facilitator.mode,
    })
}
