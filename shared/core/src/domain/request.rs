//! A parsed access-request event and the request it describes.

use super::{
    DecisionMode, EventId, IntegrationId, RequestId, RequestStatus, ResourceId, Tags, TenantId,
    UserId,
};
use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// A person or identity, with optional display details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub id: UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<CompactString>,
}

/// The integration (connector) a request goes through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integration {
    pub id: IntegrationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<CompactString>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CompactString>,
}

/// One resource access is requested to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub id: ResourceId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<CompactString>,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// The access flow (policy) a request was made under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessFlow {
    pub id: CompactString,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<CompactString>,
}

/// An approver's or rejecter's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// `None` when the event did not say; a rejection without a mode counts as manual.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<DecisionMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Decision {
    /// A decision counts as manual unless it says it was automatic.
    pub fn is_manual(&self) -> bool {
        self.mode != Some(DecisionMode::Automatic)
    }
}

/// The access request as the event describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequest {
    pub id: RequestId,
    pub status: RequestStatus,
    pub created_at: DateTime<Utc>,
    pub requester: Party,
    pub integration: Integration,
    pub resource_type: CompactString,
    pub resources: Vec<Resource>,
    pub permissions: Vec<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_flow: Option<AccessFlow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

impl AccessRequest {
    /// Whether `other` asks for the same thing from the same person in the same words: every
    /// field but the id, time, status and decision is equal.
    pub fn describes_the_same_as(&self, other: &AccessRequest) -> bool {
        self.requester == other.requester
            && self.integration == other.integration
            && self.resource_type == other.resource_type
            && self.resources == other.resources
            && self.permissions == other.permissions
            && self.access_flow == other.access_flow
            && self.justification == other.justification
            && self.duration_seconds == other.duration_seconds
            && self.client == other.client
    }
}

/// One access-request state change: the unit the detector consumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEvent {
    pub event_id: EventId,
    pub tenant_id: TenantId,
    pub occurred_at: DateTime<Utc>,
    pub request: AccessRequest,
}

impl AccessEvent {
    /// A rejection taken by a person (mode `manual`, or no mode given).
    pub fn is_manual_rejection(&self) -> bool {
        self.request.status == RequestStatus::Rejected
            && self
                .request
                .decision
                .as_ref()
                .is_none_or(Decision::is_manual)
    }
}
