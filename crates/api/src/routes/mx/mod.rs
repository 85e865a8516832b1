//! The MX dialects (see docs/mx.md and docs/dialects.md): the MX Platform API's users and
//! micro-deposits (HTTP Basic with an API key pair) and the MX Nexus API's micro-deposits
//! (`MD-SESSION-TOKEN` sessions from `POST /sessions`).
//!
//! Model: an MX user is a Pennydrop account (`USR-<accountID>`); a micro-deposit is a bank
//! account of that account with its latest micro-deposit round (`MIC-<bankAccountID>`). Nexus
//! micro-deposits live in one account per email address of the session key's tenant
//! (`foreignID` `mx-nexus:<email>`); a pre-initiated Nexus micro-deposit is that account before
//! a bank account is linked to it (`MIC-<accountID>`).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use jiff::{SignedDuration, Timestamp};
use pennydrop_core::crypto::{hash_secret, random_token};
use pennydrop_core::model::{
    AccessToken, Account, AccountType, ApiKey, BankAccount, BankAccountType, Mode, Verification,
    VerificationKind, VerificationStatus,
};
use pennydrop_core::{events, AccountNumber, RoutingNumber};
use pennydrop_engine::rules::Refusal;
use pennydrop_engine::{EngineError, Target};
use pennydrop_store::AccountFilter;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

use super::bank_accounts::{link_validated, validate, AccountDetails};
use crate::auth::{parse_basic, verify_key_pair, KeyPair};
use crate::dialects::{dollars_to_cents, mx_status, MX_CONFLICTED, MX_PREINITIATED, MX_REJECTED};
use crate::error::ApiError;
use crate::AppState;

mod nexus;
mod platform;

use nexus::*;
use platform::*;

/// The Platform API's media type (`application/json` is accepted too).
pub const PLATFORM_MEDIA_TYPE: &str = "application/vnd.mx.api.v1+json";
/// The Nexus API's media type.
pub const NEXUS_MEDIA_TYPE: &str = "application/vnd.mx.nexus.v1+json";
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
// Errors and responses
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Platform,
    Nexus,
}

/// A failure in MX's shapes: Platform `{"error": {"message", "status"?}}`, Nexus
/// `{"code", "message"}`.
#[derive(Debug)]
struct MxError {
    http: StatusCode,
    code: u32,
    message: String,
    /// The MX status name a refused create would have had (CONFLICTED, REJECTED).
    status: Option<&'static str>,
}

impl MxError {
    fn new(http: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            http,
            code,
            message: message.into(),
            status: None,
        }
    }
    fn missing(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 4001, message)
    }
    fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 4000, message)
    }
    fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 4011, message)
    }
    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, 4040, message)
    }
    fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, 4090, message)
    }
    fn rejected(message: impl Into<String>) -> Self {
        let mut e = Self::bad(message);
        e.status = Some(MX_REJECTED.1);
        e
    }
    fn duplicate(dialect: Dialect, message: impl Into<String>) -> Self {
        let mut e = match dialect {
            Dialect::Platform => Self::conflict(message),
            Dialect::Nexus => Self::new(StatusCode::UNPROCESSABLE_ENTITY, 4220, message),
        };
        e.status = Some(MX_CONFLICTED.1);
        e
    }
}

/// Moov-layer errors become MX ones; validation failures name MX's field names.
impl From<ApiError> for MxError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::BadRequest(m) => MxError::bad(m),
            ApiError::Unauthorized(m) => MxError::unauthorized(m),
            ApiError::Forbidden(m) => MxError::new(StatusCode::FORBIDDEN, 4030, m),
            ApiError::NotFound(m) => MxError::not_found(m),
            ApiError::Conflict(m) => MxError::conflict(m),
            ApiError::Validation(v) => {
                let text = match &v {
                    Value::Object(m) => m
                        .values()
                        .map(|v| v.as_str().map(str::to_string).unwrap_or(v.to_string()))
                        .collect::<Vec<_>>()
                        .join("; "),
                    other => other.to_string(),
                };
                MxError::rejected(mx_field_names(&text))
            }
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                MxError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    5000,
                    "internal error; the request ID identifies it in the server log",
                )
            }
            ApiError::Unavailable(m) => MxError::new(StatusCode::SERVICE_UNAVAILABLE, 5030, m),
        }
    }
}

impl From<EngineError> for MxError {
    fn from(e: EngineError) -> Self {
        MxError::from(ApiError::from(e))
    }
}

impl From<pennydrop_store::StoreError> for MxError {
    fn from(e: pennydrop_store::StoreError) -> Self {
        MxError::from(ApiError::from(e))
    }
}

fn mx_field_names(text: &str) -> String {
    text.replace("holderName", "first_name/last_name")
        .replace("accountNumber", "account_number")
        .replace("routingNumber", "routing_number")
        .replace("bankAccountType", "account_type")
}

/// Negotiated response media type, or 406.
fn media_type(dialect: Dialect, headers: &HeaderMap) -> Result<&'static str, MxError> {
    let own = match dialect {
        Dialect::Platform => PLATFORM_MEDIA_TYPE,
        Dialect::Nexus => NEXUS_MEDIA_TYPE,
    };
    let accept: Vec<String> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|r| {
            r.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|r| !r.is_empty())
        .collect();
    if accept.is_empty() || accept.iter().any(|r| r == own) {
        return Ok(own);
    }
    if accept
        .iter()
        .any(|r| r == "application/json" || r == "*/*" || r == "application/*")
    {
        return Ok(match dialect {
            Dialect::Platform => "application/json",
            Dialect::Nexus => NEXUS_MEDIA_TYPE,
        });
    }
    Err(MxError::new(
        StatusCode::NOT_ACCEPTABLE,
        4060,
        format!("Accept must allow {own} or application/json"),
    ))
}

fn render(
    dialect: Dialect,
    headers: &HeaderMap,
    result: Result<(StatusCode, Value), MxError>,
) -> Response {
    let media = match media_type(dialect, headers) {
        Ok(m) => m,
        Err(e) => return error_response(dialect, "application/json", e),
    };
    match result {
        Ok((status, body)) => {
            let mut response = if status == StatusCode::NO_CONTENT {
                status.into_response()
            } else {
                (status, body.to_string()).into_response()
            };
            if status != StatusCode::NO_CONTENT {
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
            }
            response
        }
        Err(e) => error_response(dialect, media, e),
    }
}

fn error_response(dialect: Dialect, media: &'static str, e: MxError) -> Response {
    let body = match dialect {
        Dialect::Platform => {
            let mut error = json!({"message": e.message});
            if let Some(s) = e.status {
                error["status"] = json!(s);
            }
            json!({ "error": error })
        }
        Dialect::Nexus => {
            let mut body = json!({"code": e.code, "message": e.message});
            if let Some(s) = e.status {
                body["status_name"] = json!(s);
            }
            body
        }
    };
    let mut response = (e.http, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if e.http == StatusCode::UNAUTHORIZED {
        let challenge = match dialect {
            Dialect::Platform => "Basic realm=\"pennydrop\"",
            Dialect::Nexus => "MD-SESSION-TOKEN",
        };
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    response
}

type MxResult<T> = Result<T, MxError>;

// ---------------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------------

/// Who is calling (either dialect).
struct Caller {
    tenant: Uuid,
    mode: Mode,
}

async fn basic_key(state: &AppState, headers: &HeaderMap) -> MxResult<ApiKey> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            MxError::unauthorized("missing credentials: use HTTP Basic with client_id:api_key")
        })?;
    let (public_key, secret_key) = parse_basic(value).ok_or_else(|| {
        MxError::unauthorized("malformed Authorization header: expected HTTP Basic")
    })?;
    let key = verify_key_pair(
        state,
        KeyPair {
            public_key: &public_key,
            secret_key: &secret_key,
        },
    )
    .await?;
    Ok(key)
}

async fn platform_caller(state: &AppState, headers: &HeaderMap) -> MxResult<Caller> {
    let key = basic_key(state, headers).await?;
    Ok(Caller {
        tenant: key.account_id,
        mode: key.mode,
    })
}

async fn nexus_caller(state: &AppState, headers: &HeaderMap) -> MxResult<Caller> {
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
    let hash = hash_secret(token);
    let (session, key) = state.store.access_token(&hash).await?.ok_or_else(invalid)?;
    let now = state.clock.now();
    if !session.scopes.iter().any(|s| s == NEXUS_SCOPE)
        || key.revoked_on.is_some()
        || now >= session.expires_on
    {
        return Err(invalid());
    }
    state
        .store
        .touch_access_token(&hash, now + SESSION_TTL)
        .await?;
    Ok(Caller {
        tenant: key.account_id,
        mode: key.mode,
    })
}

/// `POST /sessions`: HTTP Basic with an API key pair → a Nexus session token.
async fn create_session(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let key = basic_key(&state, &headers).await?;
        let token = random_token(32);
        let now = state.clock.now();
        let expires = now + SESSION_TTL;
        state
            .store
            .insert_access_token(&AccessToken {
                token_hash: hash_secret(&token),
                public_key: key.public_key.clone(),
                scopes: vec![NEXUS_SCOPE.into()],
                created_on: now,
                expires_on: expires,
            })
            .await?;
        Ok((
            StatusCode::OK,
            json!({"session": {"token": token, "expires_at": mx_time(expires)}}),
        ))
    }
    .await;
    render(Dialect::Nexus, &headers, result)
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

fn mx_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn parse_guid(raw: &str, prefix: &str, what: &str) -> MxResult<Uuid> {
    raw.strip_prefix(prefix)
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| MxError::not_found(format!("{what} {raw} not found")))
}

fn user_guid(id: Uuid) -> String {
    format!("USR-{id}")
}

fn mic_guid(id: Uuid) -> String {
    format!("MIC-{id}")
}

fn parse_body(body: &Bytes) -> MxResult<Map<String, Value>> {
    match crate::json::parse::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(MxError::bad("the request body must be a JSON object")),
        Err(e) => Err(MxError::bad(e.describe())),
    }
}

/// The object under `key` (`micro_deposit`, `user`), or with `unwrapped_ok` the body itself.
fn wrapped(
    mut body: Map<String, Value>,
    key: &str,
    unwrapped_ok: bool,
) -> MxResult<Map<String, Value>> {
    match body.remove(key) {
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(MxError::bad(format!("{key} must be an object"))),
        None if unwrapped_ok => Ok(body),
        None => Err(MxError::missing(format!(
            "the body must contain a \"{key}\" object"
        ))),
    }
}

/// A string field: absent, null and blank are None; other non-strings are a 400.
fn text(m: &Map<String, Value>, field: &str) -> MxResult<Option<String>> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(Value::Number(n)) if field.ends_with("_number") => Ok(Some(n.to_string())),
        Some(_) => Err(MxError::bad(format!("{field} must be a string"))),
    }
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

/// The tenant's accounts (oldest first) that `keep` selects, up to [`MAX_SCAN`] scanned.
async fn scan_accounts(
    state: &AppState,
    tenant: Uuid,
    keep: impl Fn(&Account) -> bool,
) -> MxResult<Vec<Account>> {
    let mut out = Vec::new();
    let mut skip = 0;
    while skip < MAX_SCAN {
        let batch = state
            .store
            .list_accounts(tenant, &AccountFilter::default(), skip, 250)
            .await?;
        let n = batch.len() as i64;
        out.extend(batch.into_iter().filter(|a| keep(a)));
        if n < 250 {
            break;
        }
        skip += n;
    }
    Ok(out)
}

/// `CHECKING`/`SAVINGS` (any case) or Nexus's integers 1/2 → Moov's bank account type.
fn account_type(value: &Value) -> MxResult<&'static str> {
    let bad = || MxError::rejected("account_type must be CHECKING or SAVINGS");
    match value {
        Value::String(s) if s.trim().eq_ignore_ascii_case("checking") => Ok("checking"),
        Value::String(s) if s.trim().eq_ignore_ascii_case("savings") => Ok("savings"),
        Value::String(s) if s.trim() == "1" => Ok("checking"),
        Value::String(s) if s.trim() == "2" => Ok("savings"),
        Value::Number(n) if n.as_u64() == Some(1) => Ok("checking"),
        Value::Number(n) if n.as_u64() == Some(2) => Ok("savings"),
        _ => Err(bad()),
    }
}

/// The request's micro-deposit fields.
#[derive(Debug, Default)]
struct Request {
    account_name: Option<String>,
    account_number: Option<String>,
    account_type: Option<&'static str>,
    routing_number: Option<String>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

impl Request {
    fn parse(m: &Map<String, Value>) -> MxResult<Self> {
        let kind = ["account_type", "account_type_name"]
            .iter()
            .find_map(|f| m.get(*f).filter(|v| !v.is_null()));
        let account_type = match kind {
            None => None,
            Some(v) => Some(account_type(v)?),
        };
        let mut r = Request {
            account_name: text(m, "account_name")?,
            account_number: text(m, "account_number")?,
            account_type,
            routing_number: text(m, "routing_number")?,
            email: text(m, "email")?,
            first_name: text(m, "first_name")?,
            last_name: text(m, "last_name")?,
        };
        if let Some(e) = &r.email {
            let valid = e.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !e.contains(' ')
            }) && e.len() <= 255;
            if !valid {
                return Err(MxError::rejected(format!(
                    "email {e:?} is not an email address"
                )));
            }
            r.email = Some(e.to_ascii_lowercase());
        }
        Ok(r)
    }

    fn has_account_details(&self) -> bool {
        self.account_number.is_some()
            || self.routing_number.is_some()
            || self.account_type.is_some()
    }

    fn missing_account_details(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.account_number.is_none() {
            missing.push("account_number");
        }
        if self.account_type.is_none() {
            missing.push("account_type");
        }
        if self.routing_number.is_none() {
            missing.push("routing_number");
        }
        missing
    }

    fn person_name(&self) -> Option<String> {
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!name.is_empty()).then_some(name)
    }
}

/// Links the requested account to `account_id` and starts a micro-deposit round; refuses a
/// duplicate of an active (or verified) micro-deposit.
async fn start(
    state: &AppState,
    caller: &Caller,
    dialect: Dialect,
    account_id: Uuid,
    request: &Request,
    fallback_holder: Option<String>,
) -> MxResult<Uuid> {
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
    let routing = request.routing_number.clone().unwrap_or_default();
    let number = request.account_number.clone().unwrap_or_default();
    let details = validate(AccountDetails {
        holder_name: Some(holder_name),
        holder_type: Some("individual".into()),
        account_number: Some(number.clone()),
        bank_account_type: request.account_type.map(str::to_string),
        routing_number: Some(routing.clone()),
    })?;
    // A duplicate of an active or verified micro-deposit is CONFLICTED.
    if let (Ok(r), Ok(n)) = (
        RoutingNumber::parse(&routing),
        AccountNumber::parse(&number),
    ) {
        let fingerprint = state.vault.fingerprint(&r, &n);
        let existing = state
            .store
            .list_bank_accounts(caller.tenant, account_id)
            .await?;
        if let Some(b) = existing.iter().find(|b| b.fingerprint == fingerprint) {
            let snap = state.engine.snapshot(&target(caller, b)).await?;
            if let Some(v) = micro_round(&snap.verifications) {
                if v.status.is_active() || v.status == VerificationStatus::Successful {
                    return Err(MxError::duplicate(
                        dialect,
                        format!(
                            "a micro-deposit for this account already exists ({}, status {})",
                            mic_guid(b.bank_account_id),
                            mx_status(v).1
                        ),
                    ));
                }
            }
        }
    }
    let bank = link_validated(state, caller.tenant, account_id, details).await?;
    let t = target(caller, &bank);
    match state.engine.initiate_micro_deposits(&t).await {
        Ok(()) => {}
        Err(EngineError::Refused(r @ (Refusal::InProgress { .. } | Refusal::AlreadyVerified))) => {
            return Err(MxError::duplicate(dialect, r.to_string()))
        }
        Err(EngineError::Refused(r)) if !r.is_not_found() => {
            return Err(MxError::rejected(r.to_string()))
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(bank_account_id = %bank.bank_account_id, ?dialect, "mx micro-deposit initiated");
    Ok(bank.bank_account_id)
}

fn target(caller: &Caller, b: &BankAccount) -> Target {
    Target {
        tenant: caller.tenant,
        mode: caller.mode,
        account_id: b.account_id,
        bank_account_id: b.bank_account_id,
    }
}

fn micro_round(verifications: &[Verification]) -> Option<&Verification> {
    verifications
        .iter()
        .rev()
        .find(|v| v.kind == VerificationKind::MicroDeposits)
}

/// The profile's individual name and email.
fn profile_person(a: &Account) -> (Option<String>, Option<String>, Option<String>) {
    let p = &a.profile["individual"];
    let s = |v: &Value| v.as_str().map(str::to_string);
    (
        s(&p["name"]["firstName"]),
        s(&p["name"]["lastName"]),
        s(&p["email"]),
    )
}

/// A micro-deposit as both dialects see it, before rendering.
struct Record {
    guid: String,
    status: (u8, &'static str),
    error_code: Option<String>,
    error_message: Option<String>,
    institution_name: Option<String>,
    account_name: Option<String>,
    masked_number: Option<String>,
    account_type: Option<(u8, &'static str)>,
    routing_number: Option<String>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
    verified_at: Option<Timestamp>,
    user_guid: Option<String>,
}

fn bank_record(account: Option<&Account>, b: &BankAccount, round: Option<&Verification>) -> Record {
    let status = round.map(mx_status).unwrap_or(MX_REJECTED);
    let details = round.and_then(|v| v.exception_details.clone());
    let (pf, pl, email) = account.map(profile_person).unwrap_or_default();
    // Names: the profile's when they make up the holder name, else the holder name split at
    // its first space.
    let (first, last) = match (&pf, &pl) {
        (Some(f), Some(l)) if format!("{f} {l}") == b.holder_name => (pf.clone(), pl.clone()),
        _ => match b.holder_name.split_once(' ') {
            Some((f, l)) => (Some(f.to_string()), Some(l.trim().to_string())),
            None => (Some(b.holder_name.clone()), None),
        },
    };
    let kind = if b.bank_account_type == BankAccountType::Savings {
        (2, "SAVINGS")
    } else {
        (1, "CHECKING")
    };
    let updated = round.map_or(b.updated_on, |v| v.updated_on.max(b.updated_on));
    Record {
        guid: mic_guid(b.bank_account_id),
        status,
        error_code: details.as_ref().and_then(|d| d.ach_return_code.clone()),
        error_message: details.map(|d| d.description),
        institution_name: (!b.bank_name.is_empty()).then(|| b.bank_name.clone()),
        account_name: Some(b.holder_name.clone()),
        masked_number: Some(format!("****{}", b.last_four)),
        account_type: Some(kind),
        routing_number: Some(b.routing_number.clone()),
        email,
        first_name: first,
        last_name: last,
        created_at: b.created_on,
        updated_at: updated,
        verified_at: round
            .filter(|v| v.status == VerificationStatus::Successful)
            .map(|v| v.updated_on),
        user_guid: Some(user_guid(b.account_id)),
    }
}

fn preinitiated_record(a: &Account) -> Record {
    let (first, last, email) = profile_person(a);
    Record {
        guid: mic_guid(a.account_id),
        status: MX_PREINITIATED,
        error_code: None,
        error_message: None,
        institution_name: None,
        account_name: None,
        masked_number: None,
        account_type: None,
        routing_number: None,
        email,
        first_name: first,
        last_name: last,
        created_at: a.created_on,
        updated_at: a.updated_on,
        verified_at: None,
        user_guid: None,
    }
}

/// Platform: names for status and account type; absent optional strings are left out (the
/// schema's strings are not nullable), `error_message` and `verified_at` are null when unset.
fn platform_json(r: &Record) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v));
        }
    };
    put("guid", Some(r.guid.clone()));
    put("status", Some(r.status.1.into()));
    put("error_code", r.error_code.clone());
    put("institution_name", r.institution_name.clone());
    put("account_name", r.account_name.clone());
    put("account_number", r.masked_number.clone());
    put("account_type", r.account_type.map(|t| t.1.to_string()));
    put("routing_number", r.routing_number.clone());
    put("email", r.email.clone());
    put("first_name", r.first_name.clone());
    put("last_name", r.last_name.clone());
    put("created_at", Some(mx_time(r.created_at)));
    put("updated_at", Some(mx_time(r.updated_at)));
    put("user_guid", r.user_guid.clone());
    m.insert("error_message".into(), json!(r.error_message));
    m.insert("verified_at".into(), json!(r.verified_at.map(mx_time)));
    Value::Object(m)
}

/// Nexus: integer `status` + `status_name`, integer `account_type` + `account_type_name`;
/// every documented field is present, null when unknown.
fn nexus_json(r: &Record) -> Value {
    json!({
        "guid": r.guid,
        "status": r.status.0,
        "status_name": r.status.1,
        "error_code": r.error_code,
        "error_message": r.error_message,
        "institution_name": r.institution_name,
        "account_name": r.account_name,
        "account_number": r.masked_number,
        "account_type": r.account_type.map(|t| t.0),
        "account_type_name": r.account_type.map(|t| t.1),
        "routing_number": r.routing_number,
        "email": r.email,
        "first_name": r.first_name,
        "last_name": r.last_name,
        "created_at": mx_time(r.created_at),
        "updated_at": mx_time(r.updated_at),
        "verified_at": r.verified_at.map(mx_time),
    })
}

/// The record of an active bank account of the tenant.
async fn record_of(state: &AppState, caller: &Caller, b: &BankAccount) -> MxResult<Record> {
    let snap = state.engine.snapshot(&target(caller, b)).await?;
    let account = state.store.account(caller.tenant, b.account_id).await?;
    Ok(bank_record(
        account.as_ref(),
        &snap.bank_account,
        micro_round(&snap.verifications),
    ))
}

/// A tenant's active bank account by ID alone.
async fn tenant_bank(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    raw: &str,
) -> MxResult<BankAccount> {
    match state.store.snapshot_by_id(id).await? {
        Some(s) if s.bank_account.tenant_id == caller.tenant => Ok(s.bank_account),
        _ => Err(MxError::not_found(format!("micro_deposit {raw} not found"))),
    }
}

/// Verifies with `deposit_amount_1`/`deposit_amount_2` (dollars, numbers or strings). A wrong
/// pair is not an error: the record answers DENIED (retries left) or PREVENTED.
async fn verify(
    state: &AppState,
    caller: &Caller,
    b: &BankAccount,
    m: &Map<String, Value>,
) -> MxResult<Record> {
    let mut amounts = [0i64; 2];
    for (slot, field) in amounts
        .iter_mut()
        .zip(["deposit_amount_1", "deposit_amount_2"])
    {
        let value = m
            .get(field)
            .filter(|v| !v.is_null())
            .ok_or_else(|| MxError::missing(format!("missing required parameter: {field}")))?;
        *slot = dollars_to_cents(value).map_err(|e| MxError::bad(format!("{field}: {}", e.0)))?;
    }
    match state
        .engine
        .complete_micro_deposits(&target(caller, b), amounts)
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
    record_of(state, caller, b).await
}
