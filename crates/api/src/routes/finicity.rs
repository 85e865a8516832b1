//! The finicity dialect (see docs/dialects.md).

use axum::Router;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
