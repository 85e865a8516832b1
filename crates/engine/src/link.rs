//! Linking a bank account: the details every dialect collects, checked in one place. A problem
//! names its field and reason as data; each dialect renders it in its own vocabulary (Moov's
//! `holderName`, MX's `first_name/last_name`, Finicity's error codes).

use pennydrop_core::model::{BankAccountType, HolderType};
use pennydrop_core::numbers::{AccountNumberError, RoutingNumberError};
use pennydrop_core::{AccountNumber, RoutingNumber};

/// Longest holder name (NACHA's individual name field is 22 characters; Moov allows 64 and
/// the file builder truncates).
pub const MAX_HOLDER_NAME: usize = 64;

/// Bank-account details as they arrive, before any check.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LinkRequest {
    pub holder_name: Option<String>,
    pub holder_type: Option<String>,
    pub account_number: Option<String>,
    pub bank_account_type: Option<String>,
    pub routing_number: Option<String>,
}

/// Details that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidLink {
    pub holder_name: String,
    pub holder_type: HolderType,
    pub number: AccountNumber,
    pub bank_account_type: BankAccountType,
    pub routing: RoutingNumber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkField {
    HolderName,
    HolderType,
    AccountNumber,
    BankAccountType,
    RoutingNumber,
}

impl LinkField {
    /// The field's name in the Moov API (and in Pennydrop's own messages).
    pub fn moov_name(self) -> &'static str {
        match self {
            LinkField::HolderName => "holderName",
            LinkField::HolderType => "holderType",
            LinkField::AccountNumber => "accountNumber",
            LinkField::BankAccountType => "bankAccountType",
            LinkField::RoutingNumber => "routingNumber",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkReason {
    /// Absent or blank; `expected` lists the allowed values where there is a fixed set.
    Missing {
        expected: Option<String>,
    },
    TooLong {
        max: usize,
    },
    ControlCharacters,
    NotOneOf {
        given: String,
        expected: String,
    },
    Routing(RoutingNumberError),
    /// The number itself is never part of the reason.
    AccountNumber(AccountNumberError),
    /// A well-formed routing number that the (authoritative) FedACH directory does not list.
    NotInDirectory,
    /// Nothing of it survives transliteration to the ACH network's ASCII (only punctuation or
    /// symbols).
    NotRepresentable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkProblem {
    pub field: LinkField,
    pub reason: LinkReason,
}

impl LinkProblem {
    fn new(field: LinkField, reason: LinkReason) -> Self {
        Self { field, reason }
    }

    /// The problem as a sentence, naming the field as `name`.
    pub fn describe(&self, name: &str) -> String {
        match &self.reason {
            LinkReason::Missing { expected: None } => format!("{name} is required"),
            LinkReason::Missing {
                expected: Some(list),
            } => format!("{name} is required: one of {list}"),
            LinkReason::TooLong { max } => format!("{name} must be at most {max} characters"),
            LinkReason::ControlCharacters => {
                format!("{name} must not contain control or bidirectional-override characters")
            }
            LinkReason::NotOneOf { given, expected } => {
                format!("{name} {given:?} is not one of {expected}")
            }
            LinkReason::Routing(e) => format!("{name}: {e}"),
            LinkReason::AccountNumber(e) => format!("{name}: {e}"),
            LinkReason::NotInDirectory => {
                format!("{name} is not in the FedACH participant directory")
            }
            LinkReason::NotRepresentable => format!(
                "{name} has no letters or digits the ACH network can carry (names are transliterated to ASCII)"
            ),
        }
    }
}

/// Every problem with a link request, so the caller can fix them in one go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe(LinkField::moov_name))]
pub struct LinkError {
    pub problems: Vec<LinkProblem>,
}

impl LinkError {
    pub fn one(field: LinkField, reason: LinkReason) -> Self {
        Self {
            problems: vec![LinkProblem::new(field, reason)],
        }
    }

    /// All problems, `; `-separated, each naming its field through `name`.
    pub fn describe(&self, name: impl Fn(LinkField) -> &'static str) -> String {
        self.problems
            .iter()
            .map(|p| p.describe(name(p.field)))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn first(&self) -> Option<&LinkProblem> {
        self.problems.first()
    }
}

fn choice<T>(
    raw: Option<&str>,
    field: LinkField,
    parse: fn(&str) -> Option<T>,
    expected: String,
    problems: &mut Vec<LinkProblem>,
) -> Option<T> {
    match raw {
        None => {
            problems.push(LinkProblem::new(
                field,
                LinkReason::Missing {
                    expected: Some(expected.clone()),
                },
            ));
            None
        }
        Some(t) => parse(t).or_else(|| {
            problems.push(LinkProblem::new(
                field,
                LinkReason::NotOneOf {
                    given: t.to_string(),
                    expected,
                },
            ));
            None
        }),
    }
}

fn holder_name(raw: Option<&str>, problems: &mut Vec<LinkProblem>) -> String {
    let name = raw.map(str::trim).unwrap_or_default().to_string();
    let reason = if name.is_empty() {
        Some(LinkReason::Missing { expected: None })
    } else if name.chars().count() > MAX_HOLDER_NAME {
        Some(LinkReason::TooLong {
            max: MAX_HOLDER_NAME,
        })
    } else if name.chars().any(crate::input::is_unsafe) {
        Some(LinkReason::ControlCharacters)
    } else if !pennydrop_core::text::nacha_representable(&name) {
        Some(LinkReason::NotRepresentable)
    } else {
        None
    };
    if let Some(reason) = reason {
        problems.push(LinkProblem::new(LinkField::HolderName, reason));
    }
    name
}

fn parsed<T, E>(
    raw: Option<&str>,
    field: LinkField,
    parse: fn(&str) -> Result<T, E>,
    reason: fn(E) -> LinkReason,
    problems: &mut Vec<LinkProblem>,
) -> Option<T> {
    let Some(raw) = raw else {
        problems.push(LinkProblem::new(
            field,
            LinkReason::Missing { expected: None },
        ));
        return None;
    };
    parse(raw)
        .map_err(|e| problems.push(LinkProblem::new(field, reason(e))))
        .ok()
}

impl LinkRequest {
    /// Checks every field; the problems come in field order.
    pub fn validate(&self) -> Result<ValidLink, LinkError> {
        let mut problems = Vec::new();
        let holder_name = holder_name(self.holder_name.as_deref(), &mut problems);
        let holder_type = choice(
            self.holder_type.as_deref(),
            LinkField::HolderType,
            HolderType::parse,
            HolderType::expected(),
            &mut problems,
        );
        let bank_account_type = choice(
            self.bank_account_type.as_deref(),
            LinkField::BankAccountType,
            BankAccountType::parse,
            BankAccountType::expected(),
            &mut problems,
        );
        let routing = parsed(
            self.routing_number.as_deref(),
            LinkField::RoutingNumber,
            RoutingNumber::parse,
            LinkReason::Routing,
            &mut problems,
        );
        let number = parsed(
            self.account_number.as_deref(),
            LinkField::AccountNumber,
            AccountNumber::parse,
            LinkReason::AccountNumber,
            &mut problems,
        );
        match (holder_type, bank_account_type, routing, number) {
            (Some(holder_type), Some(bank_account_type), Some(routing), Some(number))
                if problems.is_empty() =>
            {
                Ok(ValidLink {
                    holder_name,
                    holder_type,
                    number,
                    bank_account_type,
                    routing,
                })
            }
            _ => Err(LinkError { problems }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> LinkRequest {
        LinkRequest {
            holder_name: Some(" Jane Doe ".into()),
            holder_type: Some("individual".into()),
            account_number: Some("0004321567000".into()),
            bank_account_type: Some("checking".into()),
            routing_number: Some("021000021".into()),
        }
    }

    #[test]
    fn good_details_pass_trimmed() {
        let v = good().validate().unwrap();
        assert_eq!(v.holder_name, "Jane Doe");
        assert_eq!(v.routing.as_str(), "021000021");
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let e = LinkRequest {
            holder_name: Some("x".repeat(65)),
            holder_type: Some("robot".into()),
            routing_number: Some("021000022".into()),
            ..LinkRequest::default()
        }
        .validate()
        .unwrap_err();
        let fields: Vec<LinkField> = e.problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                LinkField::HolderName,
                LinkField::HolderType,
                LinkField::BankAccountType,
                LinkField::RoutingNumber,
                LinkField::AccountNumber
            ]
        );
        assert_eq!(
            e.problems[0].reason,
            LinkReason::TooLong {
                max: MAX_HOLDER_NAME
            }
        );
        assert!(matches!(e.problems[3].reason, LinkReason::Routing(_)));
        let text = e.to_string();
        assert!(
            text.starts_with(
                "holderName must be at most 64 characters; holderType \"robot\" is not one of"
            ),
            "{text}"
        );
        assert!(text.ends_with("accountNumber is required"), "{text}");
    }

    #[test]
    fn names_must_survive_transliteration() {
        let name = |n: &str| {
            LinkRequest {
                holder_name: Some(n.into()),
                ..good()
            }
            .validate()
        };
        assert!(name("李小龙").is_ok());
        assert!(name("محمد علي").is_ok());
        let e = name("!!!").unwrap_err();
        assert_eq!(e.problems[0].reason, LinkReason::NotRepresentable);
    }

    #[test]
    fn dialects_rename_fields() {
        let e = LinkError::one(
            LinkField::HolderName,
            LinkReason::Missing { expected: None },
        );
        assert_eq!(
            e.describe(|_| "first_name/last_name"),
            "first_name/last_name is required"
        );
    }
}
