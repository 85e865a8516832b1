//! The America/New_York time zone, resolved once and never failing.

use std::sync::OnceLock;

use jiff::tz::{self, TimeZone, TimeZoneDatabase};

/// IANA name of the time zone every Federal Reserve deadline and cutoff is stated in.
pub const NEW_YORK: &str = "America/New_York";

/// The US Eastern rule in force since 2007 (second Sunday of March to first Sunday of
/// November, changing at 02:00 local time), as a POSIX TZ string. Used only if neither the
/// system's nor the bundled copy of the time zone database has America/New_York.
pub(crate) const NEW_YORK_POSIX_RULE: &str = "EST5EDT,M3.2.0,M11.1.0";

static NEW_YORK_TZ: OnceLock<TimeZone> = OnceLock::new();

/// The America/New_York time zone.
///
/// Resolved once per process, in this order:
/// 1. the global time zone database (the system's `/usr/share/zoneinfo` when present, which is
///    kept up to date by the OS);
/// 2. the copy of the IANA database compiled into this crate (jiff's `tzdb-bundle-always`), so a
///    machine without zoneinfo files still gets correct data;
/// 3. the fixed US Eastern DST rule (POSIX `EST5EDT,M3.2.0,M11.1.0`), which is correct for every date
///    since 2007.
///
/// It therefore never fails. A clone of a `TimeZone` is cheap (reference counted).
pub fn new_york_tz() -> TimeZone {
    NEW_YORK_TZ.get_or_init(resolve_new_york).clone()
}

/// A reference to the cached zone, for internal hot paths.
pub(crate) fn new_york_ref() -> &'static TimeZone {
    NEW_YORK_TZ.get_or_init(resolve_new_york)
}

fn resolve_new_york() -> TimeZone {
    if let Ok(zone) = TimeZone::get(NEW_YORK) {
        return zone;
    }
    if let Ok(zone) = TimeZoneDatabase::bundled().get(NEW_YORK) {
        return zone;
    }
    posix_rule_new_york()
}

/// The rule-based fallback zone. Parsing a constant, valid POSIX string cannot fail (the tests
/// prove it parses and agrees with the tz database); the fixed EST offset is only there so this
/// function needs no `unwrap`.
pub(crate) fn posix_rule_new_york() -> TimeZone {
    TimeZone::posix(NEW_YORK_POSIX_RULE).unwrap_or_else(|_| TimeZone::fixed(tz::offset(-5)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use jiff::SignedDuration;

    #[test]
    fn bundled_database_has_new_york() {
        assert!(TimeZoneDatabase::bundled().get(NEW_YORK).is_ok());
    }

    #[test]
    fn posix_rule_parses() {
        assert!(TimeZone::posix(NEW_YORK_POSIX_RULE).is_ok());
    }

    /// The fallback rule agrees with the tz database (and the resolved zone) every 30 minutes,
    /// 2007 (when the current US rule began) through 2040.
    #[test]
    fn posix_rule_matches_tz_database() {
        let bundled = TimeZoneDatabase::bundled().get(NEW_YORK).unwrap();
        let rule = posix_rule_new_york();
        let resolved = new_york_tz();
        let mut at = date(2007, 1, 1)
            .to_zoned(TimeZone::UTC)
            .unwrap()
            .timestamp();
        let end = date(2041, 1, 1)
            .to_zoned(TimeZone::UTC)
            .unwrap()
            .timestamp();
        while at < end {
            let expected = bundled.to_offset(at);
            assert_eq!(rule.to_offset(at), expected, "POSIX rule at {at}");
            assert_eq!(resolved.to_offset(at), expected, "resolved zone at {at}");
            at = at.checked_add(SignedDuration::from_mins(30)).unwrap();
        }
    }
}
