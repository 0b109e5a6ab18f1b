//! Builders for rule tests: a valid event with sensible defaults, changed field by field.

use crate::domain::*;
use chrono::{DateTime, Duration, TimeZone, Utc};

/// 2026-01-01T00:00:00Z plus `seconds`.
pub fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(seconds)
}

pub const DAY: i64 = 86_400;

pub struct EventBuilder(pub AccessEvent);

pub fn event(event_id: &str, request_id: &str, status: RequestStatus) -> EventBuilder {
    EventBuilder(AccessEvent {
        event_id: EventId::try_from(event_id).unwrap(),
        tenant_id: TenantId::default_tenant(),
        occurred_at: at(0),
        request: AccessRequest {
            id: RequestId::try_from(request_id).unwrap(),
            status,
            created_at: at(0),
            requester: Party {
                id: UserId::try_from("alice").unwrap(),
                name: Some("Alice Example".into()),
                email: Some("alice@example.com".into()),
            },
            integration: Integration {
                id: IntegrationId::try_from("aws-main").unwrap(),
                name: Some("AWS main account".into()),
                kind: Some("aws-account".into()),
            },
            resource_type: "aws-iam-role".into(),
            resources: vec![Resource {
                id: ResourceId::try_from("res-analytics").unwrap(),
                name: Some("analytics-reader".into()),
                tags: Default::default(),
            }],
            permissions: vec!["ReadOnly".into()],
            access_flow: None,
            justification: None,
            duration_seconds: Some(3600),
            client: Some("web".into()),
            decision: None,
        },
    })
}

impl EventBuilder {
    pub fn requester(mut self, id: &str) -> Self {
        self.0.request.requester.id = UserId::try_from(id).unwrap();
        self
    }
    pub fn created(mut self, t: DateTime<Utc>) -> Self {
        self.0.request.created_at = t;
        if self.0.occurred_at < t {
            self.0.occurred_at = t;
        }
        self
    }
    pub fn occurred(mut self, t: DateTime<Utc>) -> Self {
        self.0.occurred_at = t;
        self
    }
    pub fn integration(mut self, id: &str) -> Self {
        self.0.request.integration.id = IntegrationId::try_from(id).unwrap();
        self
    }
    pub fn resource(mut self, id: &str, name: Option<&str>, tags: &[(&str, &str)]) -> Self {
        self.0.request.resources = vec![Resource {
            id: ResourceId::try_from(id).unwrap(),
            name: name.map(Into::into),
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        }];
        self
    }
    pub fn add_resource(mut self, id: &str, name: Option<&str>) -> Self {
        self.0.request.resources.push(Resource {
            id: ResourceId::try_from(id).unwrap(),
            name: name.map(Into::into),
            tags: Default::default(),
        });
        self
    }
    pub fn permissions(mut self, permissions: &[&str]) -> Self {
        self.0.request.permissions = permissions.iter().map(|p| (*p).into()).collect();
        self
    }
    pub fn decision(mut self, mode: Option<DecisionMode>, by: &str) -> Self {
        self.0.request.decision = Some(Decision {
            mode,
            by: Some(Party {
                id: UserId::try_from(by).unwrap(),
                name: None,
                email: None,
            }),
            reason: Some("not needed for this ticket".into()),
        });
        self
    }
    pub fn build(self) -> AccessEvent {
        self.0
    }
}
