//! Finicity's `ErrorMessage` (`{code, message}`, the code a string as in the spec's examples)
//! and the mapping from the engine's typed errors to Finicity's codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use pennydrop_engine::{EngineError, ErrorClass, LinkError, LinkField};
use serde_json::{json, Map, Value};

#[derive(Debug)]
pub struct FinicityError {
    pub(super) http: StatusCode,
    pub(super) code: &'static str,
    message: String,
    /// Extra fields: `accountId` on a conflict, `status`/`statusDescription` on verify errors.
    extra: Map<String, Value>,
    /// Seconds for `Retry-After` on a 429.
    retry_after: Option<u64>,
}

pub type FinicityResult<T> = Result<T, FinicityError>;

pub const NO_ROUNDS: &str = "No micro entries were initiated for this account.";

impl FinicityError {
    pub fn new(http: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            http,
            code,
            message: message.into(),
            extra: Map::new(),
            retry_after: None,
        }
    }

    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(field.to_string(), value.into());
        self
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn generic(detail: impl std::fmt::Display) -> Self {
        Self::bad_request("14020", format!("Bad request. ({detail})"))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "14001", message)
    }

    pub fn customer_not_found() -> Self {
        Self::not_found("Customer not found.")
    }

    pub fn account_not_found() -> Self {
        Self::not_found("Resource not found.")
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "3100001", message)
    }

    pub fn busy() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "3300001",
            "Too many request. Please try after some time",
        )
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error (finicity)");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "3000000",
            "Micro entries can't be processed at this time due to technical difficulties. Please try after some time",
        )
    }

    /// A link problem, by the field it names (the account number itself is never echoed).
    pub fn link(e: &LinkError) -> Self {
        let message = e.describe(LinkField::moov_name);
        match e.first().map(|p| p.field) {
            Some(LinkField::RoutingNumber) => {
                Self::bad_request("20024", format!("Invalid routing number: {message}"))
            }
            Some(LinkField::AccountNumber) => {
                Self::bad_request("3000001", "Invalid account number")
            }
            _ => Self::generic(message),
        }
    }
}

/// An error at the HTTP edge (414, 415, a body-less 413 or 405, ...) in Finicity's shape: the
/// generic "Bad request." code for a refused request, the technical-difficulties code for 5xx.
pub fn edge_error(status: StatusCode, message: &str) -> Response {
    let code = match status.as_u16() {
        404 => "14001",
        500.. => "3000000",
        _ => "14020",
    };
    FinicityError::new(status, code, message).into_response()
}

impl IntoResponse for FinicityError {
    fn into_response(self) -> Response {
        let mut body = Map::new();
        body.insert("code".into(), json!(self.code));
        body.insert("message".into(), json!(self.message));
        body.extend(self.extra);
        let mut response = (self.http, Json(Value::Object(body))).into_response();
        if let Some(v) = self
            .retry_after
            .and_then(|s| axum::http::HeaderValue::from_str(&s.to_string()).ok())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<EngineError> for FinicityError {
    fn from(e: EngineError) -> Self {
        let refused = e.refusal().is_some();
        match (e.class(), e) {
            (ErrorClass::NotFound, _) if refused => Self::not_found(NO_ROUNDS),
            (ErrorClass::NotFound, _) => Self::account_not_found(),
            (ErrorClass::Refused, e) => Self::bad_request("3200001", e.to_string()),
            (ErrorClass::Invalid, EngineError::Link(l)) => Self::link(&l),
            (ErrorClass::Conflict, e) => Self::conflict(e.to_string()),
            (ErrorClass::Busy, _) => Self::busy(),
            (ErrorClass::KeyMisused, e) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "14020",
                format!("Bad request. ({e})"),
            ),
            (ErrorClass::KeyInProgress, e) => {
                let mut error = Self::conflict(e.to_string());
                error.retry_after = e.retry_after();
                error
            }
            (ErrorClass::Throttled, e) => {
                let mut error = Self::busy();
                error.retry_after = e.retry_after();
                error
            }
            (_, e) => Self::internal(e),
        }
    }
}
