//! `POST /admin/bank-accounts/{bankAccountID}/unlock`: an operator lets a holder whose rounds
//! ran out start again (docs/risk.md, "Holder recovery"). Audited with the operator's key ID.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use pennydrop_core::scope::Scope;
use serde::Deserialize;
use serde_json::Value;

use super::auth::Principal;
use super::encode::bank_account_json;
use super::error::{ApiError, ApiResult};
use super::path_id;
use crate::json::BodyError;
use crate::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Unlock {
    reason: Option<String>,
}

/// The unlock's body: the operator's reason (the engine requires one).
pub(crate) fn decode_unlock(body: &Bytes) -> ApiResult<String> {
    let request: Unlock = crate::json::parse(body).map_err(|e| match e {
        BodyError::Malformed(m) => ApiError::BadRequest(m),
        other => ApiError::validation("reason", other.describe()),
    })?;
    Ok(request.reason.unwrap_or_default())
}

pub async fn unlock(
    State(state): State<AppState>,
    principal: Principal,
    Path(bank_account_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    principal.require_operator(Scope::AdminWrite)?;
    let bank_account_id = path_id(&bank_account_id, "bank account")?;
    let reason = decode_unlock(&body)?;
    let bank_account = state
        .engine
        .unlock_bank_account(&principal.key_id, bank_account_id, &reason)
        .await
        .map_err(|e| match e {
            pennydrop_engine::EngineError::InvalidField { field, reason } => {
                ApiError::validation(&field, reason)
            }
            other => ApiError::from(other),
        })?;
    Ok(Json(bank_account_json(&bank_account)))
}
