//! Rate limits, on the injected clock: requests per tenant per second (by mode), and a lockout
//! for a public key after repeated failed authentications. One limiter for every dialect; each
//! renders [`EngineError::Throttled`] as its own 429 with `Retry-After`.

use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

use pennydrop_core::model::Mode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests per second for a production tenant (Moov: 40).
    pub production_per_second: u32,
    /// Requests per second for a sandbox tenant (Moov: 10).
    pub sandbox_per_second: u32,
    /// Failed authentications of one public key allowed within `failure_window`.
    pub failures_allowed: u32,
    pub failure_window: SignedDuration,
    /// How long a public key is refused after too many failures.
    pub lockout: SignedDuration,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            production_per_second: 40,
            sandbox_per_second: 10,
            failures_allowed: 10,
            failure_window: SignedDuration::from_mins(5),
            lockout: SignedDuration::from_mins(5),
        }
    }
}

/// Counts in one fixed window.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Timestamp,
    count: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Limiter {
    requests: Mutex<HashMap<Uuid, Window>>,
    failures: Mutex<HashMap<String, (Window, Option<Timestamp>)>>,
}

/// Whole seconds until `until`, at least one.
fn seconds_until(now: Timestamp, until: Timestamp) -> u64 {
    let ms = u64::try_from(until.duration_since(now).as_millis()).unwrap_or(0);
    ms.div_ceil(1000).max(1)
}

impl Limiter {
    /// Counts a request of `tenant`; `Err(retry after seconds)` beyond its limit.
    pub(crate) fn admit(
        &self,
        limits: &RateLimits,
        tenant: Uuid,
        mode: Mode,
        now: Timestamp,
    ) -> Result<(), u64> {
        let limit = match mode {
            Mode::Production => limits.production_per_second,
            Mode::Sandbox => limits.sandbox_per_second,
        };
        let second = Timestamp::from_second(now.as_second()).unwrap_or(now);
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let w = requests.entry(tenant).or_insert(Window {
            start: second,
            count: 0,
        });
        if w.start != second {
            *w = Window {
                start: second,
                count: 0,
            };
        }
        if w.count >= limit {
            return Err(seconds_until(now, second + SignedDuration::from_secs(1)));
        }
        w.count += 1;
        Ok(())
    }

    /// `Err(retry after seconds)` while `public_key` is locked out.
    pub(crate) fn check_lockout(&self, public_key: &str, now: Timestamp) -> Result<(), u64> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match failures.get(public_key).and_then(|(_, until)| *until) {
            Some(until) if now < until => Err(seconds_until(now, until)),
            _ => Ok(()),
        }
    }

    /// Records a failed authentication; locks the key out once it has too many.
    pub(crate) fn failed(&self, limits: &RateLimits, public_key: &str, now: Timestamp) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let (w, until) = failures.entry(public_key.to_string()).or_insert((
            Window {
                start: now,
                count: 0,
            },
            None,
        ));
        if now >= w.start + limits.failure_window {
            *w = Window {
                start: now,
                count: 0,
            };
        }
        w.count += 1;
        if w.count > limits.failures_allowed {
            *until = Some(now + limits.lockout);
            tracing::warn!(
                public_key,
                "too many failed authentications; key locked out"
            );
        }
    }

    /// Forgets failures after a success.
    pub(crate) fn succeeded(&self, public_key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures
            .get(public_key)
            .is_some_and(|(_, until)| until.is_none())
        {
            failures.remove(public_key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_tenant_gets_its_requests_per_second_and_then_waits() {
        let limits = RateLimits::default();
        let l = Limiter::default();
        let tenant = Uuid::new_v4();
        let now = t("2026-11-23T15:00:00.250Z");
        for _ in 0..10 {
            assert_eq!(l.admit(&limits, tenant, Mode::Sandbox, now), Ok(()));
        }
        assert_eq!(l.admit(&limits, tenant, Mode::Sandbox, now), Err(1));
        assert_eq!(
            l.admit(&limits, Uuid::new_v4(), Mode::Sandbox, now),
            Ok(()),
            "other tenants are not affected"
        );
        let next = t("2026-11-23T15:00:01Z");
        assert_eq!(l.admit(&limits, tenant, Mode::Sandbox, next), Ok(()));
    }

    #[test]
    fn repeated_failures_lock_a_key_out_for_a_while() {
        let limits = RateLimits::default();
        let l = Limiter::default();
        let now = t("2026-11-23T15:00:00Z");
        for _ in 0..=limits.failures_allowed {
            assert_eq!(l.check_lockout("pk", now), Ok(()));
            l.failed(&limits, "pk", now);
        }
        assert_eq!(l.check_lockout("pk", now), Err(300));
        assert_eq!(l.check_lockout("other", now), Ok(()));
        assert_eq!(l.check_lockout("pk", now + limits.lockout), Ok(()));
    }
}
