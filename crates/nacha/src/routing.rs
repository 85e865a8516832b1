//! ABA routing numbers.

use crate::field::FieldError;

/// The ABA check digit of the first eight digits of a routing number
/// (weights 3 7 1 3 7 1 3 7; `check = (10 - sum mod 10) mod 10`).
///
/// Returns `None` when `first8` is not exactly eight ASCII digits.
///
/// ```
/// assert_eq!(nacha::check_digit("23138010"), Some(4));
/// ```
pub fn check_digit(first8: &str) -> Option<u8> {
    const WEIGHTS: [u32; 8] = [3, 7, 1, 3, 7, 1, 3, 7];
    let bytes = first8.as_bytes();
    if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(((10 - sum % 10) % 10) as u8)
}

/// Whether the first two digits are an assigned Federal Reserve prefix
/// (00–12, 21–32, 61–72, 80).
pub fn valid_prefix(routing: &str) -> bool {
    let Some(p) = routing.get(..2).and_then(|p| p.parse::<u8>().ok()) else {
        return false;
    };
    matches!(p, 0..=12 | 21..=32 | 61..=72 | 80)
}

/// Checks a full nine-digit routing number: digits, prefix and check digit.
///
/// ```
/// assert!(nacha::validate_routing("231380104").is_ok());
/// assert!(nacha::validate_routing("231380105").is_err());
/// ```
pub fn validate_routing(routing: &str) -> Result<(), String> {
    if routing.len() != 9 || !routing.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "routing number must be 9 digits, found {routing:?}"
        ));
    }
    if !valid_prefix(routing) {
        return Err(format!(
            "routing number {routing} has an unassigned prefix {} (valid: 00-12, 21-32, 61-72, 80)",
            &routing[..2]
        ));
    }
    let expected = check_digit(&routing[..8]).unwrap_or(0);
    let actual = routing.as_bytes()[8] - b'0';
    if expected != actual {
        return Err(format!(
            "check digit {actual} of routing number {routing} is wrong (expected {expected})"
        ));
    }
    Ok(())
}

pub(crate) fn check_routing(field: &'static str, routing: &str) -> Result<(), FieldError> {
    validate_routing(routing).map_err(|reason| FieldError::new(field, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example() {
        assert_eq!(check_digit("23138010"), Some(4));
        assert_eq!(check_digit("12104288"), Some(2));
        assert_eq!(check_digit("0310001"), None);
        assert_eq!(check_digit("0310001a"), None);
    }

    #[test]
    fn prefixes() {
        for ok in ["001", "121", "211", "321", "611", "721", "801"] {
            assert!(valid_prefix(ok), "{ok}");
        }
        for bad in ["131", "201", "331", "601", "731", "791", "811", "9", ""] {
            assert!(!valid_prefix(bad), "{bad}");
        }
    }

    #[test]
    fn full_routing_numbers() {
        assert!(validate_routing("231380104").is_ok());
        assert!(validate_routing("031300012").is_ok());
        assert!(validate_routing("231380105")
            .unwrap_err()
            .contains("expected 4"));
        assert!(validate_routing("23138010").is_err());
        assert!(validate_routing("931380104").is_err());
    }
}
