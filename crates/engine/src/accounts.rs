//! Accounts and bank accounts: open, find by foreign ID, link (with the duplicate decision),
//! disable, and enroll (open-or-find + link + start micro-deposits in one transaction).

use pennydrop_core::change::Snapshot;
use pennydrop_core::events;
use pennydrop_core::model::{
    Account, AccountType, BankAccount, BankAccountStatus, Mode, StatusReason, Verification,
    VerificationKind,
};
use pennydrop_core::random::uuid;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::link::{LinkError, LinkField, LinkReason, LinkRequest, ValidLink};
use crate::ports::{AccountFilter, Enrollment, LinkOutcome, StoreError};
use crate::service::{Engine, EngineError, Target, MAX_RETRIES};
use crate::{rules, Refusal};

/// The tenant a call acts for, and its mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tenant {
    pub id: Uuid,
    pub mode: Mode,
}

impl Tenant {
    pub fn target(&self, account_id: Uuid, bank_account_id: Uuid) -> Target {
        Target {
            tenant: self.id,
            mode: self.mode,
            account_id,
            bank_account_id,
        }
    }

    pub fn target_of(&self, b: &BankAccount) -> Target {
        self.target(b.account_id, b.bank_account_id)
    }
}

/// An account to open: the dialect has validated its own fields; the engine mints the ID, the
/// times and the mode.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAccount {
    pub account_type: AccountType,
    pub profile: Value,
    pub display_name: String,
    pub metadata: BTreeMap<String, String>,
    pub foreign_id: Option<String>,
}

/// A person's full name split into given and family names: at the last space, so that
/// "Mary Ann Smith" is "Mary Ann" + "Smith". The one place names are split.
pub fn split_name(full: &str) -> (String, Option<String>) {
    match full.trim().rsplit_once(' ') {
        Some((first, last)) => (first.trim().to_string(), Some(last.to_string())),
        None => (full.trim().to_string(), None),
    }
}

impl NewAccount {
    /// An individual, with whichever of the names and the email are known.
    pub fn person(
        first: Option<&str>,
        last: Option<&str>,
        email: Option<&str>,
        display_name: String,
    ) -> Self {
        let mut name = Map::new();
        if let Some(f) = first {
            name.insert("firstName".into(), json!(f));
        }
        if let Some(l) = last {
            name.insert("lastName".into(), json!(l));
        }
        let mut individual = Map::new();
        if !name.is_empty() {
            individual.insert("name".into(), Value::Object(name));
        }
        if let Some(e) = email {
            individual.insert("email".into(), json!(e));
        }
        Self {
            account_type: AccountType::Individual,
            profile: json!({ "individual": individual }),
            display_name,
            metadata: BTreeMap::new(),
            foreign_id: None,
        }
    }

    /// A business known by its legal name.
    pub fn business(legal_name: &str) -> Self {
        Self {
            account_type: AccountType::Business,
            profile: json!({"business": {"legalBusinessName": legal_name, "ownersProvided": false}}),
            display_name: legal_name.to_string(),
            metadata: BTreeMap::new(),
            foreign_id: None,
        }
    }

    pub fn with_metadata(mut self, key: &str, value: &str) -> Self {
        self.metadata.insert(key.to_string(), value.to_string());
        self
    }

    pub fn with_foreign_id(mut self, foreign_id: impl Into<String>) -> Self {
        self.foreign_id = Some(foreign_id.into());
        self
    }
}

/// Whose bank account an enrollment links: an existing account, or the tenant's account with
/// a foreign ID (opened as `open` if there is none yet).
#[derive(Debug, Clone, PartialEq)]
pub enum Holder {
    Account(Uuid),
    ForeignId {
        foreign_id: String,
        open: NewAccount,
    },
}

/// What an enrollment left behind.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolled {
    pub account: Account,
    pub bank_account: BankAccount,
    pub round: Verification,
}

impl Engine {
    fn account_from(&self, tenant: Tenant, new: NewAccount) -> Account {
        let now = self.clock().now();
        Account {
            account_id: uuid(self.random()),
            tenant_id: tenant.id,
            // Accounts take their facilitator's mode.
            mode: tenant.mode,
            account_type: new.account_type,
            display_name: new.display_name,
            profile: new.profile,
            metadata: new.metadata,
            foreign_id: new.foreign_id,
            created_on: now,
            updated_on: now,
        }
    }

    pub async fn open_account(
        &self,
        tenant: Tenant,
        new: NewAccount,
    ) -> Result<Account, EngineError> {
        let account = self.account_from(tenant, new);
        self.store().insert_account(&account).await?;
        tracing::info!(account_id = %account.account_id, "account opened");
        Ok(account)
    }

    pub async fn account(&self, tenant: Tenant, account_id: Uuid) -> Result<Account, EngineError> {
        self.store()
            .account(tenant.id, account_id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("account {account_id} not found")))
    }

    pub async fn list_accounts(
        &self,
        tenant: Tenant,
        filter: &AccountFilter,
        skip: i64,
        count: i64,
    ) -> Result<Vec<Account>, EngineError> {
        Ok(self
            .store()
            .list_accounts(tenant.id, filter, skip, count)
            .await?)
    }

    /// The tenant's account with this foreign ID, if any.
    pub async fn account_by_foreign_id(
        &self,
        tenant: Tenant,
        foreign_id: &str,
    ) -> Result<Option<Account>, EngineError> {
        let filter = AccountFilter {
            foreign_id: Some(foreign_id.to_string()),
            account_type: None,
        };
        Ok(self
            .store()
            .list_accounts(tenant.id, &filter, 0, 1)
            .await?
            .into_iter()
            .next())
    }

    /// The account with `foreign_id`, opened as `open` (with that foreign ID) if there is none.
    pub async fn find_or_open_account(
        &self,
        tenant: Tenant,
        foreign_id: &str,
        open: NewAccount,
    ) -> Result<Account, EngineError> {
        if let Some(a) = self.account_by_foreign_id(tenant, foreign_id).await? {
            return Ok(a);
        }
        self.open_account(tenant, open.with_foreign_id(foreign_id))
            .await
    }

    /// The tenant's accounts, oldest first, that `keep` selects; at most `max_scan` are read.
    pub async fn scan_accounts(
        &self,
        tenant: Tenant,
        max_scan: i64,
        keep: impl Fn(&Account) -> bool,
    ) -> Result<Vec<Account>, EngineError> {
        const PAGE: i64 = 250;
        let mut out = Vec::new();
        let mut skip = 0;
        while skip < max_scan {
            let batch = self
                .store()
                .list_accounts(tenant.id, &AccountFilter::default(), skip, PAGE)
                .await?;
            let n = batch.len() as i64;
            out.extend(batch.into_iter().filter(|a| keep(a)));
            if n < PAGE {
                break;
            }
            skip += n;
        }
        Ok(out)
    }

    /// The bank's name from the FedACH directory; an unknown bank is refused only when the
    /// directory is authoritative (the bundled sample is not).
    fn bank_name(&self, valid: &ValidLink) -> Result<String, LinkError> {
        match self.directory().lookup(valid.routing.as_str()) {
            Some(p) => Ok(p.customer_name.clone()),
            None if self.directory().is_authoritative() => Err(LinkError::one(
                LinkField::RoutingNumber,
                LinkReason::NotInDirectory,
            )),
            None => Ok(String::new()),
        }
    }

    /// A new bank account for `account_id` from checked details, not yet stored.
    fn bank_account_from(
        &self,
        tenant: Tenant,
        account_id: Uuid,
        valid: ValidLink,
    ) -> Result<BankAccount, LinkError> {
        let bank_name = self.bank_name(&valid)?;
        let now = self.clock().now();
        let id = uuid(self.random());
        Ok(BankAccount {
            bank_account_id: id,
            account_id,
            tenant_id: tenant.id,
            fingerprint: self.vault().fingerprint(&valid.routing, &valid.number),
            status: BankAccountStatus::New,
            status_reason: StatusReason::BankAccountCreated,
            exception_details: None,
            holder_name: valid.holder_name,
            holder_type: valid.holder_type,
            bank_name,
            bank_account_type: valid.bank_account_type,
            routing_number: valid.routing.to_string(),
            last_four: valid.number.last_four(),
            sealed: self.vault().seal(&valid.number, id.as_bytes()),
            created_on: now,
            updated_on: now,
            disabled_on: None,
            unlocked_on: None,
            version: 0,
        })
    }

    /// Links a bank account to an account of the tenant. The same details again return the
    /// bank account already linked (and write nothing).
    pub async fn link(
        &self,
        tenant: Tenant,
        account_id: Uuid,
        request: &LinkRequest,
    ) -> Result<BankAccount, EngineError> {
        self.account(tenant, account_id).await?;
        let valid = request.validate()?;
        let candidate = self.bank_account_from(tenant, account_id, valid)?;
        let controls = self.tenant_controls(tenant.id).await?;
        self.screen_link(&candidate, &controls).await?;
        let created =
            events::bank_account_created(&candidate, uuid(self.random()), self.clock().now());
        for _ in 0..MAX_RETRIES {
            match self.store().link_bank_account(&candidate, &created).await {
                Ok(LinkOutcome::Created(b)) => {
                    self.wake_webhooks();
                    tracing::info!(bank_account_id = %b.bank_account_id, "bank account linked");
                    return Ok(b);
                }
                Ok(LinkOutcome::Existing(b)) => return Ok(b),
                // A concurrent disable of the identical account raced us; again settles it.
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Busy)
    }

    /// Disables an active bank account (its unsent money movements are cancelled).
    pub async fn disable(
        &self,
        tenant: Tenant,
        account_id: Uuid,
        bank_account_id: Uuid,
    ) -> Result<BankAccount, EngineError> {
        let not_found =
            || EngineError::NotFound(format!("bank account {bank_account_id} not found"));
        let current = self
            .store()
            .bank_account(tenant.id, account_id, bank_account_id)
            .await?
            .ok_or_else(not_found)?;
        let now = self.clock().now();
        let deleted = events::bank_account_deleted(&current, uuid(self.random()), now);
        let disabled = self
            .store()
            .disable_bank_account(tenant.id, account_id, bank_account_id, now, &deleted)
            .await?
            .ok_or_else(not_found)?;
        self.wake_webhooks();
        tracing::info!(%bank_account_id, "bank account disabled");
        Ok(disabled)
    }

    /// An active bank account of the tenant by its ID alone (dialects whose paths do not name
    /// the account), without applying due expiries.
    pub async fn tenant_bank_account(
        &self,
        tenant: Tenant,
        bank_account_id: Uuid,
    ) -> Result<Option<BankAccount>, EngineError> {
        Ok(self
            .snapshot_by_id(bank_account_id)
            .await?
            .map(|s| s.bank_account)
            .filter(|b| b.tenant_id == tenant.id))
    }

    /// The tenant's accounts that hold an active bank account with this routing and account
    /// number (who may read its simulated statement).
    pub async fn holders_of(
        &self,
        tenant: Tenant,
        routing: &pennydrop_core::RoutingNumber,
        number: &pennydrop_core::AccountNumber,
    ) -> Result<Vec<Uuid>, EngineError> {
        let fingerprint = self.vault().fingerprint(routing, number);
        let linked = self
            .store()
            .bank_accounts_with_fingerprint(tenant.id, &fingerprint)
            .await?;
        Ok(linked.into_iter().map(|b| b.account_id).collect())
    }

    /// Opens or finds the holder's account, links the bank account and starts its
    /// micro-deposits, all in one transaction: on any refusal or failure nothing is written.
    /// A refusal about a bank account that was already linked names it
    /// ([`EngineError::RefusedOn`]).
    pub async fn enroll_micro_deposits(
        &self,
        tenant: Tenant,
        holder: &Holder,
        request: &LinkRequest,
    ) -> Result<Enrolled, EngineError> {
        let valid = request.validate()?;
        let controls = self.tenant_controls(tenant.id).await?;
        for _ in 0..MAX_RETRIES {
            let (account, opened) = self.holder_account(tenant, holder).await?;
            let candidate = self.bank_account_from(tenant, account.account_id, valid.clone())?;
            let existing = match opened {
                true => None,
                false => self.linked_twin(tenant, &candidate).await?,
            };
            let linked = existing.is_some();
            let snap = match existing {
                Some(snap) => snap,
                None => Snapshot {
                    bank_account: candidate,
                    verifications: Vec::new(),
                },
            };
            let now = self.clock().now();
            let (change, verdict) = self
                .enrollment_round(tenant, &snap, linked, &controls.settings)
                .await?;
            if !linked {
                self.screen_link(&snap.bank_account, &controls).await?;
            }
            let recorded_as = linked.then_some(snap.bank_account.bank_account_id);
            self.screen_initiation(&snap.bank_account, tenant.mode, recorded_as, &controls)
                .await
                .map_err(|e| match (e, linked) {
                    (EngineError::Refused(refusal), true) => EngineError::RefusedOn {
                        bank_account_id: snap.bank_account.bank_account_id,
                        refusal,
                    },
                    (e, _) => e,
                })?;
            let round = change
                .insert_verification
                .clone()
                .ok_or(EngineError::Refused(Refusal::NoMicroDeposits))?;
            let link = (!linked).then(|| {
                let created =
                    events::bank_account_created(&snap.bank_account, uuid(self.random()), now);
                (snap.bank_account.clone(), created)
            });
            let enrollment = Enrollment {
                open_account: opened.then(|| account.clone()),
                link,
                change: self.sealed_change(&change),
            };
            match self.store().enroll(&enrollment).await {
                Ok(()) => self.wake_webhooks(),
                Err(StoreError::Stale | StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
            let bank_account = self
                .bank_account(&tenant.target_of(&snap.bank_account))
                .await?;
            tracing::info!(bank_account_id = %bank_account.bank_account_id, "micro-deposits enrolled");
            let enrolled = Enrolled {
                account,
                bank_account,
                round,
            };
            let bank_account_id = enrolled.bank_account.bank_account_id;
            return self
                .record_rounds_verdict(tenant.id, bank_account_id, verdict, Ok(enrolled))
                .await;
        }
        Err(EngineError::Busy)
    }

    /// The enrollment's micro-deposit round on `snap`, with what the rounds rule said about it
    /// (recorded by the caller once the round is written). A refusal by the rounds rule is
    /// recorded here; a refusal about a bank account already `linked` names it.
    async fn enrollment_round(
        &self,
        tenant: Tenant,
        snap: &Snapshot,
        linked: bool,
        settings: &crate::risk::RiskSettings,
    ) -> Result<
        (
            pennydrop_core::change::Change,
            Option<crate::risk::rules::Verdict>,
        ),
        EngineError,
    > {
        let method = crate::recovery::Method::MicroDeposits;
        let verdict = crate::recovery::rounds_verdict(snap, settings, method);
        let bank_account_id = snap.bank_account.bank_account_id;
        let decided = rules::initiate_micro_deposits(
            snap,
            tenant.mode,
            settings.bank_account_rounds,
            self.next_window_at(),
            self.clock().now(),
            &mut self.rng(),
        );
        match decided {
            Ok(change) => Ok((change, verdict)),
            Err(refusal) => {
                let e = match linked {
                    true => EngineError::RefusedOn {
                        bank_account_id,
                        refusal,
                    },
                    false => EngineError::Refused(refusal),
                };
                self.record_rounds_verdict(tenant.id, bank_account_id, verdict, Err(e))
                    .await
            }
        }
    }

    /// The holder's account, and whether it is new (to be opened by the enrollment).
    async fn holder_account(
        &self,
        tenant: Tenant,
        holder: &Holder,
    ) -> Result<(Account, bool), EngineError> {
        match holder {
            Holder::Account(id) => Ok((self.account(tenant, *id).await?, false)),
            Holder::ForeignId { foreign_id, open } => {
                match self.account_by_foreign_id(tenant, foreign_id).await? {
                    Some(a) => Ok((a, false)),
                    None => {
                        let new = open.clone().with_foreign_id(foreign_id.clone());
                        Ok((self.account_from(tenant, new), true))
                    }
                }
            }
        }
    }

    /// The active bank account already linked to the same account with the same details.
    async fn linked_twin(
        &self,
        tenant: Tenant,
        candidate: &BankAccount,
    ) -> Result<Option<Snapshot>, EngineError> {
        let linked = self
            .store()
            .list_bank_accounts(tenant.id, candidate.account_id)
            .await?;
        let Some(twin) = linked
            .into_iter()
            .find(|b| b.fingerprint == candidate.fingerprint)
        else {
            return Ok(None);
        };
        match self.snapshot(&tenant.target_of(&twin)).await {
            Ok(snap) => Ok(Some(snap)),
            Err(EngineError::NotFound(_)) => Ok(None), // disabled meanwhile
            Err(e) => Err(e),
        }
    }
}

/// The newest micro-deposit round of a snapshot.
pub fn micro_round(snap: &Snapshot) -> Option<&Verification> {
    snap.latest(|v| v.kind == VerificationKind::MicroDeposits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_last_space() {
        assert_eq!(split_name("Jane Doe"), ("Jane".into(), Some("Doe".into())));
        assert_eq!(
            split_name("Mary Ann Smith"),
            ("Mary Ann".into(), Some("Smith".into()))
        );
        assert_eq!(split_name(" Cher "), ("Cher".into(), None));
    }

    #[test]
    fn new_people_carry_only_what_is_known() {
        let p = NewAccount::person(Some("Jane"), None, Some("j@example.com"), "Jane".into());
        assert_eq!(
            p.profile,
            json!({"individual": {"name": {"firstName": "Jane"}, "email": "j@example.com"}})
        );
        let p = NewAccount::person(None, None, None, "MX user".into());
        assert_eq!(p.profile, json!({"individual": {}}));
    }
}
