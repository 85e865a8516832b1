//! The pages people look at: server-rendered HTML (askama templates in `crates/api/templates/`,
//! checked at compile time and embedded in the binary) and the one stylesheet, embedded too.
//! Nothing is fetched at run time and no page needs JavaScript.
//!
//! Every page answer goes through [`page`], which sets the headers a page needs: a strict
//! Content-Security-Policy (only this origin; no scripts), no framing, no referrer (a holder's
//! link carries its token in the path), and no caching.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::AppState;

pub mod console;
mod holder;
pub mod i18n;

/// The stylesheet, as built into the binary.
pub const STYLESHEET: &str = include_str!("../../assets/pennydrop.css");

/// The pages' own routes: the landing page and the stylesheet.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(landing))
        .route("/assets/pennydrop.css", get(stylesheet))
        .merge(holder::router())
        .merge(console::router())
}

/// Headers every page carries.
pub fn secure(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A rendered template with `status`, as a secure HTML answer. A template that fails to
/// render (it cannot, short of a bug) is a 500 page.
pub fn page(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => secure(
            (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "page failed to render");
            secure(
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    "internal error",
                )
                    .into_response(),
            )
        }
    }
}

/// A page with a title, one message and an optional link (href, text).
#[derive(Template)]
#[template(path = "message.html")]
pub struct Message<'a> {
    pub lang: &'a str,
    pub title: &'a str,
    pub message: &'a str,
    pub link: Option<(&'a str, &'a str)>,
}

/// An error answer on a page path (a 404, a 405, a body too large), as a page.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    page(
        status,
        &Message {
            lang: "en",
            title,
            message,
            link: None,
        },
    )
}

async fn landing() -> Response {
    page(
        StatusCode::OK,
        &Message {
            lang: "en",
            title: "Pennydrop is running",
            message: "Bank-account verification over ACH micro-deposits and instant payments. \
                      Operators sign in to the console; account holders open the link their \
                      platform sent them.",
            link: Some(("/console", "Operator console")),
        },
    )
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}
