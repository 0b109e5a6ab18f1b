//! Glide (Common Fate's open-source framework) EventBridge events, source
//! `commonfate.io/granted`, as the bus or an SQS queue delivers them: the envelope's `id` is
//! the event id and its `time` the event time.
//!
//! Request events carry the whole request (`detail.request`): `request.created` → pending,
//! `request.approved` → approved (`approvalMethod` AUTOMATIC → automatic, REVIEWED → manual by
//! `reviewerId`/`reviewerEmail`), `request.declined` → rejected (manual, by the reviewer),
//! `request.cancelled` → cancelled. Mapping: `id` → the request; `requestedBy` → the requester
//! (`requestorEmail` its email, when the event has it); the access rule (`rule`) → the
//! integration; each `selectedWith` option → a resource (`{key}={value}`, named by its
//! `label`, of type its key), except options whose key names a role or permission set
//! (`role`, `permissionSetArn`, …), which are the permissions (their labels); a rule with no
//! selectable resource is itself the resource (`rule/{rule}`); access itself is the
//! permission when no option names one; `data.reason` → the justification; the override
//! timing (else the requested one) `duration`, in nanoseconds → the duration; `createdAt` →
//! when it was requested.
//!
//! Grant events name the request only (`detail.grant.id` is the request id):
//! `grant.activated` → granted, `grant.expired` → expired, `grant.revoked` → revoked,
//! `grant.failed` → failed; `grant.created` changes nothing tracked. Other detail-types and
//! other sources are not access-request events.

use super::{id, GLIDE_SOURCE};
use crate::connectors::fields::Node;
use crate::connectors::{ConnectorError, Translation};
use crate::domain::{
    AccessEvent, AccessFlow, AccessRequest, Decision, DecisionMode, EventId, Integration,
    IntegrationId, Observation, Party, RequestId, RequestStatus, Resource, ResourceId, StateChange,
    Tags, TenantId, UserId,
};
use compact_str::CompactString;

pub(super) fn translate(root: &Node, tenant: &TenantId) -> Result<Translation, ConnectorError> {
    if root.text("source")? != Some(GLIDE_SOURCE) {
        return Ok(Translation::NotAccessRequest);
    }
    let detail_type = root.required("detail-type")?;
    let (status, is_request) = match detail_type {
        "request.created" => (RequestStatus::Pending, true),
        "request.approved" => (RequestStatus::Approved, true),
        "request.declined" => (RequestStatus::Rejected, true),
        "request.cancelled" => (RequestStatus::Cancelled, true),
        "grant.activated" => (RequestStatus::Granted, false),
        "grant.expired" => (RequestStatus::Expired, false),
        "grant.revoked" => (RequestStatus::Revoked, false),
        "grant.failed" => (RequestStatus::Failed, false),
        "grant.created" => return Ok(Translation::Events(Vec::new())),
        _ => return Ok(Translation::NotAccessRequest),
    };
    let event_id = id::<EventId>(root, "id")?;
    let occurred_at = root.instant("time")?;
    let detail = root.required_object("detail")?;
    let observation = if is_request {
        Observation::Event(Box::new(AccessEvent {
            event_id,
            tenant_id: tenant.clone(),
            occurred_at,
            request: request(&detail, status)?,
        }))
    } else {
        let grant = detail.required_object("grant")?;
        Observation::Change(StateChange {
            event_id,
            tenant_id: tenant.clone(),
            occurred_at,
            request_id: id::<RequestId>(&grant, "id")?,
            status,
            decision: None,
        })
    };
    Ok(Translation::Events(vec![observation]))
}

fn is_role_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("role") || key.contains("permissionset")
}

fn request(detail: &Node, status: RequestStatus) -> Result<AccessRequest, ConnectorError> {
    let request = detail.required_object("request")?;
    let rule = request.required("rule")?;
    let requester = Party {
        id: id::<UserId>(&request, "requestedBy")?,
        name: None,
        email: detail.text("requestorEmail")?.map(Into::into),
    };
    let mut resources = Vec::new();
    let mut permissions: Vec<CompactString> = Vec::new();
    if let Some(selected) = request.object("selectedWith")? {
        let mut keys: Vec<&String> = selected
            .value
            .as_object()
            .into_iter()
            .flat_map(|o| o.keys())
            .collect();
        keys.sort();
        for key in keys {
            let Some(option) = selected.object(key)? else {
                continue;
            };
            let value = option.required("value")?;
            let label = option.text("label")?.unwrap_or(value);
            if is_role_key(key) {
                permissions.push(label.into());
            } else {
                let id = ResourceId::try_from(format!("{key}={value}"))
                    .map_err(|e| option.error("value", e.to_string()))?;
                resources.push((
                    key.as_str(),
                    Resource {
                        id,
                        name: Some(label.into()),
                        tags: Tags::default(),
                    },
                ));
            }
        }
    }
    let resource_type: CompactString = match resources.first() {
        Some((key, _)) => (*key).into(),
        None => "access-rule".into(),
    };
    let mut resources: Vec<Resource> = resources.into_iter().map(|(_, r)| r).collect();
    if resources.is_empty() {
        resources.push(Resource {
            id: ResourceId::try_from(format!("rule/{rule}"))
                .map_err(|e| request.error("rule", e.to_string()))?,
            name: Some(rule.into()),
            tags: Tags::default(),
        });
    }
    if permissions.is_empty() {
        permissions.push("access".into());
    }
    let timing = match request.object("overrideTiming")? {
        Some(timing) => Some(timing),
        None => request.object("requestedTiming")?,
    };
    let duration_seconds = match timing {
        Some(timing) => timing
            .number("duration")?
            .filter(|n| *n > 0.0)
            .map(|nanos| (nanos / 1e9).round() as u64),
        None => None,
    };
    let justification = match request.object("data")? {
        Some(data) => data.text("reason")?.map(str::to_owned),
        None => None,
    };
    Ok(AccessRequest {
        id: id::<RequestId>(&request, "id")?,
        status,
        created_at: request.instant("createdAt")?,
        requester,
        integration: Integration {
            id: IntegrationId::try_from(rule).map_err(|e| request.error("rule", e.to_string()))?,
            name: None,
            kind: Some("common-fate-glide".into()),
        },
        resource_type,
        resources,
        permissions,
        access_flow: Some(AccessFlow {
            id: rule.into(),
            name: request
                .text("ruleVersion")?
                .map(|v| format!("{rule} (version {v})").into()),
        }),
        justification,
        duration_seconds,
        client: None,
        decision: decision(detail, &request, status)?,
    })
}

fn decision(
    detail: &Node,
    request: &Node,
    status: RequestStatus,
) -> Result<Option<Decision>, ConnectorError> {
    if !matches!(status, RequestStatus::Approved | RequestStatus::Rejected) {
        return Ok(None);
    }
    let automatic = request.text("approvalMethod")? == Some("AUTOMATIC");
    let by = match detail.text("reviewerId")? {
        Some(reviewer) => Some(Party {
            id: UserId::try_from(reviewer)
                .map_err(|e| detail.error("reviewerId", e.to_string()))?,
            name: None,
            email: detail.text("reviewerEmail")?.map(Into::into),
        }),
        None => None,
    };
    Ok(Some(Decision {
        mode: Some(if automatic && status == RequestStatus::Approved {
            DecisionMode::Automatic
        } else {
            DecisionMode::Manual
        }),
        by,
        reason: None,
    }))
}
