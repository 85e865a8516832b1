use std::fmt;

use crate::codes::TransactionCode;
use crate::field::{self as f, Field, FieldError, RECORD_LEN};
use crate::routing::{check_digit, check_routing, valid_prefix};

pub(crate) const RECORD_TYPE: Field = Field::new("record type code", 1, 1);
pub(crate) const TRANSACTION_CODE: Field = Field::new("transaction code", 2, 2);
pub(crate) const RDFI: Field = Field::new("RDFI routing", 4, 8);
pub(crate) const CHECK_DIGIT: Field = Field::new("check digit", 12, 1);
pub(crate) const ACCOUNT: Field = Field::new("DFI account number", 13, 17);
pub(crate) const AMOUNT: Field = Field::new("amount", 30, 10);
pub(crate) const INDIVIDUAL_ID: Field = Field::new("individual identification number", 40, 15);
pub(crate) const INDIVIDUAL_NAME: Field = Field::new("individual name", 55, 22);
pub(crate) const DISCRETIONARY: Field = Field::new("discretionary data", 77, 2);
pub(crate) const ADDENDA_INDICATOR: Field = Field::new("addenda record indicator", 79, 1);
pub(crate) const TRACE: Field = Field::new("trace number", 80, 15);

pub(crate) const LAYOUT: &[Field] = &[
    RECORD_TYPE,
    TRANSACTION_CODE,
    RDFI,
    CHECK_DIGIT,
    ACCOUNT,
    AMOUNT,
    INDIVIDUAL_ID,
    INDIVIDUAL_NAME,
    DISCRETIONARY,
    ADDENDA_INDICATOR,
    TRACE,
];

/// The largest amount an entry can carry: ten digits of cents.
pub const MAX_AMOUNT_CENTS: u64 = 9_999_999_999;

/// Entry detail record (type 6) in the PPD/CCD/WEB layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryDetail {
    /// Transaction code.
    pub transaction_code: TransactionCode,
    /// Full 9-digit routing number of the receiving DFI; written as the 8-digit RDFI
    /// identification (positions 4–11) and the check digit (position 12).
    pub rdfi_routing: String,
    /// Receiver's account number (up to 17, alphanumeric).
    pub dfi_account_number: String,
    /// Amount in cents (up to 10 digits).
    pub amount_cents: u64,
    /// Individual identification number / receiver id (up to 15).
    pub individual_id: String,
    /// Receiver name (up to 22).
    pub individual_name: String,
    /// Discretionary data (2); for WEB the payment type code `S` or `R`.
    pub discretionary_data: String,
    /// Whether addenda records follow.
    pub addenda_indicator: bool,
    /// Trace number: ODFI 8 digits + 7-digit sequence, unique in the file.
    pub trace_number: String,
}

impl EntryDetail {
    /// An entry with empty receiver fields, no addenda and no trace number yet (the builder
    /// assigns one). Chain the setters for the rest.
    pub fn new(
        transaction_code: TransactionCode,
        rdfi_routing: impl Into<String>,
        dfi_account_number: impl Into<String>,
        amount_cents: u64,
    ) -> Self {
        EntryDetail {
            transaction_code,
            rdfi_routing: rdfi_routing.into(),
            dfi_account_number: dfi_account_number.into(),
            amount_cents,
            individual_id: String::new(),
            individual_name: String::new(),
            discretionary_data: String::new(),
            addenda_indicator: false,
            trace_number: String::new(),
        }
    }

    /// Sets the individual identification number.
    pub fn individual_id(mut self, id: impl Into<String>) -> Self {
        self.individual_id = id.into();
        self
    }

    /// Sets the receiver name.
    pub fn individual_name(mut self, name: impl Into<String>) -> Self {
        self.individual_name = name.into();
        self
    }

    /// Sets the discretionary data (WEB: payment type code `S` or `R`).
    pub fn discretionary_data(mut self, data: impl Into<String>) -> Self {
        self.discretionary_data = data.into();
        self
    }

    /// Sets the trace number.
    pub fn trace_number(mut self, trace: impl Into<String>) -> Self {
        self.trace_number = trace.into();
        self
    }

    /// The 8-digit RDFI identification (used for the entry hash).
    pub fn rdfi_identification(&self) -> &str {
        self.rdfi_routing.get(..8).unwrap_or(&self.rdfi_routing)
    }

    /// The RDFI identification as a number for the entry hash (0 if it is not 8 digits).
    pub(crate) fn hash_value(&self) -> u64 {
        let id = self.rdfi_identification();
        if id.len() == 8 {
            id.parse().unwrap_or(0)
        } else {
            0
        }
    }

    /// Parses a 94-character type 6 record, including the RDFI check digit and the
    /// transaction code.
    pub fn parse(line: &str) -> Result<Self, FieldError> {
        f::check_line(line, LAYOUT, '6')?;
        let raw_code = TRANSACTION_CODE.raw(line);
        let code = f::numeric(line, TRANSACTION_CODE)?;
        let transaction_code = u8::try_from(code)
            .ok()
            .and_then(TransactionCode::new)
            .ok_or_else(|| {
                FieldError::new(
                    TRANSACTION_CODE.name,
                    format!("unknown transaction code {raw_code}"),
                )
            })?;
        let mut rdfi_routing = String::with_capacity(RDFI.len + 1);
        rdfi_routing.push_str(f::digit_str(line, RDFI)?);
        let rdfi = rdfi_routing.as_str();
        let check = CHECK_DIGIT.raw(line);
        let expected = check_digit(rdfi).unwrap_or(0);
        if check.as_bytes().first() != Some(&(b'0' + expected)) {
            return Err(FieldError::new(
                CHECK_DIGIT.name,
                format!("check digit {check:?} does not match RDFI routing {rdfi} (expected {expected})"),
            ));
        }
        if !valid_prefix(rdfi) {
            return Err(FieldError::new(
                RDFI.name,
                format!(
                    "routing number {rdfi}{check} has an unassigned prefix (valid: 00-12, 21-32, 61-72, 80)"
                ),
            ));
        }
        let indicator = ADDENDA_INDICATOR.raw(line);
        let addenda_indicator = match indicator {
            "0" => false,
            "1" => true,
            _ => {
                return Err(FieldError::new(
                    ADDENDA_INDICATOR.name,
                    format!("expected 0 or 1, found {indicator:?}"),
                ))
            }
        };
        rdfi_routing.push_str(check);
        Ok(EntryDetail {
            transaction_code,
            rdfi_routing,
            dfi_account_number: f::alpha(line, ACCOUNT)?,
            amount_cents: f::numeric(line, AMOUNT)?,
            individual_id: f::alpha(line, INDIVIDUAL_ID)?,
            individual_name: f::alpha(line, INDIVIDUAL_NAME)?,
            discretionary_data: f::alpha(line, DISCRETIONARY)?,
            addenda_indicator,
            trace_number: f::digit_string(line, TRACE)?,
        })
    }

    /// The 94-character record.
    pub fn to_line(&self) -> String {
        let mut out = String::with_capacity(RECORD_LEN);
        self.write_line(&mut out);
        out
    }

    pub(crate) fn write_line(&self, out: &mut String) {
        out.push('6');
        f::push_num(out, u64::from(self.transaction_code.get()), 2);
        f::push_digits(out, &self.rdfi_routing, 9);
        f::push_alpha(out, &self.dfi_account_number, ACCOUNT.len);
        f::push_num(out, self.amount_cents, AMOUNT.len);
        f::push_alpha(out, &self.individual_id, INDIVIDUAL_ID.len);
        f::push_alpha(out, &self.individual_name, INDIVIDUAL_NAME.len);
        f::push_alpha(out, &self.discretionary_data, DISCRETIONARY.len);
        out.push(if self.addenda_indicator { '1' } else { '0' });
        f::push_digits(out, &self.trace_number, TRACE.len);
    }

    /// Checks that every field fits its layout and the routing number is valid.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_routing(RDFI.name, &self.rdfi_routing)?;
        f::check_alpha(ACCOUNT.name, &self.dfi_account_number, ACCOUNT.len)?;
        f::check_required(ACCOUNT.name, &self.dfi_account_number)?;
        f::check_num(AMOUNT.name, self.amount_cents, AMOUNT.len)?;
        f::check_alpha(INDIVIDUAL_ID.name, &self.individual_id, INDIVIDUAL_ID.len)?;
        f::check_alpha(
            INDIVIDUAL_NAME.name,
            &self.individual_name,
            INDIVIDUAL_NAME.len,
        )?;
        f::check_alpha(
            DISCRETIONARY.name,
            &self.discretionary_data,
            DISCRETIONARY.len,
        )?;
        f::check_digits(TRACE.name, &self.trace_number, TRACE.len)?;
        Ok(())
    }
}

impl fmt::Display for EntryDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}
