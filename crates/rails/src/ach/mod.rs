//! The ACH rail: at each cutoff window, pending entries leave as one NACHA file per ODFI,
//! exactly once; returns and notifications of change come back through the inbox.
//!
//! Always valid: before the claim, every due entry is checked with the validator's per-entry
//! rules; one that would break the file is held back and reported (`holdback`), never claimed.
//!
//! Exactly once, across crashes and processes: the database decides which entries go in
//! which file in one transaction (`Store::claim_cutoff`, serialized by a row lock); the file's
//! text is derived deterministically from that claim and stored once; writing it to the outbox
//! (temp file, fsync, rename) and delivering it are idempotent and retried until recorded.

pub mod build;
pub mod files;
mod holdback;
pub mod inbox;
pub mod sftp;
pub mod transport;

use jiff::{SignedDuration, Timestamp};
use pennydrop_calendar::{banking_day_on_or_after, new_york_tz, CutoffSchedule, Window};
use pennydrop_core::crypto::Vault;
use pennydrop_core::model::{AchFile, AchFileStatus};
use pennydrop_core::progress::{Progress, Silent};
use pennydrop_core::random::uuid;
use pennydrop_core::{AccountNumber, Clock, Random};
use pennydrop_engine::ports::{AchOperator, BatchSummary, CutoffReport, RailError};
use pennydrop_engine::ports::{CutoffClaim, FileTotals, Store, StoreError};
use pennydrop_engine::Engine;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Entries per progress report (a report per entry would cost more than the bar is worth).
const PROGRESS_STEP: usize = 1_000;

/// A pass over streamed rows: counts them for the progress bar and keeps the first error,
/// which stops the stream.
struct RowScan<'a> {
    progress: &'a dyn Progress,
    seen: usize,
    failure: Option<AchError>,
}

impl<'a> RowScan<'a> {
    fn new(progress: &'a dyn Progress) -> Self {
        Self {
            progress,
            seen: 0,
            failure: None,
        }
    }

    /// One row's outcome: go on, or stop at the first error.
    fn step(&mut self, outcome: Result<(), AchError>) -> ControlFlow<()> {
        self.seen += 1;
        if self.seen.is_multiple_of(PROGRESS_STEP) {
            self.progress.advance(PROGRESS_STEP as u64);
        }
        match outcome {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.failure = Some(e);
                ControlFlow::Break(())
            }
        }
    }

    /// The error that stopped the pass, if one did.
    fn finish(self) -> Result<(), AchError> {
        self.failure.map_or(Ok(()), Err)
    }
}

pub use build::{simulated_reply, OdfiConfig, SIMULATED_BANK};
pub use files::{AchDirs, GroupError, OutboxGroup};
pub use transport::{DirectoryTransport, FileTransport};

/// The prefix of a sealed file text in the store.

#[derive(Debug, thiserror::Error)]
pub enum AchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("file system: {0}")]
    Io(#[from] std::io::Error),
    #[error("building file {file}: {reason}")]
    Build { file: String, reason: String },
    #[error("stored account number cannot be decrypted: {0}")]
    Crypto(#[from] pennydrop_core::crypto::CryptoError),
    #[error(transparent)]
    Engine(#[from] pennydrop_engine::EngineError),
    #[error("delivery: {0}")]
    Delivery(String),
}

/// A receiving bank that reads the ODFI's outbox itself and answers into its inbox: the
/// simulated network (a real bank is reached through a [`FileTransport`] instead).
#[async_trait::async_trait]
pub trait ReceivingBank: Send + Sync + std::fmt::Debug {
    /// Reads the outbox files older than `settlement_delay`, posts their entries and writes its
    /// returns and NOCs into the inbox. Returns how many files it read.
    async fn exchange(
        &self,
        dirs: &AchDirs,
        settlement_delay: SignedDuration,
    ) -> Result<usize, Box<dyn std::error::Error + Send + Sync>>;
}

#[derive(Debug, Clone)]
pub struct AchConfig {
    pub odfi: OdfiConfig,
    pub schedule: CutoffSchedule,
    /// How long the simulated bank waits before reading a file (settlement delay).
    pub settlement_delay: SignedDuration,
    /// How files reach the bank (and returns come back); None keeps them in the local outbox
    /// (where the simulated bank reads them).
    pub delivery: Option<Arc<dyn FileTransport>>,
    /// This node's identity (stable across restarts of the same data directory).
    pub node_id: String,
    /// How long another node waits before writing a file whose claimer went quiet.
    pub writer_lease: SignedDuration,
}

#[derive(Debug)]
pub struct AchRail {
    store: Arc<dyn Store>,
    vault: Arc<Vault>,
    clock: Arc<dyn Clock>,
    engine: Arc<Engine>,
    config: AchConfig,
    dirs: AchDirs,
    /// Where file and inbound IDs come from (forked from the engine's source).
    random: Arc<dyn Random>,
    /// The receiving side that reads the outbox directly (the simulated network), if any.
    bank: Option<Arc<dyn ReceivingBank>>,
    /// One cutoff at a time within this process (the store serializes across processes).
    cutoff_lock: tokio::sync::Mutex<()>,
    /// One round of rail work (cutoff, bank exchange, inbox) at a time within this process, so
    /// an operator's cutoff reports everything it caused.
    work_lock: tokio::sync::Mutex<()>,
    /// Failed deliveries: when the next attempt is due, and the current back-off.
    delivery_retries: std::sync::Mutex<std::collections::HashMap<Uuid, (Timestamp, Duration)>>,
    /// Where a cutoff reports its stages (a terminal's progress bar for `ach cutoff`).
    progress: Arc<dyn Progress>,
}

impl AchRail {
    pub fn new(
        store: Arc<dyn Store>,
        vault: Arc<Vault>,
        clock: Arc<dyn Clock>,
        engine: Arc<Engine>,
        config: AchConfig,
        dirs: AchDirs,
        bank: Option<Arc<dyn ReceivingBank>>,
    ) -> Result<Self, AchError> {
        dirs.create()?;
        let random = engine.fork_random("ach-rail");
        Ok(Self {
            random,
            store,
            vault,
            clock,
            engine,
            config,
            dirs,
            bank,
            cutoff_lock: tokio::sync::Mutex::new(()),
            work_lock: tokio::sync::Mutex::new(()),
            delivery_retries: Default::default(),
            progress: Arc::new(Silent),
        })
    }

    /// Reports each cutoff's stages and entries to `progress`.
    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }

    pub fn dirs(&self) -> &AchDirs {
        &self.dirs
    }

    pub fn config(&self) -> &AchConfig {
        &self.config
    }

    /// Runs a cutoff now (operator or CLI): every pending entry waiting for the next window
    /// leaves, with today's effective date (or the next banking day's). Returns the file, if
    /// anything was pending, after it is written (and delivered when delivery is configured).
    pub async fn cutoff_now(&self) -> Result<Option<AchFile>, AchError> {
        let now = self.clock.now();
        let next = self.config.schedule.next_window(now);
        let today = now.to_zoned(new_york_tz()).date();
        self.cutoff(None, next.at, banking_day_on_or_after(today))
            .await
    }

    /// Runs the cutoff for a scheduled window.
    pub async fn cutoff_for_window(&self, window: Window) -> Result<Option<AchFile>, AchError> {
        self.cutoff(Some(window.at), window.at, window.date).await
    }

    /// One cutoff, timed for the metrics by outcome (a file, nothing pending, an error).
    async fn cutoff(
        &self,
        window_at: Option<Timestamp>,
        due_by: Timestamp,
        effective_date: jiff::civil::Date,
    ) -> Result<Option<AchFile>, AchError> {
        let started = std::time::Instant::now();
        let result = self
            .claim_and_finish(window_at, due_by, effective_date)
            .await;
        let outcome = match &result {
            Ok(Some(_)) => "file",
            Ok(None) => "empty",
            Err(_) => "error",
        };
        self.engine
            .metrics()
            .cutoff(outcome, started.elapsed().as_secs_f64());
        result
    }

    async fn claim_and_finish(
        &self,
        window_at: Option<Timestamp>,
        due_by: Timestamp,
        effective_date: jiff::civil::Date,
    ) -> Result<Option<AchFile>, AchError> {
        let _one_at_a_time = self.cutoff_lock.lock().await;
        // Entries that would break the file are held back first, each in its own transaction.
        self.hold_back_invalid(due_by, effective_date).await?;
        let now = self.clock.now();
        let local = now.to_zoned(new_york_tz());
        let day_start = local
            .start_of_day()
            .map(|z| z.timestamp())
            .unwrap_or(now - SignedDuration::from_hours(24));
        let claim = CutoffClaim {
            file_id: uuid(self.random.as_ref()),
            now,
            window_at,
            due_by,
            effective_date,
            day_start,
            day_end: day_start + SignedDuration::from_hours(24),
            file_name_prefix: build::file_name_prefix(&self.config.odfi.company_name, &local),
            name_file: build::file_identity,
            writer: self.config.node_id.clone(),
        };
        self.progress.stage("claiming due entries", None);
        let Some(file) = self.store.claim_cutoff(&claim).await? else {
            return Ok(None);
        };
        tracing::info!(file = %file.file_name, entries = file.entry_count, "cutoff claimed entries");
        self.finish(&file).await?;
        // Re-read: the totals were set when the text was built.
        Ok(Some(
            self.store.ach_file(file.file_id).await?.unwrap_or(file),
        ))
    }

    /// The file's text: stored once (sealed with the vault: it holds full account numbers),
    /// derived deterministically from its claimed entries.
    pub async fn file_text(&self, file: &AchFile) -> Result<String, AchError> {
        if let Some(stored) = self.store.file_content(file.file_id).await? {
            return self.open_text(file, &stored);
        }
        let total = u64::try_from(file.entry_count).ok();
        self.progress.stage("opening account numbers", total);
        // Each row is opened and turned into its NACHA entry as it arrives; only the NACHA
        // entries are held until the file is built.
        let mut draft = build::FileDraft::default();
        let mut totals = FileTotals::default();
        let mut scan = RowScan::new(self.progress.as_ref());
        self.store
            .each_file_entry(file.file_id, &mut |e| {
                scan.step(self.opened(e).and_then(|(e, number)| {
                    match e.entry.is_credit {
                        true => totals.credit_cents += e.entry.amount_cents,
                        false => totals.debit_cents += e.entry.amount_cents,
                    }
                    draft
                        .add(&self.config.odfi, &e, &number)
                        .map_err(|reason| AchError::Build {
                            file: file.file_name.clone(),
                            reason,
                        })
                }))
            })
            .await?;
        scan.finish()?;
        self.progress.stage("writing the NACHA file", None);
        let text = draft
            .build(&self.config.odfi, file)
            .map_err(|reason| AchError::Build {
                file: file.file_name.clone(),
                reason,
            })?;
        self.progress.stage("storing the file (sealed)", None);
        if self
            .store
            .store_file_content(file.file_id, &self.seal_text(file, &text), totals)
            .await?
        {
            return Ok(text);
        }
        // Another writer stored the text first (the same bytes, by construction): use theirs.
        let stored = self
            .store
            .file_content(file.file_id)
            .await?
            .ok_or_else(|| AchError::Build {
                file: file.file_name.clone(),
                reason: "the stored text vanished".into(),
            })?;
        self.open_text(file, &stored)
    }

    /// The stored form of a file's text: `sealed:<key id>:<base64>`, bound to the file's ID.
    fn seal_text(&self, file: &AchFile, text: &str) -> String {
        self.vault.seal_text(text, file.file_id.as_bytes())
    }

    /// An entry as the file needs it: its account number and its addenda (which may carry a
    /// verification code) opened.
    fn opened(
        &self,
        mut e: pennydrop_core::model::FileEntry,
    ) -> Result<(pennydrop_core::model::FileEntry, AccountNumber), AchError> {
        let number = self
            .vault
            .open(&e.sealed, e.entry.bank_account_id.as_bytes())?;
        let aad = e.entry.entry_id.as_bytes();
        if let Some(a) = &e.entry.addenda {
            e.entry.addenda = Some(self.vault.open_text(a, aad)?);
        }
        if let Some(sealed) = e.entry.sealed_amount.take() {
            let amount = self.vault.open_text(&sealed, aad)?;
            e.entry.amount_cents = amount
                .parse()
                .map_err(|_| pennydrop_core::crypto::CryptoError::Corrupt)?;
        }
        Ok((e, number))
    }

    /// A stored file text, opened (texts stored in clear by an earlier release are read as
    /// they are).
    fn open_text(&self, file: &AchFile, stored: &str) -> Result<String, AchError> {
        Ok(self.vault.open_text(stored, file.file_id.as_bytes())?)
    }

    /// Writes an assembled file to the outbox and delivers it. Safe to repeat.
    async fn finish(&self, file: &AchFile) -> Result<(), AchError> {
        let text = self.file_text(file).await?;
        if file.status == AchFileStatus::Assembled {
            self.progress.stage("writing to the outbox", None);
            files::write_atomically_for(
                &self.dirs.outbox,
                &file.file_name,
                text.as_bytes(),
                self.dirs.outbox_gid(),
            )?;
            self.store
                .mark_file(file.file_id, AchFileStatus::Written, self.clock.now())
                .await?;
        }
        if let Some(delivery) = &self.config.delivery {
            if !self.delivery_due(file.file_id) {
                return Ok(());
            }
            match delivery.deliver(&file.file_name, text.as_bytes()).await {
                Ok(()) => {
                    self.delivery_retries
                        .lock()
                        .map(|mut m| m.remove(&file.file_id))
                        .ok();
                    self.store
                        .mark_file(file.file_id, AchFileStatus::Delivered, self.clock.now())
                        .await?
                }
                Err(e) => {
                    let wait = self.delivery_failed(file.file_id);
                    tracing::warn!(file = %file.file_name, to = %delivery.describe(), error = %e, retry_in_s = wait.as_secs(), "delivery failed; will retry");
                    self.store
                        .set_delivery_error(file.file_id, Some(&e.to_string()))
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Whether a failed delivery's back-off has passed (always true for a first attempt).
    fn delivery_due(&self, file_id: Uuid) -> bool {
        self.delivery_retries
            .lock()
            .map(|m| {
                m.get(&file_id)
                    .is_none_or(|(due, _)| self.clock.now() >= *due)
            })
            .unwrap_or(true)
    }

    /// Records a failed delivery: the next attempt waits twice as long, from 2 s up to 5 min,
    /// on the injected clock.
    fn delivery_failed(&self, file_id: Uuid) -> Duration {
        let Ok(mut retries) = self.delivery_retries.lock() else {
            return Duration::from_secs(2);
        };
        let wait = retries
            .get(&file_id)
            .map(|(_, w)| (*w * 2).min(Duration::from_secs(300)))
            .unwrap_or(Duration::from_secs(2));
        let due = jiff::SignedDuration::try_from(wait)
            .ok()
            .and_then(|w| self.clock.now().checked_add(w).ok())
            .unwrap_or_else(|| self.clock.now());
        retries.insert(file_id, (due, wait));
        wait
    }

    /// Finishes files a crash (or a failed delivery) left behind: this node's at once, another
    /// node's once its lease ran out (that node is presumed dead), so no file is written to two
    /// outboxes.
    pub async fn finish_pending(&self) -> Result<usize, AchError> {
        let stale_before = self.clock.now() - self.config.writer_lease;
        let mut done = 0;
        for file in self.store.files_in_status(AchFileStatus::Assembled).await? {
            if self
                .store
                .take_file(file.file_id, &self.config.node_id, stale_before)
                .await?
            {
                self.finish(&file).await?;
                done += 1;
            }
        }
        if self.config.delivery.is_some() {
            // Delivery is idempotent (by name), so any node may retry it.
            for file in self.store.files_in_status(AchFileStatus::Written).await? {
                self.finish(&file).await?;
                done += 1;
            }
        }
        Ok(done)
    }

    /// What a start of the process does first: removes temporary files a crash left half
    /// written, puts inbound files it left claimed back into the inbox (a data directory has
    /// one process), and finishes files left behind. Returns how many files it finished.
    pub async fn recover(&self) -> Result<usize, AchError> {
        // Not beside a round of this process: its claimed files are in use.
        let _one_round = self.work_lock.lock().await;
        let cleaned = self.dirs.clean_temporaries()?;
        if cleaned > 0 {
            tracing::info!(
                files = cleaned,
                "cleaned up after a crash in the ACH directories"
            );
        }
        self.finish_pending().await
    }

    /// An operator's cutoff: the cutoff now, then the exchange with the bank (the simulated
    /// bank answers at once when its settlement delay is zero).
    pub async fn cutoff_and_exchange(
        &self,
    ) -> Result<(Option<AchFile>, inbox::InboxReport), AchError> {
        let _one_round = self.work_lock.lock().await;
        let file = self.cutoff_now().await?;
        let report = self.exchange_with_bank().await?;
        Ok((file, report))
    }

    /// One round of background work: the scheduled cutoff if a window has passed, files left
    /// behind, the simulated bank reading the outbox, and the inbox.
    pub async fn tick(&self) -> Result<(), AchError> {
        let _one_round = self.work_lock.lock().await;
        let now = self.clock.now();
        if let Some(window) = self.config.schedule.latest_window_at_or_before(now) {
            let last = self.store.last_window_at().await?;
            if last.is_none_or(|l| l < window.at) {
                self.cutoff_for_window(window).await?;
            }
        }
        self.finish_pending().await?;
        self.exchange_with_bank().await?;
        Ok(())
    }

    /// Lets the simulated bank read the outbox, then applies whatever came back.
    pub async fn exchange_with_bank(&self) -> Result<inbox::InboxReport, AchError> {
        if let Some(bank) = &self.bank {
            bank.exchange(&self.dirs, self.config.settlement_delay)
                .await
                .map_err(|e| AchError::Delivery(format!("receiving bank: {e}")))?;
        }
        self.process_inbox().await
    }

    /// Applies every file in the inbox (after pulling the bank's inbound files, when a
    /// delivery transport is configured).
    pub async fn process_inbox(&self) -> Result<inbox::InboxReport, AchError> {
        if let Some(delivery) = &self.config.delivery {
            if let Err(e) = transport::pull_inbound(delivery.as_ref(), &self.dirs.inbox).await {
                tracing::warn!(from = %delivery.describe(), error = %e, "inbound fetch failed; will retry");
            }
        }
        inbox::process(
            self.store.as_ref(),
            &self.engine,
            self.clock.as_ref(),
            self.random.as_ref(),
            &self.dirs,
        )
        .await
    }

    /// Background work until `shutdown` resolves.
    pub async fn run_background(
        self: Arc<Self>,
        every: Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        if let Err(e) = self.recover().await {
            tracing::warn!(error = %e, "could not recover the ACH directories and files; will retry");
        }
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tick.tick() => {}
            }
            if let Err(e) = self.tick().await {
                tracing::error!(error = %e, "ACH rail background work failed; will retry");
            }
        }
    }
}

#[async_trait::async_trait]
impl AchOperator for AchRail {
    async fn cutoff_now(&self) -> Result<CutoffReport, RailError> {
        let (file, inbound) = self.cutoff_and_exchange().await.map_err(|e| {
            tracing::error!(error = %e, "operator cutoff failed");
            RailError(e.to_string())
        })?;
        Ok(CutoffReport { file, inbound })
    }

    async fn file_text(&self, file: &AchFile) -> Result<String, RailError> {
        AchRail::file_text(self, file)
            .await
            .map_err(|e| RailError(e.to_string()))
    }

    async fn file_batches(&self, file: &AchFile) -> Result<Vec<BatchSummary>, RailError> {
        let text = AchOperator::file_text(self, file).await?;
        let read = nacha::read_str(&text).map_err(|e| RailError(e.to_string()))?;
        Ok(read.batches.iter().map(batch_summary).collect())
    }
}

/// A batch as the console shows it: header and control figures, and which entries it holds.
fn batch_summary(b: &nacha::Batch) -> BatchSummary {
    let trace_seq = |trace: &str| {
        trace
            .get(trace.len().saturating_sub(7)..)
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or_default()
    };
    BatchSummary {
        batch_number: b.control.batch_number,
        sec_code: b.header.sec_code.as_str().to_string(),
        company_name: b.header.company_name.trim().to_string(),
        entry_description: b.header.company_entry_description.trim().to_string(),
        entry_addenda_count: b.control.entry_addenda_count,
        total_debit_cents: b.control.total_debit_cents,
        total_credit_cents: b.control.total_credit_cents,
        trace_seqs: b
            .entries
            .iter()
            .map(|e| trace_seq(&e.detail.trace_number))
            .collect(),
    }
}
