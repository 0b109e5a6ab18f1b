//! The detector: runs the rules on each event and on each sweep, against any
//! [`DetectionStore`]. Deterministic ids plus "already stored → no change" make every step
//! safe to repeat, which is what at-least-once delivery needs.

use crate::anomaly::{Anomaly, AnomalyType, AutomationTrigger, Evidence, Severity, TriageStatus};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::domain::{AccessEvent, AccessRequest, Observation, RequestStatus, TenantId};
use crate::rules::access_automation::{self, GroupEntry};
use crate::rules::allowlist::Allowlist;
use crate::rules::approved_after_rejection::{self, Rejection};
use crate::rules::high_risk_access::HighRiskRule;
use crate::rules::inactive_user::{self, LastActivity};
use crate::rules::self_approval;
use crate::store::{DetectionStore, GroupKey, GroupState};
use crate::summary::summarize;
use chrono::{DateTime, Duration, Utc};

pub mod clock;
mod complete;
mod sweep;

pub use complete::{complete, UnknownRequest};

/// A configuration the detector cannot run with.
#[derive(Debug, thiserror::Error)]
#[error("invalid allowlist pattern: {0}")]
pub struct DetectorError(#[from] glob::PatternError);

/// Whether an anomaly is new or an existing one that changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Detected,
    Updated,
}

/// A new or changed anomaly, to store and publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: ChangeKind,
    pub anomaly: Anomaly,
}

/// An anomaly an allowlist suppressed. `key` identifies what was suppressed (the anomaly id,
/// or the group for automation, which is re-evaluated every sweep), so callers can count
/// each once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Suppressed {
    pub kind: AnomalyType,
    pub key: String,
}

/// What processing one event or one sweep produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// The event had been processed before and was ignored.
    pub duplicate: bool,
    pub changes: Vec<Change>,
    pub suppressed: Vec<Suppressed>,
}

/// Which automation groups a sweep evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepScope {
    /// Every group with a request in the window.
    Full,
    /// Only groups whose window content may differ from the sweep at this earlier time:
    /// requests entering or leaving the window, or groups touched since. Gives the same
    /// result as `Full` when that earlier sweep ran on the same store.
    Since(DateTime<Utc>),
}

/// What a request's first sighting records once the event's rules have run.
struct FirstSighting {
    key: GroupKey,
    entry: GroupEntry,
    high_risk: bool,
}

/// The compiled rules and settings.
#[derive(Debug, Clone)]
pub struct Detector {
    config: Config,
    high_risk: HighRiskRule,
    allowlists: [Allowlist; 5],
    catalog: Catalog,
}

fn index(kind: AnomalyType) -> usize {
    match kind {
        AnomalyType::HighRiskAccess => 0,
        AnomalyType::ApprovedAfterRejection => 1,
        AnomalyType::InactiveUser => 2,
        AnomalyType::AccessAutomation => 3,
        AnomalyType::SelfApproval => 4,
    }
}

impl Detector {
    pub fn new(config: Config) -> Result<Self, DetectorError> {
        let global = &config.allowlist;
        let allowlists = [
            Allowlist::compile(&[global, &config.high_risk_access.allowlist])?,
            Allowlist::compile(&[global, &config.approved_after_rejection.allowlist])?,
            Allowlist::compile(&[global, &config.inactive_user.allowlist])?,
            Allowlist::compile(&[global, &config.access_automation.allowlist])?,
            Allowlist::compile(&[global, &config.self_approval.allowlist])?,
        ];
        Ok(Self {
            high_risk: HighRiskRule::new(&config.high_risk_access),
            catalog: Catalog::compile(&config.catalog)?,
            config,
            allowlists,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Refuse an observation whose times cannot be right ([`clock`]), `now` being the
    /// current time.
    pub fn check_times(
        &self,
        observation: &Observation,
        now: DateTime<Utc>,
    ) -> Result<(), crate::contract::ContractError> {
        let skew = Duration::hours(i64::from(self.config.events.max_clock_skew_hours));
        clock::check_times(observation, now, skew)
    }

    /// The automation window.
    pub fn window(&self) -> Duration {
        Duration::hours(i64::from(self.config.access_automation.window_hours))
    }

    /// The interval between sweeps.
    pub fn sweep_interval(&self) -> Duration {
        Duration::minutes(i64::from(
            self.config.access_automation.sweep_interval_minutes,
        ))
    }

    /// Run the ingest-time rules on one event. `now` becomes `detected_at`. The event is
    /// taken by value: on first sighting its request becomes the group's latest request.
    pub fn process<S: DetectionStore>(
        &self,
        store: &mut S,
        event: AccessEvent,
        now: DateTime<Utc>,
    ) -> Outcome {
        if !store.mark_seen(&event.tenant_id, &event.event_id) {
            return Outcome {
                duplicate: true,
                ..Outcome::default()
            };
        }
        self.process_unseen(store, event, now)
    }

    /// [`Self::process`] for an event the caller has already marked as seen (replay does,
    /// to run due sweeps between the duplicate check and the rules).
    pub fn process_unseen<S: DetectionStore>(
        &self,
        store: &mut S,
        mut event: AccessEvent,
        now: DateTime<Utc>,
    ) -> Outcome {
        self.catalog.apply(&mut event.request);
        let mut out = Outcome::default();
        let tenant = &event.tenant_id;
        let request = &event.request;
        let mut first = match store.request_group(tenant, &request.id) {
            None => Some(self.first_sighting(store, &event, now, &mut out)),
            Some(_) => None,
        };
        match request.status {
            RequestStatus::Rejected if event.is_manual_rejection() => {
                store.add_rejection(tenant, &request.requester.id, Rejection::from_event(&event));
            }
            RequestStatus::Approved => self.approval(store, &event, now, &mut out),
            status if status.ends_access() => match first.as_mut() {
                Some(sighting) => sighting.entry.ended_at = Some(event.occurred_at),
                None => store.record_access_end(tenant, &request.id, event.occurred_at),
            },
            _ => {}
        }
        if let Some(sighting) = first {
            store.record_request(
                &sighting.key,
                sighting.entry,
                event.request,
                sighting.high_risk,
            );
        }
        out
    }

    /// Run the first-sighting rules; return what to record for the request.
    fn first_sighting<S: DetectionStore>(
        &self,
        store: &mut S,
        event: &AccessEvent,
        now: DateTime<Utc>,
        out: &mut Outcome,
    ) -> FirstSighting {
        let tenant = &event.tenant_id;
        let request = &event.request;
        let high_risk = self.high_risk.evaluate(request);
        let is_high_risk = high_risk.is_some();
        if let (true, Some(evidence)) = (self.config.high_risk_access.enabled, high_risk) {
            let kind = AnomalyType::HighRiskAccess;
            self.raise(store, tenant, kind, request, evidence, now, out);
        }
        if self.config.inactive_user.enabled {
            let previous = store.last_activity(tenant, &request.requester.id);
            let config = &self.config.inactive_user;
            if let Some(evidence) = inactive_user::evaluate(config, previous, request) {
                let kind = AnomalyType::InactiveUser;
                self.raise(store, tenant, kind, request, evidence, now, out);
            }
        }
        let activity = LastActivity {
            request_id: request.id.clone(),
            created_at: request.created_at,
        };
        store.record_activity(tenant, &request.requester.id, activity);
        FirstSighting {
            key: GroupKey {
                tenant_id: tenant.clone(),
                requester_id: request.requester.id.clone(),
                scope: access_automation::scope_key(request),
            },
            entry: GroupEntry {
                request_id: request.id.clone(),
                created_at: request.created_at,
                ended_at: None,
            },
            high_risk: is_high_risk,
        }
    }

    /// The approval rules: `self_approval`, then `approved_after_rejection`.
    fn approval<S: DetectionStore>(
        &self,
        store: &mut S,
        event: &AccessEvent,
        now: DateTime<Utc>,
        out: &mut Outcome,
    ) {
        let tenant = &event.tenant_id;
        if let (true, Some(evidence)) = (
            self.config.self_approval.enabled,
            self_approval::evaluate(event),
        ) {
            let kind = AnomalyType::SelfApproval;
            self.raise(store, tenant, kind, &event.request, evidence, now, out);
        }
        if !self.config.approved_after_rejection.enabled {
            return;
        }
        let requester = &event.request.requester.id;
        let open = store.open_rejections(tenant, requester);
        let Some(reversal) =
            approved_after_rejection::evaluate(&self.config.approved_after_rejection, event, open)
        else {
            return;
        };
        store.consume_rejections(tenant, requester, &reversal.consumed);
        let kind = AnomalyType::ApprovedAfterRejection;
        self.raise(
            store,
            tenant,
            kind,
            &event.request,
            reversal.evidence,
            now,
            out,
        );
    }

    pub(crate) fn severity(&self, kind: AnomalyType, high_risk_scope: bool) -> Severity {
        let c = &self.config;
        match kind {
            AnomalyType::HighRiskAccess => c.high_risk_access.severity,
            AnomalyType::ApprovedAfterRejection => c.approved_after_rejection.severity,
            AnomalyType::InactiveUser => c.inactive_user.severity,
            AnomalyType::AccessAutomation if high_risk_scope => {
                c.access_automation.high_risk_severity
            }
            AnomalyType::AccessAutomation => c.access_automation.severity,
            AnomalyType::SelfApproval => c.self_approval.severity,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn build(
        &self,
        tenant: &TenantId,
        kind: AnomalyType,
        request: &AccessRequest,
        evidence: Evidence,
        now: DateTime<Utc>,
        id_parts: &[&str],
        high_risk_scope: bool,
    ) -> Anomaly {
        Anomaly {
            id: Anomaly::derive_id(tenant, kind, id_parts),
            tenant_id: tenant.clone(),
            kind,
            severity: self.severity(kind, high_risk_scope),
            status: TriageStatus::Open,
            detected_at: now,
            updated_at: now,
            request_id: request.id.clone(),
            requester: request.requester.clone(),
            integration: request.integration.clone(),
            resource_type: request.resource_type.clone(),
            resources: request.resources.clone(),
            permissions: request.permissions.clone(),
            access_flow: request.access_flow.clone(),
            summary: summarize(request, &evidence),
            evidence,
            recommended_actions: kind.recommended_actions(),
            suppressed_until: None,
            history: Vec::new(),
        }
    }

    /// Store a new per-request anomaly unless it exists already or is allowlisted.
    #[allow(clippy::too_many_arguments)]
    fn raise<S: DetectionStore>(
        &self,
        store: &mut S,
        tenant: &TenantId,
        kind: AnomalyType,
        request: &AccessRequest,
        evidence: Evidence,
        now: DateTime<Utc>,
        out: &mut Outcome,
    ) {
        let id = Anomaly::derive_id(tenant, kind, &[request.id.as_str()]);
        if store.anomaly(&id).is_some() {
            return;
        }
        let anomaly = self.build(
            tenant,
            kind,
            request,
            evidence,
            now,
            &[request.id.as_str()],
            false,
        );
        if self.allowlists[index(kind)].suppresses(&anomaly) {
            out.suppressed.push(Suppressed {
                kind,
                key: anomaly.id.to_string(),
            });
            return;
        }
        store.put_anomaly(anomaly.clone());
        out.changes.push(Change {
            kind: ChangeKind::Detected,
            anomaly,
        });
    }
}
