//! Completing a state change that names only its request (contract v1.1, most platforms'
//! reviews and expiries) from the request as the store first saw it — the same on every
//! store, so replay and the ingest Lambda complete alike.

use crate::domain::{AccessEvent, Observation, RequestId};
use crate::store::RequestLog;

/// A state change for a request no earlier event described: its create has not been seen
/// (yet — on AWS it may still be on the way, so the message is redelivered).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("request {:?} is not known (no earlier event carries its scope)", .0.as_str())]
pub struct UnknownRequest(pub RequestId);

/// The whole event an observation stands for.
pub fn complete<S: RequestLog + ?Sized>(
    store: &S,
    observation: Observation,
) -> Result<AccessEvent, UnknownRequest> {
    match observation {
        Observation::Event(event) => Ok(*event),
        Observation::Change(change) => {
            match store.known_request(&change.tenant_id, &change.request_id) {
                Some(known) => Ok(change.complete(known)),
                None => Err(UnknownRequest(change.request_id)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::contract::parse_event;
    use crate::domain::{EventId, RequestStatus, StateChange};
    use crate::engine::Detector;
    use crate::store::MemoryStore;

    fn pending() -> AccessEvent {
        parse_event(include_bytes!("../../../../events/samples/pending.json")).unwrap()
    }

    fn expiry(of: &AccessEvent) -> Observation {
        Observation::Change(StateChange {
            event_id: EventId::try_from("later").unwrap(),
            tenant_id: of.tenant_id.clone(),
            occurred_at: of.occurred_at + chrono::Duration::hours(1),
            request_id: of.request.id.clone(),
            status: RequestStatus::Expired,
            decision: None,
        })
    }

    #[test]
    fn a_change_to_a_known_request_carries_that_request_with_its_own_status() {
        // Arrange
        let detector = Detector::new(Config::default()).unwrap();
        let mut store = MemoryStore::new();
        let created = pending();
        detector.process(&mut store, created.clone(), created.occurred_at);
        // Act
        let event = complete(&store, expiry(&created)).unwrap();
        // Assert
        assert_eq!(event.request.status, RequestStatus::Expired);
        assert_eq!(event.event_id.as_str(), "later");
        assert_eq!(event.request.requester, created.request.requester);
        assert_eq!(event.request.resources, created.request.resources);
        assert_eq!(event.request.created_at, created.request.created_at);
    }

    #[test]
    fn a_change_to_a_request_never_seen_is_unknown_and_named() {
        let store = MemoryStore::new();
        let err = complete(&store, expiry(&pending())).unwrap_err();
        let id = pending().request.id;
        assert_eq!(err, UnknownRequest(id.clone()));
        assert_eq!(
            err.to_string(),
            format!(
                "request {:?} is not known (no earlier event carries its scope)",
                id.as_str()
            )
        );
    }
}
