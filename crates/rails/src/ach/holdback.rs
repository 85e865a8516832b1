//! Before a cutoff claims its entries, each due entry is checked with the validator's own
//! per-entry rules (`nacha::check_entry`, through `build::entry_problem`). An entry that would
//! break the file is held back with its verification's other entries (the recoup debit must not
//! leave without its credits), the verification fails (`Engine::hold_back`), and the operator
//! sees it (`GET /admin/ach/held-entries`, a warning in the log); the rest of the file is
//! written as usual.

use pennydrop_core::model::{EntryHold, FileEntry};
use uuid::Uuid;

use super::{build, AchError, AchRail};

impl AchRail {
    /// Holds back every due entry that would break the file dated `effective_date`. Returns
    /// the holds made. A stored account number that cannot be opened stops the cutoff (a key
    /// problem concerns every entry, not one).
    pub(super) async fn hold_back_invalid(
        &self,
        due_by: jiff::Timestamp,
        effective_date: jiff::civil::Date,
    ) -> Result<Vec<EntryHold>, AchError> {
        self.progress.stage("reading due entries", None);
        let due = self.store.due_entries(due_by).await?;
        let total = u64::try_from(due.len()).unwrap_or(u64::MAX);
        self.progress.stage("checking due entries", Some(total));
        let mut held = Vec::new();
        let mut group: Vec<FileEntry> = Vec::new();
        for (i, e) in due.into_iter().enumerate() {
            if i % super::PROGRESS_STEP == 0 && i > 0 {
                self.progress.advance(super::PROGRESS_STEP as u64);
            }
            if group
                .first()
                .is_some_and(|g| g.entry.verification_id != e.entry.verification_id)
            {
                held.extend(self.check_group(&group, effective_date).await?);
                group.clear();
            }
            group.push(e);
        }
        held.extend(self.check_group(&group, effective_date).await?);
        Ok(held)
    }

    /// One verification's due entries: all leave, or all are held.
    async fn check_group(
        &self,
        group: &[FileEntry],
        effective_date: jiff::civil::Date,
    ) -> Result<Vec<EntryHold>, AchError> {
        let mut problems: Vec<(Uuid, String, String)> = Vec::new();
        for e in group {
            let (e, number) = self.opened(e.clone())?;
            if let Some((rule, reason)) =
                build::entry_problem(&self.config.odfi, &e, &number, effective_date)
            {
                problems.push((e.entry.entry_id, rule, reason));
            }
        }
        let (Some(first), Some((cause, rule, _))) = (group.first(), problems.first()) else {
            return Ok(Vec::new());
        };
        let holds: Vec<EntryHold> = group
            .iter()
            .map(|e| {
                let own = problems.iter().find(|(id, _, _)| *id == e.entry.entry_id);
                EntryHold {
                    entry_id: e.entry.entry_id,
                    rule: own.map_or_else(|| rule.clone(), |(_, r, _)| r.clone()),
                    reason: own.map_or_else(
                        || format!("held with entry {cause} of the same verification"),
                        |(_, _, why)| why.clone(),
                    ),
                }
            })
            .collect();
        let applied = self
            .engine
            .hold_back(
                first.entry.bank_account_id,
                first.entry.verification_id,
                &holds,
            )
            .await?;
        if !applied {
            return Ok(Vec::new());
        }
        for h in &holds {
            tracing::warn!(entry = %h.entry_id, verification = %first.entry.verification_id, rule = %h.rule, reason = %h.reason, "entry held back at the cutoff: it would break the NACHA file");
        }
        Ok(holds)
    }
}
