//! The six anomaly indexes the query API reads, the same in DynamoDB (GSIs) and in memory.
//! Every partition starts with the tenant, and every index sorts by `{detected_at}#{id}`, so
//! "newest first" is a descending range read and a page position is one sort key.

use crate::anomaly::Anomaly;
use crate::store::dynamo::keys;

/// One anomaly index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Index {
    /// All of a tenant's anomalies (`gsi1`).
    Tenant,
    /// By requester (`gsi2`).
    Requester,
    /// By type × severity × triage status (`gsi3`): 64 partitions per tenant.
    Class,
    /// By integration (`gsi4`).
    Integration,
    /// By resource type (`gsi5`).
    ResourceType,
    /// By integration and resource type together (`gsi6`).
    IntegrationResourceType,
}

impl Index {
    pub const ALL: [Index; 6] = [
        Self::Tenant,
        Self::Requester,
        Self::Class,
        Self::Integration,
        Self::ResourceType,
        Self::IntegrationResourceType,
    ];

    /// The GSI's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tenant => keys::GSI1,
            Self::Requester => keys::GSI2,
            Self::Class => keys::GSI3,
            Self::Integration => keys::GSI4,
            Self::ResourceType => keys::GSI5,
            Self::IntegrationResourceType => keys::GSI6,
        }
    }

    /// The attribute holding the GSI's partition key.
    pub fn partition_attribute(self) -> &'static str {
        match self {
            Self::Tenant => keys::GSI1_PK,
            Self::Requester => keys::GSI2_PK,
            Self::Class => keys::GSI3_PK,
            Self::Integration => keys::GSI4_PK,
            Self::ResourceType => keys::GSI5_PK,
            Self::IntegrationResourceType => keys::GSI6_PK,
        }
    }

    /// This index's partition for `anomaly`.
    pub fn partition(self, anomaly: &Anomaly) -> String {
        let tenant = &anomaly.tenant_id;
        match self {
            Self::Tenant => keys::anomaly_tenant_pk(tenant),
            Self::Requester => keys::anomaly_requester_pk(tenant, &anomaly.requester.id),
            Self::Class => {
                keys::anomaly_class_pk(tenant, anomaly.kind, anomaly.severity, anomaly.status)
            }
            Self::Integration => keys::anomaly_integration_pk(tenant, &anomaly.integration.id),
            Self::ResourceType => keys::anomaly_resource_type_pk(tenant, &anomaly.resource_type),
            Self::IntegrationResourceType => keys::anomaly_integration_resource_type_pk(
                tenant,
                &anomaly.integration.id,
                &anomaly.resource_type,
            ),
        }
    }
}

/// The anomaly's partition in each index, in [`Index::ALL`] order.
pub fn index_partitions(anomaly: &Anomaly) -> [String; 6] {
    Index::ALL.map(|index| index.partition(anomaly))
}

/// The anomaly's sort key in every index.
pub fn sort_key(anomaly: &Anomaly) -> String {
    keys::anomaly_time_sk(anomaly.detected_at, &anomaly.id)
}
