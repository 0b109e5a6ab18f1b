//! Bulk triage (`POST /v1/anomalies/triage`) on both stores: by id and by filter, within the
//! caller's tenant, at most 500 at once, each change recorded and announced like a single
//! one; and the single triage's `expected_updated_at` refusing a change to an older version.

use anomalies_core::anomaly::{Anomaly, TriageStatus};
use anomalies_core::bus::DetailType;
use anomalies_core::domain::TenantId;
use anomalies_core::sample::anomalies;
use chrono::{TimeZone, Utc};
use integration_tests::api::{Caller, Harness};
use serde_json::{json, Value};

const ACME: Caller<'static> = Some(("acme", "alice@acme.example"));
const GLOBEX: Caller<'static> = Some(("globex", "gina@globex.example"));

fn tenant_anomalies(tenant: &str, count: usize, seed: u64) -> Vec<Anomaly> {
    let end = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    anomalies(
        seed,
        &TenantId::try_from(tenant).unwrap(),
        count,
        40,
        end,
        30,
    )
}

fn ids(value: &Value) -> Vec<String> {
    let mut ids: Vec<String> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

async fn bulk(h: &Harness, caller: Caller<'_>, body: &Value) -> integration_tests::api::Reply {
    h.call(
        "POST",
        "/v1/anomalies/triage",
        caller,
        Some(&body.to_string()),
    )
    .await
}

/// The ids the list route returns for `query` (one page of up to 500), sorted.
async fn listed(h: &Harness, query: &str, caller: Caller<'_>) -> Vec<String> {
    let reply = h
        .get(&format!("/v1/anomalies?{query}&limit=500"), caller)
        .await;
    ids(&Value::Array(
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].clone())
            .collect(),
    ))
}

async fn status_of(h: &Harness, id: &str, caller: Caller<'_>) -> Value {
    h.get(&format!("/v1/anomalies/{id}"), caller).await.body
}

async fn changes_by_id_stay_in_the_callers_tenant_and_are_announced(h: Harness) {
    // Arrange
    let mine = tenant_anomalies("acme", 12, 1);
    let theirs = tenant_anomalies("globex", 3, 2);
    h.seed(&mine).await;
    h.seed(&theirs).await;
    let picked: Vec<&str> = mine.iter().take(5).map(|a| a.id.as_str()).collect();
    let foreign = theirs[0].id.as_str();
    let mut named: Vec<&str> = picked.clone();
    named.extend([foreign, picked[0], "not an id"]);
    // Act
    let body = json!({ "status": "acknowledged", "note": "bulk check", "ids": named });
    let reply = bulk(&h, ACME, &body).await;
    // Assert
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut expected: Vec<String> = picked.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(ids(&reply.body["changed"]), expected);
    assert_eq!(reply.body["matched"], 7, "duplicates count once");
    let failed: Vec<(&str, &str)> = reply.body["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        failed,
        vec![(foreign, "not_found"), ("not an id", "not_found")]
    );
    for id in &picked {
        let details = status_of(&h, id, ACME).await;
        assert_eq!(details["status"], "acknowledged", "{id}");
        let last = details["history"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(
            (last["actor"].as_str(), last["note"].as_str()),
            (Some("alice@acme.example"), Some("bulk check"))
        );
    }
    // The other tenant's anomaly is untouched.
    assert_eq!(
        status_of(&h, foreign, GLOBEX).await["status"],
        theirs[0].status.as_str()
    );
    let announced: Vec<String> = h
        .bus
        .events()
        .iter()
        .filter(|e| e.detail_type == DetailType::AnomalyUpdated)
        .map(|e| e.resource.clone())
        .collect();
    let mut announced_sorted = announced.clone();
    announced_sorted.sort();
    assert_eq!(announced_sorted, expected, "each change announced once");
}

async fn a_filter_changes_exactly_what_the_list_returns_for_it(h: Harness) {
    // Arrange
    let mine = tenant_anomalies("acme", 60, 3);
    h.seed(&mine).await;
    h.seed(&tenant_anomalies("globex", 20, 4)).await;
    let filter = "severity=high,critical&from=2026-05-10T00:00:00Z";
    let expected = listed(&h, filter, ACME).await;
    assert!(expected.len() > 3, "the filter matches several");
    // Act
    let body = json!({ "status": "resolved", "filter": filter });
    let reply = bulk(&h, ACME, &body).await;
    // Assert
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(ids(&reply.body["changed"]), expected);
    assert_eq!(reply.body["failed"], json!([]));
    let now_resolved = listed(&h, "status=resolved", ACME).await;
    let already: Vec<String> = mine
        .iter()
        .filter(|a| a.status == TriageStatus::Resolved)
        .map(|a| a.id.to_string())
        .filter(|id| !expected.contains(id))
        .collect();
    assert_eq!(now_resolved.len(), expected.len() + already.len());
    assert!(expected.iter().all(|id| now_resolved.contains(id)));
    let globex_resolved = listed(&h, "status=resolved", GLOBEX).await.len();
    let seeded_resolved = tenant_anomalies("globex", 20, 4)
        .iter()
        .filter(|a| a.status == TriageStatus::Resolved)
        .count();
    assert_eq!(
        globex_resolved, seeded_resolved,
        "the other tenant is untouched"
    );
}

async fn bad_bulk_requests_are_refused_naming_what_is_wrong_and_change_nothing(h: Harness) {
    // Arrange
    let mine = tenant_anomalies("acme", 5, 5);
    h.seed(&mine).await;
    let id = mine[0].id.as_str();
    let too_many: Vec<String> = (0..501).map(|i| format!("anm_{i:032x}")).collect();
    let cases = [
        (json!({ "ids": [id] }), "missing field `status`"),
        (
            json!({ "status": "acknowledged" }),
            "exactly one of `ids` or `filter`",
        ),
        (
            json!({ "status": "acknowledged", "ids": [id], "filter": "type=inactive_user" }),
            "exactly one of `ids` or `filter`",
        ),
        (
            json!({ "status": "acknowledged", "ids": [] }),
            "at least one",
        ),
        (
            json!({ "status": "acknowledged", "ids": too_many }),
            "at most 500",
        ),
        (
            json!({ "status": "acknowledged", "filter": "severity=urgent" }),
            "severity",
        ),
        (
            json!({ "status": "acknowledged", "filter": format!("q={}", "a".repeat(4_000)) }),
            "longer than 4000",
        ),
        (
            json!({ "status": "open", "ids": [id], "suppress_until": "2030-01-01T00:00:00Z" }),
            "suppress_until",
        ),
        (
            json!({ "status": "acknowledged", "ids": [id], "colour": "red" }),
            "colour",
        ),
    ];
    for (body, named) in cases {
        // Act
        let reply = bulk(&h, ACME, &body).await;
        // Assert
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(named), "{body}: {message}");
    }
    let unauthenticated = bulk(&h, None, &json!({ "status": "acknowledged", "ids": [id] })).await;
    assert_eq!(unauthenticated.status, 401);
    assert_eq!(
        status_of(&h, id, ACME).await["status"],
        mine[0].status.as_str()
    );
    assert!(h.bus.events().is_empty(), "nothing was announced");
}

async fn a_filter_matching_more_than_500_is_refused_before_anything_changes(h: Harness) {
    // Arrange
    h.seed(&tenant_anomalies("acme", 520, 6)).await;
    // Act
    let body = json!({ "status": "acknowledged", "filter": "" });
    let reply = bulk(&h, ACME, &body).await;
    // Assert
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.body["error"]["parameter"], "filter");
    assert!(h.bus.events().is_empty());
    let acknowledged = listed(&h, "status=acknowledged", ACME).await;
    let seeded = tenant_anomalies("acme", 520, 6)
        .iter()
        .filter(|a| a.status == TriageStatus::Acknowledged)
        .count();
    assert_eq!(acknowledged.len(), seeded);
}

async fn a_change_to_an_older_version_is_a_409_and_changes_nothing(h: Harness) {
    // Arrange
    let mine = tenant_anomalies("acme", 3, 7);
    h.seed(&mine).await;
    let id = mine[0].id.as_str();
    let read = status_of(&h, id, ACME).await["updated_at"].clone();
    let uri = format!("/v1/anomalies/{id}");
    let first = json!({ "status": "acknowledged", "expected_updated_at": read });
    let reply = h.call("PATCH", &uri, ACME, Some(&first.to_string())).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Act: a second change made to the version read before the first.
    let second = json!({ "status": "dismissed", "expected_updated_at": read });
    let reply = h.call("PATCH", &uri, ACME, Some(&second.to_string())).await;
    // Assert
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(reply.body["error"]["code"], "conflict");
    assert!(reply.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("after the version you read"));
    assert_eq!(status_of(&h, id, ACME).await["status"], "acknowledged");
}

integration_tests::on_both_stores!(
    changes_by_id_stay_in_the_callers_tenant_and_are_announced,
    a_filter_changes_exactly_what_the_list_returns_for_it,
    bad_bulk_requests_are_refused_naming_what_is_wrong_and_change_nothing,
    a_filter_matching_more_than_500_is_refused_before_anything_changes,
    a_change_to_an_older_version_is_a_409_and_changes_nothing,
);
