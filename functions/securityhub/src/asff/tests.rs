//! The mapping of an anomaly to an ASFF finding, and its limits.

use super::*;
use anomalies_core::domain::{Resource as Requested, ResourceId};
use anomalies_core::sample::sample_anomaly;
use aws_sdk_securityhub::types::AwsSecurityFinding;

const PRODUCT: &str = "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default";

fn product() -> ProductArn {
    ProductArn::try_from(PRODUCT).unwrap()
}

fn product_field<'a>(finding: &'a AwsSecurityFinding, key: &str) -> Option<&'a str> {
    finding
        .product_fields
        .as_ref()
        .and_then(|f| f.get(&format!("{FIELD_PREFIX}{key}")))
        .map(String::as_str)
}

/// Every string a finding holds, in bytes, with 8 bytes of JSON around each: an upper bound
/// of its JSON size for the fields this mapping sets.
fn content_bytes(f: &AwsSecurityFinding) -> usize {
    let strings =
        |items: &[Option<&String>]| -> usize { items.iter().flatten().map(|s| s.len() + 8).sum() };
    let mut total = strings(&[
        f.schema_version.as_ref(),
        f.id.as_ref(),
        f.product_arn.as_ref(),
        f.product_name.as_ref(),
        f.company_name.as_ref(),
        f.region.as_ref(),
        f.generator_id.as_ref(),
        f.aws_account_id.as_ref(),
        f.first_observed_at.as_ref(),
        f.last_observed_at.as_ref(),
        f.created_at.as_ref(),
        f.updated_at.as_ref(),
        f.title.as_ref(),
        f.description.as_ref(),
        f.source_url.as_ref(),
    ]);
    total += f.types.iter().flatten().map(|t| t.len() + 8).sum::<usize>() * 2;
    total += f
        .product_fields
        .iter()
        .flatten()
        .map(|(k, v)| k.len() + v.len() + 8)
        .sum::<usize>();
    if let Some(text) = f
        .remediation
        .as_ref()
        .and_then(|r| r.recommendation.as_ref())
        .and_then(|r| r.text.as_ref())
    {
        total += text.len() + 8;
    }
    for r in f.resources.iter().flatten() {
        total += strings(&[r.r#type.as_ref(), r.id.as_ref(), r.region.as_ref()]) + 64;
        let other = r.details.as_ref().and_then(|d| d.other.as_ref());
        total += other
            .iter()
            .flat_map(|o| o.iter())
            .map(|(k, v)| k.len() + v.len() + 8)
            .sum::<usize>();
    }
    // Severity (twice), workflow, record state, partition and the object keys.
    total + 1024
}

#[test]
fn an_anomaly_becomes_a_finding_with_every_required_attribute() {
    // Arrange
    let anomaly = sample_anomaly("alice", 0);

    // Act
    let f = finding(&anomaly, &product(), Some("https://api.example.com/ui/"));

    // Assert
    assert_eq!(f.schema_version.as_deref(), Some(SCHEMA_VERSION));
    assert_eq!(f.id.as_deref(), Some(anomaly.id.as_str()));
    assert_eq!(f.product_arn.as_deref(), Some(PRODUCT));
    assert_eq!(f.aws_account_id.as_deref(), Some("123456789012"));
    assert_eq!(f.region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        f.generator_id.as_deref(),
        Some(format!("access-anomalies/{}", anomaly.kind.as_str()).as_str())
    );
    let kind = format!("Unusual Behaviors/User/{}", anomaly.kind.title());
    assert_eq!(f.types.as_deref(), Some(&[kind.clone()][..]));
    let label = severity_label(anomaly.severity);
    assert_eq!(
        f.severity.as_ref().and_then(|s| s.label.clone()),
        Some(label.clone())
    );
    let provided = f.finding_provider_fields.as_ref().unwrap();
    assert_eq!(
        provided.severity.as_ref().and_then(|s| s.label.clone()),
        Some(label)
    );
    assert_eq!(provided.types.as_deref(), Some(&[kind][..]));
    assert_eq!(f.title.as_deref(), Some(anomaly.summary.as_str()));
    assert!(f
        .description
        .as_deref()
        .unwrap()
        .starts_with(&anomaly.summary));
    assert!(f
        .description
        .as_deref()
        .unwrap()
        .contains(anomaly.request_id.as_str()));
    assert_eq!(
        f.created_at.as_deref(),
        Some(timestamp(anomaly.detected_at).as_str())
    );
    assert_eq!(
        f.updated_at.as_deref(),
        Some(timestamp(anomaly.updated_at).as_str())
    );
    let resources = f.resources.as_deref().unwrap();
    assert_eq!(resources.len(), anomaly.resources.len());
    assert_eq!(
        resources[0].id.as_deref(),
        Some(anomaly.resources[0].id.as_str())
    );
    assert_eq!(resources[0].r#type.as_deref(), Some("Other"));
    assert_eq!(
        f.workflow.as_ref().and_then(|w| w.status.clone()),
        Some(WorkflowStatus::New)
    );
    assert_eq!(f.record_state, Some(RecordState::Active));
    assert_eq!(
        f.source_url.as_deref(),
        Some(
            format!(
                "https://api.example.com/ui/?anomaly={}",
                anomaly.id.as_str()
            )
            .as_str()
        )
    );
    assert_eq!(
        product_field(&f, "tenant_id"),
        Some(anomaly.tenant_id.as_str())
    );
    assert_eq!(
        product_field(&f, "requester"),
        Some(anomaly.requester.id.as_str())
    );
    assert_eq!(product_field(&f, "status"), Some("open"));
    let advice = f
        .remediation
        .as_ref()
        .and_then(|r| r.recommendation.as_ref())
        .and_then(|r| r.text.clone());
    assert!(advice.unwrap().starts_with(&anomaly.recommended_actions[0]));
}

#[test]
fn triage_sets_the_workflow_and_resolved_or_dismissed_anomalies_are_archived() {
    let expected = [
        (TriageStatus::Open, WorkflowStatus::New, RecordState::Active),
        (
            TriageStatus::Acknowledged,
            WorkflowStatus::Notified,
            RecordState::Active,
        ),
        (
            TriageStatus::Resolved,
            WorkflowStatus::Resolved,
            RecordState::Archived,
        ),
        (
            TriageStatus::Dismissed,
            WorkflowStatus::Suppressed,
            RecordState::Archived,
        ),
    ];
    for (status, workflow, record) in expected {
        let mut anomaly = sample_anomaly("bob", 0);
        anomaly.status = status;

        let f = finding(&anomaly, &product(), None);

        assert_eq!(
            f.workflow.and_then(|w| w.status),
            Some(workflow),
            "{status:?}"
        );
        assert_eq!(f.record_state, Some(record), "{status:?}");
        assert_eq!(f.source_url, None);
    }
}

#[test]
fn every_severity_has_its_label() {
    let labels: Vec<_> = Severity::ALL.into_iter().map(severity_label).collect();
    assert_eq!(
        labels,
        [
            SeverityLabel::Low,
            SeverityLabel::Medium,
            SeverityLabel::High,
            SeverityLabel::Critical
        ]
    );
}

#[test]
fn an_anomaly_without_resources_names_its_request_as_the_resource() {
    let mut anomaly = sample_anomaly("carol", 0);
    anomaly.resources.clear();

    let f = finding(&anomaly, &product(), None);

    let resources = f.resources.unwrap();
    assert_eq!(resources.len(), 1, "ASFF needs one resource");
    assert_eq!(
        resources[0].id.as_deref(),
        Some(format!("access-request/{}", anomaly.request_id.as_str()).as_str())
    );
}

#[test]
fn the_largest_anomaly_stays_within_every_asff_limit() {
    // Arrange: every text as long as it gets, in 4-byte characters, and 500 resources.
    let long = |n: usize| "𝔸".repeat(n);
    let mut anomaly = sample_anomaly("dave", 0);
    anomaly.summary = long(10_000);
    anomaly.permissions = (0..1000).map(|_| long(100).into()).collect();
    anomaly.resource_type = long(10_000).into();
    anomaly.recommended_actions = vec![long(10_000)];
    anomaly.resources = (0..500)
        .map(|i| Requested {
            id: ResourceId::try_from(format!("{i}{}", long(10_000))).unwrap(),
            name: Some(long(10_000).into()),
            tags: Default::default(),
        })
        .collect();

    // Act
    let f = finding(&anomaly, &product(), Some("https://api.example.com/ui/"));

    // Assert
    let chars = |s: &Option<String>| s.as_deref().unwrap().chars().count();
    assert_eq!(chars(&f.title), MAX_TITLE);
    assert_eq!(chars(&f.description), MAX_DESCRIPTION);
    let resources = f.resources.as_deref().unwrap();
    assert_eq!(resources.len(), MAX_RESOURCES);
    assert!(resources.iter().all(|r| chars(&r.id) <= MAX_ID));
    for r in resources {
        let other = r.details.as_ref().and_then(|d| d.other.as_ref()).unwrap();
        assert!(other.values().all(|v| v.chars().count() <= MAX_DETAIL));
    }
    let fields = f.product_fields.as_ref().unwrap();
    assert!(
        fields.len() <= 50
            && fields
                .values()
                .all(|v| v.chars().count() <= MAX_PRODUCT_FIELD)
    );
    assert_eq!(
        product_field(&f, "resource_count"),
        Some("500"),
        "the rest are counted"
    );
    let advice = f
        .remediation
        .as_ref()
        .and_then(|r| r.recommendation.as_ref())
        .unwrap();
    assert_eq!(chars(&advice.text), MAX_RECOMMENDATION);
    let bytes = content_bytes(&f);
    assert!(bytes < MAX_FINDING_BYTES, "{bytes} bytes");
}
