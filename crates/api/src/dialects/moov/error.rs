//! Moov-shaped errors: every failure becomes a status code and a JSON body naming the problem.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pennydrop_engine::{EngineError, ErrorClass};
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// 422 with a body shaped by the endpoint (e.g. `BankAccountValidationError`).
    #[error("validation failed: {0}")]
    Validation(Value),
    #[error("internal error")]
    Internal(String),
    /// 429 with `Retry-After` (seconds).
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    /// 409 with `Retry-After` (seconds): the same idempotency key is in progress.
    #[error("{message}")]
    ConflictRetry { message: String, retry_after: u64 },
}

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(json!({ field: message.into() }))
    }

    /// A 422 in Moov's `{"error": CreateAccountError}` shape (also `PatchAccountError`), nested
    /// along the field's dotted path: `profile.business.legalBusinessName` becomes
    /// `{"error": {"profile": {"business": {"legalBusinessName": message}}}}`.
    pub fn field(path: &str, message: impl Into<String>) -> Self {
        let mut value = Value::String(message.into());
        for segment in path.rsplit('.') {
            let mut m = serde_json::Map::new();
            m.insert(segment.to_string(), value);
            value = Value::Object(m);
        }
        ApiError::Validation(json!({ "error": value }))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::ConflictRetry { .. } => StatusCode::CONFLICT,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        if let EngineError::InvalidField { field, reason } = &e {
            return ApiError::field(field, reason.clone());
        }
        let message = e.to_string();
        match e.class() {
            ErrorClass::NotFound => ApiError::NotFound(message),
            ErrorClass::Refused | ErrorClass::Conflict | ErrorClass::Busy => {
                ApiError::Conflict(message)
            }
            ErrorClass::KeyInProgress => match e.retry_after() {
                Some(retry_after) => ApiError::ConflictRetry {
                    message,
                    retry_after,
                },
                None => ApiError::Conflict(message),
            },
            ErrorClass::KeyMisused => ApiError::validation("idempotencyKey", message),
            ErrorClass::Invalid => match &e {
                EngineError::Webhook(p) => ApiError::validation(p.field, p.message.clone()),
                _ => ApiError::validation("account", message),
            },
            ErrorClass::Internal => ApiError::Internal(message),
            ErrorClass::Throttled => ApiError::TooManyRequests {
                message,
                retry_after: e.retry_after().unwrap_or(1),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            ApiError::Validation(v) => v.clone(),
            ApiError::Internal(detail) => {
                // The detail goes to the log (it never contains account numbers: those only
                // exist decrypted in memory), the caller gets a generic message.
                tracing::error!(error = %detail, "internal error");
                json!({"error": "internal error; the request ID identifies it in the server log"})
            }
            other => json!({ "error": other.to_string() }),
        };
        let mut response = (status, Json(body)).into_response();
        if let ApiError::TooManyRequests { retry_after, .. }
        | ApiError::ConflictRetry { retry_after, .. } = &self
        {
            if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"pennydrop\", Bearer"),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// An error at the HTTP edge (414, 415, a body-less 413 or 405, ...) in Moov's shape.
pub fn edge_error(status: StatusCode, message: &str) -> Response {
    let mut response = (status, Json(json!({ "error": message }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"pennydrop\", Bearer"),
        );
    }
    response
}
