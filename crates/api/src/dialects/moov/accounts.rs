//! Moov accounts: a tenant creates accounts for its users and sees only its own.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::Json;
use pennydrop_core::model::{Account, AccountType};
use pennydrop_core::scope::Scope;
use pennydrop_engine::accounts::split_name;
use pennydrop_engine::ports::AccountFilter;
use pennydrop_engine::{input, NewAccount};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

use super::auth::Principal;
use super::error::{ApiError, ApiResult};
use super::{path_id, rfc3339};
use crate::json::BodyError;
use crate::AppState;

pub(super) const MAX_NAME: usize = 64;
const DEFAULT_COUNT: i64 = 20;
const MAX_COUNT: i64 = 250;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateAccount {
    account_type: Option<AccountType>,
    profile: Option<CreateProfile>,
    metadata: Option<BTreeMap<String, String>>,
    #[serde(rename = "foreignID")]
    foreign_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CreateProfile {
    individual: Option<IndividualProfile>,
    business: Option<BusinessProfile>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndividualProfile {
    name: Option<IndividualName>,
    email: Option<String>,
    phone: Option<Phone>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct IndividualName {
    pub(super) first_name: Option<String>,
    pub(super) middle_name: Option<String>,
    pub(super) last_name: Option<String>,
    pub(super) suffix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Phone {
    pub(super) number: Option<String>,
    pub(super) country_code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BusinessProfile {
    legal_business_name: Option<String>,
    doing_business_as: Option<String>,
    email: Option<String>,
    website: Option<String>,
    phone: Option<Phone>,
}

/// Where Moov's `CreateAccountError` has an object, not a message: a message about such a field
/// itself (missing, wrong type) goes under its `error` key, so the body keeps the schema's shape.
const OBJECT_NODES: &[&str] = &[
    "",
    "profile",
    "profile.individual",
    "profile.business",
    "profile.individual.name",
    "profile.individual.phone",
    "profile.business.phone",
    "profile.individual.address",
    "profile.business.address",
    "profile.individual.birthDate",
    "profile.individual.governmentID",
    "customerSupport",
    "customerSupport.phone",
    "customerSupport.address",
    "termsOfService",
    "termsOfService.manual",
    "settings",
    "capabilities",
];

/// A 422 in Moov's `{"error": CreateAccountError}` shape, nested along the field's path.
pub(super) fn field_error(path: &str, message: impl Into<String>) -> ApiError {
    let path = path.trim_matches('.');
    let mut message = message.into();
    // `metadata` is one string in the error: a problem with one of its entries names the entry.
    let path = if let Some(entry) = path.strip_prefix("metadata.") {
        message = format!("{entry}: {message}");
        "metadata".to_string()
    } else if OBJECT_NODES.contains(&path) {
        format!("{path}.error")
    } else {
        path.to_string()
    };
    let mut value = Value::String(message);
    for segment in path.trim_start_matches('.').rsplit('.') {
        let mut m = serde_json::Map::new();
        m.insert(segment.to_string(), value);
        value = Value::Object(m);
    }
    ApiError::Validation(json!({ "error": value }))
}

pub(super) fn required_text(value: Option<String>, path: &str, max: usize) -> ApiResult<String> {
    let text = value.map(|s| s.trim().to_string()).unwrap_or_default();
    if text.is_empty() {
        return Err(field_error(path, "is required"));
    }
    optional_text(Some(text), path, max).map(|t| t.unwrap_or_default())
}

pub(super) fn optional_text(
    value: Option<String>,
    path: &str,
    max: usize,
) -> ApiResult<Option<String>> {
    match value.map(|s| s.trim().to_string()) {
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => match input::check_text(&s, max) {
            Ok(()) => Ok(Some(s)),
            Err(problem) => Err(field_error(path, problem.to_string())),
        },
        None => Ok(None),
    }
}

/// A business's website: an absolute http(s) URL in ASCII (Moov's `format: uri`).
pub(super) fn website(value: Option<String>, path: &str) -> ApiResult<Option<String>> {
    let site = optional_text(value, path, 100)?;
    if let Some(s) = &site {
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"));
        if !rest.is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_graphic())) {
            return Err(field_error(
                path,
                format!("{s:?} is not a website address: send an http(s) URL such as https://example.com"),
            ));
        }
    }
    Ok(site)
}

pub(super) fn email(value: Option<String>, path: &str) -> ApiResult<Option<String>> {
    let email = optional_text(value, path, input::MAX_EMAIL)?;
    if let Some(e) = &email {
        if input::check_email(e).is_err() {
            return Err(field_error(path, format!("{e:?} is not an email address")));
        }
    }
    Ok(email)
}

pub(super) fn phone(value: Option<Phone>, path: &str) -> ApiResult<Option<Value>> {
    let Some(p) = value else { return Ok(None) };
    let number = optional_text(p.number, &format!("{path}.number"), 10)?;
    if number
        .as_deref()
        .is_some_and(|n| !n.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(field_error(
            &format!("{path}.number"),
            "must be digits only",
        ));
    }
    let country_code = optional_text(p.country_code, &format!("{path}.countryCode"), 1)?;
    Ok(Some(json!({"number": number, "countryCode": country_code})))
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Validates the profile against the account type; returns (profile JSON, display name).
fn validate_profile(
    account_type: AccountType,
    profile: Option<CreateProfile>,
) -> ApiResult<(Value, String)> {
    let profile = profile.ok_or_else(|| field_error("profile", "is required"))?;
    match account_type {
        AccountType::Individual => {
            if profile.business.is_some() {
                return Err(field_error(
                    "profile.business",
                    "not allowed for an individual account",
                ));
            }
            let individual = profile.individual.ok_or_else(|| {
                field_error(
                    "profile.individual",
                    "is required for an individual account",
                )
            })?;
            let name = individual
                .name
                .ok_or_else(|| field_error("profile.individual.name", "is required"))?;
            let first = required_text(
                name.first_name,
                "profile.individual.name.firstName",
                MAX_NAME,
            )?;
            let middle = optional_text(
                name.middle_name,
                "profile.individual.name.middleName",
                MAX_NAME,
            )?;
            let last = required_text(name.last_name, "profile.individual.name.lastName", MAX_NAME)?;
            let suffix = optional_text(name.suffix, "profile.individual.name.suffix", 20)?;
            let email = email(individual.email, "profile.individual.email")?;
            let phone = phone(individual.phone, "profile.individual.phone")?;
            let display = format!("{first} {last}");
            let value = json!({"individual": {
                "name": {"firstName": first, "middleName": middle, "lastName": last, "suffix": suffix},
                "email": email,
                "phone": phone,
            }});
            Ok((strip_nulls(value), display))
        }
        AccountType::Business => {
            if profile.individual.is_some() {
                return Err(field_error(
                    "profile.individual",
                    "not allowed for a business account",
                ));
            }
            let business = profile.business.ok_or_else(|| {
                field_error("profile.business", "is required for a business account")
            })?;
            validate_business(business)
        }
    }
}

fn validate_business(business: BusinessProfile) -> ApiResult<(Value, String)> {
    let legal = required_text(
        business.legal_business_name,
        "profile.business.legalBusinessName",
        MAX_NAME,
    )?;
    let dba = optional_text(
        business.doing_business_as,
        "profile.business.doingBusinessAs",
        MAX_NAME,
    )?;
    let email = email(business.email, "profile.business.email")?;
    let website = website(business.website, "profile.business.website")?;
    let phone = phone(business.phone, "profile.business.phone")?;
    let display = dba.clone().unwrap_or_else(|| legal.clone());
    // Owners are never declared through Pennydrop; Moov's Account requires the flag.
    let value = json!({"business": {
        "legalBusinessName": legal,
        "doingBusinessAs": dba,
        "email": email,
        "website": website,
        "phone": phone,
        "ownersProvided": false,
    }});
    Ok((strip_nulls(value), display))
}

/// The stored profile with every field Moov's `Account` schema requires (and the official
/// SDKs check): accounts opened by other dialects, the facilitator account and rows written by
/// earlier releases may lack a name, a legal name or `ownersProvided`; these come from the
/// display name, or `false`.
fn moov_profile(a: &Account) -> Value {
    let mut profile = a.profile.clone();
    if !profile.is_object() {
        profile = json!({});
    }
    match a.account_type {
        AccountType::Individual => {
            let (first, last) = split_name(&a.display_name);
            let individual = &mut profile["individual"];
            if !individual.is_object() {
                *individual = json!({});
            }
            let name = &mut individual["name"];
            if !name.is_object() {
                *name = json!({});
            }
            if !name["firstName"].is_string() {
                name["firstName"] = json!(first);
            }
            if !name["lastName"].is_string() {
                name["lastName"] = json!(last.unwrap_or_default());
            }
        }
        AccountType::Business => {
            let business = &mut profile["business"];
            if !business.is_object() {
                *business = json!({});
            }
            if !business["legalBusinessName"].is_string() {
                business["legalBusinessName"] = json!(a.display_name);
            }
            if !business["ownersProvided"].is_boolean() {
                business["ownersProvided"] = json!(false);
            }
        }
    }
    profile
}

pub(super) fn checked_metadata(
    metadata: BTreeMap<String, String>,
) -> ApiResult<BTreeMap<String, String>> {
    if metadata.len() > 50 || metadata.iter().any(|(k, v)| k.len() > 64 || v.len() > 500) {
        return Err(field_error(
            "metadata",
            "at most 50 keys of up to 64 characters, values up to 500",
        ));
    }
    Ok(metadata)
}

pub(crate) fn account_json(a: &Account) -> Value {
    let mut v = json!({
        "accountID": a.account_id,
        "mode": a.mode,
        "accountType": a.account_type,
        "displayName": a.display_name,
        "profile": moov_profile(a),
        "verification": {"verificationStatus": "unverified", "status": "unverified"},
        "capabilities": [],
        "createdOn": rfc3339(a.created_on),
        "updatedOn": rfc3339(a.updated_on),
    });
    if !a.metadata.is_empty() {
        v["metadata"] = json!(a.metadata);
    }
    if let Some(f) = &a.foreign_id {
        v["foreignID"] = json!(f);
    }
    v
}

pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    principal.require(Scope::AccountsWrite)?;
    let new = decode_create(&body)?;
    let account = state.engine.open_account(principal.tenant(), new).await?;
    Ok(Json(account_json(&account)))
}

/// `POST /accounts`' body, checked, as the engine takes it.
pub(crate) fn decode_create(body: &Bytes) -> ApiResult<NewAccount> {
    let request: CreateAccount = crate::json::parse(body).map_err(|e| match e {
        BodyError::Malformed(m) => ApiError::BadRequest(m),
        BodyError::Field { path, message } => field_error(&path, message),
    })?;
    let account_type = request.account_type.ok_or_else(|| {
        field_error(
            "accountType",
            format!("is required: one of {}", AccountType::expected()),
        )
    })?;
    let (profile, display_name) = validate_profile(account_type, request.profile)?;
    let foreign_id = optional_text(request.foreign_id, "foreignID", 64)?;
    let metadata = checked_metadata(request.metadata.unwrap_or_default())?;
    // Accounts take their facilitator's mode; a `mode` in the body is ignored, as Moov does.
    Ok(NewAccount {
        account_type,
        profile,
        display_name,
        metadata,
        foreign_id,
    })
}

pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path(account_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::ProfileRead(account_id))?;
    let account = state.engine.account(principal.tenant(), account_id).await?;
    Ok(Json(account_json(&account)))
}

fn query_int(
    query: &HashMap<String, String>,
    name: &str,
    default: i64,
    max: i64,
) -> ApiResult<i64> {
    match query.get(name) {
        None => Ok(default),
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if (0..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::BadRequest(format!(
                "{name} must be an integer from 0 to {max}, got {raw:?}"
            ))),
        },
    }
}

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    principal.require(Scope::AccountsRead)?;
    let count = query_int(&query, "count", DEFAULT_COUNT, MAX_COUNT)?;
    let skip = query_int(&query, "skip", 0, i64::MAX)?;
    let account_type = match query.get("type") {
        None => None,
        Some(t) => Some(AccountType::parse(t).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "type must be one of {}, got {t:?}",
                AccountType::expected()
            ))
        })?),
    };
    let filter = AccountFilter {
        foreign_id: query.get("foreignID").cloned(),
        account_type,
    };
    let accounts = state
        .engine
        .list_accounts(principal.tenant(), &filter, skip, count)
        .await?;
    Ok(Json(Value::Array(
        accounts.iter().map(account_json).collect(),
    )))
}
