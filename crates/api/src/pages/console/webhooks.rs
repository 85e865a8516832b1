//! `GET /console/webhooks`: each tenant's webhooks and their latest deliveries, with a replay
//! button per delivery (`POST /console/webhooks/replay`).

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pennydrop_core::webhooks::Delivery;
use pennydrop_engine::{Engine, EngineError, Tenant};

use super::session::Signed;
use super::{checked_form, failure, see_other, uuid_field, when, Frame};
use crate::pages::page;
use crate::AppState;

/// Deliveries shown per webhook.
const DELIVERIES: i64 = 20;

pub struct DeliveryRow {
    pub event: String,
    pub sequence: i64,
    pub status: String,
    pub attempts: i64,
    pub answer: String,
    pub created: String,
}

pub struct HookRow {
    pub tenant: String,
    pub tenant_name: String,
    pub webhook: String,
    pub url: String,
    pub status: String,
    pub deliveries: Vec<DeliveryRow>,
}

#[derive(Template)]
#[template(path = "console/webhooks.html")]
struct Webhooks {
    lang: &'static str,
    frame: Frame,
    hooks: Vec<HookRow>,
    replayed: bool,
}

fn delivery_row(d: &Delivery) -> DeliveryRow {
    let answer = match (&d.last_status_code, &d.last_error) {
        (Some(code), _) => format!("HTTP {code}"),
        (None, Some(e)) => e.clone(),
        (None, None) => String::new(),
    };
    DeliveryRow {
        event: d.event_id.to_string(),
        sequence: d.sequence,
        status: d.status.to_string(),
        attempts: d.attempts,
        answer,
        created: when(d.created_on),
    }
}

async fn hooks(engine: &Engine) -> Result<Vec<HookRow>, EngineError> {
    let mut out = Vec::new();
    for t in engine.tenants().await? {
        let tenant = Tenant {
            id: t.id,
            mode: t.mode,
        };
        for w in engine.webhooks(tenant).await? {
            let deliveries = engine
                .webhook_deliveries(tenant, w.webhook_id, DELIVERIES)
                .await?;
            out.push(HookRow {
                tenant: t.id.to_string(),
                tenant_name: t.name.clone(),
                webhook: w.webhook_id.to_string(),
                url: w.url.clone(),
                status: w.status.to_string(),
                deliveries: deliveries.iter().map(delivery_row).collect(),
            });
        }
    }
    Ok(out)
}

#[derive(serde::Deserialize)]
pub struct Shown {
    replayed: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Signed(session): Signed,
    axum::extract::Query(shown): axum::extract::Query<Shown>,
) -> Response {
    match hooks(&state.engine).await {
        Ok(hooks) => page(
            StatusCode::OK,
            &Webhooks {
                lang: "en",
                frame: Frame::of(&session),
                hooks,
                replayed: shown.replayed.is_some(),
            },
        ),
        Err(e) => failure(e),
    }
}

/// `POST /console/webhooks/replay` (tenant, webhook, event): queues the event's delivery
/// again for that webhook.
pub async fn replay(
    State(state): State<AppState>,
    Signed(session): Signed,
    body: Bytes,
) -> Response {
    let form = match checked_form(&session, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let ids = (
        uuid_field(&form, "tenant"),
        uuid_field(&form, "webhook"),
        uuid_field(&form, "event"),
    );
    let (tenant, webhook, event) = match ids {
        (Ok(t), Ok(w), Ok(e)) => (t, w, e),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return r.into_response(),
    };
    let engine = &state.engine;
    let replayed = match engine.tenant_by_id(tenant).await {
        Ok(t) => engine.replay_webhook(t, webhook, None, Some(event)).await,
        Err(e) => Err(e),
    };
    match replayed {
        Ok(n) => {
            tracing::info!(actor = %session.actor, %webhook, %event, n, "webhook delivery replayed");
            see_other("/console/webhooks?replayed=1")
        }
        Err(e) => failure(e),
    }
}
