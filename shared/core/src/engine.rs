//! The detector: runs the rules on each event and on each sweep, against any
//! [`DetectionStore`]. Deterministic ids plus "already stored → no change" make every step
//! safe to repeat, which is what at-least-once delivery needs.

use crate::anomaly::{Anomaly, AnomalyType, AutomationTrigger, Evidence, Severity, TriageStatus};
use crate::config::Config;
use crate::domain::{AccessEvent, AccessRequest, RequestStatus, TenantId};
use crate::rules::access_automation::{self, GroupEntry};
use crate::rules::allowlist::Allowlist;
use crate::rules::approved_after_rejection::{self, Rejection};
use crate::rules::high_risk_access::HighRiskRule;
use crate::rules::inactive_user::{self, LastActivity};
use crate::store::{DetectionStore, GroupKey, GroupState};
use crate::summary::summarize;
use chrono::{DateTime, Duration, Utc};

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
    allowlists: [Allowlist; 4],
}

fn index(kind: AnomalyType) -> usize {
    match kind {
        AnomalyType::HighRiskAccess => 0,
        AnomalyType::ApprovedAfterRejection => 1,
        AnomalyType::InactiveUser => 2,
        AnomalyType::AccessAutomation => 3,
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
        ];
        Ok(Self {
            high_risk: HighRiskRule::new(&config.high_risk_access),
            config,
            allowlists,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
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
        event: AccessEvent,
        now: DateTime<Utc>,
    ) -> Outcome {
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
            RequestStatus::Approved if self.config.approved_after_rejection.enabled => {
                self.approval(store, &event, now, &mut out);
            }
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

    fn approval<S: DetectionStore>(
        &self,
        store: &mut S,
        event: &AccessEvent,
        now: DateTime<Utc>,
        out: &mut Outcome,
    ) {
        let tenant = &event.tenant_id;
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

    fn severity(&self, kind: AnomalyType, high_risk_scope: bool) -> Severity {
        let c = &self.config;
        match kind {
            AnomalyType::HighRiskAccess => c.high_risk_access.severity,
            AnomalyType::ApprovedAfterRejection => c.approved_after_rejection.severity,
            AnomalyType::InactiveUser => c.inactive_user.severity,
            AnomalyType::AccessAutomation if high_risk_scope => {
                c.access_automation.high_risk_severity
            }
            AnomalyType::AccessAutomation => c.access_automation.severity,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
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

    /// Run the automation rule over the window `(at − window, at]`.
    pub fn sweep<S: DetectionStore>(
        &self,
        store: &mut S,
        at: DateTime<Utc>,
        scope: SweepScope,
    ) -> Outcome {
        let mut out = Outcome::default();
        let touched = store.take_touched_groups();
        if !self.config.access_automation.enabled {
            return out;
        }
        let window = self.window();
        let from = at - window;
        let mut groups = match scope {
            SweepScope::Full => store.groups_in_window(from, at),
            SweepScope::Since(previous) => {
                let mut groups = store.groups_in_window(previous - window, from);
                groups.extend(store.groups_in_window(previous, at));
                groups.extend(touched);
                groups
            }
        };
        groups.sort_unstable();
        groups.dedup();
        for group in groups {
            if let Some(change) = self.sweep_group(store, &group, from, at, &mut out) {
                let id = change.anomaly.id.clone();
                store.put_anomaly(change.anomaly.clone());
                store.set_group_anomaly(&group, id);
                out.changes.push(change);
            }
        }
        out
    }

    fn sweep_group<S: DetectionStore>(
        &self,
        store: &S,
        group: &S::GroupRef,
        from: DateTime<Utc>,
        at: DateTime<Utc>,
        out: &mut Outcome,
    ) -> Option<Change> {
        let (key, group) = store.group(group)?;
        let start = group.entries.partition_point(|e| e.created_at <= from);
        let end = group.entries.partition_point(|e| e.created_at <= at);
        if start >= end {
            return None;
        }
        let trigger = access_automation::evaluate(
            &self.config.access_automation,
            &group.entries,
            start..end,
        )?;
        let in_window = &group.entries[start..end];
        let existing = group
            .automation_anomaly
            .as_ref()
            .and_then(|id| store.anomaly(id))
            .filter(|a| last_seen(a).is_some_and(|seen| seen > from));
        if existing.is_some_and(|a| a.suppressed_until.is_some_and(|until| until > at)) {
            // Dismissed with suppression: no updates or announcements until it ends (the
            // requests stay in the group and are folded in by the first sweep after).
            return None;
        }
        match existing {
            Some(existing) => self.merge(existing, group, in_window, trigger, at),
            None => self.detect(key, group, in_window, trigger, at, out),
        }
    }

    fn detect(
        &self,
        key: &GroupKey,
        group: &GroupState,
        in_window: &[GroupEntry],
        trigger: AutomationTrigger,
        at: DateTime<Utc>,
        out: &mut Outcome,
    ) -> Option<Change> {
        let request = group.latest_request.as_ref()?;
        let (first, last) = (in_window.first()?, in_window.last()?);
        let evidence = Evidence::AccessAutomation {
            request_ids: in_window.iter().map(|e| e.request_id.clone()).collect(),
            count: in_window.len(),
            first_seen: first.created_at,
            last_seen: last.created_at,
            trigger,
            occurrences: 1,
        };
        let kind = AnomalyType::AccessAutomation;
        let parts = [
            key.requester_id.as_str(),
            key.scope.as_str(),
            first.request_id.as_str(),
        ];
        let mut anomaly = self.build(
            &key.tenant_id,
            kind,
            request,
            evidence,
            at,
            &parts,
            group.high_risk,
        );
        anomaly.request_id = last.request_id.clone();
        if self.allowlists[index(kind)].suppresses(&anomaly) {
            out.suppressed.push(Suppressed {
                kind,
                key: format!(
                    "{}\u{1f}{}\u{1f}{}",
                    key.tenant_id, key.requester_id, key.scope
                ),
            });
            return None;
        }
        Some(Change {
            kind: ChangeKind::Detected,
            anomaly,
        })
    }

    /// Fold the window's requests into the open anomaly; `None` when nothing is new.
    fn merge(
        &self,
        existing: &Anomaly,
        group: &GroupState,
        in_window: &[GroupEntry],
        trigger: AutomationTrigger,
        at: DateTime<Utc>,
    ) -> Option<Change> {
        let Evidence::AccessAutomation {
            request_ids,
            first_seen,
            last_seen,
            occurrences,
            ..
        } = &existing.evidence
        else {
            return None;
        };
        let fresh: Vec<&GroupEntry> = in_window
            .iter()
            .filter(|e| !request_ids.contains(&e.request_id))
            .collect();
        let newest = fresh.iter().max_by_key(|e| (e.created_at, &e.request_id))?;
        let mut ids = request_ids.clone();
        ids.extend(fresh.iter().map(|e| e.request_id.clone()));
        let request = group.latest_request.as_ref()?;
        let evidence = Evidence::AccessAutomation {
            count: ids.len(),
            request_ids: ids,
            first_seen: (*first_seen).min(
                fresh
                    .iter()
                    .map(|e| e.created_at)
                    .min()
                    .unwrap_or(*first_seen),
            ),
            last_seen: (*last_seen).max(newest.created_at),
            trigger,
            occurrences: occurrences + 1,
        };
        let mut anomaly = existing.clone();
        if newest.created_at >= *last_seen {
            anomaly.request_id = newest.request_id.clone();
        }
        anomaly.severity = anomaly
            .severity
            .max(self.severity(AnomalyType::AccessAutomation, group.high_risk));
        anomaly.summary = summarize(request, &evidence);
        anomaly.evidence = evidence;
        anomaly.updated_at = at;
        Some(Change {
            kind: ChangeKind::Updated,
            anomaly,
        })
    }
}

fn last_seen(anomaly: &Anomaly) -> Option<DateTime<Utc>> {
    match &anomaly.evidence {
        Evidence::AccessAutomation { last_seen, .. } => Some(*last_seen),
        _ => None,
    }
}
