//! The native dialect, Moov-compatible: accounts, bank accounts, micro-deposits, instant
//! verification, payment methods, OAuth2 tokens, plus Pennydrop's own operator, simulator and
//! health routes, all in Moov's error shape.

mod account_updates;
mod accounts;
mod admin;
pub mod auth;
mod bank_accounts;
mod bodies;
mod encode;
pub mod error;
mod health;
mod links;
mod oauth;
mod payment_methods;
pub(crate) mod risk;
mod simulator;
mod unlock;
mod verification;
pub(crate) mod webhooks;

use axum::routing::{delete, get, post, put};
use axum::Router;
use uuid::Uuid;

use crate::AppState;
pub(crate) use admin::metrics_unauthenticated;
pub(crate) use bodies::{decode_body, BODY_OPERATIONS};
use error::ApiError;

/// Verification links for the holder page and the tenant's branding (docs/pages.md).
fn link_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/accounts/{account_id}/bank-accounts/{bank_account_id}/verification-links",
            post(links::create),
        )
        .route(
            "/accounts/{account_id}/bank-accounts/{bank_account_id}/verification-links/{link_id}",
            delete(links::revoke),
        )
        .route(
            "/accounts/{account_id}/verification-links",
            post(links::create_collect),
        )
        .route(
            "/accounts/{account_id}/verification-links/{link_id}",
            delete(links::revoke_collect),
        )
        .route(
            "/branding",
            get(links::get_branding).put(links::put_branding),
        )
}

/// The operator's risk controls (docs/risk.md).
fn risk_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/risk/decisions", get(risk::decisions))
        .route("/admin/risk/report", get(admin::risk_report))
        .route("/admin/risk/settings", get(risk::settings))
        .route("/admin/risk/tenants", get(risk::tenants))
        .route("/admin/risk/tenants/{tenant_id}", get(risk::tenant))
        .route(
            "/admin/risk/tenants/{tenant_id}/settings",
            put(risk::put_settings),
        )
        .route("/admin/risk/tenants/{tenant_id}/pause", post(risk::pause))
        .route("/admin/risk/tenants/{tenant_id}/resume", post(risk::resume))
        .route(
            "/admin/risk/blocklist",
            get(risk::blocklist).post(risk::add_block),
        )
        .route(
            "/admin/risk/blocklist/{entry_id}",
            delete(risk::remove_block),
        )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ping", get(health::ping))
        .route("/health", get(health::health))
        .route("/openapi.json", get(health::openapi))
        .route("/oauth2/token", post(oauth::create_token))
        .route("/metrics", get(admin::metrics))
        .route("/admin/ach/cutoffs", post(admin::run_cutoff))
        .route("/admin/ach/files", get(admin::list_files))
        .route("/admin/ach/files/{file_id}", get(admin::get_file))
        .route(
            "/admin/ach/files/{file_id}/contents",
            get(admin::download_file),
        )
        .route("/admin/ach/inbound", get(admin::list_inbound))
        .route("/admin/ach/held-entries", get(admin::held_entries))
        .route("/admin/micro-entries", get(admin::micro_entries))
        .merge(risk_routes())
        .route(
            "/admin/bank-accounts/{bank_account_id}/unlock",
            post(unlock::unlock),
        )
        .route("/accounts", post(accounts::create).get(accounts::list))
        .route(
            "/accounts/{account_id}",
            get(accounts::get)
                .patch(account_updates::update)
                .delete(account_updates::disconnect),
        )
        .route(
            "/accounts/{account_id}/bank-accounts",
            post(bank_accounts::link).get(bank_accounts::list),
        )
        .route(
            "/accounts/{account_id}/bank-accounts/{bank_account_id}",
            get(bank_accounts::get).delete(bank_accounts::disable),
        )
        .route(
            "/accounts/{account_id}/bank-accounts/{bank_account_id}/micro-deposits",
            post(verification::initiate_micro_deposits).put(verification::complete_micro_deposits),
        )
        .route(
            "/accounts/{account_id}/bank-accounts/{bank_account_id}/verify",
            get(verification::get_instant)
                .post(verification::initiate_instant)
                .put(verification::complete_instant),
        )
        .merge(link_routes())
        .route(
            "/accounts/{account_id}/payment-methods",
            get(payment_methods::list),
        )
        .route(
            "/accounts/{account_id}/payment-methods/{payment_method_id}",
            get(payment_methods::get),
        )
        .route(
            "/simulator/accounts/{routing_number}/{account_number}/transactions",
            get(simulator::transactions),
        )
        .route("/event-types", get(webhooks::list_event_types))
        .route("/webhooks", post(webhooks::create).get(webhooks::list))
        .route(
            "/webhooks/{webhook_id}",
            get(webhooks::get)
                .put(webhooks::update)
                .delete(webhooks::delete),
        )
        .route("/webhooks/{webhook_id}/secret", get(webhooks::secret))
        .route(
            "/webhooks/{webhook_id}/secret/rotate",
            post(webhooks::rotate_secret),
        )
        .route("/webhooks/{webhook_id}/ping", post(webhooks::ping))
        .route(
            "/webhooks/{webhook_id}/deliveries",
            get(webhooks::deliveries),
        )
        .route("/webhooks/{webhook_id}/replay", post(webhooks::replay))
}

/// Whether the request's `x-wait-for` header (possibly repeated or comma-separated) asks for
/// `what` (`payment-method`, `rail-response`).
pub(crate) fn waits_for(headers: &axum::http::HeaderMap, what: &str) -> bool {
    headers
        .get_all("x-wait-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|w| w.trim().eq_ignore_ascii_case(what))
}

/// IDs in paths are UUIDs; anything else cannot name an existing resource, so it is a 404.
pub(crate) fn path_id(raw: &str, what: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound(format!("{what} {raw} not found")))
}

/// RFC 3339 with microseconds, as Moov's timestamps.
pub(crate) fn rfc3339(t: jiff::Timestamp) -> String {
    t.to_string()
}
