//! What the webhook model accepts, refuses and shows.
use super::*;
use anomalies_core::anomaly::Severity;
use anomalies_core::sample::sample_anomaly;

fn input(json: serde_json::Value) -> WebhookInput {
    serde_json::from_value(json).unwrap()
}

fn now() -> DateTime<Utc> {
    "2026-11-24T10:00:00Z".parse().unwrap()
}

#[test]
fn a_webhook_is_created_with_defaults_and_a_secret() {
    // Arrange
    let body = input(serde_json::json!({"name": "siem", "url": "https://siem.example.com/hook"}));

    // Act
    let webhook = Webhook::create(TenantId::default_tenant(), body, now()).unwrap();

    // Assert
    assert!(webhook.enabled);
    assert_eq!(webhook.method, Method::Post);
    assert_eq!(webhook.timeout_seconds, DEFAULT_TIMEOUT_SECONDS);
    assert_eq!(webhook.format, Format::Json {});
    assert!(webhook.secrets.current().as_str().starts_with("whsec_"));
    assert!(WebhookId::try_from(webhook.id.to_string()).is_ok());
}

#[test]
fn missing_name_or_url_is_named() {
    let err = Webhook::create(
        TenantId::default_tenant(),
        input(serde_json::json!({"name": "x"})),
        now(),
    )
    .unwrap_err();
    assert_eq!(err.field, "url");
    let err = Webhook::create(
        TenantId::default_tenant(),
        input(serde_json::json!({"url": "https://a.example"})),
        now(),
    )
    .unwrap_err();
    assert_eq!(err.field, "name");
}

#[test]
fn timeouts_above_thirty_seconds_are_refused() {
    let err = Webhook::create(
        TenantId::default_tenant(),
        input(serde_json::json!({"name": "x", "url": "https://a.example", "timeout_seconds": 31})),
        now(),
    )
    .unwrap_err();
    assert_eq!(err.field, "timeout_seconds");
}

#[test]
fn reserved_and_malformed_headers_are_refused_by_name() {
    for (name, value) in [
        ("Webhook-Signature", "x"),
        ("authorization", "Bearer x"),
        ("Bad Name", "x"),
        ("X-Ok", "line\nbreak"),
    ] {
        let err = Webhook::create(
            TenantId::default_tenant(),
            input(serde_json::json!({"name": "x", "url": "https://a.example", "headers": {name: value}})),
            now(),
        )
        .unwrap_err();
        assert_eq!(err.field, format!("headers.{name}"), "{name}");
    }
}

#[test]
fn the_view_shows_no_secret_token_or_header_value() {
    // Arrange
    let webhook = Webhook::create(
        TenantId::default_tenant(),
        input(serde_json::json!({
            "name": "x", "url": "https://a.example/hook",
            "headers": {"X-Api-Key": "key-123"},
            "auth": {"type": "bearer", "token": "tok-456"}
        })),
        now(),
    )
    .unwrap();

    // Act
    let shown = serde_json::to_string(&webhook.view()).unwrap();

    // Assert
    assert!(!shown.contains("key-123"));
    assert!(!shown.contains("tok-456"));
    assert!(!shown.contains(webhook.secrets.current().as_str()));
    assert!(shown.contains("X-Api-Key"));
}

#[test]
fn a_patch_changes_only_the_fields_it_names() {
    // Arrange
    let mut webhook = Webhook::create(
        TenantId::default_tenant(),
        input(serde_json::json!({"name": "x", "url": "https://a.example", "timeout_seconds": 9})),
        now(),
    )
    .unwrap();

    // Act
    webhook
        .apply(input(serde_json::json!({"enabled": false})), now())
        .unwrap();

    // Assert
    assert!(!webhook.enabled);
    assert_eq!(webhook.timeout_seconds, 9);
    assert_eq!(webhook.name, "x");
}

#[test]
fn filters_match_only_what_every_list_allows() {
    // Arrange
    let anomaly = sample_anomaly("alice", 0);
    let other_severity = Severity::ALL
        .into_iter()
        .find(|s| *s != anomaly.severity)
        .unwrap();
    let matching = Filters {
        types: vec![anomaly.kind],
        severities: vec![anomaly.severity],
        integrations: vec![anomaly.integration.id.to_string()],
        event_types: vec![EventType::AnomalyDetected],
    };
    let wrong_severity = Filters {
        severities: vec![other_severity],
        ..matching.clone()
    };

    // Act / Assert
    assert!(Filters::default().matches(EventType::AnomalyUpdated, &anomaly));
    assert!(matching.matches(EventType::AnomalyDetected, &anomaly));
    assert!(!matching.matches(EventType::AnomalyUpdated, &anomaly));
    assert!(!wrong_severity.matches(EventType::AnomalyDetected, &anomaly));
}

#[test]
fn rotation_keeps_the_previous_secret_for_a_day() {
    // Arrange
    let mut webhook = Webhook::create(
        TenantId::default_tenant(),
        input(serde_json::json!({"name": "x", "url": "https://a.example"})),
        now(),
    )
    .unwrap();
    let first = webhook.secrets.current().as_str().to_owned();

    // Act
    let second = webhook.rotate_secret(now());

    // Assert
    assert_ne!(first, second);
    assert_eq!(
        texts(webhook.secrets.valid_at(now() + Duration::hours(23))),
        vec![second.as_str(), first.as_str()]
    );
    assert_eq!(
        texts(webhook.secrets.valid_at(now() + Duration::hours(25))),
        vec![second.as_str()]
    );
}

fn texts(secrets: Vec<&crate::secret::Secret>) -> Vec<&str> {
    secrets.into_iter().map(|s| s.as_str()).collect()
}
