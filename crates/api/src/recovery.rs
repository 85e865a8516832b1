//! The recovery headers every dialect puts on its verification answers and errors
//! (docs/risk.md, "Holder recovery"): none of the vendors' specs has fields for attempts left
//! or expiry, so they travel as documented Pennydrop headers, computed in one engine place
//! ([`pennydrop_engine::recovery`]).

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use pennydrop_engine::recovery::Recovery;
use pennydrop_engine::Target;

use crate::AppState;

/// Wrong answers the latest round still takes (0 once it ended without success).
pub const ATTEMPTS_LEFT: HeaderName = HeaderName::from_static("pennydrop-attempts-left");
/// When the latest round stops accepting answers (RFC 3339), while it can be completed.
pub const EXPIRES_ON: HeaderName = HeaderName::from_static("pennydrop-expires-on");
/// Rounds each method may still start, as a structured-field dictionary (RFC 8941):
/// `micro-deposits=2, instant=3`; a method without a limit is left out.
pub const ROUNDS_LEFT: HeaderName = HeaderName::from_static("pennydrop-rounds-left");
/// What to start next after a round failed, expired or was returned: `instant`,
/// `micro-deposits`, or `none` when every round allowed is used (an operator must unlock).
pub const NEXT_METHOD: HeaderName = HeaderName::from_static("pennydrop-next-method");
/// The method of the latest round: `micro-deposits` or `instant`.
pub const METHOD: HeaderName = HeaderName::from_static("pennydrop-method");

/// The headers for `r`.
pub fn headers(r: &Recovery) -> HeaderMap {
    let mut out = HeaderMap::new();
    let mut put = |name: HeaderName, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            out.insert(name, v);
        }
    };
    if let Some(m) = r.method {
        put(METHOD, m.as_str().to_string());
    }
    if let Some(n) = r.attempts_left {
        put(ATTEMPTS_LEFT, n.to_string());
    }
    if let Some(t) = r.expires_on {
        put(EXPIRES_ON, t.to_string());
    }
    let rounds: Vec<String> = [
        ("micro-deposits", r.micro_deposit_rounds_left),
        ("instant", r.instant_rounds_left),
    ]
    .iter()
    .filter_map(|(name, left)| left.map(|n| format!("{name}={n}")))
    .collect();
    if !rounds.is_empty() {
        put(ROUNDS_LEFT, rounds.join(", "));
    }
    if let Some(next) = r.next {
        put(NEXT_METHOD, next.as_str().to_string());
    }
    out
}

/// `answer` (a success or an error, in any dialect's shape) with the recovery headers of the
/// bank account `t` as it is now. When the bank account cannot be read (not found, not the
/// caller's), the answer goes out as it is.
pub async fn with_headers(state: &AppState, t: &Target, answer: impl IntoResponse) -> Response {
    let mut response = answer.into_response();
    match state.engine.recovery(t).await {
        Ok(r) => response.headers_mut().extend(headers(&r)),
        Err(e) => tracing::debug!(error = %e, "no recovery headers"),
    }
    response
}
