//! Money as integer cents, written as an exact decimal (`ActiveCurrencyAndAmount`, USD).

use crate::TextError;
use std::fmt;

/// A positive USD amount in cents. On the wire it is a decimal with up to two fraction digits
/// (`0.01`, `12.50`); no floating point is involved anywhere.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Amount(i64);

impl Amount {
    /// The largest amount, in cents: $999,999,999,999.99 — far above the RTP ($10M) and
    /// FedNow limits, and within the 18 total digits the schema allows.
    pub const MAX_CENTS: i64 = 99_999_999_999_999;

    pub fn from_cents(cents: i64) -> Result<Self, TextError> {
        if cents <= 0 {
            return Err(TextError::AmountNotPositive);
        }
        if cents > Self::MAX_CENTS {
            return Err(TextError::AmountTooLarge {
                max: Self::MAX_CENTS,
            });
        }
        Ok(Self(cents))
    }

    pub fn cents(&self) -> i64 {
        self.0
    }

    /// Reads `digits[.d[d]]`: "1" is 100 cents, "1.5" 150, "0.01" 1. Refuses signs,
    /// exponents, spaces, an empty whole or fraction part (".5", "5."), more than two fraction
    /// digits (even "1.000"), zero and amounts above [`Amount::MAX_CENTS`].
    pub fn parse_decimal(s: &str) -> Result<Self, TextError> {
        let bad = |problem| Err(TextError::Decimal { problem });
        let (whole, fraction) = match s.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (s, None),
        };
        if whole.is_empty() {
            return bad("has no digits before the decimal point");
        }
        if !whole.bytes().all(|b| b.is_ascii_digit()) {
            return bad("may only contain digits and one decimal point");
        }
        let fraction = fraction.unwrap_or("00");
        if fraction.is_empty() {
            return bad("has no digits after the decimal point");
        }
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return bad("may only contain digits and one decimal point");
        }
        if fraction.len() > 2 {
            return bad("has more than two fraction digits");
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 12 {
            return Self::from_cents(i64::MAX);
        }
        let units: i64 = whole.parse().unwrap_or(0);
        let cents: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
        Self::from_cents(units * 100 + cents)
    }

    /// The wire form: whole dollars, a point and exactly two digits ("0.01", "12.50").
    pub fn to_decimal(&self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({} USD)", self.to_decimal())
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} USD", self.to_decimal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(s: &str) -> i64 {
        Amount::parse_decimal(s).unwrap().cents()
    }

    #[test]
    fn decimals_become_exact_cents() {
        assert_eq!(cents("0.01"), 1);
        assert_eq!(cents("1"), 100);
        assert_eq!(cents("1.5"), 150);
        assert_eq!(cents("1.50"), 150);
        assert_eq!(cents("0.10"), 10);
        assert_eq!(cents("00012.34"), 1234);
        assert_eq!(cents("999999999999.99"), Amount::MAX_CENTS);
    }

    #[test]
    fn malformed_decimals_are_refused() {
        for bad in [
            "", ".5", "5.", "0.001", "1.000", "-1", "+1", "1e2", "1E2", " 1", "1 ", "1,00",
            "1.2.3", "0x10", "١", "NaN", "inf",
        ] {
            assert!(
                matches!(Amount::parse_decimal(bad), Err(TextError::Decimal { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn zero_and_too_large_are_refused() {
        assert_eq!(
            Amount::parse_decimal("0"),
            Err(TextError::AmountNotPositive)
        );
        assert_eq!(
            Amount::parse_decimal("0.00"),
            Err(TextError::AmountNotPositive)
        );
        let too_large = Err(TextError::AmountTooLarge {
            max: Amount::MAX_CENTS,
        });
        assert_eq!(Amount::parse_decimal("1000000000000"), too_large);
        assert_eq!(Amount::parse_decimal(&"9".repeat(40)), too_large);
        assert_eq!(Amount::from_cents(Amount::MAX_CENTS + 1), too_large);
        assert_eq!(Amount::from_cents(-5), Err(TextError::AmountNotPositive));
    }

    #[test]
    fn the_wire_form_has_two_fraction_digits() {
        assert_eq!(Amount::from_cents(1).unwrap().to_decimal(), "0.01");
        assert_eq!(Amount::from_cents(150).unwrap().to_decimal(), "1.50");
        assert_eq!(
            Amount::from_cents(Amount::MAX_CENTS).unwrap().to_decimal(),
            "999999999999.99"
        );
    }
}
