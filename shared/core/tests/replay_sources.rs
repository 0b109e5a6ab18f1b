//! Replaying platforms' own payloads (`replay --source`): Teleport's reviews name only the
//! request and are completed from its create; a review for a request never seen is reported
//! by line; other audit events are ignored and counted; TEAM's whole records replay as they are.

use anomalies_core::anomaly::{AnomalyType, Evidence};
use anomalies_core::config::Config;
use anomalies_core::engine::Detector;
use anomalies_core::replay::{replay_source, LineError, Replayer, Source};
use serde_json::{json, Value};

fn lines(events: &[Value]) -> String {
    events.iter().map(|e| format!("{e}\n")).collect()
}

type Replayed = (
    Vec<anomalies_core::anomaly::Anomaly>,
    anomalies_core::replay::ReplaySummary,
    Vec<String>,
);

fn replay(source: Source, input: &str) -> Replayed {
    replay_with_config(Config::default(), source, input)
}

fn replay_with_config(config: Config, source: Source, input: &str) -> Replayed {
    let detector = Detector::new(config).unwrap();
    let mut errors = Vec::new();
    let (anomalies, summary) = replay_source(
        Replayer::new(&detector),
        source,
        input.as_bytes(),
        |e: &LineError| errors.push(e.to_string()),
    )
    .unwrap();
    (anomalies, summary, errors)
}

fn create(uid: &str, id: &str, time: &str) -> Value {
    json!({"event": "access_request.create", "code": "T5000I", "uid": uid, "time": time, "id": id,
        "user": "dan", "state": "PENDING", "cluster_name": "main", "roles": ["reader"],
        "resource_ids": [{"cluster": "main", "kind": "db", "name": "orders-replica"}]})
}

fn review(uid: &str, id: &str, time: &str, state: &str, reviewer: &str) -> Value {
    json!({"event": "access_request.review", "code": "T5002I", "uid": uid, "time": time, "id": id,
        "reviewer": reviewer, "proposed_state": state, "state": state, "reason": "checked"})
}

#[test]
fn a_teleport_approval_after_a_manual_denial_is_found_from_reviews_that_name_only_the_request() {
    // Arrange: req-1 denied by carol; req-2 for the same scope approved by bob a day later.
    let stream = lines(&[
        create("e1", "req-1", "2026-03-01T09:00:00Z"),
        review("e2", "req-1", "2026-03-01T09:10:00Z", "DENIED", "carol"),
        json!({"event": "user.login", "uid": "e3", "time": "2026-03-01T09:11:00Z", "user": "dan"}),
        create("e4", "req-2", "2026-03-02T09:00:00Z"),
        review("e5", "req-2", "2026-03-02T09:05:00Z", "APPROVED", "bob"),
        review("e5", "req-2", "2026-03-02T09:05:00Z", "APPROVED", "bob"),
        review("e6", "req-9", "2026-03-02T09:06:00Z", "APPROVED", "bob"),
        json!({"event": "access_request.expire", "code": "T5005I", "uid": "e7", "time": "2026-03-02T17:05:00Z", "id": "req-2"}),
    ]);
    // Act
    let (anomalies, summary, errors) = replay(Source::Teleport, &stream);
    // Assert
    assert_eq!(
        errors,
        [r#"line 7: request "req-9" is not known (no earlier event carries its scope)"#]
    );
    assert_eq!(
        (
            summary.lines,
            summary.events,
            summary.duplicates,
            summary.rejected,
            summary.ignored
        ),
        (8, 5, 1, 1, 1)
    );
    let reversed: Vec<_> = anomalies
        .iter()
        .filter(|a| a.kind == AnomalyType::ApprovedAfterRejection)
        .collect();
    assert_eq!(reversed.len(), 1, "{anomalies:#?}");
    let a = reversed[0];
    assert_eq!(
        (a.request_id.as_str(), a.requester.id.as_str()),
        ("req-2", "dan")
    );
    let Evidence::ApprovedAfterRejection {
        rejected_request_id,
        rejected_by,
        approved_by,
        ..
    } = &a.evidence
    else {
        panic!("{:?}", a.evidence)
    };
    assert_eq!(rejected_request_id.as_str(), "req-1");
    assert_eq!(rejected_by.as_ref().map(|p| p.id.as_str()), Some("carol"));
    assert_eq!(approved_by.as_ref().map(|p| p.id.as_str()), Some("bob"));
}

#[test]
fn an_approval_by_the_bot_after_a_manual_denial_is_still_flagged_citing_the_bot() {
    // Arrange: the rule asks whether a person rejected; the approval may be automatic.
    let stream = lines(&[
        create("e1", "req-1", "2026-03-01T09:00:00Z"),
        review("e2", "req-1", "2026-03-01T09:10:00Z", "DENIED", "carol"),
        create("e3", "req-2", "2026-03-02T09:00:00Z"),
        review(
            "e4",
            "req-2",
            "2026-03-02T09:05:00Z",
            "APPROVED",
            "@teleport-access-approval-bot",
        ),
    ]);
    // Act
    let (anomalies, _, errors) = replay(Source::Teleport, &stream);
    // Assert
    assert!(errors.is_empty(), "{errors:?}");
    let a = anomalies
        .iter()
        .find(|a| a.kind == AnomalyType::ApprovedAfterRejection)
        .expect("flagged");
    let Evidence::ApprovedAfterRejection { approved_by, .. } = &a.evidence else {
        panic!("{:?}", a.evidence)
    };
    assert_eq!(
        approved_by.as_ref().map(|p| p.id.as_str()),
        Some("@teleport-access-approval-bot")
    );
}

#[test]
fn team_notifications_replay_as_whole_requests() {
    // Arrange: an administrator permission set on a production account, approved.
    let record = |status: &str, at: &str| {
        json!({
            "id": "r-1", "email": "eve@example.com", "username": "eve", "accountId": "111122223333",
            "accountName": "prod-payments", "role": "AdministratorAccess", "status": status,
            "approvalRequired": true, "approver": "ops@example.com", "duration": "3600",
            "startTime": "2026-03-02T10:00:00Z", "createdAt": "2026-03-02T09:58:00Z", "updatedAt": at,
        })
    };
    let stream = lines(&[
        record("pending", "2026-03-02T09:58:00Z"),
        record("approved", "2026-03-02T10:01:00Z"),
        json!({"Type": "SubscriptionConfirmation", "MessageId": "m", "Token": "t"}),
    ]);
    // Act
    let (anomalies, summary, errors) = replay(Source::AwsTeam, &stream);
    // Assert
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!((summary.events, summary.ignored), (2, 1));
    let high_risk: Vec<_> = anomalies
        .iter()
        .filter(|a| a.kind == AnomalyType::HighRiskAccess)
        .collect();
    assert_eq!(high_risk.len(), 1, "{anomalies:#?}");
    assert_eq!(high_risk[0].request_id.as_str(), "r-1");
}

#[test]
fn a_bad_platform_line_is_reported_naming_its_field_and_nothing_else_is_lost() {
    let mut bad = create("e2", "req-2", "2026-03-01T10:00:00Z");
    bad["state"] = json!("MAYBE");
    let stream = lines(&[
        create("e1", "req-1", "2026-03-01T09:00:00Z"),
        bad,
        create("e3", "req-3", "2026-03-01T11:00:00Z"),
    ]);
    let (_, summary, errors) = replay(Source::Teleport, &stream);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("line 2: state: unknown state \"MAYBE\""),
        "{errors:?}"
    );
    assert_eq!((summary.events, summary.rejected), (2, 1));
}

#[test]
fn the_resource_catalog_tags_teleport_resources_so_high_risk_access_sees_them() {
    // Arrange: an admin role on a database whose name has no sensitive keyword.
    let mut admin = create("e1", "req-1", "2026-03-01T09:00:00Z");
    admin["roles"] = json!(["db-admin"]);
    let stream = lines(&[admin]);
    let catalog = Config::from_toml(
        "[[catalog]]\nresource = \"/main/db/orders-*\"\ntags = { env = \"prod\" }\n",
    )
    .unwrap();
    let high_risk = |anomalies: &[anomalies_core::anomaly::Anomaly]| {
        anomalies
            .iter()
            .filter(|a| a.kind == AnomalyType::HighRiskAccess)
            .count()
    };
    // Act
    let (without, _, _) = replay(Source::Teleport, &stream);
    let (with, _, errors) = replay_with_config(catalog, Source::Teleport, &stream);
    // Assert
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!((high_risk(&without), high_risk(&with)), (0, 1));
    let tagged = &with[0].resources[0];
    assert_eq!(tagged.tags.get("env"), Some("prod"));
}

#[test]
fn v1_1_state_changes_naming_only_the_request_find_what_whole_events_find() {
    // Arrange: the same approval after a manual rejection, once with whole events and once
    // with the decisions and the expiry naming only the request; plus an orphan on line 6.
    let with_decision = |mut event: Value, decision: Value| {
        if !decision.is_null() {
            event["request"]["decision"] = decision;
        }
        event
    };
    let whole = |e: &str, id: &str, t: &str, status: &str, decision: Value| {
        let created = if id == "r1" {
            "2026-03-01T09:00:00Z"
        } else {
            "2026-03-02T09:00:00Z"
        };
        let event = json!({"event_id": e, "occurred_at": t, "request": {"id": id, "status": status,
            "created_at": created, "requester": {"id": "dan"}, "integration": {"id": "pg"},
            "resource_type": "db", "resources": [{"id": "orders"}], "permissions": ["read"]}});
        with_decision(event, decision)
    };
    let by_id = |e: &str, id: &str, t: &str, status: &str, decision: Value| {
        let event =
            json!({"event_id": e, "occurred_at": t, "request": {"id": id, "status": status}});
        with_decision(event, decision)
    };
    let manual = |who: &str| json!({"mode": "manual", "by": {"id": who}});
    let v1 = lines(&[
        whole("e1", "r1", "2026-03-01T09:00:00Z", "pending", Value::Null),
        whole(
            "e2",
            "r1",
            "2026-03-01T09:10:00Z",
            "rejected",
            manual("carol"),
        ),
        whole("e3", "r2", "2026-03-02T09:00:00Z", "pending", Value::Null),
        whole(
            "e4",
            "r2",
            "2026-03-02T09:05:00Z",
            "approved",
            manual("bob"),
        ),
        whole("e5", "r2", "2026-03-02T17:05:00Z", "expired", Value::Null),
    ]);
    let v1_1 = lines(&[
        whole("e1", "r1", "2026-03-01T09:00:00Z", "pending", Value::Null),
        by_id(
            "e2",
            "r1",
            "2026-03-01T09:10:00Z",
            "rejected",
            manual("carol"),
        ),
        whole("e3", "r2", "2026-03-02T09:00:00Z", "pending", Value::Null),
        by_id(
            "e4",
            "r2",
            "2026-03-02T09:05:00Z",
            "approved",
            manual("bob"),
        ),
        by_id("e5", "r2", "2026-03-02T17:05:00Z", "expired", Value::Null),
        by_id("e6", "r9", "2026-03-02T17:06:00Z", "expired", Value::Null),
    ]);
    // Act
    let (expected, _, _) = replay(Source::V1, &v1);
    let (found, summary, errors) = replay(Source::V1, &v1_1);
    // Assert
    let kinds = |a: &[anomalies_core::anomaly::Anomaly]| {
        a.iter()
            .map(|a| (a.kind, a.request_id.to_string()))
            .collect::<Vec<_>>()
    };
    assert!(kinds(&expected).contains(&(AnomalyType::ApprovedAfterRejection, "r2".into())));
    assert_eq!(kinds(&found), kinds(&expected));
    assert_eq!(
        errors,
        ["line 6: request \"r9\" is not known (no earlier event carries its scope)"]
    );
    assert_eq!((summary.events, summary.rejected), (5, 1));
}

#[test]
fn common_fate_and_apono_streams_replay_through_their_connectors() {
    // Arrange: a Common Fate grant requested then activated, an authorization event, and an
    // activation for a grant never requested; two Apono requests for the same scope, the
    // first rejected by a person, the second approved.
    let grant = |action: &str, id: &str, at: &str| {
        json!({"id": format!("evt_{action}_{id}"), "action": action, "occurred_at": at,
               "targets": [{"type": "AWS::Account", "id": "111", "name": "prod-payments"},
                           {"type": "AWS::IDC::PermissionSet", "id": "arn:ps", "name": "AdministratorAccess"},
                           {"type": "Access::Grant", "id": id}],
               "actor": {"type": "CF::User", "id": "usr_dan", "email": "dan@x.io"}})
    };
    let common_fate = lines(&[
        grant("grant.requested", "gra_1", "2026-03-01T09:00:00Z"),
        json!({"id": "eval_1", "evaluated_at": "2026-03-01T09:00:01Z", "decision": 2, "allowed": true}),
        grant("grant.activated", "gra_1", "2026-03-01T09:05:00Z"),
        grant("grant.activated", "gra_9", "2026-03-01T09:06:00Z"),
    ]);
    let apono = |trigger: &str, id: &str, at: f64, status: &str| {
        json!({"event_type": trigger, "event_time": at.to_string(),
               "data": {"id": id, "requester": {"id": "u-eve"}, "creation_date": at.to_string(),
                        "access_groups": [{"integration": {"id": "pg", "type": "Postgresql"},
                            "access_units": [{"resource": {"id": "orders", "type": "db"}, "permission": {"name": "READ"}}]}],
                        "approvals": [{"status": status, "approver": {"id": "u-bob"}}]}})
    };
    let apono = lines(&[
        apono("AccessRequestCreated", "ar-1", 1_772_355_600.0, ""),
        apono("AccessRequestRejected", "ar-1", 1_772_355_700.0, "Rejected"),
        apono("AccessRequestCreated", "ar-2", 1_772_442_000.0, ""),
        apono("AccessRequestApproved", "ar-2", 1_772_442_100.0, "Approved"),
    ]);
    // Act
    let (cf_found, cf_summary, cf_errors) = replay(Source::CommonFate, &common_fate);
    let (apono_found, apono_summary, apono_errors) = replay(Source::Apono, &apono);
    // Assert
    assert!(cf_found
        .iter()
        .any(|a| a.kind == AnomalyType::HighRiskAccess && a.request_id.as_str() == "gra_1"));
    assert_eq!(
        (cf_summary.events, cf_summary.ignored, cf_summary.rejected),
        (2, 1, 1)
    );
    assert_eq!(
        cf_errors,
        ["line 4: request \"gra_9\" is not known (no earlier event carries its scope)"]
    );
    assert!(apono_errors.is_empty(), "{apono_errors:?}");
    assert_eq!(apono_summary.events, 4);
    let flagged: Vec<_> = apono_found
        .iter()
        .filter(|a| a.kind == AnomalyType::ApprovedAfterRejection)
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].request_id.as_str(), "ar-2");
}
