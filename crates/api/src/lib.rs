//! Pennydrop's HTTP API: the Moov-compatible routes, authentication and errors.

pub mod auth;
pub mod dialects;
pub mod error;
pub mod json;
pub mod keys;
pub mod request_id;
mod routes;

use axum::http::{Method, Uri};
use axum::Router;
use jiff::SignedDuration;
use pennydrop_core::crypto::Vault;
use pennydrop_core::directory::Directory;
use pennydrop_core::Clock;
use pennydrop_engine::Engine;
use pennydrop_rails::ach::AchRail;
use pennydrop_rails::SimulatedBank;
use pennydrop_store::Store;
use std::sync::Arc;

use crate::error::ApiError;

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub engine: Arc<Engine>,
    /// The simulated bank network, when it is on.
    pub simulator: Option<Arc<SimulatedBank>>,
    /// The ACH rail (cutoffs, files, returns).
    pub ach: Option<Arc<AchRail>>,
    pub vault: Arc<Vault>,
    pub directory: Arc<Directory>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
}

/// Tunables with production defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long an OAuth2 access token lives.
    pub token_ttl: SignedDuration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            token_ttl: SignedDuration::from_hours(1),
        }
    }
}

pub fn router(state: AppState) -> Router {
    routes::router()
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(request_id::layer))
        .with_state(state)
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no route for {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> axum::response::Response {
    let mut response = axum::response::IntoResponse::into_response(ApiError::BadRequest(format!(
        "method {method} is not allowed on {}",
        uri.path()
    )));
    *response.status_mut() = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    response
}
