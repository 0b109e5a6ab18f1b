//! An anomaly event as an OCSF Detection Finding (schema 1.5.0: class 2004 in category 2,
//! Findings), the form Security Lake, the new Security Hub and most SIEMs read. The mapping
//! (docs/webhooks.md has the table): the event type and triage status make the activity
//! (Create, Update, Close) and `type_uid`; severity → `severity_id`; triage status →
//! `status_id`; the anomaly → `finding_info` (id, summary, type, rule, times); the requester →
//! `actor.user` (the `host` profile, which defines `actor`, is declared); resources →
//! `resources`; evidence → `evidences[0].data`; recommended actions → `remediation`; what OCSF
//! has no attribute for → `unmapped`.

use super::Envelope;
use crate::model::EventType;
use anomalies_core::anomaly::{Anomaly, Evidence, Severity, TriageStatus};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// The OCSF schema version the findings follow.
pub const OCSF_VERSION: &str = "1.5.0";
/// Detection Finding.
pub const CLASS_UID: u32 = 2004;
/// Findings.
pub const CATEGORY_UID: u32 = 2;
const PRODUCT: &str = "Access Anomalies";

/// The OCSF activity of an event: Create for a new anomaly (and a test), Close for an update
/// that resolves or dismisses it, Update otherwise.
pub fn activity(envelope: &Envelope) -> (u32, &'static str) {
    match envelope.event_type {
        EventType::AnomalyDetected | EventType::WebhookTest => (1, "Create"),
        EventType::AnomalyUpdated => match envelope.data.status {
            TriageStatus::Resolved | TriageStatus::Dismissed => (3, "Close"),
            TriageStatus::Open | TriageStatus::Acknowledged => (2, "Update"),
        },
    }
}

/// OCSF `severity_id` and its caption.
pub fn severity(severity: Severity) -> (u32, &'static str) {
    match severity {
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// OCSF finding `status_id` and its caption.
pub fn status(status: TriageStatus) -> (u32, &'static str) {
    match status {
        TriageStatus::Open => (1, "New"),
        TriageStatus::Acknowledged => (2, "In Progress"),
        TriageStatus::Dismissed => (3, "Suppressed"),
        TriageStatus::Resolved => (4, "Resolved"),
    }
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// The Detection Finding for one anomaly event.
pub fn finding(envelope: &Envelope) -> Value {
    let a = &envelope.data;
    let (activity_id, activity_name) = activity(envelope);
    let (severity_id, severity_name) = severity(a.severity);
    let (status_id, status_name) = status(a.status);
    let (first_seen, last_seen) = a.observed();
    let mut user = Map::new();
    user.insert("uid".into(), json!(a.requester.id.as_str()));
    if let Some(name) = &a.requester.name {
        user.insert("name".into(), json!(name.as_str()));
    }
    if let Some(email) = &a.requester.email {
        user.insert("email_addr".into(), json!(email.as_str()));
    }
    let resources: Vec<Value> = a
        .resources
        .iter()
        .map(|r| {
            let mut resource = json!({"uid": r.id.as_str(), "type": a.resource_type.as_str()});
            if let Some(name) = &r.name {
                resource["name"] = json!(name.as_str());
            }
            let tags: Vec<Value> = r
                .tags
                .iter()
                .map(|(k, v)| json!({"name": k.as_str(), "value": v.as_str()}))
                .collect();
            if !tags.is_empty() {
                resource["tags"] = json!(tags);
            }
            resource
        })
        .collect();
    let mut body = json!({
        "activity_id": activity_id,
        "activity_name": activity_name,
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": CLASS_UID * 100 + activity_id,
        "type_name": format!("Detection Finding: {activity_name}"),
        "severity_id": severity_id,
        "severity": severity_name,
        "status_id": status_id,
        "status": status_name,
        "time": millis(envelope.event_time),
        "start_time": millis(first_seen),
        "end_time": millis(last_seen),
        "message": a.summary,
        "is_alert": activity_id != 3,
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["host"],
            "product": {
                "name": PRODUCT,
                "vendor_name": PRODUCT,
                "version": env!("CARGO_PKG_VERSION"),
            },
            "tenant_uid": a.tenant_id.as_str(),
            "log_name": envelope.event_type.as_str(),
        },
        "finding_info": {
            "uid": a.id.as_str(),
            "title": a.summary,
            "types": [a.kind.as_str()],
            "analytic": {
                "uid": a.kind.as_str(),
                "name": a.kind.title(),
                "type_id": 1,
                "type": "Rule",
            },
            "created_time": millis(a.detected_at),
            "modified_time": millis(a.updated_at),
            "first_seen_time": millis(first_seen),
            "last_seen_time": millis(last_seen),
            "data_sources": [a.integration.id.as_str()],
        },
        "actor": {"user": user},
        "resources": resources,
        "evidences": [{"name": a.kind.as_str(), "data": a.evidence}],
        "unmapped": unmapped(a),
    });
    if let Evidence::AccessAutomation { count, .. } = &a.evidence {
        body["count"] = json!(count);
    }
    if !a.recommended_actions.is_empty() {
        body["remediation"] = json!({"desc": a.recommended_actions.join("\n")});
    }
    body
}

/// What OCSF has no attribute for: the request, the integration, the permissions, the
/// access flow, the triage history and suppression.
fn unmapped(a: &Anomaly) -> Value {
    let mut unmapped = json!({
        "request_id": a.request_id.as_str(),
        "integration": a.integration,
        "permissions": a.permissions,
        "triage_status": a.status.as_str(),
    });
    if let Some(flow) = &a.access_flow {
        unmapped["access_flow"] = json!(flow);
    }
    if let Some(until) = a.suppressed_until {
        unmapped["suppressed_until"] = json!(until);
    }
    if !a.history.is_empty() {
        unmapped["history"] = json!(a.history);
    }
    unmapped
}

#[cfg(test)]
mod tests;
