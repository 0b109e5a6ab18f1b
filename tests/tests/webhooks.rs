//! Fan-out and webhooks against moto with a real HTTP receiver on 127.0.0.1: the whole
//! chain from an access event to a signed request, filters, formats, signatures and
//! rotation, retries, failures to the DLQ, isolation between receivers, timeouts, SSRF
//! refusals and duplicate messages.

use anomalies_core::anomaly::{Anomaly, AnomalyType, Severity};
use anomalies_core::domain::TenantId;
use anomalies_core::sample::sample_anomaly;
use anomalies_webhooks::retry::RetryPolicy;
use anomalies_webhooks::secret::{verify, Secret};
use chrono::Duration;
use integration_tests::delivery::{
    bus_event, notifications, queue, receive, subscribe, DeliveryStack,
};
use integration_tests::pipeline::{request, t};
use integration_tests::receiver::{Behavior, Received, Receiver};
use integration_tests::verifiers::{verifies as reference, Library, Verdict};
use integration_tests::*;
use serde_json::{json, Value};
use std::time::Instant;

/// Retries after about a second, for tests.
fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        first_delay: Duration::seconds(1),
        max_delay: Duration::seconds(2),
        window: Duration::hours(1),
    }
}

fn anomaly(user: &str, kind: AnomalyType, severity: Severity) -> Anomaly {
    let mut a = sample_anomaly(user, 0);
    a.tenant_id = TenantId::try_from("acme").unwrap();
    a.kind = kind;
    a.severity = severity;
    a.id = Anomaly::derive_id(&a.tenant_id, kind, &[user]);
    a
}

fn webhook(receiver: &Receiver, extra: Value) -> Value {
    let mut body = json!({ "name": "receiver", "url": receiver.url });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// Check a received request's signature with `secret`, as a receiver would.
fn verifies(secret: &str, request: &Received) -> bool {
    let timestamp: i64 = request.header("webhook-timestamp").parse().unwrap();
    let secret = Secret::try_from(secret.to_owned()).unwrap();
    verify(
        &secret,
        &request.header("webhook-signature"),
        &request.header("webhook-id"),
        timestamp,
        &request.body,
        chrono::Utc::now().timestamp(),
    )
    .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ingested_event_reaches_the_receiver_signed_through_bus_topic_and_queue() {
    // Arrange
    let stack = DeliveryStack::new().await;
    let receiver = Receiver::start().await;
    let (_, secret) = stack.register(webhook(&receiver, json!({}))).await;
    let mut event = request(
        "alice",
        "r-1",
        "pending",
        t("2026-11-24T09:00:00Z"),
        t("2026-11-24T09:00:00Z"),
    );
    event["request"]["permissions"] = json!(["admin"]);
    event["request"]["resources"] = json!([{"id": "prod-db", "name": "prod-customers"}]);
    let config = &stack.pipeline.config;

    // Act: ingest → bus → rule → fan-out queue → fan-out → topic → webhooks queue → webhooks.
    stack
        .pipeline
        .feed(
            &stack.pipeline.ingest(),
            &[event],
            t("2026-11-24T09:00:01Z"),
        )
        .await;
    let from_bus = receive(config, &stack.fanout_queue, 2).await;
    assert_eq!(
        from_bus.records.len(),
        1,
        "the rule delivers the anomaly event"
    );
    let fanned = fanout_function::handle(&stack.fanout(), lambda_event(from_bus))
        .await
        .unwrap();
    assert!(fanned.batch_item_failures.is_empty());
    let from_topic = receive(config, &stack.webhook_queue, 2).await;
    assert_eq!(
        from_topic.records.len(),
        1,
        "the topic delivers to the queue"
    );
    let outcome =
        webhooks_function::batch::process(&stack.context(fast_retries(), false), from_topic).await;

    // Assert
    assert!(outcome.failed_messages.is_empty());
    assert_eq!(outcome.summary.delivered, 1);
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let request = &got[0];
    assert_eq!(request.method, "POST");
    assert!(request.header("webhook-id").starts_with("msg_"));
    assert!(
        verifies(&secret, request),
        "the signature verifies with the secret"
    );
    let body = request.json();
    assert_eq!(body["event_type"], "Anomaly Detected");
    assert_eq!(body["data"]["type"], "high_risk_access");
    assert_eq!(body["data"]["requester"]["id"], "alice");
    assert_eq!(
        stack.pipeline.anomalies().await[0]["id"],
        body["data"]["id"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_webhooks_whose_filters_match_receive_an_event() {
    // Arrange
    let stack = DeliveryStack::new().await;
    let (critical, inactive, detected_only, disabled) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    stack
        .register(webhook(
            &critical,
            json!({"filters": {"severities": ["critical"]}}),
        ))
        .await;
    stack
        .register(webhook(
            &inactive,
            json!({"filters": {"types": ["inactive_user"]}}),
        ))
        .await;
    stack.register(webhook(&detected_only, json!({"filters": {"event_types": ["Anomaly Detected"], "integrations": ["pg", "okta"]}}))).await;
    stack
        .register(webhook(&disabled, json!({"enabled": false})))
        .await;
    let mut high = anomaly("bob", AnomalyType::HighRiskAccess, Severity::Critical);
    high.integration.id = "pg".try_into().unwrap();
    let events = [
        bus_event("Anomaly Detected", &high),
        bus_event(
            "Anomaly Updated",
            &anomaly("carol", AnomalyType::InactiveUser, Severity::Medium),
        ),
    ];

    // Act
    let outcome = webhooks_function::batch::process(
        &stack.context(fast_retries(), false),
        notifications(&events),
    )
    .await;

    // Assert
    assert_eq!(outcome.summary.delivered, 3);
    let ids = |r: &Receiver| -> Vec<String> {
        r.received()
            .iter()
            .map(|q| {
                q.json()["data"]["requester"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(ids(&critical), ["bob"]);
    assert_eq!(ids(&inactive), ["carol"]);
    assert_eq!(ids(&detected_only), ["bob"]);
    assert!(disabled.received().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_subscription_filters_on_the_fanned_out_message_attributes() {
    // Arrange: the README's filter policy on a team's own queue.
    let stack = DeliveryStack::new().await;
    let config = &stack.pipeline.config;
    let (team_queue, team_arn) = queue(config, "team").await;
    let policy = json!({"severity": ["critical", "high"], "type": ["high_risk_access"], "tenant_id": ["acme"]});
    subscribe(config, &stack.topic_arn, &team_arn, Some(policy)).await;
    let events = [
        bus_event(
            "Anomaly Detected",
            &anomaly("dan", AnomalyType::HighRiskAccess, Severity::Critical),
        ),
        bus_event(
            "Anomaly Detected",
            &anomaly("erin", AnomalyType::HighRiskAccess, Severity::Low),
        ),
        bus_event(
            "Anomaly Detected",
            &anomaly("finn", AnomalyType::InactiveUser, Severity::High),
        ),
    ];
    let batch = aws_lambda_events::event::sqs::SqsEvent {
        records: events
            .iter()
            .map(|e| aws_lambda_events::event::sqs::SqsMessage {
                message_id: Some(e["id"].as_str().unwrap().to_owned()),
                body: Some(e.to_string()),
                ..Default::default()
            })
            .collect(),
    };

    // Act
    let response = fanout_function::handle(&stack.fanout(), lambda_event(batch))
        .await
        .unwrap();

    // Assert
    assert!(response.batch_item_failures.is_empty());
    let team = drain(config, &team_queue).await;
    assert_eq!(team.len(), 1, "{team:?}");
    let message: Value = serde_json::from_str(team[0]["Message"].as_str().unwrap()).unwrap();
    assert_eq!(message["detail"]["requester"]["id"], "dan");
    assert_eq!(
        team[0]["MessageAttributes"]["severity"]["Value"],
        "critical"
    );
    assert_eq!(
        drain(config, &stack.webhook_queue).await.len(),
        3,
        "the unfiltered queue gets all"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_teams_and_template_formats_shape_the_body() {
    // Arrange
    let stack = DeliveryStack::new().await;
    let (slack, custom) = (Receiver::start().await, Receiver::start().await);
    let teams = Receiver::start().await;
    stack
        .register(webhook(&slack, json!({"format": {"type": "slack"}})))
        .await;
    stack
        .register(webhook(&teams, json!({"format": {"type": "teams"}})))
        .await;
    let template = r#"{"alert": "{{ data.summary }}", "who": "{{ data.requester.id }}", "sev": "{{ data.severity }}", "event": "{{ event_type }}"}"#;
    stack
        .register(webhook(
            &custom,
            json!({"method": "PUT", "format": {"type": "template", "template": template}}),
        ))
        .await;
    let mut a = anomaly("gina", AnomalyType::HighRiskAccess, Severity::High);
    a.summary = "gina got \"admin\" on <prod>".into();

    // Act
    webhooks_function::batch::process(
        &stack.context(fast_retries(), false),
        notifications(&[bus_event("Anomaly Detected", &a)]),
    )
    .await;

    // Assert
    let slack_body = slack.received()[0].json();
    assert!(slack_body["text"]
        .as_str()
        .unwrap()
        .contains("&lt;prod&gt;"));
    assert_eq!(
        slack_body["blocks"][0]["text"]["text"],
        "High-risk access (high)"
    );
    let card = teams.received()[0].json();
    assert_eq!(card["type"], "message");
    assert_eq!(card["attachments"][0]["content"]["type"], "AdaptiveCard");
    assert_eq!(
        card["attachments"][0]["content"]["body"][1]["text"],
        "gina got \"admin\" on <prod>"
    );
    let request = &custom.received()[0];
    assert_eq!(request.method, "PUT");
    assert_eq!(request.header("content-type"), "application/json");
    assert_eq!(
        request.json(),
        json!({"alert": "gina got \"admin\" on <prod>", "who": "gina", "sev": "high", "event": "Anomaly Detected"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_rotation_both_secrets_verify_with_the_reference_libraries_and_a_wrong_secret_or_tampered_body_does_not(
) {
    // Arrange
    let stack = DeliveryStack::new().await;
    let receiver = Receiver::start().await;
    let (id, old) = stack.register(webhook(&receiver, json!({}))).await;
    let rotated = stack
        .api
        .call(
            "POST",
            &format!("/v1/webhooks/{id}/rotate-secret"),
            Some(("acme", "admin")),
            None,
        )
        .await;
    assert_eq!(rotated.status, 200);
    let new = rotated.body["secret"].as_str().unwrap().to_owned();

    // Act
    webhooks_function::batch::process(
        &stack.context(fast_retries(), false),
        notifications(&[bus_event(
            "Anomaly Detected",
            &anomaly("hank", AnomalyType::InactiveUser, Severity::Medium),
        )]),
    )
    .await;

    // Assert
    let request = &receiver.received()[0];
    assert_eq!(request.header("webhook-signature").split(' ').count(), 2);
    assert!(verifies(&old, request) && verifies(&new, request));
    let wrong = Secret::generate();
    let mut tampered = request.clone();
    tampered.body.push(b' ');
    for library in [Library::Python, Library::Node] {
        assert_eq!(
            reference(library, &old, request),
            Verdict::Valid,
            "{library:?}"
        );
        assert_eq!(
            reference(library, &new, request),
            Verdict::Valid,
            "{library:?}"
        );
        assert!(
            matches!(reference(library, wrong.as_str(), request), Verdict::Refused(e) if e.contains("No matching signature")),
            "{library:?}"
        );
        assert!(
            matches!(reference(library, &new, &tampered), Verdict::Refused(e) if e.contains("No matching signature")),
            "{library:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ocsf_webhook_receives_detection_findings_that_create_and_close_one_finding() {
    // Arrange
    let stack = DeliveryStack::new().await;
    let siem = Receiver::start().await;
    stack
        .register(webhook(&siem, json!({"format": {"type": "ocsf"}})))
        .await;
    let detected = anomaly("olga", AnomalyType::InactiveUser, Severity::Medium);
    let mut resolved = detected.clone();
    resolved.status = anomalies_core::anomaly::TriageStatus::Resolved;
    resolved.updated_at = detected.updated_at + Duration::hours(2);

    // Act
    webhooks_function::batch::process(
        &stack.context(fast_retries(), false),
        notifications(&[
            bus_event("Anomaly Detected", &detected),
            bus_event("Anomaly Updated", &resolved),
        ]),
    )
    .await;

    // Assert: both are Detection Findings the checkers accept, about the same finding.
    let mut findings: Vec<Value> = siem.received().iter().map(Received::json).collect();
    findings.sort_by_key(|f| f["activity_id"].as_u64());
    assert_eq!(findings.len(), 2);
    assert_eq!(
        integration_tests::verifiers::ocsf_verdicts(&findings),
        [json!({"valid": true}), json!({"valid": true})]
    );
    assert_eq!(
        findings
            .iter()
            .map(|f| f["type_uid"].clone())
            .collect::<Vec<_>>(),
        [json!(200401), json!(200403)]
    );
    assert_eq!(
        findings[0]["finding_info"]["uid"],
        findings[1]["finding_info"]["uid"]
    );
    assert_eq!(findings[1]["status_id"], 4);
}

#[test]
fn the_reference_libraries_refuse_a_delivery_signed_more_than_five_minutes_away() {
    // Arrange: one webhook's delivery built (headers, body, signature) as the sender builds
    // it, at three instants.
    use anomalies_webhooks::delivery::request as build;
    use anomalies_webhooks::format::Envelope;
    use anomalies_webhooks::model::{EventType, Webhook, WebhookInput};
    let input: WebhookInput =
        serde_json::from_value(json!({"name": "x", "url": "https://a.example/hook"})).unwrap();
    let now = chrono::Utc::now();
    let webhook = Webhook::create(TenantId::default_tenant(), input, now).unwrap();
    let envelope = Envelope {
        event_type: EventType::AnomalyDetected,
        event_time: now,
        data: sample_anomaly("alice", 0),
    };
    let secret = webhook.secrets.current().as_str().to_owned();
    let at = |offset: Duration| {
        let outgoing = build(&webhook, "msg_stale", &envelope, 1, now + offset).unwrap();
        (outgoing.headers, outgoing.body)
    };

    for library in [Library::Python, Library::Node] {
        // Act
        let verdict = |offset| {
            let (headers, body) = at(offset);
            integration_tests::verifiers::verify(library, &secret, &headers, &body)
        };

        // Assert
        assert_eq!(
            verdict(Duration::seconds(-30)),
            Verdict::Valid,
            "{library:?}"
        );
        assert!(
            matches!(verdict(Duration::minutes(-6)), Verdict::Refused(e) if e.contains("too old")),
            "{library:?}"
        );
        assert!(
            matches!(verdict(Duration::minutes(6)), Verdict::Refused(e) if e.contains("too new")),
            "{library:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_is_retried_honouring_retry_after_then_delivered_once() {
    // Arrange
    let stack = DeliveryStack::new().await;
    let receiver = Receiver::start().await;
    receiver.script([Behavior::Status(503), Behavior::TooMany { retry_after: 3 }]);
    let (id, secret) = stack.register(webhook(&receiver, json!({}))).await;
    let ctx = stack.context(fast_retries(), false);
    let config = &stack.pipeline.config;
    let a = anomaly("ivan", AnomalyType::AccessAutomation, Severity::High);

    // Act: the first attempt, then each retry message as it becomes visible.
    let first = webhooks_function::batch::process(
        &ctx,
        notifications(&[bus_event("Anomaly Detected", &a)]),
    )
    .await;
    let mut rounds = 0;
    while receiver.received().len() < 3 && rounds < 10 {
        let retries = receive(config, &stack.webhook_queue, 5).await;
        webhooks_function::batch::process(&ctx, retries).await;
        rounds += 1;
    }

    // Assert
    assert_eq!(first.summary.scheduled, 1);
    let got = receiver.received();
    assert_eq!(got.len(), 3, "503, 429, then 200");
    assert!(got
        .iter()
        .all(|r| r.header("webhook-id") == got[0].header("webhook-id")));
    assert_eq!(
        got.iter()
            .map(|r| r.header("webhook-attempt"))
            .collect::<Vec<_>>(),
        ["1", "2", "3"]
    );
    assert!(
        got[2].at - got[1].at >= std::time::Duration::from_secs(3),
        "Retry-After honoured"
    );
    assert!(got.iter().all(|r| verifies(&secret, r)));
    let deliveries = stack
        .api
        .get(
            &format!("/v1/webhooks/{id}/deliveries"),
            Some(("acme", "admin")),
        )
        .await;
    let outcomes: Vec<&str> = deliveries.body["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["delivered", "retrying", "retrying"]);
    assert_eq!(deliveries.body["deliveries"][1]["status_code"], 429);
    assert!(
        receive(config, &stack.webhook_queue, 1)
            .await
            .records
            .is_empty(),
        "nothing left to retry"
    );
}

/// The `Webhook Delivery Failed` events on the stack's bus.
async fn failure_events(stack: &DeliveryStack) -> Vec<Value> {
    drain(&stack.pipeline.config, &stack.pipeline.capture)
        .await
        .into_iter()
        .filter(|e| e["detail-type"] == "Webhook Delivery Failed")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_error_fails_at_once_to_the_dlq_with_a_failure_event() {
    // Arrange
    let stack = DeliveryStack::new().await;
    let receiver = Receiver::start().await;
    receiver.always(Behavior::Status(410));
    let (id, _) = stack
        .register(webhook(&receiver, json!({"name": "gone"})))
        .await;
    let a = anomaly("jane", AnomalyType::HighRiskAccess, Severity::High);

    // Act
    let outcome = webhooks_function::batch::process(
        &stack.context(fast_retries(), false),
        notifications(&[bus_event("Anomaly Detected", &a)]),
    )
    .await;

    // Assert
    assert_eq!(outcome.summary.failed, 1);
    assert!(
        outcome.failed_messages.is_empty(),
        "settled, so the message is done"
    );
    let dead = drain(&stack.pipeline.config, &stack.dlq).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["failure"]["status_code"], 410);
    assert_eq!(dead[0]["delivery"]["envelope"]["data"]["id"], a.id.as_str());
    let events = failure_events(&stack).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["detail"]["webhook_id"], id);
    assert_eq!(events[0]["detail"]["webhook_name"], "gone");
    assert_eq!(events[0]["detail"]["attempts"], 1);
    assert!(
        receive(&stack.pipeline.config, &stack.webhook_queue, 1)
            .await
            .records
            .is_empty(),
        "no retry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_end_when_the_window_is_spent_and_the_delivery_is_dead_lettered() {
    // Arrange: a window shorter than the first backoff.
    let stack = DeliveryStack::new().await;
    let receiver = Receiver::start().await;
    receiver.always(Behavior::Status(500));
    stack.register(webhook(&receiver, json!({}))).await;
    let policy = RetryPolicy {
        first_delay: Duration::seconds(10),
        max_delay: Duration::seconds(10),
        window: Duration::seconds(1),
    };

    // Act
    let outcome = webhooks_function::batch::process(
        &stack.context(policy, false),
        notifications(&[bus_event(
            "Anomaly Detected",
            &anomaly("kim", AnomalyType::InactiveUser, Severity::Low),
        )]),
    )
    .await;

    // Assert
    assert_eq!(outcome.summary.failed, 1);
    let dead = drain(&stack.pipeline.config, &stack.dlq).await;
    assert_eq!(dead[0]["failure"]["error"], "HTTP 500");
    assert_eq!(failure_events(&stack).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_receiver_times_out_without_delaying_or_duplicating_a_healthy_one() {
    // Arrange
    let stack = DeliveryStack::new().await;
    let (stalled, healthy) = (Receiver::start().await, Receiver::start().await);
    stalled.always(Behavior::Stall(std::time::Duration::from_secs(4)));
    let (stalled_id, _) = stack
        .register(webhook(&stalled, json!({"timeout_seconds": 1})))
        .await;
    stack.register(webhook(&healthy, json!({}))).await;
    let ctx = stack.context(fast_retries(), false);
    let started = Instant::now();

    // Act: the first batch, then the stalled webhook's retry.
    let first = webhooks_function::batch::process(
        &ctx,
        notifications(&[bus_event(
            "Anomaly Detected",
            &anomaly("lee", AnomalyType::HighRiskAccess, Severity::High),
        )]),
    )
    .await;
    let retry = receive(&stack.pipeline.config, &stack.webhook_queue, 5).await;
    assert_eq!(
        retry.records.len(),
        1,
        "only the stalled delivery is retried"
    );
    webhooks_function::batch::process(&ctx, retry).await;

    // Assert
    assert_eq!((first.summary.delivered, first.summary.scheduled), (1, 1));
    let got = healthy.received();
    assert_eq!(got.len(), 1, "the healthy receiver got it once");
    assert!(
        got[0].at - started < std::time::Duration::from_millis(900),
        "and before the stalled one timed out"
    );
    assert_eq!(stalled.received().len(), 2);
    let attempts = stack
        .api
        .get(
            &format!("/v1/webhooks/{stalled_id}/deliveries"),
            Some(("acme", "admin")),
        )
        .await;
    let error = attempts.body["deliveries"][0]["error"].as_str().unwrap();
    assert!(error.contains("timed out after 1 s"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_and_metadata_targets_are_refused_at_registration_and_at_delivery() {
    // Arrange: the strict (production) policy on the API.
    let strict = integration_tests::api::Harness::memory_strict();
    let stack = DeliveryStack::new().await;
    let receiver = Receiver::start().await;
    let caller = Some(("acme", "admin"));

    // Act / Assert: registration.
    for url in [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.8/hook",
        "https://localhost:8443/hook",
        "https://[fd00:ec2::254]/hook",
    ] {
        let reply = strict
            .call(
                "POST",
                "/v1/webhooks",
                caller,
                Some(&json!({"name": "x", "url": url}).to_string()),
            )
            .await;
        assert_eq!(reply.status, 400, "{url}: {}", reply.body);
        assert_eq!(reply.parameter(), Some("url"), "{url}");
    }
    let metadata = stack
        .api
        .call(
            "POST",
            "/v1/webhooks",
            caller,
            Some(&json!({"name": "x", "url": "http://169.254.169.254/"}).to_string()),
        )
        .await;
    assert_eq!(
        metadata.status, 400,
        "metadata is refused even where private targets are allowed"
    );

    // Act / Assert: delivery, with the production policy, to a target registered in dev mode.
    stack.register(webhook(&receiver, json!({}))).await;
    let outcome = webhooks_function::batch::process(
        &stack.context(fast_retries(), true),
        notifications(&[bus_event(
            "Anomaly Detected",
            &anomaly("mo", AnomalyType::HighRiskAccess, Severity::High),
        )]),
    )
    .await;
    assert_eq!(outcome.summary.failed, 1);
    assert!(
        receiver.received().is_empty(),
        "nothing reached the private address"
    );
    let dead = drain(&stack.pipeline.config, &stack.dlq).await;
    assert!(
        dead[0]["failure"]["error"]
            .as_str()
            .unwrap()
            .contains("target refused"),
        "{}",
        dead[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_sns_message_delivers_nothing_new() {
    // Arrange
    let stack = DeliveryStack::new().await;
    let receiver = Receiver::start().await;
    stack.register(webhook(&receiver, json!({}))).await;
    let ctx = stack.context(fast_retries(), false);
    let event = bus_event(
        "Anomaly Detected",
        &anomaly("nia", AnomalyType::HighRiskAccess, Severity::High),
    );

    // Act: the same event in two SNS messages with different message ids.
    let first =
        webhooks_function::batch::process(&ctx, notifications(std::slice::from_ref(&event))).await;
    let second = webhooks_function::batch::process(&ctx, notifications(&[event])).await;

    // Assert
    assert_eq!((first.summary.delivered, second.summary.skipped), (1, 1));
    assert_eq!(receiver.received().len(), 1);
}
