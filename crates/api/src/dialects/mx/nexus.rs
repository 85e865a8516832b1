//! The MX Nexus API: micro-deposits under `MD-SESSION-TOKEN` sessions, one account per email.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use pennydrop_core::model::{Account, BankAccount};
use pennydrop_engine::{EngineError, Holder, NewAccount, Target, Tenant};
use std::collections::HashMap;

use super::error::{render, Dialect, MxError, MxResult};
use super::record::{nexus_json, nexus_one, preinitiated_record, profile_person, Record};
use super::wire::{Fields, MicroDepositBody, Request};
use super::{
    account_records, link_request, micro_deposit_page, nexus_caller, pagination, parse_guid,
    record_of, start, verify, with_recovery, MAX_SCAN, NEXUS_FOREIGN_PREFIX,
};
use crate::AppState;

fn is_nexus_account(a: &Account) -> bool {
    a.foreign_id
        .as_deref()
        .is_some_and(|f| f.starts_with(NEXUS_FOREIGN_PREFIX))
}

/// The holder of a Nexus micro-deposit: the tenant's account for the request's email, opened
/// (with the names) on first use.
fn nexus_holder(request: &Request) -> MxResult<Holder> {
    let email = request
        .email
        .clone()
        .ok_or_else(|| MxError::missing("missing required parameter: email"))?;
    let display = request.person_name().unwrap_or_else(|| email.clone());
    let open = NewAccount::person(
        request.first_name.as_deref(),
        request.last_name.as_deref(),
        Some(&email),
        display,
    )
    .with_metadata("mxNexus", "true");
    Ok(Holder::ForeignId {
        foreign_id: format!("{NEXUS_FOREIGN_PREFIX}{email}"),
        open,
    })
}

fn stored_name(a: &Account) -> Option<String> {
    let (f, l, _) = profile_person(a);
    let name = [f, l].into_iter().flatten().collect::<Vec<_>>().join(" ");
    (!name.is_empty()).then_some(name)
}

/// What a Nexus guid names: a bank account (a started micro-deposit) or a pre-initiated record.
enum NexusTarget {
    Bank(Box<BankAccount>),
    Preinitiated(Account),
}

/// The tenant's account `id` if it is a Nexus account.
async fn nexus_account(
    state: &AppState,
    tenant: Tenant,
    id: uuid::Uuid,
) -> MxResult<Option<Account>> {
    match state.engine.account(tenant, id).await {
        Ok(a) => Ok(Some(a).filter(is_nexus_account)),
        Err(EngineError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn nexus_target(state: &AppState, tenant: Tenant, raw: &str) -> MxResult<NexusTarget> {
    let id = parse_guid(raw, "MIC-", "micro_deposit")?;
    let not_found = || MxError::not_found(format!("micro_deposit {raw} not found"));
    if let Some(b) = state.engine.tenant_bank_account(tenant, id).await? {
        nexus_account(state, tenant, b.account_id)
            .await?
            .ok_or_else(not_found)?;
        return Ok(NexusTarget::Bank(Box::new(b)));
    }
    let account = nexus_account(state, tenant, id)
        .await?
        .ok_or_else(not_found)?;
    // Once started, the pre-initiated guid names the micro-deposit started from it.
    let banks = state
        .engine
        .bank_accounts(tenant, account.account_id)
        .await?;
    Ok(match banks.into_iter().next() {
        Some(b) => NexusTarget::Bank(Box::new(b)),
        None => NexusTarget::Preinitiated(account),
    })
}

pub(super) async fn nexus_list(
    State(state): State<AppState>,
    peer: crate::Peer,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let tenant = nexus_caller(&state, &headers, peer).await?;
        let (page, per_page) = pagination(&query)?;
        let accounts = state
            .engine
            .scan_accounts(tenant, MAX_SCAN, is_nexus_account)
            .await?;
        let mut items = Vec::new();
        for a in &accounts {
            let records = account_records(&state, tenant, a, false).await?;
            if records.is_empty() {
                items.push(nexus_json(&preinitiated_record(a)));
            }
            items.extend(records.iter().map(nexus_json));
        }
        Ok(micro_deposit_page(items, (page, per_page)))
    }
    .await;
    render(Dialect::Nexus, &headers, result)
}

pub(super) async fn nexus_get(
    State(state): State<AppState>,
    peer: crate::Peer,
    headers: HeaderMap,
    Path(guid): Path<String>,
) -> Response {
    let mut seen = None;
    let result = async {
        let tenant = nexus_caller(&state, &headers, peer).await?;
        let record = match nexus_target(&state, tenant, &guid).await? {
            NexusTarget::Bank(b) => {
                seen = Some(tenant.target_of(&b));
                record_of(&state, tenant, &b).await?
            }
            NexusTarget::Preinitiated(a) => preinitiated_record(&a),
        };
        Ok(nexus_one(&record))
    }
    .await;
    let response = render(Dialect::Nexus, &headers, result);
    with_recovery(&state, seen, response).await
}

/// Starts a micro-deposit for `holder` and returns its record.
async fn nexus_start(
    state: &AppState,
    tenant: Tenant,
    holder: &Holder,
    request: &Request,
    fallback_holder: Option<String>,
    seen: &mut Option<Target>,
) -> MxResult<Record> {
    let link = link_request(request, fallback_holder)?;
    let b = start(state, tenant, Dialect::Nexus, holder, &link, seen).await?;
    record_of(state, tenant, &b).await
}

/// A pre-initiation's fields: first_name, last_name and email are required.
fn check_preinitiation(request: &Request) -> MxResult<()> {
    let missing: Vec<&str> = [
        ("first_name", &request.first_name),
        ("last_name", &request.last_name),
        ("email", &request.email),
    ]
    .into_iter()
    .filter_map(|(field, value)| value.is_none().then_some(field))
    .collect();
    if !missing.is_empty() {
        return Err(MxError::missing(format!(
            "missing required parameters: {} (or account_number, account_type_name and routing_number to create)",
            missing.join(", ")
        )));
    }
    Ok(())
}

/// `POST /micro_deposits`' body: the request and its holder (the account of its email). A
/// request without account details is a pre-initiation.
pub(crate) fn decode_nexus_create(body: &Bytes) -> MxResult<(Request, Holder)> {
    let request = MicroDepositBody::parse(body, false)?.request()?;
    if !request.has_account_details() {
        check_preinitiation(&request)?;
    }
    let holder = nexus_holder(&request)?;
    Ok((request, holder))
}

/// `PUT /micro_deposits/{guid}`' body: the fields, wrapped or bare. What they must hold
/// depends on the micro-deposit the guid names (amounts to verify a started one, account
/// details to start a pre-initiated one), so the handler checks them once it has found it.
pub(crate) fn decode_nexus_put(body: &Bytes) -> MxResult<Fields> {
    MicroDepositBody::parse(body, true)
}

/// Pre-initiation: the holder's account, opened with the names and the email.
async fn preinitiate(state: &AppState, tenant: Tenant, holder: Holder) -> MxResult<Record> {
    let Holder::ForeignId { foreign_id, open } = holder else {
        return Err(MxError::internal("a Nexus holder is always a foreign ID"));
    };
    let account = state
        .engine
        .find_or_open_account(tenant, &foreign_id, open)
        .await?;
    let banks = state
        .engine
        .bank_accounts(tenant, account.account_id)
        .await?;
    match banks.first() {
        Some(b) => record_of(state, tenant, b).await,
        None => Ok(preinitiated_record(&account)),
    }
}

pub(super) async fn nexus_create(
    State(state): State<AppState>,
    peer: crate::Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut seen = None;
    let result = async {
        let tenant = nexus_caller(&state, &headers, peer).await?;
        let (request, holder) = decode_nexus_create(&body)?;
        let record = if request.has_account_details() {
            // The names given when the email's account was opened stand in for absent ones.
            let known = match &holder {
                Holder::ForeignId { foreign_id, .. } => state
                    .engine
                    .account_by_foreign_id(tenant, foreign_id)
                    .await?
                    .and_then(|a| stored_name(&a)),
                Holder::Account(_) => None,
            };
            nexus_start(&state, tenant, &holder, &request, known, &mut seen).await?
        } else {
            preinitiate(&state, tenant, holder).await?
        };
        Ok(nexus_one(&record))
    }
    .await;
    let response = render(Dialect::Nexus, &headers, result);
    with_recovery(&state, seen, response).await
}

/// `PUT /micro_deposits/{guid}`: deposit amounts verify; account details start a
/// pre-initiated micro-deposit. The fields may come bare or under `micro_deposit`.
pub(super) async fn nexus_put(
    State(state): State<AppState>,
    peer: crate::Peer,
    headers: HeaderMap,
    Path(guid): Path<String>,
    body: Bytes,
) -> Response {
    let mut seen = None;
    let result = async {
        let tenant = nexus_caller(&state, &headers, peer).await?;
        let fields = decode_nexus_put(&body)?;
        let target = nexus_target(&state, tenant, &guid).await?;
        let record = match target {
            NexusTarget::Bank(b) if fields.has_amounts() => {
                seen = Some(tenant.target_of(&b));
                verify(&state, tenant, &b, fields.amounts()?).await?
            }
            NexusTarget::Preinitiated(_) if fields.has_amounts() => {
                return Err(MxError::conflict(
                    "the micro-deposit is PREINITIATED: supply account_number, account_type_name and routing_number first",
                ))
            }
            NexusTarget::Preinitiated(a) => {
                let request = fields.request()?;
                let holder = Holder::Account(a.account_id);
                nexus_start(&state, tenant, &holder, &request, stored_name(&a), &mut seen).await?
            }
            NexusTarget::Bank(_) => {
                return Err(MxError::missing(
                    "missing required parameters: deposit_amount_1, deposit_amount_2",
                ))
            }
        };
        Ok(nexus_one(&record))
    }
    .await;
    let response = render(Dialect::Nexus, &headers, result);
    with_recovery(&state, seen, response).await
}
