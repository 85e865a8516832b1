//! Authentication exactly as Moov's: HTTP Basic with an API key pair, or a Bearer access token
//! from `POST /oauth2/token` that carries only its scopes.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use pennydrop_core::model::{ApiKey, Mode};
use pennydrop_core::scope::{Grant, Scope};
use pennydrop_engine::Tenant;
use uuid::Uuid;

use super::error::ApiError;
use crate::basic::parse_basic;
use crate::{AppState, Peer};

/// Who is calling: the tenant (facilitator account), its mode, and what it may do.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant: Uuid,
    pub mode: Mode,
    pub grant: Grant,
    /// Operator keys (and their tokens) may use the admin API.
    pub operator: bool,
    /// The API key's ID (its public key), which the risk audit trail names as the actor.
    pub key_id: String,
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

    pub fn tenant(&self) -> Tenant {
        Tenant {
            id: self.tenant,
            mode: self.mode,
        }
    }
}

/// Checks a key pair; the same 401 message whether the key is unknown, revoked or the secret
/// is wrong, so probing reveals nothing.
pub async fn verify_key_pair(
    state: &AppState,
    public_key: &str,
    secret_key: &str,
    peer: Peer,
) -> Result<ApiKey, ApiError> {
    state
        .engine
        .authenticate_from(public_key, secret_key, peer.0)
        .await?
        .map(|c| c.key)
        .ok_or_else(|| ApiError::Unauthorized("invalid API key or secret".into()))
}

fn principal(key: ApiKey, grant: Grant) -> Principal {
    Principal {
        tenant: key.account_id,
        mode: key.mode,
        operator: key.operator,
        key_id: key.public_key,
        grant,
    }
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
            let session = state
                .engine
                .open_session_from(token.trim(), crate::Peer::of(&parts.extensions).0)
                .await?
                .map_err(|_| ApiError::Unauthorized("invalid or expired access token".into()))?;
            let scopes = session
                .token
                .scopes
                .iter()
                .filter_map(|s| Scope::parse(s))
                .collect();
            return Ok(principal(session.caller.key, Grant::Scoped(scopes)));
        }
        let (public_key, secret_key) = parse_basic(value).ok_or_else(|| {
            ApiError::Unauthorized(
                "malformed Authorization header: expected Basic or Bearer".into(),
            )
        })?;
        let key =
            verify_key_pair(state, &public_key, &secret_key, Peer::of(&parts.extensions)).await?;
        Ok(principal(key, Grant::Full))
    }
}
