//! Synthetic anomalies with a realistic spread of types, severities, triage states,
//! requesters, integrations and resource types: for query tests and the query benchmark,
//! which need many stored anomalies without replaying millions of events. Same seed → same
//! anomalies.

use crate::anomaly::{Anomaly, AnomalyType, Evidence, Severity, TriageStatus};
use crate::domain::{Integration, Party, RequestId, Resource, TenantId, UserId};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Integrations, each with the resource types it serves.
const INTEGRATIONS: &[(&str, &str, &[&str])] = &[
    (
        "aws-main",
        "AWS main account",
        &["aws-iam-role", "aws-s3-bucket"],
    ),
    (
        "aws-data",
        "AWS data account",
        &["aws-iam-role", "aws-rds-instance"],
    ),
    (
        "postgres-prod",
        "Postgres production",
        &["postgresql-database"],
    ),
    ("k8s-eu", "Kubernetes EU", &["kubernetes-namespace"]),
    (
        "gcp-main",
        "GCP organisation",
        &["gcp-project", "gcp-bucket"],
    ),
    ("okta", "Okta", &["okta-group"]),
    ("github", "GitHub", &["github-repository", "github-team"]),
    ("snowflake", "Snowflake", &["snowflake-role"]),
];
const RESOURCE_WORDS: &[&str] = &[
    "payments",
    "customer",
    "analytics",
    "billing",
    "phi-archive",
    "ledger",
    "search",
    "sandbox",
    "marketing",
    "identity",
];
const ENVIRONMENTS: &[&str] = &["prod", "staging", "dev"];
const FIRST_NAMES: &[&str] = &[
    "Alice", "Bruno", "Chen", "Dana", "Eitan", "Fatima", "Goran", "Hana", "Ivan", "Jun", "Kofi",
    "Lena", "Mateo", "Nia", "Omar", "Priya",
];

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

/// Weighted choice: `weights` are percentages summing to 100.
fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[T], weights: &[u32]) -> T {
    let mut roll = rng.gen_range(0..100);
    for (item, &w) in items.iter().zip(weights) {
        if roll < w {
            return *item;
        }
        roll -= w;
    }
    items[items.len() - 1]
}

fn person(index: usize) -> Party {
    let first = FIRST_NAMES[index % FIRST_NAMES.len()];
    let id = format!("user-{index:05}");
    Party {
        email: Some(format!("{}.{index}@example.com", first.to_lowercase()).into()),
        name: Some(format!("{first} Tester{index}").into()),
        id: UserId::try_from(id).unwrap_or_else(|_| unreachable!("non-empty")),
    }
}

fn evidence(kind: AnomalyType, request: &RequestId, at: DateTime<Utc>) -> Evidence {
    match kind {
        AnomalyType::HighRiskAccess => Evidence::HighRiskAccess {
            sensitive: Vec::new(),
            elevated: Vec::new(),
        },
        AnomalyType::ApprovedAfterRejection => Evidence::ApprovedAfterRejection {
            rejected_request_id: request.clone(),
            rejected_at: at - Duration::days(3),
            rejected_by: None,
            rejection_reason: None,
            approved_at: at,
            approved_by: None,
            days_since_rejection: 3,
            common_resources: Vec::new(),
            common_permissions: Vec::new(),
            reversed_rejections: vec![request.clone()],
        },
        AnomalyType::InactiveUser => Evidence::InactiveUser {
            previous_request_id: request.clone(),
            previous_request_at: at - Duration::days(120),
            days_inactive: 120,
        },
        AnomalyType::AccessAutomation => Evidence::AccessAutomation {
            request_ids: vec![request.clone()],
            count: 1,
            first_seen: at,
            last_seen: at,
            trigger: crate::anomaly::AutomationTrigger::RapidFire {
                run_length: 5,
                max_gap_seconds: 30,
            },
            occurrences: 1,
        },
        AnomalyType::SelfApproval => Evidence::SelfApproval {
            approver: person(0),
            approved_at: at,
            matched_on: crate::anomaly::SelfApprovalMatch::Id,
        },
    }
}

/// One anomaly of the default tenant, built from `seed`, detected at `at`.
fn build(rng: &mut ChaCha8Rng, tenant: &TenantId, users: usize, at: DateTime<Utc>) -> Anomaly {
    use AnomalyType::*;
    let kind = weighted(
        rng,
        &[
            HighRiskAccess,
            ApprovedAfterRejection,
            InactiveUser,
            AccessAutomation,
        ],
        &[45, 15, 25, 15],
    );
    let severity = match kind {
        HighRiskAccess => weighted(rng, &[Severity::High, Severity::Critical], &[80, 20]),
        AccessAutomation => weighted(rng, &[Severity::Medium, Severity::High], &[70, 30]),
        _ => Severity::Medium,
    };
    let status = weighted(rng, &TriageStatus::ALL, &[55, 15, 20, 10]);
    // A few people make most requests: square a uniform draw to skew towards low indexes.
    let who = ((rng.gen::<f64>().powi(2)) * users as f64) as usize;
    let (integration_id, integration_name, types) = pick(rng, INTEGRATIONS);
    let resource_type = pick(rng, types);
    let resource_name = format!("{}-{}", pick(rng, ENVIRONMENTS), pick(rng, RESOURCE_WORDS));
    let request_id = format!("req-{:016x}", rng.gen::<u64>());
    let request = RequestId::try_from(request_id.as_str()).unwrap_or_else(|_| unreachable!());
    let requester = person(who);
    let summary = format!(
        "{} requested access to {resource_name} ({resource_type}) via {integration_name}: {}",
        requester.name.as_deref().unwrap_or_default(),
        kind.as_str().replace('_', " ")
    );
    Anomaly {
        id: Anomaly::derive_id(tenant, kind, &[&request_id]),
        tenant_id: tenant.clone(),
        kind,
        severity,
        status,
        detected_at: at,
        updated_at: at,
        request_id: request.clone(),
        requester,
        integration: Integration {
            id: integration_id.try_into().unwrap_or_else(|_| unreachable!()),
            name: Some(integration_name.into()),
            kind: None,
        },
        resource_type: resource_type.into(),
        resources: vec![Resource {
            id: format!("res-{resource_name}")
                .try_into()
                .unwrap_or_else(|_| unreachable!()),
            name: Some(resource_name.into()),
            tags: Default::default(),
        }],
        permissions: vec!["AdministratorAccess".into()],
        access_flow: None,
        summary,
        evidence: evidence(kind, &request, at),
        recommended_actions: kind.recommended_actions(),
        suppressed_until: None,
        history: Vec::new(),
    }
}

/// `count` anomalies of `tenant` spread over the `days` before `end`, among `users`
/// requesters, ordered by `detected_at`.
pub fn anomalies(
    seed: u64,
    tenant: &TenantId,
    count: usize,
    users: usize,
    end: DateTime<Utc>,
    days: i64,
) -> Vec<Anomaly> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let span_micros = Duration::days(days).num_microseconds().unwrap_or(i64::MAX);
    let mut out: Vec<Anomaly> = (0..count)
        .map(|_| {
            let at = end - Duration::microseconds(rng.gen_range(0..span_micros));
            build(&mut rng, tenant, users.max(1), at)
        })
        .collect();
    out.sort_by(|a, b| (a.detected_at, &a.id).cmp(&(b.detected_at, &b.id)));
    out
}

/// One anomaly of the default tenant for requester `user`, detected `seconds` after
/// 2026-01-01T00:00:00Z.
pub fn sample_anomaly(user: &str, seconds: i64) -> Anomaly {
    let at = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::seconds(seconds);
    let mut rng = ChaCha8Rng::seed_from_u64(seconds as u64);
    let mut a = build(&mut rng, &TenantId::default_tenant(), 1, at);
    a.requester.id = UserId::try_from(user).unwrap_or_else(|_| a.requester.id.clone());
    a.status = TriageStatus::Open;
    a.id = Anomaly::derive_id(&a.tenant_id, a.kind, &[a.request_id.as_str(), user]);
    a
}
