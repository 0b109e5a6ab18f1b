//! Apono webhook bodies for generated events, as our body template renders them (every value
//! quoted): the whole request at every trigger; an approval without an approver was
//! automatic; rejection reasons and tags are not in the body. Apono sends no event id: it is
//! derived from the request, the trigger and the event time.

use super::{envelope, Event, Pair};
use serde_json::json;

pub(super) fn render(event: &Event) -> Pair {
    let trigger = match event.status {
        "pending" => "AccessRequestCreated",
        "approved" => "AccessRequestApproved",
        "rejected" => "AccessRequestRejected",
        "granted" => "AccessRequestGranted",
        "expired" => "AccessRequestExpired",
        "revoked" => "AccessRequestRevoked",
        _ => "AccessRequestCancelled",
    };
    let time = event.time().timestamp().to_string();
    let created = crate::timestamp::parse_rfc3339(event.text("/created_at"))
        .unwrap_or_default()
        .timestamp();
    let requester = &event.request["requester"];
    let integration = event.text("/integration/id");
    let mut approvals = Vec::new();
    let mut decision = None;
    if matches!(event.status, "approved" | "rejected") {
        match (event.mode(), event.decider()) {
            ("automatic", _) | (_, None) => decision = Some(json!({"mode": "automatic"})),
            (_, Some(by)) => {
                let status = if event.status == "approved" {
                    "Approved"
                } else {
                    "Rejected"
                };
                approvals.push(
                    json!({"status": status, "approver": {"id": by, "name": "", "email": ""}}),
                );
                decision = Some(json!({"mode": "manual", "by": {"id": by}}));
            }
        }
    }
    let body = json!({
        "event_type": trigger, "event_time": time,
        "data": {
            "id": event.text("/id"), "friendly_id": "",
            "requester": {"id": requester["id"], "name": requester["name"].as_str().unwrap_or(""),
                          "email": requester["email"].as_str().unwrap_or("")},
            "justification": event.text("/justification"), "creation_date": created.to_string(),
            "access_duration_in_seconds": event.request["duration_seconds"].to_string(),
            "access_flow": event.request["access_flow"],
            "access_groups": [{
                "integration": event.request["integration"],
                "access_units": [{"resource": {"id": event.text("/resources/0/id"), "name": event.text("/resources/0/name"),
                                               "path": "", "type": event.text("/resource_type")},
                                  "permission": {"id": "", "name": event.text("/permissions/0")}}]
            }],
            "approvals": approvals,
        }
    });
    let mut shown = json!({"id": requester["id"]});
    for field in ["name", "email"] {
        if let Some(v) = requester.get(field) {
            shown[field] = v.clone();
        }
    }
    let mut request = json!({
        "id": event.text("/id"), "status": event.status,
        "created_at": chrono::DateTime::from_timestamp(created, 0).unwrap_or_default().to_rfc3339(),
        "requester": shown, "integration": event.request["integration"],
        "resource_type": event.text("/resource_type"),
        "resources": [{"id": format!("{integration}/{}", event.text("/resources/0/id")),
                       "name": event.text("/resources/0/name")}],
        "permissions": [event.text("/permissions/0")],
        "access_flow": event.request["access_flow"],
        "justification": event.text("/justification"),
        "duration_seconds": event.request["duration_seconds"],
    });
    if decision.is_some() {
        request["decision"] = decision.unwrap_or_default();
    }
    let id = format!("apono:{}:{trigger}:{time}", event.text("/id"));
    let occurred = chrono::DateTime::from_timestamp(event.time().timestamp(), 0)
        .unwrap_or_default()
        .to_rfc3339();
    (body, Some(envelope(&id, &occurred, request)))
}
