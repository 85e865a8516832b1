//! The annual-review report: what an ODFI shows its examiner about the risk controls over a
//! period — forward and returned ACH entries per tenant and return class (as Nacha counts
//! them), the risk rules' recorded decisions, and every operator (or system) action on the
//! controls with who made it. One shape, rendered as JSON ([`RiskReport::to_json`]) or CSV
//! ([`RiskReport::to_csv`]) for `pennydrop risk report` and `GET /admin/risk/report`;
//! `docs/risk.md, "The annual-review report"` documents both and maps each figure to the Nacha rule text.
//!
//! Counts only: no amounts, and never an account number or a holder's name (a blocklisted
//! fingerprint is the vault's keyed hash, never the number).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use pennydrop_core::risk::{AuditAction, AuditEntry};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

use super::rules::{rate_bp, returned_all, returned_debits, ReturnClass};
use super::settings::ReturnRates;
use crate::ports::{DecisionCount, ReturnVolumes};
use crate::service::{Engine, EngineError};

/// The version of the JSON and CSV shapes; a change that removes or renames a field bumps it.
pub const REPORT_VERSION: u32 = 1;

/// The columns of the CSV rendering, in order; every line has all of them.
pub const CSV_COLUMNS: [&str; 17] = [
    "record",
    "tenantID",
    "name",
    "outcome",
    "count",
    "forwardDebits",
    "forwardCredits",
    "returnedDebits",
    "debitRateBasisPoints",
    "returnedEntries",
    "entryRateBasisPoints",
    "thresholdBasisPoints",
    "at",
    "actor",
    "subject",
    "reason",
    "details",
];

/// One return class's figures for a tenant (or for every tenant together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassFigures {
    pub class: ReturnClass,
    /// Returned debit entries with a code of the class: Nacha's numerator.
    pub returned_debits: i64,
    /// `returned_debits` over the forward debits, in basis points (1 bp = 0.01 %), rounded down.
    pub debit_rate_bp: i64,
    /// Returned entries of the class, debits and credits.
    pub returned_entries: i64,
    /// `returned_entries` over all forward entries, in basis points, rounded down.
    pub entry_rate_bp: i64,
    /// The threshold in force for this class when the report was made.
    pub threshold_bp: i64,
}

/// How many entries came back with one return code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnCodeCount {
    pub code: String,
    pub debits: i64,
    pub credits: i64,
}

/// Forward and returned entries of one tenant (or of all: `tenant_id` None) in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volumes {
    pub tenant_id: Option<Uuid>,
    pub forward_debits: i64,
    pub forward_credits: i64,
    /// Unauthorized, administrative, overall, in that order.
    pub classes: Vec<ClassFigures>,
    pub return_codes: Vec<ReturnCodeCount>,
}

/// The report for `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskReport {
    pub from: Timestamp,
    pub to: Timestamp,
    pub generated_on: Timestamp,
    /// Every tenant with forward entries, returns, decisions or audit entries in the period,
    /// by tenant ID.
    pub tenants: Vec<Volumes>,
    /// Every tenant together, against the deployment's thresholds.
    pub totals: Volumes,
    /// Recorded decisions per tenant, rule and outcome.
    pub rule_hits: Vec<DecisionCount>,
    /// The audit trail of the period, oldest first.
    pub audit: Vec<AuditEntry>,
}

/// Parses a report's period. A date (`YYYY-MM-DD`) is a UTC day: `from` starts at its
/// beginning, and `to` includes the whole day (the period ends at the next midnight UTC), so
/// `2026-01-01` to `2026-12-31` is the year 2026. An RFC 3339 instant
/// (`2026-01-01T00:00:00Z`, `2026-01-01T00:00:00-05:00`) is used as it is, `to` exclusive.
/// Errors name the parameter (`from` or `to`).
pub fn parse_period(from: &str, to: &str) -> Result<(Timestamp, Timestamp), EngineError> {
    let start = parse_bound(from, false).ok_or_else(|| invalid("from", bound_reason(from)))?;
    let end = parse_bound(to, true).ok_or_else(|| invalid("to", bound_reason(to)))?;
    check_period(start, end)?;
    Ok((start, end))
}

fn bound_reason(text: &str) -> String {
    if text.trim().is_empty() {
        "is required: a date (YYYY-MM-DD, a UTC day) or an RFC 3339 time".into()
    } else {
        "must be a date (YYYY-MM-DD, a UTC day) or an RFC 3339 time with an offset \
         (2026-01-01T00:00:00Z)"
            .into()
    }
}

fn parse_bound(text: &str, end: bool) -> Option<Timestamp> {
    let text = text.trim();
    if text.len() == 10 {
        let date: Date = text.parse().ok()?;
        let day = if end { date.tomorrow().ok()? } else { date };
        return day.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp());
    }
    text.parse::<Timestamp>().ok()
}

fn check_period(from: Timestamp, to: Timestamp) -> Result<(), EngineError> {
    if to <= from {
        return Err(invalid("to", "must be after from".into()));
    }
    Ok(())
}

fn invalid(field: &str, reason: String) -> EngineError {
    EngineError::InvalidField {
        field: field.into(),
        reason,
    }
}

/// The figures of one tenant's (or every tenant's) volumes against thresholds.
fn volumes(tenant_id: Option<Uuid>, v: &ReturnVolumes, thresholds: &ReturnRates) -> Volumes {
    let forward = v.forward_debits.saturating_add(v.forward_credits);
    let classes = ReturnClass::ALL
        .iter()
        .map(|&class| {
            let returned_debits = returned_debits(v, class);
            let returned_entries = returned_all(v, class);
            ClassFigures {
                class,
                returned_debits,
                debit_rate_bp: rate_bp(returned_debits, v.forward_debits),
                returned_entries,
                entry_rate_bp: rate_bp(returned_entries, forward),
                threshold_bp: i64::from(class.threshold_bp(thresholds)),
            }
        })
        .collect();
    let mut codes: BTreeMap<&str, ReturnCodeCount> = BTreeMap::new();
    for (code, debit, n) in &v.returns {
        let c = codes.entry(code).or_insert_with(|| ReturnCodeCount {
            code: code.clone(),
            debits: 0,
            credits: 0,
        });
        if *debit {
            c.debits += n;
        } else {
            c.credits += n;
        }
    }
    Volumes {
        tenant_id,
        forward_debits: v.forward_debits,
        forward_credits: v.forward_credits,
        classes,
        return_codes: codes.into_values().collect(),
    }
}

impl Engine {
    /// The annual-review report for `[from, to)` (see the module documentation).
    pub async fn risk_report(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<RiskReport, EngineError> {
        check_period(from, to)?;
        let store = self.store();
        let by_tenant = store.return_volumes(None, from, to).await?;
        let rule_hits = store.risk_decision_summary(from, to).await?;
        let audit: Vec<AuditEntry> = store
            .audit_trail(from, to)
            .await?
            .into_iter()
            .map(|(_, a)| a)
            .collect();

        let mut all: BTreeMap<Uuid, ReturnVolumes> = by_tenant.into_iter().collect();
        for id in rule_hits
            .iter()
            .map(|h| h.tenant_id)
            .chain(audit.iter().filter_map(|a| a.tenant_id))
        {
            all.entry(id).or_default();
        }
        let mut totals = ReturnVolumes::default();
        let mut totals_codes: BTreeMap<(String, bool), i64> = BTreeMap::new();
        let mut tenants = Vec::with_capacity(all.len());
        for (tenant, v) in &all {
            totals.forward_debits += v.forward_debits;
            totals.forward_credits += v.forward_credits;
            for (code, debit, n) in &v.returns {
                *totals_codes.entry((code.clone(), *debit)).or_default() += n;
            }
            let settings = self.risk_settings(*tenant).await?;
            tenants.push(volumes(Some(*tenant), v, &settings.return_rates));
        }
        totals.returns = totals_codes
            .into_iter()
            .map(|((code, debit), n)| (code, debit, n))
            .collect();
        Ok(RiskReport {
            from,
            to,
            generated_on: self.clock().now(),
            tenants,
            totals: volumes(None, &totals, &self.config().risk.return_rates),
            rule_hits,
            audit,
        })
    }
}

/// Whether the report carries an audit entry's `details`: the settings patch, and what a pause
/// or a resume recorded. A blocklist change is told by its subject; an unlock's details are
/// left out because they are about a holder's bank account.
fn shows_details(action: AuditAction) -> bool {
    matches!(
        action,
        AuditAction::SettingsChanged | AuditAction::TenantPaused | AuditAction::TenantResumed
    )
}

fn volumes_json(v: &Volumes) -> Value {
    let mut returns = Map::new();
    for c in &v.classes {
        returns.insert(
            c.class.as_str().into(),
            json!({
                "returnedDebits": c.returned_debits,
                "debitRateBasisPoints": c.debit_rate_bp,
                "returnedEntries": c.returned_entries,
                "entryRateBasisPoints": c.entry_rate_bp,
                "thresholdBasisPoints": c.threshold_bp,
            }),
        );
    }
    let mut out = json!({
        "forwardDebits": v.forward_debits,
        "forwardCredits": v.forward_credits,
        "forwardEntries": v.forward_debits.saturating_add(v.forward_credits),
        "returns": returns,
        "returnCodes": v.return_codes.iter().map(|c| json!({
            "code": c.code,
            "debits": c.debits,
            "credits": c.credits,
        })).collect::<Vec<_>>(),
    });
    if let (Some(id), Some(object)) = (v.tenant_id, out.as_object_mut()) {
        object.insert("tenantID".into(), json!(id));
    }
    out
}

fn audit_json(a: &AuditEntry) -> Value {
    let mut out = json!({
        "at": a.at.to_string(),
        "action": a.action,
        "tenantID": a.tenant_id,
        "subject": a.subject,
        "actor": a.actor,
        "reason": a.reason,
    });
    if let (true, Some(object)) = (shows_details(a.action), out.as_object_mut()) {
        object.insert("details".into(), a.details.clone());
    }
    out
}

impl RiskReport {
    /// The JSON rendering (`docs/risk.md, "The annual-review report"`, "JSON").
    pub fn to_json(&self) -> Value {
        json!({
            "reportVersion": REPORT_VERSION,
            "from": self.from.to_string(),
            "to": self.to.to_string(),
            "generatedOn": self.generated_on.to_string(),
            "tenants": self.tenants.iter().map(volumes_json).collect::<Vec<_>>(),
            "totals": volumes_json(&self.totals),
            "ruleHits": self.rule_hits.iter().map(|h| json!({
                "tenantID": h.tenant_id,
                "rule": h.rule,
                "outcome": h.outcome,
                "count": h.count,
            })).collect::<Vec<_>>(),
            "auditTrail": self.audit.iter().map(audit_json).collect::<Vec<_>>(),
        })
    }

    /// The CSV rendering (`docs/risk.md, "The annual-review report"`, "CSV"): RFC 4180, CRLF line ends, one header
    /// line naming [`CSV_COLUMNS`], then one record per line, its kind in the first column.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        csv_line(
            &mut out,
            CSV_COLUMNS.iter().map(|c| Cell::Text(c.to_string())),
        );
        let mut row = Row::new("period");
        row.set(2, Cell::Text(format!("{}/{}", self.from, self.to)));
        row.set(12, Cell::Text(self.generated_on.to_string()));
        row.set(4, Cell::Number(i64::from(REPORT_VERSION)));
        row.write(&mut out);
        for v in self.tenants.iter().chain(std::iter::once(&self.totals)) {
            let (record, code_record) = match v.tenant_id {
                Some(_) => ("returns", "returnCode"),
                None => ("totalReturns", "totalReturnCode"),
            };
            for c in &v.classes {
                let mut row = Row::new(record);
                row.tenant(v.tenant_id);
                row.set(2, Cell::Text(c.class.as_str().into()));
                row.set(5, Cell::Number(v.forward_debits));
                row.set(6, Cell::Number(v.forward_credits));
                row.set(7, Cell::Number(c.returned_debits));
                row.set(8, Cell::Number(c.debit_rate_bp));
                row.set(9, Cell::Number(c.returned_entries));
                row.set(10, Cell::Number(c.entry_rate_bp));
                row.set(11, Cell::Number(c.threshold_bp));
                row.write(&mut out);
            }
            for c in &v.return_codes {
                let mut row = Row::new(code_record);
                row.tenant(v.tenant_id);
                row.set(2, Cell::Text(c.code.clone()));
                row.set(7, Cell::Number(c.debits));
                row.set(9, Cell::Number(c.debits.saturating_add(c.credits)));
                row.write(&mut out);
            }
        }
        for h in &self.rule_hits {
            let mut row = Row::new("ruleHit");
            row.tenant(Some(h.tenant_id));
            row.set(2, Cell::Text(h.rule.as_str().into()));
            row.set(3, Cell::Text(h.outcome.as_str().into()));
            row.set(4, Cell::Number(h.count));
            row.write(&mut out);
        }
        for a in &self.audit {
            let mut row = Row::new("audit");
            row.tenant(a.tenant_id);
            row.set(2, Cell::Text(a.action.as_str().into()));
            row.set(12, Cell::Text(a.at.to_string()));
            row.set(13, Cell::Text(a.actor.clone()));
            row.set(14, Cell::Text(a.subject.clone()));
            row.set(15, Cell::Text(a.reason.clone()));
            if shows_details(a.action) {
                row.set(16, Cell::Text(a.details.to_string()));
            }
            row.write(&mut out);
        }
        out
    }
}

/// One CSV cell: numbers are written as they are; text is quoted when it must be, and text a
/// spreadsheet would read as a formula gets a leading `'`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cell {
    Empty,
    Number(i64),
    Text(String),
}

struct Row {
    cells: Vec<Cell>,
}

impl Row {
    fn new(record: &str) -> Self {
        let mut cells = vec![Cell::Empty; CSV_COLUMNS.len()];
        cells[0] = Cell::Text(record.into());
        Self { cells }
    }

    fn set(&mut self, column: usize, cell: Cell) {
        if let Some(slot) = self.cells.get_mut(column) {
            *slot = cell;
        }
    }

    fn tenant(&mut self, tenant: Option<Uuid>) {
        if let Some(id) = tenant {
            self.set(1, Cell::Text(id.to_string()));
        }
    }

    fn write(self, out: &mut String) {
        csv_line(out, self.cells.into_iter());
    }
}

fn csv_line(out: &mut String, cells: impl Iterator<Item = Cell>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        match cell {
            Cell::Empty => {}
            Cell::Number(n) => out.push_str(&n.to_string()),
            Cell::Text(t) => out.push_str(&csv_text(&t)),
        }
    }
    out.push_str("\r\n");
}

/// A text field as RFC 4180 wants it: in double quotes (inner quotes doubled) when it holds a
/// comma, a quote, a line break or leading or trailing space. Text starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return is prefixed with `'`, so that a spreadsheet shows it
/// instead of evaluating it (OWASP's advice on CSV injection).
fn csv_text(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    let needs_quotes = guarded.contains([',', '"', '\n', '\r'])
        || guarded.starts_with(' ')
        || guarded.ends_with(' ');
    if needs_quotes {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pennydrop_core::risk::{RiskOutcome, RiskRule};

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn text_is_quoted_only_when_it_must_be() {
        assert_eq!(csv_text("plain"), "plain");
        assert_eq!(csv_text("a,b"), "\"a,b\"");
        assert_eq!(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_text("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_text("cr\rlf"), "\"cr\rlf\"");
        assert_eq!(csv_text(" padded"), "\" padded\"");
        assert_eq!(csv_text(""), "");
        assert_eq!(
            csv_text("{\"a\":1,\"b\":2}"),
            "\"{\"\"a\"\":1,\"\"b\"\":2}\""
        );
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_text("+1"), "'+1");
        assert_eq!(csv_text("-1"), "'-1");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("\tx"), "'\tx");
    }

    #[test]
    fn periods_take_utc_days_and_instants() {
        let (from, to) = parse_period("2026-01-01", "2026-12-31").unwrap();
        assert_eq!(from, ts("2026-01-01T00:00:00Z"));
        assert_eq!(to, ts("2027-01-01T00:00:00Z"), "the `to` day is included");
        let (from, to) = parse_period("2026-01-01T05:00:00Z", "2026-02-01T00:00:00-05:00").unwrap();
        assert_eq!(from, ts("2026-01-01T05:00:00Z"));
        assert_eq!(to, ts("2026-02-01T05:00:00Z"), "instants as they are");
        let (from, to) = parse_period("2026-03-01", "2026-03-01").unwrap();
        assert_eq!(to.duration_since(from).as_hours(), 24, "one day");
    }

    #[test]
    fn bad_periods_name_the_parameter() {
        let field = |e: EngineError| match e {
            EngineError::InvalidField { field, .. } => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(parse_period("", "2026-01-01").unwrap_err()), "from");
        assert_eq!(
            field(parse_period("2026-13-01", "2026-12-01").unwrap_err()),
            "from"
        );
        assert_eq!(
            field(parse_period("2026-01-01", "tomorrow").unwrap_err()),
            "to"
        );
        assert_eq!(
            field(parse_period("2026-01-01", "2026-01-01T00:00:00").unwrap_err()),
            "to",
            "an instant needs its offset"
        );
        assert_eq!(
            field(parse_period("2026-02-01", "2026-01-01").unwrap_err()),
            "to",
            "to before from"
        );
        assert_eq!(
            field(parse_period("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z").unwrap_err()),
            "to",
            "an empty period"
        );
    }

    fn sample() -> RiskReport {
        let tenant: Uuid = "6f0e7ee4-8d0c-4a61-9b6e-3f3c2b1a0d9e".parse().unwrap();
        let v = ReturnVolumes {
            forward_debits: 200,
            forward_credits: 400,
            returns: vec![
                ("R03".into(), false, 2),
                ("R03".into(), true, 1),
                ("R10".into(), true, 1),
                ("R01".into(), true, 3),
            ],
        };
        let rates = ReturnRates {
            enabled: true,
            windows_days: vec![30, 60],
            unauthorized_bp: 50,
            administrative_bp: 300,
            overall_bp: 1500,
            warn_percent: 80,
            min_debits: 0,
        };
        RiskReport {
            from: ts("2026-01-01T00:00:00Z"),
            to: ts("2027-01-01T00:00:00Z"),
            generated_on: ts("2027-01-02T09:00:00Z"),
            tenants: vec![volumes(Some(tenant), &v, &rates)],
            totals: volumes(None, &v, &rates),
            rule_hits: vec![DecisionCount {
                tenant_id: tenant,
                rule: RiskRule::ReturnsUnauthorized,
                outcome: RiskOutcome::Paused,
                count: 1,
            }],
            audit: vec![
                AuditEntry {
                    audit_id: Uuid::nil(),
                    action: AuditAction::TenantResumed,
                    tenant_id: Some(tenant),
                    subject: tenant.to_string(),
                    actor: "pk_ops".into(),
                    reason: "=cmd, \"reviewed\"\nline two".into(),
                    details: json!({"rule": "returns.unauthorized"}),
                    at: ts("2026-05-01T12:00:00Z"),
                },
                AuditEntry {
                    audit_id: Uuid::nil(),
                    action: AuditAction::BankAccountUnlocked,
                    tenant_id: Some(tenant),
                    subject: "bank account".into(),
                    actor: "pk_ops".into(),
                    reason: "holder called".into(),
                    details: json!({"secret": "never shown"}),
                    at: ts("2026-05-02T12:00:00Z"),
                },
            ],
        }
    }

    #[test]
    fn figures_follow_nacha_classes() {
        let r = sample();
        let t = &r.tenants[0];
        let by = |class: ReturnClass| t.classes.iter().find(|c| c.class == class).unwrap();
        let u = by(ReturnClass::Unauthorized);
        assert_eq!((u.returned_debits, u.debit_rate_bp), (1, 50));
        assert_eq!(
            (u.returned_entries, u.entry_rate_bp, u.threshold_bp),
            (1, 16, 50)
        );
        let a = by(ReturnClass::Administrative);
        assert_eq!((a.returned_debits, a.debit_rate_bp), (1, 50));
        assert_eq!((a.returned_entries, a.entry_rate_bp), (3, 50));
        let o = by(ReturnClass::Overall);
        assert_eq!((o.returned_debits, o.debit_rate_bp), (5, 250));
        assert_eq!((o.returned_entries, o.entry_rate_bp), (7, 116));
        assert_eq!(
            t.return_codes,
            vec![
                ReturnCodeCount {
                    code: "R01".into(),
                    debits: 3,
                    credits: 0
                },
                ReturnCodeCount {
                    code: "R03".into(),
                    debits: 1,
                    credits: 2
                },
                ReturnCodeCount {
                    code: "R10".into(),
                    debits: 1,
                    credits: 0
                },
            ]
        );
    }

    #[test]
    fn json_has_a_stable_shape() {
        let j = sample().to_json();
        assert_eq!(j["reportVersion"], 1);
        assert_eq!(j["from"], "2026-01-01T00:00:00Z");
        assert_eq!(j["tenants"][0]["forwardEntries"], 600);
        assert_eq!(
            j["tenants"][0]["returns"]["unauthorized"]["debitRateBasisPoints"],
            50
        );
        assert_eq!(j["totals"]["returns"]["overall"]["returnedEntries"], 7);
        assert!(j["totals"].get("tenantID").is_none());
        assert_eq!(j["ruleHits"][0]["rule"], "returns.unauthorized");
        assert_eq!(j["ruleHits"][0]["outcome"], "paused");
        assert_eq!(j["auditTrail"][0]["action"], "tenant.resumed");
        assert_eq!(
            j["auditTrail"][0]["details"]["rule"],
            "returns.unauthorized"
        );
        assert!(
            j["auditTrail"][1].get("details").is_none(),
            "an unlock's details stay out"
        );
    }

    #[test]
    fn csv_has_one_header_and_one_record_per_line() {
        let csv = sample().to_csv();
        assert!(csv.starts_with("record,tenantID,name,outcome,count,forwardDebits,"));
        assert!(csv.ends_with("\r\n"));
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[1].starts_with("period,,2026-01-01T00:00:00Z/2027-01-01T00:00:00Z,,1,"));
        assert!(lines.contains(&"returns,6f0e7ee4-8d0c-4a61-9b6e-3f3c2b1a0d9e,unauthorized,,,200,400,1,50,1,16,50,,,,,"));
        assert!(lines.contains(&"totalReturns,,overall,,,200,400,5,250,7,116,1500,,,,,"));
        assert!(
            lines.contains(&"returnCode,6f0e7ee4-8d0c-4a61-9b6e-3f3c2b1a0d9e,R03,,,,,1,,3,,,,,,,")
        );
        assert!(lines.contains(&"ruleHit,6f0e7ee4-8d0c-4a61-9b6e-3f3c2b1a0d9e,returns.unauthorized,paused,1,,,,,,,,,,,,"));
        // The reason has a comma, quotes and a line break, and starts like a formula.
        assert!(csv.contains(
            "pk_ops,6f0e7ee4-8d0c-4a61-9b6e-3f3c2b1a0d9e,\"'=cmd, \"\"reviewed\"\"\nline two\",\"{\"\"rule\"\":\"\"returns.unauthorized\"\"}\"\r\n"
        ));
        assert!(!csv.contains("never shown"));
        assert_eq!(CSV_COLUMNS.len(), 17);
        assert!(lines
            .iter()
            .filter(|l| !l.is_empty() && !l.contains('"'))
            .all(|l| l.split(',').count() == CSV_COLUMNS.len()));
    }
}
