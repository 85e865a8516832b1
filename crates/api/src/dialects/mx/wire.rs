//! MX's request bodies, typed: `{"user": {...}}`, `{"micro_deposit": {...}}` (Nexus's PUT also
//! takes the fields bare), with MX's lenient spellings (numbers for `*_number`, `1`/`2` for
//! account types, blank strings as absent).

use axum::body::Bytes;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::error::{MxError, MxResult};
use crate::amounts::AmountText;
use crate::json::{self, BodyError};
use pennydrop_engine::input;

/// A string field that MX clients sometimes send as a JSON number (`account_number`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Digits {
    Text(String),
    Number(serde_json::Number),
}

impl Digits {
    fn text(&self) -> String {
        match self {
            Digits::Text(s) => s.clone(),
            Digits::Number(n) => n.to_string(),
        }
    }
}

/// `CHECKING`/`SAVINGS` (any case) or Nexus's integers 1/2.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AccountKind {
    Text(String),
    Number(serde_json::Number),
}

impl AccountKind {
    /// Moov's bank account type.
    fn bank_account_type(&self) -> MxResult<&'static str> {
        let bad = || MxError::rejected("account_type must be CHECKING or SAVINGS");
        match self {
            AccountKind::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
                "checking" | "1" => Ok("checking"),
                "savings" | "2" => Ok("savings"),
                _ => Err(bad()),
            },
            AccountKind::Number(n) => match n.as_u64() {
                Some(1) => Ok("checking"),
                Some(2) => Ok("savings"),
                _ => Err(bad()),
            },
        }
    }
}

/// The micro-deposit fields, as sent.
#[derive(Debug, Default, Deserialize)]
pub struct Fields {
    account_name: Option<String>,
    account_number: Option<Digits>,
    account_type: Option<AccountKind>,
    account_type_name: Option<AccountKind>,
    routing_number: Option<Digits>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    pub deposit_amount_1: Option<AmountText>,
    pub deposit_amount_2: Option<AmountText>,
}

/// `{"micro_deposit": {...}}`, or (Nexus's PUT) the fields bare. (Not a `#[serde(flatten)]`:
/// flattened fields are buffered, and amounts must reach `AmountText` as raw JSON text.)
#[derive(Debug, Deserialize)]
pub struct MicroDepositBody {
    micro_deposit: Option<Fields>,
}

/// `{"user": {...}}`.
#[derive(Debug, Deserialize)]
pub struct UserBody {
    pub user: Option<UserFields>,
}

#[derive(Debug, Deserialize)]
pub struct UserFields {
    email: Option<String>,
    id: Option<String>,
    metadata: Option<String>,
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> MxResult<T> {
    json::parse(body).map_err(|e| match e {
        BodyError::Malformed(m) => MxError::bad(m),
        other => MxError::bad(other.describe()),
    })
}

/// Absent, null and blank are all "not given".
fn given(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn given_digits(d: &Option<Digits>) -> Option<String> {
    given(&d.as_ref().map(Digits::text))
}

impl MicroDepositBody {
    /// The wrapped fields; with `bare_ok`, the body's own fields when nothing is wrapped.
    pub fn parse(body: &Bytes, bare_ok: bool) -> MxResult<Fields> {
        let parsed: MicroDepositBody = parse(body)?;
        match parsed.micro_deposit {
            Some(f) => Ok(f),
            None if bare_ok => parse(body),
            None => Err(MxError::missing(
                "the body must contain a \"micro_deposit\" object",
            )),
        }
    }
}

impl UserBody {
    pub fn parse(body: &Bytes) -> MxResult<UserFields> {
        let parsed: UserBody = parse(body)?;
        parsed
            .user
            .ok_or_else(|| MxError::missing("the body must contain a \"user\" object"))
    }
}

/// Longest name MX fields may carry (as the link's holder name).
const MAX_NAME: usize = pennydrop_engine::link::MAX_HOLDER_NAME;

fn valid_email(e: &str) -> bool {
    input::check_email(e).is_ok()
}

/// A name field: within the length, nothing unsafe.
fn check_name(field: &str, value: &Option<String>) -> MxResult<()> {
    match value.as_deref().map(|v| input::check_text(v, MAX_NAME)) {
        Some(Err(problem)) => Err(MxError::rejected(format!("{field} {problem}"))),
        _ => Ok(()),
    }
}

/// A checked user.
pub struct NewUser {
    pub email: Option<String>,
    pub id: Option<String>,
    pub metadata: Option<String>,
}

impl UserFields {
    pub fn check(&self) -> MxResult<NewUser> {
        let email = given(&self.email);
        if let Some(e) = &email {
            if !valid_email(e) {
                return Err(MxError::rejected(format!(
                    "email {e:?} is not an email address"
                )));
            }
        }
        let id = given(&self.id);
        if let Some(Err(problem)) = id.as_deref().map(|i| input::check_text(i, 64)) {
            return Err(MxError::rejected(format!("id {problem}")));
        }
        Ok(NewUser {
            email,
            id,
            metadata: given(&self.metadata),
        })
    }
}

/// A micro-deposit request's fields, checked for shape.
#[derive(Debug, Default)]
pub struct Request {
    pub account_name: Option<String>,
    pub account_number: Option<String>,
    pub account_type: Option<&'static str>,
    pub routing_number: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

impl Fields {
    pub fn has_amounts(&self) -> bool {
        self.deposit_amount_1.is_some() || self.deposit_amount_2.is_some()
    }

    /// Both deposit amounts, in cents.
    pub fn amounts(&self) -> MxResult<[i64; 2]> {
        let mut out = [0i64; 2];
        for (slot, (name, value)) in out.iter_mut().zip([
            ("deposit_amount_1", &self.deposit_amount_1),
            ("deposit_amount_2", &self.deposit_amount_2),
        ]) {
            let value = value
                .as_ref()
                .ok_or_else(|| MxError::missing(format!("missing required parameter: {name}")))?;
            *slot = value
                .dollar_cents()
                .map_err(|e| MxError::bad(format!("{name}: {}", e.0)))?;
        }
        Ok(out)
    }

    pub fn request(&self) -> MxResult<Request> {
        let kind = self
            .account_type
            .as_ref()
            .or(self.account_type_name.as_ref());
        let account_type = kind.map(AccountKind::bank_account_type).transpose()?;
        let email = given(&self.email);
        if let Some(e) = &email {
            if !valid_email(e) {
                return Err(MxError::rejected(format!(
                    "email {e:?} is not an email address"
                )));
            }
        }
        let request = Request {
            account_name: given(&self.account_name),
            account_number: given_digits(&self.account_number),
            account_type,
            routing_number: given_digits(&self.routing_number),
            email: email.map(|e| e.to_ascii_lowercase()),
            first_name: given(&self.first_name),
            last_name: given(&self.last_name),
        };
        check_name("first_name", &request.first_name)?;
        check_name("last_name", &request.last_name)?;
        check_name("account_name", &request.account_name)?;
        Ok(request)
    }
}

impl Request {
    pub fn has_account_details(&self) -> bool {
        self.account_number.is_some()
            || self.routing_number.is_some()
            || self.account_type.is_some()
    }

    pub fn missing_account_details(&self) -> Vec<&'static str> {
        [
            ("account_number", self.account_number.is_none()),
            ("account_type", self.account_type.is_none()),
            ("routing_number", self.routing_number.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, missing)| missing.then_some(name))
        .collect()
    }

    pub fn person_name(&self) -> Option<String> {
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!name.is_empty()).then_some(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(body: &str, bare_ok: bool) -> MxResult<Fields> {
        MicroDepositBody::parse(&Bytes::from(body.to_string()), bare_ok)
    }

    #[test]
    fn lenient_spellings_are_understood() {
        let f = fields(
            r#"{"micro_deposit": {"account_number": 12345678, "account_type": 2, "routing_number": "021000021", "email": "J@Example.com", "first_name": " "}}"#,
            false,
        )
        .unwrap();
        let r = f.request().unwrap();
        assert_eq!(r.account_number.as_deref(), Some("12345678"));
        assert_eq!(r.account_type, Some("savings"));
        assert_eq!(r.email.as_deref(), Some("j@example.com"));
        assert_eq!(r.first_name, None);
    }

    #[test]
    fn wrapping_is_required_unless_bare_is_allowed() {
        assert_eq!(fields(r#"{"nope": 1}"#, false).unwrap_err().code, 4001);
        let bare = fields(
            r#"{"deposit_amount_1": 0.01, "deposit_amount_2": "0.02"}"#,
            true,
        )
        .unwrap();
        assert_eq!(bare.amounts().unwrap(), [1, 2]);
        assert!(fields(r#"{"micro_deposit": 3}"#, false)
            .unwrap_err()
            .message
            .contains("micro_deposit"));
        assert!(
            fields(r#"{"micro_deposit": {"account_type": "BROKERAGE"}}"#, false)
                .unwrap()
                .request()
                .is_err()
        );
    }
}
