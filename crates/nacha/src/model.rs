//! The file model: a file header, batches of entries with their addenda, and control records.

use std::fmt;

use crate::field::RECORD_LEN;
use crate::records::{
    Addenda, Addenda05, Addenda98, Addenda99, BatchControl, BatchHeader, EntryDetail, FileControl,
    FileHeader,
};

/// The all-`9` record that pads a file to a multiple of ten records.
pub const PADDING_LINE: &str =
    "9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999";

/// Records per block.
pub const BLOCKING_FACTOR: u64 = 10;

/// A whole ACH file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Type 1 record.
    pub header: FileHeader,
    /// Batches in file order.
    pub batches: Vec<Batch>,
    /// Type 9 record.
    pub control: FileControl,
}

/// One batch: header, entries, control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Type 5 record.
    pub header: BatchHeader,
    /// Entries in batch order.
    pub entries: Vec<Entry>,
    /// Type 8 record.
    pub control: BatchControl,
}

/// An entry detail record and its addenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Type 6 record.
    pub detail: EntryDetail,
    /// Type 7 records, in order.
    pub addenda: Vec<Addenda>,
}

impl Entry {
    /// An entry without addenda (the addenda indicator is cleared).
    pub fn new(mut detail: EntryDetail) -> Self {
        detail.addenda_indicator = false;
        Entry {
            detail,
            addenda: Vec::new(),
        }
    }

    /// Adds any addenda record and sets the addenda indicator.
    pub fn with_addenda(mut self, addenda: Addenda) -> Self {
        self.detail.addenda_indicator = true;
        self.addenda.push(addenda);
        self
    }

    /// Adds an addenda 05 with this payment related information; the builder fills in its
    /// sequence numbers.
    pub fn with_payment_info(self, info: impl Into<String>) -> Self {
        self.with_addenda(Addenda::Payment(Addenda05::new(info)))
    }

    /// Adds a notification-of-change addenda 98.
    pub fn with_noc(self, noc: Addenda98) -> Self {
        self.with_addenda(Addenda::Noc(noc))
    }

    /// Adds a return addenda 99.
    pub fn with_return(self, ret: Addenda99) -> Self {
        self.with_addenda(Addenda::Return(ret))
    }

    /// The return addenda, if this entry is a return.
    pub fn return_addenda(&self) -> Option<&Addenda99> {
        self.addenda.iter().find_map(|a| match a {
            Addenda::Return(r) => Some(r),
            _ => None,
        })
    }

    /// The NOC addenda, if this entry is a notification of change.
    pub fn noc_addenda(&self) -> Option<&Addenda98> {
        self.addenda.iter().find_map(|a| match a {
            Addenda::Noc(n) => Some(n),
            _ => None,
        })
    }

    /// Number of records (1 + addenda).
    pub fn record_count(&self) -> u64 {
        1 + self.addenda.len() as u64
    }
}

/// Totals computed from a batch's entries (what its control record must say).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Entry and addenda records.
    pub entry_addenda_count: u64,
    /// Entry records only.
    pub entry_count: u64,
    /// Sum of RDFI identifications modulo 10^10.
    pub entry_hash: u64,
    /// Debits in cents (saturating).
    pub total_debit_cents: u64,
    /// Credits in cents (saturating).
    pub total_credit_cents: u64,
}

/// Entry hashes keep the rightmost ten digits.
pub(crate) const HASH_MODULUS: u64 = 10_000_000_000;

impl Totals {
    /// Adds one entry detail and `addenda` addenda records.
    pub(crate) fn add_entry(&mut self, detail: &EntryDetail, addenda: u64) {
        self.entry_count += 1;
        self.entry_addenda_count += 1 + addenda;
        self.entry_hash = (self.entry_hash + detail.hash_value()) % HASH_MODULUS;
        if detail.transaction_code.is_credit() {
            self.total_credit_cents = self.total_credit_cents.saturating_add(detail.amount_cents);
        } else {
            self.total_debit_cents = self.total_debit_cents.saturating_add(detail.amount_cents);
        }
    }

    /// Adds another batch's totals.
    pub(crate) fn add(&mut self, other: &Totals) {
        self.entry_count += other.entry_count;
        self.entry_addenda_count += other.entry_addenda_count;
        self.entry_hash = (self.entry_hash + other.entry_hash) % HASH_MODULUS;
        self.total_debit_cents = self
            .total_debit_cents
            .saturating_add(other.total_debit_cents);
        self.total_credit_cents = self
            .total_credit_cents
            .saturating_add(other.total_credit_cents);
    }
}

impl Batch {
    /// Totals computed from the entries.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for e in &self.entries {
            t.add_entry(&e.detail, e.addenda.len() as u64);
        }
        t
    }

    /// Number of records including header and control.
    pub fn record_count(&self) -> u64 {
        2 + self.entries.iter().map(Entry::record_count).sum::<u64>()
    }
}

impl File {
    /// Totals computed from all entries.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for b in &self.batches {
            t.add(&b.totals());
        }
        t
    }

    /// Number of records from the file header to the file control, without padding.
    pub fn record_count(&self) -> u64 {
        2 + self.batches.iter().map(Batch::record_count).sum::<u64>()
    }

    /// Number of 10-record blocks the written file has.
    pub fn block_count(&self) -> u64 {
        self.record_count().div_ceil(BLOCKING_FACTOR)
    }

    /// Every entry of every batch, in file order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.batches.iter().flat_map(|b| b.entries.iter())
    }

    /// The records as 94-character lines, padding included.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        let records = self.record_count();
        let padding = self.block_count() * BLOCKING_FACTOR - records;
        std::iter::once(self.header.to_line())
            .chain(self.batches.iter().flat_map(|b| {
                std::iter::once(b.header.to_line())
                    .chain(b.entries.iter().flat_map(|e| {
                        std::iter::once(e.detail.to_line())
                            .chain(e.addenda.iter().map(Addenda::to_line))
                    }))
                    .chain(std::iter::once(b.control.to_line()))
            }))
            .chain(std::iter::once(self.control.to_line()))
            .chain((0..padding).map(|_| PADDING_LINE.to_string()))
    }

    /// Writes the file: records joined by `\n`, a trailing newline, padded with all-9 records
    /// to a multiple of ten lines.
    pub fn write<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        let mut line = String::with_capacity(RECORD_LEN + 1);
        let emit = |line: &mut String, out: &mut W| -> fmt::Result {
            line.push('\n');
            out.write_str(line)?;
            line.clear();
            Ok(())
        };
        self.header.write_line(&mut line);
        emit(&mut line, out)?;
        for b in &self.batches {
            b.header.write_line(&mut line);
            emit(&mut line, out)?;
            for e in &b.entries {
                e.detail.write_line(&mut line);
                emit(&mut line, out)?;
                for a in &e.addenda {
                    a.write_line(&mut line);
                    emit(&mut line, out)?;
                }
            }
            b.control.write_line(&mut line);
            emit(&mut line, out)?;
        }
        self.control.write_line(&mut line);
        emit(&mut line, out)?;
        let padding = self.block_count() * BLOCKING_FACTOR - self.record_count();
        for _ in 0..padding {
            out.write_str(PADDING_LINE)?;
            out.write_char('\n')?;
        }
        Ok(())
    }

    /// The written file (the same text as `to_string()`, in a buffer sized for it up front
    /// rather than grown by doubling).
    pub fn to_text(&self) -> String {
        let lines = usize::try_from(self.block_count() * BLOCKING_FACTOR).unwrap_or(0);
        let mut text = String::with_capacity(lines.saturating_mul(RECORD_LEN + 1));
        // Writing into a String cannot fail.
        let _ = self.write(&mut text);
        text
    }

    /// The written file as a byte vector (same text as `to_string()`).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_text().into_bytes()
    }
}

impl fmt::Display for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f)
    }
}
