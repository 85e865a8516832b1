//! Finicity's request bodies, typed, and their checks (with Finicity's error codes).

use axum::body::Bytes;
use pennydrop_core::{AccountNumber, RoutingNumber};
use pennydrop_engine::accounts::split_name;
use pennydrop_engine::{LinkRequest, NewAccount};
use serde::Deserialize;

use super::error::{FinicityError, FinicityResult};
use crate::amounts::AmountText;
use crate::json::{self, BodyError};

const MAX_NAME: usize = 64;
const MAX_MEMO: usize = 80;

/// `POST /aggregation/v2/partners/authentication`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Authentication {
    partner_id: Option<String>,
    partner_secret: Option<String>,
}

/// `POST /microentry/v1/customers/{customerId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitiateBody {
    callback_url: Option<String>,
    /// Accepted and checked for shape; Pennydrop has no institution logins.
    #[allow(dead_code)]
    institution_login_id: Option<LoginId>,
    receiver: Option<Receiver>,
}

/// Finicity's examples send the institution login ID as a number or a string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
#[allow(dead_code)]
enum LoginId {
    Text(String),
    Number(serde_json::Number),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Receiver {
    account_type: Option<String>,
    routing_number: Option<String>,
    account_number: Option<String>,
    name: Option<String>,
    memo: Option<String>,
}

/// `POST .../amounts`.
#[derive(Debug, Deserialize)]
struct AmountsBody {
    amounts: Option<Vec<AmountText>>,
}

/// A checked initiation: whose account (the customer) and which bank account.
pub struct Initiation {
    pub customer: NewAccount,
    pub link: LinkRequest,
}

fn required(value: Option<String>, name: &str) -> FinicityResult<String> {
    value
        .filter(|s| !s.is_empty())
        .ok_or_else(|| FinicityError::bad_request("10005", format!("Missing parameter ({name})")))
}

/// The authentication's body: the partner's ID and secret (both required), as the engine
/// takes them.
pub fn decode_authentication(body: &Bytes) -> FinicityResult<(String, String)> {
    let request: Authentication = json::parse(body).map_err(|e| match e {
        BodyError::Malformed(_) => {
            FinicityError::bad_request("14020", "Bad request. (body must be a JSON object)")
        }
        other => FinicityError::generic(other.describe()),
    })?;
    let partner_id = required(request.partner_id, "partnerId")?;
    let partner_secret = required(request.partner_secret, "partnerSecret")?;
    Ok((partner_id, partner_secret))
}

/// Receiver.accountType → (business holder, bank account type).
pub fn account_type(raw: &str) -> Option<(bool, &'static str)> {
    Some(match raw.to_ascii_lowercase().as_str() {
        "personalchecking" | "checking" => (false, "checking"),
        "personalsavings" | "savings" => (false, "savings"),
        "businesschecking" => (true, "checking"),
        "businesssavings" => (true, "savings"),
        _ => return None,
    })
}

/// Finicity callbacks are not sent: a `callbackUrl` is refused rather than silently dropped,
/// so an integration never waits for a notification that will not come.
fn refuse_callback() -> FinicityResult<()> {
    Err(FinicityError::generic(
        "callbackUrl is not supported: register a webhook with POST /webhooks (the Moov API, \
         same key pair) to be notified, or poll the micro entries' details",
    ))
}

fn check_numbers(routing: &str, account_number: &str) -> FinicityResult<()> {
    if let Err(e) = RoutingNumber::parse(routing) {
        return Err(FinicityError::bad_request(
            "20024",
            format!("Invalid routing number: {e}"),
        ));
    }
    // The account number itself never appears in a message.
    if let Err(e) = AccountNumber::parse(account_number) {
        return Err(FinicityError::bad_request(
            "3000001",
            format!("Invalid account number: {e}"),
        ));
    }
    Ok(())
}

fn check_name(name: &str) -> FinicityResult<()> {
    if name.is_empty() || pennydrop_engine::input::check_text(name, MAX_NAME).is_err() {
        return Err(FinicityError::generic(format!(
            "receiver.name is required: 1 to {MAX_NAME} characters"
        )));
    }
    Ok(())
}

fn check_memo(memo: Option<&str>) -> FinicityResult<()> {
    if let Some(memo) = memo {
        if memo.chars().count() > MAX_MEMO || memo.chars().any(|c| !(' '..='~').contains(&c)) {
            return Err(FinicityError::bad_request(
                "3000003",
                format!("Invalid memo: at most {MAX_MEMO} printable ASCII characters"),
            ));
        }
    }
    Ok(())
}

/// The customer a first initiation opens: a business for business* account types, else an
/// individual named after the receiver.
fn customer(name: &str, business: bool) -> NewAccount {
    let new = if business {
        NewAccount::business(name)
    } else {
        let (first, last) = split_name(name);
        NewAccount::person(Some(&first), last.as_deref(), None, name.to_string())
    };
    new.with_metadata("createdBy", "finicity")
}

pub fn decode_initiation(body: &Bytes) -> FinicityResult<Initiation> {
    let request: InitiateBody = json::parse(body).map_err(|e| match e {
        BodyError::Malformed(m) => FinicityError::generic(m),
        other => FinicityError::generic(other.describe()),
    })?;
    if request.callback_url.is_some() {
        refuse_callback()?;
    }
    let receiver = request
        .receiver
        .ok_or_else(|| FinicityError::generic("receiver is required"))?;
    let raw_type = receiver
        .account_type
        .as_deref()
        .ok_or_else(|| FinicityError::generic("receiver.accountType is required"))?;
    let (business, bank_account_type) = account_type(raw_type).ok_or_else(|| {
        FinicityError::generic(format!(
            "Account type not supported: {raw_type:?} is not one of personalChecking, businessChecking, personalSavings, businessSavings, checking, savings"
        ))
    })?;
    let routing = receiver.routing_number.as_deref().unwrap_or("").trim();
    let account_number = receiver.account_number.as_deref().unwrap_or("").trim();
    check_numbers(routing, account_number)?;
    let name = receiver.name.as_deref().unwrap_or("").trim();
    check_name(name)?;
    check_memo(receiver.memo.as_deref())?;
    Ok(Initiation {
        customer: customer(name, business),
        link: LinkRequest {
            holder_name: Some(name.to_string()),
            holder_type: Some(if business { "business" } else { "individual" }.into()),
            account_number: Some(account_number.to_string()),
            bank_account_type: Some(bank_account_type.into()),
            routing_number: Some(routing.to_string()),
        },
    })
}

fn invalid_amounts(detail: impl std::fmt::Display) -> FinicityError {
    FinicityError::bad_request("3000003", format!("Invalid amount format: {detail}"))
}

/// `{"amounts": [0.12, 0.15]}`: exactly two dollar amounts, numbers or strings, whole cents.
pub fn decode_amounts(body: &Bytes) -> FinicityResult<[i64; 2]> {
    let request: AmountsBody = json::parse(body).map_err(|e| match e {
        BodyError::Malformed(m) => FinicityError::generic(m),
        other => invalid_amounts(other.describe()),
    })?;
    let list = request.amounts.ok_or_else(|| {
        invalid_amounts("amounts must be a list of two dollar amounts, e.g. [0.12, 0.15]")
    })?;
    if list.len() != 2 {
        return Err(invalid_amounts(format!(
            "exactly two amounts are needed, got {}",
            list.len()
        )));
    }
    let mut out = [0i64; 2];
    for (i, (slot, item)) in out.iter_mut().zip(&list).enumerate() {
        *slot = item
            .dollar_cents()
            .map_err(|e| invalid_amounts(format!("amounts[{i}]: {}", e.0)))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_types_are_case_insensitive() {
        assert_eq!(account_type("personalChecking"), Some((false, "checking")));
        assert_eq!(account_type("Checking"), Some((false, "checking")));
        assert_eq!(account_type("BUSINESSSAVINGS"), Some((true, "savings")));
        assert_eq!(account_type("savings"), Some((false, "savings")));
        assert_eq!(account_type("loan"), None);
    }

    #[test]
    fn amounts_are_two_dollar_values() {
        let ok = |s: &str| decode_amounts(&Bytes::from(s.to_string())).unwrap();
        assert_eq!(ok(r#"{"amounts":[0.12,0.15]}"#), [12, 15]);
        assert_eq!(ok(r#"{"amounts":["0.12","0.05"]}"#), [12, 5]);
        for bad in [
            r#"{"amounts":[0.075,0.1]}"#,
            r#"{"amounts":[-0.01,0.1]}"#,
            r#"{"amounts":["x",0.1]}"#,
            r#"{"amounts":[true,0.1]}"#,
            r#"{"amounts":[0.1]}"#,
            r#"{"amounts":[0.1,0.1,0.1]}"#,
            r#"{"amounts":"0.1,0.1"}"#,
            r#"{"amounts":[1e-2,0.1]}"#,
            r#"{"amounts":[" 0.01",0.1]}"#,
            r#"{"amounts":["0.01 ",0.1]}"#,
            r#"{"amounts":[100000000000000000000,0.1]}"#,
            r#"{}"#,
        ] {
            let e = decode_amounts(&Bytes::from(bad.to_string())).unwrap_err();
            assert_eq!(e.code, "3000003", "{bad}");
        }
        assert_eq!(
            decode_amounts(&Bytes::from_static(b"{")).unwrap_err().code,
            "14020"
        );
    }

    #[test]
    fn customers_are_named_after_the_receiver() {
        let c = customer("Mary Ann Smith", false);
        assert_eq!(c.profile["individual"]["name"]["firstName"], "Mary Ann");
        assert_eq!(c.profile["individual"]["name"]["lastName"], "Smith");
        assert_eq!(c.metadata["createdBy"], "finicity");
        let b = customer("Acme LLC", true);
        assert_eq!(b.profile["business"]["legalBusinessName"], "Acme LLC");
    }
}
