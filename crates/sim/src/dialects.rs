//! The Finicity and MX dialects in the workload: holders answer micro-deposits through them as
//! well as through Moov, and the slow check reads every bank account through both and holds the
//! answers to the status table of docs/dialects.md (and to what Moov shows).

use crate::world::Reply;
use crate::{text, Sim};
use axum::http::Method;
use rand::Rng;
use serde_json::json;

/// Which API a holder's answer goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Moov,
    Finicity,
    Mx,
}

/// Cents as the dollar text both vendors' bodies take (`0.07`).
fn dollars(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The MX names a Finicity status may stand beside (docs/dialects.md, status table).
fn mx_names_for(finicity: &str) -> &'static [&'static str] {
    match finicity {
        "Pending" => &["REQUESTED"],
        "Completed" => &["DEPOSITED", "DENIED"],
        "Verified" => &["VERIFIED"],
        "Failed" => &["PREVENTED"],
        "Returned" | "Rejected" | "Expired" => &["ERRORED"],
        _ => &[],
    }
}

/// A holder about to link a bank account.
pub struct Holder<'a> {
    pub tenant: usize,
    /// The platform's ID for the holder: Moov's foreignID, Finicity's customerId, MX's user id.
    pub customer: &'a str,
    pub routing: &'a str,
    pub number: &'a str,
    pub checking: bool,
}

impl Sim {
    /// Links a bank account and starts micro-deposits in one go, as Finicity
    /// (`POST /microentry/v1/customers/{customerId}`, the customer opened on first use) and MX
    /// (`POST /users`, then `POST /users/{user}/micro_deposits`) do: the status of the request
    /// that linked and, when it did, the (account, bank account) IDs.
    pub(crate) async fn link_and_start_in(
        &mut self,
        dialect: Dialect,
        h: &Holder<'_>,
    ) -> anyhow::Result<(u16, Option<(String, String)>)> {
        match dialect {
            Dialect::Finicity => self.link_in_finicity(h).await,
            Dialect::Mx => self.link_in_mx(h).await,
            Dialect::Moov => anyhow::bail!("Moov links go through link_in_moov"),
        }
    }

    async fn link_in_finicity(
        &mut self,
        h: &Holder<'_>,
    ) -> anyhow::Result<(u16, Option<(String, String)>)> {
        let (app_key, token) = self.finicity_credentials(h.tenant).await?;
        let headers = [
            ("Finicity-App-Key", app_key.as_str()),
            ("Finicity-App-Token", &token),
        ];
        let kind = if h.checking {
            "personalChecking"
        } else {
            "personalSavings"
        };
        let body = json!({"receiver": {"routingNumber": h.routing, "accountNumber": h.number,
            "accountType": kind, "name": "Jane Doe"}});
        let path = format!("/microentry/v1/customers/{}", h.customer);
        let r = self
            .call_unsigned(Method::POST, &path, &headers, &body.to_string())
            .await?;
        if !(200..300).contains(&r.status) {
            return Ok((r.status, None));
        }
        let bank = text(&r.body["accountId"])?;
        // The customer is a Pennydrop account whose foreignID is the customerId.
        let path = format!("/accounts?foreignID={}", h.customer);
        let found = self.call(Method::GET, &path, h.tenant, &[], "").await?;
        let account = found
            .body
            .as_array()
            .and_then(|a| a.first())
            .map(|a| &a["accountID"]);
        let account = text(account.unwrap_or(&serde_json::Value::Null)).map_err(|e| {
            anyhow::anyhow!(
                "the Finicity customer {} as a Moov account: {e}; {found:?}",
                h.customer
            )
        })?;
        Ok((r.status, Some((account, bank))))
    }

    async fn link_in_mx(
        &mut self,
        h: &Holder<'_>,
    ) -> anyhow::Result<(u16, Option<(String, String)>)> {
        let body = json!({"user": {"id": h.customer, "email": "jane@example.com"}});
        let r = self
            .call(Method::POST, "/users", h.tenant, &[], &body.to_string())
            .await?;
        anyhow::ensure!((200..300).contains(&r.status), "an MX user: {r:?}");
        let user = text(&r.body["user"]["guid"])?;
        let kind = if h.checking { "CHECKING" } else { "SAVINGS" };
        let body = json!({"micro_deposit": {"account_number": h.number, "account_type": kind,
            "routing_number": h.routing, "email": "jane@example.com", "first_name": "Jane",
            "last_name": "Doe"}});
        let path = format!("/users/{user}/micro_deposits");
        let r = self
            .call(Method::POST, &path, h.tenant, &[], &body.to_string())
            .await?;
        if !(200..300).contains(&r.status) {
            return Ok((r.status, None));
        }
        let guid = |v: &serde_json::Value, prefix: &str| -> anyhow::Result<String> {
            let g = text(v)?;
            g.strip_prefix(prefix)
                .map(str::to_string)
                .ok_or_else(|| anyhow::anyhow!("{g} does not start with {prefix}"))
        };
        let account = guid(&r.body["micro_deposit"]["user_guid"], "USR-")?;
        let bank = guid(&r.body["micro_deposit"]["guid"], "MIC-")?;
        Ok((r.status, Some((account, bank))))
    }

    pub(crate) fn pick_dialect(&mut self) -> Dialect {
        match self.rng.gen_range(0..10) {
            0..=5 => Dialect::Moov,
            6..=7 => Dialect::Finicity,
            _ => Dialect::Mx,
        }
    }

    /// A request with no HTTP Basic: the Finicity routes authenticate by their own headers.
    async fn call_unsigned(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> anyhow::Result<Reply> {
        self.outcome.requests += 1;
        let reply = self
            .world
            .request(method.clone(), path, None, headers, body)
            .await?;
        self.no_server_error(&method, path, &reply)?;
        Ok(reply)
    }

    /// `tenant`'s Finicity-App-Key and a fresh Finicity-App-Token (tokens last two hours of the
    /// simulated clock, which jumps days).
    async fn finicity_credentials(&mut self, tenant: usize) -> anyhow::Result<(String, String)> {
        let key = &self.tenants[tenant].key;
        let public = key.public_key.clone();
        let body = json!({"partnerId": public, "partnerSecret": key.secret_key}).to_string();
        let path = "/aggregation/v2/partners/authentication";
        let r = self
            .call_unsigned(Method::POST, path, &[("Finicity-App-Key", &public)], &body)
            .await?;
        anyhow::ensure!(r.status == 200, "a Finicity token: {r:?}");
        Ok((public, text(&r.body["token"])?))
    }

    /// Bank `i`'s holder answers `amounts` (cents) through Finicity or MX. Returns the status
    /// code and whether the answer verified the bank account.
    pub(crate) async fn answer_in(
        &mut self,
        dialect: Dialect,
        i: usize,
        amounts: [i64; 2],
    ) -> anyhow::Result<(u16, bool)> {
        let (customer, bank, tenant) = {
            let b = &self.banks[i];
            (b.customer.clone(), b.bank.clone(), b.tenant)
        };
        match dialect {
            Dialect::Finicity => {
                let (app_key, token) = self.finicity_credentials(tenant).await?;
                let headers = [
                    ("Finicity-App-Key", app_key.as_str()),
                    ("Finicity-App-Token", &token),
                ];
                let path = format!("/microentry/v1/customers/{customer}/accounts/{bank}/amounts");
                let body = json!({"amounts": [dollars(amounts[0]), dollars(amounts[1])]});
                let r = self
                    .call_unsigned(Method::POST, &path, &headers, &body.to_string())
                    .await?;
                let verified = r.status == 200;
                anyhow::ensure!(
                    !verified || r.body["status"] == "Verified",
                    "a Finicity 200 to amounts says {}",
                    r.body
                );
                Ok((r.status, verified))
            }
            Dialect::Mx => {
                let path = format!("/micro_deposits/MIC-{bank}/verify");
                let body = json!({"micro_deposit": {"deposit_amount_1": dollars(amounts[0]),
                    "deposit_amount_2": dollars(amounts[1])}});
                let r = self
                    .call(Method::PUT, &path, tenant, &[], &body.to_string())
                    .await?;
                let verified = r.status == 200 && r.body["micro_deposit"]["status"] == "VERIFIED";
                Ok((r.status, verified))
            }
            Dialect::Moov => anyhow::bail!("Moov answers go through put_answer"),
        }
    }

    /// Every live bank account of `tenant`, read through Moov, Finicity and MX: the three agree
    /// as docs/dialects.md's status table says. Finicity and MX show the latest micro-deposit
    /// round (both, or neither when there is none); a round still open is a pending bank
    /// account.
    pub(crate) async fn same_truth_in_dialects(&mut self, tenant: usize) -> anyhow::Result<()> {
        let (app_key, token) = self.finicity_credentials(tenant).await?;
        let headers = [
            ("Finicity-App-Key", app_key.as_str()),
            ("Finicity-App-Token", &token),
        ];
        for i in 0..self.banks.len() {
            if self.banks[i].disabled || self.banks[i].tenant != tenant {
                continue;
            }
            let (account, bank, customer) = {
                let b = &self.banks[i];
                (b.account.clone(), b.bank.clone(), b.customer.clone())
            };
            let moov = self
                .call(Method::GET, &self.base(i), tenant, &[], "")
                .await?;
            let path = format!("/microentry/v1/customers/{customer}/accounts/{bank}");
            let finicity = self.call_unsigned(Method::GET, &path, &headers, "").await?;
            let path = format!("/users/USR-{account}/micro_deposits/MIC-{bank}");
            let mx = self.call(Method::GET, &path, tenant, &[], "").await?;
            match (finicity.status, mx.status) {
                (404, 404) => continue,
                (200, 200) => {}
                (f, m) => anyhow::bail!(
                    "bank {i}: Finicity answers {f} ({}) but MX {m} ({})",
                    finicity.body,
                    mx.body
                ),
            }
            let f = finicity.body["status"].as_str().unwrap_or_default();
            let m = mx.body["micro_deposit"]["status"]
                .as_str()
                .unwrap_or_default();
            let moov_status = moov.body["status"].as_str().unwrap_or_default();
            anyhow::ensure!(
                mx_names_for(f).contains(&m),
                "bank {i}: Finicity says {f:?} but MX says {m:?} (docs/dialects.md); Moov says {moov_status:?}"
            );
            if matches!(f, "Pending" | "Completed") {
                anyhow::ensure!(
                    moov_status == "pending",
                    "bank {i}: its micro-deposit round is open (Finicity {f:?}, MX {m:?}) but Moov says {moov_status:?} ({})", moov.body["statusReason"]
                );
            }
        }
        Ok(())
    }
}
