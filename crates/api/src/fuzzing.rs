//! The IO-free entry point for the fuzz targets in `fuzz/` (`moov_bodies`, `finicity_bodies`,
//! `mx_bodies`; docs/fuzzing.md). It runs exactly the decoders the handlers run: every request
//! body a dialect reads goes through the same `decode_*` functions its handlers call, from the
//! raw bytes up to what the engine takes, with every check a handler makes before calling the
//! engine that needs neither the database, nor the caller, nor the path. Nothing here touches
//! the database or the network.
//!
//! Each dialect lists its body-taking operations in one table (`BODY_OPERATIONS` in its
//! `bodies.rs`); an operation's index is its place in the table. New operations go at the end,
//! so that the committed corpora, whose first byte picks the operation, keep their meaning.
//!
//! Where a decoder needs more than the body, the fuzz targets pass what a handler typically
//! has: a token request carries no `Authorization` header (its credentials are in the body);
//! an MX micro-deposit's holder name falls back on [`context::FALLBACK_HOLDER`] where the
//! handler has a stored name, and on nothing for a Nexus email seen for the first time.

use axum::body::Bytes;
use axum::http::StatusCode;

use crate::dialects::{finicity, moov, mx};

/// Which dialect's bodies to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Moov,
    Finicity,
    Mx,
}

/// One body-taking operation of a dialect.
pub(crate) struct BodyOperation {
    /// Method and path, as in failure messages (`POST /accounts`).
    pub(crate) name: &'static str,
    /// The handlers that decode this body, as `file.rs::function` under the dialect's
    /// directory (checked against the sources by this module's tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) handlers: &'static [&'static str],
    /// The decoder; a refusal is the HTTP status the handler answers.
    pub(crate) decode: fn(&Bytes) -> Result<(), StatusCode>,
}

/// What some decoders need beyond the body, as the fuzz targets assume it: representative
/// values of what a handler passes.
pub(crate) mod context {
    /// The holder name an MX micro-deposit falls back on when its body names nobody: the MX
    /// user's display name (Platform), or the names a pre-initiated Nexus record was opened
    /// with. The handlers always have one there.
    pub(crate) const FALLBACK_HOLDER: &str = "Jane Doe";
}

/// `table[op modulo its length]`'s decoder on `body` (each dialect's `decode_body`).
pub(crate) fn run(table: &[BodyOperation], op: u8, body: &Bytes) -> Result<(), StatusCode> {
    match usize::from(op).checked_rem(table.len()) {
        Some(i) => (table[i].decode)(body),
        None => Ok(()),
    }
}

/// A decoder's answer as [`BodyOperation::decode`] gives it.
pub(crate) fn status<T, E>(
    decoded: Result<T, E>,
    status_of: impl FnOnce(&E) -> StatusCode,
) -> Result<(), StatusCode> {
    decoded.map(drop).map_err(|e| status_of(&e))
}

fn table(dialect: Dialect) -> &'static [BodyOperation] {
    match dialect {
        Dialect::Moov => moov::BODY_OPERATIONS,
        Dialect::Finicity => finicity::BODY_OPERATIONS,
        Dialect::Mx => mx::BODY_OPERATIONS,
    }
}

/// The number of body-taking operations of `dialect` (operation indexes are `0..count`).
pub fn operations(dialect: Dialect) -> u8 {
    u8::try_from(table(dialect).len()).unwrap_or(u8::MAX)
}

/// The name of operation `op` (e.g. `POST /accounts`), for failure messages; `op` is taken
/// modulo [`operations`].
pub fn operation_name(dialect: Dialect, op: u8) -> &'static str {
    let table = table(dialect);
    usize::from(op)
        .checked_rem(table.len())
        .map_or("", |i| table[i].name)
}

/// Decodes `body` as operation `op`'s request body (`op` modulo [`operations`]). `Ok(())` when
/// the decoder accepts it, `Err(status)` with the HTTP status the handler would answer when it
/// refuses it.
pub fn decode(dialect: Dialect, op: u8, body: &[u8]) -> Result<(), StatusCode> {
    let body = Bytes::copy_from_slice(body);
    match dialect {
        Dialect::Moov => moov::decode_body(op, &body),
        Dialect::Finicity => finicity::decode_body(op, &body),
        Dialect::Mx => mx::decode_body(op, &body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    const ALL: [Dialect; 3] = [Dialect::Moov, Dialect::Finicity, Dialect::Mx];

    fn directory(dialect: Dialect) -> &'static str {
        match dialect {
            Dialect::Moov => "moov",
            Dialect::Finicity => "finicity",
            Dialect::Mx => "mx",
        }
    }

    /// An accepted body per operation, by name (from tests/*.rs and the docs).
    fn example(dialect: Dialect, name: &str) -> &'static str {
        match (dialect, name) {
            (Dialect::Moov, "POST /accounts") => {
                r#"{"accountType":"individual","profile":{"individual":{"name":{"firstName":"Jules","lastName":"Doe"},"email":"jules@example.com"}}}"#
            }
            (Dialect::Moov, "PATCH /accounts/{accountID}") => r#"{"foreignID":"customer-7"}"#,
            (Dialect::Moov, "POST /accounts/{accountID}/bank-accounts") => {
                r#"{"account":{"holderName":"Jules Doe","holderType":"individual","accountNumber":"12345678","bankAccountType":"checking","routingNumber":"231380104"}}"#
            }
            (Dialect::Moov, "PUT .../micro-deposits") => r#"{"amounts":[18,21]}"#,
            (Dialect::Moov, "PUT .../verify") => r#"{"code":"MV1234"}"#,
            (Dialect::Moov, "POST /webhooks, PUT /webhooks/{webhookID}") => {
                r#"{"url":"https://hooks.example.com/p","status":"enabled","eventTypes":["*"]}"#
            }
            (Dialect::Moov, "POST /webhooks/{webhookID}/replay") => {
                r#"{"since":"2026-12-01T00:00:00Z"}"#
            }
            (
                Dialect::Moov,
                "POST /accounts/{accountID}/bank-accounts/{bankAccountID}/verification-links",
            ) => r#"{"expiresOn":"2026-12-09T15:00:00Z"}"#,
            (Dialect::Moov, "PUT /branding") => r#"{"companyName":"Acme"}"#,
            (Dialect::Moov, "POST /admin/bank-accounts/{bankAccountID}/unlock") => {
                r#"{"reason":"holder called"}"#
            }
            (Dialect::Moov, "PUT /admin/risk/tenants/{tenantID}/settings") => {
                r#"{"settings":{"tenantHourly":{"max":1}},"reason":"test limits"}"#
            }
            (Dialect::Moov, "POST /admin/risk/blocklist") => {
                r#"{"routingNumber":"021000021","reason":"another bank"}"#
            }
            (Dialect::Moov, "POST /oauth2/token (JSON)") => {
                r#"{"grant_type":"client_credentials","client_id":"pdpk_x","client_secret":"pdsk_y","scope":"/accounts.read"}"#
            }
            (Dialect::Moov, "POST /oauth2/token (form)") => {
                "grant_type=client_credentials&client_id=pdpk_x&client_secret=pdsk_y&scope=%2Faccounts.read+%2Fping.read"
            }
            (Dialect::Moov, "POST /accounts/{accountID}/verification-links") => {
                r#"{"mode":"collect"}"#
            }
            (Dialect::Moov, "POST /admin/risk/tenants/{tenantID}/pause") => {
                r#"{"reason":"returns under review"}"#
            }
            (Dialect::Moov, "POST /admin/risk/tenants/{tenantID}/resume") => {
                r#"{"reason":"returns explained: closed accounts from an old list"}"#
            }
            (Dialect::Finicity, "POST /aggregation/v2/partners/authentication") => {
                r#"{"partnerId":"pdpk_x","partnerSecret":"pdsk_y"}"#
            }
            (Dialect::Finicity, "POST /microentry/v1/customers/{customerId}") => {
                r#"{"receiver":{"routingNumber":"011000138","accountNumber":"5111111111","accountType":"personalChecking","name":"Bob Smith"}}"#
            }
            (
                Dialect::Finicity,
                "POST /microentry/v1/customers/{customerId}/accounts/{accountId}/amounts",
            ) => r#"{"amounts":[0.12,0.15]}"#,
            (Dialect::Mx, "POST /users") => {
                r#"{"user":{"email":"jane@example.com","id":"partner-user-1"}}"#
            }
            (Dialect::Mx, "POST /users/{user_guid}/micro_deposits") => {
                r#"{"micro_deposit":{"account_name":"My Checking","account_number":"0004321567000","account_type":"CHECKING","routing_number":"021000021"}}"#
            }
            (Dialect::Mx, "PUT /micro_deposits/{guid}/verify") => {
                r#"{"micro_deposit":{"deposit_amount_1":0.12,"deposit_amount_2":"0.15"}}"#
            }
            (Dialect::Mx, "POST /micro_deposits (Nexus)") => {
                r#"{"micro_deposit":{"account_number":"0004321567000","account_type_name":"CHECKING","routing_number":"021000021","email":"jane@example.com","first_name":"Jane","last_name":"Doe"}}"#
            }
            (Dialect::Mx, "PUT /micro_deposits/{guid} (Nexus)") => {
                r#"{"deposit_amount_1":"0.12","deposit_amount_2":"0.15"}"#
            }
            _ => panic!("no example body for {dialect:?} {name}: add one here"),
        }
    }

    #[test]
    fn every_operation_accepts_its_example() {
        for dialect in ALL {
            for op in 0..operations(dialect) {
                let name = operation_name(dialect, op);
                let body = example(dialect, name);
                assert_eq!(
                    decode(dialect, op, body.as_bytes()),
                    Ok(()),
                    "{dialect:?} {name}: {body}"
                );
            }
        }
    }

    /// The index of the operation called `name`.
    fn op(dialect: Dialect, name: &str) -> u8 {
        (0..operations(dialect))
            .find(|&op| operation_name(dialect, op) == name)
            .unwrap_or_else(|| panic!("{dialect:?} has no operation {name}"))
    }

    /// Bodies of the other shapes some operations take (a decoder's other branches).
    #[test]
    fn other_accepted_shapes() {
        let id = "5f0c7d1e-8a7e-4a39-9d43-4b9a8b4b3f10";
        let bank_link =
            "POST /accounts/{accountID}/bank-accounts/{bankAccountID}/verification-links";
        let accepted = [
            (Dialect::Moov, bank_link, String::new()),
            (Dialect::Moov, bank_link, r#"{"mode":"verify"}"#.into()),
            (Dialect::Moov, "POST /webhooks/{webhookID}/replay", format!(r#"{{"eventID":"{id}"}}"#)),
            (
                Dialect::Moov,
                "POST /accounts",
                r#"{"accountType":"business","profile":{"business":{"legalBusinessName":"Acme LLC"}}}"#.into(),
            ),
            (
                Dialect::Moov,
                "POST /admin/risk/blocklist",
                format!(r#"{{"bankAccountID":"{id}","reason":"reported stolen"}}"#),
            ),
            (
                Dialect::Mx,
                "POST /micro_deposits (Nexus)",
                r#"{"micro_deposit":{"email":"jane@example.com","first_name":"Jane","last_name":"Doe"}}"#.into(),
            ),
            (
                Dialect::Mx,
                "PUT /micro_deposits/{guid} (Nexus)",
                r#"{"micro_deposit":{"account_number":"55667788","account_type":"CHECKING","routing_number":"021000021"}}"#.into(),
            ),
        ];
        for (dialect, name, body) in accepted {
            let op = op(dialect, name);
            assert_eq!(
                decode(dialect, op, body.as_bytes()),
                Ok(()),
                "{name}: {body}"
            );
        }
    }

    /// Refusals keep the handlers' statuses: 400 for what is not JSON, 422 (Moov) for a field,
    /// 401 for a token request without credentials.
    #[test]
    fn refusals_have_the_handlers_statuses() {
        let refused = [
            (Dialect::Moov, "POST /accounts", "{", 400),
            (
                Dialect::Moov,
                "POST /accounts",
                r#"{"accountType":"robot"}"#,
                422,
            ),
            (
                Dialect::Moov,
                "POST /accounts/{accountID}/verification-links",
                "{}",
                422,
            ),
            (
                Dialect::Moov,
                "POST /admin/risk/tenants/{tenantID}/pause",
                "{}",
                422,
            ),
            (
                Dialect::Moov,
                "POST /oauth2/token (JSON)",
                r#"{"grant_type":"client_credentials"}"#,
                401,
            ),
            (
                Dialect::Moov,
                "POST /oauth2/token (form)",
                "grant_type=password",
                400,
            ),
            (
                Dialect::Finicity,
                "POST /aggregation/v2/partners/authentication",
                r#"{"partnerId":"x"}"#,
                400,
            ),
            (
                Dialect::Mx,
                "POST /users",
                r#"{"user":{"email":"nope"}}"#,
                400,
            ),
        ];
        for (dialect, name, body, status) in refused {
            let answer = decode(dialect, op(dialect, name), body.as_bytes());
            assert_eq!(
                answer.map_err(|s| s.as_u16()),
                Err(status),
                "{name}: {body}"
            );
        }
    }

    #[test]
    fn garbage_is_a_client_error_for_every_operation() {
        for dialect in ALL {
            for op in 0..operations(dialect) {
                let name = operation_name(dialect, op);
                for body in ["{", "[]", "\"x\"", "", " \n"] {
                    // A verification link's body is optional: nothing at all means `{}`.
                    if body.trim().is_empty()
                        && name.ends_with("{bankAccountID}/verification-links")
                    {
                        assert_eq!(decode(dialect, op, body.as_bytes()), Ok(()), "{name}");
                        continue;
                    }
                    match decode(dialect, op, body.as_bytes()) {
                        Err(status) if status.is_client_error() => {}
                        other => panic!("{dialect:?} {name} answered {other:?} to {body:?}"),
                    }
                }
                for body in ["{}", "null", "{\"amounts\":[1e400]}", "\u{0}", "{\"a\":"] {
                    if let Err(status) = decode(dialect, op, body.as_bytes()) {
                        assert!(
                            status.is_client_error(),
                            "{dialect:?} {name}: {status} to {body:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn operations_are_taken_modulo_their_count() {
        for dialect in ALL {
            let count = operations(dialect);
            assert!(count > 0, "{dialect:?}");
            for op in 0..count {
                let name = operation_name(dialect, op);
                let body = example(dialect, name).as_bytes();
                for again in (u16::from(op)..256).step_by(usize::from(count)) {
                    let again = u8::try_from(again).unwrap();
                    assert_eq!(operation_name(dialect, again), name);
                    assert_eq!(decode(dialect, again, body), Ok(()), "{name}");
                }
            }
            let names: BTreeSet<&str> = (0..count).map(|op| operation_name(dialect, op)).collect();
            assert_eq!(
                names.len(),
                usize::from(count),
                "{dialect:?}: names are unique"
            );
        }
    }

    /// `(name, parameters)` of every `async fn` in `source`.
    fn async_fns(source: &str) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        for (at, _) in source.match_indices("async fn ") {
            let rest = &source[at + "async fn ".len()..];
            let name_end = rest.find(['(', '<']).unwrap();
            let open = rest.find('(').unwrap();
            let mut depth = 0;
            let close = rest[open..]
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .unwrap()
                .0;
            out.push((rest[..name_end].trim(), &rest[open + 1..open + close]));
        }
        out
    }

    /// The parameters' types, split at the commas outside brackets.
    fn parameter_types(params: &str) -> Vec<String> {
        let mut parts = vec![String::new()];
        let mut depth = 0;
        for c in params.chars() {
            match c {
                '(' | '<' | '[' | '{' => depth += 1,
                ')' | '>' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(String::new());
                    continue;
                }
                _ => {}
            }
            parts.last_mut().unwrap().push(c);
        }
        parts
            .iter()
            .filter_map(|p| p.rsplit_once(": ").map(|(_, ty)| ty.trim().to_string()))
            .collect()
    }

    /// Whether a parameter of this type is the request's body.
    fn is_body(ty: &str) -> bool {
        let base = ty.split('<').next().unwrap_or(ty);
        let last = base.rsplit("::").next().unwrap_or(base).trim();
        [
            "Bytes",
            "String",
            "Json",
            "Form",
            "RawForm",
            "Body",
            "Request",
            "Multipart",
        ]
        .contains(&last)
    }

    /// The `.rs` files under `dir`, as (path relative to the dialect's directory, source).
    fn sources(dir: &Path, prefix: &str, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                sources(&path, &format!("{prefix}{file}/"), out);
            } else if file.ends_with(".rs") {
                out.push((
                    format!("{prefix}{file}"),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }

    /// The functions a router routes to in `source` (`post(links::create)`,
    /// `.put(nexus_put)`), as (module, name).
    fn routed(source: &str) -> Vec<(Option<&str>, &str)> {
        let mut out = Vec::new();
        for method in ["get(", "post(", "put(", "patch(", "delete("] {
            for (at, _) in source.match_indices(method) {
                let before = source[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = &source[at + method.len()..];
                let Some(path) = rest.split_once(')').map(|(p, _)| p) else {
                    continue;
                };
                let ident = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
                if path.is_empty() || !path.chars().all(ident) {
                    continue;
                }
                out.push(match path.rsplit_once("::") {
                    Some((module, name)) => (module.rsplit("::").next(), name),
                    None => (None, path),
                });
            }
        }
        out
    }

    /// `file.rs::function` of every routed handler under `dir` with a body parameter.
    fn body_handlers(dir: &Path) -> BTreeSet<String> {
        let mut files = Vec::new();
        sources(dir, "", &mut files);
        let fns: Vec<(&str, &str, &str)> = files
            .iter()
            .flat_map(|(file, source)| {
                async_fns(source)
                    .into_iter()
                    .map(move |(name, params)| (file.as_str(), name, params))
            })
            .collect();
        let mut found = BTreeSet::new();
        for (module, name) in files.iter().flat_map(|(_, source)| routed(source)) {
            let in_module = |file: &str| {
                module.is_none_or(|m| file.trim_end_matches(".rs").rsplit('/').next() == Some(m))
            };
            let matching: Vec<_> = fns
                .iter()
                .filter(|(file, n, _)| *n == name && in_module(file))
                .collect();
            assert!(matching.len() <= 1, "{name} is ambiguous: {matching:?}");
            if let Some((file, name, params)) = matching.first() {
                if parameter_types(params).iter().any(|t| is_body(t)) {
                    found.insert(format!("{file}::{name}"));
                }
            }
        }
        found
    }

    /// Every handler that reads a request body has an operation here, and every operation's
    /// handlers exist: a new body-taking handler without a decoder entry fails this test.
    #[test]
    fn operations_cover_every_body_taking_handler() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/dialects");
        let mut counts = Vec::new();
        for dialect in ALL {
            let in_sources = body_handlers(&root.join(directory(dialect)));
            let table = table(dialect);
            assert!(table.iter().all(|o| !o.handlers.is_empty()), "{dialect:?}");
            let listed: BTreeSet<String> = table
                .iter()
                .flat_map(|o| o.handlers.iter().map(|h| h.to_string()))
                .collect();
            assert_eq!(
                listed, in_sources,
                "{dialect:?}: operations vs. body-taking handlers"
            );
            assert_eq!(usize::from(operations(dialect)), table.len());
            counts.push((operations(dialect), in_sources.len()));
        }
        // Moov: webhooks' create and update share a body; the token request is JSON or a form.
        assert_eq!(counts, [(17, 17), (3, 3), (5, 5)]);
    }

    #[test]
    fn routes_are_read_from_the_sources() {
        let source = ".route(\"/a\", post(links::create).get(list))\n\
                      .route(\"/b\", axum::routing::put(nexus_put))\n\
                      headers.get(name); target(x); q.get(\"count\")";
        let mut found = routed(source);
        found.sort();
        let expected = [
            (None, "list"),
            (None, "name"),
            (None, "nexus_put"),
            (Some("links"), "create"),
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn handlers_are_found_in_the_sources() {
        let source = "pub async fn a(State(s): State<AppState>, Path((x, y)): Path<(String, String)>) -> Json<Value> {}\n\
                      async fn b(p: Partner, body: axum::body::Bytes) {}\n\
                      async fn c<T>(Json(j): Json<T>) {}\n\
                      async fn d(Query(q): Query<HashMap<String, String>>, headers: HeaderMap) {}";
        let fns = async_fns(source);
        let names: Vec<&str> = fns.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        let bodies: Vec<bool> = fns
            .iter()
            .map(|(_, p)| parameter_types(p).iter().any(|t| is_body(t)))
            .collect();
        assert_eq!(bodies, [false, true, true, false]);
    }
}
