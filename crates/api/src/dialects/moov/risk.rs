//! The operator's risk controls (docs/risk.md): recorded decisions, the blocklist, tenants'
//! settings overrides, pauses and resumes. Every route needs an operator key; every change
//! names the operator's key ID and a reason in the audit trail.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use pennydrop_core::risk::{BlockEntry, RiskDecision, RiskOutcome, RiskRule, TenantRisk};
use pennydrop_core::scope::Scope;
use pennydrop_core::{AccountNumber, RoutingNumber};
use pennydrop_engine::ports::DecisionFilter;
use pennydrop_engine::risk::operator::block_id;
use pennydrop_engine::risk::{BlockTarget, TenantControls};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

use super::auth::Principal;
use super::error::{ApiError, ApiResult};
use super::{path_id, rfc3339};
use crate::json::BodyError;
use crate::AppState;

fn body<T: DeserializeOwned>(bytes: &Bytes, what: &str) -> Result<T, ApiError> {
    crate::json::parse(bytes).map_err(|e| match e {
        BodyError::Malformed(m) => ApiError::BadRequest(m),
        other => ApiError::validation(what, other.describe()),
    })
}

pub fn decision_json(seq: i64, d: &RiskDecision) -> Value {
    json!({
        "decisionID": d.decision_id,
        "sequence": seq,
        "tenantID": d.tenant_id,
        "bankAccountID": d.bank_account_id,
        "rule": d.rule,
        "outcome": d.outcome,
        "inputs": d.inputs,
        "decidedOn": rfc3339(d.decided_on),
    })
}

pub fn block_json(b: &BlockEntry) -> Value {
    json!({
        "entryID": block_id(b.kind, &b.value),
        "kind": b.kind,
        "value": b.value,
        "reason": b.reason,
        "addedBy": b.added_by,
        "addedOn": rfc3339(b.added_on),
    })
}

fn state_json(tenant: Uuid, s: &TenantRisk) -> Value {
    json!({
        "tenantID": tenant,
        "paused": s.paused_on.is_some(),
        "pausedOn": s.paused_on.map(rfc3339),
        "pausedBy": s.paused_rule,
        "overrides": if s.settings.is_null() { json!({}) } else { s.settings.clone() },
    })
}

fn controls_json(c: &TenantControls) -> Value {
    let mut v = state_json(c.tenant_id, &c.state);
    v["effective"] = serde_json::to_value(&c.effective).unwrap_or(Value::Null);
    v
}

fn query_time(
    q: &HashMap<String, String>,
    name: &str,
) -> Result<Option<jiff::Timestamp>, ApiError> {
    q.get(name)
        .map(|t| {
            t.parse::<jiff::Timestamp>().map_err(|_| {
                ApiError::validation(
                    name,
                    format!("{name} must be an RFC 3339 time, such as 2026-12-01T00:00:00Z"),
                )
            })
        })
        .transpose()
}

/// `GET /admin/risk/decisions`: recorded decisions, newest first. Filters: `tenantID`,
/// `bankAccountID`, `rule`, `outcome`, `from`, `to` (RFC 3339); paging: `count` (1-500,
/// default 100) and `before` (the `nextBefore` of the previous page).
pub async fn decisions(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminRead)?;
    let id = |name: &str| -> Result<Option<Uuid>, ApiError> {
        q.get(name)
            .map(|v| {
                Uuid::parse_str(v)
                    .map_err(|_| ApiError::validation(name, format!("{name} must be a UUID")))
            })
            .transpose()
    };
    let rule = q
        .get("rule")
        .map(|r| {
            RiskRule::parse(r).ok_or_else(|| {
                ApiError::validation(
                    "rule",
                    format!("rule must be one of {}", RiskRule::expected()),
                )
            })
        })
        .transpose()?;
    let outcome = q
        .get("outcome")
        .map(|o| {
            RiskOutcome::parse(o).ok_or_else(|| {
                ApiError::validation(
                    "outcome",
                    format!("outcome must be one of {}", RiskOutcome::expected()),
                )
            })
        })
        .transpose()?;
    let number =
        |name: &str, range: std::ops::RangeInclusive<i64>| -> Result<Option<i64>, ApiError> {
            q.get(name)
                .map(|v| {
                    v.parse::<i64>()
                        .ok()
                        .filter(|n| range.contains(n))
                        .ok_or_else(|| {
                            ApiError::validation(
                                name,
                                format!(
                                    "{name} must be a whole number from {} to {}",
                                    range.start(),
                                    range.end()
                                ),
                            )
                        })
                })
                .transpose()
        };
    let filter = DecisionFilter {
        tenant_id: id("tenantID")?,
        bank_account_id: id("bankAccountID")?,
        rule,
        outcome,
        from: query_time(&q, "from")?,
        to: query_time(&q, "to")?,
        before: number("before", 1..=i64::MAX)?,
        limit: number("count", 1..=500)?.unwrap_or(100),
    };
    let found = state.engine.risk_decisions(&filter).await?;
    let next = (found.len() as i64 == filter.limit)
        .then(|| found.last().map(|(seq, _)| *seq))
        .flatten();
    Ok(Json(json!({
        "decisions": found.iter().map(|(seq, d)| decision_json(*seq, d)).collect::<Vec<_>>(),
        "nextBefore": next,
    })))
}

/// `GET /admin/risk/settings`: the deployment's settings (`--risk` over the defaults).
pub async fn settings(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminRead)?;
    Ok(Json(
        serde_json::to_value(&state.engine.config().risk).unwrap_or(Value::Null),
    ))
}

/// `GET /admin/risk/tenants`: tenants with overrides or a pause.
pub async fn tenants(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminRead)?;
    let list = state.engine.tenants_with_controls().await?;
    Ok(Json(json!({
        "tenants": list.iter().map(|(t, s)| state_json(*t, s)).collect::<Vec<_>>(),
    })))
}

pub async fn tenant(
    State(state): State<AppState>,
    principal: Principal,
    Path(tenant): Path<String>,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminRead)?;
    let tenant = path_id(&tenant, "tenant")?;
    let controls = state.engine.tenant_risk_controls(tenant).await?;
    Ok(Json(controls_json(&controls)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reason {
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsBody {
    settings: Value,
    reason: String,
}

/// `PUT /admin/risk/tenants/{id}/settings`' body: the overrides and the reason.
pub(crate) fn decode_settings(bytes: &Bytes) -> Result<SettingsBody, ApiError> {
    body(bytes, "settings")
}

/// `PUT /admin/risk/tenants/{tenantID}/settings`: replaces the tenant's overrides.
pub async fn put_settings(
    State(state): State<AppState>,
    principal: Principal,
    Path(tenant): Path<String>,
    bytes: Bytes,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminWrite)?;
    let tenant = path_id(&tenant, "tenant")?;
    let b = decode_settings(&bytes)?;
    let controls = state
        .engine
        .set_tenant_risk_settings(&principal.key_id, tenant, &b.settings, &b.reason)
        .await?;
    Ok(Json(controls_json(&controls)))
}

/// `POST /admin/risk/tenants/{tenantID}/pause`.
pub async fn pause(
    State(state): State<AppState>,
    principal: Principal,
    Path(tenant): Path<String>,
    bytes: Bytes,
) -> ApiResult<Json<Value>> {
    pause_or_resume(&state, &principal, &tenant, &bytes, true).await
}

/// `POST /admin/risk/tenants/{tenantID}/resume`.
pub async fn resume(
    State(state): State<AppState>,
    principal: Principal,
    Path(tenant): Path<String>,
    bytes: Bytes,
) -> ApiResult<Json<Value>> {
    pause_or_resume(&state, &principal, &tenant, &bytes, false).await
}

/// `POST /admin/risk/tenants/{id}/pause`'s body: the operator's reason.
pub(crate) fn decode_pause(bytes: &Bytes) -> Result<String, ApiError> {
    body(bytes, "pause").map(|b: Reason| b.reason)
}

/// `POST /admin/risk/tenants/{id}/resume`'s body: the operator's reason.
pub(crate) fn decode_resume(bytes: &Bytes) -> Result<String, ApiError> {
    body(bytes, "resume").map(|b: Reason| b.reason)
}

async fn pause_or_resume(
    state: &AppState,
    principal: &Principal,
    tenant: &str,
    bytes: &Bytes,
    pause: bool,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminWrite)?;
    let tenant = path_id(tenant, "tenant")?;
    let engine = &state.engine;
    if pause {
        let reason = decode_pause(bytes)?;
        engine
            .pause_tenant(&principal.key_id, tenant, &reason)
            .await?;
    } else {
        let reason = decode_resume(bytes)?;
        engine
            .resume_tenant(&principal.key_id, tenant, &reason)
            .await?;
    }
    let controls = engine.tenant_risk_controls(tenant).await?;
    Ok(Json(controls_json(&controls)))
}

pub async fn blocklist(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminRead)?;
    let list = state.engine.blocklist().await?;
    Ok(Json(
        json!({"entries": list.iter().map(block_json).collect::<Vec<_>>()}),
    ))
}

/// `POST /admin/risk/blocklist`: `{"routingNumber", "reason"}` blocks a routing number;
/// with `accountNumber` too, one bank account's details; `{"bankAccountID", "reason"}` the
/// details of a linked bank account.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BlockBody {
    routing_number: Option<String>,
    account_number: Option<String>,
    #[serde(rename = "bankAccountID")]
    bank_account_id: Option<Uuid>,
    reason: String,
}

/// A blocklist entry's body: what to block, and the operator's reason.
pub(crate) fn decode_block(bytes: &Bytes) -> Result<(BlockTarget, String), ApiError> {
    let b: BlockBody = body(bytes, "blocklist")?;
    Ok((block_target(&b)?, b.reason))
}

fn block_target(b: &BlockBody) -> Result<BlockTarget, ApiError> {
    let routing = |r: &str| {
        RoutingNumber::parse(r).map_err(|e| ApiError::validation("routingNumber", e.to_string()))
    };
    match (&b.routing_number, &b.account_number, b.bank_account_id) {
        (Some(r), None, None) => Ok(BlockTarget::Routing(routing(r)?)),
        (Some(r), Some(n), None) => Ok(BlockTarget::Details(
            routing(r)?,
            AccountNumber::parse(n)
                .map_err(|e| ApiError::validation("accountNumber", e.to_string()))?,
        )),
        (None, None, Some(id)) => Ok(BlockTarget::BankAccount(id)),
        _ => Err(ApiError::validation(
            "blocklist",
            "give routingNumber, routingNumber with accountNumber, or bankAccountID",
        )),
    }
}

pub async fn add_block(
    State(state): State<AppState>,
    principal: Principal,
    bytes: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    principal.require_operator(Scope::AdminWrite)?;
    let (target, reason) = decode_block(&bytes)?;
    let entry = state
        .engine
        .block(&principal.key_id, &target, &reason)
        .await?;
    Ok((StatusCode::CREATED, Json(block_json(&entry))))
}

/// `DELETE /admin/risk/blocklist/{entryID}?reason=...`.
pub async fn remove_block(
    State(state): State<AppState>,
    principal: Principal,
    Path(entry): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<StatusCode> {
    principal.require_operator(Scope::AdminWrite)?;
    let reason = q.get("reason").map(String::as_str).unwrap_or_default();
    state
        .engine
        .unblock(&principal.key_id, &entry, reason)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
