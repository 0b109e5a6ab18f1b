//! Common Fate → what the detector consumes, from either of its two feeds:
//!
//! **The v2 webhook audit log** (`commonfate_webhook_integration` with
//! `send_audit_log_events`): one event per grant change, `{id, action, targets, actor,
//! occurred_at}`. A grant (`Access::Grant` in `targets`) is access to one entitlement — a
//! target and a role — and is the request here: its id is the request id. `grant.requested`
//! is the whole request: the `actor` is the requester; the first target that is neither
//! `Access::*` nor a role is the resource (id `{type}/{id}`, type its `type`); a target whose
//! type ends in `Role` or `PermissionSet` is the permission (its `name`, else its id; access
//! itself when there is none); the integration is the resource type's namespace
//! (`AWS::Account` → `common-fate:aws`). Later actions name the grant only:
//! `grant.approved` → approved (a `CF::User` actor decided manually, any other automatically),
//! `grant.activated` and `grant.breakglass_activated` → granted, `grant.cancelled` →
//! cancelled, `grant.revoked` → revoked, `grant.deprovisioned` → expired (an end already
//! recorded, by a revoke, stands), `grant.provisioning_error` → failed; the other grant
//! actions (`provisioned`, `provisioning_attempted`, `extended`, `deprovisioning_error`)
//! change nothing tracked. Authorization events (`evaluated_at`, `decision`) and other audit
//! actions are not access-request events. The audit log has no rejection: pending grants that
//! are never approved end `cancelled`.
//!
//! **Glide's EventBridge events** (source `commonfate.io/granted`): see [`glide`].

mod glide;
#[cfg(test)]
mod tests;

use super::fields::{self, Node};
use super::{ConnectorError, Translation};
use crate::domain::{
    AccessEvent, AccessRequest, Decision, DecisionMode, EventId, Integration, IntegrationId,
    Observation, Party, RequestId, RequestStatus, Resource, ResourceId, StateChange, Tags,
    TenantId, UserId,
};

/// The EventBridge source of Glide's events.
pub const GLIDE_SOURCE: &str = "commonfate.io/granted";

/// Translate one Common Fate payload (an audit-log webhook body, or a Glide EventBridge
/// event as the bus or an SQS queue delivers it) for `tenant`.
pub fn translate(payload: &[u8], tenant: &TenantId) -> Result<Translation, ConnectorError> {
    let value = fields::object(payload, "a Common Fate event")?;
    let root = Node::root(&value);
    if value.get("detail-type").is_some() {
        return glide::translate(&root, tenant);
    }
    match root.text("action")? {
        Some(action) if action.starts_with("grant.") => audit(&root, action, tenant),
        _ => Ok(Translation::NotAccessRequest),
    }
}

fn audit(root: &Node, action: &str, tenant: &TenantId) -> Result<Translation, ConnectorError> {
    let status = match action {
        "grant.requested" => RequestStatus::Pending,
        "grant.approved" => RequestStatus::Approved,
        "grant.activated" | "grant.breakglass_activated" => RequestStatus::Granted,
        "grant.cancelled" => RequestStatus::Cancelled,
        "grant.revoked" => RequestStatus::Revoked,
        "grant.deprovisioned" => RequestStatus::Expired,
        "grant.provisioning_error" => RequestStatus::Failed,
        _ => return Ok(Translation::Events(Vec::new())),
    };
    let event_id = id::<EventId>(root, "id")?;
    let occurred_at = root.instant("occurred_at")?;
    let targets = root.items("targets")?;
    let grant = targets
        .iter()
        .find(|t| t.value.get("type").and_then(|v| v.as_str()) == Some("Access::Grant"))
        .ok_or_else(|| root.error("targets", "names no Access::Grant"))?;
    let request_id = id::<RequestId>(grant, "id")?;
    let observation = if status == RequestStatus::Pending {
        let request = requested(root, &targets, request_id, occurred_at)?;
        Observation::Event(Box::new(AccessEvent {
            event_id,
            tenant_id: tenant.clone(),
            occurred_at,
            request,
        }))
    } else {
        let decision = match status {
            RequestStatus::Approved => Some(approval(root)?),
            _ => None,
        };
        Observation::Change(StateChange {
            event_id,
            tenant_id: tenant.clone(),
            occurred_at,
            request_id,
            status,
            decision,
        })
    };
    Ok(Translation::Events(vec![observation]))
}

/// A non-blank string field as one of our ids.
fn id<T>(node: &Node, field: &str) -> Result<T, ConnectorError>
where
    T: for<'a> TryFrom<&'a str>,
{
    let text = node.required(field)?;
    T::try_from(text).map_err(|_| node.error(field, "must be a non-empty string"))
}

fn is_role(kind: &str) -> bool {
    kind.ends_with("Role") || kind.ends_with("PermissionSet")
}

fn party(node: &Node) -> Result<Party, ConnectorError> {
    Ok(Party {
        id: id::<UserId>(node, "id")?,
        name: node.text("name")?.map(Into::into),
        email: node.text("email")?.map(Into::into),
    })
}

/// A `grant.requested` event's request.
fn requested(
    root: &Node,
    targets: &[Node],
    id: RequestId,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<AccessRequest, ConnectorError> {
    let requester = party(&root.required_object("actor")?)?;
    let mut resource = None;
    let mut permissions = Vec::new();
    for target in targets {
        let kind = target.required("type")?;
        if kind.starts_with("Access::") {
            continue;
        }
        if is_role(kind) {
            let shown = target.text("name")?.unwrap_or(target.required("id")?);
            permissions.push(shown.into());
        } else if resource.is_none() {
            resource = Some((kind, target));
        }
    }
    let (kind, target) =
        resource.ok_or_else(|| root.error("targets", "names no target to access"))?;
    let target_id = target.required("id")?;
    let namespace = kind.split("::").next().unwrap_or(kind).to_lowercase();
    let integration = format!("common-fate:{namespace}");
    let resource_id = ResourceId::try_from(format!("{kind}/{target_id}"))
        .map_err(|e| target.error("id", e.to_string()))?;
    if permissions.is_empty() {
        permissions.push("access".into());
    }
    Ok(AccessRequest {
        id,
        status: RequestStatus::Pending,
        created_at: at,
        requester,
        integration: Integration {
            id: IntegrationId::try_from(integration.as_str())
                .map_err(|e| target.error("type", e.to_string()))?,
            name: Some(format!("Common Fate: {}", kind.split("::").next().unwrap_or(kind)).into()),
            kind: Some("common-fate".into()),
        },
        resource_type: kind.into(),
        resources: vec![Resource {
            id: resource_id,
            name: Some(target.text("name")?.unwrap_or(target_id).into()),
            tags: Tags::default(),
        }],
        permissions,
        access_flow: None,
        justification: None,
        duration_seconds: None,
        client: None,
        decision: None,
    })
}

/// Who approved: a person (`CF::User`) manually; a policy or service automatically.
fn approval(root: &Node) -> Result<Decision, ConnectorError> {
    let Some(actor) = root.object("actor")? else {
        return Ok(Decision {
            mode: Some(DecisionMode::Automatic),
            by: None,
            reason: None,
        });
    };
    let manual = actor.text("type")? == Some("CF::User");
    Ok(Decision {
        mode: Some(if manual {
            DecisionMode::Manual
        } else {
            DecisionMode::Automatic
        }),
        by: Some(party(&actor)?),
        reason: None,
    })
}
