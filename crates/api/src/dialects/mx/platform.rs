//! The MX Platform API: users and their micro-deposits (HTTP Basic).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use pennydrop_core::model::{Account, BankAccount};
use pennydrop_engine::{EngineError, Holder, LinkRequest, NewAccount, Tenant};
use serde_json::{json, Value};
use std::collections::HashMap;

use super::error::{render, Dialect, MxError, MxResult};
use super::record::{platform_json, platform_one, profile_person, user_guid};
use super::wire::{MicroDepositBody, UserBody};
use super::{
    account_records, link_request, micro_deposit_of, micro_deposit_page, page_of, pagination,
    parse_guid, platform_caller, record_of, start, tenant_bank, verify, with_recovery, MAX_SCAN,
    NEXUS_FOREIGN_PREFIX, USER_MARK,
};
use crate::{AppState, Peer};

// ---------------------------------------------------------------------------------------------
// Platform: users
// ---------------------------------------------------------------------------------------------

fn user_json(a: &Account) -> Value {
    let (_, _, email) = profile_person(a);
    json!({
        "guid": user_guid(a.account_id),
        "id": a.foreign_id,
        "email": email,
        "is_disabled": false,
        "metadata": a.metadata.get("mxMetadata"),
    })
}

/// `POST /users`' body: the account the engine opens for the user.
pub(crate) fn decode_user(body: &Bytes) -> MxResult<NewAccount> {
    let user = UserBody::parse(body)?.check()?;
    let display = user
        .id
        .clone()
        .or(user.email.clone())
        .unwrap_or_else(|| "MX user".into());
    let mut new = NewAccount::person(None, None, user.email.as_deref(), display)
        .with_metadata(USER_MARK, "true");
    if let Some(md) = &user.metadata {
        new = new.with_metadata("mxMetadata", md);
    }
    if let Some(id) = user.id {
        new = new.with_foreign_id(id);
    }
    Ok(new)
}

pub(super) async fn create_user(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let tenant = platform_caller(&state, &headers, peer).await?;
        let new = decode_user(&body)?;
        let account = state.engine.open_account(tenant, new).await?;
        Ok((StatusCode::OK, json!({"user": user_json(&account)})))
    }
    .await;
    render(Dialect::Platform, &headers, result)
}

pub(super) async fn list_users(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let tenant = platform_caller(&state, &headers, peer).await?;
        let (page, per_page) = pagination(&query)?;
        let users = state
            .engine
            .scan_accounts(tenant, MAX_SCAN, |a| a.metadata.contains_key(USER_MARK))
            .await?;
        let (users, pagination) = page_of(users.iter().map(user_json).collect(), page, per_page);
        Ok((
            StatusCode::OK,
            json!({"users": users, "pagination": pagination}),
        ))
    }
    .await;
    render(Dialect::Platform, &headers, result)
}

/// A user of the caller's tenant: any account but the tenant's own (and Nexus's per-email ones).
async fn find_user(state: &AppState, tenant: Tenant, raw: &str) -> MxResult<Account> {
    let id = parse_guid(raw, "USR-", "user")?;
    let not_found = || MxError::not_found(format!("user {raw} not found"));
    let account = match state.engine.account(tenant, id).await {
        Ok(a) => a,
        Err(EngineError::NotFound(_)) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    let nexus = account
        .foreign_id
        .as_deref()
        .is_some_and(|f| f.starts_with(NEXUS_FOREIGN_PREFIX));
    if account.is_facilitator() || nexus {
        return Err(not_found());
    }
    Ok(account)
}

pub(super) async fn get_user(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> Response {
    let result = async {
        let tenant = platform_caller(&state, &headers, peer).await?;
        let account = find_user(&state, tenant, &user).await?;
        Ok((StatusCode::OK, json!({"user": user_json(&account)})))
    }
    .await;
    render(Dialect::Platform, &headers, result)
}

// ---------------------------------------------------------------------------------------------
// Platform: micro-deposits
// ---------------------------------------------------------------------------------------------

pub(super) async fn platform_list(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    Path(user): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let tenant = platform_caller(&state, &headers, peer).await?;
        let (page, per_page) = pagination(&query)?;
        let account = find_user(&state, tenant, &user).await?;
        let records = account_records(&state, tenant, &account, true).await?;
        let items = records.iter().map(platform_json).collect();
        Ok(micro_deposit_page(items, (page, per_page)))
    }
    .await;
    render(Dialect::Platform, &headers, result)
}

/// A Platform micro-deposit to start: the bank account to link, and the email the record shows.
pub(crate) struct PlatformStart {
    link: LinkRequest,
    email: Option<String>,
}

/// `POST /users/{user}/micro_deposits`' body. `holder` (the user's display name) holds the
/// bank account when the body names nobody.
pub(crate) fn decode_platform_create(body: &Bytes, holder: &str) -> MxResult<PlatformStart> {
    let request = MicroDepositBody::parse(body, false)?.request()?;
    let link = link_request(&request, Some(holder.to_string()))?;
    Ok(PlatformStart {
        link,
        email: request.email,
    })
}

pub(super) async fn platform_create(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    Path(user): Path<String>,
    body: Bytes,
) -> Response {
    let mut seen = None;
    let result = async {
        let tenant = platform_caller(&state, &headers, peer).await?;
        let account = find_user(&state, tenant, &user).await?;
        let PlatformStart { link, email } = decode_platform_create(&body, &account.display_name)?;
        let holder = Holder::Account(account.account_id);
        let b = start(&state, tenant, Dialect::Platform, &holder, &link, &mut seen).await?;
        let mut record = record_of(&state, tenant, &b).await?;
        if email.is_some() {
            record.email = email;
        }
        Ok(platform_one(&record))
    }
    .await;
    let response = render(Dialect::Platform, &headers, result);
    with_recovery(&state, seen, response).await
}

async fn user_bank(
    state: &AppState,
    tenant: Tenant,
    user: &str,
    guid: &str,
) -> MxResult<(Account, BankAccount)> {
    let account = find_user(state, tenant, user).await?;
    let id = parse_guid(guid, "MIC-", "micro_deposit")?;
    match state.engine.tenant_bank_account(tenant, id).await? {
        Some(b) if b.account_id == account.account_id => Ok((account, b)),
        _ => Err(MxError::not_found(format!(
            "micro_deposit {guid} not found"
        ))),
    }
}

pub(super) async fn platform_get(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    Path((user, guid)): Path<(String, String)>,
) -> Response {
    let mut seen = None;
    let result = async {
        let tenant = platform_caller(&state, &headers, peer).await?;
        let (_, b) = user_bank(&state, tenant, &user, &guid).await?;
        seen = Some(tenant.target_of(&b));
        let record = micro_deposit_of(&state, tenant, &b, &guid).await?;
        Ok(platform_one(&record))
    }
    .await;
    let response = render(Dialect::Platform, &headers, result);
    with_recovery(&state, seen, response).await
}

pub(super) async fn platform_delete(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    Path((user, guid)): Path<(String, String)>,
) -> Response {
    let result = async {
        let tenant = platform_caller(&state, &headers, peer).await?;
        let (account, b) = user_bank(&state, tenant, &user, &guid).await?;
        match state
            .engine
            .disable(tenant, account.account_id, b.bank_account_id)
            .await
        {
            Ok(_) => {}
            Err(EngineError::NotFound(_)) => {
                return Err(MxError::not_found(format!(
                    "micro_deposit {guid} not found"
                )))
            }
            Err(e) => return Err(e.into()),
        }
        Ok((StatusCode::NO_CONTENT, Value::Null))
    }
    .await;
    render(Dialect::Platform, &headers, result)
}

/// `PUT /micro_deposits/{guid}/verify`'s body: the two amounts, in cents.
pub(crate) fn decode_verify(body: &Bytes) -> MxResult<[i64; 2]> {
    MicroDepositBody::parse(body, false)?.amounts()
}

pub(super) async fn platform_verify(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    Path(guid): Path<String>,
    body: Bytes,
) -> Response {
    let mut seen = None;
    let result = async {
        let tenant = platform_caller(&state, &headers, peer).await?;
        let id = parse_guid(&guid, "MIC-", "micro_deposit")?;
        let b = tenant_bank(&state, tenant, id, &guid).await?;
        seen = Some(tenant.target_of(&b));
        let amounts = decode_verify(&body)?;
        let record = verify(&state, tenant, &b, amounts).await?;
        Ok(platform_one(&record))
    }
    .await;
    let response = render(Dialect::Platform, &headers, result);
    with_recovery(&state, seen, response).await
}
