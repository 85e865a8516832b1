//! Webhooks as data: a tenant's endpoint, one delivery of one event to it, the envelope the
//! receiver reads, and the two signatures it can check — Moov's (`X-Signature`, which does not
//! cover the body) and Standard Webhooks' (`webhook-signature`, which does). Pure: no IO.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Sha256, Sha512};
use uuid::Uuid;

use crate::model::Event;

/// The test event `POST /webhooks/{webhookID}/ping` sends.
pub const EVENT_TEST: &str = "event.test";

crate::model::wire_enum!(WebhookStatus { Enabled = "enabled", Disabled = "disabled" });

crate::model::wire_enum!(
    /// `pending` until the endpoint answers 2xx (`delivered`) or the retries run out (`failed`).
    DeliveryStatus { Pending = "pending", Delivered = "delivered", Failed = "failed" }
);

/// A tenant's webhook endpoint. `secret` is the signing secret as stored (sealed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub webhook_id: Uuid,
    pub tenant_id: Uuid,
    pub url: String,
    pub description: String,
    pub status: WebhookStatus,
    /// The event types it receives; empty means every type.
    pub event_types: Vec<String>,
    pub secret: String,
    /// After a rotation: the previous secret (sealed) and until when deliveries are also signed
    /// with it.
    pub previous_secret: Option<(String, Timestamp)>,
    /// Why it was disabled, when the service disabled it (an endpoint answering 410).
    pub disabled_reason: Option<String>,
    pub created_on: Timestamp,
    pub updated_on: Timestamp,
}

impl Webhook {
    pub fn wants(&self, event_type: &str) -> bool {
        self.event_types.is_empty() || self.event_types.iter().any(|t| t == event_type)
    }
}

/// One event on its way to one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub tenant_id: Uuid,
    /// The event's sequence number: increasing in the order events were written.
    pub sequence: i64,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_on: Option<Timestamp>,
    pub created_on: Timestamp,
}

/// Moov's envelope, plus the sequence number receivers order by.
pub fn envelope(event: &Event, sequence: i64) -> Value {
    json!({
        "eventID": event.event_id,
        "type": event.event_type,
        "data": event.data,
        "createdOn": event.created_on.to_string(),
        "sequence": sequence,
    })
}

/// Moov's `X-Signature`: lowercase hex HMAC-SHA512 of `timestamp|nonce|webhookID` keyed with
/// the secret's text.
pub fn moov_signature(secret: &str, timestamp: &str, nonce: &str, webhook_id: &str) -> String {
    let mut mac = <Hmac<Sha512> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(format!("{timestamp}|{nonce}|{webhook_id}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Standard Webhooks' `webhook-signature`: `v1,` and base64 HMAC-SHA256 of `id.timestamp.body`
/// keyed with the secret's bytes (the base64 after `whsec_`). None for a secret not of that form.
pub fn standard_signature(
    secret: &str,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Option<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).ok()?;
    mac.update(format!("{msg_id}.{timestamp}.").as_bytes());
    mac.update(body);
    Some(format!("v1,{}", b64.encode(mac.finalize().into_bytes())))
}

/// A new signing secret: `whsec_` and 32 random bytes in base64 (Standard Webhooks' form).
pub fn new_secret(bytes: [u8; 32]) -> String {
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moov_signature_reproduces_the_published_test_vector() {
        assert_eq!(
            moov_signature(
                "my-webhook-signing-secret",
                "2024-04-26T21:20:55Z",
                "LwxF1Uk7QOeDq2nzB3theslHbtAo7y3uuncB1PoijwCZZaRZsd8DOtffBT7p",
                "dff0a709-f982-4475-81e8-214b435c74ab",
            ),
            "6231d03752de6963087e6aea1c78a27a0617b6df1c071195f30ed85defe34e02fd0bf3995949fe12dafd747c42de9cfae03b8aafcf69cceba5495f4c7b719d82"
        );
    }

    #[test]
    fn standard_signature_reproduces_the_specification_example() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            standard_signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(standard_signature("no-prefix", "m", 1, body), None);
    }

    #[test]
    fn a_webhook_without_types_wants_every_event() {
        let mut w = Webhook {
            webhook_id: Uuid::nil(),
            tenant_id: Uuid::nil(),
            url: "https://example.com".into(),
            description: String::new(),
            status: WebhookStatus::Enabled,
            event_types: vec![],
            secret: String::new(),
            previous_secret: None,
            disabled_reason: None,
            created_on: Timestamp::UNIX_EPOCH,
            updated_on: Timestamp::UNIX_EPOCH,
        };
        assert!(w.wants("bankAccount.created"));
        w.event_types = vec!["bankAccount.updated".into()];
        assert!(!w.wants("bankAccount.created"));
        assert!(w.wants("bankAccount.updated"));
    }
}
