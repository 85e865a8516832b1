//! The simulated bank network. It accepts instant credits like an RTP or FedNow participant
//! would (through its ISO 20022 endpoint, `crate::instant::endpoint`), posts them to simulated
//! accounts' statements, and rejects a few documented magic account numbers the way real banks
//! do.
//!
//! Statements are stored by account fingerprint, so the simulator never stores an account
//! number either.

use async_trait::async_trait;
use pennydrop_core::crypto::Vault;
use pennydrop_core::model::InstantNetwork;
use pennydrop_core::model::StatementLine;
use pennydrop_core::{AccountNumber, Clock, RoutingNumber};
use pennydrop_engine::ports::{SimulatorStore, Statements, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Account numbers the simulated banks reject on either instant network, with the ISO 20022
/// reason.
pub const INSTANT_REJECTIONS: &[(&str, &str)] = &[
    ("4000000003", "AC03"), // invalid creditor account number
    ("4000000004", "AC04"), // closed account
    ("4000000006", "AC06"), // blocked account
    ("4000000014", "AC14"), // creditor account type invalid
    ("4000000001", "AG01"), // transactions forbidden
    ("4000000007", "MD07"), // account holder deceased
];

/// Account numbers the simulated banks reject only on FedNow, with codes only FedNow's list
/// has (on RTP they are accepted).
pub const FEDNOW_REJECTIONS: &[(&str, &str)] = &[
    ("4100000007", "AC07"), // creditor account closed
    ("4100000013", "BE06"), // unknown end customer
    ("4100000020", "NOAT"), // receiving bank does not support the transaction
];

/// The account number whose bank takes an instant credit and never answers: the sender must
/// ask with a status request (pacs.028), which reports it settled.
pub const INSTANT_NO_ANSWER: &str = "4000000099";

/// The rejection the simulated network gives an account number on `network`, if any.
pub fn instant_rejection(network: InstantNetwork, account_number: &str) -> Option<&'static str> {
    let fednow: &[(&str, &str)] = match network {
        InstantNetwork::FedNow => FEDNOW_REJECTIONS,
        InstantNetwork::Rtp => &[],
    };
    INSTANT_REJECTIONS
        .iter()
        .chain(fednow)
        .find(|(number, _)| *number == account_number)
        .map(|(_, code)| *code)
}

#[derive(Debug)]
pub struct SimulatedBank {
    store: Arc<dyn SimulatorStore>,
    vault: Arc<Vault>,
    clock: Arc<dyn Clock>,
    /// Outbox files known to be read, so the once-a-second scan asks the database only about
    /// new ones.
    read_files: std::sync::Mutex<std::collections::HashSet<String>>,
    /// When each unread outbox file was first seen, for the settlement delay.
    seen_files: std::sync::Mutex<std::collections::HashMap<String, jiff::Timestamp>>,
    /// The drop directory's (`outbound`, `inbound`) when the bank stands behind one; None
    /// reads the ODFI's outbox and answers into its inbox directly.
    far_side: Option<(PathBuf, PathBuf)>,
}

impl SimulatedBank {
    pub fn new(store: Arc<dyn SimulatorStore>, vault: Arc<Vault>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            vault,
            clock,
            read_files: Default::default(),
            seen_files: Default::default(),
            far_side: None,
        }
    }

    /// The bank reads the files delivered into `outbound` and answers into `inbound`, as a
    /// bank behind a drop directory would, instead of the ODFI's own outbox and inbox.
    pub fn behind_drop_dir(mut self, outbound: PathBuf, inbound: PathBuf) -> Self {
        self.far_side = Some((outbound, inbound));
        self
    }

    /// Posts one line to a simulated account's statement (idempotent on `reference`).
    #[allow(clippy::too_many_arguments)]
    pub async fn post(
        &self,
        reference: String,
        routing: &RoutingNumber,
        account: &AccountNumber,
        amount_cents: i64,
        is_credit: bool,
        rail: &str,
        company_name: &str,
        description: &str,
        statement_text: String,
    ) -> Result<bool, StoreError> {
        // The amount and the text are the verification's secret (micro-deposit amounts, the MV
        // code): the simulated bank's books keep them sealed, like the product's own tables.
        let secret = SealedLine {
            amount_cents,
            statement_text,
        };
        let sealed = serde_json::to_string(&secret)
            .map(|json| self.vault.seal_text(&json, reference.as_bytes()))
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.store
            .simulator_post(&StatementLine {
                reference,
                fingerprint: self.vault.fingerprint(routing, account),
                routing_number: routing.to_string(),
                last_four_account_number: account.last_four(),
                posted_on: self.clock.now(),
                amount_cents: 0,
                direction: if is_credit { "credit" } else { "debit" },
                rail: rail.to_string(),
                company_name: company_name.to_string(),
                description: description.to_string(),
                statement_text: sealed,
            })
            .await
    }

    fn opened(&self, line: StatementLine) -> Result<StatementLine, StoreError> {
        open_line(&self.vault, line)
    }
}

#[async_trait]
impl crate::ach::ReceivingBank for SimulatedBank {
    async fn exchange(
        &self,
        dirs: &crate::ach::AchDirs,
        settlement_delay: jiff::SignedDuration,
    ) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
        let (reads, answers) = match &self.far_side {
            Some((outbound, inbound)) => (outbound, inbound),
            None => (&dirs.outbox, &dirs.inbox),
        };
        Ok(self
            .process_outbox(reads, answers, settlement_delay)
            .await?)
    }
}

/// A stored statement line with its amount and text opened (lines of earlier releases are
/// clear).
pub fn open_line(vault: &Vault, mut line: StatementLine) -> Result<StatementLine, StoreError> {
    if !line
        .statement_text
        .starts_with(pennydrop_core::crypto::SEALED_TEXT_PREFIX)
    {
        return Ok(line);
    }
    let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("statement line: {e}"));
    let json = vault
        .open_text(&line.statement_text, line.reference.as_bytes())
        .map_err(|e| corrupt(&e))?;
    let secret: SealedLine = serde_json::from_str(&json).map_err(|e| corrupt(&e))?;
    line.amount_cents = secret.amount_cents;
    line.statement_text = secret.statement_text;
    Ok(line)
}

/// What a statement line keeps sealed.
#[derive(serde::Serialize, serde::Deserialize)]
struct SealedLine {
    amount_cents: i64,
    statement_text: String,
}

#[async_trait]
impl Statements for SimulatedBank {
    async fn statement(
        &self,
        routing: &RoutingNumber,
        account: &AccountNumber,
    ) -> Result<Vec<StatementLine>, StoreError> {
        let lines = self
            .store
            .simulator_statement(&self.vault.fingerprint(routing, account))
            .await?;
        lines.into_iter().map(|l| self.opened(l)).collect()
    }
}

/// What the simulated receiving bank does with an instant credit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditDecision {
    /// Posted to the account's statement.
    Posted,
    /// Refused with an ISO 20022 reason code; nothing posted.
    Rejected(&'static str),
}

impl SimulatedBank {
    /// Receives one instant credit as a receiving bank would: a magic account is refused with
    /// its reason, any other is posted once per `reference` (the end-to-end ID), so a
    /// resubmission posts nothing new.
    #[allow(clippy::too_many_arguments)]
    pub async fn receive_instant_credit(
        &self,
        network: InstantNetwork,
        reference: String,
        routing: &RoutingNumber,
        account: &AccountNumber,
        amount_cents: i64,
        debtor_name: &str,
        remittance: String,
    ) -> Result<CreditDecision, StoreError> {
        if let Some(code) = instant_rejection(network, account.expose()) {
            return Ok(CreditDecision::Rejected(code));
        }
        self.post(
            reference,
            routing,
            account,
            amount_cents,
            true,
            network.as_str(),
            debtor_name,
            "ACCTVERIFY",
            remittance,
        )
        .await?;
        Ok(CreditDecision::Posted)
    }
}

/// Account numbers the simulated banks return ACH entries for, with the return reason.
pub const ACH_RETURNS: &[(&str, &str)] = &[
    ("3000000002", "R02"), // account closed
    ("3000000003", "R03"), // no account / unable to locate
    ("3000000004", "R04"), // invalid account number
    ("3000000016", "R16"), // account frozen
    ("3000000020", "R20"), // non-transaction account
    ("3000000023", "R23"), // credit refused by receiver
];

/// Account numbers whose holder disputes the recoup debit: the credits post, the debit comes
/// back with the return reason (an unauthorized return, for return-rate monitoring).
pub const ACH_DEBIT_RETURNS: &[(&str, &str)] = &[
    ("3000000010", "R10"), // customer advises not authorized
];

/// Account numbers the simulated banks answer with a notification of change: the entry posts,
/// and a C01 tells the originator the correct account number.
pub const ACH_NOCS: &[(&str, &str, &str)] = &[("3100000001", "C01", "3100000010")];

pub fn ach_return(account_number: &str) -> Option<&'static str> {
    ACH_RETURNS
        .iter()
        .find(|(n, _)| *n == account_number)
        .map(|(_, c)| *c)
}

pub fn ach_debit_return(account_number: &str) -> Option<&'static str> {
    ACH_DEBIT_RETURNS
        .iter()
        .find(|(n, _)| *n == account_number)
        .map(|(_, c)| *c)
}

pub fn ach_noc(account_number: &str) -> Option<(&'static str, &'static str)> {
    ACH_NOCS
        .iter()
        .find(|(n, _, _)| *n == account_number)
        .map(|(_, c, d)| (*c, *d))
}

#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("file system: {0}")]
    Io(#[from] std::io::Error),
    #[error("building a return file: {0}")]
    Build(String),
}

impl SimulatedBank {
    fn known_read(&self, name: &str) -> bool {
        self.read_files
            .lock()
            .map(|set| set.contains(name))
            .unwrap_or(false)
    }

    fn first_seen(&self, name: &str, now: jiff::Timestamp) -> jiff::Timestamp {
        self.seen_files
            .lock()
            .map(|mut m| *m.entry(name.to_string()).or_insert(now))
            .unwrap_or(now)
    }

    fn remember_read(&self, name: &str) {
        if let Ok(mut set) = self.read_files.lock() {
            set.insert(name.to_string());
        }
    }

    /// Reads the originator's outbox like receiving banks would: posts every entry to the
    /// simulated statements, and writes return and NOC files into the inbox for the magic
    /// account numbers. Files younger than `settlement_delay` wait. Each file is read once
    /// (postings are idempotent, so a crash halfway is repaired by reading it again).
    pub async fn process_outbox(
        &self,
        outbox: &Path,
        inbox: &Path,
        settlement_delay: jiff::SignedDuration,
    ) -> Result<usize, SimulatorError> {
        let now = self.clock.now();
        let mut read = 0;
        for path in crate::ach::files::visible_files(outbox)? {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !self.due(&name, now, settlement_delay).await? {
                continue;
            }
            let text = std::fs::read_to_string(&path)?;
            match nacha::read_str(&text) {
                Ok(file) => self.settle(&name, &file, inbox, now).await?,
                // A real bank would reject the file; the simulator says so loudly.
                Err(e) => {
                    tracing::error!(file = %name, error = %e, "simulated bank rejected an unreadable file")
                }
            }
            self.store.simulator_mark_file_read(&name, now).await?;
            self.remember_read(&name);
            read += 1;
        }
        Ok(read)
    }

    /// Whether an outbox file is unread and past the settlement delay.
    async fn due(
        &self,
        name: &str,
        now: jiff::Timestamp,
        settlement_delay: jiff::SignedDuration,
    ) -> Result<bool, SimulatorError> {
        if self.known_read(name) {
            return Ok(false);
        }
        if self.store.simulator_file_was_read(name).await? {
            self.remember_read(name);
            return Ok(false);
        }
        // Settlement is counted on the injected clock from when the bank first saw the file
        // (after a restart the count starts again: it is a simulator).
        Ok(settlement_delay.is_zero() || now >= self.first_seen(name, now) + settlement_delay)
    }

    /// Posts every entry of a file and answers the magic account numbers with a returns file.
    async fn settle(
        &self,
        name: &str,
        file: &nacha::File,
        inbox: &Path,
        now: jiff::Timestamp,
    ) -> Result<(), SimulatorError> {
        let mut returns: Vec<(nacha::Batch, nacha::Entry, String)> = Vec::new();
        let mut nocs: Vec<(nacha::Batch, nacha::Entry, String, String)> = Vec::new();
        for batch in &file.batches {
            for entry in &batch.entries {
                let number = entry.detail.dfi_account_number.trim();
                let disputed =
                    ach_debit_return(number).filter(|_| entry.detail.transaction_code.is_debit());
                if let Some(code) = ach_return(number).or(disputed) {
                    returns.push((batch.clone(), entry.clone(), code.to_string()));
                    continue;
                }
                if let Some((code, corrected)) = ach_noc(number) {
                    nocs.push((
                        batch.clone(),
                        entry.clone(),
                        code.to_string(),
                        corrected.to_string(),
                    ));
                }
                self.post_entry(name, batch, entry).await?;
            }
        }
        if !returns.is_empty() || !nocs.is_empty() {
            let reply = crate::ach::simulated_reply(file, &returns, &nocs, now)
                .map_err(SimulatorError::Build)?;
            crate::ach::files::write_atomically(
                inbox,
                &format!("RETURNS-{name}"),
                reply.as_bytes(),
            )?;
        }
        Ok(())
    }

    /// One entry on the holder's statement: company, description and payment addenda, as a
    /// banking app shows them.
    async fn post_entry(
        &self,
        file_name: &str,
        batch: &nacha::Batch,
        entry: &nacha::Entry,
    ) -> Result<(), SimulatorError> {
        let d = &entry.detail;
        let (Ok(routing), Ok(account)) = (
            RoutingNumber::parse(&d.rdfi_routing),
            AccountNumber::parse(d.dfi_account_number.trim()),
        ) else {
            return Ok(());
        };
        let company = batch.header.company_name.trim();
        let description = batch.header.company_entry_description.trim();
        let mut text = format!("{company} {description}");
        for a in &entry.addenda {
            if let nacha::Addenda::Payment(p) = a {
                text.push(' ');
                text.push_str(p.payment_related_information.trim());
            }
        }
        self.post(
            format!("{file_name}:{}", d.trace_number),
            &routing,
            &account,
            i64::try_from(d.amount_cents).unwrap_or(i64::MAX),
            d.transaction_code.is_credit(),
            "ach",
            company,
            description,
            text,
        )
        .await?;
        Ok(())
    }
}
