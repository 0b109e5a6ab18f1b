//! Announcing triage changes and revocation requests on the anomalies bus (one PutEvents per
//! API call: at most 2 entries, under its limit of 10).

use anomalies_api::ports::{EventSink, OutboundEvent};
use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;

/// The `source` of every event this product publishes (the ingest function uses the same).
pub const SOURCE: &str = "access-anomalies";

pub struct EventBridgeSink {
    pub client: Client,
    pub bus: String,
}

#[async_trait]
impl EventSink for EventBridgeSink {
    async fn publish(&self, events: &[OutboundEvent]) -> Result<(), String> {
        let entries = events
            .iter()
            .map(|e| {
                PutEventsRequestEntry::builder()
                    .event_bus_name(&self.bus)
                    .source(SOURCE)
                    .detail_type(e.detail_type)
                    .resources(&e.resource)
                    .detail(e.detail.to_string())
                    .build()
            })
            .collect();
        let output = self
            .client
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| {
                format!(
                    "PutEvents: {}",
                    aws_sdk_eventbridge::error::DisplayErrorContext(&e)
                )
            })?;
        match output.failed_entry_count {
            0 => Ok(()),
            failed => Err(format!(
                "PutEvents rejected {failed} of {} entries",
                events.len()
            )),
        }
    }
}
