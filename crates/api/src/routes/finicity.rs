//! The Finicity (Mastercard Open Finance US) micro-entry dialect: partner authentication,
//! initiate, details and verify, speaking Finicity's paths, headers, bodies and error codes on
//! top of the same engine as the Moov routes. Decisions are in `docs/finicity.md`; the status
//! mapping is shared with the other dialects (`crate::dialects`).

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::tz::TimeZone;
use jiff::SignedDuration;
use pennydrop_core::crypto::{hash_secret, random_token};
use pennydrop_core::model::{
    AccessToken, Account, AccountType, ApiKey, Verification, VerificationKind, VerificationStatus,
};
use pennydrop_core::{AccountNumber, RoutingNumber};
use pennydrop_engine::rules::Refusal;
use pennydrop_engine::{EngineError, Target};
use pennydrop_store::{AccountFilter, StoreError};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::bank_accounts::{link_validated, validate, AccountDetails};
use crate::auth::{verify_key_pair, KeyPair};
use crate::dialects::{dollars_to_cents, finicity_status};
use crate::error::ApiError;
use crate::AppState;

/// The scope stored on Finicity tokens; they grant nothing on the Moov routes.
const TOKEN_SCOPE: &str = "finicity";
/// Finicity tokens live two hours; Pennydrop does not extend them (request a new one).
const TOKEN_TTL: SignedDuration = SignedDuration::from_hours(2);
const APP_KEY: &str = "finicity-app-key";
const APP_TOKEN: &str = "finicity-app-token";
const MAX_CUSTOMER_ID: usize = 64;
const MAX_NAME: usize = 64;
const MAX_MEMO: usize = 80;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/aggregation/v2/partners/authentication",
            post(authenticate),
        )
        .route("/microentry/v1/customers/{customer_id}", post(initiate))
        .route(
            "/microentry/v1/customers/{customer_id}/accounts/{account_id}",
            get(details),
        )
        .route(
            "/microentry/v1/customers/{customer_id}/accounts/{account_id}/amounts",
            post(verify),
        )
}

// ---------------------------------------------------------------------------------------------
// Errors: Finicity's `ErrorMessage` ({code, message}, code as a string like the spec's examples).

#[derive(Debug)]
pub struct FinicityError {
    http: StatusCode,
    code: &'static str,
    message: String,
    /// Extra fields: `accountId` on a conflict, `status`/`statusDescription` on verify errors.
    extra: Map<String, Value>,
}

impl FinicityError {
    fn new(http: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            http,
            code,
            message: message.into(),
            extra: Map::new(),
        }
    }

    fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(field.to_string(), value.into());
        self
    }

    fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    fn generic(detail: impl std::fmt::Display) -> Self {
        Self::bad_request("14020", format!("Bad request. ({detail})"))
    }

    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "14001", message)
    }

    fn customer_not_found() -> Self {
        Self::not_found("Customer not found.")
    }

    fn account_not_found() -> Self {
        Self::not_found("Resource not found.")
    }

    fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error (finicity)");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "3000000",
            "Micro entries can't be processed at this time due to technical difficulties. Please try after some time",
        )
    }
}

impl IntoResponse for FinicityError {
    fn into_response(self) -> Response {
        let mut body = Map::new();
        body.insert("code".into(), json!(self.code));
        body.insert("message".into(), json!(self.message));
        body.extend(self.extra);
        (self.http, Json(Value::Object(body))).into_response()
    }
}

impl From<StoreError> for FinicityError {
    fn from(e: StoreError) -> Self {
        Self::internal(e)
    }
}

impl From<ApiError> for FinicityError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotFound(_) => Self::account_not_found(),
            ApiError::Validation(v) => Self::generic(v.to_string()),
            ApiError::BadRequest(m) => Self::generic(m),
            ApiError::Conflict(m) => Self::new(StatusCode::CONFLICT, "3100001", m),
            ApiError::Unavailable(_) => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "3300001",
                "Too many request. Please try after some time",
            ),
            other => Self::internal(other),
        }
    }
}

type FinicityResult<T> = Result<T, FinicityError>;

// ---------------------------------------------------------------------------------------------
// Authentication.

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn missing_app_key() -> FinicityError {
    FinicityError::unauthorized("10026", "Missing parameter (Finicity-App-Key)")
}

/// `POST /aggregation/v2/partners/authentication`: partnerId = public key, partnerSecret =
/// secret key, `Finicity-App-Key` = the same public key.
async fn authenticate(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> FinicityResult<Json<Value>> {
    let app_key = header(&headers, APP_KEY).ok_or_else(missing_app_key)?;
    let value: Value = serde_json::from_slice(&body).map_err(|_| {
        FinicityError::bad_request("14020", "Bad request. (body must be a JSON object)")
    })?;
    let field = |name: &str| {
        value
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                FinicityError::bad_request("10005", format!("Missing parameter ({name})"))
            })
    };
    let partner_id = field("partnerId")?;
    let partner_secret = field("partnerSecret")?;
    let bad_credentials = || FinicityError::unauthorized("24302", "Bad credentials");
    if partner_id != app_key {
        return Err(bad_credentials());
    }
    let key = verify_key_pair(
        &state,
        KeyPair {
            public_key: partner_id,
            secret_key: partner_secret,
        },
    )
    .await
    .map_err(|e| match e {
        ApiError::Unauthorized(_) => bad_credentials(),
        other => FinicityError::from(other),
    })?;
    let token = random_token(32);
    let now = state.clock.now();
    state
        .store
        .insert_access_token(&AccessToken {
            token_hash: hash_secret(&token),
            public_key: key.public_key,
            scopes: vec![TOKEN_SCOPE.into()],
            created_on: now,
            expires_on: now.saturating_add(TOKEN_TTL).unwrap_or(now),
        })
        .await?;
    Ok(Json(json!({ "token": token })))
}

/// A caller of the micro-entry routes: `Finicity-App-Key` and a live `Finicity-App-Token`
/// issued to that key.
pub struct Partner {
    key: ApiKey,
}

impl FromRequestParts<AppState> for Partner {
    type Rejection = FinicityError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> FinicityResult<Self> {
        let app_key = header(&parts.headers, APP_KEY).ok_or_else(missing_app_key)?;
        let token = header(&parts.headers, APP_TOKEN).ok_or_else(|| {
            FinicityError::unauthorized("10024", "Missing parameter (Finicity-App-Token)")
        })?;
        let invalid = || FinicityError::unauthorized("10022", "Invalid (Finicity-App-Token)");
        let (token, key) = state
            .store
            .access_token(&hash_secret(token))
            .await?
            .ok_or_else(invalid)?;
        if key.revoked_on.is_some() || !token.scopes.iter().any(|s| s == TOKEN_SCOPE) {
            return Err(invalid());
        }
        if key.public_key != app_key {
            return Err(FinicityError::unauthorized(
                "10022",
                "Invalid (Finicity-App-Key): the token was issued to another app key",
            ));
        }
        if state.clock.now() >= token.expires_on {
            return Err(FinicityError::unauthorized(
                "10023",
                "Expired (Finicity-App-Token)",
            ));
        }
        Ok(Partner { key })
    }
}

// ---------------------------------------------------------------------------------------------
// Customers and accounts.

fn check_customer_id(customer_id: &str) -> FinicityResult<()> {
    if customer_id.is_empty()
        || customer_id.chars().count() > MAX_CUSTOMER_ID
        || customer_id.chars().any(char::is_control)
    {
        return Err(FinicityError::generic(format!(
            "customerId must be 1 to {MAX_CUSTOMER_ID} characters"
        )));
    }
    Ok(())
}

/// The tenant's account whose foreignID is `customer_id`.
async fn find_customer(
    state: &AppState,
    key: &ApiKey,
    customer_id: &str,
) -> FinicityResult<Option<Account>> {
    let filter = AccountFilter {
        foreign_id: Some(customer_id.to_string()),
        account_type: None,
    };
    Ok(state
        .store
        .list_accounts(key.account_id, &filter, 0, 1)
        .await?
        .into_iter()
        .next())
}

/// Creates the customer's account the first time it is used: an individual named after the
/// receiver, or a business for business* account types.
async fn create_customer(
    state: &AppState,
    key: &ApiKey,
    customer_id: &str,
    name: &str,
    business: bool,
) -> FinicityResult<Account> {
    let (account_type, profile) = if business {
        (
            AccountType::Business,
            json!({"business": {"legalBusinessName": name}}),
        )
    } else {
        let profile = match name.rsplit_once(' ') {
            Some((first, last)) => {
                json!({"individual": {"name": {"firstName": first.trim(), "lastName": last}}})
            }
            None => json!({"individual": {"name": {"firstName": name}}}),
        };
        (AccountType::Individual, profile)
    };
    let now = state.clock.now();
    let account = Account {
        account_id: Uuid::new_v4(),
        tenant_id: key.account_id,
        mode: key.mode,
        account_type,
        display_name: name.to_string(),
        profile,
        metadata: [("createdBy".to_string(), "finicity".to_string())]
            .into_iter()
            .collect(),
        foreign_id: Some(customer_id.to_string()),
        created_on: now,
        updated_on: now,
    };
    state.store.insert_account(&account).await?;
    tracing::info!(account_id = %account.account_id, "account created for a Finicity customer");
    Ok(account)
}

async fn target(
    state: &AppState,
    key: &ApiKey,
    customer_id: &str,
    account_id: &str,
) -> FinicityResult<Target> {
    let customer = find_customer(state, key, customer_id)
        .await?
        .ok_or_else(FinicityError::customer_not_found)?;
    let bank_account_id =
        Uuid::parse_str(account_id).map_err(|_| FinicityError::account_not_found())?;
    Ok(Target {
        tenant: key.account_id,
        mode: key.mode,
        account_id: customer.account_id,
        bank_account_id,
    })
}

/// The latest micro-deposit round of the bank account (404 when there is none).
async fn latest_round(state: &AppState, t: &Target) -> FinicityResult<Verification> {
    let snap = state.engine.snapshot(t).await.map_err(engine_error)?;
    snap.latest(|v| v.kind == VerificationKind::MicroDeposits)
        .cloned()
        .ok_or_else(|| {
            FinicityError::not_found("No micro entries were initiated for this account.")
        })
}

fn engine_error(e: EngineError) -> FinicityError {
    match e {
        EngineError::NotFound(_) => FinicityError::account_not_found(),
        EngineError::Refused(r) if r.is_not_found() => {
            FinicityError::not_found("No micro entries were initiated for this account.")
        }
        EngineError::Refused(r) => FinicityError::bad_request("3200001", r.to_string()),
        EngineError::Busy => FinicityError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "3300001",
            "Too many request. Please try after some time",
        ),
        other => FinicityError::internal(other),
    }
}

fn status_description(v: &Verification) -> String {
    let detail = v
        .exception_details
        .as_ref()
        .map(|d| format!(": {}", d.description))
        .unwrap_or_default();
    match finicity_status(v) {
        "Pending" => "Micro entries are in pending status: they are sent at the next ACH cutoff window".into(),
        "Completed" if v.failed_attempts > 0 => format!(
            "Micro entries are deposited to the customer's account; {} of {} verification attempts left",
            pennydrop_engine::rules::MICRO_DEPOSIT_ATTEMPTS.saturating_sub(v.failed_attempts),
            pennydrop_engine::rules::MICRO_DEPOSIT_ATTEMPTS
        ),
        "Completed" => "Micro entries are deposited to the customer's account and ready to verify".into(),
        "Verified" => "Micro entries are successfully verified".into(),
        "Returned" => format!("Micro entries got returned{detail}"),
        "Rejected" => format!("Micro entries got rejected{detail}"),
        "Failed" => "Micro entries failed: the verification attempts are exceeded".into(),
        "Expired" => "Micro entries expired: they remained unverified for 14 days".into(),
        other => format!("Micro entries are in {other} status"),
    }
}

/// `2022-04-12T11:51:23`: UTC, no zone designator, as Finicity writes it.
fn no_zone(t: jiff::Timestamp) -> String {
    t.to_zoned(TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Initiate.

/// Receiver.accountType → (business holder, bank account type).
fn account_type(raw: &str) -> Option<(bool, &'static str)> {
    Some(match raw.to_ascii_lowercase().as_str() {
        "personalchecking" | "checking" => (false, "checking"),
        "personalsavings" | "savings" => (false, "savings"),
        "businesschecking" => (true, "checking"),
        "businesssavings" => (true, "savings"),
        _ => return None,
    })
}

fn text_field<'a>(receiver: &'a Value, name: &str) -> FinicityResult<Option<&'a str>> {
    match receiver.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(FinicityError::generic(format!(
            "receiver.{name} must be a string"
        ))),
    }
}

struct Initiation {
    name: String,
    business: bool,
    bank_account_type: &'static str,
    routing: String,
    account_number: String,
}

fn parse_initiation(body: &Bytes) -> FinicityResult<Initiation> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| FinicityError::generic(format!("malformed JSON body: {e}")))?;
    if !value.is_object() {
        return Err(FinicityError::generic("the body must be a JSON object"));
    }
    if let Some(url) = value.get("callbackUrl").filter(|v| !v.is_null()) {
        let ok = url.as_str().is_some_and(|u| {
            (u.starts_with("https://") || u.starts_with("http://"))
                && u.len() > "https://".len()
                && !u.chars().any(|c| c.is_whitespace() || c.is_control())
        });
        if !ok {
            return Err(FinicityError::generic("callbackUrl must be an http(s) URL"));
        }
    }
    if let Some(id) = value.get("institutionLoginId").filter(|v| !v.is_null()) {
        if !id.is_string() && !id.is_number() {
            return Err(FinicityError::generic(
                "institutionLoginId must be a string",
            ));
        }
    }
    let receiver = value
        .get("receiver")
        .filter(|r| r.is_object())
        .ok_or_else(|| FinicityError::generic("receiver is required"))?;

    let raw_type = text_field(receiver, "accountType")?
        .ok_or_else(|| FinicityError::generic("receiver.accountType is required"))?;
    let (business, bank_account_type) = account_type(raw_type).ok_or_else(|| {
        FinicityError::generic(format!(
            "Account type not supported: {raw_type:?} is not one of personalChecking, businessChecking, personalSavings, businessSavings, checking, savings"
        ))
    })?;

    let routing = text_field(receiver, "routingNumber")?.unwrap_or("").trim();
    if let Err(e) = RoutingNumber::parse(routing) {
        return Err(FinicityError::bad_request(
            "20024",
            format!("Invalid routing number: {e}"),
        ));
    }
    // The account number itself never appears in a message.
    let account_number = text_field(receiver, "accountNumber")?.unwrap_or("").trim();
    if let Err(e) = AccountNumber::parse(account_number) {
        return Err(FinicityError::bad_request(
            "3000001",
            format!("Invalid account number: {e}"),
        ));
    }
    let name = text_field(receiver, "name")?.unwrap_or("").trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(FinicityError::generic(format!(
            "receiver.name is required: 1 to {MAX_NAME} characters"
        )));
    }
    if let Some(memo) = text_field(receiver, "memo")? {
        if memo.chars().count() > MAX_MEMO || memo.chars().any(|c| !(' '..='~').contains(&c)) {
            return Err(FinicityError::bad_request(
                "3000003",
                format!("Invalid memo: at most {MAX_MEMO} printable ASCII characters"),
            ));
        }
    }
    Ok(Initiation {
        name: name.to_string(),
        business,
        bank_account_type,
        routing: routing.to_string(),
        account_number: account_number.to_string(),
    })
}

/// Maps a link validation failure (`{"account": "..."}`) to Finicity's field codes.
fn link_error(e: ApiError) -> FinicityError {
    match e {
        ApiError::Validation(v) => {
            let message = v
                .get("account")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            if message.contains("routingNumber") {
                FinicityError::bad_request("20024", format!("Invalid routing number: {message}"))
            } else if message.contains("accountNumber") {
                FinicityError::bad_request("3000001", "Invalid account number")
            } else {
                FinicityError::generic(message)
            }
        }
        other => FinicityError::from(other),
    }
}

/// `POST /microentry/v1/customers/{customerId}`.
async fn initiate(
    State(state): State<AppState>,
    Partner { key }: Partner,
    Path(customer_id): Path<String>,
    body: Bytes,
) -> FinicityResult<Json<Value>> {
    check_customer_id(&customer_id)?;
    let request = parse_initiation(&body)?;
    let details = validate(AccountDetails {
        holder_name: Some(request.name.clone()),
        holder_type: Some(
            if request.business {
                "business"
            } else {
                "individual"
            }
            .into(),
        ),
        account_number: Some(request.account_number),
        bank_account_type: Some(request.bank_account_type.into()),
        routing_number: Some(request.routing),
    })
    .map_err(link_error)?;
    let customer = match find_customer(&state, &key, &customer_id).await? {
        Some(c) => c,
        None => {
            create_customer(&state, &key, &customer_id, &request.name, request.business).await?
        }
    };
    let bank_account = link_validated(&state, key.account_id, customer.account_id, details)
        .await
        .map_err(link_error)?;
    let t = Target {
        tenant: key.account_id,
        mode: key.mode,
        account_id: customer.account_id,
        bank_account_id: bank_account.bank_account_id,
    };
    let account_id = bank_account.bank_account_id.to_string();
    if let Err(e) = state.engine.initiate_micro_deposits(&t).await {
        return Err(match e {
            EngineError::Refused(r @ (Refusal::InProgress { .. } | Refusal::AlreadyVerified)) => {
                FinicityError::new(
                    StatusCode::CONFLICT,
                    "3100001",
                    format!("Account already exist: {r}"),
                )
                .with("accountId", account_id)
            }
            EngineError::Refused(r) => FinicityError::bad_request(
                "3200001",
                format!("Microdeposits initiation failed: {r}"),
            )
            .with("accountId", account_id),
            other => engine_error(other),
        });
    }
    tracing::info!(bank_account_id = %t.bank_account_id, "micro-deposits initiated (finicity)");
    let round = latest_round(&state, &t).await?;
    Ok(Json(json!({
        "accountId": account_id,
        "status": finicity_status(&round),
        "depositCount": 2,
        "statusDescription": status_description(&round),
        "railType": "ach",
    })))
}

// ---------------------------------------------------------------------------------------------
// Details.

/// `GET /microentry/v1/customers/{customerId}/accounts/{accountId}`.
async fn details(
    State(state): State<AppState>,
    Partner { key }: Partner,
    Path((customer_id, account_id)): Path<(String, String)>,
) -> FinicityResult<Json<Value>> {
    let t = target(&state, &key, &customer_id, &account_id).await?;
    let snap = state.engine.snapshot(&t).await.map_err(engine_error)?;
    let round = snap
        .latest(|v| v.kind == VerificationKind::MicroDeposits)
        .ok_or_else(|| {
            FinicityError::not_found("No micro entries were initiated for this account.")
        })?;
    Ok(Json(json!({
        "status": finicity_status(round),
        "statusDescription": status_description(round),
        "creationDate": no_zone(round.created_on),
        "routingNumber": snap.bank_account.routing_number,
        "accountNumberLast4": snap.bank_account.last_four,
        "railType": "ach",
    })))
}

// ---------------------------------------------------------------------------------------------
// Verify.

fn invalid_amounts(detail: impl std::fmt::Display) -> FinicityError {
    FinicityError::bad_request("3000003", format!("Invalid amount format: {detail}"))
}

/// `{"amounts": [0.12, 0.15]}`: exactly two dollar amounts, numbers or strings, whole cents.
fn parse_amounts(body: &Bytes) -> FinicityResult<[i64; 2]> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| FinicityError::generic(format!("malformed JSON body: {e}")))?;
    let list = value
        .get("amounts")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            invalid_amounts("amounts must be a list of two dollar amounts, e.g. [0.12, 0.15]")
        })?;
    if list.len() != 2 {
        return Err(invalid_amounts(format!(
            "exactly two amounts are needed, got {}",
            list.len()
        )));
    }
    let mut out = [0i64; 2];
    for (slot, item) in out.iter_mut().zip(list) {
        *slot = dollars_to_cents(item).map_err(|e| invalid_amounts(e.0))?;
    }
    Ok(out)
}

/// A verify refusal, with the round's status as it is now.
fn verify_error(code: &'static str, message: String, round: &Verification) -> FinicityError {
    FinicityError::bad_request(code, message)
        .with("status", finicity_status(round))
        .with("statusDescription", status_description(round))
}

/// `POST /microentry/v1/customers/{customerId}/accounts/{accountId}/amounts`.
async fn verify(
    State(state): State<AppState>,
    Partner { key }: Partner,
    Path((customer_id, account_id)): Path<(String, String)>,
    body: Bytes,
) -> FinicityResult<Json<Value>> {
    let amounts = parse_amounts(&body)?;
    let t = target(&state, &key, &customer_id, &account_id).await?;
    let outcome = state.engine.complete_micro_deposits(&t, amounts).await;
    let round = latest_round(&state, &t).await?;
    match outcome {
        Ok(()) => Ok(Json(json!({
            "status": "Verified",
            "statusDescription": status_description(&round),
        }))),
        Err(EngineError::Refused(r)) => Err(match r {
            Refusal::WrongAmounts { attempts_left } => verify_error(
                "3200004",
                format!("Microdeposit amounts didn't match; {attempts_left} attempt(s) left"),
                &round,
            ),
            Refusal::AmountAttemptsExhausted
            | Refusal::Ended {
                status: VerificationStatus::MaxAttemptsExceeded,
            } => verify_error(
                "3200003",
                "Microdeposit verification attempts exceeded".into(),
                &round,
            ),
            Refusal::MicroDepositsNotSent => verify_error(
                "3200002",
                "Microdeposit is in Pending status: the micro entries have not been deposited yet (this did not count as an attempt)".into(),
                &round,
            ),
            Refusal::Ended { .. } | Refusal::AlreadyVerified => verify_error(
                "3200002",
                format!("Microdeposit is in {} status", finicity_status(&round)),
                &round,
            ),
            other => engine_error(EngineError::Refused(other)),
        }),
        Err(other) => Err(engine_error(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_types_are_case_insensitive() {
        assert_eq!(account_type("personalChecking"), Some((false, "checking")));
        assert_eq!(account_type("Checking"), Some((false, "checking")));
        assert_eq!(account_type("BUSINESSSAVINGS"), Some((true, "savings")));
        assert_eq!(account_type("savings"), Some((false, "savings")));
        assert_eq!(account_type("loan"), None);
    }

    #[test]
    fn amounts_are_two_dollar_values() {
        let ok = |s: &str| parse_amounts(&Bytes::from(s.to_string())).unwrap();
        assert_eq!(ok(r#"{"amounts":[0.12,0.15]}"#), [12, 15]);
        assert_eq!(ok(r#"{"amounts":["0.12","0.05"]}"#), [12, 5]);
        for bad in [
            r#"{"amounts":[0.075,0.1]}"#,
            r#"{"amounts":[-0.01,0.1]}"#,
            r#"{"amounts":["x",0.1]}"#,
            r#"{"amounts":[0.1]}"#,
            r#"{"amounts":[0.1,0.1,0.1]}"#,
            r#"{"amounts":"0.1,0.1"}"#,
            r#"{}"#,
        ] {
            let e = parse_amounts(&Bytes::from(bad.to_string())).unwrap_err();
            assert_eq!(e.code, "3000003", "{bad}");
        }
        assert_eq!(
            parse_amounts(&Bytes::from_static(b"{")).unwrap_err().code,
            "14020"
        );
    }

    #[test]
    fn creation_dates_have_no_zone() {
        let t: jiff::Timestamp = "2026-11-23T15:00:00.123456Z".parse().unwrap();
        assert_eq!(no_zone(t), "2026-11-23T15:00:00");
    }
}
