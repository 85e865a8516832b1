//! Banking-day arithmetic across weekends and holidays.

use jiff::civil::{date, Date};
use pennydrop_calendar::{
    add_banking_days, banking_day_on_or_after, banking_day_on_or_before, checked_add_banking_days,
    checked_next_banking_day, checked_previous_banking_day, is_banking_day, next_banking_day,
    previous_banking_day,
};

#[test]
fn next_banking_day_skips_thanksgiving() {
    // Wednesday 2026-11-25; Thanksgiving is Thursday 11-26; Friday is open.
    assert_eq!(next_banking_day(date(2026, 11, 25)), date(2026, 11, 27));
    assert_eq!(next_banking_day(date(2026, 11, 26)), date(2026, 11, 27));
    assert_eq!(next_banking_day(date(2026, 11, 27)), date(2026, 11, 30));
}

#[test]
fn next_banking_day_is_strictly_after() {
    assert_eq!(next_banking_day(date(2026, 3, 9)), date(2026, 3, 10));
    // Friday → Monday.
    assert_eq!(next_banking_day(date(2026, 3, 6)), date(2026, 3, 9));
    // Saturday and Sunday → Monday.
    assert_eq!(next_banking_day(date(2026, 3, 7)), date(2026, 3, 9));
    assert_eq!(next_banking_day(date(2026, 3, 8)), date(2026, 3, 9));
}

#[test]
fn next_banking_day_over_long_weekends() {
    // Friday before Memorial Day 2026 (Monday 05-25) → Tuesday.
    assert_eq!(next_banking_day(date(2026, 5, 22)), date(2026, 5, 26));
    // Friday 2027-07-02 → Tuesday 2027-07-06 (July 4 on Sunday closes Monday).
    assert_eq!(next_banking_day(date(2027, 7, 2)), date(2027, 7, 6));
    // Thursday 2026-07-02 → Friday 2026-07-03 (July 4 on Saturday closes nothing).
    assert_eq!(next_banking_day(date(2026, 7, 2)), date(2026, 7, 3));
    assert_eq!(next_banking_day(date(2026, 7, 3)), date(2026, 7, 6));
    // Christmas 2026 is a Friday: Thursday 12-24 → Monday 12-28.
    assert_eq!(next_banking_day(date(2026, 12, 24)), date(2026, 12, 28));
    // New Year's Day 2027 is a Friday: Thursday 12-31 → Monday 2027-01-04.
    assert_eq!(next_banking_day(date(2026, 12, 31)), date(2027, 1, 4));
    // Christmas 2027 / New Year 2028 on Saturdays: the Fridays are banking days.
    assert_eq!(next_banking_day(date(2027, 12, 23)), date(2027, 12, 24));
    assert_eq!(next_banking_day(date(2027, 12, 30)), date(2027, 12, 31));
    assert_eq!(next_banking_day(date(2027, 12, 31)), date(2028, 1, 3));
}

#[test]
fn previous_banking_day_is_strictly_before() {
    assert_eq!(previous_banking_day(date(2026, 11, 27)), date(2026, 11, 25));
    assert_eq!(previous_banking_day(date(2027, 7, 6)), date(2027, 7, 2));
    assert_eq!(previous_banking_day(date(2026, 7, 6)), date(2026, 7, 3));
    assert_eq!(previous_banking_day(date(2027, 1, 4)), date(2026, 12, 31));
}

#[test]
fn on_or_after_and_on_or_before() {
    assert_eq!(
        banking_day_on_or_after(date(2026, 11, 25)),
        date(2026, 11, 25)
    );
    assert_eq!(
        banking_day_on_or_after(date(2026, 11, 26)),
        date(2026, 11, 27)
    );
    assert_eq!(banking_day_on_or_after(date(2027, 7, 3)), date(2027, 7, 6));
    assert_eq!(banking_day_on_or_after(date(2026, 7, 4)), date(2026, 7, 6));
    assert_eq!(banking_day_on_or_before(date(2026, 7, 4)), date(2026, 7, 3));
    assert_eq!(banking_day_on_or_before(date(2027, 7, 5)), date(2027, 7, 2));
    assert_eq!(
        banking_day_on_or_before(date(2026, 11, 25)),
        date(2026, 11, 25)
    );
}

#[test]
fn add_banking_days_over_christmas_and_new_year() {
    // 2026: Christmas Friday 12-25, New Year's Day Friday 2027-01-01.
    let start = date(2026, 12, 23); // Wednesday
    let expected = [
        date(2026, 12, 23),
        date(2026, 12, 24),
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 4),
        date(2027, 1, 5),
    ];
    for (n, want) in expected.iter().enumerate() {
        assert_eq!(add_banking_days(start, n as u32), *want, "n = {n}");
    }
    // 2027/2028: Christmas and New Year on Saturdays, so only weekends are skipped.
    assert_eq!(add_banking_days(date(2027, 12, 23), 1), date(2027, 12, 24));
    assert_eq!(add_banking_days(date(2027, 12, 23), 2), date(2027, 12, 27));
    assert_eq!(add_banking_days(date(2027, 12, 23), 6), date(2027, 12, 31));
    assert_eq!(add_banking_days(date(2027, 12, 23), 7), date(2028, 1, 3));
    // 2028: Christmas Monday; New Year's Day 2029 Monday.
    assert_eq!(add_banking_days(date(2028, 12, 22), 1), date(2028, 12, 26));
    assert_eq!(add_banking_days(date(2028, 12, 29), 1), date(2029, 1, 2));
}

#[test]
fn add_banking_days_from_non_banking_days() {
    // Saturday + 1 → Monday; holiday + 1 → the next banking day.
    assert_eq!(add_banking_days(date(2026, 11, 28), 1), date(2026, 11, 30));
    assert_eq!(add_banking_days(date(2026, 11, 26), 1), date(2026, 11, 27));
    assert_eq!(add_banking_days(date(2026, 11, 26), 2), date(2026, 11, 30));
    // n = 0 leaves the date alone, banking day or not.
    assert_eq!(add_banking_days(date(2026, 11, 26), 0), date(2026, 11, 26));
    assert_eq!(add_banking_days(date(2026, 11, 25), 0), date(2026, 11, 25));
    // Micro-entry style "third banking day after": Wednesday 11-25 + 3 = Tuesday 12-01.
    assert_eq!(add_banking_days(date(2026, 11, 25), 3), date(2026, 12, 1));
}

#[test]
fn add_banking_days_is_consistent_with_next_banking_day() {
    let mut day = date(2025, 12, 20);
    while day < date(2027, 1, 10) {
        let mut stepped = day;
        for n in 0..12u32 {
            assert_eq!(add_banking_days(day, n), stepped, "{day} + {n}");
            if n > 0 {
                assert!(is_banking_day(stepped));
            }
            stepped = next_banking_day(stepped);
        }
        // Additivity: (d + a) + b == d + (a + b).
        assert_eq!(
            add_banking_days(add_banking_days(day, 3), 4),
            add_banking_days(day, 7)
        );
        day = day.tomorrow().unwrap();
    }
    // One year of banking days: 2026 has 365 - 104 weekend days - 10 weekday closures.
    let dec31_2025 = date(2025, 12, 31);
    assert_eq!(add_banking_days(dec31_2025, 251), date(2026, 12, 31));
}

#[test]
fn saturates_at_the_ends_of_the_date_range() {
    assert_eq!(checked_next_banking_day(Date::MAX), None);
    assert_eq!(next_banking_day(Date::MAX), Date::MAX);
    assert_eq!(checked_previous_banking_day(Date::MIN), None);
    assert_eq!(previous_banking_day(Date::MIN), Date::MIN);
    assert_eq!(checked_add_banking_days(date(9999, 12, 1), 1000), None);
    assert_eq!(add_banking_days(date(9999, 12, 1), u32::MAX), Date::MAX);
    assert!(checked_add_banking_days(date(9999, 12, 1), 5).is_some());
}
