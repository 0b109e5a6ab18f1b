//! AWS TEAM notifications for generated events: the SNS notification of the whole record at
//! every status (one account, one permission set; an automatic approval is `scheduled`
//! without approval required; an expiry or revocation is `ended`, with a revoker when
//! revoked).

use super::{envelope, Event, Pair};
use serde_json::json;

/// The topic the generated notifications come from.
pub(super) const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:TeamNotifications-main";

pub(super) fn render(event: &Event) -> Pair {
    let email = event.request["requester"]["email"].as_str();
    let username = event.text("/requester/name");
    let requester_id = email.unwrap_or(username);
    let automatic = event.mode() == "automatic";
    let status = match (event.status, automatic) {
        ("approved", true) => "scheduled",
        ("expired" | "revoked", _) => "ended",
        (other, _) => other,
    };
    let mut record = json!({
        "id": event.text("/id"), "username": username,
        "accountId": event.text("/resources/0/id"), "accountName": event.text("/resources/0/name"),
        "role": event.text("/permissions/0"), "duration": event.request["duration_seconds"].to_string(),
        "justification": event.text("/justification"), "status": status,
        "createdAt": event.text("/created_at"), "updatedAt": event.occurred,
    });
    if let Some(email) = email {
        record["email"] = json!(email);
    }
    let mut requester = json!({"id": requester_id, "name": username});
    if let Some(email) = email {
        requester["email"] = json!(email);
    }
    let mut request = json!({
        "id": event.text("/id"), "status": event.status, "created_at": event.text("/created_at"),
        "requester": requester,
        "integration": {"id": "aws-team", "name": "AWS TEAM", "type": "aws-iam-identity-center"},
        "resource_type": "aws-account",
        "resources": [{"id": event.text("/resources/0/id"), "name": event.text("/resources/0/name")}],
        "permissions": [event.text("/permissions/0")],
        "justification": event.text("/justification"),
        "duration_seconds": event.request["duration_seconds"],
    });
    if matches!(event.status, "approved" | "rejected") {
        if automatic {
            record["approvalRequired"] = json!(false);
            request["decision"] = json!({"mode": "automatic"});
        } else {
            let approver = event.decider().unwrap_or("approver-unknown");
            record["approver"] = json!(approver);
            let mut decision = json!({"mode": "manual", "by": {"id": approver, "email": approver}});
            if let Some(reason) = event.decision().and_then(|d| d["reason"].as_str()) {
                record["comment"] = json!(reason);
                decision["reason"] = json!(reason);
            }
            request["decision"] = decision;
        }
    }
    if event.status == "revoked" {
        record["revoker"] = json!("security-admin");
    }
    let notification = json!({
        "Type": "Notification", "MessageId": event.id, "TopicArn": TOPIC,
        "Message": record.to_string(), "Timestamp": event.occurred,
    });
    (
        notification,
        Some(envelope(event.id, event.occurred, request)),
    )
}
