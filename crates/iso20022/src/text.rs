//! Parse-don't-validate newtypes for the text fields of the messages: identifiers, free text,
//! routing numbers, account numbers and reason codes. Each holds a value that is known to be
//! valid on the wire, so the writer never has to check anything.

use std::fmt;
use thiserror::Error;

/// Why a value was refused. Messages never repeat the input, so an account number handed to
/// the wrong parser cannot reach a log through its error.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum TextError {
    #[error("{what} is empty (after trimming spaces); give at least one character")]
    Empty { what: &'static str },
    #[error("{what} is {len} characters long; at most {max} are allowed")]
    TooLong {
        what: &'static str,
        len: usize,
        max: usize,
    },
    #[error("{what} has a character outside {allowed} at position {position} (counting from 1); use Max140Text::lossy for free text from people")]
    Character {
        what: &'static str,
        position: usize,
        allowed: &'static str,
    },
    #[error("member id must be a 9-digit ABA routing number")]
    MemberIdFormat,
    #[error("member id {0} has an invalid ABA check digit")]
    MemberIdCheckDigit(String),
    #[error("amount must be positive (at least 1 cent)")]
    AmountNotPositive,
    #[error("amount is larger than {max} cents, the largest Pennydrop writes")]
    AmountTooLarge { max: i64 },
    #[error("amount {problem}; write it as digits with an optional '.' and one or two fraction digits, e.g. 0.01 or 12.5")]
    Decimal { problem: &'static str },
    #[error(
        "unknown transaction status; expected one of ACTC, ACSC, ACWP, ACCP, RCVD, PDNG, RJCT"
    )]
    UnknownStatus,
    #[error(
        "unknown message definition; expected pacs.008.001.08, pacs.002.001.10 or pacs.028.001.03"
    )]
    UnknownDefinition,
}

/// The ISO 20022 restricted basic Latin character set (SWIFT's "x" set, used by the CBPR+ and
/// most national usage guidelines): letters, digits, space and `/ - ? : ( ) . , ' +`.
pub const ALLOWED_CHARACTERS: &str = "a-z A-Z 0-9 space / - ? : ( ) . , ' +";

/// Whether `c` belongs to [`ALLOWED_CHARACTERS`].
pub fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || " /-?:().,'+".contains(c)
}

/// Trims, then checks length (in characters) and character set.
fn restricted(s: &str, what: &'static str, max: usize) -> Result<String, TextError> {
    let s = s.trim_matches(' ');
    let len = s.chars().count();
    if len == 0 {
        return Err(TextError::Empty { what });
    }
    if len > max {
        return Err(TextError::TooLong { what, len, max });
    }
    if let Some(i) = s.chars().position(|c| !allowed(c)) {
        return Err(TextError::Character {
            what,
            position: i + 1,
            allowed: ALLOWED_CHARACTERS,
        });
    }
    Ok(s.to_string())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $max:expr, $what:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The longest value, in characters.
            pub const MAX: usize = $max;

            /// Trims surrounding spaces, then accepts 1 to `MAX` characters of
            /// [`ALLOWED_CHARACTERS`].
            pub fn parse(s: &str) -> Result<Self, TextError> {
                restricted(s, $what, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    };
}

text_type!(
    /// An identifier (message, instruction, end-to-end, transaction, business message id):
    /// ISO `Max35Text` restricted to [`ALLOWED_CHARACTERS`].
    Max35Text,
    35,
    "Max35Text"
);

text_type!(
    /// Free text (names, remittance, additional status information): ISO `Max140Text`
    /// restricted to [`ALLOWED_CHARACTERS`].
    Max140Text,
    140,
    "Max140Text"
);

impl Max140Text {
    /// Makes any text fit: transliterates to ASCII (deunicode: "José Müller" becomes
    /// "Jose Muller"), drops characters outside the set, trims and cuts to 140 characters.
    /// `None` when nothing is left.
    pub fn lossy(s: &str) -> Option<Self> {
        let ascii = deunicode::deunicode(s);
        let kept: String = ascii.chars().filter(|c| allowed(*c)).collect();
        let cut: String = kept.trim_matches(' ').chars().take(Self::MAX).collect();
        Self::parse(&cut).ok()
    }
}

/// A clearing system member: a 9-digit ABA routing number with a valid check digit, as RTP
/// and FedNow identify participants in `ClrSysMmbId/MmbId`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberId(String);

/// The ABA check digit of the first eight digits (weights 3, 7, 1).
fn aba_check_digit(first8: &[u8]) -> u8 {
    let sum: u32 = first8
        .iter()
        .zip([3u32, 7, 1].iter().cycle())
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    ((10 - sum % 10) % 10) as u8
}

impl MemberId {
    pub fn parse(s: &str) -> Result<Self, TextError> {
        let s = s.trim_matches(' ');
        if s.len() != 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TextError::MemberIdFormat);
        }
        let b = s.as_bytes();
        if aba_check_digit(&b[..8]) != b[8] - b'0' {
            return Err(TextError::MemberIdCheckDigit(s.to_string()));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MemberId({})", self.0)
    }
}

/// A debtor or creditor account number (`Acct/Id/Othr/Id`): 1 to 34 ASCII letters and
/// digits. It has no `Display`, and its `Debug` shows only the last four characters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccountId(String);

impl AccountId {
    pub const MAX: usize = 34;

    pub fn parse(s: &str) -> Result<Self, TextError> {
        let s = s.trim_matches(' ');
        let what = "account id";
        if s.is_empty() {
            return Err(TextError::Empty { what });
        }
        if let Some(i) = s.chars().position(|c| !c.is_ascii_alphanumeric()) {
            return Err(TextError::Character {
                what,
                position: i + 1,
                allowed: "A-Z a-z 0-9",
            });
        }
        if s.len() > Self::MAX {
            let (len, max) = (s.len(), Self::MAX);
            return Err(TextError::TooLong { what, len, max });
        }
        Ok(Self(s.to_string()))
    }

    /// The full number: only for the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Numbers of four characters or fewer are shown as stars only.
        let shown = if self.0.len() > 4 {
            &self.0[self.0.len() - 4..]
        } else {
            ""
        };
        write!(f, "AccountId(****{shown})")
    }
}

/// A status reason code (`ExternalStatusReason1Code`, e.g. `AC03`, `AC04`, `MD07`): 1 to 4
/// uppercase letters or digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReasonCode(String);

impl ReasonCode {
    pub fn parse(s: &str) -> Result<Self, TextError> {
        let s = s.trim_matches(' ');
        let what = "reason code";
        if s.is_empty() {
            return Err(TextError::Empty { what });
        }
        if s.len() > 4 {
            let len = s.chars().count();
            return Err(TextError::TooLong { what, len, max: 4 });
        }
        if let Some(i) = s
            .chars()
            .position(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
        {
            return Err(TextError::Character {
                what,
                position: i + 1,
                allowed: "A-Z 0-9",
            });
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReasonCode({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max35_accepts_the_set_and_trims() {
        assert_eq!(Max35Text::parse(" E2E-1 ").unwrap().as_str(), "E2E-1");
        let full = "A".repeat(35);
        assert_eq!(Max35Text::parse(&full).unwrap().as_str(), full);
        assert!(Max35Text::parse("a/b-c?d:e(f)g.h,i'j+k l").is_ok());
    }

    #[test]
    fn max35_refuses_empty_long_and_foreign_characters() {
        let what = "Max35Text";
        assert_eq!(Max35Text::parse("  "), Err(TextError::Empty { what }));
        assert_eq!(
            Max35Text::parse(&"A".repeat(36)),
            Err(TextError::TooLong {
                what,
                len: 36,
                max: 35
            })
        );
        for bad in ["a&b", "a_b", "é", "a\nb", "a<b", "#1"] {
            assert!(
                matches!(Max35Text::parse(bad), Err(TextError::Character { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn max140_counts_characters() {
        assert!(Max140Text::parse(&"x".repeat(140)).is_ok());
        assert!(matches!(
            Max140Text::parse(&"x".repeat(141)),
            Err(TextError::TooLong { len: 141, .. })
        ));
    }

    #[test]
    fn lossy_transliterates_drops_and_truncates() {
        let t = Max140Text::lossy("José Müller & Søn").unwrap();
        assert_eq!(t.as_str(), "Jose Muller  Son");
        assert_eq!(
            Max140Text::lossy(&"ä".repeat(200)).unwrap().as_str().len(),
            140
        );
        assert_eq!(Max140Text::lossy("&&&"), None);
        assert_eq!(Max140Text::lossy(""), None);
        assert_eq!(Max140Text::lossy("  ok  ").unwrap().as_str(), "ok");
        // A valid text comes back unchanged.
        let v = "Pennydrop verification 1234";
        assert_eq!(Max140Text::lossy(v), Max140Text::parse(v).ok());
    }

    #[test]
    fn member_ids_are_aba_routing_numbers() {
        for ok in ["021000021", "231380104", "011000015", "026009593"] {
            assert!(MemberId::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(MemberId::parse("12345678"), Err(TextError::MemberIdFormat));
        assert_eq!(MemberId::parse("12345678a"), Err(TextError::MemberIdFormat));
        assert_eq!(
            MemberId::parse("123456789"),
            Err(TextError::MemberIdCheckDigit("123456789".into()))
        );
    }

    #[test]
    fn account_ids_are_alphanumeric_and_masked() {
        let a = AccountId::parse("000123456789").unwrap();
        assert_eq!(a.as_str(), "000123456789");
        assert_eq!(format!("{a:?}"), "AccountId(****6789)");
        assert_eq!(
            format!("{:?}", AccountId::parse("1234").unwrap()),
            "AccountId(****)"
        );
        assert!(AccountId::parse(&"9".repeat(34)).is_ok());
        assert!(matches!(
            AccountId::parse(&"9".repeat(35)),
            Err(TextError::TooLong { .. })
        ));
        assert!(matches!(AccountId::parse(""), Err(TextError::Empty { .. })));
        let err = AccountId::parse("1234-5678").unwrap_err();
        assert!(!err.to_string().contains("1234"), "{err}");
    }

    #[test]
    fn reason_codes_are_short_uppercase() {
        for ok in ["AC03", "AC04", "MD07", "DUPL", "A"] {
            assert_eq!(ReasonCode::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "AC033", "ac03", "AC-3"] {
            assert!(ReasonCode::parse(bad).is_err(), "{bad}");
        }
    }
}
