//! Micro-deposits and instant verification, Moov's way.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use pennydrop_core::model::{Verification, VerificationKind};
use pennydrop_core::scope::Scope;
use pennydrop_engine::{rules, Target};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::Principal;
use super::error::{ApiError, ApiResult};
use super::path_id;
use crate::amounts::AmountText;
use crate::json::BodyError;
use crate::recovery;
use crate::AppState;

fn target(
    principal: &Principal,
    account_id: &str,
    bank_account_id: &str,
    scope: fn(uuid::Uuid) -> Scope,
) -> ApiResult<Target> {
    let account_id = path_id(account_id, "account")?;
    principal.require(scope(account_id))?;
    let bank_account_id = path_id(bank_account_id, "bank account")?;
    Ok(principal.tenant().target(account_id, bank_account_id))
}

pub async fn initiate_micro_deposits(
    State(state): State<AppState>,
    principal: Principal,
    Path((account_id, bank_account_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let t = target(
        &principal,
        &account_id,
        &bank_account_id,
        Scope::BankAccountsWrite,
    )?;
    let result = state.engine.initiate_micro_deposits(&t).await;
    if result.is_ok() {
        tracing::info!(bank_account_id = %t.bank_account_id, "micro-deposits initiated");
    }
    let answer = result
        .map(|()| StatusCode::NO_CONTENT)
        .map_err(ApiError::from);
    Ok(recovery::with_headers(&state, &t, answer).await)
}

/// `PUT .../micro-deposits`.
#[derive(Debug, Deserialize)]
struct CompleteMicroDeposits {
    amounts: Option<Vec<AmountText>>,
}

/// `PUT .../verify`.
#[derive(Debug, Deserialize)]
struct CompleteInstant {
    code: Option<String>,
}

/// `{"amounts": [a, b]}`: exactly two whole numbers of cents, each a possible micro-deposit.
pub(crate) fn decode_amounts(body: &Bytes) -> ApiResult<[i64; 2]> {
    let invalid = |m: &str| ApiError::validation("amounts", m.to_string());
    let request: CompleteMicroDeposits = crate::json::parse(body).map_err(|e| match e {
        BodyError::Malformed(m) => ApiError::BadRequest(m),
        other => invalid(&format!(
            "{}; amounts must be two whole numbers of cents, e.g. [18, 21] for $0.18 and $0.21",
            other.describe()
        )),
    })?;
    let list = request
        .amounts
        .ok_or_else(|| invalid("amounts is required: two integers in cents, e.g. [18, 21]"))?;
    let [a, b] = &list[..] else {
        return Err(invalid(&format!(
            "amounts must hold exactly two integers in cents, got {}",
            list.len()
        )));
    };
    let max = rules::MICRO_DEPOSIT_ANSWER_MAX_CENTS;
    let cents = |i: usize, amount: &AmountText| {
        amount.whole_cents().map_err(|e| {
            invalid(&format!(
                "amounts[{i}]: {}; each amount must be from 0 to {max} cents",
                e.0
            ))
        })
    };
    Ok([cents(0, a)?, cents(1, b)?])
}

pub async fn complete_micro_deposits(
    State(state): State<AppState>,
    principal: Principal,
    Path((account_id, bank_account_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let t = target(
        &principal,
        &account_id,
        &bank_account_id,
        Scope::BankAccountsWrite,
    )?;
    let answer = async {
        let amounts = decode_amounts(&body)?;
        state.engine.complete_micro_deposits(&t, amounts).await?;
        ApiResult::Ok(Json(json!({"status": "verified"})))
    }
    .await;
    Ok(recovery::with_headers(&state, &t, answer).await)
}

fn method(v: &Verification) -> &'static str {
    match v.kind {
        VerificationKind::InstantAch => "ach",
        VerificationKind::Instant | VerificationKind::MicroDeposits => "instant",
    }
}

fn verification_json(v: &Verification) -> Value {
    let mut out = json!({"verificationMethod": method(v), "status": v.status});
    if let Some(d) = &v.exception_details {
        out["exceptionDetails"] = json!(d);
    }
    out
}

pub async fn initiate_instant(
    State(state): State<AppState>,
    principal: Principal,
    Path((account_id, bank_account_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let t = target(
        &principal,
        &account_id,
        &bank_account_id,
        Scope::BankAccountsWrite,
    )?;
    let wait = super::waits_for(&headers, "rail-response");
    let answer = async {
        let v = state.engine.initiate_instant(&t, wait).await?;
        tracing::info!(bank_account_id = %t.bank_account_id, method = method(&v), "instant verification initiated");
        ApiResult::Ok(Json(verification_json(&v)))
    }
    .await;
    Ok(recovery::with_headers(&state, &t, answer).await)
}

pub async fn get_instant(
    State(state): State<AppState>,
    principal: Principal,
    Path((account_id, bank_account_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let t = target(
        &principal,
        &account_id,
        &bank_account_id,
        Scope::BankAccountsRead,
    )?;
    let answer = state
        .engine
        .instant_verification(&t)
        .await
        .map(|v| Json(verification_json(&v)))
        .map_err(ApiError::from);
    Ok(recovery::with_headers(&state, &t, answer).await)
}

pub async fn complete_instant(
    State(state): State<AppState>,
    principal: Principal,
    Path((account_id, bank_account_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let t = target(
        &principal,
        &account_id,
        &bank_account_id,
        Scope::BankAccountsWrite,
    )?;
    let answer = complete_instant_answer(&state, &t, &body).await;
    Ok(recovery::with_headers(&state, &t, answer).await)
}

async fn complete_instant_answer(
    state: &AppState,
    t: &Target,
    body: &Bytes,
) -> ApiResult<Json<Value>> {
    let code = decode_instant_code(body)?;
    let v = state.engine.complete_instant(t, &code).await?;
    Ok(Json(verification_json(&v)))
}

/// `PUT .../verify`'s body: the code, as the engine takes it.
pub(crate) fn decode_instant_code(body: &Bytes) -> ApiResult<String> {
    let request: CompleteInstant = crate::json::parse(body).map_err(|e| match e {
        BodyError::Malformed(m) => ApiError::BadRequest(m),
        other => ApiError::validation("error", other.describe()),
    })?;
    let raw = request.code.ok_or_else(|| {
        ApiError::validation(
            "error",
            "code is required: the 4 digits after MV on the statement, e.g. \"MV1234\"",
        )
    })?;
    rules::parse_code(&raw).ok_or_else(|| {
        ApiError::validation(
            "error",
            "code must be 4 digits, optionally prefixed with MV (MV1234, mv1234 or 1234)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amounts(s: &str) -> ApiResult<[i64; 2]> {
        decode_amounts(&Bytes::from(s.to_string()))
    }

    #[test]
    fn amounts_are_two_cent_values() {
        assert_eq!(amounts(r#"{"amounts":[18,21]}"#).unwrap(), [18, 21]);
        assert_eq!(amounts(r#"{"amounts":[0,0]}"#).unwrap(), [0, 0]);
        for bad in [
            r#"{"amounts":[18]}"#,
            r#"{"amounts":[18,21,3]}"#,
            r#"{"amounts":[18.5,21]}"#,
            r#"{"amounts":["18",21]}"#,
            r#"{"amounts":[-1,21]}"#,
            r#"{"amounts":[100,21]}"#,
            r#"{"amounts":"18,21"}"#,
            r#"{}"#,
        ] {
            match amounts(bad) {
                Err(ApiError::Validation(v)) => assert!(v["amounts"].is_string(), "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(matches!(amounts("{"), Err(ApiError::BadRequest(_))));
    }
}
