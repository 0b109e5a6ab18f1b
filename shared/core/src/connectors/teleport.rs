//! Teleport audit events → what the detector consumes. Only the access-request kinds count;
//! every other audit event (`user.login`, `session.start`, `access_request.search`, …) is
//! [`Translation::NotAccessRequest`].
//!
//! - `access_request.create` (T5000I) is the whole request: `id`, `user` (the requester),
//!   `roles` (the permissions), `resource_ids` (`cluster`/`kind`/`name`/`sub_resource`),
//!   `reason` (the justification), `max_duration` (an instant: the duration is its distance
//!   from `time`), `state`. The integration is the Teleport cluster (`cluster_name`, else
//!   the first resource's `cluster`, else `teleport`). A resource's id is
//!   `/cluster/kind/name[/sub_resource]` with `%` and `/` inside a part percent-encoded, so
//!   different resources never share an id; `kind` is the resource type (kinds joined by `+`
//!   when a request mixes them). A role-only request (no `resource_ids`) is a request for the
//!   cluster itself: one resource `/cluster` of type `cluster`.
//! - `access_request.review` (T5002I) and `access_request.update` (T5001I) name the request
//!   and its resulting `state`: a [`StateChange`] with the decision (`reviewer` or
//!   `updated_by`; the reviewer `@teleport-access-approval-bot` is an automatic decision, any
//!   other a manual one; `reason`). A review that leaves the request pending changes nothing.
//! - `access_request.expire` (T5005I) → expired; `access_request.delete` (T5003I) →
//!   cancelled.
//!
//! States: PENDING → pending, APPROVED and PROMOTED → approved, DENIED → rejected; APPLIED
//! (the requester assumed the access) → granted. `uid` is the event id, `time` its time.

use super::{instant, ConnectorError, Translation};
use crate::domain::{
    AccessEvent, AccessRequest, Decision, DecisionMode, EventId, Integration, Observation, Party,
    RequestId, RequestStatus, Resource, ResourceId, StateChange, Tags, TenantId, UserId,
};
use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde::Deserialize;
use std::borrow::Cow;

/// The reviewer Teleport's access monitoring rules approve as (RFD 0201).
pub const AUTOMATIC_REVIEWER: &str = "@teleport-access-approval-bot";
/// The integration id when an event names no cluster.
const NO_CLUSTER: &str = "teleport";

/// Just the kind, read first: other audit events may use the same field names differently.
#[derive(Deserialize)]
struct Kind {
    #[serde(default)]
    event: Option<serde_json::Value>,
}

/// The fields of Teleport's `AccessRequestCreate` (create, update, review) and
/// `AccessRequestExpire`/`AccessRequestDelete` messages that we read.
#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow, default)]
    event: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    uid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    user: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    state: Option<Cow<'a, str>>,
    #[serde(default)]
    roles: Option<Vec<CompactString>>,
    #[serde(default)]
    resource_ids: Option<Vec<ResourceRef>>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(borrow, default)]
    max_duration: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cluster_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    reviewer: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    updated_by: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ResourceRef {
    #[serde(default)]
    cluster: Option<CompactString>,
    #[serde(default)]
    kind: Option<CompactString>,
    #[serde(default)]
    name: Option<CompactString>,
    #[serde(default)]
    sub_resource: Option<CompactString>,
}

/// The payload as a whole (a JSON path's root).
const ROOT: &str = "$";

fn syntax(err: &serde_json::Error) -> ConnectorError {
    if err.is_data() {
        ConnectorError::new(ROOT, "a Teleport audit event is a JSON object")
    } else {
        ConnectorError::new(ROOT, format!("not valid JSON: {err}"))
    }
}

/// A payload of the right kind whose fields have the wrong types: name the field.
fn shape(payload: &[u8], kind: &str) -> ConnectorError {
    let mut de = serde_json::Deserializer::from_slice(payload);
    match serde_path_to_error::deserialize::<_, Event>(&mut de) {
        Ok(_) => ConnectorError::new(ROOT, format!("{kind} could not be read")),
        Err(err) => {
            let path = err.path().to_string();
            let message = err.inner().to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_owned();
            ConnectorError::new(if path == "." { ROOT.to_owned() } else { path }, message)
        }
    }
}

fn is_request(kind: &str) -> bool {
    matches!(
        kind,
        "access_request.create"
            | "access_request.review"
            | "access_request.update"
            | "access_request.expire"
            | "access_request.delete"
    )
}

/// Translate one Teleport audit event for `tenant`.
pub fn translate(payload: &[u8], tenant: &TenantId) -> Result<Translation, ConnectorError> {
    // Fast path: one SIMD parse of the fields we read. Other audit events may give the same
    // field names other types; only then is the kind read on its own, slowly.
    let fast = std::str::from_utf8(payload)
        .ok()
        .and_then(|text| sonic_rs::from_str::<Event>(text).ok());
    let event = match fast {
        Some(event) => event,
        None => {
            let kind: Kind = serde_json::from_slice(payload).map_err(|e| syntax(&e))?;
            match kind.event {
                Some(serde_json::Value::String(kind)) if is_request(&kind) => {
                    return Err(shape(payload, &kind))
                }
                _ => return Ok(Translation::NotAccessRequest),
            }
        }
    };
    let kind = match event.event.as_deref() {
        Some(kind) if is_request(kind) => kind.to_owned(),
        _ => return Ok(Translation::NotAccessRequest),
    };
    let one = |t| Ok(Translation::Events(vec![t]));
    match kind.as_str() {
        "access_request.create" => one(Observation::Event(Box::new(create(&event, tenant)?))),
        "access_request.expire" => one(change(&event, tenant, RequestStatus::Expired, None)?),
        "access_request.delete" => one(change(&event, tenant, RequestStatus::Cancelled, None)?),
        _ => {
            let status = state(&event)?;
            if status == RequestStatus::Pending {
                return Ok(Translation::Events(Vec::new()));
            }
            let by = event.reviewer.as_deref().or(event.updated_by.as_deref());
            let decision = decision(by, event.reason.clone())?;
            one(change(&event, tenant, status, Some(decision))?)
        }
    }
}

fn required<'e>(value: &'e Option<Cow<'_, str>>, field: &str) -> Result<&'e str, ConnectorError> {
    match value.as_deref() {
        Some(v) if !v.trim().is_empty() => Ok(v),
        Some(_) => Err(ConnectorError::new(field, "must be a non-empty string")),
        None => Err(ConnectorError::new(field, "is required but missing")),
    }
}

fn state(event: &Event) -> Result<RequestStatus, ConnectorError> {
    match required(&event.state, "state")? {
        "PENDING" => Ok(RequestStatus::Pending),
        "APPROVED" | "PROMOTED" => Ok(RequestStatus::Approved),
        "DENIED" => Ok(RequestStatus::Rejected),
        "APPLIED" => Ok(RequestStatus::Granted),
        other => Err(ConnectorError::new(
            "state",
            format!(
                "unknown state {other:?} (expected PENDING, APPROVED, DENIED, PROMOTED or APPLIED)"
            ),
        )),
    }
}

fn decision(by: Option<&str>, reason: Option<String>) -> Result<Decision, ConnectorError> {
    let by = by.filter(|b| !b.trim().is_empty());
    let mode = match by {
        Some(AUTOMATIC_REVIEWER) => DecisionMode::Automatic,
        _ => DecisionMode::Manual,
    };
    let by = by
        .map(|b| {
            UserId::try_from(b)
                .map(|id| Party {
                    id,
                    name: None,
                    email: None,
                })
                .map_err(|e| ConnectorError::new("reviewer", e.to_string()))
        })
        .transpose()?;
    Ok(Decision {
        mode: Some(mode),
        by,
        reason: reason.filter(|r| !r.trim().is_empty()),
    })
}

/// The event id, time and request id every access-request event carries.
fn header(event: &Event) -> Result<(EventId, DateTime<Utc>, RequestId), ConnectorError> {
    let uid = required(&event.uid, "uid")?;
    let time = instant(required(&event.time, "time")?, "time")?;
    let id = required(&event.id, "id")?;
    let event_id = EventId::try_from(uid).map_err(|e| ConnectorError::new("uid", e.to_string()))?;
    let request_id =
        RequestId::try_from(id).map_err(|e| ConnectorError::new("id", e.to_string()))?;
    Ok((event_id, time, request_id))
}

fn change(
    event: &Event,
    tenant: &TenantId,
    status: RequestStatus,
    decision: Option<Decision>,
) -> Result<Observation, ConnectorError> {
    let (event_id, occurred_at, request_id) = header(event)?;
    Ok(Observation::Change(StateChange {
        event_id,
        tenant_id: tenant.clone(),
        occurred_at,
        request_id,
        status,
        decision,
    }))
}

/// `%` and `/` inside one part of a resource id, percent-encoded (so the id is injective).
fn part(text: &str) -> String {
    text.replace('%', "%25").replace('/', "%2F")
}

fn create(event: &Event, tenant: &TenantId) -> Result<AccessEvent, ConnectorError> {
    let (event_id, occurred_at, id) = header(event)?;
    let user = required(&event.user, "user")?;
    let requester = Party {
        id: UserId::try_from(user).map_err(|e| ConnectorError::new("user", e.to_string()))?,
        name: None,
        email: None,
    };
    let roles = event.roles.clone().unwrap_or_default();
    if let Some(i) = roles.iter().position(|r| r.trim().is_empty()) {
        return Err(ConnectorError::new(
            format!("roles[{i}]"),
            "must be a non-empty string",
        ));
    }
    let refs = event.resource_ids.as_deref().unwrap_or_default();
    let cluster = event
        .cluster_name
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| refs.first().and_then(|r| r.cluster.as_deref()))
        .unwrap_or(NO_CLUSTER);
    let (resources, resource_type) = resources(refs, cluster)?;
    if roles.is_empty() && refs.is_empty() {
        return Err(ConnectorError::new(
            "roles",
            "a request names at least one role or resource",
        ));
    }
    let duration_seconds = match event.max_duration.as_deref() {
        Some(max) if !max.is_empty() => {
            let until = instant(max, "max_duration")?;
            u64::try_from((until - occurred_at).num_seconds())
                .ok()
                .filter(|s| *s > 0)
        }
        _ => None,
    };
    let status = match event.state {
        Some(_) => state(event)?,
        None => RequestStatus::Pending,
    };
    let integration = Integration {
        id: crate::domain::IntegrationId::try_from(cluster)
            .map_err(|e| ConnectorError::new("cluster_name", e.to_string()))?,
        name: Some(cluster.into()),
        kind: Some("teleport".into()),
    };
    Ok(AccessEvent {
        event_id,
        tenant_id: tenant.clone(),
        occurred_at,
        request: AccessRequest {
            id,
            status,
            created_at: occurred_at,
            requester,
            integration,
            resource_type,
            resources,
            // A resource request names no role: its permission is access to the resources.
            permissions: if roles.is_empty() {
                vec!["access".into()]
            } else {
                roles
            },
            access_flow: None,
            justification: event.reason.clone().filter(|r| !r.trim().is_empty()),
            duration_seconds,
            client: None,
            decision: None,
        },
    })
}

/// The requested resources and their type; the cluster itself for a role-only request.
fn resources(
    refs: &[ResourceRef],
    cluster: &str,
) -> Result<(Vec<Resource>, CompactString), ConnectorError> {
    if refs.is_empty() {
        let id = ResourceId::try_from(format!("/{}", part(cluster)))
            .map_err(|e| ConnectorError::new("cluster_name", e.to_string()))?;
        let resource = Resource {
            id,
            name: Some(cluster.into()),
            tags: Tags::default(),
        };
        return Ok((vec![resource], "cluster".into()));
    }
    let mut kinds: Vec<&str> = Vec::new();
    let mut out = Vec::with_capacity(refs.len());
    for (i, r) in refs.iter().enumerate() {
        let field = |name: &str| format!("resource_ids[{i}].{name}");
        let kind = r
            .kind
            .as_deref()
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| ConnectorError::new(field("kind"), "is required but missing"))?;
        let name = r
            .name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| ConnectorError::new(field("name"), "is required but missing"))?;
        let own_cluster = r
            .cluster
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .unwrap_or(cluster);
        let mut id = format!("/{}/{}/{}", part(own_cluster), part(kind), part(name));
        let mut shown = CompactString::from(name);
        if let Some(sub) = r.sub_resource.as_deref().filter(|s| !s.is_empty()) {
            id.push('/');
            id.push_str(&part(sub));
            shown = format!("{name}/{sub}").into();
        }
        let id = ResourceId::try_from(id)
            .map_err(|e| ConnectorError::new(field("name"), e.to_string()))?;
        out.push(Resource {
            id,
            name: Some(shown),
            tags: Tags::default(),
        });
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    kinds.sort_unstable();
    Ok((out, kinds.join("+").into()))
}

#[cfg(test)]
mod tests;
