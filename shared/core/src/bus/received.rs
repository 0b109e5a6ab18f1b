//! An event from the anomalies bus as a queue behind one of its rules receives it (the
//! EventBridge event as JSON): the two anomaly events are read into an [`AnomalyEvent`];
//! every other detail type is for someone else.

use super::DetailType;
use crate::anomaly::Anomaly;
use serde::Deserialize;

/// `Anomaly Detected` or `Anomaly Updated`, with its anomaly.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyEvent {
    pub detail_type: DetailType,
    pub anomaly: Anomaly,
}

/// Why a received message is not an event this product can read.
#[derive(Debug, thiserror::Error)]
pub enum BadEvent {
    #[error("not an EventBridge event: {0}")]
    NotAnEvent(serde_json::Error),
    #[error("the detail of `{detail_type}` is not an anomaly: {source}")]
    NotAnAnomaly {
        detail_type: DetailType,
        source: serde_json::Error,
    },
}

#[derive(Deserialize)]
struct Received {
    #[serde(rename = "detail-type")]
    detail_type: String,
    detail: serde_json::Value,
}

impl AnomalyEvent {
    /// The anomaly event in a message body, or `None` for another detail type.
    pub fn from_json(body: &str) -> Result<Option<Self>, BadEvent> {
        let event: Received = serde_json::from_str(body).map_err(BadEvent::NotAnEvent)?;
        let Some(detail_type) =
            DetailType::parse(&event.detail_type).filter(|d| d.carries_anomaly())
        else {
            return Ok(None);
        };
        let anomaly =
            serde_json::from_value(event.detail).map_err(|source| BadEvent::NotAnAnomaly {
                detail_type,
                source,
            })?;
        Ok(Some(Self {
            detail_type,
            anomaly,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample_anomaly;

    fn event(detail_type: &str, detail: serde_json::Value) -> String {
        serde_json::json!({
            "version": "0", "id": "e1", "detail-type": detail_type,
            "source": "access-anomalies", "time": "2026-11-24T10:00:00Z", "detail": detail
        })
        .to_string()
    }

    #[test]
    fn an_anomaly_event_is_read_with_its_anomaly() {
        let anomaly = sample_anomaly("alice", 0);
        let body = event("Anomaly Updated", serde_json::to_value(&anomaly).unwrap());

        let read = AnomalyEvent::from_json(&body).unwrap().unwrap();

        assert_eq!(read.detail_type, DetailType::AnomalyUpdated);
        assert_eq!(read.anomaly, anomaly);
    }

    #[test]
    fn other_detail_types_are_for_someone_else() {
        let body = event("Revoke Access Requested", serde_json::json!({}));
        assert_eq!(AnomalyEvent::from_json(&body).unwrap(), None);
        let body = event("Something Else", serde_json::json!({}));
        assert_eq!(AnomalyEvent::from_json(&body).unwrap(), None);
    }

    #[test]
    fn a_detail_that_is_not_an_anomaly_and_a_body_that_is_not_an_event_are_named() {
        let err = AnomalyEvent::from_json(&event("Anomaly Updated", serde_json::json!({"id": 1})))
            .unwrap_err();
        assert!(err.to_string().contains("`Anomaly Updated`"), "{err}");
        let err = AnomalyEvent::from_json("not json").unwrap_err();
        assert!(
            err.to_string().starts_with("not an EventBridge event"),
            "{err}"
        );
    }
}
