//! The TEAM connector over TEAM's own notification sample (copied into
//! `events/platforms/aws-team/`) and over records built from TEAM's schema
//! (`amplify/backend/api/team/schema.graphql`, type `requests`).

use super::*;
use proptest::prelude::*;
use serde_json::json;

fn tenant() -> TenantId {
    TenantId::try_from("acme").unwrap()
}

fn vendor_sample() -> Value {
    let path = format!(
        "{}/../../events/platforms/aws-team/teamNotifications.event.sns_message.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// The vendor's record with the fields its test event leaves empty filled in.
fn record(changes: Value) -> Value {
    let mut r = vendor_sample();
    for (k, v) in json!({
        "id": "0b5c6d1e-req", "role": "AdministratorAccess", "roleId": "arn:aws:sso:::permissionSet/ps-1",
        "justification": "deploy hotfix", "ticketNo": "OPS-7", "createdAt": "2023-08-09T21:40:00.000Z",
        "updatedAt": "2023-08-09T21:44:00.000Z",
    }).as_object().unwrap().iter().chain(changes.as_object().unwrap()) {
        r[k] = v.clone();
    }
    r
}

fn envelope(message: &Value) -> Value {
    json!({
        "Type": "Notification", "MessageId": "9f1c-msg", "TopicArn": "arn:aws:sns:us-east-1:0123456789012:TeamNotifications-main",
        "Subject": "AWS access request approved", "Message": message.to_string(),
        "Timestamp": "2023-08-09T21:45:30.123Z", "SignatureVersion": "1",
    })
}

fn translate_value(value: &Value) -> Result<Translation, ConnectorError> {
    translate(value.to_string().as_bytes(), &tenant())
}

fn the_event(value: &Value) -> AccessEvent {
    match translate_value(value).unwrap() {
        Translation::Events(mut events) if events.len() == 1 => match events.remove(0) {
            Observation::Event(e) => *e,
            other => panic!("TEAM sends whole records, got {other:?}"),
        },
        other => panic!("expected one event, got {other:?}"),
    }
}

#[test]
fn the_vendor_sample_is_refused_because_its_request_id_is_empty() {
    let err = translate_value(&vendor_sample()).unwrap_err();
    assert_eq!(
        (err.field.as_str(), err.message.as_str()),
        ("id", "must be a non-empty string")
    );
}

#[test]
fn a_notification_is_a_whole_request_with_the_envelopes_id_and_time() {
    // Act
    let e = the_event(&envelope(&record(json!({}))));
    // Assert
    assert_eq!(e.event_id.as_str(), "9f1c-msg");
    assert_eq!(e.occurred_at.to_rfc3339(), "2023-08-09T21:45:30.123+00:00");
    let r = &e.request;
    assert_eq!(
        (r.id.as_str(), r.status),
        ("0b5c6d1e-req", RequestStatus::Approved)
    );
    assert_eq!(r.created_at.to_rfc3339(), "2023-08-09T21:40:00+00:00");
    assert_eq!(
        (r.requester.id.as_str(), r.requester.name.as_deref()),
        ("user@domain.com", Some("idc_user@domain.com"))
    );
    assert_eq!(r.integration.id.as_str(), INTEGRATION);
    assert_eq!(
        (r.resource_type.as_str(), r.resources[0].id.as_str()),
        ("aws-account", "0123456789012")
    );
    assert_eq!(r.resources[0].name.as_deref(), Some("team-account"));
    assert_eq!(
        r.permissions,
        vec![compact_str::CompactString::from("AdministratorAccess")]
    );
    assert_eq!(
        r.justification.as_deref(),
        Some("deploy hotfix (ticket OPS-7)")
    );
    assert_eq!(r.duration_seconds, Some(3600));
    let d = r.decision.as_ref().unwrap();
    assert_eq!(
        (d.mode, d.by.as_ref().unwrap().id.as_str()),
        (Some(DecisionMode::Manual), "approver@domain.com")
    );
}

#[test]
fn a_bare_record_takes_its_id_and_time_from_the_record() {
    let e = the_event(&record(json!({"status": "pending"})));
    assert_eq!(
        e.event_id.as_str(),
        "team:0b5c6d1e-req:pending:2023-08-09T21:44:00.000Z"
    );
    assert_eq!(e.occurred_at.to_rfc3339(), "2023-08-09T21:44:00+00:00");
    assert_eq!(e.request.decision, None);
}

#[test]
fn every_team_status_maps_to_a_v1_status() {
    for (team, revoker, approval, expected, mode) in [
        ("pending", None, true, RequestStatus::Pending, None),
        (
            "approved",
            None,
            true,
            RequestStatus::Approved,
            Some(DecisionMode::Manual),
        ),
        (
            "scheduled",
            None,
            false,
            RequestStatus::Approved,
            Some(DecisionMode::Automatic),
        ),
        (
            "rejected",
            None,
            true,
            RequestStatus::Rejected,
            Some(DecisionMode::Manual),
        ),
        ("cancelled", None, true, RequestStatus::Cancelled, None),
        ("granted", None, true, RequestStatus::Granted, None),
        (
            "ended",
            Some("admin@domain.com"),
            true,
            RequestStatus::Revoked,
            None,
        ),
        ("ended", None, true, RequestStatus::Expired, None),
        ("expired", None, true, RequestStatus::Expired, None),
        ("error", None, true, RequestStatus::Failed, None),
    ] {
        let e = the_event(&envelope(&record(
            json!({"status": team, "revoker": revoker, "approvalRequired": approval}),
        )));
        assert_eq!(e.request.status, expected, "{team}");
        assert_eq!(e.request.decision.and_then(|d| d.mode), mode, "{team}");
    }
}

#[test]
fn confirmations_and_other_records_are_not_access_requests() {
    let confirmation = json!({"Type": "SubscriptionConfirmation", "MessageId": "m", "Token": "t", "SubscribeURL": "https://sns"});
    assert_eq!(
        translate_value(&confirmation).unwrap(),
        Translation::NotAccessRequest
    );
    let settings = envelope(&json!({"id": "settings", "duration": "9", "approval": true}));
    assert_eq!(
        translate_value(&settings).unwrap(),
        Translation::NotAccessRequest
    );
}

#[test]
fn each_missing_or_malformed_field_is_named() {
    for (change, field) in [
        (json!({"status": "maybe"}), "status"),
        (json!({"role": ""}), "role"),
        (json!({"email": null, "username": null}), "email"),
        (json!({"createdAt": "yesterday"}), "createdAt"),
        (json!({"id": 7}), "id"),
    ] {
        let err = translate_value(&envelope(&record(change.clone()))).unwrap_err();
        assert_eq!(err.field, field, "{change}: {err}");
    }
    let mut no_time = envelope(&record(json!({})));
    no_time.as_object_mut().unwrap().remove("Timestamp");
    assert_eq!(translate_value(&no_time).unwrap_err().field, "Timestamp");
    let bare = record(json!({"updatedAt": null, "createdAt": null}));
    assert_eq!(translate_value(&bare).unwrap_err().field, "updatedAt");
    assert_eq!(translate(b"not json", &tenant()).unwrap_err().field, "$");
}

proptest! {
    #[test]
    fn arbitrary_records_never_panic_and_every_rejection_names_a_field(
        fields in prop::collection::btree_map(
            prop_oneof![
                Just("id"), Just("status"), Just("email"), Just("username"), Just("accountId"),
                Just("accountName"), Just("role"), Just("duration"), Just("time"), Just("createdAt"),
                Just("updatedAt"), Just("startTime"), Just("approver"), Just("revoker"), Just("approvalRequired"),
            ],
            prop_oneof![
                Just(Value::Null), any::<bool>().prop_map(Value::Bool), any::<i64>().prop_map(|n| json!(n)),
                ".{0,10}".prop_map(Value::String), Just(json!("2023-08-09T21:44:00Z")), Just(json!("approved")),
                Just(json!(["a"])),
            ],
            0..15,
        ),
        wrapped in any::<bool>(),
    ) {
        let record = Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
        let payload = if wrapped { envelope(&record) } else { record };
        if let Err(err) = translate_value(&payload) {
            prop_assert!(!err.field.is_empty() && !err.message.is_empty(), "{err:?}");
        }
    }
}
