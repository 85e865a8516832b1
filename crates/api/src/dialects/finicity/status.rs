//! Finicity's micro-entry status vocabulary over the engine's verification statuses (the
//! mapping is documented in `docs/dialects.md`).

use pennydrop_core::model::{FailureCause, Verification, VerificationStatus};
use pennydrop_engine::rules::{lifetime, MICRO_DEPOSIT_ATTEMPTS};

pub fn status(v: &Verification) -> &'static str {
    match v.status {
        VerificationStatus::New => "Pending",
        VerificationStatus::SentCredit => "Completed",
        VerificationStatus::Successful => "Verified",
        VerificationStatus::Expired => "Expired",
        VerificationStatus::MaxAttemptsExceeded => "Failed",
        VerificationStatus::Failed
            if matches!(v.failure_cause(), Some(FailureCause::AchReturn(_))) =>
        {
            "Returned"
        }
        VerificationStatus::Failed => "Rejected",
    }
}

pub fn description(v: &Verification) -> String {
    let detail = v
        .exception_details
        .as_ref()
        .map(|d| format!(": {}", d.description))
        .unwrap_or_default();
    match status(v) {
        "Pending" => "Micro entries are in pending status: they are sent at the next ACH cutoff window".into(),
        "Completed" if v.failed_attempts > 0 => format!(
            "Micro entries are deposited to the customer's account; {} of {} verification attempts left",
            MICRO_DEPOSIT_ATTEMPTS.saturating_sub(v.failed_attempts),
            MICRO_DEPOSIT_ATTEMPTS
        ),
        "Completed" => "Micro entries are deposited to the customer's account and ready to verify".into(),
        "Verified" => "Micro entries are successfully verified".into(),
        "Returned" => format!("Micro entries got returned{detail}"),
        "Rejected" => format!("Micro entries got rejected{detail}"),
        "Failed" => "Micro entries failed: the verification attempts are exceeded".into(),
        "Expired" => format!(
            "Micro entries expired: they remained unverified for {} days",
            lifetime().as_hours() / 24
        ),
        other => format!("Micro entries are in {other} status"),
    }
}
