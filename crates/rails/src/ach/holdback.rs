//! Before a cutoff claims its entries, each due entry is checked with the validator's own
//! per-entry rules (`nacha::check_entry`, through `build::entry_problem`). An entry that would
//! break the file is held back with its verification's other entries (the recoup debit must not
//! leave without its credits), the verification fails (`Engine::hold_back`), and the operator
//! sees it (`GET /admin/ach/held-entries`, a warning in the log); the rest of the file is
//! written as usual. The due entries are checked as they stream from the store: only the
//! current verification's entry IDs, the problems found and each account's first type are kept.
//!
//! One rule looks across entries: a file posts to an account as one type only (NACHA's
//! checking or savings codes; the validator's `account-type` rule). Two holders can link the
//! same account number at the same bank, one as checking and one as savings; the first
//! verification (in the order the entries stream) keeps the account's type and a later one
//! posting to it as another type is held back, instead of failing the whole file.

use pennydrop_core::model::{EntryHold, FileEntry};
use std::collections::HashMap;
use uuid::Uuid;

use super::{build, AchError, AchRail, RowScan};

/// One verification's due entries as the check sees them: their IDs and what is wrong.
/// (routing number, account number) → the type it is first posted to as, and by which
/// verification.
type FirstTypes = HashMap<(String, String), (nacha::AccountType, Uuid)>;

#[derive(Default)]
struct Group {
    bank_account_id: Uuid,
    verification_id: Uuid,
    entry_ids: Vec<Uuid>,
    /// (entry, rule, reason) for each entry that would break the file.
    problems: Vec<(Uuid, String, String)>,
}

impl AchRail {
    /// Holds back every due entry that would break the file dated `effective_date`. Returns
    /// the holds made. A stored account number that cannot be opened stops the cutoff (a key
    /// problem concerns every entry, not one).
    pub(super) async fn hold_back_invalid(
        &self,
        due_by: jiff::Timestamp,
        effective_date: jiff::civil::Date,
    ) -> Result<Vec<EntryHold>, AchError> {
        self.progress.stage("checking due entries", None);
        let mut current = Group::default();
        let mut to_hold: Vec<Group> = Vec::new();
        let mut scan = RowScan::new(self.progress.as_ref());
        let mut first_types = FirstTypes::new();
        self.store
            .each_due_entry(due_by, &mut |e| {
                if current.verification_id != e.entry.verification_id {
                    let done = std::mem::take(&mut current);
                    if !done.problems.is_empty() {
                        to_hold.push(done);
                    }
                    current.bank_account_id = e.entry.bank_account_id;
                    current.verification_id = e.entry.verification_id;
                }
                current.entry_ids.push(e.entry.entry_id);
                let checked = self.check_entry(e, effective_date, &mut first_types);
                scan.step(checked.map(|problem| current.problems.extend(problem)))
            })
            .await?;
        scan.finish()?;
        if !current.problems.is_empty() {
            to_hold.push(current);
        }
        let mut held = Vec::new();
        for group in to_hold {
            held.extend(self.hold_group(group).await?);
        }
        Ok(held)
    }

    /// The rule `e` would break, if any.
    fn check_entry(
        &self,
        e: FileEntry,
        effective_date: jiff::civil::Date,
        first_types: &mut FirstTypes,
    ) -> Result<Option<(Uuid, String, String)>, AchError> {
        let (e, number) = self.opened(e)?;
        let id = e.entry.entry_id;
        if let Some((rule, reason)) =
            build::entry_problem(&self.config.odfi, &e, &number, effective_date)
        {
            return Ok(Some((id, rule, reason)));
        }
        let ty = build::account_type(e.bank_account_type);
        let verification = e.entry.verification_id;
        let key = (e.routing_number.clone(), number.expose().to_string());
        let &mut (first, by) = first_types.entry(key).or_insert((ty, verification));
        Ok((first != ty && by != verification).then(|| {
            let reason = format!(
                "the account is also posted to as {first:?} in this file (verification {by}); a file posts to one account as one type only"
            );
            (id, nacha::Rule::AccountType.name().to_string(), reason)
        }))
    }

    /// Holds all of one verification's due entries, each with its own problem or the first
    /// problem of its group.
    async fn hold_group(&self, group: Group) -> Result<Vec<EntryHold>, AchError> {
        let Some((cause, rule, _)) = group.problems.first() else {
            return Ok(Vec::new());
        };
        let holds: Vec<EntryHold> = group
            .entry_ids
            .iter()
            .map(|id| {
                let own = group.problems.iter().find(|(p, _, _)| p == id);
                EntryHold {
                    entry_id: *id,
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
            .hold_back(group.bank_account_id, group.verification_id, &holds)
            .await?;
        if !applied {
            return Ok(Vec::new());
        }
        for h in &holds {
            tracing::warn!(entry = %h.entry_id, verification = %group.verification_id, rule = %h.rule, reason = %h.reason, "entry held back at the cutoff: it would break the NACHA file");
        }
        Ok(holds)
    }
}
