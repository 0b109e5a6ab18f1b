//! The bus on EventBridge: PutEvents in chunks of its limit of 10 entries, retrying only the
//! entries that failed, with exponential backoff and jitter.

use super::{Bus, BusError, BusEvent, SOURCE};
use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;
use std::sync::Arc;
use std::time::Duration;

/// PutEvents accepts at most 10 entries per request.
pub const PUT_EVENTS_LIMIT: usize = 10;
/// Attempts per entry (the first and its retries).
const ATTEMPTS: u32 = 4;

/// One event bus.
pub struct EventBridgeBus {
    client: Client,
    bus: String,
}

impl EventBridgeBus {
    pub fn new(client: Client, bus: impl Into<String>) -> Self {
        Self {
            client,
            bus: bus.into(),
        }
    }

    fn entry(&self, event: &BusEvent) -> PutEventsRequestEntry {
        PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(SOURCE)
            .detail_type(event.detail_type.as_str())
            .resources(&event.resource)
            .detail(event.detail.to_string())
            .build()
    }

    /// Send one chunk (at most [`PUT_EVENTS_LIMIT`]); the result of each entry.
    async fn send(&self, chunk: &[&BusEvent]) -> Vec<Result<(), BusError>> {
        let entries = chunk.iter().map(|e| self.entry(e)).collect();
        match self
            .client
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
        {
            Ok(output) => {
                let results = output.entries.unwrap_or_default();
                (0..chunk.len())
                    .map(|i| match results.get(i) {
                        Some(r) if r.error_code.is_none() && r.event_id.is_some() => Ok(()),
                        Some(r) => Err(BusError::Refused {
                            code: r.error_code.clone().unwrap_or_default(),
                            message: r.error_message.clone().unwrap_or_default(),
                        }),
                        None => Err(BusError::Refused {
                            code: "NoResult".into(),
                            message: "PutEvents returned no result for the entry".into(),
                        }),
                    })
                    .collect()
            }
            Err(err) => {
                let err = BusError::Unavailable(Arc::new(err));
                vec![Err(err); chunk.len()]
            }
        }
    }
}

#[async_trait]
impl Bus for EventBridgeBus {
    async fn put(&self, events: &[BusEvent]) -> Vec<Result<(), BusError>> {
        let mut results: Vec<Result<(), BusError>> = vec![Ok(()); events.len()];
        let mut pending: Vec<usize> = (0..events.len()).collect();
        for attempt in 0..ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let mut still = Vec::new();
            for chunk in pending.chunks(PUT_EVENTS_LIMIT) {
                let batch: Vec<&BusEvent> = chunk.iter().map(|&i| &events[i]).collect();
                for (&i, result) in chunk.iter().zip(self.send(&batch).await) {
                    if result.is_err() {
                        still.push(i);
                    }
                    results[i] = result;
                }
            }
            pending = still;
        }
        for &i in &pending {
            if let Err(err) = &results[i] {
                tracing::warn!(error = %err, resource = %events[i].resource, "PutEvents gave up");
            }
        }
        results
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_its_cap() {
        for attempt in 1..ATTEMPTS {
            assert!(backoff(attempt) < Duration::from_millis(100 << (attempt - 1)));
        }
    }
}
