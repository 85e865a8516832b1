//! The platform's webhook endpoint: a real HTTP server on loopback that outlives the app's
//! crashes, fails the first delivery of some events (a platform having a bad moment) and
//! remembers every event it accepted.

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Seen {
    accepted: HashSet<String>,
    refused: HashSet<String>,
}

pub struct Receiver {
    pub url: String,
    seen: Arc<Mutex<Seen>>,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> anyhow::Result<Self> {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let state = seen.clone();
        let app = axum::Router::new().route(
            "/hooks",
            post(move |headers: HeaderMap| {
                let state = state.clone();
                async move { answer(&state, &headers) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hooks", listener.local_addr()?);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { url, seen, server })
    }

    /// Whether the event was accepted at least once.
    pub fn accepted(&self, event_id: &str) -> bool {
        self.seen
            .lock()
            .map(|s| s.accepted.contains(event_id))
            .unwrap_or(false)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The first delivery of an event whose ID ends in 0–4 (the IDs come from the seeded
/// randomness, so the same events fail in every replay) answers 503; every other one 200.
fn answer(seen: &Mutex<Seen>, headers: &HeaderMap) -> StatusCode {
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let Ok(mut seen) = seen.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR;
    };
    let flaky = id.ends_with(['0', '1', '2', '3', '4']);
    if flaky && seen.refused.insert(id.clone()) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    seen.accepted.insert(id);
    StatusCode::OK
}
