//! The HTTP edge, before any dialect decodes anything: which dialect's error shape a path
//! speaks, requests refused for their form (414 for a URI over [`MAX_URI`], 415 for a body not
//! declared as JSON), and a JSON body in that shape for every error answer that would
//! otherwise leave without one (axum's 413 is `text/plain`, some rejections have no body).
//!
//! The dialect is decided by the path prefix (docs/dialects.md, "Error shapes"): `/aggregation/`
//! and `/microentry/` are Finicity, `/users` and `/micro_deposits/{guid}/verify` MX Platform,
//! `/sessions` and the other `/micro_deposits` paths MX Nexus, everything else Moov.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::dialects::{finicity, moov, mx};

/// The longest path and query accepted. Longer ones are a 414 in the dialect's shape. (A
/// request line over 64 KiB never reaches the router: the HTTP parser answers it with an empty
/// 414 itself.)
pub const MAX_URI: usize = 8 * 1024;
/// The largest request body (axum's default limit, kept explicit for the messages).
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// Routes that also take `application/x-www-form-urlencoded` bodies (OAuth2, RFC 6749 §4.4).
const FORM_ROUTES: &[&str] = &["/oauth2/token"];

/// Whose error shape a path speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `{"error": "..."}`
    Moov,
    /// `{"code": "...", "message": "..."}`
    Finicity,
    /// `{"error": {"message": "..."}}`
    MxPlatform,
    /// `{"code": 4150, "message": "..."}`
    MxNexus,
    /// The pages people look at (`/`, `/v/...`, `/console`, `/assets/...`): an HTML page.
    Page,
}

impl Shape {
    pub fn of(path: &str) -> Shape {
        let under = |prefix: &str| {
            path == prefix
                || path
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/'))
        };
        if path == "/" || under("/v") || under("/console") || under("/assets") {
            Shape::Page
        } else if under("/aggregation") || under("/microentry") {
            Shape::Finicity
        } else if under("/users") || (under("/micro_deposits") && path.ends_with("/verify")) {
            Shape::MxPlatform
        } else if under("/sessions") || under("/micro_deposits") {
            Shape::MxNexus
        } else {
            Shape::Moov
        }
    }

    /// An error answer in this shape. `request` holds the request's `Accept` (MX negotiates
    /// its media type by it).
    pub fn error(self, status: StatusCode, message: &str, request: &HeaderMap) -> Response {
        match self {
            Shape::Moov => moov::error::edge_error(status, message),
            Shape::Finicity => finicity::edge_error(status, message),
            Shape::MxPlatform => mx::edge_error(mx::Dialect::Platform, status, message, request),
            Shape::MxNexus => mx::edge_error(mx::Dialect::Nexus, status, message, request),
            Shape::Page => crate::pages::error_page(status, message),
        }
    }
}

/// The middleware: refuses what no route may see, then gives a JSON body to error answers
/// that have none.
pub async fn layer(request: Request, next: Next) -> Response {
    let shape = Shape::of(request.uri().path());
    let mut accept = HeaderMap::new();
    if let Some(v) = request.headers().get(header::ACCEPT) {
        accept.insert(header::ACCEPT, v.clone());
    }
    if let Err((status, message)) = check(&request) {
        return shape.error(status, &message, &accept);
    }
    let response = next.run(request).await;
    if response.status().as_u16() < 400
        || is_json(response.headers())
        || is_html(response.headers())
    {
        return response;
    }
    let status = response.status();
    let mut answer = shape.error(status, &message_for(status), &accept);
    for name in [header::RETRY_AFTER, header::WWW_AUTHENTICATE, header::ALLOW] {
        if let Some(v) = response.headers().get(&name) {
            answer.headers_mut().insert(name, v.clone());
        }
    }
    answer
}

fn check(request: &Request<Body>) -> Result<(), (StatusCode, String)> {
    let uri_len = request
        .uri()
        .path_and_query()
        .map_or(request.uri().path().len(), |p| p.as_str().len());
    if uri_len > MAX_URI {
        return Err((
            StatusCode::URI_TOO_LONG,
            format!(
                "the request URI is too long ({uri_len} bytes); at most {MAX_URI} are accepted"
            ),
        ));
    }
    if has_body(request.method(), request.headers()) {
        check_content_type(request.uri().path(), request.headers())?;
    }
    Ok(())
}

/// Whether the request carries a body (HTTP/1.1: a non-zero length or a transfer coding).
fn has_body(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    length.is_some_and(|n| n > 0) || headers.contains_key(header::TRANSFER_ENCODING)
}

/// The media type without parameters, lower case.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let media = value.split(';').next().unwrap_or("").trim();
    Some(media.to_ascii_lowercase()).filter(|m| !m.is_empty())
}

/// `application/json`, or a structured `+json` type (MX's `application/vnd.mx.api.v1+json`).
fn is_json_media(media: &str) -> bool {
    media == "application/json"
        || media
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

fn is_html(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|m| m == "text/html")
}

fn is_json(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|m| is_json_media(&m))
}

fn check_content_type(path: &str, headers: &HeaderMap) -> Result<(), (StatusCode, String)> {
    let media = media_type(headers);
    let form_ok = FORM_ROUTES.contains(&path) || Shape::of(path) == Shape::Page;
    match media.as_deref() {
        Some(m) if is_json_media(m) => Ok(()),
        Some("application/x-www-form-urlencoded") if form_ok => Ok(()),
        Some(m) => Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type {m} is not accepted; send the body as application/json"),
        )),
        None => Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the request has a body but no Content-Type; send it as application/json".into(),
        )),
    }
}

/// A message for an error answer that came without a JSON body.
fn message_for(status: StatusCode) -> String {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("the request body is too large; at most {MAX_BODY} bytes are accepted")
        }
        StatusCode::URI_TOO_LONG => format!("the request URI is too long; at most {MAX_URI} bytes"),
        StatusCode::REQUEST_TIMEOUT => "the request body did not arrive in time".into(),
        StatusCode::METHOD_NOT_ALLOWED => "this method is not allowed on this path".into(),
        StatusCode::NOT_FOUND => "not found".into(),
        s if s.is_server_error() => {
            "internal error; the request ID identifies it in the server log".into()
        }
        s => format!(
            "the request was refused ({})",
            s.canonical_reason().unwrap_or("error")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_pick_their_dialect() {
        assert_eq!(Shape::of("/accounts"), Shape::Moov);
        assert_eq!(Shape::of("/oauth2/token"), Shape::Moov);
        assert_eq!(Shape::of("/microentry/v1/customers/1"), Shape::Finicity);
        assert_eq!(
            Shape::of("/aggregation/v2/partners/authentication"),
            Shape::Finicity
        );
        assert_eq!(Shape::of("/users"), Shape::MxPlatform);
        assert_eq!(Shape::of("/users/USR-1/micro_deposits"), Shape::MxPlatform);
        assert_eq!(Shape::of("/micro_deposits/MIC-1/verify"), Shape::MxPlatform);
        assert_eq!(Shape::of("/micro_deposits"), Shape::MxNexus);
        assert_eq!(Shape::of("/micro_deposits/MIC-1"), Shape::MxNexus);
        assert_eq!(Shape::of("/sessions"), Shape::MxNexus);
        assert_eq!(Shape::of("/usersx"), Shape::Moov);
    }

    #[test]
    fn json_media_types() {
        for ok in [
            "application/json",
            "application/vnd.mx.api.v1+json",
            "application/merge-patch+json",
        ] {
            assert!(is_json_media(ok), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/xml",
            "text/json+x",
            "application/jsonx",
        ] {
            assert!(!is_json_media(bad), "{bad}");
        }
    }
}
