use std::fmt;

use crate::codes::ServiceClass;
use crate::field::{self as f, Field, FieldError, RECORD_LEN};
use crate::records::batch_header::parse_service_class;

pub(crate) mod batch {
    use super::*;
    pub(crate) const RECORD_TYPE: Field = Field::new("record type code", 1, 1);
    pub(crate) const SERVICE_CLASS: Field = Field::new("service class code", 2, 3);
    pub(crate) const COUNT: Field = Field::new("entry/addenda count", 5, 6);
    pub(crate) const HASH: Field = Field::new("entry hash", 11, 10);
    pub(crate) const DEBIT: Field = Field::new("total debit entry dollar amount", 21, 12);
    pub(crate) const CREDIT: Field = Field::new("total credit entry dollar amount", 33, 12);
    pub(crate) const COMPANY_ID: Field = Field::new("company identification", 45, 10);
    pub(crate) const MAC: Field = Field::new("message authentication code", 55, 19);
    pub(crate) const RESERVED: Field = Field::new("reserved", 74, 6);
    pub(crate) const ODFI: Field = Field::new("originating DFI identification", 80, 8);
    pub(crate) const BATCH_NUMBER: Field = Field::new("batch number", 88, 7);
    pub(crate) const LAYOUT: &[Field] = &[
        RECORD_TYPE,
        SERVICE_CLASS,
        COUNT,
        HASH,
        DEBIT,
        CREDIT,
        COMPANY_ID,
        MAC,
        RESERVED,
        ODFI,
        BATCH_NUMBER,
    ];
}

pub(crate) mod file {
    use super::*;
    pub(crate) const RECORD_TYPE: Field = Field::new("record type code", 1, 1);
    pub(crate) const BATCH_COUNT: Field = Field::new("batch count", 2, 6);
    pub(crate) const BLOCK_COUNT: Field = Field::new("block count", 8, 6);
    pub(crate) const COUNT: Field = Field::new("entry/addenda count", 14, 8);
    pub(crate) const HASH: Field = Field::new("entry hash", 22, 10);
    pub(crate) const DEBIT: Field = Field::new("total debit entry dollar amount", 32, 12);
    pub(crate) const CREDIT: Field = Field::new("total credit entry dollar amount", 44, 12);
    pub(crate) const RESERVED: Field = Field::new("reserved", 56, 39);
    pub(crate) const LAYOUT: &[Field] = &[
        RECORD_TYPE,
        BATCH_COUNT,
        BLOCK_COUNT,
        COUNT,
        HASH,
        DEBIT,
        CREDIT,
        RESERVED,
    ];
}

/// Batch control record (type 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchControl {
    /// Same as the batch header's.
    pub service_class: ServiceClass,
    /// Number of entry (6) and addenda (7) records in the batch.
    pub entry_addenda_count: u32,
    /// Sum of the 8-digit RDFI identifications, rightmost 10 digits.
    pub entry_hash: u64,
    /// Sum of debit amounts in cents (12 digits).
    pub total_debit_cents: u64,
    /// Sum of credit amounts in cents (12 digits).
    pub total_credit_cents: u64,
    /// Same as the batch header's.
    pub company_identification: String,
    /// Message authentication code (19), normally blank.
    pub message_authentication_code: String,
    /// Same as the batch header's.
    pub odfi_identification: String,
    /// Same as the batch header's.
    pub batch_number: u32,
}

impl BatchControl {
    /// Parses a 94-character type 8 record.
    pub fn parse(line: &str) -> Result<Self, FieldError> {
        use batch::*;
        f::check_line(line, LAYOUT, '8')?;
        let service_class = parse_service_class(line, SERVICE_CLASS)?;
        let entry_addenda_count = f::numeric_u32(line, COUNT)?;
        let entry_hash = f::numeric(line, HASH)?;
        let total_debit_cents = f::numeric(line, DEBIT)?;
        let total_credit_cents = f::numeric(line, CREDIT)?;
        let company_identification = f::alpha(line, COMPANY_ID)?;
        let message_authentication_code = f::alpha(line, MAC)?;
        f::blank(line, RESERVED)?;
        Ok(BatchControl {
            service_class,
            entry_addenda_count,
            entry_hash,
            total_debit_cents,
            total_credit_cents,
            company_identification,
            message_authentication_code,
            odfi_identification: f::digit_string(line, ODFI)?,
            batch_number: f::numeric_u32(line, BATCH_NUMBER)?,
        })
    }

    /// The 94-character record.
    pub fn to_line(&self) -> String {
        let mut out = String::with_capacity(RECORD_LEN);
        self.write_line(&mut out);
        out
    }

    pub(crate) fn write_line(&self, out: &mut String) {
        use batch::*;
        out.push('8');
        f::push_num(out, u64::from(self.service_class.code()), 3);
        f::push_num(out, u64::from(self.entry_addenda_count), COUNT.len);
        f::push_num(out, self.entry_hash, HASH.len);
        f::push_num(out, self.total_debit_cents, DEBIT.len);
        f::push_num(out, self.total_credit_cents, CREDIT.len);
        f::push_alpha(out, &self.company_identification, COMPANY_ID.len);
        f::push_alpha(out, &self.message_authentication_code, MAC.len);
        f::push_repeat(out, ' ', RESERVED.len);
        f::push_digits(out, &self.odfi_identification, ODFI.len);
        f::push_num(out, u64::from(self.batch_number), BATCH_NUMBER.len);
    }

    /// Checks that every field fits its layout.
    pub fn validate(&self) -> Result<(), FieldError> {
        use batch::*;
        f::check_num(COUNT.name, u64::from(self.entry_addenda_count), COUNT.len)?;
        f::check_num(HASH.name, self.entry_hash, HASH.len)?;
        f::check_num(DEBIT.name, self.total_debit_cents, DEBIT.len)?;
        f::check_num(CREDIT.name, self.total_credit_cents, CREDIT.len)?;
        f::check_alpha(
            COMPANY_ID.name,
            &self.company_identification,
            COMPANY_ID.len,
        )?;
        f::check_alpha(MAC.name, &self.message_authentication_code, MAC.len)?;
        f::check_digits(ODFI.name, &self.odfi_identification, ODFI.len)?;
        f::check_num(
            BATCH_NUMBER.name,
            u64::from(self.batch_number),
            BATCH_NUMBER.len,
        )?;
        Ok(())
    }
}

/// File control record (type 9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileControl {
    /// Number of batches.
    pub batch_count: u32,
    /// Number of 10-record blocks, padding included.
    pub block_count: u32,
    /// Number of entry (6) and addenda (7) records in the file.
    pub entry_addenda_count: u32,
    /// Sum of the batch entry hashes, rightmost 10 digits.
    pub entry_hash: u64,
    /// Sum of debit amounts in cents (12 digits).
    pub total_debit_cents: u64,
    /// Sum of credit amounts in cents (12 digits).
    pub total_credit_cents: u64,
}

impl FileControl {
    /// Parses a 94-character type 9 record.
    pub fn parse(line: &str) -> Result<Self, FieldError> {
        use file::*;
        f::check_line(line, LAYOUT, '9')?;
        let control = FileControl {
            batch_count: f::numeric_u32(line, BATCH_COUNT)?,
            block_count: f::numeric_u32(line, BLOCK_COUNT)?,
            entry_addenda_count: f::numeric_u32(line, COUNT)?,
            entry_hash: f::numeric(line, HASH)?,
            total_debit_cents: f::numeric(line, DEBIT)?,
            total_credit_cents: f::numeric(line, CREDIT)?,
        };
        f::blank(line, RESERVED)?;
        Ok(control)
    }

    /// The 94-character record.
    pub fn to_line(&self) -> String {
        let mut out = String::with_capacity(RECORD_LEN);
        self.write_line(&mut out);
        out
    }

    pub(crate) fn write_line(&self, out: &mut String) {
        use file::*;
        out.push('9');
        f::push_num(out, u64::from(self.batch_count), BATCH_COUNT.len);
        f::push_num(out, u64::from(self.block_count), BLOCK_COUNT.len);
        f::push_num(out, u64::from(self.entry_addenda_count), COUNT.len);
        f::push_num(out, self.entry_hash, HASH.len);
        f::push_num(out, self.total_debit_cents, DEBIT.len);
        f::push_num(out, self.total_credit_cents, CREDIT.len);
        f::push_repeat(out, ' ', RESERVED.len);
    }

    /// Checks that every field fits its layout.
    pub fn validate(&self) -> Result<(), FieldError> {
        use file::*;
        f::check_num(BATCH_COUNT.name, u64::from(self.batch_count), 6)?;
        f::check_num(BLOCK_COUNT.name, u64::from(self.block_count), 6)?;
        f::check_num(COUNT.name, u64::from(self.entry_addenda_count), 8)?;
        f::check_num(HASH.name, self.entry_hash, 10)?;
        f::check_num(DEBIT.name, self.total_debit_cents, 12)?;
        f::check_num(CREDIT.name, self.total_credit_cents, 12)?;
        Ok(())
    }
}

impl fmt::Display for BatchControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}

impl fmt::Display for FileControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}
