//! Pennydrop's own routes in the native dialect: verification links for the holder page
//! (`/v/{token}`) and the tenant's branding of that page (docs/pages.md).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use jiff::Timestamp;
use pennydrop_core::scope::Scope;
use pennydrop_engine::links::{Branding, BrandingUpdate, CreatedLink};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::Principal;
use super::error::{ApiError, ApiResult};
use super::{path_id, rfc3339};
use crate::json::BodyError;
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewLink {
    expires_on: Option<String>,
    mode: Option<String>,
}

/// An optional JSON body: empty means `{}`.
fn optional_body(body: &Bytes) -> ApiResult<NewLink> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(NewLink::default());
    }
    crate::json::parse(body).map_err(|e| match e {
        BodyError::Malformed(m) => ApiError::BadRequest(m),
        BodyError::Field { path, message } => {
            let field = if path.is_empty() { "error" } else { &path };
            ApiError::validation(field, message)
        }
    })
}

fn expiry(request: &NewLink) -> ApiResult<Option<Timestamp>> {
    request
        .expires_on
        .as_deref()
        .map(|s| {
            s.parse::<Timestamp>().map_err(|_| {
                ApiError::validation(
                    "expiresOn",
                    "must be an RFC 3339 time like 2026-12-01T15:00:00Z",
                )
            })
        })
        .transpose()
}

/// `{public}/v/{token}`: the configured public URL, or this request's own host.
fn link_url(state: &AppState, headers: &HeaderMap, token: &str) -> String {
    let base = match &state.settings.public_url {
        Some(url) => url.clone(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1:8080");
            format!("http://{host}")
        }
    };
    format!("{base}/v/{token}")
}

fn created(state: &AppState, headers: &HeaderMap, c: &CreatedLink) -> (StatusCode, Json<Value>) {
    (
        StatusCode::CREATED,
        Json(json!({
            "linkID": c.link.link_id,
            "url": link_url(state, headers, &c.token),
            "expiresOn": rfc3339(c.link.expires_on),
            "mode": c.link.kind.as_str(),
        })),
    )
}

/// `POST /accounts/{accountID}/bank-accounts/{bankAccountID}/verification-links`
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    Path((account_id, bank_account_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::BankAccountsWrite(account_id))?;
    let bank_account_id = path_id(&bank_account_id, "bank account")?;
    let expires_on = decode_link(&body)?;
    let c = state
        .engine
        .create_link(
            principal.tenant(),
            account_id,
            Some(bank_account_id),
            expires_on,
        )
        .await?;
    Ok(created(&state, &headers, &c))
}

/// A bank account's verification link's body (optional; `mode` may only be `verify`): its
/// expiry, as the engine takes it.
pub(crate) fn decode_link(body: &Bytes) -> ApiResult<Option<Timestamp>> {
    let request = optional_body(body)?;
    if request.mode.as_deref().is_some_and(|m| m != "verify") {
        return Err(ApiError::validation(
            "mode",
            "must be verify on a bank account",
        ));
    }
    expiry(&request)
}

/// A collect link's body (`{"mode": "collect"}`): its expiry, as the engine takes it.
pub(crate) fn decode_collect_link(body: &Bytes) -> ApiResult<Option<Timestamp>> {
    let request = optional_body(body)?;
    if request.mode.as_deref() != Some("collect") {
        return Err(ApiError::validation("mode", "must be collect"));
    }
    expiry(&request)
}

/// `POST /accounts/{accountID}/verification-links` with `{"mode": "collect"}`.
pub async fn create_collect(
    State(state): State<AppState>,
    principal: Principal,
    Path(account_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::BankAccountsWrite(account_id))?;
    let expires_on = decode_collect_link(&body)?;
    let c = state
        .engine
        .create_link(principal.tenant(), account_id, None, expires_on)
        .await?;
    Ok(created(&state, &headers, &c))
}

/// `DELETE /accounts/{accountID}/bank-accounts/{bankAccountID}/verification-links/{linkID}`
pub async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    Path((account_id, bank_account_id, link_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let bank_account_id = path_id(&bank_account_id, "bank account")?;
    revoke_link(state, principal, account_id, Some(bank_account_id), link_id).await
}

/// `DELETE /accounts/{accountID}/verification-links/{linkID}`
pub async fn revoke_collect(
    State(state): State<AppState>,
    principal: Principal,
    Path((account_id, link_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    revoke_link(state, principal, account_id, None, link_id).await
}

async fn revoke_link(
    state: AppState,
    principal: Principal,
    account_id: String,
    bank_account_id: Option<uuid::Uuid>,
    link_id: String,
) -> ApiResult<StatusCode> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::BankAccountsWrite(account_id))?;
    let link_id = path_id(&link_id, "verification link")?;
    state
        .engine
        .revoke_link(principal.tenant(), account_id, bank_account_id, link_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BrandingBody {
    company_name: Option<String>,
    #[serde(rename = "logoURL")]
    logo_url: Option<String>,
    brand_color: Option<String>,
    support_contact: Option<String>,
}

fn branding_json(b: &Branding) -> Value {
    json!({
        "companyName": b.company_name,
        "logoURL": b.logo_url,
        "brandColor": b.brand_color,
        "supportContact": b.support_contact,
    })
}

/// `GET /branding`: the tenant's holder-page branding (defaults when never set).
pub async fn get_branding(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Value>> {
    principal.require(Scope::AccountsRead)?;
    let b = state.engine.branding(principal.tenant().id).await?;
    Ok(Json(branding_json(&b)))
}

/// `PUT /branding`'s body, as the engine takes it.
pub(crate) fn decode_branding(body: &Bytes) -> ApiResult<BrandingUpdate> {
    let request: BrandingBody = crate::json::parse(body).map_err(|e| match e {
        BodyError::Malformed(m) => ApiError::BadRequest(m),
        BodyError::Field { path, message } => {
            let field = if path.is_empty() { "error" } else { &path };
            ApiError::validation(field, message)
        }
    })?;
    Ok(BrandingUpdate {
        company_name: request.company_name.unwrap_or_default(),
        logo_url: request.logo_url,
        brand_color: request.brand_color,
        support_contact: request.support_contact,
    })
}

/// `PUT /branding`: replaces the tenant's holder-page branding.
pub async fn put_branding(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    principal.require(Scope::AccountsWrite)?;
    let update = decode_branding(&body)?;
    let b = state
        .engine
        .set_branding(principal.tenant().id, update)
        .await?;
    Ok(Json(branding_json(&b)))
}
