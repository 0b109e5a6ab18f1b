//! Common Fate v2 audit-log events for generated events: `grant.requested` carries the grant
//! (the actor requests a target with a role); later actions name the grant only. The audit
//! log has no rejection (a rejected grant is cancelled) and no justification or duration.

use super::{envelope, Event, Pair};
use serde_json::{json, Value};

/// The Common Fate target type of a generated integration type.
fn target_type(integration_type: &str) -> &'static str {
    match integration_type {
        "aws-account" => "AWS::Account",
        "postgresql" => "Postgres::Database",
        _ => "Kubernetes::Namespace",
    }
}

pub(super) fn render(event: &Event) -> Pair {
    let grant = event.text("/id");
    let kind = target_type(event.text("/integration/type"));
    let targets = json!([
        {"type": kind, "id": event.text("/resources/0/id"), "name": event.text("/resources/0/name")},
        {"type": format!("{}::Role", kind.split("::").next().unwrap_or(kind)), "id": event.text("/permissions/0"),
         "name": event.text("/permissions/0")},
        {"type": "Access::Grant", "id": grant},
    ]);
    let person = |party: &Value| {
        let mut actor = json!({"type": "CF::User", "id": party["id"]});
        for field in ["name", "email"] {
            if let Some(v) = party.get(field) {
                actor[field] = v.clone();
            }
        }
        actor
    };
    let (action, status, actor, decision) = match event.status {
        "pending" => (
            "grant.requested",
            "pending",
            person(&event.request["requester"]),
            None,
        ),
        "approved" if event.mode() == "automatic" => {
            let actor = json!({"type": "CF::Bot", "id": "policy"});
            (
                "grant.approved",
                "approved",
                actor,
                Some(json!({"mode": "automatic", "by": {"id": "policy"}})),
            )
        }
        "approved" => {
            let by = json!({"id": event.decider().unwrap_or("approver-unknown")});
            let decision = json!({"mode": "manual", "by": by});
            ("grant.approved", "approved", person(&by), Some(decision))
        }
        "granted" => ("grant.activated", "granted", Value::Null, None),
        "expired" => ("grant.deprovisioned", "expired", Value::Null, None),
        "revoked" => ("grant.revoked", "revoked", Value::Null, None),
        _ => ("grant.cancelled", "cancelled", Value::Null, None),
    };
    let mut payload = json!({"id": event.id, "action": action, "occurred_at": event.occurred,
                             "targets": targets, "message": format!("{action} for {grant}")});
    if !actor.is_null() {
        payload["actor"] = actor;
    }
    let mut request = json!({"id": grant, "status": status});
    if status == "pending" {
        let namespace = kind.split("::").next().unwrap_or(kind);
        let mut requester = json!({"id": event.request["requester"]["id"]});
        for field in ["name", "email"] {
            if let Some(v) = event.request["requester"].get(field) {
                requester[field] = v.clone();
            }
        }
        request = json!({
            "id": grant, "status": "pending", "created_at": event.occurred, "requester": requester,
            "integration": {"id": format!("common-fate:{}", namespace.to_lowercase()),
                            "name": format!("Common Fate: {namespace}"), "type": "common-fate"},
            "resource_type": kind,
            "resources": [{"id": format!("{kind}/{}", event.text("/resources/0/id")),
                           "name": event.text("/resources/0/name")}],
            "permissions": [event.text("/permissions/0")],
        });
    }
    if let Some(decision) = decision {
        request["decision"] = decision;
    }
    (payload, Some(envelope(event.id, event.occurred, request)))
}
