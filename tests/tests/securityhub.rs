//! The Security Hub function against moto's Security Hub: anomalies imported as findings
//! (BatchImportFindings) and read back (GetFindings) — a finding that follows its anomaly's
//! triage, requests split at the service's limits, a refused finding reported alone, and the
//! documented sample.

use anomalies_core::anomaly::{Anomaly, TriageStatus};
use anomalies_core::sample::sample_anomaly;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use chrono::Duration;
use integration_tests::securityhub::findings;
use integration_tests::verifiers::asff_verdicts;
use integration_tests::*;
use securityhub_function::aws::{SecurityHub, FINDINGS_PER_REQUEST};
use securityhub_function::config::{ProductArn, SecurityHubConfig, SECURITY_HUB_PRODUCT_ARN};
use securityhub_function::ports::Findings;
use serde_json::json;

/// moto's default account, in the harness's region.
const PRODUCT: &str = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default";

fn anomaly(user: &str) -> Anomaly {
    sample_anomaly(&unique(user), 0)
}

fn batch(events: &[(&str, &Anomaly)]) -> SqsEvent {
    SqsEvent {
        records: events
            .iter()
            .enumerate()
            .map(|(i, (detail_type, anomaly))| SqsMessage {
                message_id: Some(format!("m{i}")),
                body: Some(
                    json!({"version": "0", "id": format!("e{i}"), "detail-type": detail_type,
                        "source": "access-anomalies", "time": "2026-01-01T00:00:00Z",
                        "resources": [anomaly.id.as_str()], "detail": anomaly})
                    .to_string(),
                ),
                ..Default::default()
            })
            .collect(),
    }
}

async fn context(config: &aws_config::SdkConfig) -> securityhub_function::Context {
    let settings = SecurityHubConfig::from_lookup(|name| {
        (name == SECURITY_HUB_PRODUCT_ARN).then(|| PRODUCT.to_owned())
    })
    .unwrap();
    securityhub_function::Context::from_config(&settings, config)
}

#[tokio::test]
async fn a_finding_follows_its_anomaly_from_detection_to_resolution_and_is_then_archived() {
    // Arrange
    let config = sdk_config().await;
    let hub = context(&config).await;
    let detected = anomaly("erin");
    let mut resolved = detected.clone();
    resolved.status = TriageStatus::Resolved;
    resolved.updated_at = detected.updated_at + Duration::minutes(30);
    let id = detected.id.as_str();

    // Act 1: detected.
    let first = securityhub_function::handle(
        &hub,
        lambda_event(batch(&[("Anomaly Detected", &detected)])),
    )
    .await
    .unwrap();
    let created = findings(&config, &[id])
        .await
        .remove(id)
        .expect("the finding exists");

    // Act 2: resolved, in a later batch.
    let second =
        securityhub_function::handle(&hub, lambda_event(batch(&[("Anomaly Updated", &resolved)])))
            .await
            .unwrap();
    let all = findings(&config, &[id]).await;

    // Assert
    assert!(first.batch_item_failures.is_empty() && second.batch_item_failures.is_empty());
    assert_eq!(
        created
            .workflow
            .and_then(|w| w.status)
            .map(|s| s.as_str().to_owned()),
        Some("NEW".into())
    );
    assert_eq!(
        created.record_state.map(|s| s.as_str().to_owned()),
        Some("ACTIVE".into())
    );
    assert_eq!(all.len(), 1, "one finding per anomaly");
    let updated = &all[id];
    assert_eq!(updated.created_at, created.created_at, "CreatedAt stays");
    assert!(
        updated.updated_at > created.updated_at,
        "UpdatedAt moves forward"
    );
    assert_eq!(
        updated
            .workflow
            .as_ref()
            .and_then(|w| w.status.as_ref())
            .map(|s| s.as_str()),
        Some("RESOLVED")
    );
    assert_eq!(
        updated.record_state.as_ref().map(|s| s.as_str()),
        Some("ARCHIVED")
    );
    assert_eq!(updated.product_arn.as_deref(), Some(PRODUCT));
    assert_eq!(updated.aws_account_id.as_deref(), Some("123456789012"));
    assert_eq!(updated.title.as_deref(), Some(detected.summary.as_str()));
}

#[tokio::test]
async fn findings_beyond_one_request_are_all_imported_and_a_refused_one_is_reported_alone() {
    // Arrange: more findings than one request takes, one of them without the resource
    // ASFF requires (Security Hub refuses it).
    let config = sdk_config().await;
    let product = ProductArn::try_from(PRODUCT).unwrap();
    let anomalies: Vec<Anomaly> = (0..FINDINGS_PER_REQUEST * 2 + 3)
        .map(|_| anomaly("frank"))
        .collect();
    let refused = FINDINGS_PER_REQUEST + 1;
    let mut batch: Vec<_> = anomalies
        .iter()
        .map(|a| securityhub_function::asff::finding(a, &product, None))
        .collect();
    batch[refused].resources = Some(Vec::new());
    let hub = SecurityHub::new(aws_sdk_securityhub::Client::new(&config));

    // Act
    let accepted = hub.import(&batch).await;

    // Assert
    let expected: Vec<bool> = (0..batch.len()).map(|i| i != refused).collect();
    assert_eq!(accepted, expected);
    let ids: Vec<&str> = anomalies.iter().map(|a| a.id.as_str()).collect();
    let stored = findings(&config, &ids).await;
    assert_eq!(stored.len(), anomalies.len() - 1);
    assert!(!stored.contains_key(ids[refused]));
}

/// The finding with this id as JSON, as Security Hub's GetFindings returns it.
async fn finding_json(id: &str) -> serde_json::Value {
    let mut request = json!({"MaxResults": 100});
    loop {
        let text = reqwest::Client::new()
            .post(format!("{}/findings", endpoint()))
            .header("content-type", "application/json")
            // moto routes a request by the service its credential scope names.
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/securityhub/aws4_request, SignedHeaders=host, Signature=0",
            )
            .body(request.to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let page: serde_json::Value = serde_json::from_str(&text).unwrap();
        let findings = page["Findings"].as_array().cloned().unwrap_or_default();
        if let Some(found) = findings.into_iter().find(|f| f["Id"] == id) {
            return found;
        }
        let token = page["NextToken"].as_str().filter(|t| !t.is_empty());
        request["NextToken"] = json!(token.expect("the finding is stored"));
    }
}

#[tokio::test]
async fn the_documented_sample_is_the_finding_imported_for_the_bus_samples_anomaly() {
    // Arrange: the bus sample (an account in eu-west-1), on a stack whose page is known.
    let config = sdk_config().await;
    let event =
        std::fs::read_to_string(workspace_root().join("events/samples/bus/anomaly-updated.json"))
            .unwrap();
    let sample: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("events/samples/securityhub-finding.json"))
            .unwrap(),
    )
    .unwrap();
    let settings = SecurityHubConfig::from_lookup(|name| match name {
        SECURITY_HUB_PRODUCT_ARN => {
            Some("arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default".into())
        }
        securityhub_function::config::ANOMALIES_PAGE_URL => {
            Some("https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/ui/".into())
        }
        _ => None,
    })
    .unwrap();
    let hub = securityhub_function::Context::from_config(&settings, &config);
    let records = SqsEvent {
        records: vec![SqsMessage {
            message_id: Some("m0".into()),
            body: Some(event),
            ..Default::default()
        }],
    };

    // Act
    let imported = securityhub_function::handle(&hub, lambda_event(records))
        .await
        .unwrap();
    let finding = finding_json(sample["Id"].as_str().unwrap()).await;

    // Assert
    assert!(imported.batch_item_failures.is_empty());
    assert_eq!(
        finding, sample,
        "regenerate events/samples/securityhub-finding.json"
    );
    assert_eq!(
        asff_verdicts(&[sample]),
        [json!({"valid": true})],
        "AWS's model accepts it"
    );
}

#[tokio::test]
async fn the_finding_of_the_largest_anomaly_is_one_aws_s_model_accepts() {
    // Arrange: every text as long as it gets, in 4-byte characters, and 500 resources.
    let config = sdk_config().await;
    let long = |n: usize| "𝔸".repeat(n);
    let mut largest = anomaly("grace");
    largest.summary = long(10_000);
    largest.permissions = (0..1000).map(|_| long(100).into()).collect();
    largest.recommended_actions = vec![long(10_000)];
    largest.resources = (0..500)
        .map(|i| anomalies_core::domain::Resource {
            id: anomalies_core::domain::ResourceId::try_from(format!("{i}{}", long(10_000)))
                .unwrap(),
            name: Some(long(10_000).into()),
            tags: Default::default(),
        })
        .collect();
    let hub = context(&config).await;

    // Act
    let imported =
        securityhub_function::handle(&hub, lambda_event(batch(&[("Anomaly Detected", &largest)])))
            .await
            .unwrap();
    let finding = finding_json(largest.id.as_str()).await;

    // Assert
    assert!(imported.batch_item_failures.is_empty());
    assert_eq!(
        asff_verdicts(std::slice::from_ref(&finding)),
        [json!({"valid": true})]
    );
    assert_eq!(finding["Resources"].as_array().unwrap().len(), 32);
}
