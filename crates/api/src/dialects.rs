//! What the other vendors' micro-deposit APIs (Finicity, MX Platform, MX Nexus) see of the
//! engine: one status mapping, shared by every dialect, documented in `docs/dialects.md`, and
//! strict dollar-amount conversion.

use pennydrop_core::model::{Verification, VerificationStatus};
use serde_json::Value;

/// Finicity's micro-entry status vocabulary.
pub fn finicity_status(v: &Verification) -> &'static str {
    match v.status {
        VerificationStatus::New => "Pending",
        VerificationStatus::SentCredit => "Completed",
        VerificationStatus::Successful => "Verified",
        VerificationStatus::Expired => "Expired",
        VerificationStatus::MaxAttemptsExceeded => "Failed",
        VerificationStatus::Failed if returned(v) => "Returned",
        VerificationStatus::Failed => "Rejected",
    }
}

fn returned(v: &Verification) -> bool {
    v.exception_details
        .as_ref()
        .is_some_and(|d| d.ach_return_code.is_some() || d.description.starts_with("ACH return"))
}

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

/// Why a dollar amount was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountError(pub String);

/// Converts a dollar amount given as a JSON number or string (`0.07`, `"0.07"`) to cents,
/// refusing fractions of a cent, negatives, amounts of a dollar or more, and non-numbers.
pub fn dollars_to_cents(value: &Value) -> Result<i64, AmountError> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        other => return Err(AmountError(format!("{other} is not a dollar amount"))),
    };
    let bad = || AmountError(format!("{text:?} is not a dollar amount like 0.07"));
    if text.starts_with('-') {
        return Err(AmountError(format!("{text} is negative")));
    }
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text.as_str(), ""),
    };
    if whole.is_empty() && fraction.is_empty() {
        return Err(bad());
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 2 {
        return Err(AmountError(format!("{text} has a fraction of a cent")));
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    if whole > 0 {
        return Err(AmountError(format!(
            "{text} is not a micro-deposit (under $1.00)"
        )));
    }
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    Ok(cents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dollars_convert_strictly() {
        for (input, cents) in [
            (json!(0.07), 7),
            (json!("0.07"), 7),
            (json!(0.1), 10),
            (json!("0.10"), 10),
            (json!(0.49), 49),
            (json!(".05"), 5),
            (json!(0), 0),
            (json!("0.070"), 7),
        ] {
            assert_eq!(dollars_to_cents(&input), Ok(cents), "{input}");
        }
        for bad in [
            json!(0.075),
            json!("0.075"),
            json!(-0.07),
            json!("-0.07"),
            json!("abc"),
            json!(true),
            json!(null),
            json!(1.5),
            json!("1e-2"),
            json!(""),
            json!([0.07]),
        ] {
            assert!(dollars_to_cents(&bad).is_err(), "{bad}");
        }
    }
}
