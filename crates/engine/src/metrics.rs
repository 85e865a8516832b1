//! In-process metrics the service counts as it runs (HTTP requests and their latency, cutoff
//! durations, webhook delivery attempts), rendered in the Prometheus text format. Figures that live in the database
//! (pending entries, files by status, webhook deliveries waiting) are read at scrape time instead, see
//! [`crate::Engine::operations_counts`].

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds (seconds) of the HTTP latency buckets.
const HTTP_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Upper bounds (seconds) of the cutoff duration buckets.
const CUTOFF_BUCKETS: [f64; 9] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Debug, Clone, Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, bounds: &[f64], seconds: f64) {
        if self.counts.is_empty() {
            self.counts = vec![0; bounds.len()];
        }
        for (slot, bound) in self.counts.iter_mut().zip(bounds) {
            if seconds <= *bound {
                *slot += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str, bounds: &[f64]) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (count, bound) in self.counts.iter().zip(bounds) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// (route template, method, status class, dialect) -> requests.
    requests: BTreeMap<(String, String, &'static str, &'static str), u64>,
    /// (route template, dialect) -> latency.
    latency: BTreeMap<(String, &'static str), Histogram>,
    /// outcome (`file`, `empty`, `error`) -> duration.
    cutoffs: BTreeMap<&'static str, Histogram>,
    /// outcome (`delivered`, `retried`, `failed`) -> webhook delivery attempts.
    webhook_attempts: BTreeMap<&'static str, u64>,
}

/// The registry; shared by the HTTP layer and the rails through the engine.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

/// `2xx`, `4xx`, ... for a status code.
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        // A panic while counting cannot leave the maps inconsistent in a way that matters.
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut inner)
    }

    /// Counts one answered request. `route` is the route template, never the raw path.
    pub fn http_request(
        &self,
        route: &str,
        method: &str,
        dialect: &'static str,
        status: u16,
        seconds: f64,
    ) {
        self.with(|m| {
            let key = (
                route.to_string(),
                method.to_string(),
                status_class(status),
                dialect,
            );
            *m.requests.entry(key).or_default() += 1;
            m.latency
                .entry((route.to_string(), dialect))
                .or_default()
                .observe(&HTTP_BUCKETS, seconds);
        });
    }

    /// Records how long one cutoff took; `outcome` is `file`, `empty` or `error`.
    pub fn cutoff(&self, outcome: &'static str, seconds: f64) {
        self.with(|m| {
            m.cutoffs
                .entry(outcome)
                .or_default()
                .observe(&CUTOFF_BUCKETS, seconds)
        });
    }

    /// Counts one webhook delivery attempt; `outcome` is `delivered`, `retried` (it will be
    /// tried again) or `failed` (it will not: past the retry horizon, or 410 Gone).
    pub fn webhook_attempt(&self, outcome: &'static str) {
        self.with(|m| *m.webhook_attempts.entry(outcome).or_default() += 1);
    }

    /// Appends the registry's families in the Prometheus text format.
    pub fn render(&self, out: &mut String) {
        self.with(|m| {
            out.push_str("# HELP pennydrop_http_requests_total HTTP requests answered, by route template, method, status class and dialect.\n");
            out.push_str("# TYPE pennydrop_http_requests_total counter\n");
            for ((route, method, class, dialect), n) in &m.requests {
                let _ = writeln!(
                    out,
                    "pennydrop_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{class}\",dialect=\"{dialect}\"}} {n}",
                    escape(route)
                );
            }
            out.push_str("# HELP pennydrop_http_request_duration_seconds Time to answer HTTP requests, by route template and dialect.\n");
            out.push_str("# TYPE pennydrop_http_request_duration_seconds histogram\n");
            for ((route, dialect), h) in &m.latency {
                let labels = format!("route=\"{}\",dialect=\"{dialect}\"", escape(route));
                h.render(out, "pennydrop_http_request_duration_seconds", &labels, &HTTP_BUCKETS);
            }
            out.push_str("# HELP pennydrop_ach_cutoff_duration_seconds Time a cutoff took (claim, build, write, deliver), by outcome.\n");
            out.push_str("# TYPE pennydrop_ach_cutoff_duration_seconds histogram\n");
            for (outcome, h) in &m.cutoffs {
                let labels = format!("outcome=\"{outcome}\"");
                h.render(out, "pennydrop_ach_cutoff_duration_seconds", &labels, &CUTOFF_BUCKETS);
            }
            render_webhook_attempts(out, &m.webhook_attempts);
        });
    }
}

/// Every outcome, zero or not, so a dashboard sees the family before the first failure.
fn render_webhook_attempts(out: &mut String, attempts: &BTreeMap<&'static str, u64>) {
    out.push_str("# HELP pennydrop_webhook_delivery_attempts_total Webhook delivery attempts, by outcome (delivered; retried: will be tried again; failed: will not).\n");
    out.push_str("# TYPE pennydrop_webhook_delivery_attempts_total counter\n");
    for outcome in ["delivered", "retried", "failed"] {
        let n = attempts.get(outcome).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "pennydrop_webhook_delivery_attempts_total{{outcome=\"{outcome}\"}} {n}"
        );
    }
}

/// A label value with `\`, `"` and newlines escaped.
pub fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_latencies_render_by_route_class_and_dialect() {
        let m = Metrics::default();
        m.http_request("/accounts/{account_id}", "GET", "moov", 200, 0.003);
        m.http_request("/accounts/{account_id}", "GET", "moov", 404, 0.2);
        m.cutoff("file", 0.4);
        m.webhook_attempt("retried");
        m.webhook_attempt("retried");
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains("pennydrop_http_requests_total{route=\"/accounts/{account_id}\",method=\"GET\",status=\"2xx\",dialect=\"moov\"} 1"), "{out}");
        assert!(out.contains("status=\"4xx\""), "{out}");
        assert!(out.contains("pennydrop_http_request_duration_seconds_bucket{route=\"/accounts/{account_id}\",dialect=\"moov\",le=\"0.005\"} 1"), "{out}");
        assert!(out.contains("pennydrop_http_request_duration_seconds_count{route=\"/accounts/{account_id}\",dialect=\"moov\"} 2"), "{out}");
        assert!(
            out.contains(
                "pennydrop_ach_cutoff_duration_seconds_bucket{outcome=\"file\",le=\"0.5\"} 1"
            ),
            "{out}"
        );
        assert!(
            out.contains("pennydrop_webhook_delivery_attempts_total{outcome=\"retried\"} 2"),
            "{out}"
        );
        assert!(
            out.contains("pennydrop_webhook_delivery_attempts_total{outcome=\"failed\"} 0"),
            "{out}"
        );
    }
}
