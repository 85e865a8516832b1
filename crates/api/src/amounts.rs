//! Amounts exactly as clients wrote them, converted to integer cents from their decimal text,
//! never through floating point: a JSON number is read as its literal text (serde_json's
//! `RawValue`), a string as its contents, untrimmed. Every dialect parses its amounts here —
//! Moov's whole cents ([`AmountText::whole_cents`]) and Finicity's and MX's dollars
//! ([`AmountText::dollar_cents`]) — so `1e-2`, `" 0.01"`, `0.075` and `1e+20` are refused the
//! same way everywhere, and a refused amount is echoed as the client sent it.

use pennydrop_engine::rules::MICRO_DEPOSIT_ANSWER_MAX_CENTS;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// How much of a refused amount a message repeats.
const ECHO_MAX: usize = 24;

/// An amount in a request body: a JSON number (its literal text) or a JSON string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountText {
    text: String,
    quoted: bool,
}

/// Why an amount was refused (a sentence for people, without the field's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountError(pub String);

impl<'de> Deserialize<'de> for AmountText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let literal = raw.get();
        if literal.starts_with('"') {
            let text: String = serde_json::from_str(literal).map_err(D::Error::custom)?;
            return Ok(AmountText { text, quoted: true });
        }
        if literal.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            return Ok(AmountText {
                text: literal.to_string(),
                quoted: false,
            });
        }
        Err(D::Error::custom(format!(
            "expected an amount (a number or a string), not {}",
            kind_of(literal)
        )))
    }
}

fn kind_of(literal: &str) -> &'static str {
    match literal.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "a list",
        Some(b't' | b'f') => "true or false",
        Some(b'n') => "null",
        _ => "this value",
    }
}

impl AmountText {
    /// A number literal (tests and callers building bodies).
    pub fn number(text: &str) -> Self {
        AmountText {
            text: text.to_string(),
            quoted: false,
        }
    }

    /// The amount as sent, shortened for a message.
    fn echo(&self) -> String {
        let mut shown: String = self.text.chars().take(ECHO_MAX).collect();
        if self.text.chars().count() > ECHO_MAX {
            shown.push('…');
        }
        if self.quoted {
            format!("{shown:?}")
        } else {
            shown
        }
    }

    /// Dollars (`0.07`, `"0.07"`, `".07"`, `"0.070"`) in cents.
    pub fn dollar_cents(&self) -> Result<i64, AmountError> {
        let text = self.text.as_str();
        let bad = || {
            AmountError(format!(
                "{} is not a dollar amount like 0.07 (digits and one decimal point)",
                self.echo()
            ))
        };
        if text.starts_with('-') {
            return Err(AmountError(format!("{} is negative", self.echo())));
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(bad());
        }
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > 2 {
            return Err(AmountError(format!(
                "{} has a fraction of a cent",
                self.echo()
            )));
        }
        let cents = whole_number(whole)
            .saturating_mul(100)
            .saturating_add(whole_number(&format!("{fraction:0<2}")));
        self.at_most_max(
            cents,
            pennydrop_core::money::dollars(MICRO_DEPOSIT_ANSWER_MAX_CENTS),
        )
    }

    /// Whole cents as a JSON integer (`18`), as Moov takes them.
    pub fn whole_cents(&self) -> Result<i64, AmountError> {
        if self.text.starts_with('-') && all_digits(&self.text[1..]) {
            return Err(AmountError(format!("{} is negative", self.echo())));
        }
        if self.quoted || self.text.is_empty() || !all_digits(&self.text) {
            return Err(AmountError(format!(
                "{} is not a whole number of cents like 18",
                self.echo()
            )));
        }
        let max = MICRO_DEPOSIT_ANSWER_MAX_CENTS;
        self.at_most_max(whole_number(&self.text), format!("{max} cents"))
    }

    fn at_most_max(&self, cents: i64, max: String) -> Result<i64, AmountError> {
        if cents > MICRO_DEPOSIT_ANSWER_MAX_CENTS {
            return Err(AmountError(format!(
                "{} is not a micro-deposit amount (at most {max})",
                self.echo()
            )));
        }
        Ok(cents)
    }
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// ASCII digits as a number, saturating (anything that large is refused as too large).
fn whole_number(digits: &str) -> i64 {
    digits.bytes().fold(0i64, |n, b| {
        n.saturating_mul(10).saturating_add(i64::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Body {
        amount: AmountText,
    }

    fn parsed(json: &str) -> Result<AmountText, String> {
        crate::json::parse::<Body>(&axum::body::Bytes::from(format!("{{\"amount\":{json}}}")))
            .map(|b| b.amount)
            .map_err(|e| e.describe())
    }

    fn dollars(json: &str) -> Result<i64, String> {
        parsed(json)?.dollar_cents().map_err(|e| e.0)
    }

    #[test]
    fn dollars_convert_strictly() {
        for (input, expected) in [
            ("0.07", 7),
            ("\"0.07\"", 7),
            ("0.1", 10),
            ("\"0.10\"", 10),
            ("0.49", 49),
            ("0.99", 99),
            ("\".05\"", 5),
            ("0", 0),
            ("\"0.070\"", 7),
        ] {
            assert_eq!(dollars(input), Ok(expected), "{input}");
        }
        for bad in [
            "0.075",
            "\"0.075\"",
            "-0.07",
            "\"-0.07\"",
            "\"abc\"",
            "true",
            "null",
            "1.5",
            "1",
            "\"1e-2\"",
            "1e-2",
            "1E-2",
            "\" 0.01\"",
            "\"0.01 \"",
            "\"\"",
            "[0.07]",
            "{}",
            "\".\"",
            "\"0.0.1\"",
            "\"+0.01\"",
            "0.0700000000000000000000000001",
        ] {
            assert!(dollars(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn huge_amounts_are_echoed_as_sent() {
        let message = dollars("100000000000000000000").unwrap_err();
        assert!(message.contains("100000000000000000000"), "{message}");
        assert!(
            !message.contains("e+") && !message.contains("e20"),
            "{message}"
        );
        let message = parsed("100000000000000000000")
            .unwrap()
            .whole_cents()
            .unwrap_err()
            .0;
        assert!(message.contains("100000000000000000000"), "{message}");
        let long = format!("0.{}", "1".repeat(400));
        let message = dollars(&long).unwrap_err();
        assert!(message.len() < 100, "{message}");
    }

    #[test]
    fn whole_cents_are_integers() {
        let cents = |j: &str| parsed(j).and_then(|a| a.whole_cents().map_err(|e| e.0));
        assert_eq!(cents("18"), Ok(18));
        assert_eq!(cents("0"), Ok(0));
        for bad in ["18.5", "18.0", "\"18\"", "-1", "100", "1e1", "true"] {
            assert!(cents(bad).is_err(), "{bad}");
        }
    }
}
