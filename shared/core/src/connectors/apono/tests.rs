//! The Apono connector over what our body template renders — with a Handlebars engine, as
//! Apono renders it — for payloads built from Apono's "Webhook Payload Schema Reference".

use super::*;
use proptest::prelude::*;
use serde_json::json;

fn tenant() -> TenantId {
    TenantId::try_from("acme").unwrap()
}

/// An Apono payload as its schema reference describes it.
fn payload(event_type: &str, justification: &str, approvals: Value) -> Value {
    json!({
        "event_type": event_type, "event_time": 1_696_263_300.25,
        "data": {
            "id": "ar-123", "friendly_id": "AR-123",
            "requester": {"id": "user-1", "name": "Dana", "email": "dana@example.com"},
            "grantee": {"id": "user-1", "source_id": "s", "name": "Dana", "type": "user"},
            "justification": justification, "creation_date": 1_696_263_265.852,
            "revocation_date": 1_696_266_865.85, "access_duration_in_seconds": 3600,
            "access_flow": {"id": "flow-1", "name": "Prod DB"},
            "access_bundle": {"id": "bundle-1", "name": "Bundle 1"},
            "access_groups": [{
                "integration": {"id": "int-1", "type": "Postgresql", "name": "prod db"},
                "resource_types": [{"id": "postgresql-database", "name": "Database", "display_path": "Postgresql/Database"}],
                "access_units": [
                    {"resource": {"id": "res-1", "name": "payments", "path": "prod db/payments",
                                  "type": {"id": "postgresql-database", "name": "Database", "display_path": "Postgresql/Database"}},
                     "permission": {"id": "perm-1", "name": "ADMIN"}},
                    {"resource": {"id": "res-2", "name": "orders", "path": "prod db/orders",
                                  "type": {"id": "postgresql-database", "name": "Database", "display_path": "Postgresql/Database"}},
                     "permission": {"id": "perm-2", "name": "READ_ONLY"}}
                ]
            }],
            "approvals_logical_relation": "OR",
            "approvals": approvals
        }
    })
}

/// What Apono posts: our template rendered over the payload.
fn rendered(payload: &Value) -> String {
    handlebars::Handlebars::new()
        .render_template(BODY_TEMPLATE, payload)
        .unwrap()
}

fn whole(body: &str) -> AccessEvent {
    match translate(body.as_bytes(), &tenant()).unwrap() {
        Translation::Events(mut list) if list.len() == 1 => match list.remove(0) {
            Observation::Event(e) => *e,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_rendered_template_is_the_whole_request() {
    // Arrange
    let body = rendered(&payload("AccessRequestCreated", "deploy hotfix", json!([])));
    // Act
    let event = whole(&body);
    // Assert
    assert_eq!(
        event.event_id.as_str(),
        "apono:ar-123:AccessRequestCreated:1696263300.25"
    );
    assert_eq!(
        event.occurred_at.to_rfc3339(),
        "2023-10-02T16:15:00.250+00:00"
    );
    let r = &event.request;
    assert_eq!(
        (r.id.as_str(), r.status),
        ("ar-123", RequestStatus::Pending)
    );
    assert_eq!(r.requester.email.as_deref(), Some("dana@example.com"));
    assert_eq!(r.integration.id.as_str(), "int-1");
    assert_eq!(r.integration.kind.as_deref(), Some("Postgresql"));
    assert_eq!(r.resource_type, "postgresql-database");
    let ids: Vec<&str> = r.resources.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["int-1/res-1", "int-1/res-2"]);
    assert_eq!(r.permissions, ["ADMIN", "READ_ONLY"]);
    assert_eq!(r.access_flow.as_ref().unwrap().id, "flow-1");
    assert_eq!(
        (r.duration_seconds, r.justification.as_deref()),
        (Some(3600), Some("deploy hotfix"))
    );
    assert_eq!(r.created_at.timestamp(), 1_696_263_265);
}

#[test]
fn a_justification_with_quotes_a_newline_and_a_backslash_survives_the_template() {
    let text = "fix \"prod\" & <db>\nC:\\temp = 'ok'";
    let event = whole(&rendered(&payload("AccessRequestCreated", text, json!([]))));
    assert_eq!(event.request.justification.as_deref(), Some(text));
}

#[test]
fn every_trigger_maps_to_its_status_and_decisions_name_the_approver() {
    // Arrange
    let approver = json!([{"name": "Security", "type": "user", "status": "Approved",
                           "approver": {"id": "user-9", "name": "Bob", "email": "bob@example.com"}}]);
    let rejecter = json!([{"name": "Security", "type": "user", "status": "Rejected",
                           "approver": {"id": "user-9", "name": "Bob", "email": "bob@example.com"}}]);
    let cases = [
        (
            "AccessRequestApproved",
            approver.clone(),
            RequestStatus::Approved,
            Some(DecisionMode::Manual),
        ),
        (
            "AccessRequestApproved",
            json!([]),
            RequestStatus::Approved,
            Some(DecisionMode::Automatic),
        ),
        (
            "AccessRequestRejected",
            rejecter,
            RequestStatus::Rejected,
            Some(DecisionMode::Manual),
        ),
        (
            "AccessRequestGranted",
            approver.clone(),
            RequestStatus::Granted,
            None,
        ),
        (
            "AccessRequestExpired",
            approver.clone(),
            RequestStatus::Expired,
            None,
        ),
        (
            "AccessRequestRevoked",
            approver.clone(),
            RequestStatus::Revoked,
            None,
        ),
        (
            "AccessRequestFailed",
            approver.clone(),
            RequestStatus::Failed,
            None,
        ),
        ("RequestCreated", json!([]), RequestStatus::Pending, None),
    ];
    for (trigger, approvals, status, mode) in cases {
        // Act
        let event = whole(&rendered(&payload(trigger, "j", approvals)));
        // Assert
        assert_eq!(event.request.status, status, "{trigger}");
        let decision = event.request.decision.as_ref();
        assert_eq!(decision.and_then(|d| d.mode), mode, "{trigger}");
        if mode == Some(DecisionMode::Manual) {
            assert_eq!(decision.unwrap().by.as_ref().unwrap().id.as_str(), "user-9");
        }
    }
}

#[test]
fn other_apono_webhooks_are_ignored_and_a_body_without_groups_is_refused_naming_them() {
    let audit =
        json!({"event_type": "AuditLogCreated", "event_time": "1", "data": {"action": "edit"}});
    let translation = translate(audit.to_string().as_bytes(), &tenant()).unwrap();
    assert_eq!(translation, Translation::NotAccessRequest);
    let mut bare = payload("AccessRequestCreated", "j", json!([]));
    bare["data"]["access_groups"] = json!([]);
    let err = translate(rendered(&bare).as_bytes(), &tenant()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "data.access_groups: must list at least one access group"
    );
}

proptest! {
    #[test]
    fn arbitrary_bodies_never_panic_and_every_rejection_names_a_field(
        fields in prop::collection::btree_map(
            prop_oneof![Just("event_type"), Just("event_time"), Just("data")],
            prop_oneof![
                Just(Value::Null), any::<i64>().prop_map(|n| json!(n)), ".{0,8}".prop_map(Value::String),
                Just(json!("AccessRequestApproved")), Just(json!("1696263300.5")),
                Just(json!({"id": "r", "requester": {"id": 1}})),
                Just(json!({"id": "r", "requester": {"id": "u"}, "access_groups": [{"integration": {"id": "i"}, "access_units": [{"resource": {}}]}]})),
            ],
            0..4,
        ),
        raw in ".{0,40}",
    ) {
        let value = Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
        for body in [value.to_string(), raw] {
            if let Err(err) = translate(body.as_bytes(), &tenant()) {
                prop_assert!(!err.field.is_empty() && !err.message.is_empty(), "{err:?}");
            }
        }
    }
}
