//! Cutoff windows: wall-clock times in New York on banking days.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{self, Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

use crate::error::CalendarError;
use crate::holidays::is_banking_day;
use crate::tz::{new_york_ref, new_york_tz};

/// The default windows: 10:00, 14:15 and 16:15 New York time, 30 minutes ahead of the Fed's
/// Same Day ACH deadlines of 10:30, 14:45 and 16:45.
const DEFAULT_WINDOWS: [Time; 3] = [
    civil::time(10, 0, 0, 0),
    civil::time(14, 15, 0, 0),
    civil::time(16, 15, 0, 0),
];

/// How many calendar days a window search looks through before giving up. Any real run of
/// closed days is at most four long (Saturday, Sunday, a Monday holiday...); the limit only
/// keeps the loops bounded at the ends of jiff's date range.
const MAX_SCAN_DAYS: usize = 31;

/// Cutoff windows: wall-clock times in America/New_York, on banking days only.
///
/// Holds a sorted, deduplicated, non-empty list of times. A window is one of these times on one
/// banking day; its instant follows New York's UTC offset on that day, so the 10:00 window is
/// 15:00Z in winter (EST) and 14:00Z in summer (EDT).
///
/// Daylight-saving transitions in New York happen at 02:00 on Sundays, which are never banking
/// days, so every window time exists exactly once on every banking day. (Were a time ever to
/// fall in a gap or fold, jiff's "compatible" rule would apply: the later offset for a gap, the
/// earlier instant for a fold.)
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CutoffSchedule {
    times: Vec<Time>,
}

/// One cutoff window: a configured time on a particular banking day.
///
/// Ordered by instant first (then date and index, which agree with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    /// The instant of the window.
    pub at: Timestamp,
    /// The banking day in New York the window belongs to.
    pub date: Date,
    /// Which window of the day, 0-based, i.e. the index into [`CutoffSchedule::times`].
    pub index: usize,
}

impl Window {
    /// The window's instant in America/New_York, for display or logging.
    pub fn in_new_york(&self) -> Zoned {
        self.at.to_zoned(new_york_tz())
    }
}

impl CutoffSchedule {
    /// A schedule with the given New York wall-clock times, sorted and deduplicated.
    ///
    /// Fails with [`CalendarError::EmptySchedule`] if `times` is empty.
    pub fn new(mut times: Vec<Time>) -> Result<Self, CalendarError> {
        if times.is_empty() {
            return Err(CalendarError::EmptySchedule);
        }
        times.sort_unstable();
        times.dedup();
        Ok(CutoffSchedule { times })
    }

    /// 10:00, 14:15 and 16:15 New York time: half an hour before each of the Fed's Same Day
    /// ACH deadlines (10:30, 14:45, 16:45).
    pub fn default_windows() -> Self {
        CutoffSchedule {
            times: DEFAULT_WINDOWS.to_vec(),
        }
    }

    /// Parses a comma-separated list of 24-hour `HH:MM` times, e.g. `"10:00,14:15,16:15"`.
    ///
    /// Whitespace around items is ignored, the hour may have one digit (`9:30`), and `HH:MM:SS`
    /// is accepted too (that is how [`Display`](fmt::Display) writes times with seconds). The
    /// order of items does not matter and duplicates are merged. Errors name the offending item
    /// and its 1-based position.
    pub fn parse(spec: &str) -> Result<Self, CalendarError> {
        if spec.trim().is_empty() {
            return Err(CalendarError::EmptySchedule);
        }
        let mut times = Vec::new();
        for (i, raw) in spec.split(',').enumerate() {
            let item = raw.trim();
            let time = parse_time(item).map_err(|reason| CalendarError::InvalidTime {
                position: i + 1,
                item: item.to_string(),
                reason,
            })?;
            times.push(time);
        }
        CutoffSchedule::new(times)
    }

    /// The window times, sorted ascending and without duplicates.
    pub fn times(&self) -> &[Time] {
        &self.times
    }

    /// The first window strictly after `now`.
    ///
    /// A request at 16:14:59 New York time on a banking day gets that day's 16:15 window; at
    /// 16:15:00 exactly it gets the next banking day's first window. On a weekend or holiday it
    /// gets the next banking day's first window.
    ///
    /// Only for instants in the last days of year 9999, where no later banking day exists in
    /// jiff's range, this saturates to a window at [`Timestamp::MAX`] on [`Date::MAX`]; use
    /// [`checked_next_window`](Self::checked_next_window) to detect that.
    pub fn next_window(&self, now: Timestamp) -> Window {
        self.checked_next_window(now).unwrap_or(Window {
            at: Timestamp::MAX,
            date: Date::MAX,
            index: 0,
        })
    }

    /// The first window strictly after `now`, or `None` past the end of jiff's date range.
    pub fn checked_next_window(&self, now: Timestamp) -> Option<Window> {
        let tz = new_york_ref();
        let today = tz.to_datetime(now).date();
        // Start a day early: harmless (yesterday's windows are all before `now`) and robust to
        // any time zone whose offsets could shift a window across midnight.
        let mut day = today.yesterday().unwrap_or(today);
        for _ in 0..MAX_SCAN_DAYS {
            let found = self
                .day_windows(tz, day)
                .filter(|window| window.at > now)
                .min();
            if found.is_some() {
                return found;
            }
            day = day.tomorrow().ok()?;
        }
        None
    }

    /// The most recent window at or before `now`: at 16:15:00 New York time on a banking day
    /// that is the 16:15 window itself, on a Saturday it is Friday's last window.
    ///
    /// `None` only when no banking day precedes `now` within jiff's date range.
    pub fn latest_window_at_or_before(&self, now: Timestamp) -> Option<Window> {
        let tz = new_york_ref();
        let today = tz.to_datetime(now).date();
        let mut day = today.tomorrow().unwrap_or(today);
        for _ in 0..MAX_SCAN_DAYS {
            let found = self
                .day_windows(tz, day)
                .filter(|window| window.at <= now)
                .max();
            if found.is_some() {
                return found;
            }
            day = day.yesterday().ok()?;
        }
        None
    }

    /// All windows strictly after `after`, in order, as an iterator (bounded only by the end of
    /// jiff's date range, so pair it with `take` or `take_while`).
    pub fn windows_after(&self, after: Timestamp) -> WindowsAfter<'_> {
        WindowsAfter {
            schedule: self,
            cursor: Some(after),
        }
    }

    /// The windows `w` with `after < w.at <= until`, in order: the windows that became due
    /// since a scheduler last looked at `after`, as of `until`.
    pub fn windows_between(&self, after: Timestamp, until: Timestamp) -> Vec<Window> {
        self.windows_after(after)
            .take_while(|window| window.at <= until)
            .collect()
    }

    /// The windows on `date` in order; empty if `date` is not a banking day.
    pub fn windows_on(&self, date: Date) -> Vec<Window> {
        let mut windows: Vec<Window> = self.day_windows(new_york_ref(), date).collect();
        windows.sort();
        windows
    }

    /// The windows of `date` (unsorted), none if it is not a banking day.
    fn day_windows<'a>(
        &'a self,
        tz: &'a TimeZone,
        date: Date,
    ) -> impl Iterator<Item = Window> + 'a {
        let open = is_banking_day(date);
        self.times
            .iter()
            .enumerate()
            .filter(move |_| open)
            .filter_map(move |(index, time)| {
                let at = tz.to_timestamp(date.to_datetime(*time)).ok()?;
                Some(Window { at, date, index })
            })
    }
}

impl Default for CutoffSchedule {
    fn default() -> Self {
        CutoffSchedule::default_windows()
    }
}

impl FromStr for CutoffSchedule {
    type Err = CalendarError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        CutoffSchedule::parse(spec)
    }
}

/// Writes the schedule in the form [`CutoffSchedule::parse`] reads: `10:00,14:15,16:15`
/// (seconds only when non-zero; fractional seconds, which `parse` does not accept, are written
/// after a dot).
impl fmt::Display for CutoffSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, time) in self.times.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{:02}:{:02}", time.hour(), time.minute())?;
            if time.second() != 0 || time.subsec_nanosecond() != 0 {
                write!(f, ":{:02}", time.second())?;
            }
            if time.subsec_nanosecond() != 0 {
                write!(f, ".{:09}", time.subsec_nanosecond())?;
            }
        }
        Ok(())
    }
}

/// Iterator over the windows after an instant; see [`CutoffSchedule::windows_after`].
#[derive(Debug, Clone)]
pub struct WindowsAfter<'a> {
    schedule: &'a CutoffSchedule,
    cursor: Option<Timestamp>,
}

impl Iterator for WindowsAfter<'_> {
    type Item = Window;

    fn next(&mut self) -> Option<Window> {
        let window = self.schedule.checked_next_window(self.cursor?);
        self.cursor = window.map(|window| window.at);
        window
    }
}

/// Parses one `H:MM`, `HH:MM` or `HH:MM:SS` item; the error is the reason shown to the user.
fn parse_time(item: &str) -> Result<Time, String> {
    if item.is_empty() {
        return Err("empty item (stray comma?)".to_string());
    }
    let parts: Vec<&str> = item.split(':').collect();
    let (hour, minute, second) = match parts.as_slice() {
        [hour, minute] => (*hour, *minute, None),
        [hour, minute, second] => (*hour, *minute, Some(*second)),
        _ => return Err("not of the form HH:MM".to_string()),
    };
    let hour = number(hour, 1..=2, "hour")?;
    let minute = number(minute, 2..=2, "minute")?;
    let second = match second {
        Some(second) => number(second, 2..=2, "second")?,
        None => 0,
    };
    if hour > 23 {
        return Err(format!("hour {hour} is out of range 00-23"));
    }
    if minute > 59 {
        return Err(format!("minute {minute} is out of range 00-59"));
    }
    if second > 59 {
        return Err(format!("second {second} is out of range 00-59"));
    }
    Time::new(hour, minute, second, 0).map_err(|error| error.to_string())
}

/// Parses an all-ASCII-digit field of the given length range.
fn number(field: &str, digits: std::ops::RangeInclusive<usize>, what: &str) -> Result<i8, String> {
    let well_formed =
        digits.contains(&field.len()) && field.bytes().all(|byte| byte.is_ascii_digit());
    if !well_formed {
        let want = if *digits.start() == *digits.end() {
            format!("{} digits", digits.start())
        } else {
            format!("{}-{} digits", digits.start(), digits.end())
        };
        return Err(format!("{what} {field:?} is not {want}"));
    }
    field
        .parse::<i8>()
        .map_err(|error| format!("{what} {field:?}: {error}"))
}
