//! `GET /console`: what went out today, what is waiting, and each tenant's return rate.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pennydrop_engine::{Engine, EngineError};

use super::session::Signed;
use super::{chart, failure, when, Frame};
use crate::pages::page;
use crate::AppState;

pub struct RateRow {
    pub tenant: String,
    pub forward: i64,
    pub returned: i64,
    pub rate: String,
}

#[derive(Template)]
#[template(path = "console/overview.html")]
struct Overview {
    lang: &'static str,
    frame: Frame,
    pending: i64,
    next_cutoff: String,
    files_today: usize,
    backlog: i64,
    oldest_age: i64,
    chart: String,
    rates: Vec<RateRow>,
}

pub async fn show(State(state): State<AppState>, Signed(session): Signed) -> Response {
    match overview(&state.engine, Frame::of(&session)).await {
        Ok(o) => page(StatusCode::OK, &o),
        Err(e) => failure(e),
    }
}

async fn overview(engine: &Engine, frame: Frame) -> Result<Overview, EngineError> {
    let counts = engine.operations_counts().await?;
    let today = engine
        .clock()
        .now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let files_today = engine
        .ach_files(500)
        .await?
        .iter()
        .filter(|f| f.created_on.to_zoned(jiff::tz::TimeZone::UTC).date() == today)
        .count();
    let lag = engine.webhook_lag().await?;
    let rates = return_rates(engine).await?;
    let bars: Vec<(String, f64)> = rates
        .iter()
        .map(|r| (r.tenant.clone(), percent(r.returned, r.forward)))
        .collect();
    Ok(Overview {
        lang: "en",
        frame,
        pending: counts.pending_entries,
        next_cutoff: when(engine.next_cutoff()),
        files_today,
        backlog: lag.pending,
        oldest_age: lag.oldest_age_seconds,
        chart: chart::percent_bars("Micro-entry return rate per tenant", &bars),
        rates,
    })
}

fn percent(returned: i64, forward: i64) -> f64 {
    if forward == 0 {
        0.0
    } else {
        returned as f64 * 100.0 / forward as f64
    }
}

async fn return_rates(engine: &Engine) -> Result<Vec<RateRow>, EngineError> {
    let tenants = engine.tenants().await?;
    let name = |id: uuid::Uuid| {
        tenants
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| id.to_string())
    };
    Ok(engine
        .micro_entry_counts()
        .await?
        .into_iter()
        .map(|c| RateRow {
            tenant: name(c.tenant_id),
            forward: c.forward,
            returned: c.returned,
            rate: format!("{:.1} %", percent(c.returned, c.forward)),
        })
        .collect())
}
