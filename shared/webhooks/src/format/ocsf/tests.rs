//! The OCSF mapping, field by field.

use super::*;
use anomalies_core::anomaly::{AnomalyType, AutomationTrigger};
use anomalies_core::sample::sample_anomaly;

fn envelope(event_type: EventType, status: TriageStatus) -> Envelope {
    let mut data = sample_anomaly("alice", 0);
    data.status = status;
    Envelope {
        event_type,
        event_time: "2026-11-24T10:00:00Z".parse().unwrap(),
        data,
    }
}

#[test]
fn the_event_type_and_status_make_the_activity_and_type_uid() {
    // Arrange
    let cases = [
        (EventType::AnomalyDetected, TriageStatus::Open, 1, 200401),
        (
            EventType::AnomalyUpdated,
            TriageStatus::Acknowledged,
            2,
            200402,
        ),
        (EventType::AnomalyUpdated, TriageStatus::Open, 2, 200402),
        (EventType::AnomalyUpdated, TriageStatus::Resolved, 3, 200403),
        (
            EventType::AnomalyUpdated,
            TriageStatus::Dismissed,
            3,
            200403,
        ),
        (EventType::WebhookTest, TriageStatus::Open, 1, 200401),
    ];
    for (event_type, status, activity_id, type_uid) in cases {
        // Act
        let body = finding(&envelope(event_type, status));
        // Assert
        assert_eq!(
            body["activity_id"], activity_id,
            "{event_type:?} {status:?}"
        );
        assert_eq!(body["type_uid"], type_uid, "{event_type:?} {status:?}");
        assert_eq!(body["is_alert"], activity_id != 3);
    }
}

#[test]
fn severity_and_triage_status_map_to_their_ocsf_ids() {
    assert_eq!(
        Severity::ALL.map(|s| severity(s).0),
        Severity::ALL.map(|s| match s {
            Severity::Low => 2,
            Severity::Medium => 3,
            Severity::High => 4,
            Severity::Critical => 5,
        })
    );
    assert_eq!(
        TriageStatus::ALL.map(|s| status(s).0),
        [1, 2, 4, 3],
        "open New, acknowledged In Progress, resolved Resolved, dismissed Suppressed"
    );
}

#[test]
fn the_anomaly_fills_finding_info_actor_resources_evidence_and_remediation() {
    // Arrange
    let e = envelope(EventType::AnomalyDetected, TriageStatus::Open);
    let a = &e.data;

    // Act
    let body = finding(&e);

    // Assert
    assert_eq!(
        (body["class_uid"].clone(), body["category_uid"].clone()),
        (json!(2004), json!(2))
    );
    assert_eq!(body["time"], 1_795_514_400_000_i64);
    assert_eq!(body["metadata"]["version"], "1.5.0");
    assert_eq!(body["metadata"]["tenant_uid"], a.tenant_id.as_str());
    assert_eq!(body["metadata"]["product"]["name"], "Access Anomalies");
    assert_eq!(body["finding_info"]["uid"], a.id.as_str());
    assert_eq!(body["finding_info"]["title"], a.summary);
    assert_eq!(body["finding_info"]["types"], json!([a.kind.as_str()]));
    assert_eq!(body["finding_info"]["analytic"]["uid"], a.kind.as_str());
    assert_eq!(
        body["finding_info"]["created_time"],
        a.detected_at.timestamp_millis()
    );
    assert_eq!(
        body["finding_info"]["modified_time"],
        a.updated_at.timestamp_millis()
    );
    assert_eq!(body["actor"]["user"]["uid"], a.requester.id.as_str());
    assert_eq!(
        body["resources"].as_array().unwrap().len(),
        a.resources.len()
    );
    assert_eq!(body["resources"][0]["uid"], a.resources[0].id.as_str());
    assert_eq!(body["resources"][0]["type"], a.resource_type.as_str());
    assert_eq!(body["evidences"][0]["data"], json!(a.evidence));
    assert_eq!(
        body["remediation"]["desc"],
        a.recommended_actions.join("\n")
    );
    assert_eq!(body["unmapped"]["request_id"], a.request_id.as_str());
    assert_eq!(body["unmapped"]["permissions"], json!(a.permissions));
}

#[test]
fn an_automation_finding_spans_its_burst_and_counts_its_requests() {
    // Arrange
    let mut e = envelope(EventType::AnomalyUpdated, TriageStatus::Open);
    let first: DateTime<Utc> = "2026-11-20T08:00:00Z".parse().unwrap();
    let last: DateTime<Utc> = "2026-11-20T08:05:00Z".parse().unwrap();
    e.data.kind = AnomalyType::AccessAutomation;
    e.data.evidence = Evidence::AccessAutomation {
        request_ids: Vec::new(),
        count: 7,
        first_seen: first,
        last_seen: last,
        trigger: AutomationTrigger::RapidFire {
            run_length: 7,
            max_gap_seconds: 40,
        },
        occurrences: 2,
    };

    // Act
    let body = finding(&e);

    // Assert
    assert_eq!(body["count"], 7);
    assert_eq!(
        body["finding_info"]["first_seen_time"],
        first.timestamp_millis()
    );
    assert_eq!(
        body["finding_info"]["last_seen_time"],
        last.timestamp_millis()
    );
    assert_eq!(body["start_time"], first.timestamp_millis());
    assert_eq!(body["end_time"], last.timestamp_millis());
}
