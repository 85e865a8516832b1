//! Idempotency keys at the HTTP edge, for every dialect at once: a mutating request (POST, PUT,
//! PATCH, DELETE) carrying `X-Idempotency-Key` (Moov's name) or `Idempotency-Key` (the IETF
//! draft's) runs inside an engine [`Scope`]; the engine reserves the key when the caller
//! authenticates (so refusals come in the dialect's own error shape), and this layer replays a
//! stored answer or keeps the new one. The rules live in `pennydrop_engine::idempotency`.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pennydrop_core::crypto::sha256_hex;
use pennydrop_engine::idempotency::{
    within, Claim, RequestPrint, Scope, ScopeState, StoredResponse,
};

use crate::AppState;

pub const MOOV_HEADER: &str = "x-idempotency-key";
pub const IETF_HEADER: &str = "idempotency-key";
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// The largest keyed request body fingerprinted (axum's own default body limit).
const MAX_BODY: usize = crate::edge::MAX_BODY;

pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !is_mutating(request.method()) {
        return next.run(request).await;
    }
    let Some((key, conflicting_headers)) = key_of(request.headers()) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return too_large();
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
    let scope = Scope::new(RequestPrint {
        key,
        method: parts.method.to_string(),
        path,
        body_sha256: sha256_hex(&bytes),
        conflicting_headers,
    });
    let request = Request::from_parts(parts, Body::from(bytes));
    let response = within(scope.clone(), next.run(request)).await;
    match scope.state() {
        ScopeState::Replay(stored) => replay(stored),
        ScopeState::Reserved(claim) => keep(&state, &claim, response).await,
        ScopeState::Waiting | ScopeState::Refused => response,
    }
}

fn is_mutating(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// The key, and whether the two headers disagree.
fn key_of(headers: &HeaderMap) -> Option<(String, bool)> {
    let read = |name: &str| {
        headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    match (read(MOOV_HEADER), read(IETF_HEADER)) {
        (Some(a), Some(b)) => {
            let conflicting = a != b;
            Some((a, conflicting))
        }
        (Some(k), None) | (None, Some(k)) => Some((k, false)),
        (None, None) => None,
    }
}

/// A bare 413; the edge layer (`crate::edge`) gives it the dialect's JSON body.
fn too_large() -> Response {
    StatusCode::PAYLOAD_TOO_LARGE.into_response()
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    if let Some(v) = stored
        .content_type
        .and_then(|ct| HeaderValue::from_str(&ct).ok())
    {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}

/// Stores the answer under the claim (the engine decides whether it is kept), then sends it.
async fn keep(state: &AppState, claim: &Claim, response: Response) -> Response {
    if state.settings.hang_before_keeping_answers {
        // Fault injection for the crash tests: the change is committed, the answer never leaves.
        std::future::pending::<()>().await;
    }
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "could not read an answer to keep it");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let stored = StoredResponse {
        status: parts.status.as_u16(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: bytes.to_vec(),
    };
    if let Err(e) = state.engine.finish_idempotent(claim, &stored).await {
        // The change (if any) is committed and fenced by the key; a retry is told its answer
        // was lost rather than doing it again.
        tracing::error!(error = %e, "could not keep an idempotent answer");
    }
    Response::from_parts(parts, Body::from(bytes))
}
