//! The query function's AWS side against moto: triage reaches the anomalies bus through
//! EventBridge, and concurrent triage changes to one anomaly are both kept.

use anomalies_core::bus::eventbridge::EventBridgeBus;
use anomalies_core::bus::{MemoryBus, SOURCE};
use anomalies_core::domain::TenantId;
use anomalies_core::sample::anomalies;
use chrono::{TimeZone, Utc};
use integration_tests::api::Harness;
use integration_tests::{bus_with_capture, drain, sdk_config, unique};
use std::sync::Arc;

const ACME: Option<(&str, &str)> = Some(("acme", "alice@acme.example"));

fn seed_data() -> Vec<anomalies_core::anomaly::Anomaly> {
    let end = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    anomalies(11, &TenantId::try_from("acme").unwrap(), 5, 5, end, 3)
}

#[tokio::test]
async fn triage_and_revocation_reach_the_anomalies_bus() {
    // Arrange
    let config = sdk_config().await;
    let bus = unique("anomalies-bus");
    let capture = bus_with_capture(&config, &bus, SOURCE).await;
    let eventbridge = EventBridgeBus::new(aws_sdk_eventbridge::Client::new(&config), bus);
    let h = Harness::dynamo_with_bus(Arc::new(MemoryBus::default()), Arc::new(eventbridge)).await;
    let data = seed_data();
    h.seed(&data).await;
    let uri = format!("/v1/anomalies/{}", data[0].id);
    // Act
    let patched = h
        .call(
            "PATCH",
            &uri,
            ACME,
            Some(r#"{"status":"resolved","note":"expected"}"#),
        )
        .await;
    let revoked = h.call("POST", &format!("{uri}/revoke"), ACME, None).await;
    // Assert
    assert_eq!((patched.status, revoked.status), (200, 202));
    let events = drain(&config, &capture).await;
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "Anomaly Updated",
            "Revoke Access Requested",
            "Anomaly Updated"
        ]
    );
    assert_eq!(events[0]["detail"]["status"], "resolved");
    assert_eq!(events[0]["resources"][0], data[0].id.as_str());
    assert_eq!(
        events[1]["detail"]["request_id"],
        data[0].request_id.as_str()
    );
    assert_eq!(events[1]["detail"]["actor"], "alice@acme.example");
}

#[tokio::test]
async fn concurrent_triage_changes_to_one_anomaly_are_both_kept() {
    // Arrange
    let h = Harness::dynamo().await;
    let data = seed_data();
    h.seed(&data).await;
    let uri = format!("/v1/anomalies/{}", data[0].id);
    // Act: four callers at once; each write is conditional on the version it read.
    let notes = ["one", "two", "three", "four"];
    let calls = notes.iter().map(|note| {
        let body = format!(r#"{{"status":"acknowledged","note":"{note}"}}"#);
        let (h, uri) = (&h, &uri);
        async move { h.call("PATCH", uri, ACME, Some(&body)).await.status }
    });
    let statuses = futures_util::future::join_all(calls).await;
    // Assert: every change that answered 200 is in the history, none lost.
    let details = h.get(&uri, ACME).await;
    let kept: Vec<&str> = details.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["note"].as_str().unwrap())
        .collect();
    let succeeded = statuses.iter().filter(|s| **s == 200).count();
    assert!(
        succeeded >= 1 && statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(kept.len(), succeeded, "{kept:?} vs {statuses:?}");
    assert_eq!(h.bus.events().len(), succeeded);
}
