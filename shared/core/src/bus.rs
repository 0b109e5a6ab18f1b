//! The bus contract, in one place: the `source` of everything this product publishes, every
//! `detail-type` it reads or writes, the one event shape its functions publish, the port
//! they publish through ([`Bus`]), and how a subscriber reads an anomaly event
//! ([`received`]). The EventBridge adapter is [`eventbridge`] (feature
//! `eventbridge`); [`MemoryBus`] keeps what would be published (`anomalies serve`, tests).

#[cfg(feature = "eventbridge")]
pub mod eventbridge;
pub mod received;

use crate::anomaly::Anomaly;
use crate::engine::ChangeKind;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The `source` of every event this product publishes.
pub const SOURCE: &str = "access-anomalies";

/// Every `detail-type` on the product's buses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum DetailType {
    /// An access platform's event, on the access-events bus (read by ingest).
    AccessRequestChanged,
    AnomalyDetected,
    AnomalyUpdated,
    /// An analyst asked for the access to be revoked (the query API).
    RevokeAccessRequested,
    /// A webhook delivery failed for good (the webhooks function).
    WebhookDeliveryFailed,
}

impl DetailType {
    pub const ALL: [DetailType; 5] = [
        Self::AccessRequestChanged,
        Self::AnomalyDetected,
        Self::AnomalyUpdated,
        Self::RevokeAccessRequested,
        Self::WebhookDeliveryFailed,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessRequestChanged => "Access Request Changed",
            Self::AnomalyDetected => "Anomaly Detected",
            Self::AnomalyUpdated => "Anomaly Updated",
            Self::RevokeAccessRequested => "Revoke Access Requested",
            Self::WebhookDeliveryFailed => "Webhook Delivery Failed",
        }
    }

    /// The detail type of a wire name, if it is one of ours.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }

    /// True for the two events whose detail is an anomaly.
    pub fn carries_anomaly(self) -> bool {
        matches!(self, Self::AnomalyDetected | Self::AnomalyUpdated)
    }
}

impl From<ChangeKind> for DetailType {
    fn from(kind: ChangeKind) -> Self {
        match kind {
            ChangeKind::Detected => Self::AnomalyDetected,
            ChangeKind::Updated => Self::AnomalyUpdated,
        }
    }
}

impl fmt::Display for DetailType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of our detail types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a detail-type of this product")]
pub struct UnknownDetailType(pub String);

impl TryFrom<String> for DetailType {
    type Error = UnknownDetailType;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text).ok_or(UnknownDetailType(text))
    }
}

impl From<DetailType> for &'static str {
    fn from(detail_type: DetailType) -> Self {
        detail_type.as_str()
    }
}

/// One event for the anomalies bus.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BusEvent {
    pub detail_type: DetailType,
    /// What the event is about (an anomaly id): the entry's `resources`.
    pub resource: String,
    pub detail: serde_json::Value,
}

impl BusEvent {
    pub fn new(
        detail_type: DetailType,
        resource: impl Into<String>,
        detail: &impl Serialize,
    ) -> Result<Self, BusError> {
        let detail = serde_json::to_value(detail).map_err(|e| BusError::Encode(Arc::new(e)))?;
        Ok(Self {
            detail_type,
            resource: resource.into(),
            detail,
        })
    }

    /// `Anomaly Detected` / `Anomaly Updated` for this anomaly.
    pub fn anomaly(kind: ChangeKind, anomaly: &Anomaly) -> Result<Self, BusError> {
        Self::new(kind.into(), anomaly.id.as_str(), anomaly)
    }
}

/// Why an event did not reach the bus.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BusError {
    #[error("the bus refused the event: {code}: {message}")]
    Refused { code: String, message: String },
    #[error("the bus could not be reached: {0}")]
    Unavailable(#[source] Arc<dyn std::error::Error + Send + Sync>),
    #[error("the event's detail does not encode as JSON: {0}")]
    Encode(#[source] Arc<serde_json::Error>),
}

/// Where events are published. An adapter batches to its service's limits and retries.
#[async_trait]
pub trait Bus: Send + Sync {
    /// Publish every event; the result says, for each, whether it was accepted.
    async fn put(&self, events: &[BusEvent]) -> Vec<Result<(), BusError>>;
}

/// One anomaly change to announce.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    pub kind: ChangeKind,
    pub anomaly: Anomaly,
    /// The stored version this announces.
    pub version: u64,
}

/// Announce anomaly changes; for each, whether the bus accepted it.
pub async fn announce(bus: &dyn Bus, publications: &[Publication]) -> Vec<bool> {
    let mut accepted = vec![false; publications.len()];
    let mut events = Vec::with_capacity(publications.len());
    let mut positions = Vec::with_capacity(publications.len());
    for (i, publication) in publications.iter().enumerate() {
        match BusEvent::anomaly(publication.kind, &publication.anomaly) {
            Ok(event) => {
                events.push(event);
                positions.push(i);
            }
            Err(err) => warn_unannounced(publication, &err),
        }
    }
    for (i, result) in positions.into_iter().zip(bus.put(&events).await) {
        match result {
            Ok(()) => accepted[i] = true,
            Err(err) => warn_unannounced(&publications[i], &err),
        }
    }
    accepted
}

fn warn_unannounced(publication: &Publication, err: &BusError) {
    tracing::warn!(anomaly = %publication.anomaly.id, error = %err, "not announced");
}

/// Keeps every event it is given (and prints each as a JSON line when `echo`); can be told
/// to refuse, as a bus that is down would.
#[derive(Debug, Default)]
pub struct MemoryBus {
    events: Mutex<Vec<BusEvent>>,
    refusing: AtomicBool,
    echo: bool,
}

impl MemoryBus {
    pub fn new(echo: bool) -> Self {
        Self {
            echo,
            ..Self::default()
        }
    }

    /// What was accepted so far.
    pub fn events(&self) -> Vec<BusEvent> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// What was accepted so far, removed from the bus.
    pub fn take(&self) -> Vec<BusEvent> {
        self.events
            .lock()
            .map(|mut e| std::mem::take(&mut *e))
            .unwrap_or_default()
    }

    /// Refuse every event from now on (`true`) or accept them again.
    pub fn set_refusing(&self, refusing: bool) {
        self.refusing.store(refusing, Ordering::Relaxed);
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn put(&self, events: &[BusEvent]) -> Vec<Result<(), BusError>> {
        if self.refusing.load(Ordering::Relaxed) {
            let refused = BusError::Refused {
                code: "Refused".into(),
                message: "the in-memory bus was told to refuse".into(),
            };
            return vec![Err(refused); events.len()];
        }
        if self.echo {
            for event in events {
                let line = serde_json::json!({
                    "published": event.detail_type,
                    "resource": event.resource,
                });
                println!("{line}");
            }
        }
        if let Ok(mut kept) = self.events.lock() {
            kept.extend_from_slice(events);
        }
        vec![Ok(()); events.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample_anomaly;

    #[test]
    fn every_detail_type_reads_back_from_its_wire_name() {
        for detail_type in DetailType::ALL {
            assert_eq!(DetailType::parse(detail_type.as_str()), Some(detail_type));
            let json = serde_json::to_value(detail_type).unwrap();
            assert_eq!(json, detail_type.as_str());
            assert_eq!(
                serde_json::from_value::<DetailType>(json).unwrap(),
                detail_type
            );
        }
        assert!(serde_json::from_value::<DetailType>("Scheduled Event".into()).is_err());
    }

    #[tokio::test]
    async fn announcing_says_which_publications_the_bus_accepted() {
        // Arrange
        let bus = MemoryBus::default();
        let publication = Publication {
            kind: ChangeKind::Detected,
            anomaly: sample_anomaly("alice", 0),
            version: 1,
        };
        // Act
        let accepted = announce(&bus, std::slice::from_ref(&publication)).await;
        bus.set_refusing(true);
        let refused = announce(&bus, std::slice::from_ref(&publication)).await;
        // Assert
        assert_eq!((accepted, refused), (vec![true], vec![false]));
        let events = bus.events();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].detail_type, DetailType::AnomalyDetected);
        assert_eq!(events[0].resource, publication.anomaly.id.as_str());
        assert_eq!(events[0].detail["id"], publication.anomaly.id.as_str());
    }
}
