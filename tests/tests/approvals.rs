//! The approval-integrity rules on AWS: approvals through the ingest handler on moto are
//! detected, stored, published on the bus (each event checked against its schema) and listed
//! and counted by the query API over the same table.

use anomalies_core::bus::MemoryBus;
use chrono::Duration;
use integration_tests::api::Harness;
use integration_tests::pipeline::{request, t, Pipeline};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;

const ACME: Option<(&str, &str)> = Some(("acme", "alice@acme.example"));

/// `requester`'s request `id`, pending and then approved manually by `approver`.
fn approved(requester: &str, id: &str, approver: Value) -> [Value; 2] {
    let created = t("2026-03-02T09:00:00Z");
    let approved_at = created + Duration::minutes(10);
    let mut approval = request(requester, id, "approved", created, approved_at);
    approval["request"]["decision"] = json!({"mode": "manual", "by": approver});
    [
        request(requester, id, "pending", created, created),
        approval,
    ]
}

fn ids(values: &[Value], field: &str) -> BTreeSet<String> {
    values
        .iter()
        .map(|v| v[field].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_self_approval_is_detected_stored_published_and_listed_by_the_api() {
    // Arrange: alice approves her own request; dave approves his as another account with his
    // email; carol approves bob's.
    let p = Pipeline::new().await;
    let mut events = Vec::new();
    events.extend(approved("alice", "r-alice", json!({"id": "alice"})));
    let mut dave = approved(
        "dave",
        "r-dave",
        json!({"id": "dave-admin", "email": "Dave@Acme.example"}),
    );
    dave[0]["request"]["requester"]["email"] = json!("dave@acme.example");
    dave[1]["request"]["requester"]["email"] = json!("dave@acme.example");
    events.extend(dave);
    events.extend(approved("bob", "r-bob", json!({"id": "carol"})));
    // Act
    p.feed(&p.ingest(), &events, t("2026-03-02T10:00:00Z"))
        .await;
    let bus = Arc::new(MemoryBus::default());
    let api = Harness::dynamo_on(&p.table, &p.secrets_key, bus.clone(), bus).await;
    let listed = api.get("/v1/anomalies?type=self_approval", ACME).await;
    let facets = api.get("/v1/anomalies/facets?field=type", ACME).await;
    // Assert
    let stored: Vec<Value> = p
        .anomalies()
        .await
        .into_iter()
        .filter(|a| a["type"] == "self_approval")
        .collect();
    assert_eq!(
        ids(&stored, "request_id"),
        BTreeSet::from(["r-alice".into(), "r-dave".into()])
    );
    let matched: BTreeSet<String> = stored
        .iter()
        .map(|a| a["evidence"]["matched_on"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(matched, BTreeSet::from(["email".into(), "id".into()]));
    let published = p.published().await;
    for anomaly in &stored {
        let id = anomaly["id"].as_str().unwrap();
        assert_eq!(published[id], ["Anomaly Detected"], "{id}");
    }
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(ids(items, "id"), ids(&stored, "id"));
    let counted = facets.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["value"] == "self_approval")
        .map(|v| v["count"].as_u64().unwrap());
    assert_eq!(counted, Some(2));
}
