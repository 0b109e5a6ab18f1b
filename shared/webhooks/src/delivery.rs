//! One delivery: an event for one webhook. Its id (`Webhook-Id`) is derived from the
//! webhook, the anomaly, the event type and the anomaly's content, so the same event
//! delivered twice (a duplicate SNS message, a redelivered batch) carries the same id and is
//! recognised by the ledger and by receivers. Here the request is built: body in the
//! webhook's format, auth, extra headers and the signature.

use crate::format::{Envelope, RenderError};
use crate::model::{Auth, Webhook, WebhookId};
use crate::secret::signature_header;
use crate::send::Outgoing;
use anomalies_core::domain::TenantId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A delivery's id: `msg_` and 32 hex digits.
pub fn delivery_id(webhook: &WebhookId, envelope: &Envelope) -> String {
    let content = serde_json::to_vec(&envelope.data).unwrap_or_default();
    let mut hasher = Sha256::new();
    for part in [
        webhook.as_str().as_bytes(),
        envelope.data.id.as_str().as_bytes(),
        envelope.event_type.as_str().as_bytes(),
        &Sha256::digest(&content)[..],
    ] {
        hasher.update(part);
        hasher.update([0u8]);
    }
    format!("msg_{}", hex::encode(&hasher.finalize()[..16]))
}

/// A delivery in flight or waiting for its next attempt (the retry message's body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: String,
    pub tenant_id: TenantId,
    pub webhook_id: WebhookId,
    pub envelope: Envelope,
    pub first_attempt_at: DateTime<Utc>,
}

impl Delivery {
    pub fn new(webhook: &Webhook, envelope: Envelope, now: DateTime<Utc>) -> Self {
        Self {
            id: delivery_id(&webhook.id, &envelope),
            tenant_id: webhook.tenant_id.clone(),
            webhook_id: webhook.id.clone(),
            envelope,
            first_attempt_at: now,
        }
    }
}

/// The signed request for attempt `attempt` of a delivery, sent at `now`.
pub fn request(
    webhook: &Webhook,
    delivery_id: &str,
    envelope: &Envelope,
    attempt: u32,
    now: DateTime<Utc>,
) -> Result<Outgoing, RenderError> {
    let (content_type, body) = webhook.format.render(envelope)?;
    let timestamp = now.timestamp();
    let mut headers = vec![
        ("Content-Type".to_owned(), content_type),
        ("Webhook-Id".to_owned(), delivery_id.to_owned()),
        ("Webhook-Timestamp".to_owned(), timestamp.to_string()),
        (
            "Webhook-Signature".to_owned(),
            signature_header(
                &webhook.secrets.valid_at(now),
                delivery_id,
                timestamp,
                &body,
            ),
        ),
        ("Webhook-Attempt".to_owned(), attempt.to_string()),
    ];
    if let Auth::Bearer { token } = &webhook.auth {
        headers.push(("Authorization".to_owned(), format!("Bearer {token}")));
    }
    headers.extend(webhook.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(Outgoing {
        url: webhook.url.clone(),
        method: webhook.method,
        headers,
        body,
        timeout: std::time::Duration::from_secs(u64::from(webhook.timeout_seconds)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventType, WebhookInput};
    use crate::secret::verify;
    use anomalies_core::sample::sample_anomaly;

    fn webhook() -> Webhook {
        let input: WebhookInput = serde_json::from_value(serde_json::json!({
            "name": "x", "url": "https://a.example/hook",
            "auth": {"type": "bearer", "token": "tok"},
            "headers": {"X-Team": "sec"}
        }))
        .unwrap();
        Webhook::create(TenantId::default_tenant(), input, Utc::now()).unwrap()
    }

    fn envelope(event_type: EventType) -> Envelope {
        Envelope {
            event_type,
            event_time: "2026-11-24T10:00:00Z".parse().unwrap(),
            data: sample_anomaly("alice", 0),
        }
    }

    #[test]
    fn the_delivery_id_is_stable_per_webhook_anomaly_and_event() {
        // Arrange
        let (a, b) = (webhook(), webhook());
        let detected = envelope(EventType::AnomalyDetected);
        let mut changed = detected.clone();
        changed.data.status = anomalies_core::anomaly::TriageStatus::Resolved;

        // Act / Assert
        assert_eq!(
            delivery_id(&a.id, &detected),
            delivery_id(&a.id, &detected.clone())
        );
        assert_ne!(delivery_id(&a.id, &detected), delivery_id(&b.id, &detected));
        assert_ne!(
            delivery_id(&a.id, &detected),
            delivery_id(&a.id, &envelope(EventType::AnomalyUpdated))
        );
        assert_ne!(delivery_id(&a.id, &detected), delivery_id(&a.id, &changed));
    }

    #[test]
    fn the_request_is_signed_and_carries_auth_and_extra_headers() {
        // Arrange
        let webhook = webhook();
        let now: DateTime<Utc> = "2026-11-24T10:00:05Z".parse().unwrap();

        // Act
        let request = request(
            &webhook,
            "msg_1",
            &envelope(EventType::AnomalyDetected),
            1,
            now,
        )
        .unwrap();

        // Assert
        let header = |name: &str| {
            request
                .headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(header("Webhook-Id"), "msg_1");
        assert_eq!(header("Authorization"), "Bearer tok");
        assert_eq!(header("X-Team"), "sec");
        let timestamp: i64 = header("Webhook-Timestamp").parse().unwrap();
        assert!(verify(
            webhook.secrets.current(),
            &header("Webhook-Signature"),
            "msg_1",
            timestamp,
            &request.body,
            now.timestamp()
        )
        .is_ok());
    }
}
