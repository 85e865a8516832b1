//! The risk rules, pure: counts, lists and settings go in, a [`Verdict`] (or nothing) comes out.
//! No IO and no clock; the caller reads the figures and records what comes back.

use super::settings::{Limit, ReturnRates, Shared, SignalAction};
use crate::ports::{FingerprintUse, ReturnVolumes};
use pennydrop_core::risk::{BlockEntry, RiskOutcome, RiskRule};
use serde_json::{json, Value};
use uuid::Uuid;

/// What a rule decided that is worth recording: a refusal, a flag, a warning near a limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub rule: RiskRule,
    pub outcome: RiskOutcome,
    /// The figures the rule saw and the limit it applied.
    pub inputs: Value,
    /// For a refusal: what the caller is told (after the rule's name).
    pub detail: String,
}

impl Verdict {
    pub fn refuses(&self) -> bool {
        self.outcome == RiskOutcome::Refused
    }
}

/// A count limit for one more request, with `count` already made: refused at the limit,
/// recorded as near it from `near_percent` of it on.
pub fn count_limit(rule: RiskRule, limit: Limit, near_percent: u32, count: i64) -> Option<Verdict> {
    if !limit.enabled {
        return None;
    }
    let max = i64::from(limit.max);
    let inputs = json!({"count": count, "max": max});
    if count >= max {
        return Some(Verdict {
            rule,
            outcome: RiskOutcome::Refused,
            inputs,
            detail: format!("{count} already, the limit is {max}"),
        });
    }
    // Near: this request brings the count to at least near_percent of the limit.
    ((count + 1) * 100 >= max * i64::from(near_percent)).then(|| Verdict {
        rule,
        outcome: RiskOutcome::NearLimit,
        inputs,
        detail: String::new(),
    })
}

/// The tenant's new origination is paused (by `rule`, since `paused_on`).
pub fn paused(paused_on: jiff::Timestamp, rule: &str) -> Verdict {
    Verdict {
        rule: RiskRule::TenantPaused,
        outcome: RiskOutcome::Refused,
        inputs: json!({"pausedOn": paused_on.to_string(), "pausedBy": rule}),
        detail: format!(
            "new verifications are paused since {paused_on} ({rule}) until an operator resumes them"
        ),
    }
}

/// A blocklist entry matched.
pub fn blocked(entry: &BlockEntry) -> Verdict {
    let rule = match entry.kind {
        pennydrop_core::risk::BlockKind::Routing => RiskRule::BlockedRouting,
        pennydrop_core::risk::BlockKind::Fingerprint => RiskRule::BlockedFingerprint,
    };
    Verdict {
        rule,
        outcome: RiskOutcome::Refused,
        inputs: json!({"kind": entry.kind, "addedBy": entry.added_by, "addedOn": entry.added_on.to_string()}),
        detail: match entry.kind {
            pennydrop_core::risk::BlockKind::Routing => {
                "the routing number is on the operator's blocklist".into()
            }
            pennydrop_core::risk::BlockKind::Fingerprint => {
                "the bank account is on the operator's blocklist".into()
            }
        },
    }
}

/// A holder name compared across tenants: letters and digits only, upper case, words in order.
pub fn normalized_name(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_uppercase())
        .collect::<Vec<_>>()
        .join(" ")
}

fn signal(rule: RiskRule, s: Shared, others: usize, inputs: Value, what: &str) -> Option<Verdict> {
    if !s.enabled || others <= s.max_others as usize {
        return None;
    }
    let refused = s.action == SignalAction::Block;
    Some(Verdict {
        rule,
        outcome: if refused {
            RiskOutcome::Refused
        } else {
            RiskOutcome::Flagged
        },
        inputs,
        detail: format!(
            "this bank account was used by {others} other {what} in the last {} days",
            s.window_days
        ),
    })
}

/// The same bank account (fingerprint) under other tenants within the window. `uses` are the
/// bank accounts with that fingerprint in the window (the caller's own included or not).
pub fn shared_tenants(s: Shared, tenant: Uuid, uses: &[FingerprintUse]) -> Option<Verdict> {
    let mut others: Vec<Uuid> = uses
        .iter()
        .map(|u| u.tenant_id)
        .filter(|t| *t != tenant)
        .collect();
    others.sort();
    others.dedup();
    let inputs = json!({"otherTenants": others.len(), "maxOthers": s.max_others, "windowDays": s.window_days});
    signal(
        RiskRule::SharedTenants,
        s,
        others.len(),
        inputs,
        "tenant(s)",
    )
}

/// The same bank account under other holder names (any tenant) within the window.
pub fn shared_holder_names(
    s: Shared,
    holder_name: &str,
    uses: &[FingerprintUse],
) -> Option<Verdict> {
    let own = normalized_name(holder_name);
    let mut others: Vec<String> = uses
        .iter()
        .map(|u| normalized_name(&u.holder_name))
        .filter(|n| *n != own)
        .collect();
    others.sort();
    others.dedup();
    // Names are the holder's data: the record keeps how many, not which.
    let inputs = json!({"otherHolderNames": others.len(), "maxOthers": s.max_others, "windowDays": s.window_days});
    signal(
        RiskRule::SharedHolderNames,
        s,
        others.len(),
        inputs,
        "holder name(s)",
    )
}

/// Nacha's return-rate classes. Rates are over forward debit entries, as Nacha measures them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnClass {
    /// R05, R07, R10, R11, R29, R51: the receiver says the debit was not authorized.
    Unauthorized,
    /// R02, R03, R04: account closed, no account, invalid account number.
    Administrative,
    /// Every return code.
    Overall,
}

impl ReturnClass {
    pub const ALL: [ReturnClass; 3] = [
        ReturnClass::Unauthorized,
        ReturnClass::Administrative,
        ReturnClass::Overall,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReturnClass::Unauthorized => "unauthorized",
            ReturnClass::Administrative => "administrative",
            ReturnClass::Overall => "overall",
        }
    }

    pub fn rule(self) -> RiskRule {
        match self {
            ReturnClass::Unauthorized => RiskRule::ReturnsUnauthorized,
            ReturnClass::Administrative => RiskRule::ReturnsAdministrative,
            ReturnClass::Overall => RiskRule::ReturnsOverall,
        }
    }

    /// Whether a return code counts in this class.
    pub fn counts(self, code: &str) -> bool {
        match self {
            ReturnClass::Unauthorized => {
                matches!(code, "R05" | "R07" | "R10" | "R11" | "R29" | "R51")
            }
            ReturnClass::Administrative => matches!(code, "R02" | "R03" | "R04"),
            ReturnClass::Overall => true,
        }
    }

    /// The threshold in basis points.
    pub fn threshold_bp(self, r: &ReturnRates) -> u32 {
        match self {
            ReturnClass::Unauthorized => r.unauthorized_bp,
            ReturnClass::Administrative => r.administrative_bp,
            ReturnClass::Overall => r.overall_bp,
        }
    }
}

/// Returned debit entries of a class in a period's volumes.
pub fn returned_debits(v: &ReturnVolumes, class: ReturnClass) -> i64 {
    v.returns
        .iter()
        .filter(|(code, debit, _)| *debit && class.counts(code))
        .map(|(_, _, n)| n)
        .sum()
}

/// Returned entries (credits and debits) of a class, for the report.
pub fn returned_all(v: &ReturnVolumes, class: ReturnClass) -> i64 {
    v.returns
        .iter()
        .filter(|(code, _, _)| class.counts(code))
        .map(|(_, _, n)| n)
        .sum()
}

/// A rate in basis points, rounded down; 0 with no debits.
pub fn rate_bp(returned: i64, debits: i64) -> i64 {
    if debits <= 0 {
        0
    } else {
        returned.saturating_mul(10_000) / debits
    }
}

/// One window's verdicts: a pause for each class at or over its threshold, a warning for each
/// at or over the warning share of it. Nothing under `min_debits` forward debits.
pub fn return_rates(r: &ReturnRates, window_days: u32, v: &ReturnVolumes) -> Vec<Verdict> {
    if !r.enabled || v.forward_debits < i64::from(r.min_debits) || v.forward_debits == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for class in ReturnClass::ALL {
        let returned = returned_debits(v, class);
        let rate = rate_bp(returned, v.forward_debits);
        let threshold = i64::from(class.threshold_bp(r));
        let inputs = json!({
            "windowDays": window_days,
            "forwardDebits": v.forward_debits,
            "returnedDebits": returned,
            "rateBasisPoints": rate,
            "thresholdBasisPoints": threshold,
            "warnPercent": r.warn_percent,
        });
        // Exact comparison in integers: returned / debits >= threshold / 10000.
        let over = returned * 10_000 >= threshold * v.forward_debits;
        let near =
            returned * 10_000 * 100 >= threshold * i64::from(r.warn_percent) * v.forward_debits;
        let outcome = if over && returned > 0 {
            RiskOutcome::Paused
        } else if near && returned > 0 {
            RiskOutcome::Warned
        } else {
            continue;
        };
        out.push(Verdict {
            rule: class.rule(),
            outcome,
            inputs,
            detail: format!(
                "the {} return rate over {window_days} days is {}.{:02} %, the threshold is {}.{:02} %",
                class.as_str(),
                rate / 100,
                rate % 100,
                threshold / 100,
                threshold % 100
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::settings::RiskSettings;

    #[test]
    fn a_count_limit_refuses_at_the_limit_and_notes_the_approach() {
        let l = Limit {
            enabled: true,
            max: 10,
        };
        assert_eq!(count_limit(RiskRule::TenantHourly, l, 80, 6), None);
        let near = count_limit(RiskRule::TenantHourly, l, 80, 7).unwrap();
        assert_eq!(near.outcome, RiskOutcome::NearLimit);
        let near = count_limit(RiskRule::TenantHourly, l, 80, 9).unwrap();
        assert_eq!(near.outcome, RiskOutcome::NearLimit);
        let refused = count_limit(RiskRule::TenantHourly, l, 80, 10).unwrap();
        assert!(refused.refuses());
        let off = Limit {
            enabled: false,
            ..l
        };
        assert_eq!(count_limit(RiskRule::TenantHourly, off, 80, 100), None);
    }

    #[test]
    fn holder_names_compare_without_case_or_punctuation() {
        assert_eq!(normalized_name(" jane  o'neil-doe "), "JANE O NEIL DOE");
        assert_eq!(normalized_name("Jane Doe"), normalized_name("JANE DOE."));
    }

    fn uses(list: &[(u128, &str)]) -> Vec<FingerprintUse> {
        list.iter()
            .map(|(t, name)| FingerprintUse {
                tenant_id: Uuid::from_u128(*t),
                bank_account_id: Uuid::from_u128(t + 100),
                holder_name: name.to_string(),
            })
            .collect()
    }

    #[test]
    fn another_tenant_fires_the_shared_rule_as_configured() {
        let s = RiskSettings::default().shared_tenants;
        let me = Uuid::from_u128(1);
        assert_eq!(shared_tenants(s, me, &uses(&[(1, "A")])), None);
        let flag = shared_tenants(s, me, &uses(&[(1, "A"), (2, "A")])).unwrap();
        assert_eq!(flag.outcome, RiskOutcome::Flagged);
        let block = Shared {
            action: SignalAction::Block,
            ..s
        };
        assert!(shared_tenants(block, me, &uses(&[(2, "A")]))
            .unwrap()
            .refuses());
        let tolerant = Shared { max_others: 1, ..s };
        assert_eq!(
            shared_tenants(tolerant, me, &uses(&[(2, "A"), (2, "B")])),
            None
        );
    }

    #[test]
    fn another_holder_name_fires_the_name_rule() {
        let s = RiskSettings::default().shared_holder_names;
        assert_eq!(
            shared_holder_names(s, "Jane Doe", &uses(&[(2, "JANE DOE")])),
            None
        );
        let v = shared_holder_names(s, "Jane Doe", &uses(&[(2, "John Roe")])).unwrap();
        assert_eq!(v.rule, RiskRule::SharedHolderNames);
        assert!(
            !v.inputs.to_string().contains("Roe"),
            "names are not recorded"
        );
    }

    fn volumes(debits: i64, returns: &[(&str, i64)]) -> ReturnVolumes {
        ReturnVolumes {
            forward_debits: debits,
            forward_credits: debits * 2,
            returns: returns
                .iter()
                .map(|(c, n)| (c.to_string(), true, *n))
                .collect(),
        }
    }

    #[test]
    fn return_rates_pause_at_nachas_thresholds_and_warn_before() {
        let r = RiskSettings::default().return_rates;
        // 3 % administrative: 3 of 100 pauses, 2 of 100 is under the 80 % warning (2.4 %).
        let paused = return_rates(&r, 60, &volumes(100, &[("R03", 3)]));
        assert!(
            paused
                .iter()
                .any(|v| v.rule == RiskRule::ReturnsAdministrative
                    && v.outcome == RiskOutcome::Paused)
        );
        let under = return_rates(&r, 60, &volumes(100, &[("R03", 2)]));
        assert!(!under
            .iter()
            .any(|v| v.rule == RiskRule::ReturnsAdministrative));
        // 0.5 % unauthorized: 1 of 200 pauses; 1 of 201 is just under, but past 80 %: a warning.
        let paused = return_rates(&r, 30, &volumes(200, &[("R10", 1)]));
        assert!(paused
            .iter()
            .any(|v| v.rule == RiskRule::ReturnsUnauthorized && v.outcome == RiskOutcome::Paused));
        let warned = return_rates(&r, 30, &volumes(201, &[("R10", 1)]));
        assert!(warned
            .iter()
            .any(|v| v.rule == RiskRule::ReturnsUnauthorized && v.outcome == RiskOutcome::Warned));
        // Under the minimum volume nothing is acted on.
        assert!(return_rates(&r, 30, &volumes(19, &[("R10", 19)])).is_empty());
        // Credits' returns do not count toward a debit rate.
        let mut credits = volumes(100, &[]);
        credits.returns.push(("R03".into(), false, 50));
        assert!(return_rates(&r, 30, &credits).is_empty());
    }

    #[test]
    fn return_classes_follow_nacha() {
        for code in ["R05", "R07", "R10", "R11", "R29", "R51"] {
            assert!(ReturnClass::Unauthorized.counts(code));
            assert!(!ReturnClass::Administrative.counts(code));
        }
        for code in ["R02", "R03", "R04"] {
            assert!(ReturnClass::Administrative.counts(code));
        }
        assert!(!ReturnClass::Unauthorized.counts("R01"));
        assert!(ReturnClass::Overall.counts("R01"));
    }
}
