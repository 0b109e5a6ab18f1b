//! AWS TEAM (temporary elevated access for IAM Identity Center) → v1 events. TEAM publishes
//! the whole request record to its notification topic at every status change, so each
//! message is a whole v1 event; nothing needs completing.
//!
//! The payload is the SNS notification as an SQS queue or an HTTPS subscriber receives it
//! (`Type: Notification`; its `MessageId` is the event id and its `Timestamp` the event time),
//! or the bare record (the `Message`), whose event id is then `team:{id}:{status}:{updatedAt}`
//! and whose time is `updatedAt` (else `createdAt`). Subscription confirmations and records
//! that are not requests are [`Translation::NotAccessRequest`].
//!
//! Mapping: `id` → the request; `email` (else `username`) → the requester, `username` its
//! name; the account (`accountId`, `accountName`) → the one resource, of type `aws-account`;
//! `role` (the permission set) → the permission; the integration is TEAM itself (`aws-team`);
//! `justification` (and `ticketNo`) → the justification; `duration` (seconds; else `time`,
//! in hours) → the duration; `createdAt` (else `startTime`) → when it was requested.
//! Statuses: pending; approved; scheduled → approved (automatically when
//! `approvalRequired` is false); rejected; cancelled; granted; ended → revoked when a
//! `revoker` is named, else expired; expired (a request nobody decided in time); error →
//! failed. The `approver` decides approvals and rejections, manually.

use super::{instant, ConnectorError, Translation};
use crate::domain::Observation;
use crate::domain::{
    AccessEvent, AccessRequest, Decision, DecisionMode, EventId, Integration, IntegrationId, Party,
    RequestId, RequestStatus, Resource, ResourceId, Tags, TenantId, UserId,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// The integration every TEAM request goes through.
pub const INTEGRATION: &str = "aws-team";

/// An SNS notification envelope (the fields we read).
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "MessageId", default)]
    message_id: Option<String>,
    #[serde(rename = "Timestamp", default)]
    timestamp: Option<String>,
    #[serde(rename = "Message", default)]
    message: Option<String>,
}

fn text<'v>(record: &'v Value, field: &str) -> Option<&'v str> {
    record
        .get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn required<'v>(record: &'v Value, field: &str) -> Result<&'v str, ConnectorError> {
    match record.get(field) {
        None | Some(Value::Null) => Err(ConnectorError::new(field, "is required but missing")),
        Some(Value::String(s)) if s.trim().is_empty() => {
            Err(ConnectorError::new(field, "must be a non-empty string"))
        }
        Some(Value::String(s)) => Ok(s.trim()),
        Some(_) => Err(ConnectorError::new(field, "must be a string")),
    }
}

/// Translate one TEAM notification (or bare record) for `tenant`.
pub fn translate(payload: &[u8], tenant: &TenantId) -> Result<Translation, ConnectorError> {
    let value: Value = serde_json::from_slice(payload)
        .map_err(|e| ConnectorError::new("$", format!("not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ConnectorError::new(
            "$",
            "a TEAM notification is a JSON object",
        ));
    }
    if value.get("Type").is_some() {
        let envelope: Envelope = serde_json::from_value(value)
            .map_err(|e| ConnectorError::new("Type", format!("not an SNS notification: {e}")))?;
        if envelope.kind != "Notification" {
            return Ok(Translation::NotAccessRequest);
        }
        let message = envelope
            .message
            .ok_or_else(|| ConnectorError::new("Message", "is required but missing"))?;
        let record: Value = serde_json::from_str(&message)
            .map_err(|e| ConnectorError::new("Message", format!("not a JSON record: {e}")))?;
        let id = envelope.message_id.filter(|m| !m.trim().is_empty());
        let id = id.ok_or_else(|| ConnectorError::new("MessageId", "is required but missing"))?;
        let at = envelope
            .timestamp
            .ok_or_else(|| ConnectorError::new("Timestamp", "is required but missing"))?;
        let at = instant(&at, "Timestamp")?;
        return record_event(&record, tenant, Some((id, at)));
    }
    record_event(&value, tenant, None)
}

fn record_event(
    record: &Value,
    tenant: &TenantId,
    envelope: Option<(String, DateTime<Utc>)>,
) -> Result<Translation, ConnectorError> {
    // A TEAM request record names an account and a status; anything else is not one.
    if !record.is_object() || record.get("accountId").is_none() || record.get("status").is_none() {
        return Ok(Translation::NotAccessRequest);
    }
    let id = required(record, "id")?;
    let raw_status = required(record, "status")?;
    let status = status(raw_status, record)?;
    let (event_id, occurred_at) = match envelope {
        Some(pair) => pair,
        None => {
            let (field, at) = match (text(record, "updatedAt"), text(record, "createdAt")) {
                (Some(at), _) => ("updatedAt", at),
                (None, Some(at)) => ("createdAt", at),
                (None, None) => {
                    return Err(ConnectorError::new(
                        "updatedAt",
                        "is required but missing (a bare record needs updatedAt or createdAt)",
                    ))
                }
            };
            (format!("team:{id}:{raw_status}:{at}"), instant(at, field)?)
        }
    };
    let created_at = match (text(record, "createdAt"), text(record, "startTime")) {
        (Some(at), _) => instant(at, "createdAt")?,
        (None, Some(at)) => instant(at, "startTime")?,
        (None, None) => occurred_at,
    };
    let requester_id = text(record, "email").or_else(|| text(record, "username"));
    let requester_id =
        requester_id.ok_or_else(|| ConnectorError::new("email", "is required but missing"))?;
    let account = required(record, "accountId")?;
    let role = required(record, "role")?;
    let bad = |field: &'static str| {
        move |e: crate::domain::EmptyId| ConnectorError::new(field, e.to_string())
    };
    let requester = Party {
        id: UserId::try_from(requester_id).map_err(bad("email"))?,
        name: text(record, "username").map(Into::into),
        email: text(record, "email").map(Into::into),
    };
    let justification = match (text(record, "justification"), text(record, "ticketNo")) {
        (Some(j), Some(t)) => Some(format!("{j} (ticket {t})")),
        (Some(j), None) => Some(j.to_owned()),
        (None, Some(t)) => Some(format!("ticket {t}")),
        (None, None) => None,
    };
    let seconds = text(record, "duration").and_then(|d| d.parse::<u64>().ok());
    let hours = text(record, "time")
        .and_then(|h| h.parse::<u64>().ok())
        .map(|h| h * 3600);
    let request = AccessRequest {
        id: RequestId::try_from(id).map_err(bad("id"))?,
        status,
        created_at,
        requester,
        integration: Integration {
            id: IntegrationId::try_from(INTEGRATION).map_err(bad("accountId"))?,
            name: Some("AWS TEAM".into()),
            kind: Some("aws-iam-identity-center".into()),
        },
        resource_type: "aws-account".into(),
        resources: vec![Resource {
            id: ResourceId::try_from(account).map_err(bad("accountId"))?,
            name: text(record, "accountName").map(Into::into),
            tags: Tags::default(),
        }],
        permissions: vec![role.into()],
        access_flow: None,
        justification,
        duration_seconds: seconds.or(hours).filter(|s| *s > 0),
        client: None,
        decision: decision(status, record)?,
    };
    Ok(Translation::Events(vec![Observation::Event(Box::new(
        AccessEvent {
            event_id: EventId::try_from(event_id).map_err(bad("MessageId"))?,
            tenant_id: tenant.clone(),
            occurred_at,
            request,
        },
    ))]))
}

fn status(raw: &str, record: &Value) -> Result<RequestStatus, ConnectorError> {
    Ok(match raw {
        "pending" => RequestStatus::Pending,
        "approved" | "scheduled" => RequestStatus::Approved,
        "rejected" => RequestStatus::Rejected,
        "cancelled" => RequestStatus::Cancelled,
        "granted" => RequestStatus::Granted,
        "ended" if text(record, "revoker").is_some() => RequestStatus::Revoked,
        "ended" | "expired" => RequestStatus::Expired,
        "error" => RequestStatus::Failed,
        other => {
            return Err(ConnectorError::new(
                "status",
                format!("unknown status {other:?} (expected pending, scheduled, approved, rejected, cancelled, granted, ended, expired or error)"),
            ))
        }
    })
}

fn decision(status: RequestStatus, record: &Value) -> Result<Option<Decision>, ConnectorError> {
    if !matches!(status, RequestStatus::Approved | RequestStatus::Rejected) {
        return Ok(None);
    }
    let automatic = record.get("approvalRequired") == Some(&Value::Bool(false));
    let by = match text(record, "approver") {
        Some(a) if !automatic => Some(Party {
            id: UserId::try_from(a).map_err(|e| ConnectorError::new("approver", e.to_string()))?,
            name: None,
            email: Some(a.into()),
        }),
        _ => None,
    };
    Ok(Some(Decision {
        mode: Some(if automatic {
            DecisionMode::Automatic
        } else {
            DecisionMode::Manual
        }),
        by,
        reason: text(record, "comment").map(str::to_owned),
    }))
}

#[cfg(test)]
mod tests;
