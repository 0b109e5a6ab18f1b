//! The detector's sweep: the automation rule over a window at a time T, for every group
//! with requests in it (or, incrementally, only those whose window changed), merged into the
//! group's open automation anomaly when there is one.

use super::*;

impl Detector {
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
        let listed = self.config.access_automation.listed_requests;
        let evidence = Evidence::AccessAutomation {
            request_ids: first_and_latest(
                in_window.iter().map(|e| e.request_id.clone()).collect(),
                listed,
            ),
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
            count,
            first_seen,
            last_seen,
            occurrences,
            ..
        } = &existing.evidence
        else {
            return None;
        };
        // While every request is listed, a request is new when it is not listed (late
        // arrivals included); once the list is cut, when it is later than the last one seen
        // (or as late and not listed).
        let all_listed = *count == request_ids.len();
        let fresh: Vec<&GroupEntry> = in_window
            .iter()
            .filter(|e| {
                let known = request_ids.contains(&e.request_id);
                if all_listed {
                    !known
                } else {
                    e.created_at > *last_seen || (e.created_at == *last_seen && !known)
                }
            })
            .collect();
        let newest = fresh.iter().max_by_key(|e| (e.created_at, &e.request_id))?;
        let mut ids = request_ids.clone();
        ids.extend(fresh.iter().map(|e| e.request_id.clone()));
        let request = group.latest_request.as_ref()?;
        let listed = self.config.access_automation.listed_requests;
        let evidence = Evidence::AccessAutomation {
            count: count + fresh.len(),
            request_ids: first_and_latest(ids, listed),
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

/// The first `listed` and the latest `listed` of `ids` (all of them when that is no fewer).
fn first_and_latest(
    mut ids: Vec<crate::domain::RequestId>,
    listed: usize,
) -> Vec<crate::domain::RequestId> {
    if ids.len() > 2 * listed {
        ids.drain(listed..ids.len() - listed);
    }
    ids
}

fn last_seen(anomaly: &Anomaly) -> Option<DateTime<Utc>> {
    match &anomaly.evidence {
        Evidence::AccessAutomation { last_seen, .. } => Some(*last_seen),
        _ => None,
    }
}
