//! Allowlists: requester, integration and resource ids (exact or glob) whose anomalies are
//! suppressed. A rule's list is the global one plus its own.

use crate::anomaly::Anomaly;
use crate::config::AllowlistConfig;
use glob::{Pattern, PatternError};

/// A compiled allowlist.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    requesters: Vec<Pattern>,
    integrations: Vec<Pattern>,
    resources: Vec<Pattern>,
}

fn compile(patterns: &[&String]) -> Result<Vec<Pattern>, PatternError> {
    patterns.iter().map(|p| Pattern::new(p)).collect()
}

impl Allowlist {
    /// Merge several configured lists (global, then the rule's own) into one.
    pub fn compile(configs: &[&AllowlistConfig]) -> Result<Self, PatternError> {
        let all = |pick: fn(&AllowlistConfig) -> &Vec<String>| -> Vec<&String> {
            configs.iter().flat_map(|c| pick(c)).collect()
        };
        Ok(Self {
            requesters: compile(&all(|c| &c.requesters))?,
            integrations: compile(&all(|c| &c.integrations))?,
            resources: compile(&all(|c| &c.resources))?,
        })
    }

    /// True when the anomaly's requester or integration is allowed, or every one of its
    /// resources is.
    pub fn suppresses(&self, anomaly: &Anomaly) -> bool {
        let any = |patterns: &[Pattern], value: &str| patterns.iter().any(|p| p.matches(value));
        any(&self.requesters, anomaly.requester.id.as_str())
            || any(&self.integrations, anomaly.integration.id.as_str())
            || (!self.resources.is_empty()
                && !anomaly.resources.is_empty()
                && anomaly
                    .resources
                    .iter()
                    .all(|r| any(&self.resources, r.id.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anomaly::{AnomalyType, Evidence, Severity, TriageStatus};
    use crate::domain::RequestStatus::Pending;
    use crate::rules::fixtures::{at, event};

    fn anomaly(requester: &str, resources: &[&str]) -> Anomaly {
        let mut builder =
            event("e", "r", Pending)
                .requester(requester)
                .resource(resources[0], None, &[]);
        for extra in &resources[1..] {
            builder = builder.add_resource(extra, None);
        }
        let request = builder.build().request;
        Anomaly {
            id: Anomaly::derive_id(&Default::default(), AnomalyType::HighRiskAccess, &["r"]),
            tenant_id: Default::default(),
            kind: AnomalyType::HighRiskAccess,
            severity: Severity::High,
            status: TriageStatus::Open,
            detected_at: at(0),
            updated_at: at(0),
            request_id: request.id,
            requester: request.requester,
            integration: request.integration,
            resource_type: request.resource_type,
            resources: request.resources,
            permissions: request.permissions,
            access_flow: None,
            summary: String::new(),
            evidence: Evidence::HighRiskAccess {
                sensitive: vec![],
                elevated: vec![],
            },
            recommended_actions: vec![],
            suppressed_until: None,
            history: vec![],
        }
    }

    fn list(requesters: &[&str], resources: &[&str]) -> Allowlist {
        let config = AllowlistConfig {
            requesters: requesters.iter().map(|s| (*s).to_owned()).collect(),
            integrations: vec![],
            resources: resources.iter().map(|s| (*s).to_owned()).collect(),
        };
        Allowlist::compile(&[&config]).unwrap()
    }

    #[test]
    fn an_exact_requester_id_suppresses_only_that_requester() {
        let allow = list(&["ci-bot"], &[]);
        assert!(allow.suppresses(&anomaly("ci-bot", &["db"])));
        assert!(!allow.suppresses(&anomaly("ci-bot-2", &["db"])));
    }

    #[test]
    fn a_glob_suppresses_every_matching_requester() {
        let allow = list(&["svc-*"], &[]);
        assert!(allow.suppresses(&anomaly("svc-deploy", &["db"])));
        assert!(!allow.suppresses(&anomaly("alice", &["db"])));
    }

    #[test]
    fn a_resource_entry_suppresses_only_when_every_resource_matches() {
        let allow = list(&[], &["sandbox-*"]);
        assert!(allow.suppresses(&anomaly("alice", &["sandbox-1", "sandbox-2"])));
        assert!(!allow.suppresses(&anomaly("alice", &["sandbox-1", "prod-db"])));
    }

    #[test]
    fn an_empty_allowlist_suppresses_nothing() {
        assert!(!Allowlist::default().suppresses(&anomaly("alice", &["db"])));
    }
}
