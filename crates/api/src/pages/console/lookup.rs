//! `GET /console/lookup?q=`: a bank account by its ID, by the last four digits of its account
//! number, or by its fingerprint, across tenants. Only the last four digits are shown.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use pennydrop_core::model::BankAccount;
use pennydrop_engine::ports::BankAccountLookup;
use pennydrop_engine::{Engine, EngineError};
use serde::Deserialize;
use uuid::Uuid;

use super::session::Signed;
use super::{failure, masked, when, Frame};
use crate::pages::page;
use crate::AppState;

pub struct AccountRow {
    pub bank_account: String,
    pub account: String,
    pub tenant: String,
    pub holder: String,
    pub bank: String,
    pub routing: String,
    pub number: String,
    pub status: String,
    pub created: String,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "console/lookup.html")]
struct Lookup {
    lang: &'static str,
    frame: Frame,
    query: String,
    problem: Option<&'static str>,
    searched: bool,
    rows: Vec<AccountRow>,
}

#[derive(Deserialize)]
pub struct Search {
    q: Option<String>,
}

/// What the text typed means: an ID, four digits, or a fingerprint (hex).
enum Wanted {
    Id(Uuid),
    By(BankAccountLookup),
}

fn parse(q: &str) -> Option<Wanted> {
    if let Ok(id) = Uuid::parse_str(q) {
        return Some(Wanted::Id(id));
    }
    if q.len() == 4 && q.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Wanted::By(BankAccountLookup::LastFour(q.to_string())));
    }
    // A fingerprint is an HMAC-SHA-256 in hex (`Vault::fingerprint`).
    if q.len() == 64 && q.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(Wanted::By(BankAccountLookup::Fingerprint(
            q.to_ascii_lowercase(),
        )));
    }
    None
}

async fn find(engine: &Engine, wanted: &Wanted) -> Result<Vec<BankAccount>, EngineError> {
    match wanted {
        Wanted::Id(id) => Ok(engine.bank_account_by_id(*id).await?.into_iter().collect()),
        Wanted::By(lookup) => engine.find_bank_accounts(lookup).await,
    }
}

fn row(b: &BankAccount) -> AccountRow {
    AccountRow {
        bank_account: b.bank_account_id.to_string(),
        account: b.account_id.to_string(),
        tenant: b.tenant_id.to_string(),
        holder: b.holder_name.clone(),
        bank: b.bank_name.clone(),
        routing: b.routing_number.clone(),
        number: masked(&b.last_four),
        status: b.status.to_string(),
        created: when(b.created_on),
        disabled: b.disabled_on.is_some(),
    }
}

pub async fn show(
    State(state): State<AppState>,
    Signed(session): Signed,
    Query(search): Query<Search>,
) -> Response {
    let query = search.q.unwrap_or_default().trim().to_string();
    let mut problem = None;
    let mut rows = Vec::new();
    if !query.is_empty() {
        match parse(&query) {
            Some(wanted) => match find(&state.engine, &wanted).await {
                Ok(found) => rows = found.iter().map(row).collect(),
                Err(e) => return failure(e),
            },
            None => {
                problem = Some(
                    "Type a bank account ID, the last four digits of an account number, or a fingerprint.",
                )
            }
        }
    }
    page(
        StatusCode::OK,
        &Lookup {
            lang: "en",
            frame: Frame::of(&session),
            searched: !query.is_empty() && problem.is_none(),
            // What could not be parsed may be a full account number: it is not shown again.
            query: if problem.is_none() {
                query
            } else {
                String::new()
            },
            problem,
            rows,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_typed_decides_the_lookup() {
        let id = Uuid::new_v4();
        assert!(matches!(parse(&id.to_string()), Some(Wanted::Id(got)) if got == id));
        assert!(matches!(
            parse("7788"),
            Some(Wanted::By(BankAccountLookup::LastFour(d))) if d == "7788"
        ));
        assert!(matches!(
            parse(&"4f1c9a0b".repeat(8)),
            Some(Wanted::By(BankAccountLookup::Fingerprint(_)))
        ));
        for refused in [
            "778",
            "77889",
            "55667788",
            "drop table",
            "<script>",
            &"g".repeat(64),
        ] {
            assert!(parse(refused).is_none(), "{refused}");
        }
    }
}
