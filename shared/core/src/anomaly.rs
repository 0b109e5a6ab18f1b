//! The anomaly record: the one JSON shape that goes to storage, the API, EventBridge and
//! webhooks. Ids are derived from the input (same input → same id), so a retried
//! detection never creates a second record.

use crate::domain::{
    AccessFlow, AnomalyId, Integration, Party, RequestId, Resource, ResourceId, TenantId,
};
use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The four kinds of anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyType {
    HighRiskAccess,
    ApprovedAfterRejection,
    InactiveUser,
    AccessAutomation,
    SelfApproval,
}

impl AnomalyType {
    pub const ALL: [AnomalyType; 5] = [
        Self::HighRiskAccess,
        Self::ApprovedAfterRejection,
        Self::InactiveUser,
        Self::AccessAutomation,
        Self::SelfApproval,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HighRiskAccess => "high_risk_access",
            Self::ApprovedAfterRejection => "approved_after_rejection",
            Self::InactiveUser => "inactive_user",
            Self::AccessAutomation => "access_automation",
            Self::SelfApproval => "self_approval",
        }
    }

    /// The name people read (titles of messages and findings).
    pub fn title(self) -> &'static str {
        match self {
            Self::HighRiskAccess => "High-risk access",
            Self::ApprovedAfterRejection => "Approved after rejection",
            Self::InactiveUser => "Inactive user",
            Self::AccessAutomation => "Access automation",
            Self::SelfApproval => "Self-approval",
        }
    }

    /// What a responder should do, in order.
    pub fn recommended_actions(self) -> Vec<String> {
        let actions: &[&str] = match self {
            Self::HighRiskAccess => &[
                "Investigate why elevated access to a sensitive resource was needed, and check the justification with the requester.",
                "Consider revoking the access if it is not clearly required, and narrow the access flow to least privilege.",
            ],
            Self::ApprovedAfterRejection => &[
                "Validate the approval with both the approver who rejected the earlier request and the one who approved this one.",
                "Consider revoking this access until both approvers agree it is needed.",
            ],
            Self::InactiveUser => &[
                "Confirm with the requester's manager or HR that the user is still active and should have access.",
                "Check the identity provider for an off-boarding gap if the user has left.",
            ],
            Self::AccessAutomation => &[
                "Talk to the requester about the automation making these requests.",
                "If a standing need exists, replace the script with a properly scoped service identity instead of repeated just-in-time requests.",
            ],
            Self::SelfApproval => &[
                "Confirm with the requester why they approved their own request, and have another approver review the access.",
                "Remove the requester from the approvers of this access flow, or require a second approver, so that nobody can approve their own access.",
            ],
        };
        actions.iter().map(|a| (*a).to_owned()).collect()
    }
}

impl fmt::Display for AnomalyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent an anomaly is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];
}

/// Where a responder is with an anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriageStatus {
    Open,
    Acknowledged,
    Resolved,
    Dismissed,
}

impl TriageStatus {
    pub const ALL: [TriageStatus; 4] = [
        Self::Open,
        Self::Acknowledged,
        Self::Resolved,
        Self::Dismissed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
            Self::Dismissed => "dismissed",
        }
    }
}

/// What a person did to an anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryAction {
    /// The triage status was set (possibly to the same value, to add a note).
    StatusChanged,
    /// Revocation of the request's access was asked of the access platform.
    RevokeRequested,
}

/// One entry of an anomaly's triage history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// Who did it (from the verified identity of the API caller).
    pub actor: String,
    pub action: HistoryAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<TriageStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<TriageStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppress_until: Option<DateTime<Utc>>,
}

/// Where in a resource a sensitive keyword was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedField {
    Name,
    TagKey,
    TagValue,
}

/// One sensitive keyword found in a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SensitiveMatch {
    pub resource_id: ResourceId,
    pub field: MatchedField,
    pub value: CompactString,
    pub keyword: String,
}

/// One elevated keyword found in a permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElevatedMatch {
    pub permission: CompactString,
    pub keyword: String,
}

/// How a self-approval's approver was found to be the requester.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfApprovalMatch {
    /// The same id.
    Id,
    /// The same email, ignoring case (another account of the same person).
    Email,
}

/// Which automation pattern fired, with its statistic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum AutomationTrigger {
    /// A run of requests each created shortly after the one before.
    RapidFire {
        run_length: usize,
        max_gap_seconds: i64,
    },
    /// Gaps so regular that a person is unlikely to be behind them.
    RegularCadence {
        requests: usize,
        mean_gap_seconds: f64,
        coefficient_of_variation: f64,
    },
    /// New requests made within seconds of the previous access ending.
    ChainedRenewals {
        renewals: usize,
        max_delay_seconds: i64,
    },
}

/// What a rule found, per type. (Variants differ in size; one is stored per anomaly, so
/// boxing would only add indirection.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Evidence {
    HighRiskAccess {
        sensitive: Vec<SensitiveMatch>,
        elevated: Vec<ElevatedMatch>,
    },
    ApprovedAfterRejection {
        rejected_request_id: RequestId,
        rejected_at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rejected_by: Option<Party>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rejection_reason: Option<String>,
        approved_at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approved_by: Option<Party>,
        days_since_rejection: i64,
        common_resources: Vec<ResourceId>,
        common_permissions: Vec<CompactString>,
        /// Every earlier rejection this approval reversed (the most recent is cited above).
        reversed_rejections: Vec<RequestId>,
    },
    InactiveUser {
        previous_request_id: RequestId,
        previous_request_at: DateTime<Utc>,
        days_inactive: i64,
    },
    AccessAutomation {
        request_ids: Vec<RequestId>,
        count: usize,
        first_seen: DateTime<Utc>,
        last_seen: DateTime<Utc>,
        trigger: AutomationTrigger,
        /// How many sweeps found new requests for this anomaly.
        occurrences: u32,
    },
    SelfApproval {
        approver: Party,
        approved_at: DateTime<Utc>,
        matched_on: SelfApprovalMatch,
    },
}

/// One detected anomaly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    pub id: AnomalyId,
    pub tenant_id: TenantId,
    #[serde(rename = "type")]
    pub kind: AnomalyType,
    pub severity: Severity,
    pub status: TriageStatus,
    pub detected_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub request_id: RequestId,
    pub requester: Party,
    pub integration: Integration,
    pub resource_type: CompactString,
    pub resources: Vec<Resource>,
    pub permissions: Vec<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_flow: Option<AccessFlow>,
    pub summary: String,
    pub evidence: Evidence,
    pub recommended_actions: Vec<String>,
    /// While in the future (set when dismissed), the detector does not update or
    /// re-announce this anomaly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed_until: Option<DateTime<Utc>>,
    /// Triage changes and revocation requests, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
}

impl Anomaly {
    /// A deterministic id: `anm_` and 32 hex digits of SHA-256 over the tenant, the type and
    /// the parts that identify this occurrence (for most rules, the request id).
    pub fn derive_id(tenant: &TenantId, kind: AnomalyType, parts: &[&str]) -> AnomalyId {
        let mut hasher = Sha256::new();
        hasher.update(tenant.as_str().as_bytes());
        hasher.update([0u8]);
        hasher.update(kind.as_str().as_bytes());
        for part in parts {
            hasher.update([0u8]);
            hasher.update(part.as_bytes());
        }
        let digest = hasher.finalize();
        let id = format!("anm_{}", hex::encode(&digest[..16]));
        // A formatted hash is never empty, so this conversion cannot fail.
        AnomalyId::try_from(id).unwrap_or_else(|_| unreachable!("derived ids are non-empty"))
    }

    /// When the requests behind this anomaly were first and last seen: an automation's
    /// burst, otherwise the moment it was detected.
    pub fn observed(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        match &self.evidence {
            Evidence::AccessAutomation {
                first_seen,
                last_seen,
                ..
            } => (*first_seen, *last_seen),
            _ => (self.detected_at, self.detected_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_depend_on_every_input_and_nothing_else() {
        let tenant = TenantId::try_from("acme").unwrap();
        let a = Anomaly::derive_id(&tenant, AnomalyType::InactiveUser, &["req-1"]);
        assert_eq!(
            a,
            Anomaly::derive_id(&tenant, AnomalyType::InactiveUser, &["req-1"])
        );
        assert_ne!(
            a,
            Anomaly::derive_id(&tenant, AnomalyType::HighRiskAccess, &["req-1"])
        );
        assert_ne!(
            a,
            Anomaly::derive_id(&tenant, AnomalyType::InactiveUser, &["req-2"])
        );
        let other = TenantId::try_from("other").unwrap();
        assert_ne!(
            a,
            Anomaly::derive_id(&other, AnomalyType::InactiveUser, &["req-1"])
        );
        assert!(a.as_str().starts_with("anm_") && a.as_str().len() == 36);
    }

    #[test]
    fn parts_are_separated_so_concatenations_do_not_collide() {
        let tenant = TenantId::default_tenant();
        let kind = AnomalyType::AccessAutomation;
        assert_ne!(
            Anomaly::derive_id(&tenant, kind, &["ab", "c"]),
            Anomaly::derive_id(&tenant, kind, &["a", "bc"])
        );
    }

    #[test]
    fn every_type_has_recommended_actions() {
        for kind in AnomalyType::ALL {
            assert!(!kind.recommended_actions().is_empty());
        }
    }
}
