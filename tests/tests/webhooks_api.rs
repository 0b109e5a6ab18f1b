//! `/v1/webhooks`, each scenario on the in-memory store and on DynamoDB in moto, with
//! requests shaped as API Gateway delivers them and responses checked against the OpenAPI
//! document.

use integration_tests::api::{Caller, Harness};
use integration_tests::receiver::{Behavior, Receiver};
use serde_json::json;

const ACME: Caller<'static> = Some(("acme", "alice@acme.example"));
const GLOBEX: Caller<'static> = Some(("globex", "gina@globex.example"));

async fn create(harness: &Harness, body: serde_json::Value) -> serde_json::Value {
    let reply = harness
        .call("POST", "/v1/webhooks", ACME, Some(&body.to_string()))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

async fn a_webhook_is_created_listed_changed_and_deleted_without_showing_secrets(harness: Harness) {
    // Arrange
    let receiver = Receiver::start().await;
    let body = json!({
        "name": "siem", "url": format!("{}?token=abc123", receiver.url),
        "headers": {"X-Api-Key": "key-456"}, "auth": {"type": "bearer", "token": "tok-789"},
        "filters": {"severities": ["critical"]}, "timeout_seconds": 7
    });

    // Act
    let created = create(&harness, body).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let listed = harness.get("/v1/webhooks", ACME).await;
    let patched = harness
        .call(
            "PATCH",
            &format!("/v1/webhooks/{id}"),
            ACME,
            Some(r#"{"enabled": false, "name": "siem-2"}"#),
        )
        .await;
    let fetched = harness.get(&format!("/v1/webhooks/{id}"), ACME).await;
    let deleted = harness
        .call("DELETE", &format!("/v1/webhooks/{id}"), ACME, None)
        .await;
    let gone = harness.get(&format!("/v1/webhooks/{id}"), ACME).await;

    // Assert
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    let secret = created["secret"].as_str().unwrap();
    for shown in [&listed.body, &patched.body, &fetched.body] {
        let text = shown.to_string();
        for hidden in ["abc123", "key-456", "tok-789", secret] {
            assert!(!text.contains(hidden), "{hidden} shown in {text}");
        }
    }
    assert_eq!(listed.body["webhooks"].as_array().unwrap().len(), 1);
    assert_eq!(created["auth"], json!({"type": "bearer"}));
    assert_eq!(
        (patched.status, fetched.body["enabled"].clone()),
        (200, json!(false))
    );
    assert_eq!(fetched.body["name"], "siem-2");
    assert_eq!(fetched.body["timeout_seconds"], 7);
    assert_eq!(fetched.body["filters"]["severities"], json!(["critical"]));
    assert_eq!((deleted.status, gone.status), (204, 404));
}

async fn bad_webhook_bodies_are_400_naming_the_field(harness: Harness) {
    let cases = [
        (json!({"name": "x"}), "url"),
        (
            json!({"name": "x", "url": "https://a.example", "timeout_seconds": 31}),
            "timeout_seconds",
        ),
        (
            json!({"name": "x", "url": "https://a.example", "headers": {"Webhook-Id": "1"}}),
            "headers.Webhook-Id",
        ),
        (
            json!({"name": "x", "url": "https://a.example", "format": {"type": "template", "template": "{{ data.nope }}"}}),
            "format.template",
        ),
        (json!({"name": "x", "url": "notaurl"}), "url"),
    ];
    for (body, field) in cases {
        let reply = harness
            .call("POST", "/v1/webhooks", ACME, Some(&body.to_string()))
            .await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert_eq!(reply.parameter(), Some(field), "{body}: {}", reply.body);
    }
    let unknown = harness
        .call(
            "POST",
            "/v1/webhooks",
            ACME,
            Some(r#"{"name": "x", "url": "https://a.example", "colour": "red"}"#),
        )
        .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("colour"));
    assert_eq!(
        harness.get("/v1/webhooks/not-an-id", ACME).await.status,
        404
    );
    assert!(harness.get("/v1/webhooks", ACME).await.body["webhooks"]
        .as_array()
        .unwrap()
        .is_empty());
}

async fn tenants_never_see_each_others_webhooks(harness: Harness) {
    // Arrange
    let receiver = Receiver::start().await;
    let created = create(&harness, json!({"name": "mine", "url": receiver.url})).await;
    let id = created["id"].as_str().unwrap();

    // Act / Assert
    assert!(harness.get("/v1/webhooks", GLOBEX).await.body["webhooks"]
        .as_array()
        .unwrap()
        .is_empty());
    for (method, path) in [
        ("GET", format!("/v1/webhooks/{id}")),
        ("PATCH", format!("/v1/webhooks/{id}")),
        ("DELETE", format!("/v1/webhooks/{id}")),
        ("POST", format!("/v1/webhooks/{id}/test")),
        ("POST", format!("/v1/webhooks/{id}/rotate-secret")),
        ("GET", format!("/v1/webhooks/{id}/deliveries")),
    ] {
        let body = (method == "PATCH").then_some(r#"{"enabled": false}"#);
        assert_eq!(
            harness.call(method, &path, GLOBEX, body).await.status,
            404,
            "{method} {path}"
        );
    }
    assert_eq!(harness.get("/v1/webhooks", None).await.status, 401);
    assert!(receiver.received().is_empty());
}

async fn a_test_delivery_reports_the_receivers_answer_and_is_listed(harness: Harness) {
    // Arrange
    let receiver = Receiver::start().await;
    receiver.script([Behavior::Status(418)]);
    let created = create(
        &harness,
        json!({"name": "t", "url": receiver.url, "format": {"type": "slack"}}),
    )
    .await;
    let id = created["id"].as_str().unwrap();

    // Act
    let failed = harness
        .call("POST", &format!("/v1/webhooks/{id}/test"), ACME, None)
        .await;
    let passed = harness
        .call("POST", &format!("/v1/webhooks/{id}/test"), ACME, None)
        .await;
    let deliveries = harness
        .get(&format!("/v1/webhooks/{id}/deliveries?limit=1"), ACME)
        .await;

    // Assert
    assert_eq!(failed.body["delivered"], false);
    assert_eq!(failed.body["status_code"], 418);
    assert_eq!(failed.body["body_excerpt"], "answered 418");
    assert_eq!(passed.body["delivered"], true);
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert!(
        got[1].json()["text"].as_str().is_some(),
        "sent in the webhook's format"
    );
    assert_eq!(
        got[1].header("webhook-id"),
        passed.body["delivery_id"].as_str().unwrap()
    );
    let listed = deliveries.body["deliveries"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["outcome"], "delivered");
    assert_eq!(listed[0]["event_type"], "Webhook Test");
    assert_eq!(
        harness
            .get(&format!("/v1/webhooks/{id}/deliveries?limit=0"), ACME)
            .await
            .parameter(),
        Some("limit")
    );
}

#[tokio::test]
async fn the_stored_item_holds_no_secret_token_or_header_value_and_still_signs_and_sends_them() {
    // Arrange: a webhook with a header secret and a bearer token, on DynamoDB with KMS.
    let harness = Harness::dynamo().await;
    let receiver = Receiver::start().await;
    let body = json!({
        "name": "siem", "url": receiver.url,
        "headers": {"X-Api-Key": "key-456"}, "auth": {"type": "bearer", "token": "tok-789"}
    });
    let created = create(&harness, body).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let first = created["secret"].as_str().unwrap().to_owned();

    // Act: rotate the secret (the previous one stays valid), read the raw item, send a test.
    let rotated = harness
        .call(
            "POST",
            &format!("/v1/webhooks/{id}/rotate-secret"),
            ACME,
            None,
        )
        .await;
    let second = rotated.body["secret"].as_str().unwrap().to_owned();
    let acme = anomalies_core::domain::TenantId::try_from("acme").unwrap();
    let items = harness
        .raw_items(&anomalies_core::store::dynamo::keys::webhooks_pk(&acme))
        .await;
    let sent = harness
        .call("POST", &format!("/v1/webhooks/{id}/test"), ACME, None)
        .await;

    // Assert: nothing secret in the item, in any attribute.
    assert_eq!(items.len(), 1);
    let raw = format!("{:?}", items[0]);
    for secret in [
        first.as_str(),
        second.as_str(),
        "key-456",
        "tok-789",
        "X-Api-Key",
    ] {
        assert!(
            !raw.contains(secret),
            "{secret} is stored in the clear: {raw}"
        );
    }
    for field in ["secrets", "auth", "headers"] {
        assert!(!raw.contains(&format!("\"{field}\"")), "{field} in {raw}");
    }
    assert!(items[0].contains_key("sealed"), "{raw}");
    // The function opens them again: the request carries the header, the token and a
    // signature under each valid secret.
    assert_eq!(sent.body["delivered"], true, "{}", sent.body);
    let got = &receiver.received()[0];
    assert_eq!(got.header("x-api-key"), "key-456");
    assert_eq!(got.header("authorization"), "Bearer tok-789");
    let signatures = got.header("webhook-signature");
    for secret in [&first, &second] {
        let secret = anomalies_webhooks::secret::Secret::try_from(secret.clone()).unwrap();
        let timestamp: i64 = got.header("webhook-timestamp").parse().unwrap();
        anomalies_webhooks::secret::verify(
            &secret,
            &signatures,
            &got.header("webhook-id"),
            timestamp,
            &got.body,
            timestamp,
        )
        .unwrap();
    }
}

async fn a_tenants_26th_webhook_is_a_409_naming_the_limit_and_the_others_stay(harness: Harness) {
    // Arrange: the 25 a tenant may have.
    for i in 0..25 {
        create(
            &harness,
            json!({"name": format!("hook {i}"), "url": "https://hooks.example/in"}),
        )
        .await;
    }
    // Act
    let refused = harness
        .call(
            "POST",
            "/v1/webhooks",
            ACME,
            Some(&json!({"name": "one more", "url": "https://hooks.example/in"}).to_string()),
        )
        .await;
    let listed = harness.get("/v1/webhooks", ACME).await;
    let other_tenant = harness
        .call(
            "POST",
            "/v1/webhooks",
            GLOBEX,
            Some(&json!({"name": "theirs", "url": "https://hooks.example/in"}).to_string()),
        )
        .await;
    // Assert
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.body["error"]["code"], "limit_reached");
    assert!(refused.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("at most 25"));
    assert_eq!(listed.body["webhooks"].as_array().unwrap().len(), 25);
    assert_eq!(other_tenant.status, 201, "the limit is per tenant");
}

integration_tests::on_both_stores!(
    a_tenants_26th_webhook_is_a_409_naming_the_limit_and_the_others_stay,
    a_webhook_is_created_listed_changed_and_deleted_without_showing_secrets,
    bad_webhook_bodies_are_400_naming_the_field,
    tenants_never_see_each_others_webhooks,
    a_test_delivery_reports_the_receivers_answer_and_is_listed,
);
