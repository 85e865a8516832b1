//! The simulated bank's statements: what an account holder would see in their banking app.

use axum::extract::{Path, State};
use axum::Json;
use pennydrop_core::scope::Scope;
use pennydrop_core::{AccountNumber, RoutingNumber};
use serde_json::{json, Value};

use super::auth::Principal;
use super::error::{ApiError, ApiResult};
use crate::AppState;

/// `GET /simulator/accounts/{routingNumber}/{accountNumber}/transactions`: for an operator,
/// or for the tenant that has the bank account linked, with the scope to read that account's
/// bank accounts. Anyone else gets the same 404 as for an account nobody linked.
pub async fn transactions(
    State(state): State<AppState>,
    principal: Principal,
    Path((routing, account)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let simulator = state.statements.as_ref().ok_or_else(|| {
        ApiError::NotFound("the simulated bank network is off (serve --simulator false)".into())
    })?;
    let routing =
        RoutingNumber::parse(&routing).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let account =
        AccountNumber::parse(&account).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let operator = principal.operator && principal.require(Scope::AdminRead).is_ok();
    if !operator {
        let holders = state
            .engine
            .holders_of(principal.tenant(), &routing, &account)
            .await?;
        let readable = holders
            .into_iter()
            .any(|id| principal.require(Scope::BankAccountsRead(id)).is_ok());
        if !readable {
            return Err(ApiError::NotFound(
                "no statement for this account among your linked bank accounts".into(),
            ));
        }
    }
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
