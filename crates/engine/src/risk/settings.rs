//! The risk rules' settings: the deployment's (`--risk`), and each tenant's overrides on top as
//! a JSON merge patch (RFC 7396). Both are the same camelCase JSON; `docs/risk.md` lists every
//! field, its default and why.

use serde::{Deserialize, Serialize};

/// A count limit that can be switched off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Limit {
    pub enabled: bool,
    pub max: u32,
}

/// Verification rounds a bank account gets per method (between operator unlocks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rounds {
    pub enabled: bool,
    pub micro_deposits: u32,
    pub instant: u32,
}

/// What a cross-tenant signal does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignalAction {
    /// Record the decision and let the request through.
    Flag,
    /// Record the decision and refuse the request.
    Block,
}

/// The same bank account (fingerprint) seen elsewhere within a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Shared {
    pub enabled: bool,
    pub window_days: u32,
    /// How many others (tenants, or holder names) are tolerated before the rule fires.
    pub max_others: u32,
    pub action: SignalAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Toggle {
    pub enabled: bool,
}

/// Return-rate monitoring (Nacha's return rate levels), thresholds in basis points
/// (50 = 0.5 %) of forward debit entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReturnRates {
    pub enabled: bool,
    pub windows_days: Vec<u32>,
    pub unauthorized_bp: u32,
    pub administrative_bp: u32,
    pub overall_bp: u32,
    /// Warn once a rate reaches this share (percent) of its threshold.
    pub warn_percent: u32,
    /// Rates over fewer forward debits than this are not acted on (they are still reported).
    pub min_debits: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RiskSettings {
    pub tenant_hourly: Limit,
    pub tenant_daily: Limit,
    pub bank_account_rounds: Rounds,
    pub holder_bank_accounts: Limit,
    pub shared_tenants: Shared,
    pub shared_holder_names: Shared,
    pub blocklist: Toggle,
    pub return_rates: ReturnRates,
    /// An allowed request at or past this share (percent) of a count limit is recorded.
    pub near_limit_percent: u32,
}

impl Default for RiskSettings {
    fn default() -> Self {
        Self {
            tenant_hourly: Limit {
                enabled: true,
                max: 1_000,
            },
            tenant_daily: Limit {
                enabled: true,
                max: 10_000,
            },
            bank_account_rounds: Rounds {
                enabled: true,
                micro_deposits: 3,
                instant: 3,
            },
            holder_bank_accounts: Limit {
                enabled: true,
                max: 10,
            },
            shared_tenants: Shared {
                enabled: true,
                window_days: 60,
                max_others: 0,
                action: SignalAction::Flag,
            },
            shared_holder_names: Shared {
                enabled: true,
                window_days: 60,
                max_others: 0,
                action: SignalAction::Flag,
            },
            blocklist: Toggle { enabled: true },
            return_rates: ReturnRates {
                enabled: true,
                windows_days: vec![30, 60],
                unauthorized_bp: 50,
                administrative_bp: 300,
                overall_bp: 1_500,
                warn_percent: 80,
                min_debits: 20,
            },
            near_limit_percent: 80,
        }
    }
}

/// Settings that cannot be what their author meant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("risk settings: {0}")]
pub struct SettingsProblem(pub String);

impl RiskSettings {
    /// These settings with `patch` (a JSON merge patch) applied; the problem names the field.
    pub fn patched(&self, patch: &serde_json::Value) -> Result<RiskSettings, SettingsProblem> {
        if !patch.is_object() {
            return Err(SettingsProblem("must be a JSON object".into()));
        }
        let mut value = serde_json::to_value(self).map_err(|e| SettingsProblem(e.to_string()))?;
        merge_patch(&mut value, patch);
        let settings: RiskSettings =
            serde_json::from_value(value).map_err(|e| SettingsProblem(e.to_string()))?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), SettingsProblem> {
        let percent_ok = |p: u32| (1..=100).contains(&p);
        if !percent_ok(self.near_limit_percent) || !percent_ok(self.return_rates.warn_percent) {
            return Err(SettingsProblem(
                "nearLimitPercent and returnRates.warnPercent must be 1 to 100".into(),
            ));
        }
        if self.return_rates.windows_days.contains(&0) {
            return Err(SettingsProblem(
                "returnRates.windowsDays must be whole days above 0".into(),
            ));
        }
        if self.shared_tenants.window_days == 0 || self.shared_holder_names.window_days == 0 {
            return Err(SettingsProblem("windowDays must be above 0".into()));
        }
        Ok(())
    }
}

/// RFC 7396: objects merge key by key, `null` removes, anything else replaces.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    let serde_json::Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = serde_json::Value::Object(Default::default());
    }
    if let serde_json::Value::Object(t) = target {
        for (key, value) in patch {
            if value.is_null() {
                t.remove(key);
            } else {
                merge_patch(
                    t.entry(key.clone()).or_insert(serde_json::Value::Null),
                    value,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let base = RiskSettings::default();
        let patched = base
            .patched(&json!({"tenantHourly": {"max": 5}, "sharedTenants": {"action": "block"}}))
            .unwrap();
        assert_eq!(patched.tenant_hourly.max, 5);
        assert!(patched.tenant_hourly.enabled);
        assert_eq!(patched.shared_tenants.action, SignalAction::Block);
        assert_eq!(patched.tenant_daily, base.tenant_daily);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_named() {
        let base = RiskSettings::default();
        let e = base.patched(&json!({"tenantHourlyy": {}})).unwrap_err();
        assert!(e.0.contains("tenantHourlyy"), "{e}");
        let e = base
            .patched(&json!({"tenantHourly": {"max": -1}}))
            .unwrap_err();
        assert!(e.0.contains("-1"), "{e}");
        assert!(base.patched(&json!([])).is_err());
        assert!(base.patched(&json!({"nearLimitPercent": 0})).is_err());
    }

    #[test]
    fn null_restores_the_default_only_through_the_base() {
        // Removing a required field is refused rather than silently defaulted.
        let e = RiskSettings::default()
            .patched(&json!({"tenantHourly": null}))
            .unwrap_err();
        assert!(e.0.contains("tenantHourly"), "{e}");
    }
}
