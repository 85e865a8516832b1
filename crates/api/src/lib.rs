//! Pennydrop's HTTP API: one module per dialect under [`dialects`] (Moov-compatible native,
//! Finicity, MX), each decoding its wire format into calls on the engine and encoding the
//! answers back. Nothing here decides anything about money or verification, and nothing here
//! touches the database: every use case is an [`Engine`] method.

pub mod amounts;
pub mod basic;
mod dialects;
pub mod edge;
pub mod fuzzing;
pub mod idempotency;
pub mod json;
pub mod pages;
pub mod recovery;
pub mod request_id;

pub use dialects::moov::risk::{block_json, decision_json};
/// Moov's JSON for a webhook (never its secret) and for one delivery; `pennydrop webhooks`
/// prints the same shapes as the API.
pub use dialects::moov::webhooks::{delivery_json, webhook_json};

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::Router;
use jiff::SignedDuration;
use pennydrop_engine::ports::{AchOperator, Statements};
use pennydrop_engine::Engine;
use std::sync::Arc;

use crate::edge::Shape;

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub engine: Arc<Engine>,
    /// The ACH rail as the operator drives it (cutoffs, file texts), when configured.
    pub ach: Option<Arc<dyn AchOperator>>,
    /// The simulated bank's statements, when the simulated network is on.
    pub statements: Option<Arc<dyn Statements>>,
    pub settings: Arc<Settings>,
}

/// The client's address, when the server knows it (the connection's peer). Failed
/// authentications are throttled per address as well as per public key.
#[derive(Debug, Clone, Copy, Default)]
pub struct Peer(pub Option<std::net::IpAddr>);

impl Peer {
    pub fn of(extensions: &axum::http::Extensions) -> Self {
        Peer(
            extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        )
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Peer::of(&parts.extensions))
    }
}

/// Tunables with production defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long an OAuth2 access token lives.
    pub token_ttl: SignedDuration,
    /// Fault injection for crash tests: a keyed request's change is committed but its answer
    /// is never kept nor sent (the process is then killed from outside).
    pub hang_before_keeping_answers: bool,
    /// Where holders reach the service (`--public-url`, no trailing slash); verification links
    /// are `{public_url}/v/{token}`. `None`: the request's own `Host`, over http.
    pub public_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            token_ttl: SignedDuration::from_hours(1),
            hang_before_keeping_answers: false,
            public_url: None,
        }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(dialects::moov::router())
        .merge(dialects::finicity::router())
        .merge(dialects::mx::router())
        .merge(pages::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency::layer,
        ))
        .layer(axum::middleware::from_fn(edge::layer))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_id::layer,
        ))
        .with_state(state)
}

/// The router for `--metrics-listen`: only `GET /metrics`, without authentication (the address
/// is meant for a scraper on a private network; on the API address it needs an operator key).
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            axum::routing::get(dialects::moov::metrics_unauthenticated),
        )
        .with_state(state)
}

async fn not_found(method: Method, uri: Uri, headers: HeaderMap) -> axum::response::Response {
    let message = format!("no route for {method} {}", uri.path());
    Shape::of(uri.path()).error(StatusCode::NOT_FOUND, &message, &headers)
}

async fn method_not_allowed(
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> axum::response::Response {
    let message = format!("method {method} is not allowed on {}", uri.path());
    Shape::of(uri.path()).error(StatusCode::METHOD_NOT_ALLOWED, &message, &headers)
}
