//! Teleport audit events for generated events: a create carries the request (cluster =
//! integration, `resource_ids` of the request's kind, roles = permissions); reviews, expiries
//! and deletions name the request only; Teleport has no event for access being used, nor a
//! revocation (a deleted request is cancelled).

use super::{envelope, Event, Pair};
use crate::connectors::teleport::AUTOMATIC_REVIEWER;
use serde_json::{json, Value};

pub(super) fn render(event: &Event) -> Pair {
    let head = |kind: &str, code: &str| {
        json!({"event": kind, "code": code, "uid": event.id, "time": event.occurred,
               "id": event.text("/id")})
    };
    let by_id = |status: &str, decision: Option<Value>| {
        let mut request = json!({"id": event.text("/id"), "status": status});
        if let Some(decision) = decision {
            request["decision"] = decision;
        }
        envelope(event.id, event.occurred, request)
    };
    match event.status {
        "pending" => create(event),
        "approved" | "rejected" => {
            let reviewer = match event.mode() {
                "automatic" => AUTOMATIC_REVIEWER,
                _ => event.decider().unwrap_or("approver-unknown"),
            };
            let state = if event.status == "approved" {
                "APPROVED"
            } else {
                "DENIED"
            };
            let mut review = head("access_request.review", "T5002I");
            review["reviewer"] = json!(reviewer);
            review["proposed_state"] = json!(state);
            review["state"] = json!(state);
            let mode = if reviewer == AUTOMATIC_REVIEWER {
                "automatic"
            } else {
                "manual"
            };
            let mut decision = json!({"mode": mode, "by": {"id": reviewer}});
            if let Some(reason) = event.decision().and_then(|d| d["reason"].as_str()) {
                review["reason"] = json!(reason);
                decision["reason"] = json!(reason);
            }
            (review, Some(by_id(event.status, Some(decision))))
        }
        "expired" => (
            head("access_request.expire", "T5005I"),
            Some(by_id("expired", None)),
        ),
        "revoked" | "cancelled" => (
            head("access_request.delete", "T5003I"),
            Some(by_id("cancelled", None)),
        ),
        // Access being used is a session, not an access-request event.
        _ => (
            json!({"event": "session.start", "code": "T2000I", "uid": event.id,
                   "time": event.occurred, "user": event.text("/requester/id")}),
            None,
        ),
    }
}

fn create(event: &Event) -> Pair {
    let cluster = event.text("/integration/id");
    let kind = event.text("/resource_type");
    let names: Vec<&str> = event.request["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["name"].as_str().or(r["id"].as_str()).unwrap_or_default())
        .collect();
    let duration = event.request["duration_seconds"].as_i64().unwrap_or(3600);
    let until = event.time() + chrono::Duration::seconds(duration);
    let payload = json!({
        "event": "access_request.create", "code": "T5000I", "uid": event.id,
        "time": event.occurred, "id": event.text("/id"), "user": event.text("/requester/id"),
        "state": "PENDING", "cluster_name": cluster, "roles": event.request["permissions"],
        "resource_ids": names.iter().map(|n| json!({"cluster": cluster, "kind": kind, "name": n})).collect::<Vec<_>>(),
        "reason": event.text("/justification"),
        "max_duration": until.to_rfc3339(),
    });
    let request = json!({
        "id": event.text("/id"), "status": "pending", "created_at": event.occurred,
        "requester": {"id": event.text("/requester/id")},
        "integration": {"id": cluster, "name": cluster, "type": "teleport"},
        "resource_type": kind,
        "resources": names.iter().map(|n| json!({"id": format!("/{cluster}/{kind}/{n}"), "name": n})).collect::<Vec<_>>(),
        "permissions": event.request["permissions"],
        "justification": event.text("/justification"),
        "duration_seconds": duration,
    });
    (payload, Some(envelope(event.id, event.occurred, request)))
}
