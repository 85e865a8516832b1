//! Returns and notifications of change from the bank: each inbox file is parsed completely
//! first (a file that does not parse is quarantined and nothing from it is applied), then every
//! return and NOC is matched to its original entry by trace number and applied through the
//! engine. Processed files move to the archive; each file's SHA-256 is remembered so a file
//! delivered twice is applied once.

use pennydrop_core::model::{InboundFile, InboundStatus};
use pennydrop_core::random::uuid;
use pennydrop_core::{Clock, Random};
use pennydrop_engine::ports::Store;
use pennydrop_engine::Engine;
use sha2::{Digest, Sha256};

use super::build::{self, InboundItem};
use super::files::{claim, release_into, visible_files, AchDirs};
use super::AchError;

pub use pennydrop_engine::ports::InboxReport;

pub async fn process(
    store: &dyn Store,
    engine: &Engine,
    clock: &dyn Clock,
    random: &dyn Random,
    dirs: &AchDirs,
) -> Result<InboxReport, AchError> {
    let mut report = InboxReport::default();
    for visible in visible_files(&dirs.inbox)? {
        let Some(path) = claim(&visible)? else {
            continue;
        };
        let bytes = std::fs::read(&path)?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let name = visible
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if store.inbound_seen(&sha256).await? {
            release_into(&path, &dirs.archive)?;
            continue;
        }
        report.files += 1;
        let text = String::from_utf8_lossy(&bytes);
        let items = match build::parse_inbound(&text) {
            Ok(items) => items,
            Err(reason) => {
                tracing::error!(file = %name, error = %reason, "inbound ACH file quarantined");
                store
                    .record_inbound(&InboundFile {
                        inbound_id: uuid(random),
                        file_name: name,
                        sha256,
                        received_on: clock.now(),
                        status: InboundStatus::Quarantined,
                        error: Some(reason),
                        returns: 0,
                        nocs: 0,
                    })
                    .await?;
                release_into(&path, &dirs.quarantine)?;
                report.quarantined += 1;
                continue;
            }
        };
        let (mut returns, mut nocs) = (0i64, 0i64);
        for item in items {
            let Some((entry, _)) = store.entry_by_trace(item.original_trace_seq()).await? else {
                tracing::warn!(file = %name, trace = item.original_trace(), "no originated entry has this trace number");
                report.unmatched += 1;
                continue;
            };
            match item {
                InboundItem::Return { code, .. } => {
                    engine.apply_return(&entry, &code).await?;
                    returns += 1;
                }
                InboundItem::Noc {
                    code, corrected, ..
                } => {
                    engine.apply_noc(&entry, &code, &corrected).await?;
                    nocs += 1;
                }
            }
        }
        tracing::info!(file = %name, returns, nocs, "inbound ACH file applied");
        store
            .record_inbound(&InboundFile {
                inbound_id: uuid(random),
                file_name: name,
                sha256,
                received_on: clock.now(),
                status: InboundStatus::Applied,
                error: None,
                returns,
                nocs,
            })
            .await?;
        release_into(&path, &dirs.archive)?;
        report.returns += usize::try_from(returns).unwrap_or(0);
        report.nocs += usize::try_from(nocs).unwrap_or(0);
    }
    Ok(report)
}
