//! The Federal Reserve banking calendar and New York cutoff windows.
//!
//! Pure functions, no IO and no wall clock: callers pass in the dates and instants they care
//! about (Pennydrop's `Clock` supplies "now").
//!
//! # Banking days
//!
//! A *banking day* is a Monday to Friday on which the Federal Reserve Banks are open. They close
//! for eleven holidays: New Year's Day (January 1), Martin Luther King Jr. Day (third Monday of
//! January), Washington's Birthday (third Monday of February), Memorial Day (last Monday of
//! May), Juneteenth (June 19, since 2021), Independence Day (July 4), Labor Day (first Monday
//! of September), Columbus Day (second Monday of October), Veterans Day (November 11),
//! Thanksgiving Day (fourth Thursday of November) and Christmas Day (December 25).
//!
//! ## Weekend holidays: the Saturday rule
//!
//! * A holiday that falls on a **Sunday** closes the Reserve Banks on the following **Monday**
//!   (Independence Day 2027 is a Sunday, so Monday 2027-07-05 is closed).
//! * A holiday that falls on a **Saturday** closes **nothing**: the Reserve Banks are open on the
//!   Friday before. Friday 2026-07-03 is a banking day although July 4, 2026 is a Saturday;
//!   Fridays 2027-12-24 and 2027-12-31 are banking days although Christmas 2027 and New Year's
//!   Day 2028 are Saturdays.
//!
//! General-purpose US holiday calendars get the Saturday case wrong for payments. They follow the
//! rule for *federal employees* (5 U.S.C. 6103 and OPM practice), under which a Saturday
//! holiday is observed on the Friday before, so they mark Friday 2026-07-03 as a holiday; stock
//! exchange calendars close that Friday too. Libraries built on either (e.g. the `bdays` crate)
//! therefore lose a settlement day, and a New Year's Day on a Saturday can even move a closure
//! into the previous year (Friday December 31). The Federal Reserve's own holiday
//! schedule, which governs FedACH, Fedwire and Same Day ACH settlement, does not shift Saturday
//! holidays, and that schedule is what this crate implements. One consequence: a holiday always
//! closes a date in its own year, so [`fed_holidays`] for a year lists only dates in that year.
//!
//! Not modelled: one-off closures (e.g. a national day of mourning) and history before the
//! current rules (Martin Luther King Jr. Day is counted from 1986 and Juneteenth from 2021; the
//! other holidays use today's rules for every year).
//!
//! # Cutoff windows
//!
//! A [`CutoffSchedule`] is a list of wall-clock times in America/New_York ([`NEW_YORK`]); on
//! each banking day each time is a [`Window`]. [`CutoffSchedule::next_window`] answers "which
//! window does a request arriving now make?" (the first one strictly after now) and
//! [`CutoffSchedule::latest_window_at_or_before`] / [`CutoffSchedule::windows_between`] answer
//! "which windows are due?". Instants follow New York's daylight-saving time: the 10:00 window
//! is 15:00Z in winter and 14:00Z in summer.
//!
//! The zone comes from the system's time zone database when it has America/New_York, else from
//! the copy of the IANA database compiled into this crate (jiff's `tzdb-bundle-always` feature),
//! else from the fixed US Eastern rule; see [`new_york_tz`]. It never fails at runtime, so no
//! configuration is needed on machines without `/usr/share/zoneinfo`.
//!
//! ```
//! use jiff::civil::date;
//! use pennydrop_calendar::{is_banking_day, next_banking_day, CutoffSchedule};
//!
//! assert!(is_banking_day(date(2026, 7, 3))); // Friday before a Saturday July 4
//! assert_eq!(next_banking_day(date(2026, 11, 25)), date(2026, 11, 27)); // Thanksgiving
//!
//! let schedule = CutoffSchedule::default_windows();
//! let now: jiff::Timestamp = "2026-03-06T21:20:00Z".parse()?; // Friday 16:20 EST
//! let window = schedule.next_window(now);
//! assert_eq!(window.date, date(2026, 3, 9)); // Monday, now on EDT
//! assert_eq!(window.at.to_string(), "2026-03-09T14:00:00Z");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cutoff;
mod error;
mod holidays;
mod tz;

pub use cutoff::{CutoffSchedule, Window, WindowsAfter};
pub use error::CalendarError;
pub use holidays::{
    add_banking_days, banking_day_on_or_after, banking_day_on_or_before, checked_add_banking_days,
    checked_next_banking_day, checked_previous_banking_day, fed_holiday, fed_holidays,
    is_banking_day, is_fed_holiday, is_weekend, next_banking_day, previous_banking_day, Holiday,
};
pub use tz::{new_york_tz, NEW_YORK};
