//! Apono request webhooks → whole v1 events. Apono's webhook body is a Handlebars template the
//! admin writes; we ship the one to paste (`events/platforms/apono/body-template.hbs`, the
//! shape of Apono's payload schema with every value quoted) and read what it renders. Apono
//! sends the whole request at every trigger, so nothing needs completing.
//!
//! `event_type` (with or without the `Access` prefix): `RequestCreated` → pending,
//! `RequestApproved` → approved, `RequestRejected` → rejected, `RequestGranted` → granted,
//! `RequestExpired` → expired, `RequestRevoked` → revoked, `RequestFailed` → failed,
//! `RequestCancelled` → cancelled; any other (Apono's audit-log webhooks) is not an
//! access-request event. Apono sends no event id: it is `apono:{data.id}:{event_type}:
//! {event_time}`, so a retried delivery is a duplicate.
//!
//! Mapping: `data.id` → the request; `data.requester` → the requester; the first access
//! group's `integration` → the integration; each access unit's resource → a resource (id
//! `{integration.id}/{resource.id}`, named by its `name`, else `path`), of the first unit's
//! resource type; each unit's `permission` (`name`, else `id`) → a permission; `access_flow`,
//! `justification`, `access_duration_in_seconds`; `creation_date` and `event_time` (epoch
//! seconds) → when it was requested and when this happened. A decision's approver is the
//! first approval whose `status` matches it; an approval with no approver was automatic.
//!
//! Handlebars HTML-escapes what it renders (`&quot;` for `"`), which keeps the JSON valid,
//! but escapes neither a backslash nor a newline: backslashes and control characters inside
//! strings are read literally, and the entities decoded (see `repair`).

mod repair;
#[cfg(test)]
mod tests;

use super::fields::Node;
use super::{ConnectorError, Translation};
use crate::domain::{
    AccessEvent, AccessFlow, AccessRequest, Decision, DecisionMode, EventId, Integration,
    IntegrationId, Observation, Party, RequestId, RequestStatus, Resource, ResourceId, Tags,
    TenantId, UserId,
};
use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde_json::Value;

/// The body template an Apono admin pastes into the webhook.
pub const BODY_TEMPLATE: &str =
    include_str!("../../../../events/platforms/apono/body-template.hbs");

/// Translate one Apono webhook body (rendered from [`BODY_TEMPLATE`]) for `tenant`.
pub fn translate(payload: &[u8], tenant: &TenantId) -> Result<Translation, ConnectorError> {
    let mut value = repair::parse(payload)?;
    if !value.is_object() {
        return Err(ConnectorError::new(
            "$",
            "an Apono webhook body is a JSON object",
        ));
    }
    repair::unescape_html(&mut value);
    let root = Node::root(&value);
    let Some(event_type) = root.text("event_type")? else {
        return Ok(Translation::NotAccessRequest);
    };
    let Some(status) = status(event_type) else {
        return Ok(Translation::NotAccessRequest);
    };
    let occurred_at = epoch(&root, "event_time")?;
    let data = root.required_object("data")?;
    let request_id = data.required("id")?;
    let event_id = EventId::try_from(format!(
        "apono:{request_id}:{event_type}:{}",
        root.required("event_time").unwrap_or_default()
    ))
    .map_err(|e| root.error("event_time", e.to_string()))?;
    let request = request(&data, status, occurred_at)?;
    Ok(Translation::Events(vec![Observation::Event(Box::new(
        AccessEvent {
            event_id,
            tenant_id: tenant.clone(),
            occurred_at,
            request,
        },
    ))]))
}

fn status(event_type: &str) -> Option<RequestStatus> {
    let name = event_type.strip_prefix("Access").unwrap_or(event_type);
    Some(match name.strip_prefix("Request")? {
        "Created" => RequestStatus::Pending,
        "Approved" => RequestStatus::Approved,
        "Rejected" | "Declined" => RequestStatus::Rejected,
        "Granted" => RequestStatus::Granted,
        "Expired" => RequestStatus::Expired,
        "Revoked" => RequestStatus::Revoked,
        "Failed" => RequestStatus::Failed,
        "Cancelled" | "Canceled" => RequestStatus::Cancelled,
        _ => return None,
    })
}

/// Epoch seconds (with a fraction) as a time.
fn epoch(node: &Node, field: &str) -> Result<DateTime<Utc>, ConnectorError> {
    let seconds = node
        .number(field)?
        .ok_or_else(|| node.error(field, "is required but missing"))?;
    let whole = seconds.floor();
    let nanos = ((seconds - whole) * 1e9).round().min(999_999_999.0) as u32;
    DateTime::from_timestamp(whole as i64, nanos)
        .ok_or_else(|| node.error(field, format!("{seconds} is not a time in epoch seconds")))
}

fn party(node: &Node) -> Result<Option<Party>, ConnectorError> {
    let Some(id) = node.text("id")? else {
        return Ok(None);
    };
    Ok(Some(Party {
        id: UserId::try_from(id).map_err(|e| node.error("id", e.to_string()))?,
        name: node.text("name")?.map(Into::into),
        email: node.text("email")?.map(Into::into),
    }))
}

fn push_once(list: &mut Vec<CompactString>, item: &str) {
    if !list.iter().any(|p| p == item) {
        list.push(item.into());
    }
}

fn request(
    data: &Node,
    status: RequestStatus,
    occurred_at: DateTime<Utc>,
) -> Result<AccessRequest, ConnectorError> {
    let requester_node = data.required_object("requester")?;
    let requester = party(&requester_node)?
        .ok_or_else(|| requester_node.error("id", "is required but missing"))?;
    let groups = data.items("access_groups")?;
    let first = groups
        .first()
        .ok_or_else(|| data.error("access_groups", "must list at least one access group"))?;
    let integration_node = first.required_object("integration")?;
    let integration_id = integration_node.required("id")?;
    let mut resources: Vec<Resource> = Vec::new();
    let mut permissions: Vec<CompactString> = Vec::new();
    let mut resource_type: Option<CompactString> = None;
    for group in &groups {
        let integration = group.required_object("integration")?.required("id")?;
        for unit in group.items("access_units")? {
            let resource = unit.required_object("resource")?;
            let rid = resource.required("id")?;
            let id = ResourceId::try_from(format!("{integration}/{rid}"))
                .map_err(|e| resource.error("id", e.to_string()))?;
            if resource_type.is_none() {
                resource_type = match resource.value.get("type") {
                    Some(Value::Object(_)) => resource.required_object("type")?.text("id")?,
                    _ => resource.text("type")?,
                }
                .map(Into::into);
            }
            if !resources.iter().any(|r| r.id == id) {
                let name = resource.text("name")?.or(resource.text("path")?);
                resources.push(Resource {
                    id,
                    name: name.map(Into::into),
                    tags: Tags::default(),
                });
            }
            if let Some(permission) = unit.object("permission")? {
                if let Some(shown) = permission.text("name")?.or(permission.text("id")?) {
                    push_once(&mut permissions, shown);
                }
            }
        }
    }
    if resources.is_empty() {
        return Err(first.error("access_units", "must list at least one access unit"));
    }
    if permissions.is_empty() {
        permissions.push("access".into());
    }
    let integration_type = integration_node.text("type")?;
    let access_flow = match data.object("access_flow")? {
        Some(flow) => flow.text("id")?.map(|id| AccessFlow {
            id: id.into(),
            name: flow.text("name").ok().flatten().map(Into::into),
        }),
        None => None,
    };
    let created_at = match data.number("creation_date")? {
        Some(_) => epoch(data, "creation_date")?,
        None => occurred_at,
    };
    Ok(AccessRequest {
        id: RequestId::try_from(data.required("id")?)
            .map_err(|e| data.error("id", e.to_string()))?,
        status,
        created_at,
        requester,
        integration: Integration {
            id: IntegrationId::try_from(integration_id)
                .map_err(|e| integration_node.error("id", e.to_string()))?,
            name: integration_node.text("name")?.map(Into::into),
            kind: integration_type.map(Into::into),
        },
        resource_type: resource_type
            .or(integration_type.map(Into::into))
            .unwrap_or_else(|| "apono-resource".into()),
        resources,
        permissions,
        access_flow,
        justification: data.text("justification")?.map(str::to_owned),
        duration_seconds: data
            .number("access_duration_in_seconds")?
            .filter(|s| *s > 0.0)
            .map(|s| s.round() as u64),
        client: None,
        decision: decision(data, status)?,
    })
}

/// The decision of an approval or a rejection: the first approval whose status says so.
fn decision(data: &Node, status: RequestStatus) -> Result<Option<Decision>, ConnectorError> {
    let wanted = match status {
        RequestStatus::Approved => "approved",
        RequestStatus::Rejected => "rejected",
        _ => return Ok(None),
    };
    let mut by = None;
    for approval in data.items("approvals")? {
        let matches = approval.text("status")?.is_some_and(|s| {
            s.eq_ignore_ascii_case(wanted)
                || (wanted == "rejected" && s.eq_ignore_ascii_case("declined"))
        });
        if matches {
            if let Some(approver) = approval.object("approver")? {
                by = party(&approver)?;
            }
            break;
        }
    }
    let mode = match (&by, status) {
        (None, RequestStatus::Approved) => DecisionMode::Automatic,
        _ => DecisionMode::Manual,
    };
    Ok(Some(Decision {
        mode: Some(mode),
        by,
        reason: None,
    }))
}
