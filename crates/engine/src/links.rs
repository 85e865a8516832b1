//! Verification links: what a platform sends its account holder so they can confirm their bank
//! account on Pennydrop's own page (`/v/{token}`), and the tenant's branding that page shows.
//!
//! Rules (docs/pages.md):
//! - The token is 32 bytes from the OS CSPRNG, base64url; only its SHA-256 is stored, so a
//!   lookup by hash compares no secret byte by byte and a database copy opens no link.
//! - A link expires after [`LINK_LIFETIME`] (14 days), or when the round in progress at its
//!   creation expires, whichever comes first; a requested `expiresOn` must lie in the future
//!   and within the 14 days. Revocation is for good.
//! - A verify link is bound to one bank account; a collect link to an account only, until its
//!   holder enters routing and account numbers, which enrolls a micro-deposit round and binds
//!   the link to the new bank account.
//! - Unknown tokens count as failed authentications of the client's address (the same lockout
//!   as a wrong API key); wrong answers count through the round's attempts.
//! - Forms on the page carry a tag bound to the link ([`Engine::link_form_tag`]).

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use pennydrop_core::change::Snapshot;
use pennydrop_core::crypto::{hash_secret, random_token, secrets_equal};
use pennydrop_core::model::{BankAccountStatus, Mode, Verification, VerificationKind};
use uuid::Uuid;

use crate::accounts::{Holder, Tenant};
use crate::link::LinkRequest;
use crate::recovery::{Method, Next, Recovery};
use crate::service::{Engine, EngineError, Target};

/// How long a link lives at most.
pub const LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(14 * 24);
/// Random bytes in a link's token.
pub const TOKEN_BYTES: usize = 32;
/// Longest company name, logo URL and support contact a tenant's branding takes.
pub const BRANDING_TEXT_MAX: usize = 200;

/// What a link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// Confirm an existing bank account.
    Verify,
    /// Enter a bank account for an account that has none yet, then confirm it.
    Collect,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Verify => "verify",
            LinkKind::Collect => "collect",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "verify" => Some(LinkKind::Verify),
            "collect" => Some(LinkKind::Collect),
            _ => None,
        }
    }
}

/// A stored link (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationLink {
    pub link_id: Uuid,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    pub tenant_id: Uuid,
    pub mode: Mode,
    pub account_id: Uuid,
    /// `None` for a collect link whose holder has not entered a bank account yet.
    pub bank_account_id: Option<Uuid>,
    pub kind: LinkKind,
    pub created_on: Timestamp,
    pub expires_on: Timestamp,
    pub revoked_on: Option<Timestamp>,
}

impl VerificationLink {
    /// The bank account the link is about, once there is one.
    pub fn target(&self) -> Option<Target> {
        self.bank_account_id.map(|bank_account_id| Target {
            tenant: self.tenant_id,
            mode: self.mode,
            account_id: self.account_id,
            bank_account_id,
        })
    }

    fn tenant(&self) -> Tenant {
        Tenant {
            id: self.tenant_id,
            mode: self.mode,
        }
    }
}

/// A link just made, with the token that appears only in its URL.
#[derive(Debug, Clone)]
pub struct CreatedLink {
    pub link: VerificationLink,
    pub token: String,
}

/// A token looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    Open(VerificationLink),
    Expired(VerificationLink),
    Revoked(VerificationLink),
}

/// How a tenant's holder page looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branding {
    pub tenant_id: Uuid,
    pub company_name: String,
    /// An `https://` URL.
    pub logo_url: Option<String>,
    /// `#rrggbb`.
    pub brand_color: Option<String>,
    /// An email address, phone number or URL, shown as text.
    pub support_contact: Option<String>,
    pub updated_on: Timestamp,
}

/// A tenant's branding as requested (checked by [`Engine::set_branding`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrandingUpdate {
    pub company_name: String,
    pub logo_url: Option<String>,
    pub brand_color: Option<String>,
    pub support_contact: Option<String>,
}

/// What the holder page shows for a link right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// A collect link: ask for routing and account numbers.
    Collect,
    /// No round in progress: offer these methods (the recommended one first).
    Start(Vec<Method>),
    /// Micro-deposits on their way or arrived: ask for the two amounts.
    MicroDeposits {
        /// The banking day by whose end the deposits should be on the statement.
        arrives_by: Date,
    },
    /// An instant credit sent: ask for the code.
    Code,
    /// An instant credit not sent yet.
    CodeOnItsWay,
    Verified,
    /// Every round allowed is used; an operator must unlock the bank account.
    Locked,
    /// The bank account cannot be verified (returned, closed): no new round.
    Failed,
}

/// Everything the holder page renders, decided here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderView {
    pub link: VerificationLink,
    pub branding: Branding,
    /// The company name on the holder's bank statement (the ODFI's).
    pub statement_company: String,
    pub last_four: Option<String>,
    pub stage: Stage,
    pub recovery: Recovery,
    /// The New York date of `recovery.expires_on` (the last day answers are taken).
    pub answer_until: Option<Date>,
}

/// When micro-deposits sent by (or at the first window after) `v` should show: by the end of
/// the banking day after the file went out (same-day ACH usually posts the same day).
pub fn arrives_by(
    schedule: &pennydrop_calendar::CutoffSchedule,
    v: &Verification,
    now: Timestamp,
) -> Date {
    let sent_date = match v.sent_on {
        Some(sent) => sent.to_zoned(pennydrop_calendar::new_york_tz()).date(),
        None => schedule.next_window(now).date,
    };
    pennydrop_calendar::add_banking_days(pennydrop_calendar::banking_day_on_or_after(sent_date), 1)
}

/// The stage of a bank account, from its snapshot and recovery figures (pure).
pub fn stage(
    snap: &Snapshot,
    r: &Recovery,
    schedule: &pennydrop_calendar::CutoffSchedule,
    now: Timestamp,
) -> Stage {
    if snap.bank_account.status == BankAccountStatus::Verified {
        return Stage::Verified;
    }
    let latest = snap.verifications.last();
    if let Some(v) = latest.filter(|v| v.status.is_active() && v.expires_on > now) {
        return match v.kind {
            VerificationKind::MicroDeposits => Stage::MicroDeposits {
                arrives_by: arrives_by(schedule, v, now),
            },
            _ if v.status == pennydrop_core::model::VerificationStatus::New => Stage::CodeOnItsWay,
            _ => Stage::Code,
        };
    }
    let left = |m: Method| match m {
        Method::MicroDeposits => r.micro_deposit_rounds_left != Some(0),
        Method::Instant => r.instant_rounds_left != Some(0),
    };
    match (latest, r.next) {
        (_, Some(Next::Locked)) => Stage::Locked,
        (Some(_), None) => Stage::Failed,
        (None, _) | (_, Some(Next::Start(_))) => {
            let first = match r.next {
                Some(Next::Start(m)) => m,
                _ => Method::MicroDeposits,
            };
            let other = match first {
                Method::MicroDeposits => Method::Instant,
                Method::Instant => Method::MicroDeposits,
            };
            let offer: Vec<Method> = [first, other].into_iter().filter(|m| left(*m)).collect();
            if offer.is_empty() {
                Stage::Locked
            } else {
                Stage::Start(offer)
            }
        }
    }
}

fn invalid(field: &str, reason: &str) -> EngineError {
    EngineError::InvalidField {
        field: field.to_string(),
        reason: reason.to_string(),
    }
}

fn check_text(field: &str, value: Option<String>) -> Result<Option<String>, EngineError> {
    let Some(v) = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    if v.chars().count() > BRANDING_TEXT_MAX || v.chars().any(char::is_control) {
        return Err(invalid(
            field,
            "must be at most 200 characters without control characters",
        ));
    }
    Ok(Some(v))
}

/// Checks a branding request: a name, an https logo URL, a `#rrggbb` colour.
pub fn check_branding(u: BrandingUpdate) -> Result<BrandingUpdate, EngineError> {
    let company_name = check_text("companyName", Some(u.company_name))?
        .ok_or_else(|| invalid("companyName", "is required"))?;
    let logo_url = check_text("logoURL", u.logo_url)?;
    if let Some(url) = &logo_url {
        let rest = url.strip_prefix("https://").unwrap_or("");
        if rest.is_empty() || url.contains(|c: char| c.is_whitespace() || c == '"' || c == '<') {
            return Err(invalid("logoURL", "must be an https:// URL"));
        }
    }
    let brand_color = check_text("brandColor", u.brand_color)?;
    if let Some(c) = &brand_color {
        let hex = c.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid("brandColor", "must be a colour like #1f4e8c"));
        }
    }
    let support_contact = check_text("supportContact", u.support_contact)?;
    Ok(BrandingUpdate {
        company_name,
        logo_url,
        brand_color: brand_color.map(|c| c.to_ascii_lowercase()),
        support_contact,
    })
}

impl Engine {
    /// Makes a link for a bank account (`Some`) or a collect link for the account (`None`).
    pub async fn create_link(
        &self,
        tenant: Tenant,
        account_id: Uuid,
        bank_account_id: Option<Uuid>,
        requested_expiry: Option<Timestamp>,
    ) -> Result<CreatedLink, EngineError> {
        self.account(tenant, account_id).await?;
        let now = self.clock().now();
        let cap = now + LINK_LIFETIME;
        let mut expires_on = cap;
        if let Some(id) = bank_account_id {
            let snap = self.snapshot(&tenant.target(account_id, id)).await?;
            if let Some(v) = snap
                .verifications
                .last()
                .filter(|v| v.status.is_active() && v.expires_on > now)
            {
                expires_on = expires_on.min(v.expires_on);
            }
        }
        if let Some(at) = requested_expiry {
            if at <= now || at > cap {
                return Err(invalid(
                    "expiresOn",
                    "must be in the future and within 14 days",
                ));
            }
            expires_on = at;
        }
        let token = random_token(TOKEN_BYTES);
        let link = VerificationLink {
            link_id: Uuid::new_v4(),
            token_hash: hash_secret(&token),
            tenant_id: tenant.id,
            mode: tenant.mode,
            account_id,
            bank_account_id,
            kind: match bank_account_id {
                Some(_) => LinkKind::Verify,
                None => LinkKind::Collect,
            },
            created_on: now,
            expires_on,
            revoked_on: None,
        };
        self.store().insert_link(&link).await?;
        Ok(CreatedLink { link, token })
    }

    /// Revokes a link of the tenant's account for good.
    pub async fn revoke_link(
        &self,
        tenant: Tenant,
        account_id: Uuid,
        bank_account_id: Option<Uuid>,
        link_id: Uuid,
    ) -> Result<(), EngineError> {
        let not_found = || EngineError::NotFound(format!("verification link {link_id} not found"));
        let link = self
            .store()
            .link(tenant.id, link_id)
            .await?
            .filter(|l| l.account_id == account_id && l.mode == tenant.mode)
            // Under a bank account's path, only that bank account's links.
            .filter(|l| bank_account_id.is_none_or(|b| l.bank_account_id == Some(b)))
            .ok_or_else(not_found)?;
        if link.revoked_on.is_some() {
            return Ok(());
        }
        self.store()
            .revoke_link(tenant.id, link_id, self.clock().now())
            .await?;
        Ok(())
    }

    /// Looks a token up. An unknown token is a `NotFound` and counts as a failed
    /// authentication of the client's address; a locked-out address is `Throttled`.
    pub async fn open_link(
        &self,
        token: &str,
        from: Option<std::net::IpAddr>,
    ) -> Result<Opened, EngineError> {
        let limits = &self.config().rate_limits;
        let now = self.clock().now();
        let address = from.map(|ip| format!("address {ip}"));
        if let Some(a) = &address {
            self.limiter()
                .check_lockout(a, now)
                .map_err(|retry_after| EngineError::Throttled { retry_after })?;
        }
        let found = match token.len() {
            1..=64 => self.store().link_by_token_hash(&hash_secret(token)).await?,
            _ => None,
        };
        let Some(link) = found else {
            if let Some(a) = &address {
                self.limiter().failed(limits, a, now);
            }
            return Err(EngineError::NotFound("verification link not found".into()));
        };
        Ok(if link.revoked_on.is_some() {
            Opened::Revoked(link)
        } else if link.expires_on <= now {
            Opened::Expired(link)
        } else {
            Opened::Open(link)
        })
    }

    /// The tag forms on the link's page carry (CSRF).
    pub fn link_form_tag(&self, link: &VerificationLink) -> String {
        self.vault()
            .tag("holder page form", link.token_hash.as_bytes())
    }

    /// Whether `given` is the link's form tag (constant time).
    pub fn link_form_tag_valid(&self, link: &VerificationLink, given: &str) -> bool {
        secrets_equal(&self.link_form_tag(link), given)
    }

    /// A tenant's branding, or the default one (the ODFI company name, no logo or colour).
    pub async fn branding(&self, tenant: Uuid) -> Result<Branding, EngineError> {
        Ok(match self.store().branding(tenant).await? {
            Some(b) => b,
            None => Branding {
                tenant_id: tenant,
                company_name: self.config().company_name.clone(),
                logo_url: None,
                brand_color: None,
                support_contact: None,
                updated_on: Timestamp::UNIX_EPOCH,
            },
        })
    }

    /// Sets a tenant's branding (after [`check_branding`]).
    pub async fn set_branding(
        &self,
        tenant: Uuid,
        update: BrandingUpdate,
    ) -> Result<Branding, EngineError> {
        let u = check_branding(update)?;
        let branding = Branding {
            tenant_id: tenant,
            company_name: u.company_name,
            logo_url: u.logo_url,
            brand_color: u.brand_color,
            support_contact: u.support_contact,
            updated_on: self.clock().now(),
        };
        self.store().put_branding(&branding).await?;
        Ok(branding)
    }

    /// What the page shows for an open link.
    pub async fn holder_view(&self, link: &VerificationLink) -> Result<HolderView, EngineError> {
        let branding = self.branding(link.tenant_id).await?;
        let statement_company = self.config().company_name.clone();
        let Some(target) = link.target() else {
            return Ok(HolderView {
                link: link.clone(),
                branding,
                statement_company,
                last_four: None,
                stage: Stage::Collect,
                recovery: Recovery::default(),
                answer_until: None,
            });
        };
        let snap = self.snapshot(&target).await?;
        let r = self.recovery(&target).await?;
        let now = self.clock().now();
        Ok(HolderView {
            link: link.clone(),
            branding,
            statement_company,
            last_four: Some(snap.bank_account.last_four.clone()),
            stage: stage(&snap, &r, &self.config().schedule, now),
            answer_until: r
                .expires_on
                .map(|t| t.to_zoned(pennydrop_calendar::new_york_tz()).date()),
            recovery: r,
        })
    }

    /// The holder of a collect link entered their bank account: link it, start its
    /// micro-deposits and bind the link to it. Returns the link as bound.
    pub async fn collect_bank_account(
        &self,
        link: &VerificationLink,
        request: &LinkRequest,
    ) -> Result<VerificationLink, EngineError> {
        if link.bank_account_id.is_some() {
            return Err(EngineError::NotAllowed(
                "this link already has a bank account".into(),
            ));
        }
        let tenant = link.tenant();
        let account = self.account(tenant, link.account_id).await?;
        let request = LinkRequest {
            holder_name: request
                .holder_name
                .clone()
                .or(Some(account.display_name.clone())),
            holder_type: request
                .holder_type
                .clone()
                .or(Some(account.account_type.as_str().to_string())),
            ..request.clone()
        };
        let enrolled = self
            .enroll_micro_deposits(tenant, &Holder::Account(link.account_id), &request)
            .await?;
        let id = enrolled.bank_account.bank_account_id;
        self.store().bind_link(link.link_id, id).await?;
        Ok(VerificationLink {
            bank_account_id: Some(id),
            ..link.clone()
        })
    }
}
