//! The operator's API: ACH files and cutoffs, held entries, inbound files, micro-entry monitoring. Every
//! route needs an operator key (`pennydrop api-keys create --operator`) or a token with
//! `/admin.read` / `/admin.write` issued to one.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use pennydrop_core::model::{AchFile, HeldEntry, InboundFile};
use pennydrop_core::scope::Scope;
use pennydrop_engine::metrics::escape;
use pennydrop_engine::ports::AchOperator;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use super::auth::Principal;
use super::error::{ApiError, ApiResult};
use super::{path_id, rfc3339};
use crate::AppState;

fn rail(state: &AppState) -> ApiResult<&Arc<dyn AchOperator>> {
    state
        .ach
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("the ACH rail is not configured".into()))
}

pub(crate) fn file_json(f: &AchFile) -> Value {
    json!({
        "fileID": f.file_id,
        "fileName": f.file_name,
        "createdOn": rfc3339(f.created_on),
        "windowAt": f.window_at.map(rfc3339),
        "effectiveEntryDate": f.effective_date.to_string(),
        "fileIDModifier": f.file_id_modifier.to_string(),
        "entryCount": f.entry_count,
        "totalCreditCents": f.total_credit_cents,
        "totalDebitCents": f.total_debit_cents,
        "status": f.status,
        "writtenOn": f.written_on.map(rfc3339),
        "deliveredOn": f.delivered_on.map(rfc3339),
        "deliveryError": f.delivery_error,
    })
}

fn inbound_json(f: &InboundFile) -> Value {
    json!({
        "inboundID": f.inbound_id,
        "fileName": f.file_name,
        "sha256": f.sha256,
        "receivedOn": rfc3339(f.received_on),
        "status": f.status,
        "error": f.error,
        "returns": f.returns,
        "nocs": f.nocs,
    })
}

/// `POST /admin/ach/cutoffs`: run a cutoff now, then let the bank (simulated, when on) answer.
pub async fn run_cutoff(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminWrite)?;
    let rail = rail(&state)?;
    let report = rail
        .cutoff_now()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    tracing::info!(file = ?report.file.as_ref().map(|f| &f.file_name), "operator cutoff");
    Ok(Json(json!({
        "files": report.file.iter().map(file_json).collect::<Vec<_>>(),
        "inbound": report.inbound,
    })))
}

pub async fn list_files(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminRead)?;
    let files = state.engine.ach_files(200).await?;
    Ok(Json(Value::Array(files.iter().map(file_json).collect())))
}

pub async fn get_file(
    State(state): State<AppState>,
    principal: Principal,
    Path(file_id): Path<String>,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminRead)?;
    let id = path_id(&file_id, "ACH file")?;
    let file = state.engine.ach_file(id).await?;
    Ok(Json(file_json(&file)))
}

/// `GET /admin/ach/files/{fileID}/contents`: the NACHA text, as a download.
pub async fn download_file(
    State(state): State<AppState>,
    principal: Principal,
    Path(file_id): Path<String>,
) -> ApiResult<Response> {
    principal.require_operator(Scope::AdminRead)?;
    let id = path_id(&file_id, "ACH file")?;
    let file = state.engine.ach_file(id).await?;
    let text = rail(&state)?
        .file_text(&file)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/plain; charset=us-ascii".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.file_name),
            ),
        ],
        text,
    )
        .into_response())
}

fn held_json(h: &HeldEntry) -> Value {
    let e = &h.entry;
    json!({
        "entryID": e.entry_id,
        "verificationID": e.verification_id,
        "bankAccountID": e.bank_account_id,
        "tenantID": e.tenant_id,
        "purpose": e.purpose,
        "amountCents": e.visible_amount(),
        "isCredit": e.is_credit,
        "rule": h.rule,
        "reason": h.reason,
        "heldOn": rfc3339(h.held_on),
    })
}

/// `GET /admin/ach/held-entries`: entries a cutoff held back because they would have broken
/// the file (the NACHA rule and what is wrong; never the account number).
pub async fn held_entries(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminRead)?;
    let held = state.engine.held_entries(200).await?;
    Ok(Json(Value::Array(held.iter().map(held_json).collect())))
}

pub async fn list_inbound(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminRead)?;
    let files = state.engine.inbound_files(200).await?;
    Ok(Json(Value::Array(files.iter().map(inbound_json).collect())))
}

/// `GET /admin/micro-entries`: forward and returned micro-entries per tenant, and the return
/// rate (Nacha phase-2 monitoring).
pub async fn micro_entries(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminRead)?;
    let counts = state.engine.micro_entry_counts().await?;
    let rows: Vec<Value> = counts
        .iter()
        .map(|c| {
            json!({
                "tenantID": c.tenant_id,
                "forward": c.forward,
                "forwardCredits": c.forward_credits,
                "forwardDebits": c.forward_debits,
                "returned": c.returned,
                "returnRate": if c.forward == 0 { 0.0 } else { c.returned as f64 / c.forward as f64 },
            })
        })
        .collect();
    Ok(Json(json!({"tenants": rows})))
}

/// `GET /admin/risk/report?from=&to=&format=json|csv`: the annual-review report
/// (`docs/risk.md, "The annual-review report"`). `from` and `to` are dates (UTC days, `to` included) or RFC 3339
/// times (`to` excluded); a missing or bad one is a 422 naming it.
pub async fn risk_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    principal.require_operator(Scope::AdminRead)?;
    let csv = match query.get("format").map(String::as_str) {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::field("format", "must be json or csv")),
    };
    let param = |name: &str| query.get(name).map(String::as_str).unwrap_or_default();
    let (from, to) = pennydrop_engine::risk::report::parse_period(param("from"), param("to"))?;
    let report = state.engine.risk_report(from, to).await?;
    if !csv {
        return Ok(Json(report.to_json()).into_response());
    }
    let name = format!(
        "pennydrop-risk-report-{}-{}.csv",
        from.strftime("%Y%m%dT%H%M%SZ"),
        to.strftime("%Y%m%dT%H%M%SZ")
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/csv; charset=utf-8; header=present".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        report.to_csv(),
    )
        .into_response())
}

/// `GET /metrics` on the API address: Prometheus text format, for operator keys only (the
/// figures name tenants).
pub async fn metrics(State(state): State<AppState>, principal: Principal) -> ApiResult<Response> {
    principal.require_operator(Scope::AdminRead)?;
    metrics_text(&state).await
}

/// `GET /metrics` on the `--metrics-listen` address, which has no other route.
pub async fn metrics_unauthenticated(State(state): State<AppState>) -> ApiResult<Response> {
    metrics_text(&state).await
}

async fn metrics_text(state: &AppState) -> ApiResult<Response> {
    let mut out = String::new();
    micro_entry_metrics(state, &mut out).await?;
    operations_metrics(state, &mut out).await?;
    webhook_metrics(state, &mut out).await?;
    risk_metrics(state, &mut out).await?;
    state.engine.metrics().render(&mut out);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response())
}

async fn micro_entry_metrics(state: &AppState, out: &mut String) -> ApiResult<()> {
    let counts = state.engine.micro_entry_counts().await?;
    out.push_str("# HELP pennydrop_micro_entries_forward_total Micro-entries sent in NACHA files, by tenant and direction.\n");
    out.push_str("# TYPE pennydrop_micro_entries_forward_total counter\n");
    for c in &counts {
        let _ = writeln!(
            out,
            "pennydrop_micro_entries_forward_total{{tenant=\"{}\",direction=\"credit\"}} {}",
            c.tenant_id, c.forward_credits
        );
        let _ = writeln!(
            out,
            "pennydrop_micro_entries_forward_total{{tenant=\"{}\",direction=\"debit\"}} {}",
            c.tenant_id, c.forward_debits
        );
    }
    out.push_str("# HELP pennydrop_micro_entries_returned_total Micro-entries returned by the receiving bank, by tenant.\n");
    out.push_str("# TYPE pennydrop_micro_entries_returned_total counter\n");
    for c in &counts {
        let _ = writeln!(
            out,
            "pennydrop_micro_entries_returned_total{{tenant=\"{}\"}} {}",
            c.tenant_id, c.returned
        );
    }
    Ok(())
}

/// Read from the database at scrape time: risk decisions by rule and outcome, and the tenants
/// whose new origination is paused (an alert on it should page compliance).
async fn risk_metrics(state: &AppState, out: &mut String) -> ApiResult<()> {
    let counts = state.engine.risk_decision_counts().await?;
    out.push_str("# HELP pennydrop_risk_decisions_total Recorded risk decisions, by rule and outcome (docs/risk.md).\n");
    out.push_str("# TYPE pennydrop_risk_decisions_total counter\n");
    for (rule, outcome, n) in &counts {
        let _ = writeln!(
            out,
            "pennydrop_risk_decisions_total{{rule=\"{}\",outcome=\"{}\"}} {n}",
            escape(rule),
            escape(outcome)
        );
    }
    let paused = state
        .engine
        .tenants_with_controls()
        .await?
        .iter()
        .filter(|(_, s)| s.paused_on.is_some())
        .count();
    out.push_str("# HELP pennydrop_risk_paused_tenants Tenants whose new origination is paused.\n");
    out.push_str("# TYPE pennydrop_risk_paused_tenants gauge\n");
    let _ = writeln!(out, "pennydrop_risk_paused_tenants {paused}");
    Ok(())
}

/// Figures read from the database at scrape time: pending entries, files by status.
async fn operations_metrics(state: &AppState, out: &mut String) -> ApiResult<()> {
    let counts = state.engine.operations_counts().await?;
    out.push_str("# HELP pennydrop_ach_pending_entries ACH entries waiting for a cutoff.\n");
    out.push_str("# TYPE pennydrop_ach_pending_entries gauge\n");
    let _ = writeln!(
        out,
        "pennydrop_ach_pending_entries {}",
        counts.pending_entries
    );
    out.push_str("# HELP pennydrop_ach_files ACH files for the bank, by status.\n");
    out.push_str("# TYPE pennydrop_ach_files gauge\n");
    for (status, n) in &counts.files_by_status {
        let _ = writeln!(
            out,
            "pennydrop_ach_files{{status=\"{}\"}} {n}",
            escape(status)
        );
    }
    out.push_str("# HELP pennydrop_ach_inbound_files Return and NOC files from the bank, by status (applied, quarantined, ...).\n");
    out.push_str("# TYPE pennydrop_ach_inbound_files gauge\n");
    for (status, n) in &counts.inbound_by_status {
        let _ = writeln!(
            out,
            "pennydrop_ach_inbound_files{{status=\"{}\"}} {n}",
            escape(status)
        );
    }
    Ok(())
}

/// Read from the database at scrape time: webhook deliveries waiting to be sent and the age of
/// the oldest one's event (an alert on it catches a stuck worker or a failing endpoint).
async fn webhook_metrics(state: &AppState, out: &mut String) -> ApiResult<()> {
    let lag = state.engine.webhook_lag().await?;
    out.push_str("# HELP pennydrop_webhook_pending_deliveries Webhook deliveries waiting to be sent (pending, of enabled webhooks).\n");
    out.push_str("# TYPE pennydrop_webhook_pending_deliveries gauge\n");
    let _ = writeln!(out, "pennydrop_webhook_pending_deliveries {}", lag.pending);
    out.push_str("# HELP pennydrop_webhook_oldest_pending_age_seconds Age of the oldest undelivered event among pending deliveries (0 when none).\n");
    out.push_str("# TYPE pennydrop_webhook_oldest_pending_age_seconds gauge\n");
    let _ = writeln!(
        out,
        "pennydrop_webhook_oldest_pending_age_seconds {}",
        lag.oldest_age_seconds
    );
    Ok(())
}
