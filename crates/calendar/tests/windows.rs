//! Cutoff window selection, including daylight-saving transitions.

use jiff::civil::{date, time, Date, Time};
use jiff::{SignedDuration, Timestamp};
use pennydrop_calendar::{CalendarError, CutoffSchedule, Window, NEW_YORK};

fn ts(s: &str) -> Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("bad timestamp {s:?}: {e}"))
}

/// The instant of a New York wall-clock time.
fn ny(day: Date, h: i8, m: i8, s: i8) -> Timestamp {
    day.at(h, m, s, 0).in_tz(NEW_YORK).unwrap().timestamp()
}

fn window(at: &str, date: Date, index: usize) -> Window {
    Window {
        at: ts(at),
        date,
        index,
    }
}

fn default() -> CutoffSchedule {
    CutoffSchedule::default_windows()
}

#[test]
fn default_windows_are_10_00_14_15_16_15() {
    assert_eq!(
        default().times(),
        &[time(10, 0, 0, 0), time(14, 15, 0, 0), time(16, 15, 0, 0)]
    );
    assert_eq!(CutoffSchedule::default(), default());
    assert_eq!(default().to_string(), "10:00,14:15,16:15");
}

#[test]
fn before_at_and_after_each_default_window() {
    // Wednesday 2026-03-11, EDT (UTC-4).
    let day = date(2026, 3, 11);
    let s = default();
    let first = window("2026-03-11T14:00:00Z", day, 0);
    let second = window("2026-03-11T18:15:00Z", day, 1);
    let third = window("2026-03-11T20:15:00Z", day, 2);
    let next_day_first = window("2026-03-12T14:00:00Z", date(2026, 3, 12), 0);

    assert_eq!(s.next_window(ny(day, 0, 0, 0)), first);
    assert_eq!(s.next_window(ny(day, 9, 59, 59)), first);
    assert_eq!(
        s.next_window(first.at - SignedDuration::from_nanos(1)),
        first
    );
    assert_eq!(s.next_window(ny(day, 10, 0, 0)), second);
    assert_eq!(s.next_window(ny(day, 10, 0, 1)), second);
    assert_eq!(s.next_window(ny(day, 14, 14, 59)), second);
    assert_eq!(s.next_window(ny(day, 14, 15, 0)), third);
    assert_eq!(s.next_window(ny(day, 16, 14, 59)), third);
    assert_eq!(s.next_window(ny(day, 16, 15, 0)), next_day_first);
    assert_eq!(s.next_window(ny(day, 16, 15, 1)), next_day_first);
    assert_eq!(s.next_window(ny(day, 23, 59, 59)), next_day_first);

    assert_eq!(s.latest_window_at_or_before(ny(day, 10, 0, 0)), Some(first));
    assert_eq!(
        s.latest_window_at_or_before(ny(day, 14, 14, 59)),
        Some(first)
    );
    assert_eq!(
        s.latest_window_at_or_before(ny(day, 14, 15, 0)),
        Some(second)
    );
    assert_eq!(
        s.latest_window_at_or_before(ny(day, 16, 14, 59)),
        Some(second)
    );
    assert_eq!(
        s.latest_window_at_or_before(ny(day, 16, 15, 0)),
        Some(third)
    );
    assert_eq!(s.latest_window_at_or_before(ny(day, 23, 0, 0)), Some(third));
    // Before the day's first window: the previous banking day's last one.
    assert_eq!(
        s.latest_window_at_or_before(ny(day, 9, 59, 59)),
        Some(window("2026-03-10T20:15:00Z", date(2026, 3, 10), 2))
    );
}

#[test]
fn friday_after_last_window_goes_to_monday() {
    let s = default();
    // Friday 2026-03-06 16:15 EST → Monday 2026-03-09 10:00 EDT.
    assert_eq!(
        s.next_window(ts("2026-03-06T21:15:00Z")),
        window("2026-03-09T14:00:00Z", date(2026, 3, 9), 0)
    );
    // Friday 2026-05-22 17:00 EDT, Memorial Day Monday → Tuesday 2026-05-26.
    assert_eq!(
        s.next_window(ts("2026-05-22T21:00:00Z")),
        window("2026-05-26T14:00:00Z", date(2026, 5, 26), 0)
    );
    // Friday 2027-07-02 after the last window; Monday 2027-07-05 is closed.
    assert_eq!(
        s.next_window(ts("2027-07-02T20:15:00Z")),
        window("2027-07-06T14:00:00Z", date(2027, 7, 6), 0)
    );
}

#[test]
fn weekends_and_holidays_get_the_next_banking_days_first_window() {
    let s = default();
    // Saturday and Sunday.
    let monday = window("2026-03-09T14:00:00Z", date(2026, 3, 9), 0);
    assert_eq!(s.next_window(ts("2026-03-07T15:00:00Z")), monday);
    assert_eq!(s.next_window(ts("2026-03-08T12:00:00Z")), monday);
    // Thanksgiving 2026-11-26, before, during and after "its" windows → Friday 10:00 EST.
    let friday = window("2026-11-27T15:00:00Z", date(2026, 11, 27), 0);
    assert_eq!(s.next_window(ts("2026-11-26T05:00:00Z")), friday);
    assert_eq!(s.next_window(ts("2026-11-26T15:00:00Z")), friday);
    assert_eq!(s.next_window(ts("2026-11-26T23:00:00Z")), friday);
    // Wednesday before Thanksgiving, after the last window → Friday.
    assert_eq!(s.next_window(ts("2026-11-25T21:30:00Z")), friday);
    // Monday 2027-07-05 (observed Independence Day) → Tuesday.
    assert_eq!(
        s.next_window(ts("2027-07-05T13:00:00Z")),
        window("2027-07-06T14:00:00Z", date(2027, 7, 6), 0)
    );
    // Friday 2026-07-03 is open although July 4 is a Saturday.
    assert_eq!(
        s.next_window(ts("2026-07-03T12:00:00Z")),
        window("2026-07-03T14:00:00Z", date(2026, 7, 3), 0)
    );
    // Christmas Eve 2027 and New Year's Eve 2027 (Fridays) are open.
    assert_eq!(
        s.next_window(ts("2027-12-24T12:00:00Z")),
        window("2027-12-24T15:00:00Z", date(2027, 12, 24), 0)
    );
    assert_eq!(
        s.next_window(ts("2027-12-31T21:16:00Z")),
        window("2028-01-03T15:00:00Z", date(2028, 1, 3), 0)
    );
    // Latest window on a weekend or holiday is the previous banking day's last one.
    assert_eq!(
        s.latest_window_at_or_before(ts("2026-11-26T18:00:00Z")),
        Some(window("2026-11-25T21:15:00Z", date(2026, 11, 25), 2))
    );
    assert_eq!(
        s.latest_window_at_or_before(ts("2027-07-06T13:59:59Z")),
        Some(window("2027-07-02T20:15:00Z", date(2027, 7, 2), 2))
    );
}

#[test]
fn spring_forward_2026_03_08() {
    let s = default();
    // Friday 2026-03-06 is EST (UTC-5), Monday 2026-03-09 is EDT (UTC-4).
    assert_eq!(
        s.windows_on(date(2026, 3, 6)),
        vec![
            window("2026-03-06T15:00:00Z", date(2026, 3, 6), 0),
            window("2026-03-06T19:15:00Z", date(2026, 3, 6), 1),
            window("2026-03-06T21:15:00Z", date(2026, 3, 6), 2),
        ]
    );
    assert_eq!(
        s.windows_on(date(2026, 3, 9)),
        vec![
            window("2026-03-09T14:00:00Z", date(2026, 3, 9), 0),
            window("2026-03-09T18:15:00Z", date(2026, 3, 9), 1),
            window("2026-03-09T20:15:00Z", date(2026, 3, 9), 2),
        ]
    );
    assert!(s.windows_on(date(2026, 3, 8)).is_empty());
    // 14:30Z on Monday is 10:30 EDT (after the first window), though it would be 09:30 EST.
    assert_eq!(
        s.next_window(ts("2026-03-09T14:30:00Z")),
        window("2026-03-09T18:15:00Z", date(2026, 3, 9), 1)
    );
    // During and right after the skipped hour (02:00–03:00 local on Sunday).
    let monday = window("2026-03-09T14:00:00Z", date(2026, 3, 9), 0);
    assert_eq!(s.next_window(ts("2026-03-08T06:59:59Z")), monday);
    assert_eq!(s.next_window(ts("2026-03-08T07:00:00Z")), monday);
    assert_eq!(
        s.latest_window_at_or_before(ts("2026-03-09T13:59:59Z")),
        Some(window("2026-03-06T21:15:00Z", date(2026, 3, 6), 2))
    );
}

#[test]
fn fall_back_2026_11_01() {
    let s = default();
    // Friday 2026-10-30 is EDT, Monday 2026-11-02 is EST.
    assert_eq!(
        s.next_window(ts("2026-10-30T20:14:59Z")),
        window("2026-10-30T20:15:00Z", date(2026, 10, 30), 2)
    );
    let monday = window("2026-11-02T15:00:00Z", date(2026, 11, 2), 0);
    assert_eq!(s.next_window(ts("2026-10-30T20:15:00Z")), monday);
    // Sunday 01:30 happens twice: 05:30Z (EDT) and 06:30Z (EST, the repeated hour).
    assert_eq!(s.next_window(ts("2026-11-01T05:30:00Z")), monday);
    assert_eq!(s.next_window(ts("2026-11-01T06:30:00Z")), monday);
    // 14:30Z on Monday is 09:30 EST: still before the first window.
    assert_eq!(s.next_window(ts("2026-11-02T14:30:00Z")), monday);
    assert_eq!(
        s.windows_on(date(2026, 11, 2)),
        vec![
            monday,
            window("2026-11-02T19:15:00Z", date(2026, 11, 2), 1),
            window("2026-11-02T21:15:00Z", date(2026, 11, 2), 2),
        ]
    );
}

#[test]
fn window_in_new_york() {
    let w = default().next_window(ts("2026-11-01T06:30:00Z"));
    let zoned = w.in_new_york();
    assert_eq!(zoned.time_zone().iana_name(), Some(NEW_YORK));
    assert_eq!(zoned.datetime(), date(2026, 11, 2).at(10, 0, 0, 0));
}

#[test]
fn windows_between_lists_due_windows() {
    let s = default();
    // From Friday 2026-07-03 12:00 EDT to Monday 2026-07-06 14:15 EDT.
    let due = s.windows_between(ts("2026-07-03T16:00:00Z"), ts("2026-07-06T18:15:00Z"));
    assert_eq!(
        due,
        vec![
            window("2026-07-03T18:15:00Z", date(2026, 7, 3), 1),
            window("2026-07-03T20:15:00Z", date(2026, 7, 3), 2),
            window("2026-07-06T14:00:00Z", date(2026, 7, 6), 0),
            window("2026-07-06T18:15:00Z", date(2026, 7, 6), 1),
        ]
    );
    assert!(s
        .windows_between(ts("2026-07-03T20:15:00Z"), ts("2026-07-06T13:59:59Z"))
        .is_empty());
    // The iterator continues indefinitely; a week of windows is 5 banking days × 3.
    let week: Vec<Window> = s
        .windows_after(ts("2026-03-06T21:15:00Z"))
        .take_while(|w| w.date <= date(2026, 3, 13))
        .collect();
    assert_eq!(week.len(), 15);
    assert!(week.windows(2).all(|pair| pair[0].at < pair[1].at));
}

#[test]
fn custom_schedules() {
    let s = CutoffSchedule::parse(" 16:15 ,9:30,13:00,09:30").unwrap();
    assert_eq!(
        s.times(),
        &[time(9, 30, 0, 0), time(13, 0, 0, 0), time(16, 15, 0, 0)]
    );
    assert_eq!(s.to_string(), "09:30,13:00,16:15");
    assert_eq!(s.to_string().parse::<CutoffSchedule>().unwrap(), s);
    // Wednesday 2026-03-11 09:29 EDT → 09:30.
    assert_eq!(
        s.next_window(ts("2026-03-11T13:29:00Z")),
        window("2026-03-11T13:30:00Z", date(2026, 3, 11), 0)
    );
    assert_eq!(
        s.next_window(ts("2026-03-11T13:30:00Z")),
        window("2026-03-11T17:00:00Z", date(2026, 3, 11), 1)
    );

    // A single midnight window: Friday evening → Monday 00:00.
    let midnight = CutoffSchedule::parse("00:00").unwrap();
    assert_eq!(
        midnight.next_window(ts("2026-03-07T04:59:00Z")),
        window("2026-03-09T04:00:00Z", date(2026, 3, 9), 0)
    );
    // A late window: 23:59 on Friday 2026-10-30 (EDT) is 03:59Z on Saturday.
    let late = CutoffSchedule::parse("23:59").unwrap();
    assert_eq!(
        late.next_window(ts("2026-10-30T12:00:00Z")),
        window("2026-10-31T03:59:00Z", date(2026, 10, 30), 0)
    );
    assert_eq!(
        late.latest_window_at_or_before(ts("2026-11-01T12:00:00Z")),
        Some(window("2026-10-31T03:59:00Z", date(2026, 10, 30), 0))
    );

    // Seconds are accepted and kept.
    let precise = CutoffSchedule::parse("10:00:30").unwrap();
    assert_eq!(precise.times(), &[time(10, 0, 30, 0)]);
    assert_eq!(precise.to_string(), "10:00:30");

    let built = CutoffSchedule::new(vec![
        time(16, 15, 0, 0),
        time(10, 0, 0, 0),
        time(16, 15, 0, 0),
    ])
    .unwrap();
    assert_eq!(built.times(), &[time(10, 0, 0, 0), time(16, 15, 0, 0)]);
}

#[test]
fn new_rejects_an_empty_list() {
    assert_eq!(
        CutoffSchedule::new(Vec::<Time>::new()),
        Err(CalendarError::EmptySchedule)
    );
}

fn parse_error(spec: &str) -> (usize, String, String) {
    match CutoffSchedule::parse(spec) {
        Err(CalendarError::InvalidTime {
            position,
            item,
            reason,
        }) => (position, item, reason),
        other => panic!("{spec:?}: expected InvalidTime, got {other:?}"),
    }
}

#[test]
fn parse_errors_name_the_bad_item() {
    assert_eq!(CutoffSchedule::parse(""), Err(CalendarError::EmptySchedule));
    assert_eq!(
        CutoffSchedule::parse("  "),
        Err(CalendarError::EmptySchedule)
    );

    let cases: &[(&str, usize, &str, &str)] = &[
        ("10:00,14:15,4pm", 3, "4pm", "not of the form HH:MM"),
        ("10:00,", 2, "", "empty item"),
        (",10:00", 1, "", "empty item"),
        ("10:00,,14:15", 2, "", "empty item"),
        ("25:00", 1, "25:00", "hour 25 is out of range"),
        ("24:00", 1, "24:00", "hour 24 is out of range"),
        ("10:60", 1, "10:60", "minute 60 is out of range"),
        ("10:00:60", 1, "10:00:60", "second 60 is out of range"),
        ("10", 1, "10", "not of the form HH:MM"),
        ("1000", 1, "1000", "not of the form HH:MM"),
        ("10:0", 1, "10:0", "minute \"0\" is not 2 digits"),
        ("100:00", 1, "100:00", "hour \"100\" is not 1-2 digits"),
        ("ab:cd", 1, "ab:cd", "hour \"ab\" is not 1-2 digits"),
        ("-1:00", 1, "-1:00", "hour \"-1\" is not 1-2 digits"),
        ("+9:00", 1, "+9:00", "hour \"+9\" is not 1-2 digits"),
        ("10:00:00:00", 1, "10:00:00:00", "not of the form HH:MM"),
        (
            "10:00; 14:15",
            1,
            "10:00; 14:15",
            "minute \"00; 14\" is not 2 digits",
        ),
        (
            "9:30,16:15, 10 :00",
            3,
            "10 :00",
            "hour \"10 \" is not 1-2 digits",
        ),
    ];
    for (spec, position, item, reason) in cases {
        let (got_position, got_item, got_reason) = parse_error(spec);
        assert_eq!(got_position, *position, "{spec:?}");
        assert_eq!(got_item, *item, "{spec:?}");
        assert!(
            got_reason.contains(reason),
            "{spec:?}: reason {got_reason:?} lacks {reason:?}"
        );
    }

    let message = CutoffSchedule::parse("10:00,14:15,4pm")
        .unwrap_err()
        .to_string();
    assert!(message.contains("cutoff window 3"), "{message}");
    assert!(message.contains("\"4pm\""), "{message}");
    assert!(message.contains("HH:MM"), "{message}");
    let message = CutoffSchedule::parse("").unwrap_err().to_string();
    assert!(message.contains("at least one"), "{message}");
}

#[test]
fn saturation_at_the_end_of_time() {
    let s = default();
    assert_eq!(s.checked_next_window(Timestamp::MAX), None);
    assert_eq!(s.next_window(Timestamp::MAX).at, Timestamp::MAX);
    assert_eq!(s.latest_window_at_or_before(Timestamp::MIN), None);
    // Well inside the range everything works.
    let far = ts("9999-06-01T00:00:00Z");
    assert!(s.checked_next_window(far).is_some());
    assert!(s.latest_window_at_or_before(far).is_some());
    let later = far
        .checked_add(SignedDuration::from_hours(24 * 10))
        .unwrap();
    assert!(s.windows_between(far, later).len() >= 15);
}
