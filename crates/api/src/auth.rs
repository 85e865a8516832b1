//! Authentication exactly as Moov's: HTTP Basic with an API key pair, or a Bearer access token
//! from `POST /oauth2/token` that carries only its scopes.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use pennydrop_core::crypto::{hash_secret, secrets_equal};
use pennydrop_core::model::{ApiKey, Mode};
use pennydrop_core::scope::{Grant, Scope};
use uuid::Uuid;

use crate::error::ApiError;
use crate::AppState;

/// Who is calling: the tenant (facilitator account), its mode, and what it may do.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant: Uuid,
    pub mode: Mode,
    pub public_key: String,
    pub grant: Grant,
    /// Operator keys (and their tokens) may use the admin API.
    pub operator: bool,
}

impl Principal {
    /// 403 unless this is an operator key whose grant includes `scope`.
    pub fn require_operator(&self, scope: Scope) -> Result<(), ApiError> {
        if !self.operator {
            return Err(ApiError::Forbidden(
                "the admin API needs an operator key (pennydrop api-keys create --operator)".into(),
            ));
        }
        self.require(scope)
    }

    /// 403 unless the grant includes `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.grant.allows(scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the access token lacks the scope {}",
                scope.render()
            )))
        }
    }

    pub fn is_sandbox(&self) -> bool {
        self.mode == Mode::Sandbox
    }
}

/// Credentials as presented in an `Authorization: Basic` header or a token request body.
pub struct KeyPair<'a> {
    pub public_key: &'a str,
    pub secret_key: &'a str,
}

pub fn parse_basic(value: &str) -> Option<(String, String)> {
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = B64.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

/// Checks a key pair; the same 401 message whether the key is unknown, revoked or the secret
/// is wrong, so probing reveals nothing.
pub async fn verify_key_pair(state: &AppState, pair: KeyPair<'_>) -> Result<ApiKey, ApiError> {
    let invalid = || ApiError::Unauthorized("invalid API key or secret".into());
    let key = state
        .store
        .api_key(pair.public_key)
        .await?
        .ok_or_else(invalid)?;
    if !secrets_equal(&hash_secret(pair.secret_key), &key.secret_hash) || key.revoked_on.is_some() {
        return Err(invalid());
    }
    Ok(key)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "missing credentials: use HTTP Basic with an API key pair or a Bearer token"
                        .into(),
                )
            })?;
        if let Some(token) = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
        {
            let invalid = || ApiError::Unauthorized("invalid or expired access token".into());
            let (token, key) = state
                .store
                .access_token(&hash_secret(token.trim()))
                .await?
                .ok_or_else(invalid)?;
            if key.revoked_on.is_some() || state.clock.now() >= token.expires_on {
                return Err(invalid());
            }
            let scopes = token
                .scopes
                .iter()
                .filter_map(|s| Scope::parse(s))
                .collect();
            return Ok(Principal {
                tenant: key.account_id,
                mode: key.mode,
                operator: key.operator,
                public_key: key.public_key,
                grant: Grant::Scoped(scopes),
            });
        }
        let (public_key, secret_key) = parse_basic(value).ok_or_else(|| {
            ApiError::Unauthorized(
                "malformed Authorization header: expected Basic or Bearer".into(),
            )
        })?;
        let key = verify_key_pair(
            state,
            KeyPair {
                public_key: &public_key,
                secret_key: &secret_key,
            },
        )
        .await?;
        Ok(Principal {
            tenant: key.account_id,
            mode: key.mode,
            operator: key.operator,
            public_key: key.public_key,
            grant: Grant::Full,
        })
    }
}
