//! Moov's OAuth2 scopes and what each one grants.

use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    AccountsRead,
    AccountsWrite,
    PingRead,
    ProfileRead(Uuid),
    ProfileWrite(Uuid),
    /// `DELETE /accounts/{accountID}` (Moov's `profile.disconnect`).
    ProfileDisconnect(Uuid),
    BankAccountsRead(Uuid),
    BankAccountsWrite(Uuid),
    PaymentMethodsRead(Uuid),
    /// Operator keys only: read ACH files, inbound files and monitoring.
    AdminRead,
    /// Operator keys only: run cutoffs.
    AdminWrite,
    /// A tenant's webhooks: list and read (including the signing secret).
    WebhooksRead,
    /// A tenant's webhooks: create, update, delete, ping, replay.
    WebhooksWrite,
}

impl Scope {
    /// Parses one scope such as `/accounts/{accountID}/bank-accounts.read`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "/accounts.read" => return Some(Scope::AccountsRead),
            "/accounts.write" => return Some(Scope::AccountsWrite),
            "/ping.read" => return Some(Scope::PingRead),
            "/admin.read" => return Some(Scope::AdminRead),
            "/admin.write" => return Some(Scope::AdminWrite),
            "/webhooks.read" => return Some(Scope::WebhooksRead),
            "/webhooks.write" => return Some(Scope::WebhooksWrite),
            _ => {}
        }
        let rest = s.strip_prefix("/accounts/")?;
        let (id, tail) = rest.split_once('/')?;
        let id = Uuid::parse_str(id).ok()?;
        match tail {
            "profile.read" => Some(Scope::ProfileRead(id)),
            "profile.write" => Some(Scope::ProfileWrite(id)),
            "profile.disconnect" => Some(Scope::ProfileDisconnect(id)),
            "bank-accounts.read" => Some(Scope::BankAccountsRead(id)),
            "bank-accounts.write" => Some(Scope::BankAccountsWrite(id)),
            "payment-methods.read" => Some(Scope::PaymentMethodsRead(id)),
            _ => None,
        }
    }

    pub fn is_admin(self) -> bool {
        matches!(self, Scope::AdminRead | Scope::AdminWrite)
    }

    /// The account a scope is about, if it names one.
    pub fn account_id(&self) -> Option<Uuid> {
        match self {
            Scope::ProfileRead(id)
            | Scope::ProfileWrite(id)
            | Scope::ProfileDisconnect(id)
            | Scope::BankAccountsRead(id)
            | Scope::BankAccountsWrite(id)
            | Scope::PaymentMethodsRead(id) => Some(*id),
            Scope::AccountsRead
            | Scope::AccountsWrite
            | Scope::PingRead
            | Scope::AdminRead
            | Scope::AdminWrite
            | Scope::WebhooksRead
            | Scope::WebhooksWrite => None,
        }
    }

    pub fn render(&self) -> String {
        match self {
            Scope::AccountsRead => "/accounts.read".into(),
            Scope::AccountsWrite => "/accounts.write".into(),
            Scope::PingRead => "/ping.read".into(),
            Scope::AdminRead => "/admin.read".into(),
            Scope::AdminWrite => "/admin.write".into(),
            Scope::WebhooksRead => "/webhooks.read".into(),
            Scope::WebhooksWrite => "/webhooks.write".into(),
            Scope::ProfileRead(id) => format!("/accounts/{id}/profile.read"),
            Scope::ProfileWrite(id) => format!("/accounts/{id}/profile.write"),
            Scope::ProfileDisconnect(id) => format!("/accounts/{id}/profile.disconnect"),
            Scope::BankAccountsRead(id) => format!("/accounts/{id}/bank-accounts.read"),
            Scope::BankAccountsWrite(id) => format!("/accounts/{id}/bank-accounts.write"),
            Scope::PaymentMethodsRead(id) => format!("/accounts/{id}/payment-methods.read"),
        }
    }
}

/// What a request is allowed to do: everything within its tenant (API key by HTTP Basic), or
/// only what its access token's scopes say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    Full,
    Scoped(Vec<Scope>),
}

impl Grant {
    pub fn allows(&self, needed: Scope) -> bool {
        match self {
            Grant::Full => true,
            // A write scope does not imply read: Moov lists them separately and so do we.
            Grant::Scoped(scopes) => scopes.contains(&needed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_renders_every_scope() {
        let id = Uuid::new_v4();
        for s in [
            Scope::AccountsRead,
            Scope::AccountsWrite,
            Scope::PingRead,
            Scope::ProfileRead(id),
            Scope::ProfileWrite(id),
            Scope::BankAccountsRead(id),
            Scope::BankAccountsWrite(id),
            Scope::PaymentMethodsRead(id),
            Scope::AdminRead,
            Scope::AdminWrite,
            Scope::WebhooksRead,
            Scope::WebhooksWrite,
        ] {
            assert_eq!(Scope::parse(&s.render()), Some(s));
        }
        assert_eq!(Scope::parse("/accounts/not-a-uuid/profile.read"), None);
        assert_eq!(Scope::parse("/transfers.write"), None);
    }

    #[test]
    fn scoped_grants_allow_only_their_scopes() {
        let a = Uuid::new_v4();
        let b = Uuid::new_v4();
        let grant = Grant::Scoped(vec![Scope::BankAccountsRead(a)]);
        assert!(grant.allows(Scope::BankAccountsRead(a)));
        assert!(!grant.allows(Scope::BankAccountsWrite(a)));
        assert!(!grant.allows(Scope::BankAccountsRead(b)));
        assert!(Grant::Full.allows(Scope::AccountsWrite));
    }
}
