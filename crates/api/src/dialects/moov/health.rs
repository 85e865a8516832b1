use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::auth::Principal;
use super::error::ApiResult;
use crate::AppState;
use pennydrop_core::scope::Scope;

/// Moov's `GET /ping`: checks the caller's credentials.
pub async fn ping(principal: Principal) -> ApiResult<Json<Value>> {
    principal.require(Scope::PingRead)?;
    Ok(Json(json!({"ping": "pong"})))
}

/// Readiness: answers 200 only when the database answers and takes writes.
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if let Err(e) = state.engine.health().await {
        tracing::warn!(error = %e, "health check: database unreachable");
        return unavailable("unreachable");
    }
    if let Err(e) = state.engine.writable().await {
        tracing::warn!(error = %e, "health check: database cannot be written");
        return unavailable("read-only");
    }
    (
        StatusCode::OK,
        Json(json!({"status": "ok", "database": "ok"})),
    )
}

fn unavailable(database: &str) -> (StatusCode, Json<Value>) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({
            "status": "unavailable",
            "database": database,
            "error": format!("database {database}"),
        })),
    )
}

/// The OpenAPI document of every route (built by `openapi/build.py`).
pub const OPENAPI_JSON: &str = include_str!("../../../openapi.json");

pub async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI_JSON,
    )
}
