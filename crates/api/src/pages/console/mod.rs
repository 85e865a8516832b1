//! The operator console at `/console` (docs/console.md): sign-in with an operator key pair,
//! a session cookie, CSRF tokens on every form, and pages over the engine's operator reads and
//! actions. Server-rendered, no JavaScript; charts are SVG drawn here. Only the last four
//! digits of an account number ever appear.

mod chart;
mod files;
mod inbound;
mod keys;
mod login;
mod lookup;
mod overview;
mod risk;
mod session;
mod webhooks;

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use jiff::Timestamp;
use pennydrop_engine::console::ConsoleSession;
use pennydrop_engine::{EngineError, ErrorClass};
use std::collections::HashMap;
use uuid::Uuid;

use super::{error_page, secure};
use crate::AppState;

pub use session::{COOKIE, IDLE};

/// Every console route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(overview::show))
        .route("/console/login", get(login::form).post(login::sign_in))
        .route("/console/logout", post(login::sign_out))
        .route("/console/files", get(files::list))
        .route("/console/files/{fileID}", get(files::detail))
        .route("/console/files/{fileID}/download", get(files::download))
        .route("/console/inbound", get(inbound::show))
        .route("/console/lookup", get(lookup::show))
        .route("/console/webhooks", get(webhooks::show))
        .route("/console/webhooks/replay", post(webhooks::replay))
        .route("/console/risk", get(risk::show))
        .route("/console/risk/resume", post(risk::resume))
        .route("/console/keys", get(keys::show).post(keys::create))
        .route("/console/keys/revoke", post(keys::revoke))
}

/// What the console's frame (navigation, sign-out form) needs on every page.
pub struct Frame {
    pub csrf: String,
    pub actor: String,
}

impl Frame {
    pub fn of(session: &ConsoleSession) -> Self {
        Frame {
            csrf: session.csrf.clone(),
            actor: session.actor.clone(),
        }
    }
}

/// An engine error as a page: the class decides the status; the message is the engine's
/// (never a secret); internal errors are logged and shown generically.
pub fn failure(e: EngineError) -> Response {
    if let Some(after) = e.retry_after() {
        return error_page(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("Too many attempts; retry in {after} seconds."),
        );
    }
    match e.class() {
        ErrorClass::NotFound => error_page(StatusCode::NOT_FOUND, &e.to_string()),
        ErrorClass::Conflict | ErrorClass::Refused => {
            error_page(StatusCode::CONFLICT, &e.to_string())
        }
        ErrorClass::Invalid => error_page(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
        _ => {
            tracing::error!(error = %e, "console request failed");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong; see the log.",
            )
        }
    }
}

/// A 303 to `to` (after a form, or to the sign-in page).
pub fn see_other(to: &str) -> Response {
    secure((StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response())
}

/// A form body's fields (the last of a repeated name wins).
pub fn fields(body: &Bytes) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// Why a console request is refused before the engine is asked; answered as a page.
#[derive(Debug)]
pub enum Problem {
    /// The form's CSRF token is missing or not this session's (403).
    Csrf,
    /// A form field is missing or malformed (422).
    Field(String),
    /// The path names nothing (404).
    NotFound(String),
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        match self {
            Problem::Csrf => error_page(
                StatusCode::FORBIDDEN,
                "The form's security token is missing or wrong. Reload the page and try again.",
            ),
            Problem::Field(m) => error_page(StatusCode::UNPROCESSABLE_ENTITY, &m),
            Problem::NotFound(m) => error_page(StatusCode::NOT_FOUND, &m),
        }
    }
}

/// The form's fields when it carries this session's CSRF token.
pub fn checked_form(
    session: &ConsoleSession,
    body: &Bytes,
) -> Result<HashMap<String, String>, Problem> {
    let form = fields(body);
    match form.get("csrf") {
        Some(token) if session.csrf_matches(token) => Ok(form),
        _ => Err(Problem::Csrf),
    }
}

/// A form field parsed as a UUID.
pub fn uuid_field(form: &HashMap<String, String>, name: &str) -> Result<Uuid, Problem> {
    form.get(name)
        .and_then(|v| Uuid::parse_str(v.trim()).ok())
        .ok_or_else(|| Problem::Field(format!("{name} must be an ID (a UUID)")))
}

/// A time as operators read it: UTC to the second.
pub fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Cents as dollars: `1234` -> `$12.34`.
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}${}.{:02}", c / 100, c % 100)
}

/// Four digits shown as the masked account number.
pub fn masked(last_four: &str) -> String {
    format!("••••{last_four}")
}
