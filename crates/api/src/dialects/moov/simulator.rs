//! The simulated bank's statements: what an account holder would see in their banking app.

use axum::extract::{Path, State};
use axum::Json;
use pennydrop_core::{AccountNumber, RoutingNumber};
use serde_json::{json, Value};

use super::auth::Principal;
use super::error::{ApiError, ApiResult};
use crate::AppState;

/// `GET /simulator/accounts/{routingNumber}/{accountNumber}/transactions` — any valid key. The
/// simulated network is shared by all tenants, like a real bank would be.
pub async fn transactions(
    State(state): State<AppState>,
    _principal: Principal,
    Path((routing, account)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let simulator = state.statements.as_ref().ok_or_else(|| {
        ApiError::NotFound("the simulated bank network is off (serve --simulator false)".into())
    })?;
    let routing =
        RoutingNumber::parse(&routing).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let account =
        AccountNumber::parse(&account).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let lines = simulator
        .statement(&routing, &account)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(json!({
        "routingNumber": routing.as_str(),
        "lastFourAccountNumber": account.last_four(),
        "transactions": lines,
    })))
}
