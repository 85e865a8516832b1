//! Federal Reserve holiday (closed) dates and banking days, checked against literal tables.

use jiff::civil::{date, Date, Weekday};
use pennydrop_calendar::{
    fed_holiday, fed_holidays, is_banking_day, is_fed_holiday, is_weekend, Holiday,
};

/// The Federal Reserve's closed dates, 2024–2030, as the Fed publishes them (a holiday on a
/// Sunday is closed the Monday after; one on a Saturday closes nothing). Each date's weekday is
/// written next to it and checked by `table_weekdays_are_as_annotated`.
/// One closed date: ISO date, its weekday, holiday name.
type Row = (&'static str, Weekday, &'static str);

const CLOSED: &[(i16, &[Row])] = &[
    (
        2024,
        &[
            ("2024-01-01", Weekday::Monday, "New Year's Day"),
            ("2024-01-15", Weekday::Monday, "Martin Luther King Jr. Day"),
            ("2024-02-19", Weekday::Monday, "Washington's Birthday"),
            ("2024-05-27", Weekday::Monday, "Memorial Day"),
            (
                "2024-06-19",
                Weekday::Wednesday,
                "Juneteenth National Independence Day",
            ),
            ("2024-07-04", Weekday::Thursday, "Independence Day"),
            ("2024-09-02", Weekday::Monday, "Labor Day"),
            ("2024-10-14", Weekday::Monday, "Columbus Day"),
            ("2024-11-11", Weekday::Monday, "Veterans Day"),
            ("2024-11-28", Weekday::Thursday, "Thanksgiving Day"),
            ("2024-12-25", Weekday::Wednesday, "Christmas Day"),
        ],
    ),
    (
        2025,
        &[
            ("2025-01-01", Weekday::Wednesday, "New Year's Day"),
            ("2025-01-20", Weekday::Monday, "Martin Luther King Jr. Day"),
            ("2025-02-17", Weekday::Monday, "Washington's Birthday"),
            ("2025-05-26", Weekday::Monday, "Memorial Day"),
            (
                "2025-06-19",
                Weekday::Thursday,
                "Juneteenth National Independence Day",
            ),
            ("2025-07-04", Weekday::Friday, "Independence Day"),
            ("2025-09-01", Weekday::Monday, "Labor Day"),
            ("2025-10-13", Weekday::Monday, "Columbus Day"),
            ("2025-11-11", Weekday::Tuesday, "Veterans Day"),
            ("2025-11-27", Weekday::Thursday, "Thanksgiving Day"),
            ("2025-12-25", Weekday::Thursday, "Christmas Day"),
        ],
    ),
    (
        2026,
        &[
            ("2026-01-01", Weekday::Thursday, "New Year's Day"),
            ("2026-01-19", Weekday::Monday, "Martin Luther King Jr. Day"),
            ("2026-02-16", Weekday::Monday, "Washington's Birthday"),
            ("2026-05-25", Weekday::Monday, "Memorial Day"),
            (
                "2026-06-19",
                Weekday::Friday,
                "Juneteenth National Independence Day",
            ),
            // Independence Day 2026-07-04 is a Saturday: no closure, Friday 07-03 is open.
            ("2026-09-07", Weekday::Monday, "Labor Day"),
            ("2026-10-12", Weekday::Monday, "Columbus Day"),
            ("2026-11-11", Weekday::Wednesday, "Veterans Day"),
            ("2026-11-26", Weekday::Thursday, "Thanksgiving Day"),
            ("2026-12-25", Weekday::Friday, "Christmas Day"),
        ],
    ),
    (
        2027,
        &[
            ("2027-01-01", Weekday::Friday, "New Year's Day"),
            ("2027-01-18", Weekday::Monday, "Martin Luther King Jr. Day"),
            ("2027-02-15", Weekday::Monday, "Washington's Birthday"),
            ("2027-05-31", Weekday::Monday, "Memorial Day"),
            // Juneteenth 2027-06-19 is a Saturday: no closure.
            // Independence Day 2027-07-04 is a Sunday: closed Monday.
            ("2027-07-05", Weekday::Monday, "Independence Day"),
            ("2027-09-06", Weekday::Monday, "Labor Day"),
            ("2027-10-11", Weekday::Monday, "Columbus Day"),
            ("2027-11-11", Weekday::Thursday, "Veterans Day"),
            ("2027-11-25", Weekday::Thursday, "Thanksgiving Day"),
            // Christmas 2027-12-25 is a Saturday: no closure, Friday 12-24 is open.
        ],
    ),
    (
        2028,
        &[
            // New Year's Day 2028-01-01 is a Saturday: no closure, Friday 2027-12-31 is open.
            ("2028-01-17", Weekday::Monday, "Martin Luther King Jr. Day"),
            ("2028-02-21", Weekday::Monday, "Washington's Birthday"),
            ("2028-05-29", Weekday::Monday, "Memorial Day"),
            (
                "2028-06-19",
                Weekday::Monday,
                "Juneteenth National Independence Day",
            ),
            ("2028-07-04", Weekday::Tuesday, "Independence Day"),
            ("2028-09-04", Weekday::Monday, "Labor Day"),
            ("2028-10-09", Weekday::Monday, "Columbus Day"),
            // Veterans Day 2028-11-11 is a Saturday: no closure, Friday 11-10 is open.
            ("2028-11-23", Weekday::Thursday, "Thanksgiving Day"),
            ("2028-12-25", Weekday::Monday, "Christmas Day"),
        ],
    ),
    (
        2029,
        &[
            ("2029-01-01", Weekday::Monday, "New Year's Day"),
            ("2029-01-15", Weekday::Monday, "Martin Luther King Jr. Day"),
            ("2029-02-19", Weekday::Monday, "Washington's Birthday"),
            ("2029-05-28", Weekday::Monday, "Memorial Day"),
            (
                "2029-06-19",
                Weekday::Tuesday,
                "Juneteenth National Independence Day",
            ),
            ("2029-07-04", Weekday::Wednesday, "Independence Day"),
            ("2029-09-03", Weekday::Monday, "Labor Day"),
            ("2029-10-08", Weekday::Monday, "Columbus Day"),
            // Veterans Day 2029-11-11 is a Sunday: closed Monday.
            ("2029-11-12", Weekday::Monday, "Veterans Day"),
            ("2029-11-22", Weekday::Thursday, "Thanksgiving Day"),
            ("2029-12-25", Weekday::Tuesday, "Christmas Day"),
        ],
    ),
    (
        2030,
        &[
            ("2030-01-01", Weekday::Tuesday, "New Year's Day"),
            ("2030-01-21", Weekday::Monday, "Martin Luther King Jr. Day"),
            ("2030-02-18", Weekday::Monday, "Washington's Birthday"),
            ("2030-05-27", Weekday::Monday, "Memorial Day"),
            (
                "2030-06-19",
                Weekday::Wednesday,
                "Juneteenth National Independence Day",
            ),
            ("2030-07-04", Weekday::Thursday, "Independence Day"),
            ("2030-09-02", Weekday::Monday, "Labor Day"),
            ("2030-10-14", Weekday::Monday, "Columbus Day"),
            ("2030-11-11", Weekday::Monday, "Veterans Day"),
            ("2030-11-28", Weekday::Thursday, "Thanksgiving Day"),
            ("2030-12-25", Weekday::Wednesday, "Christmas Day"),
        ],
    ),
];

fn d(s: &str) -> Date {
    s.parse().unwrap_or_else(|e| panic!("bad date {s:?}: {e}"))
}

fn table(year: i16) -> Vec<Holiday> {
    let (_, rows) = CLOSED
        .iter()
        .find(|(y, _)| *y == year)
        .unwrap_or_else(|| panic!("no table for {year}"));
    rows.iter()
        .map(|(date, _, name)| Holiday {
            date: d(date),
            name,
        })
        .collect()
}

#[test]
fn table_weekdays_are_as_annotated() {
    for (year, rows) in CLOSED {
        for (date, weekday, name) in *rows {
            let date = d(date);
            assert_eq!(date.year(), *year, "{name} {date} is filed under {year}");
            assert_eq!(date.weekday(), *weekday, "{name} {date}");
            assert!(!is_weekend(date), "a closure is never on a weekend: {date}");
        }
    }
}

#[test]
fn fed_holidays_match_published_dates_2024_to_2030() {
    for year in 2024..=2030 {
        assert_eq!(fed_holidays(year), table(year), "year {year}");
    }
}

#[test]
fn every_day_2024_to_2030_agrees_with_the_table() {
    let all: Vec<Holiday> = (2024..=2030).flat_map(table).collect();
    let mut day = date(2024, 1, 1);
    while day <= date(2030, 12, 31) {
        let expected = all.iter().find(|h| h.date == day).copied();
        assert_eq!(fed_holiday(day), expected, "{day}");
        assert_eq!(is_fed_holiday(day), expected.is_some(), "{day}");
        let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
        assert_eq!(is_weekend(day), weekend, "{day}");
        assert_eq!(is_banking_day(day), !weekend && expected.is_none(), "{day}");
        day = day.tomorrow().unwrap();
    }
}

#[test]
fn saturday_holidays_leave_friday_open() {
    // Independence Day 2026 is a Saturday.
    assert_eq!(date(2026, 7, 4).weekday(), Weekday::Saturday);
    assert!(is_banking_day(date(2026, 7, 3)));
    assert!(!is_fed_holiday(date(2026, 7, 3)));
    assert!(
        !is_fed_holiday(date(2026, 7, 4)),
        "a weekend day is not a closure"
    );
    assert!(is_banking_day(date(2026, 7, 6)));
    // Christmas 2027 and New Year's Day 2028 are Saturdays.
    assert_eq!(date(2027, 12, 25).weekday(), Weekday::Saturday);
    assert_eq!(date(2028, 1, 1).weekday(), Weekday::Saturday);
    assert!(is_banking_day(date(2027, 12, 24)));
    assert!(is_banking_day(date(2027, 12, 31)));
    assert!(is_banking_day(date(2027, 12, 27)));
    assert!(is_banking_day(date(2028, 1, 3)));
    // Juneteenth 2027 is a Saturday: the whole week around it is open.
    assert_eq!(date(2027, 6, 19).weekday(), Weekday::Saturday);
    for day in [14, 15, 16, 17, 18, 21] {
        assert!(is_banking_day(date(2027, 6, day)), "2027-06-{day}");
    }
    // Veterans Day 2028 is a Saturday.
    assert!(is_banking_day(date(2028, 11, 10)));
    assert!(is_banking_day(date(2028, 11, 13)));
}

#[test]
fn sunday_holidays_close_monday() {
    assert_eq!(date(2027, 7, 4).weekday(), Weekday::Sunday);
    assert!(!is_banking_day(date(2027, 7, 5)));
    assert_eq!(
        fed_holiday(date(2027, 7, 5)).map(|h| h.name),
        Some("Independence Day")
    );
    assert!(is_banking_day(date(2027, 7, 2)));
    assert!(is_banking_day(date(2027, 7, 6)));
    // Veterans Day 2029 is a Sunday.
    assert!(!is_banking_day(date(2029, 11, 12)));
    // Juneteenth 2022 was a Sunday: closed Monday 2022-06-20.
    assert!(!is_banking_day(date(2022, 6, 20)));
    // New Year's Day 2023 and Christmas 2022 were Sundays.
    assert!(!is_banking_day(date(2023, 1, 2)));
    assert!(!is_banking_day(date(2022, 12, 26)));
    assert!(is_banking_day(date(2022, 12, 23)));
    assert!(is_banking_day(date(2022, 12, 30)));
}

#[test]
fn specific_monday_closures() {
    assert_eq!(date(2028, 12, 25).weekday(), Weekday::Monday);
    assert!(!is_banking_day(date(2028, 12, 25)));
    assert_eq!(date(2030, 11, 11).weekday(), Weekday::Monday);
    assert!(!is_banking_day(date(2030, 11, 11)));
    assert_eq!(date(2028, 6, 19).weekday(), Weekday::Monday);
    assert!(!is_banking_day(date(2028, 6, 19)));
    assert_eq!(
        fed_holiday(date(2028, 6, 19)).map(|h| h.name),
        Some("Juneteenth National Independence Day")
    );
}

#[test]
fn juneteenth_starts_in_2021_and_mlk_day_in_1986() {
    assert!(
        is_banking_day(date(2020, 6, 19)),
        "Friday, before Juneteenth existed"
    );
    assert!(fed_holidays(2020)
        .iter()
        .all(|h| h.name != "Juneteenth National Independence Day"));
    // 2021-06-19 was a Saturday, so the first Juneteenth closes nothing.
    assert!(is_banking_day(date(2021, 6, 18)));
    // 2021 also had Christmas and New Year's Day 2022 on Saturdays: Fridays 12-24 and 12-31
    // were open, leaving nine closures.
    assert!(is_banking_day(date(2021, 12, 24)));
    assert!(is_banking_day(date(2021, 12, 31)));
    assert_eq!(fed_holidays(2021).len(), 9);
    assert!(
        is_banking_day(date(1985, 1, 21)),
        "third Monday of January 1985"
    );
    assert!(!is_banking_day(date(1986, 1, 20)));
}

#[test]
fn holiday_lists_are_sorted_in_year_and_never_on_weekends() {
    for year in 1900..=2200 {
        let list = fed_holidays(year);
        assert!(list.windows(2).all(|w| w[0].date < w[1].date), "{year}");
        for holiday in &list {
            assert_eq!(holiday.date.year(), year, "{holiday:?}");
            assert!(!is_weekend(holiday.date), "{holiday:?}");
            assert_eq!(fed_holiday(holiday.date), Some(*holiday));
        }
        // Eleven holidays (nine before 1986/2021), less those falling on a Saturday.
        assert!((7..=11).contains(&list.len()), "{year}: {list:?}");
    }
}

#[test]
fn years_out_of_range_are_empty() {
    assert!(fed_holidays(i16::MAX).is_empty());
    assert!(fed_holidays(i16::MIN).is_empty());
    assert!(!fed_holidays(9999).is_empty());
}
