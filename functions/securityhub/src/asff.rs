//! An anomaly as an AWS Security Finding Format (ASFF) finding, kept within ASFF's limits
//! whatever the anomaly holds. The mapping (docs/securityhub.md has the table): `Id` = the
//! anomaly id (so every update lands on the same finding); `GeneratorId` = the rule;
//! `Types` = `Unusual Behaviors/User/<rule>`; `Severity.Label` from the severity (also in
//! `FindingProviderFields`, where providers are meant to keep it); `Title` = the summary;
//! `Description` = the summary with the request; `CreatedAt` = detected, `UpdatedAt` = the
//! anomaly's last change (Security Hub ignores an import whose `UpdatedAt` is not later than
//! the one it holds, so a late redelivery never rolls a finding back); `FirstObservedAt` /
//! `LastObservedAt` from the evidence; `Resources` = the requested resources (type `Other`),
//! or the request itself when there are none; `Workflow.Status` from the triage status;
//! `RecordState` ARCHIVED once resolved or dismissed; `Remediation` = the recommended
//! actions; `SourceUrl` = the anomaly on the page; the rest in `ProductFields`.

use crate::config::ProductArn;
use anomalies_core::anomaly::{Anomaly, Severity, TriageStatus};
use anomalies_core::text::truncate;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, FindingProviderFields, FindingProviderSeverity, Partition, Recommendation,
    RecordState, Remediation, Resource, ResourceDetails, SeverityLabel, Workflow, WorkflowStatus,
};
use chrono::{DateTime, SecondsFormat, Utc};
use std::collections::HashMap;

/// The ASFF version findings follow.
pub const SCHEMA_VERSION: &str = "2018-10-08";
pub const PRODUCT_NAME: &str = "Access Anomalies";
/// `ProductFields` keys start with this (Security Hub's own start with `aws/`).
pub const FIELD_PREFIX: &str = "access-anomalies/";

/// ASFF's limits (AwsSecurityFinding in the Security Hub API reference): `Title` 256
/// characters, `Description` 1,024, `Id`/`GeneratorId`/`Resource.Id` 512, 32 resources,
/// `Recommendation.Text` 512, a `ProductFields` value 2,048 and a `Details.Other` value
/// 1,024. Ours are tighter where that keeps a finding below the 240 KB Security Hub
/// accepts even when every character takes 4 bytes: product field values 1,024 and detail
/// values 256 (a test measures the largest possible finding).
pub const MAX_TITLE: usize = 256;
pub const MAX_DESCRIPTION: usize = 1024;
pub const MAX_ID: usize = 512;
pub const MAX_RESOURCES: usize = 32;
pub const MAX_RECOMMENDATION: usize = 512;
pub const MAX_PRODUCT_FIELD: usize = 1024;
pub const MAX_DETAIL: usize = 256;
/// Security Hub refuses a finding larger than this.
pub const MAX_FINDING_BYTES: usize = 240 * 1024;

/// ASFF's severity label.
pub fn severity_label(severity: Severity) -> SeverityLabel {
    match severity {
        Severity::Low => SeverityLabel::Low,
        Severity::Medium => SeverityLabel::Medium,
        Severity::High => SeverityLabel::High,
        Severity::Critical => SeverityLabel::Critical,
    }
}

/// The workflow status of a triage status: open → NEW, acknowledged → NOTIFIED (someone
/// is on it), resolved → RESOLVED, dismissed → SUPPRESSED.
pub fn workflow_status(status: TriageStatus) -> WorkflowStatus {
    match status {
        TriageStatus::Open => WorkflowStatus::New,
        TriageStatus::Acknowledged => WorkflowStatus::Notified,
        TriageStatus::Resolved => WorkflowStatus::Resolved,
        TriageStatus::Dismissed => WorkflowStatus::Suppressed,
    }
}

/// ACTIVE while the anomaly is open or acknowledged; ARCHIVED once resolved or dismissed.
pub fn record_state(status: TriageStatus) -> RecordState {
    match status {
        TriageStatus::Open | TriageStatus::Acknowledged => RecordState::Active,
        TriageStatus::Resolved | TriageStatus::Dismissed => RecordState::Archived,
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The finding type of an anomaly: `Unusual Behaviors/User/<rule title>`.
pub fn finding_type(anomaly: &Anomaly) -> String {
    format!("Unusual Behaviors/User/{}", anomaly.kind.title())
}

fn resources(anomaly: &Anomaly, product: &ProductArn) -> Vec<Resource> {
    let partition = Partition::from(product.partition.as_str());
    let resource = |id: &str| {
        Resource::builder()
            .r#type("Other")
            .id(truncate(id, MAX_ID))
            .partition(partition.clone())
            .region(&product.region)
    };
    let mut listed: Vec<Resource> = anomaly
        .resources
        .iter()
        .take(MAX_RESOURCES)
        .map(|r| {
            let mut other = HashMap::from([
                (
                    "resource_type".to_owned(),
                    anomaly.resource_type.to_string(),
                ),
                ("integration".to_owned(), anomaly.integration.id.to_string()),
            ]);
            if let Some(name) = &r.name {
                other.insert("name".to_owned(), name.to_string());
            }
            other.retain(|_, v| !v.is_empty());
            other
                .values_mut()
                .for_each(|v| *v = truncate(v, MAX_DETAIL));
            let details = ResourceDetails::builder().set_other(Some(other)).build();
            resource(r.id.as_str()).details(details).build()
        })
        .collect();
    if listed.is_empty() {
        // ASFF needs at least one resource: the access request stands in.
        listed.push(resource(&format!("access-request/{}", anomaly.request_id.as_str())).build());
    }
    listed
}

fn product_fields(anomaly: &Anomaly) -> Vec<(String, String)> {
    let requester = &anomaly.requester;
    let mut fields = vec![
        ("tenant_id", anomaly.tenant_id.to_string()),
        ("type", anomaly.kind.as_str().to_owned()),
        ("status", anomaly.status.as_str().to_owned()),
        ("request_id", anomaly.request_id.to_string()),
        ("requester", requester.id.to_string()),
        ("integration", anomaly.integration.id.to_string()),
        ("resource_type", anomaly.resource_type.to_string()),
        ("resource_count", anomaly.resources.len().to_string()),
        ("permissions", anomaly.permissions.join(", ")),
    ];
    if let Some(email) = &requester.email {
        fields.push(("requester_email", email.to_string()));
    }
    if let Some(flow) = &anomaly.access_flow {
        fields.push(("access_flow", flow.id.to_string()));
    }
    fields
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| {
            (
                format!("{FIELD_PREFIX}{key}"),
                truncate(&value, MAX_PRODUCT_FIELD),
            )
        })
        .collect()
}

fn description(anomaly: &Anomaly) -> String {
    let requester = anomaly
        .requester
        .name
        .as_deref()
        .unwrap_or(anomaly.requester.id.as_str());
    let integration = anomaly
        .integration
        .name
        .as_deref()
        .unwrap_or(anomaly.integration.id.as_str());
    let text = format!(
        "{}. Request {} by {requester} through {integration}.",
        anomaly.summary.trim().trim_end_matches('.'),
        anomaly.request_id.as_str(),
    );
    truncate(&text, MAX_DESCRIPTION)
}

/// The finding for one anomaly, under `product`, linking to `page_url` when given.
pub fn finding(
    anomaly: &Anomaly,
    product: &ProductArn,
    page_url: Option<&str>,
) -> AwsSecurityFinding {
    let label = severity_label(anomaly.severity);
    let kind = finding_type(anomaly);
    let (first, last) = anomaly.observed();
    let title = truncate(anomaly.summary.trim(), MAX_TITLE);
    let mut builder = AwsSecurityFinding::builder()
        .schema_version(SCHEMA_VERSION)
        .id(truncate(anomaly.id.as_str(), MAX_ID))
        .product_arn(product.as_str())
        .product_name(PRODUCT_NAME)
        .company_name(PRODUCT_NAME)
        .region(&product.region)
        .aws_account_id(&product.account)
        .generator_id(format!("{FIELD_PREFIX}{}", anomaly.kind.as_str()))
        .types(kind.clone())
        .created_at(timestamp(anomaly.detected_at))
        .updated_at(timestamp(anomaly.updated_at))
        .first_observed_at(timestamp(first))
        .last_observed_at(timestamp(last))
        .severity(
            aws_sdk_securityhub::types::Severity::builder()
                .label(label.clone())
                .original(anomaly.severity.as_str())
                .build(),
        )
        .finding_provider_fields(
            FindingProviderFields::builder()
                .severity(
                    FindingProviderSeverity::builder()
                        .label(label)
                        .original(anomaly.severity.as_str())
                        .build(),
                )
                .types(kind)
                .build(),
        )
        .title(if title.is_empty() {
            anomaly.kind.title().to_owned()
        } else {
            title
        })
        .description(description(anomaly))
        .set_resources(Some(resources(anomaly, product)))
        .workflow(
            Workflow::builder()
                .status(workflow_status(anomaly.status))
                .build(),
        )
        .record_state(record_state(anomaly.status));
    if !anomaly.recommended_actions.is_empty() {
        let text = truncate(&anomaly.recommended_actions.join(" "), MAX_RECOMMENDATION);
        builder = builder.remediation(
            Remediation::builder()
                .recommendation(Recommendation::builder().text(text).build())
                .build(),
        );
    }
    if let Some(page) = page_url {
        builder = builder.source_url(format!("{page}?anomaly={}", anomaly.id.as_str()));
    }
    for (key, value) in product_fields(anomaly) {
        builder = builder.product_fields(key, value);
    }
    builder.build()
}

#[cfg(test)]
mod tests;
