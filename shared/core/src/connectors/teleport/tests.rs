//! The Teleport connector over Teleport's own samples (copied into `events/platforms/teleport/`,
//! sources in its README) and over events built from its schema.

use super::*;
use proptest::prelude::*;
use serde_json::{json, Value};

fn tenant() -> TenantId {
    TenantId::try_from("acme").unwrap()
}

fn sample(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../events/platforms/teleport/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn one(translation: Translation) -> Observation {
    match translation {
        Translation::Events(mut events) if events.len() == 1 => events.remove(0),
        other => panic!("expected one event, got {other:?}"),
    }
}

fn event(value: Value) -> Result<Translation, ConnectorError> {
    translate(value.to_string().as_bytes(), &tenant())
}

#[test]
fn the_docs_create_sample_is_a_whole_role_request_for_the_cluster() {
    // Act
    let translated = one(translate(&sample("access_request.create.docs.json"), &tenant()).unwrap());
    // Assert
    let Observation::Event(e) = translated else {
        panic!("a create is a whole event")
    };
    assert_eq!(e.event_id.as_str(), "68a83a99-73ce-4bd7-bbf7-99103c2ba6a0");
    assert_eq!(e.tenant_id, tenant());
    assert_eq!(e.occurred_at.to_rfc3339(), "2020-06-05T19:26:53+00:00");
    let r = &e.request;
    assert_eq!(r.id.as_str(), "66b827b2-1b0b-512b-965d-6c789388d3c9");
    assert_eq!(r.status, RequestStatus::Pending);
    assert_eq!(r.requester.id.as_str(), "Carrie_Sandoval");
    assert_eq!(r.permissions, vec![CompactString::from("admin")]);
    assert_eq!(
        r.integration.id.as_str(),
        "teleport",
        "the sample names no cluster"
    );
    assert_eq!(
        (r.resource_type.as_str(), r.resources[0].id.as_str()),
        ("cluster", "/teleport")
    );
}

#[test]
fn the_docs_update_sample_is_a_manual_approval_naming_only_the_request() {
    let Observation::Change(c) =
        one(translate(&sample("access_request.update.docs.json"), &tenant()).unwrap())
    else {
        panic!("an update names only the request")
    };
    assert_eq!(
        c.request_id.as_str(),
        "66b827b2-1b0b-512b-965d-6c789388d3c9"
    );
    assert_eq!(c.status, RequestStatus::Approved);
    let d = c.decision.unwrap();
    assert_eq!(
        (d.mode, d.by.unwrap().id.as_str()),
        (Some(DecisionMode::Manual), "Sam_Waters")
    );
}

#[test]
fn the_approval_bots_review_is_an_automatic_decision_with_its_reason() {
    let Observation::Change(c) = one(translate(
        &sample("access_request.review.auto_approved.rfd0201.json"),
        &tenant(),
    )
    .unwrap()) else {
        panic!("a review names only the request")
    };
    assert_eq!(c.status, RequestStatus::Approved);
    assert_eq!(c.event_id.as_str(), "a5c9adb1-2a12-47d4-a626-f81a21e22f69");
    let d = c.decision.unwrap();
    assert_eq!(d.mode, Some(DecisionMode::Automatic));
    assert_eq!(d.by.unwrap().id.as_str(), AUTOMATIC_REVIEWER);
    assert!(d.reason.unwrap().contains("automatically approved"));
}

#[test]
fn expiry_and_deletion_end_the_request() {
    for (name, status) in [
        ("access_request.expire.docs.json", RequestStatus::Expired),
        ("access_request.delete.docs.json", RequestStatus::Cancelled),
    ] {
        let Observation::Change(c) = one(translate(&sample(name), &tenant()).unwrap()) else {
            panic!("{name}: names only the request")
        };
        assert_eq!((c.status, c.decision), (status, None), "{name}");
    }
}

#[test]
fn the_docs_review_sample_without_a_state_is_refused_naming_it() {
    let err = translate(&sample("access_request.review.docs.json"), &tenant()).unwrap_err();
    assert_eq!(err.field, "state");
}

#[test]
fn a_resource_search_and_other_audit_events_are_not_access_requests() {
    let search = translate(&sample("access_request.search.docs.json"), &tenant()).unwrap();
    assert_eq!(search, Translation::NotAccessRequest);
    for other in [
        json!({"event": "user.login", "uid": "u", "time": "2026-01-01T00:00:00Z", "roles": 7}),
        json!({"event": "session.start", "user": "alice"}),
        json!({"event": 12}),
        json!({"code": "T1000I"}),
    ] {
        assert_eq!(
            event(other.clone()).unwrap(),
            Translation::NotAccessRequest,
            "{other}"
        );
    }
}

fn create(extra: Value) -> Value {
    let mut base = json!({
        "event": "access_request.create", "code": "T5000I", "uid": "evt-1",
        "time": "2026-03-02T09:00:00Z", "id": "req-1", "user": "alice", "state": "PENDING",
        "cluster_name": "prod.teleport.example.com", "roles": ["db-admin"],
        "reason": "INC-42", "max_duration": "2026-03-02T13:00:00Z",
    });
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

#[test]
fn resource_requests_get_injective_ids_and_their_kind_as_the_type() {
    // Arrange: a name with a slash and a percent sign, a sub-resource, two kinds.
    let value = create(json!({"roles": [], "resource_ids": [
        {"cluster": "prod", "kind": "db", "name": "orders/replica%1"},
        {"cluster": "prod", "kind": "node", "name": "bastion", "sub_resource": "root"},
    ]}));
    // Act
    let Observation::Event(e) = one(event(value).unwrap()) else {
        panic!()
    };
    // Assert
    let ids: Vec<&str> = e.request.resources.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        ["/prod/db/orders%2Freplica%251", "/prod/node/bastion/root"]
    );
    assert_eq!(e.request.resource_type, "db+node");
    assert_eq!(e.request.permissions, vec![CompactString::from("access")]);
    assert_eq!(
        e.request.integration.id.as_str(),
        "prod.teleport.example.com"
    );
    assert_eq!(e.request.duration_seconds, Some(4 * 3600));
    assert_eq!(e.request.justification.as_deref(), Some("INC-42"));
}

#[test]
fn reviews_map_every_state_and_a_pending_review_changes_nothing() {
    for (state, expected) in [
        ("APPROVED", Some(RequestStatus::Approved)),
        ("PROMOTED", Some(RequestStatus::Approved)),
        ("DENIED", Some(RequestStatus::Rejected)),
        ("APPLIED", Some(RequestStatus::Granted)),
        ("PENDING", None),
    ] {
        let review = json!({"event": "access_request.review", "uid": "e", "time": "2026-03-02T10:00:00Z",
            "id": "req-1", "reviewer": "bob", "proposed_state": state, "state": state, "reason": "ok"});
        let translation = event(review).unwrap();
        match expected {
            None => assert_eq!(translation, Translation::Events(Vec::new()), "{state}"),
            Some(status) => {
                let Observation::Change(c) = one(translation) else {
                    panic!("{state}")
                };
                assert_eq!(c.status, status, "{state}");
                assert_eq!(c.decision.unwrap().mode, Some(DecisionMode::Manual));
            }
        }
    }
}

#[test]
fn each_missing_or_malformed_field_is_named() {
    for (change, field) in [
        (json!({"uid": null}), "uid"),
        (json!({"time": "yesterday"}), "time"),
        (json!({"id": ""}), "id"),
        (json!({"user": null}), "user"),
        (json!({"state": "MAYBE"}), "state"),
        (json!({"roles": [""]}), "roles[0]"),
        (json!({"roles": "admin"}), "roles"),
        (json!({"roles": [], "resource_ids": []}), "roles"),
        (
            json!({"resource_ids": [{"kind": "db"}]}),
            "resource_ids[0].name",
        ),
        (
            json!({"resource_ids": [{"name": "x", "kind": 3}]}),
            "resource_ids[0].kind",
        ),
        (json!({"max_duration": "soon"}), "max_duration"),
    ] {
        let err = event(create(change.clone())).unwrap_err();
        assert_eq!(err.field, field, "{change}: {err}");
    }
    assert_eq!(translate(b"[1, 2]", &tenant()).unwrap_err().field, ROOT);
    assert_eq!(
        translate(b"{\"event\": ", &tenant()).unwrap_err().field,
        ROOT
    );
}

fn any_json() -> impl Strategy<Value = Value> {
    crate::test_json::any_json(
        &[
            "id",
            "uid",
            "time",
            "user",
            "state",
            "roles",
            "resource_ids",
            "kind",
            "name",
            "reviewer",
        ],
        &["2026-03-02T10:00:00Z", "APPROVED"],
    )
}

proptest! {
    #[test]
    fn arbitrary_json_never_panics_and_every_rejection_names_a_field(
        kind in prop_oneof![
            Just("access_request.create"), Just("access_request.review"), Just("access_request.update"),
            Just("access_request.expire"), Just("access_request.delete"), Just("user.login"),
        ],
        fields in prop::collection::btree_map(
            prop_oneof![
                Just("id".to_owned()), Just("uid".to_owned()), Just("time".to_owned()),
                Just("user".to_owned()), Just("state".to_owned()), Just("roles".to_owned()),
                Just("resource_ids".to_owned()), Just("max_duration".to_owned()),
                Just("reviewer".to_owned()), Just("cluster_name".to_owned()),
            ],
            any_json(),
            0..10,
        ),
        anything in any_json(),
    ) {
        let mut payload: serde_json::Map<String, Value> = fields.into_iter().collect();
        payload.insert("event".into(), json!(kind));
        if let Err(err) = event(Value::Object(payload)) {
            prop_assert!(!err.field.is_empty() && !err.message.is_empty(), "{err:?}");
        }
        if let Err(err) = translate(anything.to_string().as_bytes(), &tenant()) {
            prop_assert!(!err.field.is_empty(), "{err:?}");
        }
    }
}
