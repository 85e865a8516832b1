//! The injectable clock. Domain code asks a [`Clock`] for the time; tests move a [`ManualClock`].

use jiff::{SignedDuration, Timestamp};
use std::sync::Mutex;

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    pub fn set(&self, to: Timestamp) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }

    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.saturating_add(by).unwrap_or(*now);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Microseconds since the Unix epoch: how timestamps are stored.
pub fn to_micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub fn from_micros(us: i64) -> Timestamp {
    Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start: Timestamp = "2026-07-03T12:00:00Z".parse().unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(SignedDuration::from_hours(24));
        assert_eq!(
            clock.now(),
            "2026-07-04T12:00:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn micros_round_trip() {
        let t: Timestamp = "2026-11-23T18:58:48.123456Z".parse().unwrap();
        assert_eq!(from_micros(to_micros(t)), t);
    }
}
