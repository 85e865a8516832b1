//! The console's session: the `pd_console` cookie (HttpOnly, SameSite=Strict, Path=/console,
//! Secure behind TLS) holding a console session token, slid forward on every request and
//! ended by sign-out. [`Signed`] is the extractor every page but the sign-in page takes:
//! without a live session a GET is sent to the sign-in page (303) and anything else is a 403.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::Response;
use jiff::SignedDuration;
use pennydrop_engine::console::ConsoleSession;

use super::{failure, see_other};
use crate::pages::error_page;
use crate::{AppState, Peer};

/// The cookie's name.
pub const COOKIE: &str = "pd_console";
/// How long a session lives without a request.
pub const IDLE: SignedDuration = SignedDuration::from_mins(30);

/// A request of a signed-in operator.
pub struct Signed(pub ConsoleSession);

/// The console cookie's value, if the request carries one.
pub fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

/// Whether the request reached us over TLS (a proxy in front says so).
fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` value that stores `secret` (or, when empty, removes the cookie).
pub fn set_cookie(headers: &HeaderMap, secret: &str) -> String {
    let secure = if over_tls(headers) { "; Secure" } else { "" };
    let age = if secret.is_empty() { "; Max-Age=0" } else { "" };
    format!("{COOKIE}={secret}; HttpOnly; SameSite=Strict; Path=/console{age}{secure}")
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let peer = Peer::of(&parts.extensions);
        let found = match cookie(&parts.headers) {
            Some(secret) => state
                .engine
                .console_session(&secret, peer.0, IDLE)
                .await
                .map_err(failure)?,
            None => None,
        };
        match found {
            Some(session) => Ok(Signed(session)),
            None if parts.method == Method::GET || parts.method == Method::HEAD => {
                Err(see_other("/console/login"))
            }
            None => Err(error_page(
                StatusCode::FORBIDDEN,
                "Sign in to the console first.",
            )),
        }
    }
}
