//! Moov bank accounts: link, list, get, disable.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use pennydrop_core::scope::Scope;
use pennydrop_engine::payment_methods::payment_methods;
use pennydrop_engine::LinkRequest;
use serde::Deserialize;
use serde_json::Value;

use super::auth::Principal;
use super::encode::{bank_account_json, basic_json};
use super::error::{ApiError, ApiResult};
use super::path_id;
use crate::json::BodyError;
use crate::AppState;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkBankAccount {
    account: Option<AccountDetails>,
    plaid: Option<Value>,
    plaid_link: Option<Value>,
    mx: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountDetails {
    holder_name: Option<String>,
    holder_type: Option<String>,
    account_number: Option<String>,
    bank_account_type: Option<String>,
    routing_number: Option<String>,
}

impl From<AccountDetails> for LinkRequest {
    fn from(d: AccountDetails) -> Self {
        LinkRequest {
            holder_name: d.holder_name,
            holder_type: d.holder_type,
            account_number: d.account_number,
            bank_account_type: d.bank_account_type,
            routing_number: d.routing_number,
        }
    }
}

/// `POST /accounts/{id}/bank-accounts`' body, as the engine takes it.
pub(crate) fn decode_link(body: &Bytes) -> ApiResult<LinkRequest> {
    let request: LinkBankAccount = crate::json::parse(body).map_err(|e| match e {
        BodyError::Malformed(m) => ApiError::BadRequest(m),
        BodyError::Field { path, message } => {
            let field = path.split('.').next().unwrap_or("error");
            let field = if ["account", "plaid", "plaidLink", "mx"].contains(&field) {
                field
            } else {
                "error"
            };
            ApiError::validation(field, format!("{path}: {message}"))
        }
    })?;
    let unsupported = |field: &str, what: &str| {
        ApiError::validation(
            field,
            format!("linking with {what} is not supported by Pennydrop; send the account details under \"account\""),
        )
    };
    if request.plaid.is_some() {
        return Err(unsupported("plaid", "a Plaid processor token"));
    }
    if request.plaid_link.is_some() {
        return Err(unsupported("plaidLink", "a Plaid Link public token"));
    }
    if request.mx.is_some() {
        return Err(unsupported("mx", "an MX authorization code"));
    }
    let details = request.account.ok_or_else(|| {
        ApiError::validation(
            "error",
            "body must contain \"account\" with holderName, holderType, accountNumber, bankAccountType and routingNumber",
        )
    })?;
    Ok(LinkRequest::from(details))
}

pub async fn link(
    State(state): State<AppState>,
    principal: Principal,
    Path(account_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::BankAccountsWrite(account_id))?;
    let request = decode_link(&body)?;
    let bank_account = state
        .engine
        .link(principal.tenant(), account_id, &request)
        .await?;
    let mut body = bank_account_json(&bank_account);
    if super::waits_for(&headers, "payment-method") {
        let capable = state.engine.instant_capable(&bank_account.routing_number);
        body["paymentMethods"] = basic_json(&payment_methods(&bank_account, capable));
    }
    Ok(Json(body))
}

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Path(account_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::BankAccountsRead(account_id))?;
    let list = state
        .engine
        .bank_accounts(principal.tenant(), account_id)
        .await?;
    Ok(Json(Value::Array(
        list.iter().map(bank_account_json).collect(),
    )))
}

pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path((account_id, bank_account_id)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::BankAccountsRead(account_id))?;
    let bank_account_id = path_id(&bank_account_id, "bank account")?;
    let target = principal.tenant().target(account_id, bank_account_id);
    let bank_account = state.engine.bank_account(&target).await?;
    let answer = Json(bank_account_json(&bank_account));
    Ok(crate::recovery::with_headers(&state, &target, answer).await)
}

pub async fn disable(
    State(state): State<AppState>,
    principal: Principal,
    Path((account_id, bank_account_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::BankAccountsWrite(account_id))?;
    let bank_account_id = path_id(&bank_account_id, "bank account")?;
    state
        .engine
        .disable(principal.tenant(), account_id, bank_account_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
