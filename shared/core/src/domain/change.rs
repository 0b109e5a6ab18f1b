//! A state change that names only its request (contract v1.1, and most platforms' reviews
//! and expiries), and what one event says: a whole request or such a change.

use super::{AccessEvent, AccessRequest, Decision, EventId, RequestId, RequestStatus, TenantId};
use chrono::{DateTime, Utc};

/// A state change that names only the request: the detector completes it from the request it
/// already holds (its requester, integration, resources and permissions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    pub event_id: EventId,
    pub tenant_id: TenantId,
    pub occurred_at: DateTime<Utc>,
    pub request_id: RequestId,
    pub status: RequestStatus,
    pub decision: Option<Decision>,
}

impl StateChange {
    /// The whole event, from the request as the detector first saw it.
    pub fn complete(self, known: AccessRequest) -> AccessEvent {
        AccessEvent {
            event_id: self.event_id,
            tenant_id: self.tenant_id,
            occurred_at: self.occurred_at,
            request: AccessRequest {
                id: self.request_id,
                status: self.status,
                decision: self.decision,
                ..known
            },
        }
    }
}

/// One thing an event says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// A whole request (a create, or a platform that sends the whole record every time).
    Event(Box<AccessEvent>),
    /// A change to a request named by id only.
    Change(StateChange),
}

impl Observation {
    pub fn event_id(&self) -> &EventId {
        match self {
            Self::Event(event) => &event.event_id,
            Self::Change(change) => &change.event_id,
        }
    }

    pub fn tenant_id(&self) -> &TenantId {
        match self {
            Self::Event(event) => &event.tenant_id,
            Self::Change(change) => &change.tenant_id,
        }
    }

    pub fn request_id(&self) -> &RequestId {
        match self {
            Self::Event(event) => &event.request.id,
            Self::Change(change) => &change.request_id,
        }
    }
}

impl From<AccessEvent> for Observation {
    fn from(event: AccessEvent) -> Self {
        Self::Event(Box::new(event))
    }
}
