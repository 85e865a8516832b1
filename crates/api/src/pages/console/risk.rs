//! `GET /console/risk`: the latest recorded decisions, paused tenants (with a resume form,
//! `POST /console/risk/resume`, audited with the operator's key) and the blocklist.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pennydrop_engine::ports::DecisionFilter;
use pennydrop_engine::{Engine, EngineError};

use super::session::Signed;
use super::{checked_form, failure, see_other, uuid_field, when, Frame};
use crate::pages::page;
use crate::AppState;

pub struct DecisionRow {
    pub decided: String,
    pub tenant: String,
    pub bank_account: String,
    pub rule: String,
    pub outcome: String,
}

pub struct PausedRow {
    pub tenant: String,
    pub since: String,
    pub by: String,
}

pub struct BlockRow {
    pub kind: String,
    pub value: String,
    pub reason: String,
    pub added: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "console/risk.html")]
struct Risk {
    lang: &'static str,
    frame: Frame,
    decisions: Vec<DecisionRow>,
    paused: Vec<PausedRow>,
    blocks: Vec<BlockRow>,
}

async fn risk(engine: &Engine, frame: Frame) -> Result<Risk, EngineError> {
    let filter = DecisionFilter {
        limit: 50,
        ..DecisionFilter::default()
    };
    let decisions = engine
        .risk_decisions(&filter)
        .await?
        .iter()
        .map(|(_, d)| DecisionRow {
            decided: when(d.decided_on),
            tenant: d.tenant_id.to_string(),
            bank_account: d.bank_account_id.map(|b| b.to_string()).unwrap_or_default(),
            rule: d.rule.to_string(),
            outcome: d.outcome.to_string(),
        })
        .collect();
    let paused = engine
        .tenants_with_controls()
        .await?
        .iter()
        .filter_map(|(id, s)| {
            s.paused_on.map(|at| PausedRow {
                tenant: id.to_string(),
                since: when(at),
                by: s.paused_rule.clone().unwrap_or_default(),
            })
        })
        .collect();
    let blocks = engine
        .blocklist()
        .await?
        .iter()
        .map(|b| BlockRow {
            kind: b.kind.to_string(),
            value: b.value.clone(),
            reason: b.reason.clone(),
            added: when(b.added_on),
            by: b.added_by.clone(),
        })
        .collect();
    Ok(Risk {
        lang: "en",
        frame,
        decisions,
        paused,
        blocks,
    })
}

pub async fn show(State(state): State<AppState>, Signed(session): Signed) -> Response {
    match risk(&state.engine, Frame::of(&session)).await {
        Ok(r) => page(StatusCode::OK, &r),
        Err(e) => failure(e),
    }
}

/// `POST /console/risk/resume` (tenant, reason).
pub async fn resume(
    State(state): State<AppState>,
    Signed(session): Signed,
    body: Bytes,
) -> Response {
    let form = match checked_form(&session, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let tenant = match uuid_field(&form, "tenant") {
        Ok(t) => t,
        Err(r) => return r.into_response(),
    };
    let reason = form.get("reason").map(|r| r.trim()).unwrap_or_default();
    match state
        .engine
        .resume_tenant(&session.actor, tenant, reason)
        .await
    {
        Ok(()) => see_other("/console/risk"),
        Err(e) => failure(e),
    }
}
