//! `GET /console/inbound`: returns and NOCs as they came back (inbound files with their
//! counts), quarantined files with their errors, and entries held back at cutoffs.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pennydrop_core::model::InboundStatus;
use pennydrop_engine::{Engine, EngineError};

use super::session::Signed;
use super::{dollars, failure, when, Frame};
use crate::pages::page;
use crate::AppState;

pub struct InboundRow {
    pub name: String,
    pub received: String,
    pub status: String,
    pub quarantined: bool,
    pub error: String,
    pub returns: i64,
    pub nocs: i64,
}

pub struct HeldRow {
    pub held: String,
    pub bank_account: String,
    pub amount: String,
    pub rule: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "console/inbound.html")]
struct Inbound {
    lang: &'static str,
    frame: Frame,
    files: Vec<InboundRow>,
    quarantined: usize,
    returns: i64,
    nocs: i64,
    held: Vec<HeldRow>,
    return_rows: Vec<ReturnRow>,
    noc_rows: Vec<NocRow>,
}

pub struct ReturnRow {
    pub returned: String,
    pub code: String,
    pub bank_account: String,
    pub purpose: String,
    pub amount: String,
}

pub struct NocRow {
    pub received: String,
    pub code: String,
    pub bank_account: String,
    pub fields: String,
}

async fn returns_and_nocs(engine: &Engine) -> Result<(Vec<ReturnRow>, Vec<NocRow>), EngineError> {
    let returns = engine
        .returned_entries(200)
        .await?
        .iter()
        .map(|r| ReturnRow {
            returned: when(r.returned_on),
            code: r.return_code.clone(),
            bank_account: r.entry.bank_account_id.to_string(),
            purpose: r.entry.purpose.to_string(),
            amount: r
                .entry
                .visible_amount()
                .map_or_else(|| "sealed".to_string(), dollars),
        })
        .collect();
    let nocs = engine
        .recent_nocs(200)
        .await?
        .iter()
        .map(|n| NocRow {
            received: when(n.received_on),
            code: n.change_code.clone(),
            bank_account: n.bank_account_id.to_string(),
            fields: n.changed_fields.join(", "),
        })
        .collect();
    Ok((returns, nocs))
}

async fn inbound(engine: &Engine, frame: Frame) -> Result<Inbound, EngineError> {
    let files: Vec<InboundRow> = engine
        .inbound_files(200)
        .await?
        .iter()
        .map(|f| InboundRow {
            name: f.file_name.clone(),
            received: when(f.received_on),
            status: f.status.to_string(),
            quarantined: f.status == InboundStatus::Quarantined,
            error: f.error.clone().unwrap_or_default(),
            returns: f.returns,
            nocs: f.nocs,
        })
        .collect();
    let held = engine
        .held_entries(200)
        .await?
        .iter()
        .map(|h| HeldRow {
            held: when(h.held_on),
            bank_account: h.entry.bank_account_id.to_string(),
            amount: h
                .entry
                .visible_amount()
                .map_or_else(|| "sealed".to_string(), dollars),
            rule: h.rule.clone(),
            reason: h.reason.clone(),
        })
        .collect();
    let (return_rows, noc_rows) = returns_and_nocs(engine).await?;
    Ok(Inbound {
        lang: "en",
        frame,
        quarantined: files.iter().filter(|f| f.quarantined).count(),
        returns: files.iter().map(|f| f.returns).sum(),
        nocs: files.iter().map(|f| f.nocs).sum(),
        files,
        held,
        return_rows,
        noc_rows,
    })
}

pub async fn show(State(state): State<AppState>, Signed(session): Signed) -> Response {
    match inbound(&state.engine, Frame::of(&session)).await {
        Ok(i) => page(StatusCode::OK, &i),
        Err(e) => failure(e),
    }
}
