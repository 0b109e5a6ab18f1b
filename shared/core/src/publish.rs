//! Announcing anomalies on the anomalies event bus: PutEvents in chunks of its limit of 10
//! entries, retrying only the entries that failed, with exponential backoff and jitter. Used
//! by the ingest and sweep functions (feature `eventbridge`).

use crate::anomaly::Anomaly;
use crate::engine::ChangeKind;
use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;
use std::time::Duration;

/// One anomaly change to announce.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    pub kind: ChangeKind,
    pub anomaly: Anomaly,
    /// The stored version this announces.
    pub version: u64,
}

impl Publication {
    pub fn detail_type(&self) -> &'static str {
        match self.kind {
            ChangeKind::Detected => "Anomaly Detected",
            ChangeKind::Updated => "Anomaly Updated",
        }
    }
}

/// Where anomalies are announced.
#[async_trait]
pub trait Publisher: Send + Sync {
    /// Publish every publication; the result says, for each, whether it was accepted.
    async fn publish(&self, publications: &[Publication]) -> Vec<bool>;
}

/// PutEvents accepts at most 10 entries per request.
pub const PUT_EVENTS_LIMIT: usize = 10;
/// The `source` of every event this product publishes.
pub const SOURCE: &str = "access-anomalies";
/// Attempts per entry (the first and its retries).
const ATTEMPTS: u32 = 4;

pub struct EventBridgePublisher {
    client: Client,
    bus: String,
}

impl EventBridgePublisher {
    pub fn new(client: Client, bus: impl Into<String>) -> Self {
        Self {
            client,
            bus: bus.into(),
        }
    }

    fn entry(&self, publication: &Publication) -> Option<PutEventsRequestEntry> {
        let detail = serde_json::to_string(&publication.anomaly).ok()?;
        Some(
            PutEventsRequestEntry::builder()
                .event_bus_name(&self.bus)
                .source(SOURCE)
                .detail_type(publication.detail_type())
                .resources(publication.anomaly.id.as_str())
                .detail(detail)
                .build(),
        )
    }

    /// Send one chunk; return which entries were accepted.
    async fn send(&self, entries: Vec<PutEventsRequestEntry>) -> Vec<bool> {
        let count = entries.len();
        match self
            .client
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
        {
            Ok(output) => {
                let results = output.entries.unwrap_or_default();
                (0..count)
                    .map(|i| {
                        results
                            .get(i)
                            .is_some_and(|r| r.error_code.is_none() && r.event_id.is_some())
                    })
                    .collect()
            }
            Err(err) => {
                tracing::warn!(error = %aws_sdk_eventbridge::error::DisplayErrorContext(&err), "PutEvents failed");
                vec![false; count]
            }
        }
    }
}

#[async_trait]
impl Publisher for EventBridgePublisher {
    async fn publish(&self, publications: &[Publication]) -> Vec<bool> {
        let mut accepted = vec![false; publications.len()];
        let mut pending: Vec<usize> = (0..publications.len()).collect();
        for attempt in 0..ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let mut still = Vec::new();
            for chunk in pending.chunks(PUT_EVENTS_LIMIT) {
                let entries: Vec<_> = chunk
                    .iter()
                    .filter_map(|&i| self.entry(&publications[i]))
                    .collect();
                if entries.len() != chunk.len() {
                    still.extend_from_slice(chunk);
                    continue;
                }
                for (&i, ok) in chunk.iter().zip(self.send(entries).await) {
                    if ok {
                        accepted[i] = true;
                    } else {
                        still.push(i);
                    }
                }
            }
            pending = still;
        }
        accepted
    }
}

/// Exponential backoff with full jitter: up to 100 ms, 200 ms, 400 ms.
fn backoff(attempt: u32) -> Duration {
    let cap = 100u64 << attempt.saturating_sub(1).min(5);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    Duration::from_millis(nanos % cap.max(1))
}
