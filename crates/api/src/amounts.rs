//! Dollar amounts as vendors send them (`0.07` or `"0.07"`), converted to integer cents from
//! their decimal text, strictly: no fractions of a cent, no negatives, nothing a micro-deposit
//! cannot be. Finicity and MX share it.

use pennydrop_engine::rules::MICRO_DEPOSIT_ANSWER_MAX_CENTS;
use serde::Deserialize;

/// A dollar amount in a request body: a JSON number or a string.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum DollarAmount {
    Number(serde_json::Number),
    Text(String),
}

/// Why a dollar amount was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountError(pub String);

impl DollarAmount {
    /// The amount in cents.
    pub fn cents(&self) -> Result<i64, AmountError> {
        let text = match self {
            // serde_json prints a number in its shortest round-tripping form, so `0.075`
            // stays `0.075` and is refused below rather than rounded.
            DollarAmount::Number(n) => n.to_string(),
            DollarAmount::Text(s) => s.trim().to_string(),
        };
        cents_of(&text)
    }
}

fn cents_of(text: &str) -> Result<i64, AmountError> {
    let bad = || AmountError(format!("{text:?} is not a dollar amount like 0.07"));
    if text.starts_with('-') {
        return Err(AmountError(format!("{text} is negative")));
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
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
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    let cents = whole.saturating_mul(100).saturating_add(cents);
    if cents > MICRO_DEPOSIT_ANSWER_MAX_CENTS {
        return Err(AmountError(format!(
            "{text} is not a micro-deposit amount (at most {})",
            pennydrop_core::money::dollars(MICRO_DEPOSIT_ANSWER_MAX_CENTS)
        )));
    }
    Ok(cents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn cents(v: Value) -> Result<i64, AmountError> {
        serde_json::from_value::<DollarAmount>(v.clone())
            .map_err(|e| AmountError(e.to_string()))?
            .cents()
    }

    #[test]
    fn dollars_convert_strictly() {
        for (input, expected) in [
            (json!(0.07), 7),
            (json!("0.07"), 7),
            (json!(0.1), 10),
            (json!("0.10"), 10),
            (json!(0.49), 49),
            (json!(0.99), 99),
            (json!(".05"), 5),
            (json!(0), 0),
            (json!("0.070"), 7),
        ] {
            assert_eq!(cents(input.clone()), Ok(expected), "{input}");
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
            json!(1),
            json!("1e-2"),
            json!(""),
            json!([0.07]),
        ] {
            assert!(cents(bad.clone()).is_err(), "{bad}");
        }
    }
}
