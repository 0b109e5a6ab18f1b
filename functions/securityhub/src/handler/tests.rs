//! The handler over a fake Security Hub: what is imported, what is redelivered.

use super::*;
use crate::message::tests::{event, record};
use anomalies_core::anomaly::TriageStatus;
use anomalies_core::sample::sample_anomaly;
use async_trait::async_trait;
use aws_sdk_securityhub::types::AwsSecurityFinding;
use std::sync::Mutex;

/// Accepts every finding except those whose title contains `refuse`.
#[derive(Default)]
struct FakeHub {
    refuse: String,
    seen: Mutex<Vec<AwsSecurityFinding>>,
}

#[async_trait]
impl Findings for FakeHub {
    async fn import(&self, findings: &[AwsSecurityFinding]) -> Vec<bool> {
        self.seen.lock().unwrap().extend_from_slice(findings);
        findings
            .iter()
            .map(|f| {
                self.refuse.is_empty()
                    || !f
                        .title
                        .as_deref()
                        .unwrap_or_default()
                        .contains(&self.refuse)
            })
            .collect()
    }
}

fn context(hub: Arc<FakeHub>) -> Context {
    Context {
        findings: hub,
        product: ProductArn::try_from(
            "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default",
        )
        .unwrap(),
        page_url: Some("https://api.example.com/ui/".into()),
    }
}

fn failed(response: &SqsBatchResponse) -> Vec<&str> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect()
}

#[tokio::test]
async fn only_unreadable_and_refused_messages_are_redelivered() {
    // Arrange
    let hub = Arc::new(FakeHub {
        refuse: "bob".into(),
        ..FakeHub::default()
    });
    let mut alice = sample_anomaly("alice", 0);
    alice.summary = "alice did something".into();
    let mut bob = sample_anomaly("bob", 1);
    bob.summary = "bob did something".into();
    let batch = SqsEvent {
        records: vec![
            record("1", event("Anomaly Detected", &alice)),
            record("2", event("Anomaly Detected", &bob)),
            record("3", "{}".into()),
            record(
                "4",
                serde_json::json!({"detail-type": "Webhook Delivery Failed", "detail": {}})
                    .to_string(),
            ),
        ],
    };

    // Act
    let response = import(&context(hub.clone()), batch).await;

    // Assert
    assert_eq!(failed(&response), ["3", "2"]);
    let seen = hub.seen.lock().unwrap();
    let ids: Vec<_> = seen.iter().map(|f| f.id.clone().unwrap()).collect();
    assert_eq!(ids, [alice.id.to_string(), bob.id.to_string()]);
}

#[tokio::test]
async fn every_message_of_a_refused_finding_is_redelivered() {
    // Arrange
    let hub = Arc::new(FakeHub {
        refuse: "dave".into(),
        ..FakeHub::default()
    });
    let mut detected = sample_anomaly("dave", 0);
    detected.summary = "dave again".into();
    let mut acknowledged = detected.clone();
    acknowledged.status = TriageStatus::Acknowledged;
    acknowledged.updated_at = detected.updated_at + chrono::Duration::minutes(1);
    let batch = SqsEvent {
        records: vec![
            record("a", event("Anomaly Detected", &detected)),
            record("b", event("Anomaly Updated", &acknowledged)),
        ],
    };

    // Act
    let response = import(&context(hub), batch).await;

    // Assert
    assert_eq!(failed(&response), ["a", "b"]);
}
