//! The intake route on AWS, against moto: a source credential made through the API (stored
//! hashed in DynamoDB), Teleport's audit events posted with its token, translated and put on
//! the access-events bus, routed to a queue, and ingested — giving what replay gives on the
//! same events; and the route's refusals.

use anomalies_core::anomaly::AnomalyType;
use anomalies_core::bus::SOURCE;
use anomalies_core::config::Config;
use anomalies_core::engine::Detector;
use anomalies_core::env::{ANOMALIES_BUS_NAME, TABLE_NAME};
use anomalies_core::replay::{replay_source, Replayer, Source};
use anomalies_core::store::dynamo::keys;
use aws_sdk_dynamodb::types::AttributeValue::S;
use integration_tests::api::Harness;
use integration_tests::pipeline::Pipeline;
use integration_tests::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const ACME: Option<(&str, &str)> = Some(("acme", "alice@acme.example"));

fn create(uid: &str, id: &str, time: &str) -> Value {
    json!({"event": "access_request.create", "code": "T5000I", "uid": uid, "time": time, "id": id,
        "user": "dan", "state": "PENDING", "cluster_name": "main", "roles": ["admin"],
        "resource_ids": [{"cluster": "main", "kind": "db", "name": "prod-customers"}]})
}

fn review(uid: &str, id: &str, time: &str, state: &str, reviewer: &str) -> Value {
    json!({"event": "access_request.review", "code": "T5002I", "uid": uid, "time": time, "id": id,
        "reviewer": reviewer, "proposed_state": state, "state": state})
}

/// Teleport's audit log: a denial, then an approval for the same scope, a login, and a
/// review of a request this log never created.
fn audit_log() -> Vec<Value> {
    vec![
        create("e1", "req-1", "2026-03-01T09:00:00Z"),
        review("e2", "req-1", "2026-03-01T09:10:00Z", "DENIED", "carol"),
        json!({"event": "user.login", "code": "T1000I", "uid": "e3", "time": "2026-03-01T09:11:00Z", "user": "dan"}),
        create("e4", "req-2", "2026-03-02T09:00:00Z"),
        review("e5", "req-2", "2026-03-02T09:05:00Z", "APPROVED", "bob"),
        review("e6", "req-9", "2026-03-02T09:06:00Z", "APPROVED", "bob"),
    ]
}

fn kinds(anomalies: impl IntoIterator<Item = (AnomalyType, String)>) -> BTreeSet<(String, String)> {
    anomalies
        .into_iter()
        .map(|(k, r)| (k.as_str().to_owned(), r))
        .collect()
}

/// The stack's table and buses, the access-events bus routed to a queue, and the query
/// function's production router on them (intake enabled).
async fn stack() -> (Pipeline, String, Harness) {
    let p = Pipeline::new().await;
    let access_bus = unique("access-events");
    let queue = bus_with_capture(&p.config, &access_bus, SOURCE).await;
    let env = |name: &str| match name {
        TABLE_NAME => Some(p.table.clone()),
        ANOMALIES_BUS_NAME => Some(p.bus.clone()),
        query_function::config::CURSOR_SECRET => {
            Some("a cursor secret of at least 32 bytes".into())
        }
        query_function::config::ACCESS_EVENTS_BUS_NAME => Some(access_bus.clone()),
        anomalies_webhooks::SECRETS_KEY_ARN => Some(p.secrets_key.clone()),
        _ => None,
    };
    let config = query_function::config::QueryConfig::from_lookup(env).unwrap();
    let router = query_function::Context::from_config(&config, &p.config)
        .unwrap()
        .router;
    (p, queue, Harness::on_router(router))
}

#[tokio::test]
async fn teleport_events_posted_with_a_source_token_are_detected_as_replay_detects_them() {
    // Arrange: the stack's table and buses; the access-events bus routed to a queue.
    let (p, queue, api) = stack().await;
    let made = api
        .call(
            "POST",
            "/v1/source-credentials",
            ACME,
            Some(r#"{"source":"teleport","name":"main cluster"}"#),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let token = made.body["token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {token}");
    let lines: String = audit_log().iter().map(|e| format!("{e}\n")).collect();

    // Act: the platform posts its log; the queue's messages go through ingest.
    let posted = api
        .call_with(
            "POST",
            "/v1/sources/teleport/events",
            None,
            Some(&lines),
            &[("authorization", &bearer)],
        )
        .await;
    let mut delivered = drain(&p.config, &queue).await;
    // A standard queue does not keep order; deliver in event order (an out-of-order review
    // would just be redelivered after its create).
    delivered.sort_by_key(|m| m["detail"]["occurred_at"].as_str().map(str::to_owned));
    let ingest = p.ingest();
    let response = ingest_function::handle(&ingest, lambda_event(sqs_bodies(&delivered)))
        .await
        .unwrap();

    // Assert: five events queued (the login ignored); ingest fails only the orphan review,
    // for SQS to redeliver; the anomalies are replay's.
    assert_eq!(posted.status, 200, "{}", posted.body);
    assert_eq!(
        (
            posted.body["accepted"].as_u64(),
            posted.body["ignored"].as_u64()
        ),
        (Some(5), Some(1))
    );
    assert_eq!(delivered.len(), 5);
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    let orphan = delivered
        .iter()
        .position(|m| m["detail"]["request"]["id"] == "req-9")
        .map(|i| format!("m{i}"))
        .unwrap();
    assert_eq!(
        failed,
        [orphan.as_str()],
        "the review of req-9 waits for a create that never comes"
    );
    let stored = p.anomalies().await;
    let on_aws = kinds(stored.iter().map(|a| {
        let kind: AnomalyType = serde_json::from_value(a["type"].clone()).unwrap();
        (kind, a["request_id"].as_str().unwrap().to_owned())
    }));
    assert!(stored.iter().all(|a| a["tenant_id"] == "acme"));
    let detector = Detector::new(Config::default()).unwrap();
    let mut errors = Vec::new();
    let (replayed, _) = replay_source(
        Replayer::new(&detector),
        Source::Teleport,
        lines.as_bytes(),
        |e| errors.push(e.to_string()),
    )
    .unwrap();
    assert_eq!(
        on_aws,
        kinds(replayed.iter().map(|a| (a.kind, a.request_id.to_string())))
    );
    assert!(
        on_aws.contains(&("approved_after_rejection".into(), "req-2".into())),
        "{on_aws:?}"
    );
    assert_eq!(
        errors.len(),
        1,
        "replay reports the same orphan: {errors:?}"
    );
}

#[tokio::test]
async fn a_tenants_51st_source_credential_is_a_409_and_the_50_still_work() {
    // Arrange: the 50 credentials a tenant may have, on DynamoDB.
    let (_p, _queue, api) = stack().await;
    let acme = Some(("acme", "alice@acme.example"));
    let body = |i: usize| format!(r#"{{"source":"teleport","name":"cluster {i}"}}"#);
    for i in 0..50 {
        let made = api
            .call("POST", "/v1/source-credentials", acme, Some(&body(i)))
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
    }
    // Act
    let refused = api
        .call("POST", "/v1/source-credentials", acme, Some(&body(50)))
        .await;
    let listed = api.get("/v1/source-credentials", acme).await;
    // Assert
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.body["error"]["code"], "limit_reached");
    assert!(
        !refused.body.to_string().contains("aas1."),
        "no token is issued"
    );
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 50);
}

#[tokio::test]
async fn the_intake_route_refuses_what_is_not_a_valid_token_for_its_source() {
    // Arrange
    let (p, _, api) = stack().await;
    let made = api
        .call(
            "POST",
            "/v1/source-credentials",
            ACME,
            Some(r#"{"source":"teleport","name":"main"}"#),
        )
        .await;
    let token = made.body["token"].as_str().unwrap().to_owned();
    let id = made.body["id"].as_str().unwrap().to_owned();
    let event = audit_log()[0].to_string();
    let post = |source: &'static str, auth: String| {
        let api = &api;
        let event = event.clone();
        async move {
            let headers = [("authorization", auth.as_str())];
            api.call_with(
                "POST",
                &format!("/v1/sources/{source}/events"),
                None,
                Some(&event),
                &headers,
            )
            .await
        }
    };
    let forged = format!(
        "{}{}",
        &token[..token.len() - 1],
        if token.ends_with('0') { '1' } else { '0' }
    );
    // Act
    let missing = post("teleport", String::new()).await;
    let wrong_secret = post("teleport", format!("Bearer {forged}")).await;
    let wrong_source = post("apono", format!("Bearer {token}")).await;
    let bad_payload = api
        .call_with(
            "POST",
            "/v1/sources/teleport/events",
            None,
            Some("{\"event\":\"access_request.create\"}"),
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    let listed = api.get("/v1/source-credentials", ACME).await;
    let other_tenant = api
        .get(
            "/v1/source-credentials",
            Some(("globex", "g@globex.example")),
        )
        .await;
    let deleted = api
        .call(
            "DELETE",
            &format!("/v1/source-credentials/{id}"),
            ACME,
            None,
        )
        .await;
    let after_delete = post("teleport", format!("Bearer {token}")).await;
    // Assert
    assert_eq!((missing.status, wrong_secret.status), (401, 401));
    assert_eq!(wrong_source.status, 403, "{}", wrong_source.body);
    assert_eq!(bad_payload.status, 400);
    assert_eq!(
        bad_payload.body["rejected"][0],
        "line 1: uid: is required but missing"
    );
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert!(listed.body["items"][0].get("token").is_none());
    assert!(!listed
        .body
        .to_string()
        .contains(token.rsplit('.').next().unwrap()));
    assert_eq!(other_tenant.body["items"].as_array().unwrap().len(), 0);
    assert_eq!((deleted.status, after_delete.status), (204, 401));
    let stored = drain_table_items(&p).await;
    assert!(
        !stored.contains(token.rsplit('.').next().unwrap()),
        "the secret is never stored"
    );
}

/// Every item of the table, as text.
async fn drain_table_items(p: &Pipeline) -> String {
    let scanned = aws_sdk_dynamodb::Client::new(&p.config)
        .scan()
        .table_name(&p.table)
        .send()
        .await
        .unwrap();
    format!("{:?}", scanned.items.unwrap_or_default())
}

/// Queue messages (EventBridge events) as the Lambda SQS event, ids `m0`, `m1`, ….
fn sqs_bodies(bodies: &[Value]) -> Value {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| json!({"messageId": format!("m{i}"), "receiptHandle": "h", "body": body.to_string(),
            "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ingest", "awsRegion": "us-east-1"}))
        .collect();
    json!({"Records": records})
}

/// Messages received from a queue (bodies and ids), deleting none.
async fn receive(config: &aws_config::SdkConfig, url: &str) -> Vec<aws_sdk_sqs::types::Message> {
    aws_sdk_sqs::Client::new(config)
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default()
}

fn as_batch(messages: &[aws_sdk_sqs::types::Message]) -> Value {
    let bodies: Vec<Value> = messages
        .iter()
        .map(|m| serde_json::from_str(m.body.as_deref().unwrap()).unwrap())
        .collect();
    sqs_bodies(&bodies)
}

#[tokio::test]
async fn a_dead_lettered_state_change_is_redriven_once_its_create_has_arrived() {
    // Arrange: an ingest queue that dead-letters after one receive, and a review whose
    // create has not arrived (the runbook's `request "…" is not known` case).
    let p = Pipeline::new().await;
    let sqs = aws_sdk_sqs::Client::new(&p.config);
    let (dlq, dlq_arn) = create_queue(&p.config, "ingest-dlq").await;
    let (queue, _) = create_queue(&p.config, "ingest").await;
    let redrive = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"}).to_string();
    sqs.set_queue_attributes()
        .queue_url(&queue)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy,
            redrive,
        )
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
            "0",
        )
        .send()
        .await
        .unwrap();
    let review = json!({"event_id": "e2", "tenant_id": "acme", "occurred_at": "2026-03-01T09:10:00Z",
        "request": {"id": "req-1", "status": "approved", "decision": {"mode": "manual", "by": {"id": "bob"}}}});
    let create = integration_tests::pipeline::request(
        "dan",
        "req-1",
        "pending",
        integration_tests::pipeline::t("2026-03-01T09:00:00Z"),
        integration_tests::pipeline::t("2026-03-01T09:00:00Z"),
    );
    sqs.send_message()
        .queue_url(&queue)
        .message_body(review.to_string())
        .send()
        .await
        .unwrap();
    let ingest = p.ingest();
    // Act 1: ingest fails it (not deleted), and the next receive dead-letters it.
    let first = receive(&p.config, &queue).await;
    let failed = ingest_function::handle(&ingest, lambda_event(as_batch(&first)))
        .await
        .unwrap();
    assert_eq!(failed.batch_item_failures.len(), 1);
    assert!(
        receive(&p.config, &queue).await.is_empty(),
        "over maxReceiveCount: moved"
    );
    let dead = receive(&p.config, &dlq).await;
    assert_eq!(dead.len(), 1, "the change waits in the DLQ");
    // Act 2: the create arrives; the DLQ is redriven (receive, send back, delete: what
    // start-message-move-task does), and redriven again by mistake.
    p.feed(
        &ingest,
        &[create],
        integration_tests::pipeline::t("2026-03-01T09:00:00Z"),
    )
    .await;
    for message in &dead {
        for _ in 0..2 {
            sqs.send_message()
                .queue_url(&queue)
                .message_body(message.body.clone().unwrap())
                .send()
                .await
                .unwrap();
        }
        sqs.delete_message()
            .queue_url(&dlq)
            .receipt_handle(message.receipt_handle.clone().unwrap())
            .send()
            .await
            .unwrap();
    }
    let redriven = receive(&p.config, &queue).await;
    let response = ingest_function::handle(&ingest, lambda_event(as_batch(&redriven)))
        .await
        .unwrap();
    // Assert: both copies pass (the second is a duplicate the event marker drops) and the
    // change is applied.
    assert_eq!(redriven.len(), 2);
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let acme = anomalies_core::domain::TenantId::try_from("acme").unwrap();
    let event = anomalies_core::domain::EventId::try_from("e2").unwrap();
    let marker = aws_sdk_dynamodb::Client::new(&p.config)
        .get_item()
        .table_name(&p.table)
        .key(keys::PK, S(keys::event_pk(&acme, &event)))
        .key(keys::SK, S(keys::SK_EVENT.into()))
        .send()
        .await
        .unwrap();
    assert!(marker.item.is_some(), "the redriven change was applied");
}
