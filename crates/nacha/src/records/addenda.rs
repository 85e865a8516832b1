use std::fmt;

use jiff::civil::Date;

use crate::field::{self as f, Field, FieldError, RECORD_LEN};

pub(crate) const RECORD_TYPE: Field = Field::new("record type code", 1, 1);
pub(crate) const TYPE_CODE: Field = Field::new("addenda type code", 2, 2);

pub(crate) mod a05 {
    use super::*;
    pub(crate) const PAYMENT_INFO: Field = Field::new("payment related information", 4, 80);
    pub(crate) const SEQUENCE: Field = Field::new("addenda sequence number", 84, 4);
    pub(crate) const ENTRY_SEQUENCE: Field = Field::new("entry detail sequence number", 88, 7);
    pub(crate) const LAYOUT: &[Field] = &[
        RECORD_TYPE,
        TYPE_CODE,
        PAYMENT_INFO,
        SEQUENCE,
        ENTRY_SEQUENCE,
    ];
}

pub(crate) mod a98 {
    use super::*;
    pub(crate) const CHANGE_CODE: Field = Field::new("change code", 4, 3);
    pub(crate) const ORIGINAL_TRACE: Field = Field::new("original entry trace number", 7, 15);
    pub(crate) const RESERVED1: Field = Field::new("reserved", 22, 6);
    pub(crate) const ORIGINAL_RDFI: Field = Field::new("original RDFI identification", 28, 8);
    pub(crate) const CORRECTED_DATA: Field = Field::new("corrected data", 36, 29);
    pub(crate) const RESERVED2: Field = Field::new("reserved", 65, 15);
    pub(crate) const TRACE: Field = Field::new("trace number", 80, 15);
    pub(crate) const LAYOUT: &[Field] = &[
        RECORD_TYPE,
        TYPE_CODE,
        CHANGE_CODE,
        ORIGINAL_TRACE,
        RESERVED1,
        ORIGINAL_RDFI,
        CORRECTED_DATA,
        RESERVED2,
        TRACE,
    ];
}

pub(crate) mod a99 {
    use super::*;
    pub(crate) const RETURN_CODE: Field = Field::new("return reason code", 4, 3);
    pub(crate) const ORIGINAL_TRACE: Field = Field::new("original entry trace number", 7, 15);
    pub(crate) const DATE_OF_DEATH: Field = Field::new("date of death", 22, 6);
    pub(crate) const ORIGINAL_RDFI: Field = Field::new("original RDFI identification", 28, 8);
    pub(crate) const INFORMATION: Field = Field::new("addenda information", 36, 44);
    pub(crate) const TRACE: Field = Field::new("trace number", 80, 15);
    pub(crate) const LAYOUT: &[Field] = &[
        RECORD_TYPE,
        TYPE_CODE,
        RETURN_CODE,
        ORIGINAL_TRACE,
        DATE_OF_DEATH,
        ORIGINAL_RDFI,
        INFORMATION,
        TRACE,
    ];
}

/// The layout to use to name a position of an addenda line (by its type code).
pub(crate) fn layout_for(line: &str) -> &'static [Field] {
    match line.get(1..3) {
        Some("98") => a98::LAYOUT,
        Some("99") => a99::LAYOUT,
        _ => a05::LAYOUT,
    }
}

fn check_type(line: &str, layout: &[Field], code: &str) -> Result<(), FieldError> {
    f::check_line(line, layout, '7')?;
    f::literal(line, TYPE_CODE, code)
}

/// Checks a change or return reason code: a letter and two digits.
fn check_reason(name: &'static str, value: &str, letter: char) -> Result<(), FieldError> {
    let b = value.as_bytes();
    if b.len() == 3 && b[0] == letter as u8 && b[1].is_ascii_digit() && b[2].is_ascii_digit() {
        Ok(())
    } else {
        Err(FieldError::new(
            name,
            format!("expected {letter} followed by two digits, found {value:?}"),
        ))
    }
}

/// Addenda record type 05: payment related information (PPD, CCD, WEB).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addenda05 {
    /// Free-form text for the receiver (up to 80).
    pub payment_related_information: String,
    /// 1 for the first addenda of the entry.
    pub addenda_sequence_number: u16,
    /// Last 7 digits of the entry's trace number.
    pub entry_detail_sequence_number: u32,
}

impl Addenda05 {
    /// An addenda with sequence numbers left to the builder.
    pub fn new(payment_related_information: impl Into<String>) -> Self {
        Addenda05 {
            payment_related_information: payment_related_information.into(),
            addenda_sequence_number: 0,
            entry_detail_sequence_number: 0,
        }
    }

    /// Parses a 94-character type 7 record with type code 05.
    pub fn parse(line: &str) -> Result<Self, FieldError> {
        use a05::*;
        check_type(line, LAYOUT, "05")?;
        let seq = f::numeric(line, SEQUENCE)?;
        Ok(Addenda05 {
            payment_related_information: f::alpha(line, PAYMENT_INFO)?,
            addenda_sequence_number: u16::try_from(seq).unwrap_or(u16::MAX),
            entry_detail_sequence_number: f::numeric_u32(line, ENTRY_SEQUENCE)?,
        })
    }

    /// The 94-character record.
    pub fn to_line(&self) -> String {
        let mut out = String::with_capacity(RECORD_LEN);
        self.write_line(&mut out);
        out
    }

    pub(crate) fn write_line(&self, out: &mut String) {
        use a05::*;
        out.push_str("705");
        f::push_alpha(out, &self.payment_related_information, PAYMENT_INFO.len);
        f::push_num(out, u64::from(self.addenda_sequence_number), SEQUENCE.len);
        f::push_num(
            out,
            u64::from(self.entry_detail_sequence_number),
            ENTRY_SEQUENCE.len,
        );
    }

    /// Checks that every field fits its layout.
    pub fn validate(&self) -> Result<(), FieldError> {
        use a05::*;
        f::check_alpha(
            PAYMENT_INFO.name,
            &self.payment_related_information,
            PAYMENT_INFO.len,
        )?;
        f::check_num(SEQUENCE.name, u64::from(self.addenda_sequence_number), 4)?;
        f::check_num(
            ENTRY_SEQUENCE.name,
            u64::from(self.entry_detail_sequence_number),
            7,
        )?;
        Ok(())
    }
}

/// Addenda record type 98: notification of change (SEC `COR`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addenda98 {
    /// `C01`…`C13`.
    pub change_code: String,
    /// Trace number of the entry being corrected (15 digits).
    pub original_entry_trace: String,
    /// RDFI identification of the original entry (8 digits).
    pub original_rdfi_identification: String,
    /// The correct data (up to 29), e.g. the new account number for C01.
    pub corrected_data: String,
    /// Trace number of this NOC entry (15 digits).
    pub trace_number: String,
}

impl Addenda98 {
    /// Parses a 94-character type 7 record with type code 98.
    pub fn parse(line: &str) -> Result<Self, FieldError> {
        use a98::*;
        check_type(line, LAYOUT, "98")?;
        let change_code = f::alpha(line, CHANGE_CODE)?;
        check_reason(CHANGE_CODE.name, &change_code, 'C')?;
        let original_entry_trace = f::digit_string(line, ORIGINAL_TRACE)?;
        f::blank(line, RESERVED1)?;
        let original_rdfi_identification = f::digit_string(line, ORIGINAL_RDFI)?;
        let corrected_data = f::alpha(line, CORRECTED_DATA)?;
        f::blank(line, RESERVED2)?;
        Ok(Addenda98 {
            change_code,
            original_entry_trace,
            original_rdfi_identification,
            corrected_data,
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
        use a98::*;
        out.push_str("798");
        f::push_alpha(out, &self.change_code, CHANGE_CODE.len);
        f::push_digits(out, &self.original_entry_trace, ORIGINAL_TRACE.len);
        f::push_repeat(out, ' ', RESERVED1.len);
        f::push_digits(out, &self.original_rdfi_identification, ORIGINAL_RDFI.len);
        f::push_alpha(out, &self.corrected_data, CORRECTED_DATA.len);
        f::push_repeat(out, ' ', RESERVED2.len);
        f::push_digits(out, &self.trace_number, TRACE.len);
    }

    /// Checks that every field fits its layout.
    pub fn validate(&self) -> Result<(), FieldError> {
        use a98::*;
        check_reason(CHANGE_CODE.name, &self.change_code, 'C')?;
        f::check_digits(ORIGINAL_TRACE.name, &self.original_entry_trace, 15)?;
        f::check_digits(ORIGINAL_RDFI.name, &self.original_rdfi_identification, 8)?;
        f::check_alpha(CORRECTED_DATA.name, &self.corrected_data, 29)?;
        f::check_required(CORRECTED_DATA.name, &self.corrected_data)?;
        f::check_digits(TRACE.name, &self.trace_number, 15)?;
        Ok(())
    }
}

/// Addenda record type 99: return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addenda99 {
    /// `R01`…`R99`.
    pub return_reason_code: String,
    /// Trace number of the entry being returned (15 digits).
    pub original_entry_trace: String,
    /// Date of death for R14/R15, else `None` (blank).
    pub date_of_death: Option<Date>,
    /// RDFI identification of the original entry (8 digits).
    pub original_rdfi_identification: String,
    /// Free text from the RDFI (up to 44).
    pub addenda_information: String,
    /// Trace number of this return entry (15 digits).
    pub trace_number: String,
}

impl Addenda99 {
    /// Parses a 94-character type 7 record with type code 99.
    pub fn parse(line: &str) -> Result<Self, FieldError> {
        use a99::*;
        check_type(line, LAYOUT, "99")?;
        let return_reason_code = f::alpha(line, RETURN_CODE)?;
        check_reason(RETURN_CODE.name, &return_reason_code, 'R')?;
        Ok(Addenda99 {
            return_reason_code,
            original_entry_trace: f::digit_string(line, ORIGINAL_TRACE)?,
            date_of_death: f::date_or_blank(line, DATE_OF_DEATH)?,
            original_rdfi_identification: f::digit_string(line, ORIGINAL_RDFI)?,
            addenda_information: f::alpha(line, INFORMATION)?,
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
        use a99::*;
        out.push_str("799");
        f::push_alpha(out, &self.return_reason_code, RETURN_CODE.len);
        f::push_digits(out, &self.original_entry_trace, ORIGINAL_TRACE.len);
        match self.date_of_death {
            Some(d) => f::push_date(out, d),
            None => f::push_repeat(out, ' ', DATE_OF_DEATH.len),
        }
        f::push_digits(out, &self.original_rdfi_identification, ORIGINAL_RDFI.len);
        f::push_alpha(out, &self.addenda_information, INFORMATION.len);
        f::push_digits(out, &self.trace_number, TRACE.len);
    }

    /// Checks that every field fits its layout.
    pub fn validate(&self) -> Result<(), FieldError> {
        use a99::*;
        check_reason(RETURN_CODE.name, &self.return_reason_code, 'R')?;
        f::check_digits(ORIGINAL_TRACE.name, &self.original_entry_trace, 15)?;
        if let Some(d) = self.date_of_death {
            f::check_date(DATE_OF_DEATH.name, d)?;
        }
        f::check_digits(ORIGINAL_RDFI.name, &self.original_rdfi_identification, 8)?;
        f::check_alpha(INFORMATION.name, &self.addenda_information, 44)?;
        f::check_digits(TRACE.name, &self.trace_number, 15)?;
        Ok(())
    }
}

/// One addenda record (type 7) of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addenda {
    /// 05: payment related information.
    Payment(Addenda05),
    /// 98: notification of change.
    Noc(Addenda98),
    /// 99: return.
    Return(Addenda99),
}

impl Addenda {
    /// Parses any supported type 7 record (type codes 05, 98, 99).
    pub fn parse(line: &str) -> Result<Self, FieldError> {
        let layout = layout_for(line);
        f::check_line(line, layout, '7')?;
        match TYPE_CODE.raw(line) {
            "05" => Addenda05::parse(line).map(Addenda::Payment),
            "98" => Addenda98::parse(line).map(Addenda::Noc),
            "99" => Addenda99::parse(line).map(Addenda::Return),
            other => Err(FieldError::new(
                TYPE_CODE.name,
                format!("unsupported addenda type code {other:?} (supported: 05, 98, 99)"),
            )),
        }
    }

    /// The two-digit addenda type code.
    pub fn type_code(&self) -> &'static str {
        match self {
            Addenda::Payment(_) => "05",
            Addenda::Noc(_) => "98",
            Addenda::Return(_) => "99",
        }
    }

    /// The 94-character record.
    pub fn to_line(&self) -> String {
        match self {
            Addenda::Payment(a) => a.to_line(),
            Addenda::Noc(a) => a.to_line(),
            Addenda::Return(a) => a.to_line(),
        }
    }

    pub(crate) fn write_line(&self, out: &mut String) {
        match self {
            Addenda::Payment(a) => a.write_line(out),
            Addenda::Noc(a) => a.write_line(out),
            Addenda::Return(a) => a.write_line(out),
        }
    }

    /// Checks that every field fits its layout.
    pub fn validate(&self) -> Result<(), FieldError> {
        match self {
            Addenda::Payment(a) => a.validate(),
            Addenda::Noc(a) => a.validate(),
            Addenda::Return(a) => a.validate(),
        }
    }
}

macro_rules! display_line {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_line())
            }
        }
    )*};
}
display_line!(Addenda05, Addenda98, Addenda99, Addenda);
