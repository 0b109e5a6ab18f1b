//! The scope rule, on the in-memory store and on DynamoDB in moto: a read-only token reads
//! everything and changes nothing (403 naming the scope), a write token changes, a token with
//! neither scope reads nothing.

use anomalies_core::sample::anomalies;
use integration_tests::api::Harness;
use serde_json::{json, Value};

fn claims(scope: &str) -> Option<Value> {
    Some(json!({"tenant_id": "acme", "sub": "alice@acme.example", "scope": scope}))
}

async fn scenario(h: Harness) {
    // Arrange: one anomaly of acme's.
    let acme = anomalies_core::domain::TenantId::try_from("acme").unwrap();
    let seeded = anomalies(7, &acme, 3, 3, chrono::Utc::now(), 5);
    h.seed(&seeded).await;
    let id = seeded[0].id.to_string();
    let reader = claims("openid access-anomalies/read");
    let writer = claims("access-anomalies/write");
    let nobody = claims("openid email");
    let patch = r#"{"status":"acknowledged"}"#;
    let webhook = r#"{"name":"r","url":"https://hooks.example.com/x"}"#;
    let source = r#"{"source":"teleport","name":"main"}"#;
    let call =
        |method: &'static str, uri: String, who: Option<Value>, body: Option<&'static str>| {
            let h = &h;
            async move { h.call_claims(method, &uri, who, body, &[]).await }
        };
    // Act
    let listed = call("GET", "/v1/anomalies".into(), reader.clone(), None).await;
    let read_one = call("GET", format!("/v1/anomalies/{id}"), reader.clone(), None).await;
    let refused = [
        call(
            "PATCH",
            format!("/v1/anomalies/{id}"),
            reader.clone(),
            Some(patch),
        )
        .await,
        call(
            "POST",
            format!("/v1/anomalies/{id}/revoke"),
            reader.clone(),
            Some("{}"),
        )
        .await,
        call("POST", "/v1/webhooks".into(), reader.clone(), Some(webhook)).await,
        call(
            "POST",
            "/v1/source-credentials".into(),
            reader.clone(),
            Some(source),
        )
        .await,
    ];
    let unscoped = call("GET", "/v1/anomalies".into(), nobody, None).await;
    let written = call(
        "PATCH",
        format!("/v1/anomalies/{id}"),
        writer.clone(),
        Some(patch),
    )
    .await;
    let writer_reads = call("GET", "/v1/users?dormant=true".into(), writer, None).await;
    // Assert
    assert_eq!(
        (listed.status, read_one.status, writer_reads.status),
        (200, 200, 200)
    );
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 3);
    for reply in &refused {
        assert_eq!(reply.status, 403, "{}", reply.body);
        assert_eq!(reply.body["error"]["code"], "forbidden");
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains("access-anomalies/write"), "{message}");
    }
    assert_eq!(unscoped.status, 403, "{}", unscoped.body);
    assert_eq!(written.status, 200, "{}", written.body);
    assert_eq!(written.body["status"], "acknowledged");
}

#[tokio::test]
async fn the_scope_rule_holds_in_memory() {
    scenario(Harness::memory_scoped()).await;
}

#[tokio::test]
async fn the_scope_rule_holds_on_dynamodb() {
    scenario(Harness::dynamo_scoped().await).await;
}
