//! The automation sweep of one run (under the lease [`crate::handler::run`] holds): evaluate
//! the automation rule at T for the groups that may have changed since the last completed
//! sweep — those indexed in the time buckets entering the window (from one interval before
//! the last sweep, so requests that arrived a few minutes late are counted) and leaving it —
//! a chunk at a time, checkpointing after each chunk and stopping after
//! `max_groups_per_run` groups. A run cut short (timeout, budget) leaves a
//! checkpoint that the next run finishes first. Groups whose window did not change need no
//! evaluation: the rule would find what the previous sweep found.

use crate::handler::{Context, Summary, SweepError};
use anomalies_core::bus::{self, Publication};
use anomalies_core::domain::AnomalyId;
use anomalies_core::engine::{ChangeKind, Detector, SweepScope};
use anomalies_core::store::dynamo::keys::{self, ItemKey};
use anomalies_core::store::dynamo::records::SweepCheckpoint;
use anomalies_core::store::dynamo::snapshot::{Item, Snapshot};
use anomalies_core::store::StoreError;
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// Groups evaluated together: one BatchGetItem of groups, one of their anomalies, one
/// TransactWriteItems of at most 2 × 25 items (under its limit of 100).
pub const GROUP_CHUNK: usize = 25;
/// Attempts at a chunk whose write met a concurrent change (ingest updating a group).
const CHUNK_ATTEMPTS: u32 = 4;

/// The time-bucket partitions to read to sweep at `at`, the last completed sweep being
/// `last` (none: this is the first).
pub fn partitions(
    detector: &Detector,
    last: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Vec<String> {
    let window = detector.window();
    let interval = detector.sweep_interval();
    // After an outage the whole window is read again (and nothing needs reading twice).
    let previous = last.map_or(at - interval, |l| l.max(at - window)).min(at);
    let entering_from = (previous - interval).max(at - window);
    let mut out =
        keys::bucket_partitions(keys::bucket_start(entering_from), keys::bucket_start(at));
    if previous > at - window {
        out.extend(keys::bucket_partitions(
            keys::bucket_start(previous - window),
            keys::bucket_start(at - window),
        ));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The automation sweep up to `at` (an unfinished earlier one first); returns the budget
/// left.
pub async fn sweep(
    ctx: &Context,
    at: DateTime<Utc>,
    summary: &mut Summary,
) -> Result<usize, SweepError> {
    let mut state = ctx.table.state().await?;
    let mut budget = ctx.max_groups_per_run;
    loop {
        let target = match &state.pending {
            Some(pending) => pending.at,
            None if state.last_completed.is_some_and(|done| done >= at) => {
                summary.complete = true;
                return Ok(budget);
            }
            None => at,
        };
        let partitions = partitions(&ctx.detector, state.last_completed, target);
        let (mut position, mut after) = match state.pending.take() {
            Some(p) => (p.partition, p.after),
            None => (0, None),
        };
        // A group active in several buckets is listed in each; evaluate it once per run.
        let mut evaluated: HashSet<String> = HashSet::new();
        while position < partitions.len() {
            if budget == 0 {
                state.pending = Some(SweepCheckpoint {
                    at: target,
                    partition: position,
                    after,
                });
                ctx.table.save_state(&mut state).await?;
                return Ok(0);
            }
            let limit = budget.min(GROUP_CHUNK);
            let (groups, next) = ctx
                .table
                .bucket_groups(&partitions[position], after.as_deref(), limit)
                .await?;
            summary.partitions_read += 1;
            match next {
                Some(last) => after = Some(last),
                None => (position, after) = (position + 1, None),
            }
            let fresh: Vec<String> = groups
                .into_iter()
                .filter(|g| evaluated.insert(g.clone()))
                .collect();
            if fresh.is_empty() {
                continue;
            }
            let groups = fresh;
            evaluate(ctx, &groups, target, summary).await?;
            budget = budget.saturating_sub(groups.len());
            summary.groups += groups.len();
            state.pending = Some(SweepCheckpoint {
                at: target,
                partition: position,
                after: after.clone(),
            });
            ctx.table.save_state(&mut state).await?;
            state.pending = None;
        }
        state.pending = None;
        state.last_completed = Some(state.last_completed.map_or(target, |l| l.max(target)));
        ctx.table.save_state(&mut state).await?;
        summary.completed.push(target);
        if target >= at {
            summary.complete = true;
            return Ok(budget);
        }
    }
}

/// Evaluate these groups at `at`: load them and their automation anomalies, run the rule,
/// write what changed (retrying on a concurrent change), announce it.
async fn evaluate(
    ctx: &Context,
    group_pks: &[String],
    at: DateTime<Utc>,
    summary: &mut Summary,
) -> Result<(), SweepError> {
    for chunk in group_pks.chunks(GROUP_CHUNK) {
        let keys: Vec<ItemKey> = chunk
            .iter()
            .map(|pk| ItemKey::new(pk.clone(), keys::SK_GROUP))
            .collect();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (mut snapshot, anomaly_ids) = load(ctx, &keys).await?;
            let outcome = ctx.detector.sweep(&mut snapshot, at, SweepScope::Full);
            let writes = snapshot.take_sweep_writes(at);
            if !writes.puts.is_empty() {
                match ctx.table.apply(&writes).await {
                    Ok(()) => snapshot.commit(),
                    Err(StoreError::Conflict) if attempt < CHUNK_ATTEMPTS => continue,
                    Err(err) => return Err(err.into()),
                }
            }
            let mut publications = Vec::new();
            for change in outcome.changes {
                match change.kind {
                    ChangeKind::Detected => summary.detected += 1,
                    ChangeKind::Updated => summary.updated += 1,
                }
                let version = snapshot
                    .anomaly_record(&change.anomaly.id)
                    .map_or(1, |r| r.version);
                publications.push(Publication {
                    kind: change.kind,
                    anomaly: change.anomaly,
                    version,
                });
            }
            // Announcements a crash (or a refused PutEvents) left undone.
            for id in &anomaly_ids {
                let Some(record) = snapshot.anomaly_record(id) else {
                    continue;
                };
                if !record.published && !publications.iter().any(|p| &p.anomaly.id == id) {
                    summary.republished += 1;
                    publications.push(Publication {
                        kind: if record.version <= 1 {
                            ChangeKind::Detected
                        } else {
                            ChangeKind::Updated
                        },
                        anomaly: record.anomaly.clone(),
                        version: record.version,
                    });
                }
            }
            announce(ctx, publications, summary).await;
            break;
        }
    }
    Ok(())
}

/// A snapshot of these groups and their latest automation anomalies.
async fn load(ctx: &Context, keys: &[ItemKey]) -> Result<(Snapshot, Vec<AnomalyId>), StoreError> {
    let mut snapshot = Snapshot::new(ctx.retention.clone());
    let groups = ctx.table.load(keys).await?;
    let mut anomaly_ids = Vec::new();
    let mut anomaly_keys = Vec::new();
    for item in &groups {
        if let Item::Group(group) = item {
            if let Some(id) = &group.state.automation_anomaly {
                let pk = keys::anomaly_pk(&group.key.tenant_id, id);
                anomaly_keys.push(ItemKey::new(pk, keys::SK_ANOMALY));
                anomaly_ids.push(id.clone());
            }
        }
    }
    for item in groups {
        snapshot.load(item);
    }
    if !anomaly_keys.is_empty() {
        for item in ctx.table.load(&anomaly_keys).await? {
            snapshot.load(item);
        }
    }
    Ok((snapshot, anomaly_ids))
}

async fn announce(ctx: &Context, publications: Vec<Publication>, summary: &mut Summary) {
    if publications.is_empty() {
        return;
    }
    let accepted = bus::announce(&*ctx.bus, &publications).await;
    let mut published = Vec::new();
    for (publication, ok) in publications.iter().zip(accepted) {
        let a = &publication.anomaly;
        if ok {
            published.push((a.tenant_id.clone(), a.id.clone(), publication.version));
        } else {
            // Stays unpublished; the next sweep that reads its group announces it.
            tracing::warn!(anomaly = %a.id, "cannot publish");
            summary.publish_failed += 1;
        }
    }
    if let Err(err) = ctx.table.mark_published(&published).await {
        tracing::warn!(error = %err, "cannot mark anomalies published");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anomalies_core::config::Config;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_sweep_after_the_previous_reads_the_entering_and_leaving_buckets_only() {
        // Arrange
        let detector = Detector::new(Config::default()).unwrap();
        // Act
        let parts = partitions(
            &detector,
            Some(t("2026-03-02T09:00:00Z")),
            t("2026-03-02T09:15:00Z"),
        );
        // Assert: entering 08:45, 09:00, 09:15; leaving 08:45 and 09:00 of the day before.
        let shards = keys::BUCKET_SHARDS as usize;
        assert_eq!(parts.len(), 5 * shards);
        let start = |s: &str| keys::bucket_start(t(s));
        assert!(parts.contains(&format!("B#{}#0", start("2026-03-02T08:45:00Z"))));
        assert!(parts.contains(&format!("B#{}#7", start("2026-03-01T09:00:00Z"))));
        assert!(!parts.contains(&format!("B#{}#0", start("2026-03-02T08:30:00Z"))));
    }

    #[test]
    fn after_an_outage_the_whole_window_is_read_once() {
        let detector = Detector::new(Config::default()).unwrap();
        let parts = partitions(
            &detector,
            Some(t("2026-02-20T00:00:00Z")),
            t("2026-03-02T09:15:00Z"),
        );
        // 24 h of 15-minute buckets plus the bucket of T itself.
        assert_eq!(parts.len(), (96 + 1) * keys::BUCKET_SHARDS as usize);
        let first = partitions(&detector, None, t("2026-03-02T09:15:00Z"));
        assert!(first.len() < parts.len());
    }
}
