//! Returns and notifications of change from the bank: each inbox file is parsed completely
//! first (a file that does not parse is quarantined and nothing from it is applied), then every
//! return and NOC is matched to its original entry by trace number and applied through the
//! engine. Processed files move to the archive; each file's SHA-256 is remembered so a file
//! delivered twice is applied once.

use pennydrop_core::model::{InboundFile, InboundStatus};
use pennydrop_core::random::uuid;
use pennydrop_core::{Clock, Random};
use pennydrop_engine::ports::{Store, TracedEntry};
use pennydrop_engine::{Engine, InboundAction};
use sha2::{Digest, Sha256};

use super::build::{self, InboundItem};
use super::files::{claim, release_into, visible_files, AchDirs};
use super::AchError;

pub use pennydrop_engine::ports::InboxReport;

/// Returns and NOCs applied per commit. A crash mid-file leaves whole chunks applied and the
/// file not yet recorded as seen, so the restart reads the file again from its start and skips
/// the returns already applied. Each commit writes every page it dirtied to the WAL, and the
/// keys are random (UUIDs), so small commits rewrite the same index pages over and over: 1,000
/// per commit wrote some 1.2 million WAL frames for 100k returns (BENCHMARKS.md §0,
/// 2026-12-03). A bigger chunk holds SQLite's one writer longer (about 2–3 s for 10,000 on the
/// benchmark machine; API writes queue behind it), which only files of many thousand returns
/// reach.
const CHUNK: usize = 10_000;

pub async fn process(
    store: &dyn Store,
    engine: &Engine,
    clock: &dyn Clock,
    random: &dyn Random,
    dirs: &AchDirs,
) -> Result<InboxReport, AchError> {
    let inbox = Inbox {
        store,
        engine,
        clock,
        random,
        dirs,
    };
    let mut report = InboxReport::default();
    for visible in visible_files(&dirs.inbox)? {
        let Some(path) = claim(&visible)? else {
            continue;
        };
        let name = visible
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Err(e) = inbox.file(name, &path, &mut report).await {
            // Back into the inbox, visible, so the next round reads it again (applying is
            // idempotent); left claimed it would wait for the next start of the process.
            if let Err(back) = release_into(&path, &dirs.inbox) {
                tracing::error!(file = %path.display(), error = %back, "could not put an inbound file back into the inbox");
            }
            return Err(e);
        }
    }
    Ok(report)
}

struct Inbox<'a> {
    store: &'a dyn Store,
    engine: &'a Engine,
    clock: &'a dyn Clock,
    random: &'a dyn Random,
    dirs: &'a AchDirs,
}

impl Inbox<'_> {
    /// One claimed file: applied once (by its SHA-256), or quarantined whole if it does not
    /// parse; then moved out of the inbox.
    async fn file(
        &self,
        name: String,
        path: &std::path::Path,
        report: &mut InboxReport,
    ) -> Result<(), AchError> {
        let bytes = std::fs::read(path)?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        if self.store.inbound_seen(&sha256).await? {
            release_into(path, &self.dirs.archive)?;
            return Ok(());
        }
        report.files += 1;
        let text = String::from_utf8_lossy(&bytes);
        let items = match build::parse_inbound(&text) {
            Ok(items) => items,
            Err(reason) => {
                tracing::error!(file = %name, error = %reason, "inbound ACH file quarantined");
                let record = self.record(name, sha256, InboundStatus::Quarantined, Some(reason));
                self.store.record_inbound(&record).await?;
                release_into(path, &self.dirs.quarantine)?;
                report.quarantined += 1;
                return Ok(());
            }
        };
        let (returns, nocs) = self.apply(&name, items, report).await?;
        tracing::info!(file = %name, returns, nocs, "inbound ACH file applied");
        let mut record = self.record(name, sha256, InboundStatus::Applied, None);
        (record.returns, record.nocs) = (returns, nocs);
        self.store.record_inbound(&record).await?;
        release_into(path, &self.dirs.archive)?;
        report.returns += usize::try_from(returns).unwrap_or(0);
        report.nocs += usize::try_from(nocs).unwrap_or(0);
        Ok(())
    }

    /// Applies each return and NOC to its original entry, a chunk per commit; returns how many
    /// of each applied.
    async fn apply(
        &self,
        name: &str,
        items: Vec<InboundItem>,
        report: &mut InboxReport,
    ) -> Result<(i64, i64), AchError> {
        let (mut returns, mut nocs) = (0i64, 0i64);
        let mut returned_tenants = std::collections::BTreeSet::new();
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let chunk: Vec<InboundItem> = items.by_ref().take(CHUNK).collect();
            let seqs: Vec<i64> = chunk.iter().map(InboundItem::original_trace_seq).collect();
            let entries = self.store.entries_by_traces(&seqs).await?;
            let mut actions = Vec::with_capacity(chunk.len());
            for (item, found) in chunk.into_iter().zip(entries) {
                let Some(TracedEntry {
                    entry, return_code, ..
                }) = found
                else {
                    tracing::warn!(file = %name, trace = item.original_trace(), "no originated entry has this trace number");
                    report.unmatched += 1;
                    continue;
                };
                actions.push(match item {
                    // An entry is returned once: the same return again (a file the bank sent
                    // twice with different bytes, or one re-read after a crash) changes nothing.
                    InboundItem::Return { .. } if return_code.is_some() => {
                        report.repeated += 1;
                        continue;
                    }
                    InboundItem::Return { code, .. } => {
                        returned_tenants.insert(entry.tenant_id);
                        returns += 1;
                        InboundAction::Return { entry, code }
                    }
                    InboundItem::Noc {
                        code, corrected, ..
                    } => {
                        nocs += 1;
                        InboundAction::Noc {
                            entry,
                            code,
                            corrected,
                        }
                    }
                });
            }
            self.engine.apply_inbound(&actions).await?;
        }
        // Return rates are risk monitoring, not part of applying the file: a failure here is
        // logged and the next return reviews the tenant again.
        for tenant in returned_tenants {
            if let Err(e) = self.engine.review_return_rates(tenant).await {
                tracing::error!(%tenant, error = %e, "return-rate review failed");
            }
        }
        Ok((returns, nocs))
    }

    fn record(
        &self,
        file_name: String,
        sha256: String,
        status: InboundStatus,
        error: Option<String>,
    ) -> InboundFile {
        InboundFile {
            inbound_id: uuid(self.random),
            file_name,
            sha256,
            received_on: self.clock.now(),
            status,
            error,
            returns: 0,
            nocs: 0,
        }
    }
}
