//! `POST /oauth2/token`: the client-credentials grant, with credentials by HTTP Basic or in the
//! body (JSON or form-encoded), returning a Bearer token limited to the requested scopes.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Json;
use jiff::SignedDuration;
use pennydrop_core::model::ApiKey;
use pennydrop_core::scope::Scope;
use pennydrop_engine::access::Caller;
use pennydrop_engine::{EngineError, Tenant};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::verify_key_pair;
use super::error::{ApiError, ApiResult};
use crate::basic::parse_basic;
use crate::{AppState, Peer};

#[derive(Debug, Default, Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

fn parse_request(headers: &HeaderMap, body: &Bytes) -> ApiResult<TokenRequest> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut request = TokenRequest::default();
        for (k, v) in form_urlencoded_pairs(body) {
            match k.as_str() {
                "grant_type" => request.grant_type = Some(v),
                "client_id" => request.client_id = Some(v),
                "client_secret" => request.client_secret = Some(v),
                "scope" => request.scope = Some(v),
                _ => {}
            }
        }
        return Ok(request);
    }
    crate::json::parse::<TokenRequest>(body).map_err(|e| ApiError::BadRequest(e.describe()))
}

fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The requested scopes, each one the key may have; duplicates dropped.
async fn requested_scopes(
    state: &AppState,
    key: &ApiKey,
    requested: String,
) -> ApiResult<Vec<Scope>> {
    if requested.trim().is_empty() {
        return Err(ApiError::validation(
            "scope",
            "scope is required: a space-separated list such as /accounts.read",
        ));
    }
    let mut scopes: Vec<Scope> = Vec::new();
    for raw in requested.split_whitespace() {
        let scope = Scope::parse(raw)
            .ok_or_else(|| ApiError::validation("scope", format!("unknown scope {raw}")))?;
        if scope.is_admin() && !key.operator {
            return Err(ApiError::validation(
                "scope",
                format!("scope {raw} needs an operator key"),
            ));
        }
        if let Some(account_id) = scope.account_id() {
            let tenant = Tenant {
                id: key.account_id,
                mode: key.mode,
            };
            match state.engine.account(tenant, account_id).await {
                Ok(_) => {}
                Err(EngineError::NotFound(_)) => {
                    return Err(ApiError::validation(
                        "scope",
                        format!("scope {raw} names an account this key cannot access"),
                    ))
                }
                Err(e) => return Err(e.into()),
            }
        }
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    Ok(scopes)
}

fn check_grant_type(grant_type: Option<&str>) -> ApiResult<()> {
    match grant_type {
        Some("client_credentials") => Ok(()),
        Some("refresh_token") => Err(ApiError::BadRequest(
            "grant_type refresh_token is not supported: request a new token with client_credentials".into(),
        )),
        Some(other) => Err(ApiError::BadRequest(format!(
            "unsupported grant_type {other:?}: use client_credentials"
        ))),
        None => Err(ApiError::BadRequest("grant_type is required".into())),
    }
}

/// A token request, decoded: the client's key pair and the scopes it asks for (as sent).
pub(crate) struct TokenGrant {
    public_key: String,
    secret_key: String,
    scope: String,
}

/// `POST /oauth2/token`'s body (JSON or form, by `Content-Type`) with the client credentials
/// from HTTP Basic, or else from the body.
pub(crate) fn decode_token_request(headers: &HeaderMap, body: &Bytes) -> ApiResult<TokenGrant> {
    let request = parse_request(headers, body)?;
    check_grant_type(request.grant_type.as_deref())?;
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_basic);
    let (public_key, secret_key) = match (basic, request.client_id, request.client_secret) {
        (Some(pair), _, _) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => {
            return Err(ApiError::Unauthorized(
                "client credentials missing: send HTTP Basic or client_id and client_secret".into(),
            ))
        }
    };
    Ok(TokenGrant {
        public_key,
        secret_key,
        scope: request.scope.unwrap_or_default(),
    })
}

pub async fn create_token(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let grant = decode_token_request(&headers, &body)?;
    let key = verify_key_pair(&state, &grant.public_key, &grant.secret_key, peer).await?;
    let scopes = requested_scopes(&state, &key, grant.scope).await?;
    let ttl: SignedDuration = state.settings.token_ttl;
    let rendered: Vec<String> = scopes.iter().map(Scope::render).collect();
    let issued = state
        .engine
        .issue_token(&Caller { key }, rendered.clone(), ttl, "pdat_")
        .await?;
    Ok(Json(json!({
        "access_token": issued.secret,
        "token_type": "Bearer",
        // RFC 6749 semantics: seconds until expiry (see docs/api.md on Moov's spec wording).
        "expires_in": ttl.as_secs(),
        // Refresh tokens are not issued; request a new token instead.
        "refresh_token": "",
        "scope": rendered.join(" "),
    })))
}

#[cfg(test)]
mod tests {
    use super::form_urlencoded_pairs;

    #[test]
    fn form_bodies_decode() {
        let pairs = form_urlencoded_pairs(
            b"grant_type=client_credentials&scope=%2Faccounts.read+%2Fping.read&x",
        );
        assert_eq!(pairs[0], ("grant_type".into(), "client_credentials".into()));
        assert_eq!(
            pairs[1],
            ("scope".into(), "/accounts.read /ping.read".into())
        );
        assert_eq!(pairs[2], ("x".into(), "".into()));
    }
}
