//! ACH files: the list (paged), one file's entries with masked accounts, and the download.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use pennydrop_core::model::AchFile;
use pennydrop_engine::console::MaskedEntry;
use pennydrop_engine::ports::BatchSummary;
use serde::Deserialize;
use uuid::Uuid;

use super::session::Signed;
use super::{dollars, failure, masked, when, Frame, Problem};
use crate::pages::{error_page, page, secure};
use crate::AppState;

/// Files per page.
const PER_PAGE: usize = 25;

pub struct FileRow {
    pub id: String,
    pub name: String,
    pub created: String,
    pub effective: String,
    pub entries: i64,
    pub credits: String,
    pub debits: String,
    pub status: String,
    pub problem: String,
}

impl FileRow {
    fn of(f: &AchFile) -> Self {
        FileRow {
            id: f.file_id.to_string(),
            name: f.file_name.clone(),
            created: when(f.created_on),
            effective: f.effective_date.to_string(),
            entries: f.entry_count,
            credits: dollars(f.total_credit_cents),
            debits: dollars(f.total_debit_cents),
            status: f.status.to_string(),
            problem: f.delivery_error.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/files.html")]
struct Files {
    lang: &'static str,
    frame: Frame,
    files: Vec<FileRow>,
    page: usize,
    previous: Option<usize>,
    next: Option<usize>,
}

#[derive(Deserialize)]
pub struct Paging {
    page: Option<String>,
}

/// `GET /console/files?page=N` (from 1).
pub async fn list(
    State(state): State<AppState>,
    Signed(session): Signed,
    Query(paging): Query<Paging>,
) -> Response {
    let number = paging
        .page
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| (1..=10_000).contains(p))
        .unwrap_or(1);
    let wanted = (number * PER_PAGE + 1) as i64;
    let all = match state.engine.ach_files(wanted).await {
        Ok(f) => f,
        Err(e) => return failure(e),
    };
    let files: Vec<FileRow> = all
        .iter()
        .skip((number - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(FileRow::of)
        .collect();
    page(
        StatusCode::OK,
        &Files {
            lang: "en",
            frame: Frame::of(&session),
            files,
            page: number,
            previous: (number > 1).then(|| number - 1),
            next: (all.len() > number * PER_PAGE).then_some(number + 1),
        },
    )
}

pub struct EntryRow {
    pub batch: String,
    pub trace: i64,
    pub purpose: String,
    pub direction: &'static str,
    pub amount: String,
    pub routing: String,
    pub account: String,
    pub holder: String,
    pub bank_account: String,
    pub status: String,
}

pub struct BatchRow {
    pub number: u32,
    pub sec: String,
    pub company: String,
    pub description: String,
    pub records: u32,
    pub debits: String,
    pub credits: String,
}

#[derive(Template)]
#[template(path = "console/file.html")]
struct Detail {
    lang: &'static str,
    frame: Frame,
    file: FileRow,
    batches: Vec<BatchRow>,
    entries: Vec<EntryRow>,
}

fn file_id(raw: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(raw).map_err(|_| Problem::NotFound(format!("no ACH file {raw}")))
}

/// The file's batches read back from its text (none, logged, when the text cannot be read).
async fn batches_of(state: &AppState, file: &AchFile) -> Vec<BatchSummary> {
    let Some(rail) = state.ach.as_ref() else {
        return Vec::new();
    };
    rail.file_batches(file).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, file = %file.file_name, "batches of a file not read");
        Vec::new()
    })
}

fn entry_rows(entries: &[MaskedEntry], batches: &[BatchSummary]) -> Vec<EntryRow> {
    let batch_of = |trace: i64| {
        batches
            .iter()
            .find(|b| b.trace_seqs.contains(&trace))
            .map(|b| b.batch_number.to_string())
            .unwrap_or_default()
    };
    entries
        .iter()
        .map(|m| EntryRow {
            batch: batch_of(m.trace_seq),
            trace: m.trace_seq,
            purpose: m.entry.purpose.to_string(),
            direction: if m.entry.is_credit { "credit" } else { "debit" },
            amount: m
                .entry
                .visible_amount()
                .map_or_else(|| "sealed".to_string(), dollars),
            routing: m.routing_number.clone(),
            account: masked(&m.last_four),
            holder: m.holder_name.clone(),
            bank_account: m.entry.bank_account_id.to_string(),
            status: m.entry.status.to_string(),
        })
        .collect()
}

fn batch_row(b: &BatchSummary) -> BatchRow {
    let cents = |c: u64| dollars(i64::try_from(c).unwrap_or(i64::MAX));
    BatchRow {
        number: b.batch_number,
        sec: b.sec_code.clone(),
        company: b.company_name.clone(),
        description: b.entry_description.clone(),
        records: b.entry_addenda_count,
        debits: cents(b.total_debit_cents),
        credits: cents(b.total_credit_cents),
    }
}

/// `GET /console/files/{fileID}`: the file, its batches and its entries (last four digits
/// only; a sealed micro-deposit amount stays hidden).
pub async fn detail(
    State(state): State<AppState>,
    Signed(session): Signed,
    Path(raw): Path<String>,
) -> Response {
    let id = match file_id(&raw) {
        Ok(id) => id,
        Err(r) => return r.into_response(),
    };
    let (file, entries) = match (
        state.engine.ach_file(id).await,
        state.engine.ach_file_entries(id).await,
    ) {
        (Ok(f), Ok(e)) => (f, e),
        (Err(e), _) | (_, Err(e)) => return failure(e),
    };
    let batches = batches_of(&state, &file).await;
    page(
        StatusCode::OK,
        &Detail {
            lang: "en",
            frame: Frame::of(&session),
            file: FileRow::of(&file),
            entries: entry_rows(&entries, &batches),
            batches: batches.iter().map(batch_row).collect(),
        },
    )
}

/// `GET /console/files/{fileID}/download`: the NACHA text as written for the bank.
pub async fn download(
    State(state): State<AppState>,
    Signed(_session): Signed,
    Path(raw): Path<String>,
) -> Response {
    let id = match file_id(&raw) {
        Ok(id) => id,
        Err(r) => return r.into_response(),
    };
    let file = match state.engine.ach_file(id).await {
        Ok(f) => f,
        Err(e) => return failure(e),
    };
    let Some(rail) = state.ach.as_ref() else {
        return error_page(StatusCode::NOT_FOUND, "the ACH rail is not configured");
    };
    match rail.file_text(&file).await {
        Ok(text) => secure(
            (
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
                .into_response(),
        ),
        Err(e) => {
            tracing::error!(error = %e, file = %file.file_name, "console download failed");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The file could not be read.",
            )
        }
    }
}
