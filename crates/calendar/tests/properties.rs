//! Property-style checks of window selection over many instants (a plain loop, no extra
//! crates): every answer is checked against a brute-force enumeration built independently with
//! jiff's `Zoned` API.

use jiff::civil::{Date, Weekday};
use jiff::{SignedDuration, Timestamp, ToSpan};
use pennydrop_calendar::{is_banking_day, CutoffSchedule, Window, NEW_YORK};

/// All windows on banking days from `first` to `last` inclusive, computed the slow way.
fn brute_force(schedule: &CutoffSchedule, first: Date, last: Date) -> Vec<Timestamp> {
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        if is_banking_day(day) {
            for t in schedule.times() {
                let zoned = day.to_datetime(*t).in_tz(NEW_YORK).unwrap();
                out.push(zoned.timestamp());
            }
        }
        day = day.tomorrow().unwrap();
    }
    out.sort();
    out
}

fn ny_date(at: Timestamp) -> Date {
    at.in_tz(NEW_YORK).unwrap().date()
}

fn check(schedule: &CutoffSchedule, now: Timestamp) {
    let next: Window = schedule.next_window(now);
    assert!(next.at > now, "{now}: {next:?} is not after now");
    assert!(
        is_banking_day(next.date),
        "{now}: {next:?} not on a banking day"
    );
    let local = next.at.in_tz(NEW_YORK).unwrap();
    assert_eq!(
        local.date(),
        next.date,
        "{now}: {next:?} date is not the NY date"
    );
    assert_eq!(
        local.time(),
        schedule.times()[next.index],
        "{now}: {next:?} is not at its configured wall-clock time"
    );

    // No configured window strictly between now and the answer, and the answer is one.
    let first = ny_date(now).yesterday().unwrap();
    let all = brute_force(schedule, first, next.date);
    assert!(all.contains(&next.at), "{now}: {next:?} is not a window");
    let skipped: Vec<&Timestamp> = all.iter().filter(|&&at| now < at && at < next.at).collect();
    assert!(skipped.is_empty(), "{now}: {next:?} skips {skipped:?}");

    // The latest window at or before now is the window just before the answer.
    let latest = schedule
        .latest_window_at_or_before(now)
        .unwrap_or_else(|| panic!("{now}: no latest window"));
    assert!(latest.at <= now, "{now}: latest {latest:?} is after now");
    assert!(is_banking_day(latest.date));
    assert_eq!(
        schedule.next_window(latest.at),
        next,
        "{now}: latest {latest:?}"
    );
    let between = brute_force(schedule, ny_date(latest.at), ny_date(now));
    assert!(
        between.iter().all(|&at| at <= latest.at || at > now),
        "{now}: a window lies between latest {latest:?} and now"
    );
}

fn schedules() -> Vec<CutoffSchedule> {
    vec![
        CutoffSchedule::default_windows(),
        // Times around midnight and the 01:00–03:00 DST hours.
        CutoffSchedule::parse("00:00,01:30,02:30,03:00,12:00,23:59:59").unwrap(),
        CutoffSchedule::parse("16:15").unwrap(),
    ]
}

#[test]
fn next_window_over_seven_years_of_instants() {
    let start: Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
    let end: Timestamp = "2031-01-01T00:00:00Z".parse().unwrap();
    // An irregular step so the instants drift through every time of day and day of week.
    let step = SignedDuration::new(2 * 3600 + 17 * 60 + 13, 123_456_789);
    for schedule in schedules() {
        let mut now = start;
        let mut checked = 0;
        while now < end {
            check(&schedule, now);
            now = now.checked_add(step).unwrap();
            checked += 1;
        }
        assert!(checked > 25_000);
    }
}

#[test]
fn next_window_at_and_around_every_window() {
    let schedule = CutoffSchedule::default_windows();
    let start: Timestamp = "2025-12-15T00:00:00Z".parse().unwrap();
    let end: Timestamp = "2028-01-15T00:00:00Z".parse().unwrap();
    let tick = SignedDuration::from_nanos(1);
    let second = SignedDuration::from_secs(1);
    let mut count = 0;
    for w in schedule.windows_after(start).take_while(|w| w.at < end) {
        for now in [w.at - second, w.at - tick, w.at, w.at + tick, w.at + second] {
            check(&schedule, now);
        }
        // Just before a window, it is the answer; at it, the answer is a later one.
        assert_eq!(schedule.next_window(w.at - tick), w);
        assert!(schedule.next_window(w.at).at > w.at);
        assert_eq!(schedule.latest_window_at_or_before(w.at), Some(w));
        count += 1;
    }
    // Roughly 3 windows × ~250 banking days × 2 years.
    assert!(count > 1_400, "{count}");
}

#[test]
fn every_dst_transition_2024_to_2030() {
    let schedules = schedules();
    for year in 2024..=2030 {
        // New York changes at 02:00 local on the 2nd Sunday of March and the 1st of November.
        for (month, nth) in [(3, 2), (11, 1)] {
            let sunday = Date::new(year, month, 1)
                .unwrap()
                .nth_weekday_of_month(nth, Weekday::Sunday)
                .unwrap();
            let friday = sunday - 2.days();
            let around = friday.at(12, 0, 0, 0).in_tz(NEW_YORK).unwrap().timestamp();
            for schedule in &schedules {
                let mut now = around;
                // Friday noon to Tuesday noon, every 10 minutes.
                for _ in 0..(4 * 24 * 6) {
                    check(schedule, now);
                    now = now.checked_add(SignedDuration::from_mins(10)).unwrap();
                }
            }
        }
    }
}
