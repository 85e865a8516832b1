//! Federal Reserve holidays and banking-day arithmetic.

use jiff::civil::{Date, Weekday};

/// A day the Federal Reserve Banks are closed for a holiday.
///
/// `date` is the *closed* (observed) date: for a holiday falling on a Sunday it is the Monday
/// after. `name` is the holiday's common name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Holiday {
    /// The date the Reserve Banks are closed.
    pub date: Date,
    /// The holiday's name, e.g. `"Independence Day"`.
    pub name: &'static str,
}

#[derive(Debug, Clone, Copy)]
enum Rule {
    /// A fixed calendar date.
    Fixed { month: i8, day: i8 },
    /// The `nth` `weekday` of `month`; `-1` is the last one.
    Nth {
        month: i8,
        weekday: Weekday,
        nth: i8,
    },
}

#[derive(Debug, Clone, Copy)]
struct Definition {
    name: &'static str,
    rule: Rule,
    /// First year the holiday is observed.
    since: i16,
}

/// The eleven Federal Reserve holidays, in calendar order.
///
/// The Monday holidays date from the Uniform Monday Holiday Act (1971), Martin Luther King Jr.
/// Day from 1986 and Juneteenth from 2021; earlier years are not modelled historically
/// (e.g. Veterans Day was the fourth Monday of October in 1971–1977).
const DEFINITIONS: [Definition; 11] = [
    Definition {
        name: "New Year's Day",
        rule: Rule::Fixed { month: 1, day: 1 },
        since: i16::MIN,
    },
    Definition {
        name: "Martin Luther King Jr. Day",
        rule: Rule::Nth {
            month: 1,
            weekday: Weekday::Monday,
            nth: 3,
        },
        since: 1986,
    },
    Definition {
        name: "Washington's Birthday",
        rule: Rule::Nth {
            month: 2,
            weekday: Weekday::Monday,
            nth: 3,
        },
        since: i16::MIN,
    },
    Definition {
        name: "Memorial Day",
        rule: Rule::Nth {
            month: 5,
            weekday: Weekday::Monday,
            nth: -1,
        },
        since: i16::MIN,
    },
    Definition {
        name: "Juneteenth National Independence Day",
        rule: Rule::Fixed { month: 6, day: 19 },
        since: 2021,
    },
    Definition {
        name: "Independence Day",
        rule: Rule::Fixed { month: 7, day: 4 },
        since: i16::MIN,
    },
    Definition {
        name: "Labor Day",
        rule: Rule::Nth {
            month: 9,
            weekday: Weekday::Monday,
            nth: 1,
        },
        since: i16::MIN,
    },
    Definition {
        name: "Columbus Day",
        rule: Rule::Nth {
            month: 10,
            weekday: Weekday::Monday,
            nth: 2,
        },
        since: i16::MIN,
    },
    Definition {
        name: "Veterans Day",
        rule: Rule::Fixed { month: 11, day: 11 },
        since: i16::MIN,
    },
    Definition {
        name: "Thanksgiving Day",
        rule: Rule::Nth {
            month: 11,
            weekday: Weekday::Thursday,
            nth: 4,
        },
        since: i16::MIN,
    },
    Definition {
        name: "Christmas Day",
        rule: Rule::Fixed { month: 12, day: 25 },
        since: i16::MIN,
    },
];

impl Definition {
    /// The date the holiday itself falls on in `year`, before any weekend adjustment.
    fn actual(&self, year: i16) -> Option<Date> {
        if year < self.since {
            return None;
        }
        match self.rule {
            Rule::Fixed { month, day } => Date::new(year, month, day).ok(),
            Rule::Nth {
                month,
                weekday,
                nth,
            } => Date::new(year, month, 1)
                .ok()?
                .nth_weekday_of_month(nth, weekday)
                .ok(),
        }
    }

    /// The date the Reserve Banks are closed for this holiday in `year`, if any.
    ///
    /// Sunday moves to Monday; Saturday closes nothing (the Friday before stays open).
    fn closure(&self, year: i16) -> Option<Holiday> {
        let actual = self.actual(year)?;
        let date = match actual.weekday() {
            Weekday::Saturday => return None,
            Weekday::Sunday => actual.tomorrow().ok()?,
            _ => actual,
        };
        Some(Holiday {
            date,
            name: self.name,
        })
    }
}

/// The dates the Federal Reserve Banks are closed for holidays in `year`, sorted.
///
/// Holidays that fall on a Sunday appear on the following Monday. Holidays that fall on a
/// Saturday do not appear at all: the Reserve Banks open as usual on the Friday before (see the
/// [crate documentation](crate)). Years outside jiff's range (-9999..=9999) give an empty list.
pub fn fed_holidays(year: i16) -> Vec<Holiday> {
    let mut holidays: Vec<Holiday> = DEFINITIONS
        .iter()
        .filter_map(|definition| definition.closure(year))
        .collect();
    holidays.sort();
    holidays
}

/// The holiday the Federal Reserve Banks are closed for on `date`, if any.
///
/// Like [`is_fed_holiday`] this looks at the closed (observed) date: Monday 2027-07-05 gives
/// Independence Day, Sunday 2027-07-04 gives `None` (it is a weekend, not a holiday closure).
pub fn fed_holiday(date: Date) -> Option<Holiday> {
    // A Sunday holiday moves to Monday of the same year (no holiday falls on December 31), so
    // only `date`'s own year needs checking.
    DEFINITIONS
        .iter()
        .filter_map(|definition| definition.closure(date.year()))
        .find(|holiday| holiday.date == date)
}

/// Whether the Federal Reserve Banks are closed on `date` for a holiday (the observed date).
///
/// A holiday falling on a Saturday closes no day at all, so e.g. Friday 2026-07-03 is `false`.
pub fn is_fed_holiday(date: Date) -> bool {
    fed_holiday(date).is_some()
}

/// Whether `date` is a Saturday or a Sunday.
pub fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Whether `date` is a banking day: a weekday on which the Reserve Banks are not closed for a
/// holiday.
pub fn is_banking_day(date: Date) -> bool {
    !is_weekend(date) && !is_fed_holiday(date)
}

/// The first banking day strictly after `date`, or `None` past jiff's last date (9999-12-31).
pub fn checked_next_banking_day(date: Date) -> Option<Date> {
    let mut day = date.tomorrow().ok()?;
    while !is_banking_day(day) {
        day = day.tomorrow().ok()?;
    }
    Some(day)
}

/// The first banking day strictly after `date`.
///
/// Saturates at [`Date::MAX`] (9999-12-31) when there is no later date; use
/// [`checked_next_banking_day`] to detect that.
pub fn next_banking_day(date: Date) -> Date {
    checked_next_banking_day(date).unwrap_or(Date::MAX)
}

/// The last banking day strictly before `date`, or `None` before jiff's first date.
pub fn checked_previous_banking_day(date: Date) -> Option<Date> {
    let mut day = date.yesterday().ok()?;
    while !is_banking_day(day) {
        day = day.yesterday().ok()?;
    }
    Some(day)
}

/// The last banking day strictly before `date`.
///
/// Saturates at [`Date::MIN`] when there is no earlier date; use
/// [`checked_previous_banking_day`] to detect that.
pub fn previous_banking_day(date: Date) -> Date {
    checked_previous_banking_day(date).unwrap_or(Date::MIN)
}

/// `date` itself if it is a banking day, otherwise the next banking day after it.
pub fn banking_day_on_or_after(date: Date) -> Date {
    if is_banking_day(date) {
        date
    } else {
        next_banking_day(date)
    }
}

/// `date` itself if it is a banking day, otherwise the last banking day before it.
pub fn banking_day_on_or_before(date: Date) -> Date {
    if is_banking_day(date) {
        date
    } else {
        previous_banking_day(date)
    }
}

/// The date `n` banking days after `date`, or `None` if that is past 9999-12-31.
///
/// See [`add_banking_days`].
pub fn checked_add_banking_days(date: Date, n: u32) -> Option<Date> {
    let mut day = date;
    for _ in 0..n {
        day = checked_next_banking_day(day)?;
    }
    Some(day)
}

/// The date `n` banking days after `date`.
///
/// `date` itself need not be a banking day: one banking day after Saturday 2026-11-28 is
/// Monday 2026-11-30, and one after Wednesday 2026-11-25 is Friday 2026-11-27 (Thanksgiving is
/// 2026-11-26). `n == 0` returns `date` unchanged; use [`banking_day_on_or_after`] for a
/// "same banking day, or the next one" rule. Saturates at [`Date::MAX`].
pub fn add_banking_days(date: Date, n: u32) -> Date {
    checked_add_banking_days(date, n).unwrap_or(Date::MAX)
}
