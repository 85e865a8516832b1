//! MX's error shapes (Platform `{"error": {"message", "status"?}}`, Nexus `{"code",
//! "message"}`), media-type negotiation, and the mapping from the engine's typed errors.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pennydrop_engine::{EngineError, ErrorClass, LinkError, LinkField};
use serde_json::{json, Value};

use super::record::{MX_CONFLICTED, MX_REJECTED};

/// The Platform API's media type (`application/json` is accepted too).
pub const PLATFORM_MEDIA_TYPE: &str = "application/vnd.mx.api.v1+json";
/// The Nexus API's media type.
pub const NEXUS_MEDIA_TYPE: &str = "application/vnd.mx.nexus.v1+json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Platform,
    Nexus,
}

/// A failure in MX's shapes: Platform `{"error": {"message", "status"?}}`, Nexus
/// `{"code", "message"}`.
#[derive(Debug)]
pub struct MxError {
    pub(super) http: StatusCode,
    pub(super) code: u32,
    pub(super) message: String,
    /// The MX status name a refused create would have had (CONFLICTED, REJECTED).
    pub(super) status: Option<&'static str>,
    /// Seconds for `Retry-After` on a 429.
    pub(super) retry_after: Option<u64>,
}

impl MxError {
    pub fn new(http: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            http,
            code,
            message: message.into(),
            status: None,
            retry_after: None,
        }
    }
    pub fn missing(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 4001, message)
    }
    pub fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 4000, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 4011, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, 4040, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, 4090, message)
    }
    pub fn rejected(message: impl Into<String>) -> Self {
        let mut e = Self::bad(message);
        e.status = Some(MX_REJECTED.1);
        e
    }
    pub fn duplicate(dialect: Dialect, message: impl Into<String>) -> Self {
        let mut e = match dialect {
            Dialect::Platform => Self::conflict(message),
            Dialect::Nexus => Self::new(StatusCode::UNPROCESSABLE_ENTITY, 4220, message),
        };
        e.status = Some(MX_CONFLICTED.1);
        e
    }
}

/// Negotiated response media type, or 406.
fn media_type(dialect: Dialect, headers: &HeaderMap) -> Result<&'static str, MxError> {
    let own = match dialect {
        Dialect::Platform => PLATFORM_MEDIA_TYPE,
        Dialect::Nexus => NEXUS_MEDIA_TYPE,
    };
    let accept: Vec<String> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|r| {
            r.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|r| !r.is_empty())
        .collect();
    if accept.is_empty() || accept.iter().any(|r| r == own) {
        return Ok(own);
    }
    if accept
        .iter()
        .any(|r| r == "application/json" || r == "*/*" || r == "application/*")
    {
        return Ok(match dialect {
            Dialect::Platform => "application/json",
            Dialect::Nexus => NEXUS_MEDIA_TYPE,
        });
    }
    Err(MxError::new(
        StatusCode::NOT_ACCEPTABLE,
        4060,
        format!("Accept must allow {own} or application/json"),
    ))
}

pub fn render(
    dialect: Dialect,
    headers: &HeaderMap,
    result: Result<(StatusCode, Value), MxError>,
) -> Response {
    let media = match media_type(dialect, headers) {
        Ok(m) => m,
        Err(e) => return error_response(dialect, "application/json", e),
    };
    match result {
        Ok((status, body)) => {
            let mut response = if status == StatusCode::NO_CONTENT {
                status.into_response()
            } else {
                (status, body.to_string()).into_response()
            };
            if status != StatusCode::NO_CONTENT {
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
            }
            response
        }
        Err(e) => error_response(dialect, media, e),
    }
}

fn error_response(dialect: Dialect, media: &'static str, e: MxError) -> Response {
    let body = match dialect {
        Dialect::Platform => {
            let mut error = json!({"message": e.message});
            if let Some(s) = e.status {
                error["status"] = json!(s);
            }
            json!({ "error": error })
        }
        Dialect::Nexus => {
            let mut body = json!({"code": e.code, "message": e.message});
            if let Some(s) = e.status {
                body["status_name"] = json!(s);
            }
            body
        }
    };
    let mut response = (e.http, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Some(v) = e
        .retry_after
        .and_then(|s| HeaderValue::from_str(&s.to_string()).ok())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    if e.http == StatusCode::UNAUTHORIZED {
        let challenge = match dialect {
            Dialect::Platform => "Basic realm=\"pennydrop\"",
            Dialect::Nexus => "MD-SESSION-TOKEN",
        };
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    response
}

pub type MxResult<T> = Result<T, MxError>;

/// An error at the HTTP edge (414, 415, a body-less 413 or 405, ...) in the dialect's shape,
/// the Nexus code being the status times ten (4150), as MX's own codes are. `request` holds
/// the request's `Accept`; an unacceptable one falls back to `application/json` rather than
/// hiding the error behind a 406.
pub fn edge_error(
    dialect: Dialect,
    status: StatusCode,
    message: &str,
    request: &HeaderMap,
) -> Response {
    let media = media_type(dialect, request).unwrap_or("application/json");
    let code = u32::from(status.as_u16()) * 10;
    error_response(dialect, media, MxError::new(status, code, message))
}

/// MX's names for the link fields.
fn mx_name(field: LinkField) -> &'static str {
    match field {
        LinkField::HolderName => "first_name/last_name",
        LinkField::HolderType => "holder_type",
        LinkField::AccountNumber => "account_number",
        LinkField::BankAccountType => "account_type",
        LinkField::RoutingNumber => "routing_number",
    }
}

impl MxError {
    /// Link problems are REJECTED micro-deposits, naming MX's fields.
    pub fn link(e: &LinkError) -> Self {
        Self::rejected(e.describe(mx_name))
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error (mx)");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            5000,
            "internal error; the request ID identifies it in the server log",
        )
    }
}

impl From<EngineError> for MxError {
    fn from(e: EngineError) -> Self {
        if let EngineError::Link(l) = &e {
            return MxError::link(l);
        }
        let message = e.to_string();
        match e.class() {
            ErrorClass::NotFound => MxError::not_found(message),
            ErrorClass::Refused | ErrorClass::Conflict | ErrorClass::Busy => {
                MxError::conflict(message)
            }
            ErrorClass::Invalid => MxError::rejected(message),
            ErrorClass::KeyMisused => MxError::new(StatusCode::UNPROCESSABLE_ENTITY, 4220, message),
            ErrorClass::KeyInProgress => {
                let mut error = MxError::conflict(message);
                error.retry_after = e.retry_after();
                error
            }
            ErrorClass::Internal => MxError::internal(message),
            ErrorClass::Throttled => {
                let mut error = MxError::new(StatusCode::TOO_MANY_REQUESTS, 4290, message);
                error.retry_after = e.retry_after();
                error
            }
        }
    }
}
