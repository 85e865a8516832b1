//! A micro-deposit as MX sees it: a bank account and its latest micro-deposit round (or a
//! pre-initiated Nexus account), and its two renderings (Platform, Nexus).

use jiff::Timestamp;
use pennydrop_core::model::{
    Account, BankAccount, BankAccountType, Verification, VerificationStatus,
};
use pennydrop_engine::accounts::split_name;
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// MX's micro-deposit statuses: (integer, name).
pub fn mx_status(v: &Verification) -> (u8, &'static str) {
    match v.status {
        VerificationStatus::New => (1, "REQUESTED"),
        VerificationStatus::SentCredit if v.failed_attempts > 0 => (5, "DENIED"),
        VerificationStatus::SentCredit => (2, "DEPOSITED"),
        VerificationStatus::Successful => (3, "VERIFIED"),
        VerificationStatus::MaxAttemptsExceeded => (6, "PREVENTED"),
        VerificationStatus::Failed | VerificationStatus::Expired => (4, "ERRORED"),
    }
}

pub const MX_CONFLICTED: (u8, &str) = (7, "CONFLICTED");
pub const MX_REJECTED: (u8, &str) = (8, "REJECTED");
pub const MX_PREINITIATED: (u8, &str) = (9, "PREINITIATED");

pub fn mx_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn user_guid(id: Uuid) -> String {
    format!("USR-{id}")
}

pub fn mic_guid(id: Uuid) -> String {
    format!("MIC-{id}")
}

/// The profile's individual name and email.
pub fn profile_person(a: &Account) -> (Option<String>, Option<String>, Option<String>) {
    let p = &a.profile["individual"];
    let s = |v: &Value| v.as_str().map(str::to_string);
    (
        s(&p["name"]["firstName"]),
        s(&p["name"]["lastName"]),
        s(&p["email"]),
    )
}

/// A micro-deposit as both dialects see it, before rendering.
pub struct Record {
    pub guid: String,
    pub status: (u8, &'static str),
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub institution_name: Option<String>,
    pub account_name: Option<String>,
    pub masked_number: Option<String>,
    pub account_type: Option<(u8, &'static str)>,
    pub routing_number: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub verified_at: Option<Timestamp>,
    pub user_guid: Option<String>,
}

pub fn bank_record(
    account: Option<&Account>,
    b: &BankAccount,
    round: Option<&Verification>,
) -> Record {
    let status = round.map(mx_status).unwrap_or(MX_REJECTED);
    let details = round.and_then(|v| v.exception_details.clone());
    let (pf, pl, email) = account.map(profile_person).unwrap_or_default();
    // Names: the profile's when they make up the holder name, else the holder name split.
    let (first, last) = match (&pf, &pl) {
        (Some(f), Some(l)) if format!("{f} {l}") == b.holder_name => (pf.clone(), pl.clone()),
        _ => {
            let (f, l) = split_name(&b.holder_name);
            (Some(f), l)
        }
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

pub fn preinitiated_record(a: &Account) -> Record {
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
pub fn platform_json(r: &Record) -> Value {
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

/// A Platform answer holding one micro-deposit.
pub fn platform_one(r: &Record) -> (axum::http::StatusCode, Value) {
    (
        axum::http::StatusCode::OK,
        json!({"micro_deposit": platform_json(r)}),
    )
}

/// A Nexus answer holding one micro-deposit.
pub fn nexus_one(r: &Record) -> (axum::http::StatusCode, Value) {
    (
        axum::http::StatusCode::OK,
        json!({"micro_deposit": nexus_json(r)}),
    )
}

/// Nexus: integer `status` + `status_name`, integer `account_type` + `account_type_name`;
/// every documented field is present, null when unknown.
pub fn nexus_json(r: &Record) -> Value {
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
