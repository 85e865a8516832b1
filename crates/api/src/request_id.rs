//! `x-request-id` on every response: the caller's if it sent a UUID, otherwise a new one; one
//! access log line per request (route template, status, latency, and the tenant and public key
//! once the engine has authenticated the caller); the HTTP request metrics.

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

use crate::AppState;

pub const HEADER: &str = "x-request-id";

#[derive(Debug, Clone, Copy)]
pub struct RequestId(pub Uuid);

/// The dialect a route template belongs to, for the metrics.
pub fn dialect_of(route: &str) -> &'static str {
    let first = route.split('/').nth(1).unwrap_or("");
    match first {
        "microentry" | "aggregation" => "finicity",
        "users" | "micro_deposits" | "sessions" => "mx",
        "admin" | "health" | "metrics" | "openapi.json" | "simulator" => "pennydrop",
        "(no route)" | "" => "none",
        _ => "moov",
    }
}

pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| Uuid::parse_str(s.trim()).ok())
        .unwrap_or_else(Uuid::new_v4);
    request.extensions_mut().insert(RequestId(id));
    // The route template, never the raw path: paths can carry account numbers (the simulator's
    // statement route) and IDs that would make every line unique.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(no route)".to_string());
    let method = request.method().clone();
    // `tenant` and `key` are recorded by the engine when it authenticates the caller.
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        route = %route,
        tenant = tracing::field::Empty,
        key = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let mut response = tracing::Instrument::instrument(next.run(request), span.clone()).await;
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    let latency_ms = seconds * 1000.0;
    span.in_scope(|| tracing::info!(status, latency_ms, "request finished"));
    state.engine.metrics().http_request(
        &route,
        method.as_str(),
        dialect_of(&route),
        status,
        seconds,
    );
    if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}
