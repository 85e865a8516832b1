//! Parse-don't-validate newtypes for the two numbers that identify a bank account.

use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum RoutingNumberError {
    #[error("routing number must be exactly 9 digits")]
    Format,
    #[error("routing number {0} has an invalid ABA check digit")]
    CheckDigit(String),
    #[error("routing number {0} does not start with a valid Federal Reserve prefix (00-12, 21-32, 61-72, 80)")]
    Prefix(String),
}

/// A 9-digit ABA routing transit number with a valid check digit and prefix.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoutingNumber(String);

impl RoutingNumber {
    pub fn parse(s: &str) -> Result<Self, RoutingNumberError> {
        let s = s.trim();
        if s.len() != 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RoutingNumberError::Format);
        }
        // The ABA rules have one home, the pure `nacha` crate.
        if nacha::check_digit(&s[..8]) != Some(s.as_bytes()[8] - b'0') {
            return Err(RoutingNumberError::CheckDigit(s.to_string()));
        }
        if !nacha::valid_prefix(s) {
            return Err(RoutingNumberError::Prefix(s.to_string()));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoutingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RoutingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RoutingNumber({})", self.0)
    }
}

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum AccountNumberError {
    #[error("account number must be 4 to 17 digits")]
    Format,
}

/// A full DFI account number. It has no `Display`, and its `Debug` shows only the last four
/// digits, so it cannot end up in a log line or a response by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountNumber(String);

impl AccountNumber {
    pub fn parse(s: &str) -> Result<Self, AccountNumberError> {
        let s = s.trim();
        if !(4..=17).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AccountNumberError::Format);
        }
        Ok(Self(s.to_string()))
    }

    /// The full number: only for encryption, fingerprinting and the rails.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn last_four(&self) -> String {
        self.0[self.0.len() - 4..].to_string()
    }
}

impl fmt::Debug for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountNumber(****{})", self.last_four())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_from_the_reference() {
        assert!(RoutingNumber::parse("231380104").is_ok());
        assert_eq!(nacha::check_digit("23138010"), Some(4));
    }

    #[test]
    fn real_routing_numbers_pass() {
        for r in [
            "021000021",
            "011000015",
            "121000358",
            "026009593",
            "322271627",
            "123456780",
        ] {
            assert!(RoutingNumber::parse(r).is_ok(), "{r}");
        }
    }

    #[test]
    fn bad_routing_numbers_fail_with_the_reason() {
        assert_eq!(
            RoutingNumber::parse("12345678"),
            Err(RoutingNumberError::Format)
        );
        assert_eq!(
            RoutingNumber::parse("12345678a"),
            Err(RoutingNumberError::Format)
        );
        assert_eq!(
            RoutingNumber::parse("123456789"),
            Err(RoutingNumberError::CheckDigit("123456789".into()))
        );
        // 50 is not a Federal Reserve prefix; 500000008 has a valid check digit.
        assert_eq!(nacha::check_digit("50000000"), Some(5));
        assert_eq!(
            RoutingNumber::parse("500000005"),
            Err(RoutingNumberError::Prefix("500000005".into()))
        );
    }

    #[test]
    fn account_numbers_are_4_to_17_digits() {
        assert!(AccountNumber::parse("1234").is_ok());
        assert!(AccountNumber::parse("12345678901234567").is_ok());
        assert_eq!(AccountNumber::parse("123"), Err(AccountNumberError::Format));
        assert_eq!(
            AccountNumber::parse("123456789012345678"),
            Err(AccountNumberError::Format)
        );
        assert_eq!(
            AccountNumber::parse("12-34"),
            Err(AccountNumberError::Format)
        );
    }

    #[test]
    fn account_number_debug_is_masked() {
        let n = AccountNumber::parse("0004321567000").unwrap();
        assert_eq!(format!("{n:?}"), "AccountNumber(****7000)");
        assert_eq!(n.last_four(), "7000");
    }
}
