//! Signing in with an operator key pair, and signing out.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pennydrop_engine::console::SignInProblem;

use super::session::{cookie, set_cookie, Signed, IDLE};
use super::{checked_form, failure, fields, see_other};
use crate::pages::page;
use crate::{AppState, Peer};

#[derive(Template)]
#[template(path = "console/login.html")]
struct Login<'a> {
    lang: &'a str,
    problem: Option<&'a str>,
}

/// `GET /console/login`: the form (or the overview, when already signed in).
pub async fn form(State(state): State<AppState>, peer: Peer, headers: HeaderMap) -> Response {
    if let Some(secret) = cookie(&headers) {
        if let Ok(Some(_)) = state.engine.console_session(&secret, peer.0, IDLE).await {
            return see_other("/console");
        }
    }
    page(
        StatusCode::OK,
        &Login {
            lang: "en",
            problem: None,
        },
    )
}

/// `POST /console/login`: a wrong pair, or a key that is not an operator's, is a 401 with the
/// form again (one message for all, and each counts towards the key's and address's lockout).
pub async fn sign_in(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = fields(&body);
    let get = |name: &str| form.get(name).map(|v| v.trim()).unwrap_or_default();
    let answer = state
        .engine
        .console_sign_in(get("public_key"), get("secret_key"), peer.0, IDLE)
        .await;
    match answer {
        Ok(Ok((secret, console))) => {
            tracing::info!(actor = %console.actor, "console sign-in");
            with_cookie(see_other("/console"), &set_cookie(&headers, &secret))
        }
        Ok(Err(SignInProblem::Refused)) => page(
            StatusCode::UNAUTHORIZED,
            &Login {
                lang: "en",
                problem: Some(
                    "That key pair does not sign in: it is wrong, revoked, or not an operator key.",
                ),
            },
        ),
        Err(e) => failure(e),
    }
}

/// `POST /console/logout`: ends the session and removes the cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    Signed(session): Signed,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = checked_form(&session, &body) {
        return refused.into_response();
    }
    if let Err(e) = state.engine.end_console_session(&session).await {
        return failure(e);
    }
    tracing::info!(actor = %session.actor, "console sign-out");
    with_cookie(see_other("/console/login"), &set_cookie(&headers, ""))
}

fn with_cookie(mut response: Response, value: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}
