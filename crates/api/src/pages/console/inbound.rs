//! `GET /console/inbound`: returns and NOCs as they came back (inbound files with their
//! counts), quarantined files with their errors, and entries held back at cutoffs.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pennydrop_core::model::InboundStatus;

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
}

pub async fn show(State(state): State<AppState>, Signed(session): Signed) -> Response {
    let (files, held) = match (
        state.engine.inbound_files(200).await,
        state.engine.held_entries(200).await,
    ) {
        (Ok(f), Ok(h)) => (f, h),
        (Err(e), _) | (_, Err(e)) => return failure(e),
    };
    let files: Vec<InboundRow> = files
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
    let held = held
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
    page(
        StatusCode::OK,
        &Inbound {
            lang: "en",
            frame: Frame::of(&session),
            quarantined: files.iter().filter(|f| f.quarantined).count(),
            returns: files.iter().map(|f| f.returns).sum(),
            nocs: files.iter().map(|f| f.nocs).sum(),
            files,
            held,
        },
    )
}
