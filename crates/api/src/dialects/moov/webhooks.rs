//! Moov's webhook management, per tenant: the paths and shapes the official SDKs call, plus
//! Pennydrop's delivery log and replay.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use pennydrop_core::scope::Scope;
use pennydrop_core::webhooks::{Delivery, Webhook, WebhookStatus};
use pennydrop_engine::webhooks::{WebhookSettings, EVENT_TYPES};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

use super::auth::Principal;
use super::error::{ApiError, ApiResult};
use super::{path_id, rfc3339};
use crate::json::BodyError;
use crate::AppState;

/// Moov's `CreateWebhook` / `UpdateWebhook`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WebhookBody {
    url: String,
    status: WebhookStatus,
    event_types: Vec<String>,
    #[serde(default)]
    description: String,
}

/// `POST /webhooks` and `PUT /webhooks/{id}`'s body, as the engine takes it.
pub(crate) fn decode_webhook(body: &Bytes) -> Result<WebhookSettings, ApiError> {
    let b: WebhookBody = crate::json::parse(body).map_err(|e| match e {
        BodyError::Malformed(m) => ApiError::BadRequest(m),
        other => ApiError::validation("webhook", other.describe()),
    })?;
    Ok(WebhookSettings {
        url: b.url,
        description: b.description,
        status: b.status,
        event_types: b.event_types,
    })
}

pub fn webhook_json(w: &Webhook) -> Value {
    let types: Vec<&str> = if w.event_types.is_empty() {
        vec!["*"]
    } else {
        w.event_types.iter().map(String::as_str).collect()
    };
    let mut v = json!({
        "webhookID": w.webhook_id,
        "url": w.url,
        "status": w.status,
        "eventTypes": types,
        "description": w.description,
        "createdOn": rfc3339(w.created_on),
        "updatedOn": rfc3339(w.updated_on),
    });
    if let Some(reason) = &w.disabled_reason {
        v["disabledReason"] = json!(reason);
    }
    v
}

pub fn delivery_json(d: &Delivery) -> Value {
    json!({
        "eventID": d.event_id,
        "sequence": d.sequence,
        "status": d.status,
        "attempts": d.attempts,
        "nextAttemptOn": (d.status == pennydrop_core::webhooks::DeliveryStatus::Pending)
            .then(|| rfc3339(d.next_attempt_at)),
        "lastStatusCode": d.last_status_code,
        "lastError": d.last_error,
        "deliveredOn": d.delivered_on.map(rfc3339),
        "createdOn": rfc3339(d.created_on),
    })
}

pub async fn list_event_types(principal: Principal) -> ApiResult<Json<Value>> {
    principal.require(Scope::WebhooksRead)?;
    let types: Vec<Value> = EVENT_TYPES
        .iter()
        .map(|(t, description)| json!({"eventTypeID": t, "type": t, "description": description}))
        .collect();
    Ok(Json(Value::Array(types)))
}

pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    principal.require(Scope::WebhooksWrite)?;
    let w = state
        .engine
        .create_webhook(principal.tenant(), &decode_webhook(&body)?)
        .await?;
    Ok((StatusCode::CREATED, Json(webhook_json(&w))))
}

pub async fn list(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<Value>> {
    principal.require(Scope::WebhooksRead)?;
    let all = state.engine.webhooks(principal.tenant()).await?;
    Ok(Json(Value::Array(all.iter().map(webhook_json).collect())))
}

pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    principal.require(Scope::WebhooksRead)?;
    let id = path_id(&id, "webhook")?;
    let w = state.engine.webhook(principal.tenant(), id).await?;
    Ok(Json(webhook_json(&w)))
}

pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    principal.require(Scope::WebhooksWrite)?;
    let id = path_id(&id, "webhook")?;
    let w = state
        .engine
        .update_webhook(principal.tenant(), id, &decode_webhook(&body)?)
        .await?;
    Ok(Json(webhook_json(&w)))
}

pub async fn delete(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    principal.require(Scope::WebhooksWrite)?;
    let id = path_id(&id, "webhook")?;
    state.engine.delete_webhook(principal.tenant(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn secret(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    principal.require(Scope::WebhooksRead)?;
    let id = path_id(&id, "webhook")?;
    let secret = state.engine.webhook_secret(principal.tenant(), id).await?;
    Ok(Json(json!({ "secret": secret })))
}

/// `POST /webhooks/{webhookID}/secret/rotate`: a new secret; the old one keeps signing
/// deliveries (beside the new) for 24 hours.
pub async fn rotate_secret(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    principal.require(Scope::WebhooksWrite)?;
    let id = path_id(&id, "webhook")?;
    let secret = state
        .engine
        .rotate_webhook_secret(principal.tenant(), id)
        .await?;
    Ok(Json(json!({ "secret": secret })))
}

pub async fn ping(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    principal.require(Scope::WebhooksWrite)?;
    let id = path_id(&id, "webhook")?;
    let p = state.engine.ping_webhook(principal.tenant(), id).await?;
    Ok(Json(json!({
        "webhook": webhook_json(&p.webhook),
        "requestBodySent": p.body_sent,
        "responseStatusCode": p.status_code,
    })))
}

pub async fn deliveries(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    principal.require(Scope::WebhooksRead)?;
    let id = path_id(&id, "webhook")?;
    let count = match query.get("count") {
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::validation("count", "count must be 1 to 1000"))?,
        None => 100,
    };
    let list = state
        .engine
        .webhook_deliveries(principal.tenant(), id, count)
        .await?;
    Ok(Json(Value::Array(list.iter().map(delivery_json).collect())))
}

/// `POST /webhooks/{webhookID}/replay` with `{"eventID"}` or `{"since": RFC 3339}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ReplayBody {
    #[serde(rename = "eventID")]
    event_id: Option<uuid::Uuid>,
    since: Option<jiff::Timestamp>,
}

/// `POST /webhooks/{id}/replay`'s body: one event or a start time, not both.
pub(crate) fn decode_replay(body: &Bytes) -> ApiResult<ReplayBody> {
    let b: ReplayBody = crate::json::parse(body).map_err(|e| match e {
        BodyError::Malformed(m) => ApiError::BadRequest(m),
        other => ApiError::validation("replay", other.describe()),
    })?;
    if b.event_id.is_none() == b.since.is_none() {
        return Err(ApiError::validation(
            "replay",
            "send either eventID (one event) or since (every event from then on)",
        ));
    }
    Ok(b)
}

pub async fn replay(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    principal.require(Scope::WebhooksWrite)?;
    let id = path_id(&id, "webhook")?;
    let b = decode_replay(&body)?;
    let n = state
        .engine
        .replay_webhook(principal.tenant(), id, b.since, b.event_id)
        .await?;
    Ok(Json(json!({ "replayed": n })))
}
