use std::fmt;

use jiff::civil::{Date, Time};

use crate::field::{self as f, Field, FieldError, RECORD_LEN};
use crate::routing::check_routing;

pub(crate) const RECORD_TYPE: Field = Field::new("record type code", 1, 1);
pub(crate) const PRIORITY: Field = Field::new("priority code", 2, 2);
pub(crate) const DESTINATION: Field = Field::new("immediate destination", 4, 10);
pub(crate) const ORIGIN: Field = Field::new("immediate origin", 14, 10);
pub(crate) const CREATION_DATE: Field = Field::new("file creation date", 24, 6);
pub(crate) const CREATION_TIME: Field = Field::new("file creation time", 30, 4);
pub(crate) const MODIFIER: Field = Field::new("file ID modifier", 34, 1);
pub(crate) const RECORD_SIZE: Field = Field::new("record size", 35, 3);
pub(crate) const BLOCKING: Field = Field::new("blocking factor", 38, 2);
pub(crate) const FORMAT: Field = Field::new("format code", 40, 1);
pub(crate) const DESTINATION_NAME: Field = Field::new("immediate destination name", 41, 23);
pub(crate) const ORIGIN_NAME: Field = Field::new("immediate origin name", 64, 23);
pub(crate) const REFERENCE: Field = Field::new("reference code", 87, 8);

pub(crate) const LAYOUT: &[Field] = &[
    RECORD_TYPE,
    PRIORITY,
    DESTINATION,
    ORIGIN,
    CREATION_DATE,
    CREATION_TIME,
    MODIFIER,
    RECORD_SIZE,
    BLOCKING,
    FORMAT,
    DESTINATION_NAME,
    ORIGIN_NAME,
    REFERENCE,
];

/// File header record (type 1).
///
/// The fixed fields (priority code `01`, record size `094`, blocking factor `10`, format code
/// `1`) are checked on parse and written on format; they are not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    /// Routing number of the receiving point (9 digits; written as a blank plus the digits).
    pub immediate_destination: String,
    /// Sender identification (up to 10 characters, right-justified; usually a blank plus a
    /// routing number or `1` plus an EIN).
    pub immediate_origin: String,
    /// File creation date.
    pub creation_date: Date,
    /// File creation time (HHMM), optional.
    pub creation_time: Option<Time>,
    /// `A`–`Z` or `0`–`9`, distinguishes files created the same day.
    pub file_id_modifier: char,
    /// Name of the receiving point (up to 23).
    pub destination_name: String,
    /// Name of the sender (up to 23).
    pub origin_name: String,
    /// Reference code (up to 8), optional.
    pub reference_code: String,
}

impl FileHeader {
    /// Parses a 94-character type 1 record.
    pub fn parse(line: &str) -> Result<Self, FieldError> {
        f::check_line(line, LAYOUT, '1')?;
        f::literal(line, PRIORITY, "01")?;
        let dest = DESTINATION.raw(line);
        let immediate_destination = match dest.strip_prefix(' ') {
            Some(d) if d.bytes().all(|b| b.is_ascii_digit()) => d.to_string(),
            _ => {
                return Err(FieldError::new(
                    DESTINATION.name,
                    format!(
                        "expected a blank followed by a 9-digit routing number, found {dest:?}"
                    ),
                ))
            }
        };
        check_routing(DESTINATION.name, &immediate_destination)?;
        let immediate_origin = f::alpha_right(line, ORIGIN)?;
        f::check_required(ORIGIN.name, &immediate_origin)?;
        let creation_date = f::date(line, CREATION_DATE)?;
        let creation_time = f::time_or_blank(line, CREATION_TIME)?;
        let file_id_modifier = parse_modifier(MODIFIER.raw(line))?;
        f::literal(line, RECORD_SIZE, "094")?;
        f::literal(line, BLOCKING, "10")?;
        f::literal(line, FORMAT, "1")?;
        Ok(FileHeader {
            immediate_destination,
            immediate_origin,
            creation_date,
            creation_time,
            file_id_modifier,
            destination_name: f::alpha(line, DESTINATION_NAME)?,
            origin_name: f::alpha(line, ORIGIN_NAME)?,
            reference_code: f::alpha(line, REFERENCE)?,
        })
    }

    /// The 94-character record.
    pub fn to_line(&self) -> String {
        let mut out = String::with_capacity(RECORD_LEN);
        self.write_line(&mut out);
        out
    }

    pub(crate) fn write_line(&self, out: &mut String) {
        out.push_str("101 ");
        f::push_digits(out, &self.immediate_destination, 9);
        f::push_alpha_right(out, &self.immediate_origin, ORIGIN.len);
        f::push_date(out, self.creation_date);
        match self.creation_time {
            Some(t) => {
                f::push_num(out, t.hour() as u64, 2);
                f::push_num(out, t.minute() as u64, 2);
            }
            None => f::push_repeat(out, ' ', 4),
        }
        f::push_alpha(out, &self.file_id_modifier.to_string(), 1);
        out.push_str("094101");
        f::push_alpha(out, &self.destination_name, DESTINATION_NAME.len);
        f::push_alpha(out, &self.origin_name, ORIGIN_NAME.len);
        f::push_alpha(out, &self.reference_code, REFERENCE.len);
    }

    /// Checks that every field fits its layout (so that `parse(to_line(x)) == x`).
    pub fn validate(&self) -> Result<(), FieldError> {
        check_routing(DESTINATION.name, &self.immediate_destination)?;
        f::check_required(ORIGIN.name, &self.immediate_origin)?;
        f::check_alpha(ORIGIN.name, &self.immediate_origin, ORIGIN.len)?;
        if self.immediate_origin.ends_with(' ') {
            return Err(FieldError::new(
                ORIGIN.name,
                "is right-justified and must not end with a blank",
            ));
        }
        f::check_date(CREATION_DATE.name, self.creation_date)?;
        if let Some(t) = self.creation_time {
            if t.second() != 0 || t.subsec_nanosecond() != 0 {
                return Err(FieldError::new(
                    CREATION_TIME.name,
                    "only hours and minutes can be written",
                ));
            }
        }
        parse_modifier(&self.file_id_modifier.to_string())?;
        f::check_alpha(DESTINATION_NAME.name, &self.destination_name, 23)?;
        f::check_alpha(ORIGIN_NAME.name, &self.origin_name, 23)?;
        f::check_alpha(REFERENCE.name, &self.reference_code, 8)?;
        Ok(())
    }
}

fn parse_modifier(raw: &str) -> Result<char, FieldError> {
    match raw.chars().next() {
        Some(c) if raw.len() == 1 && (c.is_ascii_uppercase() || c.is_ascii_digit()) => Ok(c),
        _ => Err(FieldError::new(
            MODIFIER.name,
            format!("expected A-Z or 0-9, found {raw:?}"),
        )),
    }
}

impl fmt::Display for FileHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}
