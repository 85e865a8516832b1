//! The MX dialects (see docs/mx.md and docs/dialects.md): the MX Platform API's users and
//! micro-deposits (HTTP Basic with an API key pair) and the MX Nexus API's micro-deposits
//! (`MD-SESSION-TOKEN` sessions from `POST /sessions`).
//!
//! Model: an MX user is a Pennydrop account (`USR-<accountID>`); a micro-deposit is a bank
//! account of that account with its latest micro-deposit round (`MIC-<bankAccountID>`). Nexus
//! micro-deposits live in one account per email address of the session key's tenant
//! (`foreignID` `mx-nexus:<email>`); a pre-initiated Nexus micro-deposit is that account before
//! a bank account is linked to it (`MIC-<accountID>`).

mod bodies;
mod error;
mod nexus;
mod platform;
mod record;
mod wire;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use jiff::SignedDuration;
use pennydrop_core::model::{Account, BankAccount};
use pennydrop_engine::access::Caller;
use pennydrop_engine::accounts::micro_round;
use pennydrop_engine::rules::Refusal;
use pennydrop_engine::{EngineError, Holder, LinkRequest, Target, Tenant};
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

use crate::basic::parse_basic;
use crate::{AppState, Peer};
pub(crate) use bodies::{decode_body, BODY_OPERATIONS};
pub use error::{edge_error, Dialect};
use error::{render, MxError, MxResult};
use record::{bank_record, mic_guid, mx_time, Record};
use wire::Request;

/// The Nexus session header.
pub const SESSION_HEADER: &str = "md-session-token";
/// The scope an access token carries when it is a Nexus session (never a Moov scope).
const NEXUS_SCOPE: &str = "mx-nexus";
/// Nexus sessions live 30 minutes, refreshed by each call.
const SESSION_TTL: SignedDuration = SignedDuration::from_mins(30);
const NEXUS_FOREIGN_PREFIX: &str = "mx-nexus:";
const USER_MARK: &str = "mxUser";
const DEFAULT_PER_PAGE: usize = 25;
const MAX_PER_PAGE: usize = 1000;
/// Accounts scanned when listing users or Nexus micro-deposits.
const MAX_SCAN: i64 = 10_000;

pub fn router() -> Router<AppState> {
    use nexus::*;
    use platform::*;
    Router::new()
        // Platform
        .route("/users", post(create_user).get(list_users))
        .route("/users/{user_guid}", get(get_user))
        .route(
            "/users/{user_guid}/micro_deposits",
            get(platform_list).post(platform_create),
        )
        .route(
            "/users/{user_guid}/micro_deposits/{guid}",
            get(platform_get).delete(platform_delete),
        )
        .route("/micro_deposits/{guid}/verify", put(platform_verify))
        // Nexus
        .route("/sessions", post(create_session))
        .route("/micro_deposits", get(nexus_list).post(nexus_create))
        .route("/micro_deposits/{guid}", get(nexus_get).put(nexus_put))
}

// ---------------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------------

async fn basic_caller(state: &AppState, headers: &HeaderMap, peer: Peer) -> MxResult<Caller> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            MxError::unauthorized("missing credentials: use HTTP Basic with client_id:api_key")
        })?;
    let (public_key, secret_key) = parse_basic(value).ok_or_else(|| {
        MxError::unauthorized("malformed Authorization header: expected HTTP Basic")
    })?;
    state
        .engine
        .authenticate_from(&public_key, &secret_key, peer.0)
        .await?
        .ok_or_else(|| MxError::unauthorized("invalid API key or secret"))
}

async fn platform_caller(state: &AppState, headers: &HeaderMap, peer: Peer) -> MxResult<Tenant> {
    Ok(basic_caller(state, headers, peer).await?.tenant())
}

async fn nexus_caller(state: &AppState, headers: &HeaderMap, peer: Peer) -> MxResult<Tenant> {
    let token = headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            MxError::unauthorized(
                "missing MD-SESSION-TOKEN header: create a session with POST /sessions",
            )
        })?;
    let invalid = || MxError::unauthorized("session expired or invalid; create a new session");
    let session = state
        .engine
        .open_session_from(token, peer.0)
        .await?
        .map_err(|_| invalid())?;
    if !session.has_scope(NEXUS_SCOPE) {
        return Err(invalid());
    }
    state.engine.slide_session(&session, SESSION_TTL).await?;
    Ok(session.caller.tenant())
}

/// `POST /sessions`: HTTP Basic with an API key pair → a Nexus session token.
async fn create_session(State(state): State<AppState>, peer: Peer, headers: HeaderMap) -> Response {
    let result = async {
        let caller = basic_caller(&state, &headers, peer).await?;
        let issued = state
            .engine
            .issue_token(&caller, vec![NEXUS_SCOPE.into()], SESSION_TTL, "")
            .await?;
        Ok((
            StatusCode::OK,
            json!({"session": {"token": issued.secret, "expires_at": mx_time(issued.token.expires_on)}}),
        ))
    }
    .await;
    render(Dialect::Nexus, &headers, result)
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

fn parse_guid(raw: &str, prefix: &str, what: &str) -> MxResult<Uuid> {
    raw.strip_prefix(prefix)
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| MxError::not_found(format!("{what} {raw} not found")))
}

fn pagination(query: &HashMap<String, String>) -> MxResult<(usize, usize)> {
    let int = |name: &str, default: usize, max: usize| match query.get(name) {
        None => Ok(default),
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(MxError::bad(format!(
                "{name} must be an integer from 1 to {max}, got {raw:?}"
            ))),
        },
    };
    Ok((
        int("page", 1, usize::MAX)?,
        int("records_per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)?,
    ))
}

fn page_of(items: Vec<Value>, page: usize, per_page: usize) -> (Vec<Value>, Value) {
    let total = items.len();
    let pages = total.div_ceil(per_page);
    let start = (page - 1).saturating_mul(per_page);
    let slice = items.into_iter().skip(start).take(per_page).collect();
    (
        slice,
        json!({"current_page": page, "per_page": per_page, "total_entries": total, "total_pages": pages}),
    )
}

/// A page of micro-deposits, in MX's list shape.
fn micro_deposit_page(items: Vec<Value>, (page, per_page): (usize, usize)) -> (StatusCode, Value) {
    let (items, pagination) = page_of(items, page, per_page);
    (
        StatusCode::OK,
        json!({"micro_deposits": items, "pagination": pagination}),
    )
}

/// The records of an account's active bank accounts; with `started_only`, only those that
/// had micro-deposits (the others are not MX micro-deposits).
async fn account_records(
    state: &AppState,
    tenant: Tenant,
    account: &Account,
    started_only: bool,
) -> MxResult<Vec<Record>> {
    let mut out = Vec::new();
    for b in state
        .engine
        .bank_accounts(tenant, account.account_id)
        .await?
    {
        let snap = state.engine.snapshot(&tenant.target_of(&b)).await?;
        let round = micro_round(&snap);
        if started_only && round.is_none() {
            continue;
        }
        out.push(bank_record(Some(account), &snap.bank_account, round));
    }
    Ok(out)
}

/// The link request of a micro-deposit request; refuses missing details in MX's words.
fn link_request(request: &Request, fallback_holder: Option<String>) -> MxResult<LinkRequest> {
    let missing = request.missing_account_details();
    if !missing.is_empty() {
        return Err(MxError::missing(format!(
            "missing required parameters: {}",
            missing.join(", ")
        )));
    }
    let holder_name = request
        .person_name()
        .or_else(|| request.account_name.clone())
        .or(fallback_holder)
        .ok_or_else(|| {
            MxError::missing(
                "missing required parameters: first_name and last_name (or account_name)",
            )
        })?;
    Ok(LinkRequest {
        holder_name: Some(holder_name),
        holder_type: Some("individual".into()),
        account_number: request.account_number.clone(),
        bank_account_type: request.account_type.map(str::to_string),
        routing_number: request.routing_number.clone(),
    })
}

/// Links the requested account to the holder's account and starts a micro-deposit round, in
/// one transaction; a duplicate of an active (or verified) micro-deposit is CONFLICTED.
async fn start(
    state: &AppState,
    tenant: Tenant,
    dialect: Dialect,
    holder: &Holder,
    link: &LinkRequest,
    seen: &mut Option<Target>,
) -> MxResult<BankAccount> {
    let enrolled = state
        .engine
        .enroll_micro_deposits(tenant, holder, link)
        .await;
    if let Err(EngineError::RefusedOn {
        bank_account_id, ..
    }) = &enrolled
    {
        if let Ok(Some(b)) = state
            .engine
            .tenant_bank_account(tenant, *bank_account_id)
            .await
        {
            *seen = Some(tenant.target_of(&b));
        }
    }
    let enrolled = enrolled.map_err(|e| match e {
        EngineError::RefusedOn {
            bank_account_id,
            refusal: r @ (Refusal::InProgress { .. } | Refusal::AlreadyVerified),
        } => MxError::duplicate(
            dialect,
            format!(
                "a micro-deposit for this account already exists ({}): {r}",
                mic_guid(bank_account_id)
            ),
        ),
        EngineError::Refused(r) | EngineError::RefusedOn { refusal: r, .. }
            if !r.is_not_found() =>
        {
            MxError::rejected(r.to_string())
        }
        other => MxError::from(other),
    })?;
    tracing::info!(bank_account_id = %enrolled.bank_account.bank_account_id, ?dialect, "mx micro-deposit initiated");
    *seen = Some(tenant.target_of(&enrolled.bank_account));
    Ok(enrolled.bank_account)
}

/// `response` with the recovery headers of the bank account it is about, when it is about one.
async fn with_recovery(state: &AppState, seen: Option<Target>, response: Response) -> Response {
    match seen {
        Some(t) => crate::recovery::with_headers(state, &t, response).await,
        None => response,
    }
}

/// The record of an active bank account of the tenant.
async fn record_of(state: &AppState, tenant: Tenant, b: &BankAccount) -> MxResult<Record> {
    let snap = state.engine.snapshot(&tenant.target_of(b)).await?;
    let account = match state.engine.account(tenant, b.account_id).await {
        Ok(a) => Some(a),
        Err(EngineError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(bank_record(
        account.as_ref(),
        &snap.bank_account,
        micro_round(&snap),
    ))
}

/// The record of a bank account that has had micro-deposits. One linked or verified through
/// another dialect without micro-deposits is not an MX micro-deposit: not found, as it is
/// absent from the user's list (and as Finicity answers for it).
async fn micro_deposit_of(
    state: &AppState,
    tenant: Tenant,
    b: &BankAccount,
    guid: &str,
) -> MxResult<Record> {
    let snap = state.engine.snapshot(&tenant.target_of(b)).await?;
    if micro_round(&snap).is_none() {
        return Err(MxError::not_found(format!(
            "micro_deposit {guid} not found"
        )));
    }
    record_of(state, tenant, b).await
}

/// A tenant's active bank account by ID alone.
async fn tenant_bank(
    state: &AppState,
    tenant: Tenant,
    id: Uuid,
    raw: &str,
) -> MxResult<BankAccount> {
    state
        .engine
        .tenant_bank_account(tenant, id)
        .await?
        .ok_or_else(|| MxError::not_found(format!("micro_deposit {raw} not found")))
}

/// Verifies with the amounts of `deposit_amount_1`/`deposit_amount_2` (in cents). A wrong
/// pair is not an error: the record answers DENIED (retries left) or PREVENTED.
async fn verify(
    state: &AppState,
    tenant: Tenant,
    b: &BankAccount,
    amounts: [i64; 2],
) -> MxResult<Record> {
    match state
        .engine
        .complete_micro_deposits(&tenant.target_of(b), amounts)
        .await
    {
        Ok(())
        | Err(EngineError::Refused(
            Refusal::WrongAmounts { .. } | Refusal::AmountAttemptsExhausted,
        )) => {}
        Err(EngineError::Refused(r)) if !r.is_not_found() => {
            return Err(MxError::conflict(r.to_string()))
        }
        Err(e) => return Err(e.into()),
    }
    record_of(state, tenant, b).await
}
