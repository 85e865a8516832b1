//! Moov's `PATCH /accounts/{accountID}` (update) and `DELETE /accounts/{accountID}`
//! (disconnect): decoding and encoding only; [`pennydrop_engine::account_updates`] decides.
//!
//! Patch semantics for the fields Pennydrop stores: a field that is absent or `null` stays as
//! it is; an empty string removes an optional field (and is refused for a required one);
//! `metadata` replaces the whole map (`null` clears it); `foreignID` replaces it (`""` removes
//! it). Fields Pennydrop does not keep (addresses, birth dates, tax IDs, terms of service,
//! settings...) are accepted and ignored, as on create.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use pennydrop_core::scope::Scope;
use pennydrop_engine::AccountUpdate;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::accounts::{
    account_json, checked_metadata, email, field_error, optional_text, phone, required_text,
    website, IndividualName, Phone, MAX_NAME,
};
use super::auth::Principal;
use super::error::{ApiError, ApiResult};
use super::path_id;
use crate::json::BodyError;
use crate::AppState;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchAccount {
    profile: Option<PatchProfile>,
    #[serde(default, deserialize_with = "present")]
    metadata: Option<Option<BTreeMap<String, String>>>,
    #[serde(rename = "foreignID")]
    foreign_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PatchProfile {
    individual: Option<PatchIndividual>,
    business: Option<PatchBusiness>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchIndividual {
    name: Option<IndividualName>,
    email: Option<String>,
    phone: Option<Phone>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchBusiness {
    legal_business_name: Option<String>,
    doing_business_as: Option<String>,
    email: Option<String>,
    website: Option<String>,
    phone: Option<Phone>,
    owners_provided: Option<bool>,
}

/// `Some(None)` for an explicit `null`, `None` (by `default`) when the field is absent.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// One text field of the patch: absent leaves it, `""` removes it (422 if it is required),
/// anything else is checked and set.
fn patch_text(
    out: &mut Map<String, Value>,
    key: &str,
    value: Option<String>,
    path: &str,
    max: usize,
    required: bool,
) -> ApiResult<()> {
    let Some(raw) = value else { return Ok(()) };
    let change = if required {
        Value::String(required_text(Some(raw), path, max)?)
    } else {
        optional_text(Some(raw), path, max)?.map_or(Value::Null, Value::String)
    };
    out.insert(key.to_string(), change);
    Ok(())
}

fn patch_email(out: &mut Map<String, Value>, value: Option<String>, path: &str) -> ApiResult<()> {
    if let Some(raw) = value {
        out.insert(
            "email".into(),
            email(Some(raw), path)?.map_or(Value::Null, Value::String),
        );
    }
    Ok(())
}

fn patch_phone(out: &mut Map<String, Value>, value: Option<Phone>, path: &str) -> ApiResult<()> {
    if let Some(p) = phone(value, path)? {
        out.insert("phone".into(), p);
    }
    Ok(())
}

fn individual_patch(p: PatchIndividual) -> ApiResult<Value> {
    let mut out = Map::new();
    if let Some(n) = p.name {
        let mut name = Map::new();
        let path = "profile.individual.name";
        patch_text(
            &mut name,
            "firstName",
            n.first_name,
            &format!("{path}.firstName"),
            MAX_NAME,
            true,
        )?;
        patch_text(
            &mut name,
            "middleName",
            n.middle_name,
            &format!("{path}.middleName"),
            MAX_NAME,
            false,
        )?;
        patch_text(
            &mut name,
            "lastName",
            n.last_name,
            &format!("{path}.lastName"),
            MAX_NAME,
            true,
        )?;
        patch_text(
            &mut name,
            "suffix",
            n.suffix,
            &format!("{path}.suffix"),
            20,
            false,
        )?;
        out.insert("name".into(), Value::Object(name));
    }
    patch_email(&mut out, p.email, "profile.individual.email")?;
    patch_phone(&mut out, p.phone, "profile.individual.phone")?;
    Ok(Value::Object(out))
}

fn business_patch(p: PatchBusiness) -> ApiResult<Value> {
    let mut out = Map::new();
    let path = "profile.business";
    patch_text(
        &mut out,
        "legalBusinessName",
        p.legal_business_name,
        &format!("{path}.legalBusinessName"),
        MAX_NAME,
        true,
    )?;
    patch_text(
        &mut out,
        "doingBusinessAs",
        p.doing_business_as,
        &format!("{path}.doingBusinessAs"),
        MAX_NAME,
        false,
    )?;
    patch_email(&mut out, p.email, &format!("{path}.email"))?;
    if let Some(raw) = p.website {
        let site = website(Some(raw), &format!("{path}.website"))?;
        out.insert("website".into(), site.map_or(Value::Null, Value::String));
    }
    patch_phone(&mut out, p.phone, &format!("{path}.phone"))?;
    if let Some(owners) = p.owners_provided {
        out.insert("ownersProvided".into(), Value::Bool(owners));
    }
    Ok(Value::Object(out))
}

/// The engine's update from the decoded body; every text checked as on create.
fn decode(request: PatchAccount) -> ApiResult<AccountUpdate> {
    let mut profile = Map::new();
    if let Some(p) = request.profile {
        if let Some(i) = p.individual {
            profile.insert("individual".into(), individual_patch(i)?);
        }
        if let Some(b) = p.business {
            profile.insert("business".into(), business_patch(b)?);
        }
    }
    let metadata = match request.metadata {
        None => None,
        Some(m) => Some(checked_metadata(m.unwrap_or_default())?),
    };
    let foreign_id = match request.foreign_id {
        None => None,
        Some(f) => Some(optional_text(Some(f), "foreignID", 64)?),
    };
    Ok(AccountUpdate {
        profile: (!profile.is_empty()).then_some(Value::Object(profile)),
        metadata,
        foreign_id,
    })
}

/// The official SDKs read a PATCH 422 as `PatchAccountError`, whose `error` is a string (and
/// whose `profile.individual` is an object, so a nested message cannot always go there): the
/// 422 is `{"error": "profile.business.legalBusinessName cannot be removed"}`.
fn flat(e: ApiError) -> ApiError {
    fn leaf(v: &Value, path: &mut Vec<String>) -> String {
        match v {
            Value::Object(m) => match m.iter().next() {
                Some((k, inner)) => {
                    path.push(k.clone());
                    leaf(inner, path)
                }
                None => String::new(),
            },
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
    match e {
        ApiError::Validation(v) => {
            let mut path = Vec::new();
            let message = leaf(&v["error"], &mut path);
            ApiError::Validation(
                serde_json::json!({"error": format!("{} {message}", path.join("."))}),
            )
        }
        other => other,
    }
}

/// `PATCH /accounts/{id}`' body, checked, as the engine takes it.
pub(crate) fn decode_update(body: &Bytes) -> ApiResult<AccountUpdate> {
    let request: PatchAccount = crate::json::parse(body).map_err(|e| match e {
        BodyError::Malformed(m) => ApiError::BadRequest(m),
        BodyError::Field { path, message } => flat(field_error(&path, message)),
    })?;
    decode(request).map_err(flat)
}

pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    Path(account_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::ProfileWrite(account_id))?;
    let update = decode_update(&body)?;
    let account = state
        .engine
        .update_account(principal.tenant(), account_id, &update)
        .await
        .map_err(|e| flat(e.into()))?;
    Ok(Json(account_json(&account)))
}

pub async fn disconnect(
    State(state): State<AppState>,
    principal: Principal,
    Path(account_id): Path<String>,
) -> ApiResult<StatusCode> {
    let account_id = path_id(&account_id, "account")?;
    principal.require(Scope::ProfileDisconnect(account_id))?;
    state
        .engine
        .disconnect_account(principal.tenant(), account_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
