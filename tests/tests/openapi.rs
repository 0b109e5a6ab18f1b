//! The OpenAPI document against the running router: every documented operation answers (and
//! its response fits the document, as every harness call checks), pushing events works as
//! documented, and the check itself catches a response that breaks the schema.

use integration_tests::api::Harness;
use integration_tests::openapi::{check, document};
use integration_tests::receiver::Receiver;
use serde_json::json;

const ACME: Option<(&str, &str)> = Some(("acme", "alice@acme.example"));

#[tokio::test]
async fn every_documented_operation_answers_as_documented() {
    // Arrange: the sample stream pushed through the API.
    let h = Harness::memory();
    let stream = include_str!("../../events/demo-stream.jsonl");
    let pushed = h.call("POST", "/v1/events", ACME, Some(stream)).await;
    assert_eq!(pushed.status, 200, "{}", pushed.body);
    assert_eq!(pushed.body["accepted"], 85);
    assert_eq!(pushed.body["duplicates"], 1);
    assert_eq!(pushed.body["anomalies"].as_array().unwrap().len(), 6);
    let id = h.get("/v1/anomalies?limit=1", ACME).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let receiver = Receiver::start().await;
    let webhook = json!({"name": "r", "url": receiver.url}).to_string();
    let created = h.call("POST", "/v1/webhooks", ACME, Some(&webhook)).await;
    let webhook_id = created.body["id"].as_str().unwrap().to_owned();
    let credential = r#"{"source":"teleport","name":"prod cluster"}"#;
    let made = h
        .call("POST", "/v1/source-credentials", ACME, Some(credential))
        .await;
    let credential_id = made.body["id"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {}", made.body["token"].as_str().unwrap());
    let teleport = r#"{"event":"user.login","uid":"u1","time":"2026-03-01T09:00:00Z"}"#;
    let approved = include_str!("../../events/samples/approved.json");
    // Act / Assert: each documented operation, with concrete paths (deletes last).
    let paths = document()["paths"].as_object().unwrap();
    let mut called = 0;
    for method in ["get", "patch", "post", "delete"] {
        for (template, operations) in paths {
            if operations.get(method).is_none() {
                continue;
            }
            let path = if template.starts_with("/v1/webhooks/") {
                template.replace("{id}", &webhook_id)
            } else if template.starts_with("/v1/source-credentials/") {
                template.replace("{id}", &credential_id)
            } else {
                template
                    .replace("{id}", &id)
                    .replace("{source}", "teleport")
            };
            let (uri, body) = match (method, template.as_str()) {
                ("post", "/v1/webhooks") => (path, Some(webhook.as_str())),
                ("patch", "/v1/webhooks/{id}") => (path, Some(r#"{"enabled":true}"#)),
                ("get", "/v1/anomalies/facets") => (format!("{path}?field=type"), None),
                ("get", "/v1/users") => (format!("{path}?dormant=true"), None),
                ("patch", _) => (path, Some(r#"{"status":"resolved"}"#)),
                ("post", "/v1/anomalies/triage") => (
                    path,
                    Some(r#"{"status":"acknowledged","filter":"type=inactive_user"}"#),
                ),
                ("post", "/v1/events") => (path, Some(approved)),
                ("post", "/v1/source-credentials") => (path, Some(credential)),
                ("post", "/v1/sources/{source}/events") => (path, Some(teleport)),
                _ => (path, None),
            };
            let reply = if template == "/v1/sources/{source}/events" {
                let auth = [("authorization", bearer.as_str())];
                h.call_with("POST", &uri, None, body, &auth).await
            } else {
                h.call(&method.to_uppercase(), &uri, ACME, body).await
            };
            assert!(
                reply.status < 300,
                "{method} {uri}: {} {}",
                reply.status,
                reply.body
            );
            called += 1;
        }
    }
    assert_eq!(called, 21);
    assert!(
        !receiver.received().is_empty(),
        "the test route sent a request"
    );
    // An unknown route is a documented-style JSON 404.
    assert_eq!(h.get("/v1/nothing-here", ACME).await.status, 404);
}

#[tokio::test]
async fn pushed_events_of_another_tenant_are_rejected_alone() {
    let h = Harness::memory();
    let mine = include_str!("../../events/samples/approved.json");
    let theirs = mine.replace("\"acme\"", "\"globex\"");
    let body = format!(
        "{}\n{}\n{{bad json\n",
        mine.replace('\n', ""),
        theirs.replace('\n', "")
    );
    let reply = h.call("POST", "/v1/events", ACME, Some(&body)).await;
    assert_eq!(
        reply.status, 400,
        "anything rejected is a 400: {}",
        reply.body
    );
    assert_eq!(reply.body["accepted"], 1, "the others are taken");
    let rejected = reply.body["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2);
    assert!(rejected[0].as_str().unwrap().contains("tenant_id"));
}

#[test]
fn a_response_that_breaks_the_document_is_caught() {
    for (status, body) in [
        (
            200,
            json!({ "items": [{}], "next_cursor": null, "window": { "from": "x", "to": "y" } }),
        ),
        (200, json!({ "items": [], "window": {} })),
        (418, json!({})),
        (400, json!({ "error": { "code": "x" } })),
    ] {
        let caught = std::panic::catch_unwind(|| check("GET", "/v1/anomalies", status, &body));
        assert!(caught.is_err(), "{status} {body} passed the check");
    }
    check(
        "GET",
        "/v1/anomalies",
        400,
        &json!({ "error": { "code": "x", "message": "m" } }),
    );
}
