//! The Finicity (Mastercard Open Finance US) micro-entry dialect: partner authentication,
//! initiate, details and verify, speaking Finicity's paths, headers, bodies and error codes on
//! top of the engine. Decisions are in `docs/finicity.md`; statuses in `docs/dialects.md`.

mod bodies;
mod error;
mod status;
mod wire;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::tz::TimeZone;
use jiff::SignedDuration;
use pennydrop_core::model::{VerificationKind, VerificationStatus};
use pennydrop_engine::access::{Caller, Session, TokenProblem};
use pennydrop_engine::rules::Refusal;
use pennydrop_engine::{EngineError, Holder, Target, Tenant};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{AppState, Peer};
pub(crate) use bodies::{decode_body, BODY_OPERATIONS};
pub use error::edge_error;
use error::{FinicityError, FinicityResult, NO_ROUNDS};

/// The scope stored on Finicity tokens; they grant nothing on the Moov routes.
const TOKEN_SCOPE: &str = "finicity";
/// Finicity tokens live two hours; Pennydrop does not extend them (request a new one).
const TOKEN_TTL: SignedDuration = SignedDuration::from_hours(2);
const APP_KEY: &str = "finicity-app-key";
const APP_TOKEN: &str = "finicity-app-token";
const MAX_CUSTOMER_ID: usize = 64;

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
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> FinicityResult<Json<Value>> {
    let app_key = header(&headers, APP_KEY).ok_or_else(missing_app_key)?;
    let (partner_id, partner_secret) = wire::decode_authentication(&body)?;
    let bad_credentials = || FinicityError::unauthorized("24302", "Bad credentials");
    if partner_id != app_key {
        return Err(bad_credentials());
    }
    let caller = state
        .engine
        .authenticate_from(&partner_id, &partner_secret, peer.0)
        .await?
        .ok_or_else(bad_credentials)?;
    let issued = state
        .engine
        .issue_token(&caller, vec![TOKEN_SCOPE.into()], TOKEN_TTL, "")
        .await?;
    Ok(Json(json!({ "token": issued.secret })))
}

/// A caller of the micro-entry routes: `Finicity-App-Key` and a live `Finicity-App-Token`
/// issued to that key.
pub struct Partner {
    caller: Caller,
}

/// The token must be a Finicity token of the presented app key; only then does its expiry
/// matter.
fn check_partner(session: &Session, app_key: &str) -> FinicityResult<()> {
    if !session.has_scope(TOKEN_SCOPE) {
        return Err(FinicityError::unauthorized(
            "10022",
            "Invalid (Finicity-App-Token)",
        ));
    }
    if session.caller.key.public_key != app_key {
        return Err(FinicityError::unauthorized(
            "10022",
            "Invalid (Finicity-App-Key): the token was issued to another app key",
        ));
    }
    Ok(())
}

impl FromRequestParts<AppState> for Partner {
    type Rejection = FinicityError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> FinicityResult<Self> {
        let app_key = header(&parts.headers, APP_KEY).ok_or_else(missing_app_key)?;
        let token = header(&parts.headers, APP_TOKEN).ok_or_else(|| {
            FinicityError::unauthorized("10024", "Missing parameter (Finicity-App-Token)")
        })?;
        let peer = crate::Peer::of(&parts.extensions);
        match state.engine.open_session_from(token, peer.0).await? {
            Ok(session) => {
                check_partner(&session, app_key)?;
                Ok(Partner {
                    caller: session.caller,
                })
            }
            Err(TokenProblem::Expired(session)) => {
                check_partner(&session, app_key)?;
                Err(FinicityError::unauthorized(
                    "10023",
                    "Expired (Finicity-App-Token)",
                ))
            }
            Err(TokenProblem::Unknown | TokenProblem::Revoked) => Err(FinicityError::unauthorized(
                "10022",
                "Invalid (Finicity-App-Token)",
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Customers and accounts.

fn check_customer_id(customer_id: &str) -> FinicityResult<()> {
    if customer_id.is_empty()
        || pennydrop_engine::input::check_text(customer_id, MAX_CUSTOMER_ID).is_err()
    {
        return Err(FinicityError::generic(format!(
            "customerId must be 1 to {MAX_CUSTOMER_ID} characters"
        )));
    }
    Ok(())
}

/// The bank account `account_id` of the customer `customer_id`, from the path.
async fn target(state: &AppState, tenant: Tenant, path: (&str, &str)) -> FinicityResult<Target> {
    let (customer_id, account_id) = path;
    let customer = state
        .engine
        .account_by_foreign_id(tenant, customer_id)
        .await?
        .ok_or_else(FinicityError::customer_not_found)?;
    let bank_account_id =
        Uuid::parse_str(account_id).map_err(|_| FinicityError::account_not_found())?;
    Ok(tenant.target(customer.account_id, bank_account_id))
}

/// The latest micro-deposit round of the bank account (404 when there is none).
async fn latest_round(
    state: &AppState,
    t: &Target,
) -> FinicityResult<(
    pennydrop_core::change::Snapshot,
    pennydrop_core::model::Verification,
)> {
    let snap = state.engine.snapshot(t).await?;
    let round = snap
        .latest(|v| v.kind == VerificationKind::MicroDeposits)
        .cloned()
        .ok_or_else(|| FinicityError::not_found(NO_ROUNDS))?;
    Ok((snap, round))
}

/// `2022-04-12T11:51:23`: UTC, no zone designator, as Finicity writes it.
fn no_zone(t: jiff::Timestamp) -> String {
    t.to_zoned(TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Initiate, details, verify.

/// An initiation refused about a bank account already linked: 409 when it is in progress or
/// verified, 400 otherwise; both name the account.
fn initiate_error(e: EngineError) -> FinicityError {
    match e {
        EngineError::RefusedOn {
            bank_account_id,
            refusal: r @ (Refusal::InProgress { .. } | Refusal::AlreadyVerified),
        } => FinicityError::conflict(format!("Account already exist: {r}"))
            .with("accountId", bank_account_id.to_string()),
        EngineError::RefusedOn {
            bank_account_id,
            refusal,
        } => FinicityError::bad_request(
            "3200001",
            format!("Microdeposits initiation failed: {refusal}"),
        )
        .with("accountId", bank_account_id.to_string()),
        other => FinicityError::from(other),
    }
}

/// `POST /microentry/v1/customers/{customerId}`: opens the customer on first use, links the
/// account and starts the micro entries, in one transaction.
async fn initiate(
    State(state): State<AppState>,
    Partner { caller }: Partner,
    Path(customer_id): Path<String>,
    body: Bytes,
) -> FinicityResult<Response> {
    check_customer_id(&customer_id)?;
    let request = wire::decode_initiation(&body)?;
    let tenant = caller.tenant();
    let holder = Holder::ForeignId {
        foreign_id: customer_id.clone(),
        open: request.customer,
    };
    let enrolled = match state
        .engine
        .enroll_micro_deposits(tenant, &holder, &request.link)
        .await
    {
        Ok(enrolled) => enrolled,
        // A refusal about an account already linked carries its recovery headers.
        Err(EngineError::RefusedOn {
            bank_account_id,
            refusal,
        }) => {
            let customer = state
                .engine
                .account_by_foreign_id(tenant, &customer_id)
                .await?;
            let answer = initiate_error(EngineError::RefusedOn {
                bank_account_id,
                refusal,
            });
            return Ok(match customer {
                Some(c) => {
                    let t = tenant.target(c.account_id, bank_account_id);
                    crate::recovery::with_headers(&state, &t, answer).await
                }
                None => answer.into_response(),
            });
        }
        Err(e) => return Err(initiate_error(e)),
    };
    let round = &enrolled.round;
    let answer = Json(json!({
        "accountId": enrolled.bank_account.bank_account_id.to_string(),
        "status": status::status(round),
        "depositCount": 2,
        "statusDescription": status::description(round),
        "railType": "ach",
    }));
    let t = tenant.target(
        enrolled.account.account_id,
        enrolled.bank_account.bank_account_id,
    );
    Ok(crate::recovery::with_headers(&state, &t, answer).await)
}

/// `GET /microentry/v1/customers/{customerId}/accounts/{accountId}`.
async fn details(
    State(state): State<AppState>,
    Partner { caller }: Partner,
    Path((customer_id, account_id)): Path<(String, String)>,
) -> FinicityResult<Response> {
    let t = target(&state, caller.tenant(), (&customer_id, &account_id)).await?;
    let (snap, round) = latest_round(&state, &t).await?;
    let answer = Json(json!({
        "status": status::status(&round),
        "statusDescription": status::description(&round),
        "creationDate": no_zone(round.created_on),
        "routingNumber": snap.bank_account.routing_number,
        "accountNumberLast4": snap.bank_account.last_four,
        "railType": "ach",
    }));
    Ok(crate::recovery::with_headers(&state, &t, answer).await)
}

/// A verify refusal, with the round's status as it is now.
fn verify_error(
    code: &'static str,
    message: String,
    round: &pennydrop_core::model::Verification,
) -> FinicityError {
    FinicityError::bad_request(code, message)
        .with("status", status::status(round))
        .with("statusDescription", status::description(round))
}

fn verify_refusal(r: Refusal, round: &pennydrop_core::model::Verification) -> FinicityError {
    match r {
        Refusal::WrongAmounts { attempts_left } => verify_error(
            "3200004",
            format!("Microdeposit amounts didn't match; {attempts_left} attempt(s) left"),
            round,
        ),
        Refusal::AmountAttemptsExhausted
        | Refusal::Ended {
            status: VerificationStatus::MaxAttemptsExceeded,
        } => verify_error(
            "3200003",
            "Microdeposit verification attempts exceeded".into(),
            round,
        ),
        Refusal::MicroDepositsNotSent => verify_error(
            "3200002",
            "Microdeposit is in Pending status: the micro entries have not been deposited yet (this did not count as an attempt)".into(),
            round,
        ),
        Refusal::Ended { .. } | Refusal::AlreadyVerified => verify_error(
            "3200002",
            format!("Microdeposit is in {} status", status::status(round)),
            round,
        ),
        other => FinicityError::from(EngineError::Refused(other)),
    }
}

/// `POST /microentry/v1/customers/{customerId}/accounts/{accountId}/amounts`.
async fn verify(
    State(state): State<AppState>,
    Partner { caller }: Partner,
    Path((customer_id, account_id)): Path<(String, String)>,
    body: Bytes,
) -> FinicityResult<Response> {
    let amounts = wire::decode_amounts(&body)?;
    let t = target(&state, caller.tenant(), (&customer_id, &account_id)).await?;
    let outcome = state.engine.complete_micro_deposits(&t, amounts).await;
    let (_, round) = latest_round(&state, &t).await?;
    let answer = match outcome {
        Ok(()) => Ok(Json(json!({
            "status": "Verified",
            "statusDescription": status::description(&round),
        }))),
        Err(EngineError::Refused(r)) => Err(verify_refusal(r, &round)),
        Err(other) => Err(FinicityError::from(other)),
    };
    Ok(crate::recovery::with_headers(&state, &t, answer).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn creation_dates_have_no_zone() {
        let t: jiff::Timestamp = "2026-11-23T15:00:00.123456Z".parse().unwrap();
        assert_eq!(no_zone(t), "2026-11-23T15:00:00");
    }

    #[test]
    fn a_conflict_names_the_account() {
        let id = Uuid::new_v4();
        let e = initiate_error(EngineError::RefusedOn {
            bank_account_id: id,
            refusal: Refusal::AlreadyVerified,
        });
        assert_eq!((e.http, e.code), (StatusCode::CONFLICT, "3100001"));
    }
}
