//! Which index serves a filter, and which of its partitions to read. One index per query:
//! the first that applies of requester, integration with resource type, integration, class
//! (type × severity × status), resource type, then the tenant-wide index. Several values of the chosen filter (or the
//! class combinations) become several partitions, merged newest first. Filters the index
//! does not cover are applied to the items read. docs/query-api.md has the table.

use super::filter::AnomalyFilter;
use super::index::Index;
use crate::anomaly::{AnomalyType, Severity, TriageStatus};
use crate::domain::TenantId;
use crate::store::dynamo::keys;

/// Partitions of one index to read, each within the sort-key range `[lower, upper]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub index: Index,
    pub partitions: Vec<String>,
    pub lower: String,
    pub upper: String,
}

fn or_all<T: Copy>(chosen: &[T], all: &[T]) -> Vec<T> {
    if chosen.is_empty() {
        all.to_vec()
    } else {
        chosen.to_vec()
    }
}

/// Most partitions one query reads through a combined index; beyond this the planner falls
/// back to the single-field index and filters.
pub const MAX_COMBINED_PARTITIONS: usize = 64;

fn class_partitions(tenant: &TenantId, f: &AnomalyFilter) -> Vec<String> {
    let types = or_all(&f.types, &AnomalyType::ALL);
    let severities = or_all(&f.severities, &Severity::ALL);
    let statuses = or_all(&f.statuses, &TriageStatus::ALL);
    let mut out = Vec::with_capacity(types.len() * severities.len() * statuses.len());
    for &t in &types {
        for &s in &severities {
            for &st in &statuses {
                out.push(keys::anomaly_class_pk(tenant, t, s, st));
            }
        }
    }
    out
}

/// The plan for `filter` within `tenant`.
pub fn plan(tenant: &TenantId, f: &AnomalyFilter) -> Plan {
    let (index, mut partitions) = if !f.users.is_empty() {
        let users = f.users.iter();
        let pks = users.map(|u| keys::anomaly_requester_pk(tenant, u));
        (Index::Requester, pks.collect())
    } else if !f.integrations.is_empty()
        && !f.resource_types.is_empty()
        && f.integrations.len() * f.resource_types.len() <= MAX_COMBINED_PARTITIONS
    {
        let mut pks = Vec::new();
        for integration in &f.integrations {
            for resource_type in &f.resource_types {
                pks.push(keys::anomaly_integration_resource_type_pk(
                    tenant,
                    integration,
                    resource_type,
                ));
            }
        }
        (Index::IntegrationResourceType, pks)
    } else if !f.integrations.is_empty() {
        let integrations = f.integrations.iter();
        let pks = integrations.map(|i| keys::anomaly_integration_pk(tenant, i));
        (Index::Integration, pks.collect())
    } else if !(f.types.is_empty() && f.severities.is_empty() && f.statuses.is_empty()) {
        (Index::Class, class_partitions(tenant, f))
    } else if !f.resource_types.is_empty() {
        let types = f.resource_types.iter();
        let pks = types.map(|r| keys::anomaly_resource_type_pk(tenant, r));
        (Index::ResourceType, pks.collect())
    } else {
        (Index::Tenant, vec![keys::anomaly_tenant_pk(tenant)])
    };
    partitions.sort_unstable();
    partitions.dedup();
    Plan {
        index,
        partitions,
        lower: keys::anomaly_time_prefix(f.from),
        // '~' sorts after every character of an anomaly id, so anomalies detected exactly at
        // `to` are inside the range.
        upper: format!("{}#~", keys::anomaly_time_prefix(f.to)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{IntegrationId, UserId};
    use crate::rules::fixtures::at;

    fn filter() -> AnomalyFilter {
        AnomalyFilter::window(at(0), at(3_600))
    }

    #[test]
    fn a_requester_filter_reads_one_partition_per_requester() {
        // Arrange
        let mut f = filter();
        f.users = vec![
            UserId::try_from("a").unwrap(),
            UserId::try_from("b").unwrap(),
        ];
        f.types = vec![AnomalyType::InactiveUser];
        // Act
        let p = plan(&TenantId::default_tenant(), &f);
        // Assert
        assert_eq!(p.index, Index::Requester);
        assert_eq!(p.partitions.len(), 2);
    }

    #[test]
    fn class_filters_read_every_combination_of_the_chosen_values() {
        let mut f = filter();
        f.types = vec![AnomalyType::HighRiskAccess];
        f.severities = vec![Severity::High, Severity::Critical];
        let p = plan(&TenantId::default_tenant(), &f);
        assert_eq!(p.index, Index::Class);
        assert_eq!(p.partitions.len(), 2 * TriageStatus::ALL.len());
    }

    #[test]
    fn integration_with_resource_type_reads_the_combined_index() {
        let mut f = filter();
        f.integrations = vec![IntegrationId::try_from("aws").unwrap()];
        f.resource_types = vec!["aws-iam-role".into(), "aws-s3-bucket".into()];
        f.types = vec![AnomalyType::HighRiskAccess];
        let p = plan(&TenantId::default_tenant(), &f);
        assert_eq!(
            (p.index, p.partitions.len()),
            (Index::IntegrationResourceType, 2)
        );
        f.resource_types.clear();
        assert_eq!(
            plan(&TenantId::default_tenant(), &f).index,
            Index::Integration
        );
    }

    #[test]
    fn no_indexed_filter_reads_the_tenant_partition_within_the_window() {
        let mut f = filter();
        f.q = Some("prod".into());
        let p = plan(&TenantId::try_from("acme").unwrap(), &f);
        assert_eq!(
            (p.index, p.partitions),
            (Index::Tenant, vec!["T#acme#A".to_owned()])
        );
        assert!(p.lower < p.upper);
        assert!(p.upper.starts_with("2026-01-01T01:00:00.000000000Z#"));
    }
}
