//! Moov bank accounts: link, list, get, disable.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use pennydrop_core::events;
use pennydrop_core::model::{
    BankAccount, BankAccountStatus, BankAccountType, HolderType, StatusReason,
};
use pennydrop_core::scope::Scope;
use pennydrop_core::{AccountNumber, RoutingNumber};
use pennydrop_engine::payment_methods::payment_methods;
use pennydrop_store::LinkOutcome;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::payment_methods::basic_json;
use super::{path_id, rfc3339};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::json::BodyError;
use crate::AppState;

const MAX_HOLDER_NAME: usize = 64;

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
pub(crate) struct AccountDetails {
    pub holder_name: Option<String>,
    pub holder_type: Option<String>,
    pub account_number: Option<String>,
    pub bank_account_type: Option<String>,
    pub routing_number: Option<String>,
}

/// Validated link details.
pub(crate) struct NewBankAccount {
    holder_name: String,
    holder_type: HolderType,
    number: AccountNumber,
    bank_account_type: BankAccountType,
    routing: RoutingNumber,
}

pub(crate) fn bank_account_json(b: &BankAccount) -> Value {
    let mut v = json!({
        "bankAccountID": b.bank_account_id,
        "fingerprint": b.fingerprint,
        "status": b.status,
        "statusReason": b.status_reason,
        "holderName": b.holder_name,
        "holderType": b.holder_type,
        "bankName": b.bank_name,
        "bankAccountType": b.bank_account_type,
        "routingNumber": b.routing_number,
        "lastFourAccountNumber": b.last_four,
        "updatedOn": rfc3339(b.updated_on),
    });
    if let Some(details) = &b.exception_details {
        v["exceptionDetails"] = json!(details);
    }
    v
}

fn invalid(message: String) -> ApiError {
    ApiError::validation("account", message)
}

/// Collects every problem with the details so the caller can fix them in one go.
pub(crate) fn validate(details: AccountDetails) -> ApiResult<NewBankAccount> {
    let mut problems = Vec::new();
    let holder_name = details
        .holder_name
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    if holder_name.is_empty() {
        problems.push("holderName is required".to_string());
    } else if holder_name.chars().count() > MAX_HOLDER_NAME {
        problems.push(format!(
            "holderName must be at most {MAX_HOLDER_NAME} characters"
        ));
    } else if holder_name.chars().any(char::is_control) {
        problems.push("holderName must not contain control characters".to_string());
    }
    let holder_type = match details.holder_type.as_deref() {
        None => {
            problems.push(format!(
                "holderType is required: one of {}",
                HolderType::expected()
            ));
            None
        }
        Some(t) => HolderType::parse(t).or_else(|| {
            problems.push(format!(
                "holderType {t:?} is not one of {}",
                HolderType::expected()
            ));
            None
        }),
    };
    let bank_account_type = match details.bank_account_type.as_deref() {
        None => {
            problems.push(format!(
                "bankAccountType is required: one of {}",
                BankAccountType::expected()
            ));
            None
        }
        Some(t) => BankAccountType::parse(t).or_else(|| {
            problems.push(format!(
                "bankAccountType {t:?} is not one of {}",
                BankAccountType::expected()
            ));
            None
        }),
    };
    let routing = match details.routing_number.as_deref() {
        None => {
            problems.push("routingNumber is required".to_string());
            None
        }
        Some(r) => RoutingNumber::parse(r)
            .map_err(|e| problems.push(format!("routingNumber: {e}")))
            .ok(),
    };
    // The account number itself never appears in a message.
    let number = match details.account_number.as_deref() {
        None => {
            problems.push("accountNumber is required".to_string());
            None
        }
        Some(n) => AccountNumber::parse(n)
            .map_err(|e| problems.push(format!("accountNumber: {e}")))
            .ok(),
    };
    match (holder_type, bank_account_type, routing, number) {
        (Some(holder_type), Some(bank_account_type), Some(routing), Some(number))
            if problems.is_empty() =>
        {
            Ok(NewBankAccount {
                holder_name,
                holder_type,
                number,
                bank_account_type,
                routing,
            })
        }
        _ => Err(invalid(problems.join("; "))),
    }
}

fn parse_link_body(body: &Bytes) -> ApiResult<AccountDetails> {
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
    request.account.ok_or_else(|| {
        ApiError::validation(
            "error",
            "body must contain \"account\" with holderName, holderType, accountNumber, bankAccountType and routingNumber",
        )
    })
}

async fn require_account(
    state: &AppState,
    principal: &Principal,
    account_id: Uuid,
) -> ApiResult<()> {
    match state.store.account(principal.tenant, account_id).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::NotFound(format!(
            "account {account_id} not found"
        ))),
    }
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
    require_account(&state, &principal, account_id).await?;
    let details = validate(parse_link_body(&body)?)?;

    let bank_account = link_validated(&state, principal.tenant, account_id, details).await?;
    let mut body = bank_account_json(&bank_account);
    if super::waits_for(&headers, "payment-method") {
        let capable = state.engine.instant_capable(&bank_account.routing_number);
        body["paymentMethods"] = basic_json(&payment_methods(&bank_account, capable));
    }
    Ok(Json(body))
}

/// Links validated details to an account of `tenant` (every dialect links through here):
/// names the bank from the FedACH directory, encrypts the number, and returns the existing bank
/// account when the same details are already linked.
pub(crate) async fn link_validated(
    state: &AppState,
    tenant: Uuid,
    account_id: Uuid,
    details: NewBankAccount,
) -> ApiResult<BankAccount> {
    let bank_name = match state.directory.lookup(details.routing.as_str()) {
        Some(p) => p.customer_name.clone(),
        None if state.directory.is_authoritative() => {
            return Err(invalid(format!(
                "routingNumber {} is not in the FedACH participant directory",
                details.routing
            )))
        }
        // With only the bundled sample directory, unknown banks are accepted without a name.
        None => String::new(),
    };
    let now = state.clock.now();
    let id = Uuid::new_v4();
    let candidate = BankAccount {
        bank_account_id: id,
        account_id,
        tenant_id: tenant,
        fingerprint: state.vault.fingerprint(&details.routing, &details.number),
        status: BankAccountStatus::New,
        status_reason: StatusReason::BankAccountCreated,
        exception_details: None,
        holder_name: details.holder_name,
        holder_type: details.holder_type,
        bank_name,
        bank_account_type: details.bank_account_type,
        routing_number: details.routing.to_string(),
        last_four: details.number.last_four(),
        sealed: state.vault.seal(&details.number, id.as_bytes()),
        created_on: now,
        updated_on: now,
        disabled_on: None,
        version: 0,
    };
    let created = events::bank_account_created(&candidate, Uuid::new_v4(), now);
    let outcome = match state.store.link_bank_account(&candidate, &created).await {
        // A concurrent disable of the identical account raced us; once more settles it.
        Err(pennydrop_store::StoreError::Conflict(_)) => {
            state.store.link_bank_account(&candidate, &created).await?
        }
        other => other?,
    };
    Ok(match outcome {
        LinkOutcome::Created(b) => {
            tracing::info!(bank_account_id = %b.bank_account_id, "bank account linked");
            b
        }
        LinkOutcome::Existing(b) => b,
    })
}

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Path(account_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::BankAccountsRead(account_id))?;
    require_account(&state, &principal, account_id).await?;
    let list = state
        .store
        .list_bank_accounts(principal.tenant, account_id)
        .await?;
    Ok(Json(Value::Array(
        list.iter().map(bank_account_json).collect(),
    )))
}

pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path((account_id, bank_account_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::BankAccountsRead(account_id))?;
    let bank_account_id = path_id(&bank_account_id, "bank account")?;
    let target = pennydrop_engine::Target {
        tenant: principal.tenant,
        mode: principal.mode,
        account_id,
        bank_account_id,
    };
    let bank_account = state.engine.bank_account(&target).await?;
    Ok(Json(bank_account_json(&bank_account)))
}

pub async fn disable(
    State(state): State<AppState>,
    principal: Principal,
    Path((account_id, bank_account_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::BankAccountsWrite(account_id))?;
    let bank_account_id = path_id(&bank_account_id, "bank account")?;
    let not_found = || ApiError::NotFound(format!("bank account {bank_account_id} not found"));
    let current = state
        .store
        .bank_account(principal.tenant, account_id, bank_account_id)
        .await?
        .ok_or_else(not_found)?;
    let now = state.clock.now();
    let deleted = events::bank_account_deleted(&current, Uuid::new_v4(), now);
    state
        .store
        .disable_bank_account(principal.tenant, account_id, bank_account_id, now, &deleted)
        .await?
        .ok_or_else(not_found)?;
    tracing::info!(%bank_account_id, "bank account disabled");
    Ok(StatusCode::NO_CONTENT)
}
