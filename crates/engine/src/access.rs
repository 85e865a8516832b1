//! Who may call: tenants and their API key pairs, and the access tokens every dialect issues
//! (Moov OAuth2 tokens, Finicity app tokens, MX Nexus sessions) in one shape.

use jiff::SignedDuration;
use pennydrop_core::crypto::{hash_secret, random_token, secrets_equal};
use pennydrop_core::model::{AccessToken, Account, AccountType, ApiKey, Mode};
use pennydrop_core::random::uuid;
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::accounts::Tenant;
use crate::ports::Store;
use crate::service::{Engine, EngineError};
use pennydrop_core::{Clock, Random};

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

/// A live key (or a token's key) as the dialects see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub key: ApiKey,
}

impl Caller {
    pub fn tenant(&self) -> Tenant {
        Tenant {
            id: self.key.account_id,
            mode: self.key.mode,
        }
    }
}

/// Why a presented access token does not authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    /// Never issued (or not by this service).
    Unknown,
    /// Issued to a key that has been revoked since.
    Revoked,
    /// Past its expiry; the session it was, for dialects that check its audience first.
    Expired(Box<Session>),
}

/// A token that authenticated, and the key it was issued to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token: AccessToken,
    pub caller: Caller,
}

impl Session {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.token.scopes.iter().any(|s| s == scope)
    }
}

/// A token just issued: the secret to hand out once, and what was stored (its hash).
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub secret: String,
    pub token: AccessToken,
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
    random: &dyn Random,
    name: &str,
    mode: Mode,
) -> Result<CreatedKey, EngineError> {
    let now = clock.now();
    let tenant = uuid(random);
    let facilitator = Account {
        account_id: tenant,
        tenant_id: tenant,
        mode,
        account_type: AccountType::Business,
        display_name: name.to_string(),
        profile: serde_json::json!({"business": {"legalBusinessName": name, "ownersProvided": false}}),
        metadata: BTreeMap::new(),
        foreign_id: None,
        created_on: now,
        updated_on: now,
    };
    let (key, created) = key_for(clock, name, tenant, mode);
    store.create_tenant(&facilitator, &key).await?;
    Ok(created)
}

/// Adds a key pair to an existing tenant (for rotation: create the new key, deploy, revoke the
/// old one). The key takes the tenant's mode.
pub async fn add_key_to_tenant(
    store: &dyn Store,
    clock: &dyn Clock,
    name: &str,
    tenant: Uuid,
) -> Result<CreatedKey, EngineError> {
    let found = find_tenant(store, tenant).await?;
    let (key, created) = key_for(clock, name, tenant, found.mode);
    store.insert_api_key(&key).await?;
    Ok(created)
}

/// The tenant whose facilitator account is `account_id`, in that account's mode (what an API
/// key of the tenant would act as: the CLI acts for a tenant this way).
pub async fn find_tenant(store: &dyn Store, account_id: Uuid) -> Result<Tenant, EngineError> {
    let facilitator = store
        .account(account_id, account_id)
        .await?
        .filter(Account::is_facilitator)
        .ok_or_else(|| {
            EngineError::NotFound(format!("no tenant with facilitator account {account_id}"))
        })?;
    Ok(Tenant {
        id: account_id,
        mode: facilitator.mode,
    })
}

fn key_for(clock: &dyn Clock, name: &str, tenant: Uuid, mode: Mode) -> (ApiKey, CreatedKey) {
    let (public_key, secret_key) = new_pair();
    let key = ApiKey {
        public_key: public_key.clone(),
        secret_hash: hash_secret(&secret_key),
        name: name.to_string(),
        account_id: tenant,
        mode,
        created_on: clock.now(),
        revoked_on: None,
        operator: false,
    };
    let created = CreatedKey {
        public_key,
        secret_key,
        account_id: tenant,
        mode,
    };
    (key, created)
}

/// Puts the authenticated caller on the current span. Every dialect authenticates here, inside
/// the HTTP server's request span, which declares `tenant` and `key`: so every access log line
/// names the tenant and the public key (never the secret). Elsewhere this records nothing.
fn note_caller(caller: &Caller) {
    let span = tracing::Span::current();
    span.record("tenant", tracing::field::display(caller.key.account_id));
    span.record("key", caller.key.public_key.as_str());
}

impl Engine {
    /// Creates a new tenant with its first key pair (see [`create_tenant_key`]).
    pub async fn create_tenant(&self, name: &str, mode: Mode) -> Result<CreatedKey, EngineError> {
        create_tenant_key(self.store(), self.clock(), self.random(), name, mode).await
    }

    /// Whether any key exists yet (the first start creates a sandbox key when none does).
    pub async fn has_keys(&self) -> Result<bool, EngineError> {
        Ok(self.store().count_api_keys().await? > 0)
    }

    /// Checks a key pair. `None` whether the key is unknown, revoked or the secret is wrong,
    /// so that a caller's answer reveals nothing to a prober. Repeated failures lock the public
    /// key out for a while, and every success counts against the tenant's rate limit
    /// ([`EngineError::Throttled`] either way).
    pub async fn authenticate(
        &self,
        public_key: &str,
        secret_key: &str,
    ) -> Result<Option<Caller>, EngineError> {
        self.authenticate_from(public_key, secret_key, None).await
    }

    /// [`Engine::authenticate`], also throttling failures per client address `from`.
    pub async fn authenticate_from(
        &self,
        public_key: &str,
        secret_key: &str,
        from: Option<std::net::IpAddr>,
    ) -> Result<Option<Caller>, EngineError> {
        let limits = &self.config().rate_limits;
        let now = self.clock().now();
        let address = from.map(|ip| format!("address {ip}"));
        for subject in std::iter::once(public_key).chain(address.as_deref()) {
            self.limiter()
                .check_lockout(subject, now)
                .map_err(|retry_after| EngineError::Throttled { retry_after })?;
        }
        let key = self.store().api_key(public_key).await?;
        let key = key.filter(|k| {
            secrets_equal(&hash_secret(secret_key), &k.secret_hash) && k.revoked_on.is_none()
        });
        let Some(key) = key else {
            self.limiter().failed(limits, public_key, now);
            if let Some(a) = &address {
                self.limiter().failed(limits, a, now);
            }
            return Ok(None);
        };
        self.limiter().succeeded(public_key);
        let caller = Caller { key };
        self.admit(&caller)?;
        self.claim_idempotency(&caller).await?;
        note_caller(&caller);
        Ok(Some(caller))
    }

    /// Counts one request of the caller's tenant against its rate limit.
    fn admit(&self, caller: &Caller) -> Result<(), EngineError> {
        let tenant = caller.tenant();
        self.limiter()
            .admit(
                &self.config().rate_limits,
                tenant.id,
                tenant.mode,
                self.clock().now(),
            )
            .map_err(|retry_after| EngineError::Throttled { retry_after })
    }

    /// Issues an access token for `caller` with these scopes, living `ttl`; `prefix` marks the
    /// dialect that issued it (`pdat_` for Moov tokens, empty for vendors' opaque tokens).
    pub async fn issue_token(
        &self,
        caller: &Caller,
        scopes: Vec<String>,
        ttl: SignedDuration,
        prefix: &str,
    ) -> Result<IssuedToken, EngineError> {
        let secret = format!("{prefix}{}", random_token(32));
        let now = self.clock().now();
        let token = AccessToken {
            token_hash: hash_secret(&secret),
            public_key: caller.key.public_key.clone(),
            scopes,
            created_on: now,
            expires_on: now.saturating_add(ttl).unwrap_or(now),
        };
        self.store().insert_access_token(&token).await?;
        Ok(IssuedToken { secret, token })
    }

    /// The session a presented token opens, or why it does not.
    pub async fn open_session(
        &self,
        secret: &str,
    ) -> Result<Result<Session, TokenProblem>, EngineError> {
        self.open_session_from(secret, None).await
    }

    /// [`Engine::open_session`], also counting unknown tokens as failed authentications of the
    /// client address `from` (a prober guessing tokens is locked out like one guessing secrets).
    pub async fn open_session_from(
        &self,
        secret: &str,
        from: Option<std::net::IpAddr>,
    ) -> Result<Result<Session, TokenProblem>, EngineError> {
        let limits = &self.config().rate_limits;
        let address = from.map(|ip| format!("address {ip}"));
        if let Some(a) = &address {
            self.limiter()
                .check_lockout(a, self.clock().now())
                .map_err(|retry_after| EngineError::Throttled { retry_after })?;
        }
        let hash = hash_secret(secret);
        let Some((token, key)) = self.store().access_token(&hash).await? else {
            if let Some(a) = &address {
                self.limiter().failed(limits, a, self.clock().now());
            }
            return Ok(Err(TokenProblem::Unknown));
        };
        let now = self.clock().now();
        if key.revoked_on.is_some() {
            return Ok(Err(TokenProblem::Revoked));
        }
        if now >= token.expires_on {
            let caller = Caller { key };
            return Ok(Err(TokenProblem::Expired(Box::new(Session {
                token,
                caller,
            }))));
        }
        let caller = Caller { key };
        self.admit(&caller)?;
        self.claim_idempotency(&caller).await?;
        note_caller(&caller);
        Ok(Ok(Session { token, caller }))
    }

    /// Moves a live session's expiry to now + `ttl` (sliding sessions such as MX Nexus's).
    pub async fn slide_session(
        &self,
        session: &Session,
        ttl: SignedDuration,
    ) -> Result<(), EngineError> {
        let now = self.clock().now();
        let until = now.saturating_add(ttl).unwrap_or(now);
        self.store()
            .touch_access_token(&session.token.token_hash, until)
            .await?;
        Ok(())
    }
}
