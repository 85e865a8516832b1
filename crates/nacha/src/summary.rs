//! A serialisable overview of a file, for `ach inspect`-style output.

use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};

use crate::codes::{SecCode, ServiceClass};
use crate::model::{Batch, File, BLOCKING_FACTOR};
use crate::records::FileHeader;

/// Overview of a whole file. Totals are computed from the entries (for a file that has been
/// read or validated they equal the control records).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// 9-digit routing number.
    pub immediate_destination: String,
    /// Sender identification.
    pub immediate_origin: String,
    /// Receiving point name.
    pub destination_name: String,
    /// Sender name.
    pub origin_name: String,
    /// File creation date.
    pub creation_date: Date,
    /// File creation time, if present.
    pub creation_time: Option<Time>,
    /// File ID modifier.
    pub file_id_modifier: char,
    /// Reference code (may be empty).
    pub reference_code: String,
    /// Number of batches.
    pub batch_count: usize,
    /// Number of entry detail records.
    pub entry_count: u64,
    /// Number of addenda records.
    pub addenda_count: u64,
    /// Total debits in cents.
    pub total_debit_cents: u64,
    /// Total credits in cents.
    pub total_credit_cents: u64,
    /// Number of 10-record blocks.
    pub block_count: u64,
    /// One line per batch, in file order.
    pub batches: Vec<BatchSummary>,
}

/// Overview of one batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    /// Batch number from the header.
    pub batch_number: u32,
    /// Service class.
    pub service_class: ServiceClass,
    /// SEC code.
    pub sec_code: SecCode,
    /// Company name.
    pub company_name: String,
    /// Company identification.
    pub company_identification: String,
    /// Company entry description.
    pub company_entry_description: String,
    /// Effective entry date (`None` for `000000`).
    pub effective_entry_date: Option<Date>,
    /// ODFI identification.
    pub odfi_identification: String,
    /// Entry detail records.
    pub entry_count: u64,
    /// Addenda records.
    pub addenda_count: u64,
    /// Entries that are returns (addenda 99).
    pub return_count: u64,
    /// Entries that are notifications of change (addenda 98).
    pub noc_count: u64,
    /// Prenotes.
    pub prenote_count: u64,
    /// Debits in cents.
    pub total_debit_cents: u64,
    /// Credits in cents.
    pub total_credit_cents: u64,
}

/// Summarises `file`.
pub fn summary(file: &File) -> Summary {
    let batches = file.batches.iter().map(BatchSummary::of).collect();
    Summary::from_batches(&file.header, batches)
}

impl BatchSummary {
    /// Summarises one batch (for files read batch by batch with [`Reader`](crate::Reader)).
    pub fn of(b: &Batch) -> Self {
        let t = b.totals();
        let count = |f: &dyn Fn(&crate::model::Entry) -> bool| {
            b.entries.iter().filter(|e| f(e)).count() as u64
        };
        BatchSummary {
            batch_number: b.header.batch_number,
            service_class: b.header.service_class,
            sec_code: b.header.sec_code,
            company_name: b.header.company_name.clone(),
            company_identification: b.header.company_identification.clone(),
            company_entry_description: b.header.company_entry_description.clone(),
            effective_entry_date: b.header.effective_entry_date,
            odfi_identification: b.header.odfi_identification.clone(),
            entry_count: t.entry_count,
            addenda_count: t.entry_addenda_count - t.entry_count,
            return_count: count(&|e| e.return_addenda().is_some()),
            noc_count: count(&|e| e.noc_addenda().is_some()),
            prenote_count: count(&|e| e.detail.transaction_code.is_prenote()),
            total_debit_cents: t.total_debit_cents,
            total_credit_cents: t.total_credit_cents,
        }
    }
}

impl Summary {
    /// The summary of a file with header `h` and these batches, in file order: the same as
    /// [`summary`] of the whole file.
    pub fn from_batches(h: &FileHeader, batches: Vec<BatchSummary>) -> Self {
        let mut t = (0u64, 0u64, 0u64, 0u64);
        let mut records = 2u64;
        for b in &batches {
            t.0 += b.entry_count;
            t.1 += b.addenda_count;
            t.2 = t.2.saturating_add(b.total_debit_cents);
            t.3 = t.3.saturating_add(b.total_credit_cents);
            records += 2 + b.entry_count + b.addenda_count;
        }
        Summary {
            immediate_destination: h.immediate_destination.clone(),
            immediate_origin: h.immediate_origin.clone(),
            destination_name: h.destination_name.clone(),
            origin_name: h.origin_name.clone(),
            creation_date: h.creation_date,
            creation_time: h.creation_time,
            file_id_modifier: h.file_id_modifier,
            reference_code: h.reference_code.clone(),
            batch_count: batches.len(),
            entry_count: t.0,
            addenda_count: t.1,
            total_debit_cents: t.2,
            total_credit_cents: t.3,
            block_count: records.div_ceil(BLOCKING_FACTOR),
            batches,
        }
    }
}
