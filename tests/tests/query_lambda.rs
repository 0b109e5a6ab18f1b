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

/// A `GET` as API Gateway (HTTP API, v2) hands it to the function, without authorizer claims
/// (the page's routes have none).
fn public_get(path: &str) -> lambda_http::Request {
    let event = serde_json::json!({
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": { "host": "api.example.com" },
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
            "domainPrefix": "api", "requestId": "r", "routeKey": "$default", "stage": "$default",
            "time": "24/Nov/2026:18:00:00 +0000", "timeEpoch": 0,
            "http": { "method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "test" }
        },
        "isBase64Encoded": false
    });
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

#[tokio::test]
async fn the_deployed_page_is_public_and_signs_in_with_the_configured_oidc_client() {
    // Arrange: the production context, configured as the template configures it.
    let env = [
        ("TABLE_NAME", "unused"),
        ("ANOMALIES_BUS_NAME", "unused"),
        ("CURSOR_SECRET", "0123456789abcdef0123456789abcdef"),
        ("SECRETS_KEY_ARN", "unused"),
        (
            "OIDC_ISSUER",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
        ),
        ("PAGE_CLIENT_ID", "4f1client"),
        (
            "PAGE_TOKEN_ENDPOINT",
            "https://acme.auth.eu-west-1.amazoncognito.com/oauth2/token",
        ),
    ];
    let config = query_function::config::QueryConfig::from_lookup(|name| {
        env.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    })
    .unwrap();
    let ctx = query_function::Context::from_config(&config, &sdk_config().await).unwrap();
    // Act
    let page = query_function::handle(&ctx, public_get("/ui/"))
        .await
        .unwrap();
    let sign_in = query_function::handle(&ctx, public_get("/ui/config.json"))
        .await
        .unwrap();
    let api = query_function::handle(&ctx, public_get("/v1/anomalies"))
        .await
        .unwrap();
    // Assert
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com https://acme.auth.eu-west-1.amazoncognito.com;"),
        "{csp}"
    );
    let body = http_body_util::BodyExt::collect(sign_in.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (body["mode"].as_str(), body["client_id"].as_str()),
        (Some("oidc"), Some("4f1client"))
    );
    assert_eq!(api.status(), 401, "the API still needs verified claims");
}
