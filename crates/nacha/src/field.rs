//! Fixed-width field primitives shared by every record type.
//!
//! Positions are 1-based and inclusive, as in the NACHA rules. Parsing helpers assume the line
//! has already been checked to be exactly [`RECORD_LEN`] ASCII characters (see [`check_line`]),
//! so byte slicing never splits a character.

use jiff::civil::{Date, Time};

/// Every NACHA record is 94 characters long.
pub const RECORD_LEN: usize = 94;

/// A field that could not be parsed or does not satisfy its rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// Human name of the field, e.g. `"amount"`, `"transaction code"`.
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl FieldError {
    pub(crate) fn new(field: &'static str, reason: impl Into<String>) -> Self {
        FieldError {
            field,
            reason: reason.into(),
        }
    }
}

/// Position and name of one field of a record layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Human name used in error messages.
    pub name: &'static str,
    /// First position, 1-based.
    pub start: usize,
    /// Width in characters.
    pub len: usize,
}

impl Field {
    pub(crate) const fn new(name: &'static str, start: usize, len: usize) -> Self {
        Field { name, start, len }
    }

    /// Last position, 1-based, inclusive.
    pub const fn end(&self) -> usize {
        self.start + self.len - 1
    }

    /// The raw text of this field in `line` (which must be a checked 94-char ASCII line).
    pub(crate) fn raw<'a>(&self, line: &'a str) -> &'a str {
        line.get(self.start - 1..self.end()).unwrap_or("")
    }
}

/// The field of `layout` that covers 1-based position `pos`.
pub(crate) fn field_at(layout: &[Field], pos: usize) -> Option<&'static str> {
    layout
        .iter()
        .find(|f| f.start <= pos && pos <= f.end())
        .map(|f| f.name)
}

/// The start position of the field named `name` in `layout`.
pub(crate) fn field_start(layout: &[Field], name: &str) -> Option<usize> {
    layout.iter().find(|f| f.name == name).map(|f| f.start)
}

/// Checks that `line` is a 94-character ASCII record of type `record_type`.
pub(crate) fn check_line(
    line: &str,
    layout: &[Field],
    record_type: char,
) -> Result<(), FieldError> {
    if let Some((pos, c)) = first_non_ascii(line) {
        let field = field_at(layout, pos).unwrap_or("record");
        return Err(FieldError::new(
            field,
            format!("non-ASCII character {c:?} at position {pos}"),
        ));
    }
    if line.len() != RECORD_LEN {
        return Err(FieldError::new(
            "record",
            format!(
                "record is {} characters long, expected {RECORD_LEN}",
                line.len()
            ),
        ));
    }
    if !line.starts_with(record_type) {
        return Err(FieldError::new(
            "record type code",
            format!(
                "expected record type {record_type}, found {:?}",
                line.get(..1).unwrap_or("")
            ),
        ));
    }
    Ok(())
}

/// 1-based character position and value of the first non-ASCII character.
pub(crate) fn first_non_ascii(line: &str) -> Option<(usize, char)> {
    if line.is_ascii() {
        return None;
    }
    line.chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii())
        .map(|(i, c)| (i + 1, c))
}

/// Checks that a fixed literal (e.g. the priority code `01`) is present.
pub(crate) fn literal(line: &str, f: Field, expected: &str) -> Result<(), FieldError> {
    let raw = f.raw(line);
    if raw == expected {
        Ok(())
    } else {
        Err(FieldError::new(
            f.name,
            format!("expected {expected:?}, found {raw:?}"),
        ))
    }
}

/// Checks that a reserved field is blank.
pub(crate) fn blank(line: &str, f: Field) -> Result<(), FieldError> {
    let raw = f.raw(line);
    if raw.bytes().all(|b| b == b' ') {
        Ok(())
    } else {
        Err(FieldError::new(
            f.name,
            format!("reserved field must be blank, found {raw:?}"),
        ))
    }
}

/// An unsigned numeric field: all digits, zero-filled.
pub(crate) fn numeric(line: &str, f: Field) -> Result<u64, FieldError> {
    let raw = f.raw(line);
    digits_value(raw)
        .ok_or_else(|| FieldError::new(f.name, format!("expected {} digits, found {raw:?}", f.len)))
}

fn digits_value(raw: &str) -> Option<u64> {
    if raw.is_empty() || raw.len() > 19 {
        return None;
    }
    let mut v: u64 = 0;
    for b in raw.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(b - b'0');
    }
    Some(v)
}

/// A numeric field narrowed to `u32` (counts, batch numbers). Fields of at most 8 digits always fit.
pub(crate) fn numeric_u32(line: &str, f: Field) -> Result<u32, FieldError> {
    let v = numeric(line, f)?;
    u32::try_from(v).map_err(|_| FieldError::new(f.name, format!("{v} is too large")))
}

/// A field that must be digits and is kept as text (routing numbers, trace numbers), because
/// leading zeros are significant.
pub(crate) fn digit_string(line: &str, f: Field) -> Result<String, FieldError> {
    digit_str(line, f).map(str::to_string)
}

/// [`digit_string`] without the copy.
pub(crate) fn digit_str(line: &str, f: Field) -> Result<&str, FieldError> {
    let raw = f.raw(line);
    if raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(raw)
    } else {
        Err(FieldError::new(
            f.name,
            format!("expected {} digits, found {raw:?}", f.len),
        ))
    }
}

/// An alphanumeric field: printable ASCII, left-justified; trailing blanks are removed.
/// Leading blanks are data and are kept, so `to_line(parse(line)) == line`.
pub(crate) fn alpha(line: &str, f: Field) -> Result<String, FieldError> {
    let raw = f.raw(line);
    check_printable(f.name, raw)?;
    Ok(raw.trim_end_matches(' ').to_string())
}

/// A right-justified alphanumeric field (the immediate origin): leading blanks are removed.
pub(crate) fn alpha_right(line: &str, f: Field) -> Result<String, FieldError> {
    let raw = f.raw(line);
    check_printable(f.name, raw)?;
    Ok(raw.trim_start_matches(' ').to_string())
}

pub(crate) fn check_printable(name: &'static str, value: &str) -> Result<(), FieldError> {
    if value.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return Ok(());
    }
    if let Some((i, c)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| !(' '..='~').contains(c))
    {
        let what = if c.is_ascii() {
            "control character"
        } else {
            "non-ASCII character"
        };
        return Err(FieldError::new(
            name,
            format!("{what} {c:?} at offset {}", i + 1),
        ));
    }
    Ok(())
}

/// A YYMMDD date (years 2000–2099).
pub(crate) fn date(line: &str, f: Field) -> Result<Date, FieldError> {
    let raw = f.raw(line);
    parse_yymmdd(raw).ok_or_else(|| FieldError::new(f.name, format!("invalid YYMMDD date {raw:?}")))
}

/// A YYMMDD date that may be blank.
pub(crate) fn date_or_blank(line: &str, f: Field) -> Result<Option<Date>, FieldError> {
    let raw = f.raw(line);
    if raw.bytes().all(|b| b == b' ') {
        return Ok(None);
    }
    date(line, f).map(Some)
}

/// A YYMMDD date that may be `000000` (used by returns and NOCs for the effective entry date).
pub(crate) fn date_or_zeros(line: &str, f: Field) -> Result<Option<Date>, FieldError> {
    let raw = f.raw(line);
    if raw.bytes().all(|b| b == b'0') {
        return Ok(None);
    }
    date(line, f).map(Some)
}

fn parse_yymmdd(raw: &str) -> Option<Date> {
    if raw.len() != 6 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |i: usize| -> i8 {
        let b = raw.as_bytes();
        ((b[i] - b'0') * 10 + (b[i + 1] - b'0')) as i8
    };
    Date::new(2000 + i16::from(n(0)), n(2), n(4)).ok()
}

/// An HHMM time that may be blank.
pub(crate) fn time_or_blank(line: &str, f: Field) -> Result<Option<Time>, FieldError> {
    let raw = f.raw(line);
    if raw.bytes().all(|b| b == b' ') {
        return Ok(None);
    }
    let bad = || FieldError::new(f.name, format!("invalid HHMM time {raw:?}"));
    if raw.len() != 4 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let b = raw.as_bytes();
    let h = ((b[0] - b'0') * 10 + (b[1] - b'0')) as i8;
    let m = ((b[2] - b'0') * 10 + (b[3] - b'0')) as i8;
    Time::new(h, m, 0, 0).map(Some).map_err(|_| bad())
}

// ----- formatting -------------------------------------------------------------------------------
//
// Formatting never fails and always writes exactly `len` characters, so `to_line` always returns
// 94 characters. Values that do not fit (which `validate` reports) are cut to fit: text is
// truncated, characters outside printable ASCII become `?`, numbers keep their rightmost digits.

/// Left-justified, blank-filled text.
pub(crate) fn push_alpha(out: &mut String, value: &str, len: usize) {
    let printable = value.bytes().all(|b| (b' '..=b'~').contains(&b));
    if let Some(text) = value.get(..value.len().min(len)).filter(|_| printable) {
        out.push_str(text);
        push_repeat(out, ' ', len - text.len());
        return;
    }
    let mut n = 0;
    for c in value.chars().take(len) {
        out.push(if (' '..='~').contains(&c) { c } else { '?' });
        n += 1;
    }
    push_repeat(out, ' ', len - n);
}

/// Right-justified, blank-filled text.
pub(crate) fn push_alpha_right(out: &mut String, value: &str, len: usize) {
    let count = char_count(value);
    if count >= len {
        push_alpha(out, value, len);
    } else {
        push_repeat(out, ' ', len - count);
        push_alpha(out, value, count);
    }
}

/// Right-justified, zero-filled number; keeps the rightmost `len` digits.
pub(crate) fn push_num(out: &mut String, value: u64, len: usize) {
    let mut buf = [b'0'; 20];
    let mut v = value;
    let mut i = buf.len();
    while v > 0 && i > 0 {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let digits = &buf[buf.len() - len.min(20)..];
    push_repeat(out, '0', len.saturating_sub(20));
    // ASCII digits: always UTF-8, pushed as one slice.
    if let Ok(text) = std::str::from_utf8(digits) {
        out.push_str(text);
    }
}

/// A digit string (routing or trace number): right-justified, zero-filled, rightmost `len`
/// characters; non-digits become `0`.
pub(crate) fn push_digits(out: &mut String, value: &str, len: usize) {
    if value.len() == len && value.bytes().all(|b| b.is_ascii_digit()) {
        out.push_str(value);
        return;
    }
    let count = char_count(value);
    if count < len {
        push_repeat(out, '0', len - count);
    }
    for c in value.chars().skip(count.saturating_sub(len)) {
        out.push(if c.is_ascii_digit() { c } else { '0' });
    }
}

/// YYMMDD.
pub(crate) fn push_date(out: &mut String, d: Date) {
    push_num(out, (i64::from(d.year()).rem_euclid(100)) as u64, 2);
    push_num(out, d.month() as u64, 2);
    push_num(out, d.day() as u64, 2);
}

pub(crate) fn push_repeat(out: &mut String, c: char, n: usize) {
    const BLANKS: &str = "                                                                                              ";
    const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
    // A record is 94 characters: a fill is a slice of a ready-made run, not a loop of pushes.
    match c {
        ' ' if n <= BLANKS.len() => out.push_str(&BLANKS[..n]),
        '0' if n <= ZEROS.len() => out.push_str(&ZEROS[..n]),
        _ => out.extend(std::iter::repeat_n(c, n)),
    }
}

/// Number of characters, without decoding ASCII text.
fn char_count(value: &str) -> usize {
    if value.is_ascii() {
        value.len()
    } else {
        value.chars().count()
    }
}

// ----- validation of values (for records built in code) ----------------------------------------

/// Text that fits an alphanumeric field: printable ASCII and at most `len` characters.
pub(crate) fn check_alpha(name: &'static str, value: &str, len: usize) -> Result<(), FieldError> {
    check_printable(name, value)?;
    let n = char_count(value);
    if n > len {
        return Err(FieldError::new(
            name,
            format!("{n} characters, at most {len} allowed"),
        ));
    }
    Ok(())
}

/// Text that must not be blank.
pub(crate) fn check_required(name: &'static str, value: &str) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        Err(FieldError::new(name, "must not be blank"))
    } else {
        Ok(())
    }
}

/// Exactly `len` ASCII digits.
pub(crate) fn check_digits(name: &'static str, value: &str, len: usize) -> Result<(), FieldError> {
    if value.len() == len && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(FieldError::new(
            name,
            format!("expected {len} digits, found {value:?}"),
        ))
    }
}

/// A number that fits `len` digits.
pub(crate) fn check_num(name: &'static str, value: u64, len: usize) -> Result<(), FieldError> {
    let max = 10u64
        .checked_pow(len as u32)
        .map(|p| p - 1)
        .unwrap_or(u64::MAX);
    if value > max {
        Err(FieldError::new(
            name,
            format!("{value} does not fit in {len} digits"),
        ))
    } else {
        Ok(())
    }
}

/// A date that can be written as YYMMDD and read back unchanged.
pub(crate) fn check_date(name: &'static str, value: Date) -> Result<(), FieldError> {
    if (2000..=2099).contains(&value.year()) {
        Ok(())
    } else {
        Err(FieldError::new(
            name,
            format!(
                "year {} cannot be written as YYMMDD (2000 to 2099)",
                value.year()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_zero_filled_and_cut_to_fit() {
        let mut s = String::new();
        push_num(&mut s, 42, 5);
        push_num(&mut s, 1234567, 3);
        push_num(&mut s, 0, 2);
        assert_eq!(s, "0004256700");
    }

    #[test]
    fn text_is_blank_filled_and_sanitized() {
        let mut s = String::new();
        push_alpha(&mut s, "ab", 4);
        push_alpha(&mut s, "abcdef", 3);
        push_alpha(&mut s, "é", 2);
        push_alpha_right(&mut s, "12", 4);
        assert_eq!(s, "ab  abc?   12");
    }

    #[test]
    fn digit_strings_are_right_justified() {
        let mut s = String::new();
        push_digits(&mut s, "123", 5);
        push_digits(&mut s, "1234567", 3);
        push_digits(&mut s, "1a", 2);
        assert_eq!(s, "0012356710");
    }

    #[test]
    fn yymmdd_dates() {
        assert_eq!(parse_yymmdd("190625"), Date::new(2019, 6, 25).ok());
        assert_eq!(parse_yymmdd("190231"), None);
        assert_eq!(parse_yymmdd("19062 "), None);
    }
}
