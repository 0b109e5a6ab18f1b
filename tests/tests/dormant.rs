//! Dormant users: marked by the sweep on DynamoDB (bounded, resumable), listed by the API,
//! back to active on their next request — which still raises `inactive_user` after their
//! request history expired. In memory, `serve` computes the same list from the event clock.

use anomalies_core::bus::MemoryBus;
use chrono::Duration;
use integration_tests::api::Harness;
use integration_tests::pipeline::{request, t, Pipeline};
use std::sync::Arc;
use sweep_function::run;

const ACME: Option<(&str, &str)> = Some(("acme", "alice@acme.example"));

fn ids(reply: &serde_json::Value) -> Vec<String> {
    reply["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_sweep_marks_dormant_users_the_api_lists_them_and_a_return_is_flagged() {
    // Arrange: two requesters last seen 95 and 92 days before T, one 10 days before.
    let p = Pipeline::new().await;
    let ingest = p.ingest();
    let at = t("2026-06-01T00:15:00Z");
    let mut events = Vec::new();
    for (who, days) in [("old-bob", 95), ("old-ann", 92), ("recent-cy", 10)] {
        let created = at - Duration::days(days);
        events.push(request(
            who,
            &format!("{who}-1"),
            "pending",
            created,
            created,
        ));
    }
    for event in &events {
        let created =
            chrono::DateTime::parse_from_rfc3339(event["occurred_at"].as_str().unwrap()).unwrap();
        p.feed(&ingest, std::slice::from_ref(event), created.into())
            .await;
    }
    let bus = Arc::new(MemoryBus::default());
    let api = Harness::dynamo_on(&p.table, &p.secrets_key, bus.clone(), bus).await;
    // Act: a run allowed one requester, then one that finishes.
    let first = run(&p.sweeper(p.dynamo(), 1), at, "a", chrono::Utc::now())
        .await
        .unwrap();
    let listed_early = api.get("/v1/users?dormant=true", ACME).await;
    let second = run(&p.sweeper(p.dynamo(), 1_000), at, "b", chrono::Utc::now())
        .await
        .unwrap();
    let listed = api.get("/v1/users?dormant=true", ACME).await;
    // Assert: bounded, then complete; longest inactive first, with the last request.
    assert_eq!((first.dormant, first.complete), (1, false), "{first:?}");
    assert_eq!(ids(&listed_early.body).len(), 1);
    assert!(second.complete && second.dormant == 1, "{second:?}");
    assert_eq!(ids(&listed.body), ["old-bob", "old-ann"]);
    let bob = &listed.body["users"][0];
    assert_eq!(bob["last_request_id"], "old-bob-1");
    assert_eq!(bob["last_request_at"], "2026-02-26T00:15:00Z");
    assert!(bob["dormant_since"].is_string());
    // Pages of one.
    let page = api.get("/v1/users?dormant=true&limit=1", ACME).await;
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let next = api
        .get(
            &format!("/v1/users?dormant=true&limit=1&cursor={cursor}"),
            ACME,
        )
        .await;
    assert_eq!(
        (ids(&page.body), ids(&next.body)),
        (vec!["old-bob".to_owned()], vec!["old-ann".to_owned()])
    );
    assert!(next.body["next_cursor"].is_null());
    // Another tenant sees none of them; a bad parameter is named.
    assert!(ids(&api
        .get("/v1/users?dormant=true", Some(("globex", "g")))
        .await
        .body)
    .is_empty());
    assert_eq!(
        api.get("/v1/users?dormant=false", ACME).await.parameter(),
        Some("dormant")
    );

    // Act: bob's request history expires (TTL), then bob requests again.
    use anomalies_core::store::dynamo::keys;
    use aws_sdk_dynamodb::types::AttributeValue;
    let tenant = anomalies_core::domain::TenantId::try_from("acme").unwrap();
    let old_request = anomalies_core::domain::RequestId::try_from("old-bob-1").unwrap();
    let client = aws_sdk_dynamodb::Client::new(&p.config);
    client
        .delete_item()
        .table_name(&p.table)
        .key(
            keys::PK,
            AttributeValue::S(keys::request_pk(&tenant, &old_request)),
        )
        .key(keys::SK, AttributeValue::S(keys::SK_REQUEST.into()))
        .send()
        .await
        .unwrap();
    let back = at + Duration::minutes(5);
    p.feed(
        &ingest,
        &[request("old-bob", "old-bob-2", "pending", back, back)],
        back,
    )
    .await;
    // Assert: flagged, and no longer dormant.
    let stored = p.anomalies().await;
    let flagged: Vec<&serde_json::Value> = stored
        .iter()
        .filter(|a| a["type"] == "inactive_user")
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["request_id"], "old-bob-2");
    assert_eq!(flagged[0]["evidence"]["days_inactive"], 95);
    assert_eq!(
        ids(&api.get("/v1/users?dormant=true", ACME).await.body),
        ["old-ann"]
    );
}

#[tokio::test]
async fn serve_lists_dormant_users_as_of_the_event_clock() {
    // Arrange: the sample stream (its clock is 2026-03-02) pushed into the in-memory API.
    let h = Harness::memory();
    let stream = include_str!("../../events/demo-stream.jsonl");
    h.call("POST", "/v1/events", ACME, Some(stream)).await;
    let gone = t("2025-10-01T09:00:00Z");
    let event = request("u-gone", "req-gone", "pending", gone, gone).to_string();
    h.call("POST", "/v1/events", ACME, Some(&event)).await;
    // Act
    let reply = h.get("/v1/users?dormant=true", ACME).await;
    // Assert: only requesters whose last request is over 90 days before the latest event.
    assert_eq!(reply.status, 200, "{}", reply.body);
    let listed = ids(&reply.body);
    assert!(listed.contains(&"u-gone".to_owned()), "{listed:?}");
    assert!(
        !listed.contains(&"u-frank".to_owned()),
        "back after 101 days: active again"
    );
    let clock = t("2026-03-02T13:09:20Z");
    for user in reply.body["users"].as_array().unwrap() {
        let last = t(user["last_request_at"].as_str().unwrap());
        assert!(last < clock - Duration::days(90), "{user}");
    }
}
