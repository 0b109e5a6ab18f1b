//! The Common Fate connector over the vendor's own webhook samples (copied into
//! `events/platforms/common-fate/`), over audit events for the other grant actions, and over
//! Glide events built from Glide's Go structs (`pkg/gevent`, `pkg/access/request.go`).

use super::*;
use proptest::prelude::*;
use serde_json::{json, Value};

fn tenant() -> TenantId {
    TenantId::try_from("acme").unwrap()
}

fn sample(name: &str) -> Value {
    let path = format!(
        "{}/../../events/platforms/common-fate/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn translate_value(value: &Value) -> Result<Translation, ConnectorError> {
    translate(&serde_json::to_vec(value).unwrap(), &tenant())
}

fn one(value: &Value) -> Observation {
    match translate_value(value).unwrap() {
        Translation::Events(mut list) if list.len() == 1 => list.remove(0),
        other => panic!("expected one observation, got {other:?}"),
    }
}

fn audit(action: &str, actor: Value) -> Value {
    let mut event = sample("webhook.audit_log.grant.requested.docs.json");
    event["id"] = json!(format!("evt_{action}"));
    event["action"] = json!(action);
    event["actor"] = actor;
    event
}

#[test]
fn the_vendors_grant_requested_sample_is_the_whole_request() {
    // Arrange
    let event = sample("webhook.audit_log.grant.requested.docs.json");
    // Act
    let Observation::Event(e) = one(&event) else {
        panic!("a requested grant is a whole request")
    };
    // Assert
    assert_eq!(e.event_id.as_str(), "evt_2f0ChzJvrOOqchMhRmJieErz9Bl");
    assert_eq!(
        e.occurred_at.to_rfc3339(),
        "2024-04-12T13:32:11.981852+00:00"
    );
    let r = &e.request;
    assert_eq!(r.id.as_str(), "gra_2f0ChywPOnsskEl3bEaF5RXhA8Z");
    assert_eq!(r.status, RequestStatus::Pending);
    assert_eq!(r.requester.id.as_str(), "usr_2ZaVKh5QwjlPsy1ImKc6GY2Xbsc");
    assert_eq!(r.requester.email.as_deref(), Some("chris@commonfate.io"));
    assert_eq!(r.integration.id.as_str(), "common-fate:aws");
    assert_eq!(r.resource_type, "AWS::Account");
    assert_eq!(r.resources[0].id.as_str(), "AWS::Account/450666865322");
    assert_eq!(
        r.permissions,
        ["arn:aws:sso:::permissionSet/ssoins-825968feece9a0b6/ps-04543749a2b53328"]
    );
}

#[test]
fn the_vendors_authorization_event_is_not_an_access_request() {
    let event = sample("webhook.authorization_event.docs.json");
    assert_eq!(
        translate_value(&event).unwrap(),
        Translation::NotAccessRequest
    );
}

#[test]
fn later_grant_actions_name_only_the_grant() {
    // Arrange
    let person = json!({"type": "CF::User", "id": "usr_bob", "name": "Bob", "email": "bob@x.io"});
    let cases = [
        (
            "grant.approved",
            person.clone(),
            RequestStatus::Approved,
            Some(DecisionMode::Manual),
        ),
        (
            "grant.approved",
            json!({"type": "CF::Bot", "id": "policy"}),
            RequestStatus::Approved,
            Some(DecisionMode::Automatic),
        ),
        (
            "grant.activated",
            person.clone(),
            RequestStatus::Granted,
            None,
        ),
        (
            "grant.breakglass_activated",
            person.clone(),
            RequestStatus::Granted,
            None,
        ),
        (
            "grant.cancelled",
            person.clone(),
            RequestStatus::Cancelled,
            None,
        ),
        (
            "grant.revoked",
            person.clone(),
            RequestStatus::Revoked,
            None,
        ),
        (
            "grant.deprovisioned",
            Value::Null,
            RequestStatus::Expired,
            None,
        ),
        (
            "grant.provisioning_error",
            Value::Null,
            RequestStatus::Failed,
            None,
        ),
    ];
    for (action, actor, status, mode) in cases {
        // Act
        let Observation::Change(c) = one(&audit(action, actor)) else {
            panic!("{action} names only the grant")
        };
        // Assert
        assert_eq!(
            c.request_id.as_str(),
            "gra_2f0ChywPOnsskEl3bEaF5RXhA8Z",
            "{action}"
        );
        assert_eq!(c.status, status, "{action}");
        assert_eq!(c.decision.and_then(|d| d.mode), mode, "{action}");
    }
}

#[test]
fn grant_actions_that_change_nothing_tracked_give_no_events_and_others_are_ignored() {
    for action in [
        "grant.provisioned",
        "grant.provisioning_attempted",
        "grant.extended",
        "grant.deprovisioning_error",
    ] {
        assert_eq!(
            translate_value(&audit(action, Value::Null)).unwrap(),
            Translation::Events(vec![]),
            "{action}"
        );
    }
    for action in ["user.created", "access_rule.updated"] {
        assert_eq!(
            translate_value(&audit(action, Value::Null)).unwrap(),
            Translation::NotAccessRequest,
            "{action}"
        );
    }
}

#[test]
fn an_audit_event_without_a_grant_target_is_refused_naming_targets() {
    let mut event = sample("webhook.audit_log.grant.requested.docs.json");
    event["targets"] = json!([{"type": "AWS::Account", "id": "1"}]);
    let err = translate_value(&event).unwrap_err();
    assert_eq!(err.to_string(), "targets: names no Access::Grant");
}

/// A Glide event as EventBridge delivers it, with a `detail` from `pkg/gevent`.
fn glide(detail_type: &str, detail: Value) -> Value {
    json!({"version": "0", "id": format!("eb-{detail_type}"), "detail-type": detail_type,
           "source": GLIDE_SOURCE, "account": "123456789012", "time": "2023-01-10T10:05:00Z",
           "region": "us-east-1", "resources": [], "detail": detail})
}

fn glide_request(method: &str) -> Value {
    json!({"id": "req_1", "requestedBy": "usr_dan", "rule": "rul_prod_admin", "ruleVersion": "3",
           "selectedWith": {"accountId": {"value": "123456789012", "label": "prod"},
                            "permissionSetArn": {"value": "arn:aws:sso:::permissionSet/ps-1", "label": "AdministratorAccess"}},
           "status": "PENDING", "data": {"reason": "incident 42"},
           "requestedTiming": {"duration": 3_600_000_000_000_i64}, "approvalMethod": method,
           "createdAt": "2023-01-10T10:00:00Z", "updatedAt": "2023-01-10T10:00:00Z"})
}

#[test]
fn glide_request_events_are_whole_requests_with_the_approval_method() {
    // Arrange
    let created = glide(
        "request.created",
        json!({"request": glide_request("REVIEWED"), "requestorEmail": "dan@x.io"}),
    );
    let approved = glide(
        "request.approved",
        json!({"request": glide_request("AUTOMATIC"), "reviewerId": "usr_rule"}),
    );
    let declined = glide(
        "request.declined",
        json!({"request": glide_request("REVIEWED"), "reviewerId": "usr_bob", "reviewerEmail": "bob@x.io"}),
    );
    // Act
    let whole = |v: &Value| match one(v) {
        Observation::Event(e) => e,
        other => panic!("{other:?}"),
    };
    let (created, approved, declined) = (whole(&created), whole(&approved), whole(&declined));
    // Assert
    let r = &created.request;
    assert_eq!((r.id.as_str(), r.status), ("req_1", RequestStatus::Pending));
    assert_eq!(r.requester.email.as_deref(), Some("dan@x.io"));
    assert_eq!(r.integration.id.as_str(), "rul_prod_admin");
    assert_eq!(r.resources[0].id.as_str(), "accountId=123456789012");
    assert_eq!(r.permissions, ["AdministratorAccess"]);
    assert_eq!(
        (r.duration_seconds, r.justification.as_deref()),
        (Some(3600), Some("incident 42"))
    );
    assert_eq!(
        approved.request.decision.as_ref().unwrap().mode,
        Some(DecisionMode::Automatic)
    );
    assert!(declined.is_manual_rejection());
    assert_eq!(
        declined
            .request
            .decision
            .as_ref()
            .unwrap()
            .by
            .as_ref()
            .unwrap()
            .id
            .as_str(),
        "usr_bob"
    );
}

#[test]
fn glide_grant_events_name_the_request_and_other_sources_are_ignored() {
    let grant = json!({"grant": {"id": "req_1", "provider": "aws-sso", "subject": "dan@x.io", "status": "ACTIVE",
                                 "start": "2023-01-10T10:06:00Z", "end": "2023-01-10T11:06:00Z", "with": {}}});
    for (kind, status) in [
        ("grant.activated", RequestStatus::Granted),
        ("grant.expired", RequestStatus::Expired),
        ("grant.revoked", RequestStatus::Revoked),
        ("grant.failed", RequestStatus::Failed),
    ] {
        let Observation::Change(c) = one(&glide(kind, grant.clone())) else {
            panic!("{kind}")
        };
        assert_eq!((c.request_id.as_str(), c.status), ("req_1", status));
    }
    assert_eq!(
        translate_value(&glide("grant.created", grant.clone())).unwrap(),
        Translation::Events(vec![])
    );
    let mut other = glide("grant.activated", grant);
    other["source"] = json!("aws.sso");
    assert_eq!(
        translate_value(&other).unwrap(),
        Translation::NotAccessRequest
    );
}

proptest! {
    #[test]
    fn arbitrary_payloads_never_panic_and_every_rejection_names_a_field(
        fields in prop::collection::btree_map(
            prop_oneof![Just("id"), Just("action"), Just("targets"), Just("actor"), Just("occurred_at"),
                        Just("detail-type"), Just("source"), Just("time"), Just("detail")],
            prop_oneof![
                Just(Value::Null), any::<i64>().prop_map(|n| json!(n)), ".{0,8}".prop_map(Value::String),
                Just(json!("grant.requested")), Just(json!("grant.approved")), Just(json!("2024-04-12T14:32:11Z")),
                Just(json!([{"type": "Access::Grant", "id": "g"}, {"type": "AWS::Account"}])),
                Just(json!({"type": "CF::User", "id": 3})), Just(json!(GLIDE_SOURCE)), Just(json!("request.created")),
                Just(json!({"request": {"id": "r", "selectedWith": {"k": {"value": 1}}}})), Just(json!({"grant": {}})),
            ],
            0..9,
        ),
    ) {
        let value = Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
        if let Err(err) = translate_value(&value) {
            prop_assert!(!err.field.is_empty() && !err.message.is_empty(), "{err:?}");
        }
    }
}
