//! `GET /console/keys`: tenants and their API keys; create a key (`POST /console/keys`, the
//! secret shown once on the answer) and revoke one (`POST /console/keys/revoke`).

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pennydrop_core::model::Mode;
use pennydrop_engine::access::CreatedKey;
use pennydrop_engine::{Engine, EngineError};
use std::collections::HashMap;
use uuid::Uuid;

use super::session::Signed;
use super::{checked_form, failure, see_other, when, Frame};
use crate::pages::{error_page, page};
use crate::AppState;

pub struct TenantRow {
    pub id: String,
    pub name: String,
    pub mode: String,
}

pub struct KeyRow {
    pub public_key: String,
    pub name: String,
    pub tenant: String,
    pub mode: String,
    pub operator: bool,
    pub created: String,
    pub revoked: String,
}

#[derive(Template)]
#[template(path = "console/keys.html")]
struct Keys {
    lang: &'static str,
    frame: Frame,
    tenants: Vec<TenantRow>,
    keys: Vec<KeyRow>,
    created: Option<CreatedKey>,
    revoked: bool,
}

async fn keys(
    engine: &Engine,
    frame: Frame,
    created: Option<CreatedKey>,
    revoked: bool,
) -> Result<Keys, EngineError> {
    let tenants = engine
        .tenants()
        .await?
        .into_iter()
        .map(|t| TenantRow {
            id: t.id.to_string(),
            name: t.name,
            mode: t.mode.to_string(),
        })
        .collect();
    let keys = engine
        .api_keys()
        .await?
        .into_iter()
        .map(|k| KeyRow {
            public_key: k.public_key,
            name: k.name,
            tenant: k.account_id.to_string(),
            mode: k.mode.to_string(),
            operator: k.operator,
            created: when(k.created_on),
            revoked: k.revoked_on.map(when).unwrap_or_default(),
        })
        .collect();
    Ok(Keys {
        lang: "en",
        frame,
        tenants,
        keys,
        created,
        revoked,
    })
}

#[derive(serde::Deserialize)]
pub struct Shown {
    revoked: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Signed(session): Signed,
    axum::extract::Query(shown): axum::extract::Query<Shown>,
) -> Response {
    let revoked = shown.revoked.is_some();
    match keys(&state.engine, Frame::of(&session), None, revoked).await {
        Ok(k) => page(StatusCode::OK, &k),
        Err(e) => failure(e),
    }
}

/// Creates the key the form asks for: for an existing tenant, or a new tenant in a mode.
async fn create_key(
    engine: &Engine,
    actor: &str,
    form: &HashMap<String, String>,
) -> Result<Result<CreatedKey, &'static str>, EngineError> {
    let name = form.get("name").map(|n| n.trim()).unwrap_or_default();
    if name.is_empty() || name.len() > 100 {
        return Ok(Err("name must be 1 to 100 characters"));
    }
    let created = match form.get("tenant").map(String::as_str) {
        Some("new-sandbox") => engine.create_tenant(name, Mode::Sandbox).await?,
        Some("new-production") => engine.create_tenant(name, Mode::Production).await?,
        Some(id) => match Uuid::parse_str(id) {
            Ok(tenant) => engine.add_api_key(actor, name, tenant).await?,
            Err(_) => return Ok(Err("tenant must be a tenant's ID or a new tenant")),
        },
        None => return Ok(Err("tenant is required")),
    };
    tracing::info!(actor, key = %created.public_key, "API key created in the console");
    Ok(Ok(created))
}

/// `POST /console/keys` (name, tenant): answers the page with the new secret, once.
pub async fn create(
    State(state): State<AppState>,
    Signed(session): Signed,
    body: Bytes,
) -> Response {
    let form = match checked_form(&session, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let created = match create_key(&state.engine, &session.actor, &form).await {
        Ok(Ok(c)) => c,
        Ok(Err(problem)) => return error_page(StatusCode::UNPROCESSABLE_ENTITY, problem),
        Err(e) => return failure(e),
    };
    match keys(&state.engine, Frame::of(&session), Some(created), false).await {
        Ok(k) => page(StatusCode::CREATED, &k),
        Err(e) => failure(e),
    }
}

/// `POST /console/keys/revoke` (public_key).
pub async fn revoke(
    State(state): State<AppState>,
    Signed(session): Signed,
    body: Bytes,
) -> Response {
    let form = match checked_form(&session, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let key = form.get("public_key").map(|k| k.trim()).unwrap_or_default();
    match state.engine.revoke_api_key(&session.actor, key).await {
        Ok(()) => see_other("/console/keys?revoked=1"),
        Err(e) => failure(e),
    }
}
