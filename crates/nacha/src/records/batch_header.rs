use std::fmt;

use jiff::civil::Date;

use crate::codes::{SecCode, ServiceClass};
use crate::field::{self as f, Field, FieldError, RECORD_LEN};

pub(crate) const RECORD_TYPE: Field = Field::new("record type code", 1, 1);
pub(crate) const SERVICE_CLASS: Field = Field::new("service class code", 2, 3);
pub(crate) const COMPANY_NAME: Field = Field::new("company name", 5, 16);
pub(crate) const DISCRETIONARY: Field = Field::new("company discretionary data", 21, 20);
pub(crate) const COMPANY_ID: Field = Field::new("company identification", 41, 10);
pub(crate) const SEC: Field = Field::new("standard entry class code", 51, 3);
pub(crate) const DESCRIPTION: Field = Field::new("company entry description", 54, 10);
pub(crate) const DESCRIPTIVE_DATE: Field = Field::new("company descriptive date", 64, 6);
pub(crate) const EFFECTIVE_DATE: Field = Field::new("effective entry date", 70, 6);
pub(crate) const SETTLEMENT_DATE: Field = Field::new("settlement date", 76, 3);
pub(crate) const ORIGINATOR_STATUS: Field = Field::new("originator status code", 79, 1);
pub(crate) const ODFI: Field = Field::new("originating DFI identification", 80, 8);
pub(crate) const BATCH_NUMBER: Field = Field::new("batch number", 88, 7);

pub(crate) const LAYOUT: &[Field] = &[
    RECORD_TYPE,
    SERVICE_CLASS,
    COMPANY_NAME,
    DISCRETIONARY,
    COMPANY_ID,
    SEC,
    DESCRIPTION,
    DESCRIPTIVE_DATE,
    EFFECTIVE_DATE,
    SETTLEMENT_DATE,
    ORIGINATOR_STATUS,
    ODFI,
    BATCH_NUMBER,
];

/// Company/batch header record (type 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchHeader {
    /// 200 mixed, 220 credits only, 225 debits only.
    pub service_class: ServiceClass,
    /// Originator name as the receiver will recognise it (up to 16).
    pub company_name: String,
    /// Originator's own data (up to 20).
    pub company_discretionary_data: String,
    /// Originator identification (up to 10, usually `1` + EIN).
    pub company_identification: String,
    /// Standard entry class.
    pub sec_code: SecCode,
    /// Shown on the receiver's statement, e.g. `ACCTVERIFY` (up to 10).
    pub company_entry_description: String,
    /// Free text such as `SD1300` (up to 6), may be empty.
    pub company_descriptive_date: String,
    /// Requested settlement date. `None` is written as `000000`, which returns and NOCs use.
    pub effective_entry_date: Option<Date>,
    /// Julian settlement day filled in by the ACH operator; blank (`None`) in files we send.
    pub settlement_date: Option<u16>,
    /// `1` for a depository financial institution (almost always), `0` or `2` otherwise.
    pub originator_status_code: char,
    /// First 8 digits of the ODFI routing number.
    pub odfi_identification: String,
    /// Ascending batch number (7 digits).
    pub batch_number: u32,
}

impl BatchHeader {
    /// Parses a 94-character type 5 record.
    pub fn parse(line: &str) -> Result<Self, FieldError> {
        f::check_line(line, LAYOUT, '5')?;
        let service_class = parse_service_class(line, SERVICE_CLASS)?;
        let company_name = f::alpha(line, COMPANY_NAME)?;
        let company_discretionary_data = f::alpha(line, DISCRETIONARY)?;
        let company_identification = f::alpha(line, COMPANY_ID)?;
        let sec_code = SEC
            .raw(line)
            .parse::<SecCode>()
            .map_err(|reason| FieldError::new(SEC.name, reason))?;
        let company_entry_description = f::alpha(line, DESCRIPTION)?;
        let company_descriptive_date = f::alpha(line, DESCRIPTIVE_DATE)?;
        let effective_entry_date = f::date_or_zeros(line, EFFECTIVE_DATE)?;
        let settlement_date = parse_settlement(SETTLEMENT_DATE.raw(line))?;
        let status = ORIGINATOR_STATUS.raw(line);
        let originator_status_code = match status.chars().next() {
            Some(c @ '0'..='2') => c,
            _ => {
                return Err(FieldError::new(
                    ORIGINATOR_STATUS.name,
                    format!("expected 0, 1 or 2, found {status:?}"),
                ))
            }
        };
        Ok(BatchHeader {
            service_class,
            company_name,
            company_discretionary_data,
            company_identification,
            sec_code,
            company_entry_description,
            company_descriptive_date,
            effective_entry_date,
            settlement_date,
            originator_status_code,
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
        out.push('5');
        f::push_num(out, u64::from(self.service_class.code()), 3);
        f::push_alpha(out, &self.company_name, COMPANY_NAME.len);
        f::push_alpha(out, &self.company_discretionary_data, DISCRETIONARY.len);
        f::push_alpha(out, &self.company_identification, COMPANY_ID.len);
        out.push_str(self.sec_code.as_str());
        f::push_alpha(out, &self.company_entry_description, DESCRIPTION.len);
        f::push_alpha(out, &self.company_descriptive_date, DESCRIPTIVE_DATE.len);
        match self.effective_entry_date {
            Some(d) => f::push_date(out, d),
            None => out.push_str("000000"),
        }
        match self.settlement_date {
            Some(d) => f::push_num(out, u64::from(d), 3),
            None => out.push_str("   "),
        }
        f::push_alpha(out, &self.originator_status_code.to_string(), 1);
        f::push_digits(out, &self.odfi_identification, ODFI.len);
        f::push_num(out, u64::from(self.batch_number), BATCH_NUMBER.len);
    }

    /// Checks that every field fits its layout.
    pub fn validate(&self) -> Result<(), FieldError> {
        f::check_alpha(COMPANY_NAME.name, &self.company_name, COMPANY_NAME.len)?;
        f::check_required(COMPANY_NAME.name, &self.company_name)?;
        f::check_alpha(
            DISCRETIONARY.name,
            &self.company_discretionary_data,
            DISCRETIONARY.len,
        )?;
        f::check_alpha(
            COMPANY_ID.name,
            &self.company_identification,
            COMPANY_ID.len,
        )?;
        f::check_required(COMPANY_ID.name, &self.company_identification)?;
        f::check_alpha(
            DESCRIPTION.name,
            &self.company_entry_description,
            DESCRIPTION.len,
        )?;
        f::check_required(DESCRIPTION.name, &self.company_entry_description)?;
        f::check_alpha(
            DESCRIPTIVE_DATE.name,
            &self.company_descriptive_date,
            DESCRIPTIVE_DATE.len,
        )?;
        if let Some(d) = self.effective_entry_date {
            f::check_date(EFFECTIVE_DATE.name, d)?;
        }
        if let Some(d) = self.settlement_date {
            parse_settlement(&format!("{d:03}"))?;
        }
        if !('0'..='2').contains(&self.originator_status_code) {
            return Err(FieldError::new(
                ORIGINATOR_STATUS.name,
                format!(
                    "expected 0, 1 or 2, found {:?}",
                    self.originator_status_code
                ),
            ));
        }
        f::check_digits(ODFI.name, &self.odfi_identification, ODFI.len)?;
        f::check_num(
            BATCH_NUMBER.name,
            u64::from(self.batch_number),
            BATCH_NUMBER.len,
        )?;
        Ok(())
    }
}

pub(crate) fn parse_service_class(line: &str, field: Field) -> Result<ServiceClass, FieldError> {
    let raw = field.raw(line);
    let code = f::numeric(line, field)?;
    u16::try_from(code)
        .ok()
        .and_then(ServiceClass::from_code)
        .ok_or_else(|| {
            FieldError::new(
                field.name,
                format!("unknown service class code {raw} (expected 200, 220 or 225)"),
            )
        })
}

fn parse_settlement(raw: &str) -> Result<Option<u16>, FieldError> {
    if raw == "   " {
        return Ok(None);
    }
    match raw.parse::<u16>() {
        Ok(d)
            if raw.len() == 3
                && (1..=366).contains(&d)
                && raw.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(Some(d))
        }
        _ => Err(FieldError::new(
            SETTLEMENT_DATE.name,
            format!("expected blank or a Julian day 001-366, found {raw:?}"),
        )),
    }
}

impl fmt::Display for BatchHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}
