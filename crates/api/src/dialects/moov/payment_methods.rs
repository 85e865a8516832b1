//! `GET /accounts/{accountID}/payment-methods`, derived from bank-account status.

use axum::extract::{Path, Query, State};
use axum::Json;
use pennydrop_core::scope::Scope;
use pennydrop_engine::payment_methods::payment_methods;
use serde_json::{json, Value};
use std::collections::HashMap;

use super::auth::Principal;
use super::encode::bank_account_json;
use super::error::{ApiError, ApiResult};
use super::path_id;
use crate::AppState;

async fn all(
    state: &AppState,
    principal: &Principal,
    account_id: uuid::Uuid,
) -> ApiResult<Vec<Value>> {
    let mut out = Vec::new();
    for b in state
        .engine
        .bank_accounts(principal.tenant(), account_id)
        .await?
    {
        let capable = state.engine.instant_capable(&b.routing_number);
        for m in payment_methods(&b, capable) {
            out.push(json!({
                "paymentMethodID": m.payment_method_id,
                "paymentMethodType": m.payment_method_type,
                "bankAccount": bank_account_json(&b),
            }));
        }
    }
    Ok(out)
}

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Path(account_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::PaymentMethodsRead(account_id))?;
    let source = query.get("sourceID").map(String::as_str);
    let kind = query.get("paymentMethodType").map(String::as_str);
    let methods = all(&state, &principal, account_id)
        .await?
        .into_iter()
        .filter(|m| source.is_none_or(|s| m["bankAccount"]["bankAccountID"] == s))
        .filter(|m| kind.is_none_or(|k| m["paymentMethodType"] == k))
        .collect();
    Ok(Json(Value::Array(methods)))
}

pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path((account_id, payment_method_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::PaymentMethodsRead(account_id))?;
    all(&state, &principal, account_id)
        .await?
        .into_iter()
        .find(|m| m["paymentMethodID"] == payment_method_id.as_str())
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("payment method {payment_method_id} not found")))
}
