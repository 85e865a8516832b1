//! Code lists: transaction codes, SEC codes, service class codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kind of account an entry posts to (first digit of the transaction code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    /// 2x codes.
    Checking,
    /// 3x codes.
    Savings,
    /// 4x codes.
    GeneralLedger,
    /// 5x codes.
    Loan,
}

impl AccountType {
    fn digit(self) -> u8 {
        match self {
            AccountType::Checking => 2,
            AccountType::Savings => 3,
            AccountType::GeneralLedger => 4,
            AccountType::Loan => 5,
        }
    }
}

/// A known two-digit entry transaction code. Only the codes in the table below can be
/// constructed, so a `TransactionCode` value is always valid.
///
/// | | live | prenote | return/NOC |
/// |---|---|---|---|
/// | checking credit / debit | 22 / 27 | 23 / 28 | 21 / 26 |
/// | savings credit / debit | 32 / 37 | 33 / 38 | 31 / 36 |
/// | general ledger credit / debit | 42 / 47 | 43 / 48 | 41 / 46 |
/// | loan credit / debit | 52 / 55 (reversal) | 53 / – | 51 / 56 |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionCode(u8);

impl TransactionCode {
    /// Checking account credit (22).
    pub const CHECKING_CREDIT: Self = Self(22);
    /// Checking account debit (27).
    pub const CHECKING_DEBIT: Self = Self(27);
    /// Checking account prenote credit (23).
    pub const CHECKING_PRENOTE_CREDIT: Self = Self(23);
    /// Checking account prenote debit (28).
    pub const CHECKING_PRENOTE_DEBIT: Self = Self(28);
    /// Checking account return or NOC of a credit (21).
    pub const CHECKING_RETURN_CREDIT: Self = Self(21);
    /// Checking account return or NOC of a debit (26).
    pub const CHECKING_RETURN_DEBIT: Self = Self(26);
    /// Savings account credit (32).
    pub const SAVINGS_CREDIT: Self = Self(32);
    /// Savings account debit (37).
    pub const SAVINGS_DEBIT: Self = Self(37);
    /// Savings account prenote credit (33).
    pub const SAVINGS_PRENOTE_CREDIT: Self = Self(33);
    /// Savings account prenote debit (38).
    pub const SAVINGS_PRENOTE_DEBIT: Self = Self(38);
    /// Savings account return or NOC of a credit (31).
    pub const SAVINGS_RETURN_CREDIT: Self = Self(31);
    /// Savings account return or NOC of a debit (36).
    pub const SAVINGS_RETURN_DEBIT: Self = Self(36);

    /// Every known code, ascending.
    pub const ALL: [Self; 23] = [
        Self(21),
        Self(22),
        Self(23),
        Self(26),
        Self(27),
        Self(28),
        Self(31),
        Self(32),
        Self(33),
        Self(36),
        Self(37),
        Self(38),
        Self(41),
        Self(42),
        Self(43),
        Self(46),
        Self(47),
        Self(48),
        Self(51),
        Self(52),
        Self(53),
        Self(55),
        Self(56),
    ];

    /// The code for `value`, if it is a known transaction code.
    pub fn new(value: u8) -> Option<Self> {
        let known = match value / 10 {
            2..=4 => matches!(value % 10, 1 | 2 | 3 | 6 | 7 | 8),
            5 => matches!(value % 10, 1 | 2 | 3 | 5 | 6),
            _ => false,
        };
        known.then_some(Self(value))
    }

    /// The live (non-prenote) code for posting to `account`. Loan debits get 55, which is for
    /// reversals only.
    pub fn live(account: AccountType, credit: bool) -> Self {
        let d = account.digit() * 10;
        match (account, credit) {
            (_, true) => Self(d + 2),
            (AccountType::Loan, false) => Self(55),
            (_, false) => Self(d + 7),
        }
    }

    /// The prenote code for `account`; `None` for loan debits, which have no prenote.
    pub fn prenote(account: AccountType, credit: bool) -> Option<Self> {
        let d = account.digit() * 10;
        match (account, credit) {
            (_, true) => Some(Self(d + 3)),
            (AccountType::Loan, false) => None,
            (_, false) => Some(Self(d + 8)),
        }
    }

    /// The live debit to the same account as this live or prenote credit (22→27, 32→37, 42→47,
    /// 52→55). Use it for the offsetting debit of micro-entries instead of computing codes.
    pub fn offsetting_debit(self) -> Option<Self> {
        if self.is_credit() && !self.is_return_or_noc() {
            Some(Self::live(self.account_type(), false))
        } else {
            None
        }
    }

    /// The numeric value.
    pub fn get(self) -> u8 {
        self.0
    }

    /// Account type from the first digit.
    pub fn account_type(self) -> AccountType {
        match self.0 / 10 {
            2 => AccountType::Checking,
            3 => AccountType::Savings,
            4 => AccountType::GeneralLedger,
            _ => AccountType::Loan,
        }
    }

    /// Credits: second digit 1, 2 or 3.
    pub fn is_credit(self) -> bool {
        matches!(self.0 % 10, 1..=3)
    }

    /// Debits: second digit 5, 6, 7 or 8.
    pub fn is_debit(self) -> bool {
        !self.is_credit()
    }

    /// Prenotifications (zero-dollar): second digit 3 or 8.
    pub fn is_prenote(self) -> bool {
        matches!(self.0 % 10, 3 | 8)
    }

    /// Returns and notifications of change: second digit 1 or 6.
    pub fn is_return_or_noc(self) -> bool {
        matches!(self.0 % 10, 1 | 6)
    }

    /// Live entries that move money: 22, 27, 32, 37, 42, 47, 52, 55.
    pub fn is_live(self) -> bool {
        matches!(self.0 % 10, 2 | 5 | 7)
    }
}

impl TryFrom<u8> for TransactionCode {
    type Error = String;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::new(value).ok_or_else(|| format!("unknown transaction code {value:02}"))
    }
}

impl fmt::Display for TransactionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

impl Serialize for TransactionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

/// Standard Entry Class codes this library reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SecCode {
    /// Prearranged payment and deposit (consumer).
    #[serde(rename = "PPD")]
    Ppd,
    /// Corporate credit or debit.
    #[serde(rename = "CCD")]
    Ccd,
    /// Internet-initiated / mobile entry (consumer).
    #[serde(rename = "WEB")]
    Web,
    /// Notification of change (addenda 98).
    #[serde(rename = "COR")]
    Cor,
}

impl SecCode {
    /// The three-letter code.
    pub fn as_str(self) -> &'static str {
        match self {
            SecCode::Ppd => "PPD",
            SecCode::Ccd => "CCD",
            SecCode::Web => "WEB",
            SecCode::Cor => "COR",
        }
    }
}

impl FromStr for SecCode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "PPD" => Ok(SecCode::Ppd),
            "CCD" => Ok(SecCode::Ccd),
            "WEB" => Ok(SecCode::Web),
            "COR" => Ok(SecCode::Cor),
            other => Err(format!(
                "unsupported SEC code {other:?} (supported: PPD, CCD, WEB, COR)"
            )),
        }
    }
}

impl fmt::Display for SecCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Batch service class code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceClass {
    /// 200: credits and debits.
    Mixed,
    /// 220: credits only.
    CreditsOnly,
    /// 225: debits only.
    DebitsOnly,
}

impl ServiceClass {
    /// The three-digit code.
    pub fn code(self) -> u16 {
        match self {
            ServiceClass::Mixed => 200,
            ServiceClass::CreditsOnly => 220,
            ServiceClass::DebitsOnly => 225,
        }
    }

    /// The service class for a code.
    pub fn from_code(code: u16) -> Option<Self> {
        match code {
            200 => Some(ServiceClass::Mixed),
            220 => Some(ServiceClass::CreditsOnly),
            225 => Some(ServiceClass::DebitsOnly),
            _ => None,
        }
    }

    /// The narrowest class for a batch with these entries: 220 if all credits, 225 if all
    /// debits, else 200.
    pub fn for_entries<I: IntoIterator<Item = TransactionCode>>(codes: I) -> Self {
        let (mut credits, mut debits) = (false, false);
        for c in codes {
            if c.is_credit() {
                credits = true;
            } else {
                debits = true;
            }
        }
        match (credits, debits) {
            (true, false) => ServiceClass::CreditsOnly,
            (false, true) => ServiceClass::DebitsOnly,
            _ => ServiceClass::Mixed,
        }
    }

    /// Whether an entry with `code` may appear in a batch of this class.
    pub fn allows(self, code: TransactionCode) -> bool {
        match self {
            ServiceClass::Mixed => true,
            ServiceClass::CreditsOnly => code.is_credit(),
            ServiceClass::DebitsOnly => code.is_debit(),
        }
    }
}

impl fmt::Display for ServiceClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        let all: Vec<u8> = (0..=99)
            .filter_map(TransactionCode::new)
            .map(|c| c.get())
            .collect();
        assert_eq!(
            all,
            TransactionCode::ALL
                .iter()
                .map(|c| c.get())
                .collect::<Vec<_>>()
        );
        assert_eq!(TransactionCode::new(25), None);
        assert_eq!(TransactionCode::new(54), None);
        assert_eq!(TransactionCode::new(57), None);
    }

    #[test]
    fn classification() {
        let c = |v| TransactionCode::new(v).unwrap();
        for v in [22, 32, 42, 52] {
            assert!(c(v).is_credit() && c(v).is_live() && !c(v).is_prenote());
        }
        for v in [27, 37, 47, 55] {
            assert!(c(v).is_debit() && c(v).is_live());
        }
        for v in [23, 28, 33, 38, 43, 48, 53] {
            assert!(c(v).is_prenote() && !c(v).is_live());
        }
        for v in [21, 26, 31, 36, 41, 46, 51, 56] {
            assert!(c(v).is_return_or_noc() && !c(v).is_live() && !c(v).is_prenote());
        }
        assert!(c(21).is_credit() && c(26).is_debit() && c(56).is_debit());
        assert_eq!(c(33).account_type(), AccountType::Savings);
        assert_eq!(c(47).account_type(), AccountType::GeneralLedger);
    }

    #[test]
    fn offsetting_debits_keep_the_account_type() {
        let c = |v| TransactionCode::new(v).unwrap();
        assert_eq!(c(22).offsetting_debit(), Some(c(27)));
        assert_eq!(c(32).offsetting_debit(), Some(c(37)));
        assert_eq!(c(33).offsetting_debit(), Some(c(37)));
        assert_eq!(c(52).offsetting_debit(), Some(c(55)));
        assert_eq!(c(27).offsetting_debit(), None);
        assert_eq!(c(21).offsetting_debit(), None);
        assert_eq!(TransactionCode::prenote(AccountType::Loan, false), None);
    }

    #[test]
    fn service_classes() {
        let c = |v| TransactionCode::new(v).unwrap();
        assert_eq!(
            ServiceClass::for_entries([c(22), c(32)]),
            ServiceClass::CreditsOnly
        );
        assert_eq!(
            ServiceClass::for_entries([c(27), c(26)]),
            ServiceClass::DebitsOnly
        );
        assert_eq!(
            ServiceClass::for_entries([c(22), c(27)]),
            ServiceClass::Mixed
        );
        assert!(!ServiceClass::CreditsOnly.allows(c(27)));
        assert!(ServiceClass::Mixed.allows(c(27)));
        assert_eq!(ServiceClass::from_code(225), Some(ServiceClass::DebitsOnly));
        assert_eq!(ServiceClass::from_code(280), None);
    }
}
